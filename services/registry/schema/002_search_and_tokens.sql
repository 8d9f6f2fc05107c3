-- Searches by name (prefix of the matching key) and phone, paged by key.
CREATE INDEX persons_name_key ON persons (name_key text_pattern_ops, person_id);
CREATE INDEX persons_phone ON persons (phone, person_id) WHERE phone IS NOT NULL;

-- Tokens issued by the Tokens service (no token text is stored: only what
-- identifies and limits it).
CREATE TABLE issued_tokens (
  jti         text        PRIMARY KEY,
  subject     text        NOT NULL,
  role        text        NOT NULL,
  scope       text        NOT NULL,
  kid         text        NOT NULL,
  issued_at   timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  issued_by   text        NOT NULL,
  request_id  text        NOT NULL
);

CREATE TABLE revocations (
  jti         text        PRIMARY KEY REFERENCES issued_tokens (jti),
  revoked_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  reason      text        NOT NULL,
  revoked_by  text        NOT NULL,
  request_id  text        NOT NULL
);
