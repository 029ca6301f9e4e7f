-- Trusted contacts (vertrouwenspersoon, api/contacts.rs). A member names a
-- contact: their device envelopes the household identity to the contact's
-- key and signs a statement (wire/contact.rs) naming the contact, their key
-- fingerprint and the waiting period. The server keeps both and hands them
-- over only when a request of the contact has waited that long without a
-- member refusing it; the contact then becomes a member, with the naming
-- statement as the signed link in the household's chain.
CREATE TABLE trusted_contacts (
    household_id      TEXT NOT NULL REFERENCES households (id),
    contact_id        TEXT NOT NULL REFERENCES principals (id),
    named_by          TEXT NOT NULL REFERENCES principals (id),
    named_ms          INTEGER NOT NULL,
    wait_ms           INTEGER NOT NULL,
    statement         TEXT NOT NULL,
    signature         BLOB NOT NULL,
    identity_envelope BLOB NOT NULL,
    PRIMARY KEY (household_id, contact_id)
);
CREATE INDEX trusted_contacts_by_contact ON trusted_contacts (contact_id);

-- A contact's requests: 'waiting' until released (after release_ms), refused
-- by a member, or ended because the contact was removed.
CREATE TABLE contact_requests (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    contact_id   TEXT NOT NULL REFERENCES principals (id),
    requested_ms INTEGER NOT NULL,
    release_ms   INTEGER NOT NULL,
    state        TEXT NOT NULL,
    ended_ms     INTEGER,
    ended_by     TEXT
);
CREATE INDEX contact_requests_by_household ON contact_requests (household_id, requested_ms);
