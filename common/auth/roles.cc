#include "common/auth/roles.h"

namespace relief::auth {

std::optional<absl::Duration> MaxTokenLifetime(absl::string_view role) {
  if (role == kRoleAdmin || role == kRoleLeader ||
      role == kRoleDistrictOfficer || role == kRoleCommuneOfficer ||
      role == kRolePointOperator || role == kRoleHotlineOperator ||
      role == kRoleAuditor) {
    return kMaxHumanTokenLifetime;
  }
  if (role == kRolePartner || role == kRoleDashboard || role == kRoleService) {
    return kMaxMachineTokenLifetime;
  }
  return std::nullopt;
}

bool IsKnownRole(absl::string_view role) {
  return MaxTokenLifetime(role).has_value();
}

}  // namespace relief::auth
