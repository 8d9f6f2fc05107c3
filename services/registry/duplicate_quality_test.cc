// Duplicate-detection quality ([3/8]): 5,000 generated records of 2,000
// people (services/registry/testing/people_generator.h) through the real
// registry manager on real Postgres, measured against the generator's
// ground truth (label: integration).
#include <cstdio>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/registry/testing/manager_on_postgres.h"
#include "services/registry/testing/people_generator.h"

namespace relief::registry {
namespace {

// Precision and recall over one set of records.
struct Tally {
  int records = 0;
  int duplicates = 0;        // an earlier record of the same person exists
  int links = 0;             // EXISTING answers
  int correct_links = 0;     // ... to the right person
  int reviews = 0;           // NEEDS_REVIEW answers
  int caught = 0;            // duplicates linked right or put in review with the right person
  double precision() const { return links == 0 ? 1.0 : 1.0 * correct_links / links; }
  double recall() const { return duplicates == 0 ? 1.0 : 1.0 * caught / duplicates; }
  std::string ToString() const {
    return absl::StrCat(records, " records, ", duplicates, " duplicates: ",
                        links, " auto-links (precision ", precision(), "), ",
                        reviews, " reviews, recall of link or review ",
                        recall());
  }
};

class DuplicateQualityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = testing::ManagerOnPostgres::Create();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = *std::move(env);
    manager_ = env_->manager.get();
    communes_ = testing::CommuneCodesOf(*env_->units, "26");
  }

  std::unique_ptr<testing::ManagerOnPostgres> env_;
  RegistryManager* manager_ = nullptr;
  std::vector<std::string> communes_;
  Principal actor_{.subject = "quality", .role = "admin"};
};

TEST_F(DuplicateQualityTest, GeneratedRecordsMeetTheTargets) {
  testing::GeneratorOptions options;  // seed 2021, 2,000 people, 5,000 records
  options.commune_codes = communes_;
  const std::vector<testing::GeneratedRecord> records =
      testing::GeneratePeople(options);
  std::printf("generator: %s\n", testing::Summarize(records).ToString().c_str());

  // person row -> the real person of the record that created it.
  absl::flat_hash_map<std::string, int> truth;
  Tally all, unshared;
  int people_rows = 0, merged_by_review = 0;
  const absl::Time start = absl::Now();
  for (const testing::GeneratedRecord& g : records) {
    auto r = manager_->Register(actor_, g.input, g.input.request_id);
    ASSERT_TRUE(r.ok()) << g.input.request_id << ": " << r.status();
    const bool created = r->outcome == RegisterOutcome::kCreated ||
                         r->outcome == RegisterOutcome::kNeedsReview;
    if (created) {
      truth[r->person.id] = g.person;
      ++people_rows;
    }
    bool caught = false;
    for (Tally* t : {&all, &unshared}) {
      if (t == &unshared && !g.no_shared_key) continue;
      ++t->records;
      t->duplicates += g.duplicate;
      if (r->outcome == RegisterOutcome::kExisting) {
        ++t->links;
        const bool right = truth.at(r->person.id) == g.person;
        t->correct_links += right;
        caught = right;
      } else if (r->outcome == RegisterOutcome::kNeedsReview) {
        ++t->reviews;
        caught = false;
        for (const std::string& id : r->matched_person_ids) {
          if (truth.at(id) == g.person) caught = true;
        }
      }
      if (g.duplicate && caught) ++t->caught;
    }
    // An officer deciding the review would merge a true duplicate.
    if (r->outcome == RegisterOutcome::kNeedsReview && g.duplicate && caught) {
      ++merged_by_review;
    }
  }
  const absl::Duration took = absl::Now() - start;
  int true_people = 0;
  for (const auto& g : records) true_people = std::max(true_people, g.person + 1);
  const int distinct = people_rows - merged_by_review;

  std::printf("all records:           %s\n", all.ToString().c_str());
  std::printf("no shared document key: %s\n", unshared.ToString().c_str());
  std::printf("distinct people after reviews: %d (truth %d, %+.2f%%)\n",
              distinct, true_people,
              100.0 * (distinct - true_people) / true_people);
  std::printf("%zu registrations in %.1f s (%.0f per second, one client)\n",
              records.size(), absl::ToDoubleSeconds(took),
              records.size() / absl::ToDoubleSeconds(took));

  EXPECT_GE(all.precision(), 0.98);
  EXPECT_GE(all.recall(), 0.95);
  EXPECT_LE(all.reviews, 0.10 * all.records);
  EXPECT_LE(std::abs(distinct - true_people), 0.01 * true_people);
  EXPECT_GE(unshared.duplicates, 0.30 * all.duplicates);
  EXPECT_GE(unshared.precision(), 0.98);
  EXPECT_GE(unshared.recall(), 0.90);
}

}  // namespace
}  // namespace relief::registry
