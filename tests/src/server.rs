//! The server binary as a child process, on a port that stays the same
//! across restarts (the browser's storage and service worker belong to the
//! origin, port included).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// A running (or stopped) server process.
pub struct Server {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Server {
    /// Starts a server keeping its data in `dir/data` and its log in
    /// `dir/server.log`.
    pub async fn start(dir: &Path) -> Self {
        let mut server = Self { port: crate::free_port(), dir: dir.to_path_buf(), child: None };
        server.resume().await;
        server
    }

    /// `http://localhost:PORT`
    pub fn url(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// `ws://localhost:PORT/sync`
    pub fn sync_url(&self) -> String {
        format!("ws://localhost:{}/sync", self.port)
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// Kills the process, as a power cut or a crash would.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("kill the server");
        }
    }

    /// Starts the process again on the same port and data directory, and
    /// waits until it accepts connections.
    pub async fn resume(&mut self) {
        assert!(self.child.is_none(), "the server is already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))
            .expect("open the server log");
        let child = Command::new(binary())
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--app-dir")
            .arg(app_dir())
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::from(log.try_clone().expect("clone the log handle")))
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary().display()));
        self.child = Some(child);
        let port = self.port;
        crate::eventually("the server to accept connections", || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok().map(drop)
        })
        .await;
    }

    /// Fetches `path` with a plain HTTP/1.1 GET and returns status and body.
    pub async fn get(&self, path: &str) -> (u16, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.expect("connect");
        let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("send request");
        let mut response = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
            .await
            .expect("response in time")
            .expect("read response");
        let response = String::from_utf8_lossy(&response);
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, body.to_owned())
    }

    /// The association document's id, as the app learns it on first start.
    pub async fn association(&self) -> shared::DocumentId {
        let (status, body) = self.get("/api/bootstrap").await;
        assert_eq!(status, 200, "bootstrap answered {status}: {body}");
        let value: serde_json::Value = serde_json::from_str(&body).expect("bootstrap is JSON");
        value["association"].as_str().expect("an association id").parse().expect("a valid document id")
    }
}

/// A path from the environment; relative ones are taken from the repository root.
fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).map(|p| crate::root().join(p))
}

fn target_dir() -> PathBuf {
    env_path("CARGO_TARGET_DIR").unwrap_or_else(|| crate::root().join("target"))
}

/// The server binary `cargo xtask test` built (`MO_SERVER_BIN` overrides).
pub fn binary() -> PathBuf {
    let path = env_path("MO_SERVER_BIN").unwrap_or_else(|| target_dir().join("server").join("server"));
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo xtask test` (or `cargo build --profile server -p server`)",
        path.display()
    );
    path
}

/// The built app (`MO_APP_DIR` overrides).
pub fn app_dir() -> PathBuf {
    let path = env_path("MO_APP_DIR").unwrap_or_else(|| crate::root().join("app").join("dist"));
    assert!(path.join("index.html").exists(), "{} has no built app: run `cargo xtask test`", path.display());
    path
}
