//! Encrypted household plans end to end: households, members, versioned
//! fields, and what the server (or someone with its database) cannot do.

mod common;

use common::{contains, TestServer, User};
use kluis_policy::{FieldPath, HouseholdId};
use kluis_vault::client::ClientError;
use kluis_vault::role::Role;
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
    admin: User,
    pro: User,
    anna: User,
    h: HouseholdId,
}

async fn world() -> World {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = server
        .enrol(&admin, Role::Professional, "Piet", Some("Wijkteam Noord"))
        .await;
    let anna = server.enrol(&pro, Role::Client, "Anna", None).await;
    let h = anna
        .client
        .create_household()
        .await
        .expect("create household");
    World {
        server,
        admin,
        pro,
        anna,
        h,
    }
}

#[tokio::test]
async fn text_and_binary_round_trip_with_history() {
    let w = world().await;
    let p = path("financien/situatie");
    let v1 = w
        .anna
        .client
        .set_field(w.h, &p, "Schuld bij de energieleverancier".as_bytes())
        .await
        .unwrap();
    assert_eq!(v1.version, 1);
    let binary: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let v2 = w.anna.client.set_field(w.h, &p, &binary).await.unwrap();
    assert_eq!(v2.version, 2);
    let empty = w
        .anna
        .client
        .set_field(w.h, &path("algemeen/naam"), b"")
        .await
        .unwrap();
    assert_eq!(empty.version, 1);

    assert_eq!(
        &w.anna.client.get_field(w.h, &p, None).await.unwrap().value[..],
        &binary[..]
    );
    let old = w.anna.client.get_field(w.h, &p, Some(1)).await.unwrap();
    assert_eq!(
        &old.value[..],
        "Schuld bij de energieleverancier".as_bytes()
    );
    assert_eq!(old.author_role, "client");
    // A version that does not exist, of a field that does, and of one that
    // does not: both "not found", neither served.
    for (field, version) in [(&p, 3), (&path("financien/nergens"), 1)] {
        let e = w
            .anna
            .client
            .get_field(w.h, field, Some(version))
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("does not exist"),
            "{field} version {version}: {e}"
        );
    }
    assert!(w
        .anna
        .client
        .get_field(w.h, &path("algemeen/naam"), None)
        .await
        .unwrap()
        .value
        .is_empty());

    let history = w.anna.client.field_history(w.h, &p).await.unwrap();
    assert_eq!(
        history.iter().map(|(f, _)| f.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(history[0].0.size_bucket, 256);
    assert_eq!(history[1].0.size_bucket, 8192);
    // Each version's writer, checked on the device from its signature.
    for (_, by) in &history {
        assert_eq!(
            by,
            &kluis_vault::client::Authorship::Signed {
                writer: w.anna.id,
                writer_name: w.anna.client.identity().name().to_owned(),
            }
        );
    }

    let list = w.anna.client.list_fields(w.h).await.unwrap();
    let listed: Vec<(&str, i64)> = list.iter().map(|f| (f.path.as_str(), f.version)).collect();
    assert_eq!(
        listed,
        vec![("algemeen/naam", 1), ("financien/situatie", 2)]
    );

    let e = w.anna.client.get_field(w.h, &p, Some(3)).await.unwrap_err();
    assert_eq!(kind(&e), "field-not-found");
    let e = w
        .anna
        .client
        .set_field(w.h, &path("hobbies/voetbal"), b"x")
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "unknown-section");
    w.server.stop().await;
}

