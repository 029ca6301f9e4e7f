//! Passphrases come from `KLUIS_PASSPHRASE` or from a prompt on the terminal.

use anyhow::{anyhow, bail};
use zeroize::Zeroizing;

const ENV: &str = "KLUIS_PASSPHRASE";

pub fn existing() -> anyhow::Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var(ENV) {
        return Ok(Zeroizing::new(p));
    }
    prompt("Passphrase for your keystore: ")
}

/// A new passphrase, asked twice when typed.
pub fn new() -> anyhow::Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var(ENV) {
        return Ok(Zeroizing::new(p));
    }
    let first = prompt("Choose a passphrase for your new keystore: ")?;
    let second = prompt("Type it again: ")?;
    if *first != *second {
        bail!("the two passphrases differ; nothing was created");
    }
    Ok(first)
}

fn prompt(text: &str) -> anyhow::Result<Zeroizing<String>> {
    rpassword::prompt_password(text)
        .map(Zeroizing::new)
        .map_err(|_| anyhow!("cannot ask for the passphrase here: set {ENV} or run in a terminal"))
}
