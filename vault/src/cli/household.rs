//! `kluis household create | add-member | show | list`.

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
    },
    /// Show a household's members.
    Show { household: HouseholdId },
    /// List the households you can see.
    List,
    /// Re-key fields still readable by someone whose grant expired.
    Sync { household: HouseholdId },
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
        } => {
            let who = client.principal(principal).await?;
            let added = client.add_member(household, principal).await?;
            ctx.out.say(&format!(
                "{} ({}) is now a member and can read and change the whole plan. Their key fingerprint is {}.",
                who.name, principal, who.fingerprint
            ));
            ctx.out.value(&added.principal_id.to_string(), &added)
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
        HouseholdCommand::Sync { household } => super::consent::sync(ctx, household).await,
        HouseholdCommand::List => {
            let list = client.households().await?;
            let lines: Vec<String> = list.iter().map(ToString::to_string).collect();
            ctx.out.report(&lines, &json!({ "households": list }))
        }
    }
}
