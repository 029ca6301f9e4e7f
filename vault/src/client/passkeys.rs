//! A person's passkeys as the server keeps them (`api::passkeys`): list
//! and remove. Adding one is the web app's (WebAuthn lives in browsers).

use super::{Client, ClientError};
use crate::wire::passkeys::{PasskeyList, PasskeyRemoved};

impl Client {
    /// My passkeys (labels and dates, never a blob).
    pub async fn my_passkeys(&self) -> Result<PasskeyList, ClientError> {
        self.http.get(&self.identity, "/v1/passkeys").await
    }

    /// Remove one of my passkeys: its copy of my keys is deleted.
    pub async fn remove_passkey(&self, id: &str) -> Result<PasskeyRemoved, ClientError> {
        self.http
            .delete(&self.identity, &format!("/v1/passkeys/{id}"))
            .await
    }
}
