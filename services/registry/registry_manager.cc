#include "services/registry/registry_manager.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/text/document.h"
#include "common/text/phone.h"
#include "common/text/vn_text.h"
#include "services/registry/refusals.h"
#include "services/registry/registry_codec.h"
#include "services/registry/registry_policy.h"
#include "spdlog/spdlog.h"

namespace relief::registry {
namespace {

// Candidates read per record; and at most this many on one review item.
constexpr int kMaxCandidates = 1000;
constexpr size_t kMaxReviewCandidates = 5;

}  // namespace

RegistryManager::RegistryManager(DeploymentConfig config,
                                 units::UnitCatalog units, Deps deps,
                                 MatchConfig match)
    : config_(std::move(config)),
      units_(std::move(units)),
      authorizer_(RegistryRules(), units_),
      deps_(deps),
      match_(match) {}

absl::Status RegistryManager::OpenReview(RegistryTx& tx, const Principal& actor,
                                        const ReviewItem& review,
                                        absl::string_view request_id) {
  RELIEF_RETURN_IF_ERROR(tx.InsertReview(review, actor, request_id));
  RELIEF_RETURN_IF_ERROR(tx.AppendEvent({.type = "relief.registry.ReviewOpened",
                                         .aggregate_id = review.review_id,
                                         .payload = EncodeReviewOpened(review)}));
  return tx.AppendAudit(actor, {.action = "review.open",
                                .target_id = review.review_id,
                                .request_id = std::string(request_id)});
}

absl::StatusOr<std::optional<RegistryManager::Match>>
RegistryManager::ConfirmHint(RegistryTx& tx, const MatchRecord& record,
                             const std::vector<MatchRecord>& hinted) {
  const absl::Time start = absl::Now();
  RELIEF_ASSIGN_OR_RETURN(TokenStats stats,
                          tx.LoadTokenStats(NameTokens(record.full_name)));
  const MatchRecord* best = nullptr;
  double best_bits = 0;
  int sure = 0;
  for (const MatchRecord& h : hinted) {
    const double bits = Score(record, h, stats).bits;
    if (bits >= match_.link_bits) ++sure;
    if (best == nullptr || bits > best_bits) {
      best = &h;
      best_bits = bits;
    }
  }
  // Two people as sure is a question for the commune: the locked pass opens
  // the review.
  if (best == nullptr || best_bits < match_.link_bits || sure > 1) {
    return std::nullopt;
  }
  // The store's record, not the cache's, decides.
  RELIEF_ASSIGN_OR_RETURN(std::vector<MatchRecord> stored,
                          tx.MatchRecordsOf({best->id}));
  if (stored.empty()) return std::nullopt;
  MatchScore score = Score(record, stored[0], stats);
  if (score.bits < match_.link_bits) return std::nullopt;
  RELIEF_ASSIGN_OR_RETURN(auto survivors, tx.FinalSurvivors({best->id}));
  if (duplicate_check_observer_) duplicate_check_observer_(absl::Now() - start);
  return Match{survivors[best->id], std::move(score)};
}

absl::StatusOr<std::vector<RegistryManager::Match>> RegistryManager::FuzzyPass(
    RegistryTx& tx, const MatchRecord& record, absl::string_view self) {
  const absl::Time start = absl::Now();
  RELIEF_ASSIGN_OR_RETURN(TokenStats stats,
                          tx.LoadTokenStats(NameTokens(record.full_name)));
  const std::vector<std::string> blocks = QueryKeys(record, stats, match_);
  // Locked before reading: a near-duplicate registered at the same instant
  // shares a key, so one of the two waits and then sees the other.
  RELIEF_RETURN_IF_ERROR(tx.LockBlocks(blocks));
  RELIEF_ASSIGN_OR_RETURN(std::vector<MatchRecord> candidates,
                          tx.FindCandidates(blocks, kMaxCandidates));
  // Merge chains are resolved for merged candidates only (few).
  std::vector<std::string> merged;
  for (const MatchRecord& c : candidates) {
    if (!c.merged_into.empty()) merged.push_back(c.id);
  }
  RELIEF_ASSIGN_OR_RETURN(auto survivors, tx.FinalSurvivors(merged));
  absl::flat_hash_set<std::string> distinct;
  if (!self.empty()) {
    RELIEF_ASSIGN_OR_RETURN(std::vector<std::string> d, tx.DistinctFrom(self));
    distinct.insert(d.begin(), d.end());
  }
  // Many people under the record's keys (a common name in a large
  // registry) make a coincidental agreement likelier: below the link
  // threshold a review needs log2(candidates / 64) more bits (a
  // multiple-comparison correction; none in a registry of a few thousand).
  const double crowd_bits =
      std::max(0.0, std::log2(static_cast<double>(candidates.size()) / 64.0));
  absl::flat_hash_map<std::string, MatchScore> best;
  for (const MatchRecord& c : candidates) {
    const auto it = survivors.find(c.id);
    const std::string survivor = it == survivors.end() ? c.id : it->second;
    if (c.id == self || survivor == self || distinct.contains(survivor) ||
        distinct.contains(c.id)) {
      continue;
    }
    MatchScore s = Score(record, c, stats);
    if (s.bits < match_.link_bits && s.bits - crowd_bits < match_.review_bits) {
      continue;
    }
    auto [slot, inserted] = best.try_emplace(survivor, s);
    if (!inserted && s.bits > slot->second.bits) slot->second = std::move(s);
  }
  std::vector<Match> out;
  for (auto& [id, s] : best) out.push_back({id, std::move(s)});
  std::sort(out.begin(), out.end(), [](const Match& a, const Match& b) {
    return a.score.bits != b.score.bits ? a.score.bits > b.score.bits
                                        : a.person_id < b.person_id;
  });
  if (out.size() > kMaxReviewCandidates) out.resize(kMaxReviewCandidates);
  if (duplicate_check_observer_) duplicate_check_observer_(absl::Now() - start);
  return out;
}

absl::Status RegistryManager::Denied(const Principal& actor,
                                     absl::string_view method,
                                     absl::Status status,
                                     absl::string_view request_id) {
  if (status.code() != absl::StatusCode::kPermissionDenied) return status;
  // A refused call leaves a trace; if the audit cannot be written the
  // caller still gets PERMISSION_DENIED (and the failure is logged).
  absl::Status audited = deps_.store.InTransaction([&](RegistryTx& tx) {
    return tx.AppendAudit(actor, {.action = absl::StrCat("denied ", method),
                                  .target_id = "",
                                  .request_id = std::string(request_id)});
  });
  if (!audited.ok()) {
    spdlog::warn("event=audit_denied_failed method={} error=\"{}\"", method,
                 audited.ToString());
  }
  return status;
}

absl::Status RegistryManager::Check(const Principal& actor,
                                    absl::string_view method,
                                    const authz::Target& target,
                                    absl::string_view request_id) {
  absl::Status s = authorizer_.Check(actor, method, target);
  if (s.ok()) return s;
  return Denied(actor, method, std::move(s), request_id);
}

absl::Status RegistryManager::Authorize(const Principal& actor,
                                        absl::string_view method) {
  absl::Status s = authorizer_.CheckMethod(actor, method);
  if (s.ok()) return s;
  return Denied(actor, method, std::move(s));
}

bool RegistryManager::MaskFor(const Principal& actor, Person& p) {
  if (SeesPersonalData(actor.role)) return false;
  for (Document& d : p.documents) {
    d.number = Mask(d.number);
    d.key.clear();
  }
  if (!p.phone.empty()) p.phone = Mask(p.phone);
  for (Relative& r : p.relatives) {
    if (!r.phone.empty()) r.phone = Mask(r.phone);
  }
  return true;
}

void RegistryManager::ShapeForCaller(const Principal& actor,
                                     RegisterResult& result) const {
  Person& p = result.person;
  const absl::Status visible = authorizer_.Check(
      actor, kMethodGetPerson,
      {.unit_code = p.home_commune_code, .partner_id = p.partner_id});
  if (!visible.ok() && result.outcome == RegisterOutcome::kExisting) {
    // The caller learns that the person exists (that is the answer) but not
    // who they are: a person registered elsewhere stays out of their scope.
    Person minimal;
    minimal.id = p.id;
    minimal.state = p.state;
    minimal.home_commune_code = p.home_commune_code;
    minimal.home_district_code = p.home_district_code;
    minimal.home_province_code = p.home_province_code;
    p = std::move(minimal);
    return;
  }
  MaskFor(actor, p);
}

absl::Status RegistryManager::AuditRead(const Principal& actor,
                                        absl::string_view target) {
  return deps_.store.InTransaction([&](RegistryTx& tx) {
    return tx.AppendAudit(actor, {.action = "person.read",
                                  .target_id = std::string(target),
                                  .request_id = ""});
  });
}

absl::StatusOr<RegisterResult> RegistryManager::Register(
    const Principal& actor, const RegistrationInput& input,
    absl::string_view request_hash) {
  RELIEF_RETURN_IF_ERROR(Authorize(actor, kMethodRegister));
  RELIEF_ASSIGN_OR_RETURN(
      Registration reg,
      NormalizeRegistration(input, units_, config_, deps_.clock.Now()));
  RELIEF_RETURN_IF_ERROR(
      Check(actor, kMethodRegister,
            {.unit_code = reg.person.home_commune_code,
             .partner_id = reg.person.partner_id},
            input.request_id));
  if (actor.role == "point_operator" &&
      reg.person.source != Source::kDistributionPoint) {
    return Denied(actor, kMethodRegister,
                  absl::PermissionDeniedError(
                      "a point operator registers with source "
                      "SOURCE_DISTRIBUTION_POINT"),
                  input.request_id);
  }
  const std::vector<std::string> keys = reg.document_keys();

  // Redis first: a hint that lets a known person skip the key locks. The
  // store confirms every hint before it is used.
  absl::flat_hash_map<std::string, std::string> cached;
  if (!keys.empty()) {
    absl::StatusOr<absl::flat_hash_map<std::string, std::string>> hit =
        deps_.cache.Lookup(keys);
    if (hit.ok()) cached = *std::move(hit);  // outages: logged by the client
  }

  // Candidate sets next, unless the documents already name the person: a
  // near-duplicate found here and confirmed in the store needs no locks.
  std::vector<MatchRecord> hinted;
  if (deps_.candidates != nullptr && (keys.empty() || cached.size() < keys.size())) {
    absl::StatusOr<std::vector<MatchRecord>> hit = deps_.candidates->Lookup(
        QueryKeys(ToMatchRecord(reg.person), TokenStats(), match_));
    if (hit.ok()) hinted = *std::move(hit);
  }

  const RequestKey key{std::string(kMethodRegister), actor.subject,
                       input.request_id};
  RegisterResult result;
  RELIEF_RETURN_IF_ERROR(deps_.store.InTransaction([&](RegistryTx& tx) {
    absl::StatusOr<RegisterResult> r =
        RegisterInTx(tx, actor, key, request_hash, reg, cached, hinted);
    if (!r.ok()) return r.status();
    result = *std::move(r);
    return absl::OkStatus();
  }));
  ShapeForCaller(actor, result);

  return result;
}

absl::StatusOr<RegisterResult> RegistryManager::RegisterInTx(
    RegistryTx& tx, const Principal& actor, const RequestKey& key,
    absl::string_view request_hash, const Registration& reg,
    const absl::flat_hash_map<std::string, std::string>& cached,
    const std::vector<MatchRecord>& hinted) {
  RELIEF_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                          tx.ClaimRequest(key, request_hash));
  if (stored.has_value()) return DecodeRegisterResult(*stored);

