#include "common/units/pg_units.h"

#include "common/base/config.h"
#include "pqxx/pqxx"

std::vector<relief::pg::Migration> UnitsMigrations();

namespace relief::units {

pg::MigrationSet UnitsMigrationSet() {
  return pg::MigrationSet{"ref", "units", UnitsMigrations()};
}

absl::StatusOr<UnitCatalog> LoadUnitCatalog(pg::Pool& pool,
                                            absl::CivilDay as_of) {
  absl::StatusOr<pg::Pool::Lease> lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  std::vector<Unit> units;
  try {
    pqxx::read_transaction tx(lease->conn());
    pqxx::result rows = tx.exec(
        "SELECT code, valid_from::text, valid_to::text, level, name, "
        "name_with_type, coalesce(parent_code, '') FROM ref.admin_units");
    units.reserve(rows.size());
    for (const auto& row : rows) {
      Unit u;
      u.code = row[0].c_str();
      absl::StatusOr<absl::CivilDay> from = ParseIsoDay(row[1].c_str());
      if (!from.ok()) return from.status();
      u.valid_from = *from;
      if (!row[2].is_null()) {
        absl::StatusOr<absl::CivilDay> to = ParseIsoDay(row[2].c_str());
        if (!to.ok()) return to.status();
        u.valid_to = *to;
      }
      const std::string_view level = row[3].c_str();
      u.level = level == "province"   ? Level::kProvince
                : level == "district" ? Level::kDistrict
                                      : Level::kCommune;
      u.name = row[4].c_str();
      u.name_with_type = row[5].c_str();
      u.parent_code = row[6].c_str();
      units.push_back(std::move(u));
    }
  } catch (const std::exception& e) {
    lease->MarkBroken();
    return pg::StatusFromException(e);
  }
  return UnitCatalog::Create(std::move(units), as_of);
}

}  // namespace relief::units
