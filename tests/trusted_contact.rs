//! A trusted contact (vertrouwenspersoon) end to end, against the real
//! server on a fresh database (SQLite, or PostgreSQL with
//! `KLUIS_TEST_DATABASE_URL`): a member names the contact, the contact asks,
//! the household sees it at once, the wait (the server's test clock) holds
//! the household key back, a member can refuse, and after the wait the
//! contact becomes a member and reads the plan. The operator, playing with
//! the tables, cannot make anyone a contact that devices accept.

mod common;

use common::cli::{keystore_in, Kluis};
use common::{TestServer, User};
use kluis_policy::{FieldPath, HouseholdId};
use kluis_vault::client::ClientError;
use kluis_vault::keys::envelope;
use kluis_vault::role::Role;

const DAY: i64 = 86_400_000;

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
    anna: User,
    bram: User,
    h: HouseholdId,
}

async fn world() -> World {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let piet = server
        .enrol(&admin, Role::Professional, "Piet", Some("Wijkteam Noord"))
        .await;
    let anna = server.enrol(&piet, Role::Client, "Anna", None).await;
    let bram = server.enrol(&piet, Role::Client, "Bram", None).await;
    let h = anna.client.create_household().await.unwrap();
    anna.client
        .set_field(h, &path("financien/situatie"), b"schuld 1200")
        .await
        .unwrap();
    World {
        server,
        admin,
        piet,
        anna,
        bram,
        h,
    }
}

/// The household's history as (event, outcome, reason) seen by `member`.
async fn history(member: &User, h: HouseholdId) -> Vec<(String, String, Option<String>)> {
    member
        .client
        .access_log(h)
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.event, i.outcome, i.reason))
        .collect()
}

fn has(h: &[(String, String, Option<String>)], event: &str, outcome: &str) -> bool {
    h.iter().any(|(e, o, _)| e == event && o == outcome)
}

#[tokio::test]
async fn a_request_waits_then_the_contact_becomes_a_member_and_reads() {
    let w = world().await;
    let named = w
        .anna
        .client
        .name_contact(w.h, w.bram.id, None, 7 * DAY)
        .await
        .unwrap();
    assert_eq!(named.contact_id, w.bram.id);
    assert_eq!(named.wait_ms, 7 * DAY);

    // Named, not yet asked: nothing to read.
    let e = w
        .bram
        .client
        .get_field(w.h, &path("financien/situatie"), None)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "household-not-found");
    let mine = w.bram.client.my_contacts().await.unwrap();
    assert_eq!(mine.households.len(), 1);
    assert_eq!(mine.households[0].household_id, w.h);

    let r = w.bram.client.request_contact_access(w.h).await.unwrap();
    assert_eq!(r.state, "waiting");
    // The household is told at once: in its history and in its list.
    assert!(has(
        &history(&w.anna, w.h).await,
        "contact.request",
        "allowed"
    ));
    let listed = w.anna.client.household_contacts(w.h).await.unwrap();
    assert_eq!(listed.requests[0].request_id, r.request_id);
    assert_eq!(listed.requests[0].state, "waiting");
    assert_eq!(listed.requests[0].contact_name, "Bram");

    // During the wait the key is held back, with the release time, logged.
    w.server.clock.advance_ms(6 * DAY);
    let e = w
        .bram
        .client
        .release_contact(w.h, r.request_id)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "contact-waiting");
    assert!(e.to_string().contains(&r.release_at), "{e}");
    let seen = history(&w.anna, w.h).await;
    assert!(
        seen.iter().any(|(e, o, why)| e == "contact.release"
            && o == "denied"
            && why.as_deref() == Some("waiting")),
        "{seen:?}"
    );
    let e = w
        .bram
        .client
        .get_field(w.h, &path("financien/situatie"), None)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "household-not-found");

    // After the wait: released, checked on Bram's device, and he reads.
    w.server.clock.advance_ms(DAY + 1000);
    w.bram
        .client
        .release_contact(w.h, r.request_id)
        .await
        .unwrap();
    let field = w
        .bram
        .client
        .get_field(w.h, &path("financien/situatie"), None)
        .await
        .unwrap();
    assert_eq!(&field.value[..], b"schuld 1200");
    assert!(has(
        &history(&w.anna, w.h).await,
        "contact.release",
        "allowed"
    ));
    // Bram acts for the household as a member: he writes, Anna reads.
    w.bram
        .client
        .set_field(w.h, &path("financien/wensen"), b"rust")
        .await
        .unwrap();
    let field = w
        .anna
        .client
        .get_field(w.h, &path("financien/wensen"), None)
        .await
        .unwrap();
    assert_eq!(&field.value[..], b"rust");
    // Anna's device accepts Bram through her signed naming statement.
    let verified = w.anna.client.verified_household(w.h).await.unwrap();
    assert!(verified.members.iter().any(|k| k.id == w.bram.id));
    // The envelope was used once: a second release is refused.
    let e = w
        .bram
        .client
        .release_contact(w.h, r.request_id)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "conflict");
}