  const std::vector<std::string> keys = reg.document_keys();
  const Person& p = reg.person;

  // Fast path: the cache says every key belongs to one person, and the
  // store confirms it; nothing new to link, so no lock is needed.
  absl::flat_hash_map<std::string, std::string> owners;
  bool confirmed = false;
  if (!keys.empty() && cached.size() == keys.size()) {
    const std::string& hinted = cached.begin()->second;
    const bool one_person =
        std::all_of(cached.begin(), cached.end(),
                    [&](const auto& kv) { return kv.second == hinted; });
    if (one_person) {
      RELIEF_ASSIGN_OR_RETURN(owners, tx.FindDocumentOwners(keys));
      confirmed = owners.size() == keys.size() &&
                  std::all_of(owners.begin(), owners.end(), [&](const auto& kv) {
                    return kv.second == hinted;
                  });
    }
  }
  if (!confirmed) {
    RELIEF_RETURN_IF_ERROR(tx.LockDocumentKeys(keys));
    RELIEF_ASSIGN_OR_RETURN(owners, tx.FindDocumentOwners(keys));
  }

  std::vector<std::string> owner_ids;
  for (const auto& [k, owner] : owners) owner_ids.push_back(owner);
  std::optional<std::string> partner_owner;
  if (p.source == Source::kPartner) {
    RELIEF_ASSIGN_OR_RETURN(
        partner_owner,
        tx.FindByPartnerRef(p.partner_id, p.partner_external_ref));
    if (partner_owner.has_value()) owner_ids.push_back(*partner_owner);
  }
  // A key of a merged record stands for the person it was merged into.
  RELIEF_ASSIGN_OR_RETURN(auto survivors, tx.FinalSurvivors(owner_ids));
  std::set<std::string> matched;
  for (const std::string& id : owner_ids) matched.insert(survivors[id]);

