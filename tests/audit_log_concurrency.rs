//! Group commit: many reads at once are each logged durably before their
//! answer, in one tree that still verifies.

mod common;

use common::TestServer;
use kluis_policy::{FieldPath, Purpose, Scope};
use kluis_vault::client::{GrantRequest, LogFilter};
use kluis_vault::role::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reads_are_each_logged_once() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = server
        .enrol(&admin, Role::Professional, "Piet", Some("Wijkteam"))
        .await;
    let anna = server.enrol(&admin, Role::Client, "Anna", None).await;
    let auditor = server
        .enrol(&admin, Role::Auditor, "Ada", Some("Gemeente"))
        .await;
    let h = anna.client.create_household().await.unwrap();
    let p = FieldPath::parse("financien/situatie").unwrap();
    anna.client.set_field(h, &p, b"inhoud").await.unwrap();
    anna.client
        .grant(
            h,
            GrantRequest {
                grantee: pro.id,
                scope: Scope::parse("financien/*").unwrap(),
                write: false,
                coordinate: false,
                purpose: Purpose::Wmo,
                until_ms: None,
            },
        )
        .await
        .unwrap();

    let mut tasks = Vec::new();
    for i in 0..40 {
        let c = if i % 2 == 0 {
            anna.client.clone()
        } else {
            pro.client.clone()
        };
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            c.get_field(h, &p, None).await.map(|f| f.value.to_vec())
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), b"inhoud");
    }
    let reads = auditor
        .client
        .log_query(&LogFilter {
            household: Some(h),
            event: Some("field.read".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    // 40 reads, plus the one Anna's device made to hand Piet the key.
    assert_eq!(reads.len(), 41, "one entry per read");
    let by_grant = reads
        .iter()
        .filter(|e| e.entry.purpose.as_deref() == Some("wmo"))
        .count();
    assert_eq!(by_grant, 20);
    let dir = tempfile::tempdir().unwrap();
    auditor
        .client
        .audit_verify(&dir.path().join("s"), |_, _| {})
        .await
        .unwrap();
    server.stop().await;
}
