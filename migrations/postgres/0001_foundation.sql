-- Principals, invites and login sessions. Times are UTC unix milliseconds.
CREATE TABLE principals (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('client', 'professional', 'auditor', 'admin')),
    org           TEXT,
    signing_key   BYTEA NOT NULL UNIQUE,
    age_recipient TEXT NOT NULL,
    invited_by    TEXT,
    created_ms    BIGINT NOT NULL
);

-- Invite codes are stored as SHA-256 hashes: a copy of the database does not
-- let anyone enrol.
CREATE TABLE invites (
    code_hash  BYTEA PRIMARY KEY,
    role       TEXT NOT NULL,
    name       TEXT NOT NULL,
    org        TEXT,
    created_by TEXT,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    used_ms    BIGINT,
    used_by    TEXT
);

CREATE TABLE challenges (
    id           BYTEA PRIMARY KEY,
    principal_id TEXT NOT NULL REFERENCES principals (id),
    nonce        BYTEA NOT NULL,
    expires_ms   BIGINT NOT NULL
);

-- Bearer tokens, stored hashed.
CREATE TABLE tokens (
    hash         BYTEA PRIMARY KEY,
    principal_id TEXT NOT NULL REFERENCES principals (id),
    expires_ms   BIGINT NOT NULL
);
CREATE INDEX tokens_expiry ON tokens (expires_ms);
