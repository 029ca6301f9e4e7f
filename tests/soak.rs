//! `kluis bench soak` at a tiny size, so the soak can't silently rot: the
//! real server process under the whole mix for a few seconds, every answer
//! checked by the soak itself, and the report says so. The memory verdict
//! needs a long run and is documented in BENCHMARKS.md, never judged here.

use std::process::Command;

#[test]
fn a_short_soak_runs_the_whole_mix_without_errors() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kluis"));
    cmd.args([
        "bench",
        "soak",
        "--minutes",
        "0.15",
        "--workers",
        "2",
        "--json",
    ])
    .env_remove("KLUIS_SERVER");
    if let Ok(url) = std::env::var("KLUIS_TEST_DATABASE_URL") {
        if url.starts_with("postgres") {
            cmd.args(["--db", &url]);
        }
    }
    let out = cmd.output().expect("kluis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: stdout {stdout}, stderr {stderr}"));
    assert!(out.status.success(), "soak failed: {report}\n{stderr}");
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(report["passed"], true, "{report}");
    assert!(report["rss_growth"].is_null(), "a short run is not judged");
    // Every kind of operation happened at least once, and every read that
    // had to be refused was.
    let kinds = report["operations_by_kind"].as_object().expect("kinds");
    for kind in [
        "write",
        "grantee read",
        "owner read",
        "refused read",
        "grant cycle",
    ] {
        let n = kinds.get(kind).and_then(|n| n.as_u64()).unwrap_or(0);
        assert!(n > 0, "no {kind} in {report}");
    }
    assert!(
        report["expected_refusals"].as_u64().unwrap() > 0,
        "{report}"
    );
    // The final audit replayed at least every operation's log entry.
    let ops = report["operations"].as_u64().unwrap();
    let verified = report["log_entries_verified"].as_u64().unwrap();
    assert!(
        verified >= ops,
        "verified {verified} entries for {ops} operations"
    );
    // Memory was sampled from the server process.
    assert!(
        report["rss_max_mib"].as_f64().is_some_and(|m| m > 1.0),
        "{report}"
    );
}
