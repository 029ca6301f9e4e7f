//! The lists the household's web app chooses from, through the real server
//! and client (and the real binary for `kluis professionals`): the plan
//! template with its sections' display names, the purposes, and the
//! directory of professionals to share with.
//!
//! None of these endpoints existed before, so every test here fails on the
//! code before them. The directory's tests also prove what it must never do:
//! list clients, auditors, administrators or disabled people, treat the
//! search text as a LIKE pattern, or answer without a login.

mod common;

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::cli::{enrol_three, Kluis};
use common::{TestServer, User};
use kluis_policy::Purpose;
use kluis_vault::keys::Identity;
use kluis_vault::role::Role;
use kluis_vault::template::PlanTemplate;
use serde_json::Value;

/// A GET without a login, or with `token`: the status, content type and body.
async fn raw_get(url: &str, token: Option<&str>) -> (u16, String, Value) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ctype, r.json().await.unwrap_or(Value::Null))
}

fn names(list: &kluis_vault::wire::catalogue::ProfessionalList) -> Vec<&str> {
    list.professionals.iter().map(|p| p.name.as_str()).collect()
}

/// `GET /v1/template` gives the default sections in order with their Dutch
/// (B1) and English names; a template in the old form (ids only) gives the
/// ids as names. `GET /v1/purposes` gives every purpose with both
/// descriptions. Both need a login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_and_the_purposes_come_with_their_names() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let anna = server.enrol(&admin, Role::Client, "Anna", None).await;

    let t = anna.client.template().await.unwrap();
    assert_eq!(t.name, "zrm-2017");
    let ids: Vec<&str> = t.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), 16);
    assert_eq!(&ids[..3], ["financien", "dagbesteding", "huisvesting"]);
    assert_eq!(ids.last(), Some(&"zrm"));
    // The self-sufficiency scores: one field per domain in section `zrm`.
    let zrm = t.zrm.as_ref().expect("the default template has ZRM scores");
    assert_eq!(zrm.section, "zrm");
    assert_eq!(zrm.domains.len(), 11);
    assert_eq!(zrm.domains[0].id, "financien");
    assert_eq!(zrm.domains[0].name, "Geld en schulden");
    let by_id: HashMap<&str, (&str, &str)> = t
        .sections
        .iter()
        .map(|s| (s.id.as_str(), (s.name.as_str(), s.name_en.as_str())))
        .collect();
    assert_eq!(by_id["financien"], ("Geld en schulden", "Money and debts"));
    assert_eq!(by_id["huisvesting"], ("Wonen", "Housing"));
    assert_eq!(
        by_id["verslaving"],
        ("Alcohol, drugs en gokken", "Alcohol, drugs and gambling")
    );

    let purposes = anna.client.purposes().await.unwrap().purposes;
    assert_eq!(purposes.len(), Purpose::ALL.len());
    for (got, p) in purposes.iter().zip(Purpose::ALL) {
        assert_eq!(got.code, p.code());
        assert_eq!(got.description_nl, p.description_nl());
        assert_eq!(got.description_en, p.description_en());
    }
    assert_eq!(purposes[3].description_nl, "Hulp bij schulden en geldzaken");

    for path in ["/v1/template", "/v1/purposes"] {
        let (status, ctype, body) = raw_get(&format!("{}{path}", server.url), None).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(ctype, "application/problem+json", "{path}");
        assert_eq!(body["type"], "urn:kluis:problem:unauthenticated", "{path}");
    }

    // An operator's template in the old form still works; its ids are its names.
    let old = TestServer::spawn_with(|c| {
        c.template =
            PlanTemplate::parse("name = \"oud\"\nsections = [\"wonen\", \"geld\"]").unwrap();
    })
    .await;
    let t = old.admin().await.client.template().await.unwrap();
    assert_eq!(t.name, "oud");
    let got: Vec<(&str, &str, &str)> = t
        .sections
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str(), s.name_en.as_str()))
        .collect();
    assert_eq!(got, [("wonen", "wonen", "wonen"), ("geld", "geld", "geld")]);
}

