//! `kluis plan set | get | list | history | zrm` (`zrm` in `zrm.rs`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use kluis_policy::{FieldPath, HouseholdId};
use serde_json::json;

use super::Context;
use crate::client::Authorship;

#[derive(Subcommand, Debug)]
pub enum PlanCommand {
    /// Write a field (a new version; earlier versions stay).
    Set(SetArgs),
    /// Print a field's content exactly.
    Get {
        household: HouseholdId,
        field: FieldPath,
        /// An earlier version.
        #[arg(long)]
        version: Option<i64>,
    },
    /// List the fields you can read (never their content).
    List { household: HouseholdId },
    /// List the versions of one field.
    History {
        household: HouseholdId,
        field: FieldPath,
    },
    /// Self-sufficiency scores (ZRM): list them per domain with their
    /// history, or record new ones with --set DOMAIN=SCORE.
    Zrm(super::zrm::ZrmArgs),
}

#[derive(Args, Debug)]
#[group(required = true, multiple = false, id = "content")]
pub struct Content {
    /// The new content as text.
    #[arg(long, group = "content")]
    value: Option<String>,
    /// Read the new content from a file (any bytes).
    #[arg(long, group = "content")]
    file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SetArgs {
    household: HouseholdId,
    field: FieldPath,
    #[command(flatten)]
    content: Content,
}

pub async fn run(ctx: &Context, cmd: PlanCommand) -> anyhow::Result<()> {
    let client = ctx.client()?;
    match cmd {
        PlanCommand::Zrm(args) => super::zrm::run(ctx, &client, args).await,
        PlanCommand::Set(args) => {
            let bytes = match (&args.content.value, &args.content.file) {
                (Some(v), _) => v.clone().into_bytes(),
                (None, Some(f)) => {
                    std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?
                }
                (None, None) => unreachable!("clap requires one"),
            };
            let written = client
                .set_field(args.household, &args.field, &bytes)
                .await?;
            ctx.out.say(&format!(
                "Saved {} as version {}.",
                written.path, written.version
            ));
            ctx.out.value(&written.version.to_string(), &written)
        }
        PlanCommand::Get {
            household,
            field,
            version,
        } => {
            let f = client.get_field(household, &field, version).await?;
            if ctx.out.json {
                let text = String::from_utf8(f.value.to_vec()).ok();
                println!(
                    "{}",
                    json!({
                        "path": f.path, "version": f.version, "author_role": f.author_role,
                        "created_at": f.created_at, "private": f.private,
                        "writer": f.authorship.writer(), "signed": matches!(f.authorship, Authorship::Signed { .. }),
                        "written_by": f.authorship.describe(),
                        "text": text,
                        "base64": if text.is_none() { Some(base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &f.value[..])) } else { None },
                    })
                );
            } else {
                if let Authorship::Unsigned { .. } = f.authorship {
                    ctx.out.say(&format!(
                        "Note: version {} of {} is unsigned (written before kluis signed versions): the server could have changed it.",
                        f.version, f.path
                    ));
                }
                // Exactly the stored bytes, nothing added.
                let mut out = std::io::stdout().lock();
                out.write_all(&f.value)?;
                out.flush()?;
            }
            Ok(())
        }
        PlanCommand::List { household } => {
            let fields = client.list_fields(household).await?;
            let lines: Vec<String> = fields
                .iter()
                .map(|f| {
                    format!(
                        "{:<40} v{:<4} ≤{:>7} bytes  by {:<12} {}{}",
                        f.path.as_str(),
                        f.version,
                        f.size_bucket,
                        f.author_role,
                        f.created_at,
                        if f.private { "  (private)" } else { "" }
                    )
                })
                .collect();
            ctx.out.report(&lines, &json!({ "fields": fields }))
        }
        PlanCommand::History { household, field } => {
            let versions = client.field_history(household, &field).await?;
            let lines: Vec<String> = versions
                .iter()
                .map(|(f, by)| {
                    format!(
                        "v{:<4} ≤{:>7} bytes  {}  by {}",
                        f.version,
                        f.size_bucket,
                        f.created_at,
                        by.describe()
                    )
                })
                .collect();
            let json: Vec<_> = versions
                .iter()
                .map(|(f, by)| {
                    json!({
                        "path": f.path, "version": f.version, "key_gen": f.key_gen,
                        "size_bucket": f.size_bucket, "author_role": f.author_role,
                        "created_at": f.created_at, "private": f.private,
                        "writer": by.writer(), "signed": matches!(by, Authorship::Signed { .. }),
                        "written_by": by.describe(),
                    })
                })
                .collect();
            ctx.out.report(&lines, &json!({ "versions": json }))
        }
    }
}
