#include "common/pg/idempotency.h"

#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"
#include "pqxx/binarystring"

namespace relief::pg {

IdempotencyStore::IdempotencyStore(absl::string_view schema)
    : table_(absl::StrCat(schema, ".idempotency")) {}

absl::StatusOr<std::optional<std::string>> IdempotencyStore::Claim(
    pqxx::transaction_base& tx, const IdempotencyKey& key,
    absl::string_view request_hash) const {
  const pqxx::binarystring hash(request_hash.data(), request_hash.size());
  // Waits on a concurrent uncommitted claim of the same key (unique index),
  // then inserts nothing if that one committed.
  pqxx::result inserted = tx.exec_params(
      absl::StrCat("INSERT INTO ", table_,
                   " (method, principal, request_id, request_hash, state)"
                   " VALUES ($1, $2, $3, $4, 'IN_PROGRESS')"
                   " ON CONFLICT DO NOTHING RETURNING 1"),
      key.method, key.principal, key.request_id, hash);
  if (!inserted.empty()) return std::optional<std::string>();
  pqxx::result existing = tx.exec_params(
      absl::StrCat("SELECT request_hash, state, response FROM ", table_,
                   " WHERE method = $1 AND principal = $2 AND request_id = $3"),
      key.method, key.principal, key.request_id);
  if (existing.empty()) {
    // Cannot happen while records are never deleted.
    return absl::InternalError("idempotency record vanished");
  }
  const auto& row = existing[0];
  if (pqxx::binarystring(row[0]).str() != request_hash) {
    return absl::AlreadyExistsError(absl::StrCat(
        "request_id \"", key.request_id,
        "\" was already used for a different request"));
  }
  if (std::string_view(row[1].c_str()) != "DONE") {
    return absl::UnavailableError(absl::StrCat(
        "request_id \"", key.request_id, "\" is still in progress; retry"));
  }
  return std::optional<std::string>(pqxx::binarystring(row[2]).str());
}

void IdempotencyStore::Complete(pqxx::transaction_base& tx,
                                const IdempotencyKey& key,
                                absl::string_view response) const {
  tx.exec_params(
      absl::StrCat("UPDATE ", table_,
                   " SET state = 'DONE', response = $4, completed_at = now()"
                   " WHERE method = $1 AND principal = $2 AND request_id = $3"),
      key.method, key.principal, key.request_id,
      pqxx::binarystring(response.data(), response.size()));
}

}  // namespace relief::pg
