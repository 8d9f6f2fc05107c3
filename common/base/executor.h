// A fixed pool of threads running queued closures: where callback-API
// handlers send their blocking work (Postgres reads), so that gRPC's own
// threads never block.
#ifndef RELIEF_COMMON_BASE_EXECUTOR_H_
#define RELIEF_COMMON_BASE_EXECUTOR_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace relief {

// Thread-safe. The destructor runs what is already queued, then joins.
class Executor {
 public:
  explicit Executor(int threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void Schedule(std::function<void()> fn);

 private:
  void Loop();

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace relief

#endif  // RELIEF_COMMON_BASE_EXECUTOR_H_
