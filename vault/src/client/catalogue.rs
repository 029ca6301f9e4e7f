//! The lists an app shows to choose from: the plan's sections with their
//! names, the purposes, and the directory of professionals.

use super::{Client, ClientError};
use crate::wire::catalogue::{ProfessionalList, PurposeList, TemplateInfo};
use crate::wire::people::PersonList;

impl Client {
    /// The server's plan template: sections in order, with display names.
    pub async fn template(&self) -> Result<TemplateInfo, ClientError> {
        self.http.get(&self.identity, "/v1/template").await
    }

    /// Every purpose a grant can name, with plain descriptions.
    pub async fn purposes(&self) -> Result<PurposeList, ClientError> {
        self.http.get(&self.identity, "/v1/purposes").await
    }

    /// Everyone registered whose name or organisation contains `q`, at most
    /// 100, by name (administrators only; the server logs each look).
    pub async fn people(&self, q: Option<&str>) -> Result<PersonList, ClientError> {
        self.http
            .get(&self.identity, &search_path("/v1/principals", q))
            .await
    }

    /// Professionals whose name or organisation contains `q` (any case), at
    /// most 20, by name; `None` lists from the start of the alphabet. Their
    /// fingerprints are what the server says: `grant` still checks the keys
    /// in the key directory and asks the person to compare them.
    pub async fn professionals(&self, q: Option<&str>) -> Result<ProfessionalList, ClientError> {
        self.http
            .get(&self.identity, &search_path("/v1/professionals", q))
            .await
    }
}

/// `base`, with `?q=…` when there is a search text.
fn search_path(base: &str, q: Option<&str>) -> String {
    match q {
        Some(q) => {
            let encoded: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("q", q)
                .finish();
            format!("{base}?{encoded}")
        }
        None => base.to_owned(),
    }
}
