//! The `kluis` binary end to end: every call runs the real executable as a
//! child process against a real server, and checks the CLI contract
//! (../shared/DESIGN.md): a value-printing command prints exactly that value
//! on one stdout line, `--json` prints JSON, and every failure exits non-zero
//! with one line on stderr and nothing on stdout.
//!
//! The tests run on a multi-threaded runtime so the in-process server keeps
//! answering while a test thread waits for the binary.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::cli::{enrol_three, free_port, keystore_in, Kluis};
use common::TestServer;
use kluis_policy::PrincipalId;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_new_prints_the_fingerprint_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let kluis = Kluis::new("http://127.0.0.1:9");
    let ks = keystore_in(&dir, "anna");

    let fingerprint = kluis.keys_new(&ks, "Anna");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&ks).unwrap().permissions().mode() & 0o777,
            0o600,
            "the keystore is private to its owner"
        );
    }
    // `keys show` opens it with the passphrase and shows the same fingerprint.
    let shown = kluis.with(&ks, &["keys", "show", "--json"]).json();
    assert_eq!(shown["fingerprint"], fingerprint.as_str());
    assert_eq!(shown["name"], "Anna");
    let text = kluis.with(&ks, &["keys", "show"]);
    assert!(text.success, "{text:?}");
    assert!(text.stdout.contains(&fingerprint), "{text:?}");

    // A second `keys new` at the same path is refused and leaves the file alone.
    let before = std::fs::read(&ks).unwrap();
    let again = kluis.with(
        &ks,
        &["keys", "new", "--name", "Mallory", "--work-factor", "10"],
    );
    let line = again.failure();
    assert!(line.contains("already exists"), "{line}");
    assert_eq!(
        std::fs::read(&ks).unwrap(),
        before,
        "the keystore is unchanged"
    );
    // Also with --json, and with another passphrase.
    let again = kluis.with_passphrase("other").with(
        &ks,
        &[
            "--json",
            "keys",
            "new",
            "--name",
            "M",
            "--work-factor",
            "10",
        ],
    );
    again.failure();
    assert_eq!(
        std::fs::read(&ks).unwrap(),
        before,
        "the keystore is unchanged"
    );

    // `keys new --json` prints one JSON document naming the fingerprint.
    let ks2 = keystore_in(&dir, "bram");
    let made = kluis
        .with(
            &ks2,
            &[
                "keys",
                "new",
                "--name",
                "Bram",
                "--work-factor",
                "10",
                "--json",
            ],
        )
        .json();
    let fp2 = made["fingerprint"].as_str().expect("fingerprint in JSON");
    assert_ne!(fp2, fingerprint);
    assert_eq!(made["name"], "Bram");
    let shown = kluis.with(&ks2, &["keys", "show", "--json"]).json();
    assert_eq!(shown["fingerprint"], fp2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_passphrase_is_one_line_of_refusal() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let kluis = Kluis::new(&server.url);
    let ks = keystore_in(&dir, "admin");
    kluis.keys_new(&ks, "Beheerder");
    let wrong = kluis.with_passphrase("not the passphrase");

    let line = wrong.with(&ks, &["keys", "show"]).failure().to_owned();
    assert!(line.contains("passphrase"), "{line}");
    // Before it can register, the keystore must open: nothing reaches the server.
    let line = wrong
        .with(&ks, &["register", "--invite", &server.bootstrap_invite()])
        .failure()
        .to_owned();
    assert!(line.contains("passphrase"), "{line}");
    wrong.with(&ks, &["--json", "whoami"]).failure();
    // The bootstrap invite was not spent by the failed attempt.
    kluis.register(&ks, &server.bootstrap_invite());
    let line = wrong.with(&ks, &["whoami"]).failure().to_owned();
    assert!(line.contains("passphrase"), "{line}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_prints_the_principal_id_that_whoami_reports() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let kluis = Kluis::new(&server.url);
    let ks = keystore_in(&dir, "admin");
    let fingerprint = kluis.keys_new(&ks, "Beheerder");

    let id = kluis.register(&ks, &server.bootstrap_invite());
    let me = kluis.whoami(&ks);
    assert_eq!(me["principal_id"], id.to_string());
    assert_eq!(me["role"], "admin");
    assert_eq!(me["fingerprint"], fingerprint.as_str());

    // The text form names the id and the fingerprint, for people.
    let text = kluis.with(&ks, &["whoami"]);
    assert!(text.success, "{text:?}");
    assert!(text.stdout.contains(&id.to_string()), "{text:?}");
    assert!(text.stdout.contains(&fingerprint), "{text:?}");

    // The bootstrap invite works once.
    let other = keystore_in(&dir, "mallory");
    kluis.keys_new(&other, "Mallory");
    let line = kluis
        .with(
            &other,
            &["register", "--invite", &server.bootstrap_invite()],
        )
        .failure()
        .to_owned();
    assert!(line.contains("used"), "{line}");
    // A made-up invite is refused the same way.
    kluis
        .with(
            &other,
            &[
                "register",
                "--invite",
                "kluis-aaaa-bbbb-cccc-dddd-eeee-ffff",
            ],
        )
        .failure();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_prints_a_bearer_token_the_api_accepts() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let kluis = Kluis::new(&server.url);
    let ks = keystore_in(&dir, "admin");
    kluis.keys_new(&ks, "Beheerder");
    let id = kluis.register(&ks, &server.bootstrap_invite());

    // The bare form prints the token alone, on one line.
    let token = kluis.with(&ks, &["login"]).value().to_owned();
    let http = reqwest::Client::new();
    let whoami = |token: String| {
        http.get(format!("{}/v1/whoami", server.url))
            .bearer_auth(token)
            .send()
    };
    let me: Value = whoami(token.clone())
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["principal_id"], id.to_string());

    // --json names the token, who it is for and until when; each login is a
    // new token, and the earlier one keeps working until it expires.
    let json = kluis.with(&ks, &["login", "--json"]).json();
    let second = json["token"].as_str().expect("token in JSON").to_owned();
    assert_ne!(second, token);
    assert_eq!(json["principal_id"], id.to_string());
    assert!(json["expires_at"].is_string(), "{json}");
    for t in [token, second] {
        assert_eq!(whoami(t).await.unwrap().status(), 200);
    }
    assert_eq!(whoami("not-a-token".into()).await.unwrap().status(), 401);

    // Without a registered key there is no token, and one line says why.
    let stranger = keystore_in(&dir, "stranger");
    kluis.keys_new(&stranger, "Mallory");
    let line = kluis.with(&stranger, &["login"]).failure().to_owned();
    assert!(line.contains("not registered"), "{line}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invites_print_a_code_that_another_person_registers_with() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let kluis = Kluis::new(&server.url);
    let e = enrol_three(&kluis, &server, &dir);

    let ids = [&e.admin.1, &e.pro.1, &e.client.1];
    assert_ne!(ids[0], ids[1]);
    assert_ne!(ids[1], ids[2]);
    assert_ne!(ids[0], ids[2]);

    let pro = kluis.whoami(&e.pro.0);
    assert_eq!(pro["principal_id"], e.pro.1.to_string());
    assert_eq!(pro["role"], "professional");
    assert_eq!(pro["name"], "Piet de Coach");
    assert_eq!(pro["org"], "Wijkteam Noord");

    let client = kluis.whoami(&e.client.0);
    assert_eq!(client["principal_id"], e.client.1.to_string());
    assert_eq!(client["role"], "client");
    assert_eq!(client["name"], "Anna");

    // An auditor, invited by the admin.
    let code = kluis.invite(&e.admin.0, "auditor", "Ada Audit", Some("Gemeente"));
    let ks = keystore_in(&dir, "auditor");
    kluis.keys_new(&ks, "Ada Audit");
    let id = kluis.register(&ks, &code);
    let auditor = kluis.whoami(&ks);
    assert_eq!(auditor["principal_id"], id.to_string());
    assert_eq!(auditor["role"], "auditor");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_and_professionals_may_invite() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let kluis = Kluis::new(&server.url);
    let e = enrol_three(&kluis, &server, &dir);

    // A client may not invite anyone.
    for role in ["client", "professional", "admin"] {
        kluis
            .with(&e.client.0, &["invite", "--role", role, "--name", "Eve"])
            .failure();
    }
    kluis
        .with(
            &e.client.0,
            &["--json", "invite", "--role", "client", "--name", "Eve"],
        )
        .failure();
    // A professional may invite clients only.
    kluis
        .with(
            &e.pro.0,
            &[
                "invite",
                "--role",
                "professional",
                "--name",
                "Eve",
                "--org",
                "X",
            ],
        )
        .failure();
    kluis
        .with(&e.pro.0, &["invite", "--role", "admin", "--name", "Eve"])
        .failure();
    // An auditor may not invite either.
    let code = kluis.invite(&e.admin.0, "auditor", "Ada Audit", Some("Gemeente"));
    let ks = keystore_in(&dir, "auditor");
    kluis.keys_new(&ks, "Ada Audit");
    kluis.register(&ks, &code);
    kluis
        .with(&ks, &["invite", "--role", "client", "--name", "Eve"])
        .failure();
    // A role that does not exist is refused before anything is sent.
    kluis
        .with(&e.admin.0, &["invite", "--role", "king", "--name", "Eve"])
        .failure();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_parses_for_every_command() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let kluis = Kluis::new(&server.url);
    let ks = keystore_in(&dir, "admin");

    let made = kluis
        .with(
            &ks,
            &[
                "--json",
                "keys",
                "new",
                "--name",
                "Beheerder",
                "--work-factor",
                "10",
            ],
        )
        .json();
    assert!(made["fingerprint"].is_string(), "{made}");
    let shown = kluis.with(&ks, &["keys", "show", "--json"]).json();
    assert_eq!(shown["fingerprint"], made["fingerprint"]);

    let registered = kluis
        .with(
            &ks,
            &["register", "--json", "--invite", &server.bootstrap_invite()],
        )
        .json();
    let id = registered["principal_id"]
        .as_str()
        .expect("principal_id in JSON");
    PrincipalId::parse(id).expect("a principal id");
    assert_eq!(registered["role"], "admin");

    let invite = kluis
        .with(
            &ks,
            &["invite", "--json", "--role", "client", "--name", "Anna"],
        )
        .json();
    let code = invite["code"].as_str().expect("code in JSON").to_owned();
    assert_eq!(invite["role"], "client");
    assert_eq!(invite["name"], "Anna");

    let me = kluis.whoami(&ks);
    assert_eq!(me["principal_id"], id);

    // The code from the JSON works like the bare one.
    let anna = keystore_in(&dir, "anna");
    kluis.keys_new(&anna, "Anna");
    let anna_id = kluis.register(&anna, &code);
    assert_eq!(kluis.whoami(&anna)["principal_id"], anna_id.to_string());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_keystore_is_a_plain_error() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let kluis = Kluis::new(&server.url);

    // No --keystore and no KLUIS_KEYSTORE.
    for args in [
        &["whoami"][..],
        &["--json", "whoami"][..],
        &["keys", "new", "--name", "Anna", "--work-factor", "10"][..],
        &["keys", "show"][..],
        &["register", "--invite", "kluis-x"][..],
        &["invite", "--role", "client", "--name", "Anna"][..],
    ] {
        let run = kluis.run(args);
        let line = run.failure();
        assert!(line.contains("keystore"), "{args:?}: {line}");
    }
    // A --keystore path with no file behind it.
    let absent = dir.path().join("nobody.keystore");
    for args in [&["whoami"][..], &["keys", "show"][..]] {
        let run = kluis.with(&absent, args);
        let line = run.failure();
        assert!(
            line.contains("keystore") || line.contains("nobody"),
            "{line}"
        );
    }
    assert!(!absent.exists(), "nothing was created");
    // The bootstrap invite is still unused.
    let ks = keystore_in(&dir, "admin");
    kluis.keys_new(&ks, "Beheerder");
    kluis.register(&ks, &server.bootstrap_invite());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_named_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let kluis = Kluis::new(&url);
    let ks = keystore_in(&dir, "anna");
    kluis.keys_new(&ks, "Anna");

    for args in [
        &["whoami"][..],
        &["--json", "whoami"][..],
        &["register", "--invite", "kluis-aaaa-bbbb"][..],
        &["invite", "--role", "client", "--name", "Bram"][..],
    ] {
        let run = kluis.with(&ks, args);
        let line = run.failure();
        assert!(
            line.contains("server") && line.contains(&format!("127.0.0.1:{port}")),
            "{args:?}: {line}"
        );
    }
    // The same through --server, which wins over KLUIS_SERVER.
    let run = Kluis::new("http://127.0.0.1:7420").with(&ks, &["--server", &url, "whoami"]);
    let line = run.failure();
    assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");
}

/// `kluis serve` as a child process: health, readiness, metrics, the OpenAPI
/// document, the private bootstrap invite, and a clean exit on SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_as_a_process_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let base = format!("http://{listen}");
    let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kluis"));
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("--listen")
        .arg(&listen)
        .env_remove("KLUIS_DATA_DIR")
        .env_remove("KLUIS_DB")
        .env_remove("KLUIS_LISTEN")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    // On PostgreSQL, a fresh database of its own; on SQLite, the default in the data dir.
    let on_postgres =
        std::env::var("KLUIS_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"));
    if on_postgres {
        let (db, _) = common::fresh_database_url(dir.path()).await;
        cmd.arg("--db").arg(db);
    }
    let mut child = cmd.spawn().expect("kluis serve starts");
    let pid = child.id().to_string();
    let log_text = || std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default();

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("kluis serve exited early ({status}): {}", log_text());
        }
        assert!(
            Instant::now() < deadline,
            "no /healthz within 60 s: {}",
            log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200, "the database is ready");

    // Make a request the metrics must count, then read them.
    let _ = http.get(format!("{base}/healthz")).send().await.unwrap();
    let metrics = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(metrics.status().as_u16(), 200);
    let content_type = metrics
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/plain") || content_type.contains("openmetrics"));
    let text = metrics.text().await.unwrap();
    assert!(text.contains("kluis_http_requests"), "{text}");
    assert!(text.contains("# TYPE"), "Prometheus text format: {text}");

    let openapi = http
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(openapi.status().as_u16(), 200);
    let doc: Value = serde_json::from_str(&openapi.text().await.unwrap()).expect("JSON");
    assert!(doc["openapi"].is_string(), "{doc}");
    assert!(doc["paths"]["/v1/register"].is_object(), "{doc}");

    // The bootstrap invite waits in the data dir, for its owner only.
    let invite = data_dir.join("bootstrap-invite");
    let code = std::fs::read_to_string(&invite).expect("bootstrap invite file");
    assert!(!code.trim().is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&invite).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    assert_eq!(
        data_dir.join("kluis.db").exists(),
        !on_postgres,
        "SQLite in the data dir unless --db names PostgreSQL"
    );

    // The served process also enrols through the binary.
    let kluis = Kluis::new(&base);
    let ks = keystore_in(&dir, "admin");
    kluis.keys_new(&ks, "Beheerder");
    let id = kluis.register(&ks, code.trim());
    assert_eq!(kluis.whoami(&ks)["principal_id"], id.to_string());

    // SIGTERM: a graceful stop, exit status 0, within 10 seconds.
    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(&pid)
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "kluis serve did not stop within 10 s of SIGTERM: {}",
                log_text()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        status.success(),
        "exit status after SIGTERM: {status}; log: {}",
        log_text()
    );
    // Nothing answers any more.
    assert!(http.get(format!("{base}/healthz")).send().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_are_one_line_too() {
    let dir = tempfile::tempdir().unwrap();
    let kluis = Kluis::new("http://127.0.0.1:9");
    let ks = keystore_in(&dir, "anna");
    for args in [
        &["--bogus", "whoami"][..],
        &["no-such-command"][..],
        &["invite", "--role", "client"][..],
        &["invite", "--role", "king", "--name", "Eve"][..],
        &["keys", "new"][..],
        &["keys", "new", "--name", "Anna", "--work-factor", "ten"][..],
    ] {
        let run = kluis.with(&ks, args);
        run.failure();
    }
    assert!(!ks.exists(), "nothing was created");
    // Help and version are not failures: they go to stdout.
    let help = kluis.run(&["--help"]);
    assert!(help.success, "{help:?}");
    assert!(help.stdout.contains("register"), "{help:?}");
    let version = kluis.run(&["--version"]);
    assert!(version.success, "{version:?}");
    assert!(version.stdout.starts_with("kluis "), "{version:?}");
}
