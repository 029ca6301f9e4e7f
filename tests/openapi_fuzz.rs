//! A property-style run over every operation in `/openapi.json`: random and
//! malformed path parameters and bodies, with and without a login. No answer
//! may be a 5xx, and every error must be problem+json.

mod common;

use common::TestServer;
use kluis_vault::role::Role;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{json, Value};

fn random_json(rng: &mut StdRng, depth: u32) -> Value {
    match rng.gen_range(0..if depth > 2 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.gen::<bool>()),
        2 => json!(rng.gen::<i64>()),
        3 => json!(random_text(rng)),
        4 => json!(rng.gen::<f64>()),
        5 => Value::Array(
            (0..rng.gen_range(0..4))
                .map(|_| random_json(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "invite",
                "keys",
                "role",
                "name",
                "org",
                "household_id",
                "recipient",
                "signature",
                "jws",
                "keys",
                "replaces",
                "ciphertext",
                "envelopes",
                "path",
                "private",
                "basis",
                "reason",
                "approved_by",
                "version",
                "key_gen",
            ];
            let mut m = serde_json::Map::new();
            for _ in 0..rng.gen_range(0..6) {
                m.insert(
                    keys[rng.gen_range(0..keys.len())].to_owned(),
                    random_json(rng, depth + 1),
                );
            }
            Value::Object(m)
        }
    }
}

fn random_text(rng: &mut StdRng) -> String {
    let samples = [
        "",
        "x",
        "'; DROP TABLE households; --",
        "p-00000000000000000000000000000000",
        "h-zz",
        "financien/*",
        "age1qqqq",
        "AAAA",
        "\u{0}",
        "é",
        "../../etc/passwd",
        "kluis-aaaa-bbbb",
    ];
    match rng.gen_range(0..4) {
        0 => "a".repeat(rng.gen_range(0..5000)),
        _ => samples[rng.gen_range(0..samples.len())].to_owned(),
    }
}

fn fill(template: &str, rng: &mut StdRng, known: &[String]) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map(|e| start + e)
            .unwrap_or(rest.len() - 1);
        let value = match rng.gen_range(0..4) {
            0 => known[rng.gen_range(0..known.len())].clone(),
            1 => "financien/situatie".to_owned(),
            2 => format!("h-{}", hex_random(rng)),
            _ => random_text(rng)
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(200)
                .collect(),
        };
        out.push_str(if value.is_empty() { "x" } else { &value });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn hex_random(rng: &mut StdRng) -> String {
    (0..16)
        .map(|_| format!("{:02x}", rng.gen::<u8>()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_operation_answers_5xx_to_hostile_input() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let anna = server.enrol(&admin, Role::Client, "Anna", None).await;
    let h = anna.client.create_household().await.unwrap();
    anna.client.whoami().await.unwrap();
    let token = anna.client.http().current_token().await.unwrap();
    let known = vec![h.to_string(), anna.id.to_string(), admin.id.to_string()];

    let doc: Value = reqwest::get(format!("{}/openapi.json", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().expect("paths");
    assert!(
        paths.len() >= 30,
        "the document lists the API ({} paths)",
        paths.len()
    );
    let seed = std::env::var("KLUIS_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6b6c756973);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut sent = 0;
    for (template, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let method: Method = method.to_uppercase().parse().unwrap();
            for round in 0..12 {
                let path = fill(template, &mut rng, &known);
                let body = random_json(&mut rng, 0).to_string().into_bytes();
                let bearer = (round % 3 != 0).then_some(token.as_str());
                let ctype = if round % 5 == 4 {
                    "text/plain"
                } else {
                    "application/json"
                };
                let (status, got_type, bytes) = anna
                    .client
                    .http()
                    .raw(method.clone(), &path, bearer, ctype, body)
                    .await
                    .unwrap();
                sent += 1;
                assert!(
                    status < 500,
                    "{method} {path} answered {status}: {}",
                    String::from_utf8_lossy(&bytes)
                );
                if status >= 400 {
                    assert_eq!(
                        got_type, "application/problem+json",
                        "{method} {path} ({status})"
                    );
                }
            }
        }
    }
    assert!(sent > 300);
    // Still healthy, and the household untouched by the noise.
    assert!(anna.client.list_fields(h).await.unwrap().is_empty());
    server.stop().await;
}
