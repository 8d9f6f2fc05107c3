// Duplicates, the review queue, merges, corrections and eligibility end to
// end ([3/8]): the real relief-registry binary over gRPC with a fresh test
// database and the run's Redis, driven through the real reliefctl
// (`register`, `reviews list|decide`, `unmerge`, `verify`, `update`,
// `eligibility`) with real Ed25519 tokens (labels: e2e, integration).
//
// People meant to be different have clearly different names and birth
// dates: the fuzzy pass links near-identical people even without a shared
// document.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/testing/registry_client.h"
#include "tests/testing/registry_fixture.h"
#include "tests/testing/registry_process.h"
#include "tests/testing/reliefctl_runner.h"

extern char** environ;

namespace relief::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Health = grpc::health::v1::HealthCheckResponse;

// Vĩnh Phúc (26): 09157 Phú Đa and 09076 Thị trấn Vĩnh Tường are in
// district 252; 08707 Tích Sơn is in district 243.
constexpr char kPhuDa[] = "09157";
constexpr char kVinhTuongTown[] = "09076";
constexpr char kTichSon[] = "08707";
constexpr char kVinhTuong[] = "252";

// CCCDs of Vĩnh Phúc (026), century/sex digit and year matching the person.
constexpr char kNhungCccd[] = "026190001234";  // woman, 1990
constexpr char kTrangCccd[] = "026188004321";  // woman, 1988
constexpr char kDucCccd[] = "026075001111";    // man, 1975
constexpr char kLanCccd[] = "026162002222";    // woman, 1962

std::string Describe(const ToolResult& r) {
  return absl::StrCat("exit ", r.exit_code, "\nstdout:\n", r.out, "\nstderr:\n",
                      r.err);
}

// `json` (reliefctl's proto3 JSON output) parsed into `m`.
template <typename M>
M FromJson(const std::string& json) {
  M m;
  auto s = google::protobuf::util::JsonStringToMessage(json, &m);
  EXPECT_TRUE(s.ok()) << s.ToString() << "\n" << json;
  return m;
}

rv1::RegisterRequest Registration(const std::string& request_id,
                                  const std::string& name, int year, int month,
                                  int day, rv1::Sex sex,
                                  const std::string& cccd,
                                  const std::string& phone,
                                  const std::string& commune = kPhuDa) {
  rv1::RegisterRequest r = SampleRegistration(request_id, cccd);
  r.set_full_name(name);
  r.mutable_birth_date()->set_year(year);
  r.mutable_birth_date()->set_month(month);
  r.mutable_birth_date()->set_day(day);
  r.set_sex(sex);
  r.set_phone(phone);
  r.set_home_commune_code(commune);
  r.mutable_current_address()->set_street("12 Lê Văn Quới");
  r.mutable_needs()->set_kind(rv1::NEED_KIND_LIVING);
  return r;
}

class ReviewE2eTest : public RegistryDatabaseTest {
 protected:
  void SetUp() override {
    RegistryDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    auto p =
        RegistryProcess::Start({.pg_url = db_->url(), .redis = redis_address_});
    ASSERT_TRUE(p.ok()) << p.status();
    registry_ = *std::move(p);
    ASSERT_TRUE(
        registry_->WaitForHealth(Health::SERVING, absl::Seconds(30)).ok())
        << registry_->LogTail();
    stub_ = rv1::Registry::NewStub(registry_->channel());
    admin_ = registry_->Token("admin", "", "admin:steering-committee");
    phu_da_officer_ =
        registry_->Token("commune_officer", kPhuDa, "officer:09157");
    tich_son_officer_ =
        registry_->Token("commune_officer", kTichSon, "officer:08707");
    vinh_tuong_officer_ =
        registry_->Token("district_officer", kVinhTuong, "officer:252");
  }

