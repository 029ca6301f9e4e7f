//! The access log end to end: the auditor's verification, queries and
//! export; the household's own view; the log key; two processes on one
//! database writing one tree.

mod audit_support;
mod common;

use audit_support::{path, world, world_on, MARKER};
use common::{contains, TestServer};
use kluis_audit::Entry;
use kluis_vault::client::{AuditState, LogFilter};
use kluis_vault::role::Role;
use sqlx::Row;

fn kind(e: &kluis_vault::client::ClientError) -> String {
    e.kind()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("<{e}>"))
}

#[tokio::test]
async fn auditor_verifies_after_a_mixed_workload_and_again_later() {
    let w = world().await;
    w.workload(1).await;
    let first = w.verify("ilse").await.expect("first verification");
    assert!(first.pinned_now);
    assert_eq!(first.previous_size, None);
    assert!(first.report.allowed_reads >= 1);
    assert!(
        first.report.denied >= 2,
        "the outsider's attempts are logged"
    );

    w.workload(2).await;
    let second = w.verify("ilse").await.expect("second verification");
    assert!(!second.pinned_now);
    assert_eq!(second.previous_size, Some(first.checkpoint.size));
    assert!(second.checkpoint.size > first.checkpoint.size);

    // The state file holds the pinned key and the last checkpoint.
    let state: AuditState =
        serde_json::from_slice(&std::fs::read(w.state("ilse")).unwrap()).unwrap();
    assert_eq!(
        state.verifier_key,
        w.auditor.client.log_key().await.unwrap().verifier_key
    );
    assert_eq!(state.checkpoint.as_deref(), Some(second.note.as_str()));
    w.server.stop().await;
}

#[tokio::test]
async fn reading_the_log_is_itself_logged() {
    let w = world().await;
    w.workload(1).await;
    let reads = |w: &audit_support::World| {
        let c = w.auditor.client.clone();
        async move {
            c.log_query(&LogFilter {
                event: Some("log.query".into()),
                ..LogFilter::default()
            })
            .await
            .unwrap()
        }
    };
    let before = w.rows().await;
    let q1 = reads(&w).await;
    let q2 = reads(&w).await;
    // Each query is in the log before its answer: the second query sees the
    // first one and itself.
    assert_eq!(q2.len(), q1.len() + 1);
    assert!(q2
        .iter()
        .all(|e| e.entry.actor == Some(w.auditor.id.to_string())
            && e.entry.actor_role.as_deref() == Some("auditor")));
    w.auditor.client.log_checkpoint().await.unwrap();
    w.auditor.client.log_leaves(0, 10).await.unwrap();
    w.auditor.client.log_consistency(1, 2).await.unwrap();
    // The auditor's login + 2 queries + checkpoint + leaves + consistency.
    assert_eq!(w.rows().await, before + 6);
    let kinds: Vec<String> = w
        .auditor
        .client
        .log_query(&LogFilter {
            actor: Some(w.auditor.id),
            ..LogFilter::default()
        })
        .await
        .unwrap()
        .iter()
        .map(|e| e.entry.event.code().to_owned())
        .collect();
    for k in ["log.query", "log.checkpoint", "log.export"] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
    w.server.stop().await;
}

#[tokio::test]
async fn positions_past_the_end_of_the_log_return_nothing() {
    // Regression: `from` and `after` past i64::MAX used to wrap to negative
    // numbers in SQL, so "after the last possible entry" returned the log
    // from its start.
    let w = world().await;
    w.workload(1).await;
    let c = &w.auditor.client;
    assert!(!c.log_leaves(0, 10).await.unwrap().leaves.is_empty());
    for huge in [u64::MAX, 1 << 63, i64::MAX as u64] {
        let page = c.log_leaves(huge, 10).await.unwrap();
        assert!(page.leaves.is_empty(), "from={huge}");
        assert_eq!(page.next, None);
        let page = c
            .log_query_page(&LogFilter::default(), Some(huge), None)
            .await
            .unwrap();
        assert!(page.entries.is_empty(), "after={huge}");
    }
    w.server.stop().await;
}

