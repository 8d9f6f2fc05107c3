// gMock matchers for relief_text's tests only.
#ifndef RELIEF_COMMON_TEXT_INTERNAL_TEST_MATCHERS_H_
#define RELIEF_COMMON_TEXT_INTERNAL_TEST_MATCHERS_H_

#include <gmock/gmock.h>

#include "absl/status/status.h"

namespace relief::text::testing {

// Matches an absl::StatusOr<T> that failed with INVALID_ARGUMENT and exactly
// `message`.
MATCHER_P(IsInvalidArgument, message, "") {
  *result_listener << "status: " << arg.status();
  return arg.status().code() == absl::StatusCode::kInvalidArgument &&
         arg.status().message() == message;
}

// Matches an OK absl::StatusOr<T> whose value equals `value`.
MATCHER_P(IsOkAndHolds, value, "") {
  if (!arg.ok()) {
    *result_listener << "status: " << arg.status();
    return false;
  }
  *result_listener << "value: " << ::testing::PrintToString(*arg);
  return *arg == value;
}

}  // namespace relief::text::testing

#endif  // RELIEF_COMMON_TEXT_INTERNAL_TEST_MATCHERS_H_
