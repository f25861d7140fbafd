//! Browser storage: automerge bytes and sync states in IndexedDB, small
//! settings in localStorage (through gloo-storage).
//!
//! A document is stored as chunks under keys `"{doc}/{uuid}"`: every save
//! adds a chunk and never overwrites one, so two tabs of one browser cannot
//! erase each other's edits, and a half-finished write leaves the earlier
//! chunks intact. Loading reads every chunk; compaction writes one snapshot
//! and deletes exactly the chunks it knows the snapshot holds, in one
//! transaction.

use gloo_storage::{LocalStorage, Storage as _};
use idb::{Database, DatabaseEvent, Factory, KeyRange, ObjectStoreParams, Query, TransactionMode};
use js_sys::Uint8Array;
use shared::DocumentId;
use shared::engine::Chunk;
use wasm_bindgen::{JsCast, JsValue};

const DB_NAME: &str = "mo-kr";
const DB_VERSION: u32 = 2;
const CHUNKS: &str = "chunks";
const SYNC_STATES: &str = "sync_states";
/// This device's own records (version 2): its token and description
/// (localStorage reaches the disk lazily, and a device killed soon after
/// joining lost them there), and the district overview it last computed.
const DEVICE: &str = "device";

/// Why a browser storage operation failed, in words for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageError {
    /// The browser's own description.
    pub detail: String,
    /// Whether the browser ran out of space for this site.
    pub quota: bool,
}

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl StorageError {
    fn from_idb(e: idb::Error) -> Self {
        // idb writes the browser's DOMException as JavaScript does: its name
        // (`QuotaExceededError`) and message.
        let detail = e.to_string();
        let quota = detail.contains("Quota");
        Self { detail, quota }
    }

    /// What to tell the user when storage does not open at all.
    pub fn unavailable(&self) -> String {
        format!(
            "Браузер не даёт приложению хранить данные ({}). Проверьте, не включён ли режим инкогнито.",
            self.detail
        )
    }

    /// What to tell the user.
    pub fn message(&self) -> String {
        if self.quota {
            "На устройстве закончилось место для данных приложения. Изменения сохранены в памяти; \
             освободите место, и приложение запишет их само."
                .to_owned()
        } else {
            format!(
                "Не удалось сохранить изменения на устройстве ({}). Изменения сохранены в памяти, \
                 приложение повторит попытку.",
                self.detail.chars().take(120).collect::<String>()
            )
        }
    }

    /// What to tell a person whose change was not kept (nothing of it stays
    /// in memory: the form still holds what they typed).
    pub fn not_kept(&self) -> String {
        if self.quota {
            "Не сохранено: на устройстве закончилось место для данных приложения. Освободите место \
             и нажмите «Сохранить» ещё раз."
                .to_owned()
        } else {
            format!(
                "Не сохранено на устройстве ({}). Попробуйте ещё раз.",
                self.detail.chars().take(120).collect::<String>()
            )
        }
    }
}

type Result<T> = std::result::Result<T, StorageError>;

/// An IndexedDB database: its name, version and object stores.
pub struct Layout {
    name: &'static str,
    version: u32,
    stores: &'static [&'static str],
}

/// The records' database.
const RECORDS: Layout = Layout { name: DB_NAME, version: DB_VERSION, stores: &[CHUNKS, SYNC_STATES, DEVICE] };

/// The копилка's files, a database of their own: a 20 MB file is not read
/// with the records, and its layout changes without theirs.
pub const FILES: Layout = Layout { name: "mo-kr-files", version: 1, stores: &[FILE_PARTS, FILE_ENTRIES] };
/// A file's bytes, in parts keyed `"{hash}/{offset:012}"`.
pub const FILE_PARTS: &str = "parts";
/// What the device knows of each file it holds, by hash.
pub const FILE_ENTRIES: &str = "files";

/// The app's IndexedDB database.
#[derive(Clone)]
pub struct Store {
    /// The open connection, replaced by [`Store::reopen`].
    db: std::rc::Rc<std::cell::RefCell<std::rc::Rc<Database>>>,
    layout: &'static Layout,
}

impl Store {
    /// Opens the records' database, creating its object stores on first use.
    pub async fn open() -> Result<Self> {
        Self::open_layout(&RECORDS).await
    }