#[tokio::test]
async fn queries_filter_and_page() {
    let w = world().await;
    for round in 0..3 {
        w.workload(round).await;
    }
    let c = &w.auditor.client;
    let all_reads = c
        .log_query(&LogFilter {
            household: Some(w.h),
            event: Some("field.read".into()),
            ..LogFilter::default()
        })
        .await
        .unwrap();
    // 3 allowed reads by Anna, 3 refused by the outsider.
    assert_eq!(all_reads.len(), 6);
    assert!(all_reads
        .iter()
        .all(|e| e.entry.household == Some(w.h.to_string())));
    assert!(all_reads
        .windows(2)
        .all(|p| p[0].entry.seq < p[1].entry.seq));

    // Small pages give the same entries.
    let filter = LogFilter {
        actor: Some(w.outsider.id),
        ..LogFilter::default()
    };
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = c.log_query_page(&filter, after, Some(2)).await.unwrap();
        assert!(page.entries.len() <= 2);
        paged.extend(page.entries);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    // The registration of the outsider's keys (the key directory), their
    // login, then their 3 reads and 3 writes, all refused.
    assert_eq!(
        paged.len(),
        8,
        "the outsider's keys, login, 3 reads and 3 writes"
    );
    assert_eq!(paged[0].entry.event.code(), "principal.keys");
    assert_eq!(paged[1].entry.event.code(), "login");
    assert!(paged[2..]
        .iter()
        .all(|e| e.entry.outcome.code() == "denied"));
    assert!(paged
        .iter()
        .all(|e| e.entry.actor_org.as_deref() == Some("Zorg BV")));

    // Time window: nothing before the server started, all of it after.
    let none = c
        .log_query(&LogFilter {
            until: Some("2000-01-01".into()),
            ..LogFilter::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());
    let e = c
        .log_query(&LogFilter {
            event: Some("no.such.event".into()),
            ..LogFilter::default()
        })
        .await
        .unwrap_err();
    assert_eq!(kind(&e), "malformed-request");
    w.server.stop().await;
}

#[tokio::test]
async fn only_auditors_read_the_log_and_refusals_are_logged() {
    let w = world().await;
    w.workload(1).await;
    for user in [&w.anna, &w.pro, &w.admin, &w.outsider] {
        let c = &user.client;
        assert_eq!(kind(&c.log_checkpoint().await.unwrap_err()), "forbidden");
        assert_eq!(kind(&c.log_leaves(0, 10).await.unwrap_err()), "forbidden");
        assert_eq!(
            kind(&c.log_consistency(0, 1).await.unwrap_err()),
            "forbidden"
        );
        assert_eq!(
            kind(&c.log_query(&LogFilter::default()).await.unwrap_err()),
            "forbidden"
        );
        // Nor may anyone but a member see the household's history.
        if user.id != w.anna.id {
            assert!(c.access_log(w.h).await.is_err());
        }
    }
    assert!(w.auditor.client.access_log(w.h).await.is_err());
    let refused = w
        .auditor
        .client
        .log_query(&LogFilter {
            event: Some("log.checkpoint".into()),
            ..LogFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        refused
            .iter()
            .filter(|e| e.entry.outcome.code() == "denied")
            .count(),
        4
    );
    // The log key itself is public.
    let key = reqwest::get(format!("{}/v1/log/key", w.server.url))
        .await
        .unwrap();
    assert_eq!(key.status(), 200);
    w.server.stop().await;
}

#[tokio::test]
async fn no_log_row_holds_field_content() {
    let w = world().await;
    w.workload(1).await;
    w.workload(2).await;
    w.verify("scan").await.unwrap();
    let db = w.server.db().await;
    let rows = sqlx::query("SELECT seq, household_id, leaf, payload FROM log_entries")
        .fetch_all(&db)
        .await
        .unwrap();
    assert!(rows.len() > 10, "{} rows", rows.len());
    for row in &rows {
        let leaf: Vec<u8> = row.get("leaf");
        assert!(!contains(&leaf, MARKER.as_bytes()), "content in a leaf");
        let entry = Entry::decode(&leaf).expect("every leaf decodes");
        let text = serde_json::to_string(&entry).unwrap();
        assert!(!text.contains(MARKER), "content in a decoded entry");
        let payload: Option<Vec<u8>> = row.get("payload");
        if let Some(p) = payload {
            assert!(!contains(&p, MARKER.as_bytes()), "content in a payload");
        }
    }
    // Nor in what the auditor is shown.
    let all = w
        .auditor
        .client
        .log_query(&LogFilter::default())
        .await
        .unwrap();
    assert!(!serde_json::to_string(&all).unwrap().contains(MARKER));
    db.close().await;
    w.server.stop().await;
}

#[tokio::test]
async fn the_household_sees_who_looked_including_refused_outsiders() {
    let w = world().await;
    w.workload(1).await;
    let items = w.anna.client.access_log(w.h).await.unwrap();
    assert!(items.windows(2).all(|p| p[0].seq < p[1].seq));
    let own_read = items
        .iter()
        .find(|i| i.event == "field.read" && i.outcome == "allowed")
        .expect("Anna's read");
    assert_eq!(own_read.actor_name.as_deref(), Some("Anna"));
    assert!(own_read.actor_is_member);
    assert_eq!(own_read.basis.as_deref(), Some("membership"));
    assert_eq!(own_read.fields, vec!["financien/situatie".to_owned()]);

    let refused: Vec<_> = items.iter().filter(|i| i.outcome == "denied").collect();
    assert_eq!(refused.len(), 2, "{items:?}");
    for r in &refused {
        assert_eq!(r.actor_role.as_deref(), Some("professional"));
        assert_eq!(r.actor_org.as_deref(), Some("Zorg BV"));
        assert_eq!(r.actor_name, None, "an outsider's name is not shown");
        assert!(!r.actor_is_member);
    }
    // Looking is logged too, and shows up the next time.
    let again = w.anna.client.access_log(w.h).await.unwrap();
    assert!(again
        .iter()
        .any(|i| i.event == "log.query" && i.actor_name.as_deref() == Some("Anna")));
    // An auditor's query about this household shows in its history.
    w.auditor
        .client
        .log_query(&LogFilter {
            household: Some(w.h),
            ..LogFilter::default()
        })
        .await
        .unwrap();
    let after = w.anna.client.access_log(w.h).await.unwrap();
    assert!(after.iter().any(|i| i.event == "log.query"
        && i.actor_role.as_deref() == Some("auditor")
        && i.actor_org.as_deref() == Some("Gemeente Privacyteam")));
    assert!(!serde_json::to_string(&after).unwrap().contains(MARKER));
    w.server.stop().await;
}

#[tokio::test]
async fn the_log_key_lives_in_a_private_file_and_is_served() {
    let w = world().await;
    let file = w.server.data_dir.join("log-signing-key");
    let text = std::fs::read_to_string(&file).expect("key file beside the database");
    let signer = kluis_audit::LogSigner::from_private_key(text.trim()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let served = w.anna.client.log_key().await.unwrap();
    assert_eq!(served.verifier_key, signer.verifier_key());
    // The private key is not in the database. The file is
    // PRIVATE+KEY+<name>+<id>+<base64>, and base64 may itself hold '+', so
    // take everything after the fourth '+'.
    let seed_b64 = text.trim().splitn(5, '+').nth(4).unwrap().to_owned();
    assert!(seed_b64.len() >= 40, "the key's base64: {seed_b64:?}");
    assert!(!contains(
        &w.server.database_bytes().await,
        seed_b64.as_bytes()
    ));
    // The checkpoint is signed by it.
    let cp = w.auditor.client.log_checkpoint().await.unwrap();
    signer.verifier().open(&cp.checkpoint).unwrap();
    w.server.stop().await;
}

#[tokio::test]
async fn two_processes_on_one_database_write_one_tree() {
    let w = world().await;
    let key_file = w.server.data_dir.join("log-signing-key");
    let db_url = w.server.db_url.clone();
    let second = TestServer::spawn_with(|c| {
        c.db_url = Some(db_url);
        c.log_key_file = Some(key_file);
    })
    .await;
    // Bob is enrolled through the second process and joins Anna's household.
    let invite = w
        .pro
        .client
        .invite(Role::Client, "Bob", None)
        .await
        .unwrap();
    let bob = second.client_for(kluis_vault::keys::Identity::generate("Bob"));
    let info = bob.register(&invite.code).await.unwrap();
    w.anna
        .client
        .add_member(w.h, info.principal_id)
        .await
        .unwrap();

    let fin = path("financien/situatie");
    let woon = path("huisvesting/situatie");
    let a = async {
        for i in 0..8 {
            w.anna
                .client
                .set_field(w.h, &fin, format!("a{i}").as_bytes())
                .await
                .unwrap();
            w.anna.client.get_field(w.h, &fin, None).await.unwrap();
        }
    };
    let b = async {
        for i in 0..8 {
            bob.set_field(w.h, &woon, format!("b{i}").as_bytes())
                .await
                .unwrap();
            bob.get_field(w.h, &woon, None).await.unwrap();
        }
    };
    tokio::join!(a, b);

    // The same key signs for both processes; the tree is one.
    assert_eq!(
        w.anna.client.log_key().await.unwrap().verifier_key,
        bob.log_key().await.unwrap().verifier_key
    );
    let v = w.verify("two").await.expect("one tree, verified");
    let db = w.server.db().await;
    let instances: Vec<String> = sqlx::query("SELECT leaf FROM log_entries ORDER BY seq")
        .fetch_all(&db)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            Entry::decode(&r.get::<Vec<u8>, _>("leaf"))
                .unwrap()
                .instance
        })
        .collect();
    let distinct: std::collections::BTreeSet<_> = instances.iter().collect();
    assert_eq!(distinct.len(), 2, "both processes appended");
    // An auditor talking to the second process sees the same log.
    let auditor2 = second.client_for(kluis_vault::keys::Identity::generate("Ilse2"));
    let inv = w
        .admin
        .client
        .invite(Role::Auditor, "Ilse2", Some("Gemeente Privacyteam"))
        .await
        .unwrap();
    auditor2.register(&inv.code).await.unwrap();
    let v2 = auditor2
        .audit_verify(&w.state("two"), |_, _| {})
        .await
        .expect("the second process extends the same tree");
    assert!(v2.checkpoint.size > v.checkpoint.size);
    db.close().await;
    second.stop().await;
    w.server.stop().await;
}

#[tokio::test]
async fn exported_log_verifies_with_independent_code() {
    let w = world().await;
    w.workload(1).await;
    w.workload(2).await;
    let out = w.state_dir.path().join("log.jsonl");
    let done = w
        .auditor
        .client
        .audit_export(&out, |_, _| {})
        .await
        .unwrap();
    let vkey = w.auditor.client.log_key().await.unwrap().verifier_key;
    let text = std::fs::read_to_string(&out).unwrap();
    let n = independent::verify_export(&text, &vkey).expect("independent verification");
    assert_eq!(n, done.entries);
    assert!(n > 10);
    // Each line carries readable fields beside the leaf.
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["seq"], 0);
    assert!(first["event"].is_string() && first["time"].is_string());

    // A changed byte in any leaf fails the same independent check.
    let mut lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let leaf = lines[3]["leaf"].as_str().unwrap().to_owned();
    let mut bytes = independent::b64(&leaf);
    bytes[12] ^= 1;
    lines[3]["leaf"] =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes).into();
    let tampered: String = lines.iter().map(|l| format!("{l}\n")).collect();
    assert!(independent::verify_export(&tampered, &vkey).is_err());
    w.server.stop().await;
}

