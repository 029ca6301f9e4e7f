//! Reads answered from what the server kept of the session's last read of
//! a field (`store::read_snapshot::recent`), confirmed by the group-commit
//! writer in the transaction that logs them (`read_snapshot::confirm`).
//!
//! Each test warms one server's memory with a professional's reads, then
//! changes what those reads rested on through a second server on the same
//! database (another process, which the first one hears nothing from) or
//! straight in the database, and reads again through the first. The answer
//! must be the database's, at once, and `kluis_field_read_changed_total`
//! shows that it was the writer's check that caught it (without that
//! check, each of these tests serves the kept read).

mod common;

use common::{finance_grant, TestServer, User};
use kluis_policy::{FieldPath, GrantId, HouseholdId};
use kluis_vault::role::Role;
use reqwest::StatusCode;

fn path(p: &str) -> FieldPath {
    FieldPath::parse(p).unwrap()
}

struct World {
    /// Where Piet reads.
    first: TestServer,
    /// The other process, where the changes are made.
    second: TestServer,
    piet: User,
    sara: User,
    anna: User,
    h: HouseholdId,
    grant: GrantId,
    /// Piet's bearer token on `first`.
    token: String,
}

async fn world() -> World {
    let first = TestServer::spawn().await;
    let second = first.beside().await;
    let admin = first.admin().await;
    let piet = first
        .enrol(&admin, Role::Professional, "Piet", Some("Schuldhulp Noord"))
        .await;
    let sara = first
        .enrol(&admin, Role::Professional, "Sara", Some("GGZ Oost"))
        .await;
    let anna = first.enrol(&piet, Role::Client, "Anna", None).await;
    let h = anna.client.create_household().await.unwrap();
    anna.client
        .set_field(h, &path("financien/situatie"), b"schuld 1200")
        .await
        .unwrap();
    let grant = anna.client.grant(h, finance_grant(&piet)).await.unwrap();
    let token = piet.client.login_token().await.unwrap().token;
    World {
        first,
        second,
        piet,
        sara,
        anna,
        h,
        grant: grant.grant_id,
        token,
    }
}

/// What one raw read through `server` answers: the status and, when it
/// served, the version and key generation.
async fn read(w: &World, server: &TestServer) -> (StatusCode, Option<(i64, i64)>) {
    let answer = reqwest::Client::new()
        .get(format!(
            "{}/v1/households/{}/fields/financien/situatie",
            server.url, w.h
        ))
        .bearer_auth(&w.token)
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let body: serde_json::Value = answer.json().await.unwrap();
    let served = status.is_success().then(|| {
        (
            body["version"].as_i64().unwrap(),
            body["key_gen"].as_i64().unwrap(),
        )
    });
    (status, served)
}

