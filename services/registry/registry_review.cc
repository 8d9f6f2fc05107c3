// RegistryManager: corrections, the review queue, merges and eligibility
// ([3/8], DESIGN.md §4.6). The registration path is in registry_manager.cc.
#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/status.h"
#include "services/registry/refusals.h"
#include "services/registry/registry_codec.h"
#include "services/registry/registry_manager.h"
#include "services/registry/registry_policy.h"

namespace relief::registry {
namespace {

constexpr size_t kMaxDecisions = 200;

// "person." + every field path of an INVALID_ARGUMENT (Update's values are
// under `person`); other statuses unchanged.
absl::Status UnderPerson(absl::Status s) {
  std::vector<FieldViolation> v = GetFieldViolations(s);
  if (v.empty()) return s;
  for (FieldViolation& f : v) f.field = absl::StrCat("person.", f.field);
  return WithViolations(s.code(), std::move(v));
}

bool Has(const std::vector<std::string>& fields, absl::string_view f) {
  return std::find(fields.begin(), fields.end(), f) != fields.end();
}

bool SameRelatives(const std::vector<Relative>& a, const std::vector<Relative>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const Relative& x, const Relative& y) {
                      return x.name == y.name && x.relationship == y.relationship &&
                             x.phone == y.phone;
                    });
}

// True when no field Update may change differs.
bool SameCorrectableFields(const Person& a, const Person& b) {
  return a.full_name == b.full_name && a.birth_date == b.birth_date &&
         a.sex == b.sex && a.phone == b.phone &&
         a.home_commune_code == b.home_commune_code &&
         a.host_province_code == b.host_province_code &&
         a.host_district_code == b.host_district_code && a.street == b.street &&
         a.need_kind == b.need_kind && a.need_note == b.need_note &&
         SameRelatives(a.relatives, b.relatives);
}

// Documents that prove home-province citizenship; the operator checks the
// address printed on them.
bool ProvesCitizenship(DocumentType t) {
  return t == DocumentType::kCccd || t == DocumentType::kCmnd ||
         t == DocumentType::kHouseholdBook ||
         t == DocumentType::kResidenceConfirmation;
}

}  // namespace

