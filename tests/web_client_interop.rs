//! The web app's client (`web/src/client`, run by the key worker's own op
//! handlers `web/src/worker/ops_*.ts`) against the real server and the real
//! `kluis` binary, in both directions: a household made and a field written
//! in "the browser" is read by the CLI, and the reverse; a grant signed in
//! the browser lets a professional read with the CLI and passes
//! `kluis consent verify`; a withdrawal re-keys on the browser's device; and
//! keys or versions changed in the database are refused by the browser's
//! client with "untrusted", as the CLI refuses them.
//!
//! The TypeScript side runs in Node: `web/test/bundle.mjs`
//! bundles `web/test/client-interop/main.ts`, which logs in with a keystore,
//! runs a list of ops and prints their results and what the device
//! remembered (pins, versions seen, the log pin), which the next run of the
//! same device gets back. Without `node` these tests print a note and pass,
//! unless `KLUIS_REQUIRE_NODE=1` (CI sets it).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use common::cli::{enrol_three, Enrolled, Kluis, PASSPHRASE};
use common::TestServer;
use kluis_policy::PrincipalId;
use serde_json::{json, Value};

/// The bundled runner, built once per test binary; `None` when Node is
/// absent and not required.
fn runner() -> Option<&'static PathBuf> {
    static RUNNER: OnceLock<Option<PathBuf>> = OnceLock::new();
    RUNNER
        .get_or_init(|| common::node::bundle_runner("client-interop"))
        .as_ref()
}

/// One person's browser: their keystore (the CLI's file, which the browser
/// imports) and what that device remembers between runs.
struct Browser {
    script: PathBuf,
    server: String,
    keystore: String,
    device: Value,
}

impl Browser {
    fn new(script: &Path, server: &TestServer, keystore: &Path) -> Self {
        Self {
            script: script.to_owned(),
            server: server.url.clone(),
            keystore: std::fs::read_to_string(keystore).expect("keystore"),
            device: json!({}),
        }
    }

    /// The same person on a device that remembers nothing.
    fn fresh_device(&self) -> Self {
        Self {
            script: self.script.clone(),
            server: self.server.clone(),
            keystore: self.keystore.clone(),
            device: json!({}),
        }
    }

    /// Log in and run `ops` (`[op, args]`) in one session; one result each.
    async fn run(&mut self, ops: &[(&str, Value)]) -> Vec<Value> {
        let input = json!({
            "server": self.server, "keystore": self.keystore, "passphrase": PASSPHRASE,
            "device": self.device,
            "ops": ops.iter().map(|(op, args)| json!({"op": op, "args": args})).collect::<Vec<_>>(),
        });
        let script = self.script.clone();
        let out = tokio::task::spawn_blocking(move || {
            let mut child = Command::new("node")
                .arg(&script)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start node");
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.to_string().as_bytes())
                .expect("write input");
            child.wait_with_output().expect("node ran")
        })
        .await
        .expect("node task");
        assert!(
            out.status.success(),
            "the client runner failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut answer: Value = serde_json::from_slice(&out.stdout).expect("JSON answer");
        self.device = answer["device"].take();
        let results = answer["results"].as_array().expect("results").clone();
        assert_eq!(results.len(), ops.len());
        results
    }

    /// Run one op and return its result; panics on a refusal.
    async fn ok(&mut self, op: &str, args: Value) -> Value {
        let r = self.run(&[(op, args)]).await.remove(0);
        r.get("ok")
            .unwrap_or_else(|| panic!("the browser's client refused {op}: {r}"))
            .clone()
    }

    /// Run one op that must be refused; returns the error (`kind`, `message`, `current`).
    async fn refused(&mut self, op: &str, args: Value) -> Value {
        let r = self.run(&[(op, args)]).await.remove(0);
        r.get("error")
            .unwrap_or_else(|| panic!("the browser's client should have refused {op}: {r}"))
            .clone()
    }
}

