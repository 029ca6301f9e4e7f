//! Recovery codes, through the real binary against the real server: a
//! person who lost their keystore (and so their passphrase's use) gets
//! their keys back with the code alone and reads their plan again; a wrong
//! code fails in one clear line, is logged and rate-limited; a new code
//! replaces the old one; and the database never holds the code, the key it
//! derives or the keystore's secrets, so the operator alone cannot open
//! what it keeps.
//!
//! None of this existed before: every test here fails on the code before it.

mod common;

use std::path::{Path, PathBuf};

use common::cli::{enrol_three, keystore_in, Kluis};
use common::{contains, TestServer};
use kluis_vault::keys::recovery_blob;
use kluis_vault::keys::RecoveryCode;
use serde_json::{json, Value};

/// `kluis keys new --recovery-code-out FILE` and `kluis register`: the
/// keystore, the principal id and the recovery code as written to FILE.
fn enrol_with_code(
    k: &Kluis,
    dir: &tempfile::TempDir,
    inviter: &Path,
    name: &str,
) -> (PathBuf, String, String) {
    let invite = k.invite(inviter, "client", name, None);
    let ks = keystore_in(dir, name);
    let code_file = dir.path().join(format!("{name}.code"));
    let made = k.with(
        &ks,
        &[
            "keys",
            "new",
            "--name",
            name,
            "--work-factor",
            "10",
            "--recovery-code-out",
            code_file.to_str().unwrap(),
        ],
    );
    made.value();
    assert!(
        !made.stderr.contains("warning"),
        "a code was saved, so no warning: {made:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&code_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only its owner reads the code file");
    }
    let code = std::fs::read_to_string(&code_file)
        .unwrap()
        .trim()
        .to_owned();
    RecoveryCode::parse(&code).expect("the file holds a well-formed code");
    // The blob waits beside the keystore until registration stores it.
    let pending = PathBuf::from(format!("{}.recovery-pending.json", ks.display()));
    assert!(pending.exists());
    let id = k.register(&ks, &invite).to_string();
    assert!(!pending.exists(), "stored at registration, then deleted");
    (ks, id, code)
}

