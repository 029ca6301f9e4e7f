//! The first two user stories end to end: a client grants a professional
//! access to part of the plan; a professional keeps a private observation.

mod common;

use common::{read_grant, TestServer, User};
use kluis_policy::{FieldPath, HouseholdId, Purpose};
use kluis_vault::client::ClientError;
use kluis_vault::role::Role;

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
        admin,
        piet,
        sara,
        anna,
        h,
    }
}

#[tokio::test]
async fn a_grant_opens_exactly_its_fields() {
    let w = world().await;
    w.anna
        .client
        .set_field(w.h, &path("financien/situatie"), b"schuld 1200")
        .await
        .unwrap();
    w.anna
        .client
        .set_field(w.h, &path("geestelijke-gezondheid/situatie"), b"somber")
        .await
        .unwrap();
    let g = w
        .anna
        .client
        .grant(w.h, read_grant(&w.piet, "financien/*", 90))
        .await
        .unwrap();
    assert_eq!(g.status, "active");
    assert_eq!(g.purpose, "schuldhulp");

    // Piet reads the granted field, and one written after the grant.
    assert_eq!(
        &w.piet
            .client
            .get_field(w.h, &path("financien/situatie"), None)
            .await
            .unwrap()
            .value[..],
        b"schuld 1200"
    );
    w.anna
        .client
        .set_field(w.h, &path("financien/doelen"), b"schuldenvrij in 2027")
        .await
        .unwrap();
    assert_eq!(
        &w.piet
            .client
            .get_field(w.h, &path("financien/doelen"), None)
            .await
            .unwrap()
            .value[..],
        b"schuldenvrij in 2027"
    );
    // Nothing else, not even in the listing.
    let e = w
        .piet
        .client
        .get_field(w.h, &path("geestelijke-gezondheid/situatie"), None)
        .await
        .unwrap_err();
    assert_eq!((kind(&e), e.status()), ("forbidden".to_owned(), Some(403)));
    let listed: Vec<String> = w
        .piet
        .client
        .list_fields(w.h)
        .await
        .unwrap()
        .iter()
        .map(|f| f.path.to_string())
        .collect();
    assert_eq!(listed, vec!["financien/doelen", "financien/situatie"]);
    // No writing with a read grant.
    let e = w
        .piet
        .client
        .set_field(w.h, &path("financien/situatie"), b"x")
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "forbidden");
    // The other professional reads nothing.
    let e = w
        .sara
        .client
        .get_field(w.h, &path("financien/situatie"), None)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "household-not-found");
    assert_eq!(w.piet.client.households().await.unwrap(), vec![w.h]);
    assert!(w.sara.client.households().await.unwrap().is_empty());
    w.server.stop().await;
}

#[tokio::test]
async fn a_write_grant_allows_writing_only_its_paths() {
    let w = world().await;
    let mut req = read_grant(&w.piet, "financien/acties", 30);
    req.write = true;
    w.anna.client.grant(w.h, req).await.unwrap();
    w.piet
        .client
        .set_field(w.h, &path("financien/acties"), b"bel de energieleverancier")
        .await
        .unwrap();
    assert_eq!(
        &w.anna
            .client
            .get_field(w.h, &path("financien/acties"), None)
            .await
            .unwrap()
            .value[..],
        b"bel de energieleverancier"
    );
    let e = w
        .piet
        .client
        .set_field(w.h, &path("financien/situatie"), b"x")
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "forbidden");
    w.server.stop().await;
}

