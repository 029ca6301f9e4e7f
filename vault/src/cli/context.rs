//! What every client command starts from: the keystore, the server and the
//! output mode.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{anyhow, Context as _};

use super::output::Output;
use super::passphrase;
use crate::client::Client;
use crate::keys::{Identity, Keystore};

pub struct Context {
    keystore: Option<PathBuf>,
    server: String,
    pub out: Output,
}

impl Context {
    pub fn new(keystore: Option<PathBuf>, server: String, json: bool) -> Self {
        Self {
            keystore,
            server,
            out: Output { json },
        }
    }

    pub fn keystore_path(&self) -> anyhow::Result<&PathBuf> {
        self.keystore
            .as_ref()
            .ok_or_else(|| anyhow!("no keystore given: use --keystore PATH or set KLUIS_KEYSTORE"))
    }

    /// The server's URL, for commands that work without a keystore.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// A certificate authority of the server's own (`KLUIS_CA_CERT`), if set.
    pub fn ca_pem(&self) -> anyhow::Result<Option<Vec<u8>>> {
        std::env::var_os("KLUIS_CA_CERT")
            .map(|path| {
                std::fs::read(&path).with_context(|| {
                    format!("cannot read KLUIS_CA_CERT {}", path.to_string_lossy())
                })
            })
            .transpose()
    }

    /// Open the keystore (asking for the passphrase if needed).
    pub fn identity(&self) -> anyhow::Result<Arc<Identity>> {
        let path = self.keystore_path()?;
        let pass = passphrase::existing()?;
        Ok(Arc::new(Keystore::open(path, &pass)?))
    }

    /// A client for the keystore's person; what the device remembers (keys
    /// it pinned, versions it saw) is kept in files beside the keystore.
    pub fn client(&self) -> anyhow::Result<Client> {
        self.client_for(self.identity()?)
    }

    /// `client`, for keys already opened.
    pub fn client_for(&self, identity: Arc<Identity>) -> anyhow::Result<Client> {
        let mut client = Client::new(&self.server, identity)
            .context("cannot set up the connection")?
            .on_device(self.keystore_path()?);
        // A server whose certificate comes from a CA of its own.
        if let Some(pem) = self.ca_pem()? {
            client = client.trusting(&pem)?;
        }
        Ok(client)
    }
}