fn recover(k: &Kluis, ks: &Path, code: &str) -> common::cli::Run {
    k.with(
        ks,
        &["keys", "recover", "--code", code, "--work-factor", "10"],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_who_lost_their_keystore_recovers_with_the_code_and_reads_their_plan() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&server.url);
    let e = enrol_three(&k, &server, &dir);
    let (admin, pro) = (&e.admin.0, &e.pro.0);
    let (auditor, _) = k.enrol(&dir, admin, "auditor", "Privacy", Some("Gemeente"));
    let (bram, bram_id, code) = enrol_with_code(&k, &dir, pro, "Bram");
    let h = k.with(&bram, &["household", "create"]).value().to_owned();
    let secret_text = "Bram heeft een betalingsregeling met de woningcorporatie";
    k.with(
        &bram,
        &[
            "plan",
            "set",
            &h,
            "financien/situatie",
            "--value",
            secret_text,
        ],
    )
    .value();
    // The keystore's secrets, to look for in the database later.
    let age_file = dir.path().join("bram.age");
    k.with(
        &bram,
        &["keys", "age-identity", "--out", age_file.to_str().unwrap()],
    )
    .text();
    let age_secret = std::fs::read_to_string(&age_file)
        .unwrap()
        .trim()
        .to_owned();
    assert!(age_secret.starts_with("AGE-SECRET-KEY-1"));
    let fingerprint = k.whoami(&bram)["fingerprint"].as_str().unwrap().to_owned();

    // The keystore is gone (a new phone, a wiped laptop), and with it the
    // passphrase's use. A new keystore elsewhere, with a new passphrase.
    std::fs::remove_file(&bram).unwrap();
    let new_dir = tempfile::tempdir().unwrap();
    let again = new_dir.path().join("bram-again.keystore");
    let k2 = k.with_passphrase("a brand new passphrase");
    let recovered = recover(&k2, &again, &code);
    assert_eq!(
        recovered.value(),
        fingerprint,
        "the same keys: {recovered:?}"
    );
    // Never over an existing keystore.
    let refused = recover(&k2, &again, &code);
    assert!(
        refused.failure().contains("never overwrites"),
        "{refused:?}"
    );
    // Back: the plan reads as before, with the new passphrase only.
    let read = k2.with(&again, &["plan", "get", &h, "financien/situatie"]);
    assert_eq!(read.output(), secret_text.as_bytes());
    let old_pass = k.with(&again, &["whoami"]);
    assert!(old_pass.failure().contains("passphrase"), "{old_pass:?}");
    assert_eq!(k2.whoami(&again)["principal_id"], bram_id.as_str());

    // The household sees that the code was used, and that it was Bram's.
    let history = k2.with(&again, &["access-log", &h]).text().to_owned();
    assert!(
        history.contains("used the recovery code of Bram to get the keys back — allowed"),
        "{history}"
    );
    // So does an auditor, with Bram as the subject and no actor.
    let used = k
        .with(
            &auditor,
            &[
                "--json",
                "audit",
                "query",
                "--event",
                "principal.recovery-use",
            ],
        )
        .json();
    let entries = used["entries"].as_array().unwrap();
    assert!(
        entries.iter().any(|x| x["actor"].is_null()
            && x["fields"] == json!([bram_id])
            && x["outcome"] == "allowed"),
        "{used}"
    );
    let set = k
        .with(
            &auditor,
            &[
                "--json",
                "audit",
                "query",
                "--event",
                "principal.recovery-set",
            ],
        )
        .json();
    assert!(
        set["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["actor"] == bram_id.as_str() && x["fields"] == json!([bram_id])),
        "{set}"
    );

    // What the server keeps: the lookup id and the blob, nothing that
    // opens it. The code (any way it is written), the key it derives and
    // the keystore's secrets are nowhere in the database.
    let parsed = RecoveryCode::parse(&code).unwrap();
    let derived = parsed.derive();
    let bytes = server.database_bytes().await;
    assert!(
        contains(&bytes, derived.lookup_id.as_bytes()),
        "the scan sees the recovery table"
    );
    for needle in [
        code.clone(),
        code.replace('-', ""),
        code.to_lowercase(),
        hex::encode(*derived.wrapping_key),
        age_secret.clone(),
        age_secret.to_lowercase(),
        secret_text.to_owned(),
    ] {
        assert!(!contains(&bytes, needle.as_bytes()), "found {needle:?}");
    }
    assert!(!contains(&bytes, &derived.wrapping_key[..]));

    // The operator, with the whole database, has the blob and no code:
    // the blob opens with Bram's code only, not with any other.
    let db = server.db().await;
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT principal_id, lookup_id, blob FROM recovery_blobs")
            .fetch_all(&db)
            .await
            .unwrap();
    let (_, _, blob) = rows
        .iter()
        .find(|r| r.0 == bram_id)
        .expect("Bram's blob is stored");
    assert!(!blob.contains("age-encryption.org"), "not an age file");
    for _ in 0..3 {
        assert!(recovery_blob::open(&RecoveryCode::generate(), blob).is_err());
    }
    let opened = recovery_blob::open(&parsed, blob).expect("the code opens it");
    assert_eq!(opened.age_secret().as_str(), age_secret);
    db.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_codes_fail_in_one_line_are_logged_and_rate_limited() {
    let server = TestServer::spawn_with(|c| c.limits.refusals_per_minute = 4).await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&server.url);
    let e = enrol_three(&k, &server, &dir);
    let (auditor, _) = k.enrol(&dir, &e.admin.0, "auditor", "Privacy", Some("Gemeente"));
    let (_bram, _bram_id, code) = enrol_with_code(&k, &dir, &e.pro.0, "Bram");
    let lost = dir.path().join("lost.keystore");

    // A typo is caught on the device, before anything is sent.
    let mut typo: Vec<char> = code.chars().collect();
    typo[5] = if typo[5] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let run = recover(&k, &lost, &typo);
    assert!(run.failure().contains("typo"), "{run:?}");
    let run = recover(&k, &lost, "ABCD-EFGH");
    assert!(run.failure().contains("28 characters"), "{run:?}");
    assert!(!lost.exists());

    // A well-formed code nobody has: one clear line, and logged.
    let stranger = RecoveryCode::generate().to_string();
    let run = recover(&k, &lost, &stranger);
    assert!(
        run.failure()
            .contains("no recovery data is stored for this recovery code"),
        "{run:?}"
    );
    assert!(!lost.exists(), "no keystore from a failed recovery");
    let log = k
        .with(
            &auditor,
            &[
                "--json",
                "audit",
                "query",
                "--event",
                "principal.recovery-use",
            ],
        )
        .json();
    let refused: Vec<&Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["outcome"] == "denied")
        .collect();
    assert_eq!(refused.len(), 1, "{log}");
    assert!(refused[0]["actor"].is_null() && refused[0]["fields"] == json!([]));
    assert_eq!(refused[0]["reason"], "unknown_recovery_code");

    // Hostile bodies are problems, not crashes.
    let http = reqwest::Client::new();
    let url = format!("{}/v1/recovery/fetch", server.url);
    let r = http
        .post(&url)
        .json(&json!({"lookup_id": "../../etc/passwd"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );

    // Guessing quickly: after a few refusals this address gets 429 with
    // Retry-After, and nothing more is logged.
    let mut limited = None;
    for _ in 0..10 {
        let guess = RecoveryCode::generate().derive().lookup_id;
        let r = http
            .post(&url)
            .json(&json!({ "lookup_id": guess }))
            .send()
            .await
            .unwrap();
        if r.status().as_u16() == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status().as_u16(), 404);
    }
    let limited = limited.expect("rate-limited within 10 guesses");
    assert!(limited.headers().contains_key("retry-after"));
    // The CLI says so in one line, even with the right code: every fetch
    // from this address waits now.
    let run = recover(&k, &lost, &code);
    assert!(run.failure().contains("try again in"), "{run:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_code_replaces_the_old_and_scripts_without_a_terminal_are_warned() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&server.url);
    let e = enrol_three(&k, &server, &dir);
    let (bram, bram_id, old_code) = enrol_with_code(&k, &dir, &e.pro.0, "Bram");
    // The old code works (once fetched, its blob was in an answer) ...
    let before = dir.path().join("before.keystore");
    recover(&k, &before, &old_code).value();
    let db = server.db().await;
    let (old_blob,): (String,) =
        sqlx::query_as("SELECT blob FROM recovery_blobs WHERE principal_id = $1")
            .bind(&bram_id)
            .fetch_one(&db)
            .await
            .unwrap();

    let renewed = k.with(&bram, &["keys", "recovery-code"]);
    let new_code = renewed.value().to_owned();
    assert_ne!(new_code, old_code);
    RecoveryCode::parse(&new_code).expect("a well-formed code");

    let lost = dir.path().join("lost.keystore");
    let run = recover(&k, &lost, &old_code);
    assert!(
        run.failure()
            .contains("no recovery data is stored for this recovery code"),
        "the old code no longer works: {run:?}"
    );
    // ... and after the new one, no live row holds the old blob: not
    // its own (replaced), nor a stored answer to the fetch (the
    // idempotency table keeps answers for a day).
    let bodies: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT body FROM idempotency_keys")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(!bodies.is_empty(), "the scan sees stored answers");
    for (body,) in &bodies {
        assert!(
            !contains(body, old_blob.as_bytes()),
            "a stored answer holds the old blob"
        );
    }
    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM recovery_blobs WHERE blob = $1")
        .bind(&old_blob)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(left, 0);
    let fp = k.whoami(&bram)["fingerprint"].as_str().unwrap().to_owned();
    assert_eq!(recover(&k, &lost, &new_code).value(), fp);
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM recovery_blobs WHERE principal_id = $1")
            .bind(&bram_id)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(n, 1, "one blob per person");

    // `keys new` without a terminal and without --recovery-code-out still
    // works, with a warning; registration says how to make a code, and
    // `keys recovery-code` does.
    let invite = k.invite(&e.pro.0, "client", "Cas", None);
    let cas = keystore_in(&dir, "Cas");
    let made = k.with(
        &cas,
        &["keys", "new", "--name", "Cas", "--work-factor", "10"],
    );
    made.value();
    assert!(
        made.stderr.contains("warning: no recovery code was saved"),
        "{made:?}"
    );
    let registered = k.with(&cas, &["register", "--invite", &invite]);
    registered.value();
    assert!(
        registered.stderr.contains("kluis keys recovery-code"),
        "{registered:?}"
    );
    let cas_code = k.with(&cas, &["keys", "recovery-code"]).value().to_owned();
    let cas_fp = k.whoami(&cas)["fingerprint"].as_str().unwrap().to_owned();
    let cas_lost = dir.path().join("cas-lost.keystore");
    assert_eq!(recover(&k, &cas_lost, &cas_code).value(), cas_fp);

    // Storing needs a login.
    let r = reqwest::Client::new()
        .put(format!("{}/v1/recovery", server.url))
        .json(&json!({"lookup_id": "0".repeat(64), "blob": "AAAA"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    db.close().await;
    server.stop().await;
}

/// `kluis keys new` on a terminal (a pseudo-terminal made by util-linux
/// `script`): the code is shown, a wrong part typed back is refused, the
/// right part accepted, and the code shown is the one that works.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_the_code_is_shown_and_typed_back() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};

    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: /usr/bin/script (util-linux) is not installed");
        return;
    }
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&server.url);
    let e = enrol_three(&k, &server, &dir);
    let invite = k.invite(&e.pro.0, "client", "Dewi", None);
    let ks = keystore_in(&dir, "Dewi");

    // Runs `kluis keys new` on a terminal, typing `answers` one by one,
    // each after the prompt for it appears; all the terminal showed.
    let on_terminal = |ks: &Path, answers: &[&str]| -> (bool, String) {
        let line = format!(
            "{} --keystore {} keys new --name Dewi --work-factor 10",
            env!("CARGO_BIN_EXE_kluis"),
            ks.display()
        );
        let mut child = Command::new("/usr/bin/script")
            .args(["-q", "-e", "-c", &line, "/dev/null"])
            .env("KLUIS_PASSPHRASE", common::cli::PASSPHRASE)
            .env("KLUIS_SERVER", &server.url)
            .env_remove("KLUIS_KEYSTORE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("script runs");
        let mut out = child.stdout.take().unwrap();
        let mut input = child.stdin.take().unwrap();
        let mut seen = String::new();
        let mut buf = [0u8; 4096];
        for answer in answers {
            let prompts = seen.matches("Type the last two groups").count();
            while seen.matches("Type the last two groups").count() == prompts {
                let n = out.read(&mut buf).unwrap();
                assert!(n > 0, "the terminal closed before the prompt: {seen}");
                seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
            let code = code_in(&seen);
            let last = code[code.len() - 9..].to_lowercase().replace('-', "");
            let answer = answer.replace("LAST", &last);
            input.write_all(format!("{answer}\n").as_bytes()).unwrap();
            input.flush().unwrap();
        }
        let mut rest = Vec::new();
        out.read_to_end(&mut rest).unwrap();
        seen.push_str(&String::from_utf8_lossy(&rest));
        (child.wait().unwrap().success(), seen)
    };

    // Three wrong answers: nothing is made.
    let (ok, seen) = on_terminal(&ks, &["AAAA-AAAA", "BBBB BBBB", "nope"]);
    assert!(!ok, "{seen}");
    assert!(seen.contains("That is not what the code says"), "{seen}");
    assert!(seen.contains("nothing was created"), "{seen}");
    assert!(!ks.exists());

    // A wrong answer, then the right one (small letters, no dash).
    let (ok, seen) = on_terminal(&ks, &["AAAA-AAAA", "LAST"]);
    assert!(ok, "{seen}");
    assert!(seen.contains("Write it down on paper"), "{seen}");
    assert!(!seen.contains("warning"), "{seen}");
    let code = code_in(&seen);
    k.register(&ks, &invite);
    let fp = k.whoami(&ks)["fingerprint"].as_str().unwrap().to_owned();
    let lost = dir.path().join("dewi-lost.keystore");
    assert_eq!(
        recover(&k, &lost, &code).value(),
        fp,
        "the code shown works"
    );
    server.stop().await;
}

/// The recovery code in what a terminal showed.
fn code_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.len() == 34 && w.matches('-').count() == 6)
        .unwrap_or_else(|| panic!("no recovery code in {text:?}"))
        .to_owned()
}
