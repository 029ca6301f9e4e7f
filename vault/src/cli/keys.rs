//! `kluis keys new --name NAME`: make a keystore (and a recovery code);
//! `kluis keys recovery-code` and `kluis keys recover`: see
//! `cli/recovery_code.rs`.

use clap::{Args, Subcommand};
use serde_json::json;

use super::{passphrase, recovery_code, Context};
use crate::keys::{Identity, Keystore, RecoveryCode, WorkFactor};

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Make a new keystore (a signing key and an encryption key) protected by a passphrase.
    New(NewArgs),
    /// Show the public keys and fingerprint of your keystore.
    Show,
    /// Write your age identity (secret!) to a file, for the `age` tool to open your exports.
    AgeIdentity {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Make a new recovery code (printed as the only line on stdout) and
    /// store it on the server; the old code stops working.
    RecoveryCode,
    /// Make new keys and retire the old ones: every household and note you
    /// can read is sealed to the new keys, and you get a new recovery code.
    /// Prints the new fingerprint.
    Rotate(super::rotate::RotateArgs),
    /// Get your keys back with your recovery code, into a new keystore at
    /// --keystore (a new passphrase from KLUIS_PASSPHRASE or the prompt).
    Recover(recovery_code::RecoverArgs),
    /// Accept someone's new keys after they made a new keystore: only if the
    /// fingerprint they read out to you (from `kluis whoami`) matches.
    Trust {
        principal: kluis_policy::PrincipalId,
        /// Their fingerprint, as shown on their device.
        #[arg(long)]
        fingerprint: String,
    },
}

/// `kluis keys trust`: pin `principal`'s current keys on this device.
pub async fn trust(
    ctx: &Context,
    principal: kluis_policy::PrincipalId,
    fingerprint: &str,
) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let keys = client.trust_keys(principal, fingerprint).await?;
    ctx.out.say(&format!(
        "This device now trusts the keys of {} ({}), fingerprint {}.",
        keys.name, keys.id, keys.fingerprint
    ));
    ctx.out.value(
        &keys.fingerprint,
        &serde_json::json!({ "principal_id": keys.id, "name": keys.name, "fingerprint": keys.fingerprint }),
    )
}

#[derive(Args, Debug)]
pub struct NewArgs {
    /// Your name, as others will see it.
    #[arg(long)]
    name: String,
    /// How hard the passphrase is to guess by brute force (scrypt log2 N, 10 to 22).
    #[arg(long, default_value_t = WorkFactor::DEFAULT.0)]
    work_factor: u8,
    /// Write your recovery code to this new file (mode 0600) instead of
    /// showing it. Keep it apart from the keystore: on paper, in a safe.
    #[arg(long, value_name = "FILE")]
    recovery_code_out: Option<std::path::PathBuf>,
}

pub fn run(ctx: &Context, cmd: KeysCommand) -> anyhow::Result<()> {
    match cmd {
        KeysCommand::New(args) => new(ctx, args),
        KeysCommand::Show => show(ctx),
        KeysCommand::Trust { .. }
        | KeysCommand::RecoveryCode
        | KeysCommand::Rotate(_)
        | KeysCommand::Recover(_) => {
            unreachable!("handled by the async dispatcher")
        }
        KeysCommand::AgeIdentity { out } => {
            let identity = ctx.identity()?;
            let secret = identity.age_secret();
            super::export::write_private(&out, format!("{}\n", secret.as_str()).as_bytes())?;
            ctx.out.say(&format!(
                "Wrote your age identity to {} (only you can read it). Anyone with this file can open your exports, and with the server's data every household you belong to: delete it when done.",
                out.display()
            ));
            ctx.out
                .value(&out.display().to_string(), &json!({"out": out}))
        }
    }
}

fn new(ctx: &Context, args: NewArgs) -> anyhow::Result<()> {
    let path = ctx.keystore_path()?;
    if path.exists() {
        anyhow::bail!(
            "a keystore already exists at {}; kluis never overwrites one",
            path.display()
        );
    }
    let pass = passphrase::new()?;
    let identity = Identity::generate(args.name.trim());
    // The code is written down (or to its file) before the keystore
    // exists: a keystore whose code was lost on the way is not made.
    let code = RecoveryCode::generate();
    let kept = recovery_code::hand_over(&code, args.recovery_code_out.as_deref())?;
    Keystore::create(path, &identity, &pass, WorkFactor(args.work_factor))?;
    if kept {
        let sealed = crate::keys::recovery_blob::seal(&identity, &code);
        crate::client::recovery::save_pending(path, &sealed)?;
    }
    let public = identity.public();
    let fp = public.fingerprint()?;
    ctx.out.say(&format!(
        "Made a keystore for {} at {}. Keep it and its passphrase safe.{}",
        identity.name(),
        path.display(),
        if kept {
            " Your recovery code is stored, encrypted, on the server when you register."
        } else {
            ""
        }
    ));
    ctx.out.value(
        &fp,
        &json!({"keystore": path, "name": identity.name(), "keys": public, "fingerprint": fp}),
    )
}

fn show(ctx: &Context) -> anyhow::Result<()> {
    let identity = ctx.identity()?;
    let public = identity.public();
    let fp = public.fingerprint()?;
    ctx.out.report(
        &[
            format!("name:          {}", identity.name()),
            format!("fingerprint:   {fp}"),
            format!("signing key:   {}", public.signing_key),
            format!("age recipient: {}", public.age_recipient),
        ],
        &json!({"name": identity.name(), "keys": public, "fingerprint": fp}),
    )
}
