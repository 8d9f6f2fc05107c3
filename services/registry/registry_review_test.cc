// Duplicates, the review queue, merges, corrections and eligibility on the
// real registry manager over Postgres (label: integration).
#include <barrier>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/base/status.h"
#include "common/base/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/registry/testing/distinct_person.h"
#include "services/registry/testing/manager_on_postgres.h"

namespace relief::registry {
namespace {

using ::relief::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kPhuDa[] = "09157";       // district 252
constexpr char kTichSon[] = "08707";     // district 243

RegistrationInput Input(std::string request_id, std::string name,
                        BirthDate dob, Sex sex = Sex::kFemale) {
  RegistrationInput in;
  in.request_id = std::move(request_id);
  Person& p = in.person;
  p.full_name = std::move(name);
  p.birth_date = dob;
  p.sex = sex;
  p.home_commune_code = kPhuDa;
  p.host_province_code = "79";
  p.need_kind = NeedKind::kLiving;
  p.source = Source::kHotline;
  p.relatives = {{"Nguyễn Văn Tám", "bố", ""}};
  return in;
}

Document Doc(DocumentType type, std::string number) {
  return Document{.type = type, .number = std::move(number)};
}

std::vector<std::string> Fields(const absl::Status& s) {
  std::vector<std::string> out;
  for (const FieldViolation& v : GetFieldViolations(s)) out.push_back(v.field);
  return out;
}

class RegistryReviewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = testing::ManagerOnPostgres::Create();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = *std::move(env);
    m_ = env_->manager.get();
  }

  RegisterResult MustRegister(const RegistrationInput& in) {
    auto r = m_->Register(admin_, in, in.request_id + "-body");
    EXPECT_TRUE(r.ok()) << in.request_id << ": " << r.status();
    return r.ok() ? *r : RegisterResult{};
  }
  // A person nobody else resembles.
  std::string NewPerson(const std::string& id, const std::string& name,
                        BirthDate dob, std::vector<Document> docs = {}) {
    RegistrationInput in = Input(id, name, dob);
    in.person.documents = std::move(docs);
    RegisterResult r = MustRegister(in);
    EXPECT_EQ(r.outcome, RegisterOutcome::kCreated) << id;
    return r.person.id;
  }
  // An open POSSIBLE_DUPLICATE item about `person` (as the pass opens them).
  std::string OpenReview(const std::string& person,
                         const std::vector<std::string>& candidates,
                         const std::string& commune = kPhuDa) {
    const std::string id = env_->ids.NewId();
    std::string list;
    for (const auto& c : candidates) absl::StrAppend(&list, list.empty() ? "" : ",", "'", c, "'::uuid");
    EXPECT_TRUE(env_->db->Exec(absl::StrCat(
        "INSERT INTO registry.reviews (review_id, kind, state, person_id,"
        " candidate_ids, doc_keys, home_commune_code, created_at, created_by,"
        " request_id, scores) VALUES ('", id, "', 'POSSIBLE_DUPLICATE', 'OPEN', '",
        person, "', ARRAY[", list, "], '{}', '", commune,
        "', now(), 'test', 'test', '{}')")).ok());
    return id;
  }
  absl::StatusOr<std::vector<ReviewView>> Decide(
      const std::string& request_id, std::vector<DecisionInput> d,
      const Principal* actor = nullptr) {
    return m_->DecideReviews(actor ? *actor : admin_, request_id, d,
                             "officer compared both records",
                             request_id + "-body");
  }
  absl::StatusOr<Person> Transit(Transition t, const std::string& id,
                                 const std::string& request_id) {
    return m_->ChangeState(admin_, t,
                           {.request_id = request_id, .person_id = id,
                            .reason = "test"},
                           request_id + "-body");
  }
  absl::StatusOr<Eligibility> Eligible(const std::string& id, Purpose purpose,
                                       Document presented = {}) {
    return m_->CheckEligibility(
        admin_, {.person_id = id, .purpose = purpose, .presented = presented});
  }
  Person MustGet(const std::string& id) {
    auto p = m_->GetPerson(admin_, id);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *p : Person{};
  }
  int64_t Count(const std::string& sql) { return env_->Count(sql); }