fn text(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

struct World {
    server: TestServer,
    kluis: Kluis,
    _dir: tempfile::TempDir,
    people: Enrolled,
    bert: (PathBuf, PrincipalId),
    /// Anna's browser (Anna is `people.client`).
    anna: Browser,
}

/// Admin, professional (Piet de Coach) and two clients (Anna, Bert), all
/// registered through the binary; Anna also uses the browser.
async fn world() -> Option<World> {
    let script = runner()?;
    let server = TestServer::spawn().await;
    let kluis = Kluis::new(&server.url);
    let dir = tempfile::tempdir().unwrap();
    let people = enrol_three(&kluis, &server, &dir);
    let bert = kluis.enrol(&dir, &people.pro.0, "client", "Bert", None);
    let anna = Browser::new(script, &server, &people.client.0);
    Some(World {
        server,
        kluis,
        _dir: dir,
        people,
        bert,
        anna,
    })
}

impl World {
    fn fingerprint(&self, keystore: &Path) -> String {
        text(&self.kluis.whoami(keystore)["fingerprint"]).to_owned()
    }

    fn cli(&self, keystore: &Path, args: &[&str]) -> common::cli::Run {
        self.kluis.with(keystore, args)
    }

    /// Change the database as an attacker with write access would.
    async fn sql(&self, statement: &str, args: &[&str]) {
        let db = self.server.db().await;
        let mut q = sqlx::query(statement);
        for a in args {
            q = q.bind(a.to_string());
        }
        let done = q.execute(&db).await.expect("the attacker's statement runs");
        assert!(
            done.rows_affected() > 0,
            "the attack changed nothing: {statement}"
        );
    }
}

fn days_from_now_ms(days: i64) -> i64 {
    common::chrono_now_ms() + days * 86_400_000
}

#[tokio::test(flavor = "multi_thread")]
async fn the_browser_and_the_cli_read_and_write_each_others_plan() {
    let Some(mut w) = world().await else { return };
    let (bert_ks, bert) = w.bert.clone();
    let anna_id = w.people.client.1;

    // The browser starts a household, writes a field and adds Bert, whose
    // fingerprint Anna compared with the one his CLI shows.
    let h = text(&w.anna.ok("createHousehold", json!({})).await["household"]).to_owned();
    let written = w
        .anna
        .ok(
            "writeField",
            json!({"household": h, "path": "financien/situatie", "value": "geschreven in de browser", "base": 0}),
        )
        .await;
    assert_eq!(written["version"], 1);
    let bert_fp = w.fingerprint(&bert_ks);
    // A wrong fingerprint: refused before anything is sent (a fingerprint
    // check that can fail).
    let wrong = w
        .anna
        .refused(
            "addMember",
            json!({"household": h, "principal_id": bert.to_string(), "fingerprint": "0000 0000 0000 0000 0000 0000 0000 0000"}),
        )
        .await;
    assert_eq!(wrong["kind"], "fingerprint-mismatch", "{wrong}");
    let added = w
        .anna
        .ok(
            "addMember",
            json!({"household": h, "principal_id": bert.to_string(), "fingerprint": bert_fp.to_uppercase()}),
        )
        .await;
    assert_eq!(added["member"]["fingerprint"], bert_fp);
    assert_eq!(added["member"]["name"], "Bert");

    // The CLI (Bert's device) checks the chain the browser signed (creation,
    // a member addition naming his fingerprint), the browser's signature on
    // the version, and opens it.
    let read = w.cli(&bert_ks, &["plan", "get", &h, "financien/situatie"]);
    assert_eq!(read.output(), b"geschreven in de browser");

    // The CLI writes; the browser checks Bert's signature and opens it.
    w.cli(
        &bert_ks,
        &[
            "plan",
            "set",
            &h,
            "financien/situatie",
            "--value",
            "geschreven met de CLI",
        ],
    )
    .value();
    let field = w
        .anna
        .ok(
            "readField",
            json!({"household": h, "path": "financien/situatie"}),
        )
        .await;
    assert_eq!(field["value"], "geschreven met de CLI");
    assert_eq!(field["version"], 2);
    assert_eq!(field["writer"], bert.to_string());
    assert_eq!(field["writer_name"], "Bert");
    assert_eq!(field["authorship"], "signed");

    // The household, the listing and the history as the browser checked them.
    let r = w
        .anna
        .run(&[
            ("household", json!({"household": h})),
            ("listFields", json!({"household": h})),
            (
                "fieldHistory",
                json!({"household": h, "path": "financien/situatie"}),
            ),
            (
                "readField",
                json!({"household": h, "path": "financien/situatie", "version": 1}),
            ),
        ])
        .await;
    let members = r[0]["ok"]["members"].as_array().expect("members").clone();
    let mut names: Vec<&str> = members.iter().map(|m| text(&m["name"])).collect();
    names.sort();
    assert_eq!(names, ["Anna", "Bert"]);
    let fields = r[1]["ok"]["fields"].as_array().expect("fields");
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0]["version"], 2);
    assert_eq!(fields[0]["writer_name"], "Bert");
    assert_eq!(fields[0]["authorship"], "signed");
    let history = r[2]["ok"]["versions"].as_array().expect("versions");
    let values: Vec<&str> = history.iter().map(|v| text(&v["value"])).collect();
    assert_eq!(
        values,
        ["geschreven met de CLI", "geschreven in de browser"]
    );
    assert_eq!(history[1]["writer"], anna_id.to_string());
    assert_eq!(r[3]["ok"]["value"], "geschreven in de browser");

    // A change made on version 1 after Bert wrote version 2: a conflict
    // naming the current version, and nothing written.
    let conflict = w
        .anna
        .refused(
            "writeField",
            json!({"household": h, "path": "financien/situatie", "value": "mijn oude bewerking", "base": 1}),
        )
        .await;
    assert_eq!(conflict["kind"], "conflict", "{conflict}");
    assert_eq!(conflict["current"], 2);
    let again = w.cli(&bert_ks, &["plan", "get", &h, "financien/situatie"]);
    assert_eq!(again.output(), b"geschreven met de CLI");

    // On top of the current version it goes through, and the CLI reads it.
    let written = w
        .anna
        .ok(
            "writeField",
            json!({"household": h, "path": "financien/situatie", "value": "samen gekozen", "base": 2}),
        )
        .await;
    assert_eq!(written["version"], 3);
    let read = w.cli(&bert_ks, &["plan", "get", &h, "financien/situatie"]);
    assert_eq!(read.output(), b"samen gekozen");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_grant_signed_in_the_browser_lets_the_professional_read_with_the_cli_until_withdrawn() {
    let Some(mut w) = world().await else { return };
    let (pro_ks, pro) = w.people.pro.clone();
    let (bert_ks, bert) = w.bert.clone();
    let bert_fp = w.fingerprint(&bert_ks);
    let pro_fp = w.fingerprint(&pro_ks);

    let h = text(&w.anna.ok("createHousehold", json!({})).await["household"]).to_owned();
    let r = w
        .anna
        .run(&[
            ("writeField", json!({"household": h, "path": "financien/situatie", "value": "schuld bij de bank", "base": 0})),
            ("writeField", json!({"household": h, "path": "huisvesting/situatie", "value": "huurwoning", "base": 0})),
            ("addMember", json!({"household": h, "principal_id": bert.to_string(), "fingerprint": bert_fp})),
        ])
        .await;
    assert!(r.iter().all(|x| x.get("ok").is_some()), "{r:?}");
    // Bert (CLI) writes a field the grant will cover: the browser's re-key
    // later signs for a version someone else wrote.
    w.cli(
        &bert_ks,
        &[
            "plan",
            "set",
            &h,
            "financien/schulden",
            "--value",
            "1200 euro",
        ],
    )
    .value();

    // The professional's keys as the browser checked them (key directory,
    // fingerprint computed in the browser): the same fingerprint his CLI shows.
    let person = w
        .anna
        .ok("person", json!({"principal_id": pro.to_string()}))
        .await;
    assert_eq!(person["fingerprint"], pro_fp);
    assert_eq!(person["role"], "professional");
    assert_eq!(person["org"], "Wijkteam Noord");

    let grant = |fingerprint: &str| {
        json!({"household": h, "grantee": pro.to_string(), "fingerprint": fingerprint,
               "scope": ["financien/*"], "write": false, "purpose": "schuldhulp",
               "until_ms": days_from_now_ms(30)})
    };
    // Another fingerprint than his keys have: nothing is signed or sent.
    let wrong = w
        .anna
        .refused("grant", grant("0123 4567 89ab cdef 0123 4567 89ab cdef"))
        .await;
    assert_eq!(wrong["kind"], "fingerprint-mismatch", "{wrong}");
    let none = w.anna.ok("grants", json!({"household": h})).await;
    assert_eq!(none["grants"], json!([]));

    let made = w.anna.ok("grant", grant(&pro_fp)).await;
    let g = text(&made["grant"]["grant_id"]).to_owned();
    assert_eq!(made["grant"]["status"], "active");
    assert_eq!(made["grant"]["scope"], "financien/*");
    assert_eq!(made["grant"]["purpose"], "schuldhulp");

    // The professional reads with the CLI what the grant covers (the keys
    // the browser enveloped to him), and nothing else.
    let read = w.cli(&pro_ks, &["plan", "get", &h, "financien/situatie"]);
    assert_eq!(read.output(), b"schuld bij de bank");
    let read = w.cli(&pro_ks, &["plan", "get", &h, "financien/schulden"]);
    assert_eq!(read.output(), b"1200 euro");
    w.cli(&pro_ks, &["plan", "get", &h, "huisvesting/situatie"])
        .failure();

    // The receipt the browser signed passes `kluis consent verify`.
    let receipt = w
        .cli(&pro_ks, &["consent", "export", &h, &g])
        .value()
        .to_owned();
    let file = w._dir.path().join("receipt.jws");
    std::fs::write(&file, &receipt).unwrap();
    let verified = w
        .kluis
        .with(
            &pro_ks,
            &["--json", "consent", "verify", file.to_str().unwrap()],
        )
        .json();
    assert_eq!(verified["valid_signature"], true);
    assert_eq!(verified["validity"], "active");
    assert_eq!(verified["statement"]["grantee_fingerprint"], pro_fp);
    assert_eq!(
        verified["statement"]["issuer"],
        w.people.client.1.to_string()
    );

    // A new version written in the browser goes to the reader the server
    // names, after the browser checked his grant: the CLI reads it.
    w.anna
        .ok(
            "writeField",
            json!({"household": h, "path": "financien/situatie", "value": "regeling getroffen", "base": 1}),
        )
        .await;
    let read = w.cli(&pro_ks, &["plan", "get", &h, "financien/situatie"]);
    assert_eq!(read.output(), b"regeling getroffen");

    // Withdrawn in the browser: the fields it covered get new keys on the
    // browser's device; the professional reads nothing any more, the
    // members read everything (the CLI checks the browser's re-key
    // signature over Bert's version).
    let revoked = w
        .anna
        .ok("revoke", json!({"household": h, "grant_id": g}))
        .await;
    assert_eq!(revoked["rekeyed"], 2, "{revoked}");
    w.cli(&pro_ks, &["plan", "get", &h, "financien/situatie"])
        .failure();
    let read = w.cli(&bert_ks, &["plan", "get", &h, "financien/schulden"]);
    assert_eq!(read.output(), b"1200 euro");
    let read = w.cli(&bert_ks, &["plan", "get", &h, "financien/situatie"]);
    assert_eq!(read.output(), b"regeling getroffen");
    let r = w
        .anna
        .run(&[
            ("grants", json!({"household": h})),
            (
                "readField",
                json!({"household": h, "path": "financien/schulden"}),
            ),
        ])
        .await;
    assert_eq!(r[0]["ok"]["grants"][0]["status"], "revoked", "{r:?}");
    assert_eq!(r[1]["ok"]["value"], "1200 euro", "{r:?}");
    assert_eq!(r[1]["ok"]["writer"], bert.to_string());
    // Nothing is left to re-key.
    let stale = w
        .cli(&bert_ks, &["household", "sync", &h])
        .value()
        .to_owned();
    assert_eq!(stale, "0");
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_and_versions_changed_in_the_database_are_untrusted_in_the_browser() {
    let Some(mut w) = world().await else { return };
    let (pro_ks, pro) = w.people.pro.clone();
    let pro_fp = w.fingerprint(&pro_ks);
    let attacker = kluis_vault::keys::Identity::generate("Mallory").public();

    let h = text(&w.anna.ok("createHousehold", json!({})).await["household"]).to_owned();
    let r = w
        .anna
        .run(&[
            ("writeField", json!({"household": h, "path": "financien/situatie", "value": "schuld", "base": 0})),
            ("writeField", json!({"household": h, "path": "financien/situatie", "value": "afbetaald", "base": 1})),
        ])
        .await;
    assert!(r.iter().all(|x| x.get("ok").is_some()), "{r:?}");

    // The professional's key swapped in the database before the browser
    // ever relied on it: the key directory refuses it, on this device and
    // on a fresh one, and nothing is granted.
    w.sql(
        "UPDATE principals SET age_recipient = $1 WHERE id = $2",
        &[&attacker.age_recipient, &pro.to_string()],
    )
    .await;
    let person = w
        .anna
        .refused("person", json!({"principal_id": pro.to_string()}))
        .await;
    assert_eq!(person["kind"], "untrusted", "{person}");
    assert!(
        text(&person["message"]).contains("key directory"),
        "{person}"
    );
    let mut fresh = w.anna.fresh_device();
    let grant = fresh
        .refused(
            "grant",
            json!({"household": h, "grantee": pro.to_string(), "fingerprint": pro_fp,
                   "scope": ["financien/*"], "write": false, "purpose": "schuldhulp",
                   "until_ms": days_from_now_ms(30)}),
        )
        .await;
    assert_eq!(grant["kind"], "untrusted", "{grant}");
    assert_eq!(
        w.anna.ok("grants", json!({"household": h})).await["grants"],
        json!([]),
        "nothing was sent"
    );

    // The newest version hidden by the server: the device that saw it
    // refuses the older one as the newest; by its number it is still shown.
    for table in ["envelopes", "field_versions"] {
        w.sql(
            &format!("DELETE FROM {table} WHERE household_id = $1 AND path = $2 AND version = 2"),
            &[&h, "financien/situatie"],
        )
        .await;
    }
    let r = w
        .anna
        .run(&[
            (
                "readField",
                json!({"household": h, "path": "financien/situatie"}),
            ),
            (
                "readField",
                json!({"household": h, "path": "financien/situatie", "version": 1}),
            ),
            (
                "fieldHistory",
                json!({"household": h, "path": "financien/situatie"}),
            ),
        ])
        .await;
    assert_eq!(r[0]["error"]["kind"], "untrusted", "{r:?}");
    assert!(text(&r[0]["error"]["message"]).contains("hiding"), "{r:?}");
    assert_eq!(r[1]["ok"]["value"], "schuld", "{r:?}");
    assert_eq!(r[2]["error"]["kind"], "untrusted", "{r:?}");

    // The household's key swapped: the browser will not encrypt to it, nor
    // trust the household.
    w.sql(
        "UPDATE households SET recipient = $1 WHERE id = $2",
        &[&attacker.age_recipient, &h],
    )
    .await;
    let r = fresh
        .run(&[
            (
                "writeField",
                json!({"household": h, "path": "huisvesting/situatie", "value": "geheim", "base": 0}),
            ),
            ("household", json!({"household": h})),
        ])
        .await;
    assert_eq!(r[0]["error"]["kind"], "untrusted", "{r:?}");
    assert_eq!(r[1]["error"]["kind"], "untrusted", "{r:?}");
}

/// The auditor's log check in "the browser" (the key worker's `verifyLog`)
/// and `kluis audit verify` on the same log and the same kept checkpoint
/// (the CLI's state file is exactly the browser's log pin): both pass on
/// the untouched log, and both fail naming the same first problem after a
/// row is changed, deleted, moved out of a household's view, or the log is
/// restored from an older copy.
/// A trusted contact named in the browser (its naming statement and the
/// envelope made by the key worker's `nameContact`) is released to the CLI
/// after the wait and accepted by both devices; one the operator invents in
/// the database is refused by both.
#[tokio::test(flavor = "multi_thread")]
async fn a_trusted_contact_named_in_the_browser_is_accepted_and_an_invented_one_refused() {
    let Some(mut w) = world().await else { return };
    let (bert_ks, bert) = w.bert.clone();
    let h = text(&w.anna.ok("createHousehold", json!({})).await["household"]).to_owned();
    w.anna
        .ok(
            "writeField",
            json!({"household": h, "path": "financien/situatie", "value": "uit de browser", "base": 0}),
        )
        .await;
    let wrong = w
        .anna
        .refused(
            "nameContact",
            json!({"household": h, "principal_id": bert.to_string(), "wait_ms": 7 * 86_400_000_i64,
                   "fingerprint": "0000 0000 0000 0000 0000 0000 0000 0000"}),
        )
        .await;
    assert_eq!(wrong["kind"], "fingerprint-mismatch", "{wrong}");
    let bert_fp = w.fingerprint(&bert_ks);
    let named = w
        .anna
        .ok(
            "nameContact",
            json!({"household": h, "principal_id": bert.to_string(), "wait_ms": 7 * 86_400_000_i64,
                   "fingerprint": bert_fp}),
        )
        .await;
    assert_eq!(named["contact"]["name"], "Bert");

    // Bert, with the CLI: asks, waits (the server's clock), and his device
    // checks the chain ending in the browser's signed naming, opens the
    // envelope the browser made, and reads.
    let request = w
        .cli(&bert_ks, &["household", "contact", "request", &h])
        .value()
        .to_owned();
    w.server.clock.advance_ms(7 * 86_400_000 + 1000);
    let released = w.cli(&bert_ks, &["household", "contact", "release", &h, &request]);
    assert_eq!(released.value(), bert.to_string());
    let read = w.cli(&bert_ks, &["plan", "get", &h, "financien/situatie"]);
    assert_eq!(read.output(), b"uit de browser");
    // The browser accepts Bert through Anna's naming statement.
    let household = w.anna.ok("household", json!({"household": h})).await;
    let members = household["members"].as_array().unwrap();
    assert!(
        members
            .iter()
            .any(|m| m["principal_id"] == bert.to_string()),
        "{household}"
    );

    // The operator invents a contact: a naming statement for Mallory's keys
    // that no member signed, with an envelope of a key of its own.
    let (mallory_ks, mallory) = w
        .kluis
        .enrol(&w._dir, &w.people.pro.0, "client", "Mallory", None);
    let mallory_fp = w.fingerprint(&mallory_ks);
    let operator = kluis_vault::keys::Identity::generate("Operator");
    let statement = kluis_vault::wire::contact::contact_statement(
        h.parse().unwrap(),
        mallory,
        &mallory_fp,
        86_400_000,
        w.people.client.1,
        common::chrono_now_ms(),
    );
    let keys = w.cli(&mallory_ks, &["whoami", "--json"]).json();
    let envelope = kluis_vault::keys::envelope::seal(
        text(&keys["keys"]["age_recipient"]),
        operator.age_secret().as_bytes(),
    )
    .unwrap();
    let db = w.server.db().await;
    sqlx::query(
        "INSERT INTO trusted_contacts (household_id, contact_id, named_by, named_ms, wait_ms, statement, signature, identity_envelope) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(h.clone())
    .bind(mallory.to_string())
    .bind(w.people.client.1.to_string())
    .bind(0_i64)
    .bind(86_400_000_i64)
    .bind(statement.clone())
    .bind(operator.sign(statement.as_bytes()).to_vec())
    .bind(envelope)
    .execute(&db)
    .await
    .unwrap();
    let request = w
        .cli(&mallory_ks, &["household", "contact", "request", &h])
        .value()
        .to_owned();
    w.server.clock.advance_ms(86_400_000 + 1000);
    let refused = w.cli(
        &mallory_ks,
        &["household", "contact", "release", &h, &request],
    );
    assert!(refused.failure().contains("refusing"), "{refused:?}");
    // The browser, on a device that remembers nothing and on Anna's own,
    // refuses the household whose history now names Mallory.
    let r = w.anna.refused("household", json!({"household": h})).await;
    assert_eq!(r["kind"], "untrusted", "{r}");
    let r = w
        .anna
        .fresh_device()
        .refused("household", json!({"household": h}))
        .await;
    assert_eq!(r["kind"], "untrusted", "{r}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_browser_verifies_the_log_with_the_same_verdict_as_the_cli() {
    let Some(w) = world().await else { return };
    let (admin_ks, _) = w.people.admin.clone();
    let (pro_ks, pro) = w.people.pro.clone();
    let (anna_ks, _) = w.people.client.clone();
    let dir = tempfile::tempdir().unwrap();
    let (ilse_ks, _) = w
        .kluis
        .enrol(&dir, &admin_ks, "auditor", "Ilse", Some("Privacyteam"));
    let mut ilse = Browser::new(runner().unwrap(), &w.server, &ilse_ks);

    // A workload with reads on a grant (which the replay checks is in force).
    let h = w.cli(&anna_ks, &["household", "create"]).value().to_owned();
    for (field, value) in [
        ("financien/situatie", "schuld"),
        ("huisvesting/situatie", "huur"),
    ] {
        w.cli(&anna_ks, &["plan", "set", &h, field, "--value", value])
            .value();
    }
    let until = chrono::Utc::now()
        .checked_add_signed(chrono::Duration::days(30))
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    let pro_s = pro.to_string();
    w.cli(
        &anna_ks,
        &[
            "grant",
            &h,
            "--to",
            &pro_s,
            "--fields",
            "financien/*",
            "--purpose",
            "schuldhulp",
            "--until",
            &until,
        ],
    )
    .value();
    w.cli(&pro_ks, &["plan", "get", &h, "financien/situatie"]);
    assert!(
        !w.cli(&pro_ks, &["plan", "get", &h, "huisvesting/situatie"])
            .success
    );

    let kept = dir.path().join("kept.audit-state.json");
    let kept_s = kept.to_str().unwrap().to_owned();
    let cli_verify = |state: &str| w.cli(&ilse_ks, &["audit", "verify", "--state", state]);

    // Untouched: both pass. The browser first pins on its own, then checks
    // against the checkpoint the CLI kept.
    let first = ilse.ok("verifyLog", json!({})).await;
    assert_eq!(first["pinned_now"], true);
    assert!(first["size"].as_u64().unwrap() > 10);
    assert!(cli_verify(&kept_s).success);
    let kept_pin: Value = serde_json::from_slice(&std::fs::read(&kept).unwrap()).unwrap();
    ilse.device = json!({ "log": kept_pin });
    let again = ilse.ok("verifyLog", json!({})).await;
    assert_eq!(again["pinned_now"], false);
    let kept_size = kept_pin["checkpoint"]
        .as_str()
        .unwrap()
        .lines()
        .nth(1)
        .unwrap();
    assert_eq!(again["previous_size"].to_string(), kept_size);

    let both_fail = |what: &'static str| Attack {
        w: &w,
        ilse_ks: &ilse_ks,
        kept_pin: kept_pin.clone(),
        kept: kept_s.clone(),
        dir: dir.path(),
        what,
    };

    let db = w.server.db().await;
    let leaf_of = |seq: i64| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, Vec<u8>>("SELECT leaf FROM log_entries WHERE seq = $1")
                .bind(seq)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    let set_leaf = |seq: i64, leaf: Vec<u8>| {
        let db = db.clone();
        async move {
            let done = sqlx::query("UPDATE log_entries SET leaf = $1 WHERE seq = $2")
                .bind(leaf)
                .bind(seq)
                .execute(&db)
                .await
                .unwrap();
            assert_eq!(done.rows_affected(), 1);
        }
    };

    // 1. A changed byte (the entry still decodes; only its hash changes).
    let original = leaf_of(5).await;
    let mut changed = original.clone();
    changed[16] ^= 1;
    set_leaf(5, changed).await;
    let v = both_fail("changed row").verdicts(&mut ilse).await;
    assert_eq!(v[0].0, "fork", "{v:?}");
    assert_eq!(v[1].0, "root-mismatch", "{v:?}");
    set_leaf(5, original).await;

    // 2. A deleted row.
    sqlx::query("CREATE TABLE saved_row AS SELECT * FROM log_entries WHERE seq = 4")
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("DELETE FROM log_entries WHERE seq = 4")
        .execute(&db)
        .await
        .unwrap();
    let v = both_fail("deleted row").verdicts(&mut ilse).await;
    // The server itself may notice first and refuse to sign ("the log is
    // missing entries"); either way both name it.
    assert!(v.iter().all(|(_, cli)| cli.contains("missing")), "{v:?}");
    sqlx::query("INSERT INTO log_entries SELECT * FROM saved_row")
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("DROP TABLE saved_row")
        .execute(&db)
        .await
        .unwrap();

    // 3. An entry moved out of the household's view by its column.
    let hidden: i64 =
        sqlx::query_scalar("SELECT MAX(seq) FROM log_entries WHERE household_id = $1")
            .bind(&h)
            .fetch_one(&db)
            .await
            .unwrap();
    sqlx::query("UPDATE log_entries SET household_id = NULL WHERE seq = $1")
        .bind(hidden)
        .execute(&db)
        .await
        .unwrap();
    let v = both_fail("hidden entry").verdicts(&mut ilse).await;
    assert!(v.iter().all(|(code, _)| code == "columns"), "{v:?}");
    sqlx::query("UPDATE log_entries SET household_id = $1 WHERE seq = $2")
        .bind(&h)
        .bind(hidden)
        .execute(&db)
        .await
        .unwrap();

    // Repaired, the log passes again for both.
    assert!(cli_verify(&kept_s).success);
    ilse.device = json!({ "log": kept_pin });
    ilse.ok("verifyLog", json!({})).await;

    // 4. An older copy restored: the newer rows vanish and the head goes back.
    let row = sqlx::query_as::<_, (i64, Vec<u8>)>("SELECT size, frontier FROM log_head")
        .fetch_one(&db)
        .await
        .unwrap();
    w.cli(
        &anna_ks,
        &["plan", "set", &h, "financien/situatie", "--value", "later"],
    )
    .value();
    assert!(cli_verify(&kept_s).success, "the kept checkpoint moves on");
    let kept_pin: Value = serde_json::from_slice(&std::fs::read(&kept).unwrap()).unwrap();
    sqlx::query("DELETE FROM log_entries WHERE seq >= $1")
        .bind(row.0)
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("UPDATE log_head SET size = $1, frontier = $2 WHERE id = 1")
        .bind(row.0)
        .bind(row.1)
        .execute(&db)
        .await
        .unwrap();
    let cli_line = cli_verify(&kept_s)
        .failure()
        .trim_start_matches("kluis: ")
        .to_owned();
    ilse.device = json!({ "log": kept_pin });
    let browser = ilse.refused("verifyLog", json!({})).await;
    assert_eq!(browser["detail"]["code"], "rollback", "{browser}");
    assert!(cli_line.starts_with("rollback:"), "{cli_line}");
    assert_same_problem("rollback", text(&browser["message"]), &cli_line);
    // A browser that kept nothing sees a log consistent on its own, as the CLI does.
    ilse.device = json!({});
    ilse.ok("verifyLog", json!({})).await;
    // A browser that pinned another log key refuses this log, as the CLI does.
    let other = kluis_audit::LogSigner::from_private_key(
        &kluis_audit::LogSigner::generate_private_key("kluis-log-other").unwrap(),
    )
    .unwrap();
    ilse.device = json!({ "log": { "verifier_key": other.verifier_key(), "checkpoint": null } });
    let refused = ilse.refused("verifyLog", json!({})).await;
    assert_eq!(refused["detail"]["code"], "key-changed", "{refused}");
    let mut state: Value = serde_json::from_slice(&std::fs::read(&kept).unwrap()).unwrap();
    state["verifier_key"] = other.verifier_key().into();
    std::fs::write(&kept, serde_json::to_vec(&state).unwrap()).unwrap();
    let cli_line = cli_verify(&kept_s).failure().to_owned();
    assert!(
        cli_line.contains("this is not the log you checked before"),
        "{cli_line}"
    );
    assert!(text(&refused["message"]).contains("this is not the log you checked before"));
    db.close().await;
}

/// One attack on the log, checked by the browser and the CLI, each with the
/// kept checkpoint and from scratch.
struct Attack<'a> {
    w: &'a World,
    ilse_ks: &'a Path,
    kept_pin: Value,
    kept: String,
    dir: &'a Path,
    what: &'static str,
}

impl Attack<'_> {
    /// Both must fail, naming the same first problem; the browser's problem
    /// code and the CLI's line, kept checkpoint first.
    async fn verdicts(&self, ilse: &mut Browser) -> Vec<(String, String)> {
        let fresh = self
            .dir
            .join(format!("fresh-{}.json", rand::random::<u32>()));
        let mut verdicts = Vec::new();
        for (device, state) in [
            (json!({ "log": self.kept_pin }), self.kept.clone()),
            (json!({}), fresh.to_str().unwrap().to_owned()),
        ] {
            let cli_line = self
                .w
                .cli(self.ilse_ks, &["audit", "verify", "--state", &state])
                .failure()
                .trim_start_matches("kluis: ")
                .to_owned();
            ilse.device = device;
            let browser = ilse.refused("verifyLog", json!({})).await;
            assert_eq!(browser["kind"], "log-problem", "{}: {browser}", self.what);
            let browser_line = text(&browser["message"]).to_owned();
            eprintln!(
                "{}: CLI: {cli_line}\n{}: browser: {browser_line}",
                self.what, self.what
            );
            assert_same_problem(self.what, &browser_line, &cli_line);
            verdicts.push((text(&browser["detail"]["code"]).to_owned(), cli_line));
        }
        verdicts
    }
}

