//! The documents this device holds, and the rule that every change is
//! written to browser storage before anything else happens to it.
//!
//! A school МО's records live in several documents (the association with its
//! members, one per academic year, the library); each open one is a [`Repo`].
//! A person's change arrives from the page and goes through [`change`]; the
//! sync client merges remote changes through [`Repo::with_doc`] followed by
//! [`Repo::changed`]. Either way a save loop appends the change to
//! IndexedDB, retrying until it succeeds, and the page is sent the shown
//! documents' records; the sync client sends a document only when it has no
//! unsaved changes.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use automerge::{AutoCommit, ChangeHash};
use futures_channel::mpsc::UnboundedSender;
use serde::{Deserialize, Serialize};
use shared::district::DistrictYearDoc;
use shared::link::{self, FromEngine, Heads, Open, Place, Records, SchoolLine, Shown, SyncStatus};
use shared::overview::SchoolSummary;
use shared::report::analysis_notes;
use shared::{AcademicYear, AssociationDoc, Change, Date, DocKind, Document, DocumentId, LibraryDoc, YearDoc};

use crate::clock::{now_ms, today};
use crate::engine::{post, warn};
use crate::storage::{Chunk, Store};

/// How often a failed save is retried.
const SAVE_RETRY_MS: u32 = 3_000;
/// How long after a school's document is saved the overview is kept again.
const KEEP_AFTER_SAVES_MS: u32 = 1_000;
/// New changes after which a save writes the whole document (loaded by
/// columns) rather than the changes (loaded one by one): a document that
/// arrives from the server in one piece is stored in one piece.
const WHOLE_AFTER_CHANGES: usize = 64;

/// One open document on this device.
pub struct Repo {
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
    /// Keys of the stored chunks this device read or wrote (another tab's
    /// may be there too, and are never deleted from here).
    stored: RefCell<Vec<String>>,
    saving: Cell<bool>,
    /// Held across each IndexedDB write of the document, so the heads
    /// recorded as saved only ever grow.
    writing: futures_util::lock::Mutex<()>,
}

/// What the page shows, as its last [`Open`] said.
#[derive(Default)]
struct View {
    year: Option<AcademicYear>,
    shown: Option<DocumentId>,
    summaries: bool,
    schools: Vec<DocumentId>,
    store: Option<Store>,
}

/// What the page has not been sent yet.
#[derive(Default)]
struct Unsent {
    docs: HashSet<DocumentId>,
    summaries: bool,
    scheduled: bool,
}

/// A school's line on one day of one academic year.
type SummaryKey = (DocumentId, AcademicYear, Date);

/// A school's line as the engine keeps it between starts: computed on
/// `day` from its documents at `heads`, which were stored as the chunks
/// `chunks` (sorted; empty when not known). A chunk is never overwritten,
/// so while exactly those chunks are stored the line holds, and the
/// overview draws before any document is loaded.
#[derive(Serialize, Deserialize)]
struct KeptLine {
    school: DocumentId,
    day: Date,
    heads: Vec<[u8; 32]>,
    chunks: Vec<String>,
    summary: SchoolSummary,
}

/// Where the overview of `year` is kept; the layout's version first, so a
/// build never reads lines another build laid out differently.
fn overview_key(year: AcademicYear) -> String {
    format!("v2/{}", year.0)
}

/// A school's line in the summaries' cache.
struct Line {
    /// The heads of its three documents it was computed from.
    heads: Vec<ChangeHash>,
    /// The stored chunks those heads were read from, when known (see [`KeptLine`]).
    chunks: Vec<String>,
    /// Whether exactly those chunks were found stored at this start: then
    /// the line is shown while its documents are still loading.
    checked: bool,
    summary: SchoolSummary,
}

thread_local! {
    static REPOS: RefCell<Vec<Rc<Repo>>> = const { RefCell::new(Vec::new()) };
    static VIEW: RefCell<View> = RefCell::new(View::default());
    static UNSENT: RefCell<Unsent> = RefCell::new(Unsent::default());
    /// Summaries by school, year and day, with the heads of the three
    /// documents they were computed from: a change to one school's records
    /// re-reads only that school.
    static SUMMARIES: RefCell<HashMap<SummaryKey, Line>> = RefCell::new(HashMap::new());
    /// Whether keeping the overview is already scheduled.
    static KEEP_SCHEDULED: Cell<bool> = const { Cell::new(false) };
    /// The connection's state as the page was last told it.
    static STATUS: Cell<SyncStatus> = const { Cell::new(SyncStatus::Offline) };
    /// The storage error the page was last told of.
    static STORAGE_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Tells the sync client that a save finished or a document opened.
    static SYNC_WAKE: RefCell<Option<UnboundedSender<()>>> = const { RefCell::new(None) };
}