absl::StatusOr<UpdateResult> RegistryManager::Update(
    const Principal& actor, const UpdateInput& in,
    absl::string_view request_hash) {
  RELIEF_RETURN_IF_ERROR(Authorize(actor, kMethodUpdate));
  Violations v;
  v.AddIfError("request_id", CheckRequestId(in.request_id));
  if (!IsUuid(in.person_id)) v.Add("person_id", "must be a UUID");
  if (in.reason.empty()) v.Add("reason", "required");
  if (in.reason.size() > kMaxNoteChars) v.Add("reason", "at most 1000 bytes");
  if (in.fields.empty()) v.Add("update_mask", "name at least one field");
  for (const std::string& f : in.fields) {
    if (std::find(std::begin(kUpdatableFields), std::end(kUpdatableFields), f) ==
        std::end(kUpdatableFields)) {
      v.Add("update_mask",
            absl::StrCat("\"", f, "\" cannot be corrected; one of: ",
                         absl::StrJoin(kUpdatableFields, ", ")));
    }
  }
  RELIEF_RETURN_IF_ERROR(v.ToStatus());

  const RequestKey key{std::string(kMethodUpdate), actor.subject,
                       in.request_id};
  UpdateResult result;
  absl::Status s = deps_.store.InTransaction([&](RegistryTx& tx) -> absl::Status {
    RELIEF_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                            tx.ClaimRequest(key, request_hash));
    if (stored.has_value()) {
      RELIEF_ASSIGN_OR_RETURN(result, DecodeUpdateResult(*stored));
      return absl::OkStatus();
    }
    RELIEF_ASSIGN_OR_RETURN(Person before, tx.LockPerson(in.person_id));
    RELIEF_RETURN_IF_ERROR(authorizer_.Check(
        actor, kMethodUpdate,
        {.unit_code = before.home_commune_code, .partner_id = before.partner_id}));
    if (before.state == PersonState::kMerged) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the person was merged into ", before.merged_into,
          "; correct that record"));
    }
    // The corrected record must be a valid registration as a whole.
    RegistrationInput candidate{.request_id = in.request_id, .person = before};
    Person& c = candidate.person;
    const Person& n = in.values;
    if (Has(in.fields, "full_name")) c.full_name = n.full_name;
    if (Has(in.fields, "birth_date")) c.birth_date = n.birth_date;
    if (Has(in.fields, "sex")) c.sex = n.sex;
    if (Has(in.fields, "phone")) c.phone = n.phone;
    if (Has(in.fields, "home_commune_code")) c.home_commune_code = n.home_commune_code;
    if (Has(in.fields, "current_address")) {
      c.host_province_code = n.host_province_code;
      c.host_district_code = n.host_district_code;
      c.street = n.street;
    }
    if (Has(in.fields, "needs")) {
      c.need_kind = n.need_kind;
      c.need_note = n.need_note;
    }
    if (Has(in.fields, "relatives")) c.relatives = n.relatives;
    absl::StatusOr<Registration> reg =
        NormalizeRegistration(candidate, units_, config_, deps_.clock.Now());
    if (!reg.ok()) return UnderPerson(reg.status());
    Person after = before;
    const Person& norm = reg->person;
    after.full_name = norm.full_name;
    after.birth_date = norm.birth_date;
    after.sex = norm.sex;
    after.phone = norm.phone;
    after.home_commune_code = norm.home_commune_code;
    after.home_district_code = norm.home_district_code;
    after.home_province_code = norm.home_province_code;
    after.host_province_code = norm.host_province_code;
    after.host_district_code = norm.host_district_code;
    after.street = norm.street;
    after.need_kind = norm.need_kind;
    after.need_note = norm.need_note;
    after.relatives = norm.relatives;
    if (SameCorrectableFields(before, after)) {
      return InvalidArgument("update_mask",
                             "the new values equal the record's: nothing to "
                             "correct");
    }
    const bool moved = after.home_commune_code != before.home_commune_code;
    if (moved) {
      // The new home commune must be the caller's too.
      RELIEF_RETURN_IF_ERROR(authorizer_.Check(
          actor, kMethodUpdate,
          {.unit_code = after.home_commune_code, .partner_id = after.partner_id}));
    }
    // The duplicate pass again, first: its blocking-key locks come before
    // any row this correction writes (the order Register takes them in).
    RELIEF_ASSIGN_OR_RETURN(std::vector<Match> matches,
                            FuzzyPass(tx, ToMatchRecord(after), after.id));
    const absl::Time now = deps_.clock.Now();
    RELIEF_RETURN_IF_ERROR(tx.UnindexPerson(ToMatchRecord(before)));
    RELIEF_RETURN_IF_ERROR(tx.UpdatePerson(after, in.fields, EncodePeople({before}),
                                           actor, in.reason, in.request_id, now));
    RELIEF_RETURN_IF_ERROR(tx.IndexPerson(ToMatchRecord(after)));
    if (moved && before.state == PersonState::kVerified) {
      // Another commune confirms its own people.
      RELIEF_RETURN_IF_ERROR(tx.ChangeState(
          after.id, PersonState::kVerified, PersonState::kSubmitted, actor,
          absl::StrCat("home commune corrected from ", before.home_commune_code,
                       " to ", after.home_commune_code, ": ", in.reason),
          "", in.request_id, now));
      after.state = PersonState::kSubmitted;
      RELIEF_RETURN_IF_ERROR(tx.AppendEvent(
          {.type = "relief.registry.PersonStateChanged",
           .aggregate_id = after.id,
           .payload = EncodeStateChanged(after, PersonState::kVerified, "")}));
    }
    // A likely duplicate of the corrected record opens a review item (a
    // correction never merges by itself), unless the pair is already under
    // review.
    RELIEF_ASSIGN_OR_RETURN(std::vector<std::string> under,
                            tx.UnderReviewWith(after.id));
    ReviewItem review{.review_id = deps_.ids.NewId(),
                      .kind = "POSSIBLE_DUPLICATE",
                      .person_id = after.id,
                      .home_commune_code = after.home_commune_code};
    for (const Match& m : matches) {
      if (std::find(under.begin(), under.end(), m.person_id) != under.end()) {
        continue;
      }
      review.candidate_ids.push_back(m.person_id);
      review.scores.push_back(m.score.bits);
    }
    if (!review.candidate_ids.empty()) {
      RELIEF_RETURN_IF_ERROR(OpenReview(tx, actor, review, in.request_id));
      result.review_id = review.review_id;
      result.matched_person_ids = review.candidate_ids;
    }
    RELIEF_ASSIGN_OR_RETURN(result.person, tx.LoadPerson(after.id));
    result.warnings = reg->warnings;
    RELIEF_RETURN_IF_ERROR(tx.AppendEvent(
        {.type = "relief.registry.PersonUpdated",
         .aggregate_id = after.id,
         .payload = EncodePersonUpdated(result.person, before, in.fields,
                                        result.review_id)}));
    RELIEF_RETURN_IF_ERROR(tx.AppendAudit(
        actor, {.action = "person.update",
                .target_id = after.id,
                .request_id = in.request_id}));
    return tx.CompleteRequest(key, EncodeUpdateResult(result));
  });
  if (!s.ok()) return Denied(actor, kMethodUpdate, std::move(s), in.request_id);
  MaskFor(actor, result.person);
  return result;
}