  // reliefctl against the registry with `token`.
  ToolResult Ctl(const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), {"--addr=" + registry_->address(),
                               "--token=" + token, "--timeout=20s"});
    return RunReliefctl(args);
  }

  // Registers over gRPC as admin; the answer, or a test failure.
  rv1::RegisterResponse MustRegister(const rv1::RegisterRequest& req) {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), admin_);
    rv1::RegisterResponse resp;
    grpc::Status s = stub_->Register(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << req.request_id() << ": " << s.error_code() << " "
                        << s.error_message() << "\n"
                        << registry_->LogTail();
    return resp;
  }

  rv1::Person MustGet(const std::string& id) {
    grpc::ClientContext ctx;
    WithDeadline(ctx, absl::Seconds(20), admin_);
    rv1::GetPersonRequest req;
    req.set_person_id(id);
    rv1::Person p;
    grpc::Status s = stub_->GetPerson(&ctx, req, &p);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error_code() << " "
                        << s.error_message();
    return p;
  }

  // Lê Thị Thu Trang (full date, CCCD, phone), then "Lê Thị Thu Trag" (one
  // letter off, year only, no document, no phone): NEEDS_REVIEW. Sets
  // trang_id_, trag_id_ and review_id_.
  void RegisterNearDuplicates() {
    rv1::RegisterResponse trang =
        MustRegister(Registration("trang-1", "Lê Thị Thu Trang", 1988, 3, 9,
                                  rv1::SEX_FEMALE, kTrangCccd, "0987111222"));
    ASSERT_EQ(trang.outcome(), rv1::REGISTER_OUTCOME_CREATED);
    rv1::RegisterResponse trag = MustRegister(Registration(
        "trag-1", "Lê Thị Thu Trag", 1988, 0, 0, rv1::SEX_FEMALE, "", ""));
    ASSERT_EQ(trag.outcome(), rv1::REGISTER_OUTCOME_NEEDS_REVIEW)
        << trag.DebugString();
    ASSERT_FALSE(trag.review_id().empty());
    ASSERT_NE(trag.person_id(), trang.person_id());
    EXPECT_THAT(trag.matched_person_ids(),
                ::testing::ElementsAre(trang.person_id()));
    trang_id_ = trang.person_id();
    trag_id_ = trag.person_id();
    review_id_ = trag.review_id();
  }

  std::unique_ptr<RegistryProcess> registry_;
  std::unique_ptr<rv1::Registry::Stub> stub_;
  std::string admin_, phu_da_officer_, tich_son_officer_, vinh_tuong_officer_;
  std::string trang_id_, trag_id_, review_id_;
};

// 1. The same woman registered again without papers, her name uppercase,
// unaccented and in another order, her phone spaced: EXISTING, the same id,
// found by the fuzzy pass (match score > 0), shown by `reliefctl register`.
TEST_F(ReviewE2eTest, RegisteringAgainWithoutDocumentFindsTheSamePerson) {
  rv1::RegisterResponse first =
      MustRegister(Registration("nhung-1", "Nguyễn Thị Hồng Nhung", 1990, 5, 17,
                                rv1::SEX_FEMALE, kNhungCccd, "0912345678"));
  ASSERT_EQ(first.outcome(), rv1::REGISTER_OUTCOME_CREATED);
  EXPECT_EQ(first.match_score(), 0);

  ToolResult again =
      Ctl(admin_,
          {"register", "--request-id=nhung-2", "--name=NHUNG NGUYEN THI HONG",
           "--born=1990-05-17", "--sex=female", "--phone=0912 345 678",
           absl::StrCat("--commune=", kPhuDa), "--host-province=79",
           "--host-district=777", "--needs=living", "--source=hotline",
           "--relative=Nguyễn Văn Bình,bố"});
  ASSERT_EQ(again.exit_code, 0) << Describe(again);
  EXPECT_THAT(again.out, HasSubstr("\"matchScore\""));
  auto resp = FromJson<rv1::RegisterResponse>(again.out);
  EXPECT_EQ(resp.outcome(), rv1::REGISTER_OUTCOME_EXISTING);
  EXPECT_EQ(resp.person_id(), first.person_id());
  EXPECT_GT(resp.match_score(), 0);
  EXPECT_EQ(resp.person().full_name(), "Nguyễn Thị Hồng Nhung");
}