/// Every open document.
pub fn repos() -> Vec<Rc<Repo>> {
    REPOS.with(|r| r.borrow().clone())
}

/// The open document `id`.
pub fn repo_by_id(id: DocumentId) -> Option<Rc<Repo>> {
    REPOS.with(|r| r.borrow().iter().find(|r| r.id == id).cloned())
}

/// The members' names of the school `owner` (none for the district), for
/// fields that name a member.
pub fn names_for(owner: DocumentId) -> HashMap<uuid::Uuid, String> {
    repo_of(DocKind::Association, owner)
        .and_then(|r| r.records::<AssociationDoc>().ok())
        .map(|a| a.members.iter().map(|m| (m.id, m.full_name.clone())).collect())
        .unwrap_or_default()
}

/// The open document of `kind` belonging to `owner`.
fn repo_of(kind: DocKind, owner: DocumentId) -> Option<Rc<Repo>> {
    REPOS.with(|r| r.borrow().iter().find(|r| r.kind == kind && r.owner == owner).cloned())
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

/// Tells the page the connection's state, if it changed.
pub fn set_status(status: SyncStatus) {
    if STATUS.replace(status) != status {
        post(&FromEngine::Sync(status));
    }
}

/// Tells the page of a failed save (or that saving works again), if that changed.
fn set_storage_error(error: Option<String>) {
    let changed = STORAGE_ERROR.with(|e| {
        let changed = *e.borrow() != error;
        *e.borrow_mut() = error.clone();
        changed
    });
    if changed {
        post(&FromEngine::StorageError(error));
    }
}

/// Opens what the page's screens need (the documents not open yet) and
/// sends the shown ones. Documents this device may only read are not
/// created here: they come from the server.
pub async fn open(store: &Store, open: Open) {
    let Open { year, district, schools, shown, summaries } = open;
    VIEW.with(|v| {
        *v.borrow_mut() = View {
            year: Some(year),
            shown,
            summaries,
            schools: schools.iter().map(|s| s.id).collect(),
            store: Some(store.clone()),
        };
    });
    if summaries {
        recall_overview(store, year).await;
        UNSENT.with(|u| u.borrow_mut().summaries = true);
    }
    // Whatever was open is shown at once (a year switched back to, a school
    // looked into again); what opens below follows as it loads.
    for repo in repos() {
        repo.refresh();
    }
    flush();
    // The district's and the shown school's documents first: the screens
    // wait for those; then every other school's, for the overview.
    let (first, rest): (Vec<Place>, Vec<Place>) = schools.into_iter().partition(|s| Some(s.id) == shown);
    let first =
        district_documents(district, year).into_iter().chain(first.into_iter().flat_map(|s| school_documents(s, year)));
    let rest = rest.into_iter().flat_map(|s| school_documents(s, year));
    let opened = async {
        open_all(store, first.collect()).await?;
        flush();
        open_all(store, rest.collect()).await
    };
    match opened.await {
        Ok(()) => wake_sync(),
        Err(message) => post(&FromEngine::Fatal(message)),
    }
    flush();
}

/// A document to open: which it is, whose, whether this device may change
/// it, and how it is made when this device has none yet.
struct Wanted {
    id: DocumentId,
    kind: DocKind,
    owner: DocumentId,
    writable: bool,
    create: Box<dyn Fn() -> AutoCommit>,
}

impl Wanted {
    fn new(id: DocumentId, kind: DocKind, place: Place, create: impl Fn() -> AutoCommit + 'static) -> Self {
        Self { id, kind, owner: place.id, writable: place.writable, create: Box::new(create) }
    }
}

/// The ids of a school's association, year and library documents.
fn school_document_ids(school: DocumentId, year: AcademicYear) -> [DocumentId; 3] {
    [school, YearDoc::id_for(&school, year), LibraryDoc::id_for(&school)]
}

/// A school's documents for `year` that are not open yet.
fn school_documents(school: Place, year: AcademicYear) -> Vec<Wanted> {
    let id = school.id;
    let [association, year_doc, library] = school_document_ids(id, year);
    [
        Wanted::new(association, DocKind::Association, school, move || AssociationDoc::create(&id)),
        Wanted::new(library, DocKind::Library, school, move || LibraryDoc::create(&id)),
        Wanted::new(year_doc, DocKind::Year(year), school, move || YearDoc::create(&id, year)),
    ]
    .into_iter()
    .filter(|w| repo_of(w.kind, id).is_none())
    .collect()
}

/// The district's document for `year`, unless it is open.
fn district_documents(district: Place, year: AcademicYear) -> Option<Wanted> {
    let id = district.id;
    let kind = DocKind::DistrictYear(year);
    repo_of(kind, id).is_none().then(|| {
        Wanted::new(DistrictYearDoc::id_for(&id, year), kind, district, move || DistrictYearDoc::create(&id, year))
    })
}

/// Opens `wanted`, their stored chunks read in one go.
async fn open_all(store: &Store, wanted: Vec<Wanted>) -> Result<(), String> {
    let ids: Vec<DocumentId> = wanted.iter().map(|w| w.id).collect();
    let chunks = store.load_chunks(&ids).await.map_err(|e| e.message())?;
    for (wanted, chunks) in wanted.into_iter().zip(chunks) {
        Repo::open(store, wanted, chunks).await;
    }
    Ok(())
}

/// Keeps a person's change to the document `doc`, made at `seen` (the
/// heads their form showed): written to IndexedDB first, then merged into
/// the document here, sent to the page and synced. `Ok` means the storage
/// transaction holding it has completed; on `Err` (a Russian sentence for
/// the screen) nothing of it was kept, and the form still holds what was
/// typed.
pub async fn change(doc: DocumentId, seen: Heads, change: Change) -> Result<(), String> {
    let repo = repo_by_id(doc).ok_or_else(|| "Записи ещё загружаются, повторите через секунду".to_owned())?;
    if !repo.writable {
        return Err("Эти записи можно только просматривать".into());
    }
    let seen: Vec<ChangeHash> = seen.into_iter().map(ChangeHash).collect();
    let made = repo.with_doc(|d| change.make_at(repo.kind, d, &seen, now_ms())).map_err(|e| match e {
        shared::Error::NewerSchema { .. } => {
            "Эти записи созданы более новой версией приложения; обновите приложение, чтобы их менять".to_owned()
        }
        shared::Error::NotFound(_) => "Запись не найдена: возможно, её только что удалили на другом устройстве".into(),
        other => format!("Не удалось сохранить: {other}"),
    })?;
    match made {
        Some(made) => repo.keep(made).await,
        None => Ok(()),
    }
}

/// Sends the page what changed since it was last sent: the shown documents'
/// records and the district's summaries.
pub fn flush() {
    let (docs, summaries) = UNSENT.with(|u| {
        let mut u = u.borrow_mut();
        u.scheduled = false;
        (std::mem::take(&mut u.docs), std::mem::take(&mut u.summaries))
    });
    for id in docs {
        if let Some(repo) = repo_by_id(id) {
            repo.send();
        }
    }
    if summaries {
        send_summaries();
    }
}

/// Sends the page what changed once the messages already waiting have been
/// handled, so a burst of remote changes is read and sent once.
fn schedule_flush() {
    let first = UNSENT.with(|u| !std::mem::replace(&mut u.borrow_mut().scheduled, true));
    if first {
        wasm_bindgen_futures::spawn_local(async {
            gloo_timers::future::TimeoutFuture::new(0).await;
            flush();
        });
    }
}

fn send_summaries() {
    let (year, schools) = VIEW.with(|v| (v.borrow().year, v.borrow().schools.clone()));
    let Some(year) = year else { return };
    let today = today();
    let mut keep = false;
    let schools = schools
        .into_iter()
        .filter_map(|school| {
            let (line, changed) = summary_of(school, year, today)?;
            keep |= changed;
            Some(line)
        })
        .collect();
    post(&FromEngine::Summaries { year, schools });
    if keep {
        keep_overview(year, today);
    }
}

/// Puts the overview kept for `year` today into the summaries' cache, and
/// marks the lines whose documents are stored exactly as they were then.
async fn recall_overview(store: &Store, year: AcademicYear) {
    let today = today();
    let Ok(Some(bytes)) = store.load_overview(&overview_key(year)).await else { return };
    // A damaged or outdated copy is only a slower start: the lines are computed again.
    let Ok(lines) = link::decode::<Vec<KeptLine>>(&bytes) else { return };
    let lines: Vec<KeptLine> = lines.into_iter().filter(|l| l.day == today).collect();
    let ids: Vec<DocumentId> = lines.iter().flat_map(|l| school_document_ids(l.school, year)).collect();
    let stored = store.chunk_keys(&ids).await.unwrap_or_default();
    SUMMARIES.with(|c| {
        let mut c = c.borrow_mut();
        for (n, line) in lines.into_iter().enumerate() {
            let mut now: Vec<String> = stored.get(3 * n..3 * n + 3).map(<[_]>::concat).unwrap_or_default();
            now.sort();
            let checked = !line.chunks.is_empty() && now == line.chunks;
            let heads = line.heads.into_iter().map(ChangeHash).collect();
            let kept = Line { heads, chunks: line.chunks, checked, summary: line.summary };
            c.entry((line.school, year, today)).or_insert(kept);
        }
    });
}

/// The sorted keys of the stored chunks of a school's three documents, if
/// all are open and stored exactly at `heads`.
fn stored_chunks(school: DocumentId, year: AcademicYear, heads: &[ChangeHash]) -> Option<Vec<String>> {
    let repos = [
        repo_of(DocKind::Association, school)?,
        repo_of(DocKind::Year(year), school)?,
        repo_of(DocKind::Library, school)?,
    ];
    let saved: Vec<ChangeHash> = repos.iter().flat_map(|r| r.saved_heads.borrow().clone()).collect();
    if saved != heads || !repos.iter().all(|r| r.is_saved()) {
        return None;
    }
    let mut keys: Vec<String> = repos.iter().flat_map(|r| r.stored.borrow().clone()).collect();
    keys.sort();
    Some(keys)
}

/// Keeps the overview a little later: a school's document was saved, so
/// lines computed before it was may now be known by their stored chunks.
/// One write for a burst of saves; none on a device without an overview.
fn keep_soon() {
    if KEEP_SCHEDULED.replace(true) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        gloo_timers::future::TimeoutFuture::new(KEEP_AFTER_SAVES_MS).await;
        KEEP_SCHEDULED.set(false);
        let today = today();
        let years: HashSet<AcademicYear> =
            SUMMARIES.with(|c| c.borrow().keys().filter(|(_, _, day)| *day == today).map(|(_, y, _)| *y).collect());
        for year in years {
            keep_overview(year, today);
        }
    });
}

