// The audit log's hash chain and signed checkpoints (DESIGN.md §5).
//
// Row hash: SHA-256 over the canonical encoding
//   "relief.audit.v1" tag, then each field as a 4-byte big-endian length
//   followed by its bytes, in this order:
//     position            8 bytes, big-endian two's complement
//     actor, on_behalf_of, role, action, target_id, request_id   UTF-8 bytes
//     recorded_at         8 bytes, big-endian int64 UTC microseconds
//     prev_hash           32 bytes (the previous row's hash; kGenesisHash
//                         for position 1)
// Nothing depends on session settings (time zone, DateStyle, bytea output).
//
// Checkpoint signature: Ed25519 (libsodium crypto_sign_detached) over
//   "relief.audit.checkpoint.v1" tag, then length-prefixed:
//     position (8 bytes BE), head_hash, signed_at (8 bytes BE UTC
//     microseconds), kid
// where head_hash is the hash of the row at `position`.
//
// Everything here is a pure function and thread-safe, except the loaders
// at the end, which read Postgres.
#ifndef RELIEF_COMMON_EVENTS_AUDIT_CHAIN_H_
#define RELIEF_COMMON_EVENTS_AUDIT_CHAIN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/base/signing_key.h"
#include "common/events/outbox.h"
#include "common/pg/pool.h"

namespace relief::events {

// The prev_hash of the row at position 1: 32 zero bytes.
const std::string& GenesisHash();

// One numbered audit row as stored.
struct AuditRow {
  int64_t position = 0;
  AuditRecord record;  // recorded_at with microsecond precision
  absl::Time sequenced_at;
  std::string prev_hash;  // 32 raw bytes
  std::string hash;       // 32 raw bytes
};

// A signed head of the chain.
struct Checkpoint {
  int64_t position = 0;
  std::string head_hash;  // 32 raw bytes: the hash of the row at `position`
  absl::Time signed_at;   // microsecond precision
  std::string kid;
  std::string signature;  // 64 raw bytes
};

// The Ed25519 key type shared across common/ (common/base/signing_key.h).
using SigningKey = ::relief::SigningKey;

// Public keys (32 raw bytes each) by kid: the keys a verifier trusts.
using PublicKeys = absl::flat_hash_map<std::string, std::string>;

// A fresh random key named `kid` (for tests and key-generation tools).
SigningKey GenerateSigningKey(absl::string_view kid);

// The 32-byte public key of `key`, or INVALID_ARGUMENT when its secret key
// is not 64 bytes.
absl::StatusOr<std::string> PublicKeyOf(const SigningKey& key);

// The canonical encoding hashed for a row (see the top of this file).
std::string CanonicalAuditEncoding(int64_t position, const AuditRecord& record,
                                   absl::string_view prev_hash);

// SHA-256 (32 raw bytes) of CanonicalAuditEncoding(...).
std::string AuditRowHash(int64_t position, const AuditRecord& record,
                         absl::string_view prev_hash);

// The bytes a checkpoint's signature covers (see the top of this file).
std::string CheckpointMessage(int64_t position, absl::string_view head_hash,
                              absl::Time signed_at, absl::string_view kid);

// A checkpoint of the head (`position`, `head_hash`) signed with `key` at
// `signed_at` (truncated to microseconds). INVALID_ARGUMENT when the key's
// secret is not 64 bytes.
absl::StatusOr<Checkpoint> SignCheckpoint(const SigningKey& key,
                                          int64_t position,
                                          absl::string_view head_hash,
                                          absl::Time signed_at);

// Checks a chain incrementally, row by row in position order, so a log of
// any length can be verified in constant memory. Construct with every
// checkpoint and the trusted keys, feed each numbered row with AddRow (in
// ascending position order, starting at position 1), then call Finish.
// Not thread-safe. After the first error every call returns that error.
class AuditChainVerifier {
 public:
  AuditChainVerifier(std::vector<Checkpoint> checkpoints, PublicKeys keys);

  // OK, or DATA_LOSS naming the first problem found:
  //   "checkpoint 1000 signature invalid" / "checkpoint 1000: unknown key id
  //   \"k9\"" (checked before the first row);
  //   "gap: position 18 missing";
  //   "row at position 18: position repeated or out of order (expected 19)";
  //   "row at position 17: previous hash does not match the hash of
  //   position 16";
  //   "row at position 17: hash mismatch";
  //   "checkpoint 1000: head hash differs from the chain (rows re-hashed
  //   after it was signed)".
  absl::Status AddRow(const AuditRow& row);

  // OK when every row and every checkpoint checked out; DATA_LOSS as
  // above, or "checkpoint 1000: position beyond the end of the chain
  // (last position 900): rows deleted".
  absl::Status Finish();

  // Rows checked so far and the position of the last one.
  int64_t rows_checked() const { return rows_checked_; }
  // The highest checkpoint position at or below the last checked row (0:
  // none): rows after it are protected by their hashes only, so a deleted
  // or re-hashed tail after it cannot be told from a shorter log.
  int64_t covered_position() const { return covered_position_; }

 private:
  absl::Status CheckSignatures();
  absl::Status Fail(absl::Status status);

  std::vector<Checkpoint> checkpoints_;  // ascending position
  PublicKeys keys_;
  size_t next_checkpoint_ = 0;
  bool signatures_checked_ = false;
  absl::Status error_;
  int64_t last_position_ = 0;
  std::string head_;
  int64_t rows_checked_ = 0;
  int64_t covered_position_ = 0;
};

// Verifies a whole log held in memory: `rows` in ascending position order
// (as LoadAuditLog returns them; a row out of order is itself reported)
// against `checkpoints` (any order) signed by keys in `keys`. OK or
// DATA_LOSS with the precise message of AuditChainVerifier.
absl::Status VerifyAuditChain(const std::vector<AuditRow>& rows,
                              const std::vector<Checkpoint>& checkpoints,
                              const PublicKeys& keys);

// The numbered rows and all checkpoints of <schema>, read in one
// REPEATABLE READ transaction. UNAVAILABLE / INTERNAL on database errors.
struct AuditLog {
  std::vector<AuditRow> rows;           // ascending position
  std::vector<Checkpoint> checkpoints;  // ascending position
};
absl::StatusOr<AuditLog> LoadAuditLog(pg::Pool& pool, absl::string_view schema);

// Streams <schema>'s numbered rows, in pages, through an AuditChainVerifier
// (one REPEATABLE READ snapshot): constant memory for a log of any length.
// The verifier's status (DATA_LOSS ...) or a database error (UNAVAILABLE,
// INTERNAL). `rows_checked`, when not null, receives the number of rows.
absl::Status VerifyStoredAuditLog(pg::Pool& pool, absl::string_view schema,
                                  const PublicKeys& keys,
                                  int64_t* rows_checked = nullptr);

}  // namespace relief::events

#endif  // RELIEF_COMMON_EVENTS_AUDIT_CHAIN_H_
