//! The household's plan and the consent story through the `kluis` binary:
//! every call runs the real executable as a child process against a real
//! server (../shared/DESIGN.md "CLI contract"; issues 3 and 4).
//!
//! `plan get` prints exactly the stored bytes, so those checks compare raw
//! stdout; every refusal is checked against the failure contract (non-zero
//! exit, one `kluis: ` line on stderr, nothing on stdout).

mod common;

use std::path::{Path, PathBuf};

use common::cli::{enrol_three, Enrolled, Kluis, Run};
use common::TestServer;
use kluis_policy::HouseholdId;
use serde_json::Value;

/// `kluis household create`: the id printed.
fn household_create(kluis: &Kluis, ks: &Path) -> String {
    let id = kluis.with(ks, &["household", "create"]).value().to_owned();
    assert!(!id.contains(' '), "{id}");
    id
}

/// `kluis plan set H FIELD --value TEXT`: the version printed.
fn set_value(kluis: &Kluis, ks: &Path, h: &str, field: &str, value: &str) -> i64 {
    version_of(
        kluis
            .with(ks, &["plan", "set", h, field, "--value", value])
            .value(),
    )
}

/// `kluis plan set H FIELD --file PATH`: the version printed.
fn set_file(kluis: &Kluis, ks: &Path, h: &str, field: &str, file: &Path) -> i64 {
    let file = file.to_str().expect("UTF-8 temp path");
    version_of(
        kluis
            .with(ks, &["plan", "set", h, field, "--file", file])
            .value(),
    )
}

fn version_of(printed: &str) -> i64 {
    printed
        .parse()
        .unwrap_or_else(|e| panic!("'{printed}' is not a version number: {e}"))
}

/// `kluis plan get H FIELD`: the exact bytes printed.
fn get(kluis: &Kluis, ks: &Path, h: &str, field: &str) -> Vec<u8> {
    kluis.with(ks, &["plan", "get", h, field]).output().to_vec()
}

/// The failure line of `kluis plan get H FIELD`.
fn get_refused(kluis: &Kluis, ks: &Path, h: &str, field: &str) -> String {
    kluis
        .with(ks, &["plan", "get", h, field])
        .failure()
        .to_owned()
}

