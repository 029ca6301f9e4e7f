//! HTTPS served by kluis itself (`kluis serve --tls-cert --tls-key`): the
//! library and the CLI log in over it when they trust the CA, refuse a
//! certificate they cannot check, and plain HTTP gets no answer.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use kluis_vault::client::{Client, ClientError};
use kluis_vault::keys::Identity;
use kluis_vault::role::Role;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A self-signed certificate for localhost and 127.0.0.1, as PEM files.
fn certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("make a certificate");
    let pem = cert.cert.pem();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, &pem).unwrap();
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).unwrap();
    (cert_path, key_path, pem.into_bytes())
}

#[tokio::test]
async fn the_server_speaks_https_and_clients_log_in_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, ca) = certificate(dir.path());
    let port = common::cli::free_port();
    let data = dir.path().join("data");
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_kluis"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(&data)
            .arg("--tls-cert")
            .arg(&cert)
            .arg("--tls-key")
            .arg(&key)
            .env_remove("KLUIS_DB")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start kluis serve"),
    );
    let url = format!("https://127.0.0.1:{port}");
    let https = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    let mut up = false;
    for _ in 0..200 {
        if let Ok(r) = https.get(format!("{url}/readyz")).send().await {
            up = r.status().is_success();
            if up {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the HTTPS server did not become ready");

    // Plain HTTP on the HTTPS port gets no HTTP answer.
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
    assert!(plain.is_err(), "plain HTTP was answered: {plain:?}");

    // A client that cannot check the certificate refuses to talk.
    let invite = std::fs::read_to_string(data.join("bootstrap-invite")).unwrap();
    let untrusting = Client::new(&url, Arc::new(Identity::generate("Beheerder"))).unwrap();
    let err = untrusting.register(invite.trim()).await.unwrap_err();
    assert!(matches!(err, ClientError::Unreachable { .. }), "{err:?}");

    // With the CA: register and log in (the login names the https origin).
    let admin = Client::new(&url, Arc::new(Identity::generate("Beheerder")))
        .unwrap()
        .trusting(&ca)
        .unwrap();
    admin
        .register(invite.trim())
        .await
        .expect("register over HTTPS");
    let me = admin.whoami().await.expect("log in over HTTPS");
    assert_eq!(me.role, Role::Admin);

    // The CLI, told about the CA, at https://localhost.
    let code = admin.invite(Role::Client, "Anna", None).await.unwrap().code;
    let ca_path = dir.path().join("ca.pem");
    std::fs::write(&ca_path, &ca).unwrap();
    let keystore = dir.path().join("anna.keystore");
    let kluis = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kluis"))
            .args(args)
            .env("KLUIS_SERVER", format!("https://localhost:{port}"))
            .env("KLUIS_CA_CERT", &ca_path)
            .env("KLUIS_KEYSTORE", &keystore)
            .env("KLUIS_PASSPHRASE", "een lange wachtzin")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    kluis(&["keys", "new", "--name", "Anna", "--work-factor", "10"]);
    let id = kluis(&["register", "--invite", &code]);
    assert!(id.trim().starts_with("p-"), "{id}");
}
