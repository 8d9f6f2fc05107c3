#include "common/events/audit_chain.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/hash.h"
#include "common/events/pg_internal.h"
#include "pqxx/binarystring"
#include "pqxx/pqxx"
#include "pqxx/transaction"

namespace relief::events {
namespace {

constexpr absl::string_view kRowTag = "relief.audit.v1";
constexpr absl::string_view kCheckpointTag = "relief.audit.checkpoint.v1";

void EnsureSodium() {
  static const bool ok = sodium_init() >= 0;
  (void)ok;
}

void AppendU32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xFF));
  }
}

void AppendField(std::string* out, absl::string_view bytes) {
  AppendU32(out, static_cast<uint32_t>(bytes.size()));
  out->append(bytes.data(), bytes.size());
}

void AppendInt64Field(std::string* out, int64_t v) {
  AppendU32(out, 8);
  const uint64_t u = static_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((u >> shift) & 0xFF));
  }
}

absl::Status DataLoss(absl::string_view message) {
  return absl::DataLossError(message);
}

bool SignatureValid(const Checkpoint& cp, absl::string_view public_key) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES ||
      cp.signature.size() != crypto_sign_BYTES) {
    return false;
  }
  const std::string message =
      CheckpointMessage(cp.position, cp.head_hash, cp.signed_at, cp.kid);
  return crypto_sign_verify_detached(
             reinterpret_cast<const unsigned char*>(cp.signature.data()),
             reinterpret_cast<const unsigned char*>(message.data()),
             message.size(),
             reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

}  // namespace

const std::string& GenesisHash() {
  static const std::string* genesis = new std::string(32, '\0');
  return *genesis;
}

SigningKey GenerateSigningKey(absl::string_view kid) {
  EnsureSodium();
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  SigningKey key{std::string(kid),
                 std::string(reinterpret_cast<const char*>(sk), sizeof(sk))};
  sodium_memzero(sk, sizeof(sk));
  return key;
}

absl::StatusOr<std::string> PublicKeyOf(const SigningKey& key) {
  if (key.secret_key.size() != crypto_sign_SECRETKEYBYTES) {
    return absl::InvalidArgumentError(
        absl::StrCat("signing key \"", key.kid, "\": secret key must be ",
                     crypto_sign_SECRETKEYBYTES, " bytes"));
  }
  EnsureSodium();
  std::string pk(crypto_sign_PUBLICKEYBYTES, '\0');
  crypto_sign_ed25519_sk_to_pk(
      reinterpret_cast<unsigned char*>(pk.data()),
      reinterpret_cast<const unsigned char*>(key.secret_key.data()));
  return pk;
}

std::string CanonicalAuditEncoding(int64_t position, const AuditRecord& record,
                                   absl::string_view prev_hash) {
  std::string out(kRowTag);
  AppendInt64Field(&out, position);
  AppendField(&out, record.actor);
  AppendField(&out, record.on_behalf_of);
  AppendField(&out, record.role);
  AppendField(&out, record.action);
  AppendField(&out, record.target_id);
  AppendField(&out, record.request_id);
  AppendInt64Field(&out, absl::ToUnixMicros(record.recorded_at));
  AppendField(&out, prev_hash);
  return out;
}

std::string AuditRowHash(int64_t position, const AuditRecord& record,
                         absl::string_view prev_hash) {
  return Sha256(CanonicalAuditEncoding(position, record, prev_hash));
}

std::string CheckpointMessage(int64_t position, absl::string_view head_hash,
                              absl::Time signed_at, absl::string_view kid) {
  std::string out(kCheckpointTag);
  AppendInt64Field(&out, position);
  AppendField(&out, head_hash);
  AppendInt64Field(&out, absl::ToUnixMicros(signed_at));
  AppendField(&out, kid);
  return out;
}

absl::StatusOr<Checkpoint> SignCheckpoint(const SigningKey& key,
                                          int64_t position,
                                          absl::string_view head_hash,
                                          absl::Time signed_at) {
  if (key.secret_key.size() != crypto_sign_SECRETKEYBYTES) {
    return absl::InvalidArgumentError(
        absl::StrCat("signing key \"", key.kid, "\": secret key must be ",
                     crypto_sign_SECRETKEYBYTES, " bytes"));
  }
  EnsureSodium();
  Checkpoint cp;
  cp.position = position;
  cp.head_hash = std::string(head_hash);
  cp.signed_at = internal::TruncateToMicros(signed_at);
  cp.kid = key.kid;
  const std::string message =
      CheckpointMessage(position, head_hash, cp.signed_at, key.kid);
  cp.signature.assign(crypto_sign_BYTES, '\0');
  crypto_sign_detached(
      reinterpret_cast<unsigned char*>(cp.signature.data()), nullptr,
      reinterpret_cast<const unsigned char*>(message.data()), message.size(),
      reinterpret_cast<const unsigned char*>(key.secret_key.data()));
  return cp;
}

