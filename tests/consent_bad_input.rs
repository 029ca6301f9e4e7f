//! Bad consent statements are refused clearly and store nothing.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use common::{TestServer, User};
use kluis_policy::{FieldPath, GrantId, HouseholdId, Purpose, Scope};
use kluis_vault::client::{ClientError, GrantRequest};
use kluis_vault::keys::Identity;
use kluis_vault::role::Role;
use kluis_vault::wire::consent::{CreateGrant, GrantInfo, Revoke, StaleList};
use serde_json::{json, Value};

fn kind(e: &ClientError) -> String {
    e.kind()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("<{e}>"))
}

/// A JWS made by hand, so the test can sign what the library never would.
fn jws(signer: &Identity, kid: &str, typ: &str, payload: &Value) -> String {
    let header = json!({"alg": "EdDSA", "typ": typ, "kid": kid,
        "jwk": {"kty": "OKP", "crv": "Ed25519", "x": B64.encode(signer.signing_public_key())}});
    let input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(payload.to_string())
    );
    let sig = signer.sign(input.as_bytes());
    format!("{input}.{}", B64.encode(sig))
}

#[allow(clippy::too_many_arguments)]
fn grant_payload(
    issuer: &User,
    grantee: &User,
    fpr: &str,
    h: HouseholdId,
    scope: Value,
    purpose: &str,
    nbf: i64,
    exp: i64,
) -> Value {
    json!({"iss": issuer.id, "sub": grantee.id, "jti": GrantId::random(), "iat": nbf, "nbf": nbf, "exp": exp,
        "kluis": "grant/1", "household": h, "grantee_fpr": fpr, "scope": scope, "actions": ["read"], "purpose": purpose})
}

async fn post_grant(user: &User, h: HouseholdId, jws: String) -> Result<GrantInfo, ClientError> {
    user.client
        .http()
        .post(
            user.client.identity(),
            &format!("/v1/households/{h}/grants"),
            &CreateGrant { jws, keys: vec![] },
        )
        .await
}

