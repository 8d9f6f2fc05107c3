// Configuration every service reads from the start (DESIGN.md §3).
#ifndef RELIEF_COMMON_BASE_CONFIG_H_
#define RELIEF_COMMON_BASE_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace relief {

// One deployment serves one home province.
struct DeploymentConfig {
  // GSO code of the home province, with its leading zero ("26" = Vĩnh Phúc).
  std::string home_province_code = "26";
  // Administrative units are resolved as of this day (codes are reused
  // across reforms). Default: the start of the 2021 programme.
  absl::CivilDay reference_date = absl::CivilDay(2021, 8, 15);
};

// Parses "YYYY-MM-DD"; INVALID_ARGUMENT on anything else (including 31/02).
absl::StatusOr<absl::CivilDay> ParseIsoDay(absl::string_view text);

}  // namespace relief

#endif  // RELIEF_COMMON_BASE_CONFIG_H_
