// gMock matchers for absl::Status and absl::StatusOr<T>, shared by every
// test (Abseil 20220623 ships none).
#ifndef RELIEF_COMMON_BASE_TESTING_STATUS_MATCHERS_H_
#define RELIEF_COMMON_BASE_TESTING_STATUS_MATCHERS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace relief::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// A Status or StatusOr whose code is `code`.
MATCHER_P(StatusIs, code, "") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status: " << s;
  return s.code() == code;
}

// A Status or StatusOr whose code is `code` and whose message matches
// `message_matcher` (a string or any gMock string matcher).
MATCHER_P2(StatusIs, code, message_matcher, "") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status: " << s;
  return s.code() == code &&
         ::testing::Matches(message_matcher)(std::string(s.message()));
}

// A StatusOr that failed with INVALID_ARGUMENT and exactly `message`.
MATCHER_P(IsInvalidArgument, message, "") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status: " << s;
  return s.code() == absl::StatusCode::kInvalidArgument &&
         s.message() == message;
}

// An OK StatusOr whose value equals `value`.
MATCHER_P(IsOkAndHolds, value, "") {
  if (!arg.ok()) {
    *result_listener << "status: " << arg.status();
    return false;
  }
  *result_listener << "value: " << ::testing::PrintToString(*arg);
  return *arg == value;
}

}  // namespace relief::testing

#endif  // RELIEF_COMMON_BASE_TESTING_STATUS_MATCHERS_H_
