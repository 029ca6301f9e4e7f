//! The client library: everything a person's device does, over HTTP.
//!
//! A `Client` holds the person's `Identity` and logs in by itself (challenge,
//! signature, token) on first use and again when the token expires. All
//! encryption and signing happens here, on the device; the server only ever
//! receives public keys, signatures, envelopes and ciphertext.

mod accounts;
mod audit;
mod catalogue;
mod consent;
mod contacts;
mod device_file;
mod directory;
mod error;
mod export;
mod household;
mod http;
mod observations;
mod passkeys;
mod pins;
mod plan;
mod readers;
mod readmission;
pub mod recovery;
mod retention;
mod rotation;
mod seen;
mod sessions;
mod trust;
mod versions;
mod zrm;

pub use audit::{AuditFailure, AuditState, Exported, LogFilter, Verified};
pub use consent::GrantRequest;
pub use error::ClientError;
pub use export::ExportSummary;
pub use plan::Field;
pub use rotation::EarlierTrusted;
pub use trust::{expect_fingerprint, TrustedKeys, VerifiedHousehold};
pub use versions::Authorship;
pub use zrm::{ZrmDomainScores, ZrmVersion};

use std::collections::HashMap;
use std::sync::Arc;

use kluis_policy::HouseholdId;
use tokio::sync::Mutex;

use crate::keys::Identity;
use crate::role::Role;
use crate::wire::auth::TokenResponse;
use crate::wire::enrol::{InviteRequest, InviteResponse, PrincipalInfo, RegisterRequest};
use kluis_policy::PrincipalId;

#[derive(Clone)]
pub struct Client {
    http: http::Http,
    identity: Arc<Identity>,
    /// Household identities opened this session.
    households: Arc<Mutex<HashMap<HouseholdId, Arc<age::x25519::Identity>>>>,
    /// Refuse oversized values before encrypting (the server's default).
    max_field_bytes: usize,
    me: Arc<Mutex<Option<PrincipalId>>>,
    /// Keys pinned on this device (see `trust`).
    pins: Arc<Mutex<pins::Pins>>,
    /// Keys checked this session.
    trusted: Arc<Mutex<HashMap<PrincipalId, TrustedKeys>>>,
    /// The newest version of each field this device saw (see `seen`).
    seen: Arc<Mutex<seen::Seen>>,
    /// The access log's key and checkpoint this device pinned (see `directory`).
    log_pin: Arc<Mutex<directory::LogPin>>,
    /// Households whose chain this session checked, for checking versions.
    checked_households: Arc<Mutex<HashMap<HouseholdId, VerifiedHousehold>>>,
}

impl Client {
    pub fn new(server: &str, identity: Arc<Identity>) -> Result<Self, ClientError> {
        Ok(Self {
            http: http::Http::new(server)?,
            identity,
            households: Arc::default(),
            max_field_bytes: 256 * 1024,
            me: Arc::default(),
            pins: Arc::default(),
            trusted: Arc::default(),
            seen: Arc::default(),
            log_pin: Arc::default(),
            checked_households: Arc::default(),
        })
    }

    /// Keep what this device remembers (pinned keys, versions seen) in files
    /// beside `keystore` instead of in memory: the CLI does this.
    pub fn on_device(mut self, keystore: &std::path::Path) -> Self {
        self.pins = Arc::new(Mutex::new(pins::Pins::at(pins::Pins::path_for_keystore(
            keystore,
        ))));
        self.seen = Arc::new(Mutex::new(seen::Seen::at(seen::Seen::path_for_keystore(
            keystore,
        ))));
        self.log_pin = Arc::new(Mutex::new(directory::LogPin::at(
            directory::LogPin::path_for_keystore(keystore),
        )));
        self
    }

    /// Also trust the certificate authority in `pem` for HTTPS.
    pub fn trusting(mut self, pem: &[u8]) -> Result<Self, ClientError> {
        self.http = self.http.trusting(pem)?;
        Ok(self)
    }

    /// The same person reaching the server at another address (a proxy, a
    /// second server process on one database) in a new session: it logs in
    /// again and checks keys afresh, against the same pins and versions seen
    /// (they belong to the device, not the session).
    pub fn via(&self, server: &str) -> Result<Self, ClientError> {
        let mut other = Self::new(server, self.identity.clone())?;
        other.pins = self.pins.clone();
        other.seen = self.seen.clone();
        other.log_pin = self.log_pin.clone();
        Ok(other)
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The keys this client uses, to make another client with them.
    pub fn shared_identity(&self) -> Arc<Identity> {
        self.identity.clone()
    }

    /// Register with an invite code. Sends only the public keys.
    pub async fn register(&self, invite: &str) -> Result<PrincipalInfo, ClientError> {
        let body = RegisterRequest {
            invite: invite.trim().to_owned(),
            keys: self.identity.public(),
        };
        self.http.post_anonymous("/v1/register", &body).await
    }

    pub async fn whoami(&self) -> Result<PrincipalInfo, ClientError> {
        self.http.get(&self.identity, "/v1/whoami").await
    }

    pub async fn principal(&self, id: PrincipalId) -> Result<PrincipalInfo, ClientError> {
        self.http
            .get(&self.identity, &format!("/v1/principals/{id}"))
            .await
    }

    pub async fn invite(
        &self,
        role: Role,
        name: &str,
        org: Option<&str>,
    ) -> Result<InviteResponse, ClientError> {
        let body = InviteRequest {
            role,
            name: name.to_owned(),
            org: org.map(str::to_owned),
        };
        self.http.post(&self.identity, "/v1/invites", &body).await
    }

    /// Log in now (normally done on demand); returns the principal id.
    pub async fn login(&self) -> Result<PrincipalId, ClientError> {
        Ok(self.login_token().await?.principal_id)
    }

    /// Log in now and return the bearer token itself, for API users who call
    /// the HTTP API with their own tools (`kluis login`).
    pub async fn login_token(&self) -> Result<TokenResponse, ClientError> {
        let token = self.http.login(&self.identity).await?;
        *self.me.lock().await = Some(token.principal_id);
        Ok(token)
    }

    /// My principal id (logging in if needed).
    pub(crate) async fn login_id(&self) -> Result<PrincipalId, ClientError> {
        let known = *self.me.lock().await;
        match known {
            Some(id) => Ok(id),
            None => self.login().await,
        }
    }

    /// The raw HTTP layer, for tests that must send what a well-behaved
    /// client never would.
    pub fn http(&self) -> &http::Http {
        &self.http
    }
}
