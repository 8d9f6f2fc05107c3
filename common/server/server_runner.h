// Runs a gRPC server the same way for every service: the synchronous API
// (docs/adr/0001-sync-grpc-server.md), the standard health service
// (NOT_SERVING until the service says it is ready), server reflection, and a
// graceful shutdown on SIGTERM/SIGINT with a deadline.
#ifndef RELIEF_COMMON_SERVER_SERVER_RUNNER_H_
#define RELIEF_COMMON_SERVER_SERVER_RUNNER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"

namespace relief {

struct ServerOptions {
  // host:port to listen on; port 0 picks a free port (see port()).
  std::string listen = "127.0.0.1:50051";
  // Name used in logs and as the health service name.
  std::string service_name;
  // Most threads serving calls at once (sync API). Default 64.
  int max_threads = 64;
  // How long in-flight calls may finish after a shutdown signal. Default 10 s.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Largest request accepted. Default 4 MiB (gRPC's default).
  int max_receive_bytes = 4 * 1024 * 1024;
};

// Blocks SIGTERM and SIGINT in the calling thread and every thread it
// starts later, so WaitForShutdownSignal() can take them. Call first in main.
void BlockShutdownSignals();

// Thread-safe after Start().
class ServerRunner {
 public:
  explicit ServerRunner(ServerOptions options);
  ~ServerRunner();

  // Services must outlive the runner. Call before Start().
  void AddService(grpc::Service* service);

  // Binds and starts serving; health is NOT_SERVING until SetServing(true).
  // UNAVAILABLE when the address cannot be bound.
  absl::Status Start();

  // The bound port (after Start()).
  int port() const { return port_; }

  // Sets the health of "" and of options.service_name. Logs transitions.
  void SetServing(bool serving);
  bool serving() const { return serving_.load(); }

  // Blocks until SIGTERM/SIGINT (needs BlockShutdownSignals()) or Stop(),
  // then shuts down: health NOT_SERVING, new calls refused, in-flight calls
  // get shutdown_grace to finish, then are cancelled.
  void Wait();

  // Asks Wait() to return and shut down. Thread-safe.
  void Stop();

 private:
  const ServerOptions options_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::atomic<bool> serving_{false};
  absl::Notification stop_;
};

// Calls `check` every `interval` on its own thread and reports the result to
// `on_change` whenever it changes (and once at the start). Stops on
// destruction.
class HealthPoller {
 public:
  HealthPoller(std::function<absl::Status()> check,
               std::function<void(const absl::Status&)> on_change,
               absl::Duration interval);
  ~HealthPoller();

 private:
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace relief

#endif  // RELIEF_COMMON_SERVER_SERVER_RUNNER_H_
