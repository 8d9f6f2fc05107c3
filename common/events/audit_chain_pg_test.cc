// The audit chain as the sequencer writes it in Postgres, and tampering
// with the stored rows.
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/clock.h"
#include "common/base/hash.h"
#include "common/base/testing/status_matchers.h"
#include "common/events/audit_chain.h"
#include "common/events/sequencer.h"
#include "common/events/test_util.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"

namespace relief::events {
namespace {

using ::relief::testing::StatusIs;
using testing::Eventually;
using testing::kSchema;

class AuditChainPgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::MakeDatabase();
    ASSERT_NE(db_, nullptr);
    pool_ = std::make_unique<pg::Pool>(pg::PoolOptions{.conninfo = db_->url()});
    key_ = GenerateSigningKey("audit-2021");
    keys_["audit-2021"] = *PublicKeyOf(key_);
  }

  SequencerOptions Options() {
    SequencerOptions o = testing::TestSequencerOptions(db_->url());
    o.clock = &clock_;
    o.signing_key = key_;
    o.checkpoint_every_rows = 5;
    return o;
  }

  // Commits rows first..last (inclusive) in one transaction.
  void WriteAudit(int first, int last) {
    ASSERT_TRUE(pg::RunInTransaction(*pool_, [&](pqxx::transaction_base& tx) {
                  for (int i = first; i <= last; ++i) {
                    AppendAudit(
                        tx, kSchema,
                        AuditRecord{.actor = absl::StrCat("officer:", i),
                                    .on_behalf_of = i % 2 ? "" : "user:x",
                                    .role = "district_officer",
                                    .action = "person.read",
                                    .target_id = absl::StrCat("person-", i),
                                    .request_id = absl::StrCat("req-", i),
                                    .recorded_at = clock_.Now() +
                                                   absl::Microseconds(i) +
                                                   absl::Nanoseconds(500)});
                  }
                  return absl::OkStatus();
                }).ok());
  }
  int64_t Numbered() {
    return *db_->QueryInt(
        "SELECT count(*) FROM svc.audit WHERE position IS NOT NULL");
  }

  // 12 rows, numbered in two batches (5, then 7): checkpoints at 5 and 12.
  void BuildLog() {
    Sequencer sequencer(Options());
    ASSERT_TRUE(sequencer.Start().ok());
    WriteAudit(1, 5);
    ASSERT_TRUE(Eventually([&] { return Numbered() == 5; }));
    WriteAudit(6, 12);
    ASSERT_TRUE(Eventually([&] { return Numbered() == 12; }));
    ASSERT_TRUE(Eventually([&] {
      return *db_->QueryInt("SELECT count(*) FROM svc.audit_checkpoints") == 2;
    }));
  }

  absl::Status Verify() {
    absl::Status streamed = VerifyStoredAuditLog(*pool_, kSchema, keys_);
    absl::StatusOr<AuditLog> log = LoadAuditLog(*pool_, kSchema);
    if (!log.ok()) return log.status();
    absl::Status loaded = VerifyAuditChain(log->rows, log->checkpoints, keys_);
    EXPECT_EQ(streamed, loaded);  // both ways agree
    return loaded;
  }

  SettableClock clock_{absl::FromUnixSeconds(1628996400)};
  SigningKey key_;
  PublicKeys keys_;
  std::unique_ptr<pg::testing::TestDatabase> db_;
  std::unique_ptr<pg::Pool> pool_;
};

TEST_F(AuditChainPgTest, SequencedLogVerifies) {
  BuildLog();
  EXPECT_EQ(*db_->QueryInt("SELECT count(*) FROM svc.audit_checkpoints"
                           " WHERE position IN (5, 12)"),
            2);
  int64_t rows = 0;
  EXPECT_TRUE(VerifyStoredAuditLog(*pool_, kSchema, keys_, &rows).ok());
  EXPECT_EQ(rows, 12);
  EXPECT_TRUE(Verify().ok());
  // The stored recorded_at and the hashed one agree to the microsecond.
  absl::StatusOr<AuditLog> log = LoadAuditLog(*pool_, kSchema);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->rows[0].record.recorded_at,
            clock_.Now() + absl::Microseconds(1));
  EXPECT_EQ(log->checkpoints.size(), 2u);
  EXPECT_EQ(log->checkpoints[1].position, 12);
}

TEST_F(AuditChainPgTest, DetectsAnEditedRow) {
  BuildLog();
  ASSERT_TRUE(
      db_->Exec(
             "UPDATE svc.audit SET target_id = 'person-99' WHERE position = 3")
          .ok());
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                 "row at position 3: hash mismatch"));
}

TEST_F(AuditChainPgTest, DetectsAnEditedTimestamp) {
  BuildLog();
  ASSERT_TRUE(db_->Exec("UPDATE svc.audit SET recorded_at = recorded_at +"
                        " interval '1 microsecond' WHERE position = 8")
                  .ok());
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                 "row at position 8: hash mismatch"));
}

TEST_F(AuditChainPgTest, DetectsADeletedRow) {
  BuildLog();
  ASSERT_TRUE(db_->Exec("DELETE FROM svc.audit WHERE position = 4").ok());
  EXPECT_THAT(Verify(),
              StatusIs(absl::StatusCode::kDataLoss, "gap: position 4 missing"));
}

TEST_F(AuditChainPgTest, DetectsADeletedTail) {
  BuildLog();
  ASSERT_TRUE(db_->Exec("DELETE FROM svc.audit WHERE position > 10").ok());
  EXPECT_THAT(Verify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       "checkpoint 12: position beyond the end of the chain "
                       "(last position 10): rows deleted"));
}