absl::StatusOr<ReviewView> RegistryManager::ViewOf(RegistryTx& tx,
                                                   const Principal& actor,
                                                   ReviewRow row) {
  ReviewView view;
  RELIEF_ASSIGN_OR_RETURN(view.person, tx.LoadPerson(row.person_id));
  std::vector<Person> candidates;
  std::vector<std::string> tokens = NameTokens(view.person.full_name);
  for (const std::string& id : row.candidate_ids) {
    RELIEF_ASSIGN_OR_RETURN(Person p, tx.LoadPerson(id));
    for (std::string& t : NameTokens(p.full_name)) tokens.push_back(std::move(t));
    candidates.push_back(std::move(p));
  }
  RELIEF_ASSIGN_OR_RETURN(TokenStats stats, tx.LoadTokenStats(tokens));
  const MatchRecord record = ToMatchRecord(view.person);
  for (Person& p : candidates) {
    MatchScore score = Score(record, ToMatchRecord(p), stats);
    MaskFor(actor, p);
    view.candidates.push_back({std::move(p), std::move(score)});
  }
  MaskFor(actor, view.person);
  view.row = std::move(row);
  return view;
}

absl::StatusOr<ReviewPage> RegistryManager::ListReviews(
    const Principal& actor, absl::string_view unit_code, int page_size,
    const std::string& page_token) {
  RELIEF_RETURN_IF_ERROR(Authorize(actor, kMethodListReviews));
  const units::Unit* unit = units_.Find(unit_code);
  if (unit == nullptr || !units_.Contains(config_.home_province_code, unit->code)) {
    return InvalidArgument("unit_code",
                           "not a unit of the home province (commune, "
                           "district or province code)");
  }
  RELIEF_RETURN_IF_ERROR(Check(actor, kMethodListReviews, {.unit_code = unit->code}));
  RELIEF_ASSIGN_OR_RETURN(const int limit, PageSize(page_size));
  const std::string bound =
      absl::StrCat(kMethodListReviews, "|", unit->code, "|", actor.subject, "|", limit);
  std::string after;
  if (!page_token.empty()) {
    RELIEF_ASSIGN_OR_RETURN(std::vector<std::string> key,
                            deps_.page_tokens.Decode(page_token, bound));
    if (key.size() != 1) return InvalidArgument("page_token", "malformed");
    after = key[0];
  }
  RELIEF_ASSIGN_OR_RETURN(
      std::vector<ReviewRow> rows,
      deps_.store.FindReviews(authorizer_.CommunesUnder(unit->code), after,
                              limit + 1));
  ReviewPage page;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(limit);
    page.next_page_token = deps_.page_tokens.Encode({rows.back().review_id}, bound);
  }
  RELIEF_RETURN_IF_ERROR(deps_.store.InTransaction([&](RegistryTx& tx) -> absl::Status {
    page.reviews.clear();
    for (const ReviewRow& row : rows) {
      RELIEF_ASSIGN_OR_RETURN(ReviewView view, ViewOf(tx, actor, row));
      page.reviews.push_back(std::move(view));
    }
    if (!rows.empty() && SeesPersonalData(actor.role)) {
      // Both records of every item are personal data read unmasked.
      return tx.AppendAudit(actor, {.action = "review.list",
                                    .target_id = std::string(unit->code),
                                    .request_id = ""});
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<std::string> RegistryManager::ApplyDecision(
    RegistryTx& tx, const Principal& actor, const DecisionInput& d,
    const std::string& request_id, const std::string& reason) {
  RELIEF_ASSIGN_OR_RETURN(ReviewRow row, tx.LockReview(d.review_id));
  RELIEF_RETURN_IF_ERROR(authorizer_.Check(actor, kMethodDecideReviews,
                                           {.unit_code = row.home_commune_code}));
  if (!row.open) {
    return absl::FailedPreconditionError(
        absl::StrCat("the item was already decided (", row.decision, ")"));
  }
  const absl::Time now = deps_.clock.Now();
  std::string decision = "DISTINCT", same_as;
  if (d.decision == Decision::kDistinct) {
    // Locked in id order like a merge, so a SAME on the same pair decided
    // at the same moment waits for this one (and then finds the pair
    // DISTINCT).
    std::vector<std::string> people = row.candidate_ids;
    people.push_back(row.person_id);
    std::sort(people.begin(), people.end());
    for (const std::string& id : people) {
      RELIEF_RETURN_IF_ERROR(tx.LockPerson(id).status());
    }
    for (const std::string& c : row.candidate_ids) {
      RELIEF_RETURN_IF_ERROR(
          tx.RememberDistinct(row.person_id, c, actor, row.review_id, now));
    }
  } else {
    decision = "SAME";
    same_as = d.same_as;
    if (same_as.empty()) {
      if (row.candidate_ids.size() != 1) {
        return absl::FailedPreconditionError(absl::StrCat(
            "same_as: the item has ", row.candidate_ids.size(),
            " candidates; name the one the record is"));
      }
      same_as = row.candidate_ids[0];
    } else if (std::find(row.candidate_ids.begin(), row.candidate_ids.end(),
                         same_as) == row.candidate_ids.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("same_as: ", same_as, " is not a candidate of the item"));
    }
    // Chains resolve to the final survivor; the older record survives.
    RELIEF_ASSIGN_OR_RETURN(auto finals,
                            tx.FinalSurvivors({row.person_id, same_as}));
    std::string a = finals[row.person_id], b = finals[same_as];
    if (a != b) {
      if (b < a) std::swap(a, b);  // UUIDv7: the smaller id is the older
      // Both rows locked in id order; a merge that won meanwhile makes the
      // chains above stale: start again.
      RELIEF_ASSIGN_OR_RETURN(Person survivor, tx.LockPerson(a));
      RELIEF_ASSIGN_OR_RETURN(Person merged, tx.LockPerson(b));
      if (survivor.state == PersonState::kMerged ||
          merged.state == PersonState::kMerged) {
        return absl::AbortedError("lost a race: a record was merged meanwhile");
      }
      // Both people must be the caller's: one of them disappears into the
      // other.
      for (const Person* p : {&survivor, &merged}) {
        RELIEF_RETURN_IF_ERROR(authorizer_.Check(
            actor, kMethodDecideReviews,
            {.unit_code = p->home_commune_code, .partner_id = p->partner_id}));
      }
      RELIEF_ASSIGN_OR_RETURN(std::vector<std::string> distinct, tx.DistinctFrom(a));
      if (std::find(distinct.begin(), distinct.end(), b) != distinct.end()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the pair was decided DISTINCT (or unmerged) before: ", a, " and ", b,
            " are two people"));
      }
      const MergeRecord merge{.merge_id = deps_.ids.NewId(),
                              .merged_id = merged.id,
                              .survivor_id = survivor.id,
                              .review_id = row.review_id,
                              .state_before = merged.state};
      RELIEF_ASSIGN_OR_RETURN(std::vector<std::string> moot,
                              tx.MergeInto(merge, actor, reason, request_id, now));
      const PersonState from = merged.state;
      merged.state = PersonState::kMerged;
      RELIEF_RETURN_IF_ERROR(tx.AppendEvent(
          {.type = "relief.registry.PersonStateChanged",
           .aggregate_id = merged.id,
           .payload = EncodeStateChanged(merged, from, "")}));
      RELIEF_RETURN_IF_ERROR(tx.AppendEvent(
          {.type = "relief.registry.PersonMerged",
           .aggregate_id = merged.id,
           .payload = EncodePersonMerged(merged, survivor.id, row.review_id)}));
      RELIEF_RETURN_IF_ERROR(tx.AppendAudit(
          actor, {.action = "person.merge",
                  .target_id = merged.id,
                  .request_id = request_id}));
      for (const std::string& id : moot) {
        ReviewRow closed{.review_id = id, .person_id = survivor.id,
                         .home_commune_code = survivor.home_commune_code};
        RELIEF_RETURN_IF_ERROR(tx.AppendEvent(
            {.type = "relief.registry.ReviewDecided",
             .aggregate_id = id,
             .payload = EncodeReviewDecided(closed, "MOOT", "")}));
        RELIEF_RETURN_IF_ERROR(tx.AppendAudit(
            actor, {.action = "review.moot", .target_id = id,
                    .request_id = request_id}));
      }
      // The item's other candidates are still undecided: they are asked
      // about again, against the survivor.
      ReviewItem rest{.review_id = deps_.ids.NewId(),
                      .kind = row.kind,
                      .person_id = survivor.id,
                      .home_commune_code = survivor.home_commune_code};
      RELIEF_ASSIGN_OR_RETURN(auto rest_finals, tx.FinalSurvivors(row.candidate_ids));
      for (size_t i = 0; i < row.candidate_ids.size(); ++i) {
        const std::string& c = rest_finals[row.candidate_ids[i]];
        if (c.empty() || c == survivor.id ||
            std::find(rest.candidate_ids.begin(), rest.candidate_ids.end(), c) !=
                rest.candidate_ids.end()) {
          continue;
        }
        rest.candidate_ids.push_back(c);
        if (i < row.scores.size()) rest.scores.push_back(row.scores[i]);
      }
      if (rest.scores.size() != rest.candidate_ids.size()) rest.scores.clear();
      if (!rest.candidate_ids.empty()) {
        RELIEF_RETURN_IF_ERROR(OpenReview(tx, actor, rest, request_id));
      }
    }
  }
  RELIEF_RETURN_IF_ERROR(tx.CloseReview(row.review_id, decision, same_as, actor,
                                        reason, request_id, now));
  RELIEF_RETURN_IF_ERROR(tx.AppendEvent(
      {.type = "relief.registry.ReviewDecided",
       .aggregate_id = row.review_id,
       .payload = EncodeReviewDecided(row, decision, same_as)}));
  RELIEF_RETURN_IF_ERROR(tx.AppendAudit(
      actor, {.action = absl::StrCat("review.", decision == "SAME" ? "same" : "distinct"),
              .target_id = row.review_id,
              .request_id = request_id}));
  return row.review_id;
}

absl::StatusOr<std::vector<ReviewView>> RegistryManager::DecideReviews(
    const Principal& actor, const std::string& request_id,
    const std::vector<DecisionInput>& requested, const std::string& reason,
    absl::string_view request_hash) {
  RELIEF_RETURN_IF_ERROR(Authorize(actor, kMethodDecideReviews));
  // Ids compare as text below (candidates, survivors): lower-case, as stored.
  std::vector<DecisionInput> decisions = requested;
  for (DecisionInput& d : decisions) {
    d.review_id = absl::AsciiStrToLower(d.review_id);
    d.same_as = absl::AsciiStrToLower(d.same_as);
  }
  Violations v;
  v.AddIfError("request_id", CheckRequestId(request_id));
  if (decisions.empty()) v.Add("decisions", "at least one decision");
  if (decisions.size() > kMaxDecisions) v.Add("decisions", "at most 200 decisions");
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < decisions.size(); ++i) {
    const DecisionInput& d = decisions[i];
    const std::string at = absl::StrCat("decisions[", i, "]");
    if (!IsUuid(d.review_id)) {
      v.Add(at + ".review_id", "must be a UUID");
    } else if (!seen.insert(d.review_id).second) {
      v.Add(at + ".review_id", "decided twice in one call");
    }
    if (d.decision != Decision::kSame && d.decision != Decision::kDistinct) {
      v.Add(at + ".decision", "SAME or DISTINCT");
    }
    if (!d.same_as.empty() &&
        (d.decision != Decision::kSame || !IsUuid(d.same_as))) {
      v.Add(at + ".same_as", "a candidate's UUID, with SAME only");
    }
  }
  if (reason.size() > kMaxNoteChars) v.Add("reason", "at most 1000 bytes");
  RELIEF_RETURN_IF_ERROR(v.ToStatus());

  const RequestKey key{std::string(kMethodDecideReviews), actor.subject, request_id};
  std::vector<ReviewView> views;
  absl::Status s = deps_.store.InTransaction([&](RegistryTx& tx) -> absl::Status {
    views.clear();
    RELIEF_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                            tx.ClaimRequest(key, request_hash));
    if (stored.has_value()) {
      RELIEF_ASSIGN_OR_RETURN(views, DecodeReviewViews(*stored));
      return absl::OkStatus();
    }
    // Items are locked in id order (no deadlock between two bulk calls).
    std::vector<size_t> order(decisions.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return decisions[a].review_id < decisions[b].review_id;
    });
    Refusals refused;
    for (size_t i : order) {
      absl::StatusOr<std::string> done =
          ApplyDecision(tx, actor, decisions[i], request_id, reason);
      if (!done.ok()) {
        RELIEF_RETURN_IF_ERROR(refused.Add("decisions", i, done.status()));
      }
    }
    RELIEF_RETURN_IF_ERROR(refused.ToStatus());  // all or nothing
    for (const DecisionInput& d : decisions) {
      RELIEF_ASSIGN_OR_RETURN(ReviewRow row, tx.LockReview(d.review_id));
      // Stored unmasked; masked per caller below.
      RELIEF_ASSIGN_OR_RETURN(ReviewView view,
                              ViewOf(tx, Principal{.role = "admin"}, std::move(row)));
      views.push_back(std::move(view));
    }
    return tx.CompleteRequest(key, EncodeReviewViews(views));
  });
  if (!s.ok()) return Denied(actor, kMethodDecideReviews, std::move(s), request_id);
  for (ReviewView& view : views) {
    MaskFor(actor, view.person);
    for (ReviewCandidateView& c : view.candidates) MaskFor(actor, c.person);
  }
  return views;
}

