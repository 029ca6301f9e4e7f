//! `kluis passkeys` (the passkeys that unlock my keys in the web app) and
//! `kluis passkeys remove ID`. Passkeys are added in the web app only: the
//! CLI has no WebAuthn. Removing one deletes the server's copy of the keys
//! it opens, so a lost phone's passkey stops working.

use clap::{Args, Subcommand};

use super::Context;
use crate::wire::passkeys::PasskeyList;

#[derive(Args, Debug)]
pub struct PasskeysArgs {
    #[command(subcommand)]
    command: Option<PasskeysCommand>,
}

#[derive(Subcommand, Debug)]
enum PasskeysCommand {
    /// Remove one of your passkeys (the id from `kluis passkeys`).
    Remove {
        #[arg(value_parser = passkey_id)]
        id: String,
    },
}

/// A passkey id as the server shows them (24 lowercase hex digits); checked
/// here so nothing else ends up in the request's path.
fn passkey_id(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.len() == 24 && t.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(t.to_owned())
    } else {
        Err("a passkey id is 24 lowercase hex digits, as `kluis passkeys` shows them".to_owned())
    }
}

fn lines(list: &PasskeyList) -> Vec<String> {
    if list.passkeys.is_empty() {
        return vec!["You have no passkeys (add one in the web app).".to_owned()];
    }
    let mut out = vec![format!("You have {} passkey(s):", list.passkeys.len())];
    out.extend(list.passkeys.iter().map(|p| {
        format!(
            "{}  {}  added {}, last used {}",
            p.id,
            p.label,
            p.created_at,
            p.last_used_at.as_deref().unwrap_or("never")
        )
    }));
    out
}

pub async fn run(ctx: &Context, args: PasskeysArgs) -> anyhow::Result<()> {
    let client = ctx.client()?;
    match args.command {
        None => {
            let list = client.my_passkeys().await?;
            ctx.out.report(&lines(&list), &list)
        }
        Some(PasskeysCommand::Remove { id }) => {
            let done = client.remove_passkey(&id).await?;
            ctx.out.report(
                &[format!(
                    "Removed passkey {}: it no longer unlocks your keys.",
                    done.id
                )],
                &done,
            )
        }
    }
}
