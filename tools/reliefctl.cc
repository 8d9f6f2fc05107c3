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
//     update PERSON_ID --reason=TEXT [--request-id=ID] [--name=N]
//            [--birth=YYYY[-MM-DD]] [--sex=male|female] [--phone=P]
//            [--home-commune=CODE] [--host-province=CODE]
//            [--host-district=CODE] [--street=S]
//                                       corrects the fields given (at least
//                                       one); the address is read, then
//                                       corrected as a whole
//     reviews list --unit=CODE [--page-size=N] [--page-token=T] [--all]
//                  [--json]              text for officers, or proto3 JSON
//     reviews decide REVIEW_ID (--same [--same-as=ID] | --distinct)
//                    [--reason=TEXT] [--request-id=ID]
//     reviews decide --decision=REVIEW_ID=same[:ID]|distinct ...
//                    [--reason=TEXT] [--request-id=ID]   all or nothing
//     unmerge PERSON_ID --reason=TEXT [--request-id=ID]
//     eligibility PERSON_ID --purpose=cash|rice
//                 [--document-type=cccd|cmnd|passport|household_book|
//                  residence_confirmation|other --document=N] [--json]
//                                       exit 0 whether eligible or not
//     (update, reviews decide, unmerge: without --request-id a new UUIDv7 is
//     used and printed on stderr as "request id: ..." for a retry)
//     subscribe [--after=POSITION] [--max=N]   events as JSON lines
//     token bootstrap --keys=FILE [--kid=K] [--subject=S] [--ttl=12h]
//                                       offline: creates FILE if missing and
//                                       prints an admin token
//     token issue --request-id=ID --subject=S --role=R [--scope=X] [--ttl=D]
//     token revoke --request-id=ID --jti=J --reason=TEXT
//     audit verify --pg=URL --keys=FILE [--schema=registry]
//
// Output: the response as proto3 JSON on stdout (`reviews list` and
// `eligibility` print text for people unless --json). Errors on stderr as
// "error: CODE: message" and one "  field: reason" line per bad field.
// Exit codes (for scripts): 0 success; 2 usage or unreadable input;
// 10 + the gRPC status code otherwise (13 INVALID_ARGUMENT, 15 NOT_FOUND,
// 16 ALREADY_EXISTS, 24 UNAVAILABLE, 14 DEADLINE_EXCEEDED ...); 3 health
// not SERVING by the deadline.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/key_file.h"
#include "common/auth/roles.h"
#include "common/auth/token.h"
#include "common/base/clock.h"
#include "common/base/ids.h"
#include "common/base/status.h"
#include "common/events/audit_chain.h"
#include "common/pg/pool.h"
#include "common/server/grpc_status.h"
#include "common/server/tls.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "relief/auth/v1/auth.grpc.pb.h"
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

// Prints `m` as proto3 JSON; with `all_fields`, fields at their default
// (false, 0, empty) too.
void Print(const google::protobuf::Message& m, bool all_fields = false) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = all_fields;
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
  if (lower == "household_book") return rv1::DOCUMENT_TYPE_HOUSEHOLD_BOOK;
  if (lower == "residence_confirmation") {
    return rv1::DOCUMENT_TYPE_RESIDENCE_CONFIRMATION;
  }
  if (lower == "other") return rv1::DOCUMENT_TYPE_OTHER;
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

// ---- Corrections, the review queue, merges and eligibility ([3/8]) ----

// The request id of a write: the one given, or a fresh UUIDv7 announced on
// stderr so that a retry can reuse it.
std::string RequestIdOr(const std::string& given) {
  if (!given.empty()) return given;
  UuidV7Generator ids(SystemClock());
  std::string id = ids.NewId();
  std::cerr << "request id: " << id << "\n";
  return id;
}

// YYYY-MM-DD, or YYYY when only the year is known; "-" when unset.
std::string BirthText(const rv1::BirthDate& d) {
  if (d.year() == 0) return "-";
  char text[16];
  if (d.month() == 0) {
    std::snprintf(text, sizeof text, "%04d", d.year());
  } else {
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", d.year(), d.month(),
                  d.day());
  }
  return text;
}

