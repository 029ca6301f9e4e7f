//! Enrolment and login end to end: bootstrap, invites, registration, tokens,
//! and every bad input the foundation must refuse.

mod common;

use common::{contains, TestServer};
use kluis_vault::client::ClientError;
use kluis_vault::keys::{Identity, Keystore, WorkFactor};
use kluis_vault::role::Role;

fn kind(e: &ClientError) -> &str {
    e.kind().unwrap_or("<no problem kind>")
}

#[tokio::test]
async fn everyone_enrols_and_logs_in() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = server
        .enrol(
            &admin,
            Role::Professional,
            "Piet de Coach",
            Some("Wijkteam Noord"),
        )
        .await;
    let auditor = server
        .enrol(&admin, Role::Auditor, "Ada Audit", Some("Gemeente"))
        .await;
    let client = server.enrol(&pro, Role::Client, "Anna", None).await;

    for (user, role, name) in [
        (&admin, Role::Admin, "administrator"),
        (&pro, Role::Professional, "Piet de Coach"),
        (&auditor, Role::Auditor, "Ada Audit"),
        (&client, Role::Client, "Anna"),
    ] {
        let me = user.client.whoami().await.expect("whoami");
        assert_eq!(me.principal_id, user.id);
        assert_eq!(me.role, role);
        assert_eq!(me.name, name);
        assert_eq!(
            me.keys,
            user.client.identity().public(),
            "the server holds the public keys we sent"
        );
    }
    let me = pro.client.whoami().await.unwrap();
    assert_eq!(me.org.as_deref(), Some("Wijkteam Noord"));
    // Anyone logged in can look up another's public keys.
    let seen = client.client.principal(pro.id).await.unwrap();
    assert_eq!(seen.fingerprint, me.fingerprint);
    server.stop().await;
}

#[tokio::test]
async fn bootstrap_invite_is_private_single_use_and_stored_hashed() {
    let server = TestServer::spawn().await;
    let path = server.data_dir.join("bootstrap-invite");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let code = server.bootstrap_invite();
    assert!(
        !contains(&server.database_bytes().await, code.as_bytes()),
        "the database must not hold the invite code itself"
    );
    let _admin = server.admin().await;
    let again = server
        .client_for(Identity::generate("Mallory"))
        .register(&code)
        .await
        .unwrap_err();
    assert_eq!(kind(&again), "invite-used");
    server.stop().await;
}

#[tokio::test]
async fn invites_refuse_forgery_reuse_and_expiry() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;

    let forged = server
        .client_for(Identity::generate("Eve"))
        .register("kluis-aaaa-bbbb-cccc-dddd-eeee-ffff-gggg-hhhh")
        .await
        .unwrap_err();
    assert_eq!(kind(&forged), "invite-invalid");
    assert_eq!(forged.status(), Some(403));

    let invite = admin
        .client
        .invite(Role::Client, "Bram", None)
        .await
        .unwrap();
    server.clock.advance_ms(8 * 24 * 3_600_000);
    let late = server
        .client_for(Identity::generate("Bram"))
        .register(&invite.code)
        .await
        .unwrap_err();
    assert_eq!(kind(&late), "invite-expired");

    let invite = admin
        .client
        .invite(Role::Client, "Cor", None)
        .await
        .unwrap();
    // Keep Cor's keys in a keystore so a second copy can try to register.
    let dir = tempfile::tempdir().unwrap();
    let ks = dir.path().join("cor.keystore");
    Keystore::create(&ks, &Identity::generate("Cor"), "pw", WorkFactor(10)).unwrap();
    let cor = server.client_for(Keystore::open(&ks, "pw").unwrap());
    cor.register(&invite.code).await.unwrap();
    let reuse = server
        .client_for(Identity::generate("Dirk"))
        .register(&invite.code)
        .await
        .unwrap_err();
    assert_eq!(kind(&reuse), "invite-used");

    // The same key cannot register twice, and a refused registration does
    // not use up the invite.
    let invite = admin
        .client
        .invite(Role::Client, "Cor again", None)
        .await
        .unwrap();
    let dup = server
        .client_for(Keystore::open(&ks, "pw").unwrap())
        .register(&invite.code)
        .await
        .unwrap_err();
    assert_eq!(kind(&dup), "key-already-registered");
    server
        .client_for(Identity::generate("Els"))
        .register(&invite.code)
        .await
        .expect("invite still usable");
    server.stop().await;
}

#[tokio::test]
async fn only_admins_and_professionals_invite() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = server
        .enrol(&admin, Role::Professional, "Piet", Some("Wijkteam"))
        .await;
    let auditor = server
        .enrol(&admin, Role::Auditor, "Ada", Some("Gemeente"))
        .await;
    let client = server.enrol(&pro, Role::Client, "Anna", None).await;

    for role in Role::ALL {
        let e = client
            .client
            .invite(role, "X", Some("Org"))
            .await
            .unwrap_err();
        assert_eq!(kind(&e), "forbidden", "client inviting {role}");
        let e = auditor
            .client
            .invite(role, "X", Some("Org"))
            .await
            .unwrap_err();
        assert_eq!(kind(&e), "forbidden", "auditor inviting {role}");
        let r = pro.client.invite(role, "X", Some("Org")).await;
        assert_eq!(
            r.is_ok(),
            role == Role::Client,
            "professional inviting {role}"
        );
    }
    let e = admin
        .client
        .invite(Role::Professional, "No Org", None)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "malformed-request");
    let e = admin
        .client
        .invite(Role::Client, "bad\nname", None)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "malformed-request");
    server.stop().await;
}
