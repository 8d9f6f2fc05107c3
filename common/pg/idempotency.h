// Idempotency records kept in Postgres, in the transaction of the effect.
#ifndef RELIEF_COMMON_PG_IDEMPOTENCY_H_
#define RELIEF_COMMON_PG_IDEMPOTENCY_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pqxx/transaction_base"

namespace relief::pg {

struct IdempotencyKey {
  std::string method;     // e.g. "relief.registry.v1.Registry/Register"
  std::string principal;  // the caller's subject
  std::string request_id;
};

// The <schema>.idempotency table created by the common migrations.
// Stateless apart from the table name; thread-safe.
class IdempotencyStore {
 public:
  explicit IdempotencyStore(absl::string_view schema);

  // Claims `key` inside `tx`. Returns nullopt when the key is new: the
  // caller performs the effect and calls Complete() in the same transaction,
  // so the record commits (or vanishes) with the effect. Returns the stored
  // answer when the key was already completed with the same request hash.
  // A concurrent transaction holding the same key makes this call wait for
  // it, then answer as above. ALREADY_EXISTS when the key was used for a
  // request with another hash; UNAVAILABLE when the earlier request is
  // still in progress (a saga; retry later).
  absl::StatusOr<std::optional<std::string>> Claim(
      pqxx::transaction_base& tx, const IdempotencyKey& key,
      absl::string_view request_hash) const;

  // Stores `response` as the answer for `key` (claimed in this `tx`).
  void Complete(pqxx::transaction_base& tx, const IdempotencyKey& key,
                absl::string_view response) const;

 private:
  std::string table_;
};

}  // namespace relief::pg

#endif  // RELIEF_COMMON_PG_IDEMPOTENCY_H_
