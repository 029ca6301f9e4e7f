//! The HTTP API: one module per area, the router here.
//!
//! Every response that is not a success is RFC 9457 problem+json (see
//! `problem`). Every request is held to a body-size limit and a timeout.

pub mod access_log;
pub mod accounts;
pub mod auth;
pub mod catalogue;
pub mod contacts;
pub mod device_label;
pub mod directory;
pub mod enrol;
pub mod export;
pub mod field_read;
pub mod grants;
pub mod health;
pub mod households;
pub mod idempotency;
pub mod json;
pub mod log;
pub mod log_writer;
pub mod login;
pub mod metrics;
pub mod observation_names;
pub mod observations;
pub mod openapi;
pub mod passkeys;
pub mod people;
pub mod plan;
pub mod problem;
pub mod professionals;
pub mod readmission;
pub mod record;
pub mod recovery;
pub mod refusals;
pub mod rekey;
pub mod retention;
pub mod rotation;
pub mod sessions;
pub mod upload;
pub mod whoami;

use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{middleware, BoxError, Router};
use tower::ServiceBuilder;

use crate::server::AppState;
use problem::{Kind, Problem};

pub fn router(state: AppState) -> Router {
    let limits = state.limits.clone();
    let v1 = Router::new()
        .route("/auth/challenge", post(login::challenge))
        .route("/auth/token", post(login::token))
        .route("/invites", post(enrol::invite))
        .route("/register", post(enrol::register))
        .route("/whoami", get(whoami::whoami))
        .route("/principals", get(people::list))
        .route("/principals/{id}", get(whoami::principal))
        .route("/principals/{id}/disable", post(accounts::disable))
        .route("/principals/{id}/enable", post(accounts::enable))
        .route(
            "/principals/{id}/sessions",
            axum::routing::delete(accounts::sign_out).get(sessions::list_someones),
        )
        .route(
            "/principals/{id}/sessions/{session}",
            axum::routing::delete(sessions::end_someones),
        )
        .route("/sessions", get(sessions::list_mine))
        .route(
            "/sessions/{session}",
            axum::routing::delete(sessions::end_mine),
        )
        .route("/recovery", axum::routing::put(recovery::store))
        .route("/recovery/fetch", post(recovery::fetch))
        .route(
            "/passkeys",
            axum::routing::put(passkeys::add).get(passkeys::list),
        )
        .route("/passkeys/fetch", post(passkeys::fetch))
        .route(
            "/passkeys/{passkey}",
            axum::routing::delete(passkeys::remove),
        )
        .route("/directory/{principal}", get(directory::lookup))
        .route("/directory/{principal}/earlier", get(rotation::earlier))
        .route("/keys/held", get(rotation::held))
        .route(
            "/principals/{id}/reenrol-invite",
            post(readmission::reenrol_invite),
        )
        .route(
            "/households/{household}/members/{principal}/readmit",
            post(readmission::readmit),
        )
        .route("/keys/rotate", post(rotation::rotate))
        .route("/professionals", get(professionals::search))
        .route("/template", get(catalogue::template))
        .route("/purposes", get(catalogue::purposes))
        .route(
            "/households",
            post(households::create).get(households::list),
        )
        .route("/households/{household}", get(households::show))
        .route(
            "/households/{household}/members",
            post(households::add_member),
        )
        .route("/households/{household}/fields", get(plan::list))
        .route(
            "/households/{household}/fields/{*path}",
            get(field_read::read).put(plan::write),
        )
        .route(
            "/households/{household}/readers/{*path}",
            get(plan::write_plan),
        )
        .route(
            "/households/{household}/versions/{*path}",
            get(plan::history),
        )
        .route(
            "/households/{household}/grants",
            post(grants::create).get(grants::list),
        )
        .route(
            "/households/{household}/grants/{grant}/revoke",
            post(grants::revoke),
        )
        .route("/households/{household}/stale", get(grants::stale))
        .route(
            "/households/{household}/rekey/{*path}",
            axum::routing::put(rekey::rekey),
        )
        .route(
            "/households/{household}/observations",
            post(observations::create),
        )
        .route(
            "/households/{household}/observations/names",
            post(observation_names::issue),
        )
        .route(
            "/households/{household}/publish/{*path}",
            post(observations::publish),
        )
        .route("/households/{household}/access-log", get(access_log::show))
        .route(
            "/households/{household}/contacts",
            post(contacts::add).get(contacts::list),
        )
        .route(
            "/households/{household}/contacts/{principal}",
            axum::routing::delete(contacts::remove),
        )
        .route(
            "/households/{household}/contact-requests",
            post(contacts::request),
        )
        .route(
            "/households/{household}/contact-requests/{request}/refuse",
            post(contacts::refuse),
        )
        .route(
            "/households/{household}/contact-requests/{request}/release",
            post(contacts::release),
        )
        .route("/contacts", get(contacts::mine))
        .route("/log/key", get(log::key))
        .route("/log/checkpoint", get(log::checkpoint))
        .route("/log/consistency", get(log::consistency))
        .route("/log/entries", get(log::entries))
        .route("/log/query", get(log::query))
        .route("/households/{household}/close", post(retention::close))
        .route("/households/{household}/reopen", post(retention::reopen))
        .route("/households/{household}/holds", post(retention::hold))
        .route(
            "/households/{household}/holds/{hold}/release",
            post(retention::release),
        )
        .route("/households/{household}/erase", post(retention::erase))
        .route(
            "/households/{household}/exports",
            post(export::record_export),
        )
        .route("/retention/due", get(retention::due))
        .route("/retention/destroy", post(retention::destroy))
        .route("/proposals", get(retention::list))
        .route("/proposals/{proposal}/approve", post(retention::approve))
        .route("/proposals/{proposal}/reject", post(retention::reject))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::track,
        ));

    let app = Router::new()
        .nest("/v1", v1)
        .merge(crate::server::web_app::routes())
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { Problem::not_found("there is no such endpoint") })
        .method_not_allowed_fallback(|| async {
            Problem::new(Kind::MethodNotAllowed, "this endpoint does not take that method")
        })
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(|err: BoxError| async move {
                    if err.is::<tower::timeout::error::Elapsed>() {
                        Problem::new(Kind::Timeout, "the request took too long and was stopped; it may or may not have taken effect: retry with the same Idempotency-Key to find out")
                    } else {
                        Problem::new(Kind::Internal, "the request could not be handled")
                    }
                }))
                .timeout(limits.request_timeout),
        )
        .layer(tower_http::trace::TraceLayer::new_for_http());
    crate::server::web_app::security_headers(app).with_state(state)
}
