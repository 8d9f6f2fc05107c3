#include "services/registry/registry_policy.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace relief::registry {

using authz::Access;

std::vector<authz::Rule> RegistryRules() {
  const Access any = Access::kAny, scoped = Access::kInUnitScope,
               own = Access::kOwnPartner;
  // The home commune, its district, and admins.
  const absl::flat_hash_map<std::string, Access> officers = {
      {"admin", any}, {"district_officer", scoped}, {"commune_officer", scoped}};
  return {
      // Point operators register on the spot (source must be the point);
      // hotline operators from a call; partners their own records.
      {std::string(kMethodRegister),
       {{"admin", any},
        {"district_officer", scoped},
        {"commune_officer", scoped},
        {"point_operator", any},
        {"hotline_operator", any},
        {"partner", own}}},
      {std::string(kMethodGetPerson),
       {{"admin", any},
        {"leader", any},
        {"district_officer", scoped},
        {"commune_officer", scoped},
        {"hotline_operator", any},
        {"partner", own},
        {"service", any}}},
      // A point operator finds a person by a presented document only.
      {std::string(kMethodSearchPeople),
       {{"admin", any},
        {"leader", any},
        {"district_officer", scoped},
        {"commune_officer", scoped},
        {"point_operator", any},
        {"hotline_operator", any},
        {"partner", own},
        {"service", any}}},
      {std::string(kMethodListPeople),
       {{"admin", any},
        {"leader", any},
        {"district_officer", scoped},
        {"commune_officer", scoped},
        {"service", any}}},
      // Other provincial systems hold service tokens of this deployment.
      {std::string(kMethodLookup), {{"admin", any}, {"service", any}}},
      {std::string(kMethodSubscribe), {{"service", any}}},
      // The home commune confirms its people; the district supervises.
      {std::string(kMethodVerify), officers},
      {std::string(kMethodReject), officers},
      {std::string(kMethodBulkVerify), officers},
      {std::string(kMethodWithdraw), officers},
      // Appeal cases ([4/8]) reopen records through a service.
      {std::string(kMethodReopen),
       {{"admin", any},
        {"district_officer", scoped},
        {"commune_officer", scoped},
        {"service", any}}},
      // Corrections and the review queue: the home commune and its district.
      {std::string(kMethodUpdate), officers},
      {std::string(kMethodListReviews), officers},
      {std::string(kMethodDecideReviews), officers},
      {std::string(kMethodUnmerge), officers},
      // Disbursement (service) before paying; points before issuing rice;
      // the hotline answering "may I receive...?".
      {std::string(kMethodCheckEligibility),
       {{"admin", any},
        {"leader", any},
        {"district_officer", scoped},
        {"commune_officer", scoped},
        {"point_operator", any},
        {"hotline_operator", any},
        {"service", any}}},
      {std::string(kMethodIssueToken), {{"admin", any}}},
      {std::string(kMethodRevokeToken), {{"admin", any}}},
      {std::string(kMethodListRevocations), {{"service", any}}},
  };
}

bool SeesPersonalData(absl::string_view role) {
  return role == "admin" || role == "leader" || role == "district_officer" ||
         role == "commune_officer" || role == "point_operator" ||
         role == "partner" || role == "service";
}

std::string Mask(absl::string_view value) {
  if (value.size() <= 6) return std::string(value.size(), '*');
  return absl::StrCat(value.substr(0, 3), std::string(value.size() - 6, '*'),
                      value.substr(value.size() - 3));
}

}  // namespace relief::registry
