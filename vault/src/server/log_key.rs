//! The server's log-signing key: an Ed25519 key in a file beside the
//! database, never in it.
//!
//! Why a file and not a table: whoever can change the database must not also
//! be able to sign. Someone who restores an old copy of the database, or
//! rewrites log rows, cannot make the server's signature vouch for it without
//! also taking this file. Several kluis processes in front of one PostgreSQL
//! must sign with the same key (so the log is one log to auditors), so the
//! path can be named explicitly in `ServeConfig::log_key_file`.
//!
//! The file holds one line in the signed-note private key format
//! (`PRIVATE+KEY+<name>+<id>+<base64>`), which Go's `note.NewSigner` also
//! reads. The key name is the log's origin line in every checkpoint.
//!
//! The text read from the file and the text of a new key are held in
//! `Zeroizing` and wiped when dropped; what `LogSigner` keeps and does not
//! wipe is said there.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use kluis_audit::LogSigner;
use zeroize::Zeroizing;

/// The file name inside the data directory, unless configured otherwise.
pub const LOG_KEY_FILE: &str = "log-signing-key";

/// Load the key at `path`, or make one (mode 0600) if there is no file yet.
/// A file that exists but cannot be read or parsed stops the server: making
/// a new key then would silently start a second, unrelated log.
pub fn load_or_create(path: &Path) -> anyhow::Result<LogSigner> {
    match read_secret(path) {
        Ok(text) => parse(path, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path),
        Err(e) => Err(e).with_context(|| format!("cannot read the log key {}", path.display())),
    }
}

/// The key file's text, wiped from memory when dropped (the seed is in it).
fn read_secret(path: &Path) -> std::io::Result<Zeroizing<String>> {
    std::fs::read_to_string(path).map(Zeroizing::new)
}

fn parse(path: &Path, text: &str) -> anyhow::Result<LogSigner> {
    LogSigner::from_private_key(text.trim())
        .with_context(|| format!("the log key file {} is not a valid key", path.display()))
}

fn create(path: &Path) -> anyhow::Result<LogSigner> {
    // A random suffix gives every deployment its own origin, so checkpoints
    // of two different kluis logs can never be mistaken for each other.
    let name = format!("kluis-log-{}", hex::encode(rand::random::<[u8; 4]>()));
    let skey = LogSigner::generate_private_key(&name)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            writeln!(file, "{}", skey.as_str())?;
            file.sync_all()?;
            parse(path, &skey)
        }
        // Another process sharing this key file made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = read_secret(path)?;
            parse(path, &text)
        }
        Err(e) => Err(e).with_context(|| format!("cannot create the log key {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_KEY_FILE);
        let a = load_or_create(&path).unwrap();
        let b = load_or_create(&path).unwrap();
        assert_eq!(a.verifier_key(), b.verifier_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn the_key_text_read_is_wiped_on_drop() {
        fn wiped<T: zeroize::Zeroize>(_: &Zeroizing<T>) {}
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_KEY_FILE);
        load_or_create(&path).unwrap();
        let text = read_secret(&path).unwrap();
        wiped(&text);
        assert!(text.starts_with("PRIVATE+KEY+"));
    }

    #[test]
    fn a_broken_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_KEY_FILE);
        std::fs::write(&path, "garbage").unwrap();
        assert!(load_or_create(&path).is_err());
    }
}
