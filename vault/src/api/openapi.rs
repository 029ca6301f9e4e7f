//! The OpenAPI document, generated from the handlers' annotations and served
//! at `/openapi.json`.
//!
//! Handlers declare their success response and the errors particular to them
//! (403, 409, 422, ...). The errors that follow from an operation's shape are
//! added here, once, by `ProblemResponses`: 400 for anything with parameters
//! or a body, 401 for anything behind a login, 413 for a body, 403, 404 and
//! 410 for anything under a household (`record::denial`), 503 for every operation (timeout, database
//! unavailable). Every error response, declared by a handler or added here,
//! is `application/problem+json` with the `ProblemBody` schema, and its
//! description lists the problem kinds that come with that status.
//!
//! Path parameters are named by what they hold (`household`, `grant`, `id` for
//! a principal, `path` for a field path); `ProblemResponses` gives each its
//! exact pattern, so the document says what the server accepts.

use axum::Json;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Required, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::problem::{Kind, TYPE_PREFIX};
use super::{
    access_log, accounts, catalogue, contacts, directory, enrol, export, field_read, grants,
    households, log, login, observation_names, observations, passkeys, people, plan, professionals,
    readmission, recovery, rekey, retention, rotation, sessions, whoami,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "kluis", description = "Household support plans, encrypted on the client, shared by signed consent, with a tamper-evident access log."),
    paths(
        login::challenge, login::token,
        enrol::invite, enrol::register,
        whoami::whoami, whoami::principal, people::list,
        accounts::disable, accounts::enable, accounts::sign_out,
        sessions::list_mine, sessions::list_someones, sessions::end_mine, sessions::end_someones,
        recovery::store, recovery::fetch,
        passkeys::add, passkeys::list, passkeys::remove, passkeys::fetch,
        households::create, households::list, households::show, households::add_member,
        plan::write_plan, plan::write, field_read::read, plan::list, plan::history,
        grants::create, grants::list, grants::revoke, grants::stale, rekey::rekey,
        observation_names::issue, observations::create, observations::publish,
        access_log::show,
        contacts::add, contacts::list, contacts::remove, contacts::mine, contacts::request,
        contacts::refuse, contacts::release,
        retention::close, retention::reopen, retention::hold, retention::release, retention::due,
        retention::destroy, retention::erase, retention::list, retention::approve,
        retention::reject, export::record_export,
        directory::lookup, rotation::earlier, rotation::held, rotation::rotate,
        readmission::reenrol_invite, readmission::readmit,
        professionals::search, catalogue::template, catalogue::purposes,
        log::key, log::checkpoint, log::consistency, log::entries, log::query,
    ),
    components(schemas(super::problem::ProblemBody)),
    modifiers(&BearerAuth, &ProblemResponses)
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

/// The error responses every operation can give, by its shape (see the
/// module comment), all as problem+json.
struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let under_household = path.contains("{household}");
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                add_problems(op, under_household);
            }
            for op in [
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                add_idempotency_key(op);
            }
        }
    }
}

/// Every write takes an optional `Idempotency-Key` (see
/// `api::idempotency`); reusing one for another request is a 422.
fn add_idempotency_key(op: &mut Operation) {
    let param = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "One key per user action (for example a random UUID), sent again unchanged \
             when the action is retried. A retry whose first attempt took effect gets the \
             first answer again, with `Idempotent-Replayed: true`, and changes nothing. \
             Keys are kept 24 hours per caller; the same key with a different request is \
             refused (422, `idempotency-key-reused`).",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[!#-~]{1,255}$"))
                .max_length(Some(255)),
        ))
        .build();
    op.parameters.get_or_insert_with(Vec::new).push(param);
    for status in [400, 422] {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(problem_response(status)));
    }
}

/// The pattern of a path parameter, by its name.
fn path_parameter_pattern(name: &str) -> Option<(&'static str, usize)> {
    match name {
        "household" => Some(("^h-[0-9a-f]{32}$", 34)),
        "grant" => Some(("^g-[0-9a-f]{32}$", 34)),
        "id" | "principal" => Some(("^p-[0-9a-f]{32}$", 34)),
        "proposal" => Some(("^r-[0-9a-f]{32}$", 34)),
        "hold" => Some(("^[0-9a-f]{16}$", 16)),
        "session" | "passkey" => Some(("^[0-9a-f]{24}$", 24)),
        "request" => Some(("^c-[0-9a-f]{32}$", 34)),
        "path" => Some((
            "^[a-z0-9-]+(/[a-z0-9-]+){0,2}$",
            kluis_policy::path::MAX_PATH_BYTES,
        )),
        _ => None,
    }
}

