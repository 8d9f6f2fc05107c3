-- The fuzzy duplicate pass and the review queue (DESIGN.md §4, [3/8]).

-- A person decided to be another one: MERGED, pointing at the record it was
-- merged into (chains resolve to the final survivor).
ALTER TABLE persons ADD COLUMN merged_into uuid REFERENCES persons (person_id);

-- Blocking keys (duplicates.h BlockKeys): where the pass looks for
-- candidates. Rewritten when a record is corrected.
CREATE TABLE person_blocks (
  block      text NOT NULL,
  person_id  uuid NOT NULL REFERENCES persons (person_id),
  PRIMARY KEY (block, person_id)
);
CREATE INDEX person_blocks_person ON person_blocks (person_id);

-- How many people carry each name token, for token weights. Each token is
-- spread over 8 shards so that concurrent registrations of Nguyễn do not
-- queue on one row; token '' counts people.
CREATE TABLE name_token_counts (
  token   text     NOT NULL,
  shard   smallint NOT NULL,
  people  bigint   NOT NULL,
  PRIMARY KEY (token, shard)
);

ALTER TABLE reviews DROP CONSTRAINT reviews_kind_check;
ALTER TABLE reviews ADD CONSTRAINT reviews_kind_check
  CHECK (kind IN ('DOCUMENT_CONFLICT', 'POSSIBLE_DUPLICATE'));
-- Score (bits) of each candidate, in candidate_ids order (fuzzy reviews).
ALTER TABLE reviews ADD COLUMN scores double precision[] NOT NULL DEFAULT '{}';
-- SAME, DISTINCT, or MOOT (a merge made the item about one person).
ALTER TABLE reviews ADD COLUMN decision text
  CHECK (decision IN ('SAME', 'DISTINCT', 'MOOT'));
ALTER TABLE reviews ADD COLUMN same_as uuid;
ALTER TABLE reviews ADD COLUMN decided_at timestamptz;
ALTER TABLE reviews ADD COLUMN decided_by text;
ALTER TABLE reviews ADD COLUMN decision_reason text;
ALTER TABLE reviews ADD COLUMN decision_request_id text;
CREATE INDEX reviews_open_person ON reviews (person_id) WHERE state = 'OPEN';

-- Pairs decided DISTINCT (or unmerged): never flagged again. a < b.
CREATE TABLE distinct_pairs (
  a           uuid        NOT NULL REFERENCES persons (person_id),
  b           uuid        NOT NULL REFERENCES persons (person_id),
  decided_at  timestamptz NOT NULL,
  decided_by  text        NOT NULL,
  review_id   uuid,
  PRIMARY KEY (a, b),
  CHECK (a < b)
);

-- Provenance of every SAME decision, so that Unmerge can put back exactly
-- what moved.
CREATE TABLE merges (
  merge_id          uuid        PRIMARY KEY,
  merged_id         uuid        NOT NULL REFERENCES persons (person_id),
  survivor_id       uuid        NOT NULL REFERENCES persons (person_id),
  review_id         uuid,
  state_before      smallint    NOT NULL,
  -- documents moved: "<doc_type>|<number>"
  moved_documents   text[]      NOT NULL,
  -- relatives moved: ordinal at the merged record, ordinal at the survivor
  relatives_from    smallint[]  NOT NULL,
  relatives_to      smallint[]  NOT NULL,
  moved_history     bigint[]    NOT NULL,
  at                timestamptz NOT NULL,
  actor             text        NOT NULL,
  reason            text        NOT NULL,
  request_id        text        NOT NULL,
  undone_at         timestamptz,
  undone_by         text,
  undo_reason       text
);
CREATE INDEX merges_merged ON merges (merged_id, at);

-- Open review items a merge re-pointed, as they were before.
CREATE TABLE merge_moved_reviews (
  merge_id       uuid   NOT NULL REFERENCES merges (merge_id),
  review_id      uuid   NOT NULL REFERENCES reviews (review_id),
  person_id      uuid   NOT NULL,
  candidate_ids  uuid[] NOT NULL,
  scores         double precision[] NOT NULL,
  PRIMARY KEY (merge_id, review_id)
);
CREATE INDEX distinct_pairs_b ON distinct_pairs (b);

-- Every correction (Update): who, when, why, which fields, and the record as
-- it was before (registry.v1.Person, serialized).
CREATE TABLE person_corrections (
  id          bigserial   PRIMARY KEY,
  person_id   uuid        NOT NULL REFERENCES persons (person_id),
  fields      text[]      NOT NULL,
  before      bytea       NOT NULL,
  at          timestamptz NOT NULL,
  actor       text        NOT NULL,
  reason      text        NOT NULL,
  request_id  text        NOT NULL
);
CREATE INDEX person_corrections_person ON person_corrections (person_id, id);
