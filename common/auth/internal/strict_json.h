// JSON parsing for untrusted input (token segments, key files). Not part of
// the public API; only relief_auth's sources include it.
#ifndef RELIEF_COMMON_AUTH_INTERNAL_STRICT_JSON_H_
#define RELIEF_COMMON_AUTH_INTERNAL_STRICT_JSON_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace relief::auth::internal {

// `text` parsed as one JSON value (RFC 8259, UTF-8, no comments), or nullopt
// when it is not JSON or when any object repeats a member name (so
// {"alg":"none","alg":"EdDSA"} cannot mean different things to different
// parsers). On failure `*error` (when not null) says why without quoting
// the input: "not valid JSON (byte 17)" or "repeats a member name". Never
// throws. Thread-safe.
std::optional<nlohmann::json> ParseStrictJson(absl::string_view text,
                                              std::string* error = nullptr);

}  // namespace relief::auth::internal

#endif  // RELIEF_COMMON_AUTH_INTERNAL_STRICT_JSON_H_
