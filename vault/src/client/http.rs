//! JSON over HTTP with automatic login.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use reqwest::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::Mutex;

use super::ClientError;
use crate::api::problem::ProblemBody;
use crate::keys::Identity;
use crate::wire::auth::{
    challenge_message, origin_of, ChallengeRequest, ChallengeResponse, TokenRequest, TokenResponse,
};

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// Attempts of one write: the first and up to two retries.
const WRITE_ATTEMPTS: u32 = 3;

/// A fresh key for one user action: 128 random bits.
fn new_idempotency_key() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// The answer may have been lost, or the server could not commit for now:
/// worth sending the same write again with the same key.
fn transient(e: &ClientError) -> bool {
    matches!(e, ClientError::Unreachable { .. })
        || matches!(e.kind(), Some("timeout" | "unavailable"))
}

/// Run `attempt` until it succeeds, fails for good, or `WRITE_ATTEMPTS` ran
/// out; waits 0.25 s and then 1 s between attempts.
async fn retry_write<T, F, Fut>(mut attempt: F) -> Result<T, ClientError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let mut wait = std::time::Duration::from_millis(250);
    for _ in 1..WRITE_ATTEMPTS {
        match attempt().await {
            Err(e) if transient(&e) => {
                tracing::debug!(error = %e, "write not confirmed; retrying with the same idempotency key");
                tokio::time::sleep(wait).await;
                wait *= 4;
            }
            other => return other,
        }
    }
    attempt().await
}

#[derive(Clone)]
pub struct Http {
    inner: reqwest::Client,
    base: String,
    token: Arc<Mutex<Option<String>>>,
}

