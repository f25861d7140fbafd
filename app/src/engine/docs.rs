//! The documents this device holds, and the rule that every change is
//! written to browser storage before anything else happens to it.
//!
//! A school МО's records live in several documents (the association with its
//! members, one per academic year, the library); each open one is a [`Repo`].
//! The UI changes a document only through [`edit`]; the sync client merges
//! remote changes through [`Repo::with_doc`] followed by [`Repo::changed`].
//! Either way the change is shown at once and a save loop appends it to
//! IndexedDB, retrying until it succeeds; the sync client sends a document
//! only when it has no unsaved changes.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use automerge::{AutoCommit, ChangeHash};
use futures_channel::mpsc::UnboundedSender;
use leptos::prelude::*;
use shared::district::DistrictYearDoc;
use shared::{AcademicYear, AssociationDoc, Date, Document, DocumentId, LibraryDoc, YearDoc};

use crate::device::Me;
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

/// The kinds of document the app opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// Members.
    Association,
    /// One academic year: profile, plan, protocols, analyses.
    Year(AcademicYear),
    /// Regulations and the копилка.
    Library,
    /// One academic year of the district РМО.
    DistrictYear(AcademicYear),
}

impl DocKind {
    /// Whether the kind belongs to a school (and is found by the school shown).
    fn is_school(self) -> bool {
        !matches!(self, Self::DistrictYear(_))
    }
}

/// Reactive state the screens read; plain data only.
#[derive(Clone, Copy)]
pub struct Ui {
    /// What this device is; `None` until it has joined.
    pub me: RwSignal<Option<Me>>,
    /// The school whose records the school screens show.
    pub school: RwSignal<Option<DocumentId>>,
    /// The district РМО's records for the chosen year, once loaded.
    pub district_year: RwSignal<Option<DistrictYearDoc>>,
    /// Counts changes to any open document (the district overview follows it).
    pub tick: RwSignal<u64>,
    /// The server revoked this device: it keeps its records but no longer syncs.
    pub revoked: RwSignal<bool>,
    /// The association's records, once loaded.
    pub records: RwSignal<Option<AssociationDoc>>,
    /// The chosen academic year.
    pub year: RwSignal<AcademicYear>,
    /// That year's records, once loaded.
    pub year_doc: RwSignal<Option<YearDoc>>,
    /// Regulations and the копилка, once loaded.
    pub library: RwSignal<Option<LibraryDoc>>,
    /// Documents written by a newer version, shown read-only.
    pub read_only: RwSignal<Vec<DocumentId>>,
    /// The connection to the server.
    pub sync: RwSignal<SyncStatus>,
    /// A failed save, shown until a retry succeeds.
    pub storage_error: RwSignal<Option<String>>,
    /// Stored data found damaged when loading, shown until the page reloads.
    pub damaged: RwSignal<Option<String>>,
    /// Something that keeps the app from starting.
    pub fatal: RwSignal<Option<String>>,
    /// A new version of the app is ready.
    pub update_ready: RwSignal<bool>,
}

impl Ui {
    /// Fresh state: nothing loaded, offline.
    pub fn new() -> Self {
        Self {
            me: RwSignal::new(None),
            school: RwSignal::new(None),
            district_year: RwSignal::new(None),
            tick: RwSignal::new(0),
            revoked: RwSignal::new(false),
            records: RwSignal::new(None),
            year: RwSignal::new(AcademicYear::of(today())),
            year_doc: RwSignal::new(None),
            library: RwSignal::new(None),
            read_only: RwSignal::new(Vec::new()),
            sync: RwSignal::new(SyncStatus::Offline),
            storage_error: RwSignal::new(None),
            damaged: RwSignal::new(None),
            fatal: RwSignal::new(None),
            update_ready: RwSignal::new(false),
        }
    }

    /// Whether the document of `kind` is loaded and may be edited.
    pub fn can_edit(self, kind: DocKind) -> bool {
        let loaded = match kind {
            DocKind::Association => self.records.with(Option::is_some),
            DocKind::Year(_) => self.year_doc.with(Option::is_some),
            DocKind::Library => self.library.with(Option::is_some),
            DocKind::DistrictYear(_) => self.district_year.with(Option::is_some),
        };
        self.school.track();
        loaded && repo(kind).is_some_and(|r| r.writable && !self.read_only.with(|ro| ro.contains(&r.id)))
    }
}

/// One open document on this device.
pub struct Repo {
    /// What the screens show.
    pub ui: Ui,
    /// Browser storage.
    pub store: Store,
    /// The document's id.
    pub id: DocumentId,
    /// Which document it is.
    pub kind: DocKind,
    /// The school (or district) it belongs to.
    pub owner: DocumentId,
    /// Whether this device may change it (else the server refuses changes,
    /// and the screens show it read-only).
    pub writable: bool,
    /// The document as first created, shown while a read-only one has not
    /// arrived from the server yet.
    blank: Box<dyn Fn() -> AutoCommit>,
    doc: RefCell<AutoCommit>,
    /// Heads of what IndexedDB holds.
    saved_heads: RefCell<Vec<ChangeHash>>,
    saving: Cell<bool>,
}

