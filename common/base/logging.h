// Structured logs: one line per event, logfmt ("key=value") after a fixed
// prefix, so they can be grepped and parsed. Personal data never goes into
// logs: ids and codes only.
#ifndef RELIEF_COMMON_BASE_LOGGING_H_
#define RELIEF_COMMON_BASE_LOGGING_H_

#include <string>

#include "absl/strings/string_view.h"
#include "spdlog/fmt/fmt.h"

namespace relief {

// Sets the default spdlog logger to stderr with the format
// "2026-01-02T03:04:05.678+07:00 level=info svc=<service> <message>".
// Call once from main, before threads start.
void InitLogging(absl::string_view service, absl::string_view level = "info");

}  // namespace relief

// Lets spdlog/fmt print absl::string_view (not std::string_view in Debian's
// Abseil build), e.g. a Status message.
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  template <typename FormatContext>
  auto format(absl::string_view s, FormatContext& ctx) const {
    return fmt::formatter<fmt::string_view>::format(
        fmt::string_view(s.data(), s.size()), ctx);
  }
};

#endif  // RELIEF_COMMON_BASE_LOGGING_H_