  RegisterResult result;
  result.warnings = reg.warnings;
  // No document known: the fuzzy pass decides.
  std::vector<Match> fuzzy;
  std::optional<Match> confirmed_hint;
  if (matched.empty() && !hinted.empty()) {
    RELIEF_ASSIGN_OR_RETURN(confirmed_hint, ConfirmHint(tx, ToMatchRecord(p), hinted));
  }
  if (confirmed_hint.has_value()) {
    matched.insert(confirmed_hint->person_id);
    result.match_score = confirmed_hint->score.bits;
  } else if (matched.empty()) {
    RELIEF_ASSIGN_OR_RETURN(fuzzy, FuzzyPass(tx, ToMatchRecord(p), ""));
    // Sure of one person only: two people above the link threshold are a
    // question for the commune.
    const bool one_sure =
        !fuzzy.empty() && fuzzy[0].score.bits >= match_.link_bits &&
        (fuzzy.size() == 1 || fuzzy[1].score.bits < match_.link_bits);
    if (one_sure) {
      matched.insert(fuzzy[0].person_id);
      result.match_score = fuzzy[0].score.bits;
      fuzzy.clear();
    }
  }
  result.matched_person_ids.assign(matched.begin(), matched.end());
  std::string person_id;
  if (matched.empty()) {
    person_id = deps_.ids.NewId();
    Person created = p;
    created.id = person_id;
    created.created_at = created.updated_at = deps_.clock.Now();
    RELIEF_RETURN_IF_ERROR(tx.InsertPerson(created, actor, key.request_id));
    RELIEF_RETURN_IF_ERROR(tx.IndexPerson(ToMatchRecord(created)));
    result.outcome = RegisterOutcome::kCreated;
    if (!fuzzy.empty()) {
      // A likely duplicate, not sure enough to link: stored, and a review
      // item asks the home commune.
      ReviewItem review{.review_id = deps_.ids.NewId(),
                        .kind = "POSSIBLE_DUPLICATE",
                        .person_id = person_id,
                        .home_commune_code = p.home_commune_code};
      for (const Match& m : fuzzy) {
        review.candidate_ids.push_back(m.person_id);
        review.scores.push_back(m.score.bits);
      }
      RELIEF_RETURN_IF_ERROR(OpenReview(tx, actor, review, key.request_id));
      result.outcome = RegisterOutcome::kNeedsReview;
      result.review_id = review.review_id;
      result.matched_person_ids = review.candidate_ids;
    }
  } else if (matched.size() == 1) {
    // The same person: link what this registration adds.
    person_id = *matched.begin();
    std::vector<Document> added;
    for (const Document& d : p.documents) {
      if (d.key.empty() || !owners.contains(d.key)) added.push_back(d);
    }
    RELIEF_RETURN_IF_ERROR(tx.AddDocuments(person_id, added, key.request_id));
    result.outcome = RegisterOutcome::kExisting;
    // Someone who had gone home and registers again is back in need.
    RELIEF_ASSIGN_OR_RETURN(Person existing, tx.LockPerson(person_id));
    if (existing.state == PersonState::kWithdrawn) {
      RELIEF_RETURN_IF_ERROR(tx.ChangeState(
          person_id, PersonState::kWithdrawn, PersonState::kSubmitted, actor,
          "registered again", "", key.request_id, deps_.clock.Now()));
      existing.state = PersonState::kSubmitted;
      RELIEF_RETURN_IF_ERROR(tx.AppendEvent(
          {.type = "relief.registry.PersonStateChanged",
           .aggregate_id = person_id,
           .payload = EncodeStateChanged(existing, PersonState::kWithdrawn,
                                         "")}));
    }
  } else {
    // Documents of two different people: store the record on its own with
    // its documents held back, and open a review.
    person_id = deps_.ids.NewId();
    Person held = p;
    held.id = person_id;
    held.created_at = held.updated_at = deps_.clock.Now();
    for (Document& d : held.documents) d.linked = d.key.empty();
    if (partner_owner.has_value()) {
      // (partner, external_ref) names one record: the held copy cannot
      // carry it; the review links both.
      held.partner_id.clear();
      held.partner_external_ref.clear();
    }
    RELIEF_RETURN_IF_ERROR(tx.InsertPerson(held, actor, key.request_id));
    RELIEF_RETURN_IF_ERROR(tx.IndexPerson(ToMatchRecord(held)));
    ReviewItem review{.review_id = deps_.ids.NewId(),
                      .person_id = person_id,
                      .candidate_ids = result.matched_person_ids,
                      .doc_keys = keys,
                      .home_commune_code = p.home_commune_code};
    RELIEF_RETURN_IF_ERROR(OpenReview(tx, actor, review, key.request_id));
    result.outcome = RegisterOutcome::kNeedsReview;
    result.review_id = review.review_id;
  }
  RELIEF_ASSIGN_OR_RETURN(result.person, tx.LoadPerson(person_id));
  RELIEF_RETURN_IF_ERROR(tx.AppendEvent(
      {.type = "relief.registry.PersonRegistered",
       .aggregate_id = person_id,
       .payload = EncodePersonRegistered(result)}));
  RELIEF_RETURN_IF_ERROR(tx.AppendAudit(
      actor, {.action = absl::StrCat("person.register.",
                                     OutcomeName(result.outcome)),
              .target_id = person_id,
              .request_id = key.request_id}));
  RELIEF_RETURN_IF_ERROR(
      tx.CompleteRequest(key, EncodeRegisterResult(result)));
  return result;
}

