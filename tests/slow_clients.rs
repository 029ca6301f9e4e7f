//! Slow clients cannot hold the server's sockets: a connection that sends
//! no request, or trickles its headers, is closed once the header deadline
//! (`server::serve::HEADER_READ_TIMEOUT`, 5 s) has passed.

mod common;

use std::time::{Duration, Instant};

use common::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const DEADLINE: Duration = kluis_vault::server::serve::HEADER_READ_TIMEOUT;

/// Wait until the server closes `stream` (read returns 0 or an error);
/// returns how long that took, or fails after twice the deadline.
async fn closed_after(mut stream: TcpStream, start: Instant) -> Duration {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(DEADLINE * 2, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return start.elapsed(),
            Ok(Ok(_)) => continue, // a 408 or similar before closing is fine
            Err(_) => panic!(
                "the server kept a slow connection open past {:?}",
                DEADLINE * 2
            ),
        }
    }
}

fn addr(server: &TestServer) -> String {
    server.url.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let server = TestServer::spawn().await;
    let start = Instant::now();
    let stream = TcpStream::connect(addr(&server)).await.unwrap();
    let took = closed_after(stream, start).await;
    assert!(
        took >= DEADLINE - Duration::from_millis(500),
        "closed too early: {took:?}"
    );
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off() {
    let server = TestServer::spawn().await;
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr(&server)).await.unwrap();
    let (read, mut write) = stream.split();
    let trickle = async {
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa" {
            if write.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    let mut buf = [0u8; 1024];
    let mut read = read;
    let closed = async {
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => return start.elapsed(),
                Ok(_) => continue,
            }
        }
    };
    tokio::select! {
        took = closed => {
            eprintln!("trickling connection closed after {took:?}");
            assert!(took < DEADLINE * 2, "closed after {took:?}");
        }
        () = trickle => panic!("the server read a trickled header for {:?}", start.elapsed()),
    }
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_too() {
    let server = TestServer::spawn().await;
    let mut stream = TcpStream::connect(addr(&server)).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    let start = Instant::now();
    let took = closed_after(stream, start).await;
    eprintln!("idle kept-alive connection closed after {took:?}");
}