absl::StatusOr<Person> RegistryManager::Unmerge(const Principal& actor,
                                                const TransitionInput& in,
                                                absl::string_view request_hash) {
  RELIEF_RETURN_IF_ERROR(Authorize(actor, kMethodUnmerge));
  Violations v;
  v.AddIfError("request_id", CheckRequestId(in.request_id));
  if (!IsUuid(in.person_id)) v.Add("person_id", "must be a UUID");
  if (in.reason.empty()) v.Add("reason", "required");
  if (in.reason.size() > kMaxNoteChars) v.Add("reason", "at most 1000 bytes");
  RELIEF_RETURN_IF_ERROR(v.ToStatus());

  const RequestKey key{std::string(kMethodUnmerge), actor.subject, in.request_id};
  Person person;
  absl::Status s = deps_.store.InTransaction([&](RegistryTx& tx) -> absl::Status {
    RELIEF_ASSIGN_OR_RETURN(std::optional<std::string> stored,
                            tx.ClaimRequest(key, request_hash));
    if (stored.has_value()) {
      RELIEF_ASSIGN_OR_RETURN(person, DecodePerson(*stored));
      return absl::OkStatus();
    }
    RELIEF_ASSIGN_OR_RETURN(Person merged, tx.LoadPerson(in.person_id));
    RELIEF_RETURN_IF_ERROR(authorizer_.Check(
        actor, kMethodUnmerge,
        {.unit_code = merged.home_commune_code, .partner_id = merged.partner_id}));
    RELIEF_ASSIGN_OR_RETURN(std::optional<MergeRecord> merge,
                            tx.LastMerge(in.person_id));
    if (merged.state != PersonState::kMerged || !merge.has_value()) {
      return absl::FailedPreconditionError("the person is not merged");
    }
    // Both rows locked in id order.
    const std::string& lo = std::min(merge->merged_id, merge->survivor_id);
    const std::string& hi = std::max(merge->merged_id, merge->survivor_id);
    RELIEF_RETURN_IF_ERROR(tx.LockPerson(lo).status());
    RELIEF_RETURN_IF_ERROR(tx.LockPerson(hi).status());
    RELIEF_ASSIGN_OR_RETURN(Person survivor, tx.LoadPerson(merge->survivor_id));
    // What moves back leaves the survivor: theirs to decide too.
    RELIEF_RETURN_IF_ERROR(authorizer_.Check(
        actor, kMethodUnmerge,
        {.unit_code = survivor.home_commune_code, .partner_id = survivor.partner_id}));
    RELIEF_ASSIGN_OR_RETURN(bool renumbered,
                            tx.RelativesCorrectedSince(survivor.id, merge->merge_id));
    if (renumbered) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the relatives of ", survivor.id,
          " were corrected since the merge: which ones came from this record "
          "is no longer known; correct both records instead"));
    }
    if (survivor.state == PersonState::kMerged) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the record it was merged into (", survivor.id,
          ") was merged since into ", survivor.merged_into, "; unmerge that first"));
    }
    const absl::Time now = deps_.clock.Now();
    RELIEF_RETURN_IF_ERROR(tx.UndoMerge(*merge, actor, in.reason, in.request_id, now));
    // A mistaken SAME: the pair is two people.
    RELIEF_RETURN_IF_ERROR(tx.RememberDistinct(merge->merged_id, merge->survivor_id,
                                               actor, merge->review_id, now));
    RELIEF_ASSIGN_OR_RETURN(person, tx.LoadPerson(in.person_id));
    RELIEF_RETURN_IF_ERROR(tx.AppendEvent(
        {.type = "relief.registry.PersonStateChanged",
         .aggregate_id = person.id,
         .payload = EncodeStateChanged(person, PersonState::kMerged, "")}));
    RELIEF_RETURN_IF_ERROR(tx.AppendEvent(
        {.type = "relief.registry.PersonUnmerged",
         .aggregate_id = person.id,
         .payload = EncodePersonUnmerged(person, merge->survivor_id)}));
    RELIEF_RETURN_IF_ERROR(tx.AppendAudit(
        actor, {.action = "person.unmerge",
                .target_id = person.id,
                .request_id = in.request_id}));
    return tx.CompleteRequest(key, EncodePeople({person}));
  });
  if (!s.ok()) return Denied(actor, kMethodUnmerge, std::move(s), in.request_id);
  MaskFor(actor, person);
  return person;
}