TEST_F(AuditChainPgTest, DetectsTwoSwappedRows) {
  BuildLog();
  ASSERT_TRUE(db_->Exec("UPDATE svc.audit SET position = -1 WHERE position = 2;"
                        "UPDATE svc.audit SET position = 2 WHERE position = 3;"
                        "UPDATE svc.audit SET position = 3 WHERE position = -1")
                  .ok());
  EXPECT_THAT(Verify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       "row at position 2: previous hash does not match the "
                       "hash of position 1"));
}

TEST_F(AuditChainPgTest, DetectsAnEditWithEveryLaterHashRecomputed) {
  BuildLog();
  // A forger edits row 3 and recomputes every hash from there on.
  absl::StatusOr<AuditLog> log = LoadAuditLog(*pool_, kSchema);
  ASSERT_TRUE(log.ok());
  log->rows[2].record.action = "person.merge";
  std::string prev = log->rows[1].hash;
  pqxx::connection conn(db_->url());
  pqxx::work tx(conn);
  for (size_t i = 2; i < log->rows.size(); ++i) {
    AuditRow& row = log->rows[i];
    row.prev_hash = prev;
    row.hash = AuditRowHash(row.position, row.record, prev);
    prev = row.hash;
    tx.exec_params(
        "UPDATE svc.audit SET action = $1, prev_hash = $2, hash = $3"
        " WHERE position = $4",
        row.record.action,
        pqxx::binarystring(row.prev_hash.data(), row.prev_hash.size()),
        pqxx::binarystring(row.hash.data(), row.hash.size()), row.position);
  }
  tx.commit();
  // The rows are consistent among themselves ...
  EXPECT_TRUE(VerifyAuditChain(log->rows, {}, keys_).ok());
  // ... but not with the head signed at position 5.
  EXPECT_THAT(Verify(),
              StatusIs(absl::StatusCode::kDataLoss,
                       "checkpoint 5: head hash differs from the chain (rows "
                       "re-hashed after it was signed)"));
}

TEST_F(AuditChainPgTest, DetectsAForgedCheckpoint) {
  BuildLog();
  ASSERT_TRUE(db_->Exec("UPDATE svc.audit_checkpoints SET signed_at = signed_at"
                        " + interval '1 second' WHERE position = 12")
                  .ok());
  EXPECT_THAT(Verify(), StatusIs(absl::StatusCode::kDataLoss,
                                 "checkpoint 12 signature invalid"));
}

TEST_F(AuditChainPgTest, CheckpointsWhenMinutesPassWithFewRows) {
  Sequencer sequencer(Options());
  ASSERT_TRUE(sequencer.Start().ok());
  WriteAudit(1, 5);  // first checkpoint at 5 (5 rows)
  ASSERT_TRUE(Eventually([&] {
    return *db_->QueryInt("SELECT count(*) FROM svc.audit_checkpoints") == 1;
  }));
  WriteAudit(6, 7);  // 2 rows: below checkpoint_every_rows
  ASSERT_TRUE(Eventually([&] { return Numbered() == 7; }));
  EXPECT_EQ(*db_->QueryInt("SELECT max(position) FROM svc.audit_checkpoints"),
            5);
  clock_.Advance(absl::Minutes(5));  // checkpoint_every passed, idle
  ASSERT_TRUE(Eventually([&] {
    return *db_->QueryInt("SELECT max(position) FROM svc.audit_checkpoints") ==
           7;
  }));
  EXPECT_EQ(sequencer.stats().checkpoints, 2);
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditChainPgTest, TextIsHashedAsUtf8WhateverTheClientEncoding) {
  const std::string actor = "officer:252-nguy\xe1\xbb\x85n.v\xc4\x83n.a";
  ASSERT_TRUE(pg::RunInTransaction(*pool_, [&](pqxx::transaction_base& tx) {
                AppendAudit(tx, kSchema,
                            AuditRecord{.actor = actor,
                                        .role = "commune_officer",
                                        .action = "person.read",
                                        .target_id = "person-1",
                                        .request_id = "req-1",
                                        .recorded_at = clock_.Now()});
                return absl::OkStatus();
              }).ok());
  {
    Sequencer sequencer(Options());
    ASSERT_TRUE(sequencer.Start().ok());
    ASSERT_TRUE(Eventually([&] { return Numbered() == 1; }));
  }
  // A verifier whose sessions use the Vietnamese Windows code page.
  pg::Pool win1258(pg::PoolOptions{
      .conninfo = absl::StrCat(db_->url(), "?client_encoding=WIN1258")});
  absl::StatusOr<AuditLog> log = LoadAuditLog(win1258, kSchema);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->rows.size(), 1u);
  EXPECT_EQ(log->rows[0].record.actor, actor);
  EXPECT_TRUE(VerifyAuditChain(log->rows, log->checkpoints, keys_).ok());
  EXPECT_TRUE(VerifyStoredAuditLog(win1258, kSchema, keys_).ok());
}

TEST_F(AuditChainPgTest, ChainContinuesAcrossLeaders) {
  {
    Sequencer a(Options());
    ASSERT_TRUE(a.Start().ok());
    WriteAudit(1, 3);
    ASSERT_TRUE(Eventually([&] { return Numbered() == 3; }));
  }
  Sequencer b(Options());
  ASSERT_TRUE(b.Start().ok());
  WriteAudit(4, 9);
  ASSERT_TRUE(Eventually([&] { return Numbered() == 9; }));
  EXPECT_TRUE(Verify().ok());
}

}  // namespace
}  // namespace relief::events
