// reliefctl: the command-line client for officials, operators and scripts.
//
//   reliefctl [--addr=HOST:PORT] [--timeout=10s] [--token=T | --token-file=F]
//             [--tls-ca=PEM [--tls-cert=PEM --tls-key=PEM]] COMMAND ...
//     health [--wait=DURATION]          exit 0 when SERVING
//     register --file=F.json [--request-id=ID]
//                                       F: a RegisterRequest in proto3 JSON
//     register --request-id=ID --name=N --born=YYYY[-MM-DD] --sex=male|female
//              --commune=CODE --host-province=CODE --needs=medical|living|both
//              --source=self|commune_list|hotline|point|partner
//              [--cccd=N] [--cmnd=N] [--passport=N] [--phone=P]
//              [--host-district=CODE] [--street=S] [--note=S]
//              [--relative="name,relationship[,phone]"]...
//              [--partner=ID --partner-ref=REF]
//     get --person-id=ID
//     search (--document=N [--type=cccd|cmnd|passport] | --phone=P | --name=S)
//            [--page-size=N] [--page-token=T] [--all]
//     list (--commune=CODE | --host-province=CODE) [--state=verified|...]
//          [--page-size=N]
//            [--page-token=T] [--all]
//     lookup --document=N --type=cccd|cmnd|passport
//     verify|reject|withdraw|reopen --request-id=ID --person-id=ID
//            [--reason=TEXT] [--case-id=ID (reopen)]
//     bulk-verify --request-id=ID --person-id=ID... [--reason=TEXT]
//     subscribe [--after=POSITION] [--max=N]   events as JSON lines
//     token bootstrap --keys=FILE [--kid=K] [--subject=S] [--ttl=12h]
//                                       offline: creates FILE if missing and
//                                       prints an admin token
//     token issue --request-id=ID --subject=S --role=R [--scope=X] [--ttl=D]
//     token revoke --request-id=ID --jti=J --reason=TEXT
//     audit verify --pg=URL --keys=FILE [--schema=registry]
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
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "common/auth/key_file.h"
#include "common/auth/roles.h"
#include "common/auth/token.h"
#include "common/base/clock.h"
#include "common/base/ids.h"
#include "common/events/audit_chain.h"
#include "common/pg/pool.h"
#include "common/server/tls.h"
#include "relief/auth/v1/auth.grpc.pb.h"
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
  std::string token;
  std::string token_file;
  std::string tls_ca, tls_cert, tls_key;
};

absl::Duration ParseDurationOr(const std::string& text, absl::Duration dflt) {
  absl::Duration d;
  return absl::ParseDuration(text, &d) ? d : dflt;
}

