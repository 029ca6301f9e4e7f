//! Uploads of sealed content: the age envelopes and ciphertexts every write,
//! observation, re-key, grant and household creation carries
//! (`vault::api::upload`, `vault::keys::envelope`), and on the device side
//! opening what the server hands back (`envelope::open`, `seal::open`).
//!
//! Modes (first byte % 6): 0 `envelope::check` on raw bytes; 1
//! `decode_envelope` on the base64 text; 2 `decode_envelopes` on a JSON list
//! of `{reader, envelope}`; 3 `decode_ciphertext_within` (the default field
//! limit); 4 `envelope::open` / `open_key` with a fixed identity (the
//! server is not trusted by the client); 5 `seal::open` with a fixed key.
//!
//! Checks: never panics, never allocates without bound; an envelope that
//! passes is at most `MAX_ENVELOPE_BYTES` and passes `check` again after a
//! base64 round trip; a ciphertext that passes is a whole padding bucket; a
//! value that opens is no larger than what was sealed.
#![no_main]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kluis_fuzz::{age_identity, FIELD_HOUSEHOLD, FIELD_KEY, FIELD_PATH};
use kluis_policy::{FieldPath, HouseholdId};
use kluis_vault::api::upload::{decode_ciphertext_within, decode_envelope, decode_envelopes};
use kluis_vault::keys::{envelope, seal};
use kluis_vault::server::configuration::Limits;
use kluis_vault::wire::plan::EnvelopeUpload;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 6 {
        0 => {
            if envelope::check(rest).is_ok() {
                assert!(rest.len() <= envelope::MAX_ENVELOPE_BYTES);
            }
        }
        1 => {
            let text = String::from_utf8_lossy(rest);
            if let Ok(bytes) = decode_envelope(&text) {
                assert!(bytes.len() <= envelope::MAX_ENVELOPE_BYTES);
                assert_eq!(envelope::check(&bytes), Ok(()));
                assert_eq!(
                    decode_envelope(&STANDARD.encode(&bytes)).ok(),
                    Some(bytes.clone())
                );
            }
        }
        2 => {
            let Ok(list) = serde_json::from_slice::<Vec<EnvelopeUpload>>(rest) else {
                return;
            };
            if let Ok(decoded) = decode_envelopes(&list) {
                assert_eq!(decoded.len(), list.len());
                assert!(decoded.len() <= 64);
                for ((reader, bytes), upload) in decoded.iter().zip(&list) {
                    assert_eq!(reader, &upload.reader);
                    assert_eq!(envelope::check(bytes), Ok(()));
                }
            }
        }
        3 => {
            let limit = Limits::default().max_field_bytes;
            let text = String::from_utf8_lossy(rest);
            if let Ok(bytes) = decode_ciphertext_within(limit, &text) {
                let bucket = seal::bucket_of_sealed(bytes.len());
                assert!(bucket >= seal::SMALLEST_BUCKET && bucket.is_power_of_two());
                assert!(bucket <= seal::bucket(limit));
            }
        }
        4 => {
            let me = age_identity();
            if let Ok(secret) = envelope::open(&me, rest) {
                assert!(secret.len() <= 128);
            }
            let _ = envelope::open_key(&me, rest);
        }
        _ => {
            let path = FieldPath::parse(FIELD_PATH).expect("valid path");
            let binding = seal::Binding {
                household: HouseholdId::from_bytes(FIELD_HOUSEHOLD),
                path: &path,
                version: 1,
                key_gen: 1,
            };
            if let Ok(content) = seal::open(&FIELD_KEY, &binding, rest) {
                assert!(content.len() + 12 + 16 + 4 <= rest.len());
            }
            // And the round trip, with the fuzzer's bytes as content.
            let sealed = seal::seal(&FIELD_KEY, &binding, rest);
            assert_eq!(sealed.len(), seal::bucket(rest.len()) + 12 + 16);
            let opened = seal::open(&FIELD_KEY, &binding, &sealed).expect("own seal opens");
            assert_eq!(&opened[..], rest);
        }
    }
});
