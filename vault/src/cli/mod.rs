//! The `kluis` command line. One file per command (or command family); this
//! file holds the argument tree and the one place errors are printed.
//!
//! The contract (../shared/DESIGN.md): every client command takes
//! `--keystore`/`KLUIS_KEYSTORE`, `--server`/`KLUIS_SERVER`, reads the
//! passphrase from `KLUIS_PASSPHRASE` or a prompt, and prints JSON with
//! `--json`. A command that prints a value prints exactly that value on one
//! line of stdout; messages go to stderr. Any failure exits non-zero with one
//! plain line on stderr.

mod access_log;
mod audit;
mod bench;
mod bench_scale;
mod bench_soak;
mod consent;
mod contact;
mod context;
mod demo;
mod enrol;
mod export;
mod fingerprint;
mod household;
mod keys;
mod observe;
mod output;
mod passkeys;
mod passphrase;
mod people;
mod person;
mod plan;
mod professionals;
mod proposals;
mod recovery_code;
mod retention;
mod rotate;
mod serve;
mod sessions;
mod zrm;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use context::Context;

#[derive(Parser, Debug)]
#[command(
    name = "kluis",
    version,
    about = "Household support plans, encrypted and shared by consent, with an access log nobody can quietly change."
)]
pub struct Cli {
    /// Your keystore file (made by `kluis keys new`).
    #[arg(long, global = true, env = "KLUIS_KEYSTORE")]
    keystore: Option<PathBuf>,
    /// The kluis server to talk to.
    #[arg(
        long,
        global = true,
        env = "KLUIS_SERVER",
        default_value = "http://127.0.0.1:7420"
    )]
    server: String,
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the kluis server.
    Serve(serve::ServeArgs),
    /// The three user stories, narrated, on a throw-away server.
    Demo,
    /// Make and inspect keystores.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Join with an invite code; prints your principal id.
    Register(enrol::RegisterArgs),
    /// Invite a person; prints the invite code.
    Invite(enrol::InviteArgs),
    /// Show who you are logged in as.
    Whoami {
        /// Print only your share link: a household that opens it in the web
        /// app can share with you, after checking your key code.
        #[arg(long)]
        share_link: bool,
    },
    /// Log in and print a bearer token for the HTTP API (see /openapi.json).
    Login,
    /// End your sessions: `--all` ends every one, on every device.
    Logout(person::LogoutArgs),
    /// Your signed-in sessions (devices); `end ID` ends one.
    Sessions(sessions::SessionsArgs),
    /// Your passkeys (added in the web app); `remove ID` removes one.
    Passkeys(passkeys::PasskeysArgs),
    /// Administrators: disable or enable a person, or end their sessions.
    #[command(subcommand)]
    Person(person::PersonCommand),
    /// Households: create, add members, show.
    #[command(subcommand)]
    Household(household::HouseholdCommand),
    /// The household's plan: write, read, list fields.
    #[command(subcommand)]
    Plan(plan::PlanCommand),
    /// Find a professional to share with, by name or organisation.
    Professionals(professionals::ProfessionalsArgs),
    /// Everyone registered here (administrators), by name or organisation.
    People(people::PeopleArgs),
    /// Give a professional access to parts of the plan; prints the grant id.
    Grant(consent::GrantArgs),
    /// List a household's grants.
    Grants {
        household: kluis_policy::HouseholdId,
    },
    /// Withdraw a grant (and re-key what it covered).
    Revoke {
        household: kluis_policy::HouseholdId,
        grant: kluis_policy::GrantId,
    },
    /// Consent receipts: export and verify.
    #[command(subcommand)]
    Consent(consent::ConsentCommand),
    /// Record an observation (professionals), optionally private.
    Observe(observe::ObserveArgs),
    /// Everything you can read of a household, in an age file only you can open.
    Export(export::ExportArgs),
    /// The destruction list and destruction (administrators).
    #[command(subcommand)]
    Retention(retention::RetentionCommand),
    /// Erasures and destructions waiting for a second administrator.
    Proposals,
    /// Approve another administrator's proposal to erase or destroy: it is carried out now.
    Approve { proposal: kluis_policy::ProposalId },
    /// Turn down a proposal to erase or destroy (or withdraw your own).
    Reject { proposal: kluis_policy::ProposalId },
    /// See who looked at or changed your household's plan, and when.
    AccessLog(access_log::AccessLogArgs),
    /// For auditors: search, export and verify the access log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// The headline performance figures, each beside a baseline.
    Bench(bench::BenchArgs),
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go to stdout as clap prints them; a usage error
        // is one line on stderr, like every other failure.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("kluis: {} (see kluis --help)", usage_error_line(&e));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&anyhow::anyhow!("cannot start: {e}")),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// clap spreads a usage error over several lines (what is wrong, which