// Reads --birth: YYYY or YYYY-MM-DD.
absl::StatusOr<rv1::BirthDate> ParseBirth(const std::string& text) {
  int y = 0, m = 0, d = 0;
  char rest = 0;
  rv1::BirthDate out;
  if (std::sscanf(text.c_str(), "%d-%d-%d%c", &y, &m, &d, &rest) == 3 ||
      (std::sscanf(text.c_str(), "%d%c", &y, &rest) == 1 && text.size() == 4)) {
    out.set_year(y);
    out.set_month(m);
    out.set_day(d);
    return out;
  }
  return absl::InvalidArgumentError("--birth: YYYY-MM-DD or YYYY");
}

// An enum value's name without its prefix ("PERSON_STATE_MERGED" ->
// "MERGED").
std::string Short(const std::string& name, absl::string_view prefix) {
  return absl::StartsWith(name, prefix) ? name.substr(prefix.size()) : name;
}

std::string Fixed1(double v, bool sign = false) {
  char text[32];
  std::snprintf(text, sizeof text, sign ? "%+.1f" : "%.1f", v);
  return text;
}

// Terminal columns of UTF-8 text (NFC: one per code point).
size_t Columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

std::string DocumentsText(const rv1::Person& p) {
  std::vector<std::string> docs;
  for (const rv1::IdentityDocument& d : p.documents()) {
    docs.push_back(
        absl::StrCat(absl::AsciiStrToLower(Short(
                         rv1::DocumentType_Name(d.type()), "DOCUMENT_TYPE_")),
                     " ", d.number(), d.linked() ? "" : " (held back)"));
  }
  return OrDash(absl::StrJoin(docs, ", "));
}