#[tokio::test]
async fn a_member_added_later_reads_what_was_written_before() {
    let w = world().await;
    let p = path("opvoeding/afspraken");
    w.anna
        .client
        .set_field(w.h, &p, b"Bedtijd om acht uur")
        .await
        .unwrap();
    let bram = w.server.enrol(&w.pro, Role::Client, "Bram", None).await;
    let e = bram.client.get_field(w.h, &p, None).await.unwrap_err();
    assert_eq!(kind(&e), "household-not-found", "not yet a member");

    w.anna.client.add_member(w.h, bram.id).await.unwrap();
    assert_eq!(
        &bram.client.get_field(w.h, &p, None).await.unwrap().value[..],
        b"Bedtijd om acht uur"
    );
    // And Bram can write; Anna reads it.
    bram.client
        .set_field(w.h, &p, b"Bedtijd om half negen")
        .await
        .unwrap();
    assert_eq!(
        &w.anna.client.get_field(w.h, &p, None).await.unwrap().value[..],
        b"Bedtijd om half negen"
    );
    let members = w.anna.client.household(w.h).await.unwrap().members;
    assert_eq!(members.len(), 2);

    // Only clients can be members, and only members add members.
    let e = w.anna.client.add_member(w.h, w.pro.id).await.unwrap_err();
    assert_eq!(kind(&e), "malformed-request");
    let carla = w.server.enrol(&w.pro, Role::Client, "Carla", None).await;
    let e = carla.client.add_member(w.h, carla.id).await.unwrap_err();
    assert_eq!(kind(&e), "household-not-found");
    let e = w.anna.client.add_member(w.h, bram.id).await.unwrap_err();
    assert_eq!(kind(&e), "conflict");
    w.server.stop().await;
}

#[tokio::test]
async fn outsiders_learn_nothing() {
    let w = world().await;
    let p = path("financien/situatie");
    w.anna.client.set_field(w.h, &p, b"geheim").await.unwrap();
    let auditor = w
        .server
        .enrol(&w.admin, Role::Auditor, "Ada", Some("Gemeente"))
        .await;
    let stranger = w.server.enrol(&w.pro, Role::Client, "Eve", None).await;
    let nowhere = HouseholdId::random();

    for (who, user) in [
        ("professional without grant", &w.pro),
        ("auditor", &auditor),
        ("admin", &w.admin),
        ("other client", &stranger),
    ] {
        for h in [w.h, nowhere] {
            let e = user.client.get_field(h, &p, None).await.unwrap_err();
            assert_eq!(
                (kind(&e), e.status()),
                ("household-not-found".to_owned(), Some(404)),
                "{who} read"
            );
            let e = user.client.list_fields(h).await.unwrap_err();
            assert_eq!(kind(&e), "household-not-found", "{who} list");
            let e = user
                .client
                .set_field(h, &p, b"overwrite")
                .await
                .unwrap_err();
            assert_eq!(kind(&e), "household-not-found", "{who} write");
            let e = user.client.household(h).await.unwrap_err();
            assert_eq!(kind(&e), "household-not-found", "{who} show");
        }
        assert!(user.client.households().await.unwrap().is_empty());
    }
    // Only clients create households.
    let e = w.pro.client.create_household().await.unwrap_err();
    assert_eq!(kind(&e), "forbidden");
    assert_eq!(
        &w.anna.client.get_field(w.h, &p, None).await.unwrap().value[..],
        b"geheim"
    );
    w.server.stop().await;
}

