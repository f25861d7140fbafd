//! A TCP proxy between a browser and the server that can become a poor
//! rural connection on demand: slow from the server to the browser, and
//! dropping the connection once, after so many bytes. Until it is told to,
//! it passes bytes through as they come.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the link behaves now.
#[derive(Default)]
struct Link {
    /// Bytes per second towards the browser; 0: as fast as they come.
    rate: AtomicU64,
    /// Drop the connection that carries the byte this many bytes after the
    /// throttle began; 0: never.
    drop_after: AtomicU64,
    /// Bytes sent towards the browser since the throttle began.
    sent: AtomicU64,
    /// The drop happened.
    dropped: AtomicBool,
}

/// A proxy listening on its own port.
pub struct Proxy {
    port: u16,
    link: Arc<Link>,
}

impl Proxy {
    /// Starts a proxy to `upstream` (a port on this machine).
    pub async fn start(upstream: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let port = listener.local_addr().expect("the proxy's address").port();
        let link = Arc::new(Link::default());
        let shared = link.clone();
        tokio::spawn(async move {
            while let Ok((browser, _)) = listener.accept().await {
                let link = shared.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await {
                        relay(browser, server, link).await;
                    }
                });
            }
        });
        Self { port, link }
    }

    /// The app's address through the proxy.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// From now on, `bytes_per_second` towards the browser, and the
    /// connection carrying byte number `drop_after` (counted from now) is
    /// cut, once.
    pub fn throttle(&self, bytes_per_second: u64, drop_after: u64) {
        self.link.sent.store(0, Ordering::SeqCst);
        self.link.dropped.store(false, Ordering::SeqCst);
        self.link.drop_after.store(drop_after, Ordering::SeqCst);
        self.link.rate.store(bytes_per_second, Ordering::SeqCst);
    }

    /// Whether the connection was cut.
    pub fn dropped(&self) -> bool {
        self.link.dropped.load(Ordering::SeqCst)
    }

    /// Bytes sent towards the browser since the throttle began.
    pub fn sent(&self) -> u64 {
        self.link.sent.load(Ordering::SeqCst)
    }
}

async fn relay(browser: TcpStream, server: TcpStream, link: Arc<Link>) {
    let (mut from_browser, mut to_server) = (browser, server);
    let (mut browser_read, mut browser_write) = from_browser.split();
    let (mut server_read, mut server_write) = to_server.split();
    let up = async {
        let _ = tokio::io::copy(&mut browser_read, &mut server_write).await;
        let _ = server_write.shutdown().await;
    };
    let down = async {
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            let n = match server_read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let rate = link.rate.load(Ordering::SeqCst);
            if rate > 0 {
                let sent = link.sent.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
                let limit = link.drop_after.load(Ordering::SeqCst);
                if limit > 0 && sent >= limit && !link.dropped.swap(true, Ordering::SeqCst) {
                    // Half of this buffer gets through, then the line goes dead.
                    let _ = browser_write.write_all(&buffer[..n / 2]).await;
                    return;
                }
                tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
            }
            if browser_write.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
        let _ = browser_write.shutdown().await;
    };
    // Whichever way ends first, a cut ends both.
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}
