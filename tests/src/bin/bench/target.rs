//! The servers under load, each started on loopback with a fresh data
//! directory (ours on its embedded store, ours on PostgreSQL as one and as
//! three instances, and the JS server), and what the kernel says about
//! their processes.

use std::process::Stdio;
use std::time::Duration;

use e2e::postgres::Postgres;
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
    /// Ours on a PostgreSQL cluster of its own (on the same machine).
    Postgres,
    /// Three instances of ours on one PostgreSQL, the peers spread over
    /// them in turn, as behind a reverse proxy.
    Postgres3,
    /// `@automerge/automerge-repo` under Node.js with its file storage.
    Js,
}

impl Kind {
    /// Every kind, in the report's column order.
    pub(crate) const ALL: [Kind; 4] = [Kind::Ours, Kind::Postgres, Kind::Postgres3, Kind::Js];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Ours => "ours",
            Kind::Postgres => "ours on PostgreSQL",
            Kind::Postgres3 => "3 × ours on PostgreSQL",
            Kind::Js => "JS automerge-repo",
        }
    }

    /// Its name on the command line (`--server`).
    pub(crate) fn code(self) -> &'static str {
        match self {
            Kind::Ours => "ours",
            Kind::Postgres => "pg",
            Kind::Postgres3 => "pg3",
            Kind::Js => "js",
        }
    }

    /// How many instances of ours, and whether on PostgreSQL.
    fn ours(self) -> Option<(usize, bool)> {
        match self {
            Kind::Ours => Some((1, false)),
            Kind::Postgres => Some((1, true)),
            Kind::Postgres3 => Some((3, true)),
            Kind::Js => None,
        }
    }
}

/// Schools the load is spread over; each school's documents are its own
/// (the id space is 101 year documents per school).
pub(crate) const SCHOOLS: usize = 15;

enum Process {
    /// Our instances, and the PostgreSQL they share (if they do).
    Ours(Vec<Server>, Option<Postgres>),
    Js(Child),
}

/// A running server with the peers' credentials.
pub(crate) struct Target {
    process: Process,
    _dir: tempfile::TempDir,
    /// Where peers connect, in turn.
    ports: Vec<u16>,
    /// The schools (their association ids).
    pub(crate) schools: Vec<DocumentId>,
    /// The district.
    pub(crate) district: DocumentId,
    /// For ours: one member device per school, and the district head.
    devices: Vec<Device>,
    /// For ours: the head of each of the first [`SCHOOLS`] schools.
    school_heads: Vec<Device>,
    head: Option<Device>,
}

impl Target {
    /// Starts `kind` on a fresh data directory and, for ours, registers
    /// the district head, the schools and a member device for each. Every
    /// connection of a school uses that school's device, so the per-device
    /// limits are raised (see BENCHMARKS.md).
    pub(crate) async fn start(kind: Kind) -> Self {
        Self::start_with(kind, SCHOOLS).await
    }

