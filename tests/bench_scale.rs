//! `kluis bench scale` at a tiny size, so the generator cannot silently rot:
//! the generated log verifies through the auditor's real path, its signed
//! checkpoint opens with the server's key, and the benchmark client reads
//! (and decrypts) generated fields over HTTP. Runs on SQLite, or on
//! PostgreSQL when `KLUIS_TEST_DATABASE_URL` is set.

mod common;

use std::sync::Arc;
use std::time::Duration;

use kluis_vault::bench::scale::{self, generate, measure, ProgressBar};
use kluis_vault::client::Client;
use kluis_vault::clock::Clock;
use kluis_vault::keys::Keystore;
use kluis_vault::server::Application;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_database_verifies_and_serves_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let (db_url, _backend) = common::fresh_database_url(dir.path()).await;
    let config = generate::config(&data, Some(db_url));
    let bar = ProgressBar::hidden();

    let generated = generate::generate(&config, 20, 500, &bar)
        .await
        .expect("generation");
    assert_eq!(generated.households, 20);
    assert_eq!(generated.entries, 500, "exactly the entries asked for");

    // What `kluis bench scale` measures: reads, `kluis audit verify`, and
    // the replay from the database, all on the real server.
    let measured = measure::measure(&config, Duration::from_millis(300), &bar)
        .await
        .expect("measuring");
    assert_eq!(measured.households, 20, "counted in the database");
    assert_eq!(measured.log_size, 500, "the log as generated");
    assert!(measured.reads.requests > 0);
    assert!(measured.reads.p50_ms <= measured.reads.p99_ms);
    // The verified checkpoint also covers the measuring run's own entries.
    assert!(measured.verify.entries > 500, "{measured:?}");
    assert_eq!(measured.replay.entries, measured.verify.entries);

    // The server again, as `kluis serve` would open the kept data.
    let server = Application::build(config.clone(), Clock::system())
        .await
        .expect("the server opens the generated database")
        .spawn();
    let url = server.url.clone();

    // The generator's signed checkpoint opens with the server's log key.
    let open = |file: &str| {
        Arc::new(Keystore::open(&data.join(file), generate::PASSPHRASE).expect("keystore"))
    };
    let auditor = Client::new(&url, open(generate::AUDITOR_KEYSTORE)).expect("client");
    let key = auditor.log_key().await.expect("log key").verifier_key;
    let note = std::fs::read_to_string(data.join(generate::CHECKPOINT_FILE)).expect("note");
    let cp = kluis_audit::LogVerifier::parse(&key)
        .expect("key")
        .open(&note)
        .expect("the generated checkpoint is signed by the server's key");
    assert_eq!(cp.size, 500);

    // The benchmark client is a member of every household and can open
    // every generated field.
    let client = Client::new(&url, open(generate::CLIENT_KEYSTORE)).expect("client");
    let households = client.households().await.expect("households");
    assert_eq!(households.len(), 20);
    for h in households.iter().take(3) {
        let fields = client.list_fields(*h).await.expect("fields");
        assert!((3..=6).contains(&fields.len()), "{} fields", fields.len());
        let field = client
            .get_field(*h, &fields[0].path, None)
            .await
            .expect("a generated field reads and decrypts");
        assert!(field.value.starts_with(fields[0].path.as_str().as_bytes()));
    }
    server.stop().await;

    // Measuring again on the kept data (`--reuse`): the same households,
    // the log as the first measurement left it, verified again in full.
    let again = scale::remeasure(&config, Duration::from_millis(300), &bar)
        .await
        .expect("measuring the kept data again");
    assert!(again.generated.is_none());
    assert_eq!(again.measured.households, 20);
    assert!(again.measured.log_size >= measured.verify.entries);
    assert!(again.measured.verify.entries > again.measured.log_size);
    assert!(again.table().contains("(kept from an earlier run)"));
}
