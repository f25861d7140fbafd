//! The documents this device holds, and the rule that every change is
//! written to browser storage before anything else happens to it.
//!
//! The UI changes a document only through [`Repo::edit`]; the sync client
//! merges remote changes through [`Repo::with_doc`] followed by
//! [`Repo::changed`]. Either way the change is shown at once and a save loop
//! appends it to IndexedDB, retrying until it succeeds; the sync client sends
//! a document only when it has no unsaved changes.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use automerge::{AutoCommit, ChangeHash};
use futures_channel::mpsc::UnboundedSender;
use leptos::prelude::*;
use shared::{AssociationDoc, DocumentId};

use crate::storage::Store;

/// How often a failed save is retried.
const SAVE_RETRY_MS: u32 = 3_000;
/// Stored chunks after which loading writes one snapshot instead.
const COMPACT_AFTER_CHUNKS: usize = 32;

/// Connection to the server, as the user sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncStatus {
    /// No connection.
    Offline,
    /// Connected, changes on their way.
    Syncing,
    /// The server has everything this device has.
    Saved,
}

impl SyncStatus {
    /// The words in the header.
    pub fn label(self) -> &'static str {
        match self {
            Self::Offline => "нет связи",
            Self::Syncing => "синхронизация…",
            Self::Saved => "сохранено на сервере",
        }
    }
}

/// Reactive state the screens read; plain data only.
#[derive(Clone, Copy)]
pub struct Ui {
    /// The association's records, once loaded.
    pub records: RwSignal<Option<AssociationDoc>>,
    /// Why the records are read-only, if they are.
    pub read_only: RwSignal<Option<String>>,
    /// The connection to the server.
    pub sync: RwSignal<SyncStatus>,
    /// A failed save, shown until a retry succeeds.
    pub storage_error: RwSignal<Option<String>>,
    /// Something that keeps the app from starting.
    pub fatal: RwSignal<Option<String>>,
    /// A new version of the app is ready.
    pub update_ready: RwSignal<bool>,
}

impl Ui {
    /// Fresh state: nothing loaded, offline.
    pub fn new() -> Self {
        Self {
            records: RwSignal::new(None),
            read_only: RwSignal::new(None),
            sync: RwSignal::new(SyncStatus::Offline),
            storage_error: RwSignal::new(None),
            fatal: RwSignal::new(None),
            update_ready: RwSignal::new(false),
        }
    }
}

/// The association document on this device.
pub struct Repo {
    /// What the screens show.
    pub ui: Ui,
    /// Browser storage.
    pub store: Store,
    /// The association document's id.
    pub id: DocumentId,
    doc: RefCell<AutoCommit>,
    /// Heads of what IndexedDB holds.
    saved_heads: RefCell<Vec<ChangeHash>>,
    saving: Cell<bool>,
    /// Tells the sync client that a save finished.
    sync_wake: RefCell<Option<UnboundedSender<()>>>,
}

thread_local! {
    static REPO: RefCell<Option<Rc<Repo>>> = const { RefCell::new(None) };
}

/// The repo, once the app has opened it.
pub fn repo() -> Option<Rc<Repo>> {
    REPO.with(|r| r.borrow().clone())
}

/// Milliseconds since the epoch, for change timestamps.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

impl Repo {
    /// Loads the document from IndexedDB (creating it if this device has
    /// none yet) and makes it the app's repo.
    pub async fn open(ui: Ui, store: Store, id: DocumentId) -> Result<Rc<Self>, String> {
        let chunks = store.load_chunks(&id).await.map_err(|e| e.message())?;
        let mut doc = AutoCommit::new();
        let mut unreadable = 0;
        for chunk in &chunks {
            // One damaged chunk must not cost the others: load what loads.
            if doc.load_incremental(&chunk.bytes).is_err() {
                unreadable += 1;
            }
        }
        let fresh = doc.get_heads().is_empty();
        if fresh {
            doc = AssociationDoc::create(&id);
        }
        let saved_heads = if fresh { Vec::new() } else { doc.get_heads() };
        if unreadable > 0 {
            ui.storage_error.set(Some(format!(
                "Часть сохранённых данных на устройстве повреждена ({unreadable} из {}); \
                 недостающее будет получено с сервера.",
                chunks.len()
            )));
        }
        let repo = Rc::new(Self {
            ui,
            store,
            id,
            doc: RefCell::new(doc),
            saved_heads: RefCell::new(saved_heads),
            saving: Cell::new(false),
            sync_wake: RefCell::new(None),
        });
        if chunks.len() > COMPACT_AFTER_CHUNKS && unreadable == 0 {
            let snapshot = repo.doc.borrow_mut().save();
            let keys: Vec<String> = chunks.into_iter().map(|c| c.key).collect();
            if let Err(e) = repo.store.compact(&id, &snapshot, &keys).await {
                leptos::logging::warn!("compaction failed: {e:?}");
            }
        }
        REPO.with(|r| *r.borrow_mut() = Some(repo.clone()));
        repo.changed();
        Ok(repo)
    }

