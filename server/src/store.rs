//! Durable storage of documents behind a trait of our own: the embedded
//! default (redb, one file in the data directory) and a shared PostgreSQL
//! store for several instances ([`crate::postgres`]) serve the same sync code.
//!
//! A document is kept as a sequence of chunks: a snapshot (`save()`) followed
//! by incremental saves, as automerge-repo's storage does. Each chunk has a
//! place in its document that only grows, so an instance that holds a
//! document can read just the chunks stored after the last one it has.
//! Loading concatenates them; compaction replaces the chunks a snapshot
//! covers with it in a single transaction, so a crash leaves either the old
//! chunks or the new snapshot.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, mpsc};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use shared::DocumentId;
use tokio::sync::oneshot;

use crate::Error;

/// Document chunks, keyed by (document id bytes, sequence number).
const CHUNKS: TableDefinition<(&[u8], u64), &[u8]> = TableDefinition::new("chunks");
/// Chunks that failed to load, kept aside before a compaction could drop
/// them, keyed by (document id bytes, the chunk's place when found).
const SET_ASIDE: TableDefinition<(&[u8], u64), &[u8]> = TableDefinition::new("set_aside");
/// Small server facts: its storage id, the first association's id.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// Districts, schools, invitations and devices, keyed by (kind, key), as JSON.
const DIRECTORY: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("directory");
/// Who sent each stored change and when, keyed by (document id bytes,
/// change hash): the time (ms since the epoch, 8 bytes little-endian)
/// followed by the device id. Written in the transaction that stores the
/// change; compaction leaves it alone.
const AUTHORS: TableDefinition<(&[u8], &[u8]), &[u8]> = TableDefinition::new("authors");

/// Which device sent a change to the server, and when it was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authored {
    /// The change's hash.
    pub hash: [u8; 32],
    /// The device that sent it.
    pub device: String,
    /// When the server stored it (ms since the epoch).
    pub at_ms: i64,
}

/// Where documents live. Every write is durable when it returns `Ok`.
pub trait Store: Send + Sync + 'static {
    /// The chunks of a document in order, or `None` if it was never stored.
    fn load(&self, id: &DocumentId) -> Result<Option<Vec<Vec<u8>>>, Error> {
        let chunks: Vec<Vec<u8>> = self.load_from(id, 0)?.into_iter().map(|(_, chunk)| chunk).collect();
        Ok((!chunks.is_empty()).then_some(chunks))
    }
    /// The chunks of a document at place `from` or later, in order, each
    /// with its place.
    fn load_from(&self, id: &DocumentId, from: u64) -> Result<Vec<(u64, Vec<u8>)>, Error>;
    /// Appends a chunk holding the changes `authored` lists (with who sent
    /// them), in one transaction; resolves once it is durable.
    fn append(&self, id: &DocumentId, chunk: Vec<u8>, authored: Vec<Authored>) -> Appending;
    /// Who sent each of a document's changes and when, as far as recorded
    /// (changes stored before the server kept this are not listed).
    fn authors(&self, id: &DocumentId) -> Result<Vec<Authored>, Error>;
    /// When a change of each document last arrived (ms since the epoch),
    /// for the documents whose authors are recorded.
    fn arrivals(&self) -> Result<HashMap<DocumentId, i64>, Error>;
    /// Replaces the chunks of a document up to place `covers` with one
    /// snapshot holding them; resolves once that is durable. Chunks after
    /// `covers` (another instance's, not yet in the snapshot) stay.
    fn compact(&self, id: &DocumentId, snapshot: Vec<u8>, covers: u64) -> Appending;
    /// Reads a server fact.
    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, Error>;
    /// Writes a server fact.
    fn set_meta(&self, key: &str, value: &[u8]) -> Result<(), Error>;
    /// Every directory entry of `kind`, as (key, value).
    fn entries(&self, kind: &str) -> Result<Vec<(String, Vec<u8>)>, Error>;
    /// One directory entry.
    fn entry(&self, kind: &str, key: &str) -> Result<Option<Vec<u8>>, Error>;
    /// Writes directory entries `(kind, key, value)`, all or none.
    fn put_entries(&self, entries: &[(&str, &str, Vec<u8>)]) -> Result<(), Error>;
    /// Writes `entries` together with the entry `claim` (empty), all or
    /// none, unless `claim` exists already: then writes nothing and returns
    /// `false`. However many servers share the store, one claim wins (an
    /// invitation is spent once).
    fn claim_entries(&self, claim: (&str, &str), entries: &[(&str, &str, Vec<u8>)]) -> Result<bool, Error>;
    /// Whether other servers share this store (and may have written what
    /// this one has not heard of yet).
    fn is_shared(&self) -> bool {
        false
    }
    /// Writes a consistent copy of everything, as of one moment, to the
    /// file `out` (written beside it first, then renamed into place).
    fn backup_to(&self, out: &Path) -> Result<BackupSummary, Error>;
    /// Keeps a chunk that failed to load, durably, where compaction does
    /// not reach; `place` is its position among the document's chunks.
    fn set_aside(&self, id: &DocumentId, place: u64, chunk: &[u8]) -> Result<(), Error>;
    /// The chunks set aside for a document, in the order they were found.
    fn set_aside_chunks(&self, id: &DocumentId) -> Result<Vec<Vec<u8>>, Error>;
}