#[tokio::test]
async fn expiry_and_revocation_end_access_and_rekeying_retires_the_old_key() {
    let w = world().await;
    let p = path("financien/situatie");
    w.anna
        .client
        .set_field(w.h, &p, b"schuld 1200")
        .await
        .unwrap();
    let g = w
        .anna
        .client
        .grant(w.h, read_grant(&w.piet, "financien/*", 90))
        .await
        .unwrap();
    let before = w.piet.client.fetch_field(w.h, &p, None).await.unwrap();
    let old_key = w.piet.client.get_field(w.h, &p, None).await.unwrap();
    assert_eq!(old_key.key_gen, 1);

    let rekeyed = w.anna.client.revoke(w.h, g.grant_id).await.unwrap();
    assert_eq!(rekeyed.len(), 1);
    assert_eq!(rekeyed[0].key_gen, 2);
    let e = w.piet.client.get_field(w.h, &p, None).await.unwrap_err();
    assert_eq!(kind(&e), "forbidden");
    assert!(e.to_string().contains("withdrew"), "{e}");
    // The stored ciphertext is new: Piet's old envelope (and key) cannot open it.
    let after = w.anna.client.fetch_field(w.h, &p, None).await.unwrap();
    assert_ne!(after.ciphertext, before.ciphertext);
    assert_eq!(after.key_gen, 2);
    let mut stale = after.clone();
    stale.envelope = before.envelope.clone();
    stale.reader = before.reader.clone();
    let e = w
        .piet
        .client
        .open_field_for_tests(w.h, stale)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("does not open here"), "{e}");
    assert_eq!(
        &w.anna.client.get_field(w.h, &p, None).await.unwrap().value[..],
        b"schuld 1200"
    );
    let listed = w.anna.client.grants(w.h).await.unwrap();
    assert_eq!(listed[0].status, "revoked");
    assert!(listed[0].revocation_jws.is_some());

    // Expiry: a short grant, then time passes.
    w.anna
        .client
        .grant(w.h, read_grant(&w.sara, "financien/*", 2))
        .await
        .unwrap();
    w.sara.client.get_field(w.h, &p, None).await.unwrap();
    w.server.clock.advance_ms(3 * 86_400_000);
    let e = w.sara.client.get_field(w.h, &p, None).await.unwrap_err();
    assert_eq!(kind(&e), "forbidden");
    assert!(e.to_string().contains("ended"), "{e}");
    let synced = w.anna.client.sync(w.h).await.unwrap();
    assert_eq!(synced.len(), 1, "the field Sara could read is re-keyed");
    assert!(w.anna.client.sync(w.h).await.unwrap().is_empty());
    w.server.stop().await;
}

#[tokio::test]
async fn a_private_observation_is_readable_by_its_author_only() {
    let w = world().await;
    w.anna
        .client
        .grant(w.h, read_grant(&w.piet, "financien/*,observaties/*", 30))
        .await
        .unwrap();
    w.anna
        .client
        .grant(w.h, read_grant(&w.sara, "observaties/*", 30))
        .await
        .unwrap();
    let note = w
        .piet
        .client
        .observe(w.h, b"vermoeden huiselijk geweld", true)
        .await
        .unwrap();
    assert_eq!(note.path.section(), "observaties");

    assert_eq!(
        &w.piet
            .client
            .get_field(w.h, &note.path, None)
            .await
            .unwrap()
            .value[..],
        b"vermoeden huiselijk geweld"
    );
    for (who, user) in [("member", &w.anna), ("other professional", &w.sara)] {
        let e = user
            .client
            .get_field(w.h, &note.path, None)
            .await
            .unwrap_err();
        assert_eq!(kind(&e), "forbidden", "{who}");
        // Asked by its version number, it is just as private.
        let e = user
            .client
            .get_field(w.h, &note.path, Some(note.version))
            .await
            .unwrap_err();
        assert_eq!(kind(&e), "forbidden", "{who}, by version");
        let listed = user.client.list_fields(w.h).await.unwrap();
        assert!(
            listed.iter().all(|f| f.path != note.path),
            "{who} does not see it listed"
        );
    }
    // Nobody but the author can overwrite or publish it.
    let e = w
        .anna
        .client
        .set_field(w.h, &note.path, b"x")
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "forbidden");
    // A client cannot write observations; an uninvolved professional cannot either.
    let e = w.anna.client.observe(w.h, b"x", true).await.unwrap_err();
    assert_eq!(kind(&e), "forbidden");
    let outsider = w
        .server
        .enrol(&w.admin, Role::Professional, "Olaf", Some("Elders"))
        .await;
    let e = outsider.client.observe(w.h, b"x", true).await.unwrap_err();
    assert_eq!(kind(&e), "household-not-found");

    // Published, it joins the plan for the household and readers of observaties/*.
    let published = w.piet.client.publish(w.h, &note.path).await.unwrap();
    assert_eq!(published.version, 2);
    assert_eq!(
        &w.anna
            .client
            .get_field(w.h, &note.path, None)
            .await
            .unwrap()
            .value[..],
        b"vermoeden huiselijk geweld"
    );
    assert_eq!(
        &w.sara
            .client
            .get_field(w.h, &note.path, None)
            .await
            .unwrap()
            .value[..],
        b"vermoeden huiselijk geweld"
    );
    // The private version stays private.
    let e = w
        .anna
        .client
        .get_field(w.h, &note.path, Some(1))
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "not-shared");
    w.server.stop().await;
}

