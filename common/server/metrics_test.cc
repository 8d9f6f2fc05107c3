#include "common/server/metrics.h"

#include "common/base/testing/status_matchers.h"
#include "common/server/testing/scrape.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace relief {
namespace {

using ::relief::testing::HttpGet;
using ::relief::testing::SampleValue;
using ::relief::testing::StatusIs;
using ::testing::Optional;

constexpr char kRequests[] = "relief_grpc_requests_total";
constexpr char kLatencyCount[] = "relief_grpc_request_duration_seconds_count";
constexpr char kLatencyBucket[] = "relief_grpc_request_duration_seconds_bucket";

TEST(MetricsTest, RecordRpcCountsByMethodAndCode) {
  Metrics metrics;
  metrics.RecordRpc("/a.B/C", absl::StatusCode::kOk, absl::Milliseconds(1));
  metrics.RecordRpc("/a.B/C", absl::StatusCode::kOk, absl::Milliseconds(2));
  metrics.RecordRpc("/a.B/C", absl::StatusCode::kNotFound,
                    absl::Milliseconds(3));
  const std::string text = metrics.Scrape();
  EXPECT_THAT(
      SampleValue(text, kRequests, {{"method", "/a.B/C"}, {"code", "OK"}}),
      Optional(2.0));
  EXPECT_THAT(SampleValue(text, kRequests,
                          {{"method", "/a.B/C"}, {"code", "NOT_FOUND"}}),
              Optional(1.0));
  EXPECT_THAT(SampleValue(text, kLatencyCount, {{"method", "/a.B/C"}}),
              Optional(3.0));
}

TEST(MetricsTest, LatencyLandsInItsBucket) {
  Metrics metrics;
  metrics.RecordRpc("/a.B/C", absl::StatusCode::kOk, absl::Microseconds(300));
  metrics.RecordRpc("/a.B/C", absl::StatusCode::kOk, absl::Seconds(20));
  const std::string text = metrics.Scrape();
  EXPECT_THAT(SampleValue(text, kLatencyBucket,
                          {{"method", "/a.B/C"}, {"le", "0.0005"}}),
              Optional(1.0));
  EXPECT_THAT(
      SampleValue(text, kLatencyBucket, {{"method", "/a.B/C"}, {"le", "10"}}),
      Optional(1.0));
  EXPECT_THAT(
      SampleValue(text, kLatencyBucket, {{"method", "/a.B/C"}, {"le", "+Inf"}}),
      Optional(2.0));
}

TEST(MetricsTest, EmptyMethodIsRecordedAsUnknown) {
  Metrics metrics;
  metrics.RecordRpc("", absl::StatusCode::kUnimplemented,
                    absl::Milliseconds(1));
  EXPECT_THAT(SampleValue(metrics.Scrape(), kRequests,
                          {{"method", "unknown"}, {"code", "UNIMPLEMENTED"}}),
              Optional(1.0));
}

TEST(MetricsTest, CacheCountersCountEachResult) {
  Metrics metrics;
  CacheCounters docs = metrics.Cache("documents");
  docs.Hit();
  docs.Hit();
  docs.Miss();
  docs.Error();
  docs.Outage();
  metrics.Cache("documents").Hit();  // same series
  const std::string text = metrics.Scrape();
  const char kLookups[] = "relief_cache_lookups_total";
  EXPECT_THAT(
      SampleValue(text, kLookups, {{"cache", "documents"}, {"result", "hit"}}),
      Optional(3.0));
  EXPECT_THAT(
      SampleValue(text, kLookups, {{"cache", "documents"}, {"result", "miss"}}),
      Optional(1.0));
  EXPECT_THAT(SampleValue(text, kLookups,
                          {{"cache", "documents"}, {"result", "error"}}),
              Optional(1.0));
  EXPECT_THAT(
      SampleValue(text, "relief_cache_outages_total", {{"cache", "documents"}}),
      Optional(1.0));
}

TEST(MetricsTest, DefaultCacheCountersCountNothing) {
  CacheCounters none;
  none.Hit();
  none.Miss();
  none.Error();
  none.Outage();
}

TEST(MetricsTest, SequencerLagIsAGauge) {
  Metrics metrics;
  metrics.SequencerLag("registry").Set(42);
  metrics.SequencerLag("registry").Set(7);
  EXPECT_THAT(SampleValue(metrics.Scrape(), "relief_sequencer_lag_rows",
                          {{"schema", "registry"}}),
              Optional(7.0));
}

TEST(MetricsTest, ServicesRegisterTheirOwnSeries) {
  Metrics metrics;
  prometheus::BuildCounter()
      .Name("relief_test_things_total")
      .Help("Things.")
      .Register(metrics.registry())
      .Add({{"kind", "x"}})
      .Increment(5);
  EXPECT_THAT(SampleValue(metrics.Scrape(), "relief_test_things_total",
                          {{"kind", "x"}}),
              Optional(5.0));
}

TEST(MetricsTest, NotListeningByDefault) {
  Metrics metrics;
  EXPECT_EQ(metrics.port(), 0);
}

TEST(MetricsTest, ListenServesTheRegistryOverHttp) {
  Metrics metrics;
  ASSERT_TRUE(metrics.Listen("127.0.0.1:0").ok());
  ASSERT_GT(metrics.port(), 0);
  metrics.SequencerLag("inventory").Set(3);
  absl::StatusOr<std::string> body = HttpGet(metrics.port());
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_THAT(SampleValue(*body, "relief_sequencer_lag_rows",
                          {{"schema", "inventory"}}),
              Optional(3.0));
}

TEST(MetricsTest, ListenTwiceIsFailedPrecondition) {
  Metrics metrics;
  ASSERT_TRUE(metrics.Listen("127.0.0.1:0").ok());
  EXPECT_THAT(metrics.Listen("127.0.0.1:0"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(MetricsTest, ListenOnABusyPortIsUnavailable) {
  Metrics first;
  ASSERT_TRUE(first.Listen("127.0.0.1:0").ok());
  Metrics second;
  EXPECT_THAT(second.Listen(absl::StrCat("127.0.0.1:", first.port())),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(second.port(), 0);
}

}  // namespace
}  // namespace relief
