-- Passkey keystores (api/passkeys.rs): a person's keystore secrets wrapped
-- with a key derived, on the device, from a passkey's WebAuthn PRF output,
-- which the server never sees. The lookup id comes from the same output
-- (HKDF, another label): the server finds a blob by it and cannot derive
-- the wrapping key from it. Several per person (one per passkey, capped);
-- the credential id is public (the browser sends it to any site that
-- asks), kept so a device can name its own passkey.
CREATE TABLE passkey_keystores (
    id            TEXT PRIMARY KEY,
    principal_id  TEXT NOT NULL REFERENCES principals (id),
    lookup_id     TEXT NOT NULL UNIQUE,
    credential_id TEXT NOT NULL,
    label         TEXT NOT NULL,
    blob          TEXT NOT NULL,
    created_ms    BIGINT NOT NULL,
    last_used_ms  BIGINT
);
CREATE INDEX passkey_keystores_by_principal ON passkey_keystores (principal_id);
