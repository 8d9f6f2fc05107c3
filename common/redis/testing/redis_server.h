// A throwaway redis-server child process for integration tests that need to
// stop, pause or restart Redis (outage and recovery tests). Tests that only
// need a working Redis should use the shared server named by
// RELIEF_TEST_REDIS instead.
#ifndef RELIEF_COMMON_REDIS_TESTING_REDIS_SERVER_H_
#define RELIEF_COMMON_REDIS_TESTING_REDIS_SERVER_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace relief::redis::testing {

// RELIEF_TEST_REDIS ("host:port" of the run's shared Redis, set by
// tests/run), or FAILED_PRECONDITION saying how to run the tests: there is
// no fallback, so a test without Redis fails instead of skipping.
absl::StatusOr<std::string> TestRedisAddress();

// Runs `redis-server --port P --bind 127.0.0.1 --save '' --appendonly no
// --daemonize no` as a child process, with its working directory and log
// file in a private temporary directory.
//
// Thread-compatible: one thread at a time (normally the test body).
// The destructor kills a running server (SIGKILL) and removes its directory.
// The child is also killed by the kernel if the thread that started it
// exits (PR_SET_PDEATHSIG), so a crashed test leaves no server behind: call
// Start() and Restart() from a thread that outlives the server, such as the
// test's main thread.
class RedisServerProcess {
 public:
  // `binary` is looked up on PATH unless it contains a '/'.
  explicit RedisServerProcess(std::string binary = "redis-server");
  RedisServerProcess(const RedisServerProcess&) = delete;
  RedisServerProcess& operator=(const RedisServerProcess&) = delete;
  ~RedisServerProcess();

  // A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read
  // the port, close). Another process may take it before it is used.
  static absl::StatusOr<int> PickFreePort();

  // Starts the server on `port` (0: a free port, retried a few times if it is
  // taken meanwhile) and returns once it answers PING. FAILED_PRECONDITION if
  // already running; INTERNAL if it cannot be spawned, exits early, or does
  // not answer within `ready_timeout` (the message includes its log's tail).
  absl::Status Start(int port = 0,
                     absl::Duration ready_timeout = absl::Seconds(10));

  // Sends SIGTERM (and SIGCONT, in case it is paused) and waits for the
  // process to exit; SIGKILL after 10 s. The port is free when this returns.
  // OK if it was not running.
  absl::Status Stop();

  // Stop() then Start() on the same port. FAILED_PRECONDITION if never
  // started.
  absl::Status Restart(absl::Duration ready_timeout = absl::Seconds(10));

  // SIGSTOP / SIGCONT: a paused server accepts TCP connections (the kernel
  // does) but answers nothing. FAILED_PRECONDITION if not running.
  absl::Status Pause();
  absl::Status Resume();

  bool running() const { return pid_ > 0; }
  // The port of the last Start(); 0 before the first.
  int port() const { return port_; }
  // "127.0.0.1:<port>", the form ParseRedisAddress() takes.
  std::string address() const;
  pid_t pid() const { return pid_; }

 private:
  absl::Status StartOnce(int port, absl::Duration ready_timeout);
  absl::Status WaitUntilReady(absl::Duration timeout);
  // Reaps the child if it has exited; true when it has.
  bool ReapIfExited(int* wait_status);
  std::string LogTail() const;

  std::string binary_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace relief::redis::testing

#endif  // RELIEF_COMMON_REDIS_TESTING_REDIS_SERVER_H_
