-- Roots of perfect subtrees of the access log at heights 8, 16, 24, ...
-- (covering leaves idx * 2^height .. (idx + 1) * 2^height), written with
-- the leaves that complete them (store/log.rs). Proofs are made from these
-- instead of reading every leaf (store/log_read.rs); they are only an
-- accelerator: a wrong row makes a proof fail the reader's check, it
-- cannot make a wrong proof pass.
CREATE TABLE log_nodes (
    height INTEGER NOT NULL,
    idx    INTEGER NOT NULL,
    hash   BLOB NOT NULL,
    PRIMARY KEY (height, idx)
);
