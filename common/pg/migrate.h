// Migration runner: numbered SQL files per component, applied at start under
// an advisory lock and recorded in <schema>.schema_migrations.
#ifndef RELIEF_COMMON_PG_MIGRATE_H_
#define RELIEF_COMMON_PG_MIGRATE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/pg/pool.h"

namespace relief::pg {

struct Migration {
  int version;       // from the file name: 001_init.sql -> 1
  std::string name;  // the file name
  std::string sql;   // the file's text
};

// The migrations one component keeps in one schema. Several components may
// share a schema (e.g. "common" tables and "registry" tables in "registry").
struct MigrationSet {
  std::string schema;
  std::string component;
  std::vector<Migration> migrations;  // ascending versions, starting at 1
};

// Applies every pending migration of `sets`, in order. Each migration runs
// in its own transaction with search_path set to its schema (so files use
// unqualified names) and is recorded in <schema>.schema_migrations with its
// SHA-256. Holds pg_advisory_lock on the schema while it works, so replicas
// starting together apply each migration once.
// Returns UNAVAILABLE when Postgres cannot be reached; FAILED_PRECONDITION
// when the database holds a version this binary does not know or an applied
// file has changed; INTERNAL when a migration's SQL fails (nothing of that
// migration is applied).
absl::Status ApplyMigrations(Pool& pool, const std::vector<MigrationSet>& sets);

// A fingerprint of `sets` (names and SHA-256 of every file), to tell whether
// a database was built from exactly these migrations.
std::string MigrationsFingerprint(const std::vector<MigrationSet>& sets);

}  // namespace relief::pg

#endif  // RELIEF_COMMON_PG_MIGRATE_H_
