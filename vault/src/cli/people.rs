//! `kluis people [--search TEXT]`: everyone registered here, for
//! administrators (the server refuses anyone else and logs each look), with
//! their role, organisation, fingerprint and whether they are disabled.

use clap::Args;

use super::Context;
use crate::wire::people::Person;

#[derive(Args, Debug)]
pub struct PeopleArgs {
    /// Part of a name or an organisation, in any case (at most 60 characters).
    #[arg(long)]
    search: Option<String>,
}

fn line(p: &Person) -> String {
    let org = p
        .org
        .as_deref()
        .map(|o| format!(" of {o}"))
        .unwrap_or_default();
    let disabled = p
        .disabled_at
        .as_deref()
        .map(|at| format!(" (disabled since {at})"))
        .unwrap_or_default();
    format!(
        "{}{org}, {}: {}, fingerprint {}{disabled}",
        p.name, p.role, p.principal_id, p.fingerprint
    )
}

pub async fn run(ctx: &Context, args: PeopleArgs) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let list = client.people(args.search.as_deref()).await?;
    let mut lines: Vec<String> = list.people.iter().map(line).collect();
    if lines.is_empty() {
        lines.push(match args.search.as_deref().map(str::trim) {
            Some(q) if !q.is_empty() => format!("Nobody's name or organisation contains '{q}'."),
            _ => "Nobody is registered yet.".to_owned(),
        });
    }
    if list.more {
        lines.push(format!(
            "More people match than these {}: search with more of the name or organisation.",
            list.people.len()
        ));
    }
    ctx.out.report(&lines, &list)
}
