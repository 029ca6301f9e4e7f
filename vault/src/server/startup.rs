//! Build the application (database, state, router, listener) and run it.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::clock::Clock;
use crate::server::household_log_keys::HouseholdLogKeys;
use crate::server::{bootstrap, log_key, AppState, ServeConfig};
use crate::store::Store;

pub struct Application {
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
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
        let listener = TcpListener::bind(&config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let tls = config.tls.as_ref().map(super::tls::acceptor).transpose()?;
        let origins = origins(&config.public_urls, listener.local_addr()?, tls.is_some())?;
        let nodes = crate::store::log_nodes::backfill(&store)
            .await
            .context("cannot index the access log's subtrees")?;
        if nodes > 0 {
            eprintln!("kluis: access log: indexed {nodes} subtrees of entries from before, for fast proofs");
        }
        let folded = crate::store::professionals::backfill(&store)
            .await
            .context("cannot prepare the directory of professionals")?;
        if folded > 0 {
            eprintln!("kluis: directory of professionals: prepared the names of {folded} people from before it existed");
        }
        let log_keys = HouseholdLogKeys::open(&config.household_log_keys_path())?;
        let moved = log_keys
            .sweep(&store)
            .await
            .context("cannot move the households' log keys out of the database")?;
        if moved > 0 {
            eprintln!(
                "kluis: moved the log keys of {moved} households out of the database into {}",
                config.household_log_keys_path().display()
            );
        }
        super::housekeeping::sweep(&store, &clock).await;
        let state = AppState::new(store, clock, log_signer, log_keys, &config, origins);
        let registered = crate::api::directory::backfill(&state)
            .await
            .context("cannot register earlier keys in the key directory")?;
        if registered > 0 {
            eprintln!("kluis: key directory: registered the keys of {registered} people from before it existed");
        }
        let router = crate::api::router(state.clone());
        Ok(Self {
            listener,
            tls,
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
            tls,
            state,
            router,
        } = self;
        let housekeeping = super::housekeeping::spawn(state.store.clone(), state.clock.clone());
        let served = super::serve::serve(listener, router, tls, shutdown).await;
        housekeeping.abort();
        served?;
        state.store.close().await;
        Ok(())
    }

    /// Serve on a task of this runtime, for in-process callers (the demo,
    /// the benchmarks) that drive the server over HTTP and then stop it.
    pub fn spawn(self) -> Running {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}", self.local_addr());
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

/// The origins logins may be signed for: the configured public URLs, or
/// else the listening address (with `localhost` beside a loopback address).
fn origins(public_urls: &[String], bound: SocketAddr, tls: bool) -> anyhow::Result<Vec<String>> {
    if !public_urls.is_empty() {
        return public_urls
            .iter()
            .map(|u| {
                crate::wire::auth::origin_of(u)
                    .with_context(|| format!("--public-url {u} is not an http(s) URL"))
            })
            .collect();
    }
    let port = bound.port();
    let scheme = if tls { "https" } else { "http" };
    let mut origins = Vec::new();
    if bound.ip().is_unspecified() {
        eprintln!(
            "kluis: listening on all addresses without --public-url: logins are accepted only for \
             {scheme}://127.0.0.1:{port} and {scheme}://localhost:{port}; give the URL clients use with --public-url"
        );
        origins.push(format!("{scheme}://127.0.0.1:{port}"));
    } else {
        origins.push(format!("{scheme}://{bound}"));
    }
    if bound.ip().is_loopback() || bound.ip().is_unspecified() {
        origins.push(format!("{scheme}://localhost:{port}"));
    }
    // The default ports are left out of an origin.
    Ok(origins
        .into_iter()
        .filter_map(|o| crate::wire::auth::origin_of(&o))
        .collect())
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