absl::StatusOr<Eligibility> RegistryManager::CheckEligibility(
    const Principal& actor, const EligibilityInput& input) {
  RELIEF_RETURN_IF_ERROR(Authorize(actor, kMethodCheckEligibility));
  EligibilityInput in = input;
  in.person_id = absl::AsciiStrToLower(in.person_id);  // ids compare as text
  Violations v;
  if (!IsUuid(in.person_id)) v.Add("person_id", "must be a UUID");
  if (in.purpose != Purpose::kCash && in.purpose != Purpose::kRice) {
    v.Add("purpose", "PURPOSE_CASH or PURPOSE_RICE");
  }
  Document presented;
  const bool has_document = in.presented.type != DocumentType::kUnspecified ||
                            !in.presented.number.empty();
  if (has_document) {
    absl::StatusOr<Document> d =
        NormalizeDocumentOf(in.presented.type, in.presented.number);
    if (!d.ok()) {
      v.Add(in.presented.type == DocumentType::kUnspecified
                ? "presented_document.type"
                : "presented_document.number",
            std::string(d.status().message()));
    } else {
      presented = *std::move(d);
    }
  }
  RELIEF_RETURN_IF_ERROR(v.ToStatus());

  Eligibility e;
  Person p;
  bool review_open = false;
  bool document_is_theirs = false;
  RELIEF_RETURN_IF_ERROR(deps_.store.InTransaction([&](RegistryTx& tx) -> absl::Status {
    RELIEF_ASSIGN_OR_RETURN(auto finals, tx.FinalSurvivors({in.person_id}));
    if (!finals.contains(in.person_id)) {
      return absl::NotFoundError(absl::StrCat("no person ", in.person_id));
    }
    e.canonical_person_id = finals[in.person_id];
    RELIEF_ASSIGN_OR_RETURN(p, tx.LoadPerson(e.canonical_person_id));
    RELIEF_ASSIGN_OR_RETURN(e.merged_person_ids, tx.MergedInto(p.id));
    RELIEF_ASSIGN_OR_RETURN(review_open, tx.HasOpenReview(p.id));
    if (has_document) {
      absl::flat_hash_set<std::string> ids(e.merged_person_ids.begin(),
                                           e.merged_person_ids.end());
      ids.insert(p.id);
      if (!presented.key.empty()) {
        RELIEF_ASSIGN_OR_RETURN(auto owners, tx.FindDocumentOwners({presented.key}));
        document_is_theirs = owners.contains(presented.key) &&
                             ids.contains(owners[presented.key]);
      } else {
        // A household book or residence confirmation: on this person's
        // record (or a record merged into it).
        for (const std::string& id : ids) {
          RELIEF_ASSIGN_OR_RETURN(Person r, tx.LoadPerson(id));
          for (const Document& d : r.documents) {
            if (d.type == presented.type && d.number == presented.number) {
              document_is_theirs = true;
            }
          }
        }
      }
    }
    return absl::OkStatus();
  }));
  RELIEF_RETURN_IF_ERROR(Check(actor, kMethodCheckEligibility,
                               {.unit_code = p.home_commune_code,
                                .partner_id = p.partner_id}));
  e.state = p.state;
  e.home_commune_code = p.home_commune_code;
  e.home_district_code = p.home_district_code;
  e.host_province_code = p.host_province_code;
  e.host_district_code = p.host_district_code;
  e.document_proves_citizenship = has_document && ProvesCitizenship(presented.type);

  auto refuse = [&](IneligibleReason r, std::string detail) {
    e.eligible = false;
    e.reason = r;
    e.detail = std::move(detail);
    return e;
  };
  if (e.canonical_person_id != in.person_id) {
    return refuse(IneligibleReason::kMerged,
                  absl::StrCat("merged into ", e.canonical_person_id,
                               ": ask with that id"));
  }
  if (p.state == PersonState::kWithdrawn) {
    return refuse(IneligibleReason::kWithdrawn, "withdrawn (went home or no longer in need)");
  }
  if (p.state == PersonState::kRejected) {
    return refuse(IneligibleReason::kRejected, "rejected by the home commune");
  }
  if (in.purpose == Purpose::kCash) {
    if (p.state != PersonState::kVerified) {
      return refuse(IneligibleReason::kNotVerified,
                    "cash is paid to people the home commune has verified");
    }
    if (review_open) {
      return refuse(IneligibleReason::kReviewOpen,
                    "a duplicate review involving the person is open");
    }
  } else {
    if (!has_document || !e.document_proves_citizenship) {
      return refuse(IneligibleReason::kNoCitizenshipDocument,
                    "rice needs a CCCD, CMND, household book or residence "
                    "confirmation of the home province");
    }
    if (!document_is_theirs) {
      return refuse(IneligibleReason::kDocumentNotThisPerson,
                    "the presented document is not on this person's record");
    }
  }
  e.eligible = true;
  return e;
}