/// What a backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupSummary {
    /// Documents.
    pub documents: usize,
    /// Their stored chunks.
    pub chunks: usize,
    /// Districts, schools, invitations and devices.
    pub directory_entries: usize,
}

impl std::fmt::Display for BackupSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} documents ({} chunks), {} directory entries", self.documents, self.chunks, self.directory_entries)
    }
}

/// The store's file in a data directory.
pub const STORE_FILE: &str = "documents.redb";

/// The embedded store: one redb file, fsynced on every commit.
pub struct RedbStore {
    db: Arc<Database>,
    /// To the writer thread (gone while dropping).
    writes: Option<mpsc::Sender<Write>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

/// A write on its way to the writer thread.
struct Write {
    id: DocumentId,
    chunk: Vec<u8>,
    authored: Vec<Authored>,
    kind: WriteKind,
    done: oneshot::Sender<Result<Stored, Arc<Error>>>,
}

/// What a write does with the document's chunks already stored.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WriteKind {
    /// Keeps them; the chunk goes after them.
    Append,
    /// Replaces those up to this place (the chunk is a snapshot of them).
    Compact(u64),
}

/// A chunk once durable: its place, and how many chunks its document has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    /// The chunk's place among its document's (only ever grows).
    pub place: u64,
    /// The document's chunks now.
    pub chunks: usize,
}

/// The most an append batch carries in one transaction.
const BATCH_BYTES: usize = 32 * 1024 * 1024;

/// An append (or compaction) in progress: resolves once it is durable.
pub struct Appending(oneshot::Receiver<Result<Stored, Arc<Error>>>);

impl std::future::Future for Appending {
    type Output = Result<Stored, Error>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx).map(Self::outcome)
    }
}

impl Appending {
    /// A write whose outcome is sent on `done`'s sender.
    pub(crate) fn channel() -> (oneshot::Sender<Result<Stored, Arc<Error>>>, Self) {
        let (done, outcome) = oneshot::channel();
        (done, Self(outcome))
    }

    /// Waits for the append outside an async context.
    pub fn wait(self) -> Result<Stored, Error> {
        Self::outcome(self.0.blocking_recv())
    }

    fn outcome(received: Result<Result<Stored, Arc<Error>>, oneshot::error::RecvError>) -> Result<Stored, Error> {
        match received {
            Ok(Ok(stored)) => Ok(stored),
            Ok(Err(e)) => Err(Error::Batch(e)),
            Err(_) => Err(Error::StoreClosed),
        }
    }
}

/// The store's page cache (its read cache and the write transaction's dirty
/// pages together). redb's default is 1 GiB, which a district's store
/// would grow into on a small server. Documents are held by the hub while
/// in use and the kernel's page cache keeps the file's hot pages, so the
/// store's own cache only saves a copy: with 1,000 clients editing, 4 MiB
/// kept the same edits per second as 32 MiB at 9 MiB less peak memory.
const CACHE_BYTES: usize = 4 * 1024 * 1024;

