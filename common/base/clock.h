// Time as a port: every binary reads the time through a Clock so tests can
// start it at a given instant and advance it.
#ifndef RELIEF_COMMON_BASE_CLOCK_H_
#define RELIEF_COMMON_BASE_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace relief {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The real wall clock. A process-wide singleton; never destroyed.
Clock& SystemClock();

// A clock that moves only when told. Thread-safe.
class SettableClock final : public Clock {
 public:
  explicit SettableClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override;
  void Set(absl::Time t);
  void Advance(absl::Duration d);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// Vietnam has used fixed UTC+7 since 1975; days and dates shown to officials
// are in this zone.
absl::TimeZone VietnamTimeZone();

}  // namespace relief

#endif  // RELIEF_COMMON_BASE_CLOCK_H_
