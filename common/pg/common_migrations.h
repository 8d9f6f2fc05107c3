// Migrations every service schema carries (idempotency records, ...), from
// common/pg/schema/, embedded at build time.
#ifndef RELIEF_COMMON_PG_COMMON_MIGRATIONS_H_
#define RELIEF_COMMON_PG_COMMON_MIGRATIONS_H_

#include <string>
#include <vector>

#include "common/pg/migrate.h"

std::vector<relief::pg::Migration> CommonMigrations();

namespace relief::pg {

// The common set for `schema`, to apply before the service's own set.
inline MigrationSet CommonMigrationSet(const std::string& schema) {
  return MigrationSet{schema, "common", CommonMigrations()};
}

}  // namespace relief::pg

#endif  // RELIEF_COMMON_PG_COMMON_MIGRATIONS_H_
