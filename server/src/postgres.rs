//! The store on PostgreSQL, for several server instances behind one
//! address (a region, or a district without a single point of failure).
//!
//! - Everything the embedded store keeps lives in tables of the database
//!   the URL names; [`MIGRATIONS`] creates them at start, one instance at a
//!   time (an advisory lock), and later versions append to the list.
//! - A chunk's place in its document comes from the document's row, which
//!   the storing transaction holds locked until it commits: places of one
//!   document are committed in their order, so an instance that has every
//!   chunk up to place N and reads those after N misses none.
//! - Every stored chunk and every directory write sends a notice
//!   (`NOTIFY`, delivered at commit) naming the document or entry; [`listen`]
//!   hears the other instances' notices and has this instance read what
//!   they stored. Nothing travels between instances except through
//!   PostgreSQL.
//! - The [`Store`] trait is synchronous (the embedded store is); this store
//!   runs its queries on a small runtime of its own and waits for them, so
//!   a caller on the server's runtime never waits for a task that needs the
//!   thread it is blocking.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use futures_util::StreamExt;
use shared::DocumentId;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::Error;
use crate::access::Access;
use crate::hub::Hub;
use crate::store::{Appending, Authored, BackupSummary, Store, Stored};

/// The schema, version by version: each runs once, in its own transaction.
/// Never edit a version once released; append a new one.
pub const MIGRATIONS: &[(i32, &str)] = &[(
    1,
    "CREATE TABLE documents (id bytea PRIMARY KEY, next_place bigint NOT NULL);
     CREATE TABLE chunks (doc bytea NOT NULL, place bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (doc, place));
     CREATE TABLE set_aside (doc bytea NOT NULL, place bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (doc, place));
     CREATE TABLE authors (doc bytea NOT NULL, hash bytea NOT NULL, at_ms bigint NOT NULL, device text NOT NULL,
                           PRIMARY KEY (doc, hash));
     CREATE TABLE meta (key text PRIMARY KEY, value bytea NOT NULL);
     CREATE TABLE directory (kind text NOT NULL, key text NOT NULL, value bytea NOT NULL, PRIMARY KEY (kind, key));",
)];

/// The notice channel for stored chunks: `origin document at_ms`.
const DOCUMENTS: &str = "mo_documents";
/// The notice channel for directory writes: `origin kind key`.
const DIRECTORY: &str = "mo_directory";
/// The advisory lock migrations run under.
const MIGRATION_LOCK: i64 = 0x6d6f_6b72;
/// Connections in the pool.
const POOL_SIZE: usize = 16;
/// How long a query waits for a connection, or to connect.
const CONNECT_PATIENCE: Duration = Duration::from_secs(10);

