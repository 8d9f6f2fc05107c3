// Authorisation: which role may call which method, and on what (DESIGN.md
// §5). One table per service, checked the same way everywhere; the
// authorisation-matrix test walks every row.
#ifndef RELIEF_COMMON_AUTHZ_AUTHORIZER_H_
#define RELIEF_COMMON_AUTHZ_AUTHORIZER_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/base/principal.h"
#include "common/units/unit_catalog.h"

namespace relief::authz {

// The roles of DESIGN.md §5.
inline constexpr absl::string_view kRoles[] = {
    "admin",   "leader",    "district_officer", "commune_officer",
    "point_operator", "hotline_operator", "partner", "dashboard",
    "auditor", "service"};

// How a role reaches a method.
enum class Access {
  kDenied,
  // Anywhere in the deployment.
  kAny,
  // Only on targets inside the principal's unit scope (through the unit
  // table's parent links): officers.
  kInUnitScope,
  // Only on records the partner itself sent (target.partner_id == scope).
  kOwnPartner,
};

// What a call is about. Empty fields are unknown / not applicable.
struct Target {
  // The administrative unit the data belongs to (a person's home commune).
  std::string unit_code;
  // The partner that sent the record.
  std::string partner_id;
};

struct Rule {
  std::string method;  // e.g. "relief.registry.v1.Registry/Register"
  absl::flat_hash_map<std::string, Access> access;  // role -> access; absent: denied
};

// Immutable after construction; thread-safe. `units` must outlive it.
class Authorizer {
 public:
  Authorizer(std::vector<Rule> rules, const units::UnitCatalog& units);

  // How `principal`'s role reaches `method` (kDenied when no rule says).
  Access AccessFor(const Principal& principal, absl::string_view method) const;

  // OK when `principal` may call `method` at all (before the target is
  // known); PERMISSION_DENIED otherwise.
  absl::Status CheckMethod(const Principal& principal,
                           absl::string_view method) const;

  // OK when `principal` may call `method` on `target`; PERMISSION_DENIED,
  // naming the method and the reason, otherwise.
  absl::Status Check(const Principal& principal, absl::string_view method,
                     const Target& target) const;

  // True when unit `code` lies in `principal`'s unit scope.
  bool InUnitScope(const Principal& principal, absl::string_view code) const;

  // The communes a unit-scoped principal reaches (for list filters), sorted.
  std::vector<std::string> CommunesInScope(const Principal& principal) const;
  // The communes of unit `unit_code` (itself when a commune), sorted.
  std::vector<std::string> CommunesUnder(absl::string_view unit_code) const;

  const std::vector<Rule>& rules() const { return rules_; }

 private:
  std::vector<Rule> rules_;
  absl::flat_hash_map<std::string, const Rule*> by_method_;
  const units::UnitCatalog& units_;
};

}  // namespace relief::authz

#endif  // RELIEF_COMMON_AUTHZ_AUTHORIZER_H_
