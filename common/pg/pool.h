// A bounded pool of Postgres connections: one connection per unit of work.
// The only place (with the rest of common/pg and the services' pg_*
// adapters) that includes libpqxx.
#ifndef RELIEF_COMMON_PG_POOL_H_
#define RELIEF_COMMON_PG_POOL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pqxx/connection"

namespace relief::pg {

struct PoolOptions {
  // libpq connection string or URL. Required.
  std::string conninfo;
  // Most connections open at once. Default 8.
  int size = 8;
  // How long Acquire waits for a free connection. Default 2 s.
  absl::Duration acquire_timeout = absl::Seconds(2);
  // Postgres statement_timeout for every statement. Default 10 s.
  absl::Duration statement_timeout = absl::Seconds(10);
  // Postgres lock_timeout (waits on row and advisory locks). Default 5 s.
  absl::Duration lock_timeout = absl::Seconds(5);
  // libpq connect_timeout. Default 2 s.
  absl::Duration connect_timeout = absl::Seconds(2);
  // Shown in pg_stat_activity.
  std::string application_name = "relief";
};

// Thread-safe. Connections are opened lazily, so a pool can be created while
// Postgres is down; a connection that broke (server restart) is discarded
// and the next Acquire opens a new one.
class Pool {
 public:
  // RAII handle on one connection; returns it to the pool when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& conn() { return *conn_; }
    // The connection must not be reused (an error left it in doubt).
    void MarkBroken() { broken_ = true; }

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<pqxx::connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Pool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
    bool broken_ = false;
  };

  explicit Pool(PoolOptions options);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A connection, or UNAVAILABLE when none is free within acquire_timeout or
  // Postgres cannot be reached.
  absl::StatusOr<Lease> Acquire();

  // Runs "SELECT 1" on a pooled connection: OK or UNAVAILABLE.
  absl::Status Ping();

  const PoolOptions& options() const { return options_; }

 private:
  void Release(std::unique_ptr<pqxx::connection> conn, bool broken);
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect();

  const PoolOptions options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + leased + being opened
};

// Maps a libpqxx (or std) exception to a Status, following STYLE.md:
// in-doubt commit -> UNKNOWN; serialization failure / deadlock -> ABORTED;
// broken connection, too many connections, server shutdown -> UNAVAILABLE;
// statement or lock timeout -> DEADLINE_EXCEEDED; unique violation ->
// ALREADY_EXISTS; anything else INTERNAL (details in the message; the gRPC
// layer keeps INTERNAL details out of replies).
absl::Status StatusFromException(const std::exception& e);

// True when `status` says the connection it came from cannot be trusted.
bool IsConnectionError(const absl::Status& status);

}  // namespace relief::pg

#endif  // RELIEF_COMMON_PG_POOL_H_
