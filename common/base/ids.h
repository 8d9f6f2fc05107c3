// Identifier generation as a port (tests may want predictable ids).
#ifndef RELIEF_COMMON_BASE_IDS_H_
#define RELIEF_COMMON_BASE_IDS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "common/base/clock.h"

namespace relief {

// Thread-safe.
class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // A new id in canonical UUID text form (36 chars, lower-case hex).
  virtual std::string NewId() = 0;
};

// UUID version 7 (RFC 9562): 48-bit Unix milliseconds from `clock`, then
// random bits, so ids sort roughly by creation time and index well.
// Thread-safe. `clock` must outlive the generator.
class UuidV7Generator final : public IdGenerator {
 public:
  explicit UuidV7Generator(const Clock& clock) : clock_(clock) {}
  std::string NewId() override;

 private:
  const Clock& clock_;
};

// True when `id` is a UUID in canonical text form (any version).
bool IsUuid(absl::string_view id);

}  // namespace relief

#endif  // RELIEF_COMMON_BASE_IDS_H_