int Fail(const absl::Status& status) {
  const std::vector<FieldViolation> violations = GetFieldViolations(status);
  std::cerr << "error: " << absl::StatusCodeToString(status.code());
  if (violations.empty()) std::cerr << ": " << status.message();
  std::cerr << "\n";
  for (const FieldViolation& v : violations) {
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
  Client(const Global& g, std::shared_ptr<grpc::ChannelCredentials> creds,
         std::string token)
      : g_(g),
        token_(std::move(token)),
        channel_(grpc::CreateChannel(g.addr, std::move(creds))) {}

  void Prepare(grpc::ClientContext& ctx, absl::Duration timeout) const {
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    if (!token_.empty()) ctx.AddMetadata("authorization", "Bearer " + token_);
  }
  absl::Duration timeout() const {
    return ParseDurationOr(g_.timeout, absl::Seconds(10));
  }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

 private:
  const Global& g_;
  std::string token_;
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

// Registration fields given as flags instead of a JSON file.
struct RegisterFlags {
  std::string name, born, sex, cccd, cmnd, passport, phone, commune,
      host_province, host_district, street, needs, note, source, partner,
      partner_ref;
  std::vector<std::string> relatives;
};

// Fills `req` from flags; a usage message when a value cannot be read (the
// server checks everything else and names the field).
absl::Status FromFlags(const RegisterFlags& f, rv1::RegisterRequest& req) {
  req.set_full_name(f.name);
  if (!f.born.empty()) {
    int y = 0, m = 0, d = 0;
    if (std::sscanf(f.born.c_str(), "%d-%d-%d", &y, &m, &d) < 1) {
      return absl::InvalidArgumentError("--born: YYYY or YYYY-MM-DD");
    }
    req.mutable_birth_date()->set_year(y);
    req.mutable_birth_date()->set_month(m);
    req.mutable_birth_date()->set_day(d);
  }
  const std::string sex = absl::AsciiStrToLower(f.sex);
  req.set_sex(sex == "male"     ? rv1::SEX_MALE
              : sex == "female" ? rv1::SEX_FEMALE
                                : rv1::SEX_UNSPECIFIED);
  auto add_doc = [&](rv1::DocumentType t, const std::string& n) {
    if (n.empty()) return;
    auto* d = req.add_documents();
    d->set_type(t);
    d->set_number(n);
  };
  add_doc(rv1::DOCUMENT_TYPE_CCCD, f.cccd);
  add_doc(rv1::DOCUMENT_TYPE_CMND, f.cmnd);
  add_doc(rv1::DOCUMENT_TYPE_PASSPORT, f.passport);
  req.set_phone(f.phone);
  req.set_home_commune_code(f.commune);
  req.mutable_current_address()->set_province_code(f.host_province);
  req.mutable_current_address()->set_district_code(f.host_district);
  req.mutable_current_address()->set_street(f.street);
  const std::string needs = absl::AsciiStrToLower(f.needs);
  req.mutable_needs()->set_kind(needs == "medical"  ? rv1::NEED_KIND_MEDICAL
                                : needs == "living" ? rv1::NEED_KIND_LIVING
                                : needs == "both"   ? rv1::NEED_KIND_BOTH
                                                    : rv1::NEED_KIND_UNSPECIFIED);
  req.mutable_needs()->set_note(f.note);
  for (const std::string& r : f.relatives) {
    std::vector<std::string> parts = absl::StrSplit(r, ',');
    if (parts.size() < 2 || parts.size() > 3) {
      return absl::InvalidArgumentError(
          "--relative: \"name,relationship[,phone]\"");
    }
    auto* rel = req.add_relatives();
    rel->set_name(parts[0]);
    rel->set_relationship(parts[1]);
    if (parts.size() == 3) rel->set_phone(parts[2]);
  }
  const std::string source = absl::AsciiStrToLower(f.source);
  req.set_source(source == "self"           ? rv1::SOURCE_SELF
                 : source == "commune_list" ? rv1::SOURCE_COMMUNE_LIST
                 : source == "hotline"      ? rv1::SOURCE_HOTLINE
                 : source == "point"        ? rv1::SOURCE_DISTRIBUTION_POINT
                 : source == "partner"      ? rv1::SOURCE_PARTNER
                                            : rv1::SOURCE_UNSPECIFIED);
  req.set_partner_id(f.partner);
  req.set_partner_external_ref(f.partner_ref);
  return absl::OkStatus();
}

int Register(const Client& client, const std::string& file,
             const std::string& request_id, const RegisterFlags& flags) {
  rv1::RegisterRequest req;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return Usage(absl::StrCat("cannot read ", file));
    std::stringstream text;
    text << in.rdbuf();
    google::protobuf::util::JsonParseOptions options;
    auto parsed =
        google::protobuf::util::JsonStringToMessage(text.str(), &req, options);
    if (!parsed.ok()) {
      return Usage(absl::StrCat(file,
                                ": not a RegisterRequest in proto3 JSON: ",
                                parsed.ToString()));
    }
  } else if (absl::Status s = FromFlags(flags, req); !s.ok()) {
    return Usage(std::string(s.message()));
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

rv1::DocumentType ParseDocType(const std::string& t) {
  const std::string lower = absl::AsciiStrToLower(t);
  if (lower == "cccd") return rv1::DOCUMENT_TYPE_CCCD;
  if (lower == "cmnd") return rv1::DOCUMENT_TYPE_CMND;
  if (lower == "passport") return rv1::DOCUMENT_TYPE_PASSPORT;
  return rv1::DOCUMENT_TYPE_UNSPECIFIED;
}

struct PageFlags {
  int page_size = 0;
  std::string page_token;
  bool all = false;
};

// Calls `fetch` page after page (all) or once, printing each page.
template <typename Fetch>
int Pages(const PageFlags& pf, Fetch fetch) {
  std::string token = pf.page_token;
  do {
    rv1::PeoplePage page;
    grpc::Status s = fetch(token, &page);
    if (!s.ok()) return Fail(FromGrpcStatus(s));
    Print(page);
    token = page.next_page_token();
  } while (pf.all && !token.empty());
  return 0;
}

int Search(const Client& client, const std::string& document,
           const std::string& type, const std::string& phone,
           const std::string& name, const PageFlags& pf) {
  auto stub = rv1::Registry::NewStub(client.channel());
  return Pages(pf, [&](const std::string& token, rv1::PeoplePage* page) {
    rv1::SearchPeopleRequest req;
    if (!document.empty()) {
      req.set_document_number(document);
      req.set_document_type(ParseDocType(type));
    } else if (!phone.empty()) {
      req.set_phone(phone);
    } else {
      req.set_name(name);
    }
    req.set_page_size(pf.page_size);
    req.set_page_token(token);
    grpc::ClientContext ctx;
    client.Prepare(ctx, client.timeout());
    return stub->SearchPeople(&ctx, req, page);
  });
}

rv1::PersonState ParseState(const std::string& text) {
  rv1::PersonState state = rv1::PERSON_STATE_UNSPECIFIED;
  if (!text.empty()) {
    rv1::PersonState_Parse("PERSON_STATE_" + absl::AsciiStrToUpper(text),
                           &state);
  }
  return state;
}

int List(const Client& client, const std::string& commune,
         const std::string& host, const std::string& state,
         const PageFlags& pf) {
  auto stub = rv1::Registry::NewStub(client.channel());
  return Pages(pf, [&](const std::string& token, rv1::PeoplePage* page) {
    rv1::ListPeopleRequest req;
    if (!commune.empty()) {
      req.set_home_commune_code(commune);
    } else {
      req.set_host_province_code(host);
    }
    req.set_state(ParseState(state));
    req.set_page_size(pf.page_size);
    req.set_page_token(token);
    grpc::ClientContext ctx;
    client.Prepare(ctx, client.timeout());
    return stub->ListPeople(&ctx, req, page);
  });
}

int Lookup(const Client& client, const std::string& document,
           const std::string& type) {
  auto stub = rv1::Registry::NewStub(client.channel());
  rv1::LookupRequest req;
  req.set_document_number(document);
  req.set_document_type(ParseDocType(type));
  rv1::LookupResponse resp;
  grpc::ClientContext ctx;
  client.Prepare(ctx, client.timeout());
  grpc::Status s = stub->Lookup(&ctx, req, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  Print(resp);
  return 0;
}

// Verify, Reject, Withdraw or Reopen one person.
int Transit(const Client& client, const std::string& verb,
            const std::string& request_id, const std::string& person_id,
            const std::string& reason, const std::string& case_id) {
  auto stub = rv1::Registry::NewStub(client.channel());
  grpc::ClientContext ctx;
  client.Prepare(ctx, client.timeout());
  rv1::Person resp;
  grpc::Status s;
  if (verb == "reopen") {
    rv1::ReopenRequest req;
    req.set_request_id(request_id);
    req.set_person_id(person_id);
    req.set_reason(reason);
    req.set_case_id(case_id);
    s = stub->Reopen(&ctx, req, &resp);
  } else {
    rv1::TransitionRequest req;
    req.set_request_id(request_id);
    req.set_person_id(person_id);
    req.set_reason(reason);
    s = verb == "verify"   ? stub->Verify(&ctx, req, &resp)
        : verb == "reject" ? stub->Reject(&ctx, req, &resp)
                           : stub->Withdraw(&ctx, req, &resp);
  }
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  Print(resp);
  return 0;
}

int BulkVerify(const Client& client, const std::string& request_id,
               const std::vector<std::string>& ids, const std::string& reason) {
  auto stub = rv1::Registry::NewStub(client.channel());
  rv1::BulkVerifyRequest req;
  req.set_request_id(request_id);
  for (const auto& id : ids) req.add_person_ids(id);
  req.set_reason(reason);
  grpc::ClientContext ctx;
  client.Prepare(ctx, client.timeout());
  rv1::BulkVerifyResponse resp;
  grpc::Status s = stub->BulkVerify(&ctx, req, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  Print(resp);
  return 0;
}

int Subscribe(const Client& client, int64_t after, int64_t max) {
  auto stub = rv1::Registry::NewStub(client.channel());
  ::relief::events::v1::SubscribeRequest req;
  req.set_after_position(after);
  grpc::ClientContext ctx;
  // A stream runs until it is stopped: no deadline, only the token.
  client.Prepare(ctx, absl::Hours(24 * 365));
  auto reader = stub->Subscribe(&ctx, req);
  ::relief::events::v1::Event event;
  int64_t seen = 0;
  google::protobuf::util::JsonPrintOptions options;
  while (reader->Read(&event)) {
    if (event.position() == 0) continue;  // heartbeat
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(event, &json, options);
    std::cout << json << std::endl;
    if (max > 0 && ++seen >= max) {
      ctx.TryCancel();
      break;
    }
  }
  grpc::Status s = reader->Finish();
  if (!s.ok() && !(max > 0 && seen >= max)) return Fail(FromGrpcStatus(s));
  return 0;
}

int TokenBootstrap(const std::string& path, const std::string& kid,
                   const std::string& subject, const std::string& ttl_text) {
  absl::StatusOr<auth::KeyFile> file = auth::LoadKeyFile(path);
  if (file.status().code() == absl::StatusCode::kNotFound) {
    absl::StatusOr<auth::KeyPair> pair = auth::GenerateKeyPair(kid);
    if (!pair.ok()) return Fail(pair.status());
    file = auth::KeyFile{{*pair}};
    if (absl::Status s = auth::SaveKeyFile(path, *file); !s.ok()) {
      return Fail(s);
    }
    std::cerr << "created key file " << path << " (kid " << kid << ")\n";
  }
  if (!file.ok()) return Fail(file.status());
  absl::StatusOr<auth::SigningKey> key =
      file->SigningKeyFor(file->keys.back().kid);
  if (!key.ok()) return Fail(key.status());
  absl::Duration ttl;
  if (!absl::ParseDuration(ttl_text, &ttl) ||
      ttl > auth::kMaxHumanTokenLifetime || ttl <= absl::ZeroDuration()) {
    return Usage("--ttl: a duration up to 12h");
  }
  const absl::Time now = absl::Now();
  UuidV7Generator ids(SystemClock());
  absl::StatusOr<std::string> token = auth::SignToken(
      {.iss = "reliefctl-bootstrap",
       .sub = subject,
       .role = std::string(auth::kRoleAdmin),
       .iat = now,
       .exp = now + ttl,
       .jti = ids.NewId()},
      *key);
  if (!token.ok()) return Fail(token.status());
  std::cout << *token << "\n";
  return 0;
}

int TokenIssue(const Client& client, const std::string& request_id,
               const std::string& subject, const std::string& role,
               const std::string& scope, const std::string& ttl_text) {
  ::relief::auth::v1::IssueTokenRequest req;
  req.set_request_id(request_id);
  req.set_subject(subject);
  req.set_role(role);
  req.set_scope(scope);
  if (!ttl_text.empty()) {
    absl::Duration ttl;
    if (!absl::ParseDuration(ttl_text, &ttl)) return Usage("--ttl: a duration");
    req.set_ttl_seconds(absl::ToInt64Seconds(ttl));
  }
  auto stub = ::relief::auth::v1::Tokens::NewStub(client.channel());
  ::relief::auth::v1::IssueTokenResponse resp;
  grpc::ClientContext ctx;
  client.Prepare(ctx, client.timeout());
  grpc::Status s = stub->IssueToken(&ctx, req, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  Print(resp);
  return 0;
}

int TokenRevoke(const Client& client, const std::string& request_id,
                const std::string& jti, const std::string& reason) {
  ::relief::auth::v1::RevokeTokenRequest req;
  req.set_request_id(request_id);
  req.set_jti(jti);
  req.set_reason(reason);
  auto stub = ::relief::auth::v1::Tokens::NewStub(client.channel());
  ::relief::auth::v1::RevokeTokenResponse resp;
  grpc::ClientContext ctx;
  client.Prepare(ctx, client.timeout());
  grpc::Status s = stub->RevokeToken(&ctx, req, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  Print(resp);
  return 0;
}

int AuditVerify(const std::string& pg_url, const std::string& keys_path,
                const std::string& schema) {
  absl::StatusOr<auth::KeyFile> file = auth::LoadKeyFile(keys_path);
  if (!file.ok()) return Fail(file.status());
  events::PublicKeys keys;
  for (const auth::KeyPair& k : file->keys) keys[k.kid] = k.public_key;
  pg::Pool pool(pg::PoolOptions{.conninfo = pg_url, .size = 1});
  int64_t rows = 0;
  absl::Status s = events::VerifyStoredAuditLog(pool, schema, keys, &rows);
  if (!s.ok()) return Fail(s);
  std::cout << "audit chain of " << schema << " verified: " << rows
            << " rows\n";
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
  app.add_option("--token", g.token, "bearer token")->envname("RELIEF_TOKEN");
  app.add_option("--token-file", g.token_file, "file holding the bearer token")
      ->envname("RELIEF_TOKEN_FILE");
  app.add_option("--tls-ca", g.tls_ca, "PEM CA to trust (enables TLS)")
      ->envname("RELIEF_TLS_CA");
  app.add_option("--tls-cert", g.tls_cert, "PEM client certificate")
      ->envname("RELIEF_TLS_CERT");
  app.add_option("--tls-key", g.tls_key, "PEM client key")
      ->envname("RELIEF_TLS_KEY");

  std::string wait = "0s";
  auto* health = app.add_subcommand("health", "check the server's health");
  health->add_option("--wait", wait, "keep asking until SERVING, up to this");

  std::string file, request_id;
  auto* reg = app.add_subcommand("register", "register a person");
  RegisterFlags rf;
  reg->add_option("--file", file, "RegisterRequest as proto3 JSON (or flags)");
  reg->add_option("--request-id", request_id, "overrides requestId in the file");
  reg->add_option("--name", rf.name, "full name");
  reg->add_option("--born", rf.born, "YYYY-MM-DD or YYYY");
  reg->add_option("--sex", rf.sex, "male or female");
  reg->add_option("--cccd", rf.cccd, "CCCD number");
  reg->add_option("--cmnd", rf.cmnd, "CMND number");
  reg->add_option("--passport", rf.passport, "passport number");
  reg->add_option("--phone", rf.phone, "mobile number");
  reg->add_option("--commune", rf.commune, "home commune code");
  reg->add_option("--host-province", rf.host_province, "current province");
  reg->add_option("--host-district", rf.host_district, "current district");
  reg->add_option("--street", rf.street, "current address");
  reg->add_option("--needs", rf.needs, "medical, living or both");
  reg->add_option("--note", rf.note, "about the needs");
  reg->add_option("--relative", rf.relatives, "name,relationship[,phone]");
  reg->add_option("--source", rf.source,
                  "self, commune_list, hotline, point or partner");
  reg->add_option("--partner", rf.partner, "partner id (source partner)");
  reg->add_option("--partner-ref", rf.partner_ref, "the partner's reference");

  std::string person_id;
  auto* get = app.add_subcommand("get", "show one person");
  get->add_option("--person-id", person_id, "the person's id")->required();

  std::string document, type, phone, name, commune, host;
  PageFlags pf;
  auto* search = app.add_subcommand("search", "find people");
  search->add_option("--document", document, "a document number");
  search->add_option("--type", type, "cccd, cmnd or passport");
  search->add_option("--phone", phone, "a phone number");
  search->add_option("--name", name, "a name or its beginning");
  auto* list = app.add_subcommand("list", "people of a commune or host province");
  list->add_option("--commune", commune, "home commune code");
  list->add_option("--host-province", host, "host province code");
  std::string state;
  list->add_option("--state", state, "submitted, verified, rejected, ...");
  for (auto* sub : {search, list}) {
    sub->add_option("--page-size", pf.page_size, "1..500 (default 50)");
    sub->add_option("--page-token", pf.page_token, "from the previous page");
    sub->add_flag("--all", pf.all, "follow every page");
  }
  auto* lookup = app.add_subcommand("lookup", "is a document known here?");
  lookup->add_option("--document", document, "a document number")->required();
  lookup->add_option("--type", type, "cccd, cmnd or passport")->required();

  std::string transit_request_id, transit_person_id, transit_reason, case_id;
  std::vector<CLI::App*> transitions;
  for (const char* verb : {"verify", "reject", "withdraw", "reopen"}) {
    auto* t = app.add_subcommand(verb, std::string(verb) + " a person");
    t->add_option("--request-id", transit_request_id)->required();
    t->add_option("--person-id", transit_person_id)->required();
    t->add_option("--reason", transit_reason, "why (required to reject, "
                                              "withdraw, reopen)");
    if (std::string(verb) == "reopen") {
      t->add_option("--case-id", case_id, "the appeal case");
    }
    transitions.push_back(t);
  }
  std::vector<std::string> bulk_ids;
  auto* bulk = app.add_subcommand("bulk-verify", "verify many, all or nothing");
  bulk->add_option("--request-id", transit_request_id)->required();
  bulk->add_option("--person-id", bulk_ids, "repeat for each person")
      ->required();
  bulk->add_option("--reason", transit_reason);

  int64_t after = 0, max = 0;
  auto* subscribe = app.add_subcommand("subscribe", "follow the event feed");
  subscribe->add_option("--after", after, "start after this position");
  subscribe->add_option("--max", max, "stop after this many events");

  std::string keys_path, kid = "k1", subject = "admin.bootstrap", ttl,
                         role, scope, jti, reason, pg_url,
                         schema = "registry", token_request_id;
  auto* token = app.add_subcommand("token", "tokens");
  token->require_subcommand(1);
  auto* bootstrap = token->add_subcommand("bootstrap", "mint an admin token offline");
  bootstrap->add_option("--keys", keys_path, "key file (created if missing)")
      ->required();
  bootstrap->add_option("--kid", kid, "kid of a new key");
  bootstrap->add_option("--subject", subject, "who the token names");
  std::string bootstrap_ttl = "12h";
  bootstrap->add_option("--ttl", bootstrap_ttl, "lifetime, at most 12h");
  auto* issue = token->add_subcommand("issue", "issue a token (admin)");
  issue->add_option("--request-id", token_request_id)->required();
  issue->add_option("--subject", subject)->required();
  issue->add_option("--role", role)->required();
  issue->add_option("--scope", scope);
  issue->add_option("--ttl", ttl, "lifetime (default: the role's maximum)");
  auto* revoke = token->add_subcommand("revoke", "revoke a token (admin)");
  revoke->add_option("--request-id", token_request_id)->required();
  revoke->add_option("--jti", jti)->required();
  revoke->add_option("--reason", reason)->required();

  auto* audit = app.add_subcommand("audit", "audit log");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand("verify", "check the hash chain and checkpoints");
  verify->add_option("--pg", pg_url, "Postgres URL with read access")->required();
  verify->add_option("--keys", keys_path, "key file with the public keys")->required();
  verify->add_option("--schema", schema, "the service's schema");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (*bootstrap) return TokenBootstrap(keys_path, kid, subject, bootstrap_ttl);
  if (*verify) return AuditVerify(pg_url, keys_path, schema);

  auto creds = relief::ClientCredentials(
      {.ca_file = g.tls_ca, .cert_file = g.tls_cert, .key_file = g.tls_key});
  if (!creds.ok()) return Usage(std::string(creds.status().message()));
  std::string bearer = g.token;
  if (bearer.empty() && !g.token_file.empty()) {
    std::ifstream in(g.token_file);
    if (!in) return Usage("cannot read --token-file " + g.token_file);
    std::getline(in, bearer);
  }
  Client client(g, *creds, bearer);
  if (*health) return Health(client, wait);
  if (*reg) return Register(client, file, request_id, rf);
  if (*get) return Get(client, person_id);
  if (*search) {
    if ((!document.empty()) + (!phone.empty()) + (!name.empty()) != 1) {
      return Usage("search: give exactly one of --document, --phone, --name");
    }
    return Search(client, document, type, phone, name, pf);
  }
  if (*list) {
    if (commune.empty() == host.empty()) {
      return Usage("list: give --commune or --host-province");
    }
    return List(client, commune, host, state, pf);
  }
  if (*lookup) return Lookup(client, document, type);
  for (CLI::App* t : transitions) {
    if (*t) {
      return Transit(client, t->get_name(), transit_request_id,
                     transit_person_id, transit_reason, case_id);
    }
  }
  if (*bulk) return BulkVerify(client, transit_request_id, bulk_ids, transit_reason);
  if (*subscribe) return Subscribe(client, after, max);
  if (*issue) return TokenIssue(client, token_request_id, subject, role, scope, ttl);
  if (*revoke) return TokenRevoke(client, token_request_id, jti, reason);
  return 2;
}