    /// Applies a user's change: shown at once, then saved, then synced.
    pub fn edit<T>(
        self: &Rc<Self>,
        f: impl FnOnce(&mut AutoCommit) -> Result<T, shared::Error>,
    ) -> Result<T, shared::Error> {
        let result = f(&mut self.doc.borrow_mut())?;
        self.changed();
        Ok(result)
    }

    /// Runs `f` on the document (the sync client uses this).
    pub fn with_doc<R>(&self, f: impl FnOnce(&mut AutoCommit) -> R) -> R {
        f(&mut self.doc.borrow_mut())
    }

    /// Shows the document as it is now and saves whatever is not saved yet.
    pub fn changed(self: &Rc<Self>) {
        self.refresh();
        if self.is_saved() {
            return;
        }
        // The server no longer has everything this device has.
        if self.ui.sync.get_untracked() == SyncStatus::Saved {
            self.ui.sync.set(SyncStatus::Syncing);
        }
        if !self.saving.get() {
            self.saving.set(true);
            leptos::task::spawn_local(self.clone().save_loop());
        }
    }

    /// Whether IndexedDB holds everything the document has.
    pub fn is_saved(&self) -> bool {
        *self.saved_heads.borrow() == self.doc.borrow_mut().get_heads()
    }

    /// Registers (or clears) the sync client's wake-up channel.
    pub fn set_sync_wake(&self, wake: Option<UnboundedSender<()>>) {
        *self.sync_wake.borrow_mut() = wake;
    }

    fn refresh(&self) {
        let doc = self.doc.borrow();
        match AssociationDoc::load(&doc) {
            Ok(records) => {
                self.ui.records.set(Some(records));
                self.ui.read_only.set(None);
            }
            Err(shared::Error::NewerSchema { .. }) => {
                self.ui.read_only.set(Some(
                    "Эти записи созданы более новой версией приложения. Обновите приложение, \
                     чтобы вносить изменения; пока их можно только просматривать."
                        .into(),
                ));
                if let Ok(records) = autosurgeon::hydrate::<_, AssociationDoc>(&*doc) {
                    self.ui.records.set(Some(records));
                }
            }
            Err(e) => self.ui.fatal.set(Some(format!("Записи не читаются: {e}"))),
        }
    }

    /// Appends unsaved changes to IndexedDB until none are left, retrying
    /// failed writes; the changes stay in memory meanwhile.
    async fn save_loop(self: Rc<Self>) {
        loop {
            let (chunk, heads) = {
                let mut doc = self.doc.borrow_mut();
                let saved = self.saved_heads.borrow();
                (doc.save_after(&saved), doc.get_heads())
            };
            if heads == *self.saved_heads.borrow() {
                break;
            }
            match self.store.append_chunk(&self.id, &chunk).await {
                Ok(()) => {
                    *self.saved_heads.borrow_mut() = heads;
                    self.ui.storage_error.set(None);
                    if let Some(wake) = &*self.sync_wake.borrow() {
                        let _ = wake.unbounded_send(());
                    }
                }
                Err(e) => {
                    leptos::logging::warn!("saving failed: {e:?}");
                    self.ui.storage_error.set(Some(e.message()));
                    gloo_timers::future::TimeoutFuture::new(SAVE_RETRY_MS).await;
                }
            }
        }
        self.saving.set(false);
    }
}