/// The store on PostgreSQL.
pub struct PgStore {
    pool: Pool,
    config: tokio_postgres::Config,
    runtime: Option<tokio::runtime::Runtime>,
    /// This instance, in its notices (so it skips its own).
    origin: String,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`,
    /// or key=value pairs) and brings the schema up to date.
    pub fn connect(url: &str) -> Result<Self, Error> {
        let mut config: tokio_postgres::Config = url.parse().map_err(pg)?;
        config.connect_timeout(CONNECT_PATIENCE);
        config.application_name("mo-kr-server");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("postgres")
            .enable_all()
            .build()?;
        let manager =
            Manager::from_config(config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_PATIENCE))
            .create_timeout(Some(CONNECT_PATIENCE))
            .build()
            .map_err(pg)?;
        let store = Self { pool, config, runtime: Some(runtime), origin: uuid::Uuid::new_v4().simple().to_string() };
        store.block(migrate(store.pool.clone()))?;
        Ok(store)
    }

    /// Runs `work` on the store's runtime and waits for it.
    fn block<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, Error>> + Send + 'static,
    ) -> Result<T, Error> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.spawn(async move {
            let _ = tx.send(work.await);
        });
        rx.recv().map_err(|_| Error::StoreClosed)?
    }

    fn spawn(&self, work: impl Future<Output = ()> + Send + 'static) {
        if let Some(runtime) = &self.runtime {
            runtime.spawn(work);
        }
    }

    /// Stores `chunk` as the document's next, replacing the chunks up to
    /// `covers` when given, and tells the other instances.
    fn write(&self, id: &DocumentId, chunk: Vec<u8>, authored: Vec<Authored>, covers: Option<u64>) -> Appending {
        let (done, appending) = Appending::channel();
        let (pool, id, origin) = (self.pool.clone(), *id, self.origin.clone());
        self.spawn(async move {
            let stored = store_chunk(&pool, &origin, id, &chunk, &authored, covers).await;
            let _ = done.send(stored.map_err(Arc::new));
        });
        appending
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Dropped on the server's runtime, where waiting is not allowed.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn pg(e: impl std::fmt::Display) -> Error {
    Error::Postgres(e.to_string())
}

async fn migrate(pool: Pool) -> Result<(), Error> {
    let mut client = pool.get().await.map_err(pg)?;
    let tx = client.transaction().await.map_err(pg)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(pg)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY)").await.map_err(pg)?;
    let row = tx.query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[]).await.map_err(pg)?;
    let current: i32 = row.get(0);
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tracing::info!(version, "migrating the PostgreSQL schema");
        tx.batch_execute(sql).await.map_err(pg)?;
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[version]).await.map_err(pg)?;
    }
    tx.commit().await.map_err(pg)
}

fn place(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

async fn store_chunk(
    pool: &Pool,
    origin: &str,
    id: DocumentId,
    chunk: &[u8],
    authored: &[Authored],
    covers: Option<u64>,
) -> Result<Stored, Error> {
    let doc = &id.as_bytes()[..];
    let mut client = pool.get().await.map_err(pg)?;
    let tx = client.transaction().await.map_err(pg)?;
    // The row stays locked until commit: the next writer of this document
    // takes the next place only after this chunk is visible.
    let row = tx
        .query_one(
            "INSERT INTO documents (id, next_place) VALUES ($1, 1)
             ON CONFLICT (id) DO UPDATE SET next_place = documents.next_place + 1
             RETURNING next_place - 1",
            &[&doc],
        )
        .await
        .map_err(pg)?;
    let at: i64 = row.get(0);
    if let Some(covers) = covers {
        let covers = i64::try_from(covers).unwrap_or(i64::MAX);
        tx.execute("DELETE FROM chunks WHERE doc = $1 AND place <= $2", &[&doc, &covers]).await.map_err(pg)?;
    }
    tx.execute("INSERT INTO chunks (doc, place, data) VALUES ($1, $2, $3)", &[&doc, &at, &chunk]).await.map_err(pg)?;
    if !authored.is_empty() {
        let hashes: Vec<&[u8]> = authored.iter().map(|a| &a.hash[..]).collect();
        let times: Vec<i64> = authored.iter().map(|a| a.at_ms).collect();
        let devices: Vec<&str> = authored.iter().map(|a| a.device.as_str()).collect();
        tx.execute(
            "INSERT INTO authors (doc, hash, at_ms, device)
             SELECT $1, h, t, d FROM unnest($2::bytea[], $3::int8[], $4::text[]) AS a(h, t, d)
             ON CONFLICT DO NOTHING",
            &[&doc, &hashes, &times, &devices],
        )
        .await
        .map_err(pg)?;
    }
    let count = tx.query_one("SELECT count(*) FROM chunks WHERE doc = $1", &[&doc]).await.map_err(pg)?;
    let count: i64 = count.get(0);
    // A compaction brings no change the others lack.
    if covers.is_none() {
        let at_ms = authored.iter().map(|a| a.at_ms).max().unwrap_or(0);
        let notice = format!("{origin} {id} {at_ms}");
        tx.execute("SELECT pg_notify($1, $2)", &[&DOCUMENTS, &notice]).await.map_err(pg)?;
    }
    tx.commit().await.map_err(pg)?;
    Ok(Stored { place: place(at), chunks: usize::try_from(count).unwrap_or_default() })
}

/// Writes directory entries in `tx` and tells the other instances.
async fn put_directory(
    tx: &deadpool_postgres::Transaction<'_>,
    origin: &str,
    entries: &[(String, String, Vec<u8>)],
) -> Result<(), Error> {
    for (kind, key, value) in entries {
        tx.execute(
            "INSERT INTO directory (kind, key, value) VALUES ($1, $2, $3)
             ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
            &[kind, key, value],
        )
        .await
        .map_err(pg)?;
        let notice = format!("{origin} {kind} {key}");
        tx.execute("SELECT pg_notify($1, $2)", &[&DIRECTORY, &notice]).await.map_err(pg)?;
    }
    Ok(())
}

fn owned(entries: &[(&str, &str, Vec<u8>)]) -> Vec<(String, String, Vec<u8>)> {
    entries.iter().map(|(kind, key, value)| ((*kind).to_owned(), (*key).to_owned(), value.clone())).collect()
}

impl Store for PgStore {
    fn load_from(&self, id: &DocumentId, from: u64) -> Result<Vec<(u64, Vec<u8>)>, Error> {
        let (pool, doc) = (self.pool.clone(), id.as_bytes().to_vec());
        let from = i64::try_from(from).unwrap_or(i64::MAX);
        self.block(async move {
            let client = pool.get().await.map_err(pg)?;
            let rows = client
                .query("SELECT place, data FROM chunks WHERE doc = $1 AND place >= $2 ORDER BY place", &[&doc, &from])
                .await
                .map_err(pg)?;
            Ok(rows.iter().map(|r| (place(r.get(0)), r.get(1))).collect())
        })
    }

    fn append(&self, id: &DocumentId, chunk: Vec<u8>, authored: Vec<Authored>) -> Appending {
        self.write(id, chunk, authored, None)
    }

    fn authors(&self, id: &DocumentId) -> Result<Vec<Authored>, Error> {
        let (pool, doc) = (self.pool.clone(), id.as_bytes().to_vec());
        self.block(async move {
            let client = pool.get().await.map_err(pg)?;
            let rows = client
                .query("SELECT hash, at_ms, device FROM authors WHERE doc = $1 ORDER BY hash", &[&doc])
                .await
                .map_err(pg)?;
            Ok(rows
                .iter()
                .filter_map(|r| {
                    let hash: Vec<u8> = r.get(0);
                    Some(Authored { hash: hash.try_into().ok()?, at_ms: r.get(1), device: r.get(2) })
                })
                .collect())
        })
    }

    fn arrivals(&self) -> Result<HashMap<DocumentId, i64>, Error> {
        let pool = self.pool.clone();
        self.block(async move {
            let client = pool.get().await.map_err(pg)?;
            let rows = client.query("SELECT doc, max(at_ms) FROM authors GROUP BY doc", &[]).await.map_err(pg)?;
            Ok(rows
                .iter()
                .filter_map(|r| {
                    let doc: Vec<u8> = r.get(0);
                    Some((DocumentId::from(<[u8; 16]>::try_from(doc).ok()?), r.get(1)))
                })
                .collect())
        })
    }

    fn compact(&self, id: &DocumentId, snapshot: Vec<u8>, covers: u64) -> Appending {
        self.write(id, snapshot, Vec::new(), Some(covers))
    }

    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        let (pool, key) = (self.pool.clone(), key.to_owned());
        self.block(async move {
            let client = pool.get().await.map_err(pg)?;
            let row = client.query_opt("SELECT value FROM meta WHERE key = $1", &[&key]).await.map_err(pg)?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    fn set_meta(&self, key: &str, value: &[u8]) -> Result<(), Error> {
        let (pool, key, value) = (self.pool.clone(), key.to_owned(), value.to_vec());
        self.block(async move {
            let client = pool.get().await.map_err(pg)?;
            client
                .execute(
                    "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    &[&key, &value],
                )
                .await
                .map_err(pg)?;
            Ok(())
        })
    }

    fn entries(&self, kind: &str) -> Result<Vec<(String, Vec<u8>)>, Error> {
        let (pool, kind) = (self.pool.clone(), kind.to_owned());
        self.block(async move {
            let client = pool.get().await.map_err(pg)?;
            let rows = client
                .query("SELECT key, value FROM directory WHERE kind = $1 ORDER BY key", &[&kind])
                .await
                .map_err(pg)?;
            Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
        })
    }

    fn entry(&self, kind: &str, key: &str) -> Result<Option<Vec<u8>>, Error> {
        let (pool, kind, key) = (self.pool.clone(), kind.to_owned(), key.to_owned());
        self.block(async move {
            let client = pool.get().await.map_err(pg)?;
            let row = client
                .query_opt("SELECT value FROM directory WHERE kind = $1 AND key = $2", &[&kind, &key])
                .await
                .map_err(pg)?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    fn put_entries(&self, entries: &[(&str, &str, Vec<u8>)]) -> Result<(), Error> {
        let (pool, origin, entries) = (self.pool.clone(), self.origin.clone(), owned(entries));
        self.block(async move {
            let mut client = pool.get().await.map_err(pg)?;
            let tx = client.transaction().await.map_err(pg)?;
            put_directory(&tx, &origin, &entries).await?;
            tx.commit().await.map_err(pg)
        })
    }

    fn claim_entries(&self, claim: (&str, &str), entries: &[(&str, &str, Vec<u8>)]) -> Result<bool, Error> {
        let (pool, origin, entries) = (self.pool.clone(), self.origin.clone(), owned(entries));
        let (kind, key) = (claim.0.to_owned(), claim.1.to_owned());
        self.block(async move {
            let mut client = pool.get().await.map_err(pg)?;
            let tx = client.transaction().await.map_err(pg)?;
            // A second claimant waits here for the first to commit, then
            // finds the row taken.
            let claimed = tx
                .execute(
                    "INSERT INTO directory (kind, key, value) VALUES ($1, $2, '') ON CONFLICT DO NOTHING",
                    &[&kind, &key],
                )
                .await
                .map_err(pg)?;
            if claimed == 0 {
                return Ok(false);
            }
            put_directory(&tx, &origin, &entries).await?;
            tx.commit().await.map_err(pg)?;
            Ok(true)
        })
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn backup_to(&self, _out: &Path) -> Result<BackupSummary, Error> {
        Err(Error::Refused(
            "the store is PostgreSQL: back it up with pg_dump or the database's own archiving (see the README)".into(),
        ))
    }

    fn set_aside(&self, id: &DocumentId, place: u64, chunk: &[u8]) -> Result<(), Error> {
        let (pool, doc, chunk) = (self.pool.clone(), id.as_bytes().to_vec(), chunk.to_vec());
        let place = i64::try_from(place).unwrap_or(i64::MAX);
        self.block(async move {
            let client = pool.get().await.map_err(pg)?;
            client
                .execute(
                    "INSERT INTO set_aside (doc, place, data) VALUES ($1, $2, $3)
                     ON CONFLICT (doc, place) DO UPDATE SET data = excluded.data",
                    &[&doc, &place, &chunk],
                )
                .await
                .map_err(pg)?;
            Ok(())
        })
    }

    fn set_aside_chunks(&self, id: &DocumentId) -> Result<Vec<Vec<u8>>, Error> {
        let (pool, doc) = (self.pool.clone(), id.as_bytes().to_vec());
        self.block(async move {
            let client = pool.get().await.map_err(pg)?;
            let rows =
                client.query("SELECT data FROM set_aside WHERE doc = $1 ORDER BY place", &[&doc]).await.map_err(pg)?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }
}

/// How long [`listen`] waits before connecting again, at most.
const RECONNECT_AT_MOST: Duration = Duration::from_secs(10);

/// Hears the other instances' notices for as long as the server runs: a
/// chunk they stored reaches this instance's peers of that document, and a
/// directory entry they wrote (a revocation) applies here at once. Each
/// time it starts hearing (at start, after the directory was first read,
/// and after a lost connection), notices may have been missed: the whole
/// directory and every document in memory are read again then.
pub async fn listen(store: Arc<PgStore>, hub: Arc<Hub>, access: Arc<Access>) {
    let mut wait = Duration::from_millis(200);
    loop {
        match hear(&store, &hub, &access).await {
            Ok(()) => tracing::warn!("the PostgreSQL notice connection closed; connecting again"),
            Err(e) => tracing::warn!(error = %e, "the PostgreSQL notice connection failed; connecting again"),
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(RECONNECT_AT_MOST);
    }
}

/// One connection's worth of [`listen`].
async fn hear(store: &PgStore, hub: &Arc<Hub>, access: &Arc<Access>) -> Result<(), Error> {
    let (client, mut connection) = store.config.connect(NoTls).await.map_err(pg)?;
    let (tx, mut notices) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if tx.send(n).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the PostgreSQL notice connection failed");
                    break;
                }
            }
        }
    });
    client.batch_execute(&format!("LISTEN {DOCUMENTS}; LISTEN {DIRECTORY}")).await.map_err(pg)?;
    // What was written before this LISTEN took effect was not heard.
    let reading = access.clone();
    tokio::task::spawn_blocking(move || reading.reload()).await??;
    for id in hub.resident() {
        hub.stored_elsewhere(id, 0).await;
    }
    tracing::info!("hearing the other instances through PostgreSQL");
    while let Some(notice) = notices.recv().await {
        let mut words = notice.payload().splitn(3, ' ');
        let (Some(origin), Some(what), Some(rest)) = (words.next(), words.next(), words.next()) else { continue };
        if origin == store.origin {
            continue;
        }
        match notice.channel() {
            DOCUMENTS => {
                let (Ok(id), Ok(at_ms)) = (what.parse::<DocumentId>(), rest.parse::<i64>()) else { continue };
                let hub = hub.clone();
                tokio::spawn(async move { hub.stored_elsewhere(id, at_ms).await });
            }
            DIRECTORY => {
                let (access, kind, key) = (access.clone(), what.to_owned(), rest.to_owned());
                let refreshed = tokio::task::spawn_blocking(move || access.refresh(&kind, &key)).await?;
                if let Err(e) = refreshed {
                    tracing::warn!(error = %e, "reading a directory entry another instance wrote failed");
                }
            }
            _ => {}
        }
    }
    driver.abort();
    Ok(())
}