#[tokio::test]
async fn a_shared_observation_goes_to_the_household() {
    let w = world().await;
    w.anna
        .client
        .grant(w.h, read_grant(&w.piet, "financien/*", 30))
        .await
        .unwrap();
    let note = w
        .piet
        .client
        .observe(w.h, b"huisbezoek: goed gesprek", false)
        .await
        .unwrap();
    assert_eq!(
        &w.anna
            .client
            .get_field(w.h, &note.path, None)
            .await
            .unwrap()
            .value[..],
        b"huisbezoek: goed gesprek"
    );
    w.server.stop().await;
}

#[tokio::test]
async fn grants_are_checked_on_upload() {
    let w = world().await;
    // Granting to a client or to oneself is refused by the client library.
    let mut req = read_grant(&w.piet, "financien/*", 30);
    req.grantee = w.anna.id;
    assert!(w.anna.client.grant(w.h, req).await.is_err());
    // A non-member cannot grant.
    let e = w
        .piet
        .client
        .grant(w.h, read_grant(&w.sara, "financien/*", 30))
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "household-not-found");
    // Consent receipts come back exactly as signed.
    let g = w
        .anna
        .client
        .grant(w.h, read_grant(&w.piet, "financien/*", 30))
        .await
        .unwrap();
    let receipt = w
        .anna
        .client
        .consent_receipt(w.h, g.grant_id)
        .await
        .unwrap();
    let verified = kluis_policy::verify_grant(
        &receipt,
        Some(w.anna.client.identity().signing_public_key()),
    )
    .unwrap();
    assert_eq!(verified.statement().grantee, w.piet.id);
    assert_eq!(verified.statement().purpose, Purpose::Schuldhulp);
    // The grantee sees their own grant; others see nothing.
    assert_eq!(w.piet.client.grants(w.h).await.unwrap().len(), 1);
    assert_eq!(
        kind(&w.sara.client.grants(w.h).await.unwrap_err()),
        "household-not-found"
    );
    w.server.stop().await;
}

#[tokio::test]
async fn the_log_of_the_consent_story_verifies_and_shows_the_observation() {
    let w = world().await;
    let p = path("financien/situatie");
    w.anna
        .client
        .set_field(w.h, &p, b"schuld 1200")
        .await
        .unwrap();
    let g = w
        .anna
        .client
        .grant(w.h, read_grant(&w.piet, "financien/*", 30))
        .await
        .unwrap();
    w.piet.client.get_field(w.h, &p, None).await.unwrap();
    let note = w
        .piet
        .client
        .observe(w.h, b"vermoeden huiselijk geweld", true)
        .await
        .unwrap();
    w.piet
        .client
        .get_field(w.h, &note.path, None)
        .await
        .unwrap();
    w.anna.client.revoke(w.h, g.grant_id).await.unwrap();
    w.piet.client.get_field(w.h, &p, None).await.unwrap_err();

    // The household sees Piet's read, the observation's existence (not its
    // content) and the refused read after the withdrawal.
    let log = w.anna.client.access_log(w.h).await.unwrap();
    let text = serde_json::to_string(&log).unwrap();
    assert!(
        !text.contains("huiselijk geweld"),
        "no content in the access log"
    );
    let by_piet: Vec<_> = log
        .iter()
        .filter(|e| e.actor.as_ref() == Some(&w.piet.id.to_string()))
        .collect();
    assert!(
        by_piet
            .iter()
            .any(|e| e.event == "observation.create" && e.fields == vec![note.path.to_string()]),
        "{text}"
    );
    assert!(
        by_piet.iter().any(|e| e.event == "field.read"
            && e.outcome == "allowed"
            && e.basis.as_deref() == Some(&g.grant_id.to_string())
            && e.purpose.as_deref() == Some("schuldhulp")),
        "{text}"
    );
    assert!(
        by_piet
            .iter()
            .any(|e| e.event == "field.read" && e.outcome == "denied"),
        "{text}"
    );

    // The auditor's full verification accepts grant-based and author reads.
    let auditor = w
        .server
        .enrol(&w.admin, Role::Auditor, "Ada", Some("Gemeente"))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let verified = auditor
        .client
        .audit_verify(&dir.path().join("state.json"), |_, _| {})
        .await
        .unwrap();
    assert!(verified.report.allowed_reads >= 3);
    w.server.stop().await;
}

