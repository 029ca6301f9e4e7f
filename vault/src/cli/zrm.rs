//! `kluis plan zrm HOUSEHOLD [--set DOMAIN=SCORE]... [--date D] [--note T]`:
//! list the self-sufficiency scores (per domain the current score and its
//! history), or record new ones. The scores are plan fields
//! (`crate::zrm`); this file only reads arguments and prints.

use clap::Args;
use kluis_policy::HouseholdId;
use serde_json::{json, Value};

use super::Context;
use crate::client::{Authorship, Client, ZrmDomainScores, ZrmVersion};
use crate::template::ZrmTemplate;
use crate::zrm::{ZrmDate, ZrmEntry, ZrmNote, ZrmSetting};

#[derive(Args, Debug)]
pub struct ZrmArgs {
    household: HouseholdId,
    /// Record a score, DOMAIN=SCORE (e.g. financien=3); repeat for more
    /// domains. 1 acute problems, 2 not self-reliant, 3 barely
    /// self-reliant, 4 adequately self-reliant, 5 fully self-reliant.
    #[arg(long = "set", value_name = "DOMAIN=SCORE")]
    set: Vec<ZrmSetting>,
    /// The day the score was taken, YYYY-MM-DD (default: today).
    #[arg(long, requires = "set", value_name = "YYYY-MM-DD")]
    date: Option<ZrmDate>,
    /// A short note with the score (at most 500 characters, one line).
    #[arg(long, requires = "set")]
    note: Option<ZrmNote>,
}

pub async fn run(ctx: &Context, client: &Client, args: ZrmArgs) -> anyhow::Result<()> {
    let zrm = client.zrm_template().await?;
    if args.set.is_empty() {
        let scores = client.zrm_scores(args.household, &zrm).await?;
        return list(ctx, &zrm, &scores);
    }
    let date = match args.date {
        Some(d) => d,
        None => ZrmDate::from_date(chrono::Local::now().date_naive())?,
    };
    let note = args.note.unwrap_or_default();
    // Check every domain before writing any, so a typo writes nothing.
    for s in &args.set {
        if zrm.domain(s.domain.as_str()).is_none() {
            let known: Vec<&str> = zrm.domains.iter().map(|d| d.id.as_str()).collect();
            anyhow::bail!(
                "'{}' is not a ZRM domain on this server; the domains are: {}",
                s.domain,
                known.join(", ")
            );
        }
    }
    let mut lines = Vec::new();
    let mut written = Vec::new();
    for s in &args.set {
        let entry = ZrmEntry {
            score: s.score,
            date,
            note: note.clone(),
        };
        let w = client
            .set_zrm_score(args.household, &zrm, &s.domain, &entry)
            .await?;
        ctx.out.say(&format!(
            "Saved {}: {} of 5 ({}) on {}, as version {}.",
            s.domain,
            s.score,
            s.score.words(),
            date,
            w.version
        ));
        lines.push(format!("{} {}", w.path, w.version));
        written.push(json!({
            "domain": s.domain.as_str(), "path": w.path, "version": w.version,
            "score": s.score.get(), "date": date.to_string(), "note": note.as_str(),
        }));
    }
    ctx.out.report(&lines, &json!({ "written": written }))
}

fn list(ctx: &Context, zrm: &ZrmTemplate, scores: &[ZrmDomainScores]) -> anyhow::Result<()> {
    let mut lines = Vec::new();
    for d in scores {
        lines.push(format!("{} ({})", d.domain.name_en, d.domain.id));
        match d.current() {
            None => lines.push("  no score you can read yet".to_owned()),
            Some(v) => {
                lines.push(format!("  now: {}", describe(v)));
                if d.versions.len() > 1 || d.not_shared > 0 {
                    lines.push("  history, newest first:".to_owned());
                    for v in &d.versions {
                        lines.push(format!(
                            "    version {}: {}; by {}",
                            v.version,
                            describe(v),
                            v.authorship.describe()
                        ));
                    }
                    if d.not_shared > 0 {
                        lines.push(format!(
                            "    and {} earlier version(s) from before your access began, not shared with you",
                            d.not_shared
                        ));
                    }
                }
            }
        }
    }
    let domains: Vec<Value> = scores
        .iter()
        .map(|d| {
            let history: Vec<Value> = d.versions.iter().map(version_json).collect();
            json!({
                "id": d.domain.id, "name": d.domain.name, "name_en": d.domain.name_en,
                "path": format!("{}/{}", zrm.section, d.domain.id),
                "current": d.current().map(version_json),
                "history": history,
                "not_shared": d.not_shared,
            })
        })
        .collect();
    ctx.out.report(
        &lines,
        &json!({ "section": zrm.section, "domains": domains }),
    )
}

/// "3 of 5 (barely self-reliant) on 2026-11-30: note", or why it is not a score.
fn describe(v: &ZrmVersion) -> String {
    match &v.entry {
        Ok(e) => {
            let note = if e.note.as_str().is_empty() {
                String::new()
            } else {
                format!(": {}", e.note.as_str())
            };
            format!("{} of 5 ({}) on {}{note}", e.score, e.score.words(), e.date)
        }
        Err(e) => format!("not a valid score ({e})"),
    }
}

fn version_json(v: &ZrmVersion) -> Value {
    let mut out = json!({
        "version": v.version, "written_at": v.written_at,
        "writer": v.authorship.writer(), "written_by": v.authorship.describe(),
        "signed": matches!(v.authorship, Authorship::Signed { .. }),
    });
    match &v.entry {
        Ok(e) => {
            out["score"] = json!(e.score.get());
            out["words"] = json!(e.score.words());
            out["date"] = json!(e.date.to_string());
            out["note"] = json!(e.note.as_str());
        }
        Err(e) => out["error"] = json!(e.to_string()),
    }
    out
}
