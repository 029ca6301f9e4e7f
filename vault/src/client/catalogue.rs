//! The lists an app shows to choose from: the plan's sections with their
//! names, the purposes, and the directory of professionals.

use super::{Client, ClientError};
use crate::wire::catalogue::{ProfessionalList, PurposeList, TemplateInfo};

impl Client {
    /// The server's plan template: sections in order, with display names.
    pub async fn template(&self) -> Result<TemplateInfo, ClientError> {
        self.http.get(&self.identity, "/v1/template").await
    }

    /// Every purpose a grant can name, with plain descriptions.
    pub async fn purposes(&self) -> Result<PurposeList, ClientError> {
        self.http.get(&self.identity, "/v1/purposes").await
    }

    /// Professionals whose name or organisation contains `q` (any case), at
    /// most 20, by name; `None` lists from the start of the alphabet. Their
    /// fingerprints are what the server says: `grant` still checks the keys
    /// in the key directory and asks the person to compare them.
    pub async fn professionals(&self, q: Option<&str>) -> Result<ProfessionalList, ClientError> {
        let path = match q {
            Some(q) => {
                let encoded: String = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("q", q)
                    .finish();
                format!("/v1/professionals?{encoded}")
            }
            None => "/v1/professionals".to_owned(),
        };
        self.http.get(&self.identity, &path).await
    }
}
