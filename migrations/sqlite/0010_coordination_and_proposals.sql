-- Issue 14 item 2: releasing a legal hold names the hold and why; erasure
-- and destruction need two administrators, so they start as proposals.

ALTER TABLE legal_holds ADD COLUMN release_reason TEXT;

CREATE TABLE proposals (
    id            TEXT PRIMARY KEY,
    -- 'erase' (one household, on a legal basis) or 'destroy' (the approved
    -- destruction list as it was when proposed).
    kind          TEXT NOT NULL,
    -- erase: the legal basis; destroy: the archivist who approved the list.
    basis         TEXT NOT NULL,
    -- The households concerned, space-separated ids (one for erase).
    households    TEXT NOT NULL,
    proposed_by   TEXT NOT NULL,
    proposed_ms   INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL,
    -- Set once, by the second administrator: 'approved' or 'rejected'.
    decision      TEXT,
    decided_by    TEXT,
    decided_ms    INTEGER
);
CREATE INDEX proposals_waiting ON proposals (decided_ms, expires_ms);