impl RedbStore {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Self, Error> {
        std::fs::create_dir_all(dir)?;
        let db = Database::builder().set_cache_size(CACHE_BYTES).create(dir.join(STORE_FILE))?;
        let txn = db.begin_write()?;
        txn.open_table(CHUNKS)?;
        txn.open_table(META)?;
        txn.open_table(DIRECTORY)?;
        txn.open_table(SET_ASIDE)?;
        txn.open_table(AUTHORS)?;
        txn.commit()?;
        Ok(Self::over(db))
    }

    /// Appends and compactions are written by one thread of their own, in
    /// batches: an fsync costs far more than writing a chunk, so everything
    /// that arrived while one batch was being committed goes into the next
    /// transaction with one fsync. Each write still completes only once
    /// its batch is durable. (Compactions once had a blocking thread and a
    /// transaction each: when a thousand documents reached the threshold
    /// together, hundreds of threads queued on redb's one writer.)
    fn over(db: Database) -> Self {
        let db = Arc::new(db);
        let (tx, rx) = mpsc::channel::<Write>();
        let writer = {
            let db = db.clone();
            std::thread::Builder::new()
                .name("store-writer".into())
                .spawn(move || {
                    while let Ok(first) = rx.recv() {
                        let mut bytes = first.chunk.len();
                        let mut batch = vec![first];
                        while bytes < BATCH_BYTES {
                            let Ok(next) = rx.try_recv() else { break };
                            bytes += next.chunk.len();
                            batch.push(next);
                        }
                        match write_batch(&db, &batch) {
                            Ok(counts) => {
                                for (write, count) in batch.into_iter().zip(counts) {
                                    let _ = write.done.send(Ok(count));
                                }
                            }
                            Err(e) => {
                                let e = Arc::new(e);
                                for write in batch {
                                    let _ = write.done.send(Err(e.clone()));
                                }
                            }
                        }
                    }
                })
                .expect("the store's writer thread starts")
        };
        Self { db, writes: Some(tx), writer: Some(writer) }
    }

    /// Hands a write to the writer thread.
    fn write(&self, id: &DocumentId, chunk: Vec<u8>, authored: Vec<Authored>, kind: WriteKind) -> Appending {
        let (done, outcome) = oneshot::channel();
        if let Some(writes) = &self.writes {
            // A send fails only when the writer is gone; the dropped `done`
            // then tells the caller.
            let _ = writes.send(Write { id: *id, chunk, authored, kind, done });
        }
        Appending(outcome)
    }
}