// One review item for an officer: the record and each candidate side by
// side, then the total score and the per-field scores of each candidate.
void PrintReviewText(const rv1::Review& r, std::ostream& out) {
  out << "review " << r.review_id() << "  "
      << Short(rv1::ReviewKind_Name(r.kind()), "REVIEW_KIND_");
  if (r.has_created_at()) {
    out << "  opened "
        << absl::FormatTime("%Y-%m-%d %H:%M UTC",
                            absl::FromUnixSeconds(r.created_at().seconds()),
                            absl::UTCTimeZone());
  }
  if (!r.open()) {
    out << "  decided "
        << Short(rv1::ReviewDecisionKind_Name(r.decision()),
                 "REVIEW_DECISION_");
    if (!r.same_as().empty()) out << " as " << r.same_as();
  }
  out << "\n";
  if (!r.document_keys().empty()) {
    out << "  documents in conflict: " << absl::StrJoin(r.document_keys(), ", ")
        << "\n";
  }
  // rows[i][0] is the label, [1] the record, [2..] the candidates.
  std::vector<std::vector<std::string>> rows;
  auto row = [&](std::string label,
                 const std::function<std::string(const rv1::Person&)>& cell) {
    std::vector<std::string> line = {std::move(label), cell(r.person())};
    for (const rv1::ReviewCandidate& c : r.candidates()) {
      line.push_back(cell(c.person()));
    }
    rows.push_back(std::move(line));
  };
  {
    std::vector<std::string> head = {"", "record"};
    for (int i = 0; i < r.candidates_size(); ++i) {
      head.push_back(absl::StrCat("candidate ", i + 1));
    }
    rows.push_back(std::move(head));
  }
  row("id", [](const rv1::Person& p) { return p.person_id(); });
  row("name", [](const rv1::Person& p) { return OrDash(p.full_name()); });
  row("birth date",
      [](const rv1::Person& p) { return BirthText(p.birth_date()); });
  row("sex", [](const rv1::Person& p) {
    return absl::AsciiStrToLower(Short(rv1::Sex_Name(p.sex()), "SEX_"));
  });
  row("phone", [](const rv1::Person& p) { return OrDash(p.phone()); });
  row("commune",
      [](const rv1::Person& p) { return OrDash(p.home_commune_code()); });
  row("host province", [](const rv1::Person& p) {
    return OrDash(p.current_address().province_code());
  });
  row("documents", DocumentsText);
  row("state", [](const rv1::Person& p) {
    std::string s = Short(rv1::PersonState_Name(p.state()), "PERSON_STATE_");
    if (!p.merged_into().empty())
      absl::StrAppend(&s, " into ", p.merged_into());
    return s;
  });
  {
    std::vector<std::string> line = {"score (bits)", ""};
    for (const rv1::ReviewCandidate& c : r.candidates()) {
      line.push_back(Fixed1(c.score()));
    }
    rows.push_back(std::move(line));
  }
  // Per-field scores, in the order the candidates report their fields.
  std::vector<std::string> fields;
  for (const rv1::ReviewCandidate& c : r.candidates()) {
    for (const rv1::FieldScore& f : c.fields()) {
      if (std::find(fields.begin(), fields.end(), f.field()) == fields.end()) {
        fields.push_back(f.field());
      }
    }
  }
  for (const std::string& field : fields) {
    std::vector<std::string> line = {"  " + field, ""};
    for (const rv1::ReviewCandidate& c : r.candidates()) {
      std::string cell = "-";
      for (const rv1::FieldScore& f : c.fields()) {
        if (f.field() != field) continue;
        cell = Fixed1(f.bits(), /*sign=*/true);
        if (!f.note().empty()) absl::StrAppend(&cell, " ", f.note());
      }
      line.push_back(std::move(cell));
    }
    rows.push_back(std::move(line));
  }
  std::vector<size_t> width;
  for (const auto& line : rows) {
    width.resize(std::max(width.size(), line.size()), 0);
    for (size_t i = 0; i < line.size(); ++i) {
      width[i] = std::max(width[i], Columns(line[i]));
    }
  }
  for (const auto& line : rows) {
    std::string text = "  ";
    for (size_t i = 0; i < line.size(); ++i) {
      absl::StrAppend(&text, line[i]);
      if (i + 1 < line.size()) {
        text.append(width[i] - Columns(line[i]) + 2, ' ');
      }
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << "\n";
  }
  out << "\n";
}

struct UpdateFlags {
  std::string person_id, reason, request_id;
  std::string name, birth, sex, phone, home_commune, host_province,
      host_district, street;
  // Which of the value flags were given (a given empty value clears).
  bool has_name = false, has_birth = false, has_sex = false, has_phone = false,
       has_home_commune = false, has_host_province = false,
       has_host_district = false, has_street = false;
};

// Update: the mask holds the fields whose flags were given. The current
// address is corrected as a whole, so its missing parts are read from the
// record first; another host province drops the old district and street
// unless they are given too.
int Update(const Client& client, const UpdateFlags& f) {
  rv1::UpdateRequest req;
  req.set_person_id(f.person_id);
  req.set_reason(f.reason);
  rv1::Person* p = req.mutable_person();
  auto* mask = req.mutable_update_mask();
  if (f.has_name) {
    p->set_full_name(f.name);
    mask->add_paths("full_name");
  }
  if (f.has_birth) {
    absl::StatusOr<rv1::BirthDate> b = ParseBirth(f.birth);
    if (!b.ok()) return Usage(std::string(b.status().message()));
    *p->mutable_birth_date() = *b;
    mask->add_paths("birth_date");
  }
  if (f.has_sex) {
    const std::string sex = absl::AsciiStrToLower(f.sex);
    if (sex != "male" && sex != "female") return Usage("--sex: male or female");
    p->set_sex(sex == "male" ? rv1::SEX_MALE : rv1::SEX_FEMALE);
    mask->add_paths("sex");
  }
  if (f.has_phone) {
    p->set_phone(f.phone);
    mask->add_paths("phone");
  }
  if (f.has_home_commune) {
    p->set_home_commune_code(f.home_commune);
    mask->add_paths("home_commune_code");
  }
  auto stub = rv1::Registry::NewStub(client.channel());
  if (f.has_host_province || f.has_host_district || f.has_street) {
    rv1::Person current;
    grpc::ClientContext ctx;
    client.Prepare(ctx, client.timeout());
    rv1::GetPersonRequest get;
    get.set_person_id(f.person_id);
    grpc::Status s = stub->GetPerson(&ctx, get, &current);
    if (!s.ok()) return Fail(FromGrpcStatus(s));
    rv1::CurrentAddress a = current.current_address();
    if (f.has_host_province && f.host_province != a.province_code()) {
      a.clear_district_code();
      a.clear_street();
    }
    if (f.has_host_province) a.set_province_code(f.host_province);
    if (f.has_host_district) a.set_district_code(f.host_district);
    if (f.has_street) a.set_street(f.street);
    *p->mutable_current_address() = a;
    mask->add_paths("current_address");
  }
  if (mask->paths().empty()) {
    return Usage(
        "update: give at least one of --name, --birth, --sex, --phone, "
        "--home-commune, --host-province, --host-district, --street");
  }
  req.set_request_id(RequestIdOr(f.request_id));
  grpc::ClientContext ctx;
  client.Prepare(ctx, client.timeout());
  rv1::UpdateResponse resp;
  grpc::Status s = stub->Update(&ctx, req, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  Print(resp);
  return 0;
}

// ListReviews, page after page with `all`; readable text or proto3 JSON
// (one ReviewPage per page).
int ListReviews(const Client& client, const std::string& unit,
                const PageFlags& pf, bool json) {
  auto stub = rv1::Registry::NewStub(client.channel());
  std::string token = pf.page_token;
  int shown = 0;
  do {
    rv1::ListReviewsRequest req;
    req.set_unit_code(unit);
    req.set_page_size(pf.page_size);
    req.set_page_token(token);
    rv1::ReviewPage page;
    grpc::ClientContext ctx;
    client.Prepare(ctx, client.timeout());
    grpc::Status s = stub->ListReviews(&ctx, req, &page);
    if (!s.ok()) return Fail(FromGrpcStatus(s));
    if (json) {
      Print(page);
    } else {
      for (const rv1::Review& r : page.reviews()) PrintReviewText(r, std::cout);
      shown += page.reviews_size();
    }
    token = page.next_page_token();
  } while (pf.all && !token.empty());
  if (!json) {
    if (shown == 0) std::cout << "no open review items in " << unit << "\n";
    if (!token.empty()) std::cout << "more: --page-token=" << token << "\n";
  }
  return 0;
}

// Reads one --decision: REVIEW_ID=same[:PERSON_ID] or REVIEW_ID=distinct.
absl::StatusOr<rv1::ReviewDecision> ParseDecision(const std::string& text) {
  const size_t eq = text.find('=');
  const absl::Status bad = absl::InvalidArgumentError(
      absl::StrCat("--decision ", text,
                   ": REVIEW_ID=same[:PERSON_ID] or REVIEW_ID=distinct"));
  if (eq == std::string::npos || eq == 0) return bad;
  rv1::ReviewDecision d;
  d.set_review_id(text.substr(0, eq));
  std::string verdict = text.substr(eq + 1);
  std::string same_as;
  if (const size_t colon = verdict.find(':'); colon != std::string::npos) {
    same_as = verdict.substr(colon + 1);
    verdict = verdict.substr(0, colon);
    if (same_as.empty()) return bad;
  }
  verdict = absl::AsciiStrToLower(verdict);
  if (verdict == "same") {
    d.set_decision(rv1::REVIEW_DECISION_SAME);
    d.set_same_as(same_as);
  } else if (verdict == "distinct" && same_as.empty()) {
    d.set_decision(rv1::REVIEW_DECISION_DISTINCT);
  } else {
    return bad;
  }
  return d;
}

struct DecideFlags {
  std::string review_id, same_as, reason, request_id;
  bool same = false, distinct = false;
  std::vector<std::string> decisions;
};

int DecideReviews(const Client& client, const DecideFlags& f) {
  rv1::DecideReviewsRequest req;
  if (!f.review_id.empty()) {
    if (!f.decisions.empty()) {
      return Usage(
          "reviews decide: REVIEW_ID with --same/--distinct, or "
          "--decision, not both");
    }
    if (f.same == f.distinct) {
      return Usage("reviews decide: give --same or --distinct");
    }
    if (!f.same_as.empty() && !f.same) {
      return Usage("reviews decide: --same-as goes with --same");
    }
    rv1::ReviewDecision* d = req.add_decisions();
    d->set_review_id(f.review_id);
    d->set_decision(f.same ? rv1::REVIEW_DECISION_SAME
                           : rv1::REVIEW_DECISION_DISTINCT);
    d->set_same_as(f.same_as);
  } else {
    if (f.decisions.empty()) {
      return Usage(
          "reviews decide: give REVIEW_ID (--same|--distinct) or "
          "--decision REVIEW_ID=same[:ID]|distinct ...");
    }
    if (f.same || f.distinct || !f.same_as.empty()) {
      return Usage(
          "reviews decide: --same/--distinct/--same-as go with a "
          "REVIEW_ID; --decision carries its own verdict");
    }
    for (const std::string& text : f.decisions) {
      absl::StatusOr<rv1::ReviewDecision> d = ParseDecision(text);
      if (!d.ok()) return Usage(std::string(d.status().message()));
      *req.add_decisions() = *std::move(d);
    }
  }
  req.set_reason(f.reason);
  req.set_request_id(RequestIdOr(f.request_id));
  auto stub = rv1::Registry::NewStub(client.channel());
  grpc::ClientContext ctx;
  client.Prepare(ctx, client.timeout());
  rv1::DecideReviewsResponse resp;
  grpc::Status s = stub->DecideReviews(&ctx, req, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  Print(resp);
  return 0;
}

int Unmerge(const Client& client, const std::string& person_id,
            const std::string& reason, const std::string& request_id) {
  rv1::UnmergeRequest req;
  req.set_person_id(person_id);
  req.set_reason(reason);
  req.set_request_id(RequestIdOr(request_id));
  auto stub = rv1::Registry::NewStub(client.channel());
  grpc::ClientContext ctx;
  client.Prepare(ctx, client.timeout());
  rv1::Person resp;
  grpc::Status s = stub->Unmerge(&ctx, req, &resp);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  Print(resp);
  return 0;
}

// CheckEligibility. Exit 0 whether or not the person is eligible: the
// question was answered.
int CheckEligibility(const Client& client, const std::string& person_id,
                     const std::string& purpose, const std::string& doc_type,
                     const std::string& doc_number, bool json) {
  rv1::CheckEligibilityRequest req;
  req.set_person_id(person_id);
  const std::string p = absl::AsciiStrToLower(purpose);
  if (p != "cash" && p != "rice") return Usage("--purpose: cash or rice");
  req.set_purpose(p == "cash" ? rv1::PURPOSE_CASH : rv1::PURPOSE_RICE);
  if (doc_type.empty() != doc_number.empty()) {
    return Usage("eligibility: --document-type and --document go together");
  }
  if (!doc_type.empty()) {
    const rv1::DocumentType t = ParseDocType(doc_type);
    if (t == rv1::DOCUMENT_TYPE_UNSPECIFIED) {
      return Usage(
          "--document-type: cccd, cmnd, passport, household_book, "
          "residence_confirmation or other");
    }
    req.mutable_presented_document()->set_type(t);
    req.mutable_presented_document()->set_number(doc_number);
  }
  auto stub = rv1::Registry::NewStub(client.channel());
  grpc::ClientContext ctx;
  client.Prepare(ctx, client.timeout());
  rv1::Eligibility e;
  grpc::Status s = stub->CheckEligibility(&ctx, req, &e);
  if (!s.ok()) return Fail(FromGrpcStatus(s));
  if (json) {
    Print(e, /*all_fields=*/true);
    return 0;
  }
  std::cout << "eligible: " << (e.eligible() ? "yes" : "no") << "\n";
  if (!e.eligible()) {
    std::cout << "reason: "
              << Short(rv1::IneligibleReason_Name(e.reason()),
                       "INELIGIBLE_REASON_")
              << "\n";
  }
  if (!e.detail().empty()) std::cout << "detail: " << e.detail() << "\n";
  std::cout << "canonical person id: " << e.canonical_person_id() << "\n";
  std::cout << "merged person ids: "
            << OrDash(absl::StrJoin(e.merged_person_ids(), ", ")) << "\n";
  std::cout << "state: "
            << Short(rv1::PersonState_Name(e.state()), "PERSON_STATE_") << "\n";
  std::cout << "home commune: " << OrDash(e.home_commune_code())
            << " (district " << OrDash(e.home_district_code()) << ")\n";
  std::cout << "host province: " << OrDash(e.host_province_code())
            << " (district " << OrDash(e.host_district_code()) << ")\n";
  if (req.has_presented_document()) {
    std::cout << "document proves citizenship: "
              << (e.document_proves_citizenship() ? "yes" : "no") << "\n";
  }
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

  UpdateFlags uf;
  auto* update = app.add_subcommand(
      "update", "correct a record (reason required; at least one field)");
  update->add_option("person_id,--person-id", uf.person_id, "the person's id")
      ->required();
  update->add_option("--reason", uf.reason, "why the record is corrected")
      ->required();
  update->add_option("--request-id", uf.request_id, "default: a new UUIDv7");
  CLI::Option* u_name = update->add_option("--name", uf.name, "full name");
  CLI::Option* u_birth =
      update->add_option("--birth", uf.birth, "YYYY-MM-DD or YYYY");
  CLI::Option* u_sex = update->add_option("--sex", uf.sex, "male or female");
  CLI::Option* u_phone =
      update->add_option("--phone", uf.phone, "mobile number (\"\" clears)");
  CLI::Option* u_commune = update->add_option(
      "--home-commune", uf.home_commune,
      "home commune code (a VERIFIED person goes back to SUBMITTED)");
  CLI::Option* u_host = update->add_option(
      "--host-province", uf.host_province,
      "current province (another one drops district and street unless given)");
  CLI::Option* u_district = update->add_option(
      "--host-district", uf.host_district, "current district");
  CLI::Option* u_street =
      update->add_option("--street", uf.street, "current address");

  auto* reviews = app.add_subcommand("reviews", "the duplicate review queue");
  reviews->require_subcommand(1);
  std::string review_unit;
  PageFlags review_pf;
  bool review_json = false;
  auto* reviews_list = reviews->add_subcommand(
      "list", "open items of a commune, district or the province");
  reviews_list
      ->add_option("--unit", review_unit, "commune, district or province code")
      ->required();
  reviews_list->add_option("--page-size", review_pf.page_size,
                           "1..500 (default 50)");
  reviews_list->add_option("--page-token", review_pf.page_token,
                           "from the previous page");
  reviews_list->add_flag("--all", review_pf.all, "follow every page");
  reviews_list->add_flag("--json", review_json, "ReviewPage as proto3 JSON");
  DecideFlags df;
  auto* reviews_decide = reviews->add_subcommand(
      "decide",
      "decide items, all or nothing: REVIEW_ID (--same [--same-as ID]"
      " | --distinct), or --decision ... repeated");
  reviews_decide->add_option("review_id", df.review_id, "the item to decide");
  reviews_decide->add_flag("--same", df.same, "the record is the candidate");
  reviews_decide->add_option("--same-as", df.same_as,
                             "with --same: which candidate (when several)");
  reviews_decide->add_flag("--distinct", df.distinct, "different people");
  reviews_decide->add_option(
      "--decision", df.decisions,
      "REVIEW_ID=same[:PERSON_ID] or REVIEW_ID=distinct; repeat for each item");
  reviews_decide->add_option("--reason", df.reason, "why");
  reviews_decide->add_option("--request-id", df.request_id,
                             "default: a new UUIDv7");

  std::string unmerge_id, unmerge_reason, unmerge_request_id;
  auto* unmerge =
      app.add_subcommand("unmerge", "undo the latest merge of a MERGED person");
  unmerge->add_option("person_id,--person-id", unmerge_id, "the merged person")
      ->required();
  unmerge->add_option("--reason", unmerge_reason, "why")->required();
  unmerge->add_option("--request-id", unmerge_request_id,
                      "default: a new UUIDv7");

  std::string elig_id, purpose, doc_type, doc_number;
  bool elig_json = false;
  auto* eligibility = app.add_subcommand(
      "eligibility",
      "may the person receive cash or rice now? (exit 0 either way)");
  eligibility->add_option("person_id,--person-id", elig_id, "the person's id")
      ->required();
  eligibility->add_option("--purpose", purpose, "cash or rice")->required();
  eligibility->add_option("--document-type", doc_type,
                          "cccd, cmnd, passport, household_book, "
                          "residence_confirmation or other");
  eligibility->add_option("--document", doc_number, "the document presented");
  eligibility->add_flag("--json", elig_json, "Eligibility as proto3 JSON");

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
  if (*update) {
    uf.has_name = u_name->count() > 0;
    uf.has_birth = u_birth->count() > 0;
    uf.has_sex = u_sex->count() > 0;
    uf.has_phone = u_phone->count() > 0;
    uf.has_home_commune = u_commune->count() > 0;
    uf.has_host_province = u_host->count() > 0;
    uf.has_host_district = u_district->count() > 0;
    uf.has_street = u_street->count() > 0;
    return Update(client, uf);
  }
  if (*reviews_list)
    return ListReviews(client, review_unit, review_pf, review_json);
  if (*reviews_decide) return DecideReviews(client, df);
  if (*unmerge)
    return Unmerge(client, unmerge_id, unmerge_reason, unmerge_request_id);
  if (*eligibility) {
    return CheckEligibility(client, elig_id, purpose, doc_type, doc_number,
                            elig_json);
  }
  if (*subscribe) return Subscribe(client, after, max);
  if (*issue) return TokenIssue(client, token_request_id, subject, role, scope, ttl);
  if (*revoke) return TokenRevoke(client, token_request_id, jti, reason);
  return 2;
}
