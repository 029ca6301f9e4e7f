//! A TCP proxy in front of PostgreSQL that can make the database hang: it
//! passes bytes both ways, and `freeze` stops every connection open at that
//! moment for good, with its socket left open, so neither side hears from
//! the other again (a stalled server, a network path that drops packets).
//! Connections made afterwards work. Nothing closes, so only a time-out on
//! the client's side ends a wait on a frozen connection.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

pub struct FreezingProxy {
    /// `host:port` to put in a database URL instead of the server's.
    pub addr: String,
    state: Arc<State>,
}

struct State {
    /// Connections numbered below this are frozen.
    frozen_below: AtomicU64,
    next: AtomicU64,
}

impl FreezingProxy {
    /// Forward to `upstream` (`host:port`).
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let state = Arc::new(State {
            frozen_below: AtomicU64::new(0),
            next: AtomicU64::new(0),
        });
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let id = shared.next.fetch_add(1, Ordering::SeqCst);
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pass(cr, sw, id, shared.clone()));
                tokio::spawn(pass(sr, cw, id, shared.clone()));
            }
        });
        Self { addr, state }
    }

    /// Freeze every connection open now.
    pub fn freeze(&self) {
        let next = self.state.next.load(Ordering::SeqCst);
        self.state.frozen_below.store(next, Ordering::SeqCst);
    }
}

/// Copy one direction until either side closes, or forever once frozen
/// (the halves are held, so the sockets stay open).
async fn pass(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, id: u64, state: Arc<State>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if id < state.frozen_below.load(Ordering::SeqCst) {
            // Never returns: both halves stay open, and silent.
            match std::future::pending::<std::convert::Infallible>().await {}
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