impl Drop for RedbStore {
    /// Lets the writer finish what it was given, so the file is closed
    /// (and can be opened again) once the store is dropped.
    fn drop(&mut self) {
        self.writes.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// Writes `batch` in one transaction, in order; where each write went.
fn write_batch(db: &Database, batch: &[Write]) -> Result<Vec<Stored>, Error> {
    let txn = db.begin_write()?;
    let mut counts = Vec::with_capacity(batch.len());
    {
        let mut table = txn.open_table(CHUNKS)?;
        let mut authors = txn.open_table(AUTHORS)?;
        for Write { id, chunk, authored, kind, .. } in batch {
            for a in authored {
                let mut value = a.at_ms.to_le_bytes().to_vec();
                value.extend_from_slice(a.device.as_bytes());
                authors.insert((&id.as_bytes()[..], &a.hash[..]), value.as_slice())?;
            }
            let next = match table.range(doc_range(id))?.next_back() {
                Some(last) => last?.0.value().1 + 1,
                None => 0,
            };
            if let WriteKind::Compact(covers) = *kind {
                table.retain_in(doc_range(id), |(_, place), _| place > covers)?;
            }
            counts.push(Stored { place: next, chunks: table.range(doc_range(id))?.count() + 1 });
            table.insert((&id.as_bytes()[..], next), chunk.as_slice())?;
        }
    }
    txn.commit()?;
    Ok(counts)
}

fn doc_range(id: &DocumentId) -> std::ops::RangeInclusive<(&[u8], u64)> {
    (&id.as_bytes()[..], 0)..=(&id.as_bytes()[..], u64::MAX)
}

impl Store for RedbStore {
    fn load_from(&self, id: &DocumentId, from: u64) -> Result<Vec<(u64, Vec<u8>)>, Error> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(CHUNKS)?;
        let mut chunks = Vec::new();
        for entry in table.range((&id.as_bytes()[..], from)..=(&id.as_bytes()[..], u64::MAX))? {
            let (key, value) = entry?;
            chunks.push((key.value().1, value.value().to_vec()));
        }
        Ok(chunks)
    }

    fn append(&self, id: &DocumentId, chunk: Vec<u8>, authored: Vec<Authored>) -> Appending {
        self.write(id, chunk, authored, WriteKind::Append)
    }

    fn authors(&self, id: &DocumentId) -> Result<Vec<Authored>, Error> {
        let txn = self.db.begin_read()?;
        // Stores from before this table know no authors.
        let table = match txn.open_table(AUTHORS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let doc = &id.as_bytes()[..];
        let mut out = Vec::new();
        for entry in table.range((doc, &[][..])..)? {
            let (key, value) = entry?;
            let (d, hash) = key.value();
            if d != doc {
                break;
            }
            let value = value.value();
            let (Ok(hash), Some((at, device))) = (<[u8; 32]>::try_from(hash), value.split_first_chunk::<8>()) else {
                continue;
            };
            out.push(Authored {
                hash,
                device: String::from_utf8_lossy(device).into_owned(),
                at_ms: i64::from_le_bytes(*at),
            });
        }
        Ok(out)
    }

    fn arrivals(&self) -> Result<HashMap<DocumentId, i64>, Error> {
        let txn = self.db.begin_read()?;
        let table = match txn.open_table(AUTHORS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(HashMap::new()),
            Err(e) => return Err(e.into()),
        };
        let mut last = HashMap::new();
        for entry in table.iter()? {
            let (key, value) = entry?;
            let (doc, _) = key.value();
            let (Ok(doc), Some((at, _))) = (<[u8; 16]>::try_from(doc), value.value().split_first_chunk::<8>()) else {
                continue;
            };
            let at = i64::from_le_bytes(*at);
            let newest = last.entry(DocumentId::from(doc)).or_insert(at);
            *newest = (*newest).max(at);
        }
        Ok(last)
    }

    fn compact(&self, id: &DocumentId, snapshot: Vec<u8>, covers: u64) -> Appending {
        self.write(id, snapshot, Vec::new(), WriteKind::Compact(covers))
    }

    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(META)?;
        Ok(table.get(key)?.map(|v| v.value().to_vec()))
    }

    fn set_meta(&self, key: &str, value: &[u8]) -> Result<(), Error> {
        let txn = self.db.begin_write()?;
        txn.open_table(META)?.insert(key, value)?;
        txn.commit()?;
        Ok(())
    }

    fn entries(&self, kind: &str) -> Result<Vec<(String, Vec<u8>)>, Error> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(DIRECTORY)?;
        let mut out = Vec::new();
        for entry in table.range((kind, "")..)? {
            let (key, value) = entry?;
            let (k, name) = key.value();
            if k != kind {
                break;
            }
            out.push((name.to_owned(), value.value().to_vec()));
        }
        Ok(out)
    }

