//! What every request handler can reach.

use std::sync::Arc;

use kluis_audit::LogSigner;

use crate::api::metrics::Metrics;
use crate::clock::Clock;
use crate::server::configuration::Limits;
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
}

impl AppState {
    pub fn new(
        store: Store,
        clock: Clock,
        limits: Limits,
        template: PlanTemplate,
        log_signer: LogSigner,
    ) -> Self {
        let instance = format!("kluis-{}", hex::encode(rand::random::<[u8; 4]>()));
        Self(Arc::new(Inner {
            store,
            clock,
            limits,
            metrics: Metrics::new(),
            template,
            instance,
            log_signer,
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