absl::StatusOr<Person> RegistryManager::GetPerson(const Principal& actor,
                                                  absl::string_view person_id) {
  RELIEF_RETURN_IF_ERROR(Authorize(actor, kMethodGetPerson));
  if (!IsUuid(person_id)) {
    return InvalidArgument("person_id", "must be a UUID");
  }
  RELIEF_ASSIGN_OR_RETURN(Person p, deps_.store.GetPerson(person_id));
  RELIEF_RETURN_IF_ERROR(Check(
      actor, kMethodGetPerson,
      {.unit_code = p.home_commune_code, .partner_id = p.partner_id}));
  if (!MaskFor(actor, p)) RELIEF_RETURN_IF_ERROR(AuditRead(actor, p.id));
  return p;
}

absl::StatusOr<PeoplePage> RegistryManager::Page(
    const Principal& actor, absl::string_view method, PeopleQuery query,
    absl::string_view binding, const std::string& page_token, int page_size) {
  RELIEF_ASSIGN_OR_RETURN(query.limit, PageSize(page_size));
  const std::string bound = absl::StrCat(method, "|", binding, "|",
                                         actor.subject, "|", query.limit);
  if (!page_token.empty()) {
    RELIEF_ASSIGN_OR_RETURN(query.after,
                            deps_.page_tokens.Decode(page_token, bound));
  }
  // A scoped officer sees the communes of their unit; a partner its own.
  switch (authorizer_.AccessFor(actor, method)) {
    case authz::Access::kInUnitScope:
      query.home_communes = authorizer_.CommunesInScope(actor);
      if (query.home_communes.empty()) return PeoplePage{};
      break;
    case authz::Access::kOwnPartner:
      if (actor.scope.empty()) return PeoplePage{};
      query.partner_id = actor.scope;
      break;
    default:
      break;
  }
  // One more row than asked tells whether another page exists.
  const int limit = query.limit;
  query.limit = limit + 1;
  RELIEF_ASSIGN_OR_RETURN(std::vector<Person> rows,
                          deps_.store.FindPeople(query));
  PeoplePage page;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(limit);
    const Person& last = rows.back();
    std::vector<std::string> key = {last.id};
    if (query.kind == PeopleQuery::Kind::kNamePrefix) {
      key = {text::MatchKey(last.full_name), last.id};
    }
    page.next_page_token = deps_.page_tokens.Encode(key, bound);
  }
  for (Person& p : rows) MaskFor(actor, p);
  page.masked = !SeesPersonalData(actor.role);
  // Unmasked reads are audited, and so is every search by document: even
  // masked, it tells whether a person is registered.
  if ((!page.masked || query.kind == PeopleQuery::Kind::kDocumentKeys) &&
      !rows.empty()) {
    RELIEF_RETURN_IF_ERROR(AuditRead(actor, absl::StrCat(method, " ", binding)));
  }
  page.people = std::move(rows);
  return page;
}

