#include "common/server/grpc_status.h"

#include <atomic>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/base/status.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "spdlog/spdlog.h"

namespace relief {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  if (status.code() == absl::StatusCode::kInternal) {
    static std::atomic<uint64_t> counter{0};
    const std::string ref = absl::StrCat("E", ++counter, "-", ::getpid());
    spdlog::error("event=internal_error ref={} status=\"{}\"", ref,
                  status.ToString());
    return grpc::Status(code, absl::StrCat("internal error (ref ", ref, ")"));
  }
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload.has_value()) {
    return grpc::Status(code, std::string(status.message()));
  }
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(std::string(status.message()));
  auto* any = details.add_details();
  any->set_type_url(std::string(kBadRequestTypeUrl));
  any->set_value(std::string(*payload));
  return grpc::Status(code, std::string(status.message()),
                      details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()),
                   status.error_message());
  google::rpc::Status details;
  if (!status.error_details().empty() &&
      details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      if (any.type_url() == kBadRequestTypeUrl) {
        out.SetPayload(kBadRequestTypeUrl, absl::Cord(any.value()));
      }
    }
  }
  return out;
}

}  // namespace relief
