-- Recovery blobs (api/recovery.rs): each person's keystore secrets wrapped
-- with a key derived from their recovery code, which the server never sees.
-- The lookup id is derived from the code too (HKDF, another label): the
-- server finds a blob by it and cannot derive the wrapping key from it. One
-- blob per person; a new code replaces the old one.
CREATE TABLE recovery_blobs (
    principal_id TEXT PRIMARY KEY REFERENCES principals (id),
    lookup_id    TEXT NOT NULL UNIQUE,
    blob         TEXT NOT NULL,
    updated_ms   BIGINT NOT NULL
);