    fn entry(&self, kind: &str, key: &str) -> Result<Option<Vec<u8>>, Error> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(DIRECTORY)?;
        Ok(table.get((kind, key))?.map(|v| v.value().to_vec()))
    }

    fn put_entries(&self, entries: &[(&str, &str, Vec<u8>)]) -> Result<(), Error> {
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(DIRECTORY)?;
            for (kind, key, value) in entries {
                table.insert((*kind, *key), value.as_slice())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    fn claim_entries(&self, claim: (&str, &str), entries: &[(&str, &str, Vec<u8>)]) -> Result<bool, Error> {
        // redb has one writer at a time: the check and the write are one.
        let txn = self.db.begin_write()?;
        {
            let mut table = txn.open_table(DIRECTORY)?;
            if table.get(claim)?.is_some() {
                return Ok(false);
            }
            table.insert(claim, &[][..])?;
            for (kind, key, value) in entries {
                table.insert((*kind, *key), value.as_slice())?;
            }
        }
        txn.commit()?;
        Ok(true)
    }

    fn set_aside(&self, id: &DocumentId, place: u64, chunk: &[u8]) -> Result<(), Error> {
        let txn = self.db.begin_write()?;
        txn.open_table(SET_ASIDE)?.insert((&id.as_bytes()[..], place), chunk)?;
        txn.commit()?;
        Ok(())
    }

    fn set_aside_chunks(&self, id: &DocumentId) -> Result<Vec<Vec<u8>>, Error> {
        let txn = self.db.begin_read()?;
        // Stores from before this table have nothing set aside.
        let table = match txn.open_table(SET_ASIDE) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        table.range(doc_range(id))?.map(|entry| Ok(entry?.1.value().to_vec())).collect()
    }

    fn backup_to(&self, out: &Path) -> Result<BackupSummary, Error> {
        // One read transaction: the copy is the store as of one moment,
        // however many writes the server makes meanwhile.
        let txn = self.db.begin_read()?;
        let partial = out.with_extension("partial");
        let _ = std::fs::remove_file(&partial);
        let copy = Database::create(&partial)?;
        let mut summary = BackupSummary { documents: 0, chunks: 0, directory_entries: 0 };
        let write = copy.begin_write()?;
        {
            let mut chunks = write.open_table(CHUNKS)?;
            let mut last: Option<Vec<u8>> = None;
            for entry in txn.open_table(CHUNKS)?.iter()? {
                let (key, value) = entry?;
                let (id, seq) = key.value();
                if last.as_deref() != Some(id) {
                    summary.documents += 1;
                    last = Some(id.to_vec());
                }
                summary.chunks += 1;
                chunks.insert((id, seq), value.value())?;
            }
            let mut meta = write.open_table(META)?;
            for entry in txn.open_table(META)?.iter()? {
                let (key, value) = entry?;
                meta.insert(key.value(), value.value())?;
            }
            let mut directory = write.open_table(DIRECTORY)?;
            for entry in txn.open_table(DIRECTORY)?.iter()? {
                let (key, value) = entry?;
                summary.directory_entries += 1;
                directory.insert(key.value(), value.value())?;
            }
            let mut set_aside = write.open_table(SET_ASIDE)?;
            if let Ok(table) = txn.open_table(SET_ASIDE) {
                for entry in table.iter()? {
                    let (key, value) = entry?;
                    set_aside.insert(key.value(), value.value())?;
                }
            }
            let mut authors = write.open_table(AUTHORS)?;
            if let Ok(table) = txn.open_table(AUTHORS) {
                for entry in table.iter()? {
                    let (key, value) = entry?;
                    authors.insert(key.value(), value.value())?;
                }
            }
        }
        write.commit()?;
        drop(copy);
        std::fs::File::open(&partial)?.sync_all()?;
        std::fs::rename(&partial, out)?;
        sync_dir(out)?;
        Ok(summary)
    }
}

/// Replaces the store in `dir` with the backup `from`, which is checked
/// first by opening it and counting what it holds. The store being
/// replaced is kept beside it as `documents.redb.before-restore`, and what
/// it knows of revoked devices and spent or cancelled invitations is kept
/// in the restored store ([`crate::access::keep_revocations`]): going back
/// to a backup brings back documents, never a way in that was closed.
/// Fails, changing nothing, while a server has the store open.
pub fn restore(dir: &Path, from: &Path) -> Result<(BackupSummary, usize), Error> {
    std::fs::create_dir_all(dir)?;
    let summary = {
        let backup = RedbStore::over(Database::open(from)?);
        let check = dir.join("restore-check.redb");
        let summary = backup.backup_to(&check)?;
        std::fs::remove_file(&check)?;
        summary
    };
    let current = dir.join(STORE_FILE);
    // Opening it takes the store's lock: a running server refuses it.
    let live = if current.exists() { Some(RedbStore::over(Database::open(&current)?)) } else { None };
    let incoming = dir.join("documents.redb.restoring");
    std::fs::copy(from, &incoming)?;
    let kept = match &live {
        Some(live) => crate::access::keep_revocations(live, &RedbStore::over(Database::open(&incoming)?))?,
        None => 0,
    };
    drop(live);
    std::fs::File::open(&incoming)?.sync_all()?;
    if current.exists() {
        std::fs::rename(&current, dir.join("documents.redb.before-restore"))?;
    }
    std::fs::rename(&incoming, &current)?;
    sync_dir(&current)?;
    Ok((summary, kept))
}

/// Makes a rename in `file`'s directory durable.
fn sync_dir(file: &Path) -> Result<(), Error> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_come_back_in_order_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let id = DocumentId::random();
        let other = DocumentId::random();
        {
            let store = RedbStore::open(dir.path()).unwrap();
            assert_eq!(store.load(&id).unwrap(), None);
            assert_eq!(store.append(&id, b"one".to_vec(), Vec::new()).wait().unwrap().chunks, 1);
            store.append(&other, b"x".to_vec(), Vec::new()).wait().unwrap();
            assert_eq!(store.append(&id, b"two".to_vec(), Vec::new()).wait().unwrap().chunks, 2);
        }
        let store = RedbStore::open(dir.path()).unwrap();
        assert_eq!(store.load(&id).unwrap().unwrap(), vec![b"one".to_vec(), b"two".to_vec()]);
        assert_eq!(store.load(&other).unwrap().unwrap(), vec![b"x".to_vec()]);
    }

    #[test]
    fn appends_from_many_threads_at_once_are_all_stored_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(RedbStore::open(dir.path()).unwrap());
        let ids: Vec<DocumentId> = (0..4).map(|_| DocumentId::random()).collect();
        let threads: Vec<_> = (0..16)
            .map(|t| {
                let (store, id) = (store.clone(), ids[t % 4]);
                std::thread::spawn(move || {
                    (0..20)
                        .map(|n| store.append(&id, format!("{t}:{n}").into_bytes(), Vec::new()).wait().unwrap().chunks)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for counts in threads.into_iter().map(|t| t.join().unwrap()) {
            assert!(counts.windows(2).all(|w| w[0] < w[1]), "a document's count grows with each append: {counts:?}");
        }
        for (k, id) in ids.iter().enumerate() {
            let chunks = store.load(id).unwrap().unwrap();
            assert_eq!(chunks.len(), 4 * 20);
            for t in (k..16).step_by(4) {
                let own: Vec<_> = chunks.iter().filter(|c| c.starts_with(format!("{t}:").as_bytes())).collect();
                let expected: Vec<Vec<u8>> = (0..20).map(|n| format!("{t}:{n}").into_bytes()).collect();
                assert_eq!(own, expected.iter().collect::<Vec<_>>(), "each writer's chunks in the order it wrote them");
            }
        }
    }

    #[test]
    fn directory_entries_are_listed_by_kind_and_written_together() {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbStore::open(dir.path()).unwrap();
        store
            .put_entries(&[
                ("device", "b", b"2".to_vec()),
                ("device", "a", b"1".to_vec()),
                ("school", "x", b"3".to_vec()),
            ])
            .unwrap();
        assert_eq!(store.entries("device").unwrap(), vec![("a".into(), b"1".to_vec()), ("b".into(), b"2".to_vec())]);
        assert_eq!(store.entries("school").unwrap().len(), 1);
        assert!(store.entries("district").unwrap().is_empty());
    }

    #[test]
    fn compaction_replaces_every_chunk_with_the_snapshot_and_appends_continue() {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbStore::open(dir.path()).unwrap();
        let id = DocumentId::random();
        store.append(&id, b"a".to_vec(), Vec::new()).wait().unwrap();
        store.append(&id, b"b".to_vec(), Vec::new()).wait().unwrap();
        assert_eq!(store.compact(&id, b"ab".to_vec(), 1).wait().unwrap(), Stored { place: 2, chunks: 1 });
        assert_eq!(store.append(&id, b"c".to_vec(), Vec::new()).wait().unwrap().chunks, 2);
        assert_eq!(store.load(&id).unwrap().unwrap(), vec![b"ab".to_vec(), b"c".to_vec()]);
        assert_eq!(store.load_from(&id, 3).unwrap(), vec![(3, b"c".to_vec())], "places only grow");

        // A snapshot of what this server held leaves a chunk stored after
        // it (by another server) in place.
        store.append(&id, b"d".to_vec(), Vec::new()).wait().unwrap();
        assert_eq!(store.compact(&id, b"abc".to_vec(), 3).wait().unwrap(), Stored { place: 5, chunks: 2 });
        assert_eq!(store.load(&id).unwrap().unwrap(), vec![b"d".to_vec(), b"abc".to_vec()]);
    }

    #[test]
    fn one_claim_wins_and_a_lost_claim_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbStore::open(dir.path()).unwrap();
        assert!(store.claim_entries(("spent", "code"), &[("device", "a", b"1".to_vec())]).unwrap());
        assert!(!store.claim_entries(("spent", "code"), &[("device", "b", b"2".to_vec())]).unwrap());
        assert_eq!(store.entries("device").unwrap(), vec![("a".into(), b"1".to_vec())]);
        assert_eq!(store.entry("device", "a").unwrap(), Some(b"1".to_vec()));
    }

    #[test]
    fn a_compaction_and_the_appends_behind_it_in_one_batch_keep_their_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = RedbStore::open(dir.path()).unwrap();
        let (id, other) = (DocumentId::random(), DocumentId::random());
        for chunk in [b"a", b"b", b"c"] {
            store.append(&id, chunk.to_vec(), Vec::new()).wait().unwrap();
        }
        store.append(&other, b"x".to_vec(), Vec::new()).wait().unwrap();
        let write = |id: DocumentId, chunk: &[u8], kind| Write {
            id,
            chunk: chunk.to_vec(),
            authored: Vec::new(),
            kind,
            done: oneshot::channel().0,
        };
        // The batch the writer thread would make of these, written directly.
        let batch = [
            write(id, b"abc", WriteKind::Compact(2)),
            write(other, b"y", WriteKind::Append),
            write(id, b"d", WriteKind::Append),
            write(id, b"e", WriteKind::Append),
        ];
        let counts: Vec<usize> = write_batch(&store.db, &batch).unwrap().iter().map(|s| s.chunks).collect();
        assert_eq!(counts, [1, 2, 2, 3]);
        assert_eq!(store.load(&id).unwrap().unwrap(), vec![b"abc".to_vec(), b"d".to_vec(), b"e".to_vec()]);
        assert_eq!(
            store.load(&other).unwrap().unwrap(),
            vec![b"x".to_vec(), b"y".to_vec()],
            "the other document untouched"
        );
    }

    #[test]
    fn a_backup_restores_into_another_directory_with_everything() {
        let dir = tempfile::tempdir().unwrap();
        let id = DocumentId::random();
        let out = dir.path().join("backup.redb");
        {
            let store = RedbStore::open(&dir.path().join("live")).unwrap();
            store.append(&id, b"one".to_vec(), Vec::new()).wait().unwrap();
            store.append(&id, b"two".to_vec(), Vec::new()).wait().unwrap();
            store.set_meta("storage_id", b"s").unwrap();
            store.put_entries(&[("device", "a", b"1".to_vec())]).unwrap();
            let summary = store.backup_to(&out).unwrap();
            assert_eq!(summary, BackupSummary { documents: 1, chunks: 2, directory_entries: 1 });
            store.append(&id, b"after the backup".to_vec(), Vec::new()).wait().unwrap();
            // The live store is locked: restoring over it is refused.
            assert!(restore(&dir.path().join("live"), &out).is_err());
        }
        let fresh = dir.path().join("fresh");
        assert_eq!(restore(&fresh, &out).unwrap().1, 0, "nothing to keep in a fresh directory");
        let store = RedbStore::open(&fresh).unwrap();
        assert_eq!(store.load(&id).unwrap().unwrap(), vec![b"one".to_vec(), b"two".to_vec()]);
        assert_eq!(store.meta("storage_id").unwrap().unwrap(), b"s");
        assert_eq!(store.entries("device").unwrap().len(), 1);
        drop(store);
        let not_a_backup = dir.path().join("junk.redb");
        std::fs::write(&not_a_backup, b"not a database").unwrap();
        assert!(restore(&fresh, &not_a_backup).is_err(), "a file that is not a backup is refused");
        assert!(RedbStore::open(&fresh).unwrap().load(&id).unwrap().is_some(), "and nothing changed");
    }
}
