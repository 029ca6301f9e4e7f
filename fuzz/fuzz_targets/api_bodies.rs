//! The JSON request bodies of the HTTP API (`vault::wire`) and the query
//! strings of the log endpoints, each followed by the domain checks its
//! handler applies before touching the database.
//!
//! The first byte picks the body type (% 21); the rest is the body, parsed
//! with `serde_json::from_slice` as axum's `Json` does (query strings with
//! `serde_urlencoded`, as axum's `Query` does). Then, per type: ids and
//! paths (by the serde impls), grants and revocations (`verify_grant`,
//! `verify_revocation`), ciphertexts (`decode_ciphertext_within`),
//! envelopes (`decode_envelope(s)`), signatures, public keys, labels and
//! reasons, log query filters. Kind 17 goes the other way: the response
//! bodies the client library reads from a server it does not trust (the
//! write plan's readers and their grants, log pages, checkpoints). Kinds 18
//! to 20 came later (so the older seeds keep their kind): passkeys, key
//! rotation, and trusted contacts with readmission.
//!
//! Checks: never panics, whatever the body.
#![no_main]

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use base64::Engine;
use kluis_policy::{verify_grant, verify_revocation};
use kluis_vault::api::enrol::clean_label;
use kluis_vault::api::log::{ConsistencyQuery, EntriesQuery};
use kluis_vault::api::upload::{decode_ciphertext_within, decode_envelope, decode_envelopes};
use kluis_vault::fuzzing;
use kluis_vault::keys::identity::decode_signing_key;
use kluis_vault::keys::recovery_blob::{lookup_id_well_formed, well_formed};
use kluis_vault::server::configuration::Limits;
use kluis_vault::wire::version::VersionStatement;
use kluis_vault::wire::{
    auth, consent, contact, directory, enrol, household, log, passkeys, plan, retention, rotation,
};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;

fn body<T: DeserializeOwned>(data: &[u8]) -> Option<T> {
    serde_json::from_slice(data).ok()
}

fn ciphertext(text: &str) {
    let _ = decode_ciphertext_within(Limits::default().max_field_bytes, text);
}

fn ed25519_signature(text: &str) {
    // The login token's check, as `api::login::token` does it.
    let _ = B64.decode(text.as_bytes()).ok().filter(|s| s.len() == 64);
}

/// A version's signed statement as a device reads it: only the exact text
/// it renders is accepted.
fn version_statement(text: &str) {
    if let Some(s) = VersionStatement::parse(text) {
        assert_eq!(s.text(), text, "a version statement must read back exactly");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    match kind % 21 {
        0 => {
            if let Some(r) = body::<auth::ChallengeRequest>(rest) {
                let _ = decode_signing_key(&r.signing_key);
            }
        }
        1 => {
            if let Some(r) = body::<auth::TokenRequest>(rest) {
                let _ = B64.decode(r.challenge_id.as_bytes());
                ed25519_signature(&r.signature);
            }
        }
        2 => {
            if let Some(r) = body::<enrol::InviteRequest>(rest) {
                let _ = clean_label("the name", &r.name);
                if let Some(org) = &r.org {
                    let _ = clean_label("the organisation", org);
                }
                let _ = (r.role.needs_organisation(), r.role.with_article());
            }
        }
        3 => {
            if let Some(r) = body::<enrol::RegisterRequest>(rest) {
                if r.keys.parse().is_ok() {
                    r.keys
                        .fingerprint()
                        .expect("parsed keys have a fingerprint");
                }
            }
        }
        4 => {
            if let Some(r) = body::<household::CreateHousehold>(rest) {
                let _ = fuzzing::age_recipient_invalid(&r.recipient);
                let _ = fuzzing::household_signature(&r.signature);
                let _ = decode_envelope(&r.identity_envelope);
            }
        }
        5 => {
            if let Some(r) = body::<household::AddMember>(rest) {
                let _ = fuzzing::household_signature(&r.signature);
                let _ = decode_envelope(&r.identity_envelope);
            }
        }
        6 => {
            if let Some(r) = body::<plan::WriteField>(rest) {
                ciphertext(&r.ciphertext);
                let _ = decode_envelopes(&r.envelopes);
                ed25519_signature(&r.signed.signature);
            }
        }
        7 => {
            if let Some(r) = body::<consent::CreateGrant>(rest) {
                let _ = verify_grant(&r.jws, None);
                for k in r.keys.iter().take(1000) {
                    let _ = decode_envelope(&k.envelope);
                }
            }
        }
        8 => {
            if let Some(r) = body::<consent::Revoke>(rest) {
                let _ = verify_revocation(&r.jws, None);
            }
        }
        9 => {
            if let Some(r) = body::<consent::Rekey>(rest) {
                ciphertext(&r.ciphertext);
                let _ = decode_envelopes(&r.envelopes);
                ed25519_signature(&r.signed.signature);
            }
        }
        10 => {
            if let Some(r) = body::<consent::Observe>(rest) {
                ciphertext(&r.ciphertext);
                let _ = decode_envelopes(&r.envelopes);
                ed25519_signature(&r.signed.signature);
            }
        }
        11 => {
            if let Some(r) = body::<consent::Publish>(rest) {
                ciphertext(&r.ciphertext);
                let _ = decode_envelopes(&r.envelopes);
                ed25519_signature(&r.signed.signature);
            }
        }
        12 => {
            if let Some(r) = body::<retention::Close>(rest) {
                let _ = kluis_vault::retention::Schedule::default().term(&r.basis);
            }
        }
        13 => {
            if let Some(r) = body::<retention::Hold>(rest) {
                let _ = fuzzing::clean_reason(&r.reason);
            }
            if let Some(r) = body::<retention::Erase>(rest) {
                let _ = fuzzing::clean_reason(&r.basis);
            }
        }
        14 => {
            if let Some(r) = body::<retention::Destroy>(rest) {
                let _ = clean_label("the approver's name", &r.approved_by);
            }
        }
        15 => {
            if let Ok(q) = serde_urlencoded::from_bytes::<fuzzing::LogQuery>(rest) {
                let _ = fuzzing::log_query(&q);
            }
        }
        16 => {
            let _ = serde_urlencoded::from_bytes::<ConsistencyQuery>(rest);
            let _ = serde_urlencoded::from_bytes::<EntriesQuery>(rest);
        }
        17 => responses(rest),
        18 => {
            // `PUT /v1/passkeys`, `POST /v1/passkeys/fetch`
            if let Some(r) = body::<passkeys::AddPasskey>(rest) {
                let _ = lookup_id_well_formed(&r.lookup_id);
                let _ = fuzzing::credential_id_well_formed(&r.credential_id);
                let _ = kluis_vault::api::device_label::clean(&r.label);
                let _ = well_formed(&r.blob);
            }
            if let Some(r) = body::<passkeys::FetchPasskey>(rest) {
                let _ = lookup_id_well_formed(&r.lookup_id);
            }
        }
        19 => {
            // `POST /v1/keys/rotate`
            if let Some(r) = body::<rotation::RotateKeys>(rest) {
                if r.keys.parse().is_ok() {
                    r.keys
                        .fingerprint()
                        .expect("parsed keys have a fingerprint");
                }
                let _ = fuzzing::household_signature(&r.old_signature);
                let _ = fuzzing::household_signature(&r.new_signature);
                if let Some(recovery) = &r.recovery {
                    let _ = lookup_id_well_formed(&recovery.lookup_id);
                    let _ = well_formed(&recovery.blob);
                }
                for h in r.households.iter().take(1000) {
                    let _ = decode_envelope(&h.envelope);
                }
                for f in r.fields.iter().take(1000) {
                    let _ = kluis_policy::FieldPath::parse(&f.path);
                    let _ = decode_envelope(&f.envelope);
                }
            }
        }
        _ => {
            // `POST /v1/households/{h}/contacts`, `…/members/{p}/readmit`
            if let Some(r) = body::<contact::NameContact>(rest) {
                let _ = fuzzing::household_signature(&r.signature);
                let _ = decode_envelope(&r.identity_envelope);
                let _ = kluis_policy::is_well_formed_fingerprint(&r.contact_fingerprint);
            }
            if let Some(r) = body::<rotation::Readmit>(rest) {
                let _ = fuzzing::household_signature(&r.signature);
                let _ = decode_envelope(&r.identity_envelope);
                let _ = kluis_policy::is_well_formed_fingerprint(&r.member_fingerprint);
                let _ = kluis_policy::is_well_formed_fingerprint(&r.previous_fingerprint);
            }
        }
    }
});