    /// Opens the database of `layout`.
    pub async fn open_layout(layout: &'static Layout) -> Result<Self> {
        let db = Self::connect(layout).await?;
        Ok(Self { db: std::rc::Rc::new(std::cell::RefCell::new(std::rc::Rc::new(db))), layout })
    }

    /// A new connection in place of the current one. After a failed write
    /// (a full disk) Chromium may leave the connection unable to write even
    /// once there is room again; a fresh one can.
    pub async fn reopen(&self) -> Result<()> {
        let fresh = std::rc::Rc::new(Self::connect(self.layout).await?);
        let old = self.db.replace(fresh);
        old.close();
        Ok(())
    }

    fn db(&self) -> std::rc::Rc<Database> {
        self.db.borrow().clone()
    }

    async fn connect(layout: &'static Layout) -> Result<Database> {
        let factory = Factory::new().map_err(StorageError::from_idb)?;
        let mut request = factory.open(layout.name, Some(layout.version)).map_err(StorageError::from_idb)?;
        request.on_upgrade_needed(|event| {
            let Ok(db) = event.database() else { return };
            for name in layout.stores {
                if !db.store_names().iter().any(|n| n == name) {
                    let _ = db.create_object_store(name, ObjectStoreParams::new());
                }
            }
        });
        request.await.map_err(StorageError::from_idb)
    }

    /// The values kept in `name` under keys starting with `prefix` and a
    /// `/`, in key order, with their keys.
    pub async fn under(&self, name: &str, prefix: &str) -> Result<Vec<(String, JsValue)>> {
        let tx = self.db().transaction(&[name], TransactionMode::ReadOnly).map_err(StorageError::from_idb)?;
        let store = tx.object_store(name).map_err(StorageError::from_idb)?;
        let range = || prefix_range(prefix);
        let keys = store.get_all_keys(Some(Query::KeyRange(range()?)), None).map_err(StorageError::from_idb)?;
        let values = store.get_all(Some(Query::KeyRange(range()?)), None).map_err(StorageError::from_idb)?;
        let keys = keys.await.map_err(StorageError::from_idb)?;
        let values = values.await.map_err(StorageError::from_idb)?;
        Ok(keys.into_iter().map(|k| k.as_string().unwrap_or_default()).zip(values).collect())
    }

    /// Keeps each `(key, value)` in `name`, and deletes the keys under
    /// `cleared` (a prefix, as [`Store::under`] reads), in one transaction
    /// committed before it returns.
    pub async fn put_all(&self, name: &str, cleared: Option<&str>, values: &[(String, JsValue)]) -> Result<()> {
        let range = cleared.map(prefix_range).transpose()?;
        self.write(name, |store| {
            if let Some(range) = range {
                store.delete(Query::KeyRange(range))?;
            }
            for (key, value) in values {
                store.put(value, Some(&JsValue::from_str(key)))?;
            }
            Ok(())
        })
        .await
    }

    /// The value kept in `name` under `key`, if any.
    pub async fn value(&self, name: &str, key: &str) -> Result<Option<JsValue>> {
        self.get(name, key).await
    }

    /// Every chunk of each of `docs`, in key order, read in one transaction:
    /// every request is made before the first answer is awaited, so opening
    /// a district's documents costs one round through IndexedDB, not one
    /// per document.
    pub async fn load_chunks(&self, docs: &[DocumentId]) -> Result<Vec<Vec<Chunk>>> {
        let tx = self.db().transaction(&[CHUNKS], TransactionMode::ReadOnly).map_err(StorageError::from_idb)?;
        let store = tx.object_store(CHUNKS).map_err(StorageError::from_idb)?;
        let mut requests = Vec::with_capacity(docs.len());
        for doc in docs {
            let range = doc_range(doc)?;
            let keys =
                store.get_all_keys(Some(Query::KeyRange(range.clone())), None).map_err(StorageError::from_idb)?;
            let values = store.get_all(Some(Query::KeyRange(range)), None).map_err(StorageError::from_idb)?;
            requests.push((keys, values));
        }
        let mut loaded = Vec::with_capacity(docs.len());
        for (keys, values) in requests {
            let keys = keys.await.map_err(StorageError::from_idb)?;
            let values = values.await.map_err(StorageError::from_idb)?;
            loaded.push(
                keys.into_iter()
                    .zip(values)
                    .map(|(k, v)| Chunk { key: k.as_string().unwrap_or_default(), bytes: to_bytes(&v) })
                    .collect(),
            );
        }
        Ok(loaded)
    }

