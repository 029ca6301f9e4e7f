//! What every request handler can reach.

use std::sync::Arc;

use crate::api::metrics::Metrics;
use crate::clock::Clock;
use crate::server::configuration::Limits;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub clock: Clock,
    pub limits: Limits,
    pub metrics: Metrics,
}

impl AppState {
    pub fn new(store: Store, clock: Clock, limits: Limits) -> Self {
        Self(Arc::new(Inner {
            store,
            clock,
            limits,
            metrics: Metrics::new(),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
