-- Re-keys are written as new rows (api/rekey.rs): the new key generation's
-- ciphertext and envelopes are inserted beside the old generation's, and
-- the old one is deleted only once the new one is complete, in the same
-- transaction. So a key generation is part of a version's key, and an
-- envelope names the generation it opens. Outside a re-key's transaction
-- each version has exactly one generation.
ALTER TABLE envelopes DROP CONSTRAINT envelopes_household_id_path_version_fkey;
ALTER TABLE envelopes ADD COLUMN key_gen BIGINT;              -- the key generation it opens
UPDATE envelopes e SET key_gen = f.key_gen FROM field_versions f
 WHERE f.household_id = e.household_id AND f.path = e.path AND f.version = e.version;
ALTER TABLE envelopes ALTER COLUMN key_gen SET NOT NULL;
ALTER TABLE envelopes DROP CONSTRAINT envelopes_pkey;
ALTER TABLE envelopes ADD PRIMARY KEY (household_id, path, version, key_gen, reader);
ALTER TABLE field_versions DROP CONSTRAINT field_versions_pkey;
ALTER TABLE field_versions ADD PRIMARY KEY (household_id, path, version, key_gen);
ALTER TABLE envelopes ADD FOREIGN KEY (household_id, path, version, key_gen)
    REFERENCES field_versions (household_id, path, version, key_gen);

-- Fields whose key someone lost the right to (a withdrawn grant's
-- grantee), set in the revocation's transaction and cleared only by the
-- commit of that field's re-key: `GET …/stale` reports them until then, so
-- a re-key that stopped halfway is found again by `kluis household sync`.
CREATE TABLE needs_rekey (
    household_id TEXT NOT NULL REFERENCES households (id),
    path         TEXT NOT NULL,
    marked_ms    BIGINT NOT NULL,
    PRIMARY KEY (household_id, path)
);
