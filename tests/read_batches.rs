//! Field reads waiting at the same moment share one statement
//! (`store::read_snapshot::batch`). Sharing must change nothing a caller
//! sees: each read gets exactly its own field, version and refusal, never
//! a neighbour's, whoever else is in the batch (other households, other
//! callers, older versions, a token that does not exist).

mod common;

use std::sync::Arc;

use common::{TestServer, User};
use kluis_policy::{FieldPath, HouseholdId, Purpose, Scope};
use kluis_vault::client::{Client, GrantRequest};
use kluis_vault::role::Role;

fn path(p: &str) -> FieldPath {
    FieldPath::parse(p).unwrap()
}

/// What one read must get: the value, or the problem's type.
#[derive(Clone, Debug, PartialEq)]
enum Expect {
    Value(Vec<u8>),
    Refused(&'static str),
}

/// One read: by whom (`None`: a token the server never issued), of what.
#[derive(Clone)]
struct Case {
    reader: Option<Client>,
    h: HouseholdId,
    path: FieldPath,
    version: Option<i64>,
    expect: Expect,
}

impl Case {
    async fn run(self, url: Arc<String>) -> Expect {
        let Some(client) = self.reader else {
            let status = reqwest::Client::new()
                .get(format!(
                    "{url}/v1/households/{}/fields/{}",
                    self.h, self.path
                ))
                .bearer_auth("a-token-nobody-was-given")
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, 401, "a read with an unknown token");
            return Expect::Refused("unauthenticated");
        };
        match client.get_field(self.h, &self.path, self.version).await {
            Ok(field) => Expect::Value(field.value.to_vec()),
            Err(e) => Expect::Refused(match e.kind() {
                Some("forbidden") => "forbidden",
                Some("household-not-found") => "household-not-found",
                Some("field-not-found") => "field-not-found",
                _ => panic!("unexpected failure: {e}"),
            }),
        }
    }
}

/// The server's histogram of reads by how many shared their statement:
/// (sum, count). `sum > count` once any statement served two reads.
async fn shared_statements(url: &str) -> (f64, f64) {
    let text = reqwest::get(format!("{url}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .map_or(0.0, |n| n.trim().parse().unwrap())
    };
    (
        value("kluis_field_read_statement_reads_sum"),
        value("kluis_field_read_statement_reads_count"),
    )
}

#[tokio::test]
async fn reads_that_share_a_statement_each_get_their_own_answer() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let piet = server
        .enrol(&admin, Role::Professional, "Piet", Some("Schuldhulp Noord"))
        .await;
    let money = path("financien/situatie");
    let health = path("geestelijke-gezondheid/situatie");
    let mut homes: Vec<(User, HouseholdId, &str)> = Vec::new();
    for name in ["Anna", "Bert", "Cor"] {
        let user = server.enrol(&piet, Role::Client, name, None).await;
        let h = user.client.create_household().await.unwrap();
        if name == "Anna" {
            // Piet may read Anna's money (written from now on, so shared
            // with him), and nothing else anywhere.
            user.client
                .grant(
                    h,
                    GrantRequest {
                        grantee: piet.id,
                        scope: Scope::parse("financien/*").unwrap(),
                        write: false,
                        coordinate: false,
                        purpose: Purpose::Schuldhulp,
                        until_ms: Some(common::chrono_now_ms() + 86_400_000),
                    },
                )
                .await
                .unwrap();
        }
        for (p, value) in [
            (&money, format!("{name}: oud")),
            (&money, format!("{name}: nieuw")),
            (&health, format!("{name}: somber")),
        ] {
            user.client.set_field(h, p, value.as_bytes()).await.unwrap();
        }
        homes.push((user, h, name));
    }
    let anna_h = &homes[0].1;
    let value = |s: String| Expect::Value(s.into_bytes());
    let case = |reader: &User, h: HouseholdId, p: &FieldPath, version, expect| Case {
        reader: Some(reader.client.clone()),
        h,
        path: p.clone(),
        version,
        expect,
    };
    let mut cases = Vec::new();
    for (i, (user, h, name)) in homes.iter().enumerate() {
        let (_, other, _) = &homes[(i + 1) % homes.len()];
        let outsider = Expect::Refused("household-not-found");
        for (h, p, version, expect) in [
            (h, &money, None, value(format!("{name}: nieuw"))),
            (h, &money, Some(1), value(format!("{name}: oud"))),
            (h, &health, None, value(format!("{name}: somber"))),
            (h, &money, Some(9), Expect::Refused("field-not-found")),
            (other, &money, None, outsider.clone()),
        ] {
            cases.push(case(user, *h, p, version, expect));
        }
        if i > 0 {
            cases.push(case(&piet, *h, &money, None, outsider));
        }
    }
    cases.push(case(
        &piet,
        *anna_h,
        &money,
        None,
        value("Anna: nieuw".into()),
    ));
    cases.push(case(
        &piet,
        *anna_h,
        &money,
        Some(1),
        value("Anna: oud".into()),
    ));
    cases.push(case(
        &piet,
        *anna_h,
        &health,
        None,
        Expect::Refused("forbidden"),
    ));
    cases.push(Case {
        reader: None,
        h: *anna_h,
        path: money.clone(),
        version: None,
        expect: Expect::Refused("unauthenticated"),
    });

    // Rounds of every case four times over, all at once, until the server
    // has run a statement for more than one read (with more readers than
    // lanes that happens in the first round or two).
    let url = Arc::new(server.url.clone());
    let mut shared = false;
    for _ in 0..20 {
        let tasks: Vec<_> = (0..4)
            .flat_map(|_| cases.iter().cloned())
            .map(|c| {
                let expect = c.expect.clone();
                let (h, p, v) = (c.h, c.path.clone(), c.version);
                let task = tokio::spawn(c.run(url.clone()));
                (expect, (h, p, v), task)
            })
            .collect();
        for (expect, asked, task) in tasks {
            assert_eq!(task.await.unwrap(), expect, "read of {asked:?}");
        }
        let (sum, count) = shared_statements(&server.url).await;
        if sum > count {
            shared = true;
            break;
        }
    }
    assert!(shared, "no statement served more than one read");
    server.stop().await;
}
