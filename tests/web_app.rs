//! The web app as `kluis serve` serves it: the embedded bundle is the
//! committed `web/dist`, every response carries the security headers, and
//! (when Chromium is present) the browser flows in `web/test/e2e/` run
//! against this real server.

mod common;

use std::path::Path;
use std::process::Command;

use common::TestServer;

const PAGES: &[&str] = &["/", "/welkom"];
const FILES: &[(&str, &str)] = &[
    ("/app/app.js", "app.js"),
    ("/app/worker.js", "worker.js"),
    ("/app/style.css", "style.css"),
    ("/app/sw.js", "sw.js"),
];

fn dist(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("web/dist")
            .join(name),
    )
    .expect("web/dist is committed")
}

fn assert_secure(url: &str, r: &reqwest::Response) {
    let h = r.headers();
    let get = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{url}: no {name} header"))
            .to_owned()
    };
    let csp = get("content-security-policy");
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{url}: CSP lacks {part}: {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{url}: {csp}"
    );
    assert_eq!(get("referrer-policy"), "no-referrer", "{url}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{url}");
    assert_eq!(get("cross-origin-opener-policy"), "same-origin", "{url}");
}

#[tokio::test]
async fn the_app_is_served_from_the_binary_with_strict_headers() {
    let server = TestServer::spawn().await;
    let http = reqwest::Client::new();
    for page in PAGES {
        let url = format!("{}{page}", server.url);
        let r = http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        assert_secure(&url, &r);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert_eq!(r.bytes().await.unwrap().to_vec(), dist("index.html"));
    }
    for (path, file) in FILES {
        let url = format!("{}{path}", server.url);
        let r = http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        assert_secure(&url, &r);
        let etag = r.headers()["etag"].to_str().unwrap().to_owned();
        if *file == "sw.js" {
            // Its scope is the whole app, which this header allows.
            assert_eq!(r.headers()["service-worker-allowed"], "/");
        }
        assert_eq!(r.bytes().await.unwrap().to_vec(), dist(file), "{url}");
        // Revalidation: unchanged files are not sent again.
        let again = http
            .get(&url)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{url}");
    }
    // The API's answers carry the same headers; unknown files are problems.
    for path in ["/v1/whoami", "/app/nothing.js", "/healthz"] {
        let url = format!("{}{path}", server.url);
        let r = http.get(&url).send().await.unwrap();
        assert_secure(&url, &r);
    }
    let r = http
        .get(format!("{}/app/nothing.js", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    server.stop().await;
}

/// `kluis invite --link` prints the app's address with the code in the
/// fragment, which browsers never send to a server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_link_keeps_the_code_in_the_fragment() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let kluis = common::cli::Kluis::new(&server.url);
    let admin = common::cli::keystore_in(&dir, "admin");
    kluis.keys_new(&admin, "Beheer");
    kluis.register(&admin, &server.bootstrap_invite());
    let link = kluis
        .with(
            &admin,
            &["invite", "--role", "client", "--name", "Anna", "--link"],
        )
        .value()
        .to_owned();
    let (page, code) = link.split_once('#').expect("a fragment");
    assert_eq!(page, format!("{}/welkom", server.url));
    assert!(!code.is_empty());
    let json = kluis
        .with(
            &admin,
            &["invite", "--role", "client", "--name", "Bram", "--json"],
        )
        .json();
    let code = json["code"].as_str().unwrap();
    assert_eq!(
        json["link"].as_str().unwrap(),
        format!("{}/welkom#{code}", server.url)
    );
    server.stop().await;
}

/// Whether the browser tests can run here; skipped with a note where
/// Chromium or the web app's node_modules are missing, unless
/// `KLUIS_REQUIRE_BROWSER=1` (CI sets it), which makes that a failure.
fn browser_ready() -> Option<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var("KLUIS_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let ready = Path::new(&chromium).exists()
        && root.join("web/node_modules/playwright-core").exists()
        && Command::new("node").arg("--version").output().is_ok();
    if !ready {
        assert!(
            std::env::var("KLUIS_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "KLUIS_REQUIRE_BROWSER=1 but Chromium ({chromium}), node or web/node_modules is missing"
        );
        eprintln!(
            "note: browser tests skipped (no Chromium at {chromium}, node, or web/node_modules)"
        );
        return None;
    }
    Some(chromium)
}

/// Run web/test/e2e/run.mjs against `server` with `extra` environment.
async fn run_browser(
    server: &TestServer,
    chromium: String,
    bootstrap: Option<String>,
    extra: Vec<(&'static str, String)>,
) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).to_owned();
    let work = tempfile::tempdir().unwrap();
    let url = server.url.clone();
    let out = tokio::task::spawn_blocking({
        let work = work.path().to_owned();
        move || {
            let mut cmd = Command::new("node");
            cmd.arg(root.join("web/test/e2e/run.mjs"))
                .env("KLUIS_URL", &url)
                .env("KLUIS_BIN", env!("CARGO_BIN_EXE_kluis"))
                .env("KLUIS_CHROMIUM", &chromium)
                .env("KLUIS_WORK", &work);
            if let Some(code) = bootstrap {
                cmd.env("KLUIS_BOOTSTRAP_INVITE", code);
            }
            for (k, v) in extra {
                cmd.env(k, v);
            }
            cmd.output().expect("node runs")
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser flows failed:\n{stdout}\n{stderr}"
    );
    println!("{stdout}");
}

/// One part of the browser flows (`PARTS` in web/test/e2e/run.mjs) against
/// its own real server: Chromium driven by playwright-core, cross-checked
/// with the CLI. The parts run side by side with the other tests.
async fn browser_flows_part(part: &str) {
    let Some(chromium) = browser_ready() else {
        return;
    };
    let server = TestServer::spawn().await;
    let invite = server.bootstrap_invite();
    run_browser(
        &server,
        chromium,
        Some(invite),
        vec![("KLUIS_PART", part.into())],
    )
    .await;
    server.stop().await;
}

/// The start page, enrolment by link, the recovery code, keystore import
/// and the lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_flows_enrolment() {
    browser_flows_part("enrolment").await;
}

/// A household's plan, sharing, scores, lost answers, the casushouder,
/// zoom, and devices and sessions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_flows_household() {
    browser_flows_part("household").await;
}

/// Coaches (caseload, offline), administrators, the privacy officer and
/// passkeys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_flows_professionals() {
    browser_flows_part("professionals").await;
}

