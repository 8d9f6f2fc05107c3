#include "common/base/config.h"

#include "absl/strings/str_cat.h"

namespace relief {

absl::StatusOr<absl::CivilDay> ParseIsoDay(absl::string_view text) {
  absl::CivilDay day;
  // ParseCivilTime normalises 2021-02-31 into March; refuse that.
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day) ||
      absl::FormatCivilTime(day) != text) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a valid YYYY-MM-DD date: \"", text, "\""));
  }
  return day;
}

}  // namespace relief
