// The administrative-unit table in Postgres (schema "ref"): its migrations
// and the loader that turns it into a UnitCatalog.
#ifndef RELIEF_COMMON_UNITS_PG_UNITS_H_
#define RELIEF_COMMON_UNITS_PG_UNITS_H_

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/pg/migrate.h"
#include "common/pg/pool.h"
#include "common/units/unit_catalog.h"

namespace relief::units {

// The "units" migration set of schema "ref" (tables and shipped data).
pg::MigrationSet UnitsMigrationSet();

// Reads ref.admin_units and builds the catalog as of `as_of`.
// UNAVAILABLE when Postgres cannot be reached; INVALID_ARGUMENT when the
// table's rows are inconsistent on that day.
absl::StatusOr<UnitCatalog> LoadUnitCatalog(pg::Pool& pool,
                                            absl::CivilDay as_of);

}  // namespace relief::units

#endif  // RELIEF_COMMON_UNITS_PG_UNITS_H_
