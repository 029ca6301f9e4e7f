//! Driving the real `kluis` binary as a child process, for the end-to-end CLI
//! tests (tests/cli.rs, tests/cli_plans.rs). The contract it checks
//! (../shared/DESIGN.md "CLI contract"): a value-printing command prints
//! exactly that value on one stdout line, `--json` prints JSON, and every
//! failure exits non-zero with one line on stderr and nothing on stdout.
//!
//! Run the tests on a multi-threaded runtime so the in-process
//! [`TestServer`] keeps answering while a test thread waits for the binary.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kluis_policy::PrincipalId;
use serde_json::Value;

use super::TestServer;

pub const PASSPHRASE: &str = "correct horse battery staple";

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub success: bool,
    pub code: Option<i32>,
    /// Stdout as text (invalid UTF-8 replaced; see `bytes` for the exact output).
    pub stdout: String,
    /// Stdout exactly as the binary wrote it.
    pub bytes: Vec<u8>,
    pub stderr: String,
}

impl Run {
    /// The single stdout line of a successful value-printing command.
    pub fn value(&self) -> &str {
        assert!(self.success, "the command failed: {self:?}");
        let lines: Vec<&str> = self.stdout.lines().collect();
        assert_eq!(lines.len(), 1, "exactly one stdout line: {self:?}");
        assert!(!lines[0].trim().is_empty(), "a non-empty value: {self:?}");
        assert_eq!(lines[0], lines[0].trim(), "no stray whitespace: {self:?}");
        lines[0]
    }

    /// The stdout of a successful `--json` command, parsed.
    pub fn json(&self) -> Value {
        let line = self.value();
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }

    /// The exact stdout bytes of a successful command.
    pub fn output(&self) -> &[u8] {
        assert!(self.success, "the command failed: {self:?}");
        &self.bytes
    }

    /// The stdout text of a successful report-printing command.
    pub fn text(&self) -> &str {
        assert!(self.success, "the command failed: {self:?}");
        &self.stdout
    }

    /// The single stderr line of a failed command; checks the failure contract.
    pub fn failure(&self) -> &str {
        assert!(!self.success, "the command should have failed: {self:?}");
        assert_ne!(self.code, Some(0), "a non-zero exit code: {self:?}");
        assert!(self.bytes.is_empty(), "nothing on stdout: {self:?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "exactly one stderr line: {self:?}");
        assert!(
            lines[0].starts_with("kluis: "),
            "the line starts with 'kluis: ': {self:?}"
        );
        assert!(
            lines[0].len() > "kluis: ".len() + 10,
            "a line that says something: {self:?}"
        );
        lines[0]
    }
}

/// How to call the binary: which server, which passphrase.
#[derive(Clone)]
pub struct Kluis {
    pub server: String,
    pub passphrase: Option<String>,
}

impl Kluis {
    pub fn new(server: &str) -> Self {
        Self {
            server: server.to_owned(),
            passphrase: Some(PASSPHRASE.to_owned()),
        }
    }

    pub fn with_passphrase(&self, passphrase: &str) -> Self {
        Self {
            passphrase: Some(passphrase.to_owned()),
            ..self.clone()
        }
    }

    /// Run `kluis ARGS` with a clean environment of our own.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kluis"));
        cmd.args(args)
            .env_remove("KLUIS_KEYSTORE")
            .env_remove("KLUIS_PASSPHRASE")
            .env_remove("KLUIS_DATA_DIR")
            .env_remove("KLUIS_DB")
            .env_remove("KLUIS_LISTEN")
            .env_remove("RUST_LOG")
            .env("KLUIS_SERVER", &self.server)
            .stdin(Stdio::null());
        if let Some(p) = &self.passphrase {
            cmd.env("KLUIS_PASSPHRASE", p);
        }
        let out = cmd.output().expect("the kluis binary runs");
        Run {
            success: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            bytes: out.stdout,
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }

    /// `kluis --keystore KS ARGS`.
    pub fn with(&self, keystore: &Path, args: &[&str]) -> Run {
        let ks = keystore.to_str().expect("UTF-8 temp path");
        let mut all = vec!["--keystore", ks];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// Make a keystore (quickly: a low scrypt work factor) and return its fingerprint.
    pub fn keys_new(&self, keystore: &Path, name: &str) -> String {
        self.with(
            keystore,
            &["keys", "new", "--name", name, "--work-factor", "10"],
        )
        .value()
        .to_owned()
    }

    /// Register with an invite and return the principal id printed.
    pub fn register(&self, keystore: &Path, code: &str) -> PrincipalId {
        let run = self.with(keystore, &["register", "--invite", code]);
        let id = run.value();
        PrincipalId::parse(id).unwrap_or_else(|e| panic!("'{id}' is not a principal id: {e}"))
    }

    /// Invite a person and return the invite code printed.
    pub fn invite(&self, keystore: &Path, role: &str, name: &str, org: Option<&str>) -> String {
        let mut args = vec!["invite", "--role", role, "--name", name];
        if let Some(org) = org {
            args.extend(["--org", org]);
        }
        self.with(keystore, &args).value().to_owned()
    }

    pub fn whoami(&self, keystore: &Path) -> Value {
        self.with(keystore, &["whoami", "--json"]).json()
    }

    /// Make a fresh keystore, register it with an invite from `inviter`, and
    /// return its path and principal id.
    pub fn enrol(
        &self,
        dir: &tempfile::TempDir,
        inviter: &Path,
        role: &str,
        name: &str,
        org: Option<&str>,
    ) -> (PathBuf, PrincipalId) {
        let code = self.invite(inviter, role, name, org);
        let ks = keystore_in(dir, name);
        self.keys_new(&ks, name);
        let id = self.register(&ks, &code);
        (ks, id)
    }
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

pub fn keystore_in(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(format!("{name}.keystore"))
}

/// Admin (bootstrap), professional (invited by the admin) and client (invited
/// by the professional), all through the binary.
pub struct Enrolled {
    pub admin: (PathBuf, PrincipalId),
    pub pro: (PathBuf, PrincipalId),
    pub client: (PathBuf, PrincipalId),
}

pub fn enrol_three(kluis: &Kluis, server: &TestServer, dir: &tempfile::TempDir) -> Enrolled {
    let admin_ks = keystore_in(dir, "admin");
    kluis.keys_new(&admin_ks, "Beheerder");
    let admin = kluis.register(&admin_ks, &server.bootstrap_invite());

    let code = kluis.invite(
        &admin_ks,
        "professional",
        "Piet de Coach",
        Some("Wijkteam Noord"),
    );
    let pro_ks = keystore_in(dir, "pro");
    kluis.keys_new(&pro_ks, "Piet de Coach");
    let pro = kluis.register(&pro_ks, &code);

    let code = kluis.invite(&pro_ks, "client", "Anna", None);
    let client_ks = keystore_in(dir, "client");
    kluis.keys_new(&client_ks, "Anna");
    let client = kluis.register(&client_ks, &code);

    Enrolled {
        admin: (admin_ks, admin),
        pro: (pro_ks, pro),
        client: (client_ks, client),
    }
}
