//! `kluis grant`, `kluis grants`, `kluis revoke`, `kluis consent export|verify`,
//! `kluis household sync`.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};
use kluis_policy::{verify_grant, GrantId, HouseholdId, PrincipalId, Purpose, Scope, Validity};
use serde_json::json;

use super::Context;
use crate::client::GrantRequest;
use crate::clock::{parse_time, rfc3339};

#[derive(Args, Debug)]
pub struct GrantArgs {
    household: HouseholdId,
    /// The professional who gets access.
    #[arg(long)]
    to: PrincipalId,
    /// Which fields: exact paths or `section/*`, separated by commas.
    #[arg(long)]
    fields: Scope,
    /// Also allow changing these fields (reading is always included).
    #[arg(long)]
    write: bool,
    /// Also make them the coordinating professional (casushouder): they may
    /// close the case when support ends, which starts the retention period.
    #[arg(long)]
    coordinate: bool,
    /// Why: wmo, jeugd, participatie, schuldhulp, zorg, veiligheid or onderzoek.
    #[arg(long)]
    purpose: Purpose,
    /// Last day of access (YYYY-MM-DD, or an RFC 3339 time); default one year.
    #[arg(long)]
    until: Option<String>,
    /// The professional's key fingerprint as they read it out to you (from
    /// `kluis whoami`); nothing is sent unless it matches.
    #[arg(long)]
    expect_fingerprint: Option<String>,
}

pub async fn grant(ctx: &Context, args: GrantArgs) -> anyhow::Result<()> {
    let until_ms = match &args.until {
        Some(text) => Some(
            parse_time(text).with_context(|| format!("'{text}' is not a date (use YYYY-MM-DD)"))?,
        ),
        None => None,
    };
    let client = ctx.client()?;
    let keys =
        super::fingerprint::checked_keys(&client, args.to, args.expect_fingerprint.as_deref())
            .await?;
    let info = client
        .grant_expecting(
            args.household,
            GrantRequest {
                grantee: args.to,
                scope: args.fields,
                write: args.write,
                coordinate: args.coordinate,
                purpose: args.purpose,
                until_ms,
            },
            args.expect_fingerprint.as_deref(),
        )
        .await?;
    ctx.out.say(&format!(
        "{} ({}, {}) may now {} {} for {} until {}{}, with key fingerprint {}. \
         You can withdraw this at any time with `kluis revoke`.",
        keys.name,
        keys.role,
        info.grantee_org.as_deref().unwrap_or("no organisation"),
        if args.write {
            "read and change"
        } else {
            "read"
        },
        info.scope,
        args.purpose.description_en(),
        info.valid_until,
        if args.coordinate {
            ", and coordinates the case (casushouder: may close it when support ends)"
        } else {
            ""
        },
        keys.fingerprint
    ));
    ctx.out.value(&info.grant_id.to_string(), &info)
}

pub async fn list(ctx: &Context, household: HouseholdId) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let grants = client.grants(household).await?;
    let lines: Vec<String> = grants
        .iter()
        .map(|g| {
            format!(
                "{}  {} ({}) may {} {} for {} until {}: {}",
                g.grant_id,
                g.grantee_name.as_deref().unwrap_or("?"),
                g.grantee_org.as_deref().unwrap_or("-"),
                g.actions
                    .iter()
                    .map(|a| match a.as_str() {
                        "coordinate" => "coordinate the case (casushouder)",
                        other => other,
                    })
                    .collect::<Vec<_>>()
                    .join(" and "),
                g.scope,
                g.purpose,
                g.valid_until,
                g.status
            )
        })
        .collect();
    ctx.out.report(&lines, &json!({ "grants": grants }))
}

pub async fn revoke(ctx: &Context, household: HouseholdId, grant: GrantId) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let rekeyed = client.revoke(household, grant).await?;
    ctx.out.say(&format!(
        "Access withdrawn. {} field(s) now have new keys. This protects what is written from now on; \
         what they already read, they may have kept.",
        rekeyed.len()
    ));
    ctx.out.value(
        &grant.to_string(),
        &json!({ "grant_id": grant, "rekeyed": rekeyed }),
    )
}

pub async fn sync(ctx: &Context, household: HouseholdId) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let rekeyed = client.sync(household).await?;
    ctx.out.say(&format!(
        "{} field(s) re-keyed for the readers who still have access.",
        rekeyed.len()
    ));
    ctx.out
        .value(&rekeyed.len().to_string(), &json!({ "rekeyed": rekeyed }))
}

#[derive(Subcommand, Debug)]
pub enum ConsentCommand {
    /// Print a grant's signed consent receipt (a JWS).
    Export {
        household: HouseholdId,
        grant: GrantId,
    },
    /// Check a consent receipt offline: signature, contents, validity now.
    Verify { file: PathBuf },
}

pub async fn consent(ctx: &Context, cmd: ConsentCommand) -> anyhow::Result<()> {
    match cmd {
        ConsentCommand::Export { household, grant } => {
            let client = ctx.client()?;
            let jws = client.consent_receipt(household, grant).await?;
            ctx.out
                .value(&jws, &json!({ "grant_id": grant, "jws": jws }))
        }
        ConsentCommand::Verify { file } => verify(ctx, &file),
    }
}

fn verify(ctx: &Context, file: &PathBuf) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let verified = verify_grant(text.trim(), None)
        .map_err(|e| anyhow::anyhow!("not a valid consent receipt: {e}"))?;
    let s = verified.statement();
    let validity = s.validity_at(chrono::Utc::now().timestamp());
    let lines = vec![
        format!("Signature: valid, made with the key of {} (key {}).", s.issuer, hex::encode(verified.signer_key())),
        format!("Household: {}", s.household),
        format!("Grants {} (key fingerprint {})", s.grantee, s.grantee_fingerprint),
        format!("to {} the fields {}", s.actions.iter().map(|a| a.code()).collect::<Vec<_>>().join(" and "), s.scope),
        format!("for {} ({})", s.purpose.code(), s.purpose.description_en()),
        format!("from {} until {}; signed {}.", rfc3339(s.not_before * 1000), rfc3339(s.expires * 1000), rfc3339(s.issued_at * 1000)),
        format!("Now: {}.", crate::api::grants::validity_word(validity)),
        "This proves the holder of that signing key consented to exactly this. It does not prove the key \
         belongs to a household member (ask kluis or compare the key), nor that the consent was not withdrawn \
         since (ask kluis: `kluis grants`)."
            .to_owned(),
    ];
    ctx.out.report(
        &lines,
        &json!({ "valid_signature": true, "validity": crate::api::grants::validity_word(validity), "statement": {
            "grant_id": s.id, "issuer": s.issuer, "grantee": s.grantee, "grantee_fingerprint": s.grantee_fingerprint,
            "household": s.household, "scope": s.scope.to_string(), "purpose": s.purpose.code(),
            "not_before": rfc3339(s.not_before * 1000), "expires": rfc3339(s.expires * 1000) } }),
    )?;
    if validity != Validity::Active {
        bail!(
            "the receipt is genuine but the consent is {} now",
            crate::api::grants::validity_word(validity)
        );
    }
    Ok(())
}