/// A second, independent verifier: written from the public specifications
/// (RFC 9162 section 2.1, C2SP signed-note and tlog-checkpoint), using only
/// `ring` and base64, not the kluis-audit crate.
mod independent {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use ring::digest::{digest, SHA256};
    use ring::signature::{UnparsedPublicKey, ED25519};

    type H = [u8; 32];

    pub fn b64(s: &str) -> Vec<u8> {
        STANDARD.decode(s).expect("base64")
    }

    fn sha(parts: &[&[u8]]) -> H {
        let all: Vec<u8> = parts.concat();
        digest(&SHA256, &all).as_ref().try_into().unwrap()
    }

    /// MTH(D[n]) of RFC 9162 2.1.1.
    fn mth(leaves: &[H]) -> H {
        match leaves.len() {
            0 => sha(&[]),
            1 => leaves[0],
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                sha(&[&[1], &mth(&leaves[..k]), &mth(&leaves[k..])])
            }
        }
    }

    /// Checks the file against the verifier key; returns the entry count.
    pub fn verify_export(text: &str, vkey: &str) -> Result<u64, String> {
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        let (last, entries) = lines.split_last().ok_or("empty file")?;
        let note = last["checkpoint"].as_str().ok_or("no checkpoint line")?;

        // The verifier key: name+hexid+base64(0x01 || pubkey).
        let mut parts = vkey.splitn(3, '+');
        let (name, id_hex, key_b64) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let key = b64(key_b64);
        if key.len() != 33 || key[0] != 1 {
            return Err("not an Ed25519 verifier key".into());
        }
        let id = sha(&[name.as_bytes(), b"\n", &key])[..4].to_vec();
        if hex(&id) != id_hex {
            return Err("key id does not match".into());
        }

        // The note: body, blank line, signature lines.
        let (body, sigs) = note.split_once("\n\n").ok_or("no blank line")?;
        let body = format!("{body}\n");
        let sig_line = sigs
            .lines()
            .find(|l| l.starts_with(&format!("\u{2014} {name} ")))
            .ok_or("no signature by the key")?;
        let blob = b64(sig_line.rsplit(' ').next().unwrap());
        if blob.len() != 68 || blob[..4] != id[..] {
            return Err("signature blob has the wrong key id or length".into());
        }
        UnparsedPublicKey::new(&ED25519, &key[1..])
            .verify(body.as_bytes(), &blob[4..])
            .map_err(|_| "bad signature")?;
        let body_lines: Vec<&str> = body.lines().collect();
        if body_lines.len() != 3 || body_lines[0] != name {
            return Err("unexpected checkpoint body".into());
        }
        let size: u64 = body_lines[1].parse().map_err(|_| "bad size")?;
        let root = b64(body_lines[2]);

        // The leaves, in order, hashed as RFC 9162 leaves.
        let mut hashes = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if e["seq"].as_u64() != Some(i as u64) {
                return Err(format!("line {i} has seq {}", e["seq"]));
            }
            let leaf = b64(e["leaf"].as_str().ok_or("no leaf")?);
            hashes.push(sha(&[&[0], &leaf]));
        }
        if hashes.len() as u64 != size {
            return Err(format!(
                "{} leaves for a checkpoint of {size}",
                hashes.len()
            ));
        }
        if mth(&hashes)[..] != root[..] {
            return Err("root mismatch".into());
        }
        Ok(size)
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}

