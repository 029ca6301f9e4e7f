//! Recovery codes on the command line: handing a new code to its owner
//! (`kluis keys new`), storing it at registration, making a new one
//! (`kluis keys recovery-code`) and getting the keys back with it
//! (`kluis keys recover --code CODE`).
//!
//! When is the code made? With the keystore, so nobody has a keystore
//! without one. Its blob waits beside the keystore
//! (`client::recovery::pending_path`) until `kluis register` stores it on
//! the server, then it is deleted. Scripts without a terminal that do not
//! ask for `--recovery-code-out` get a warning and no code (they keep
//! working); `kluis keys recovery-code` gives them one later.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::bail;
use clap::Args;
use serde_json::json;

use super::{passphrase, Context};
use crate::client::recovery as device;
use crate::client::Client;
use crate::keys::{Keystore, RecoveryCode, WorkFactor};

#[derive(Args, Debug)]
pub struct RecoverArgs {
    /// Your recovery code, as you wrote it down (any case; spaces and dashes do not matter).
    #[arg(long)]
    code: String,
    /// How hard the new passphrase is to guess by brute force (scrypt log2 N, 10 to 22).
    #[arg(long, default_value_t = WorkFactor::DEFAULT.0)]
    work_factor: u8,
}

/// Give `code` to its owner: into the file `out` (mode 0600, never over
/// an existing file), or on a terminal shown and typed back in part.
/// `false` when neither is possible: a warning says no code was saved.
pub fn hand_over(code: &RecoveryCode, out: Option<&Path>) -> anyhow::Result<bool> {
    if let Some(out) = out {
        super::export::write_private(out, format!("{code}\n").as_bytes())?;
        return Ok(true);
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        eprintln!(
            "kluis: warning: no recovery code was saved (no terminal to show it on, and no --recovery-code-out FILE); after registering, make one with `kluis keys recovery-code`"
        );
        return Ok(false);
    }
    confirm_on_terminal(code)?;
    Ok(true)
}

/// Show the code and ask for its last two groups back, so it is written
/// down before anything depends on it.
fn confirm_on_terminal(code: &RecoveryCode) -> anyhow::Result<()> {
    let text = code.to_string();
    let expected: String = text
        .rsplitn(3, '-')
        .take(2)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let mut err = std::io::stderr();
    writeln!(
        err,
        "\nYour recovery code. Write it down on paper and keep it apart from this device:\n\n    {text}\n\nWith it you get your keys back if you forget your passphrase or lose this keystore. Anyone who has it and this server can do so too."
    )?;
    let stdin = std::io::stdin();
    for _ in 0..3 {
        write!(
            err,
            "Type the last two groups of the code, to show you have it: "
        )?;
        err.flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            break;
        }
        if normalised(&line) == expected {
            // Scroll the code off the screen a little.
            writeln!(err, "Thank you.{}", "\n".repeat(4))?;
            return Ok(());
        }
        writeln!(err, "That is not what the code says; look again.")?;
    }
    bail!("the recovery code was not typed back; nothing was created")
}

/// What a person typed, as the code's own symbols: no spaces or dashes,
/// upper case, I and L read as 1, O as 0.
fn normalised(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            c => c,
        })
        .collect()
}

/// At registration: store the blob waiting beside the keystore.
pub async fn store_pending(ctx: &Context, client: &Client) -> anyhow::Result<()> {
    let path = ctx.keystore_path()?;
    match device::pending(path) {
        Ok(Some(sealed)) => match client.store_recovery(&sealed).await {
            Ok(_) => {
                device::forget_pending(path);
                ctx.out
                    .say("Your recovery code works from now on. Keep it safe, apart from this device.");
            }
            Err(e) => eprintln!(
                "kluis: warning: your recovery code could not be stored on the server ({e}); make a new one with `kluis keys recovery-code`"
            ),
        },
        Ok(None) => ctx.out.say(
            "You have no recovery code yet: make one with `kluis keys recovery-code`.",
        ),
        Err(e) => eprintln!(
            "kluis: warning: {e}; make a new recovery code with `kluis keys recovery-code`"
        ),
    }
    Ok(())
}

/// `kluis keys recovery-code`: a new code, stored; the old one stops working.
pub async fn renew(ctx: &Context) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let code = RecoveryCode::generate();
    let stored = client.set_recovery_code(&code).await?;
    device::forget_pending(ctx.keystore_path()?);
    ctx.out.say(
        "Your new recovery code is below; the old one no longer works. Write it down and keep it apart from this device.",
    );
    let text = code.to_string();
    ctx.out.value(
        &text,
        &json!({ "recovery_code": text, "principal_id": stored.principal_id, "updated_at": stored.updated_at }),
    )
}

/// `kluis keys recover --code CODE`: a new keystore with the keys the
/// code's blob holds.
pub async fn recover(ctx: &Context, args: RecoverArgs) -> anyhow::Result<()> {
    let code = RecoveryCode::parse(&args.code)?;
    let path = ctx.keystore_path()?;
    if path.exists() {
        bail!(
            "a keystore already exists at {}; kluis never overwrites one: choose another --keystore",
            path.display()
        );
    }
    let pass = passphrase::new()?;
    let (principal, identity) =
        device::recover(ctx.server(), ctx.ca_pem()?.as_deref(), &code).await?;
    Keystore::create(path, &identity, &pass, WorkFactor(args.work_factor))?;
    let fp = identity.public().fingerprint()?;
    ctx.out.say(&format!(
        "Your keys are back: a new keystore for {} ({principal}) at {}, with your new passphrase. Your recovery code still works; make a new one with `kluis keys recovery-code` if someone may have seen it.",
        identity.name(),
        path.display()
    ));
    ctx.out.value(
        &fp,
        &json!({ "keystore": path, "principal_id": principal, "name": identity.name(), "fingerprint": fp }),
    )
}

#[cfg(test)]
mod tests {
    use super::normalised;

    #[test]
    fn typed_back_text_is_read_like_a_code() {
        assert_eq!(normalised(" ab1o-l9xz\n"), "AB10-19XZ".replace('-', ""));
    }
}
