-- Idempotency records (DESIGN.md §3), one table per service schema: written
-- in the transaction of the effect, keyed by (method, principal, request_id),
-- holding the SHA-256 of the request without its request_id and the answer.
-- Kept for the programme's life.
CREATE TABLE idempotency (
  method        text        NOT NULL,
  principal     text        NOT NULL,
  request_id    text        NOT NULL,
  request_hash  bytea       NOT NULL,
  state         text        NOT NULL CHECK (state IN ('IN_PROGRESS', 'DONE')),
  response      bytea,
  created_at    timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz,
  PRIMARY KEY (method, principal, request_id),
  CHECK ((state = 'DONE') = (response IS NOT NULL))
);
