#include "common/server/tls.h"
#include "common/server/testing/test_pki.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/testing/status_matchers.h"
#include "common/server/server_runner.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"

namespace relief {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::relief::testing::Pki;
using ::relief::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;


class TlsServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new Pki();
    ASSERT_TRUE(pki_->Generate()) << pki_->error();
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  ServerOptions TlsOptions() const {
    return ServerOptions{.listen = "127.0.0.1:0",
                         .service_name = "relief.test.v1.Test",
                         .tls_cert_file = pki_->Path("server.pem"),
                         .tls_key_file = pki_->Path("server.key")};
  }

  // One health Check on `host`:port with `credentials`.
  static grpc::Status Check(
      const std::string& host, int port,
      const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
    auto stub = Health::NewStub(
        grpc::CreateChannel(absl::StrCat(host, ":", port), credentials));
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    HealthCheckRequest req;
    HealthCheckResponse resp;
    return stub->Check(&ctx, req, &resp);
  }

  static std::shared_ptr<grpc::ChannelCredentials> Creds(
      const ClientTlsOptions& options) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> c =
        ClientCredentials(options);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : nullptr;
  }

  static Pki* pki_;
};

Pki* TlsServerTest::pki_ = nullptr;

TEST_F(TlsServerTest, ClientTrustingTheCaConnects) {
  ServerRunner runner(TlsOptions());
  ASSERT_TRUE(runner.Start().ok());
  const auto creds = Creds({.ca_file = pki_->Path("ca.pem")});
  grpc::Status s = Check("127.0.0.1", runner.port(), creds);
  EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  s = Check("localhost", runner.port(), creds);
  EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
}

TEST_F(TlsServerTest, PlaintextClientIsRefused) {
  ServerRunner runner(TlsOptions());
  ASSERT_TRUE(runner.Start().ok());
  EXPECT_EQ(Check("127.0.0.1", runner.port(), Creds({})).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsServerTest, ClientTrustingAnotherCaIsUnavailable) {
  ServerRunner runner(TlsOptions());
  ASSERT_TRUE(runner.Start().ok());
  EXPECT_EQ(Check("127.0.0.1", runner.port(),
                  Creds({.ca_file = pki_->Path("other.pem")}))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsServerTest, ClientCertificateRequiredWhenClientCaIsSet) {
  ServerOptions options = TlsOptions();
  options.tls_client_ca_file = pki_->Path("ca.pem");
  ServerRunner runner(options);
  ASSERT_TRUE(runner.Start().ok());
  grpc::Status with_cert = Check("127.0.0.1", runner.port(),
                                 Creds({.ca_file = pki_->Path("ca.pem"),
                                        .cert_file = pki_->Path("client.pem"),
                                        .key_file = pki_->Path("client.key")}));
  EXPECT_TRUE(with_cert.ok()) << with_cert.error_message();
  EXPECT_EQ(Check("127.0.0.1", runner.port(),
                  Creds({.ca_file = pki_->Path("ca.pem")}))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsServerTest, UnreadableCertFileIsInvalidArgumentNamingIt) {
  ServerOptions options = TlsOptions();
  options.tls_cert_file = pki_->Path("missing.pem");
  ServerRunner runner(options);
  EXPECT_THAT(runner.Start(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("tls_cert_file"),
                             HasSubstr(pki_->Path("missing.pem")))));
}

TEST_F(TlsServerTest, UnreadableClientCaFileIsInvalidArgumentNamingIt) {
  ServerOptions options = TlsOptions();
  options.tls_client_ca_file = pki_->Path("missing-ca.pem");
  ServerRunner runner(options);
  EXPECT_THAT(runner.Start(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("tls_client_ca_file"),
                             HasSubstr(pki_->Path("missing-ca.pem")))));
}

TEST_F(TlsServerTest, KeyThatIsNotPemIsInvalidArgument) {
  std::ofstream(pki_->Path("garbage.key")) << "not a key\n";
  ServerOptions options = TlsOptions();
  options.tls_key_file = pki_->Path("garbage.key");
  ServerRunner runner(options);
  EXPECT_THAT(runner.Start(), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("tls_key_file")));
}

TEST(TlsOptionsTest, CertWithoutKeyIsInvalidArgument) {
  EXPECT_THAT(ServerCredentials({.cert_file = "/x/cert.pem"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TlsOptionsTest, ClientCaWithoutServerCertIsInvalidArgument) {
  EXPECT_THAT(ServerCredentials({.client_ca_file = "/x/ca.pem"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TlsOptionsTest, NoFilesMeansInsecure) {
  EXPECT_TRUE(ServerCredentials({}).ok());
  EXPECT_TRUE(ClientCredentials({}).ok());
}

TEST(TlsOptionsTest, UnreadableClientCaFileIsInvalidArgumentNamingIt) {
  EXPECT_THAT(
      ClientCredentials({.ca_file = "/nonexistent/ca.pem"}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("ca_file"), HasSubstr("/nonexistent/ca.pem"))));
}

TEST(TlsOptionsTest, ClientCertWithoutCaIsInvalidArgument) {
  EXPECT_THAT(ClientCredentials({.cert_file = "c.pem", .key_file = "k.pem"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TlsOptionsTest, LoopbackAddresses) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:50051"));
  EXPECT_TRUE(IsLoopbackAddress("127.1.2.3:0"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:50051"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:50051"));
  EXPECT_TRUE(IsLoopbackAddress("unix:/run/relief.sock"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:50051"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:50051"));
  EXPECT_FALSE(IsLoopbackAddress(":50051"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.5:50051"));
  EXPECT_FALSE(IsLoopbackAddress("relief.example.vn:443"));
}

}  // namespace
}  // namespace relief
