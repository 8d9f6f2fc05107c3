-- The registry's people, their identity documents and relatives, and review
-- items. Applied with search_path = registry.

CREATE TABLE persons (
  person_id             uuid        PRIMARY KEY,
  full_name             text        NOT NULL,   -- NFC, as written
  name_key              text        NOT NULL,   -- matching key (DESIGN.md §4.8)
  birth_year            smallint    NOT NULL CHECK (birth_year >= 1900),
  birth_month           smallint    NOT NULL DEFAULT 0 CHECK (birth_month BETWEEN 0 AND 12),
  birth_day             smallint    NOT NULL DEFAULT 0 CHECK (birth_day BETWEEN 0 AND 31),
  sex                   smallint    NOT NULL,
  phone                 text,                   -- +84 E.164
  home_commune_code     text        NOT NULL,
  home_district_code    text        NOT NULL,
  home_province_code    text        NOT NULL,
  host_province_code    text        NOT NULL,
  host_district_code    text,
  street                text,
  need_kind             smallint    NOT NULL,
  need_note             text,
  source                smallint    NOT NULL,
  partner_id            text,
  partner_external_ref  text,
  state                 smallint    NOT NULL,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL,
  created_by            text        NOT NULL,   -- principal subject
  request_id            text        NOT NULL,
  CHECK ((partner_id IS NULL) = (partner_external_ref IS NULL))
);
CREATE UNIQUE INDEX persons_partner_ref ON persons (partner_id, partner_external_ref)
  WHERE partner_id IS NOT NULL;
CREATE INDEX persons_home_commune ON persons (home_commune_code, person_id);
CREATE INDEX persons_host_province ON persons (host_province_code, person_id);

-- Every document a registration presented. doc_key is the hard key (NULL for
-- types that are never keys). A linked key belongs to exactly one person:
-- the partial unique index is the truth Redis only caches.
CREATE TABLE documents (
  person_id   uuid        NOT NULL REFERENCES persons (person_id),
  doc_type    smallint    NOT NULL,
  number      text        NOT NULL,   -- normalised
  doc_key     text,
  linked      boolean     NOT NULL,
  created_at  timestamptz NOT NULL,
  request_id  text        NOT NULL,
  PRIMARY KEY (person_id, doc_type, number)
);
CREATE UNIQUE INDEX documents_linked_key ON documents (doc_key)
  WHERE linked AND doc_key IS NOT NULL;

CREATE TABLE relatives (
  person_id     uuid     NOT NULL REFERENCES persons (person_id),
  ordinal       smallint NOT NULL,
  name          text     NOT NULL,
  relationship  text     NOT NULL,
  phone         text,
  PRIMARY KEY (person_id, ordinal)
);

-- Items a commune officer must decide ([3/8] shows the queue). A
-- DOCUMENT_CONFLICT opens when a registration's documents match two or more
-- different people: the record is stored with its documents held back.
CREATE TABLE reviews (
  review_id      uuid        PRIMARY KEY,
  kind           text        NOT NULL CHECK (kind IN ('DOCUMENT_CONFLICT')),
  state          text        NOT NULL CHECK (state IN ('OPEN', 'DECIDED')),
  person_id      uuid        NOT NULL REFERENCES persons (person_id),
  candidate_ids  uuid[]      NOT NULL,
  doc_keys       text[]      NOT NULL,
  home_commune_code text     NOT NULL,
  created_at     timestamptz NOT NULL,
  created_by     text        NOT NULL,
  request_id     text        NOT NULL
);
CREATE INDEX reviews_open_by_commune ON reviews (home_commune_code, created_at)
  WHERE state = 'OPEN';
