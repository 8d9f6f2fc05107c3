#include "common/pg/migrate.h"

#include "absl/strings/str_cat.h"
#include "common/base/hash.h"
#include "pqxx/pqxx"
#include "pqxx/nontransaction"
#include "pqxx/transaction"
#include "spdlog/spdlog.h"

namespace relief::pg {
namespace {

absl::Status ApplySchema(pqxx::connection& conn, const std::string& schema,
                         const std::vector<const MigrationSet*>& sets) {
  const std::string q_schema = conn.quote_name(schema);
  {
    pqxx::work tx(conn);
    // Provisioning may have created the schema for a role without CREATE on
    // the database: create it only when missing.
    if (tx.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", schema)
            .empty()) {
      tx.exec(absl::StrCat("CREATE SCHEMA ", q_schema));
    }
    tx.exec(absl::StrCat("CREATE TABLE IF NOT EXISTS ", q_schema,
                         ".schema_migrations ("
                         " component text NOT NULL,"
                         " version int NOT NULL,"
                         " name text NOT NULL,"
                         " sha256 text NOT NULL,"
                         " applied_at timestamptz NOT NULL DEFAULT now(),"
                         " PRIMARY KEY (component, version))"));
    tx.commit();
  }
  for (const MigrationSet* set : sets) {
    pqxx::nontransaction read(conn);
    pqxx::result applied = read.exec_params(
        absl::StrCat("SELECT version, name, sha256 FROM ", q_schema,
                     ".schema_migrations WHERE component = $1 ORDER BY version"),
        set->component);
    read.commit();
    size_t i = 0;
    for (const auto& row : applied) {
      const int version = row[0].as<int>();
      if (i >= set->migrations.size() ||
          set->migrations[i].version != version) {
        return absl::FailedPreconditionError(absl::StrCat(
            "schema ", schema, " has ", set->component, " migration ",
            version, " (", row[1].c_str(),
            ") that this binary does not know: is a newer version running?"));
      }
      if (ToHex(Sha256(set->migrations[i].sql)) != row[2].c_str()) {
        return absl::FailedPreconditionError(
            absl::StrCat("migration ", set->component, "/",
                         set->migrations[i].name,
                         " changed after it was applied"));
      }
      ++i;
    }
    for (; i < set->migrations.size(); ++i) {
      const Migration& m = set->migrations[i];
      pqxx::work tx(conn);
      tx.exec(absl::StrCat("SET LOCAL search_path TO ", q_schema));
      try {
        tx.exec(m.sql);
      } catch (const pqxx::sql_error& e) {
        return absl::InternalError(absl::StrCat(
            "migration ", set->component, "/", m.name, " failed: ", e.what()));
      }
      tx.exec_params(absl::StrCat("INSERT INTO ", q_schema,
                                  ".schema_migrations (component, version, "
                                  "name, sha256) VALUES ($1, $2, $3, $4)"),
                     set->component, m.version, m.name, ToHex(Sha256(m.sql)));
      tx.commit();
      spdlog::info("event=migration_applied schema={} component={} file={}",
                   schema, set->component, m.name);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyMigrations(Pool& pool,
                             const std::vector<MigrationSet>& sets) {
  absl::StatusOr<Pool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  // Group by schema, keeping the given order.
  std::vector<std::string> schemas;
  for (const MigrationSet& s : sets) {
    if (std::find(schemas.begin(), schemas.end(), s.schema) == schemas.end()) {
      schemas.push_back(s.schema);
    }
  }
  pqxx::connection& conn = lease->conn();
  for (const std::string& schema : schemas) {
    std::vector<const MigrationSet*> of_schema;
    for (const MigrationSet& s : sets) {
      if (s.schema == schema) of_schema.push_back(&s);
    }
    const std::string lock_key = absl::StrCat("relief.migrate.", schema);
    absl::Status status;
    bool locked = false;
    try {
      // A session-level lock: it spans the transactions of every file.
      auto exec = [&](const char* sql) {
        pqxx::nontransaction tx(conn);
        tx.exec_params(sql, lock_key);
        tx.commit();
      };
      exec("SELECT pg_advisory_lock(hashtextextended($1, 0))");
      locked = true;
      status = ApplySchema(conn, schema, of_schema);
      if (status.ok()) {
        exec("SELECT pg_advisory_unlock(hashtextextended($1, 0))");
      }
    } catch (const std::exception& e) {
      status = StatusFromException(e);
    }
    if (!status.ok()) {
      // A session-level lock would outlive the failure on a pooled
      // connection: drop the connection instead of unlocking by hand.
      if (locked) lease->MarkBroken();
      return status;
    }
  }
  return absl::OkStatus();
}

std::string MigrationsFingerprint(const std::vector<MigrationSet>& sets) {
  std::string all;
  for (const MigrationSet& s : sets) {
    for (const Migration& m : s.migrations) {
      absl::StrAppend(&all, s.schema, "/", s.component, "/", m.name, "=",
                      ToHex(Sha256(m.sql)), "\n");
    }
  }
  return ToHex(Sha256(all));
}

}  // namespace relief::pg
