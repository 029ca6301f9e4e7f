-- Grants: the household's signed consent statements (JWS), with the parsed
-- terms alongside so access decisions need not re-verify signatures. The
-- JWS is the authority; the columns are derived from it on upload.
CREATE TABLE grants (
    id             TEXT PRIMARY KEY,
    household_id   TEXT NOT NULL REFERENCES households (id),
    issuer         TEXT NOT NULL REFERENCES principals (id),
    grantee        TEXT NOT NULL REFERENCES principals (id),
    scope          TEXT NOT NULL,         -- comma-separated selectors
    actions        TEXT NOT NULL,         -- comma-separated: read, write
    purpose        TEXT NOT NULL,
    valid_from_ms  INTEGER NOT NULL,
    valid_until_ms INTEGER NOT NULL,
    created_ms     INTEGER NOT NULL,
    jws            TEXT NOT NULL,
    revoked_ms     INTEGER,
    revocation_jws TEXT
);
CREATE INDEX grants_by_household ON grants (household_id);
CREATE INDEX grants_by_grantee ON grants (grantee);
