-- Administrative units (provinces, districts, communes) with their GSO codes.
-- Shared reference data, read by every service; loaded by 002_admin_units_data.sql.
-- Plain SQL: the migration runner wraps each file in one transaction.

-- The migration runner creates schema ref (or provisioning did).

-- One row per version of a unit. Units are keyed by (code, valid_from), not by
-- code alone: codes are reused for other units over time (the 2025 reform made
-- ward 08707 Tích Sơn of Vĩnh Phúc into Vĩnh Yên ward of Phú Thọ). A row is
-- valid on days valid_from <= d < valid_to (valid_to exclusive, NULL = still
-- valid). Readers resolve units as of one reference date; the parent of a
-- version is the version of parent_code valid on that same date, which is why
-- parent_code is a plain code and not a foreign key. Codes are strings with
-- leading zeros and are NOT prefixes of one another (commune 08707 lies in
-- district 243 of province 26).
CREATE TABLE ref.admin_units (
  code           text NOT NULL CHECK (code <> ''),
  valid_from     date NOT NULL,
  valid_to       date NULL,
  level          text NOT NULL
                 CHECK (level IN ('province', 'district', 'commune')),
  name           text NOT NULL,
  name_with_type text NOT NULL,
  parent_code    text NULL,
  PRIMARY KEY (code, valid_from),
  CONSTRAINT admin_units_validity_check
    CHECK (valid_to IS NULL OR valid_to > valid_from),
  -- Provinces, and only provinces, have no parent.
  CONSTRAINT admin_units_parent_check
    CHECK ((level = 'province') = (parent_code IS NULL))
);

COMMENT ON TABLE ref.admin_units IS
  'Administrative units keyed by (code, valid_from) because the 2025 reform '
  'reuses codes for other units; valid on valid_from <= d < valid_to '
  '(NULL = open). parent_code resolves as of the same date.';
COMMENT ON COLUMN ref.admin_units.code IS
  'GSO code, digits with leading zeros kept (province "26", district "252", commune "09157").';
COMMENT ON COLUMN ref.admin_units.valid_to IS
  'Exclusive end of validity; NULL while the unit is in force.';
COMMENT ON COLUMN ref.admin_units.name IS
  'Name without its type, NFC, as published (e.g. "Vĩnh Tường").';
COMMENT ON COLUMN ref.admin_units.name_with_type IS
  'Name with its type, NFC, as published (e.g. "Huyện Vĩnh Tường").';
COMMENT ON COLUMN ref.admin_units.parent_code IS
  'Code of the enclosing unit, resolved as of the same date; NULL for a province.';

CREATE INDEX admin_units_parent_code_idx ON ref.admin_units (parent_code);