/// "Nieuwe sleutels maken" with everything that can go wrong on the way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_flows_rotation() {
    browser_flows_part("rotation").await;
}

/// An invite link used after it expired: the page says so plainly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_expired_invite() {
    let Some(chromium) = browser_ready() else {
        return;
    };
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let invite = admin
        .client
        .invite(kluis_vault::role::Role::Client, "Gijs", None)
        .await
        .unwrap();
    server.clock.advance_ms(8 * 24 * 3_600_000);
    let link = format!("{}/welkom#{}", server.url, invite.code);
    run_browser(
        &server,
        chromium,
        None,
        vec![
            ("KLUIS_ONLY", "expired invite".into()),
            ("KLUIS_EXPIRED_LINK", link),
        ],
    )
    .await;
    server.stop().await;
}

/// A login that expires while the app is open is renewed with the keys in
/// the worker: the page goes on. The browser signals through files when to
/// move the server's clock past the token's life.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_expired_login_is_renewed() {
    let Some(chromium) = browser_ready() else {
        return;
    };
    let server = TestServer::spawn().await;
    let signal = tempfile::tempdir().unwrap();
    let dir = signal.path().to_owned();
    let clock = server.clock.clone();
    let mover = tokio::spawn(async move {
        for _ in 0..1200 {
            if dir.join("ready").exists() {
                clock.advance_ms(2 * 3_600_000);
                std::fs::write(dir.join("moved"), b"").unwrap();
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    });
    run_browser(
        &server,
        chromium,
        Some(server.bootstrap_invite()),
        vec![
            ("KLUIS_ONLY", "expired login".into()),
            ("KLUIS_SIGNAL_DIR", signal.path().display().to_string()),
        ],
    )
    .await;
    assert!(
        mover.await.unwrap(),
        "the browser asked for the clock to move"
    );
    server.stop().await;
}

/// The trusted contact in the browser (web/test/e2e/contact.mjs): the
/// browser signals through a file when to move the server's clock past the
/// waiting period the household chose (3 days).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_trusted_contact_waits_and_is_released() {
    let Some(chromium) = browser_ready() else {
        return;
    };
    let server = TestServer::spawn().await;
    let signal = tempfile::tempdir().unwrap();
    let dir = signal.path().to_owned();
    let clock = server.clock.clone();
    let mover = tokio::spawn(async move {
        for _ in 0..3000 {
            if dir.join("ready").exists() {
                clock.advance_ms(3 * 86_400_000 + 60_000);
                std::fs::write(dir.join("moved"), b"").unwrap();
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    });
    run_browser(
        &server,
        chromium,
        Some(server.bootstrap_invite()),
        vec![
            ("KLUIS_ONLY", "trusted contact".into()),
            (
                "KLUIS_CONTACT_SIGNAL_DIR",
                signal.path().display().to_string(),
            ),
        ],
    )
    .await;
    assert!(
        mover.await.unwrap(),
        "the browser asked for the clock to move"
    );
    server.stop().await;
}

/// The privacy officer's screens: search, save, and the log checked in the
/// browser with the CLI's verdict; then the test changes a row of the log in
/// the database (as an attacker with database access would) when the browser
/// asks, and the browser's check fails naming the same problem as
/// `kluis audit verify`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_audit_checks_agree_with_the_cli() {
    let Some(chromium) = browser_ready() else {
        return;
    };
    let server = TestServer::spawn().await;
    let signal = tempfile::tempdir().unwrap();
    let dir = signal.path().to_owned();
    let db = server.db().await;
    let attacker = tokio::spawn(async move {
        for _ in 0..3000 {
            if dir.join("ready").exists() {
                let leaf: Vec<u8> =
                    sqlx::query_scalar("SELECT leaf FROM log_entries WHERE seq = 3")
                        .fetch_one(&db)
                        .await
                        .unwrap();
                let mut changed = leaf.clone();
                changed[16] ^= 1; // a byte of its time: it still decodes
                sqlx::query("UPDATE log_entries SET leaf = $1 WHERE seq = 3")
                    .bind(changed)
                    .execute(&db)
                    .await
                    .unwrap();
                std::fs::write(dir.join("tampered"), b"").unwrap();
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    });
    run_browser(
        &server,
        chromium,
        Some(server.bootstrap_invite()),
        vec![
            ("KLUIS_ONLY", "privacy officer".into()),
            (
                "KLUIS_AUDIT_SIGNAL_DIR",
                signal.path().display().to_string(),
            ),
        ],
    )
    .await;
    assert!(
        attacker.await.unwrap(),
        "the browser asked for the log to be changed"
    );
    server.stop().await;
}

/// Someone's keys change after the browser pinned them (played by the
/// database, as in `tests/device_trust.rs`: there is no key change over the
/// API). The browser asks for each step through files in a signal folder:
/// `N.request.json` names the action, `N.done` says it was done.
/// "swap-keys" gives the person new keys in `principals` (the key directory
/// still registers the old ones); "register-keys" drops their directory
/// entries and runs a server start-up, which registers the keys it finds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_new_keys_are_compared_and_accepted() {
    let Some(chromium) = browser_ready() else {
        return;
    };
    let server = TestServer::spawn().await;
    let signal = tempfile::tempdir().unwrap();
    let dir = signal.path().to_owned();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let steps = async {
        let db = server.db().await;
        let mut done = 0;
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            let request = dir.join(format!("{}.request.json", done + 1));
            let Ok(text) = std::fs::read_to_string(&request) else {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            };
            let Ok(ask) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue; // still being written
            };
            let principal = ask["principal"].as_str().unwrap().to_owned();
            match ask["action"].as_str().unwrap() {
                "swap-keys" => {
                    let signing = kluis_vault::keys::identity::decode_signing_key(
                        ask["signing_key"].as_str().unwrap(),
                    )
                    .unwrap()
                    .to_vec();
                    sqlx::query(
                        "UPDATE principals SET signing_key = $1, age_recipient = $2 WHERE id = $3",
                    )
                    .bind(signing)
                    .bind(ask["age_recipient"].as_str().unwrap().to_owned())
                    .bind(&principal)
                    .execute(&db)
                    .await
                    .unwrap();
                }
                "register-keys" => {
                    sqlx::query("DELETE FROM key_entries WHERE principal_id = $1")
                        .bind(&principal)
                        .execute(&db)
                        .await
                        .unwrap();
                    server.start_up_again().await;
                }
                other => panic!("unknown step {other}"),
            }
            done += 1;
            std::fs::write(dir.join(format!("{done}.done")), b"").unwrap();
        }
        db.close().await;
        done
    };
    let browser = async {
        run_browser(
            &server,
            chromium,
            Some(server.bootstrap_invite()),
            vec![
                ("KLUIS_ONLY", "new keys".into()),
                ("KLUIS_KEYS_SIGNAL_DIR", signal.path().display().to_string()),
            ],
        )
        .await;
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    let (steps, ()) = tokio::join!(steps, browser);
    assert_eq!(steps, 2, "the browser asked for both steps");
    server.stop().await;
}

/// Passkeys (web/test/e2e/passkeys.mjs): added, unlocking, signing in a
/// device without a keystore, in the history. When the browser asks (it
/// hands over the passkey's PRF output), the database is scanned: neither
/// the PRF output nor the wrapping key it derives is anywhere in it, while
/// they do open the stored blob (so the scan looked for the right bytes).
/// Then the blob is changed in the database (one bit of its ciphertext, as
/// an attacker with the database could) and the device must refuse it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_passkeys() {
    let Some(chromium) = browser_ready() else {
        return;
    };
    let server = TestServer::spawn().await;
    let signal = tempfile::tempdir().unwrap();
    let dir = signal.path().to_owned();
    let attacker = async {
        for _ in 0..3000 {
            if dir.join("ready").exists() {
                passkey_database_step(&server, &dir).await;
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        false
    };
    let browser = run_browser(
        &server,
        chromium,
        Some(server.bootstrap_invite()),
        vec![
            ("KLUIS_ONLY", "passkeys:".into()),
            (
                "KLUIS_PASSKEY_SIGNAL_DIR",
                signal.path().display().to_string(),
            ),
        ],
    );
    let (asked, ()) = tokio::join!(attacker, browser);
    assert!(asked, "the browser asked for the database step");
    server.stop().await;
}

/// What the operator has, checked, then changed: see `browser_passkeys`.
async fn passkey_database_step(server: &TestServer, dir: &Path) {
    use base64::Engine;
    use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
    use ring::hkdf;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let prf = hex::decode(std::fs::read_to_string(dir.join("prf")).unwrap().trim()).unwrap();
    assert_eq!(prf.len(), 32);
    let derive = |label: &[u8]| {
        let mut out = [0u8; 32];
        hkdf::Salt::new(hkdf::HKDF_SHA256, b"kluis passkey v1")
            .extract(&prf)
            .expand(&[label], hkdf::HKDF_SHA256)
            .unwrap()
            .fill(&mut out)
            .unwrap();
        out
    };
    let (lookup_id, wrapping_key) = (
        hex::encode(derive(b"kluis passkey lookup id")),
        derive(b"kluis passkey wrapping key"),
    );
    let db = server.db().await;
    let (id, stored_lookup, blob): (String, String, String) =
        sqlx::query_as("SELECT id, lookup_id, blob FROM passkey_keystores")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(
        stored_lookup, lookup_id,
        "the same derivation as the browser's"
    );
    // The PRF output and the key open the blob ...
    let mut raw = b64.decode(&blob).unwrap();
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &wrapping_key).unwrap());
    let nonce = Nonce::try_assume_unique_for_key(&raw[1..13]).unwrap();
    let mut sealed = raw[13..].to_vec();
    let aad = format!("kluis passkey blob v1\n{lookup_id}");
    let plain = key
        .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut sealed)
        .expect("the blob opens with the passkey's key");
    let secrets = String::from_utf8(plain.to_vec()).unwrap();
    assert!(
        secrets.contains("AGE-SECRET-KEY-1"),
        "the keystore's secrets"
    );
    // ... and none of them, nor the secrets, is in the database.
    let bytes = server.database_bytes().await;
    assert!(
        common::contains(&bytes, lookup_id.as_bytes()),
        "the scan sees the table"
    );
    let doc: serde_json::Value = serde_json::from_str(&secrets).unwrap();
    let age_secret = doc["age_identity"].as_str().unwrap().to_owned();
    let seed = doc["signing_seed"].as_str().unwrap().to_owned();
    for needle in [
        prf.clone(),
        hex::encode(&prf).into_bytes(),
        b64.encode(&prf).into_bytes(),
        wrapping_key.to_vec(),
        hex::encode(wrapping_key).into_bytes(),
        age_secret.into_bytes(),
        seed.into_bytes(),
    ] {
        assert!(!common::contains(&bytes, &needle), "found {needle:?}");
    }
    // Now change one bit of the ciphertext.
    let last = raw.len() - 1;
    raw[last] ^= 1;
    sqlx::query("UPDATE passkey_keystores SET blob = $1 WHERE id = $2")
        .bind(b64.encode(&raw))
        .bind(id)
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    std::fs::write(dir.join("tampered"), b"").unwrap();
}
