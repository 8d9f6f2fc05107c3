#include "common/base/logging.h"

#include "absl/strings/str_cat.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace relief {

void InitLogging(absl::string_view service, absl::string_view level) {
  auto logger = spdlog::stderr_logger_mt(std::string(service));
  logger->set_pattern(
      absl::StrCat("%Y-%m-%dT%H:%M:%S.%e%z level=%l svc=", service, " %v"));
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace relief