// 2. A near-duplicate (year only, one letter off, no phone) is queued for the
// home commune: its officer sees both records side by side with the scores;
// an officer of another commune is refused (10 + PERMISSION_DENIED).
TEST_F(ReviewE2eTest, NearDuplicateIsQueuedForTheHomeCommune) {
  ASSERT_NO_FATAL_FAILURE(RegisterNearDuplicates());

  ToolResult text = Ctl(phu_da_officer_, {"reviews", "list", "--unit=09157",
                                          "--page-size=1", "--all"});
  ASSERT_EQ(text.exit_code, 0) << Describe(text);
  EXPECT_THAT(text.out, HasSubstr(absl::StrCat("review ", review_id_)));
  EXPECT_THAT(text.out, HasSubstr("POSSIBLE_DUPLICATE"));
  EXPECT_THAT(text.out, HasSubstr("Lê Thị Thu Trag"));
  EXPECT_THAT(text.out, HasSubstr("Lê Thị Thu Trang"));
  EXPECT_THAT(text.out, HasSubstr("1988-03-09"));
  EXPECT_THAT(text.out, HasSubstr(trang_id_));
  EXPECT_THAT(text.out, HasSubstr(trag_id_));
  EXPECT_THAT(text.out, HasSubstr("score (bits)"));
  EXPECT_THAT(text.out, Not(HasSubstr("more: --page-token")));
  std::printf("%s", text.out.c_str());

  ToolResult json =
      Ctl(phu_da_officer_, {"reviews", "list", "--unit=09157", "--json"});
  ASSERT_EQ(json.exit_code, 0) << Describe(json);
  auto page = FromJson<rv1::ReviewPage>(json.out);
  ASSERT_EQ(page.reviews_size(), 1) << json.out;
  const rv1::Review& review = page.reviews(0);
  EXPECT_EQ(review.review_id(), review_id_);
  EXPECT_EQ(review.kind(), rv1::REVIEW_KIND_POSSIBLE_DUPLICATE);
  EXPECT_TRUE(review.open());
  EXPECT_EQ(review.person().person_id(), trag_id_);
  ASSERT_EQ(review.candidates_size(), 1);
  EXPECT_EQ(review.candidates(0).person().person_id(), trang_id_);
  EXPECT_GT(review.candidates(0).score(), 0);
  EXPECT_FALSE(review.candidates(0).fields().empty());

  // The district sees it too; another commune is refused.
  ToolResult district =
      Ctl(vinh_tuong_officer_, {"reviews", "list", "--unit=252", "--json"});
  ASSERT_EQ(district.exit_code, 0) << Describe(district);
  EXPECT_EQ(FromJson<rv1::ReviewPage>(district.out).reviews_size(), 1);
  ToolResult other =
      Ctl(tich_son_officer_, {"reviews", "list", "--unit=09157"});
  EXPECT_EQ(other.exit_code, 10 + static_cast<int>(grpc::PERMISSION_DENIED))
      << Describe(other);
  EXPECT_THAT(other.err, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(other.out, Not(HasSubstr("Trang")));
  // Its own commune's queue is empty.
  ToolResult own = Ctl(tich_son_officer_, {"reviews", "list", "--unit=08707"});
  ASSERT_EQ(own.exit_code, 0) << Describe(own);
  EXPECT_THAT(own.out, HasSubstr("no open review items in 08707"));
}

// 3. SAME merges the newer record into the older; eligibility of the merged
// id answers MERGED with the survivor; unmerge restores it as SUBMITTED.
TEST_F(ReviewE2eTest, SameMergesAndUnmergeRestores) {
  ASSERT_NO_FATAL_FAILURE(RegisterNearDuplicates());

  ToolResult decided =
      Ctl(phu_da_officer_, {"reviews", "decide", review_id_, "--same",
                            "--reason=same woman, the hotline misspelt her",
                            "--request-id=decide-1"});
  ASSERT_EQ(decided.exit_code, 0) << Describe(decided);
  auto response = FromJson<rv1::DecideReviewsResponse>(decided.out);
  ASSERT_EQ(response.reviews_size(), 1);
  EXPECT_FALSE(response.reviews(0).open());
  EXPECT_EQ(response.reviews(0).decision(), rv1::REVIEW_DECISION_SAME);
  EXPECT_EQ(response.reviews(0).same_as(), trang_id_);

  rv1::Person merged = MustGet(trag_id_);
  EXPECT_EQ(merged.state(), rv1::PERSON_STATE_MERGED);
  EXPECT_EQ(merged.merged_into(), trang_id_);

  // Decided: the queue is empty, a second decision is refused.
  ToolResult queue = Ctl(phu_da_officer_, {"reviews", "list", "--unit=09157"});
  ASSERT_EQ(queue.exit_code, 0) << Describe(queue);
  EXPECT_THAT(queue.out, HasSubstr("no open review items"));
  ToolResult twice =
      Ctl(phu_da_officer_, {"reviews", "decide", "--decision",
                            absl::StrCat(review_id_, "=distinct")});
  EXPECT_EQ(twice.exit_code, 10 + static_cast<int>(grpc::FAILED_PRECONDITION))
      << Describe(twice);

  ToolResult cash =
      Ctl(phu_da_officer_, {"eligibility", trag_id_, "--purpose=cash"});
  ASSERT_EQ(cash.exit_code, 0) << Describe(cash);
  EXPECT_THAT(cash.out, HasSubstr("eligible: no"));
  EXPECT_THAT(cash.out, HasSubstr("reason: MERGED"));
  EXPECT_THAT(cash.out,
              HasSubstr(absl::StrCat("canonical person id: ", trang_id_)));
  EXPECT_THAT(cash.out,
              HasSubstr(absl::StrCat("merged person ids: ", trag_id_)));
  ToolResult cash_json = Ctl(
      phu_da_officer_, {"eligibility", trag_id_, "--purpose=cash", "--json"});
  ASSERT_EQ(cash_json.exit_code, 0) << Describe(cash_json);
  auto e = FromJson<rv1::Eligibility>(cash_json.out);
  EXPECT_FALSE(e.eligible());
  EXPECT_EQ(e.reason(), rv1::INELIGIBLE_REASON_MERGED);
  EXPECT_EQ(e.canonical_person_id(), trang_id_);
  EXPECT_THAT(e.merged_person_ids(), ::testing::ElementsAre(trag_id_));

  // A correction of a merged record is refused.
  ToolResult fix =
      Ctl(phu_da_officer_,
          {"update", trag_id_, "--name=Lê Thị Thu Trang", "--reason=typo"});
  EXPECT_EQ(fix.exit_code, 10 + static_cast<int>(grpc::FAILED_PRECONDITION))
      << Describe(fix);

  ToolResult unmerged =
      Ctl(phu_da_officer_,
          {"unmerge", trag_id_, "--reason=two women: the commune knows both"});
  ASSERT_EQ(unmerged.exit_code, 0) << Describe(unmerged);
  EXPECT_THAT(unmerged.err, HasSubstr("request id: "));
  auto restored = FromJson<rv1::Person>(unmerged.out);
  EXPECT_EQ(restored.person_id(), trag_id_);
  EXPECT_EQ(restored.state(), rv1::PERSON_STATE_SUBMITTED);
  EXPECT_TRUE(restored.merged_into().empty());
  EXPECT_EQ(MustGet(trag_id_).state(), rv1::PERSON_STATE_SUBMITTED);

  ToolResult after = Ctl(phu_da_officer_,
                         {"eligibility", trag_id_, "--purpose=cash", "--json"});
  ASSERT_EQ(after.exit_code, 0) << Describe(after);
  auto e2 = FromJson<rv1::Eligibility>(after.out);
  EXPECT_EQ(e2.canonical_person_id(), trag_id_);
  EXPECT_EQ(e2.reason(), rv1::INELIGIBLE_REASON_NOT_VERIFIED);
  EXPECT_TRUE(e2.merged_person_ids().empty());
  // Remembered as two people: unmerging again is refused.
  ToolResult again =
      Ctl(phu_da_officer_, {"unmerge", trag_id_, "--reason=again"});
  EXPECT_EQ(again.exit_code, 10 + static_cast<int>(grpc::FAILED_PRECONDITION))
      << Describe(again);
}

// 4. A verified person's home commune corrected (by the district, which
// holds both communes): back to SUBMITTED in the new commune. The old
// commune's officer may not move a person out of its scope; an update
// without a field is a usage error.
TEST_F(ReviewE2eTest, HomeCommuneCorrectionSendsVerifiedBackToSubmitted) {
  rv1::RegisterResponse duc =
      MustRegister(Registration("duc-1", "Phạm Văn Đức", 1975, 11, 2,
                                rv1::SEX_MALE, kDucCccd, "0903555666"));
  ASSERT_EQ(duc.outcome(), rv1::REGISTER_OUTCOME_CREATED);
  const std::string id = duc.person_id();

  ToolResult verified = Ctl(
      phu_da_officer_, {"verify", "--request-id=v-duc", "--person-id=" + id});
  ASSERT_EQ(verified.exit_code, 0) << Describe(verified);
  EXPECT_EQ(FromJson<rv1::Person>(verified.out).state(),
            rv1::PERSON_STATE_VERIFIED);

  ToolResult none =
      Ctl(vinh_tuong_officer_, {"update", id, "--reason=nothing"});
  EXPECT_EQ(none.exit_code, 2) << Describe(none);

  ToolResult out_of_scope =
      Ctl(phu_da_officer_, {"update", id, "--home-commune", kVinhTuongTown,
                            "--reason=lives in the town"});
  EXPECT_EQ(out_of_scope.exit_code,
            10 + static_cast<int>(grpc::PERMISSION_DENIED))
      << Describe(out_of_scope);
  EXPECT_EQ(MustGet(id).home_commune_code(), kPhuDa);

  ToolResult moved =
      Ctl(vinh_tuong_officer_, {"update", id, "--home-commune", kVinhTuongTown,
                                "--reason=household registered in the town",
                                "--request-id=move-duc"});
  ASSERT_EQ(moved.exit_code, 0) << Describe(moved);
  auto resp = FromJson<rv1::UpdateResponse>(moved.out);
  EXPECT_EQ(resp.person().home_commune_code(), kVinhTuongTown);
  EXPECT_EQ(resp.person().state(), rv1::PERSON_STATE_SUBMITTED);
  EXPECT_TRUE(resp.review_id().empty());
  rv1::Person now = MustGet(id);
  EXPECT_EQ(now.state(), rv1::PERSON_STATE_SUBMITTED);
  EXPECT_EQ(now.home_commune_code(), kVinhTuongTown);
  EXPECT_EQ(now.full_name(), "Phạm Văn Đức") << "unnamed fields unchanged";
  EXPECT_EQ(now.phone(), "+84903555666");

  // The street alone: the rest of the address is kept.
  ToolResult street =
      Ctl(vinh_tuong_officer_,
          {"update", id, "--street=45 Nguyễn Trãi", "--reason=moved lodging"});
  ASSERT_EQ(street.exit_code, 0) << Describe(street);
  now = MustGet(id);
  EXPECT_EQ(now.current_address().province_code(), "79");
  EXPECT_EQ(now.current_address().district_code(), "777");
  EXPECT_EQ(now.current_address().street(), "45 Nguyễn Trãi");
}

// 5. Rice: the person's own CCCD (however written) is eligible; someone
// else's is DOCUMENT_NOT_THIS_PERSON; cash before verification is
// NOT_VERIFIED. Every answer exits 0.
TEST_F(ReviewE2eTest, RiceEligibilityWithOwnCccd) {
  rv1::RegisterResponse duc =
      MustRegister(Registration("duc-1", "Phạm Văn Đức", 1975, 11, 2,
                                rv1::SEX_MALE, kDucCccd, "0903555666"));
  ASSERT_EQ(duc.outcome(), rv1::REGISTER_OUTCOME_CREATED);
  rv1::RegisterResponse lan = MustRegister(
      Registration("lan-1", "Hoàng Thị Lan", 1962, 7, 28, rv1::SEX_FEMALE,
                   kLanCccd, "0977888999", kTichSon));
  ASSERT_EQ(lan.outcome(), rv1::REGISTER_OUTCOME_CREATED);
  const std::string id = duc.person_id();

  ToolResult rice = Ctl(phu_da_officer_,
                        {"eligibility", id, "--purpose=rice",
                         "--document-type=cccd", "--document=026 075 001 111"});
  ASSERT_EQ(rice.exit_code, 0) << Describe(rice);
  EXPECT_THAT(rice.out, HasSubstr("eligible: yes"));
  EXPECT_THAT(rice.out, HasSubstr("document proves citizenship: yes"));
  ToolResult rice_json =
      Ctl(phu_da_officer_,
          {"eligibility", id, "--purpose=rice", "--document-type=cccd",
           std::string("--document=") + kDucCccd, "--json"});
  ASSERT_EQ(rice_json.exit_code, 0) << Describe(rice_json);
  auto e = FromJson<rv1::Eligibility>(rice_json.out);
  EXPECT_TRUE(e.eligible());
  EXPECT_EQ(e.canonical_person_id(), id);
  EXPECT_EQ(e.state(), rv1::PERSON_STATE_SUBMITTED);
  EXPECT_TRUE(e.document_proves_citizenship());

  ToolResult not_theirs =
      Ctl(phu_da_officer_,
          {"eligibility", id, "--purpose=rice", "--document-type=cccd",
           std::string("--document=") + kLanCccd});
  ASSERT_EQ(not_theirs.exit_code, 0) << Describe(not_theirs);
  EXPECT_THAT(not_theirs.out, HasSubstr("eligible: no"));
  EXPECT_THAT(not_theirs.out, HasSubstr("reason: DOCUMENT_NOT_THIS_PERSON"));

  ToolResult cash = Ctl(phu_da_officer_, {"eligibility", id, "--purpose=cash"});
  ASSERT_EQ(cash.exit_code, 0) << Describe(cash);
  EXPECT_THAT(cash.out, HasSubstr("reason: NOT_VERIFIED"));

  ToolResult half = Ctl(phu_da_officer_, {"eligibility", id, "--purpose=rice",
                                          "--document-type=cccd"});
  EXPECT_EQ(half.exit_code, 2) << Describe(half);
  ToolResult bad =
      Ctl(phu_da_officer_, {"eligibility", "not-an-id", "--purpose=cash"});
  EXPECT_EQ(bad.exit_code, 10 + static_cast<int>(grpc::INVALID_ARGUMENT))
      << Describe(bad);
}

}  // namespace
}  // namespace relief::testing
