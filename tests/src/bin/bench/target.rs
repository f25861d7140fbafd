//! The two servers under load, each started on loopback with a fresh data
//! directory, and what the kernel says about their processes.

use std::process::Stdio;
use std::time::Duration;

use e2e::{Device, Server};
use shared::{AcademicYear, DocumentId, YearDoc};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::client::{Client, Result};

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Ours (`server`), with its redb store and access checks.
    Ours,
    /// `@automerge/automerge-repo` under Node.js with its file storage.
    Js,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Ours => "ours",
            Kind::Js => "JS automerge-repo",
        }
    }

    /// Its name on the command line (`--server`).
    pub(crate) fn code(self) -> &'static str {
        match self {
            Kind::Ours => "ours",
            Kind::Js => "js",
        }
    }
}

/// Schools the load is spread over; each school's documents are its own
/// (the id space is 101 year documents per school).
pub(crate) const SCHOOLS: usize = 15;

enum Process {
    Ours(Server),
    Js(Child),
}

/// A running server with the peers' credentials.
pub(crate) struct Target {
    process: Process,
    _dir: tempfile::TempDir,
    port: u16,
    /// The schools (their association ids).
    pub(crate) schools: Vec<DocumentId>,
    /// The district.
    pub(crate) district: DocumentId,
    /// For ours: one member device per school, and the district head.
    devices: Vec<Device>,
    head: Option<Device>,
}

impl Target {
    /// Starts `kind` on a fresh data directory and, for ours, registers
    /// the district head, the schools and a member device for each. Every
    /// connection of a school uses that school's device, so the per-device
    /// limits are raised (see BENCHMARKS.md).
    pub(crate) async fn start(kind: Kind) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        match kind {
            Kind::Ours => {
                let server = Server::start_with(
                    dir.path(),
                    &[
                        ("MO_MAX_CONNECTIONS_PER_DEVICE", "100000"),
                        ("MO_MAX_MESSAGES_PER_SECOND", "10000000"),
                        ("MO_MAX_BYTES_PER_SECOND", "100000000000"),
                    ],
                )
                .await;
                let (head, first_head) = server.heads().await;
                let mut schools = vec![first_head.school()];
                for n in 2..=SCHOOLS {
                    schools.push(head.add_school(&server, &format!("Школа №{n}")).await);
                }
                let mut devices = Vec::new();
                for (n, school) in schools.iter().enumerate() {
                    devices.push(head.add_device(&server, "member", Some(*school), &format!("Нагрузка {n}")).await);
                }
                let district = head.me["district"]["id"].as_str().expect("a district").parse().expect("an id");
                let port = server.url().rsplit(':').next().and_then(|p| p.parse().ok()).expect("a port");
                Self { process: Process::Ours(server), _dir: dir, port, schools, district, devices, head: Some(head) }
            }
            Kind::Js => {
                let port = e2e::free_port();
                let script = e2e::root().join("tests").join("interop").join("sync-server.mjs");
                let mut child = Command::new("node")
                    .arg(script)
                    .arg(port.to_string())
                    .arg(dir.path())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::inherit())
                    .kill_on_drop(true)
                    .spawn()
                    .expect("start node");
                let stdout = child.stdout.take().expect("piped stdout");
                let mut lines = BufReader::new(stdout).lines();
                tokio::time::timeout(Duration::from_secs(30), async {
                    while let Ok(Some(line)) = lines.next_line().await {
                        if line.contains("listening") {
                            return;
                        }
                    }
                    panic!("the JS sync server exited before listening");
                })
                .await
                .expect("the JS sync server listens within 30 s");
                let schools = (0..SCHOOLS).map(|_| DocumentId::random()).collect();
                Self {
                    process: Process::Js(child),
                    _dir: dir,
                    port,
                    schools,
                    district: DocumentId::random(),
                    devices: Vec::new(),
                    head: None,
                }
            }
        }
    }

    /// Connects peer number `n` as a member of school `n % SCHOOLS`.
    pub(crate) async fn member(&self, n: usize) -> Result<Client> {
        self.connect_as(self.devices.get(n % SCHOOLS), n).await
    }

    /// Connects peer number `n` as the district head (reads everything).
    pub(crate) async fn head(&self, n: usize) -> Result<Client> {
        self.connect_as(self.head.as_ref(), n).await
    }

    async fn connect_as(&self, device: Option<&Device>, n: usize) -> Result<Client> {
        let base = format!("ws://127.0.0.1:{}/sync", self.port);
        match device {
            Some(d) => Client::connect(&format!("{base}?token={}", d.token), &d.peer_id(&format!("bench-{n}"))).await,
            None => Client::connect(&base, &format!("bench-{n}")).await,
        }
    }

    /// Our server (not the JS one).
    pub(crate) fn server(&self) -> Option<&Server> {
        match &self.process {
            Process::Ours(s) => Some(s),
            Process::Js(_) => None,
        }
    }

    /// Our server's district head device.
    pub(crate) fn head_device(&self) -> Option<&Device> {
        self.head.as_ref()
    }

    /// Year document `n` (0–100) of school `school`.
    pub(crate) fn document(&self, school: usize, n: usize) -> DocumentId {
        YearDoc::id_for(&self.schools[school % SCHOOLS], AcademicYear(2000 + n as i32))
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        match &self.process {
            Process::Ours(s) => s.pid(),
            Process::Js(c) => c.id(),
        }
        .expect("the server is running")
    }

    /// CPU time the server has used so far.
    pub(crate) fn cpu(&self) -> Duration {
        cpu_of(&format!("/proc/{}/stat", self.pid()))
    }

    /// The server's peak resident memory so far, in bytes.
    pub(crate) fn peak_rss(&self) -> u64 {
        status_kb(self.pid(), "VmHWM:")
    }

    /// The server's resident memory now, in bytes.
    pub(crate) fn rss(&self) -> u64 {
        status_kb(self.pid(), "VmRSS:")
    }

    /// Stops the server.
    pub(crate) async fn stop(self) {
        match self.process {
            Process::Ours(mut s) => s.stop().await,
            Process::Js(mut c) => {
                let _ = c.kill().await;
            }
        }
    }
}

/// A `kB` line of a process's /proc status, in bytes (0 if unreadable).
fn status_kb(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// CPU time (user + system) of the process whose `stat` file is `path`.
pub(crate) fn cpu_of(path: &str) -> Duration {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command name (which may hold spaces) in parentheses.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the whole line; 100 ticks a second.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// The load generator's own CPU time.
pub(crate) fn own_cpu() -> Duration {
    cpu_of("/proc/self/stat")
}
