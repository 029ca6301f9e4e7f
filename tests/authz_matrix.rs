//! The authorization matrix: every relation to a household against every
//! dossier endpoint (and the account actions on another person), checked
//! against tests/authz-matrix.csv.

mod common;

use std::collections::BTreeMap;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD as B64};
use base64::Engine;
use common::{TestServer, User};
use kluis_policy::{Action, FieldPath, GrantId, GrantStatement, HouseholdId, Purpose, Scope};
use kluis_vault::client::{Client, ClientError, GrantRequest};
use kluis_vault::role::Role;
use kluis_vault::wire::contact::{contact_statement, NameContact};
use kluis_vault::wire::household::{member_statement, AddMember};

const DAY_MS: i64 = 86_400_000;

fn path(p: &str) -> FieldPath {
    FieldPath::parse(p).unwrap()
}

fn table() -> (Vec<String>, BTreeMap<String, Vec<bool>>) {
    let text = include_str!("authz-matrix.csv");
    let mut lines = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .skip(1)
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| {
            let mut cells = l.split(',');
            let actor = cells.next().unwrap().to_owned();
            let row: Vec<bool> = cells
                .map(|c| match c {
                    "allow" => true,
                    "deny" => false,
                    other => panic!("bad cell {other:?}"),
                })
                .collect();
            assert_eq!(row.len(), header.len(), "row {actor}");
            (actor, row)
        })
        .collect();
    (header, rows)
}

struct Setup {
    server: TestServer,
    admin: User,
    anna: User,
    h: HouseholdId,
    target: User,
    private_note: FieldPath,
}

fn grant(to: &User, scope: &str, write: bool, days: i64) -> GrantRequest {
    GrantRequest {
        grantee: to.id,
        scope: Scope::parse(scope).unwrap(),
        write,
        coordinate: false,
        purpose: Purpose::Schuldhulp,
        until_ms: Some(common::chrono_now_ms() + days * DAY_MS),
    }
}

