//! Build the application (database, state, router, listener) and run it.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::server::{bootstrap, log_key, AppState, ServeConfig};
use crate::store::Store;

pub struct Application {
    listener: TcpListener,
    state: AppState,
    router: axum::Router,
}

impl Application {
    /// Open (and migrate) the database, make the bootstrap invite on first
    /// start, and bind the listener. Nothing is served until `run`.
    pub async fn build(config: ServeConfig, clock: Clock) -> anyhow::Result<Self> {
        create_private_dir(&config.data_dir).with_context(|| {
            format!("cannot create data directory {}", config.data_dir.display())
        })?;
        let store = Store::open(&config.database_url())
            .await
            .context("cannot open the database")?;
        if let Some(path) =
            bootstrap::ensure_admin_invite(&store, &config.data_dir, &clock, &config.limits).await?
        {
            eprintln!(
                "kluis: first start: an admin invite code is in {} (register with `kluis register --invite CODE`)",
                path.display()
            );
        }
        let log_signer = log_key::load_or_create(&config.log_key_path())?;
        // Auditors pin this key; printing it at start lets an operator
        // publish it through a channel other than the API.
        eprintln!(
            "kluis: access log verifier key: {}",
            log_signer.verifier_key()
        );
        let state = AppState::new(store, clock, log_signer, &config);
        let router = crate::api::router(state.clone());
        let listener = TcpListener::bind(&config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        Ok(Self {
            listener,
            state,
            router,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until `shutdown` completes, then finish requests in flight and
    /// close the database.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            state,
            router,
        } = self;
        super::serve::serve(listener, router, shutdown).await?;
        state.store.close().await;
        Ok(())
    }

    /// Serve on a task of this runtime, for in-process callers (the demo,
    /// the benchmarks) that drive the server over HTTP and then stop it.
    pub fn spawn(self) -> Running {
        let url = format!("http://{}", self.local_addr());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(self.run_until(async {
            let _ = stopped.await;
        }));
        Running { url, stop, task }
    }
}

/// A server started with `Application::spawn`.
pub struct Running {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Shut down gracefully (requests in flight finish, the database is
    /// closed) and wait until it has.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}