/// argument, usage); fold the useful part into one line.
fn usage_error_line(e: &clap::Error) -> String {
    if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return "a command is missing".to_owned();
    }
    let text = e.to_string();
    let parts: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .map(|l| l.trim_start_matches("error: "))
        .collect();
    if parts.is_empty() {
        "invalid arguments".to_owned()
    } else {
        parts.join(" ")
    }
}

/// One line on stderr, exit code 1.
fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("kluis: {}", one_line(e));
    ExitCode::FAILURE
}

/// The error and its causes on one line, as `{:#}` would print them, but
/// without a cause the message before it already says: many of our errors
/// put their source in their own words ("the checkpoint is not valid: …"),
/// and repeating it made the line say everything twice.
fn one_line(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text.replace('\n', " ")
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let ctx = Context::new(cli.keystore, cli.server, cli.json);
    match cli.command {
        Command::Serve(args) => serve::run(args).await,
        Command::Demo => demo::run().await,
        Command::Keys(keys::KeysCommand::Trust {
            principal,
            fingerprint,
        }) => keys::trust(&ctx, principal, &fingerprint).await,
        Command::Keys(keys::KeysCommand::RecoveryCode) => recovery_code::renew(&ctx).await,
        Command::Keys(keys::KeysCommand::Rotate(args)) => rotate::rotate(&ctx, args).await,
        Command::Keys(keys::KeysCommand::Recover(args)) => recovery_code::recover(&ctx, args).await,
        Command::Keys(cmd) => keys::run(&ctx, cmd),
        Command::Register(args) => enrol::register(&ctx, args).await,
        Command::Invite(args) => enrol::invite(&ctx, args).await,
        Command::Whoami { share_link } => enrol::whoami(&ctx, share_link).await,
        Command::Login => enrol::login(&ctx).await,
        Command::Logout(args) => person::logout(&ctx, args).await,
        Command::Sessions(args) => sessions::run(&ctx, args).await,
        Command::Passkeys(args) => passkeys::run(&ctx, args).await,
        Command::Person(cmd) => person::run(&ctx, cmd).await,
        Command::Household(cmd) => household::run(&ctx, cmd).await,
        Command::Plan(cmd) => plan::run(&ctx, cmd).await,
        Command::Professionals(args) => professionals::run(&ctx, args).await,
        Command::People(args) => people::run(&ctx, args).await,
        Command::Grant(args) => consent::grant(&ctx, args).await,
        Command::Grants { household } => consent::list(&ctx, household).await,
        Command::Revoke { household, grant } => consent::revoke(&ctx, household, grant).await,
        Command::Consent(cmd) => consent::consent(&ctx, cmd).await,
        Command::Observe(args) => observe::run(&ctx, args).await,
        Command::Export(args) => export::run(&ctx, args).await,
        Command::Retention(cmd) => retention::run(&ctx, cmd).await,
        Command::Proposals => proposals::list(&ctx).await,
        Command::Approve { proposal } => proposals::approve(&ctx, proposal).await,
        Command::Reject { proposal } => proposals::reject(&ctx, proposal).await,
        Command::AccessLog(args) => access_log::run(&ctx, args).await,
        Command::Audit(cmd) => audit::run(&ctx, cmd).await,
        Command::Bench(args) => bench::run(&ctx, args).await,
    }
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[derive(Debug, thiserror::Error)]
    #[error("the checkpoint is not valid: {0}")]
    struct Outer(#[from] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("the signature is wrong")]
    struct Inner;

    #[test]
    fn a_cause_is_said_once() {
        let e = anyhow::Error::from(Outer(Inner));
        assert_eq!(
            one_line(&e),
            "the checkpoint is not valid: the signature is wrong"
        );
        let e = anyhow::Error::from(Inner).context("checking the log");
        assert_eq!(one_line(&e), "checking the log: the signature is wrong");
        let e = anyhow::anyhow!("two\nlines");
        assert_eq!(one_line(&e), "two lines");
    }
}
