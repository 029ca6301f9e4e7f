-- Retention: the end of support starts a household's clock; legal holds
-- stop destruction; destruction leaves the household row as its record.
ALTER TABLE households ADD COLUMN closed_ms INTEGER;
ALTER TABLE households ADD COLUMN retention_class TEXT;
ALTER TABLE households ADD COLUMN due_ms INTEGER;
ALTER TABLE households ADD COLUMN destroyed_ms INTEGER;

CREATE TABLE legal_holds (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    reason       TEXT NOT NULL,
    placed_by    TEXT NOT NULL,
    placed_ms    INTEGER NOT NULL,
    released_by  TEXT,
    released_ms  INTEGER
);
CREATE INDEX legal_holds_by_household ON legal_holds (household_id);
