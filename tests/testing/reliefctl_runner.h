// Runs the real reliefctl binary as a child process (no shell) and captures
// its output, for end-to-end tests of the CLI.
#ifndef RELIEF_TESTS_TESTING_RELIEFCTL_RUNNER_H_
#define RELIEF_TESTS_TESTING_RELIEFCTL_RUNNER_H_

#include <string>
#include <vector>

namespace relief::testing {

// The reliefctl binary: $RELIEF_RELIEFCTL, else build/tools/reliefctl next
// to the running test's build/tests/.
std::string ReliefctlPath();

struct ToolResult {
  int exit_code = -1;  // 128 when killed by a signal
  std::string out;
  std::string err;
};

// Runs reliefctl with `args`, capturing stdout and stderr.
ToolResult RunReliefctl(const std::vector<std::string>& args);

}  // namespace relief::testing

#endif  // RELIEF_TESTS_TESTING_RELIEFCTL_RUNNER_H_
