-- Outbox events and the audit log (DESIGN.md §2 "Events and the sequencer",
-- §5), one set per service schema. Writers insert rows unnumbered, in the
-- transaction of the change, and never NOTIFY; the service's single elected
-- sequencer (common/events/sequencer.h) numbers committed rows densely,
-- stamps them, chains the audit hashes and signs checkpoints.

-- Events for other services (reporting, caches). `id` is insertion order
-- only: bigserial values are handed out at insert time, not commit time, so
-- readers follow `position`, never `id`.
CREATE TABLE outbox (
  id            bigserial   PRIMARY KEY,
  -- Dense from 1, in the order the sequencer saw rows committed; NULL until
  -- then. Set once, with sequenced_at.
  position      bigint      UNIQUE,
  sequenced_at  timestamptz,
  event_type    text        NOT NULL,
  aggregate_id  text        NOT NULL,
  -- A serialized protobuf named by event_type: ids and codes only, never
  -- personal data.
  payload       bytea       NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((position IS NULL) = (sequenced_at IS NULL))
);
-- The sequencer's work queue: rows not yet numbered.
CREATE INDEX outbox_unsequenced ON outbox (id) WHERE position IS NULL;

-- The audit log. APPEND-ONLY: rows are never updated (apart from the
-- sequencer filling position, sequenced_at, prev_hash and hash once) and
-- never deleted; corrections are new rows. The owning role cannot be denied
-- UPDATE/DELETE on its own table, so the rule is enforced by the hash chain
-- instead: hash = SHA-256 over a canonical length-prefixed encoding of
-- (position, actor, on_behalf_of, role, action, target_id, request_id,
-- recorded_at in UTC microseconds, prev_hash) (common/events/audit_chain.h),
-- and signed checkpoints of the head (audit_checkpoints) catch an edit even
-- when every later hash was recomputed. Ids and codes only, so personal
-- data can be erased elsewhere without breaking the chain.
CREATE TABLE audit (
  id            bigserial   PRIMARY KEY,
  position      bigint      UNIQUE,
  actor         text        NOT NULL,
  on_behalf_of  text        NOT NULL DEFAULT '',
  role          text        NOT NULL,
  action        text        NOT NULL,
  target_id     text        NOT NULL,
  request_id    text        NOT NULL,
  -- Set by the writer from its Clock, truncated to microseconds.
  recorded_at   timestamptz NOT NULL,
  sequenced_at  timestamptz,
  prev_hash     bytea,
  hash          bytea,
  CHECK ((position IS NULL) = (hash IS NULL)),
  CHECK ((position IS NULL) = (prev_hash IS NULL)),
  CHECK ((position IS NULL) = (sequenced_at IS NULL))
);
COMMENT ON TABLE audit IS
  'Append-only audit log, hash-chained by the sequencer; never UPDATE or '
  'DELETE (reliefctl audit verify detects edited, deleted, swapped and '
  're-hashed rows).';
CREATE INDEX audit_unsequenced ON audit (id) WHERE position IS NULL;

-- Signed heads of the audit chain: Ed25519 over the canonical encoding of
-- (position, head_hash, signed_at in UTC microseconds, kid).
CREATE TABLE audit_checkpoints (
  position   bigint      PRIMARY KEY,
  head_hash  bytea       NOT NULL,
  signed_at  timestamptz NOT NULL,
  kid        text        NOT NULL,
  signature  bytea       NOT NULL
);

-- The sequencer's own state, one row. Each batch locks it FOR UPDATE, so
-- even two processes that both believe they lead number rows one after the
-- other, never interleaved. The positions and the head hash here always
-- equal the numbered rows' maxima and the last row's hash (both are written
-- in the same transaction). last_stamp only rises: a batch is stamped
-- max(last_stamp, now), and while idle the sequencer advances it (a
-- heartbeat), a promise that no later row gets an earlier stamp.
CREATE TABLE sequencer_state (
  singleton             boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  last_outbox_position  bigint      NOT NULL DEFAULT 0,
  last_audit_position   bigint      NOT NULL DEFAULT 0,
  -- Hash of the audit row at last_audit_position; 32 zero bytes before the
  -- first.
  last_audit_hash       bytea       NOT NULL DEFAULT decode(repeat('00', 32), 'hex'),
  -- NULL until the first batch or heartbeat.
  last_stamp            timestamptz,
  updated_at            timestamptz NOT NULL DEFAULT now()
);
INSERT INTO sequencer_state DEFAULT VALUES;