/// The browser and the CLI name the same first problem: the same words and
/// numbers, except the size of the log now, which differs between two
/// checks made a moment apart (each check is itself logged).
fn assert_same_problem(what: &str, browser: &str, cli: &str) {
    let sized = [
        "the recomputed root for",
        "rollback:",
        "the log has only",
        "the log is missing entries among",
    ];
    if sized.iter().any(|p| cli.starts_with(p)) {
        assert_eq!(
            mask_numbers(browser),
            mask_numbers(cli),
            "{what}: the browser and the CLI name different first problems"
        );
        if cli.starts_with("rollback:") {
            // The checkpoint both kept is the same: so is its size.
            let kept = |l: &str| l.split("fewer than the ").nth(1).map(str::to_owned);
            assert_eq!(kept(browser), kept(cli), "{what}");
        }
    } else {
        assert_eq!(
            browser, cli,
            "{what}: the browser and the CLI name different first problems"
        );
    }
}

fn mask_numbers(line: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for ch in line.chars() {
        if ch.is_ascii_digit() {
            if !in_number {
                out.push('#');
            }
            in_number = true;
        } else {
            out.push(ch);
            in_number = false;
        }
    }
    out
}

/// A professional in "the browser": the caseload shows the household by the
/// name it shared (read and opened on the device) with the grant's purpose
/// and end; a private observation written there is one the household's CLI
/// sees as existing only, until the browser publishes it.
#[tokio::test(flavor = "multi_thread")]
async fn a_professional_in_the_browser_keeps_a_caseload_and_private_observations() {
    let Some(w) = world().await else { return };
    let (pro_ks, pro) = w.people.pro.clone();
    let (anna_ks, _) = w.people.client.clone();
    let (bert_ks, _) = w.bert.clone();
    let mut piet = Browser::new(runner().unwrap(), &w.server, &pro_ks);

    let h = w.cli(&anna_ks, &["household", "create"]).value().to_owned();
    for (field, value) in [
        ("algemeen/naam", "Familie de Vries"),
        ("financien/situatie", "schuld bij de bank"),
    ] {
        w.cli(&anna_ks, &["plan", "set", &h, field, "--value", value])
            .value();
    }
    let until = (chrono::Utc::now() + chrono::Duration::days(20))
        .format("%Y-%m-%d")
        .to_string();
    let pro_s = pro.to_string();
    let grant = |fields: &str, household: &str, ks: &Path| {
        w.cli(
            ks,
            &[
                "grant",
                household,
                "--to",
                &pro_s,
                "--fields",
                fields,
                "--purpose",
                "schuldhulp",
                "--until",
                &until,
            ],
        )
        .value()
        .to_owned()
    };
    let g = grant("financien/*,algemeen/naam", &h, &anna_ks);
    // Bert's household shares no name: it shows by its id.
    let h2 = w.cli(&bert_ks, &["household", "create"]).value().to_owned();
    w.cli(
        &bert_ks,
        &["plan", "set", &h2, "algemeen/naam", "--value", "Bert"],
    )
    .value();
    grant("financien/*", &h2, &bert_ks);

    let cases = piet.ok("caseload", json!({"households": [h, h2]})).await;
    let cases = cases["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2, "{cases:?}");
    let anna_case = cases.iter().find(|c| c["household"] == h.as_str()).unwrap();
    assert_eq!(anna_case["label"], "Familie de Vries");
    assert_eq!(anna_case["grants"][0]["grant_id"], g.as_str());
    assert_eq!(anna_case["grants"][0]["purpose"], "schuldhulp");
    let bert_case = cases
        .iter()
        .find(|c| c["household"] == h2.as_str())
        .unwrap();
    assert_eq!(bert_case["label"], Value::Null, "not shared: no name");

    // A private observation: the household's CLI sees that it exists, never what it says.
    let note = "Vermoeden van gokproblemen";
    let path = text(
        &piet
            .ok(
                "observe",
                json!({"household": h, "text": note, "private": true}),
            )
            .await["path"],
    )
    .to_owned();
    assert!(path.starts_with("observaties/"), "{path}");
    let refused = w
        .cli(&anna_ks, &["plan", "get", &h, &path])
        .failure()
        .to_owned();
    assert!(!refused.contains("gokproblemen"), "{refused}");
    let history = w.cli(&anna_ks, &["access-log", &h]);
    assert!(
        history.text().contains("wrote a private note"),
        "{}",
        history.text()
    );
    assert!(!history.text().contains("gokproblemen"));
    let mine = piet
        .ok("readField", json!({"household": h, "path": path}))
        .await;
    assert_eq!(mine["value"], note);

    // Published, the household reads it with the CLI.
    piet.ok("publish", json!({"household": h, "path": path}))
        .await;
    assert_eq!(
        w.cli(&anna_ks, &["plan", "get", &h, &path]).output(),
        note.as_bytes()
    );
    // A shared observation is readable by the household at once.
    let shared = text(
        &piet
            .ok(
                "observe",
                json!({"household": h, "text": "Gesprek gehad", "private": false}),
            )
            .await["path"],
    )
    .to_owned();
    assert_eq!(
        w.cli(&anna_ks, &["plan", "get", &h, &shared]).output(),
        b"Gesprek gehad"
    );
}

/// The browser's log reader (`web/src/client/log_entry.ts`) knows exactly
/// the event codes the Rust decoder knows, in the same order: a code it
/// lacked would make the browser's check of an intact log fail, and one it
/// had extra would accept entries `kluis audit verify` refuses.
#[test]
fn the_browser_knows_every_event_code_of_the_log() {
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("web/src/client/log_entry.ts"),
    )
    .unwrap();
    let list = source
        .split("export const EVENTS = [")
        .nth(1)
        .and_then(|rest| rest.split("] as const;").next())
        .expect("EVENTS in log_entry.ts");
    let browser: Vec<&str> = list
        .split(',')
        .map(|s| s.trim().trim_matches('"'))
        .filter(|s| !s.is_empty())
        .collect();
    let rust: Vec<&str> = kluis_audit::EventType::ALL
        .iter()
        .map(|e| e.code())
        .collect();
    assert_eq!(browser, rust);
}