/// Run one operation; Ok(true) allowed, Ok(false) refused with 403/404.
async fn attempt(s: &Setup, who: &Client, op: &str) -> bool {
    let h = s.h;
    let fin = path("financien/situatie");
    let result: Result<(), ClientError> = match op {
        "household.show" => who.household(h).await.map(|_| ()),
        "field.list" => who.list_fields(h).await.map(|_| ()),
        "field.read" => who.get_field(h, &fin, None).await.map(|_| ()),
        "field.read.out-of-scope" => who
            .get_field(h, &path("justitie/situatie"), None)
            .await
            .map(|_| ()),
        "field.write" => who.set_field(h, &fin, b"bijgewerkt").await.map(|_| ()),
        "field.history" => who.field_history(h, &fin).await.map(|_| ()),
        "observation.read" => who.get_field(h, &s.private_note, None).await.map(|_| ()),
        "grant.create" => {
            // Signed at the server's time: the server's clock was moved two
            // days on (so grants could expire), and a grant dated away from
            // the server's time is refused as backdated.
            let now = s.server.clock.now_ms() / 1000;
            let me = who.whoami().await.unwrap().principal_id;
            let statement = GrantStatement {
                id: GrantId::random(),
                issuer: me,
                grantee: s.target.id,
                grantee_fingerprint: s.target.client.identity().public().fingerprint().unwrap(),
                household: h,
                scope: Scope::parse("algemeen/*").unwrap(),
                actions: vec![Action::Read],
                purpose: Purpose::Schuldhulp,
                issued_at: now,
                not_before: now,
                expires: now + 30 * 86_400,
            };
            who.grant_with(h, statement).await.map(|_| ())
        }
        "grants.list" => who.grants(h).await.map(|_| ()),
        "member.add" => {
            // Sent raw: the client library would refuse on the device
            // already (a non-member cannot open the household key), and
            // this checks the server.
            let newcomer = s.server.enrol(&s.admin, Role::Client, "Nieuw", None).await;
            let me = who.whoami().await.unwrap().principal_id;
            let signed_at_ms = common::chrono_now_ms();
            let statement = member_statement(h, newcomer.id, None, me, signed_at_ms);
            let env = kluis_vault::keys::envelope::seal(
                &newcomer.client.identity().public().age_recipient,
                b"x",
            )
            .unwrap();
            let body = AddMember {
                principal_id: newcomer.id,
                member_fingerprint: None,
                signed_at_ms,
                signature: B64.encode(who.identity().sign(statement.as_bytes())),
                identity_envelope: STANDARD.encode(env),
            };
            who.http()
                .post::<_, serde_json::Value>(
                    who.identity(),
                    &format!("/v1/households/{h}/members"),
                    &body,
                )
                .await
                .map(|_| ())
        }
        "stale" => who.sync(h).await.map(|_| ()),
        "case.close" => match who.close_household(h, "wmo").await {
            // Put back for the next actor: only who may close may reopen.
            Ok(_) => who.reopen_household(h).await.map(|_| ()),
            Err(e) => Err(e),
        },
        "hold.place" => match who.hold(h, "Onderzoek").await {
            Ok(held) => s
                .admin
                .client
                .release_hold(h, &held.hold.id, "matrix")
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        },
        "hold.release" => {
            let held = s.admin.client.hold(h, "Onderzoek").await.unwrap();
            let result = who.release_hold(h, &held.hold.id, "klaar").await;
            if result.is_err() {
                s.admin
                    .client
                    .release_hold(h, &held.hold.id, "matrix")
                    .await
                    .unwrap();
            }
            result.map(|_| ())
        }
        "erase.propose" => match who.propose_erasure(h, "AVG art. 17").await {
            Ok(p) => who.reject(p.id).await.map(|_| ()),
            Err(e) => Err(e),
        },
        "observation.name" => who.observation_name(h).await.map(|_| ()),
        // The admin row runs these in this order: the target ends enabled.
        "person.disable" => who.disable_person(s.target.id, "matrix").await.map(|_| ()),
        "person.enable" => who.enable_person(s.target.id).await.map(|_| ()),
        "person.sign-out" => who.end_sessions(s.target.id).await.map(|_| ()),
        "contact.add" => {
            // Sent raw, as member.add: this checks the server.
            let contact = s
                .server
                .enrol(&s.admin, Role::Client, "Vertrouwd", None)
                .await;
            let keys = contact.client.identity().public();
            let fingerprint = keys.fingerprint().unwrap();
            let me = who.whoami().await.unwrap().principal_id;
            let signed_at_ms = common::chrono_now_ms();
            let statement =
                contact_statement(h, contact.id, &fingerprint, 7 * DAY_MS, me, signed_at_ms);
            let env = kluis_vault::keys::envelope::seal(&keys.age_recipient, b"x").unwrap();
            let body = NameContact {
                contact_id: contact.id,
                contact_fingerprint: fingerprint,
                wait_ms: 7 * DAY_MS,
                signed_at_ms,
                signature: B64.encode(who.identity().sign(statement.as_bytes())),
                identity_envelope: STANDARD.encode(env),
            };
            who.http()
                .post::<_, serde_json::Value>(
                    who.identity(),
                    &format!("/v1/households/{h}/contacts"),
                    &body,
                )
                .await
                .map(|_| ())
        }
        "contacts.list" => who.household_contacts(h).await.map(|_| ()),
        "person.reenrol-invite" => who.reenrol_invite(s.target.id).await.map(|_| ()),
        other => panic!("unknown operation {other}"),
    };
    match result {
        Ok(()) => true,
        Err(e) if matches!(e.status(), Some(403 | 404)) => false,
        // The client refusing on the device (e.g. a household key it cannot
        // open) is a denial too, but only when the server already refused.
        Err(e) => panic!("{op}: unexpected error {e}"),
    }
}