    /// Like [`Self::start`], with `schools` schools (at least [`SCHOOLS`]).
    pub(crate) async fn start_with(kind: Kind, schools: usize) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        match kind.ours() {
            Some((instances, on_postgres)) => {
                let pg = if on_postgres { Some(Postgres::start().await) } else { None };
                let url = match &pg {
                    Some(pg) => Some(pg.database("bench").await),
                    None => None,
                };
                let mut env = vec![
                    ("MO_MAX_CONNECTIONS_PER_DEVICE", "100000"),
                    ("MO_MAX_MESSAGES_PER_SECOND", "10000000"),
                    ("MO_MAX_BYTES_PER_SECOND", "100000000000"),
                ];
                if let Some(url) = &url {
                    env.push(("MO_DATABASE_URL", url.as_str()));
                }
                let mut servers = vec![Server::start_with(&dir.path().join("0"), &env).await];
                let (head, first_head) = servers[0].heads().await;
                for n in 1..instances {
                    servers.push(Server::start_with(&dir.path().join(n.to_string()), &env).await);
                }
                let server = &servers[0];
                let mut ids = vec![first_head.school()];
                for n in 2..=schools.max(SCHOOLS) {
                    ids.push(head.add_school(server, &format!("Школа №{n}")).await);
                }
                let mut devices = Vec::new();
                for (n, school) in ids.iter().enumerate() {
                    devices.push(head.add_device(server, "member", Some(*school), &format!("Нагрузка {n}")).await);
                }
                // A district's records carry the heads' and the members'
                // own marks, which member devices not linked to a member
                // may not write: the district is stored by its heads.
                let mut school_heads = vec![first_head];
                for (n, school) in ids.iter().enumerate().take(SCHOOLS).skip(1) {
                    let name = format!("Руководитель МО {n}");
                    school_heads.push(head.add_device(server, "school_head", Some(*school), &name).await);
                }
                let district = head.me["district"]["id"].as_str().expect("a district").parse().expect("an id");
                let ports = servers.iter().map(Server::port).collect();
                Self {
                    process: Process::Ours(servers, pg),
                    _dir: dir,
                    ports,
                    schools: ids,
                    district,
                    devices,
                    school_heads,
                    head: Some(head),
                }
            }
            None => {
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
                    ports: vec![port],
                    schools,
                    district: DocumentId::random(),
                    devices: Vec::new(),
                    school_heads: Vec::new(),
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

    /// Connects peer number `n` as the head of school `n % SCHOOLS` (a
    /// member on the JS server, which knows no roles).
    pub(crate) async fn school_head(&self, n: usize) -> Result<Client> {
        match self.school_heads.get(n % SCHOOLS) {
            Some(head) => self.connect_as(Some(head), n).await,
            None => self.member(n).await,
        }
    }

    /// Connects peer number `n` as the member device of school `school`.
    pub(crate) async fn member_of(&self, school: usize, n: usize) -> Result<Client> {
        self.connect_as(self.devices.get(school), n).await
    }

    async fn connect_as(&self, device: Option<&Device>, n: usize) -> Result<Client> {
        let base = format!("ws://127.0.0.1:{}/sync", self.ports[n % self.ports.len()]);
        match device {
            Some(d) => Client::connect(&format!("{base}?token={}", d.token), &d.peer_id(&format!("bench-{n}"))).await,
            None => Client::connect(&base, &format!("bench-{n}")).await,
        }
    }

    /// Our server (the first instance; not the JS one).
    pub(crate) fn server(&self) -> Option<&Server> {
        match &self.process {
            Process::Ours(s, _) => s.first(),
            Process::Js(_) => None,
        }
    }

    /// Which instance peer number `n` connects to.
    pub(crate) fn instance_of(&self, n: usize) -> usize {
        n % self.ports.len()
    }

    /// The PostgreSQL our instances share, if they do.
    pub(crate) fn postgres(&self) -> Option<&Postgres> {
        match &self.process {
            Process::Ours(_, pg) => pg.as_ref(),
            Process::Js(_) => None,
        }
    }

    /// Each server process's resident memory now, in bytes.
    pub(crate) fn rss_each(&self) -> Vec<u64> {
        self.pids().into_iter().map(|pid| status_kb(pid, "VmRSS:")).collect()
    }

    /// Our server's district head device.
    pub(crate) fn head_device(&self) -> Option<&Device> {
        self.head.as_ref()
    }

    /// Year document `n` (0–100) of school `school`.
    pub(crate) fn document(&self, school: usize, n: usize) -> DocumentId {
        YearDoc::id_for(&self.schools[school % SCHOOLS], AcademicYear(2000 + n as i32))
    }

    /// The server processes' ids.
    fn pids(&self) -> Vec<u32> {
        match &self.process {
            Process::Ours(s, _) => s.iter().map(|s| s.pid().expect("the server is running")).collect(),
            Process::Js(c) => vec![c.id().expect("the server is running")],
        }
    }

    /// CPU time the server has used so far: every instance, and the
    /// PostgreSQL cluster's processes (those gone included).
    pub(crate) fn cpu(&self) -> Duration {
        let servers: Duration = self.pids().iter().map(|pid| cpu_of(&format!("/proc/{pid}/stat"))).sum();
        servers + self.postgres().map_or(Duration::ZERO, |pg| cpu_of_tree(pg.pid()))
    }

    /// The server processes' peak resident memory so far, summed, in bytes
    /// (PostgreSQL's own is not counted).
    pub(crate) fn peak_rss(&self) -> u64 {
        self.pids().into_iter().map(|pid| status_kb(pid, "VmHWM:")).sum()
    }

    /// The server processes' resident memory now, summed, in bytes.
    pub(crate) fn rss(&self) -> u64 {
        self.rss_each().into_iter().sum()
    }

    /// Stops the server.
    pub(crate) async fn stop(self) {
        match self.process {
            Process::Ours(servers, _pg) => {
                for mut s in servers {
                    s.stop().await;
                }
            }
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

/// The numeric fields of a `/proc/…/stat` file after the command name
/// (which may hold spaces, in parentheses): index 1 is the parent's pid,
/// 11–14 utime, stime, cutime and cstime (fields 14–17 of the whole line);
/// 0 for what cannot be read.
fn stat_fields(path: &str) -> impl Fn(usize) -> u64 + use<> {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    let fields: Vec<String> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().map(str::to_owned).collect()).unwrap_or_default();
    move |i| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0)
}

/// Clock ticks (100 a second) as time.
fn ticks(n: u64) -> Duration {
    Duration::from_millis(n * 10)
}

/// CPU time (user + system) of the process whose `stat` file is `path`.
pub(crate) fn cpu_of(path: &str) -> Duration {
    let field = stat_fields(path);
    ticks(field(11) + field(12))
}

/// CPU time of the process `pid`, of its children it has waited for, and
/// of its children alive now (PostgreSQL's postmaster and its backends).
fn cpu_of_tree(pid: u32) -> Duration {
    let field = stat_fields(&format!("/proc/{pid}/stat"));
    let own = ticks(field(11) + field(12) + field(13) + field(14));
    let children: Duration = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .map(|child| format!("/proc/{child}/stat"))
        .filter(|stat| stat_fields(stat)(1) == u64::from(pid))
        .map(|stat| cpu_of(&stat))
        .sum();
    own + children
}

/// The load generator's own CPU time.
pub(crate) fn own_cpu() -> Duration {
    cpu_of("/proc/self/stat")
}