/// Issue 17: a member rotates their keys with the CLI. The browser's
/// client follows them through the rotation statement both keys signed:
/// the device that pinned the old keys moves to the new ones, and what the
/// old key signed before the rotation (the household's creation, Anna's
/// addition, a version) still checks out, on that device and on a fresh
/// one. What the retired key signs after the rotation (a version, a member
/// added by the operator who stole it) is refused, as the CLI refuses it.
#[tokio::test(flavor = "multi_thread")]
async fn a_member_who_rotated_with_the_cli_is_followed_by_the_browser_and_their_retired_key_refused(
) {
    use kluis_policy::{FieldPath, HouseholdId};
    use kluis_vault::keys::{envelope, seal, Keystore};
    use kluis_vault::wire::household::member_statement;
    use kluis_vault::wire::version::{ciphertext_sha256, VersionStatement};

    let Some(mut w) = world().await else { return };
    let (bert_ks, bert) = w.bert.clone();
    let anna_id = w.people.client.1;
    let path = "financien/situatie";

    // Bert makes the household with the CLI, writes and adds Anna: the
    // creation, the addition and the version are signed by his first key.
    let h = w.cli(&bert_ks, &["household", "create"]).value().to_owned();
    w.cli(&bert_ks, &["plan", "set", &h, path, "--value", "schuld"])
        .value();
    w.cli(
        &bert_ks,
        &["household", "add-member", &h, &anna_id.to_string()],
    )
    .value();
    let old_fp = w.fingerprint(&bert_ks);
    let read = w
        .anna
        .ok("readField", json!({"household": h, "path": path}))
        .await;
    assert_eq!(read["value"], "schuld");
    let pinned = w
        .anna
        .ok("person", json!({"principal_id": bert.to_string()}))
        .await;
    assert_eq!(pinned["fingerprint"], old_fp.as_str());

    // Bert rotates; his old keystore is kept aside, as by someone who
    // stole it.
    let old_ks = w._dir.path().join("bert-old.keystore");
    std::fs::copy(&bert_ks, &old_ks).unwrap();
    let old_key = Keystore::open(&old_ks, PASSPHRASE).unwrap();
    let code = w._dir.path().join("bert.code");
    w.cli(
        &bert_ks,
        &[
            "keys",
            "rotate",
            "--work-factor",
            "10",
            "--recovery-code-out",
            code.to_str().unwrap(),
        ],
    )
    .value();
    let new_fp = w.fingerprint(&bert_ks);
    assert_ne!(new_fp, old_fp);

    // The device that pinned his old keys, and a fresh one, check the
    // household, the field and the listing, and know his new keys.
    let mut fresh = w.anna.fresh_device();
    for device in [&mut w.anna, &mut fresh] {
        let r = device
            .run(&[
                ("household", json!({"household": h})),
                ("readField", json!({"household": h, "path": path})),
                ("listFields", json!({"household": h})),
                ("person", json!({"principal_id": bert.to_string()})),
            ])
            .await;
        let members = r[0]["ok"]["members"]
            .as_array()
            .unwrap_or_else(|| panic!("{r:?}"));
        let mut names: Vec<&str> = members.iter().map(|m| text(&m["name"])).collect();
        names.sort();
        assert_eq!(names, ["Anna", "Bert"]);
        assert_eq!(r[1]["ok"]["value"], "schuld", "{r:?}");
        assert_eq!(r[1]["ok"]["authorship"], "signed", "{r:?}");
        assert_eq!(r[1]["ok"]["writer_name"], "Bert", "{r:?}");
        assert_eq!(r[2]["ok"]["fields"][0]["version"], 1, "{r:?}");
        assert_eq!(r[3]["ok"]["fingerprint"], new_fp.as_str(), "{r:?}");
    }

    // Bert writes with his new key and the browser reads it; the browser
    // writes and Bert's CLI reads it.
    w.cli(&bert_ks, &["plan", "set", &h, path, "--value", "afbetaald"])
        .value();
    let read = w
        .anna
        .ok("readField", json!({"household": h, "path": path}))
        .await;
    assert_eq!(read["value"], "afbetaald");
    assert_eq!(read["version"], 2);
    let written = w
        .anna
        .ok(
            "writeField",
            json!({"household": h, "path": path, "value": "samen gekozen", "base": 2}),
        )
        .await;
    assert_eq!(written["version"], 3);
    let read = w.cli(&bert_ks, &["plan", "get", &h, path]);
    assert_eq!(read.output(), b"samen gekozen");

    // The operator, with the stolen old key, puts in a version signed by
    // it, dated now (after the rotation): the browser refuses it; version
    // 3 still reads by its number.
    let db = w.server.db().await;
    let hid = HouseholdId::parse(&h).unwrap();
    let p = FieldPath::parse(path).unwrap();
    let recipient: String = sqlx::query_scalar("SELECT recipient FROM households WHERE id = $1")
        .bind(&h)
        .fetch_one(&db)
        .await
        .unwrap();
    let key = seal::new_key();
    let binding = seal::Binding {
        household: hid,
        path: &p,
        version: 4,
        key_gen: 1,
    };
    let ct = seal::seal(&key, &binding, b"alles kwijtgescholden");
    let now = common::chrono_now_ms();
    let statement = VersionStatement {
        household: hid,
        path: p.clone(),
        version: 4,
        key_gen: 1,
        ciphertext_sha256: ciphertext_sha256(&ct),
        readers: ["household".to_owned()].into(),
        writer: bert,
        grant: None,
        signer: bert,
        private: false,
        signed_at_ms: now,
    }
    .text();
    sqlx::query(
        "INSERT INTO field_versions (household_id, path, version, key_gen, ciphertext, size_bucket, \
         author_id, author_role, private_author, created_ms, statement, signature, writer_grant) \
         VALUES ($1, $2, 4, 1, $3, $4, $5, 'client', NULL, $6, $7, $8, NULL)",
    )
    .bind(&h)
    .bind(path)
    .bind(ct.clone())
    .bind(ct.len() as i64)
    .bind(bert.to_string())
    .bind(now)
    .bind(statement.clone())
    .bind(old_key.sign(statement.as_bytes()).to_vec())
    .execute(&db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO envelopes (household_id, path, version, key_gen, reader, envelope) VALUES ($1, $2, 4, 1, 'household', $3)",
    )
    .bind(&h)
    .bind(path)
    .bind(envelope::seal(&recipient, &key[..]).unwrap())
    .execute(&db)
    .await
    .unwrap();
    let mut fresh = w.anna.fresh_device();
    for device in [&mut w.anna, &mut fresh] {
        let r = device
            .run(&[
                ("readField", json!({"household": h, "path": path})),
                (
                    "readField",
                    json!({"household": h, "path": path, "version": 3}),
                ),
            ])
            .await;
        assert_eq!(r[0]["error"]["kind"], "untrusted", "{r:?}");
        assert!(
            text(&r[0]["error"]["message"]).contains("signature"),
            "{r:?}"
        );
        assert_eq!(r[1]["ok"]["value"], "samen gekozen", "{r:?}");
    }
    // The CLI refuses it too.
    let cli = w.cli(&bert_ks, &["plan", "get", &h, path]);
    assert!(cli.failure().contains("signature"), "{cli:?}");

    // The operator adds the professional to the household with a member
    // statement signed by the retired key, dated now: the browser refuses
    // the household.
    let (pro_ks, pro) = w.people.pro.clone();
    let pro_keys = Keystore::open(&pro_ks, PASSPHRASE).unwrap().public();
    let now = common::chrono_now_ms();
    let statement = member_statement(hid, pro, Some(&pro_keys.fingerprint().unwrap()), bert, now);
    sqlx::query(
        "INSERT INTO household_members (household_id, principal_id, added_by, added_ms, statement, signature, identity_envelope) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&h)
    .bind(pro.to_string())
    .bind(bert.to_string())
    .bind(now)
    .bind(statement.clone())
    .bind(old_key.sign(statement.as_bytes()).to_vec())
    .bind(envelope::seal(&pro_keys.age_recipient, b"not the household key").unwrap())
    .execute(&db)
    .await
    .unwrap();
    db.close().await;
    let mut fresh = w.anna.fresh_device();
    for device in [&mut w.anna, &mut fresh] {
        let r = device.refused("household", json!({"household": h})).await;
        assert_eq!(r["kind"], "untrusted", "{r}");
        assert!(text(&r["message"]).contains("signature"), "{r}");
    }
}

/// Issue 17: a member who lost everything is re-enrolled by the
/// administrator. The browser keeps their OLD keys for what those signed
/// before, takes no new keys from the server alone (nor from a readmission
/// the operator wrote, signed by a non-member), and follows them once
/// another member readmitted them with the CLI.
#[tokio::test(flavor = "multi_thread")]
async fn a_member_readmitted_with_the_cli_is_followed_by_the_browser_and_a_forged_readmission_refused(
) {
    use kluis_policy::HouseholdId;
    use kluis_vault::keys::Keystore;
    use kluis_vault::wire::rotation::readmit_statement;

    let Some(mut w) = world().await else { return };
    let (bert_ks, bert) = w.bert.clone();
    let (anna_ks, anna_id) = w.people.client.clone();
    let (admin_ks, admin_id) = w.people.admin.clone();
    let path = "financien/situatie";

    let h = w.cli(&bert_ks, &["household", "create"]).value().to_owned();
    w.cli(&bert_ks, &["plan", "set", &h, path, "--value", "schuld"])
        .value();
    w.cli(
        &bert_ks,
        &["household", "add-member", &h, &anna_id.to_string()],
    )
    .value();
    let old_fp = w.fingerprint(&bert_ks);
    let read = w
        .anna
        .ok("readField", json!({"household": h, "path": path}))
        .await;
    assert_eq!(read["value"], "schuld");
    // Anna's CLI knows his first keys too (it readmits him below).
    let read = w.cli(&anna_ks, &["plan", "get", &h, path]);
    assert_eq!(read.output(), b"schuld");

    // Bert loses everything; the administrator re-enrols him.
    let code = w
        .cli(&admin_ks, &["invite", "--reenrol", &bert.to_string()])
        .value()
        .to_owned();
    let new_ks = w._dir.path().join("bert-new.keystore");
    let new_fp = w.kluis.keys_new(&new_ks, "Bert");
    assert_eq!(w.kluis.register(&new_ks, &code), bert);
    assert_ne!(new_fp, old_fp);

    // Anna's browser, which pinned his old keys, still reads what they
    // signed before, and does not take his new keys.
    let r = w
        .anna
        .run(&[
            ("readField", json!({"household": h, "path": path})),
            ("household", json!({"household": h})),
            ("person", json!({"principal_id": bert.to_string()})),
        ])
        .await;
    assert_eq!(r[0]["ok"]["value"], "schuld", "{r:?}");
    assert!(r[1].get("ok").is_some(), "{r:?}");
    assert_eq!(r[2]["error"]["kind"], "keys-changed", "{r:?}");

    // The operator writes a readmission signed by the administrator (not a
    // member) into Anna's membership row: the browser refuses the household.
    let db = w.server.db().await;
    let hid = HouseholdId::parse(&h).unwrap();
    let row: (String, String, Vec<u8>) = sqlx::query_as(
        "SELECT added_by, statement, signature FROM household_members WHERE household_id = $1 AND principal_id = $2",
    )
    .bind(&h)
    .bind(anna_id.to_string())
    .fetch_one(&db)
    .await
    .unwrap();
    let forged = readmit_statement(
        hid,
        bert,
        &new_fp,
        &old_fp,
        admin_id,
        common::chrono_now_ms(),
    );
    let admin_key = Keystore::open(&admin_ks, PASSPHRASE).unwrap();
    let set_row = |added_by: String, statement: String, signature: Vec<u8>| {
        sqlx::query(
            "UPDATE household_members SET added_by = $1, statement = $2, signature = $3 WHERE household_id = $4 AND principal_id = $5",
        )
        .bind(added_by)
        .bind(statement)
        .bind(signature)
        .bind(h.clone())
        .bind(anna_id.to_string())
    };
    set_row(
        admin_id.to_string(),
        forged.clone(),
        admin_key.sign(forged.as_bytes()).to_vec(),
    )
    .execute(&db)
    .await
    .unwrap();
    let mut fresh = w.anna.fresh_device();
    for device in [&mut w.anna, &mut fresh] {
        let r = device.refused("household", json!({"household": h})).await;
        assert_eq!(r["kind"], "untrusted", "{r}");
    }
    set_row(row.0, row.1, row.2).execute(&db).await.unwrap();
    db.close().await;

    // Anna readmits Bert with her CLI, after comparing his new fingerprint.
    w.cli(
        &anna_ks,
        &[
            "household",
            "readmit",
            &h,
            &bert.to_string(),
            "--expect-fingerprint",
            &new_fp,
        ],
    )
    .value();
    // Bert writes with his new keys; Anna's browser (the device that
    // pinned his old keys, and a fresh one) reads both versions and knows
    // his new keys as the member.
    w.cli(&new_ks, &["plan", "set", &h, path, "--value", "afbetaald"])
        .value();
    let mut fresh = w.anna.fresh_device();
    for device in [&mut w.anna, &mut fresh] {
        let r = device
            .run(&[
                ("readField", json!({"household": h, "path": path})),
                (
                    "readField",
                    json!({"household": h, "path": path, "version": 1}),
                ),
                ("household", json!({"household": h})),
                ("person", json!({"principal_id": bert.to_string()})),
            ])
            .await;
        assert_eq!(r[0]["ok"]["value"], "afbetaald", "{r:?}");
        assert_eq!(r[0]["ok"]["writer_name"], "Bert", "{r:?}");
        assert_eq!(r[1]["ok"]["value"], "schuld", "{r:?}");
        assert!(r[2].get("ok").is_some(), "{r:?}");
        assert_eq!(r[3]["ok"]["fingerprint"], new_fp.as_str(), "{r:?}");
    }
}

/// Issue 17: the browser's key worker rotates (`rotatePrepare`, then
/// `rotateSend`): new keys, every envelope sealed again, both signatures, a
/// new keystore under the same passphrase. Nothing is sent by the first
/// step. Bert's CLI, which knew Anna's old keys, reads what she wrote before
/// and after; the browser, with the new keystore, still reads what it wrote
/// before; the old keystore no longer logs in; the recovery code the worker
/// made gets the new keys back with the CLI.
#[tokio::test(flavor = "multi_thread")]
async fn the_browser_rotates_and_the_cli_follows() {
    let Some(mut w) = world().await else { return };
    let (bert_ks, bert) = w.bert.clone();
    let path = "financien/situatie";
    let h = text(&w.anna.ok("createHousehold", json!({})).await["household"]).to_owned();
    w.anna
        .ok(
            "writeField",
            json!({"household": h, "path": path, "value": "voor de nieuwe sleutels", "base": 0}),
        )
        .await;
    let bert_fp = w.fingerprint(&bert_ks);
    w.anna
        .ok(
            "addMember",
            json!({"household": h, "principal_id": bert.to_string(), "fingerprint": bert_fp}),
        )
        .await;
    let read = w.cli(&bert_ks, &["plan", "get", &h, path]);
    assert_eq!(read.output(), b"voor de nieuwe sleutels");
    let old_fp = w.fingerprint(&w.people.client.0);

    // A keystore that is not the one signed in: refused, nothing changed.
    let other = std::fs::read_to_string(&bert_ks).unwrap();
    let refused = w
        .anna
        .refused(
            "rotatePrepare",
            json!({"keystore": other, "passphrase": PASSPHRASE}),
        )
        .await;
    assert_eq!(refused["kind"], "not-a-keystore", "{refused}");

    // Prepared but not sent (the page stops, or the tab closes): nothing changed.
    let keystore = w.anna.keystore.clone();
    let prepared = w
        .anna
        .ok(
            "rotatePrepare",
            json!({"keystore": keystore, "passphrase": PASSPHRASE}),
        )
        .await;
    let unsent = w._dir.path().join("anna-unsent.keystore");
    std::fs::write(&unsent, text(&prepared["keystore"])).unwrap();
    w.cli(&unsent, &["whoami"]).failure();
    assert_eq!(w.fingerprint(&w.people.client.0), old_fp);

    let r = w
        .anna
        .run(&[
            (
                "rotatePrepare",
                json!({"keystore": keystore, "passphrase": PASSPHRASE}),
            ),
            ("rotateSend", json!({})),
        ])
        .await;
    let prepared = r[0]["ok"].clone();
    let rotated = r[1]["ok"].clone();
    assert!(rotated.is_object(), "{r:?}");
    let new_fp = text(&rotated["fingerprint"]).to_owned();
    assert_ne!(new_fp, old_fp);
    assert_eq!(prepared["fingerprint"], rotated["fingerprint"]);
    w.anna.keystore = text(&prepared["keystore"]).to_owned();
    // The recovery code the worker made opens the new keys (with the CLI).
    let code = text(&prepared["recovery"]["code"]).to_owned();
    let recovered = w._dir.path().join("anna-recovered.keystore");
    w.cli(
        &recovered,
        &["keys", "recover", "--code", &code, "--work-factor", "10"],
    )
    .value();
    assert_eq!(w.fingerprint(&recovered), new_fp);

    // The old keystore no longer logs in.
    let old_file = w._dir.path().join("anna-old.keystore");
    std::fs::write(&old_file, &keystore).unwrap();
    let old = w.cli(&old_file, &["whoami"]);
    old.failure();

    // Bert's CLI (which pinned her old keys) follows the rotation and reads
    // what she wrote before; the browser with the new keystore reads it too,
    // and writes on top; the CLI reads that.
    let read = w.cli(&bert_ks, &["plan", "get", &h, path]);
    assert_eq!(read.output(), b"voor de nieuwe sleutels");
    let r = w
        .anna
        .run(&[
            ("readField", json!({"household": h, "path": path})),
            ("household", json!({"household": h})),
        ])
        .await;
    assert_eq!(r[0]["ok"]["value"], "voor de nieuwe sleutels", "{r:?}");
    assert!(r[1].get("ok").is_some(), "{r:?}");
    w.anna
        .ok(
            "writeField",
            json!({"household": h, "path": path, "value": "na de nieuwe sleutels", "base": 1}),
        )
        .await;
    let read = w.cli(&bert_ks, &["plan", "get", &h, path]);
    assert_eq!(read.output(), b"na de nieuwe sleutels");
    // The new keystore is the CLI's format, under the same passphrase.
    let new_file = w._dir.path().join("anna-new.keystore");
    std::fs::write(&new_file, &w.anna.keystore).unwrap();
    assert_eq!(w.fingerprint(&new_file), new_fp);
}
