#include "common/auth/point_scope.h"

#include <iterator>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace relief::auth {
namespace {

// 1..64 bytes of [A-Za-z0-9._-], as token.h requires of these claims.
bool IsCode(absl::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string FormatPointScope(const PointScope& scope) {
  std::string out = absl::StrCat("point:", scope.point);
  if (!scope.host_province.empty()) {
    absl::StrAppend(&out, ";host_province:", scope.host_province);
  }
  if (!scope.district.empty()) {
    absl::StrAppend(&out, ";district:", scope.district);
  }
  return out;
}

absl::StatusOr<PointScope> ParsePointScope(absl::string_view scope) {
  const auto bad = [] {
    return absl::InvalidArgumentError(
        "scope: not point:<id>[;host_province:<code>][;district:<code>]");
  };
  const std::vector<absl::string_view> parts = absl::StrSplit(scope, ';');
  PointScope out;
  // Fields in their only allowed order; `next` is the first not yet seen.
  struct Field {
    absl::string_view prefix;
    std::string* value;
  };
  const Field fields[] = {{"point:", &out.point},
                          {"host_province:", &out.host_province},
                          {"district:", &out.district}};
  size_t next = 0;
  for (absl::string_view part : parts) {
    while (next < std::size(fields) &&
           !absl::StartsWith(part, fields[next].prefix)) {
      if (next == 0) return bad();  // point comes first and is required.
      ++next;
    }
    if (next == std::size(fields)) return bad();
    const absl::string_view value = part.substr(fields[next].prefix.size());
    if (!IsCode(value)) return bad();
    fields[next].value->assign(value.data(), value.size());
    ++next;
  }
  return out;
}

}  // namespace relief::auth