  std::unique_ptr<testing::ManagerOnPostgres> env_;
  RegistryManager* m_ = nullptr;
  Principal admin_{.subject = "admin-1", .role = "admin"};
  Principal officer_{.subject = "officer-09157", .role = "commune_officer",
                     .scope = kPhuDa};
  Principal other_officer_{.subject = "officer-08707",
                           .role = "commune_officer", .scope = kTichSon};
};

TEST_F(RegistryReviewTest, DuplicateAcrossSpellingsIsLinkedWithoutADocument) {
  RegistrationInput first = Input("first", "Nguyễn Thị Hồng Nhung", {1990, 5, 17});
  first.person.phone = "0912345678";
  first.person.documents = {Doc(DocumentType::kCccd, "026190001234")};
  const std::string id = MustRegister(first).person.id;

  // Another hotline call: order swapped, no marks, an old 11-digit number of
  // the same phone, a 9-digit CMND the registry has never seen.
  RegistrationInput again = Input("again", "NHUNG NGUYEN THI HONG", {1990, 5, 17});
  again.person.phone = "0912 345 678";
  again.person.documents = {Doc(DocumentType::kCmnd, "135 123 456")};
  RegisterResult r = MustRegister(again);
  EXPECT_EQ(r.outcome, RegisterOutcome::kExisting);
  EXPECT_EQ(r.person.id, id);
  EXPECT_GE(r.match_score, MatchConfig{}.link_bits);
  EXPECT_THAT(r.matched_person_ids, ElementsAre(id));
  // The new document now finds the person.
  EXPECT_EQ(Count("SELECT count(*) FROM registry.documents WHERE doc_key ="
                  " 'CMND9:135123456' AND linked"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM registry.persons"), 1);
}

TEST_F(RegistryReviewTest, LikelyDuplicateOpensAReviewWithPerFieldScores) {
  const std::string first = NewPerson("first", "Lê Thị Thu Trang", {1988, 3, 9});
  // Year only, one letter wrong, no phone: likely, not certain.
  RegistrationInput in = Input("second", "Lê Thị Thu Trag", {1988, 0, 0});
  RegisterResult r = MustRegister(in);
  ASSERT_EQ(r.outcome, RegisterOutcome::kNeedsReview) << r.match_score;
  EXPECT_THAT(r.matched_person_ids, ElementsAre(first));
  EXPECT_FALSE(r.review_id.empty());

  auto page = m_->ListReviews(officer_, kPhuDa, 50, "");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->reviews.size(), 1u);
  const ReviewView& v = page->reviews[0];
  EXPECT_EQ(v.row.review_id, r.review_id);
  EXPECT_EQ(v.row.kind, "POSSIBLE_DUPLICATE");
  EXPECT_EQ(v.person.id, r.person.id);
  ASSERT_EQ(v.candidates.size(), 1u);
  EXPECT_EQ(v.candidates[0].person.id, first);
  std::vector<std::string> fields;
  for (const FieldScore& f : v.candidates[0].score.fields) fields.push_back(f.field);
  EXPECT_THAT(fields, ElementsAre("name", "birth_date", "sex", "home_commune"));
  // Another area does not see it, and may not ask for this one.
  auto other = m_->ListReviews(other_officer_, kTichSon, 50, "");
  ASSERT_TRUE(other.ok());
  EXPECT_THAT(other->reviews, IsEmpty());
  EXPECT_THAT(m_->ListReviews(other_officer_, "252", 50, "").status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // The district sees its communes' items.
  const Principal district{.subject = "district-252", .role = "district_officer",
                           .scope = "252"};
  auto by_district = m_->ListReviews(district, "252", 50, "");
  ASSERT_TRUE(by_district.ok()) << by_district.status();
  EXPECT_EQ(by_district->reviews.size(), 1u);
  EXPECT_THAT(m_->ListReviews(officer_, "79", 50, "").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));

  // Verify waits for the decision.
  EXPECT_THAT(Transit(Transition::kVerify, first, "v1").status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(RegistryReviewTest, DistinctIsRememberedAndNeverFlaggedAgain) {
  const std::string a = NewPerson("a", "Phạm Thị Thu Hà", {1979, 4, 30});
  RegisterResult b = MustRegister(Input("b", "Phạm Thị Thu Hạnh", {1979, 0, 0}));
  ASSERT_EQ(b.outcome, RegisterOutcome::kNeedsReview);
  auto d = Decide("d1", {{b.review_id, Decision::kDistinct, ""}});
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0].row.decision, "DISTINCT");
  EXPECT_FALSE((*d)[0].row.open);
  EXPECT_EQ(Count("SELECT count(*) FROM registry.distinct_pairs"), 1);

  // Correcting b's name to a's exactly re-runs the pass: a is not flagged.
  UpdateInput up{.request_id = "u1", .person_id = b.person.id,
                 .reason = "spelling checked on the phone",
                 .fields = {"full_name"}};
  up.values.full_name = "Phạm Thị Thu Hà";
  auto u = m_->Update(admin_, up, "u1-body");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_TRUE(u->review_id.empty());
  EXPECT_EQ(Count("SELECT count(*) FROM registry.reviews WHERE state = 'OPEN'"), 0);
  // A decided item is not decided again.
  EXPECT_THAT(Decide("d2", {{b.review_id, Decision::kSame, ""}}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  (void)a;
}

TEST_F(RegistryReviewTest, UpdateRerunsTheDuplicatePass) {
  const std::string x = NewPerson("x", "Trần Văn Khải", {1980, 1, 1});
  const std::string y = NewPerson("y", "Trần Văn Doãn", {1980, 1, 1});
  UpdateInput up{.request_id = "u", .person_id = y,
                 .reason = "name misheard", .fields = {"full_name"}};
  up.values.full_name = "Trần Văn Khải";
  auto u = m_->Update(officer_, up, "u-body");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_FALSE(u->review_id.empty());
  EXPECT_THAT(u->matched_person_ids, ElementsAre(x));
  EXPECT_EQ(u->person.full_name, "Trần Văn Khải");
  // Who, when, why and the record before are kept; event and audit rows.
  EXPECT_EQ(Count("SELECT count(*) FROM registry.person_corrections WHERE"
                  " reason = 'name misheard' AND actor = 'officer-09157'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM registry.outbox WHERE event_type ="
                  " 'relief.registry.PersonUpdated'"),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM registry.audit WHERE action ="
                  " 'person.update'"),
            1);
  // Correcting again while the item is open opens no second item; a
  // correction that changes nothing is refused.
  UpdateInput phone{.request_id = "u-phone", .person_id = y,
                    .reason = "phone given", .fields = {"phone"}};
  phone.values.phone = "0977000111";
  auto u2 = m_->Update(officer_, phone, "u-phone-body");
  ASSERT_TRUE(u2.ok()) << u2.status();
  EXPECT_TRUE(u2->review_id.empty());
  EXPECT_EQ(Count("SELECT count(*) FROM registry.reviews WHERE state = 'OPEN'"), 1);
  phone.request_id = "u-phone-2";
  EXPECT_THAT(Fields(m_->Update(officer_, phone, "u-phone-2-body").status()),
              ElementsAre("update_mask"));
  // A retry answers the same; another body under the id is refused.
  auto again = m_->Update(officer_, up, "u-body");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->review_id, u->review_id);
  EXPECT_THAT(m_->Update(officer_, up, "other-body").status(),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(RegistryReviewTest, UpdateRefusesBadInputAndChangesNothing) {
  const std::string x = NewPerson("x", "Trần Văn Khải", {1980, 1, 1});
  const int64_t corrections_before = Count("SELECT count(*) FROM registry.person_corrections");
  UpdateInput up{.request_id = "u", .person_id = x, .fields = {"full_name"}};
  up.values.full_name = "Trần Văn Khải";
  EXPECT_THAT(Fields(m_->Update(admin_, up, "h").status()), ElementsAre("reason"));
  up.reason = "r";
  up.fields = {"documents"};
  EXPECT_THAT(Fields(m_->Update(admin_, up, "h").status()), ElementsAre("update_mask"));
  up.fields = {};
  EXPECT_THAT(Fields(m_->Update(admin_, up, "h").status()), ElementsAre("update_mask"));
  up.fields = {"full_name", "home_commune_code"};
  up.values.full_name = "Trần\u200BVăn";
  up.values.home_commune_code = "99999";
  EXPECT_THAT(Fields(m_->Update(admin_, up, "h").status()),
              UnorderedElementsAre("person.full_name", "person.home_commune_code"));
  EXPECT_EQ(Count("SELECT count(*) FROM registry.person_corrections"), corrections_before);
  EXPECT_EQ(MustGet(x).full_name, "Trần Văn Khải");
  // Another commune's officer may not correct the record.
  up.fields = {"needs"};
  EXPECT_THAT(m_->Update(other_officer_, up, "h2").status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(RegistryReviewTest, NewHomeCommuneSendsAVerifiedPersonBack) {
  const std::string x = NewPerson("x", "Đỗ Thị Diệp", {1992, 7, 7});
  ASSERT_TRUE(Transit(Transition::kVerify, x, "v").ok());
  // A new host province or address is a plain update.
  UpdateInput host{.request_id = "host", .person_id = x, .reason = "moved to Bình Dương",
                   .fields = {"current_address"}};
  host.values.host_province_code = "74";
  auto h = m_->Update(officer_, host, "host-body");
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->person.state, PersonState::kVerified);
  EXPECT_EQ(h->person.host_province_code, "74");
  // Moving the home commune inside the officer's scope only: 09076 is in
  // 252 but not in 09157's scope.
  UpdateInput home{.request_id = "home", .person_id = x,
                   .reason = "household registration is in Vĩnh Tường town",
                   .fields = {"home_commune_code"}};
  home.values.home_commune_code = "09076";
  EXPECT_THAT(m_->Update(officer_, home, "home-body").status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  const Principal district{.subject = "district-252", .role = "district_officer",
                           .scope = "252"};
  auto moved = m_->Update(district, home, "home-body");
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->person.state, PersonState::kSubmitted);
  EXPECT_EQ(moved->person.home_commune_code, "09076");
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM registry.person_history"
                               " WHERE person_id = '", x,
                               "' AND from_state = 2 AND to_state = 1")),
            1);
}

TEST_F(RegistryReviewTest, SameMergesAndMovesEverythingThenUnmergeRestores) {
  const std::string a = NewPerson("a", "Vũ Văn Tấn", {1970, 2, 2},
                                  {Doc(DocumentType::kCccd, "026070001111")});
  ASSERT_TRUE(Transit(Transition::kVerify, a, "va").ok());
  RegistrationInput bin = Input("b", "Vũ Văn Sâm Lộc", {1983, 8, 8}, Sex::kMale);
  bin.person.documents = {Doc(DocumentType::kCmnd, "135000222"),
                          Doc(DocumentType::kHouseholdBook, "HK-77")};
  bin.person.relatives = {{"Vũ Thị Cúc", "vợ", "0987000111"}};
  const std::string b = MustRegister(bin).person.id;
  ASSERT_TRUE(Transit(Transition::kReject, b, "rb").ok());  // history on b
  const std::string c = NewPerson("c", "Hà Văn Ưng", {1960, 1, 1});
  // The item to decide, and another open item about b (moves to a).
  const std::string item = OpenReview(b, {a});
  const std::string other_item = OpenReview(c, {b});
  const std::string same_pair_item = OpenReview(a, {b});  // moot once merged

  auto d = Decide("same", {{item, Decision::kSame, ""}}, &officer_);
  ASSERT_TRUE(d.ok()) << d.status();
  const Person merged = MustGet(b);
  EXPECT_EQ(merged.state, PersonState::kMerged);
  EXPECT_EQ(merged.merged_into, a);
  EXPECT_THAT(merged.documents, IsEmpty());
  EXPECT_THAT(merged.relatives, IsEmpty());
  const Person survivor = MustGet(a);
  std::vector<std::string> keys;
  for (const Document& doc : survivor.documents) keys.push_back(doc.number);
  EXPECT_THAT(keys, UnorderedElementsAre("026070001111", "135000222", "HK-77"));
  ASSERT_EQ(survivor.relatives.size(), 2u);  // its own and b's
  EXPECT_EQ(survivor.relatives[1].name, "Vũ Thị Cúc");
  EXPECT_EQ(survivor.state, PersonState::kVerified);
  // b's history (its rejection) moved to a; the MERGED change stays on b.
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM registry.person_history WHERE"
                               " person_id = '", a, "' AND to_state = 3")),
            1);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM registry.person_history WHERE"
                               " person_id = '", b, "' AND to_state = 5")),
            1);
  // The open item about b is now about a.
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM registry.reviews WHERE"
                               " review_id = '", other_item, "' AND state = 'OPEN'"
                               " AND candidate_ids = ARRAY['", a, "'::uuid]")),
            1);
  // b's CMND now finds a.
  RegistrationInput again = Input("again", "Vũ Văn Tấn", {1970, 2, 2}, Sex::kMale);
  again.person.documents = {Doc(DocumentType::kCmnd, "135000222")};
  RegisterResult r = MustRegister(again);
  EXPECT_EQ(r.outcome, RegisterOutcome::kExisting);
  EXPECT_EQ(r.person.id, a);
  EXPECT_EQ(Count("SELECT count(*) FROM registry.merges"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM registry.outbox WHERE event_type ="
                  " 'relief.registry.PersonMerged'"),
            1);

  // Unmerge: everything goes back, b is REJECTED again, the pair is two
  // people from now on.
  EXPECT_THAT(m_->Unmerge(admin_, {.request_id = "un0", .person_id = b}, "h").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));  // no reason
  EXPECT_THAT(m_->Unmerge(other_officer_,
                          {.request_id = "un1", .person_id = b, .reason = "x"}, "h")
                  .status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  auto un = m_->Unmerge(officer_,
                        {.request_id = "un", .person_id = b,
                         .reason = "two brothers, checked with the family"},
                        "un-body");
  ASSERT_TRUE(un.ok()) << un.status();
  EXPECT_EQ(un->state, PersonState::kRejected);
  EXPECT_TRUE(un->merged_into.empty());
  keys.clear();
  for (const Document& doc : un->documents) keys.push_back(doc.number);
  EXPECT_THAT(keys, UnorderedElementsAre("135000222", "HK-77"));
  ASSERT_EQ(un->relatives.size(), 1u);
  EXPECT_EQ(MustGet(a).documents.size(), 1u);
  EXPECT_EQ(MustGet(a).relatives.size(), 1u);
  // Its rejection is back, and the unmerge is one more change (5 -> 3).
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM registry.person_history WHERE"
                               " person_id = '", b, "' AND from_state = 1 AND"
                               " to_state = 3")),
            1);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM registry.person_history WHERE"
                               " person_id = '", b, "' AND from_state = 5 AND"
                               " to_state = 3")),
            1);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM registry.reviews WHERE"
                               " review_id = '", other_item,
                               "' AND candidate_ids = ARRAY['", b, "'::uuid]")),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM registry.distinct_pairs"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM registry.audit WHERE action = 'person.unmerge'"), 1);
  // The item about the pair alone was closed as moot by the merge and stays
  // closed: the pair is two people now, and SAME on it is refused.
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM registry.reviews WHERE"
                               " review_id = '", same_pair_item,
                               "' AND state = 'DECIDED' AND decision = 'MOOT'")),
            1);
  EXPECT_THAT(Decide("same-again", {{OpenReview(b, {a}), Decision::kSame, ""}}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(m_->Unmerge(officer_,
                          {.request_id = "un2", .person_id = b, .reason = "again"},
                          "un2-body")
                  .status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(MustRegister(again).person.id, a);  // the same answer (retry)
  RegistrationInput again2 = again;
  again2.request_id = "again2";
  EXPECT_EQ(MustRegister(again2).person.id, b);  // the CMND is b's again
}

TEST_F(RegistryReviewTest, ChainsResolveToTheFinalSurvivor) {
  const std::string a = NewPerson("a", "Kiều Thị Oanh", {1975, 5, 5},
                                  {Doc(DocumentType::kCccd, "026175000001")});
  const std::string b = NewPerson("b", "Mai Văn Đạt", {1966, 6, 6},
                                  {Doc(DocumentType::kCccd, "026066000002")});
  const std::string c = NewPerson("c", "Tô Thị Hạnh", {1999, 9, 9},
                                  {Doc(DocumentType::kCccd, "026199000003")});
  // c into b, then b into a.
  ASSERT_TRUE(Decide("d1", {{OpenReview(c, {b}), Decision::kSame, ""}}).ok());
  ASSERT_TRUE(Decide("d2", {{OpenReview(b, {a}), Decision::kSame, ""}}).ok());
  auto e = Eligible(c, Purpose::kRice, Doc(DocumentType::kCccd, "026199000003"));
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->canonical_person_id, a);
  EXPECT_FALSE(e->eligible);
  EXPECT_EQ(e->reason, IneligibleReason::kMerged);
  auto ea = Eligible(a, Purpose::kRice, Doc(DocumentType::kCccd, "026199000003"));
  ASSERT_TRUE(ea.ok()) << ea.status();
  EXPECT_TRUE(ea->eligible) << ea->detail;
  EXPECT_THAT(ea->merged_person_ids, UnorderedElementsAre(b, c));
  RegistrationInput by_c = Input("by-c", "Tô Thị Hạnh", {1999, 9, 9});
  by_c.person.documents = {Doc(DocumentType::kCccd, "026199000003")};
  EXPECT_EQ(MustRegister(by_c).person.id, a);
  // b cannot be unmerged from a stale link: c is unmerged from b only once
  // b is itself restored.
  EXPECT_THAT(m_->Unmerge(admin_, {.request_id = "u-c", .person_id = c, .reason = "r"},
                          "h")
                  .status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_TRUE(m_->Unmerge(admin_, {.request_id = "u-b", .person_id = b, .reason = "r"},
                          "h-b")
                  .ok());
  ASSERT_TRUE(m_->Unmerge(admin_, {.request_id = "u-c2", .person_id = c, .reason = "r"},
                          "h-c")
                  .ok());
  EXPECT_EQ(MustGet(c).state, PersonState::kSubmitted);
}

TEST_F(RegistryReviewTest, BulkDecisionsAreAllOrNothing) {
  const std::string a = NewPerson("a", "Lâm Văn Tiệp", {1971, 1, 1});
  const std::string b = NewPerson("b", "Quách Thị Yến", {1972, 2, 2});
  const std::string c = NewPerson("c", "Lưu Văn Ích", {1973, 3, 3});
  const std::string r1 = OpenReview(b, {a});
  const std::string r2 = OpenReview(c, {a});
  RegistrationInput in_d = Input("d", "Cao Thị Nhạn", {1974, 4, 4});
  in_d.person.home_commune_code = kTichSon;  // another area
  const std::string dd = MustRegister(in_d).person.id;
  const std::string r3 = OpenReview(dd, {b}, kTichSon);
  auto refused = Decide("bulk", {{r1, Decision::kDistinct, ""},
                                 {r2, Decision::kSame, ""},
                                 {r3, Decision::kDistinct, ""}},
                        &officer_);
  EXPECT_THAT(refused.status(), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Fields(refused.status()), ElementsAre("decisions[2]"));
  EXPECT_EQ(Count("SELECT count(*) FROM registry.reviews WHERE state = 'OPEN'"), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM registry.distinct_pairs"), 0);
  EXPECT_EQ(MustGet(c).state, PersonState::kSubmitted);
  // Bad input names the decision.
  EXPECT_THAT(Fields(Decide("bad", {{r1, Decision::kUnspecified, ""},
                                    {"x", Decision::kSame, ""}})
                         .status()),
              ElementsAre("decisions[0].decision", "decisions[1].review_id"));
  // Contradictory decisions about one pair in one call: refused whole.
  const std::string r1_twin = OpenReview(b, {a});
  EXPECT_THAT(Decide("contradiction", {{r1, Decision::kDistinct, ""},
                                       {r1_twin, Decision::kSame, ""}})
                  .status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(MustGet(b).state, PersonState::kSubmitted);
  EXPECT_EQ(Count("SELECT count(*) FROM registry.distinct_pairs"), 0);
  ASSERT_TRUE(env_->db->Exec(absl::StrCat("DELETE FROM registry.reviews WHERE review_id = '",
                                          r1_twin, "'")).ok());
  auto ok = Decide("bulk2", {{r1, Decision::kDistinct, ""}, {r2, Decision::kSame, ""}},
                   &officer_);
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[1].row.decision, "SAME");
  EXPECT_EQ(MustGet(c).merged_into, a);
}

TEST_F(RegistryReviewTest, EveryEligibilityReason) {
  const std::string cccd = "026088000777";
  const std::string p = NewPerson("p", "Triệu Thị Nhạn", {1988, 1, 1},
                                  {Doc(DocumentType::kCccd, cccd),
                                   Doc(DocumentType::kHouseholdBook, "SHK 12/3")});
  const std::string other = NewPerson("o", "Chu Văn Kiên", {1961, 1, 1},
                                      {Doc(DocumentType::kCccd, "026061000888")});
  auto check = [&](const std::string& id, Purpose purpose, Document doc,
                   IneligibleReason want) {
    auto e = Eligible(id, purpose, doc);
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(e->eligible, want == IneligibleReason::kNone) << e->detail;
    EXPECT_EQ(e->reason, want) << e->detail;
  };
  // Cash waits for the commune; rice does not.
  check(p, Purpose::kCash, {}, IneligibleReason::kNotVerified);
  check(p, Purpose::kRice, Doc(DocumentType::kCccd, "026 088 000 777"),
        IneligibleReason::kNone);
  check(p, Purpose::kRice, Doc(DocumentType::kHouseholdBook, "SHK 12/3"),
        IneligibleReason::kNone);
  check(p, Purpose::kRice, {}, IneligibleReason::kNoCitizenshipDocument);
  check(p, Purpose::kRice, Doc(DocumentType::kPassport, "C1234567"),
        IneligibleReason::kNoCitizenshipDocument);
  check(p, Purpose::kRice, Doc(DocumentType::kCccd, "026061000888"),
        IneligibleReason::kDocumentNotThisPerson);
  check(p, Purpose::kRice, Doc(DocumentType::kCccd, "026099123456"),
        IneligibleReason::kDocumentNotThisPerson);
  ASSERT_TRUE(Transit(Transition::kVerify, p, "v").ok());
  check(p, Purpose::kCash, {}, IneligibleReason::kNone);
  auto e = Eligible(p, Purpose::kCash);
  EXPECT_EQ(e->home_district_code, "252");
  EXPECT_EQ(e->host_province_code, "79");
  EXPECT_EQ(e->state, PersonState::kVerified);
  const std::string item = OpenReview(other, {p});
  check(p, Purpose::kCash, {}, IneligibleReason::kReviewOpen);
  ASSERT_TRUE(Decide("d", {{item, Decision::kSame, ""}}).ok());
  check(other, Purpose::kCash, {}, IneligibleReason::kMerged);
  ASSERT_TRUE(Transit(Transition::kWithdraw, p, "w").ok());
  check(p, Purpose::kCash, {}, IneligibleReason::kWithdrawn);
  check(p, Purpose::kRice, Doc(DocumentType::kCccd, cccd), IneligibleReason::kWithdrawn);
  const std::string q = NewPerson("q", "Tạ Văn Mẫn", {1977, 7, 7});
  ASSERT_TRUE(Transit(Transition::kReject, q, "rq").ok());
  check(q, Purpose::kCash, {}, IneligibleReason::kRejected);
  // Bad input, unknown people, scope.
  EXPECT_THAT(Fields(m_->CheckEligibility(admin_, {.person_id = "x"}).status()),
              ElementsAre("person_id", "purpose"));
  EXPECT_THAT(m_->CheckEligibility(admin_, {.person_id = env_->ids.NewId(),
                                            .purpose = Purpose::kCash})
                  .status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(m_->CheckEligibility(other_officer_, {.person_id = q,
                                                    .purpose = Purpose::kCash})
                  .status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

// Two near-duplicates (no shared document) registered at the same instant
// by two clients: one sees the other (a link or a review), never two
// silent CREATED.
TEST_F(RegistryReviewTest, ConcurrentNearDuplicatesSeeEachOther) {
  constexpr int kPairs = 25;
  for (int i = 0; i < kPairs; ++i) {
    const std::string name = absl::StrCat("Hoàng Thị ", testing::DistinctName("", absl::StrCat(i)));
    RegistrationInput a = Input(absl::StrCat("pa", i), name, {1990, 1 + i % 12, 1 + i});
    RegistrationInput b = a;
    b.request_id = absl::StrCat("pb", i);
    b.person.full_name = absl::AsciiStrToUpper(name);  // another spelling
    std::barrier start(2);
    RegisterResult ra, rb;
    std::thread ta([&] { start.arrive_and_wait(); ra = MustRegister(a); });
    std::thread tb([&] { start.arrive_and_wait(); rb = MustRegister(b); });
    ta.join();
    tb.join();
    const bool both_created = ra.outcome == RegisterOutcome::kCreated &&
                              rb.outcome == RegisterOutcome::kCreated;
    EXPECT_FALSE(both_created) << "pair " << i;
  }
  EXPECT_EQ(Count("SELECT count(*) FROM registry.persons"), kPairs);
}

// The sweep backstop: a likely duplicate that escaped the pass (here:
// filed under no blocking key, as records from before the pass existed) is
// found on the next sweep, once; pairs under review or decided are not
// flagged again.
TEST_F(RegistryReviewTest, SweepFindsWhatThePassMissedOnce) {
  const std::string a = NewPerson("a", "Đinh Thị Bảo Khuê", {1994, 4, 4});
  ASSERT_TRUE(env_->db->Exec("DELETE FROM registry.person_blocks").ok());
  ASSERT_TRUE(env_->db->Exec("DELETE FROM registry.name_token_counts").ok());
  // Registered while a was not filed: the pass cannot see a.
  RegisterResult b = MustRegister(Input("b", "Đinh Thị Bảo Khuê", {1994, 4, 4}));
  ASSERT_EQ(b.outcome, RegisterOutcome::kCreated);

  auto opened = m_->Sweep(absl::Now() - absl::Hours(1));
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, 1);
  EXPECT_EQ(Count("SELECT count(*) FROM registry.person_blocks WHERE block LIKE 'N:%'"), 2);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM registry.reviews WHERE state ="
                               " 'OPEN' AND person_id = '", b.person.id,
                               "' AND candidate_ids = ARRAY['", a, "'::uuid]")),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM registry.audit WHERE action = 'review.open'"
                  " AND actor = 'registry:sweep'"),
            1);
  // Again: already under review.
  EXPECT_EQ(*m_->Sweep(absl::Now() - absl::Hours(1)), 0);
  // Decided DISTINCT: never again.
  auto page = m_->ListReviews(admin_, kPhuDa, 10, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->reviews.size(), 1u);
  ASSERT_TRUE(Decide("d", {{page->reviews[0].row.review_id, Decision::kDistinct, ""}}).ok());
  EXPECT_EQ(*m_->Sweep(absl::Now() - absl::Hours(1)), 0);
  // Token counts were rebuilt once per person.
  EXPECT_EQ(Count("SELECT sum(people) FROM registry.name_token_counts WHERE token = ''"), 2);
}

// What a decision leaves behind: the other candidates asked about again,
// items that follow their person, both people of a merge in scope, ids in
// any case.
TEST_F(RegistryReviewTest, DecisionsKeepTheQueueRight) {
  const std::string a = NewPerson("a", "Dương Văn Kiên", {1968, 6, 1});
  const std::string b = NewPerson("b", "Dương Văn Kiện", {1968, 6, 2});
  const std::string c = NewPerson("c", "Dương Văn Kiến", {1968, 6, 3});
  // c may be a or b: SAME with a leaves b to be asked about against a.
  const std::string item = OpenReview(c, {a, b});
  auto d = Decide("same", {{item, Decision::kSame, absl::AsciiStrToUpper(a)}});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(MustGet(c).merged_into, a);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM registry.reviews WHERE state ="
                               " 'OPEN' AND person_id = '", a,
                               "' AND candidate_ids = ARRAY['", b, "'::uuid]")),
            1);
  EXPECT_EQ(Count("SELECT count(*) FROM registry.outbox WHERE event_type ="
                  " 'relief.registry.ReviewOpened'"),
            1);
  // The item follows a when a's home commune is corrected.
  UpdateInput move{.request_id = "move", .person_id = a,
                   .reason = "registered in Tích Sơn", .fields = {"home_commune_code"}};
  move.values.home_commune_code = kTichSon;
  ASSERT_TRUE(m_->Update(admin_, move, "move-body").ok());
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM registry.reviews WHERE state ="
                               " 'OPEN' AND home_commune_code = '", kTichSon, "'")),
            1);
  // Now a lives in 08707 and b in 09157: the officer of 09157 may not merge
  // them, the officer of 08707 neither.
  auto page = m_->ListReviews(other_officer_, kTichSon, 10, "");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->reviews.size(), 1u);
  const std::string left = page->reviews[0].row.review_id;
  EXPECT_THAT(Decide("x", {{left, Decision::kSame, ""}}, &other_officer_).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Decide("y", {{left, Decision::kSame, ""}}, &officer_).status(),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // Eligibility by an upper-case id.
  auto e = Eligible(absl::AsciiStrToUpper(c), Purpose::kCash);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->reason, IneligibleReason::kMerged);
  EXPECT_EQ(e->canonical_person_id, a);
}

}  // namespace
}  // namespace relief::registry