/// A date `days` from today, as YYYY-MM-DD.
fn date_in(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// The three of `enrol_three` plus a household the client made.
struct Setup {
    server: TestServer,
    dir: tempfile::TempDir,
    kluis: Kluis,
    e: Enrolled,
    h: String,
}

impl Setup {
    async fn new() -> Self {
        let server = TestServer::spawn().await;
        let dir = tempfile::tempdir().unwrap();
        let kluis = Kluis::new(&server.url);
        let e = enrol_three(&kluis, &server, &dir);
        let h = household_create(&kluis, &e.client.0);
        Self {
            server,
            dir,
            kluis,
            e,
            h,
        }
    }

    fn client(&self) -> &Path {
        &self.e.client.0
    }

    fn pro(&self) -> &Path {
        &self.e.pro.0
    }

    fn pro_id(&self) -> String {
        self.e.pro.1.to_string()
    }

    /// The client grants the professional read of `financien/*` for
    /// schuldhulp, 30 days; returns the grant id.
    fn grant_financien(&self) -> String {
        let until = date_in(30);
        let pro = self.pro_id();
        self.kluis
            .with(
                self.client(),
                &[
                    "grant",
                    &self.h,
                    "--to",
                    &pro,
                    "--fields",
                    "financien/*",
                    "--purpose",
                    "schuldhulp",
                    "--until",
                    &until,
                ],
            )
            .value()
            .to_owned()
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_set_and_get_round_trip_exact_bytes() {
    let s = Setup::new().await;
    let (k, c, h) = (&s.kluis, s.client(), s.h.as_str());

    // Text with --value, no trailing newline: printed without one.
    let v1 = set_value(k, c, h, "financien/situatie", "Schuld: 4.200 euro");
    assert_eq!(v1, 1);
    assert_eq!(
        get(k, c, h, "financien/situatie"),
        b"Schuld: 4.200 euro".to_vec()
    );

    // Text with its own trailing newlines and non-ASCII: kept as is.
    let odd = "regel één\n\ttwee  \n\n";
    set_value(k, c, h, "algemeen/notitie", odd);
    assert_eq!(get(k, c, h, "algemeen/notitie"), odd.as_bytes().to_vec());

    // A binary file with 0x00 and 0xFF and every byte in between.
    let mut binary: Vec<u8> = vec![0x00, 0xFF, 0x00, 0x00, 0xFF, 0xFE, 0x0A, 0x0D];
    binary.extend((0..=255u8).rev());
    binary.extend([0xFF, 0x00]);
    let file = s.file("brief.bin", &binary);
    let v = set_file(k, c, h, "huisvesting/huurcontract", &file);
    assert_eq!(v, 1);
    assert_eq!(get(k, c, h, "huisvesting/huurcontract"), binary);

    // An empty file round-trips to empty output.
    let empty = s.file("leeg", b"");
    set_file(k, c, h, "algemeen/leeg", &empty);
    assert!(get(k, c, h, "algemeen/leeg").is_empty());

    // A new version; --version 1 returns the old value.
    let v2 = set_value(k, c, h, "financien/situatie", "Schuld: 3.100 euro");
    assert_eq!(v2, 2);
    assert_eq!(
        get(k, c, h, "financien/situatie"),
        b"Schuld: 3.100 euro".to_vec()
    );
    let old = k
        .with(
            c,
            &["plan", "get", h, "financien/situatie", "--version", "1"],
        )
        .output()
        .to_vec();
    assert_eq!(old, b"Schuld: 4.200 euro".to_vec());
    let cur = k
        .with(
            c,
            &["plan", "get", h, "financien/situatie", "--version", "2"],
        )
        .output()
        .to_vec();
    assert_eq!(cur, b"Schuld: 3.100 euro".to_vec());
    // A version that does not exist is a one-line error.
    k.with(
        c,
        &["plan", "get", h, "financien/situatie", "--version", "9"],
    )
    .failure();

    // A field never written is a one-line error too.
    get_refused(k, c, h, "financien/nooit");
    s.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_list_and_history_show_paths_and_versions_never_content() {
    let s = Setup::new().await;
    let (k, c, h) = (&s.kluis, s.client(), s.h.as_str());
    let secret_a = "GEHEIM-MARKER-alpha-7731";
    let secret_b = "GEHEIM-MARKER-beta-1942";
    set_value(k, c, h, "financien/situatie", secret_a);
    set_value(k, c, h, "financien/situatie", secret_b);
    set_value(k, c, h, "huisvesting/woning", "GEHEIM-MARKER-gamma");

    let list = k.with(c, &["plan", "list", h]);
    let text = list.text();
    assert!(text.contains("financien/situatie"), "{list:?}");
    assert!(text.contains("huisvesting/woning"), "{list:?}");
    assert!(
        text.contains("v2"),
        "the current version is shown: {list:?}"
    );
    assert!(!text.contains("GEHEIM"), "no content in the list: {list:?}");
    assert!(!list.stderr.contains("GEHEIM"), "{list:?}");

    let history = k.with(c, &["plan", "history", h, "financien/situatie"]);
    let text = history.text();
    assert!(text.contains("v1"), "{history:?}");
    assert!(text.contains("v2"), "{history:?}");
    assert_eq!(text.lines().count(), 2, "one line per version: {history:?}");
    assert_eq!(
        text.matches("signature checked").count(),
        2,
        "each writer checked on the device: {history:?}"
    );
    assert!(
        !text.contains("GEHEIM"),
        "no content in the history: {history:?}"
    );
    assert!(!history.stderr.contains("GEHEIM"), "{history:?}");

    // The JSON forms parse and carry no content either.
    let list = k.with(c, &["--json", "plan", "list", h]).json();
    let fields = list["fields"].as_array().expect("fields array");
    assert_eq!(fields.len(), 2, "{list}");
    assert!(!list.to_string().contains("GEHEIM"), "{list}");
    let history = k
        .with(c, &["--json", "plan", "history", h, "financien/situatie"])
        .json();
    let versions = history["versions"].as_array().expect("versions array");
    assert_eq!(versions.len(), 2, "{history}");
    assert!(
        versions
            .iter()
            .all(|v| v["signed"] == true && v["writer"].is_string()),
        "{history}"
    );
    assert!(!history.to_string().contains("GEHEIM"), "{history}");
    s.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_field_paths_and_unknown_sections_are_one_line_errors() {
    let s = Setup::new().await;
    let (k, c, h) = (&s.kluis, s.client(), s.h.as_str());

    // An unknown section (not in the plan template) is refused by name.
    let line = k
        .with(c, &["plan", "set", h, "kookclub/recepten", "--value", "x"])
        .failure()
        .to_owned();
    assert!(line.contains("kookclub"), "{line}");

    // Malformed paths: refused before anything is sent.
    let long = format!("algemeen/{}", "a".repeat(130));
    for bad in [
        "Financien/situatie",
        "financien//situatie",
        "/financien",
        "financien/",
        "financien/situatie/a/b",
        "financien/sit uatie",
        "financien/situatie!",
        "financiën/situatie",
        "",
        long.as_str(),
    ] {
        k.with(c, &["plan", "set", h, bad, "--value", "x"])
            .failure();
        k.with(c, &["plan", "get", h, bad]).failure();
    }
    // Neither --value nor --file, or both: usage errors.
    k.with(c, &["plan", "set", h, "algemeen/x"]).failure();
    let f = s.file("x", b"x");
    k.with(
        c,
        &[
            "plan",
            "set",
            h,
            "algemeen/x",
            "--value",
            "x",
            "--file",
            f.to_str().unwrap(),
        ],
    )
    .failure();
    // A --file that does not exist names it.
    let line = k
        .with(
            c,
            &[
                "plan",
                "set",
                h,
                "algemeen/x",
                "--file",
                "/nonexistent/kluis-test-file",
            ],
        )
        .failure()
        .to_owned();
    assert!(line.contains("kluis-test-file"), "{line}");

    // Nothing was stored by any of it.
    let list = k.with(c, &["--json", "plan", "list", h]).json();
    assert_eq!(list["fields"].as_array().map(Vec::len), Some(0), "{list}");
    s.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_member_reads_and_outsiders_get_one_line() {
    let s = Setup::new().await;
    let (k, c, h) = (&s.kluis, s.client(), s.h.as_str());
    set_value(k, c, h, "financien/situatie", "voor Bram ook");

    // A second client, invited by the professional.
    let (bram, bram_id) = k.enrol(&s.dir, s.pro(), "client", "Bram", None);
    // Before being added, Bram cannot read.
    get_refused(k, &bram, h, "financien/situatie");

    let added = k
        .with(c, &["household", "add-member", h, &bram_id.to_string()])
        .value()
        .to_owned();
    assert_eq!(added, bram_id.to_string());
    // A field written before he joined, and one after.
    assert_eq!(
        get(k, &bram, h, "financien/situatie"),
        b"voor Bram ook".to_vec()
    );
    set_value(k, &bram, h, "algemeen/van-bram", "hallo");
    assert_eq!(get(k, c, h, "algemeen/van-bram"), b"hallo".to_vec());

    // household show and list name both.
    let show = k.with(c, &["household", "show", h]);
    assert!(show.text().contains(&bram_id.to_string()), "{show:?}");
    assert!(show.text().contains(&s.e.client.1.to_string()), "{show:?}");
    let list = k.with(&bram, &["household", "list"]);
    assert!(list.text().contains(h), "{list:?}");

    // A professional without a grant: one-line refusals.
    get_refused(k, s.pro(), h, "financien/situatie");
    k.with(s.pro(), &["plan", "list", h]).failure();
    k.with(
        s.pro(),
        &["plan", "set", h, "financien/situatie", "--value", "x"],
    )
    .failure();
    // The admin too.
    get_refused(k, &s.e.admin.0, h, "financien/situatie");
    // A stranger's refusal for an existing household reads like the one
    // for a made-up household id (nothing learnt about existence).
    let (eve, _) = k.enrol(&s.dir, s.pro(), "client", "Eve", None);
    let real = get_refused(k, &eve, h, "financien/situatie");
    let made_up = HouseholdId::random().to_string();
    let unknown = get_refused(k, &eve, &made_up, "financien/situatie");
    assert_eq!(
        real.replace(h, "H"),
        unknown.replace(&made_up, "H"),
        "a stranger cannot tell a real household from a made-up one"
    );
    s.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_grant_read_export_verify_revoke() {
    let s = Setup::new().await;
    let (k, c, h) = (&s.kluis, s.client(), s.h.as_str());
    let pro = s.pro();
    set_value(k, c, h, "financien/situatie", "Schuld: 4.200 euro");
    set_value(k, c, h, "huisvesting/woning", "Huurachterstand");

    get_refused(k, pro, h, "financien/situatie");
    let g = s.grant_financien();
    assert!(!g.contains(' '), "{g}");

    // The professional reads financien/* (also what is written later),
    // and nothing else.
    assert_eq!(
        get(k, pro, h, "financien/situatie"),
        b"Schuld: 4.200 euro".to_vec()
    );
    set_value(k, c, h, "financien/budget", "Leefgeld 60 per week");
    assert_eq!(
        get(k, pro, h, "financien/budget"),
        b"Leefgeld 60 per week".to_vec()
    );
    get_refused(k, pro, h, "huisvesting/woning");
    // A read grant does not allow writing.
    k.with(
        pro,
        &["plan", "set", h, "financien/situatie", "--value", "x"],
    )
    .failure();

    // grants lists it, active, with its scope and purpose.
    let grants = k.with(c, &["grants", h]);
    let text = grants.text();
    assert!(text.contains(&g), "{grants:?}");
    assert!(text.contains("financien/*"), "{grants:?}");
    assert!(text.contains("schuldhulp"), "{grants:?}");

    // The consent receipt: export to a file, verify offline.
    let jws = k.with(c, &["consent", "export", h, &g]).value().to_owned();
    assert_eq!(
        jws.split('.').count(),
        3,
        "a JWS compact serialization: {jws}"
    );
    let receipt = s.file("receipt.jws", format!("{jws}\n").as_bytes());
    let receipt_arg = receipt.to_str().unwrap();
    // Offline: a server that does not answer is fine.
    let offline = Kluis::new("http://127.0.0.1:9");
    let verified = offline.with(c, &["consent", "verify", receipt_arg]);
    let text = verified.text();
    assert!(text.to_lowercase().contains("active"), "{verified:?}");
    assert!(
        text.contains(&s.pro_id()),
        "names the grantee: {verified:?}"
    );
    assert!(text.contains("schuldhulp"), "{verified:?}");
    assert!(text.contains("financien/*"), "{verified:?}");
    // No keystore needed either.
    let verified = offline.run(&["consent", "verify", receipt_arg]);
    assert!(verified.success, "{verified:?}");
    let verified = offline
        .run(&["--json", "consent", "verify", receipt_arg])
        .json();
    assert_eq!(verified["valid_signature"], true, "{verified}");
    assert_eq!(verified["validity"], "active", "{verified}");
    assert_eq!(verified["statement"]["grant_id"], g.as_str(), "{verified}");

    // A tampered receipt: one character of the payload changed.
    let parts: Vec<&str> = jws.split('.').collect();
    let payload = parts[1];
    let mid = payload.len() / 2;
    let orig = payload.as_bytes()[mid];
    let swapped = if orig == b'A' { 'B' } else { 'A' };
    let tampered_payload = format!("{}{}{}", &payload[..mid], swapped, &payload[mid + 1..]);
    let tampered = format!("{}.{}.{}", parts[0], tampered_payload, parts[2]);
    assert_ne!(tampered, jws);
    let bad = s.file("tampered.jws", tampered.as_bytes());
    offline
        .run(&["consent", "verify", bad.to_str().unwrap()])
        .failure();
    offline
        .run(&["--json", "consent", "verify", bad.to_str().unwrap()])
        .failure();
    // Also a changed signature, and plain garbage.
    let sig = parts[2];
    let sig_swapped = if sig.starts_with('A') { 'B' } else { 'A' };
    let bad_sig = format!("{}.{}.{}{}", parts[0], parts[1], sig_swapped, &sig[1..]);
    let f = s.file("badsig.jws", bad_sig.as_bytes());
    offline
        .run(&["consent", "verify", f.to_str().unwrap()])
        .failure();
    let f = s.file("garbage.jws", b"not a receipt at all");
    offline
        .run(&["consent", "verify", f.to_str().unwrap()])
        .failure();
    offline
        .run(&["consent", "verify", "/nonexistent/receipt.jws"])
        .failure();

    // Revoke: prints the grant id; the professional's read fails at once.
    let revoked = k.with(c, &["revoke", h, &g]).value().to_owned();
    assert_eq!(revoked, g);
    get_refused(k, pro, h, "financien/situatie");
    get_refused(k, pro, h, "financien/budget");
    // The client still reads everything.
    assert_eq!(
        get(k, c, h, "financien/situatie"),
        b"Schuld: 4.200 euro".to_vec()
    );
    let grants = k.with(c, &["grants", h]);
    assert!(grants.text().contains(&g), "{grants:?}");
    assert!(
        grants.text().to_lowercase().contains("revoked"),
        "the listing says so: {grants:?}"
    );
    // Revoking twice, or a grant that does not exist, is a one-line error.
    k.with(c, &["revoke", h, &g]).failure();
    // The professional cannot revoke (nor grant) on the household.
    let g2 = s.grant_financien();
    k.with(pro, &["revoke", h, &g2]).failure();
    s.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_to_a_second_professional_is_separate() {
    let s = Setup::new().await;
    let (k, c, h) = (&s.kluis, s.client(), s.h.as_str());
    set_value(k, c, h, "financien/situatie", "alleen voor Piet");
    s.grant_financien();
    let (other, _) = k.enrol(
        &s.dir,
        &s.e.admin.0,
        "professional",
        "Olga",
        Some("Schuldhulp BV"),
    );
    assert_eq!(
        get(k, s.pro(), h, "financien/situatie"),
        b"alleen voor Piet".to_vec()
    );
    get_refused(k, &other, h, "financien/situatie");
    k.with(&other, &["grants", h]).failure();
    s.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_grant_arguments_are_one_line_errors() {
    let s = Setup::new().await;
    let (k, c, h) = (&s.kluis, s.client(), s.h.as_str());
    let pro = s.pro_id();
    let until = date_in(30);
    let base = |fields: &str, purpose: &str, until: &str| -> Vec<String> {
        [
            "grant",
            h,
            "--to",
            &pro,
            "--fields",
            fields,
            "--purpose",
            purpose,
            "--until",
            until,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    // Refused by the CLI before it asks the server anything.
    for args in [
        base("financien/*", "marketing", &until),
        base("Financien/*", "schuldhulp", &until),
        base("financien/**", "schuldhulp", &until),
        base("", "schuldhulp", &until),
        base("financien/*", "schuldhulp", "morgen"),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        k.with(c, &args).failure();
    }
    // A grant to someone who is not a principal.
    k.with(
        c,
        &[
            "grant",
            h,
            "--to",
            "not-an-id",
            "--fields",
            "financien/*",
            "--purpose",
            "schuldhulp",
        ],
    )
    .failure();
    // Nothing was granted.
    let grants = k.with(c, &["--json", "grants", h]).json();
    assert_eq!(
        grants["grants"].as_array().map(Vec::len),
        Some(0),
        "{grants}"
    );
    s.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_observation_is_for_its_author_until_published() {
    let s = Setup::new().await;
    let (k, c, h) = (&s.kluis, s.client(), s.h.as_str());
    let pro = s.pro();

    // Without a grant (no involvement) a professional cannot observe.
    k.with(pro, &["observe", h, "--text", "te vroeg", "--private"])
        .failure();

    s.grant_financien();
    let note = "Vermoeden van gokproblemen; eerst vertrouwen opbouwen.";
    let path = k
        .with(pro, &["observe", h, "--text", note, "--private"])
        .value()
        .to_owned();
    assert!(path.starts_with("observaties/"), "{path}");

    // The author reads it; the client and another professional cannot.
    assert_eq!(get(k, pro, h, &path), note.as_bytes().to_vec());
    let line = get_refused(k, c, h, &path);
    assert!(!line.contains("gokproblemen"), "{line}");
    let (other, _) = k.enrol(
        &s.dir,
        &s.e.admin.0,
        "professional",
        "Olga",
        Some("Schuldhulp BV"),
    );
    get_refused(k, &other, h, &path);
    // The household's list may show that it exists, never what it says.
    let list = k.with(c, &["plan", "list", h]);
    assert!(!list.text().contains("gokproblemen"), "{list:?}");

    // A client cannot observe (observations are for professionals).
    k.with(c, &["observe", h, "--text", "x"]).failure();

    // Publishing shares it into the plan: now the client reads it.
    let published = k
        .with(pro, &["observe", "publish", h, &path])
        .value()
        .to_owned();
    assert_eq!(published, path);
    assert_eq!(get(k, c, h, &path), note.as_bytes().to_vec());
    // Published, it is a plan field like any other: readable by the household
    // and by grantees whose scope covers it. Piet's grant covers financien/*
    // only, so (by design, not as the author) he no longer reads it.
    get_refused(k, pro, h, &path);
    // Only the author may publish; the client cannot publish another one.
    let second = k
        .with(pro, &["observe", h, "--text", "nog een", "--private"])
        .value()
        .to_owned();
    assert_ne!(second, path);
    k.with(c, &["observe", "publish", h, &second]).failure();
    get_refused(k, c, h, &second);

    // A non-private observation from a file: the household reads it at once.
    let f = s.file("obs.txt", b"Gesprek gehad.\n");
    let open = k
        .with(pro, &["observe", h, "--file", f.to_str().unwrap()])
        .value()
        .to_owned();
    assert!(open.starts_with("observaties/"), "{open}");
    assert_eq!(get(k, c, h, &open), b"Gesprek gehad.\n".to_vec());
    s.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_of_plan_and_consent_commands_parses() {
    let s = Setup::new().await;
    let (k, c, h) = (&s.kluis, s.client(), s.h.as_str());
    let pro = s.pro_id();

    let created = k.with(c, &["--json", "household", "create"]).json();
    assert!(created["household_id"].is_string(), "{created}");

    let set = k
        .with(
            c,
            &[
                "--json",
                "plan",
                "set",
                h,
                "financien/situatie",
                "--value",
                "tekst",
            ],
        )
        .json();
    assert_eq!(set["version"], 1, "{set}");
    assert_eq!(set["path"], "financien/situatie", "{set}");
    assert!(!set.to_string().contains("tekst"), "no content: {set}");

    let got = k
        .with(c, &["--json", "plan", "get", h, "financien/situatie"])
        .json();
    assert_eq!(got["text"], "tekst", "{got}");
    assert_eq!(got["version"], 1, "{got}");
    let bin = s.file("bin", &[0x00, 0xFF, 0x80]);
    set_file(k, c, h, "algemeen/bin", &bin);
    let got = k
        .with(c, &["--json", "plan", "get", h, "algemeen/bin"])
        .json();
    assert_eq!(got["base64"], "AP+A", "{got}");

    let until = date_in(30);
    let granted: Value = k
        .with(
            c,
            &[
                "--json",
                "grant",
                h,
                "--to",
                &pro,
                "--fields",
                "financien/*,algemeen/bin",
                "--write",
                "--purpose",
                "schuldhulp",
                "--until",
                &until,
            ],
        )
        .json();
    let g = granted["grant_id"].as_str().expect("grant_id").to_owned();

    let grants = k.with(c, &["--json", "grants", h]).json();
    let list = grants["grants"].as_array().expect("grants array");
    assert_eq!(list.len(), 1, "{grants}");
    assert_eq!(list[0]["grant_id"], g.as_str(), "{grants}");
    assert_eq!(list[0]["purpose"], "schuldhulp", "{grants}");

    // The write grant lets the professional write a covered path, not others.
    let v = set_value(k, s.pro(), h, "financien/situatie", "door Piet");
    assert_eq!(v, 2);
    assert_eq!(get(k, c, h, "financien/situatie"), b"door Piet".to_vec());
    k.with(
        s.pro(),
        &["plan", "set", h, "huisvesting/woning", "--value", "x"],
    )
    .failure();

    let export = k.with(c, &["--json", "consent", "export", h, &g]).json();
    assert_eq!(export["grant_id"], g.as_str(), "{export}");
    assert_eq!(
        export["jws"].as_str().map(|j| j.split('.').count()),
        Some(3),
        "{export}"
    );

    let observed = k
        .with(
            s.pro(),
            &["--json", "observe", h, "--text", "privé", "--private"],
        )
        .json();
    assert!(
        observed["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("observaties/")),
        "{observed}"
    );

    let revoked = k.with(c, &["--json", "revoke", h, &g]).json();
    assert_eq!(revoked["grant_id"], g.as_str(), "{revoked}");
    assert!(revoked["rekeyed"].is_array(), "{revoked}");

    let synced = k.with(c, &["--json", "household", "sync", h]).json();
    assert!(synced["rekeyed"].is_array(), "{synced}");
    let synced = k.with(c, &["household", "sync", h]).value().to_owned();
    assert_eq!(synced, "0", "nothing expired: {synced}");
    s.server.stop().await;
}

/// Refusals that come from the server (or from checks after the grantee has
/// been looked up) must also be exactly one stderr line, and nothing may be
/// stored (`kluis grant` speaks only after the grant succeeded).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_refused_after_the_grantee_lookup_are_one_line_errors() {
    let s = Setup::new().await;
    let (k, c, h) = (&s.kluis, s.client(), s.h.as_str());
    let pro = s.pro_id();
    let until = date_in(30);
    let past = date_in(-3);
    let (_, olga_id) = k.enrol(
        &s.dir,
        &s.e.admin.0,
        "professional",
        "Olga",
        Some("Schuldhulp BV"),
    );
    let olga_id = olga_id.to_string();
    let cases = [
        ("an end date in the past", c, pro.as_str(), past.as_str()),
        // The professional is not a member: may not grant to a colleague.
        (
            "a professional granting",
            s.pro(),
            olga_id.as_str(),
            until.as_str(),
        ),
    ];
    let runs: Vec<(&str, Run)> = cases
        .iter()
        .map(|&(what, ks, to, until)| {
            let run = k.with(
                ks,
                &[
                    "grant",
                    h,
                    "--to",
                    to,
                    "--fields",
                    "financien/*",
                    "--purpose",
                    "schuldhulp",
                    "--until",
                    until,
                ],
            );
            (what, run)
        })
        .collect();
    let broken: Vec<String> = runs
        .iter()
        .filter(|(_, run)| run.success || run.stderr.lines().count() != 1)
        .map(|(what, run)| format!("{what}: {:?}", run.stderr))
        .collect();
    assert!(broken.is_empty(), "not one stderr line: {broken:#?}");
    for (_, run) in &runs {
        run.failure();
    }
    let grants = k.with(c, &["--json", "grants", h]).json();
    assert_eq!(
        grants["grants"].as_array().map(Vec::len),
        Some(0),
        "nothing was granted: {grants}"
    );
    s.server.stop().await;
}

/// Observation names are the server's: a professional who makes one up
/// (`observaties/aangifte-tegen-u`) is refused, private or shared, and the
/// made-up name never reaches the household's history (`kluis access-log`
/// shows the section only). A name issued to someone else, or used once
/// already, is refused too. Before, the writing client chose the name and
/// the server stored (and logged) whatever it was given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observation_names_are_made_by_the_server_only() {
    use kluis_policy::FieldPath;
    use kluis_vault::keys::Keystore;
    let s = Setup::new().await;
    let (k, c, h) = (&s.kluis, s.client(), s.h.as_str());
    s.grant_financien();
    let household = HouseholdId::parse(h).unwrap();
    let device = |ks: &Path| {
        let id = Keystore::open(ks, common::cli::PASSPHRASE).unwrap();
        s.server.client_for(id)
    };
    let piet = device(s.pro());
    let made_up = FieldPath::parse("observaties/aangifte-tegen-u").unwrap();
    for private in [true, false] {
        let err = piet
            .observe_at(household, &made_up, b"verzonnen", private)
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(403), "{err}");
        assert_eq!(err.kind(), Some("observation-name-not-issued"), "{err}");
    }
    // A name issued to another professional is not Piet's to use.
    let (olga_ks, olga_id) = k.enrol(
        &s.dir,
        &s.e.admin.0,
        "professional",
        "Olga",
        Some("Schuldhulp BV"),
    );
    let until = date_in(30);
    k.with(
        c,
        &[
            "grant",
            h,
            "--to",
            &olga_id.to_string(),
            "--fields",
            "financien/*",
            "--purpose",
            "schuldhulp",
            "--until",
            &until,
        ],
    )
    .value();
    let olga = device(&olga_ks);
    let hers = olga.observation_name(household).await.unwrap().path;
    let err = piet
        .observe_at(household, &hers, b"van een ander", true)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Some("observation-name-not-issued"), "{err}");
    // Her own name works, once.
    olga.observe_at(household, &hers, b"eerste", true)
        .await
        .unwrap();
    let err = olga
        .observe_at(household, &hers, b"tweede", true)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Some("observation-name-not-issued"), "{err}");
    // Someone not involved gets no name at all.
    let outsider = device(&s.e.admin.0);
    let err = outsider.observation_name(household).await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");

    // The normal flows still work, under names the server made.
    let shared = k.with(s.pro(), &["observe", h, "--text", "Gesprek gehad."]);
    let shared = shared.value().to_owned();
    let private = k
        .with(s.pro(), &["observe", h, "--text", "Zorgen.", "--private"])
        .value()
        .to_owned();
    for path in [&shared, &private] {
        assert!(path.starts_with("observaties/20"), "{path}");
    }
    assert_eq!(get(k, c, h, &shared), b"Gesprek gehad.".to_vec());
    let published = k
        .with(s.pro(), &["observe", "publish", h, &private])
        .value()
        .to_owned();
    assert_eq!(published, private);
    assert_eq!(get(k, c, h, &private), b"Zorgen.".to_vec());

    // The household's history never shows the made-up name, only the section.
    let history = k.with(c, &["access-log", h]).text().to_owned();
    assert!(!history.contains("aangifte"), "{history}");
    for refused in [
        "who may read observaties — did not work (name not issued)",
        "private note (only its writer can read it) — did not work (name not issued)",
    ] {
        assert!(history.contains(refused), "{refused}\n{history}");
    }
    assert!(history.contains(&shared), "{history}");
    s.server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_holds_and_erasure_by_two_administrators_through_the_binary() {
    let s = Setup::new().await;
    let (k, c, h) = (&s.kluis, s.client(), s.h.as_str());
    let (pro, admin) = (s.pro(), s.e.admin.0.as_path());
    set_value(k, c, h, "financien/situatie", "MARKER-cli-erase-3141");
    // A read-only grantee cannot close; the household names a coordinator.
    s.grant_financien();
    let refused = k
        .with(pro, &["household", "close", h, "--basis", "wmo"])
        .failure()
        .to_owned();
    assert!(refused.contains("coordinat"), "{refused}");
    let pro_id = s.pro_id();
    k.with(
        c,
        &[
            "grant",
            h,
            "--to",
            &pro_id,
            "--fields",
            "algemeen/*",
            "--purpose",
            "wmo",
            "--coordinate",
        ],
    )
    .value();
    assert!(k
        .with(c, &["grants", h])
        .text()
        .contains("coordinate the case"));
    k.with(pro, &["household", "close", h, "--basis", "wmo"])
        .text();
    let again = k
        .with(
            pro,
            &["household", "close", h, "--basis", "niet-vastgesteld"],
        )
        .failure()
        .to_owned();
    assert!(again.contains("reopen"), "{again}");

    // A hold by id, released by id with a reason.
    let hold = k
        .with(admin, &["household", "hold", h, "--reason", "Klacht"])
        .value()
        .to_owned();
    assert_eq!(hold.len(), 16, "{hold}");
    let proposal_refused = k
        .with(admin, &["household", "erase", h, "--basis", "AVG art. 17"])
        .failure()
        .to_owned();
    assert!(proposal_refused.contains("hold"), "{proposal_refused}");
    k.with(
        admin,
        &[
            "household",
            "release",
            h,
            "--hold",
            &hold,
            "--reason",
            "Afgehandeld",
        ],
    )
    .text();

    // One administrator proposes (its id is the one line), another approves.
    let proposal = k
        .with(admin, &["household", "erase", h, "--basis", "AVG art. 17"])
        .value()
        .to_owned();
    assert!(proposal.starts_with("r-"), "{proposal}");
    assert_eq!(
        get(k, c, h, "financien/situatie"),
        b"MARKER-cli-erase-3141".to_vec(),
        "nothing is erased by a proposal"
    );
    let own = k.with(admin, &["approve", &proposal]).failure().to_owned();
    assert!(own.contains("another administrator"), "{own}");
    let (second, _) = k.enrol(&s.dir, admin, "admin", "Tweede beheerder", None);
    assert!(k.with(&second, &["proposals"]).text().contains(&proposal));
    let approved = k.with(&second, &["approve", &proposal]).text().to_owned();
    assert!(approved.contains(&format!("deleted {h}")), "{approved}");
    let gone = get_refused(k, c, h, "financien/situatie");
    assert!(gone.contains("destroyed"), "{gone}");
    assert!(k.with(&second, &["proposals"]).text().is_empty());
    s.server.stop().await;
}
