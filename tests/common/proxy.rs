//! A TCP proxy in front of the server that can lose an answer: it passes
//! bytes both ways, and when armed it forwards the next request whose first
//! line starts with a given prefix, lets the server answer, and then cuts
//! the client's connection instead of passing the answer on. That is a
//! connection cut after the commit, as a client on a bad network meets it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct LossyProxy {
    pub url: String,
    armed: Arc<Armed>,
    listener: Option<TcpListener>,
}

struct Armed {
    prefix: std::sync::Mutex<Option<Vec<u8>>>,
    cut: AtomicUsize,
}

impl LossyProxy {
    /// Listen on a random loopback port; forwarding starts with `start`.
    /// Clients log in for the proxy's address, so the server must be told
    /// it is its public URL (`ServeConfig::public_urls`).
    pub async fn bind() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let armed = Arc::new(Armed {
            prefix: std::sync::Mutex::new(None),
            cut: AtomicUsize::new(0),
        });
        Self {
            url,
            armed,
            listener: Some(listener),
        }
    }

    /// Forward to `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(&mut self, upstream: &str) {
        let target = upstream.trim_start_matches("http://").to_owned();
        let listener = self.listener.take().expect("started once");
        let shared = self.armed.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&target).await else {
                    continue;
                };
                tokio::spawn(pipe(client, server, shared.clone()));
            }
        });
    }

    /// Lose the answer to the next request whose request line starts with
    /// `prefix` (for example `PUT /v1/households/`).
    pub fn lose_next_answer_to(&self, prefix: &str) {
        *self.armed.prefix.lock().unwrap() = Some(prefix.as_bytes().to_vec());
    }

    /// How many answers were lost so far.
    pub fn answers_lost(&self) -> usize {
        self.armed.cut.load(Ordering::SeqCst)
    }
}

async fn pipe(client: TcpStream, server: TcpStream, armed: Arc<Armed>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // Set when a request to lose went upstream: its answer is the next
    // thing the server sends on this connection (HTTP/1.1, no pipelining).
    let lose = Arc::new(AtomicBool::new(false));
    let lose_up = lose.clone();
    let armed_up = armed.clone();
    let upstream = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            {
                let mut prefix = armed_up.prefix.lock().unwrap();
                if prefix.as_ref().is_some_and(|p| buf[..n].starts_with(p)) {
                    *prefix = None;
                    lose_up.store(true, Ordering::SeqCst);
                }
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match server_read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if lose.load(Ordering::SeqCst) {
            // The server has answered, so its commit is done: drop the
            // answer and the client's connection.
            armed.cut.fetch_add(1, Ordering::SeqCst);
            break;
        }
        if client_write.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    upstream.abort();
    let _ = client_write.shutdown().await;
}
