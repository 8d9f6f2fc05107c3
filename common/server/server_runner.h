// Runs a gRPC server the same way for every service: the synchronous API
// (docs/adr/0001-sync-grpc-server.md), the standard health service
// (NOT_SERVING until the service says it is ready), server reflection,
// Prometheus metrics for every call (metrics.h), TLS when certificates are
// configured (tls.h), and a graceful shutdown on SIGTERM/SIGINT with a
// deadline.
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
#include "common/server/metrics.h"
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
  // PEM certificate chain and private key of this server. When both are set
  // the listener serves TLS only; when both are empty it serves plaintext
  // (a warning is logged unless `listen` is a loopback address). Default:
  // empty.
  std::string tls_cert_file;
  std::string tls_key_file;
  // PEM CA bundle. When set (with TLS), clients must present a certificate
  // signed by it. Default: empty, no client certificate asked for.
  std::string tls_client_ca_file;
  // host:port serving GET /metrics over plain HTTP (port 0 picks a free
  // port, see metrics_port()). Default: empty, no HTTP endpoint (metrics are
  // still collected).
  std::string metrics_listen;
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
  // INVALID_ARGUMENT, naming the option and the file, when the TLS options
  // are inconsistent or a file cannot be read; UNAVAILABLE when `listen` or
  // `metrics_listen` cannot be bound (nothing is left listening).
  absl::Status Start();

  // The bound port (after Start()).
  int port() const { return port_; }
  // The bound metrics HTTP port (after Start()); 0 without metrics_listen.
  int metrics_port() const { return metrics_.port(); }

  // This process's metrics: every call is recorded here; services register
  // their own series (cache counters, gauges) through it. Usable from
  // construction, before Start().
  Metrics& metrics() { return metrics_; }

  // Sets the health of "" and of options.service_name. Logs transitions.
  void SetServing(bool serving);
  bool serving() const { return serving_.load(); }

  // Blocks until SIGTERM/SIGINT (needs BlockShutdownSignals()) or Stop(),
  // then shuts down: health NOT_SERVING, new calls refused, in-flight calls
  // get shutdown_grace to finish, then are cancelled.
  void Wait();

  // Asks Wait() to return and shut down. Thread-safe.
  void Stop();

  // Runs `fn` when shutdown starts, before in-flight calls are drained (e.g.
  // to end idle streams so they do not hold the grace period). Call before
  // Start().
  void OnShutdown(std::function<void()> fn) {
    on_shutdown_.push_back(std::move(fn));
  }

 private:
  // Health of "" and of options_.service_name; needs server_.
  void SetHealth(bool serving);

  const ServerOptions options_;
  std::vector<grpc::Service*> services_;
  // Before server_: the server's interceptors record into it until the end.
  Metrics metrics_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::atomic<bool> serving_{false};
  absl::Notification stop_;
  std::vector<std::function<void()>> on_shutdown_;
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