absl::StatusOr<PeoplePage> RegistryManager::SearchPeople(
    const Principal& actor, const SearchInput& in) {
  RELIEF_RETURN_IF_ERROR(Authorize(actor, kMethodSearchPeople));
  if (actor.role == "point_operator" &&
      in.kind != SearchInput::Kind::kDocument) {
    return Denied(actor, kMethodSearchPeople,
                  absl::PermissionDeniedError(
                      "a point operator finds people by a presented "
                      "document only"));
  }
  PeopleQuery q;
  std::string binding;
  switch (in.kind) {
    case SearchInput::Kind::kDocument: {
      // Every key the number could be, for the given type or all types.
      std::vector<text::DocumentKind> kinds;
      switch (in.document_type) {
        case DocumentType::kCccd:
          kinds = {text::DocumentKind::kCccd};
          break;
        case DocumentType::kCmnd:
          kinds = {text::DocumentKind::kCmnd};
          break;
        case DocumentType::kPassport:
          kinds = {text::DocumentKind::kPassport};
          break;
        case DocumentType::kUnspecified:
          kinds = {text::DocumentKind::kCmnd, text::DocumentKind::kPassport};
          break;
        default:
          return InvalidArgument("document_type",
                                 "only CCCD, CMND and passport numbers are "
                                 "searchable");
      }
      absl::Status last_error;
      for (text::DocumentKind k : kinds) {
        auto n = text::NormalizeDocument(k, in.text);
        if (n.ok() && !n->key.empty()) {
          q.values.push_back(n->key);
        } else if (!n.ok()) {
          last_error = n.status();
        }
      }
      if (q.values.empty()) {
        return InvalidArgument("document_number",
                               last_error.ok() ? "not a document number"
                                               : last_error.message());
      }
      q.kind = PeopleQuery::Kind::kDocumentKeys;
      binding = absl::StrCat("doc:", absl::StrJoin(q.values, ","));
      break;
    }
    case SearchInput::Kind::kPhone: {
      auto phone = text::NormalizePhone(in.text);
      if (!phone.ok()) return InvalidArgument("phone", phone.status().message());
      q.kind = PeopleQuery::Kind::kPhone;
      q.values = {*phone};
      binding = absl::StrCat("phone:", *phone);
      break;
    }
    case SearchInput::Kind::kName: {
      auto name = text::NormalizeName(in.text, kMaxNameChars);
      if (!name.ok()) return InvalidArgument("name", name.status().message());
      const std::string key = text::MatchKey(*name);
      if (key.size() < 2) {
        return InvalidArgument("name", "at least 2 letters");
      }
      q.kind = PeopleQuery::Kind::kNamePrefix;
      q.values = {key};
      binding = absl::StrCat("name:", key);
      break;
    }
  }
  return Page(actor, kMethodSearchPeople, std::move(q), binding,
              in.page_token, in.page_size);
}