#[tokio::test]
async fn bad_grants_are_refused_and_nothing_is_stored() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let piet = server
        .enrol(&admin, Role::Professional, "Piet", Some("Schuldhulp"))
        .await;
    let anna = server.enrol(&admin, Role::Client, "Anna", None).await;
    let bram = server.enrol(&admin, Role::Client, "Bram", None).await;
    let h = anna.client.create_household().await.unwrap();
    let h_bram = bram.client.create_household().await.unwrap();
    let fpr = anna.client.principal(piet.id).await.unwrap().fingerprint;
    let now = common::chrono_now_ms() / 1000;
    let anna_key = anna.client.identity();
    let kid = anna.id.to_string();
    let good = || {
        grant_payload(
            &anna,
            &piet,
            &fpr,
            h,
            json!(["financien/*"]),
            "schuldhulp",
            now,
            now + 86_400,
        )
    };

    let mut cases: Vec<(&str, String, &str)> = vec![
        (
            "signed by someone else's key",
            jws(piet.client.identity(), &kid, "kluis-grant+jwt", &good()),
            "signature-invalid",
        ),
        (
            "a changed payload",
            {
                let j = jws(anna_key, &kid, "kluis-grant+jwt", &good());
                let parts: Vec<&str> = j.split('.').collect();
                let mut p = good();
                p["scope"] = json!(["financien/*", "justitie/*"]);
                format!("{}.{}.{}", parts[0], B64.encode(p.to_string()), parts[2])
            },
            "signature-invalid",
        ),
        (
            "an unknown purpose",
            jws(
                anna_key,
                &kid,
                "kluis-grant+jwt",
                &grant_payload(
                    &anna,
                    &piet,
                    &fpr,
                    h,
                    json!(["financien/*"]),
                    "marketing",
                    now,
                    now + 86_400,
                ),
            ),
            "signature-invalid",
        ),
        (
            "a malformed selector",
            jws(
                anna_key,
                &kid,
                "kluis-grant+jwt",
                &grant_payload(
                    &anna,
                    &piet,
                    &fpr,
                    h,
                    json!(["Financien/**"]),
                    "schuldhulp",
                    now,
                    now + 86_400,
                ),
            ),
            "signature-invalid",
        ),
        (
            "until before from",
            jws(
                anna_key,
                &kid,
                "kluis-grant+jwt",
                &grant_payload(
                    &anna,
                    &piet,
                    &fpr,
                    h,
                    json!(["financien/*"]),
                    "schuldhulp",
                    now,
                    now - 10,
                ),
            ),
            "signature-invalid",
        ),
        (
            "a grant for another household",
            jws(
                anna_key,
                &kid,
                "kluis-grant+jwt",
                &grant_payload(
                    &anna,
                    &piet,
                    &fpr,
                    h_bram,
                    json!(["financien/*"]),
                    "schuldhulp",
                    now,
                    now + 86_400,
                ),
            ),
            "malformed-request",
        ),
        (
            "a wrong fingerprint",
            jws(
                anna_key,
                &kid,
                "kluis-grant+jwt",
                &grant_payload(
                    &anna,
                    &piet,
                    "0000 0000 0000 0000 0000 0000 0000 0000",
                    h,
                    json!(["financien/*"]),
                    "schuldhulp",
                    now,
                    now + 86_400,
                ),
            ),
            "malformed-request",
        ),
        (
            "a revocation posted as a grant",
            jws(
                anna_key,
                &kid,
                "kluis-revocation+jwt",
                &json!({"iss": anna.id, "jti": GrantId::random(), "iat": now, "kluis": "revocation/1", "grant": GrantId::random(), "household": h}),
            ),
            "signature-invalid",
        ),
        ("not a JWS at all", "hello".to_owned(), "signature-invalid"),
    ];
    for (what, token, want) in cases.drain(..) {
        match post_grant(&anna, h, token).await {
            Ok(_) => panic!("{what} was accepted"),
            Err(e) => assert_eq!(kind(&e), want, "{what}: {e}"),
        }
    }
    // A signer who is not a member (Bram signs a grant for Anna's household).
    let by_bram = grant_payload(
        &bram,
        &piet,
        &fpr,
        h,
        json!(["financien/*"]),
        "schuldhulp",
        now,
        now + 86_400,
    );
    let e = post_grant(
        &bram,
        h,
        jws(
            bram.client.identity(),
            &bram.id.to_string(),
            "kluis-grant+jwt",
            &by_bram,
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(kind(&e), "household-not-found");

    assert!(
        anna.client.grants(h).await.unwrap().is_empty(),
        "nothing stored"
    );
    let e = piet
        .client
        .get_field(h, &FieldPath::parse("financien/x").unwrap(), None)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "household-not-found");

    // Duplicate ids: the same grant twice.
    let once = jws(anna_key, &kid, "kluis-grant+jwt", &good());
    post_grant(&anna, h, once.clone()).await.unwrap();
    let e = post_grant(&anna, h, once).await.unwrap_err();
    assert_eq!(kind(&e), "conflict");
    assert_eq!(anna.client.grants(h).await.unwrap().len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn revocations_of_other_grants_and_keys_for_others_are_refused() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let piet = server
        .enrol(&admin, Role::Professional, "Piet", Some("Schuldhulp"))
        .await;
    let sara = server
        .enrol(&admin, Role::Professional, "Sara", Some("GGZ"))
        .await;
    let anna = server.enrol(&admin, Role::Client, "Anna", None).await;
    let bram = server.enrol(&admin, Role::Client, "Bram", None).await;
    let h = anna.client.create_household().await.unwrap();
    let h_bram = bram.client.create_household().await.unwrap();
    let p = FieldPath::parse("financien/situatie").unwrap();
    bram.client
        .set_field(h_bram, &p, b"Bram's schuld")
        .await
        .unwrap();
    let req = |to: &User| GrantRequest {
        grantee: to.id,
        scope: Scope::parse("financien/*").unwrap(),
        write: false,
        coordinate: false,
        purpose: Purpose::Schuldhulp,
        until_ms: None,
    };
    let g_bram = bram.client.grant(h_bram, req(&piet)).await.unwrap();

    // Anna revokes Bram's grant through her own household: not found there.
    let e = anna.client.revoke(h, g_bram.grant_id).await.unwrap_err();
    assert_eq!(kind(&e), "not-found");
    // And through Bram's household: she is not a member.
    let e = anna
        .client
        .revoke(h_bram, g_bram.grant_id)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "household-not-found");
    // A revocation signed for another grant than the URL names.
    let now = common::chrono_now_ms() / 1000;
    let other = jws(
        bram.client.identity(),
        &bram.id.to_string(),
        "kluis-revocation+jwt",
        &json!({"iss": bram.id, "jti": GrantId::random(), "iat": now, "kluis": "revocation/1", "grant": GrantId::random(), "household": h_bram}),
    );
    let e: ClientError = bram
        .client
        .http()
        .post::<_, StaleList>(
            bram.client.identity(),
            &format!("/v1/households/{h_bram}/grants/{}/revoke", g_bram.grant_id),
            &Revoke { jws: other },
        )
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "malformed-request");
    assert_eq!(
        &piet.client.get_field(h_bram, &p, None).await.unwrap().value[..],
        b"Bram's schuld",
        "still granted"
    );

    // A key enveloped to the wrong person: the server cannot see inside an
    // envelope, but the reader's device refuses it plainly.
    let g = anna.client.grant(h, req(&sara)).await.unwrap();
    anna.client
        .set_field(h, &p, b"Anna's schuld")
        .await
        .unwrap();
    let mut v = sara.client.fetch_field(h, &p, None).await.unwrap();
    let for_piet = kluis_vault::keys::envelope::seal(
        &piet.client.identity().public().age_recipient,
        &[7u8; 32],
    )
    .unwrap();
    v.envelope = base64::engine::general_purpose::STANDARD.encode(for_piet);
    let e = sara.client.open_field_for_tests(h, v).await.unwrap_err();
    assert!(e.to_string().contains("not addressed to your key"), "{e}");
    let _ = g;
    server.stop().await;
}

