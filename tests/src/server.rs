//! The server binary as a child process, on a port that stays the same
//! across restarts (the browser's storage and service worker belong to the
//! origin, port included).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use shared::DocumentId;
use tokio::process::{Child, Command};

/// A running (or stopped) server process.
pub struct Server {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
    env: Vec<(String, String)>,
    args: Vec<String>,
    /// Where browsers open it, when not `http://localhost:PORT`.
    origin: Option<String>,
    /// The app it serves, when not the built one ([`app_dir`]).
    app: Option<PathBuf>,
}

impl Server {
    /// Starts a server keeping its data in `dir/data` and its log in
    /// `dir/server.log`.
    pub async fn start(dir: &Path) -> Self {
        Self::start_with(dir, &[]).await
    }

    /// Like [`Self::start`], with environment settings (`MO_MAX_…` limits).
    pub async fn start_with(dir: &Path, env: &[(&str, &str)]) -> Self {
        let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let mut server = Self {
            port: crate::free_port(),
            dir: dir.to_path_buf(),
            child: None,
            env,
            args: Vec::new(),
            origin: None,
            app: None,
        };
        server.resume().await;
        server
    }

    /// Like [`Self::start`], serving the app in `app` (a copy a test
    /// changes, as a new version deployed over the running one).
    pub async fn start_with_app(dir: &Path, app: &Path) -> Self {
        let mut server = Self {
            port: crate::free_port(),
            dir: dir.to_path_buf(),
            child: None,
            env: Vec::new(),
            args: Vec::new(),
            origin: None,
            app: Some(app.to_path_buf()),
        };
        server.resume().await;
        server
    }

