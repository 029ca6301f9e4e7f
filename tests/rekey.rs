//! Re-keying cannot lock anyone out or lose data (issue 14, item 8):
//! - grant keys name the version and key generation they wrap, and a key
//!   for a generation a re-key replaced is refused (409), after which the
//!   client fetches the keys again by itself;
//! - a re-key is written beside the old generation, which stays, intact
//!   and readable, until the new one is complete: a refused re-key changes
//!   nothing;
//! - a withdrawal marks every field the grantee could read, and
//!   `kluis household sync` finishes a re-key that stopped halfway.
//!
//! Every test runs on SQLite, and on PostgreSQL with
//! `KLUIS_TEST_DATABASE_URL` set.

mod common;

use std::path::Path;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::cli::{enrol_three, Kluis, PASSPHRASE};
use common::{TestServer, User};
use kluis_policy::{
    sign_grant, Action, FieldPath, GrantId, GrantStatement, HouseholdId, Purpose, Scope,
};
use kluis_vault::client::{Client, ClientError, GrantRequest};
use kluis_vault::keys::{envelope, seal, Keystore};
use kluis_vault::role::Role;
use kluis_vault::wire::consent::{CreateGrant, GrantInfo, StaleField};
use sqlx::Row;

fn path(p: &str) -> FieldPath {
    FieldPath::parse(p).unwrap()
}

fn kind(e: &ClientError) -> String {
    e.kind()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("<{e}>"))
}

struct World {
    server: TestServer,
    piet: User,
    sara: User,
    anna: User,
    h: HouseholdId,
}

async fn world() -> World {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let piet = server
        .enrol(&admin, Role::Professional, "Piet", Some("Schuldhulp Noord"))
        .await;
    let sara = server
        .enrol(&admin, Role::Professional, "Sara", Some("GGZ Oost"))
        .await;
    let anna = server.enrol(&piet, Role::Client, "Anna", None).await;
    let h = anna.client.create_household().await.unwrap();
    World {
        server,
        piet,
        sara,
        anna,
        h,
    }
}

/// A read grant on `scope` from `granter` to `to`, signed now.
async fn statement(granter: &User, to: &User, h: HouseholdId, scope: &str) -> GrantStatement {
    let keys = granter.client.trusted_keys(to.id).await.unwrap();
    let now = chrono::Utc::now().timestamp();
    GrantStatement {
        id: GrantId::random(),
        issuer: granter.id,
        grantee: to.id,
        grantee_fingerprint: keys.fingerprint,
        household: h,
        scope: Scope::parse(scope).unwrap(),
        actions: vec![Action::Read],
        purpose: Purpose::Schuldhulp,
        issued_at: now,
        not_before: now,
        expires: now + 30 * 86_400,
    }
}

/// Upload a grant with exactly these keys, as a device that fetched them
/// earlier would: no refetching.
async fn upload(
    granter: &User,
    h: HouseholdId,
    s: &GrantStatement,
    keys: Vec<kluis_vault::wire::consent::KeyForGrantee>,
) -> Result<GrantInfo, ClientError> {
    let jws = sign_grant(s, &granter.client.identity().key_pair()).unwrap();
    granter
        .client
        .http()
        .post(
            granter.client.identity(),
            &format!("/v1/households/{h}/grants"),
            &CreateGrant { jws, keys },
        )
        .await
}