/// The directory finds professionals by name and by organisation, in any
/// case and with or without accents, with the fingerprint of their keys; it never
/// lists clients, auditors, administrators or disabled professionals, even
/// when the search text is exactly their name or empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_lists_professionals_only_by_name_or_organisation() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let pro = |name: &'static str, org: &'static str| {
        let (server, admin) = (&server, &admin);
        async move {
            server
                .enrol(admin, Role::Professional, name, Some(org))
                .await
        }
    };
    let piet = pro("Piet de Coach", "Wijkteam Noord").await;
    let fatma = pro("Fatma Yıldız", "Schuldhulp Oost").await;
    let omer = pro("Ömer Çelik", "GGZ Centrum").await;
    let gone = pro("Piet Vertrokken", "Wijkteam Noord").await;
    // People who must never be listed, all with "piet" and "noord" in them.
    let client = server
        .enrol(&piet, Role::Client, "Pieternel Noordhuis", None)
        .await;
    let auditor = server
        .enrol(
            &admin,
            Role::Auditor,
            "Piet Privacy",
            Some("Wijkteam Noord"),
        )
        .await;
    let admin2 = server
        .enrol(&admin, Role::Admin, "Piet Beheer", Some("Wijkteam Noord"))
        .await;
    admin
        .client
        .disable_person(gone.id, "uit dienst")
        .await
        .unwrap();

    let search = |who: &User, q: Option<&'static str>| {
        let c = who.client.clone();
        async move { c.professionals(q).await.unwrap() }
    };

    // By name, any case; by organisation, any case, also a part of a word.
    assert_eq!(
        names(&search(&client, Some("PIET")).await),
        ["Piet de Coach"]
    );
    assert_eq!(
        names(&search(&client, Some("noord")).await),
        ["Piet de Coach"]
    );
    assert_eq!(
        names(&search(&client, Some("wijkTEAM no")).await),
        ["Piet de Coach"]
    );
    assert_eq!(
        names(&search(&client, Some("schuldhulp")).await),
        ["Fatma Yıldız"]
    );
    // Beyond ASCII (SQLite's own LOWER and LIKE fold ASCII only), and
    // without the accents, as people type on a phone.
    for q in ["ÖMER ÇEL", "ömer çel", "omer cel", "Celik"] {
        assert_eq!(
            names(&search(&client, Some(q)).await),
            ["Ömer Çelik"],
            "{q}"
        );
    }
    assert_eq!(
        names(&search(&client, Some("yıldız")).await),
        ["Fatma Yıldız"]
    );
    // Spaces around the text do not count.
    assert_eq!(
        names(&search(&client, Some("  coach  ")).await),
        ["Piet de Coach"]
    );

    // Everyone, by name: the three professionals and nobody else, whoever asks.
    for who in [&client, &piet, &auditor, &admin2] {
        let all = search(who, None).await;
        assert_eq!(
            names(&all),
            // Ömer among the o's, not after the z's.
            ["Fatma Yıldız", "Ömer Çelik", "Piet de Coach"],
            "asked by {:?}",
            who.role
        );
        assert!(!all.more);
        assert_eq!(names(&search(who, Some("")).await), names(&all));
    }
    // Not even their exact names find the others.
    for hidden in [
        "Pieternel Noordhuis",
        "Piet Privacy",
        "Piet Beheer",
        "Piet Vertrokken",
        "administrator",
    ] {
        assert!(
            search(&client, Some(hidden)).await.professionals.is_empty(),
            "{hidden} is listed"
        );
    }

    // What is listed is what the server has registered for that person.
    let found = search(&client, Some("Ömer")).await.professionals;
    let info = client.client.principal(omer.id).await.unwrap();
    assert_eq!(found[0].principal_id, omer.id);
    assert_eq!(found[0].org.as_deref(), Some("GGZ Centrum"));
    assert_eq!(found[0].fingerprint, info.fingerprint);
    assert_eq!(
        found[0].fingerprint,
        omer.client.identity().public().fingerprint().unwrap()
    );
    let _ = fatma;

    // Enabled again, the professional is listed again.
    admin.client.enable_person(gone.id).await.unwrap();
    assert_eq!(
        names(&search(&client, Some("piet")).await),
        ["Piet de Coach", "Piet Vertrokken"]
    );
}

/// The search text is a literal: `%` and `_` match only themselves (as LIKE
/// patterns they would match everyone), and neither quotes nor backslashes
/// change the query.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_text_is_never_a_pattern() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    for (name, org) in [
        ("Jan Jansen", "Wijkteam"),
        ("Kees 100% Zeker", "Wijkteam"),
        ("Mila_de_Vries", "Wijkteam"),
        ("Bas Back\\slash", "Team O'Brien"),
    ] {
        server
            .enrol(&admin, Role::Professional, name, Some(org))
            .await;
    }
    let c = &admin.client;
    let find = |q: &'static str| async move {
        names(&c.professionals(Some(q)).await.unwrap())
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(find("%").await, ["Kees 100% Zeker"]);
    assert_eq!(find("_").await, ["Mila_de_Vries"]);
    assert_eq!(find("a_").await, ["Mila_de_Vries"]);
    assert_eq!(find("%%").await, Vec::<String>::new());
    assert_eq!(find("j%n").await, Vec::<String>::new());
    assert_eq!(find("j_n").await, Vec::<String>::new());
    assert_eq!(find("\\").await, ["Bas Back\\slash"]);
    assert_eq!(find("\\s").await, ["Bas Back\\slash"]);
    assert_eq!(find("o'b").await, ["Bas Back\\slash"]);
    assert_eq!(find("' OR '1'='1").await, Vec::<String>::new());
}

