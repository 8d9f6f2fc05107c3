#include "common/server/server_runner.h"

#include <signal.h>

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/server/rpc_metrics.h"
#include "common/server/tls.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "spdlog/spdlog.h"

namespace relief {

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ServerRunner::ServerRunner(ServerOptions options)
    : options_(std::move(options)) {}

ServerRunner::~ServerRunner() {
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
  }
}

void ServerRunner::AddService(grpc::Service* service) {
  services_.push_back(service);
}

absl::Status ServerRunner::Start() {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      ServerCredentials({.cert_file = options_.tls_cert_file,
                         .key_file = options_.tls_key_file,
                         .client_ca_file = options_.tls_client_ca_file});
  if (!credentials.ok()) return credentials.status();
  const bool tls = !options_.tls_cert_file.empty();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen, *credentials, &port_);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(NewRpcMetricsInterceptorFactory(metrics_));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  grpc::ResourceQuota quota(absl::StrCat(options_.service_name, "-quota"));
  quota.SetMaxThreads(options_.max_threads);
  builder.SetResourceQuota(quota);
  builder.SetMaxReceiveMessageSize(options_.max_receive_bytes);
  for (grpc::Service* s : services_) builder.RegisterService(s);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen));
  }
  // The default health service starts SERVING: say otherwise at once.
  SetHealth(false);
  if (!options_.metrics_listen.empty()) {
    if (absl::Status s = metrics_.Listen(options_.metrics_listen); !s.ok()) {
      server_->Shutdown(std::chrono::system_clock::now());
      server_->Wait();
      server_.reset();
      port_ = 0;
      return s;
    }
  }
  spdlog::info(
      "event=listening service={} addr={} port={} tls={} mtls={} "
      "metrics_port={}",
      options_.service_name, options_.listen, port_, tls,
      !options_.tls_client_ca_file.empty(), metrics_.port());
  if (!tls && !IsLoopbackAddress(options_.listen)) {
    spdlog::warn(
        "event=insecure_listener service={} addr={} msg=\"plaintext gRPC on a "
        "non-loopback address: set tls_cert_file and tls_key_file\"",
        options_.service_name, options_.listen);
  }
  return absl::OkStatus();
}

void ServerRunner::SetHealth(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus("", serving);
  if (!options_.service_name.empty()) {
    health->SetServingStatus(options_.service_name, serving);
  }
}

void ServerRunner::SetServing(bool serving) {
  if (serving_.exchange(serving) == serving) return;
  if (server_ != nullptr) SetHealth(serving);
  spdlog::info("event=health service={} status={}", options_.service_name,
               serving ? "SERVING" : "NOT_SERVING");
}

void ServerRunner::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
}

void ServerRunner::Wait() {
  // A helper thread turns a blocked signal into Stop().
  std::thread signals([this] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    while (!stop_.HasBeenNotified()) {
      timespec timeout{0, 200 * 1000 * 1000};
      int sig = sigtimedwait(&set, nullptr, &timeout);
      if (sig == SIGTERM || sig == SIGINT) {
        spdlog::info("event=signal sig={}", sig == SIGTERM ? "TERM" : "INT");
        Stop();
      }
    }
  });
  stop_.WaitForNotification();
  signals.join();
  SetServing(false);
  for (const auto& fn : on_shutdown_) fn();
  for (const auto& fn : on_shutdown_) fn();
  if (server_ != nullptr) {
    spdlog::info("event=shutting_down grace_ms={}",
                 absl::ToInt64Milliseconds(options_.shutdown_grace));
    // gRPC's Shutdown(deadline) waits out the deadline while clients keep
    // idle connections open: drain the calls in flight ourselves, then shut
    // down at once (what is still running after the grace is cancelled).
    const absl::Time deadline = absl::Now() + options_.shutdown_grace;
    while (metrics_.in_flight() > 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
    server_.reset();
  }
  spdlog::info("event=stopped service={}", options_.service_name);
}

HealthPoller::HealthPoller(std::function<absl::Status()> check,
                           std::function<void(const absl::Status&)> on_change,
                           absl::Duration interval)
    : thread_([this, check = std::move(check),
               on_change = std::move(on_change), interval] {
        std::optional<bool> last;
        do {
          absl::Status s = check();
          if (!last.has_value() || *last != s.ok()) {
            last = s.ok();
            on_change(s);
          }
        } while (!stop_.WaitForNotificationWithTimeout(interval));
      }) {}

HealthPoller::~HealthPoller() {
  stop_.Notify();
  thread_.join();
}

}  // namespace relief
