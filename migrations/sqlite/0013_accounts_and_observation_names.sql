-- Accounts an administrator disabled (api/accounts.rs): a disabled person
-- cannot log in, has no sessions, and their unused invites stop working.
-- Enabling clears all three columns.
ALTER TABLE principals ADD COLUMN disabled_ms INTEGER;
ALTER TABLE principals ADD COLUMN disabled_by TEXT;
ALTER TABLE principals ADD COLUMN disabled_reason TEXT;

-- The person an account event (principal.disable, principal.enable,
-- principal.sign-out) is about, kept beside the leaf like household_id, so a
-- household's view finds the events about its members. Not hashed: auditors
-- check it against the leaf (Entry::subject), like the other side columns.
ALTER TABLE log_entries ADD COLUMN subject_id TEXT;
CREATE INDEX log_entries_by_subject ON log_entries (subject_id, seq) WHERE subject_id IS NOT NULL;

-- Observation names the server issued (api/observation_names.rs): a writer
-- asks for one, and an observation is accepted only under a name issued to
-- its writer for that household, not yet used and not expired. The row is
-- deleted when the observation is written. So no client picks the text
-- that goes into a household's history.
CREATE TABLE observation_names (
    household_id TEXT NOT NULL,
    path         TEXT NOT NULL,
    issued_to    TEXT NOT NULL,
    expires_ms   INTEGER NOT NULL,
    PRIMARY KEY (household_id, path)
);
CREATE INDEX observation_names_by_person ON observation_names (issued_to, household_id);