impl Http {
    pub fn new(server: &str) -> Result<Self, ClientError> {
        let url = url::Url::parse(server).map_err(|_| ClientError::BadUrl(server.to_owned()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ClientError::BadUrl(server.to_owned()));
        }
        // Plain http only to this machine: anywhere else, someone on the
        // network could read the token and change the answers.
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        };
        if url.scheme() == "http" && !loopback {
            return Err(ClientError::BadUrl(format!(
                "{server} (plain http:// is only allowed to this machine; use https://)"
            )));
        }
        Ok(Self {
            inner: Self::transport(None)?,
            base: server.trim_end_matches('/').to_owned(),
            token: Arc::default(),
        })
    }

    /// Also trust the certificate authority in `pem` (a server with its own
    /// or a municipality's CA; `KLUIS_CA_CERT` in the CLI).
    pub fn trusting(mut self, pem: &[u8]) -> Result<Self, ClientError> {
        let ca = reqwest::Certificate::from_pem(pem)
            .map_err(|e| ClientError::BadUrl(format!("the CA certificate is not usable: {e}")))?;
        self.inner = Self::transport(Some(ca))?;
        Ok(self)
    }

    fn transport(ca: Option<reqwest::Certificate>) -> Result<reqwest::Client, ClientError> {
        let mut builder = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            // The server shows it as the device of the session ("kluis CLI 0.1").
            .user_agent(concat!("kluis-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = ca {
            builder = builder.add_root_certificate(ca);
        }
        builder
            .build()
            .map_err(|e| ClientError::BadUrl(e.to_string()))
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Log in with the device key (challenge, signature, token) and keep the
    /// token for the calls that follow; returns the token as the server gave it.
    pub async fn login(&self, identity: &Identity) -> Result<TokenResponse, ClientError> {
        let challenge: ChallengeResponse = self
            .send(
                self.inner
                    .post(self.url("/v1/auth/challenge"))
                    .json(&ChallengeRequest {
                        signing_key: identity.public().signing_key,
                    }),
            )
            .await?;
        let origin = origin_of(&self.base).ok_or_else(|| ClientError::BadUrl(self.base.clone()))?;
        let signature = identity.sign(&challenge_message(
            &origin,
            &challenge.challenge_id,
            &challenge.nonce,
        ));
        let token: TokenResponse = self
            .send(
                self.inner
                    .post(self.url("/v1/auth/token"))
                    .json(&TokenRequest {
                        challenge_id: challenge.challenge_id,
                        origin,
                        signature: B64.encode(signature),
                        device: None,
                    }),
            )
            .await?;
        *self.token.lock().await = Some(token.token.clone());
        Ok(token)
    }

    /// Forget the token (tests use this to check expiry handling).
    pub async fn set_token(&self, token: Option<String>) {
        *self.token.lock().await = token;
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        identity: &Identity,
        path: &str,
    ) -> Result<T, ClientError> {
        self.authed::<(), T>(identity, Method::GET, path, None)
            .await
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        identity: &Identity,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.authed(identity, Method::POST, path, Some(body)).await
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        identity: &Identity,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.authed(identity, Method::PUT, path, Some(body)).await
    }

    pub async fn delete<T: DeserializeOwned>(
        &self,
        identity: &Identity,
        path: &str,
    ) -> Result<T, ClientError> {
        self.authed::<(), T>(identity, Method::DELETE, path, None)
            .await
    }

    /// A write made before login (registration): sent with an
    /// idempotency key and retried like every write.
    pub async fn post_anonymous<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        let key = new_idempotency_key();
        retry_write(|| {
            self.send(
                self.inner
                    .post(self.url(path))
                    .header(IDEMPOTENCY_KEY, &key)
                    .json(body),
            )
        })
        .await
    }

    /// Send raw bytes, authenticated or not: for tests of hostile input.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<(u16, String, Vec<u8>), ClientError> {
        let mut req = self
            .inner
            .request(method, self.url(path))
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| self.unreachable(e))?;
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::BadResponse(e.to_string()))?;
        Ok((status, ctype, bytes.to_vec()))
    }

    pub async fn current_token(&self) -> Option<String> {
        self.token.lock().await.clone()
    }

    /// A request as a logged-in person. A write gets one idempotency key
    /// for all its attempts: if an attempt's answer is lost (a time-out, a
    /// broken connection, a 503), it is sent again with the same key, and
    /// the server answers with the outcome of the first attempt that took
    /// effect instead of doing it twice (see `api::idempotency`).
    async fn authed<B: Serialize, T: DeserializeOwned>(
        &self,
        identity: &Identity,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        if method == Method::GET {
            return self.authed_once(identity, method, path, body, None).await;
        }
        let key = new_idempotency_key();
        retry_write(|| self.authed_once(identity, method.clone(), path, body, Some(&key))).await
    }

    async fn authed_once<B: Serialize, T: DeserializeOwned>(
        &self,
        identity: &Identity,
        method: Method,
        path: &str,
        body: Option<&B>,
        key: Option<&str>,
    ) -> Result<T, ClientError> {
        // Log in on first use, and once more if the server says the token
        // is no longer good (expired, or the server forgot it).
        for attempt in 0..2 {
            // Bind first: a guard in the match scrutinee would live through
            // the arms and deadlock the login inside.
            let cached = self.token.lock().await.clone();
            let token = match cached {
                Some(t) => t,
                None => {
                    self.login(identity).await?;
                    self.token.lock().await.clone().unwrap_or_default()
                }
            };
            let mut req = self
                .inner
                .request(method.clone(), self.url(path))
                .bearer_auth(&token);
            if let Some(b) = body {
                req = req.json(b);
            }
            if let Some(key) = key {
                req = req.header(IDEMPOTENCY_KEY, key);
            }
            match self.send(req).await {
                Err(e)
                    if attempt == 0
                        && matches!(e.kind(), Some("token-expired" | "unauthenticated")) =>
                {
                    *self.token.lock().await = None;
                }
                other => return other,
            }
        }
        unreachable!("the loop returns on its second pass")
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn unreachable(&self, e: reqwest::Error) -> ClientError {
        let reason = if e.is_timeout() {
            "no answer in time".to_owned()
        } else if e.is_connect() {
            "connection refused or no route (is `kluis serve` running?)".to_owned()
        } else {
            e.to_string()
        };
        ClientError::Unreachable {
            url: self.base.clone(),
            reason,
        }
    }

    async fn send<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T, ClientError> {
        let resp = req.send().await.map_err(|e| self.unreachable(e))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::BadResponse(e.to_string()))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| ClientError::BadResponse(e.to_string()));
        }
        match serde_json::from_slice::<ProblemBody>(&bytes) {
            Ok(problem) => Err(ClientError::Problem {
                status: status.as_u16(),
                problem,
            }),
            Err(_) => Err(ClientError::BadResponse(format!(
                "HTTP {status} without a problem description"
            ))),
        }
    }
}