    /// Starts a server on `port` with more flags (`--tls-cert …`), opened
    /// by browsers at `origin` (`https://mo.test:PORT`).
    pub async fn start_serving(dir: &Path, port: u16, args: &[&str], origin: &str) -> Self {
        let mut server = Self {
            port,
            dir: dir.to_path_buf(),
            child: None,
            env: Vec::new(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            origin: Some(origin.to_owned()),
            app: None,
        };
        server.resume().await;
        server
    }

    /// Where browsers open the app: `http://localhost:PORT` unless started
    /// at another origin.
    pub fn url(&self) -> String {
        self.origin.clone().unwrap_or_else(|| format!("http://localhost:{}", self.port))
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `ws://localhost:PORT/sync`
    pub fn sync_url(&self) -> String {
        format!("ws://localhost:{}/sync", self.port)
    }

    /// The running process's id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    /// The running process's resident memory, in bytes (from /proc).
    pub fn rss(&self) -> u64 {
        let pid = self.pid().expect("the server is running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read the server's /proc status");
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc status");
        kb * 1024
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Runs an administrator's command (`backup --out …`) on this server's
    /// data directory, running or not; returns (success, what it printed).
    pub fn admin(&self, args: &[&str]) -> (bool, String) {
        admin_in(&self.data_dir(), args)
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// Kills the process, as a power cut or a crash would.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_group(&child);
            child.kill().await.expect("kill the server");
        }
    }

    /// Asks the server to stop (SIGTERM), as systemd does, and waits until
    /// it has exited; whether it exited successfully.
    pub async fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else { return false };
        let pid = child.id().expect("a running server has a pid");
        let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
        let status = tokio::time::timeout(crate::PATIENCE, child.wait()).await.expect("the server stops in time");
        status.is_ok_and(|s| s.success())
    }

    /// Starts the process again on the same port and data directory, and
    /// waits until it accepts connections.
    pub async fn resume(&mut self) {
        self.resume_at(None).await;
    }

    /// Like [`Self::resume`], with the server's clock `shift` ahead
    /// (faketime's syntax, e.g. `+15d`) when given.
    pub async fn resume_at(&mut self, shift: Option<&str>) {
        assert!(self.child.is_none(), "the server is already running");
        std::fs::create_dir_all(&self.dir).expect("create the server's directory");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))
            .expect("open the server log");
        let mut command = match shift {
            Some(shift) => {
                let mut c = Command::new("faketime");
                // Timers and timeouts keep the real monotonic clock, read
                // on libfaketime's fast path (see `Browser::launch_with`).
                c.env("DONT_FAKE_MONOTONIC", "1")
                    .env("FAKETIME_FORCE_MONOTONIC_FIX", "0")
                    .arg("-f")
                    .arg(shift)
                    .arg(binary());
                c
            }
            None => Command::new(binary()),
        };
        let child = command
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--app-dir")
            .arg(self.app.clone().unwrap_or_else(app_dir))
            .args(&self.args)
            // The server's own default log filter, as in production.
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::from(log.try_clone().expect("clone the log handle")))
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            // Its own process group: faketime runs the server as its child,
            // and killing faketime alone would leave the server running.
            .process_group(0)
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
        self.http("GET", path, None, None).await
    }

    /// One HTTP/1.1 request; returns status and body.
    pub async fn http(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, String) {
        let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        let (status, _, body) = plain_http(self.port, "localhost", method, path, &auth, body).await;
        (status, body)
    }

    /// A JSON API call that must succeed; its answer.
    pub async fn api(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Value {
        let (status, text) = self.http(method, path, token, body.as_ref()).await;
        assert_eq!(status, 200, "{method} {path} answered {status}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path} answered non-JSON ({e}): {text}"))
    }

    /// The one-time codes the first start printed: (district head, head of
    /// the first school). The server listens before it logs them, so this
    /// waits for the lines.
    pub async fn first_invitations(&self) -> (String, String) {
        let code = |log: &str, label: &str| {
            log.lines()
                .find_map(|l| l.split_once(label).and_then(|(_, rest)| rest.split("/#/join/").nth(1)))
                .map(|c| c.trim().to_owned())
        };
        crate::eventually("the first invitations in the server log", || {
            let log = self.log();
            let codes = code(&log, "district head's invitation: ").zip(code(&log, "head of Школа №1's invitation: "));
            async move { codes }
        })
        .await
    }

    /// Joins with an invitation code as a device named `name`.
    pub async fn join(&self, code: &str, name: &str) -> Device {
        let joined = self.api("POST", "/api/join", None, Some(json!({ "code": code, "name": name }))).await;
        Device {
            token: joined["token"].as_str().expect("a token").to_owned(),
            id: joined["me"]["device_id"].as_str().expect("a device id").to_owned(),
            me: joined["me"].clone(),
        }
    }

    /// The device a token belongs to (a browser's, say).
    pub async fn device(&self, token: &str) -> Device {
        let me = self.api("GET", "/api/me", Some(token), None).await;
        Device { token: token.to_owned(), id: me["device_id"].as_str().expect("a device id").to_owned(), me }
    }

    /// The district head and the first school's head, joined with the
    /// first start's invitations.
    pub async fn heads(&self) -> (Device, Device) {
        let (district, school) = self.first_invitations().await;
        (self.join(&district, "Руководитель РМО").await, self.join(&school, "Руководитель МО школы №1").await)
    }

    /// The sync URL with `device`'s token.
    pub fn sync_url_for(&self, device: &Device) -> String {
        format!("{}?token={}", self.sync_url(), device.token)
    }
}

impl Drop for Server {
    /// Stops the process, and fails the test if the server panicked at any
    /// point: a panic is a bug even when the test's own checks passed.
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            kill_group(child);
        }
        let log = self.log();
        if std::thread::panicking() {
            // What the server did up to a test's failure, for a failure
            // that does not come back when the test runs again.
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n");
            eprintln!("the server's log ({}), last {LOG_TAIL_LINES} lines:\n{tail}", self.url());
        }
        if let Some(line) = log.lines().find(|l| l.contains("panicked")) {
            let message = format!("the server panicked during this test: {line}");
            if std::thread::panicking() {
                eprintln!("{message}");
            } else {
                panic!("{message}");
            }
        }
    }
}

