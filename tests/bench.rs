//! `kluis bench --quick --json` reports every headline figure, each a
//! finite positive rate beside a finite positive baseline, with
//! ratio = value / baseline. Checks the shape only: timings belong in
//! BENCHMARKS.md, never in a test's pass/fail.

use std::process::Command;

/// `policy_vs_cedar` only with `--features bench-cedar` (CI runs both).
const FIGURES: &[&str] = &[
    "seal_vs_aead",
    "seal_vs_memcpy",
    "dossier_open_vs_unwraps",
    #[cfg(feature = "bench-cedar")]
    "policy_vs_cedar",
    "audit_append_vs_sqlite",
    "verify_vs_sha256",
    "verify_one_core_vs_sha256",
    "http_read_vs_trivial",
    "http_read_vs_trivial_c64",
];

#[test]
fn quick_bench_reports_every_figure() {
    let out = Command::new(env!("CARGO_BIN_EXE_kluis"))
        .args(["bench", "--quick", "--json"])
        .env_remove("KLUIS_SERVER")
        .output()
        .expect("kluis runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "kluis bench failed: {stderr}");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let json: serde_json::Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let top = json.as_object().expect("an object");
    assert_eq!(top.len(), 1, "only \"figures\" at the top: {json}");
    let figures = json["figures"].as_object().expect("figures is an object");
    #[cfg(not(feature = "bench-cedar"))]
    assert!(
        figures.get("policy_vs_cedar").is_none(),
        "Cedar is not in this build: {json}"
    );
    for &name in FIGURES {
        let f = figures
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing from {json}"));
        let number = |key: &str| {
            let v = f[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{name}.{key} is not a number: {f}"));
            assert!(v.is_finite() && v > 0.0, "{name}.{key} = {v}");
            v
        };
        let (value, baseline, ratio) = (number("value"), number("baseline"), number("ratio"));
        assert!(
            ((value / baseline) - ratio).abs() <= 1e-9 * ratio.max(1.0),
            "{name}: ratio {ratio} is not {value} / {baseline}"
        );
        assert!(
            f["unit"].as_str().is_some_and(|u| !u.is_empty()),
            "{name} has no unit"
        );
    }
    // The browser figure is a headline figure wherever it can be measured.
    match kluis_vault::bench::browser::unavailable() {
        None => assert!(
            figures.contains_key("browser_dossier_open_vs_native"),
            "Chromium is here, yet no browser figure: {json}"
        ),
        Some(why) => assert!(
            stderr.contains("skipped browser_dossier_open_vs_native"),
            "{why}, yet not said: {stderr}"
        ),
    }
    for name in ["http_read_vs_trivial", "http_read_vs_trivial_c64"] {
        let http = &figures[name];
        for key in ["p50_ms", "p99_ms"] {
            let v = http[key].as_f64().expect("latency reported");
            assert!(v.is_finite() && v > 0.0, "{name}.{key} = {v}");
        }
        assert!(http["p50_ms"].as_f64() <= http["p99_ms"].as_f64());
        let per_commit = http["reads_per_commit"].as_f64().expect("reads per commit");
        assert!(per_commit >= 1.0, "{name}: {per_commit} reads per commit");
        // A commit is a round trip to the disk at least: never free, and
        // never near the bench's own 30 s request time-out.
        let commit_ms = http["commit_ms"].as_f64().expect("commit time");
        assert!(
            commit_ms > 0.0 && commit_ms < 30_000.0,
            "{name}: {commit_ms} ms per commit"
        );
    }
}
