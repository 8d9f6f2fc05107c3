#include "common/pg/transaction.h"

#include <algorithm>
#include <cstring>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/hash.h"
#include "pqxx/pqxx"
#include "pqxx/transaction"
#include "spdlog/spdlog.h"

namespace relief::pg {
namespace {

absl::Status RunOnce(Pool& pool, Isolation isolation, const TxBody& body) {
  absl::StatusOr<Pool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  absl::Status status;
  try {
    auto run = [&](pqxx::transaction_base& tx) {
      status = body(tx);
      if (status.ok()) tx.commit();
    };
    switch (isolation) {
      case Isolation::kReadCommitted: {
        pqxx::transaction<pqxx::read_committed> tx(lease->conn());
        run(tx);
        break;
      }
      case Isolation::kRepeatableRead: {
        pqxx::transaction<pqxx::repeatable_read> tx(lease->conn());
        run(tx);
        break;
      }
      case Isolation::kSerializable: {
        pqxx::transaction<pqxx::serializable> tx(lease->conn());
        run(tx);
        break;
      }
    }
  } catch (const std::exception& e) {
    status = StatusFromException(e);
  }
  if (IsConnectionError(status)) lease->MarkBroken();
  return status;
}

}  // namespace

absl::Status RunInTransaction(Pool& pool, const TxOptions& options,
                              const TxBody& body) {
  thread_local absl::BitGen gen;
  absl::Duration backoff = options.backoff;
  absl::Status status;
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    status = RunOnce(pool, options.isolation, body);
    // A connection that broke before commit left nothing behind: one more
    // try on a fresh connection covers a server restart between calls.
    const bool retry =
        status.code() == absl::StatusCode::kAborted ||
        (status.code() == absl::StatusCode::kUnavailable && attempt == 1 &&
         absl::StrContains(status.message(), "connection lost"));
    if (!retry) return status;
    if (attempt < options.max_attempts) {
      absl::SleepFor(backoff * absl::Uniform(gen, 1.0, 2.0));
      backoff *= 2;
    }
  }
  spdlog::warn("event=tx_retries_exhausted attempts={} status=\"{}\"",
               options.max_attempts, status.ToString());
  return status;
}

absl::Status RaceLost(absl::string_view what) {
  return absl::AbortedError(absl::StrCat("lost a race on ", what));
}

std::string ArrayLiteral(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ",";
    out += "\"";
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += "\"";
  }
  return out + "}";
}

void LockKeys(pqxx::transaction_base& tx, absl::string_view space,
              std::vector<std::string> keys) {
  std::vector<int64_t> ids;
  ids.reserve(keys.size());
  for (const std::string& key : keys) {
    std::string digest = Sha256(absl::StrCat(space, "\x1f", key));
    int64_t id;
    std::memcpy(&id, digest.data(), sizeof(id));
    ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (int64_t id : ids) {
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", id);
  }
}

}  // namespace relief::pg