#[tokio::test]
async fn a_backdated_grant_is_refused() {
    use kluis_policy::{sign_grant, Action, GrantId, GrantStatement, Purpose, Scope};
    use kluis_vault::wire::consent::CreateGrant;
    let server = common::TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = server
        .enrol(
            &admin,
            kluis_vault::role::Role::Professional,
            "Piet",
            Some("Wijkteam"),
        )
        .await;
    let anna = server
        .enrol(&pro, kluis_vault::role::Role::Client, "Anna", None)
        .await;
    let h = anna.client.create_household().await.unwrap();
    let now = common::chrono_now_ms() / 1000;
    let grant = |issued_at: i64| GrantStatement {
        id: GrantId::random(),
        issuer: anna.id,
        grantee: pro.id,
        grantee_fingerprint: pro.client.identity().public().fingerprint().unwrap(),
        household: h,
        scope: Scope::parse("financien/*").unwrap(),
        actions: vec![Action::Read],
        purpose: Purpose::Schuldhulp,
        issued_at,
        not_before: issued_at,
        expires: now + 86_400,
    };
    let send = |s: GrantStatement| {
        let jws = sign_grant(&s, &anna.client.identity().key_pair()).unwrap();
        let c = anna.client.clone();
        async move {
            c.http()
                .post::<_, serde_json::Value>(
                    c.identity(),
                    &format!("/v1/households/{h}/grants"),
                    &CreateGrant { jws, keys: vec![] },
                )
                .await
        }
    };
    // Signed a month ago: consent that "existed" before it was given.
    let e = send(grant(now - 30 * 86_400)).await.unwrap_err();
    assert_eq!(e.kind(), Some("malformed-request"), "{e}");
    assert!(
        e.to_string().contains("away from this server's time"),
        "{e}"
    );
    assert!(anna.client.grants(h).await.unwrap().is_empty());
    // Signed now: accepted.
    send(grant(now)).await.unwrap();
    assert_eq!(anna.client.grants(h).await.unwrap().len(), 1);
}
