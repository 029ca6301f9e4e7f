//! `GET /v1/professionals?q=TEXT`: the directory a household picks from
//! when it shares part of its plan.
//!
//! It lists staff, never households: only professionals who are not
//! disabled (`store::professionals`), so it cannot be used to find out who
//! is a client here, nor who the auditors and administrators are. Anyone
//! logged in may search (a client needs it to choose), at most 20 answers
//! at a time. What it returns is public within the service anyway (names,
//! organisations and the fingerprints of public keys, as
//! `GET /v1/principals/{id}` gives); a device still checks the keys in the
//! key directory before it shares anything. Not dossier data, so not logged.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;

use super::auth::Caller;
use super::json::ApiQuery;
use super::problem::{ApiResult, Problem, ProblemBody};
use crate::server::AppState;
use crate::store::professionals;
use crate::wire::catalogue::{Professional, ProfessionalList};

/// The longest search text, in characters, after trimming.
pub const MAX_QUERY_CHARS: usize = 60;
/// The most professionals one answer lists.
pub const MAX_RESULTS: u32 = 20;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfessionalsQuery {
    /// Part of a name or an organisation, any case (0 to 60 characters,
    /// spaces at either end ignored). Without it: everyone, by name.
    #[param(max_length = 60)]
    pub q: Option<String>,
}

/// The search text, trimmed, or why it is refused.
pub(super) fn search_text(q: Option<&str>) -> ApiResult<&str> {
    let text = q.unwrap_or("").trim();
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(Problem::malformed(format!(
            "the search text is at most {MAX_QUERY_CHARS} characters"
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(Problem::malformed(
            "the search text may not hold control characters",
        ));
    }
    Ok(text)
}

/// Professionals whose name or organisation contains `q`, by name.
#[utoipa::path(get, path = "/v1/professionals", tag = "consent",
    params(ProfessionalsQuery),
    responses((status = 200, body = ProfessionalList), (status = 400, body = ProblemBody)),
    security(("bearer" = [])))]
pub async fn search(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    ApiQuery(query): ApiQuery<ProfessionalsQuery>,
) -> ApiResult<Json<ProfessionalList>> {
    let text = search_text(query.q.as_deref())?;
    // One more than shown, to say whether there are more.
    let mut found = professionals::search(&state.store, text, MAX_RESULTS + 1).await?;
    let more = found.len() > MAX_RESULTS as usize;
    found.truncate(MAX_RESULTS as usize);
    Ok(Json(ProfessionalList {
        professionals: found
            .iter()
            .map(|p| Professional {
                principal_id: p.id,
                name: p.name.clone(),
                org: p.org.clone(),
                fingerprint: p.fingerprint(),
            })
            .collect(),
        more,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_trimmed_and_capped() {
        assert_eq!(search_text(None).unwrap(), "");
        assert_eq!(search_text(Some("  Noord ")).unwrap(), "Noord");
        let longest = "é".repeat(MAX_QUERY_CHARS);
        assert!(search_text(Some(&format!("  {longest}  "))).is_ok());
        assert!(search_text(Some(&format!("{longest}x"))).is_err());
        assert!(search_text(Some("a\u{0}b")).is_err());
    }
}