#[tokio::test]
async fn the_pin_holds_for_another_process_with_the_same_key_file() {
    // Another process (or a restart) with the same key file: the pin holds.
    let w = world_on(TestServer::spawn().await).await;
    w.workload(1).await;
    w.verify("restart").await.unwrap();
    let key_file = w.server.data_dir.join("log-signing-key");
    let db_url = w.server.db_url.clone();
    let again = TestServer::spawn_with(|c| {
        c.db_url = Some(db_url);
        c.log_key_file = Some(key_file);
    })
    .await;
    let auditor = again.client_for(kluis_vault::keys::Identity::generate("I3"));
    let inv = w
        .admin
        .client
        .invite(Role::Auditor, "I3", Some("Gemeente Privacyteam"))
        .await
        .unwrap();
    auditor.register(&inv.code).await.unwrap();
    auditor
        .audit_verify(&w.state("restart"), |_, _| {})
        .await
        .unwrap();
    again.stop().await;
    w.server.stop().await;
}

#[tokio::test]
async fn made_up_paths_of_refused_callers_do_not_reach_the_history() {
    let w = world().await;
    w.anna
        .client
        .set_field(w.h, &path("financien/situatie"), b"schuld")
        .await
        .unwrap();
    let made_up = path("justitie/aangifte-tegen-u");
    let e = w
        .outsider
        .client
        .get_field(w.h, &made_up, None)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
    let e = w
        .outsider
        .client
        .field_history(w.h, &made_up)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
    // A member asking for a field that does not exist: not a made-up line
    // either.
    let e = w
        .anna
        .client
        .get_field(w.h, &made_up, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), Some("field-not-found"), "{e}");
    let history = w.anna.client.access_log(w.h).await.unwrap();
    let text = serde_json::to_string(&history).unwrap();
    assert!(!text.contains("aangifte-tegen-u"), "{text}");
    // What the refusals record is the section, which the template knows.
    let refused: Vec<_> = history
        .iter()
        .filter(|e| e.actor.as_deref() == Some(&w.outsider.id.to_string()))
        .collect();
    assert_eq!(refused.len(), 2, "{history:?}");
    assert!(
        refused.iter().all(|e| e.fields == ["justitie"]),
        "{refused:?}"
    );
    // An existing field is still named in full.
    let real = path("financien/situatie");
    let _ = w.outsider.client.get_field(w.h, &real, None).await;
    let history = w.anna.client.access_log(w.h).await.unwrap();
    assert!(history
        .iter()
        .any(|e| e.fields == ["financien/situatie"] && e.outcome == "denied"));
}