#[tokio::test]
async fn a_member_refuses_and_a_later_request_is_released() {
    let w = world().await;
    w.anna
        .client
        .name_contact(w.h, w.bram.id, None, 2 * DAY)
        .await
        .unwrap();
    let first = w.bram.client.request_contact_access(w.h).await.unwrap();
    // Asking twice while one waits is refused.
    let e = w.bram.client.request_contact_access(w.h).await.unwrap_err();
    assert_eq!(kind(&e), "conflict");
    let refused = w
        .anna
        .client
        .refuse_contact_request(w.h, first.request_id)
        .await
        .unwrap();
    assert_eq!(refused.state, "refused");
    assert!(has(
        &history(&w.anna, w.h).await,
        "contact.refuse",
        "allowed"
    ));
    // A refused request stays refused after the wait.
    w.server.clock.advance_ms(3 * DAY);
    let e = w
        .bram
        .client
        .release_contact(w.h, first.request_id)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "contact-refused");
    let e = w
        .bram
        .client
        .get_field(w.h, &path("financien/situatie"), None)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "household-not-found");
    // A refusal of a request that no longer waits is refused.
    let e = w
        .anna
        .client
        .refuse_contact_request(w.h, first.request_id)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "conflict");

    // Another request, not refused, is released after its own wait.
    let second = w.bram.client.request_contact_access(w.h).await.unwrap();
    assert_ne!(second.request_id, first.request_id);
    w.server.clock.advance_ms(2 * DAY + 1000);
    w.bram
        .client
        .release_contact(w.h, second.request_id)
        .await
        .unwrap();
    let field = w
        .bram
        .client
        .get_field(w.h, &path("financien/situatie"), None)
        .await
        .unwrap();
    assert_eq!(&field.value[..], b"schuld 1200");
}

#[tokio::test]
async fn a_removed_contact_gets_nothing() {
    let w = world().await;
    w.anna
        .client
        .name_contact(w.h, w.bram.id, None, DAY)
        .await
        .unwrap();
    let r = w.bram.client.request_contact_access(w.h).await.unwrap();
    w.anna.client.remove_contact(w.h, w.bram.id).await.unwrap();
    assert!(has(
        &history(&w.anna, w.h).await,
        "contact.remove",
        "allowed"
    ));
    w.server.clock.advance_ms(2 * DAY);
    let e = w
        .bram
        .client
        .release_contact(w.h, r.request_id)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "contact-refused");
    let e = w.bram.client.request_contact_access(w.h).await.unwrap_err();
    assert_eq!(kind(&e), "household-not-found");
    // The envelope is gone from the database.
    let db = w.server.db().await;
    let left: Vec<(String,)> = sqlx::query_as("SELECT contact_id FROM trusted_contacts")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(left.is_empty());
}

#[tokio::test]
async fn only_named_contacts_of_this_household_can_ask() {
    let w = world().await;
    let carl = w.server.enrol(&w.piet, Role::Client, "Carl", None).await;
    let dora = w.server.enrol(&w.piet, Role::Client, "Dora", None).await;
    // Carl's own household names Dora.
    let other = carl.client.create_household().await.unwrap();
    carl.client
        .name_contact(other, dora.id, None, DAY)
        .await
        .unwrap();
    w.anna
        .client
        .name_contact(w.h, w.bram.id, None, DAY)
        .await
        .unwrap();

    // Nobody named Carl here: the same 404 as for a household that does not exist.
    let e = carl.client.request_contact_access(w.h).await.unwrap_err();
    assert_eq!(kind(&e), "household-not-found");
    // Dora is another household's contact: she cannot reach this one, not
    // even with her own request id.
    let e = dora.client.request_contact_access(w.h).await.unwrap_err();
    assert_eq!(kind(&e), "household-not-found");
    let hers = dora.client.request_contact_access(other).await.unwrap();
    w.server.clock.advance_ms(2 * DAY);
    let e = dora
        .client
        .release_contact(w.h, hers.request_id)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "household-not-found");
    // Nor can Bram release Dora's request.
    let e = w
        .bram
        .client
        .release_contact(other, hers.request_id)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "household-not-found");
    // The refusals are in Anna's history.
    let seen = history(&w.anna, w.h).await;
    assert!(
        seen.iter().any(|(e, o, why)| e == "contact.request"
            && o == "denied"
            && why.as_deref() == Some("not_a_contact")),
        "{seen:?}"
    );
    // A professional, even one with access, cannot name a contact; nor can a
    // member name a professional.
    let e = w
        .piet
        .client
        .name_contact(w.h, carl.id, None, DAY)
        .await
        .unwrap_err();
    assert!(
        matches!(e, ClientError::Refused(_)) || e.kind().is_some(),
        "{e}"
    );
    let e = w
        .anna
        .client
        .name_contact(w.h, w.piet.id, None, DAY)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("only clients"), "{e}");
    // Someone else's request cannot be refused from another household.
    let e = carl
        .client
        .refuse_contact_request(w.h, hers.request_id)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "household-not-found");
}

