// Prometheus metrics of one process: a registry every component adds its
// series to, and optionally an HTTP endpoint serving it (GET /metrics, text
// format 0.0.4, plain HTTP: bind it to loopback or the monitoring network).
//
// The series every service shares:
//   relief_grpc_requests_total{method,code}       counter: finished RPCs;
//       method is the full gRPC path ("/relief.registry.v1.Registry/Register";
//       "unknown" for every UNIMPLEMENTED call, see rpc_metrics.h), code the
//       status name ("OK", "NOT_FOUND", ...). Error rates come from this one
//       counter.
//   relief_grpc_request_duration_seconds{method}  histogram: call start to
//       status sent, buckets 0.5 ms .. 10 s (streams: their whole lifetime).
//   relief_cache_lookups_total{cache,result}      counter: result is "hit",
//       "miss" or "error" (CacheCounters).
//   relief_cache_outages_total{cache}             counter: a cache became
//       unreachable (CacheCounters::Outage).
//   relief_sequencer_lag_rows{schema}             gauge: committed rows not yet
//       numbered by the schema's sequencer (SequencerLag).
// Services add their own series through registry(); names start "relief_".
#ifndef RELIEF_COMMON_SERVER_METRICS_H_
#define RELIEF_COMMON_SERVER_METRICS_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace relief {

// The counters of one named cache. Cheap to copy; valid while the Metrics
// that made it lives. A default-constructed CacheCounters counts nothing
// (for tests and code running without metrics). Thread-safe.
class CacheCounters {
 public:
  CacheCounters() = default;

  // A lookup found the key.
  void Hit() const { Bump(hit_); }
  // A lookup did not find the key.
  void Miss() const { Bump(miss_); }
  // A lookup failed (I/O error, timeout); the caller went on without it.
  void Error() const { Bump(error_); }
  // The cache became unreachable (count once per outage, not per call).
  void Outage() const { Bump(outage_); }

 private:
  friend class Metrics;
  static void Bump(prometheus::Counter* c) {
    if (c != nullptr) c->Increment();
  }
  prometheus::Counter* hit_ = nullptr;
  prometheus::Counter* miss_ = nullptr;
  prometheus::Counter* error_ = nullptr;
  prometheus::Counter* outage_ = nullptr;
};

// Thread-safe. Not copyable or movable: series point into it.
class Metrics {
 public:
  // Latency buckets of relief_grpc_request_duration_seconds, in seconds.
  static const std::vector<double>& LatencyBuckets();

  // An empty registry with the standard families; no HTTP endpoint.
  Metrics();
  // Stops the HTTP endpoint first; after it has served a request civetweb
  // can take up to 2 s (its poll quantum) to stop.
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Serves GET /metrics on `address` ("host:port"; port 0 picks a free port,
  // see port()). UNAVAILABLE when the address cannot be bound;
  // FAILED_PRECONDITION when already listening.
  absl::Status Listen(const std::string& address);

  // The bound HTTP port; 0 when not listening.
  int port() const;

  // For a service's own series (prometheus::BuildCounter() ... Register()).
  prometheus::Registry& registry() { return *registry_; }

  // Records one finished RPC: relief_grpc_requests_total{method,code} + 1
  // and `elapsed` into relief_grpc_request_duration_seconds{method}. An
  // empty method is recorded as "unknown". The server runner calls this
  // for every call (rpc_metrics.h).
  void RecordRpc(absl::string_view method, absl::StatusCode code,
                 absl::Duration elapsed);

  // The counters of the cache named `cache` ("registry_documents").
  // Idempotent: the same name gives the same series.
  CacheCounters Cache(const std::string& cache);

  // relief_sequencer_lag_rows{schema}: the caller Set()s it after each
  // numbering pass. Idempotent per schema; valid while this Metrics lives.
  prometheus::Gauge& SequencerLag(const std::string& schema);

  // Everything in the registry in the text exposition format: what GET
  // /metrics returns (without the exposer's own series).
  std::string Scrape() const;

  // Calls in flight (started, not yet finished), as the RPC interceptor
  // counts them; the server runner drains them at shutdown.
  void CallStarted() { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void CallEnded() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

 private:
  struct RpcSeries {
    prometheus::Histogram* latency = nullptr;
    // Indexed by status code (0..16); created on first use.
    prometheus::Counter* requests[17] = {};
  };

  const std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& cache_lookups_;
  prometheus::Family<prometheus::Counter>& cache_outages_;
  prometheus::Family<prometheus::Gauge>& sequencer_lag_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, RpcSeries> rpc_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<prometheus::Exposer> exposer_ ABSL_GUARDED_BY(mu_);
  int port_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<int64_t> in_flight_{0};
};

}  // namespace relief

#endif  // RELIEF_COMMON_SERVER_METRICS_H_