// ---------------------------------------------------------------------------

AuditChainVerifier::AuditChainVerifier(std::vector<Checkpoint> checkpoints,
                                       PublicKeys keys)
    : checkpoints_(std::move(checkpoints)),
      keys_(std::move(keys)),
      head_(GenesisHash()) {
  std::stable_sort(checkpoints_.begin(), checkpoints_.end(),
                   [](const Checkpoint& a, const Checkpoint& b) {
                     return a.position < b.position;
                   });
}

absl::Status AuditChainVerifier::Fail(absl::Status status) {
  error_ = status;
  return status;
}

absl::Status AuditChainVerifier::CheckSignatures() {
  // The checkpoints are the trust anchors: checked before any row.
  signatures_checked_ = true;
  EnsureSodium();
  int64_t previous = 0;
  for (const Checkpoint& cp : checkpoints_) {
    if (cp.position <= 0) {
      return Fail(DataLoss(absl::StrCat("checkpoint ", cp.position,
                                        ": position must be positive")));
    }
    if (cp.position == previous) {
      return Fail(
          DataLoss(absl::StrCat("checkpoint ", cp.position, " appears twice")));
    }
    previous = cp.position;
    auto key = keys_.find(cp.kid);
    if (key == keys_.end()) {
      return Fail(DataLoss(absl::StrCat("checkpoint ", cp.position,
                                        ": unknown key id \"", cp.kid, "\"")));
    }
    if (!SignatureValid(cp, key->second)) {
      return Fail(DataLoss(
          absl::StrCat("checkpoint ", cp.position, " signature invalid")));
    }
  }
  return absl::OkStatus();
}

absl::Status AuditChainVerifier::AddRow(const AuditRow& row) {
  if (!error_.ok()) return error_;
  if (!signatures_checked_) {
    if (absl::Status s = CheckSignatures(); !s.ok()) return s;
  }
  const int64_t expected = last_position_ + 1;
  if (row.position > expected) {
    return Fail(DataLoss(absl::StrCat(
        "gap: position ", expected,
        row.position == expected + 1
            ? std::string(" missing")
            : absl::StrCat(" to ", row.position - 1, " missing"))));
  }
  if (row.position < expected) {
    return Fail(DataLoss(absl::StrCat("row at position ", row.position,
                                      ": position repeated or out of order "
                                      "(expected ",
                                      expected, ")")));
  }
  if (row.prev_hash != head_) {
    return Fail(DataLoss(
        row.position == 1
            ? std::string("row at position 1: previous hash is not the "
                          "genesis hash")
            : absl::StrCat("row at position ", row.position,
                           ": previous hash does not match the hash of "
                           "position ",
                           row.position - 1)));
  }
  if (AuditRowHash(row.position, row.record, row.prev_hash) != row.hash) {
    return Fail(DataLoss(
        absl::StrCat("row at position ", row.position, ": hash mismatch")));
  }
  last_position_ = row.position;
  head_ = row.hash;
  ++rows_checked_;
  while (next_checkpoint_ < checkpoints_.size() &&
         checkpoints_[next_checkpoint_].position <= row.position) {
    const Checkpoint& cp = checkpoints_[next_checkpoint_];
    // Positions are checked one by one above, so cp.position == row.position.
    if (cp.head_hash != row.hash) {
      return Fail(DataLoss(absl::StrCat(
          "checkpoint ", cp.position,
          ": head hash differs from the chain (rows re-hashed after it was "
          "signed)")));
    }
    covered_position_ = cp.position;
    ++next_checkpoint_;
  }
  return absl::OkStatus();
}

absl::Status AuditChainVerifier::Finish() {
  if (!error_.ok()) return error_;
  if (!signatures_checked_) {
    if (absl::Status s = CheckSignatures(); !s.ok()) return s;
  }
  if (next_checkpoint_ < checkpoints_.size()) {
    const Checkpoint& cp = checkpoints_[next_checkpoint_];
    return Fail(DataLoss(
        absl::StrCat("checkpoint ", cp.position,
                     ": position beyond the end of the chain (last position ",
                     last_position_, "): rows deleted")));
  }
  return absl::OkStatus();
}

