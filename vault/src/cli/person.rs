//! `kluis person disable | enable | sign-out | sessions` (administrators) and
//! `kluis logout --all` (anyone, for themselves).
//!
//! Disabling is for someone who must no longer get in (left the
//! organisation, a stolen keystore): they cannot log in, their sessions end
//! at once and the invites they made stop working, until an administrator
//! enables them again. Signing someone out is for a lost phone or laptop:
//! their sessions end and they log in again with their keystore.

use clap::{Args, Subcommand};
use kluis_policy::PrincipalId;

use super::Context;
use crate::wire::accounts::AccountStatus;

#[derive(Subcommand, Debug)]
pub enum PersonCommand {
    /// Disable a person: they cannot log in and their sessions end at once.
    Disable {
        principal: PrincipalId,
        /// Why (recorded in the access log, where their household can read it).
        #[arg(long)]
        reason: String,
    },
    /// Let a disabled person log in again.
    Enable { principal: PrincipalId },
    /// End all of a person's sessions (a lost phone): they log in again.
    /// With `--session ID`, end only that one.
    SignOut {
        principal: PrincipalId,
        /// End only this session (an id from `kluis person sessions`).
        #[arg(long, value_parser = super::sessions::session_id)]
        session: Option<String>,
    },
    /// List a person's signed-in sessions (devices).
    Sessions { principal: PrincipalId },
}

#[derive(Args, Debug)]
pub struct LogoutArgs {
    /// End every session of yours, on every device, including tokens
    /// printed by `kluis login`.
    #[arg(long)]
    all: bool,
}

fn sessions(n: u64) -> String {
    match n {
        1 => "1 session".to_owned(),
        n => format!("{n} sessions"),
    }
}

fn who(s: &AccountStatus) -> String {
    format!("{} ({}, {})", s.name, s.role, s.principal_id)
}

pub async fn run(ctx: &Context, cmd: PersonCommand) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let (status, line) = match cmd {
        PersonCommand::Disable { principal, reason } => {
            let s = client.disable_person(principal, &reason).await?;
            let line = format!(
                "Disabled {}: they cannot log in until an administrator enables them again; {} ended.",
                who(&s),
                sessions(s.sessions_ended)
            );
            (s, line)
        }
        PersonCommand::Enable { principal } => {
            let s = client.enable_person(principal).await?;
            let line = format!("Enabled {} again: they can log in.", who(&s));
            (s, line)
        }
        PersonCommand::Sessions { principal } => {
            let list = client.sessions_of(principal).await?;
            let whose = format!("{principal} has");
            return ctx
                .out
                .report(&super::sessions::lines(&list, &whose), &list);
        }
        PersonCommand::SignOut {
            principal,
            session: Some(session),
        } => {
            let done = client.end_session_of(principal, &session).await?;
            return ctx.out.report(
                &[format!(
                    "Ended session {} of {principal}; that device must log in again.",
                    done.id
                )],
                &done,
            );
        }
        PersonCommand::SignOut {
            principal,
            session: None,
        } => {
            let s = client.end_sessions(principal).await?;
            let line = format!(
                "Ended {} of {}; they can log in again with their keystore.",
                sessions(s.sessions_ended),
                who(&s)
            );
            (s, line)
        }
    };
    ctx.out.report(&[line], &status)
}

pub async fn logout(ctx: &Context, args: LogoutArgs) -> anyhow::Result<()> {
    if !args.all {
        anyhow::bail!(
            "kluis keeps no login between commands, so there is nothing to log out of; use --all to end every session of yours (also tokens from kluis login)"
        );
    }
    let client = ctx.client()?;
    let s = client.end_my_sessions().await?;
    ctx.out.report(
        &[format!(
            "Signed out everywhere: {} ended (counting the one this command used).",
            sessions(s.sessions_ended)
        )],
        &s,
    )
}
