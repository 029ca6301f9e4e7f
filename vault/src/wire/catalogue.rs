//! The lists an app shows a person to choose from: the plan's sections with
//! their names (`GET /v1/template`), the purposes a grant can name
//! (`GET /v1/purposes`) and the professionals one can share with
//! (`GET /v1/professionals`). None of it is dossier data.

use kluis_policy::PrincipalId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::template::{Section, ZrmTemplate};

/// The plan template: its name and its sections, in the order to show them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TemplateInfo {
    /// The template's name, e.g. `zrm-2017`.
    pub name: String,
    pub sections: Vec<Section>,
    /// Where self-sufficiency scores (ZRM) live and their domains; absent
    /// when this server's template has none.
    #[serde(default)]
    pub zrm: Option<ZrmTemplate>,
}

/// A purpose a grant can be given for.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PurposeInfo {
    /// The code a signed grant carries, e.g. `schuldhulp`.
    pub code: String,
    /// In plain Dutch (B1), for the household.
    pub description_nl: String,
    pub description_en: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PurposeList {
    /// Every purpose, in the order to show them.
    pub purposes: Vec<PurposeInfo>,
}

/// A professional one can share with.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Professional {
    #[schema(value_type = String)]
    pub principal_id: PrincipalId,
    pub name: String,
    pub org: Option<String>,
    /// The fingerprint of their registered keys, to compare with the one
    /// the professional shows before granting. The device still checks the
    /// keys themselves (key directory) before it shares anything.
    pub fingerprint: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProfessionalList {
    /// At most 20, by name.
    pub professionals: Vec<Professional>,
    /// More professionals match than are listed: search more precisely.
    pub more: bool,
}
