//! `kluis observe HOUSEHOLD (--text T | --file F) [--private]` and
//! `kluis observe publish HOUSEHOLD FIELD`.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};
use kluis_policy::{FieldPath, HouseholdId};

use super::Context;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ObserveArgs {
    #[command(subcommand)]
    publish: Option<ObserveCommand>,
    household: Option<HouseholdId>,
    /// The observation as text.
    #[arg(long, conflicts_with = "file")]
    text: Option<String>,
    /// Read the observation from a file.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Only you can read it; the household sees only that it exists.
    #[arg(long)]
    private: bool,
}

#[derive(Subcommand, Debug)]
pub enum ObserveCommand {
    /// Share one of your private observations into the plan.
    Publish {
        household: HouseholdId,
        field: FieldPath,
    },
}

pub async fn run(ctx: &Context, args: ObserveArgs) -> anyhow::Result<()> {
    let client = ctx.client()?;
    if let Some(ObserveCommand::Publish { household, field }) = args.publish {
        let written = client.publish(household, &field).await?;
        ctx.out.say(&format!(
            "{field} is now part of the plan: the household and its readers can read it."
        ));
        return ctx.out.value(&written.path.to_string(), &written);
    }
    let Some(household) = args.household else {
        bail!("name the household: kluis observe HOUSEHOLD --text TEXT")
    };
    let text = match (args.text, args.file) {
        (Some(t), _) => t.into_bytes(),
        (None, Some(f)) => {
            std::fs::read(&f).with_context(|| format!("cannot read {}", f.display()))?
        }
        (None, None) => bail!("give the observation with --text TEXT or --file PATH"),
    };
    let written = client.observe(household, &text, args.private).await?;
    ctx.out.say(if args.private {
        "Saved as a private observation: only you can read it. The household's access history shows that it exists."
    } else {
        "Saved in the plan's observations."
    });
    ctx.out.value(&written.path.to_string(), &written)
}
