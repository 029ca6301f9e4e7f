//! `kluis audit query | checkpoint | verify | export`: the auditor's tools.
//!
//! `verify` keeps its state (the pinned log key and the last checkpoint
//! that verified) in `<keystore>.audit-state.json`, unless `--state` names
//! another file. It exits 0 only when everything checks out; otherwise one
//! line names the first failure.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kluis_policy::{HouseholdId, PrincipalId};
use serde_json::json;

use super::Context;
use crate::client::{AuditState, LogFilter};

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Search the access log (all pages, oldest first).
    Query(QueryArgs),
    /// Print a signed checkpoint of the log (a C2SP signed note).
    Checkpoint,
    /// Check the log: pinned key, consistency with the last checkpoint, full replay.
    Verify {
        /// Where the pinned key and last checkpoint are kept
        /// (default: <keystore>.audit-state.json).
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// Write the whole log as JSON Lines, ending with the signed checkpoint.
    Export {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct QueryArgs {
    #[arg(long)]
    household: Option<HouseholdId>,
    #[arg(long)]
    actor: Option<PrincipalId>,
    /// From this date or time (YYYY-MM-DD or RFC 3339, UTC).
    #[arg(long)]
    since: Option<String>,
    /// Up to this date or time.
    #[arg(long)]
    until: Option<String>,
    /// An event type, e.g. field.read, log.query.
    #[arg(long)]
    event: Option<String>,
}

fn bar(what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} entries ({eta} left)")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    bar
}

pub async fn run(ctx: &Context, cmd: AuditCommand) -> anyhow::Result<()> {
    let client = ctx.client()?;
    match cmd {
        AuditCommand::Query(a) => {
            let filter = LogFilter {
                household: a.household,
                actor: a.actor,
                since: a.since,
                until: a.until,
                event: a.event,
            };
            let entries = client.log_query(&filter).await?;
            let lines: Vec<String> = entries
                .iter()
                .map(|e| {
                    let x = &e.entry;
                    // Account events also read as a sentence: who did what
                    // to whose account.
                    let plain = x
                        .subject()
                        .and_then(|subject| {
                            let own = x.actor.as_deref() == Some(subject);
                            let allowed = x.outcome.code() == "allowed";
                            super::access_log::account_doing(
                                x.event.code(),
                                subject,
                                own,
                                x.reason.as_deref(),
                                allowed,
                            )
                        })
                        .map(|doing| {
                            format!(
                                "  = {} ({}) {doing}",
                                x.actor.as_deref().unwrap_or("someone"),
                                x.actor_role.as_deref().unwrap_or("-")
                            )
                        })
                        .unwrap_or_default();
                    format!(
                        "#{:<6} {}  {:<20} {} {:<7} {} ({}, {})  household {}  fields [{}]  basis {}  purpose {}{}",
                        x.seq,
                        e.time,
                        x.event.code(),
                        x.action.code(),
                        x.outcome.code(),
                        x.actor.as_deref().unwrap_or("-"),
                        x.actor_role.as_deref().unwrap_or("-"),
                        x.actor_org.as_deref().unwrap_or("-"),
                        x.household.as_deref().unwrap_or("-"),
                        x.fields.join(", "),
                        x.basis.as_deref().unwrap_or("-"),
                        x.purpose.as_deref().unwrap_or("-"),
                        x.reason.as_deref().map(|r| format!("  ({r})")).unwrap_or_default(),
                    ) + &plain
                })
                .collect();
            ctx.out.say(&format!("{} matching entries.", entries.len()));
            ctx.out.report(&lines, &json!({ "entries": entries }))
        }
        AuditCommand::Checkpoint => {
            let cp = client.log_checkpoint().await?;
            if ctx.out.json {
                println!("{}", serde_json::to_string(&cp)?);
            } else {
                // The note is several lines and ends with a newline: print
                // it exactly, so it can be saved and checked byte for byte.
                print!("{}", cp.checkpoint);
            }
            Ok(())
        }
        AuditCommand::Verify { state } => {
            let state = match state {
                Some(s) => s,
                None => AuditState::path_for_keystore(ctx.keystore_path()?),
            };
            let progress = bar("replaying");
            let p = progress.clone();
            let result = client
                .audit_verify(&state, move |done, total| {
                    p.set_length(total);
                    p.set_position(done);
                })
                .await;
            progress.finish_and_clear();
            let v = result?;
            let mut lines = vec![format!(
                "The access log is intact: {} entries replayed, the root matches the signed checkpoint.",
                v.report.entries
            )];
            match v.previous_size {
                Some(old) => lines.push(format!(
                    "It extends the checkpoint you kept before ({old} entries): nothing was removed or changed."
                )),
                None => lines.push(format!(
                    "First check: the log key is now pinned in {}.",
                    state.display()
                )),
            }
            lines.push(format!(
                "{} allowed reads, each with a basis; {} refused attempts; {} errors.",
                v.report.allowed_reads, v.report.denied, v.report.errors
            ));
            ctx.out.report(
                &lines,
                &json!({
                    "ok": true,
                    "size": v.checkpoint.size,
                    "root": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, v.checkpoint.root),
                    "previous_size": v.previous_size,
                    "pinned_now": v.pinned_now,
                    "allowed_reads": v.report.allowed_reads,
                    "denied": v.report.denied,
                    "errors": v.report.errors,
                    "checkpoint": v.note,
                }),
            )
        }
        AuditCommand::Export { out } => {
            let progress = bar("exporting");
            let p = progress.clone();
            let result = client
                .audit_export(&out, move |done, total| {
                    p.set_length(total);
                    p.set_position(done);
                })
                .await;
            progress.finish_and_clear();
            let done = result?;
            ctx.out.report(
                &[format!(
                    "Wrote {} entries and the signed checkpoint to {}.",
                    done.entries,
                    out.display()
                )],
                &json!({ "entries": done.entries, "size": done.checkpoint.size, "out": out }),
            )
        }
    }
}