/// What the client parses from the server's answers before trusting them.
fn responses(data: &[u8]) {
    if let Some(p) = body::<plan::WritePlan>(data) {
        for r in &p.readers {
            if let Ok(g) = verify_grant(&r.grant, None) {
                let _ = g.statement().scope.covers(&p.path);
            }
            if let Ok(key) = decode_signing_key(&r.signing_key) {
                let _ = kluis_vault::keys::identity::fingerprint(&key, &r.age_recipient);
            }
        }
    }
    if let Some(v) = body::<plan::FieldValue>(data) {
        let _ = STANDARD.decode(v.ciphertext.as_bytes());
        let _ = STANDARD.decode(v.envelope.as_bytes());
        if let Some(p) = &v.proof {
            version_statement(&p.statement);
            if let Some(g) = &p.writer_grant {
                let _ = verify_grant(g, None);
            }
        }
    }
    if let Some(k) = body::<directory::KeyProof>(data) {
        let _ = kluis_fuzz::log_verifier().open(&k.checkpoint.checkpoint);
        if let Ok(leaf) = STANDARD.decode(k.leaf.as_bytes()) {
            if let Ok(entry) = kluis_audit::Entry::decode(&leaf) {
                let _ = kluis_audit::directory::registers(&entry, "p", "client", &[0; 32], "age1");
            }
        }
        for h in k.inclusion.iter().chain(&k.consistency).take(1000) {
            let _ = STANDARD.decode(h.as_bytes());
        }
    }
    if let Some(c) = body::<log::SignedCheckpoint>(data) {
        let _ = kluis_fuzz::log_verifier().open(&c.checkpoint);
    }
    if let Some(page) = body::<log::LeafPage>(data) {
        for l in &page.leaves {
            if let Ok(bytes) = STANDARD.decode(l.leaf.as_bytes()) {
                let _ = kluis_audit::Entry::decode(&bytes);
            }
        }
    }
    let _ = body::<log::LogPage>(data);
    let _ = body::<log::AccessLog>(data);
    let _ = body::<log::ConsistencyProof>(data);
    let _ = body::<consent::GrantList>(data);
    let _ = body::<household::HouseholdInfo>(data);
    if let Some(p) = body::<enrol::PrincipalInfo>(data) {
        let _ = p.keys.fingerprint();
    }
}