fn add_problems(op: &mut Operation, under_household: bool) {
    for param in op.parameters.iter_mut().flatten() {
        if param.parameter_in != ParameterIn::Path {
            continue;
        }
        if let Some((pattern, max)) = path_parameter_pattern(&param.name) {
            param.schema = Some(RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(pattern))
                    .max_length(Some(max))
                    .build(),
            )));
        }
    }
    let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let has_body = op.request_body.is_some();
    let logged_in = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let implied = [
        (400, has_params || has_body),
        (401, logged_in),
        (403, under_household),
        (404, under_household),
        (410, under_household),
        (413, has_body),
        (429, logged_in),
        (503, true),
    ];
    let responses = &mut op.responses.responses;
    for (status, applies) in implied {
        if applies {
            responses
                .entry(status.to_string())
                .or_insert_with(|| RefOr::T(Response::new("")));
        }
    }
    for (status, response) in responses.iter_mut() {
        let Ok(code) = status.parse::<u16>() else {
            continue;
        };
        if code < 400 {
            continue;
        }
        *response = RefOr::T(problem_response(code));
    }
}

/// A problem+json response, described by the kinds that carry its status.
pub(crate) fn problem_response(status: u16) -> Response {
    let kinds: Vec<String> = Kind::ALL
        .iter()
        .filter(|k| k.status().as_u16() == status)
        .map(|k| format!("`{}{}`", TYPE_PREFIX, k.code()))
        .collect();
    let description = if kinds.is_empty() {
        "A problem".to_owned()
    } else {
        format!("A problem: {}", kinds.join(", "))
    };
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name("ProblemBody"))),
        )
        .build()
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operations(doc: &utoipa::openapi::OpenApi) -> Vec<(String, &Operation)> {
        let mut out = Vec::new();
        for (path, item) in &doc.paths.paths {
            for (method, op) in [
                ("get", &item.get),
                ("put", &item.put),
                ("post", &item.post),
                ("delete", &item.delete),
                ("patch", &item.patch),
            ] {
                if let Some(op) = op {
                    out.push((format!("{method} {path}"), op));
                }
            }
        }
        out
    }

    #[test]
    fn every_error_is_declared_as_problem_json() {
        let doc = ApiDoc::openapi();
        let ops = operations(&doc);
        assert!(ops.len() >= 30);
        for (name, op) in ops {
            let responses = &op.responses.responses;
            assert!(responses.contains_key("503"), "{name}");
            if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                assert!(responses.contains_key("401"), "{name} needs a login");
            }
            if op.request_body.is_some() {
                assert!(responses.contains_key("400"), "{name}");
                assert!(responses.contains_key("413"), "{name}");
            }
            if name.contains("{household}") {
                assert!(responses.contains_key("403"), "{name}");
                assert!(responses.contains_key("404"), "{name}");
                assert!(responses.contains_key("410"), "{name}");
            }
            for param in op.parameters.iter().flatten() {
                if param.parameter_in == ParameterIn::Path {
                    // A query struct without `parameter_in = Query` lands here.
                    assert!(
                        name.contains(&format!("{{{}}}", param.name)),
                        "{name}: {} is not in the path",
                        param.name
                    );
                    assert!(
                        path_parameter_pattern(&param.name).is_some(),
                        "{name}: path parameter {} has no pattern",
                        param.name
                    );
                }
            }
            for (status, response) in responses {
                let RefOr::T(response) = response else {
                    panic!("{name} {status}: inline responses only");
                };
                let code: u16 = status.parse().unwrap();
                if code >= 400 {
                    let types: Vec<&String> = response.content.keys().collect();
                    assert_eq!(types, ["application/problem+json"], "{name} {status}");
                    assert!(
                        response.description.contains(TYPE_PREFIX),
                        "{name} {status}"
                    );
                } else {
                    assert!(
                        !response.content.contains_key("application/problem+json"),
                        "{name} {status}"
                    );
                }
            }
        }
    }

    /// The pattern the document gives `schema.property`.
    fn body_pattern(doc: &utoipa::openapi::OpenApi, schema: &str, property: &str) -> regex::Regex {
        let value = serde_json::to_value(doc).unwrap();
        let pattern = value["components"]["schemas"][schema]["properties"][property]["pattern"]
            .as_str()
            .unwrap_or_else(|| panic!("{schema}.{property} has no pattern"));
        regex::Regex::new(pattern).unwrap()
    }

    /// The body patterns must accept what the real client sends: values made
    /// here by the same functions the client uses. (Schemathesis generates
    /// bodies from these patterns, and other clients read them.)
    #[test]
    fn body_patterns_accept_what_the_client_sends() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        use base64::Engine;
        use kluis_policy::{
            Action, FieldPath, GrantId, GrantStatement, HouseholdId, PrincipalId, Purpose, Scope,
        };

        use crate::keys::{envelope, seal, Identity};

        let doc = ApiDoc::openapi();
        for _ in 0..20 {
            let me = Identity::generate("test");
            let keys = me.public();
            let signature = URL_SAFE_NO_PAD.encode(me.sign(b"statement"));
            let household = age::x25519::Identity::generate().to_public().to_string();
            let env = STANDARD.encode(envelope::seal(&keys.age_recipient, &[7u8; 32]).unwrap());
            let path = FieldPath::parse("financien/situatie").unwrap();
            let binding = seal::Binding {
                household: HouseholdId::random(),
                path: &path,
                version: 1,
                key_gen: 0,
            };
            let len = rand::random::<u8>() as usize;
            let ciphertext = STANDARD.encode(seal::seal(&seal::new_key(), &binding, &vec![1; len]));
            let statement = GrantStatement {
                id: GrantId::random(),
                issuer: PrincipalId::random(),
                grantee: PrincipalId::random(),
                grantee_fingerprint: keys.fingerprint().unwrap(),
                household: binding.household,
                scope: Scope::parse("financien/*").unwrap(),
                actions: vec![Action::Read],
                purpose: Purpose::parse("schuldhulp").unwrap(),
                issued_at: 1_760_000_000,
                not_before: 1_760_000_000,
                expires: 1_770_000_000,
            };
            let jws = kluis_policy::jws::sign_grant(&statement, &me.key_pair()).unwrap();
            let reader = PrincipalId::random().to_string();
            for (schema, property, value) in [
                ("PublicKeys", "signing_key", &keys.signing_key),
                ("PublicKeys", "age_recipient", &keys.age_recipient),
                ("ChallengeRequest", "signing_key", &keys.signing_key),
                ("TokenRequest", "signature", &signature),
                ("CreateHousehold", "recipient", &household),
                ("CreateHousehold", "signature", &signature),
                ("CreateHousehold", "identity_envelope", &env),
                ("AddMember", "signature", &signature),
                ("AddMember", "identity_envelope", &env),
                ("KeyForGrantee", "envelope", &env),
                ("EnvelopeUpload", "envelope", &env),
                ("EnvelopeUpload", "reader", &reader),
                ("EnvelopeUpload", "reader", &"household".to_owned()),
                ("CreateGrant", "jws", &jws),
                ("Revoke", "jws", &jws),
                ("WriteField", "ciphertext", &ciphertext),
                ("Rekey", "ciphertext", &ciphertext),
                ("Observe", "ciphertext", &ciphertext),
                ("Publish", "ciphertext", &ciphertext),
            ] {
                let re = body_pattern(&doc, schema, property);
                assert!(re.is_match(value), "{schema}.{property} rejects {value:?}");
            }
        }
        // And they are not vacuous.
        let key = body_pattern(&doc, "PublicKeys", "signing_key");
        assert!(!key.is_match("not a key"));
        assert!(!body_pattern(&doc, "PublicKeys", "age_recipient").is_match("age1"));
        assert!(!body_pattern(&doc, "WriteField", "ciphertext").is_match("a b"));
        assert!(!body_pattern(&doc, "EnvelopeUpload", "reader").is_match("p-1"));
    }
}
