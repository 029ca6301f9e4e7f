//! `kluis proposals`, `kluis approve PROPOSAL`, `kluis reject PROPOSAL`: the
//! second administrator's side of erasure and destruction.

use kluis_policy::ProposalId;

use super::Context;
use crate::wire::retention::Proposal;

fn describe(p: &Proposal) -> String {
    let what = match p.kind.as_str() {
        "erase" => format!("erase {} (basis: {})", join(p), p.basis),
        _ => format!(
            "destroy {} household(s): {} (list approved by {})",
            p.households.len(),
            join(p),
            p.basis
        ),
    };
    format!(
        "{}  {}  proposed by {} on {}, waits until {}",
        p.id,
        what,
        p.proposed_by_name.as_deref().unwrap_or("?"),
        p.proposed_at,
        p.expires_at
    )
}

fn join(p: &Proposal) -> String {
    p.households
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn list(ctx: &Context) -> anyhow::Result<()> {
    let list = ctx.client()?.proposals().await?;
    ctx.out.say(&format!(
        "{} proposal(s) wait for a second administrator:",
        list.proposals.len()
    ));
    let lines: Vec<String> = list.proposals.iter().map(describe).collect();
    ctx.out.report(&lines, &list)
}

pub async fn approve(ctx: &Context, id: ProposalId) -> anyhow::Result<()> {
    let done = ctx.client()?.approve(id).await?;
    let mut said = format!(
        "Approved. {} household dossier(s) deleted for good; the access log records it under your name and the proposer's.",
        done.destroyed.len()
    );
    if !done.held.is_empty() {
        said.push_str(&format!(
            " {} kept because of a legal hold.",
            done.held.len()
        ));
    }
    if !done.skipped.is_empty() {
        said.push_str(&format!(
            " {} no longer due (reopened or deleted already).",
            done.skipped.len()
        ));
    }
    ctx.out.say(&said);
    let lines: Vec<String> = done
        .destroyed
        .iter()
        .map(|h| format!("deleted {h}"))
        .collect();
    ctx.out.report(&lines, &done)
}

pub async fn reject(ctx: &Context, id: ProposalId) -> anyhow::Result<()> {
    let p = ctx.client()?.reject(id).await?;
    ctx.out
        .say("Turned down: nothing is deleted. The access log records it.");
    ctx.out.report(&[describe(&p)], &p)
}
