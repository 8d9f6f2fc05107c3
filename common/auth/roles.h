// The roles of DESIGN.md §5 and the longest token each may hold.
#ifndef RELIEF_COMMON_AUTH_ROLES_H_
#define RELIEF_COMMON_AUTH_ROLES_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace relief::auth {

// People.
inline constexpr absl::string_view kRoleAdmin = "admin";
inline constexpr absl::string_view kRoleLeader = "leader";
inline constexpr absl::string_view kRoleDistrictOfficer = "district_officer";
inline constexpr absl::string_view kRoleCommuneOfficer = "commune_officer";
inline constexpr absl::string_view kRolePointOperator = "point_operator";
inline constexpr absl::string_view kRoleHotlineOperator = "hotline_operator";
inline constexpr absl::string_view kRoleAuditor = "auditor";
// Machines and organisations.
inline constexpr absl::string_view kRolePartner = "partner";
inline constexpr absl::string_view kRoleDashboard = "dashboard";
inline constexpr absl::string_view kRoleService = "service";

// Longest lifetime (exp - iat) of a token held by a person.
inline constexpr absl::Duration kMaxHumanTokenLifetime = absl::Hours(12);
// Longest lifetime of a service, partner or dashboard token.
inline constexpr absl::Duration kMaxMachineTokenLifetime = absl::Hours(30 * 24);

// True for exactly the ten roles above (case-sensitive).
bool IsKnownRole(absl::string_view role);

// The longest lifetime a token for `role` may have; nullopt for an unknown
// role.
std::optional<absl::Duration> MaxTokenLifetime(absl::string_view role);

}  // namespace relief::auth

#endif  // RELIEF_COMMON_AUTH_ROLES_H_
