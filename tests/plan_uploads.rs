//! Hostile and broken uploads to a plan are refused and change nothing.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::TestServer;
use kluis_policy::FieldPath;
use kluis_vault::client::ClientError;
use kluis_vault::role::Role;
use kluis_vault::wire::plan::EnvelopeUpload;

fn kind(e: &ClientError) -> String {
    e.kind()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("<{e}>"))
}

#[tokio::test]
async fn broken_uploads_are_refused_and_nothing_changes() {
    let server = TestServer::spawn_with(|c| c.limits.max_field_bytes = 4096).await;
    let admin = server.admin().await;
    let anna = server.enrol(&admin, Role::Client, "Anna", None).await;
    let eve = server.enrol(&admin, Role::Client, "Eve", None).await;
    let h = anna.client.create_household().await.unwrap();
    let h_eve = eve.client.create_household().await.unwrap();
    let p = FieldPath::parse("financien/situatie").unwrap();
    anna.client.set_field(h, &p, b"origineel").await.unwrap();

    let plan = anna.client.write_plan(h, &p).await.unwrap();
    let good = anna.client.seal_for(h, &plan, b"nieuw").await.unwrap();

    let mut cases: Vec<(&str, kluis_vault::wire::plan::WriteField, &str)> = Vec::new();
    let mut c = good.clone();
    c.ciphertext = "not base64 !!".into();
    cases.push(("bad base64", c, "malformed-request"));
    let mut c = good.clone();
    c.ciphertext = STANDARD.encode([0u8; 100]);
    cases.push(("not a padded seal", c, "malformed-request"));
    let mut c = good.clone();
    c.envelopes.clear();
    cases.push(("no envelopes", c, "envelope-mismatch"));
    let mut c = good.clone();
    c.envelopes.push(EnvelopeUpload {
        reader: eve.id.to_string(),
        envelope: c.envelopes[0].envelope.clone(),
    });
    cases.push(("an extra reader", c, "envelope-mismatch"));
    let mut c = good.clone();
    c.envelopes.push(c.envelopes[0].clone());
    cases.push(("a duplicate envelope", c, "envelope-mismatch"));
    let mut c = good.clone();
    c.envelopes[0].envelope = STANDARD.encode(b"age-encryption.org/v1\n-> scrypt x 10\n--- abc\n");
    cases.push(("a garbage envelope", c, "malformed-request"));
    let mut c = good.clone();
    c.envelopes[0].reader = "root".into();
    cases.push(("a malformed reader id", c, "malformed-id"));
    let mut c = good.clone();
    c.replaces = 7;
    cases.push(("a made-up version", c, "stale-version"));
    // The writer's signature over the version (wire/version.rs).
    let other = anna.client.seal_for(h, &plan, b"anders").await.unwrap();
    let mut c = good.clone();
    c.ciphertext = other.ciphertext.clone();
    cases.push((
        "a ciphertext the signature is not over",
        c,
        "version-signature-invalid",
    ));
    let mut c = good.clone();
    c.envelopes = other.envelopes.clone();
    c.ciphertext = other.ciphertext.clone();
    c.signed.signed_at_ms += 1;
    cases.push((
        "a signed time other than the signed one",
        c,
        "version-signature-invalid",
    ));
    let mut c = good.clone();
    c.signed.signature = "A".repeat(86);
    cases.push(("a signature by no one", c, "version-signature-invalid"));
    let mut c = good.clone();
    c.signed.signature = "not base64 !!".into();
    cases.push((
        "a signature that is not base64url",
        c,
        "version-signature-invalid",
    ));
    let mut c = good.clone();
    c.signed.grant = Some(kluis_policy::GrantId::random());
    cases.push((
        "a grant that is not the writer's",
        c,
        "version-signature-invalid",
    ));
    let mut c = good.clone();
    // The server sees only padded sizes: the limit of 4096 bytes allows the
    // 8192-byte bucket, and nothing above it.
    c.ciphertext = STANDARD.encode(vec![0u8; 16384 + 28]);
    cases.push(("an oversized field", c, "limit-exceeded"));

    for (what, body, want) in cases {
        match anna.client.put_field(h, &p, &body).await {
            Ok(_) => panic!("{what} was accepted"),
            Err(e) => assert_eq!(kind(&e), want, "{what}"),
        }
    }
    // Uploading to a household Anna is not in.
    let e = anna.client.put_field(h_eve, &p, &good).await.unwrap_err();
    assert_eq!(kind(&e), "household-not-found");
    assert!(
        eve.client.list_fields(h_eve).await.unwrap().is_empty(),
        "Eve's plan untouched"
    );

    // Nothing changed; the good upload still lands.
    let history = anna.client.field_history(h, &p).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        &anna.client.get_field(h, &p, None).await.unwrap().value[..],
        b"origineel"
    );
    assert_eq!(
        anna.client.put_field(h, &p, &good).await.unwrap().version,
        2
    );

    // The client refuses an oversized value before encrypting anything.
    let e = anna
        .client
        .set_field(h, &p, &vec![b'x'; 300 * 1024])
        .await
        .unwrap_err();
    assert!(matches!(e, ClientError::Refused(_)), "{e}");
    server.stop().await;
}

#[tokio::test]
async fn field_and_version_limits_are_enforced() {
    let server = TestServer::spawn_with(|c| {
        c.limits.max_fields = 2;
        c.limits.max_versions = 3;
    })
    .await;
    let admin = server.admin().await;
    let anna = server.enrol(&admin, Role::Client, "Anna", None).await;
    let h = anna.client.create_household().await.unwrap();
    let a = FieldPath::parse("algemeen/a").unwrap();
    let b = FieldPath::parse("algemeen/b").unwrap();
    let c = FieldPath::parse("algemeen/c").unwrap();
    for _ in 0..3 {
        anna.client.set_field(h, &a, b"x").await.unwrap();
    }
    let e = anna.client.set_field(h, &a, b"x").await.unwrap_err();
    assert_eq!(kind(&e), "limit-exceeded");
    anna.client.set_field(h, &b, b"y").await.unwrap();
    let e = anna.client.set_field(h, &c, b"z").await.unwrap_err();
    assert_eq!(kind(&e), "limit-exceeded");
    assert!(e.to_string().contains("2 fields"), "{e}");
    server.stop().await;
}
