//! `kluis household close|reopen|hold|release|erase` and `kluis retention list|destroy`.

use clap::Subcommand;
use serde_json::json;

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
    /// Destroy what is due now and not on hold (administrators).
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
        line.push_str(&format!("  ON HOLD: {}", s.holds.join("; ")));
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
            let done = client.destroy_due(&approved_by).await?;
            ctx.out.say(&format!(
                "Destroyed {} household dossier(s); {} kept because of a legal hold. The access log records each destruction.",
                done.destroyed.len(),
                done.held.len()
            ));
            let lines: Vec<String> = done
                .destroyed
                .iter()
                .map(|h| format!("destroyed {h}"))
                .collect();
            ctx.out.report(&lines, &json!(done))
        }
    }
}
