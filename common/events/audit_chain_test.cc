#include "common/events/audit_chain.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/hash.h"
#include "common/base/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace relief::events {
namespace {

using ::relief::testing::StatusIs;

AuditRecord Record(int n) {
  return AuditRecord{
      .actor = absl::StrCat("officer:", n % 3),
      .on_behalf_of = n % 2 == 0 ? "" : "citizen-portal",
      .role = "commune_officer",
      .action = n % 4 == 0 ? "person.read" : "person.register",
      .target_id = absl::StrCat("person-", n),
      .request_id = absl::StrCat("req-", n),
      .recorded_at = absl::FromUnixMicros(1628996645123456 + n * 1000)};
}

// A well-formed chain of `n` rows, as the sequencer writes it.
std::vector<AuditRow> Chain(int n) {
  std::vector<AuditRow> rows;
  std::string prev = GenesisHash();
  for (int i = 1; i <= n; ++i) {
    AuditRow row;
    row.position = i;
    row.record = Record(i);
    row.sequenced_at = absl::FromUnixMicros(1628996700000000 + i);
    row.prev_hash = prev;
    row.hash = AuditRowHash(i, row.record, prev);
    prev = row.hash;
    rows.push_back(row);
  }
  return rows;
}

// Re-hashes rows[from..] (after an edit), as a forger would.
void Rehash(std::vector<AuditRow>& rows, size_t from) {
  std::string prev = from == 0 ? GenesisHash() : rows[from - 1].hash;
  for (size_t i = from; i < rows.size(); ++i) {
    rows[i].prev_hash = prev;
    rows[i].hash = AuditRowHash(rows[i].position, rows[i].record, prev);
    prev = rows[i].hash;
  }
}

class AuditChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = GenerateSigningKey("k1");
    auto pk = PublicKeyOf(key_);
    ASSERT_TRUE(pk.ok()) << pk.status();
    keys_["k1"] = *pk;
    rows_ = Chain(12);
  }
  Checkpoint Sign(int64_t position) {
    auto cp = SignCheckpoint(key_, position, rows_[position - 1].hash,
                             absl::FromUnixMicros(1628996800000000 + position));
    EXPECT_TRUE(cp.ok()) << cp.status();
    return *cp;
  }
  SigningKey key_;
  PublicKeys keys_;
  std::vector<AuditRow> rows_;
};

TEST(AuditEncodingTest, MatchesTheDocumentedEncoding) {
  // Computed independently (Python hashlib) from the encoding documented in
  // audit_chain.h; changing the encoding breaks every stored chain.
  AuditRecord r{.actor = "officer:a",
                .on_behalf_of = "",
                .role = "admin",
                .action = "person.read",
                .target_id = "p-1",
                .request_id = "r-1",
                .recorded_at = absl::FromUnixMicros(1628996645123456)};
  EXPECT_EQ(ToHex(AuditRowHash(1, r, GenesisHash())),
            "66b574f7c05662e1e9a4098969e90a1ac442e690a98f6b27576685e00b2eba12");
}

TEST(AuditEncodingTest, FieldBoundariesMatter) {
  AuditRecord a = Record(1), b = Record(1);
  a.actor = "ab";
  a.on_behalf_of = "c";
  b.actor = "a";
  b.on_behalf_of = "bc";
  EXPECT_NE(AuditRowHash(1, a, GenesisHash()),
            AuditRowHash(1, b, GenesisHash()));
}

TEST(AuditEncodingTest, SubMicrosecondDigitsAreNotHashed) {
  AuditRecord a = Record(1), b = Record(1);
  b.recorded_at += absl::Nanoseconds(999);
  EXPECT_EQ(AuditRowHash(1, a, GenesisHash()),
            AuditRowHash(1, b, GenesisHash()));
}

TEST_F(AuditChainTest, IntactChainVerifies) {
  EXPECT_TRUE(VerifyAuditChain(rows_, {Sign(5), Sign(12)}, keys_).ok());
}

TEST_F(AuditChainTest, EmptyLogVerifies) {
  EXPECT_TRUE(VerifyAuditChain({}, {}, keys_).ok());
}

TEST_F(AuditChainTest, EditedRowIsAHashMismatch) {
  rows_[6].record.target_id = "person-999";
  EXPECT_THAT(VerifyAuditChain(rows_, {Sign(5)}, keys_),
              StatusIs(absl::StatusCode::kDataLoss,
                       "row at position 7: hash mismatch"));
}

TEST_F(AuditChainTest, EditedTimestampIsAHashMismatch) {
  rows_[2].record.recorded_at += absl::Microseconds(1);
  EXPECT_THAT(VerifyAuditChain(rows_, {}, keys_),
              StatusIs(absl::StatusCode::kDataLoss,
                       "row at position 3: hash mismatch"));
}

TEST_F(AuditChainTest, DeletedRowIsAGap) {
  rows_.erase(rows_.begin() + 3);
  EXPECT_THAT(VerifyAuditChain(rows_, {}, keys_),
              StatusIs(absl::StatusCode::kDataLoss, "gap: position 4 missing"));
}

