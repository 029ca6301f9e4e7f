-- Households, members, field versions, envelopes; and the access log.
-- Nothing here is plaintext: the household identity and field keys exist
-- only as age envelopes, field content only as AES-GCM ciphertext.

CREATE TABLE households (
    id         TEXT PRIMARY KEY,
    recipient  TEXT NOT NULL,             -- the household's age X25519 recipient
    created_by TEXT NOT NULL REFERENCES principals (id),
    created_ms INTEGER NOT NULL,
    statement  TEXT NOT NULL,             -- the creator's signed statement
    signature  BLOB NOT NULL
);

CREATE TABLE household_members (
    household_id      TEXT NOT NULL REFERENCES households (id),
    principal_id      TEXT NOT NULL REFERENCES principals (id),
    added_by          TEXT NOT NULL,
    added_ms          INTEGER NOT NULL,
    statement         TEXT NOT NULL,      -- signed by the member who added them
    signature         BLOB NOT NULL,
    identity_envelope BLOB NOT NULL,      -- the household identity, to this member
    PRIMARY KEY (household_id, principal_id)
);
CREATE INDEX household_members_by_principal ON household_members (principal_id);

CREATE TABLE field_versions (
    household_id   TEXT NOT NULL REFERENCES households (id),
    path           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    key_gen        INTEGER NOT NULL,
    ciphertext     BLOB NOT NULL,
    size_bucket    INTEGER NOT NULL,
    author_id      TEXT NOT NULL,
    author_role    TEXT NOT NULL,
    private_author TEXT,                  -- set for a private observation
    created_ms     INTEGER NOT NULL,
    PRIMARY KEY (household_id, path, version)
);

CREATE TABLE envelopes (
    household_id TEXT NOT NULL,
    path         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    reader       TEXT NOT NULL,           -- 'household' or a principal id
    envelope     BLOB NOT NULL,
    PRIMARY KEY (household_id, path, version, reader),
    FOREIGN KEY (household_id, path, version) REFERENCES field_versions (household_id, path, version)
);

-- The log: one row per leaf of the RFC 9162 tree. `leaf` is the exact
-- canonical entry that is hashed; `payload` the sealed identifying details.
CREATE TABLE log_entries (
    seq          INTEGER PRIMARY KEY,
    household_id TEXT,
    time_ms      INTEGER NOT NULL,
    leaf         BLOB NOT NULL,
    payload      BLOB
);
CREATE INDEX log_entries_by_household ON log_entries (household_id, seq);

-- The tree's size and right edge, so an append costs O(log n).
CREATE TABLE log_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    size     INTEGER NOT NULL,
    frontier BLOB NOT NULL
);

-- Per-household keys for the sealed log payloads; deleting one destroys the
-- household's identifying log details while the tree still verifies.
CREATE TABLE household_log_keys (
    household_id TEXT PRIMARY KEY,
    log_key      BLOB NOT NULL
);
