//! `kluis sessions` (my signed-in devices), `kluis sessions end ID`, and for
//! administrators `kluis person sessions P` and
//! `kluis person sign-out P --session ID` (in `cli::person`).
//!
//! The CLI keeps no login between commands: every command logs in anew, so
//! each run is a session of its own (shown as "kluis CLI 0.1") that lasts
//! until its token expires. The list marks the one this command used.

use clap::{Args, Subcommand};

use super::Context;
use crate::wire::sessions::{SessionInfo, SessionList};

#[derive(Args, Debug)]
pub struct SessionsArgs {
    #[command(subcommand)]
    command: Option<SessionsCommand>,
}

#[derive(Subcommand, Debug)]
enum SessionsCommand {
    /// End one of your sessions (the id from `kluis sessions`).
    End {
        #[arg(value_parser = session_id)]
        id: String,
    },
}

/// A session id as the server shows them (24 lowercase hex digits); checked
/// here so nothing else ends up in the request's path.
pub fn session_id(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.len() == 24 && t.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(t.to_owned())
    } else {
        Err("a session id is 24 lowercase hex digits, as `kluis sessions` shows them".to_owned())
    }
}

/// "2026-11-30 10:02" from an RFC 3339 time.
fn minute(t: &Option<String>) -> String {
    t.as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// One line per session: "ID  device  since …  last used …  (this device)".
pub fn lines(list: &SessionList, whose: &str) -> Vec<String> {
    if list.sessions.is_empty() {
        return vec![format!("{whose} no sessions.")];
    }
    let mut out = vec![format!(
        "{whose} {} {}:",
        list.sessions.len(),
        if list.sessions.len() == 1 {
            "session"
        } else {
            "sessions"
        }
    )];
    out.extend(list.sessions.iter().map(line));
    out
}

fn line(s: &SessionInfo) -> String {
    format!(
        "{}  {}  since {}, last used {}{}",
        s.id,
        s.device,
        minute(&s.created_at),
        minute(&s.last_used_at),
        if s.current { "  (this command)" } else { "" }
    )
}

pub async fn run(ctx: &Context, args: SessionsArgs) -> anyhow::Result<()> {
    let client = ctx.client()?;
    match args.command {
        None => {
            let list = client.my_sessions().await?;
            ctx.out.report(&lines(&list, "You have"), &list)
        }
        Some(SessionsCommand::End { id }) => {
            let done = client.end_my_session(&id).await?;
            ctx.out.report(
                &[format!(
                    "Ended session {}: that device must log in again.",
                    done.id
                )],
                &done,
            )
        }
    }
}
