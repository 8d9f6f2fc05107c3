// The refusals of a call that changes many items all or nothing (BulkVerify,
// DecideReviews): one field violation per refused item, in item order.
#ifndef RELIEF_SERVICES_REGISTRY_REFUSALS_H_
#define RELIEF_SERVICES_REGISTRY_REFUSALS_H_

#include <map>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/base/status.h"

namespace relief::registry {

class Refusals {
 public:
  // Records the refusal of item `index` of the request list `field`
  // ("person_ids[3]: ..."). A status that is not a refusal (database
  // trouble: the whole call fails) is returned as is; refusals give OK.
  absl::Status Add(absl::string_view field, size_t index,
                   const absl::Status& status) {
    switch (status.code()) {
      case absl::StatusCode::kPermissionDenied:
        denied_ = true;
        break;
      case absl::StatusCode::kFailedPrecondition:
      case absl::StatusCode::kNotFound:
        break;
      default:
        return status;
    }
    items_[index] = {absl::StrCat(field, "[", index, "]"),
                     std::string(status.message())};
    return absl::OkStatus();
  }

  bool empty() const { return items_.empty(); }

  // PERMISSION_DENIED when any item was outside the caller's scope, else
  // FAILED_PRECONDITION; OK when nothing was refused.
  absl::Status ToStatus() const {
    if (items_.empty()) return absl::OkStatus();
    std::vector<FieldViolation> v;
    for (const auto& [index, violation] : items_) v.push_back(violation);
    return WithViolations(denied_ ? absl::StatusCode::kPermissionDenied
                                  : absl::StatusCode::kFailedPrecondition,
                          std::move(v));
  }

 private:
  std::map<size_t, FieldViolation> items_;
  bool denied_ = false;
};

}  // namespace relief::registry

#endif  // RELIEF_SERVICES_REGISTRY_REFUSALS_H_