#[tokio::test]
async fn a_grant_key_for_a_replaced_generation_is_refused_and_the_client_fetches_again() {
    let w = world().await;
    let p = path("financien/situatie");
    w.anna
        .client
        .set_field(w.h, &p, b"schuld 1200")
        .await
        .unwrap();

    // Anna's device fetches the keys for Piet's grant ...
    let s = statement(&w.anna, &w.piet, w.h, "financien/*").await;
    let fetched = w.anna.client.keys_for_grant(w.h, &s).await.unwrap();
    assert_eq!(
        fetched
            .iter()
            .map(|k| (k.path.clone(), k.version, k.key_gen))
            .collect::<Vec<_>>(),
        vec![(p.clone(), 1, 1)]
    );
    // ... then a re-key commits (another device of the household) ...
    let rekeyed = w
        .anna
        .client
        .rekey(
            w.h,
            &StaleField {
                path: p.clone(),
                version: 1,
                key_gen: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(rekeyed.key_gen, 2);
    // ... and the upload with the keys of generation 1 is refused: before
    // this fix it was stored, and Piet held a key that opened nothing.
    let e = upload(&w.anna, w.h, &s, fetched.clone()).await.unwrap_err();
    assert_eq!((kind(&e), e.status()), ("stale-version".into(), Some(409)));
    assert!(e.to_string().contains("key generation 2"), "{e}");
    // Nothing was stored, and the household's history says a grant failed.
    assert!(w.anna.client.grants(w.h).await.unwrap().is_empty());
    assert_eq!(
        kind(&w.piet.client.get_field(w.h, &p, None).await.unwrap_err()),
        "household-not-found"
    );
    let log = w.anna.client.access_log(w.h).await.unwrap();
    assert!(
        log.iter().any(|e| e.event == "grant.create"
            && e.outcome == "error"
            && e.reason.as_deref() == Some("stale_version")),
        "{}",
        serde_json::to_string(&log).unwrap()
    );

    // A key for a version a new write replaced is refused the same way.
    let s2 = statement(&w.anna, &w.piet, w.h, "financien/*").await;
    let fetched2 = w.anna.client.keys_for_grant(w.h, &s2).await.unwrap();
    w.anna
        .client
        .set_field(w.h, &p, b"schuld 900")
        .await
        .unwrap();
    let e = upload(&w.anna, w.h, &s2, fetched2).await.unwrap_err();
    assert_eq!(kind(&e), "stale-version");

    // The client library retries by itself: handed the stale keys for its
    // first upload, it is refused, fetches the keys again and succeeds.
    let g = w
        .anna
        .client
        .grant_with_keys(w.h, s, Some(fetched))
        .await
        .unwrap();
    assert_eq!(g.status, "active");
    let read = w.piet.client.get_field(w.h, &p, None).await.unwrap();
    assert_eq!((read.version, read.key_gen), (2, 1));
    assert_eq!(&read.value[..], b"schuld 900");

    // The normal path still works: a grant with keys fetched now.
    w.anna
        .client
        .grant(
            w.h,
            GrantRequest {
                grantee: w.sara.id,
                scope: Scope::parse("financien/*").unwrap(),
                write: false,
                coordinate: false,
                purpose: Purpose::Zorg,
                until_ms: Some(common::chrono_now_ms() + 30 * 86_400_000),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        &w.sara.client.get_field(w.h, &p, None).await.unwrap().value[..],
        b"schuld 900"
    );
    w.server.stop().await;
}

/// The generations stored for one version: (key_gen, envelope readers).
async fn generations(server: &TestServer, h: HouseholdId, p: &FieldPath) -> Vec<(i64, usize)> {
    let db = server.db().await;
    let rows = sqlx::query(
        "SELECT f.key_gen AS key_gen, \
         (SELECT COUNT(*) FROM envelopes e WHERE e.household_id = f.household_id AND e.path = f.path \
          AND e.version = f.version AND e.key_gen = f.key_gen) AS readers \
         FROM field_versions f WHERE f.household_id = $1 AND f.path = $2 ORDER BY f.key_gen",
    )
    .bind(h.to_string())
    .bind(p.as_str())
    .fetch_all(&db)
    .await
    .unwrap();
    let out = rows
        .iter()
        .map(|r| {
            (
                r.get::<i64, _>("key_gen"),
                r.get::<i64, _>("readers") as usize,
            )
        })
        .collect();
    db.close().await;
    out
}

#[tokio::test]
async fn a_refused_rekey_leaves_the_current_generation_intact() {
    let w = world().await;
    let p = path("financien/situatie");
    w.anna
        .client
        .set_field(w.h, &p, b"schuld 1200")
        .await
        .unwrap();
    w.anna
        .client
        .grant(
            w.h,
            GrantRequest {
                grantee: w.piet.id,
                scope: Scope::parse("financien/*").unwrap(),
                write: false,
                coordinate: false,
                purpose: Purpose::Schuldhulp,
                until_ms: Some(common::chrono_now_ms() + 30 * 86_400_000),
            },
        )
        .await
        .unwrap();
    let f = StaleField {
        path: p.clone(),
        version: 1,
        key_gen: 1,
    };
    let good = w.anna.client.seal_rekey(w.h, &f).await.unwrap();

    // Faulty re-keys: one that leaves Piet out, one whose ciphertext is
    // not what was signed, one for a generation that is not next.
    let mut without_piet = good.clone();
    without_piet
        .envelopes
        .retain(|e| e.reader != w.piet.id.to_string());
    let mut changed = good.clone();
    let mut bytes = STANDARD.decode(&changed.ciphertext).unwrap();
    bytes[20] ^= 1;
    changed.ciphertext = STANDARD.encode(bytes);
    let mut skipping = good.clone();
    skipping.key_gen = 3;
    for (what, body, expected) in [
        ("a reader left out", without_piet, "envelope-mismatch"),
        ("another ciphertext", changed, "version-signature-invalid"),
        ("a generation skipped", skipping, "stale-version"),
    ] {
        let e = w.anna.client.send_rekey(w.h, &p, &body).await.unwrap_err();
        assert_eq!(kind(&e), expected, "{what}: {e}");
        // The stored generation is the one it was, with all its envelopes
        // (household and Piet), and everyone still reads it.
        assert_eq!(
            generations(&w.server, w.h, &p).await,
            vec![(1, 2)],
            "{what}"
        );
        for reader in [&w.anna, &w.piet] {
            let read = reader.client.get_field(w.h, &p, None).await.unwrap();
            assert_eq!((read.key_gen, &read.value[..]), (1, &b"schuld 1200"[..]));
        }
    }

    // The good one replaces generation 1 with a complete generation 2.
    let done = w.anna.client.send_rekey(w.h, &p, &good).await.unwrap();
    assert_eq!(done.key_gen, 2);
    assert_eq!(generations(&w.server, w.h, &p).await, vec![(2, 2)]);
    for reader in [&w.anna, &w.piet] {
        let read = reader.client.get_field(w.h, &p, None).await.unwrap();
        assert_eq!((read.key_gen, &read.value[..]), (2, &b"schuld 1200"[..]));
    }
    w.server.stop().await;
}

/// A client library on the keystore (and device file) the CLI uses.
fn library_client(server: &TestServer, keystore: &Path) -> Client {
    let identity = Keystore::open(keystore, PASSPHRASE).unwrap();
    Client::new(&server.url, Arc::new(identity))
        .unwrap()
        .on_device(keystore)
}

fn grant_cli(k: &Kluis, granter: &Path, h: &str, to: &str, purpose: &str) -> String {
    let until = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    k.with(
        granter,
        &[
            "grant",
            h,
            "--to",
            to,
            "--fields",
            "financien/*",
            "--purpose",
            purpose,
            "--until",
            &until,
        ],
    )
    .value()
    .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_rekey_is_finished_by_household_sync() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&server.url);
    let e = enrol_three(&k, &server, &dir);
    let (anna, piet) = (&e.client.0, &e.pro.0);
    let (sara, sara_id) = k.enrol(&dir, &e.admin.0, "professional", "Sara", Some("GGZ Oost"));
    let h = k.with(anna, &["household", "create"]).value().to_owned();
    let hid = HouseholdId::parse(&h).unwrap();
    let values = [
        ("financien/situatie", "Schuld: 4.200 euro"),
        ("financien/budget", "Leefgeld 60 per week"),
        ("financien/doelen", "Schuldenvrij in 2027"),
        ("huisvesting/woning", "Huurachterstand"),
    ];
    for (field, value) in values {
        k.with(anna, &["plan", "set", &h, field, "--value", value])
            .value();
    }
    let g_piet = grant_cli(&k, anna, &h, &e.pro.1.to_string(), "schuldhulp");
    grant_cli(&k, anna, &h, &sara_id.to_string(), "zorg");

    // The keys Piet holds now, opened with his own identity.
    let db = server.db().await;
    let piet_identity = Keystore::open(piet, PASSPHRASE).unwrap();
    let rows =
        sqlx::query("SELECT envelope FROM envelopes WHERE household_id = $1 AND reader = $2")
            .bind(&h)
            .bind(e.pro.1.to_string())
            .fetch_all(&db)
            .await
            .unwrap();
    let piet_keys: Vec<_> = rows
        .iter()
        .map(|r| {
            envelope::open_key(
                piet_identity.age_identity(),
                &r.get::<Vec<u8>, _>("envelope"),
            )
            .unwrap()
        })
        .collect();
    assert_eq!(piet_keys.len(), 3, "one per financien field");

    // Anna withdraws Piet's grant; re-keying stops after one field (her
    // device went offline, say).
    let anna_lib = library_client(&server, anna);
    let marked = anna_lib
        .withdraw(hid, GrantId::parse(&g_piet).unwrap())
        .await
        .unwrap();
    assert_eq!(marked.len(), 3, "{marked:?}");
    anna_lib.rekey(hid, &marked[0]).await.unwrap();

    // The two fields left are still reported: before this fix nothing
    // showed them (Piet's envelopes were gone), so no sync found them.
    let mut left: Vec<String> = anna_lib
        .stale(hid)
        .await
        .unwrap()
        .iter()
        .map(|f| f.path.to_string())
        .collect();
    left.sort();
    let mut expected: Vec<String> = marked[1..].iter().map(|f| f.path.to_string()).collect();
    expected.sort();
    assert_eq!(left, expected);

    // `kluis household sync` finishes the job, and then nothing is left.
    assert_eq!(k.with(anna, &["household", "sync", &h]).value(), "2");
    assert_eq!(k.with(anna, &["household", "sync", &h]).value(), "0");

    // Piet's old keys open nothing stored, and he holds no envelope.
    let stored = sqlx::query(
        "SELECT path, version, key_gen, ciphertext FROM field_versions WHERE household_id = $1",
    )
    .bind(&h)
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(stored.len(), values.len(), "one generation per version");
    for row in &stored {
        let p = path(&row.get::<String, _>("path"));
        let binding = seal::Binding {
            household: hid,
            path: &p,
            version: row.get("version"),
            key_gen: row.get("key_gen"),
        };
        if p.section() == "financien" {
            assert_eq!(binding.key_gen, 2, "{p} was re-keyed");
        }
        let ciphertext: Vec<u8> = row.get("ciphertext");
        for key in &piet_keys {
            assert!(
                seal::open(key, &binding, &ciphertext).is_err(),
                "an old key of Piet's opens {p}"
            );
        }
    }
    let held: i64 = sqlx::query("SELECT COUNT(*) AS n FROM envelopes WHERE reader = $1")
        .bind(e.pro.1.to_string())
        .fetch_one(&db)
        .await
        .unwrap()
        .get("n");
    assert_eq!(held, 0);
    db.close().await;

    // The household reads every field, Sara every field of her grant,
    // Piet none.
    for (field, value) in values {
        let got = k.with(anna, &["plan", "get", &h, field]);
        assert_eq!(got.output(), value.as_bytes(), "{field}");
        if field.starts_with("financien/") {
            let got = k.with(&sara, &["plan", "get", &h, field]);
            assert_eq!(got.output(), value.as_bytes(), "{field}");
            k.with(piet, &["plan", "get", &h, field]).failure();
        }
    }
    server.stop().await;
}