    /// The keys of each of `docs`' chunks, in key order, read in one
    /// transaction without the chunks themselves. A chunk is never
    /// overwritten, so the same keys mean the same stored document.
    pub async fn chunk_keys(&self, docs: &[DocumentId]) -> Result<Vec<Vec<String>>> {
        let tx = self.db().transaction(&[CHUNKS], TransactionMode::ReadOnly).map_err(StorageError::from_idb)?;
        let store = tx.object_store(CHUNKS).map_err(StorageError::from_idb)?;
        let mut requests = Vec::with_capacity(docs.len());
        for doc in docs {
            let range = Query::KeyRange(doc_range(doc)?);
            requests.push(store.get_all_keys(Some(range), None).map_err(StorageError::from_idb)?);
        }
        let mut keys = Vec::with_capacity(docs.len());
        for request in requests {
            let found = request.await.map_err(StorageError::from_idb)?;
            keys.push(found.iter().map(|k| k.as_string().unwrap_or_default()).collect());
        }
        Ok(keys)
    }

    /// Adds a chunk to a document and deletes the chunks `replaced` (those
    /// it holds all of: a snapshot compacts them), in one transaction;
    /// returns the new chunk's key once the browser has committed it.
    pub async fn put_chunk(&self, doc: &DocumentId, bytes: &[u8], replaced: &[String]) -> Result<String> {
        let key = format!("{doc}/{}", uuid::Uuid::new_v4());
        self.write(CHUNKS, |store| {
            store.put(&Uint8Array::from(bytes).into(), Some(&JsValue::from_str(&key)))?;
            for k in replaced {
                store.delete(Query::Key(JsValue::from_str(k)))?;
            }
            Ok(())
        })
        .await?;
        Ok(key)
    }

    /// The sync state kept for a document with a server, if any.
    pub async fn load_sync_state(&self, server: &str, doc: &DocumentId) -> Result<Option<Vec<u8>>> {
        Ok(self.get(SYNC_STATES, &format!("{server}/{doc}")).await?.map(|v| to_bytes(&v)))
    }

    /// Keeps the sync state of a document with a server.
    pub async fn save_sync_state(&self, server: &str, doc: &DocumentId, state: &[u8]) -> Result<()> {
        let key = format!("{server}/{doc}");
        self.write(SYNC_STATES, |store| {
            store.put(&Uint8Array::from(state).into(), Some(&JsValue::from_str(&key)))?;
            Ok(())
        })
        .await
    }

    /// Keeps this device's token and description (JSON), committed to disk.
    pub async fn save_device(&self, token: &str, me: &str) -> Result<()> {
        let value = crate::device::json(&Device { token: token.into(), me: me.into() }).unwrap_or_default();
        self.write(DEVICE, |store| {
            store.put(&JsValue::from_str(&value), Some(&JsValue::from_str(DEVICE)))?;
            Ok(())
        })
        .await
    }

    /// The token and description kept by [`Store::save_device`], if any.
    pub async fn load_device(&self) -> Result<Option<(String, String)>> {
        let value = self.get(DEVICE, DEVICE).await?;
        let parsed: Option<Device> = value.and_then(|v| v.as_string()).and_then(|s| serde_json::from_str(&s).ok());
        Ok(parsed.map(|d| (d.token, d.me)))
    }

