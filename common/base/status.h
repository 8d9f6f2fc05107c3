// Status helpers shared by every Relief library: the return-if-error macros
// Abseil 20220623 lacks, and field violations carried inside an
// absl::Status so the gRPC layer can send them as google.rpc.BadRequest.
#ifndef RELIEF_COMMON_BASE_STATUS_H_
#define RELIEF_COMMON_BASE_STATUS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#define RELIEF_STATUS_CONCAT_INNER_(a, b) a##b
#define RELIEF_STATUS_CONCAT_(a, b) RELIEF_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define RELIEF_RETURN_IF_ERROR(expr)                                    \
  do {                                                                  \
    if (::absl::Status relief_status_ = (expr); !relief_status_.ok()) { \
      return relief_status_;                                            \
    }                                                                   \
  } while (0)

// `lhs` = value of `rexpr` (an absl::StatusOr<T>), or returns its status.
#define RELIEF_ASSIGN_OR_RETURN(lhs, rexpr)                                   \
  RELIEF_ASSIGN_OR_RETURN_IMPL_(                                              \
      RELIEF_STATUS_CONCAT_(relief_statusor_, __LINE__), lhs, rexpr)
#define RELIEF_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                  \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()

namespace relief {

// One refused field: `field` is a path such as "documents[1].number".
struct FieldViolation {
  std::string field;
  std::string description;

  friend bool operator==(const FieldViolation&,
                         const FieldViolation&) = default;
};

// The payload type URL under which violations travel inside absl::Status.
inline constexpr absl::string_view kBadRequestTypeUrl =
    "type.googleapis.com/google.rpc.BadRequest";

// An INVALID_ARGUMENT status whose message lists every violation
// ("full_name: must not be empty; birth_date: ...") and whose payload holds
// them as a serialized google.rpc.BadRequest. `violations` must not be empty.
absl::Status InvalidArgument(std::vector<FieldViolation> violations);
// The same with another code (e.g. FAILED_PRECONDITION naming the items of a
// batch that cannot be applied).
absl::Status WithViolations(absl::StatusCode code,
                            std::vector<FieldViolation> violations);
absl::Status InvalidArgument(absl::string_view field,
                             absl::string_view description);

// The violations carried by `status`; empty when it carries none.
std::vector<FieldViolation> GetFieldViolations(const absl::Status& status);

// Collects violations while a request is validated.
class Violations {
 public:
  void Add(std::string field, std::string description) {
    list_.push_back({std::move(field), std::move(description)});
  }
  // Adds `status`'s message under `field` when `status` is not OK.
  void AddIfError(std::string field, const absl::Status& status);
  bool empty() const { return list_.empty(); }
  // OK when nothing was added, else InvalidArgument(all violations).
  absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> list_;
};

}  // namespace relief

#endif  // RELIEF_COMMON_BASE_STATUS_H_
