#include "common/base/clock.h"

namespace relief {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

Clock& SystemClock() {
  static RealClock* clock = new RealClock();
  return *clock;
}

absl::Time SettableClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

void SettableClock::Set(absl::Time t) {
  absl::MutexLock lock(&mu_);
  now_ = t;
}

void SettableClock::Advance(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  now_ += d;
}

absl::TimeZone VietnamTimeZone() {
  return absl::FixedTimeZone(7 * 60 * 60);
}

}  // namespace relief
