//! `kluis household create | add-member | show | list | contact …`.

use clap::Subcommand;
use kluis_policy::{HouseholdId, PrincipalId};
use serde_json::json;

use super::Context;

#[derive(Subcommand, Debug)]
pub enum HouseholdCommand {
    /// Start a household (and its plan); prints the household id.
    Create,
    /// Add a person to your household: they can then read and change the whole plan.
    AddMember {
        household: HouseholdId,
        principal: PrincipalId,
        /// Their key fingerprint as they read it out to you (from `kluis
        /// whoami`); nothing is sent unless it matches.
        #[arg(long)]
        expect_fingerprint: Option<String>,
    },
    /// A trusted contact (vertrouwenspersoon): name, remove, list, request,
    /// refuse, release.
    #[command(subcommand)]
    Contact(super::contact::ContactCommand),
    /// Readmit a member who lost their keys and got new ones with a
    /// re-enrolment invite: compare their new fingerprint with them in
    /// person first. Until a member does this, devices do not accept their
    /// new keys as a member.
    Readmit {
        household: HouseholdId,
        principal: PrincipalId,
        /// Their new key fingerprint as they read it out to you (from
        /// `kluis whoami`); nothing is sent unless it matches.
        #[arg(long)]
        expect_fingerprint: Option<String>,
    },
    /// Show a household's members.
    Show { household: HouseholdId },
    /// List the households you can see.
    List,
    /// Give new keys to every field someone lost access to (a grant that
    /// was withdrawn or ran out), until the server reports none left; also
    /// finishes a withdrawal whose re-keying stopped partway.
    Sync { household: HouseholdId },
    /// End support: starts the retention clock (the coordinating professional or an administrator).
    Close {
        household: HouseholdId,
        /// Retention class: wmo, jeugd, niet-vastgesteld (or your schedule's).
        #[arg(long)]
        basis: String,
    },
    /// Undo closing, before destruction.
    Reopen { household: HouseholdId },
    /// Place a legal hold (administrators): the dossier is not destroyed while it lasts; prints the hold's id.
    Hold {
        household: HouseholdId,
        #[arg(long)]
        reason: String,
    },
    /// Release one legal hold (administrators).
    Release {
        household: HouseholdId,
        /// The hold's id (printed when it was placed).
        #[arg(long)]
        hold: String,
        /// Why the hold may end, recorded in the log.
        #[arg(long)]
        reason: String,
    },
    /// Propose erasing a dossier before its term, where the law allows
    /// (administrators); prints the proposal id. A second administrator
    /// carries it out with `kluis approve`.
    Erase {
        household: HouseholdId,
        /// The legal basis, recorded in the log.
        #[arg(long)]
        basis: String,
    },
}

pub async fn run(ctx: &Context, cmd: HouseholdCommand) -> anyhow::Result<()> {
    let client = ctx.client()?;
    match cmd {
        HouseholdCommand::Create => {
            let h = client.create_household().await?;
            ctx.out
                .say("Your household is made. Only its members can open its plan.");
            ctx.out.value(&h.to_string(), &json!({ "household_id": h }))
        }
        HouseholdCommand::AddMember {
            household,
            principal,
            expect_fingerprint,
        } => {
            let keys =
                super::fingerprint::checked_keys(&client, principal, expect_fingerprint.as_deref())
                    .await?;
            let added = client
                .add_member_expecting(household, principal, expect_fingerprint.as_deref())
                .await?;
            ctx.out.say(&format!(
                "{} ({}) is now a member and can read and change the whole plan. Their key fingerprint is {}.",
                keys.name, principal, keys.fingerprint
            ));
            ctx.out.value(&added.principal_id.to_string(), &added)
        }
        HouseholdCommand::Readmit {
            household,
            principal,
            expect_fingerprint,
        } => {
            let keys = client.readmission_keys(principal).await?;
            crate::client::expect_fingerprint(&keys, expect_fingerprint.as_deref())?;
            super::fingerprint::confirm(&keys, expect_fingerprint.as_deref())?;
            let done = client.readmit(household, &keys).await?;
            ctx.out.say(&format!(
                "{} ({}) is a member again, with the new keys of fingerprint {}.",
                keys.name, principal, keys.fingerprint
            ));
            ctx.out.value(&done.principal_id.to_string(), &done)
        }
        HouseholdCommand::Show { household } => {
            let info = client.household(household).await?;
            let mut lines = vec![format!(
                "household {} (since {})",
                info.household_id, info.created_at
            )];
            for m in &info.members {
                lines.push(format!(
                    "  member {} (since {})",
                    m.principal_id, m.added_at
                ));
            }
            ctx.out.report(&lines, &info)
        }
        HouseholdCommand::Close { household, basis } => {
            let s = client.close_household(household, &basis).await?;
            ctx.out.say(&format!(
                "Support ended. The dossier will be due for destruction on {}.",
                s.due_at.as_deref().unwrap_or("?")
            ));
            ctx.out.report(&[super::retention::describe(&s)], &s)
        }
        HouseholdCommand::Reopen { household } => {
            let s = client.reopen_household(household).await?;
            ctx.out.report(&[super::retention::describe(&s)], &s)
        }
        HouseholdCommand::Hold { household, reason } => {
            let held = client.hold(household, &reason).await?;
            ctx.out.say(&format!(
                "Legal hold placed: this dossier will not be destroyed or erased while it lasts. To end it: kluis household release {household} --hold {} --reason TEXT",
                held.hold.id
            ));
            ctx.out.value(&held.hold.id, &held)
        }
        HouseholdCommand::Release {
            household,
            hold,
            reason,
        } => {
            let s = client.release_hold(household, &hold, &reason).await?;
            ctx.out
                .say("The legal hold is released; the log records why.");
            ctx.out.report(&[super::retention::describe(&s)], &s)
        }
        HouseholdCommand::Erase { household, basis } => {
            let p = client.propose_erasure(household, &basis).await?;
            ctx.out.say(&format!(
                "Nothing is erased yet. Another administrator must approve this with `kluis approve {}` before {}.",
                p.id, p.expires_at
            ));
            ctx.out.value(&p.id.to_string(), &p)
        }
        HouseholdCommand::Contact(cmd) => super::contact::run(ctx, &client, cmd).await,
        HouseholdCommand::Sync { household } => super::consent::sync(ctx, household).await,
        HouseholdCommand::List => {
            let list = client.households().await?;
            let lines: Vec<String> = list.iter().map(ToString::to_string).collect();
            ctx.out.report(&lines, &json!({ "households": list }))
        }
    }
}
