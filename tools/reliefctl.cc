// reliefctl: the command-line client for officials, operators and scripts.
//
//   reliefctl [--addr=HOST:PORT] [--timeout=10s] [--as=SUBJECT] COMMAND ...
//     health [--wait=DURATION]          exit 0 when SERVING
//     register --file=F.json [--request-id=ID]
//                                       F: a RegisterRequest in proto3 JSON
//     get --person-id=ID
//
// Output: the response as proto3 JSON on stdout. Errors on stderr as
// "error: CODE: message" and one "  field: reason" line per bad field.
// Exit codes (for scripts): 0 success; 2 usage or unreadable input;
// 10 + the gRPC status code otherwise (13 INVALID_ARGUMENT, 15 NOT_FOUND,
// 16 ALREADY_EXISTS, 24 UNAVAILABLE, 14 DEADLINE_EXCEEDED ...); 3 health
// not SERVING by the deadline.
#include <fstream>
#include <iostream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/base/status.h"
#include "common/server/grpc_status.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "relief/registry/v1/registry.grpc.pb.h"

namespace relief::ctl {
namespace {

namespace rv1 = ::relief::registry::v1;

struct Global {
  std::string addr = "127.0.0.1:50051";
  std::string timeout = "10s";
  std::string as;
};

absl::Duration ParseDurationOr(const std::string& text, absl::Duration dflt) {
  absl::Duration d;
  return absl::ParseDuration(text, &d) ? d : dflt;
}

int Fail(const absl::Status& status) {
  std::cerr << "error: " << absl::StatusCodeToString(status.code()) << ": "
            << status.message() << "\n";
  for (const FieldViolation& v : GetFieldViolations(status)) {
    std::cerr << "  " << v.field << ": " << v.description << "\n";
  }
  return 10 + static_cast<int>(status.code());
}

int Usage(const std::string& message) {
  std::cerr << "error: " << message << "\n";
  return 2;
}

void Print(const google::protobuf::Message& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = false;
  (void)google::protobuf::util::MessageToJsonString(m, &json, options);
  std::cout << json;
  if (json.empty() || json.back() != '\n') std::cout << "\n";
}

class Client {
 public:
  explicit Client(const Global& g)
      : g_(g),
        channel_(grpc::CreateChannel(g.addr,
                                     grpc::InsecureChannelCredentials())) {}

  void Prepare(grpc::ClientContext& ctx, absl::Duration timeout) const {
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    if (!g_.as.empty()) ctx.AddMetadata("x-relief-subject", g_.as);
  }
  absl::Duration timeout() const {
    return ParseDurationOr(g_.timeout, absl::Seconds(10));
  }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  const Global& g_;
  std::shared_ptr<grpc::Channel> channel_;
};

int Health(const Client& client, const std::string& wait_text) {
  auto stub = grpc::health::v1::Health::NewStub(client.channel());
  const absl::Duration wait = ParseDurationOr(wait_text, absl::ZeroDuration());
  const absl::Time deadline = absl::Now() + wait;
  std::string last = "no answer";
  while (true) {
    grpc::ClientContext ctx;
    client.Prepare(ctx, std::min(client.timeout(), absl::Seconds(2)));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::Status s = stub->Check(&ctx, req, &resp);
    if (s.ok() &&
        resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      std::cout << "SERVING\n";
      return 0;
    }
    last = s.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                        resp.status())
                  : absl::StrCat("unreachable (", s.error_message(), ")");
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  std::cout << last << "\n";
  return 3;
}

int Register(const Client& client, const std::string& file,
             const std::string& request_id) {
  std::ifstream in(file);
  if (!in) return Usage(absl::StrCat("cannot read ", file));
  std::stringstream text;
  text << in.rdbuf();
  rv1::RegisterRequest req;
  google::protobuf::util::JsonParseOptions options;
  auto parsed =
      google::protobuf::util::JsonStringToMessage(text.str(), &req, options);
  if (!parsed.ok()) {
    return Usage(absl::StrCat(file, ": not a RegisterRequest in proto3 JSON: ",
                              parsed.ToString()));
  }
  if (!request_id.empty()) req.set_request_id(request_id);
  auto stub = rv1::Registry::NewStub(client.channel());
  grpc::ClientContext ctx;
  client.Prepare(ctx, client.timeout());
  rv1::RegisterResponse resp;
  grpc::Status s = stub->Register(&ctx, req, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  Print(resp);
  return 0;
}

int Get(const Client& client, const std::string& person_id) {
  auto stub = rv1::Registry::NewStub(client.channel());
  grpc::ClientContext ctx;
  client.Prepare(ctx, client.timeout());
  rv1::GetPersonRequest req;
  req.set_person_id(person_id);
  rv1::Person resp;
  grpc::Status s = stub->GetPerson(&ctx, req, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  Print(resp);
  return 0;
}

}  // namespace
}  // namespace relief::ctl

int main(int argc, char** argv) {
  using namespace relief::ctl;
  Global g;
  CLI::App app{"reliefctl: command-line client for Relief"};
  app.require_subcommand(1);
  app.add_option("--addr", g.addr, "server host:port")
      ->envname("RELIEF_ADDR")
      ->capture_default_str();
  app.add_option("--timeout", g.timeout, "deadline of each call (e.g. 10s)")
      ->capture_default_str();
  app.add_option("--as", g.as, "subject to act as (until tokens land)")
      ->envname("RELIEF_AS");

  std::string wait = "0s";
  auto* health = app.add_subcommand("health", "check the server's health");
  health->add_option("--wait", wait, "keep asking until SERVING, up to this");

  std::string file, request_id;
  auto* reg = app.add_subcommand("register", "register a person");
  reg->add_option("--file", file, "RegisterRequest as proto3 JSON")->required();
  reg->add_option("--request-id", request_id, "overrides requestId in the file");

  std::string person_id;
  auto* get = app.add_subcommand("get", "show one person");
  get->add_option("--person-id", person_id, "the person's id")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  Client client(g);
  if (*health) return Health(client, wait);
  if (*reg) return Register(client, file, request_id);
  if (*get) return Get(client, person_id);
  return 2;
}
