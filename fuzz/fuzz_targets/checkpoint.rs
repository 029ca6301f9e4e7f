//! C2SP signed notes and tlog checkpoints, `kluis_audit::checkpoint`: what
//! an auditor's machine reads from a server it does not trust.
//!
//! Modes (first byte % 4): 0 the rest is a signed note, opened with the
//! fixed fuzz log key (and with the Go test vector's key); 1 the rest is a
//! checkpoint body, signed here with the fixed key and opened; 2 the rest
//! is a verifier key `<name>+<id>+<key>`; 3 a signer key
//! `PRIVATE+KEY+<name>+<id>+<key>`.
//!
//! Checks: never panics; an opened note's text ends in a newline and is a
//! prefix of the note; a checkpoint that opens re-serialises to exactly the
//! signed body (one note, one meaning) and, signed again by the same key,
//! gives back a note that opens to the same checkpoint; a parsed key round
//! trips through its text form.
#![no_main]

use kluis_audit::{Checkpoint, LogSigner, LogVerifier};
use kluis_fuzz::{log_signer, log_verifier};
use libfuzzer_sys::fuzz_target;

const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match mode % 4 {
        0 => {
            open(log_verifier(), &text);
            open(&LogVerifier::parse(GO_VKEY).expect("Go vector key"), &text);
        }
        1 => {
            if let Ok(note) = log_signer().sign_note(&text) {
                open(log_verifier(), &note);
            }
        }
        2 => {
            if let Ok(v) = LogVerifier::parse(&text) {
                assert!(text.starts_with(&format!("{}+", v.name())));
            }
        }
        _ => {
            if let Ok(s) = LogSigner::from_private_key(&text) {
                let v = LogVerifier::parse(&s.verifier_key()).expect("own verifier key parses");
                assert_eq!(v, s.verifier());
                let cp = Checkpoint {
                    origin: "o".into(),
                    size: 1,
                    root: [0; 32],
                };
                assert_eq!(v.open(&s.sign(&cp).expect("signs")).as_ref(), Ok(&cp));
            }
        }
    }
});

fn open(v: &LogVerifier, note: &str) {
    if let Ok(text) = v.open_note(note) {
        assert!(text.ends_with('\n'));
        assert!(note.starts_with(text));
    }
    if let Ok(cp) = v.open(note) {
        let body = cp.body();
        assert!(note.starts_with(&body), "opened a non-canonical body");
        assert_eq!(v.open_note(note), Ok(body.as_str()));
        assert_eq!(Checkpoint::parse_body(&body).as_ref(), Ok(&cp));
        if v == log_verifier() {
            let again = log_signer()
                .sign(&cp)
                .expect("an opened checkpoint re-signs");
            assert_eq!(v.open(&again).as_ref(), Ok(&cp));
        }
    }
}
