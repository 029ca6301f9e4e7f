//! `GET /v1/template` and `GET /v1/purposes`: the lists an app needs to show
//! the plan by section and to let a household choose a purpose, with the
//! names people read. Anyone logged in may ask; neither is dossier data, so
//! neither is logged.

use axum::extract::State;
use axum::Json;
use kluis_policy::Purpose;

use super::auth::Caller;
use crate::server::AppState;
use crate::wire::catalogue::{PurposeInfo, PurposeList, TemplateInfo};

/// The plan template this server uses: its sections in order, each with its
/// Dutch and English name, and where the self-sufficiency scores live.
#[utoipa::path(get, path = "/v1/template", tag = "plan",
    responses((status = 200, body = TemplateInfo)),
    security(("bearer" = [])))]
pub async fn template(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> Json<TemplateInfo> {
    Json(TemplateInfo {
        name: state.template.name.clone(),
        sections: state.template.named_sections().to_vec(),
        zrm: state.template.zrm().cloned(),
    })
}

/// Every purpose a grant can name, with its description in plain Dutch and
/// in English. The list is code (`kluis_policy::Purpose`), the same for
/// every server, because a signed grant must mean the same everywhere.
#[utoipa::path(get, path = "/v1/purposes", tag = "consent",
    responses((status = 200, body = PurposeList)),
    security(("bearer" = [])))]
pub async fn purposes(Caller(_caller): Caller) -> Json<PurposeList> {
    Json(purpose_list())
}

pub fn purpose_list() -> PurposeList {
    PurposeList {
        purposes: Purpose::ALL
            .iter()
            .map(|p| PurposeInfo {
                code: p.code().to_owned(),
                description_nl: p.description_nl().to_owned(),
                description_en: p.description_en().to_owned(),
            })
            .collect(),
    }
}
