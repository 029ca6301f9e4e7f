-- Sessions a person can see and end one by one (api/sessions.rs): each
-- bearer token gets an id that is safe to show (random, never derived from
-- the token or its hash), the device it was made on (a short label), when
-- it was made and when it was last used (updated at most once a minute per
-- session, store/sessions.rs). Tokens from before get a random id; their
-- creation time is unknown.
ALTER TABLE tokens ADD COLUMN session_id TEXT;
ALTER TABLE tokens ADD COLUMN device TEXT;
ALTER TABLE tokens ADD COLUMN created_ms BIGINT;
ALTER TABLE tokens ADD COLUMN last_used_ms BIGINT;
UPDATE tokens SET session_id = substr(md5(random()::text || clock_timestamp()::text), 1, 24)
    WHERE session_id IS NULL;
CREATE UNIQUE INDEX tokens_by_session ON tokens (session_id);
CREATE INDEX tokens_by_principal ON tokens (principal_id);
