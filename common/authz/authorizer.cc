#include "common/authz/authorizer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace relief::authz {

Authorizer::Authorizer(std::vector<Rule> rules,
                       const units::UnitCatalog& units)
    : rules_(std::move(rules)), units_(units) {
  for (const Rule& r : rules_) by_method_[r.method] = &r;
}

Access Authorizer::AccessFor(const Principal& principal,
                             absl::string_view method) const {
  auto rule = by_method_.find(method);
  if (rule == by_method_.end()) return Access::kDenied;
  auto it = rule->second->access.find(principal.role);
  return it == rule->second->access.end() ? Access::kDenied : it->second;
}

absl::Status Authorizer::CheckMethod(const Principal& principal,
                                     absl::string_view method) const {
  if (AccessFor(principal, method) != Access::kDenied) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "role ", principal.role, " may not call ", method));
}

bool Authorizer::InUnitScope(const Principal& principal,
                             absl::string_view code) const {
  return !principal.scope.empty() && !code.empty() &&
         units_.Contains(principal.scope, code);
}

absl::Status Authorizer::Check(const Principal& principal,
                               absl::string_view method,
                               const Target& target) const {
  switch (AccessFor(principal, method)) {
    case Access::kAny:
      return absl::OkStatus();
    case Access::kInUnitScope:
      if (InUnitScope(principal, target.unit_code)) return absl::OkStatus();
      return absl::PermissionDeniedError(absl::StrCat(
          method, ": unit ", target.unit_code.empty() ? "?" : target.unit_code,
          " is outside the scope ", principal.scope, " of ",
          principal.subject));
    case Access::kOwnPartner:
      if (!principal.scope.empty() && target.partner_id == principal.scope) {
        return absl::OkStatus();
      }
      return absl::PermissionDeniedError(
          absl::StrCat(method, ": a partner sees only what it sent"));
    case Access::kDenied:
      break;
  }
  return CheckMethod(principal, method);
}

std::vector<std::string> Authorizer::CommunesInScope(
    const Principal& principal) const {
  return CommunesUnder(principal.scope);
}

std::vector<std::string> Authorizer::CommunesUnder(
    absl::string_view unit_code) const {
  std::vector<std::string> out;
  const units::Unit* root = units_.Find(unit_code);
  if (root == nullptr) return out;
  std::vector<const units::Unit*> stack = {root};
  while (!stack.empty()) {
    const units::Unit* u = stack.back();
    stack.pop_back();
    if (u->level == units::Level::kCommune) {
      out.push_back(u->code);
      continue;
    }
    for (const units::Unit* c : units_.Children(u->code)) stack.push_back(c);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace relief::authz
