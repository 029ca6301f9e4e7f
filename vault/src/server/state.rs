//! What every request handler can reach.

use std::sync::Arc;

use kluis_audit::LogSigner;

use crate::api::health::Readiness;
use crate::api::log_writer::LogWriter;
use crate::api::metrics::Metrics;
use crate::clock::Clock;
use crate::retention::Schedule;
use crate::server::configuration::{Limits, ServeConfig};
use crate::store::Store;
use crate::template::PlanTemplate;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub clock: Clock,
    pub limits: Limits,
    pub metrics: Metrics,
    pub template: PlanTemplate,
    /// Names this process in log entries (several may share one database).
    pub instance: String,
    /// Signs checkpoints of the access log (loaded from its file at start).
    pub log_signer: LogSigner,
    pub schedule: Schedule,
    /// Group commit of read log entries (see `api::log_writer`).
    pub log_writer: LogWriter,
    /// The latest `/readyz` probe (see `api::health`).
    pub readiness: Readiness,
    /// The origins a login signature may name (see `wire::auth`).
    pub origins: Vec<String>,
    /// Refused requests per person (see `api::refusals`).
    pub refusals: crate::api::refusals::RefusalLimiter,
    /// The households' log keys, outside the database.
    pub log_keys: super::household_log_keys::HouseholdLogKeys,
}

impl AppState {
    pub fn new(
        store: Store,
        clock: Clock,
        log_signer: LogSigner,
        log_keys: super::household_log_keys::HouseholdLogKeys,
        config: &ServeConfig,
        origins: Vec<String>,
    ) -> Self {
        let instance = format!("kluis-{}", hex::encode(rand::random::<[u8; 4]>()));
        Self(Arc::new_cyclic(|weak| Inner {
            store,
            clock,
            limits: config.limits.clone(),
            metrics: Metrics::new(),
            template: config.template.clone(),
            instance,
            log_signer,
            schedule: config.schedule.clone(),
            log_writer: LogWriter::spawn(weak.clone()),
            readiness: Readiness::default(),
            origins,
            refusals: crate::api::refusals::RefusalLimiter::new(config.limits.refusals_per_minute),
            log_keys,
        }))
    }
}

impl AppState {
    pub(crate) fn from_inner(inner: Arc<Inner>) -> Self {
        Self(inner)
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
