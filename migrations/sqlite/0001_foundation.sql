-- Principals, invites and login sessions. Times are UTC unix milliseconds.
CREATE TABLE principals (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('client', 'professional', 'auditor', 'admin')),
    org           TEXT,
    signing_key   BLOB NOT NULL UNIQUE,
    age_recipient TEXT NOT NULL,
    invited_by    TEXT,
    created_ms    INTEGER NOT NULL
);

-- Invite codes are stored as SHA-256 hashes: a copy of the database does not
-- let anyone enrol.
CREATE TABLE invites (
    code_hash  BLOB PRIMARY KEY,
    role       TEXT NOT NULL,
    name       TEXT NOT NULL,
    org        TEXT,
    created_by TEXT,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    used_ms    INTEGER,
    used_by    TEXT
);

CREATE TABLE challenges (
    id           BLOB PRIMARY KEY,
    principal_id TEXT NOT NULL REFERENCES principals (id),
    nonce        BLOB NOT NULL,
    expires_ms   INTEGER NOT NULL
);

-- Bearer tokens, stored hashed.
CREATE TABLE tokens (
    hash         BLOB PRIMARY KEY,
    principal_id TEXT NOT NULL REFERENCES principals (id),
    expires_ms   INTEGER NOT NULL
);
CREATE INDEX tokens_expiry ON tokens (expires_ms);
