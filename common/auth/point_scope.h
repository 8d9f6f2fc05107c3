// How a point operator's attributes travel in Principal::scope.
//
// Principal (common/base/principal.h) has one scope string and is shared by
// every service, so the point-operator claims (point, host_province,
// district) are folded into it as
//
//   "point:<point>[;host_province:<code>][;district:<code>]"
//
// e.g. "point:hn-07;host_province:01;district:243". The values are
// [A-Za-z0-9._-] (token.h), so ':' and ';' never occur inside them; no unit
// code, point id or partner id given to other roles starts with "point:".
#ifndef RELIEF_COMMON_AUTH_POINT_SCOPE_H_
#define RELIEF_COMMON_AUTH_POINT_SCOPE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace relief::auth {

struct PointScope {
  // The distribution point; never empty.
  std::string point;
  // The host province it lies in; empty when the token did not say.
  std::string host_province;
  // The district that owns it; empty when the token did not say.
  std::string district;

  friend bool operator==(const PointScope&, const PointScope&) = default;
};

// The scope string above. `scope.point` must be non-empty.
std::string FormatPointScope(const PointScope& scope);

// The inverse of FormatPointScope. INVALID_ARGUMENT when `scope` is not
// exactly such a string (components in that order, each value 1..64 bytes
// of [A-Za-z0-9._-]). Thread-safe.
absl::StatusOr<PointScope> ParsePointScope(absl::string_view scope);

}  // namespace relief::auth

#endif  // RELIEF_COMMON_AUTH_POINT_SCOPE_H_
