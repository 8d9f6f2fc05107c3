// Failpoints: named points in the code where a test can make the process
// stall, fail or die at an exact step. Off unless armed; an unarmed point
// costs one relaxed atomic load.
//
// Spec syntax (flag --failpoints / env RELIEF_FAILPOINTS):
//   "name=action[;name=action...]" with action one of
//     off            disarmed
//     sleep(MS)      stall the calling thread MS milliseconds
//     error          return UNAVAILABLE("failpoint NAME")
//     kill           SIGKILL the whole process (a crash, no cleanup)
//   An action may be prefixed with "N*" to fire only the first N times
//   ("1*kill").
#ifndef RELIEF_COMMON_BASE_FAILPOINT_H_
#define RELIEF_COMMON_BASE_FAILPOINT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace relief::failpoint {

// Arms every point in `spec` (see above). INVALID_ARGUMENT on a bad spec,
// in which case nothing is armed. Thread-safe.
absl::Status Configure(absl::string_view spec);

// Arms one point; `action` as in the spec syntax. Thread-safe.
absl::Status Arm(absl::string_view name, absl::string_view action);
void DisarmAll();

// Evaluates point `name`: OK unless it is armed with `error` (then
// UNAVAILABLE); may sleep or never return (kill). Thread-safe.
absl::Status Hit(absl::string_view name);

}  // namespace relief::failpoint

#endif  // RELIEF_COMMON_BASE_FAILPOINT_H_
