#include "common/server/server_runner.h"

#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/server/testing/scrape.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace relief {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::relief::testing::HttpGet;
using ::relief::testing::SampleValue;
using ::testing::Optional;

constexpr char kCheck[] = "/grpc.health.v1.Health/Check";

std::shared_ptr<grpc::Channel> Connect(int port) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                             grpc::InsecureChannelCredentials());
}

grpc::Status Check(Health::Stub& stub, const std::string& service) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  HealthCheckRequest req;
  req.set_service(service);
  HealthCheckResponse resp;
  return stub.Check(&ctx, req, &resp);
}

// A method no service registers, through the generic stub.
grpc::Status CallUnknownMethod(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&ctx, "/no.such.v1.Service/Nothing", grpc::StubOptions(),
                 &request, &response, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  return status;
}

TEST(ServerRunnerTest, MetricsEndpointCountsEveryCallByMethodAndCode) {
  ServerRunner runner(ServerOptions{.listen = "127.0.0.1:0",
                                    .service_name = "relief.test.v1.Test",
                                    .metrics_listen = "127.0.0.1:0"});
  ASSERT_TRUE(runner.Start().ok());
  ASSERT_GT(runner.metrics_port(), 0);
  ASSERT_NE(runner.metrics_port(), runner.port());
  runner.SetServing(true);
  auto channel = Connect(runner.port());
  auto stub = Health::NewStub(channel);
  constexpr int kOk = 5;
  constexpr int kNotFound = 3;
  for (int i = 0; i < kOk; ++i) {
    ASSERT_TRUE(Check(*stub, "").ok());
  }
  for (int i = 0; i < kNotFound; ++i) {
    ASSERT_EQ(Check(*stub, "no.such.Service").error_code(),
              grpc::StatusCode::NOT_FOUND);
  }

  absl::StatusOr<std::string> body = HttpGet(runner.metrics_port());
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_THAT(SampleValue(*body, "relief_grpc_requests_total",
                          {{"method", kCheck}, {"code", "OK"}}),
              Optional(double{kOk}))
      << *body;
  EXPECT_THAT(SampleValue(*body, "relief_grpc_requests_total",
                          {{"method", kCheck}, {"code", "NOT_FOUND"}}),
              Optional(double{kNotFound}));
  EXPECT_THAT(SampleValue(*body, "relief_grpc_request_duration_seconds_count",
                          {{"method", kCheck}}),
              Optional(double{kOk + kNotFound}));
  runner.Stop();
  runner.Wait();
}

TEST(ServerRunnerTest, UnknownMethodsShareOneLabel) {
  ServerRunner runner(ServerOptions{.listen = "127.0.0.1:0",
                                    .service_name = "relief.test.v1.Test"});
  ASSERT_TRUE(runner.Start().ok());
  auto channel = Connect(runner.port());
  EXPECT_EQ(CallUnknownMethod(channel).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(
      SampleValue(runner.metrics().Scrape(), "relief_grpc_requests_total",
                  {{"method", "unknown"}, {"code", "UNIMPLEMENTED"}}),
      Optional(1.0))
      << runner.metrics().Scrape();
  runner.Stop();
  runner.Wait();
}

TEST(ServerRunnerTest, NoMetricsPortWithoutMetricsListen) {
  ServerRunner runner(ServerOptions{.listen = "127.0.0.1:0",
                                    .service_name = "relief.test.v1.Test"});
  ASSERT_TRUE(runner.Start().ok());
  EXPECT_EQ(runner.metrics_port(), 0);
}

TEST(ServerRunnerTest, BusyMetricsPortFailsStartWithUnavailable) {
  Metrics other;
  ASSERT_TRUE(other.Listen("127.0.0.1:0").ok());
  ServerRunner runner(ServerOptions{
      .listen = "127.0.0.1:0",
      .service_name = "relief.test.v1.Test",
      .metrics_listen = absl::StrCat("127.0.0.1:", other.port())});
  EXPECT_EQ(runner.Start().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(runner.port(), 0);
}

TEST(ServerRunnerTest, HealthFollowsSetServing) {
  ServerRunner runner(ServerOptions{.listen = "127.0.0.1:0",
                                    .service_name = "relief.test.v1.Test"});
  ASSERT_TRUE(runner.Start().ok());
  auto stub = Health::NewStub(Connect(runner.port()));
  auto status_of = [&](const std::string& service) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    HealthCheckRequest req;
    req.set_service(service);
    HealthCheckResponse resp;
    EXPECT_TRUE(stub->Check(&ctx, req, &resp).ok());
    return resp.status();
  };
  EXPECT_EQ(status_of(""), HealthCheckResponse::NOT_SERVING);
  runner.SetServing(true);
  EXPECT_EQ(status_of(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(status_of("relief.test.v1.Test"), HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace relief