#[tokio::test]
async fn account_events_and_reader_lookups_are_logged() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine;
    let w = world().await;
    // A write asks who may read the field first: in the household's history.
    w.anna
        .client
        .set_field(w.h, &path("financien/situatie"), b"schuld")
        .await
        .unwrap();
    w.anna.client.sync(w.h).await.unwrap();
    w.anna.client.grants(w.h).await.unwrap();
    w.anna.client.household(w.h).await.unwrap();
    let history = w.anna.client.access_log(w.h).await.unwrap();
    for event in ["grant.list", "household.view"] {
        assert!(
            history.iter().any(|e| e.event == event),
            "{event}: {history:?}"
        );
    }
    assert!(
        history
            .iter()
            .any(|e| e.event == "field.readers" && e.fields == ["financien/situatie"]),
        "{history:?}"
    );
    assert!(
        history.iter().any(|e| e.event == "field.stale"),
        "{history:?}"
    );

    // An invite, and a login refused for a bad signature.
    w.pro
        .client
        .invite(Role::Client, "Bram", None)
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let key = B64.encode(w.anna.client.identity().signing_public_key());
    let challenge: serde_json::Value = http
        .post(format!("{}/v1/auth/challenge", w.server.url))
        .json(&serde_json::json!({ "signing_key": key }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refused = http
        .post(format!("{}/v1/auth/token", w.server.url))
        .json(&serde_json::json!({
            "challenge_id": challenge["challenge_id"],
            "origin": w.server.url,
            "signature": B64.encode([0u8; 64]),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);

    let logins = w
        .auditor
        .client
        .log_query(&LogFilter {
            actor: Some(w.anna.id),
            event: Some("login".into()),
            ..LogFilter::default()
        })
        .await
        .unwrap();
    assert!(logins.iter().any(|e| e.entry.outcome.code() == "allowed"));
    assert!(logins.iter().any(|e| e.entry.outcome.code() == "denied"
        && e.entry.reason.as_deref() == Some("bad_signature")));
    let invites = w
        .auditor
        .client
        .log_query(&LogFilter {
            actor: Some(w.pro.id),
            event: Some("invite".into()),
            ..LogFilter::default()
        })
        .await
        .unwrap();
    assert!(invites
        .iter()
        .any(|e| e.entry.reason.as_deref() == Some("role client")));
}