#[tokio::test]
async fn a_contact_the_operator_invents_is_refused_by_the_devices() {
    let w = world().await;
    let mallory = w.server.enrol(&w.piet, Role::Client, "Mallory", None).await;
    // The operator writes a contact row for Mallory: the statement text a
    // member would sign, but signed by Mallory (no member's key), and an
    // envelope of a household key of the operator's own making.
    let fake_identity = kluis_vault::keys::Identity::generate("operator's household key");
    let mallory_keys = mallory.client.trusted_keys(mallory.id).await.unwrap();
    let env = envelope::seal(
        &mallory_keys.age_recipient,
        fake_identity.age_secret().as_bytes(),
    )
    .unwrap();
    let statement = kluis_vault::wire::contact::contact_statement(
        w.h,
        mallory.id,
        &mallory_keys.fingerprint,
        DAY,
        w.anna.id,
        common::chrono_now_ms(),
    );
    let signature = kluis_vault::keys::Identity::generate("Operator").sign(statement.as_bytes());
    let db = w.server.db().await;
    sqlx::query(
        "INSERT INTO trusted_contacts (household_id, contact_id, named_by, named_ms, wait_ms, statement, signature, identity_envelope) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(w.h.to_string())
    .bind(mallory.id.to_string())
    .bind(w.anna.id.to_string())
    .bind(0_i64)
    .bind(DAY)
    .bind(statement)
    .bind(signature.to_vec())
    .bind(env)
    .execute(&db)
    .await
    .unwrap();
    // The server, playing along, releases her after the wait ...
    let r = mallory.client.request_contact_access(w.h).await.unwrap();
    w.server.clock.advance_ms(2 * DAY);
    let e = mallory
        .client
        .release_contact(w.h, r.request_id)
        .await
        .unwrap_err();
    // ... but no device accepts it: Mallory's own refuses the key ...
    assert!(matches!(e, ClientError::Refused(_)), "{e}");
    // ... and Anna's refuses the household's history, so it encrypts
    // nothing more and trusts no member list with Mallory in it.
    let e = w.anna.client.verified_household(w.h).await.unwrap_err();
    assert!(matches!(e, ClientError::Refused(_)), "{e}");
    assert!(e.to_string().contains("signature"), "{e}");
    // What Mallory got opens nothing stored: the envelope was not the
    // household's key.
    let e = mallory
        .client
        .get_field(w.h, &path("financien/situatie"), None)
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Refused(_)), "{e}");
}

#[tokio::test]
async fn a_swapped_envelope_is_refused_by_the_contact() {
    let w = world().await;
    w.anna
        .client
        .name_contact(w.h, w.bram.id, None, DAY)
        .await
        .unwrap();
    // The operator swaps the envelope a member made for one of a key of
    // its own (so it could read what Bram would write).
    let fake_identity = kluis_vault::keys::Identity::generate("operator's household key");
    let bram_keys = w.bram.client.trusted_keys(w.bram.id).await.unwrap();
    let env = envelope::seal(
        &bram_keys.age_recipient,
        fake_identity.age_secret().as_bytes(),
    )
    .unwrap();
    let db = w.server.db().await;
    let done =
        sqlx::query("UPDATE trusted_contacts SET identity_envelope = $1 WHERE contact_id = $2")
            .bind(env)
            .bind(w.bram.id.to_string())
            .execute(&db)
            .await
            .unwrap();
    assert_eq!(done.rows_affected(), 1);
    let r = w.bram.client.request_contact_access(w.h).await.unwrap();
    w.server.clock.advance_ms(DAY + 1000);
    let e = w
        .bram
        .client
        .release_contact(w.h, r.request_id)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("does not match the household's public key"),
        "{e}"
    );
    // Bram's device does not open the plan with the operator's key ...
    let e = w
        .bram
        .client
        .get_field(w.h, &path("financien/situatie"), None)
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Refused(_)), "{e}");
    // ... and what it writes goes to the household's signed public key,
    // never to the operator's: Anna opens it, the operator's key does not.
    w.bram
        .client
        .set_field(w.h, &path("financien/wensen"), b"geheim")
        .await
        .unwrap();
    let field = w
        .anna
        .client
        .get_field(w.h, &path("financien/wensen"), None)
        .await
        .unwrap();
    assert_eq!(&field.value[..], b"geheim");
    let rows = sqlx::query("SELECT envelope FROM envelopes")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| {
        let env: Vec<u8> = sqlx::Row::get(r, "envelope");
        envelope::open(fake_identity.age_identity(), &env).is_err()
    }));
}

