// One transaction per unit of work, retried inside the service on
// serialization failures, deadlocks and lost races.
#ifndef RELIEF_COMMON_PG_TRANSACTION_H_
#define RELIEF_COMMON_PG_TRANSACTION_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pg/pool.h"
#include "pqxx/transaction_base"

namespace relief::pg {

enum class Isolation { kReadCommitted, kRepeatableRead, kSerializable };

struct TxOptions {
  Isolation isolation = Isolation::kReadCommitted;
  // Attempts in all, for ABORTED outcomes (40001, 40P01, RaceLost()).
  // Default 5.
  int max_attempts = 5;
  // First backoff between attempts; doubles, with jitter. Default 5 ms.
  absl::Duration backoff = absl::Milliseconds(5);
};

// Body of a transaction: returns OK to commit; any other status rolls back
// and is returned (ABORTED ones are retried first). It may throw libpqxx
// exceptions: they are mapped with StatusFromException.
using TxBody = std::function<absl::Status(pqxx::transaction_base&)>;

// Runs `body` in one transaction on a pooled connection and commits it.
// Returns the body's status, or UNAVAILABLE / DEADLINE_EXCEEDED / UNKNOWN
// (in-doubt commit: never blindly retried) / ABORTED (attempts exhausted).
// A body may run several times: it must not have effects outside the
// transaction. Thread-safe.
absl::Status RunInTransaction(Pool& pool, const TxOptions& options,
                              const TxBody& body);
inline absl::Status RunInTransaction(Pool& pool, const TxBody& body) {
  return RunInTransaction(pool, TxOptions(), body);
}

// The status a body returns when it lost a race on a natural key (an
// INSERT ... ON CONFLICT DO NOTHING that inserted nothing): the transaction
// is rolled back and the body runs again, and then sees the winner's row.
absl::Status RaceLost(absl::string_view what);

// A Postgres array literal of `items` ({"a","b"}), for a text[] or uuid[]
// parameter ($1::text[]).
std::string ArrayLiteral(const std::vector<std::string>& items);

// Takes transaction-scoped advisory locks on `keys` in sorted order (so two
// transactions locking overlapping sets cannot deadlock). Each key is hashed
// to 64 bits with a namespace so services do not collide.
void LockKeys(pqxx::transaction_base& tx, absl::string_view space,
              std::vector<std::string> keys);

}  // namespace relief::pg

#endif  // RELIEF_COMMON_PG_TRANSACTION_H_
