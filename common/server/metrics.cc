#include "common/server/metrics.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "prometheus/exposer.h"
#include "prometheus/text_serializer.h"

namespace relief {
namespace {

constexpr int kNumCodes = 17;  // OK .. UNAUTHENTICATED

}  // namespace

const std::vector<double>& Metrics::LatencyBuckets() {
  static const std::vector<double>* const kBuckets =
      new std::vector<double>{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  return *kBuckets;
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("relief_grpc_requests_total")
                    .Help("Finished gRPC calls by full method and status code.")
                    .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("relief_grpc_request_duration_seconds")
                   .Help("Time from the start of a gRPC call to its status.")
                   .Register(*registry_)),
      cache_lookups_(prometheus::BuildCounter()
                         .Name("relief_cache_lookups_total")
                         .Help("Cache lookups by cache and result "
                               "(hit, miss, error).")
                         .Register(*registry_)),
      cache_outages_(prometheus::BuildCounter()
                         .Name("relief_cache_outages_total")
                         .Help("Times a cache became unreachable.")
                         .Register(*registry_)),
      sequencer_lag_(prometheus::BuildGauge()
                         .Name("relief_sequencer_lag_rows")
                         .Help("Committed rows the schema's sequencer has not "
                               "numbered yet.")
                         .Register(*registry_)) {}

Metrics::~Metrics() {
  // Stop serving before the registry goes away.
  absl::MutexLock lock(&mu_);
  exposer_.reset();
}

absl::Status Metrics::Listen(const std::string& address) {
  absl::MutexLock lock(&mu_);
  if (exposer_ != nullptr) {
    return absl::FailedPreconditionError("metrics endpoint already listening");
  }
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // civetweb throws when it cannot bind.
    exposer = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
  const std::vector<int> ports = exposer->GetListeningPorts();
  if (ports.empty() || ports.front() <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": no port bound"));
  }
  exposer->RegisterCollectable(registry_);
  port_ = ports.front();
  exposer_ = std::move(exposer);
  return absl::OkStatus();
}

int Metrics::port() const {
  absl::MutexLock lock(&mu_);
  return port_;
}

void Metrics::RecordRpc(absl::string_view method, absl::StatusCode code,
                        absl::Duration elapsed) {
  int index = static_cast<int>(code);
  if (index < 0 || index >= kNumCodes) {
    index = static_cast<int>(absl::StatusCode::kUnknown);
  }
  if (method.empty()) method = "unknown";
  prometheus::Counter* counter;
  prometheus::Histogram* histogram;
  {
    absl::MutexLock lock(&mu_);
    auto it = rpc_.find(method);
    if (it == rpc_.end()) {
      it = rpc_.try_emplace(std::string(method)).first;
      it->second.latency =
          &latency_.Add({{"method", it->first}}, LatencyBuckets());
    }
    RpcSeries& series = it->second;
    if (series.requests[index] == nullptr) {
      series.requests[index] = &requests_.Add(
          {{"method", it->first},
           {"code",
            absl::StatusCodeToString(static_cast<absl::StatusCode>(index))}});
    }
    counter = series.requests[index];
    histogram = series.latency;
  }
  counter->Increment();
  histogram->Observe(absl::ToDoubleSeconds(elapsed));
}

CacheCounters Metrics::Cache(const std::string& cache) {
  CacheCounters c;
  c.hit_ = &cache_lookups_.Add({{"cache", cache}, {"result", "hit"}});
  c.miss_ = &cache_lookups_.Add({{"cache", cache}, {"result", "miss"}});
  c.error_ = &cache_lookups_.Add({{"cache", cache}, {"result", "error"}});
  c.outage_ = &cache_outages_.Add({{"cache", cache}});
  return c;
}

prometheus::Gauge& Metrics::SequencerLag(const std::string& schema) {
  return sequencer_lag_.Add({{"schema", schema}});
}

std::string Metrics::Scrape() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace relief