/// Keeps the overview of `year` as computed `today`, in the background,
/// each line with the stored chunks it was read from where they are known.
fn keep_overview(year: AcademicYear, today: Date) {
    let Some(store) = VIEW.with(|v| v.borrow().store.clone()) else { return };
    let lines: Vec<KeptLine> = SUMMARIES.with(|c| {
        c.borrow_mut()
            .iter_mut()
            .filter(|((_, y, day), _)| *y == year && *day == today)
            .map(|((school, _, day), line)| {
                if let Some(chunks) = stored_chunks(*school, year, &line.heads) {
                    line.chunks = chunks;
                }
                KeptLine {
                    school: *school,
                    day: *day,
                    heads: line.heads.iter().map(|h| h.0).collect(),
                    chunks: line.chunks.clone(),
                    summary: line.summary.clone(),
                }
            })
            .collect()
    });

    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = store.save_overview(&overview_key(year), &link::encode(&lines)).await {
            warn(&format!("keeping the overview failed: {e:?}"));
        }
    });
}

/// A school's summary from its open documents, and whether the overview
/// should be kept again (the line was computed now, or is newly known by
/// its stored chunks). Until the documents are open, the line kept from
/// exactly the chunks stored now, if there is one.
fn summary_of(school: DocumentId, year: AcademicYear, today: Date) -> Option<(SchoolLine, bool)> {
    let key = (school, year, today);
    let repos = [
        repo_of(DocKind::Association, school),
        repo_of(DocKind::Year(year), school),
        repo_of(DocKind::Library, school),
    ];
    let [Some(association), Some(year_repo), Some(library)] = repos else {
        return SUMMARIES.with(|c| {
            let c = c.borrow();
            let line = c.get(&key).filter(|l| l.checked)?;
            Some((SchoolLine { school, summary: line.summary.clone(), arrived: !line.heads.is_empty() }, false))
        });
    };
    let heads: Vec<ChangeHash> = [&association, &year_repo, &library].iter().flat_map(|r| r.heads()).collect();
    let arrived = !heads.is_empty();
    let cached = SUMMARIES.with(|c| {
        let c = c.borrow();
        let line = c.get(&key).filter(|l| l.heads == heads)?;
        let newly_stored = stored_chunks(school, year, &heads).is_some_and(|k| k != line.chunks);
        Some((line.summary.clone(), newly_stored))
    });
    if let Some((summary, keep)) = cached {
        return Some((SchoolLine { school, summary, arrived }, keep));
    }
    let summary = SchoolSummary::of(
        &association.records::<AssociationDoc>().ok()?,
        &year_repo.records::<YearDoc>().ok()?,
        &library.records::<LibraryDoc>().ok()?,
        today,
    );
    SUMMARIES.with(|c| {
        c.borrow_mut().insert(key, Line { heads, chunks: Vec::new(), checked: false, summary: summary.clone() })
    });
    Some((SchoolLine { school, summary, arrived }, true))
}

