//! `browser_dossier_open_vs_native`: opening the same 300-field dossier in
//! Chromium, in a Web Worker, with the function the web app's key worker
//! opens each value of a plan with (`web/bench/plan_open.ts` calls
//! `openSealedField` of `web/src/crypto/field_open.ts`, as `openValue` in
//! `web/src/client/plan.ts` does: `age-encryption` and WebCrypto X25519 for
//! the envelope, WebCrypto AES-GCM for the seal), against the native
//! `dossier_open_vs_unwraps` rate measured in the same run. Both sides open
//! on one thread (the browser's WebCrypto calls run on Chromium's own
//! threads). Measured only where Debian's Chromium, Node and the web app's
//! `node_modules` are present; otherwise `kluis bench` says it skipped it.
//! Target: at least a third of the native rate.

use std::path::PathBuf;
use std::process::Command;

use super::{dossier, Budget, Figure};

/// Where the web app's sources are: `KLUIS_WEB_DIR`, or the `web/` folder
/// of the checkout this binary was built from.
fn web_dir() -> PathBuf {
    std::env::var_os("KLUIS_WEB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../web")))
}

fn chromium() -> String {
    std::env::var("KLUIS_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// Why the figure cannot be measured here, if it cannot.
pub fn unavailable() -> Option<String> {
    let web = web_dir();
    if !std::path::Path::new(&chromium()).exists() {
        return Some(format!("no Chromium at {}", chromium()));
    }
    if !web.join("node_modules/playwright-core").exists() {
        return Some(format!(
            "no {}/node_modules (run npm ci there)",
            web.display()
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("no node on PATH".into());
    }
    None
}

pub fn run(budget: &Budget) -> anyhow::Result<Figure> {
    let native = dossier::run(budget)?.value;
    let out = Command::new("node")
        .arg(web_dir().join("bench/run.mjs"))
        .arg(budget.side.as_millis().to_string())
        .arg(budget.rounds.to_string())
        .env("KLUIS_CHROMIUM", chromium())
        .output()?;
    if !out.status.success() {
        anyhow::bail!(
            "the browser benchmark failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("no output")
        );
    }
    let result: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let browser = result["dossiers_per_s"]
        .as_f64()
        .filter(|v| v.is_finite() && *v > 0.0)
        .ok_or_else(|| anyhow::anyhow!("the browser benchmark gave no rate"))?;
    Ok(Figure::new(
        "browser_dossier_open_vs_native",
        "dossiers/s",
        browser,
        native,
        "open a 300-field dossier in Chromium (Web Worker, the app's openSealedField)",
        "the same dossier opened natively (dossier_open_vs_unwraps)",
    ))
}
