//! The OpenAPI document, generated from the handlers' annotations and served
//! at `/openapi.json`.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    access_log, enrol, export, grants, households, log, login, observations, plan, rekey,
    retention, whoami,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "kluis", description = "Household support plans, encrypted on the client, shared by signed consent, with a tamper-evident access log."),
    paths(
        login::challenge, login::token,
        enrol::invite, enrol::register,
        whoami::whoami, whoami::principal,
        households::create, households::list, households::show, households::add_member,
        plan::write_plan, plan::write, plan::read, plan::list, plan::history,
        grants::create, grants::list, grants::revoke, grants::stale, rekey::rekey,
        observations::create, observations::publish,
        access_log::show,
        retention::close, retention::reopen, retention::hold, retention::release, retention::due,
        retention::destroy, retention::erase, export::record_export,
        log::key, log::checkpoint, log::consistency, log::entries, log::query,
    ),
    components(schemas(super::problem::ProblemBody)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
