//! `kluis keys rotate`: new keys for me, the old ones retired.
//!
//! Order, so that no failure leaves the person without working keys: the
//! new recovery code is handed over first (as `kluis keys new` does); the
//! new keystore is written beside the old one (`KEYSTORE.rotating`, the
//! same passphrase) before anything is sent; the server swaps the keys in
//! one transaction (`api::rotation`); only then does the new keystore
//! replace the old file.
//!
//! When the send fails, the outcome is asked of the server, not read off
//! the error: it knows the new keys exactly when the rotation took effect.
//! This matters because the rotation ends every session: a retry after a
//! lost answer carries a token the server no longer knows, and its 401
//! looks like a refusal. Taking it for one would delete the only copy of the
//! new keys after the old ones were retired. So: the new keys log in, the
//! rotation happened (swap the files); the server does not know them and
//! refused for certain (4xx), nothing changed (delete the staged file);
//! otherwise both files stay and the message says how to find out which
//! one works.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use clap::Args;
use serde_json::json;

use super::{passphrase, recovery_code, Context};
use crate::client::recovery as device;
use crate::client::ClientError;
use crate::keys::{recovery_blob, Identity, Keystore, RecoveryCode, WorkFactor};
use crate::wire::enrol::PrincipalInfo;
use crate::wire::rotation::Rotated;

#[derive(Args, Debug)]
pub struct RotateArgs {
    /// Write your new recovery code to this new file (mode 0600) instead of
    /// showing it. The old code stops working.
    #[arg(long, value_name = "FILE")]
    recovery_code_out: Option<PathBuf>,
    /// How hard the passphrase is to guess by brute force (scrypt log2 N, 10 to 22).
    #[arg(long, default_value_t = WorkFactor::DEFAULT.0)]
    work_factor: u8,
}

/// Where the new keystore waits until the server has swapped the keys.
pub fn staged_path(keystore: &std::path::Path) -> PathBuf {
    let mut name = keystore.as_os_str().to_owned();
    name.push(".rotating");
    PathBuf::from(name)
}

pub async fn rotate(ctx: &Context, args: RotateArgs) -> anyhow::Result<()> {
    let path = ctx.keystore_path()?.clone();
    let staged = staged_path(&path);
    if staged.exists() {
        bail!(
            "an earlier `kluis keys rotate` did not finish: {} holds the new keys. If `kluis whoami --keystore {}` works, \
             the rotation happened: move that file to {}; if not, delete it and rotate again",
            staged.display(),
            staged.display(),
            path.display()
        );
    }
    let pass = passphrase::existing()?;
    let old = Arc::new(Keystore::open(&path, &pass)?);
    let client = ctx.client_for(old.clone())?;
    let new = Arc::new(Identity::generate(old.name()));
    let code = RecoveryCode::generate();
    let kept = recovery_code::hand_over(&code, args.recovery_code_out.as_deref())?;
    Keystore::create(&staged, &new, &pass, WorkFactor(args.work_factor))?;
    let sealed = kept.then(|| recovery_blob::seal(&new, &code));
    let rotated = match client.rotate_keys(&new, sealed.as_ref()).await {
        Ok(r) => Answer::Rotated(r),
        Err(e) => match check(ctx, &new).await {
            // It took effect; only its answer was lost.
            Check::Took(me) => Answer::Confirmed(me),
            Check::NotKnown if definite(&e) => {
                let _ = std::fs::remove_file(&staged);
                return Err(e).context("your keys were not changed");
            }
            Check::NotKnown | Check::CannotTell => {
                return Err(e).with_context(|| {
                    format!(
                        "the server did not confirm the new keys; they are in {}: if `kluis whoami --keystore {}` works, \
                         move that file to {}, otherwise delete it and try again",
                        staged.display(),
                        staged.display(),
                        path.display()
                    )
                });
            }
        },
    };
    std::fs::rename(&staged, &path).with_context(|| {
        format!(
            "the server has your new keys, but {} could not be moved to {}: move it yourself",
            staged.display(),
            path.display()
        )
    })?;
    device::forget_pending(&path);
    ctx.out.say(&format!(
        "Made new keys and retired the old ones; {} now holds the new keys (same passphrase). \
         Every household and note you could read is sealed to them. {}Tell the people you share with your new fingerprint.",
        path.display(),
        if kept {
            "Your new recovery code works from now on; the old one no longer does. "
        } else {
            "You have no recovery code now: make one with `kluis keys recovery-code`. "
        }
    ));
    let out = match rotated {
        Answer::Rotated(r) => json!({
            "principal_id": r.principal_id,
            "fingerprint": r.fingerprint,
            "seq": r.seq,
            "rotated_at": r.rotated_at,
        }),
        // The answer was lost: what the new keys' login told (no entry number or time).
        Answer::Confirmed(me) => json!({
            "principal_id": me.principal_id,
            "fingerprint": me.fingerprint,
            "seq": null,
            "rotated_at": null,
        }),
    };
    ctx.out
        .value(out["fingerprint"].as_str().unwrap_or_default(), &out)
}

/// How the rotation was known to have taken effect.
enum Answer {
    /// The server's answer.
    Rotated(Rotated),
    /// The answer was lost; the new keys logged in.
    Confirmed(PrincipalInfo),
}

/// What the server says of the new keys after a failed send.
enum Check {
    /// They log in, and the server names exactly them: the rotation took effect.
    Took(PrincipalInfo),
    /// The server does not know them (`unknown-key`).
    NotKnown,
    /// No answer, or not one to trust.
    CannotTell,
}

async fn check(ctx: &Context, new: &Arc<Identity>) -> Check {
    let Ok(client) = ctx.client_for(new.clone()) else {
        return Check::CannotTell;
    };
    match client.whoami().await {
        Ok(me) if me.keys == new.public() => Check::Took(me),
        Err(e) if e.kind() == Some("unknown-key") => Check::NotKnown,
        _ => Check::CannotTell,
    }
}

/// A failure the server answered for certain, or a check on this device
/// before anything was sent: not a lost answer or an outage.
fn definite(e: &ClientError) -> bool {
    match e {
        ClientError::Problem { status, .. } => {
            (400..500).contains(status) && *status != 408 && *status != 429
        }
        ClientError::Refused(_) | ClientError::BadUrl(_) => true,
        ClientError::Unreachable { .. } | ClientError::BadResponse(_) => false,
    }
}