absl::StatusOr<PeoplePage> RegistryManager::ListPeople(const Principal& actor,
                                                       const ListInput& in) {
  RELIEF_RETURN_IF_ERROR(Authorize(actor, kMethodListPeople));
  PeopleQuery q;
  std::string binding;
  std::vector<std::pair<PersonState, int64_t>> counts;
  if (!in.home_commune_code.empty()) {
    const units::Unit* u = units_.Find(in.home_commune_code);
    if (u == nullptr || u->level != units::Level::kCommune) {
      return InvalidArgument("home_commune_code", "unknown commune code");
    }
    // An officer asking for a commune outside their unit is refused, not
    // answered with an empty list.
    RELIEF_RETURN_IF_ERROR(
        Check(actor, kMethodListPeople, {.unit_code = u->code}));
    q.kind = PeopleQuery::Kind::kHomeCommune;
    q.values = {u->code};
    binding = absl::StrCat("commune:", u->code);
    RELIEF_ASSIGN_OR_RETURN(counts, deps_.store.CountByState(u->code));
  } else if (!in.host_province_code.empty()) {
    const units::Unit* u = units_.Find(in.host_province_code);
    if (u == nullptr || u->level != units::Level::kProvince) {
      return InvalidArgument("host_province_code", "unknown province code");
    }
    q.kind = PeopleQuery::Kind::kHostProvince;
    q.values = {u->code};
    binding = absl::StrCat("host:", u->code);
  } else {
    return InvalidArgument("filter",
                           "set home_commune_code or host_province_code");
  }
  if (in.state != PersonState::kUnspecified) {
    if (static_cast<int>(in.state) < 1 || static_cast<int>(in.state) > 5) {
      return InvalidArgument("state", "not a person state");
    }
    q.state = in.state;
    absl::StrAppend(&binding, "|state:", static_cast<int>(in.state));
  }
  RELIEF_ASSIGN_OR_RETURN(PeoplePage page,
                          Page(actor, kMethodListPeople, std::move(q), binding,
                               in.page_token, in.page_size));
  page.state_counts = std::move(counts);
  return page;
}

