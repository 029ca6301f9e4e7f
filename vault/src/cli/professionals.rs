//! `kluis professionals [--search TEXT]`: find the professional to share
//! with, by part of their name or organisation. Lists only professionals
//! (never clients, auditors or administrators), at most 20, by name, each
//! with the fingerprint to compare before `kluis grant`.

use clap::Args;

use super::Context;
use crate::wire::catalogue::Professional;

#[derive(Args, Debug)]
pub struct ProfessionalsArgs {
    /// Part of a name or an organisation, in any case (at most 60 characters).
    #[arg(long)]
    search: Option<String>,
}

fn line(p: &Professional) -> String {
    let org = p
        .org
        .as_deref()
        .map(|o| format!(" of {o}"))
        .unwrap_or_default();
    format!(
        "{}{org}: {}, fingerprint {}",
        p.name, p.principal_id, p.fingerprint
    )
}

pub async fn run(ctx: &Context, args: ProfessionalsArgs) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let list = client.professionals(args.search.as_deref()).await?;
    let mut lines: Vec<String> = list.professionals.iter().map(line).collect();
    if lines.is_empty() {
        lines.push(match args.search.as_deref().map(str::trim) {
            Some(q) if !q.is_empty() => {
                format!("No professional's name or organisation contains '{q}'.")
            }
            _ => "No professionals are registered yet.".to_owned(),
        });
    }
    if list.more {
        lines.push(format!(
            "More professionals match than these {}: search with more of the name or organisation.",
            list.professionals.len()
        ));
    }
    ctx.out.report(&lines, &list)
}
