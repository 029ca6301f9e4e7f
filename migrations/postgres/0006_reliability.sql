-- One row that /readyz rewrites to check that the database can commit
-- (vault/src/store/readiness.rs).
CREATE TABLE readiness (
    id INTEGER PRIMARY KEY,
    checked_ms BIGINT NOT NULL
);

-- The outcome of each write sent with an Idempotency-Key, stored in the
-- write's own transaction, so a retry with the same key gets the original
-- answer (vault/src/api/idempotency.rs). Scope is the caller's principal id
-- ('-' when not logged in); kept 24 hours.
CREATE TABLE idempotency_keys (
    scope       TEXT NOT NULL,
    idem_key    TEXT NOT NULL,
    fingerprint BYTEA NOT NULL,
    status      INTEGER NOT NULL,
    body        BYTEA NOT NULL,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_ms);