impl Repo {
    /// Loads a document from its stored chunks (creating it if this device
    /// may write it and has none yet) and adds it to the open documents.
    async fn open(store: &Store, wanted: Wanted, chunks: Vec<Chunk>) {
        let Wanted { id, kind, owner, writable, create } = wanted;
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
            post(&FromEngine::Damaged(format!(
                "Часть сохранённых данных на устройстве повреждена ({unreadable} из {}); \
                 недостающее будет получено с сервера.",
                chunks.len()
            )));
        }
        let repo = Rc::new(Self {
            store: store.clone(),
            id,
            kind,
            owner,
            writable,
            blank: create,
            doc: RefCell::new(doc),
            saved_heads: RefCell::new(saved_heads),
            stored: RefCell::new(chunks.iter().map(|c| c.key.clone()).collect()),
            saving: Cell::new(false),
            writing: futures_util::lock::Mutex::new(()),
        });
        let waiting = !repo.doc.borrow_mut().get_missing_deps(&[]).is_empty();
        if shared::chunks::compaction_due(chunks.len(), unreadable == 0, waiting) {
            let snapshot = repo.doc.borrow_mut().save();
            let keys = repo.stored.borrow().clone();
            match repo.store.put_chunk(&id, &snapshot, &keys).await {
                Ok(key) => *repo.stored.borrow_mut() = vec![key],
                Err(e) => warn(&format!("compaction failed: {e:?}")),
            }
        }
        REPOS.with(|r| r.borrow_mut().push(repo.clone()));
        repo.changed();
    }

    /// Runs `f` on the document (the sync client uses this).
    pub fn with_doc<R>(&self, f: impl FnOnce(&mut AutoCommit) -> R) -> R {
        f(&mut self.doc.borrow_mut())
    }

    /// Saves whatever is not saved yet, and sends the page the document as
    /// it is now if it shows it.
    pub fn changed(self: &Rc<Self>) {
        self.refresh();
        if self.is_saved() {
            return;
        }
        // The server no longer has everything this device has.
        if STATUS.get() == SyncStatus::Saved {
            set_status(SyncStatus::Syncing);
        }
        if !self.saving.get() {
            self.saving.set(true);
            wasm_bindgen_futures::spawn_local(self.clone().save_loop());
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

    /// Marks the document (and the district's summaries) to be sent to the
    /// page, if the page shows them.
    fn refresh(&self) {
        let (shown, summaries) = VIEW.with(|v| {
            let v = v.borrow();
            let this_year = self.kind.year().is_none_or(|y| Some(y) == v.year);
            let shown = this_year && (!self.kind.is_school() || Some(self.owner) == v.shown);
            (shown, v.summaries && self.kind.is_school() && v.schools.contains(&self.owner))
        });
        if !shown && !summaries {
            return;
        }
        UNSENT.with(|u| {
            let mut u = u.borrow_mut();
            if shown {
                u.docs.insert(self.id);
            }
            u.summaries |= summaries;
        });
        schedule_flush();
    }

    /// The document's records: what arrived, or the empty first version
    /// while nothing has.
    fn records<D: Document>(&self) -> Result<D, shared::Error> {
        if self.heads().is_empty() { D::load_any(&(self.blank)()) } else { D::load_any(&self.doc.borrow()) }
    }

    /// Sends the page the document's records.
    fn send(&self) {
        let records = match self.kind {
            DocKind::Association => self.records().map(Records::Association),
            DocKind::Year(_) => self.records().map(|y| Records::Year(y, self.notes())),
            DocKind::Library => self.records().map(Records::Library),
            DocKind::DistrictYear(_) => self.records().map(|d| Records::DistrictYear(d, self.notes())),
        };
        match records {
            Ok(records) => post(&FromEngine::Shown(Box::new(Shown {
                id: self.id,
                owner: self.owner,
                kind: self.kind,
                writable: self.writable,
                heads: self.heads().into_iter().map(|h| h.0).collect(),
                removed: shared::history::removed(&mut self.doc.borrow_mut()),
                records,
            }))),
            Err(e) => post(&FromEngine::Fatal(format!("Записи не читаются: {e}"))),
        }
    }

    fn notes(&self) -> shared::link::Notes {
        analysis_notes(&self.doc.borrow())
    }

    /// Writes `made`, a change not yet in the document, to IndexedDB with
    /// whatever the document holds unsaved, and only once that transaction
    /// has completed merges it here. A failed write keeps nothing of it.
    async fn keep(self: &Rc<Self>, made: automerge::Change) -> Result<(), String> {
        let writing = self.writing.lock().await;
        let (mut chunk, heads) = {
            let mut doc = self.doc.borrow_mut();
            let saved = self.saved_heads.borrow();
            (doc.save_after(&saved), doc.get_heads())
        };
        chunk.extend_from_slice(made.raw_bytes());
        // After a failed write Chromium may close the connection (or leave
        // it unable to write): one more try on a fresh one.
        let mut written = self.store.put_chunk(&self.id, &chunk, &[]).await;
        if let Err(e) = &written {
            warn(&format!("keeping a change failed: {e:?}"));
            written = match self.store.reopen().await {
                Ok(()) => self.store.put_chunk(&self.id, &chunk, &[]).await,
                Err(e) => Err(e),
            };
        }
        let key = match written {
            Ok(key) => key,
            Err(e) => {
                warn(&format!("keeping a change failed again: {e:?}"));
                return Err(e.not_kept());
            }
        };
        // What IndexedDB holds now ends at the heads written and the change
        // made on top of some of them.
        let hash = made.hash();
        let mut saved: Vec<ChangeHash> = heads.into_iter().filter(|h| !made.deps().contains(h)).collect();
        saved.push(hash);
        saved.sort();
        let applied = self.doc.borrow_mut().apply_changes([made]);
        self.stored.borrow_mut().push(key);
        *self.saved_heads.borrow_mut() = saved;
        drop(writing);
        if let Err(e) = applied {
            // Its dependencies are in the document (they are what the person
            // saw), so this does not happen; the chunk loads at the next start.
            warn(&format!("merging a kept change failed: {e:?}"));
        }
        set_storage_error(None);
        wake_sync();
        self.changed();
        flush();
        Ok(())
    }

    /// Writes unsaved changes to IndexedDB until none are left, retrying
    /// failed writes; the changes stay in memory meanwhile. A few changes
    /// are appended; many (a document arriving from the server) are written
    /// as the whole document in place of the chunks it holds.
    async fn save_loop(self: Rc<Self>) {
        loop {
            let writing = self.writing.lock().await;
            let (chunk, heads, whole) = {
                let mut doc = self.doc.borrow_mut();
                let saved = self.saved_heads.borrow();
                let heads = doc.get_heads();
                if heads == *saved {
                    break;
                }
                // Changes waiting for their dependencies are not in a saved
                // document: while there are any, only chunks are added.
                let whole = (saved.is_empty() || doc.get_changes_meta(&saved).len() > WHOLE_AFTER_CHANGES)
                    && doc.get_missing_deps(&[]).is_empty();
                (if whole { doc.save() } else { doc.save_after(&saved) }, heads, whole)
            };
            let replaced = if whole { self.stored.borrow().clone() } else { Vec::new() };
            match self.store.put_chunk(&self.id, &chunk, &replaced).await {
                Ok(key) => {
                    let mut stored = self.stored.borrow_mut();
                    stored.retain(|k| !replaced.contains(k));
                    stored.push(key);
                    drop(stored);
                    *self.saved_heads.borrow_mut() = heads;
                    set_storage_error(None);
                    wake_sync();
                }
                Err(e) => {
                    drop(writing);
                    warn(&format!("saving failed: {e:?}"));
                    set_storage_error(Some(e.message()));
                    gloo_timers::future::TimeoutFuture::new(SAVE_RETRY_MS).await;
                    if let Err(e) = self.store.reopen().await {
                        warn(&format!("reopening storage failed: {e:?}"));
                    }
                }
            }
        }
        self.saving.set(false);
        if self.kind.is_school() {
            keep_soon();
        }
    }
}
