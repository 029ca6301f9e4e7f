-- The key directory (audit/src/directory.rs): which log entry registers
-- each person's keys. The entry itself is in log_entries; this index only
-- finds it. Filled at registration, and at start-up for people registered
-- before the directory existed.
CREATE TABLE key_entries (
    principal_id TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    PRIMARY KEY (principal_id, seq)
);
