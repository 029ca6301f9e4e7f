//! Showing someone's fingerprint before anything is encrypted to their keys.
//!
//! `kluis grant` and `kluis household add-member` wrap keys to another
//! person. The fingerprint of exactly those keys, computed on this device,
//! is shown first: on a terminal the person is asked to compare it and say
//! yes; a script passes `--expect-fingerprint` instead (the client refuses
//! before sending anything when it differs). Without a terminal and without
//! the flag, the fingerprint is in the success message, so it is on record.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::bail;

use crate::client::TrustedKeys;

/// On a terminal, without an expected fingerprint: show `keys`' fingerprint
/// and go on only if the person types "ja" or "yes".
pub fn confirm(keys: &TrustedKeys, expected: Option<&str>) -> anyhow::Result<()> {
    if expected.is_some() || !std::io::stdin().is_terminal() {
        return Ok(());
    }
    let mut err = std::io::stderr();
    writeln!(
        err,
        "{} ({}) has key fingerprint\n\n    {}\n\ncomputed on this device. Ask them to read out theirs (`kluis whoami`).",
        keys.name, keys.id, keys.fingerprint
    )?;
    write!(err, "Is it the same? Type yes to go on: ")?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(
        answer.trim().to_lowercase().as_str(),
        "yes" | "ja" | "y" | "j"
    ) {
        bail!("stopped: the fingerprint was not confirmed, nothing was sent");
    }
    Ok(())
}