#[tokio::test]
async fn a_stale_write_gets_409_with_the_current_version() {
    let w = world().await;
    let p = path("huisvesting/situatie");
    w.anna
        .client
        .set_field(w.h, &p, b"huurachterstand")
        .await
        .unwrap();
    let bram = w.server.enrol(&w.pro, Role::Client, "Bram", None).await;
    w.anna.client.add_member(w.h, bram.id).await.unwrap();

    // Both read version 1 and prepare a change; Anna's lands first.
    let plan_b = bram.client.write_plan(w.h, &p).await.unwrap();
    let change_b = bram
        .client
        .seal_for(w.h, &plan_b, b"Bram's version")
        .await
        .unwrap();
    w.anna
        .client
        .set_field(w.h, &p, b"Anna's version")
        .await
        .unwrap();
    let e = bram.client.put_field(w.h, &p, &change_b).await.unwrap_err();
    assert_eq!(
        (kind(&e), e.status()),
        ("stale-version".to_owned(), Some(409))
    );
    match &e {
        ClientError::Problem { problem, .. } => assert_eq!(problem.current_version, Some(2)),
        other => panic!("{other}"),
    }
    assert_eq!(
        &bram.client.get_field(w.h, &p, None).await.unwrap().value[..],
        b"Anna's version"
    );

    // Truly concurrent writers: every write either lands as the next
    // version or gets 409; nothing is lost silently.
    let mut tasks = Vec::new();
    for i in 0..6 {
        let c = if i % 2 == 0 {
            w.anna.client.clone()
        } else {
            bram.client.clone()
        };
        let (h, p) = (w.h, p.clone());
        tasks.push(tokio::spawn(async move {
            c.set_field(h, &p, format!("writer {i}").as_bytes()).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(kind(&e), "stale-version"),
        }
    }
    assert!(ok >= 1);
    let versions: Vec<i64> = w
        .anna
        .client
        .field_history(w.h, &p)
        .await
        .unwrap()
        .iter()
        .map(|(f, _)| f.version)
        .collect();
    assert_eq!(versions, (1..=2 + ok).collect::<Vec<_>>());
    w.server.stop().await;
}

#[tokio::test]
async fn the_database_never_holds_plaintext() {
    let w = world().await;
    let markers = [
        "MARKER-naam-9f1c2d",
        "MARKER-schuld-77ab3e",
        "MARKER-binair-c0ffee",
    ];
    w.anna
        .client
        .set_field(w.h, &path("algemeen/naam"), markers[0].as_bytes())
        .await
        .unwrap();
    w.anna
        .client
        .set_field(w.h, &path("financien/situatie"), markers[1].as_bytes())
        .await
        .unwrap();
    let mut big = vec![0u8; 10_000];
    big.extend(markers[2].as_bytes());
    w.anna
        .client
        .set_field(w.h, &path("financien/situatie"), &big)
        .await
        .unwrap();
    // Reads too, so the log has entries about these fields.
    w.anna
        .client
        .get_field(w.h, &path("financien/situatie"), Some(1))
        .await
        .unwrap();

    let bytes = w.server.database_bytes().await;
    assert!(bytes.len() > 10_000, "the scan read the database");
    assert!(
        contains(&bytes, w.h.to_string().as_bytes()),
        "the scan sees stored ids"
    );
    for m in markers {
        assert!(!contains(&bytes, m.as_bytes()), "{m} found in the database");
        assert!(
            !contains(&bytes, hex_of(m.as_bytes()).as_bytes()),
            "{m} found hex-encoded"
        );
    }
    w.server.stop().await;
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test]
async fn a_ciphertext_moved_by_hand_does_not_open() {
    let w = world().await;
    let a = path("financien/situatie");
    let b = path("financien/wensen");
    w.anna
        .client
        .set_field(w.h, &a, b"schuld 1200 euro")
        .await
        .unwrap();
    w.anna.client.set_field(w.h, &b, b"rust").await.unwrap();

    // Someone with the database copies field a (ciphertext and its key's
    // envelope) over field b.
    let db = w.server.db().await;
    let h = w.h.to_string();
    let row =
        sqlx::query("SELECT ciphertext FROM field_versions WHERE household_id = $1 AND path = $2")
            .bind(&h)
            .bind(a.as_str())
            .fetch_one(&db)
            .await
            .unwrap();
    let ct: Vec<u8> = row.get("ciphertext");
    let row = sqlx::query("SELECT envelope FROM envelopes WHERE household_id = $1 AND path = $2")
        .bind(&h)
        .bind(a.as_str())
        .fetch_one(&db)
        .await
        .unwrap();
    let env: Vec<u8> = row.get("envelope");
    sqlx::query("UPDATE field_versions SET ciphertext = $1 WHERE household_id = $2 AND path = $3")
        .bind(ct.clone())
        .bind(&h)
        .bind(b.as_str())
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("UPDATE envelopes SET envelope = $1 WHERE household_id = $2 AND path = $3")
        .bind(env.clone())
        .bind(&h)
        .bind(b.as_str())
        .execute(&db)
        .await
        .unwrap();
    // The writer's signature names the ciphertext's hash and the path, so
    // the device refuses before it even tries the key (the seal's AAD
    // binding would refuse it next).
    let e = w.anna.client.get_field(w.h, &b, None).await.unwrap_err();
    assert!(matches!(e, ClientError::Refused(_)), "{e}");
    assert!(
        e.to_string()
            .contains("signature was made for another version, other content"),
        "{e}"
    );
    // With the signed statement moved along, the path it names is wrong.
    let row = sqlx::query(
        "SELECT statement, signature FROM field_versions WHERE household_id = $1 AND path = $2",
    )
    .bind(&h)
    .bind(a.as_str())
    .fetch_one(&db)
    .await
    .unwrap();
    let (statement, signature): (String, Vec<u8>) = (row.get("statement"), row.get("signature"));
    sqlx::query(
        "UPDATE field_versions SET statement = $1, signature = $2 WHERE household_id = $3 AND path = $4",
    )
    .bind(statement)
    .bind(signature)
    .bind(&h)
    .bind(b.as_str())
    .execute(&db)
    .await
    .unwrap();
    let e = w.anna.client.get_field(w.h, &b, None).await.unwrap_err();
    assert!(
        e.to_string().contains("signature was made for another"),
        "{e}"
    );

    // And into another household of Anna's: the household key does not even open the envelope.
    let h2 = w.anna.client.create_household().await.unwrap();
    w.anna
        .client
        .set_field(h2, &a, b"andere tekst")
        .await
        .unwrap();
    sqlx::query("UPDATE field_versions SET ciphertext = $1 WHERE household_id = $2 AND path = $3")
        .bind(ct)
        .bind(h2.to_string())
        .bind(a.as_str())
        .execute(&db)
        .await
        .unwrap();
    let e = w.anna.client.get_field(h2, &a, None).await.unwrap_err();
    assert!(matches!(e, ClientError::Refused(_)), "{e}");
    sqlx::query("UPDATE envelopes SET envelope = $1 WHERE household_id = $2 AND path = $3")
        .bind(env)
        .bind(h2.to_string())
        .bind(a.as_str())
        .execute(&db)
        .await
        .unwrap();
    let e = w.anna.client.get_field(h2, &a, None).await.unwrap_err();
    assert!(e.to_string().contains("is not shown"), "{e}");
    db.close().await;
    w.server.stop().await;
}

#[tokio::test]
async fn membership_statements_must_be_signed_by_the_adding_member() {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
    use base64::Engine;
    use kluis_vault::wire::household::{member_statement, AddMember};
    let w = world().await;
    let bram = w.server.enrol(&w.pro, Role::Client, "Bram", None).await;
    let env =
        kluis_vault::keys::envelope::seal(&bram.client.identity().public().age_recipient, b"x")
            .unwrap();
    let signed_at_ms = common::chrono_now_ms();
    // Signed by Bram (not a member), sent by Anna; and a statement for someone else.
    let by_bram = bram
        .client
        .identity()
        .sign(member_statement(w.h, bram.id, None, w.anna.id, signed_at_ms).as_bytes());
    let for_other = w
        .anna
        .client
        .identity()
        .sign(member_statement(w.h, w.pro.id, None, w.anna.id, signed_at_ms).as_bytes());
    for sig in [by_bram, for_other] {
        let body = AddMember {
            principal_id: bram.id,
            member_fingerprint: None,
            signed_at_ms,
            signature: B64.encode(sig),
            identity_envelope: STANDARD.encode(&env),
        };
        let e = w
            .anna
            .client
            .http()
            .post::<_, serde_json::Value>(
                w.anna.client.identity(),
                &format!("/v1/households/{}/members", w.h),
                &body,
            )
            .await
            .unwrap_err();
        assert_eq!(kind(&e), "signature-invalid");
    }
    assert_eq!(
        w.anna.client.household(w.h).await.unwrap().members.len(),
        1,
        "nobody was added"
    );
    w.server.stop().await;
}