absl::StatusOr<int> RegistryManager::FileUnindexedPeople(int limit) {
  RELIEF_ASSIGN_OR_RETURN(std::vector<std::string> unindexed,
                          deps_.store.UnindexedPeople(limit));
  for (const std::string& id : unindexed) {
    RELIEF_RETURN_IF_ERROR(deps_.store.InTransaction([&](RegistryTx& tx) -> absl::Status {
      RELIEF_ASSIGN_OR_RETURN(Person p, tx.LockPerson(id));
      return tx.IndexPerson(ToMatchRecord(p));  // idempotent
    }));
  }
  return static_cast<int>(unindexed.size());
}

absl::StatusOr<int> RegistryManager::Sweep(absl::Time since, int limit) {
  const Principal sweeper{.subject = "registry:sweep", .role = "service"};
  RELIEF_RETURN_IF_ERROR(FileUnindexedPeople(limit).status());
  int opened = 0;
  std::vector<std::string> recent;
  for (std::string after;;) {  // every page: a busy window is seen whole
    RELIEF_ASSIGN_OR_RETURN(std::vector<std::string> page,
                            deps_.store.RecentPeople(since, after, limit));
    recent.insert(recent.end(), page.begin(), page.end());
    if (static_cast<int>(page.size()) < limit) break;
    after = page.back();
  }
  for (const std::string& id : recent) {
    RELIEF_RETURN_IF_ERROR(deps_.store.InTransaction([&](RegistryTx& tx) -> absl::Status {
      // Read, not locked: the sweep only adds an item.
      RELIEF_ASSIGN_OR_RETURN(Person p, tx.LoadPerson(id));
      if (p.state == PersonState::kMerged) return absl::OkStatus();
      RELIEF_ASSIGN_OR_RETURN(std::vector<Match> matches,
                              FuzzyPass(tx, ToMatchRecord(p), id));
      RELIEF_ASSIGN_OR_RETURN(std::vector<std::string> under, tx.UnderReviewWith(id));
      const absl::flat_hash_set<std::string> reviewed(under.begin(), under.end());
      ReviewItem review{.review_id = deps_.ids.NewId(),
                        .kind = "POSSIBLE_DUPLICATE",
                        .person_id = id,
                        .home_commune_code = p.home_commune_code};
      for (const Match& m : matches) {
        // Older records only: the pair is seen once, from its newer side.
        if (m.person_id < id && !reviewed.contains(m.person_id)) {
          review.candidate_ids.push_back(m.person_id);
          review.scores.push_back(m.score.bits);
        }
      }
      if (review.candidate_ids.empty()) return absl::OkStatus();
      RELIEF_RETURN_IF_ERROR(OpenReview(tx, sweeper, review, "sweep"));
      ++opened;
      return absl::OkStatus();
    }));
  }
  return opened;
}

}  // namespace relief::registry
