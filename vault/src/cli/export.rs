//! `kluis export HOUSEHOLD --out FILE`: everything you can read, in an age
//! file only you can open (`age -d -i your-identity FILE`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use kluis_policy::HouseholdId;
use serde_json::json;

use super::Context;

#[derive(Args, Debug)]
pub struct ExportArgs {
    household: HouseholdId,
    /// Where to write the age file (never overwritten).
    #[arg(long)]
    out: PathBuf,
}

pub async fn run(ctx: &Context, args: ExportArgs) -> anyhow::Result<()> {
    if args.out.exists() {
        anyhow::bail!(
            "{} already exists; kluis does not overwrite it",
            args.out.display()
        );
    }
    let client = ctx.client()?;
    let (bytes, summary) = client.export_household(args.household).await?;
    write_private(&args.out, &bytes)?;
    ctx.out.say(&format!(
        "Wrote {} fields ({} versions), {} grants and {} access-log entries to {}, encrypted for you. \
         Open it with: age -d -i <your age identity> {}   (get the identity with `kluis keys age-identity --out FILE`)",
        summary.fields,
        summary.versions,
        summary.grants,
        summary.log_entries,
        args.out.display(),
        args.out.display()
    ));
    ctx.out.value(
        &args.out.display().to_string(),
        &json!({"out": args.out, "fields": summary.fields, "versions": summary.versions, "grants": summary.grants, "log_entries": summary.log_entries}),
    )
}

/// Create `path` with mode 0600, refusing to replace anything.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}
