//! Showing someone's fingerprint before anything is encrypted to their keys.
//!
//! `kluis grant` and `kluis household add-member` wrap keys to another
//! person. The fingerprint of exactly those keys, computed on this device,
//! is shown first: on a terminal the person is asked to compare it and say
//! yes; a script passes `--expect-fingerprint` instead (the client refuses
//! before sending anything when it differs). Without a terminal and without
//! the flag, the fingerprint is in the success message, so it is on record.
//! Either way the keys are pinned only after they passed.

use std::io::{BufRead, IsTerminal, Write};

use kluis_policy::PrincipalId;

use crate::client::{expect_fingerprint, Client, ClientError, TrustedKeys};

/// `id`'s keys, checked by the person at the keyboard (or against
/// `expected`) before this device pins them or encrypts anything to them.
pub async fn checked_keys(
    client: &Client,
    id: PrincipalId,
    expected: Option<&str>,
) -> Result<TrustedKeys, ClientError> {
    client
        .trusted_keys_checked(id, |keys| {
            expect_fingerprint(keys, expected)?;
            confirm(keys, expected)
        })
        .await
}

/// On a terminal, without an expected fingerprint: show `keys`' fingerprint
/// and go on only if the person types "ja" or "yes".
pub fn confirm(keys: &TrustedKeys, expected: Option<&str>) -> Result<(), ClientError> {
    if expected.is_some() || !std::io::stdin().is_terminal() {
        return Ok(());
    }
    let io = |e: std::io::Error| ClientError::Refused(format!("cannot ask on the terminal: {e}"));
    let mut err = std::io::stderr();
    writeln!(
        err,
        "{} ({}) has key fingerprint\n\n    {}\n\ncomputed on this device. Ask them to read out theirs (`kluis whoami`).",
        keys.name, keys.id, keys.fingerprint
    )
    .map_err(io)?;
    write!(err, "Is it the same? Type yes to go on: ").map_err(io)?;
    err.flush().map_err(io)?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(io)?;
    if !matches!(
        answer.trim().to_lowercase().as_str(),
        "yes" | "ja" | "y" | "j"
    ) {
        return Err(ClientError::Refused(
            "stopped: the fingerprint was not confirmed, nothing was sent".into(),
        ));
    }
    Ok(())
}