absl::Status VerifyAuditChain(const std::vector<AuditRow>& rows,
                              const std::vector<Checkpoint>& checkpoints,
                              const PublicKeys& keys) {
  AuditChainVerifier verifier(checkpoints, keys);
  for (const AuditRow& row : rows) {
    if (absl::Status s = verifier.AddRow(row); !s.ok()) return s;
  }
  return verifier.Finish();
}

// ---------------------------------------------------------------------------

namespace {

std::string RowColumns() {
  return absl::StrCat("position, ", internal::AuditRecordColumns(), ", ",
                      internal::MicrosOf("sequenced_at"), ", prev_hash, hash");
}

AuditRow RowFrom(const pqxx::row& r) {
  AuditRow row;
  row.position = r[0].as<int64_t>();
  row.record.actor = internal::Bytes(r[1]);
  row.record.on_behalf_of = internal::Bytes(r[2]);
  row.record.role = internal::Bytes(r[3]);
  row.record.action = internal::Bytes(r[4]);
  row.record.target_id = internal::Bytes(r[5]);
  row.record.request_id = internal::Bytes(r[6]);
  row.record.recorded_at = internal::TimeFromMicrosField(r[7]);
  row.sequenced_at = internal::TimeFromMicrosField(r[8]);
  row.prev_hash = internal::Bytes(r[9]);
  row.hash = internal::Bytes(r[10]);
  return row;
}

std::vector<Checkpoint> ReadCheckpoints(pqxx::transaction_base& tx,
                                        const std::string& q_schema) {
  std::vector<Checkpoint> out;
  for (const auto& r : tx.exec(absl::StrCat(
           "SELECT position, head_hash, ", internal::MicrosOf("signed_at"),
           ", kid, signature FROM ", q_schema,
           ".audit_checkpoints ORDER BY position"))) {
    Checkpoint cp;
    cp.position = r[0].as<int64_t>();
    cp.head_hash = pqxx::binarystring(r[1]).str();
    cp.signed_at = internal::TimeFromMicrosField(r[2]);
    cp.kid = r[3].c_str();
    cp.signature = pqxx::binarystring(r[4]).str();
    out.push_back(std::move(cp));
  }
  return out;
}

// Runs `fn(tx)` in a REPEATABLE READ read-only transaction on a pooled
// connection, mapping exceptions to a Status.
template <typename Fn>
absl::Status InSnapshot(pg::Pool& pool, Fn&& fn) {
  absl::StatusOr<pg::Pool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  absl::Status status;
  try {
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(lease->conn());
    status = fn(tx);
    if (status.ok()) tx.commit();
  } catch (const std::exception& e) {
    status = pg::StatusFromException(e);
  }
  if (pg::IsConnectionError(status)) lease->MarkBroken();
  return status;
}

}  // namespace

absl::StatusOr<AuditLog> LoadAuditLog(pg::Pool& pool,
                                      absl::string_view schema) {
  AuditLog log;
  absl::Status status = InSnapshot(pool, [&](pqxx::transaction_base& tx) {
    const std::string q_schema = tx.quote_name(std::string(schema));
    log.checkpoints = ReadCheckpoints(tx, q_schema);
    for (const auto& r :
         tx.exec(absl::StrCat("SELECT ", RowColumns(), " FROM ", q_schema,
                              ".audit WHERE position IS NOT NULL"
                              " ORDER BY position"))) {
      log.rows.push_back(RowFrom(r));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return log;
}

absl::Status VerifyStoredAuditLog(pg::Pool& pool, absl::string_view schema,
                                  const PublicKeys& keys,
                                  int64_t* rows_checked) {
  constexpr int kPage = 10000;
  absl::Status verdict;
  absl::Status status = InSnapshot(pool, [&](pqxx::transaction_base& tx) {
    const std::string q_schema = tx.quote_name(std::string(schema));
    AuditChainVerifier verifier(ReadCheckpoints(tx, q_schema), keys);
    const std::string sql =
        absl::StrCat("SELECT ", RowColumns(), " FROM ", q_schema,
                     ".audit WHERE position > $1 ORDER BY position LIMIT $2");
    int64_t after = 0;
    while (verdict.ok()) {
      pqxx::result page = tx.exec_params(sql, after, kPage);
      for (const auto& r : page) {
        AuditRow row = RowFrom(r);
        after = row.position;
        verdict = verifier.AddRow(row);
        if (!verdict.ok()) break;
      }
      if (page.size() < static_cast<size_t>(kPage)) break;
    }
    if (verdict.ok()) verdict = verifier.Finish();
    if (rows_checked != nullptr) *rows_checked = verifier.rows_checked();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return verdict;
}

}  // namespace relief::events
