-- Re-keys are written as new rows (api/rekey.rs): the new key generation's
-- ciphertext and envelopes are inserted beside the old generation's, and
-- the old one is deleted only once the new one is complete, in the same
-- transaction. So a key generation is part of a version's key, and an
-- envelope names the generation it opens. Outside a re-key's transaction
-- each version has exactly one generation.
--
-- SQLite cannot change a primary key in place: both tables are rebuilt
-- (child first out, parent first in; renaming the new parent rewrites the
-- new child's foreign key to it). `key_gen` goes last in `envelopes`, as
-- PostgreSQL adds it.
CREATE TABLE field_versions_new (
    household_id   TEXT NOT NULL REFERENCES households (id),
    path           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    key_gen        INTEGER NOT NULL,
    ciphertext     BLOB NOT NULL,
    size_bucket    INTEGER NOT NULL,
    author_id      TEXT NOT NULL,
    author_role    TEXT NOT NULL,
    private_author TEXT,
    created_ms     INTEGER NOT NULL,
    statement      TEXT,
    signature      BLOB,
    writer_grant   TEXT,
    PRIMARY KEY (household_id, path, version, key_gen)
);
INSERT INTO field_versions_new (household_id, path, version, key_gen, ciphertext, size_bucket,
    author_id, author_role, private_author, created_ms, statement, signature, writer_grant)
SELECT household_id, path, version, key_gen, ciphertext, size_bucket,
    author_id, author_role, private_author, created_ms, statement, signature, writer_grant
FROM field_versions;

CREATE TABLE envelopes_new (
    household_id TEXT NOT NULL,
    path         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    reader       TEXT NOT NULL,           -- 'household' or a principal id
    envelope     BLOB NOT NULL,
    key_gen      INTEGER NOT NULL,        -- the key generation it opens
    PRIMARY KEY (household_id, path, version, key_gen, reader),
    FOREIGN KEY (household_id, path, version, key_gen)
        REFERENCES field_versions_new (household_id, path, version, key_gen)
);
INSERT INTO envelopes_new (household_id, path, version, reader, envelope, key_gen)
SELECT e.household_id, e.path, e.version, e.reader, e.envelope, f.key_gen
FROM envelopes e JOIN field_versions f
  ON f.household_id = e.household_id AND f.path = e.path AND f.version = e.version;

DROP TABLE envelopes;
DROP TABLE field_versions;
ALTER TABLE field_versions_new RENAME TO field_versions;
ALTER TABLE envelopes_new RENAME TO envelopes;

-- Fields whose key someone lost the right to (a withdrawn grant's
-- grantee), set in the revocation's transaction and cleared only by the
-- commit of that field's re-key: `GET …/stale` reports them until then, so
-- a re-key that stopped halfway is found again by `kluis household sync`.
CREATE TABLE needs_rekey (
    household_id TEXT NOT NULL REFERENCES households (id),
    path         TEXT NOT NULL,
    marked_ms    INTEGER NOT NULL,
    PRIMARY KEY (household_id, path)
);
