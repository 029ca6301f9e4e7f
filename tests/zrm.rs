//! Self-sufficiency scores (ZRM) through the `kluis` binary against a real
//! server: `kluis plan zrm` sets and lists scores per domain with their
//! history; a professional sees only the domains granted; bad scores,
//! dates, notes and domains are refused with one line and write nothing;
//! a bad document stored in a score field is shown as such, not as a
//! score; and the database holds no plaintext of a score.

mod common;

use std::path::Path;

use common::cli::{enrol_three, Kluis};
use common::{contains, TestServer};
use serde_json::Value;

fn zrm_json(kluis: &Kluis, ks: &Path, h: &str) -> Value {
    kluis.with(ks, &["--json", "plan", "zrm", h]).json()
}

/// The domain `id` in a `kluis plan zrm --json` listing.
fn domain<'a>(listing: &'a Value, id: &str) -> &'a Value {
    listing["domains"]
        .as_array()
        .expect("domains")
        .iter()
        .find(|d| d["id"] == id)
        .unwrap_or_else(|| panic!("no domain {id} in {listing}"))
}

/// (score, date, note) of each version, newest first.
fn history(d: &Value) -> Vec<(i64, String, String)> {
    d["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|v| {
            (
                v["score"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("no score: {v}")),
                v["date"].as_str().unwrap().to_owned(),
                v["note"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scores_are_set_and_listed_with_their_history_and_stay_encrypted() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let kluis = Kluis::new(&server.url);
    let e = enrol_three(&kluis, &server, &dir);
    let (anna, piet) = (&e.client.0, &e.pro.0);
    let h = kluis
        .with(anna, &["household", "create"])
        .value()
        .to_owned();

    // Nothing yet: every domain of the template, none with a score.
    let empty = zrm_json(&kluis, anna, &h);
    assert_eq!(empty["section"], "zrm");
    assert_eq!(empty["domains"].as_array().unwrap().len(), 11);
    assert!(empty["domains"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["current"].is_null()));
    assert_eq!(domain(&empty, "financien")["name"], "Geld en schulden");

    // Intake, then a review scoring two domains at once.
    let intake = kluis.with(
        anna,
        &[
            "plan",
            "zrm",
            &h,
            "--set",
            "financien=2",
            "--date",
            "2026-01-10",
            "--note",
            "Intake: schulden bij drie schuldeisers",
        ],
    );
    assert_eq!(intake.text(), "zrm/financien 1\n");
    let review = kluis
        .with(
            anna,
            &[
                "--json",
                "plan",
                "zrm",
                &h,
                "--set",
                "financien=3",
                "--set",
                "huisvesting=4",
                "--date",
                "2026-06-01",
                "--note",
                "Regeling loopt",
            ],
        )
        .json();
    let written = review["written"].as_array().unwrap();
    assert_eq!(written.len(), 2);
    assert_eq!(written[0]["path"], "zrm/financien");
    assert_eq!(written[0]["version"], 2);
    assert_eq!(written[1]["path"], "zrm/huisvesting");

    // The listing reads every version back through the server and opens it.
    let listed = zrm_json(&kluis, anna, &h);
    let geld = domain(&listed, "financien");
    assert_eq!(geld["current"]["score"], 3);
    assert_eq!(geld["current"]["date"], "2026-06-01");
    assert_eq!(geld["current"]["signed"], true);
    assert_eq!(
        history(geld),
        [
            (3, "2026-06-01".into(), "Regeling loopt".into()),
            (
                2,
                "2026-01-10".into(),
                "Intake: schulden bij drie schuldeisers".into()
            )
        ]
    );
    assert_eq!(domain(&listed, "huisvesting")["current"]["score"], 4);
    assert!(domain(&listed, "adl")["current"].is_null());
    // A score entered later for an earlier date does not become "now".
    kluis.with(
        anna,
        &[
            "plan",
            "zrm",
            &h,
            "--set",
            "financien=1",
            "--date",
            "2025-12-01",
        ],
    );
    let listed = zrm_json(&kluis, anna, &h);
    let geld = domain(&listed, "financien");
    assert_eq!(geld["current"]["score"], 3);
    assert_eq!(geld["history"].as_array().unwrap().len(), 3);
    // Without --date the score is taken today.
    kluis.with(anna, &["plan", "zrm", &h, "--set", "adl=5"]);
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        domain(&zrm_json(&kluis, anna, &h), "adl")["current"]["date"],
        today.as_str()
    );

    // For people: plain lines, the history under the score now.
    let text = kluis.with(anna, &["plan", "zrm", &h]).text().to_owned();
    assert!(text.contains("Money and debts (financien)"), "{text}");
    assert!(
        text.contains("now: 3 of 5 (barely self-reliant) on 2026-06-01: Regeling loopt"),
        "{text}"
    );
    assert!(
        text.contains("version 1: 2 of 5 (not self-reliant) on 2026-01-10"),
        "{text}"
    );
    assert!(text.contains("Anna"), "the writer, as checked: {text}");
    assert!(text.contains("no score you can read yet"), "{text}");

    // Bad input: one line on stderr, nothing written.
    let before = zrm_json(&kluis, anna, &h);
    let long = "x".repeat(501);
    for (args, says) in [
        (vec!["--set", "financien=6"], "1 to 5"),
        (vec!["--set", "financien=0"], "1 to 5"),
        (vec!["--set", "financien=drie"], "1 to 5"),
        (vec!["--set", "financien"], "DOMAIN=SCORE"),
        (vec!["--set", "Financien=3"], "not a domain name"),
        (vec!["--set", "geld=3"], "not a ZRM domain"),
        (
            vec!["--set", "huisvesting=3", "--set", "geld=3"],
            "not a ZRM domain",
        ),
        (
            vec!["--set", "financien=3", "--date", "2026-02-30"],
            "real date",
        ),
        (
            vec!["--set", "financien=3", "--date", "1-6-2026"],
            "real date",
        ),
        (vec!["--set", "financien=3", "--note", &long], "at most 500"),
        (
            vec!["--set", "financien=3", "--note", "a\nb"],
            "at most 500",
        ),
        (vec!["--date", "2026-06-01"], "--set"),
    ] {
        let mut all = vec!["plan", "zrm", h.as_str()];
        all.extend(args.iter().copied());
        let run = kluis.with(anna, &all);
        let line = run.failure();
        assert!(line.contains(says), "{args:?}: {line}");
    }
    assert_eq!(zrm_json(&kluis, anna, &h), before, "nothing was written");

    // A score field holding something else is shown as invalid, not hidden.
    kluis.with(
        anna,
        &[
            "plan",
            "set",
            &h,
            "zrm/verslaving",
            "--value",
            r#"{"score":7,"date":"2026-06-01","note":""}"#,
        ],
    );
    let bad = domain(&zrm_json(&kluis, anna, &h), "verslaving").clone();
    assert!(bad["current"]["score"].is_null(), "{bad}");
    let why = bad["current"]["error"].as_str().unwrap();
    assert!(why.contains("1 to 5"), "{why}");
    let text = kluis.with(anna, &["plan", "zrm", &h]).text().to_owned();
    assert!(text.contains("not a valid score"), "{text}");

    // A professional granted one domain's scores reads that one only, and
    // a read grant does not let them score.
    let until = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let pro_id = e.pro.1.to_string();
    kluis
        .with(
            anna,
            &[
                "grant",
                &h,
                "--to",
                &pro_id,
                "--fields",
                "zrm/financien",
                "--purpose",
                "schuldhulp",
                "--until",
                &until,
            ],
        )
        .value();
    // A grant opens the versions current at its start and later ones;
    // the earlier scores are counted, not shown.
    let seen = zrm_json(&kluis, piet, &h);
    assert_eq!(
        history(domain(&seen, "financien")),
        [(1, "2025-12-01".into(), String::new())]
    );
    assert_eq!(domain(&seen, "financien")["not_shared"], 2);
    kluis.with(
        anna,
        &[
            "plan",
            "zrm",
            &h,
            "--set",
            "financien=4",
            "--date",
            "2026-11-30",
        ],
    );
    let seen = zrm_json(&kluis, piet, &h);
    assert_eq!(domain(&seen, "financien")["current"]["score"], 4);
    assert_eq!(history(domain(&seen, "financien")).len(), 2);
    let text = kluis.with(piet, &["plan", "zrm", &h]).text().to_owned();
    assert!(
        text.contains("2 earlier version(s) from before your access began"),
        "{text}"
    );
    assert!(domain(&seen, "huisvesting")["current"].is_null());
    assert!(domain(&seen, "adl")["current"].is_null());
    let refused = kluis.with(piet, &["plan", "zrm", &h, "--set", "financien=4"]);
    assert!(!refused.failure().is_empty());
    assert_eq!(
        history(domain(&zrm_json(&kluis, anna, &h), "financien")).len(),
        4
    );

    // The server only ever had ciphertext: no note, no score document.
    let db = server.database_bytes().await;
    for secret in [
        "Intake: schulden bij drie schuldeisers",
        "Regeling loopt",
        r#""score":3"#,
        r#"{"score":"#,
    ] {
        assert!(
            !contains(&db, secret.as_bytes()),
            "the database holds {secret:?}"
        );
    }
    // ... while the fields themselves are there, under their paths.
    assert!(contains(&db, b"zrm/financien"));
}