#[tokio::test]
async fn withdrawing_one_grant_leaves_the_professionals_private_note_readable() {
    let w = world().await;
    let finance = w
        .anna
        .client
        .grant(w.h, read_grant(&w.piet, "financien/*", 30))
        .await
        .unwrap();
    w.anna
        .client
        .grant(w.h, read_grant(&w.piet, "huisvesting/*", 30))
        .await
        .unwrap();
    let note = w
        .piet
        .client
        .observe(w.h, b"vermoeden huiselijk geweld", true)
        .await
        .unwrap();
    // The household withdraws one of the two grants.
    w.anna.client.revoke(w.h, finance.grant_id).await.unwrap();
    // Piet is still involved through the other, and his note's only key
    // was not taken away.
    let read = w
        .piet
        .client
        .get_field(w.h, &note.path, None)
        .await
        .unwrap();
    assert_eq!(read.value.as_slice(), b"vermoeden huiselijk geweld");
    assert!(read.private);
    // Nobody else can read it, as before.
    let e = w
        .anna
        .client
        .get_field(w.h, &note.path, None)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
}

/// `kluis_field_read_policy_total` for `source` (recent, cache or statement).
async fn reads_by_policy_source(w: &World, source: &str) -> u64 {
    let text = reqwest::get(format!("{}/metrics", w.server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let wanted = format!("kluis_field_read_policy_total{{source=\"{source}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&wanted))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// Reads take members and grants from a cache (`store::policy_cache`). A
/// change made straight in the database, as another server process sharing
/// it would, must be seen by the very next read: a scope narrowed there
/// closes the field at once, and widening it again opens it. The log
/// writer's grant check looks only at whether a grant is still live, so
/// only a check of the household's policy generation can catch a changed
/// scope: the policy cache's, or the writer's for a read answered from
/// memory (`tests/recent_reads.rs`).
#[tokio::test]
async fn a_grant_changed_in_the_database_holds_from_the_next_read() {
    let w = world().await;
    let p = path("financien/situatie");
    w.anna
        .client
        .set_field(w.h, &p, b"schuld 1200")
        .await
        .unwrap();
    let g = w
        .anna
        .client
        .grant(w.h, read_grant(&w.piet, "financien/*", 90))
        .await
        .unwrap();
    for _ in 0..3 {
        w.piet.client.get_field(w.h, &p, None).await.unwrap();
    }
    assert!(
        reads_by_policy_source(&w, "cache").await + reads_by_policy_source(&w, "recent").await >= 2,
        "repeated reads of an unchanged household do not read members and grants again"
    );
    let whole_before = reads_by_policy_source(&w, "statement").await;

    let db = w.server.db().await;
    let rescope = |scope: &'static str| {
        sqlx::query("UPDATE grants SET scope = $1 WHERE id = $2")
            .bind(scope)
            .bind(g.grant_id.to_string())
    };
    rescope("wonen/*").execute(&db).await.unwrap();
    let e = w.piet.client.get_field(w.h, &p, None).await.unwrap_err();
    assert_eq!(kind(&e), "forbidden", "{e}");
    assert!(reads_by_policy_source(&w, "statement").await > whole_before);

    rescope("financien/*").execute(&db).await.unwrap();
    assert_eq!(
        &w.piet.client.get_field(w.h, &p, None).await.unwrap().value[..],
        b"schuld 1200"
    );
    // The household's own members' reads are unaffected throughout.
    w.anna.client.get_field(w.h, &p, None).await.unwrap();
    db.close().await;
    w.server.stop().await;
}
