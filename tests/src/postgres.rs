//! A real PostgreSQL for the region tests: Debian's `postgresql` package
//! (installed by `cargo xtask setup`), a cluster initialised in a temporary
//! directory, listening on a free port on localhost, gone with the test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

/// A running PostgreSQL server of its own.
pub struct Postgres {
    dir: TempDir,
    port: u16,
    child: Child,
}

/// PostgreSQL's programs: on PATH, else the newest in Debian's place.
fn bin(name: &str) -> PathBuf {
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.exists())
        .max();
    debian.unwrap_or_else(|| PathBuf::from(name))
}

/// PostgreSQL refuses to run as root: as root, its programs run as the
/// `postgres` user the package creates (setpriv execs, so the child is
/// postgres itself and its signals reach it).
fn command(program: &str) -> Command {
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=postgres", "--regid=postgres", "--init-groups", "--"]).arg(bin(program));
        c
    } else {
        Command::new(bin(program))
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

impl Postgres {
    /// Initialises a cluster and starts it; waits until it answers.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        if is_root() {
            let status = Command::new("chown").arg("postgres:postgres").arg(dir.path()).status();
            assert!(status.is_ok_and(|s| s.success()), "give the cluster's directory to the postgres user");
        }
        let data = dir.path().join("data");
        let out = command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions"])
            .output()
            .unwrap_or_else(|e| panic!("run initdb ({e}); `cargo xtask setup` installs PostgreSQL"));
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        let port = crate::free_port();
        let log = std::fs::File::create(dir.path().join("postgres.log")).expect("create the PostgreSQL log");
        let child = command("postgres")
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(dir.path())
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"])
            .stdout(Stdio::from(log.try_clone().expect("clone the log handle")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start postgres");
        let pg = Self { dir, port, child };
        let url = pg.url("postgres");
        crate::eventually("PostgreSQL to accept connections", || {
            let url = url.clone();
            async move { tokio_postgres::connect(&url, tokio_postgres::NoTls).await.ok().map(drop) }
        })
        .await;
        pg
    }

    /// The URL of database `name` on it.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates database `name` and returns its URL.
    pub async fn database(&self, name: &str) -> String {
        self.sql("postgres", &format!("CREATE DATABASE {name}")).await;
        self.url(name)
    }

    /// Runs `sql` on database `name`.
    pub async fn sql(&self, name: &str, sql: &str) {
        self.simple_query(name, sql).await;
    }

    /// The first column of the first row `sql` returns, as text.
    pub async fn value(&self, name: &str, sql: &str) -> String {
        self.simple_query(name, sql)
            .await
            .iter()
            .find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
                _ => None,
            })
            .unwrap_or_default()
    }

    /// Stops it (a fast shutdown), as when the database goes away.
    pub fn stop(&mut self) {
        // Once reaped, its pid may be another process's.
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill").arg("-INT").arg(self.child.id().to_string()).status();
            let _ = self.child.wait();
        }
    }

    /// The postmaster's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Runs `sql` on database `name` on a connection of its own.
    async fn simple_query(&self, name: &str, sql: &str) -> Vec<tokio_postgres::SimpleQueryMessage> {
        let (client, connection) =
            tokio_postgres::connect(&self.url(name), tokio_postgres::NoTls).await.expect("connect to PostgreSQL");
        let driving = tokio::spawn(connection);
        let rows = client.simple_query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        drop(client);
        let _ = driving.await;
        rows
    }

    /// The cluster's directory (its log is `postgres.log` there).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Postgres {
    /// A fast shutdown (SIGINT), so the temporary directory can go.
    fn drop(&mut self) {
        self.stop();
    }
}