namespace {

// "relief.registry.v1.Registry/Verify" -> "Verify".
absl::string_view ShortMethod(absl::string_view method) {
  const size_t slash = method.rfind('/');
  return slash == absl::string_view::npos ? method : method.substr(slash + 1);
}

struct TransitionRule {
  absl::string_view method;
  absl::string_view action;  // audit action
  std::vector<PersonState> from;
  PersonState to;
  bool reason_required;
};

const TransitionRule& RuleFor(Transition t) {
  static const TransitionRule kVerify{kMethodVerify, "person.verify",
                                      {PersonState::kSubmitted},
                                      PersonState::kVerified, false};
  static const TransitionRule kReject{kMethodReject, "person.reject",
                                      {PersonState::kSubmitted},
                                      PersonState::kRejected, true};
  static const TransitionRule kWithdraw{
      kMethodWithdraw, "person.withdraw",
      {PersonState::kSubmitted, PersonState::kVerified},
      PersonState::kWithdrawn, true};
  static const TransitionRule kReopen{
      kMethodReopen, "person.reopen",
      {PersonState::kRejected, PersonState::kWithdrawn},
      PersonState::kSubmitted, true};
  switch (t) {
    case Transition::kVerify:
      return kVerify;
    case Transition::kReject:
      return kReject;
    case Transition::kWithdraw:
      return kWithdraw;
    case Transition::kReopen:
      break;
  }
  return kReopen;
}

absl::string_view StateName(PersonState s) {
  switch (s) {
    case PersonState::kSubmitted:
      return "SUBMITTED";
    case PersonState::kVerified:
      return "VERIFIED";
    case PersonState::kRejected:
      return "REJECTED";
    case PersonState::kWithdrawn:
      return "WITHDRAWN";
    case PersonState::kMerged:
      return "MERGED";
    default:
      return "UNSPECIFIED";
  }
}

}  // namespace

absl::StatusOr<Person> RegistryManager::ApplyTransition(
    RegistryTx& tx, const Principal& actor, Transition t,
    absl::string_view method, const TransitionInput& in) {
  const TransitionRule& rule = RuleFor(t);
  RELIEF_ASSIGN_OR_RETURN(Person p, tx.LockPerson(in.person_id));
  RELIEF_RETURN_IF_ERROR(authorizer_.Check(
      actor, method, {.unit_code = p.home_commune_code, .partner_id = p.partner_id}));
  if (std::find(rule.from.begin(), rule.from.end(), p.state) == rule.from.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the person is ", StateName(p.state), "; ",
                     ShortMethod(method), " needs ",
                     absl::StrJoin(rule.from, " or ",
                                   [](std::string* out, PersonState s) {
                                     absl::StrAppend(out, StateName(s));
                                   })));
  }
  if (t == Transition::kVerify) {
    RELIEF_ASSIGN_OR_RETURN(bool open, tx.HasOpenReview(p.id));
    if (open) {
      return absl::FailedPreconditionError(
          "a duplicate review involving the person is open: decide it first");
    }
  }
  const PersonState from = p.state;
  const absl::Time now = deps_.clock.Now();
  RELIEF_RETURN_IF_ERROR(tx.ChangeState(p.id, from, rule.to, actor, in.reason,
                                        in.case_id, in.request_id, now));
  p.state = rule.to;
  p.updated_at = absl::FromUnixMicros(absl::ToUnixMicros(now));
  RELIEF_RETURN_IF_ERROR(tx.AppendEvent(
      {.type = "relief.registry.PersonStateChanged",
       .aggregate_id = p.id,
       .payload = EncodeStateChanged(p, from, in.case_id)}));
  RELIEF_RETURN_IF_ERROR(tx.AppendAudit(actor, {.action = std::string(rule.action),
                                                .target_id = p.id,
                                                .request_id = in.request_id}));
  return p;
}

absl::StatusOr<Person> RegistryManager::ChangeState(
    const Principal& actor, Transition t, const TransitionInput& in,
    absl::string_view request_hash) {
  const TransitionRule& rule = RuleFor(t);
  RELIEF_RETURN_IF_ERROR(Authorize(actor, rule.method));
  Violations v;
  v.AddIfError("request_id", CheckRequestId(in.request_id));
  if (!IsUuid(in.person_id)) v.Add("person_id", "must be a UUID");
  if (rule.reason_required && in.reason.empty()) v.Add("reason", "required");
  if (in.reason.size() > kMaxNoteChars) v.Add("reason", "at most 1000 bytes");
  if (in.case_id.size() > 128) v.Add("case_id", "at most 128 bytes");
  RELIEF_RETURN_IF_ERROR(v.ToStatus());

  const RequestKey key{std::string(rule.method), actor.subject, in.request_id};
  Person person;
  absl::Status s = deps_.store.InTransaction([&](RegistryTx& tx) -> absl::Status {
    RELIEF_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                            tx.ClaimRequest(key, request_hash));
    if (stored.has_value()) {
      RELIEF_ASSIGN_OR_RETURN(person, DecodePerson(*stored));
      return absl::OkStatus();
    }
    RELIEF_ASSIGN_OR_RETURN(person,
                            ApplyTransition(tx, actor, t, rule.method, in));
    return tx.CompleteRequest(key, EncodePeople({person}));
  });
  if (!s.ok()) return Denied(actor, rule.method, std::move(s), in.request_id);
  MaskFor(actor, person);
  return person;
}

