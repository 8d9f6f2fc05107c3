// Vietnam's administrative units (GSO codes) as of one reference date.
//
// A Unit is one version of a province, district or commune: GSO codes are
// strings with leading zeros ("26", "252", "09157") that are not prefixes of
// one another (commune 08707 lies in district 243 of province 26), and a code
// may later be reused for another unit (the 2025 reform), so versions are
// keyed by (code, valid_from). A UnitCatalog keeps the versions valid on one
// day and answers "which unit is this code", "which province/district is it
// in" and "is it inside that scope" by following parent links.
//
// The catalog does no I/O. Its units come from ref.admin_units (see
// schema/001_admin_units.sql) or, for tests and tools, from the shipped
// migration parsed with ParseUnitsSql().

#ifndef RELIEF_COMMON_UNITS_UNIT_CATALOG_H_
#define RELIEF_COMMON_UNITS_UNIT_CATALOG_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace relief::units {

enum class Level { kProvince, kDistrict, kCommune };

// "province", "district" or "commune": the spelling of ref.admin_units.level.
absl::string_view LevelName(Level level);

// One version of an administrative unit (one row of ref.admin_units).
struct Unit {
  std::string code;        // GSO code, leading zeros kept.
  absl::CivilDay valid_from;
  std::optional<absl::CivilDay> valid_to;  // Exclusive; nullopt = open.
  Level level = Level::kCommune;
  std::string name;            // NFC, e.g. "Vĩnh Tường".
  std::string name_with_type;  // NFC, e.g. "Huyện Vĩnh Tường".
  std::string parent_code;     // Empty for a province.

  // True when valid_from <= day < valid_to.
  bool ValidOn(absl::CivilDay day) const {
    return valid_from <= day && (!valid_to.has_value() || day < *valid_to);
  }
};

// The units valid on one day, linked to their parents.
//
// Immutable after Create(). Thread-safe: all methods are const and may be
// called concurrently without synchronisation. Copies are cheap and share the
// same immutable data. Pointers returned by the lookups stay valid while the
// catalog or any copy of it is alive. A moved-from catalog may only be
// assigned to or destroyed.
class UnitCatalog {
 public:
  // Builds the catalog of `units` valid on `as_of` (valid_from <= as_of <
  // valid_to); versions not valid on that day are dropped.
  //
  // Returns INVALID_ARGUMENT, naming the code, when among the kept units:
  //   - a code is empty, or two versions of one code are valid on `as_of`;
  //   - a unit has valid_to <= valid_from (checked on every input unit);
  //   - a province has a parent, or a district or commune has none;
  //   - a parent is missing on `as_of`, or its level is not above the child's
  //     (a district's parent must be a province; a commune's a district or,
  //     after the 2025 reform, a province).
  static absl::StatusOr<UnitCatalog> Create(std::vector<Unit> units,
                                            absl::CivilDay as_of);

  UnitCatalog(const UnitCatalog&) = default;
  UnitCatalog& operator=(const UnitCatalog&) = default;
  UnitCatalog(UnitCatalog&&) = default;
  UnitCatalog& operator=(UnitCatalog&&) = default;
  ~UnitCatalog();

  // The unit with `code` on as_of(), or nullptr if there is none.
  const Unit* Find(absl::string_view code) const;

  // The province containing the unit `code` (the unit itself for a
  // province), or nullptr if `code` is unknown.
  const Unit* Province(absl::string_view code) const;

  // The district containing the unit `code` (the unit itself for a
  // district), or nullptr if `code` is unknown, is a province, or is a
  // commune directly under a province.
  const Unit* District(absl::string_view code) const;

  // True when `code` is `ancestor` or lies below it through parent links.
  // Codes are compared whole, never as prefixes. False if either is unknown.
  bool Contains(absl::string_view ancestor, absl::string_view code) const;

  // The units whose parent is `code`, ordered by level, then code; empty if
  // `code` is unknown or a commune.
  std::vector<const Unit*> Children(absl::string_view code) const;

  // Every unit in the catalog, ordered by level (provinces first), then code.
  std::vector<const Unit*> All() const;

  // Number of units in the catalog.
  size_t size() const;

  // The day the catalog was resolved for.
  absl::CivilDay as_of() const;

 private:
  struct Data;

  explicit UnitCatalog(std::shared_ptr<const Data> data);

  std::shared_ptr<const Data> data_;
};

// Parses the rows of `INSERT INTO ref.admin_units (columns) VALUES (...),
// (...);` statements, as written by tools/gen_admin_units.py into
// schema/002_admin_units_data.sql, in file order. Other statements and
// `--` / `/* */` comments are skipped. Columns may come in any order; code,
// valid_from, level, name and name_with_type are required, valid_to and
// parent_code optional (NULL when absent). Values must be string literals
// ('' escapes a quote) or NULL; dates are 'YYYY-MM-DD'.
//
// Returns INVALID_ARGUMENT, naming the line, for an unknown or repeated
// column, a tuple of the wrong length, a value that is not a literal or NULL,
// NULL in a required column, a malformed date or level, or an unterminated
// literal, comment or statement. Does not check the rows against each other:
// UnitCatalog::Create() does. Dollar-quoted strings are not supported.
absl::StatusOr<std::vector<Unit>> ParseUnitsSql(absl::string_view sql);

}  // namespace relief::units

#endif  // RELIEF_COMMON_UNITS_UNIT_CATALOG_H_