/// How much of the server's log a failed test prints.
const LOG_TAIL_LINES: usize = 60;

/// SIGKILLs the process group `child` leads.
fn kill_group(child: &Child) {
    if let Some(pid) = child.id() {
        let _ = std::process::Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
    }
}

/// One plain HTTP/1.1 request to `127.0.0.1:port` for `host`, with extra
/// header lines; returns status, the response's head and its body.
pub async fn plain_http(
    port: u16,
    host: &str,
    method: &str,
    path: &str,
    headers: &str,
    body: Option<&Value>,
) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{headers}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send request");
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("response in time")
        .expect("read response");
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

/// A registered device, as the API described it.
#[derive(Debug, Clone)]
pub struct Device {
    /// Its token.
    pub token: String,
    /// Its id (its peer ids start with it).
    pub id: String,
    /// `/api/me` at joining.
    pub me: Value,
}

impl Device {
    /// Its district.
    pub fn district(&self) -> DocumentId {
        self.me["district"]["id"].as_str().expect("a district").parse().expect("a document id")
    }

    /// Its school (school roles only).
    pub fn school(&self) -> DocumentId {
        self.me["school"]["id"].as_str().expect("a school").parse().expect("a document id")
    }

    /// A peer id of this device.
    pub fn peer_id(&self, tab: &str) -> String {
        format!("{}:{tab}", self.id)
    }

    /// Invites someone as `role` (`member`, `school_head`, …); the code.
    pub async fn invite(&self, server: &Server, role: &str, school: Option<DocumentId>) -> String {
        let body = json!({ "role": role, "school": school.map(|s| s.to_string()) });
        let answer = server.api("POST", "/api/invitations", Some(&self.token), Some(body)).await;
        answer["code"].as_str().expect("a code").to_owned()
    }

    /// Invites the member `member` of this head's school as a member: the
    /// device that joins with the code is linked to that member record.
    pub async fn invite_member(&self, server: &Server, member: &str) -> String {
        let body = json!({ "role": "member", "school": self.school().to_string(), "member": member });
        let answer = server.api("POST", "/api/invitations", Some(&self.token), Some(body)).await;
        answer["code"].as_str().expect("a code").to_owned()
    }

    /// Links the device `device` to the member record `member` (as its head).
    pub async fn link_member(&self, server: &Server, device: &str, member: &str) {
        let path = format!("/api/devices/{device}/member");
        server.api("POST", &path, Some(&self.token), Some(json!({ "member": member }))).await;
    }

    /// Invites and joins a new device as `role`.
    pub async fn add_device(&self, server: &Server, role: &str, school: Option<DocumentId>, name: &str) -> Device {
        let code = self.invite(server, role, school).await;
        server.join(&code, name).await
    }

    /// The district head adds a school; its id.
    pub async fn add_school(&self, server: &Server, name: &str) -> DocumentId {
        let answer = server.api("POST", "/api/schools", Some(&self.token), Some(json!({ "name": name }))).await;
        answer["id"].as_str().expect("a school id").parse().expect("a document id")
    }

    /// Revokes `other`.
    pub async fn revoke(&self, server: &Server, other: &Device) {
        server.api("POST", &format!("/api/devices/{}/revoke", other.id), Some(&self.token), None).await;
    }
}

/// A path from the environment; relative ones are taken from the repository root.
fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).map(|p| crate::root().join(p))
}

fn target_dir() -> PathBuf {
    env_path("CARGO_TARGET_DIR").unwrap_or_else(|| crate::root().join("target"))
}

/// Runs an administrator's command on the data directory `data_dir`;
/// returns (success, what it printed).
pub fn admin_in(data_dir: &Path, args: &[&str]) -> (bool, String) {
    let output = std::process::Command::new(binary())
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run the server's administrator command");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
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
