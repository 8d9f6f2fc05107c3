-- Every state change of a person: who, when, why (DESIGN.md §1, [3/8]).
CREATE TABLE person_history (
  id          bigserial   PRIMARY KEY,
  person_id   uuid        NOT NULL REFERENCES persons (person_id),
  from_state  smallint    NOT NULL,
  to_state    smallint    NOT NULL,
  at          timestamptz NOT NULL,
  actor       text        NOT NULL,
  reason      text        NOT NULL,
  case_id     text,
  request_id  text        NOT NULL
);
CREATE INDEX person_history_person ON person_history (person_id, id);
CREATE INDEX reviews_open_candidates ON reviews USING gin (candidate_ids)
  WHERE state = 'OPEN';