    /// The district overview kept by [`Store::save_overview`] under `key`.
    pub async fn load_overview(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.get(DEVICE, &format!("overview/{key}")).await?.map(|v| to_bytes(&v)))
    }

    /// Keeps the district overview under `key`: a cache the engine checks
    /// against the documents' heads, so opening the app need not read every
    /// school's records again to draw it.
    pub async fn save_overview(&self, key: &str, bytes: &[u8]) -> Result<()> {
        let key = format!("overview/{key}");
        self.write(DEVICE, |store| {
            store.put(&Uint8Array::from(bytes).into(), Some(&JsValue::from_str(&key)))?;
            Ok(())
        })
        .await
    }

    /// The value kept in the store `name` under `key`, if any.
    async fn get(&self, name: &str, key: &str) -> Result<Option<JsValue>> {
        let tx = self.db().transaction(&[name], TransactionMode::ReadOnly).map_err(StorageError::from_idb)?;
        let store = tx.object_store(name).map_err(StorageError::from_idb)?;
        store
            .get(Query::Key(JsValue::from_str(key)))
            .map_err(StorageError::from_idb)?
            .await
            .map_err(StorageError::from_idb)
    }

    /// Runs `f` in a read-write transaction and waits for the commit.
    async fn write(
        &self,
        name: &str,
        f: impl FnOnce(&idb::ObjectStore) -> std::result::Result<(), idb::Error>,
    ) -> Result<()> {
        let tx = self.db().transaction(&[name], TransactionMode::ReadWrite).map_err(StorageError::from_idb)?;
        // The browser's own handle too: an aborted transaction says why
        // (a full quota aborts the commit) only there.
        let raw = web_sys::IdbTransaction::from(tx);
        let tx = idb::Transaction::from(raw.clone());
        let store = tx.object_store(name).map_err(StorageError::from_idb)?;
        if let Err(e) = f(&store) {
            let _ = tx.abort();
            return Err(StorageError::from_idb(e));
        }
        let result = tx.commit().map_err(StorageError::from_idb)?.await.map_err(StorageError::from_idb)?;
        if result.is_committed() {
            return Ok(());
        }
        let why = raw.error().map(|e| (e.name(), e.message()));
        let quota = why.as_ref().is_some_and(|(name, _)| name == "QuotaExceededError");
        let detail =
            why.map_or_else(|| "транзакция прервана".to_owned(), |(name, message)| format!("{name}: {message}"));
        Err(StorageError { detail, quota })
    }
}

fn doc_range(doc: &DocumentId) -> Result<KeyRange> {
    prefix_range(&doc.to_string())
}

fn prefix_range(prefix: &str) -> Result<KeyRange> {
    // '0' follows '/' in code point order, so this spans every "{prefix}/…" key.
    KeyRange::bound(
        &JsValue::from_str(&format!("{prefix}/")),
        &JsValue::from_str(&format!("{prefix}0")),
        None,
        Some(true),
    )
    .map_err(StorageError::from_idb)
}

fn to_bytes(v: &JsValue) -> Vec<u8> {
    v.dyn_ref::<Uint8Array>().map(Uint8Array::to_vec).unwrap_or_default()
}

/// Settings kept in localStorage.
pub mod settings {
    use super::*;

    const STORAGE_ID: &str = "mo.storage_id";
    const YEAR: &str = "mo.year";
    const LAST_SYNCED: &str = "mo.last_synced_ms";
    const UNSYNCED_SINCE: &str = "mo.unsynced_since_ms";

    /// When the server last had everything this device has (ms since the epoch).
    pub fn last_synced() -> Option<i64> {
        LocalStorage::get::<i64>(LAST_SYNCED).ok()
    }

    /// When the oldest edit the server does not have yet was kept here.
    pub fn unsynced_since() -> Option<i64> {
        LocalStorage::get::<i64>(UNSYNCED_SINCE).ok()
    }

    /// The server has everything, as of `now_ms`.
    pub fn set_synced(now_ms: i64) {
        let _ = LocalStorage::set(LAST_SYNCED, now_ms);
        LocalStorage::delete(UNSYNCED_SINCE);
    }

    /// An edit was kept at `now_ms` that the server does not have yet; the
    /// oldest such moment stays.
    pub fn set_unsynced(now_ms: i64) {
        if unsynced_since().is_none() {
            let _ = LocalStorage::set(UNSYNCED_SINCE, now_ms);
        }
    }

    /// The academic year last chosen on this device.
    pub fn year() -> Option<shared::AcademicYear> {
        LocalStorage::get::<i32>(YEAR).ok().map(shared::AcademicYear)
    }

    /// Remembers the chosen academic year.
    pub fn set_year(year: shared::AcademicYear) {
        let _ = LocalStorage::set(YEAR, year.0);
    }

    /// This browser's storage id, made on first use; servers key their sync
    /// state with us by it.
    pub fn storage_id() -> String {
        if let Ok(id) = LocalStorage::get::<String>(STORAGE_ID) {
            return id;
        }
        let id = uuid::Uuid::new_v4().to_string();
        let _ = LocalStorage::set(STORAGE_ID, &id);
        id
    }
}

/// This device's token and description (JSON), as [`Store::save_device`]
/// keeps them.
#[derive(serde::Serialize, serde::Deserialize)]
struct Device {
    token: String,
    me: String,
}