thread_local! {
    static REPOS: RefCell<Vec<Rc<Repo>>> = const { RefCell::new(Vec::new()) };
    /// The school the school screens show (see [`Ui::school`]).
    static SHOWN: Cell<Option<DocumentId>> = const { Cell::new(None) };
    /// Tells the sync client that a save finished or a document opened.
    static SYNC_WAKE: RefCell<Option<UnboundedSender<()>>> = const { RefCell::new(None) };
}

/// The open document of `kind` (of the school shown, for school kinds), if
/// the app has opened it.
pub fn repo(kind: DocKind) -> Option<Rc<Repo>> {
    REPOS.with(|r| {
        r.borrow().iter().find(|r| r.kind == kind && (!kind.is_school() || Some(r.owner) == SHOWN.get())).cloned()
    })
}

/// The open document of `kind` belonging to `owner`.
pub fn repo_of(kind: DocKind, owner: DocumentId) -> Option<Rc<Repo>> {
    REPOS.with(|r| r.borrow().iter().find(|r| r.kind == kind && r.owner == owner).cloned())
}

/// Shows `school`'s records on the school screens.
pub fn show_school(ui: Ui, school: Option<DocumentId>) {
    if SHOWN.get() == school {
        return;
    }
    SHOWN.set(school);
    ui.school.set(school);
    ui.records.set(None);
    ui.year_doc.set(None);
    ui.library.set(None);
    for r in repos().iter().filter(|r| r.kind.is_school()) {
        r.refresh();
    }
}

/// Every open document.
pub fn repos() -> Vec<Rc<Repo>> {
    REPOS.with(|r| r.borrow().clone())
}

/// Registers (or clears) the sync client's wake-up channel.
pub fn set_sync_wake(wake: Option<UnboundedSender<()>>) {
    SYNC_WAKE.with(|w| *w.borrow_mut() = wake);
}

fn wake_sync() {
    SYNC_WAKE.with(|w| {
        if let Some(wake) = &*w.borrow() {
            let _ = wake.unbounded_send(());
        }
    });
}

/// Applies a user's change to the document of `kind`: shown at once, then
/// saved, then synced. The error is a Russian sentence for the screen.
pub fn edit<T>(kind: DocKind, f: impl FnOnce(&mut AutoCommit, i64) -> Result<T, shared::Error>) -> Result<T, String> {
    let repo = repo(kind).ok_or_else(|| "Записи ещё загружаются, повторите через секунду".to_owned())?;
    repo.edit(|doc| f(doc, now_ms())).map_err(|e| match e {
        shared::Error::NewerSchema { .. } => {
            "Эти записи созданы более новой версией приложения; обновите приложение, чтобы их менять".to_owned()
        }
        shared::Error::NotFound(_) => "Запись не найдена: возможно, её только что удалили на другом устройстве".into(),
        other => format!("Не удалось сохранить: {other}"),
    })
}

/// Milliseconds since the epoch, for change timestamps.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Today on this device's clock, in local time.
pub fn today() -> Date {
    let now = js_sys::Date::new_0();
    Date::new(now.get_full_year() as i32, now.get_month() as u8 + 1, now.get_date() as u8)
        .unwrap_or_else(|| Date::from_unix_ms(now_ms()))
}

/// Opens a school's documents for `year` (those not open yet) and shows
/// them if the school is the one shown. Documents this device may only read
/// are not created here: they come from the server.
pub async fn open_school(ui: Ui, store: Store, school: DocumentId, year: AcademicYear, writable: bool) {
    let opened = async {
        if repo_of(DocKind::Association, school).is_none() {
            Repo::open(ui, store.clone(), school, school, DocKind::Association, writable, move || {
                AssociationDoc::create(&school)
            })
            .await?;
        }
        if repo_of(DocKind::Library, school).is_none() {
            Repo::open(ui, store.clone(), LibraryDoc::id_for(&school), school, DocKind::Library, writable, move || {
                LibraryDoc::create(&school)
            })
            .await?;
        }
        let kind = DocKind::Year(year);
        match repo_of(kind, school) {
            Some(open) => open.refresh(),
            None => {
                let id = YearDoc::id_for(&school, year);
                Repo::open(ui, store.clone(), id, school, kind, writable, move || YearDoc::create(&school, year))
                    .await?;
            }
        }
        Ok::<_, String>(())
    };
    match opened.await {
        Ok(()) => wake_sync(),
        Err(message) => ui.fatal.set(Some(message)),
    }
}

