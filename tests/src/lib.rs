//! Harness for the end-to-end tests: starts the real server binary on a
//! real data directory, drives headless Chromium through chromedriver, and
//! runs peers that are not the browser (our own sync code natively, and the
//! JavaScript automerge-repo under Node.js).
//!
//! The binaries it runs are built by `cargo xtask test`; run alone,
//! `cargo test -p e2e` uses whatever was built last and says what is missing.

pub mod browser;
pub mod js;
pub mod office;
pub mod peer;
pub mod postgres;
pub mod proxy;
pub mod server;
pub mod tls;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use browser::{Browser, NewMember, Setup};
pub use server::{Device, Server};

/// How long anything a person would wait for may take before a test fails.
pub const PATIENCE: Duration = Duration::from_secs(45);

/// The repository's root directory.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the repository").to_path_buf()
}

/// A free TCP port on localhost for a child process to listen on.
///
/// Not one the OS picks (`bind(…:0)`): those come from the kernel's
/// ephemeral range, where every outgoing connection (a browser's, Node's, a
/// peer's) also takes its local port, so between our probe and the child's
/// bind another test's connection could take it (CI saw «Address already in
/// use»), and again between a server's stop and its restart on the same
/// port. Ports below that range are taken only by an explicit bind: these
/// come from there, never twice in one process, and are probed free.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    // Below Linux's default ephemeral range (32768–60999), above the
    // well-known services; the process id spreads test binaries apart.
    const FIRST: u32 = 20_000;
    const COUNT: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = std::process::id().wrapping_mul(7919);
    for _ in 0..COUNT {
        let port = FIRST + start.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed)) % COUNT;
        let port = u16::try_from(port).expect("ports below 32768 fit");
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in {FIRST}..{}", FIRST + COUNT)
}

static EXCLUSIVE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Browser tests take this first: two Chromiums per test are all two cores
/// carry, so tests in one binary run one after another. (An async mutex:
/// it is held across awaits, and a failed test does not poison it.)
pub async fn exclusive() -> tokio::sync::MutexGuard<'static, ()> {
    EXCLUSIVE.lock().await
}

/// Polls `check` until it yields a value, failing the test with `what` after
/// [`PATIENCE`].
pub async fn eventually<T, F, Fut>(what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    match within(check).await {
        Some(value) => value,
        None => panic!("gave up after {PATIENCE:?} waiting for: {what}"),
    }
}

/// Polls `check` until it yields a value, or gives `None` after
/// [`PATIENCE`], for a caller that says more about what it found.
pub async fn within<T, F, Fut>(mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A small deterministic generator (xorshift64*), so a failing schedule can
/// be replayed from its seed.
pub struct Rng(u64);

impl Rng {
    /// Seeded from `MO_SEED`, else from the clock; prints the seed.
    pub fn seeded() -> Self {
        let seed = std::env::var("MO_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            t.as_nanos() as u64 | 1
        });
        eprintln!("schedule seed: MO_SEED={seed}");
        Self(seed)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// Bytes that are a PDF (by their first bytes), `len` of them after the
/// header, that do not compress and differ from any other `seed`'s.
pub fn pdf_like(len: usize, seed: u8) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    let mut x = u64::from(seed) + 1;
    bytes.extend((0..len).map(|_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as u8
    }));
    bytes
}

/// A class teacher's member form as typed (5А, higher pedagogical
/// education, no category, four years): extend it with `.with(…)`.
pub fn teacher(name: &str) -> shared::Values {
    shared::Values::default()
        .with("full_name", name)
        .with("position", "учитель")
        .with("class_led", "5А")
        .with("education", "higher_pedagogical")
        .with("category", "none")
        .with("experience_years", "4")
}

/// A school's association document with a member for each of `names`,
/// each a class teacher as [`teacher`] types one.
pub fn association_with(school: &shared::DocumentId, names: &[&str]) -> automerge::AutoCommit {
    let mut association = shared::AssociationDoc::create(school);
    for name in names {
        let fields = shared::MemberFields::validate(&teacher(name)).expect("a valid member");
        shared::AssociationDoc::edit_member(&mut association, shared::record::Edit::Add(fields), 1).expect("added");
    }
    association
}

/// Writes a school's records to the server as its head's device would: the
/// association, the year document `year` of `academic_year`, and an empty
/// library.
pub async fn push_school(
    server: &Server,
    head: &Device,
    mut association: automerge::AutoCommit,
    academic_year: shared::AcademicYear,
    mut year: automerge::AutoCommit,
) {
    let school = head.school();
    let mut peer = peer::Peer::connect(server, head).await;
    peer.push(school, &mut association.document().clone()).await;
    peer.push(shared::YearDoc::id_for(&school, academic_year), &mut year.document().clone()).await;
    let mut library = shared::LibraryDoc::create(&school);
    peer.push(shared::LibraryDoc::id_for(&school), &mut library.document().clone()).await;
}