/// A counter or a histogram's `_sum` from `/metrics` (0 when absent).
async fn metric(server: &TestServer, line: &str) -> u64 {
    let text = reqwest::get(format!("{}/metrics", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let wanted = format!("{line} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&wanted))
        .map_or(0, |n| n.trim().parse::<f64>().unwrap() as u64)
}

const RECENT: &str = "kluis_field_read_policy_total{source=\"recent\"}";
const CHANGED: &str = "kluis_field_read_changed_total";
const LOGGED: &str = "kluis_read_log_batch_entries_sum";

/// Piet reads twice through `first`; the second read is answered from
/// memory. Returns what was served.
async fn warm(w: &World) -> (i64, i64) {
    let before = metric(&w.first, RECENT).await;
    let (status, served) = read(w, &w.first).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read(w, &w.first).await, (StatusCode::OK, served));
    assert!(
        metric(&w.first, RECENT).await > before,
        "the second read is answered from memory"
    );
    served.unwrap()
}

#[tokio::test]
async fn a_read_answered_from_memory_is_still_logged_before_it_is_served() {
    let w = world().await;
    warm(&w).await;
    let logged = metric(&w.first, LOGGED).await;
    let recent = metric(&w.first, RECENT).await;
    for _ in 0..3 {
        assert_eq!(read(&w, &w.first).await.0, StatusCode::OK);
    }
    assert_eq!(metric(&w.first, RECENT).await, recent + 3);
    assert_eq!(
        metric(&w.first, LOGGED).await,
        logged + 3,
        "each read has its own entry in the log"
    );
    assert_eq!(metric(&w.first, CHANGED).await, 0);
    // And Piet's device opens what was served.
    piet_opens(&w, b"schuld 1200").await;
}

#[tokio::test]
async fn a_version_written_in_another_process_is_served_at_once() {
    let w = world().await;
    let (version, _) = warm(&w).await;
    let anna_there = w.anna.client.via(&w.second.url).unwrap();
    anna_there
        .set_field(w.h, &path("financien/situatie"), b"schuld 800")
        .await
        .unwrap();
    let (status, served) = read(&w, &w.first).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served.unwrap().0, version + 1, "the newest version");
    assert_eq!(metric(&w.first, CHANGED).await, 1);
    piet_opens(&w, b"schuld 800").await;
}

#[tokio::test]
async fn a_grant_withdrawn_in_another_process_closes_the_field_at_once() {
    let w = world().await;
    warm(&w).await;
    let anna_there = w.anna.client.via(&w.second.url).unwrap();
    anna_there.withdraw(w.h, w.grant).await.unwrap();
    let before = field_reads(&w).await;
    assert_eq!(read(&w, &w.first).await, (StatusCode::FORBIDDEN, None));
    assert_eq!(metric(&w.first, CHANGED).await, 1);
    // The kept read was dropped before it was logged: the log has one more
    // refused read and no more served ones.
    let (allowed, denied) = before;
    assert_eq!(field_reads(&w).await, (allowed, denied + 1));
}

/// Field reads in the household's access log, as Anna sees it: how many
/// were served and how many refused.
async fn field_reads(w: &World) -> (usize, usize) {
    let items = w.anna.client.access_log(w.h).await.unwrap();
    let reads = |outcome: &str| {
        items
            .iter()
            .filter(|i| i.event == "field.read" && i.outcome == outcome)
            .count()
    };
    (reads("allowed"), reads("denied"))
}

#[tokio::test]
async fn a_session_ended_in_another_process_is_refused_at_once() {
    let w = world().await;
    warm(&w).await;
    let piet_there = w.piet.client.via(&w.second.url).unwrap();
    piet_there.end_sessions(w.piet.id).await.unwrap();
    assert_eq!(read(&w, &w.first).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(metric(&w.first, CHANGED).await, 1);
}

#[tokio::test]
async fn a_person_disabled_in_the_database_is_refused_at_once() {
    let w = world().await;
    warm(&w).await;
    // Disabling ends a person's sessions too; here only the mark is set,
    // as a process that disabled them in the same instant the token was
    // made would leave it, so the check of the person itself is what is
    // tested.
    let db = w.first.db().await;
    sqlx::query("UPDATE principals SET disabled_ms = $1 WHERE id = $2")
        .bind(common::chrono_now_ms())
        .bind(w.piet.id.to_string())
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
    let (status, served) = read(&w, &w.first).await;
    assert_eq!(served, None, "{status}");
    assert!(status.is_client_error(), "{status}");
    assert_eq!(metric(&w.first, CHANGED).await, 1);
}

#[tokio::test]
async fn a_rekey_in_another_process_is_served_at_once() {
    let w = world().await;
    // Sara's grant is withdrawn, which leaves the field to re-key; Piet's
    // reads are warmed after that, so only the re-key changes what his
    // next read rests on.
    let sara_grant = w
        .anna
        .client
        .grant(w.h, finance_grant(&w.sara))
        .await
        .unwrap();
    let stale = w
        .anna
        .client
        .withdraw(w.h, sara_grant.grant_id)
        .await
        .unwrap();
    assert_eq!(stale.len(), 1);
    let (version, key_gen) = warm(&w).await;
    let changed = metric(&w.first, CHANGED).await;
    let anna_there = w.anna.client.via(&w.second.url).unwrap();
    anna_there.rekey(w.h, &stale[0]).await.unwrap();
    let (status, served) = read(&w, &w.first).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served, Some((version, key_gen + 1)));
    assert_eq!(metric(&w.first, CHANGED).await, changed + 1);
    piet_opens(&w, b"schuld 1200").await;
}

/// Piet's device fetches the field through the real client (which checks
/// the writer's signature and opens the envelope) and finds `want`.
async fn piet_opens(w: &World, want: &[u8]) {
    let field = w
        .piet
        .client
        .get_field(w.h, &path("financien/situatie"), None)
        .await
        .unwrap();
    assert_eq!(&field.value[..], want);
}
