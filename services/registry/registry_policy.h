// Who may call which registry method (DESIGN.md §5); the authorisation
// matrix test walks this table.
#ifndef RELIEF_SERVICES_REGISTRY_REGISTRY_POLICY_H_
#define RELIEF_SERVICES_REGISTRY_REGISTRY_POLICY_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/authz/authorizer.h"

namespace relief::registry {

inline constexpr absl::string_view kMethodRegister =
    "relief.registry.v1.Registry/Register";
inline constexpr absl::string_view kMethodGetPerson =
    "relief.registry.v1.Registry/GetPerson";
inline constexpr absl::string_view kMethodSearchPeople =
    "relief.registry.v1.Registry/SearchPeople";
inline constexpr absl::string_view kMethodListPeople =
    "relief.registry.v1.Registry/ListPeople";
inline constexpr absl::string_view kMethodLookup =
    "relief.registry.v1.Registry/Lookup";
inline constexpr absl::string_view kMethodSubscribe =
    "relief.registry.v1.Registry/Subscribe";
inline constexpr absl::string_view kMethodVerify =
    "relief.registry.v1.Registry/Verify";
inline constexpr absl::string_view kMethodReject =
    "relief.registry.v1.Registry/Reject";
inline constexpr absl::string_view kMethodWithdraw =
    "relief.registry.v1.Registry/Withdraw";
inline constexpr absl::string_view kMethodReopen =
    "relief.registry.v1.Registry/Reopen";
inline constexpr absl::string_view kMethodBulkVerify =
    "relief.registry.v1.Registry/BulkVerify";
inline constexpr absl::string_view kMethodUpdate =
    "relief.registry.v1.Registry/Update";
inline constexpr absl::string_view kMethodListReviews =
    "relief.registry.v1.Registry/ListReviews";
inline constexpr absl::string_view kMethodDecideReviews =
    "relief.registry.v1.Registry/DecideReviews";
inline constexpr absl::string_view kMethodUnmerge =
    "relief.registry.v1.Registry/Unmerge";
inline constexpr absl::string_view kMethodCheckEligibility =
    "relief.registry.v1.Registry/CheckEligibility";
inline constexpr absl::string_view kMethodIssueToken =
    "relief.auth.v1.Tokens/IssueToken";
inline constexpr absl::string_view kMethodRevokeToken =
    "relief.auth.v1.Tokens/RevokeToken";
inline constexpr absl::string_view kMethodListRevocations =
    "relief.auth.v1.Tokens/ListRevocations";

// The registry's rules, one per method.
std::vector<authz::Rule> RegistryRules();

// Whether `role` sees document numbers and phones unmasked.
bool SeesPersonalData(absl::string_view role);

// "026090004817" -> "026******817"; short values are masked whole.
std::string Mask(absl::string_view value);

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_REGISTRY_POLICY_H_