TEST_F(AuditChainTest, DeletedRowsAreAGap) {
  rows_.erase(rows_.begin() + 3, rows_.begin() + 6);
  EXPECT_THAT(
      VerifyAuditChain(rows_, {}, keys_),
      StatusIs(absl::StatusCode::kDataLoss, "gap: position 4 to 6 missing"));
}

TEST_F(AuditChainTest, SwappedRowsAreDetected) {
  // Two rows exchange their positions (everything else kept).
  std::swap(rows_[3].position, rows_[4].position);
  std::swap(rows_[3], rows_[4]);
  EXPECT_THAT(VerifyAuditChain(rows_, {}, keys_),
              StatusIs(absl::StatusCode::kDataLoss,
                       "row at position 4: previous hash does not match the "
                       "hash of position 3"));
}

TEST_F(AuditChainTest, SwappedContentsAreDetected) {
  // Two rows exchange their contents, keeping positions and hashes.
  std::swap(rows_[3].record, rows_[4].record);
  EXPECT_THAT(VerifyAuditChain(rows_, {}, keys_),
              StatusIs(absl::StatusCode::kDataLoss,
                       "row at position 4: hash mismatch"));
}

TEST_F(AuditChainTest, RepeatedRowIsDetected) {
  rows_.insert(rows_.begin() + 4, rows_[3]);
  EXPECT_THAT(VerifyAuditChain(rows_, {}, keys_),
              StatusIs(absl::StatusCode::kDataLoss,
                       "row at position 4: position repeated or out of order "
                       "(expected 5)"));
}

TEST_F(AuditChainTest, RehashedEditIsCaughtByAnEarlierCheckpoint) {
  const Checkpoint cp5 = Sign(5);
  rows_[2].record.action = "person.merge";
  Rehash(rows_, 2);
  // The chain alone is consistent again...
  EXPECT_TRUE(VerifyAuditChain(rows_, {}, keys_).ok());
  // ... but not with the head signed at position 5.
  EXPECT_THAT(VerifyAuditChain(rows_, {cp5}, keys_),
              StatusIs(absl::StatusCode::kDataLoss,
                       "checkpoint 5: head hash differs from the chain (rows "
                       "re-hashed after it was signed)"));
}

TEST_F(AuditChainTest, DeletedAndRenumberedTailIsCaughtByACheckpoint) {
  const Checkpoint cp12 = Sign(12);
  rows_.erase(rows_.begin() + 7);
  for (size_t i = 7; i < rows_.size(); ++i) rows_[i].position = i + 1;
  Rehash(rows_, 7);
  EXPECT_THAT(VerifyAuditChain(rows_, {cp12}, keys_),
              StatusIs(absl::StatusCode::kDataLoss,
                       "checkpoint 12: position beyond the end of the chain "
                       "(last position 11): rows deleted"));
}

TEST_F(AuditChainTest, ForgedCheckpointSignatureIsInvalid) {
  Checkpoint cp = Sign(5);
  cp.head_hash = rows_[5].hash;  // claims another head
  EXPECT_THAT(
      VerifyAuditChain(rows_, {cp}, keys_),
      StatusIs(absl::StatusCode::kDataLoss, "checkpoint 5 signature invalid"));
}

TEST_F(AuditChainTest, CheckpointFromAnotherKeyIsInvalid) {
  SigningKey other = GenerateSigningKey("k1");  // same kid, wrong key
  auto cp = SignCheckpoint(other, 5, rows_[4].hash, absl::Now());
  ASSERT_TRUE(cp.ok());
  EXPECT_THAT(
      VerifyAuditChain(rows_, {*cp}, keys_),
      StatusIs(absl::StatusCode::kDataLoss, "checkpoint 5 signature invalid"));
}

TEST_F(AuditChainTest, UnknownKeyIdIsRefused) {
  SigningKey other = GenerateSigningKey("k9");
  auto cp = SignCheckpoint(other, 5, rows_[4].hash, absl::Now());
  ASSERT_TRUE(cp.ok());
  EXPECT_THAT(VerifyAuditChain(rows_, {*cp}, keys_),
              StatusIs(absl::StatusCode::kDataLoss,
                       "checkpoint 5: unknown key id \"k9\""));
}

TEST_F(AuditChainTest, IncrementalVerifierReportsCoverage) {
  AuditChainVerifier verifier({Sign(5), Sign(10)}, keys_);
  for (const AuditRow& row : rows_) ASSERT_TRUE(verifier.AddRow(row).ok());
  EXPECT_TRUE(verifier.Finish().ok());
  EXPECT_EQ(verifier.rows_checked(), 12);
  EXPECT_EQ(verifier.covered_position(), 10);
}

TEST(SigningKeyTest, MalformedSecretIsInvalidArgument) {
  SigningKey bad{"k", "short"};
  EXPECT_THAT(PublicKeyOf(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SignCheckpoint(bad, 1, GenesisHash(), absl::Now()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace relief::events