/// At most 20 professionals, the first 20 by name, and `more` says there
/// are others. The search text is 0 to 60 characters (after trimming);
/// longer, or holding control characters, is a 400 problem+json. Without a
/// login, or as a disabled person, there is no answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_capped_and_the_search_is_checked() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let mut enrolled = Vec::new();
    for i in (1..=21).rev() {
        let name = format!("Zorgverlener {i:02}");
        enrolled.push(
            server
                .enrol(&admin, Role::Professional, &name, Some("Team Zuid"))
                .await,
        );
    }
    let list = admin.client.professionals(Some("zuid")).await.unwrap();
    let expected: Vec<String> = (1..=20).map(|i| format!("Zorgverlener {i:02}")).collect();
    assert_eq!(names(&list), expected);
    assert!(list.more);
    let exact = admin
        .client
        .professionals(Some("Zorgverlener 21"))
        .await
        .unwrap();
    assert_eq!(names(&exact), ["Zorgverlener 21"]);
    assert!(!exact.more);

    // A real session token of the administrator, for raw requests.
    let token = admin.client.login_token().await.unwrap().token;
    let url = |q: &str| {
        let q: String = url_encode(q);
        format!("{}/v1/professionals?q={q}", server.url)
    };
    let sixty = "é".repeat(60);
    let (status, _, body) = raw_get(&url(&format!("  {sixty}  ")), Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    for bad in ["é".repeat(61), "a\u{1}b".to_owned(), "a\nb".to_owned()] {
        let (status, ctype, body) = raw_get(&url(&bad), Some(&token)).await;
        assert_eq!(status, 400, "{bad:?}: {body}");
        assert_eq!(ctype, "application/problem+json");
        assert_eq!(body["type"], "urn:kluis:problem:malformed-request");
    }
    let err = admin
        .client
        .professionals(Some(&"x".repeat(61)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Some("malformed-request"));

    // Login needed; a disabled person gets nothing either.
    let (status, ctype, body) = raw_get(&url("zuid"), None).await;
    assert_eq!((status, ctype.as_str()), (401, "application/problem+json"));
    assert_eq!(body["type"], "urn:kluis:problem:unauthenticated");
    let (status, _, _) = raw_get(&url("zuid"), Some("not-a-token")).await;
    assert_eq!(status, 401);
    let pro = &enrolled[0];
    pro.client.professionals(None).await.unwrap();
    admin.client.disable_person(pro.id, "test").await.unwrap();
    let err = pro.client.professionals(None).await.unwrap_err();
    assert_eq!(err.kind(), Some("account-disabled"));
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// People stored before the directory existed (no folded name yet) are
/// found after the next start-up, which fills their folded names in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_from_before_are_found_after_a_start_up() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let keys = Identity::generate("Oud").public();
    let signing_key = URL_SAFE_NO_PAD.decode(&keys.signing_key).unwrap();
    let db = server.db().await;
    // As a server from before migration 0014 wrote it: no folded columns.
    sqlx::query(
        "INSERT INTO principals (id, name, role, org, signing_key, age_recipient, invited_by, created_ms) \
         VALUES ($1, $2, 'professional', $3, $4, $5, NULL, 0)",
    )
    .bind(kluis_policy::PrincipalId::random().to_string())
    .bind("Oude Bekende")
    .bind("Wijkteam Vroeger")
    .bind(signing_key)
    .bind(&keys.age_recipient)
    .execute(&db)
    .await
    .unwrap();
    assert!(admin
        .client
        .professionals(Some("vroeger"))
        .await
        .unwrap()
        .professionals
        .is_empty());
    server.start_up_again().await;
    let list = admin.client.professionals(Some("VROEGER")).await.unwrap();
    assert_eq!(names(&list), ["Oude Bekende"]);
}

/// `kluis professionals --search TEXT`: plain lines (name, organisation, id,
/// fingerprint), `--json`, and one line on stderr for a refused search.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_searches_the_directory() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&server.url);
    let e = enrol_three(&k, &server, &dir);
    let (anna, pro_id) = (&e.client.0, e.pro.1);

    let run = k.with(anna, &["professionals", "--search", "NOORD"]);
    let text = run.text();
    let fingerprint = k.whoami(&e.pro.0)["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        text,
        format!("Piet de Coach of Wijkteam Noord: {pro_id}, fingerprint {fingerprint}\n")
    );
    assert!(!text.contains("Anna"));

    let json = k.with(anna, &["--json", "professionals"]).json();
    assert_eq!(json["more"], false);
    let listed = json["professionals"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{json}");
    assert_eq!(listed[0]["principal_id"], pro_id.to_string());
    assert_eq!(listed[0]["org"], "Wijkteam Noord");
    assert_eq!(listed[0]["fingerprint"], fingerprint.as_str());

    let none = k.with(anna, &["professionals", "--search", "Anna"]);
    assert_eq!(
        none.text(),
        "No professional's name or organisation contains 'Anna'.\n"
    );
    let long = "x".repeat(61);
    let refused = k.with(anna, &["professionals", "--search", &long]);
    assert!(
        refused.failure().contains("at most 60 characters"),
        "{refused:?}"
    );
}

/// The administrators' list of people (`GET /v1/principals`, `kluis
/// people`) lists everyone, clients and disabled people included, with
/// their role; anyone else is refused, and every look, refused or not, is
/// in the access log with what was searched for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_administrators_see_everyone_and_each_look_is_logged() {
    let server = TestServer::spawn().await;
    let admin = server.admin().await;
    let piet = server
        .enrol(
            &admin,
            Role::Professional,
            "Piet de Coach",
            Some("Wijkteam Noord"),
        )
        .await;
    let anna = server
        .enrol(&piet, Role::Client, "Anna Noordhuis", None)
        .await;
    let auditor = server
        .enrol(&admin, Role::Auditor, "Ilse", Some("Privacyteam"))
        .await;
    admin
        .client
        .disable_person(anna.id, "verhuisd")
        .await
        .unwrap();

    let all = admin.client.people(None).await.unwrap();
    let who: Vec<(&str, Role, bool)> = all
        .people
        .iter()
        .map(|p| (p.name.as_str(), p.role, p.disabled_at.is_some()))
        .collect();
    assert!(
        who.contains(&("Anna Noordhuis", Role::Client, true)),
        "{who:?}"
    );
    assert!(who.contains(&("Piet de Coach", Role::Professional, false)));
    assert!(who.contains(&("Ilse", Role::Auditor, false)));
    assert_eq!(all.people.len(), 4, "{who:?}");
    let noord = admin.client.people(Some("noord")).await.unwrap();
    let names: Vec<&str> = noord.people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Anna Noordhuis", "Piet de Coach"]);
    let fp = &noord.people[1].fingerprint;
    assert_eq!(fp, &piet.client.whoami().await.unwrap().fingerprint);

    for refused in [&piet, &anna, &auditor] {
        if refused.id == anna.id {
            continue; // disabled: cannot even log in
        }
        let e = refused.client.people(Some("noord")).await.unwrap_err();
        assert_eq!(e.status(), Some(403), "{e}");
    }

    // The CLI says the same, one person per line.
    let dir = tempfile::tempdir().unwrap();
    let kluis = Kluis::new(&server.url);
    let cli = |inviter: &User, role: Role, name: &'static str| {
        let (kluis, dir) = (&kluis, &dir);
        let c = inviter.client.clone();
        async move {
            let code = c.invite(role, name, Some("Gemeente")).await.unwrap().code;
            let ks = common::cli::keystore_in(dir, name);
            kluis.keys_new(&ks, name);
            kluis.register(&ks, &code);
            ks
        }
    };
    let cli_admin = cli(&admin, Role::Admin, "Beheer").await;
    let cli_pro = cli(&admin, Role::Professional, "Otto").await;
    let out = kluis.with(&cli_admin, &["people", "--search", "noord"]);
    assert!(
        out.text()
            .contains("Piet de Coach of Wijkteam Noord, professional"),
        "{}",
        out.text()
    );
    assert!(out.text().contains("Anna Noordhuis, client") && out.text().contains("disabled since"));
    let refused = kluis.with(&cli_pro, &["people"]).failure().to_owned();
    assert!(refused.contains("only administrators"), "{refused}");

    let log = auditor
        .client
        .log_query(&kluis_vault::client::LogFilter {
            event: Some("log.query".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let looks: Vec<(String, String)> = log
        .iter()
        .filter_map(|e| {
            let reason = e.entry.reason.clone()?;
            reason
                .starts_with("people:")
                .then(|| (reason, e.entry.outcome.code().to_owned()))
        })
        .collect();
    assert!(
        looks.contains(&("people: everyone".into(), "allowed".into())),
        "{looks:?}"
    );
    assert!(looks.contains(&("people: noord".into(), "allowed".into())));
    // A refusal is logged with its reason code, as every refusal is.
    assert!(log.iter().any(
        |e| e.entry.actor.as_deref() == Some(piet.id.to_string().as_str())
            && e.entry.outcome == kluis_audit::Outcome::Denied
            && e.entry.reason.as_deref() == Some("role")
    ));
    server.stop().await;
}