/// The same route through the `kluis` binary: one line on stderr for each
/// refusal, the request id on stdout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_names_asks_refuses_and_releases() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let kluis = Kluis::new(&server.url);
    let admin_ks = keystore_in(&dir, "admin");
    kluis.keys_new(&admin_ks, "Beheerder");
    kluis.register(&admin_ks, &server.bootstrap_invite());
    let (anna_ks, _anna) = kluis.enrol(&dir, &admin_ks, "client", "Anna", None);
    let (bram_ks, bram) = kluis.enrol(&dir, &admin_ks, "client", "Bram", None);
    let h = kluis
        .with(&anna_ks, &["household", "create"])
        .value()
        .to_owned();
    let set = kluis.with(
        &anna_ks,
        &[
            "plan",
            "set",
            &h,
            "financien/situatie",
            "--value",
            "schuld 1200",
        ],
    );
    assert!(set.success, "{set:?}");
    let fp = kluis.whoami(&bram_ks)["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let bram = bram.to_string();

    // A wrong fingerprint sends nothing.
    let wrong = kluis.with(
        &anna_ks,
        &[
            "household",
            "contact",
            "add",
            &h,
            &bram,
            "--wait",
            "3d",
            "--expect-fingerprint",
            "0000 0000 0000 0000 0000 0000 0000 0000",
        ],
    );
    assert!(wrong.failure().contains("fingerprint"));
    let added = kluis.with(
        &anna_ks,
        &[
            "household",
            "contact",
            "add",
            &h,
            &bram,
            "--wait",
            "3d",
            "--expect-fingerprint",
            &fp,
        ],
    );
    assert_eq!(added.value(), bram);

    let first = kluis
        .with(&bram_ks, &["household", "contact", "request", &h])
        .value()
        .to_owned();
    let listed = kluis.with(&anna_ks, &["household", "contact", "list", &h]);
    assert!(listed.text().contains(&first), "{listed:?}");
    assert!(listed.text().contains("waiting"), "{listed:?}");
    let early = kluis.with(&bram_ks, &["household", "contact", "release", &h, &first]);
    assert!(early.failure().contains("waiting period"), "{early:?}");
    let refused = kluis.with(&anna_ks, &["household", "contact", "refuse", &h, &first]);
    assert_eq!(refused.value(), first);

    let second = kluis
        .with(&bram_ks, &["household", "contact", "request", &h])
        .value()
        .to_owned();
    server.clock.advance_ms(3 * DAY + 1000);
    let late = kluis.with(&bram_ks, &["household", "contact", "release", &h, &first]);
    assert!(late.failure().contains("refused"), "{late:?}");
    let released = kluis.with(&bram_ks, &["household", "contact", "release", &h, &second]);
    assert_eq!(released.value(), bram);
    let read = kluis.with(&bram_ks, &["plan", "get", &h, "financien/situatie"]);
    assert_eq!(read.value(), "schuld 1200");

    // Anna's history says all of it in words.
    let history = kluis.with(&anna_ks, &["access-log", &h]);
    let text = history.text();
    assert!(text.contains("named a trusted contact"), "{text}");
    assert!(
        text.contains("asked for access as your trusted contact"),
        "{text}"
    );
    assert!(
        text.contains("refused the request of trusted contact"),
        "{text}"
    );
    assert!(text.contains("is now a member"), "{text}");
}

#[tokio::test]
async fn destruction_deletes_the_contacts_envelope_and_requests() {
    const YEAR: i64 = 366 * DAY;
    let w = world().await;
    let admin = &w.admin;
    let second = w.server.enrol(admin, Role::Admin, "Beheer 2", None).await;
    w.anna
        .client
        .name_contact(w.h, w.bram.id, None, DAY)
        .await
        .unwrap();
    let r = w.bram.client.request_contact_access(w.h).await.unwrap();
    admin
        .client
        .close_household(w.h, "niet-vastgesteld")
        .await
        .unwrap();
    w.server.clock.advance_ms(6 * YEAR);
    let proposal = admin
        .client
        .propose_destruction("archivaris")
        .await
        .unwrap();
    let done = second.client.approve(proposal.id).await.unwrap();
    assert_eq!(done.destroyed, vec![w.h]);
    // The envelope the member made for the contact is the household key:
    // it goes with the rest.
    let db = w.server.db().await;
    for table in ["trusted_contacts", "contact_requests"] {
        let (n,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM {table} WHERE household_id = $1"
        ))
        .bind(w.h.to_string())
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    let e = w
        .bram
        .client
        .release_contact(w.h, r.request_id)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "household-destroyed");
}
