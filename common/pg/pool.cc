#include "common/pg/pool.h"

#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"
#include "pqxx/except"
#include "pqxx/nontransaction"
#include "spdlog/spdlog.h"

namespace relief::pg {

Pool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      conn_(std::move(other.conn_)),
      broken_(other.broken_) {
  other.pool_ = nullptr;
}

Pool::Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) {
    pool_->Release(std::move(conn_), broken_);
  }
}

Pool::Pool(PoolOptions options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Pool::Connect() {
  try {
    std::string conninfo = options_.conninfo;
    // Options apply to every session of this pool.
    const bool is_url = conninfo.find("://") != std::string::npos;
    const std::string connect_timeout = absl::StrCat(
        std::max<int64_t>(1, absl::ToInt64Seconds(options_.connect_timeout)));
    if (is_url) {
      absl::StrAppend(&conninfo,
                      conninfo.find('?') == std::string::npos ? "?" : "&",
                      "connect_timeout=", connect_timeout,
                      "&application_name=", options_.application_name);
    } else {
      absl::StrAppend(&conninfo, " connect_timeout=", connect_timeout,
                      " application_name=", options_.application_name);
    }
    auto conn = std::make_unique<pqxx::connection>(conninfo);
    pqxx::nontransaction setup(*conn);
    setup.exec(absl::StrCat(
        "SET statement_timeout = ",
        absl::ToInt64Milliseconds(options_.statement_timeout),
        "; SET lock_timeout = ",
        absl::ToInt64Milliseconds(options_.lock_timeout),
        "; SET idle_in_transaction_session_timeout = 60000",
        // Short OLTP statements: compiling one the planner thinks is large
        // (a recursive merge-chain lookup at 1M people) took 15-30 ms to
        // save well under 1 ms (services/registry/bench).
        "; SET jit = off",
        "; SET TIME ZONE 'UTC'"));
    setup.commit();
    return conn;
  } catch (const std::exception& e) {
    absl::Status s = StatusFromException(e);
    return absl::UnavailableError(
        absl::StrCat("postgres unreachable: ", s.message()));
  }
}

absl::StatusOr<Pool::Lease> Pool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.size;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&available),
                              options_.acquire_timeout)) {
      return absl::UnavailableError(
          "postgres pool exhausted: no connection free in time");
    }
    if (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // reserve a slot, connect outside the lock
  }
  absl::StatusOr<std::unique_ptr<pqxx::connection>> conn = Connect();
  if (!conn.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    return conn.status();
  }
  return Lease(this, *std::move(conn));
}

void Pool::Release(std::unique_ptr<pqxx::connection> conn, bool broken) {
  const bool reusable = !broken && conn->is_open();
  if (!reusable) conn.reset();  // close outside the lock
  absl::MutexLock lock(&mu_);
  if (reusable) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
}

absl::Status Pool::Ping() {
  absl::StatusOr<Lease> lease = Acquire();
  if (!lease.ok()) return lease.status();
  try {
    pqxx::nontransaction tx(lease->conn());
    tx.exec("SELECT 1");
    return absl::OkStatus();
  } catch (const std::exception& e) {
    lease->MarkBroken();
    absl::Status s = StatusFromException(e);
    return absl::UnavailableError(s.message());
  }
}

absl::Status StatusFromException(const std::exception& e) {
  // Order matters: in libpqxx 6.4 transaction_rollback does not derive from
  // sql_error, and too_many_connections derives from broken_connection.
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return absl::UnknownError(
        absl::StrCat("commit outcome unknown: ", e.what()));
  }
  if (dynamic_cast<const pqxx::statement_completion_unknown*>(&e) !=
      nullptr) {
    return absl::UnknownError(
        absl::StrCat("statement outcome unknown: ", e.what()));
  }
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
    return absl::AbortedError(absl::StrCat("transaction aborted: ", e.what()));
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return absl::UnavailableError(
        absl::StrCat("postgres connection lost: ", e.what()));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    if (state == "57014" || state == "55P03") {  // query canceled, lock wait
      return absl::DeadlineExceededError(
          absl::StrCat("postgres timeout: ", e.what()));
    }
    if (state == "40001" || state == "40P01") {
      return absl::AbortedError(absl::StrCat("transaction aborted: ", e.what()));
    }
    if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" ||
        state == "57P03" || state == "53300") {
      return absl::UnavailableError(
          absl::StrCat("postgres unavailable: ", e.what()));
    }
    if (state == "23505") {
      return absl::AlreadyExistsError(absl::StrCat("duplicate: ", e.what()));
    }
    return absl::InternalError(
        absl::StrCat("postgres error ", state, ": ", e.what()));
  }
  return absl::InternalError(absl::StrCat("postgres client error: ", e.what()));
}

bool IsConnectionError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kUnknown;
}

}  // namespace relief::pg
