#include "common/base/status.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"

namespace relief {

absl::Status InvalidArgument(std::vector<FieldViolation> violations) {
  return WithViolations(absl::StatusCode::kInvalidArgument,
                        std::move(violations));
}

absl::Status WithViolations(absl::StatusCode code,
                            std::vector<FieldViolation> violations) {
  google::rpc::BadRequest bad_request;
  std::string message;
  for (const FieldViolation& v : violations) {
    auto* fv = bad_request.add_field_violations();
    fv->set_field(v.field);
    fv->set_description(v.description);
    absl::StrAppend(&message, message.empty() ? "" : "; ", v.field, ": ",
                    v.description);
  }
  absl::Status status(code, message);
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status InvalidArgument(absl::string_view field,
                             absl::string_view description) {
  return InvalidArgument(
      {FieldViolation{std::string(field), std::string(description)}});
}

std::vector<FieldViolation> GetFieldViolations(const absl::Status& status) {
  std::vector<FieldViolation> out;
  auto payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload.has_value()) return out;
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) return out;
  for (const auto& fv : bad_request.field_violations()) {
    out.push_back({fv.field(), fv.description()});
  }
  return out;
}

void Violations::AddIfError(std::string field, const absl::Status& status) {
  if (!status.ok()) Add(std::move(field), std::string(status.message()));
}

absl::Status Violations::ToStatus() const {
  if (list_.empty()) return absl::OkStatus();
  return InvalidArgument(list_);
}

}  // namespace relief
