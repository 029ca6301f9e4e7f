//! A JSON body extractor whose every rejection is a problem+json response.
//!
//! axum's own `Json` answers bad bodies in plain text; wrapping it keeps the
//! API's one error format and names what was wrong without echoing the body.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::problem::{Kind, Problem};

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(problem_for(rejection)),
        }
    }
}

fn problem_for(rejection: JsonRejection) -> Problem {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Problem::new(
            Kind::PayloadTooLarge,
            "the request body is larger than this server accepts",
        );
    }
    let detail = match &rejection {
        JsonRejection::MissingJsonContentType(_) => "send the body as application/json".to_owned(),
        JsonRejection::JsonSyntaxError(_) => "the body is not valid JSON".to_owned(),
        JsonRejection::JsonDataError(e) => {
            // serde's message names the field and what was expected; cap it.
            let text = e.body_text();
            format!(
                "the body does not match the expected shape: {}",
                text.chars().take(300).collect::<String>()
            )
        }
        _ => "the body could not be read".to_owned(),
    };
    Problem::malformed(detail)
}

/// A query-string extractor whose rejections are problem+json too.
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Problem> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => {
                let text = rejection.body_text();
                Err(Problem::malformed(format!(
                    "the query string is not valid: {}",
                    text.chars().take(200).collect::<String>()
                )))
            }
        }
    }
}