/// Opens the district РМО's document for `year` (once) and shows it.
pub async fn open_district_year(ui: Ui, store: Store, district: DocumentId, year: AcademicYear, writable: bool) {
    let kind = DocKind::DistrictYear(year);
    if let Some(open) = repo(kind) {
        open.refresh();
        return;
    }
    ui.district_year.set(None);
    let id = DistrictYearDoc::id_for(&district, year);
    match Repo::open(ui, store, id, district, kind, writable, move || DistrictYearDoc::create(&district, year)).await {
        Ok(_) => wake_sync(),
        Err(message) => ui.fatal.set(Some(message)),
    }
}

impl Repo {
    /// Loads a document from IndexedDB (creating it with `create` if this
    /// device has none yet) and adds it to the open documents.
    pub async fn open(
        ui: Ui,
        store: Store,
        id: DocumentId,
        owner: DocumentId,
        kind: DocKind,
        writable: bool,
        create: impl Fn() -> AutoCommit + 'static,
    ) -> Result<Rc<Self>, String> {
        let chunks = store.load_chunks(&id).await.map_err(|e| e.message())?;
        let mut doc = shared::record::new_doc();
        let mut unreadable = 0;
        for chunk in &chunks {
            // One damaged chunk must not cost the others: load what loads.
            if shared::record::load_chunk(&mut doc, &chunk.bytes).is_err() {
                unreadable += 1;
            }
        }
        let fresh = doc.get_heads().is_empty();
        if fresh && writable {
            doc = create();
        }
        let saved_heads = if fresh { Vec::new() } else { doc.get_heads() };
        if unreadable > 0 {
            ui.damaged.set(Some(format!(
                "Часть сохранённых данных на устройстве повреждена ({unreadable} из {}); \
                 недостающее будет получено с сервера.",
                chunks.len()
            )));
        }
        let repo = Rc::new(Self {
            ui,
            store,
            id,
            kind,
            owner,
            writable,
            blank: Box::new(create),
            doc: RefCell::new(doc),
            saved_heads: RefCell::new(saved_heads),
            saving: Cell::new(false),
        });
        if chunks.len() > COMPACT_AFTER_CHUNKS && unreadable == 0 {
            let snapshot = repo.doc.borrow_mut().save();
            let keys: Vec<String> = chunks.into_iter().map(|c| c.key).collect();
            if let Err(e) = repo.store.compact(&id, &snapshot, &keys).await {
                leptos::logging::warn!("compaction failed: {e:?}");
            }
        }
        REPOS.with(|r| r.borrow_mut().push(repo.clone()));
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

    /// The heads of the document as it is here; none before anything arrived.
    pub fn heads(&self) -> Vec<ChangeHash> {
        self.doc.borrow_mut().get_heads()
    }

    /// Whether IndexedDB holds everything the document has.
    pub fn is_saved(&self) -> bool {
        *self.saved_heads.borrow() == self.doc.borrow_mut().get_heads()
    }

    /// Shows the document's records on the screens that read them.
    pub fn refresh(&self) {
        self.ui.tick.update(|t| *t += 1);
        let year = self.ui.year.get_untracked();
        if self.kind.is_school() && Some(self.owner) != SHOWN.get() {
            return;
        }
        match self.kind {
            DocKind::Association => self.show(self.ui.records),
            DocKind::Year(y) if y == year => self.show(self.ui.year_doc),
            DocKind::Library => self.show(self.ui.library),
            DocKind::DistrictYear(y) if y == year => self.show(self.ui.district_year),
            DocKind::Year(_) | DocKind::DistrictYear(_) => {}
        }
    }

    /// The document's records: what arrived, or the empty first version
    /// while nothing has.
    pub fn records<D: Document>(&self) -> Result<D, shared::Error> {
        if self.heads().is_empty() { D::load_any(&(self.blank)()) } else { D::load_any(&self.doc.borrow()) }
    }

    fn show<D: Document + Send + Sync + 'static>(&self, signal: RwSignal<Option<D>>) {
        let records = match self.records::<D>() {
            Ok(records) => records,
            Err(e) => return self.ui.fatal.set(Some(format!("Записи не читаются: {e}"))),
        };
        let newer = records.is_newer_layout();
        if self.ui.read_only.with_untracked(|ro| ro.contains(&self.id)) != newer {
            self.ui.read_only.update(|ro| {
                if newer {
                    ro.push(self.id);
                } else {
                    ro.retain(|id| *id != self.id);
                }
            });
        }
        signal.set(Some(records));
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
                    wake_sync();
                }
                Err(e) => {
                    leptos::logging::warn!("saving failed: {e:?}");
                    self.ui.storage_error.set(Some(e.message()));
                    gloo_timers::future::TimeoutFuture::new(SAVE_RETRY_MS).await;
                    if let Err(e) = self.store.reopen().await {
                        leptos::logging::warn!("reopening storage failed: {e:?}");
                    }
                }
            }
        }
        self.saving.set(false);
    }
}
