//! No unlogged access, ever: when the log cannot be written, reads and
//! writes fail with 503 (problem+json `unavailable`), no content leaves,
//! and nothing is stored.

mod audit_support;
mod common;

use audit_support::{path, world};
use sqlx::Row;

#[tokio::test]
async fn when_the_log_cannot_be_written_nothing_is_served_or_stored() {
    let w = world().await;
    let fin = path("financien/situatie");
    w.anna
        .client
        .set_field(w.h, &fin, b"Schuld bij de energieleverancier")
        .await
        .unwrap();
    let db = w.server.db().await;
    // The log is "full": every insert into it is aborted.
    if w.server.backend == "sqlite" {
        sqlx::query(
            "CREATE TRIGGER log_full BEFORE INSERT ON log_entries \
             BEGIN SELECT RAISE(ABORT, 'log full'); END;",
        )
        .execute(&db)
        .await
        .unwrap();
    } else {
        sqlx::query(
            "CREATE FUNCTION log_full() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'log full'; END $$",
        )
        .execute(&db)
        .await
        .unwrap();
        sqlx::query(
            "CREATE TRIGGER log_full BEFORE INSERT ON log_entries \
             FOR EACH ROW EXECUTE FUNCTION log_full()",
        )
        .execute(&db)
        .await
        .unwrap();
    }
    let versions = |db: sqlx::AnyPool| async move {
        sqlx::query("SELECT COUNT(*) AS n FROM field_versions")
            .fetch_one(&db)
            .await
            .unwrap()
            .get::<i64, _>("n")
    };
    let stored_before = versions(db.clone()).await;

    let read = w.anna.client.get_field(w.h, &fin, None).await.unwrap_err();
    assert_eq!(read.status(), Some(503), "{read}");
    assert_eq!(read.kind(), Some("unavailable"));

    let write = w
        .anna
        .client
        .set_field(w.h, &fin, b"een nieuwe versie")
        .await
        .unwrap_err();
    assert_eq!(write.status(), Some(503), "{write}");
    assert_eq!(write.kind(), Some("unavailable"));
    assert_eq!(
        versions(db.clone()).await,
        stored_before,
        "the write left nothing"
    );

    // A refusal that cannot be logged is not given either: 503.
    let refused = w
        .outsider
        .client
        .get_field(w.h, &fin, None)
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(503));
    // The auditor cannot read the log without logging it.
    let audit = w.auditor.client.log_checkpoint().await.unwrap_err();
    assert_eq!(audit.status(), Some(503));

    // The raw answer is problem+json and carries no ciphertext.
    let token = w.anna.client.http().current_token().await.unwrap();
    let (status, ctype, body) = w
        .anna
        .client
        .http()
        .raw(
            reqwest::Method::GET,
            &format!("/v1/households/{}/fields/financien/situatie", w.h),
            Some(&token),
            "application/json",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(status, 503);
    assert_eq!(ctype, "application/problem+json");
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["type"], "urn:kluis:problem:unavailable");
    assert!(body.get("ciphertext").is_none() && body.get("envelope").is_none());

    // Once the log can be written again, everything works and verifies.
    sqlx::query("DROP TRIGGER log_full ON log_entries")
        .execute(&db)
        .await
        .or(sqlx::query("DROP TRIGGER log_full").execute(&db).await)
        .unwrap();
    w.anna.client.get_field(w.h, &fin, None).await.unwrap();
    w.verify("after").await.expect("the log is whole");
    db.close().await;
    w.server.stop().await;
}