#[tokio::test]
async fn every_relation_against_every_endpoint() {
    let (ops, expected) = table();
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = |name: &'static str| {
        let (server, admin) = (&server, &admin);
        async move {
            server
                .enrol(admin, Role::Professional, name, Some("Wijkteam"))
                .await
        }
    };
    let anna = server.enrol(&admin, Role::Client, "Anna", None).await;
    let bram = server.enrol(&admin, Role::Client, "Bram", None).await;
    let h = anna.client.create_household().await.unwrap();
    bram.client.create_household().await.unwrap();
    for f in [
        "financien/situatie",
        "financien/doelen",
        "justitie/situatie",
        "algemeen/naam",
    ] {
        anna.client.set_field(h, &path(f), b"inhoud").await.unwrap();
    }
    let rw = pro("RW").await;
    let ro = pro("RO").await;
    let future = pro("Future").await;
    let expired = pro("Expired").await;
    let revoked = pro("Revoked").await;
    let none = pro("None").await;
    let target = pro("Target").await;
    let auditor = server
        .enrol(&admin, Role::Auditor, "Audit", Some("Gemeente"))
        .await;

    let mut coordinating = grant(&rw, "financien/*,observaties/*", true, 30);
    coordinating.coordinate = true;
    anna.client.grant(h, coordinating).await.unwrap();
    anna.client
        .grant(h, grant(&ro, "financien/*,observaties/*", false, 30))
        .await
        .unwrap();
    anna.client
        .grant(h, grant(&expired, "financien/*", false, 1))
        .await
        .unwrap();
    let g = anna
        .client
        .grant(h, grant(&revoked, "financien/*", false, 30))
        .await
        .unwrap();
    anna.client.revoke(h, g.grant_id).await.unwrap();
    let now = common::chrono_now_ms() / 1000;
    let later = GrantStatement {
        id: GrantId::random(),
        issuer: anna.id,
        grantee: future.id,
        grantee_fingerprint: anna.client.principal(future.id).await.unwrap().fingerprint,
        household: h,
        scope: Scope::parse("financien/*").unwrap(),
        actions: vec![Action::Read],
        purpose: Purpose::Schuldhulp,
        issued_at: now,
        not_before: now + 10 * 86_400,
        expires: now + 20 * 86_400,
    };
    anna.client.grant_with(h, later).await.unwrap();
    let private_note = rw.client.observe(h, b"prive", true).await.unwrap().path;
    server.clock.advance_ms(2 * DAY_MS);

    let setup = Setup {
        server,
        admin,
        anna,
        h,
        target,
        private_note,
    };
    let actors: Vec<(&str, &Client)> = vec![
        ("other-member", &bram.client),
        ("grantee-rw", &rw.client),
        ("grantee-ro", &ro.client),
        ("grantee-future", &future.client),
        ("grantee-expired", &expired.client),
        ("grantee-revoked", &revoked.client),
        ("professional-without-grant", &none.client),
        ("auditor", &auditor.client),
        ("admin", &setup.admin.client),
        ("member", &setup.anna.client),
    ];
    assert_eq!(
        actors.len(),
        expected.len(),
        "every row of the table is exercised"
    );
    let mut wrong = Vec::new();
    for (actor, client) in actors {
        let row = expected
            .get(actor)
            .unwrap_or_else(|| panic!("no row for {actor}"));
        for (op, want) in ops.iter().zip(row) {
            let got = attempt(&setup, client, op).await;
            if got != *want {
                wrong.push(format!(
                    "{actor} {op}: expected {}, got {}",
                    allow(*want),
                    allow(got)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "matrix mismatches:\n{}", wrong.join("\n"));
    setup.server.stop().await;
}

fn allow(b: bool) -> &'static str {
    if b {
        "allow"
    } else {
        "deny"
    }
}
