//! `kluis retention list|destroy` (and how a household's retention state reads).

use clap::Subcommand;

use super::Context;
use crate::wire::retention::RetentionStatus;

#[derive(Subcommand, Debug)]
pub enum RetentionCommand {
    /// The destruction list: households due by a date (administrators).
    List {
        /// A date (YYYY-MM-DD); default today.
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Propose destroying what is due now and not on hold (administrators);
    /// prints the proposal id. A second administrator carries it out with
    /// `kluis approve`.
    Destroy {
        /// Who approved the destruction list.
        #[arg(long)]
        approved_by: String,
    },
}

pub fn describe(s: &RetentionStatus) -> String {
    let mut line = format!("{}", s.household_id);
    if let Some(d) = &s.destroyed_at {
        line.push_str(&format!("  destroyed {d}"));
        return line;
    }
    match (&s.closed_at, &s.class, &s.due_at) {
        (Some(c), Some(class), Some(due)) => {
            line.push_str(&format!("  closed {c}  class {class}  due {due}"))
        }
        _ => line.push_str("  open (support continues)"),
    }
    if !s.holds.is_empty() {
        let holds: Vec<String> = s
            .holds
            .iter()
            .map(|h| format!("{} (hold {})", h.reason, h.id))
            .collect();
        line.push_str(&format!("  ON HOLD: {}", holds.join("; ")));
    }
    line
}

pub async fn run(ctx: &Context, cmd: RetentionCommand) -> anyhow::Result<()> {
    let client = ctx.client()?;
    match cmd {
        RetentionCommand::List { as_of } => {
            let list = client.retention_due(as_of.as_deref()).await?;
            ctx.out.say(&format!(
                "{} household(s) due by {}:",
                list.households.len(),
                list.as_of
            ));
            let lines: Vec<String> = list.households.iter().map(describe).collect();
            ctx.out.report(&lines, &list)
        }
        RetentionCommand::Destroy { approved_by } => {
            let p = client.propose_destruction(&approved_by).await?;
            ctx.out.say(&format!(
                "Proposed destroying {} household dossier(s). Nothing is destroyed yet: another administrator must approve this with `kluis approve {}` before {}.",
                p.households.len(),
                p.id,
                p.expires_at
            ));
            ctx.out.value(&p.id.to_string(), &p)
        }
    }
}
