-- Keys a person no longer uses (api/rotation.rs, api/enrol.rs): replaced
-- by a rotation (the person's device signed, with the old key and the new
-- one, the statement that links them) or by a re-enrolment (the person lost
-- their keys; an administrator's re-enrolment invite registered new ones,
-- and only another household member's signed readmission makes devices
-- accept them as a member). A retired key can no longer log in or sign
-- anything the server accepts; devices still check what it signed before
-- `retired_ms` against it. `seq` is the key directory entry of the keys
-- that replaced it.
CREATE TABLE retired_keys (
    principal_id  TEXT NOT NULL REFERENCES principals (id),
    seq           INTEGER NOT NULL,
    signing_key   BLOB NOT NULL UNIQUE,
    age_recipient TEXT NOT NULL,
    retired_ms    INTEGER NOT NULL,
    how           TEXT NOT NULL CHECK (how IN ('rotation', 'reenrolment')),
    statement     TEXT,
    old_signature BLOB,
    new_signature BLOB,
    PRIMARY KEY (principal_id, seq)
);

-- A re-enrolment invite names the existing person whose keys it replaces.
ALTER TABLE invites ADD COLUMN reenrol TEXT;