absl::StatusOr<std::vector<Person>> RegistryManager::BulkVerify(
    const Principal& actor, const std::string& request_id,
    const std::vector<std::string>& person_ids, const std::string& reason,
    absl::string_view request_hash) {
  RELIEF_RETURN_IF_ERROR(Authorize(actor, kMethodBulkVerify));
  Violations v;
  v.AddIfError("request_id", CheckRequestId(request_id));
  if (person_ids.empty()) v.Add("person_ids", "at least one id");
  if (person_ids.size() > 500) v.Add("person_ids", "at most 500 ids");
  for (size_t i = 0; i < person_ids.size(); ++i) {
    if (!IsUuid(person_ids[i])) {
      v.Add(absl::StrCat("person_ids[", i, "]"), "must be a UUID");
    }
  }
  if (reason.size() > kMaxNoteChars) v.Add("reason", "at most 1000 bytes");
  RELIEF_RETURN_IF_ERROR(v.ToStatus());

  // Rows are locked in ascending id order so concurrent bulk calls cannot
  // deadlock; answers keep the order asked.
  std::vector<std::string> order = person_ids;
  std::sort(order.begin(), order.end());
  order.erase(std::unique(order.begin(), order.end()), order.end());
  const RequestKey key{std::string(kMethodBulkVerify), actor.subject,
                       request_id};
  std::vector<Person> people;
  absl::Status s = deps_.store.InTransaction([&](RegistryTx& tx) -> absl::Status {
    RELIEF_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                            tx.ClaimRequest(key, request_hash));
    if (stored.has_value()) {
      RELIEF_ASSIGN_OR_RETURN(people, DecodePeople(*stored));
      return absl::OkStatus();
    }
    absl::flat_hash_map<std::string, Person> done;
    Refusals refused;
    for (const std::string& id : order) {
      absl::StatusOr<Person> p = ApplyTransition(
          tx, actor, Transition::kVerify, kMethodBulkVerify,
          {.request_id = request_id, .person_id = id, .reason = reason});
      if (p.ok()) {
        done[id] = *std::move(p);
        continue;
      }
      for (size_t i = 0; i < person_ids.size(); ++i) {
        if (person_ids[i] == id) {
          RELIEF_RETURN_IF_ERROR(refused.Add("person_ids", i, p.status()));
        }
      }
    }
    // All or nothing: a refusal rolls back every change above.
    RELIEF_RETURN_IF_ERROR(refused.ToStatus());
    for (const std::string& id : person_ids) people.push_back(done[id]);
    return tx.CompleteRequest(key, EncodePeople(people));
  });
  if (!s.ok()) return Denied(actor, kMethodBulkVerify, std::move(s), request_id);
  for (Person& p : people) MaskFor(actor, p);
  return people;
}

absl::StatusOr<LookupResult> RegistryManager::Lookup(const Principal& actor,
                                                     DocumentType type,
                                                     absl::string_view number) {
  RELIEF_RETURN_IF_ERROR(Authorize(actor, kMethodLookup));
  RELIEF_RETURN_IF_ERROR(deps_.lookup_limiter.Admit(actor.subject));
  text::DocumentKind kind;
  switch (type) {
    case DocumentType::kCccd:
      kind = text::DocumentKind::kCccd;
      break;
    case DocumentType::kCmnd:
      kind = text::DocumentKind::kCmnd;
      break;
    case DocumentType::kPassport:
      kind = text::DocumentKind::kPassport;
      break;
    default:
      return InvalidArgument("document_type", "CCCD, CMND or passport");
  }
  auto n = text::NormalizeDocument(kind, number);
  if (!n.ok()) return InvalidArgument("document_number", n.status().message());
  PeopleQuery q{.kind = PeopleQuery::Kind::kDocumentKeys,
                .values = {n->key},
                .limit = 1};
  RELIEF_ASSIGN_OR_RETURN(std::vector<Person> found,
                          deps_.store.FindPeople(q));
  LookupResult result;
  if (!found.empty()) {
    result.known = true;
    result.state = found[0].state;
    result.home_province_code = found[0].home_province_code;
  }
  RELIEF_RETURN_IF_ERROR(deps_.store.InTransaction([&](RegistryTx& tx) {
    return tx.AppendAudit(
        actor, {.action = result.known ? "person.lookup.known"
                                       : "person.lookup.unknown",
                .target_id = found.empty() ? "" : found[0].id,
                .request_id = ""});
  }));
  return result;
}

}  // namespace relief::registry
