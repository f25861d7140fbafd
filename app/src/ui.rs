//! What the screens read: plain data in signals, filled from the engine's
//! messages ([`crate::client`]), and the one way a screen changes a
//! document ([`edit`]).

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;

use leptos::prelude::*;
use shared::district::DistrictYearDoc;
use shared::history::Removed;
use shared::link::{Heads, Notes, Records, SchoolLine, Shown, SyncStatus};
use shared::monitoring::Sheets;
use shared::perspective::PerspectiveDoc;
use shared::profile::RmoProfile;
use shared::reply::Replies;
use shared::survey::Responses;
use shared::{AcademicYear, AssociationDoc, Change, DocKind, Document, DocumentId, LibraryDoc, YearDoc};

use crate::client;
use crate::clock::{day_of, now_ms, today};
use crate::device::Me;
use crate::storage::settings;

/// A document the screens show: which it is, and whether it may be changed.
#[derive(Debug, Clone, PartialEq)]
pub struct DocState {
    /// The document's id.
    pub id: DocumentId,
    /// The school (or the district) it belongs to.
    pub owner: DocumentId,
    /// Which document it is.
    pub kind: DocKind,
    /// Whether this device may change it.
    pub writable: bool,
    /// Written by a newer version of the app: shown, never changed.
    pub newer: bool,
    /// Shown from elsewhere while the engine loads (read-only until the
    /// engine sends the document itself).
    pub preview: Option<Preview>,
}

/// Where records shown before the engine sent them came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preview {
    /// The server's preview, after joining.
    Server,
    /// The page's copy of what it showed last time ([`crate::kept`]).
    Kept,
}

/// Reactive state the screens read; plain data only.
#[derive(Clone, Copy)]
pub struct Ui {
    /// What this device is, as the server last said, with the server's
    /// clock readings; `None` until it has joined. Only what shows those
    /// readings (the district's freshness) follows it.
    pub me: RwSignal<Option<Me>>,
    /// [`Self::me`] without the clock readings ([`Me::settled`]): what the
    /// screens, the tabs and the engine's view follow. The description
    /// comes back from the server at every start, its clock always moved;
    /// following that redrew open forms (emptying them) and had the engine
    /// send every shown document again.
    pub settled: Memo<Option<Me>>,
    /// The school whose records the school screens show.
    pub school: RwSignal<Option<DocumentId>>,
    /// The chosen academic year.
    pub year: RwSignal<AcademicYear>,
    /// The association's records, once loaded.
    pub records: RwSignal<Option<AssociationDoc>>,
    /// The chosen year's records, once loaded.
    pub year_doc: RwSignal<Option<YearDoc>>,
    /// Regulations and the копилка, once loaded.
    pub library: RwSignal<Option<LibraryDoc>>,
    /// The district РМО's records for the chosen year, once loaded.
    pub district_year: RwSignal<Option<DistrictYearDoc>>,
    /// The head's words in the school's yearly analysis.
    pub year_notes: RwSignal<Notes>,
    /// The head's words in the РМО's yearly analysis.
    pub district_notes: RwSignal<Notes>,
    /// The shown school's answers to the РМО's recommendations.
    pub year_replies: RwSignal<Replies>,
    /// The shown school's answers to the РМО's surveys.
    pub year_responses: RwSignal<Responses>,
    /// The shown school's monitoring sheets of its class teachers.
    pub year_sheets: RwSignal<Sheets>,
    /// The РМО's theme, goal, tasks and signers for the chosen year, once loaded.
    pub rmo_profile: RwSignal<Option<RmoProfile>>,
    /// The РМО's perspective plan, once loaded.
    pub perspective: RwSignal<Option<PerspectiveDoc>>,
    /// The documents shown so far.
    pub docs: RwSignal<Vec<DocState>>,
    /// Each shown document's heads: the version the screens show now (not
    /// reactive: read when a form opens or a change is made).
    pub heads: StoredValue<Seen>,
    /// Each shown document's removed records.
    pub removed: RwSignal<HashMap<DocumentId, Vec<Removed>>>,
    /// Every school's line in the district overview, for the chosen year.
    pub summaries: RwSignal<Vec<SchoolLine>>,
    /// The server revoked this device: it keeps its records but no longer syncs.
    pub revoked: RwSignal<bool>,
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
    /// What the browser keeps for the app, once it has said.
    pub storage: RwSignal<Option<crate::pwa::StorageState>>,
    /// Forms open on the screen: a new version waits until there are none.
    pub open_forms: RwSignal<usize>,
    /// When the server last had everything this device has.
    pub last_synced: RwSignal<Option<i64>>,
    /// When the oldest edit the server does not have yet was kept.
    pub unsynced_since: RwSignal<Option<i64>>,
}

impl Default for Ui {
    fn default() -> Self {
        Self::new()
    }
}

impl Ui {
    /// Fresh state: nothing loaded, offline.
    pub fn new() -> Self {
        let me = RwSignal::new(None::<Me>);
        Self {
            me,
            settled: Memo::new(move |_| me.with(|m| m.as_ref().map(Me::settled))),
            school: RwSignal::new(None),
            year: RwSignal::new(AcademicYear::of(today())),
            records: RwSignal::new(None),
            year_doc: RwSignal::new(None),
            library: RwSignal::new(None),
            district_year: RwSignal::new(None),
            year_notes: RwSignal::new(Notes::new()),
            district_notes: RwSignal::new(Notes::new()),
            year_replies: RwSignal::new(Replies::new()),
            year_responses: RwSignal::new(Responses::new()),
            year_sheets: RwSignal::new(Sheets::new()),
            perspective: RwSignal::new(None),
            rmo_profile: RwSignal::new(None),
            docs: RwSignal::new(Vec::new()),
            heads: StoredValue::new(Seen::new()),
            removed: RwSignal::new(HashMap::new()),
            summaries: RwSignal::new(Vec::new()),
            revoked: RwSignal::new(false),
            sync: RwSignal::new(SyncStatus::Offline),
            storage_error: RwSignal::new(None),
            damaged: RwSignal::new(None),
            fatal: RwSignal::new(None),
            update_ready: RwSignal::new(false),
            storage: RwSignal::new(None),
            open_forms: RwSignal::new(0),
            last_synced: RwSignal::new(settings::last_synced()),
            unsynced_since: RwSignal::new(settings::unsynced_since()),
        }
    }

    /// Whether `doc` is one the screens show now (of the school shown, of
    /// the chosen year).
    pub fn is_current(self, kind: DocKind, owner: DocumentId) -> bool {
        kind.year().is_none_or(|y| y == self.year.get_untracked())
            && (!kind.is_school() || Some(owner) == self.school.get_untracked())
    }

    /// The shown document of `kind`, once its records have arrived.
    fn shown(self, kind: DocKind) -> Option<DocState> {
        let school = self.school.get();
        self.docs.with(|docs| {
            docs.iter().find(|d| d.kind == kind && (!kind.is_school() || Some(d.owner) == school)).cloned()
        })
    }

    /// The shown document of `kind`'s removed records in `list` (under the
    /// record `parent`, for nested lists).
    pub fn removed_in(self, kind: DocKind, list: &str, parent: Option<uuid::Uuid>) -> Vec<Removed> {
        let Some(doc) = self.shown(kind) else { return Vec::new() };
        self.removed.with(|r| {
            r.get(&doc.id)
                .map(|all| all.iter().filter(|r| r.list == list && r.parent == parent).cloned().collect())
                .unwrap_or_default()
        })
    }

    /// The id of the shown document of `kind`, once it has arrived.
    pub fn doc_id(self, kind: DocKind) -> Option<DocumentId> {
        untrack(|| self.shown(kind)).map(|d| d.id)
    }

    /// Whether the document of `kind` is loaded and may be edited.
    pub fn can_edit(self, kind: DocKind) -> bool {
        self.shown(kind).is_some_and(|d| d.writable && !d.newer)
    }

    /// Whether some shown records were written by a newer version.
    pub fn read_only(self) -> bool {
        self.year.track();
        self.school.track();
        self.docs.with(|docs| docs.iter().any(|d| d.newer && self.is_current(d.kind, d.owner)))
    }

    /// Whether some shown records came from `from`, and cannot be changed
    /// until the engine has loaded.
    pub fn previewing(self, from: Preview) -> bool {
        self.year.track();
        self.school.track();
        self.docs.with(|docs| docs.iter().any(|d| d.preview == Some(from) && self.is_current(d.kind, d.owner)))
    }

    /// The documents shown from the server's preview, by the heads shown:
    /// the engine sends them once it has those heads. (Not the page's kept
    /// copy: the device may no longer have what it showed, its storage
    /// evicted or damaged, and then shows what it has.)
    pub fn awaited(self) -> Vec<(DocumentId, Heads)> {
        let previewed: Vec<DocumentId> = self
            .docs
            .with_untracked(|docs| docs.iter().filter(|d| d.preview == Some(Preview::Server)).map(|d| d.id).collect());
        self.heads.with_value(|h| previewed.into_iter().filter_map(|id| Some((id, h.get(&id)?.clone()))).collect())
    }

    /// Takes a document shown `from` elsewhere than the engine, unless the
    /// engine has sent it already.
    pub fn receive_preview(self, shown: Shown, from: Preview) {
        if self.docs.with_untracked(|docs| docs.iter().all(|d| d.id != shown.id)) {
            self.take(Shown { writable: false, ..shown }, Some(from));
        }
    }

    /// Takes a shown document's records from the engine.
    pub fn receive(self, shown: Shown) {
        self.take(shown, None);
    }

    /// Takes a shown document's records; records of a school or year no
    /// longer shown (the person moved on meanwhile) are dropped.
    fn take(self, shown: Shown, preview: Option<Preview>) {
        let Shown { id, owner, kind, writable, heads, removed, records } = shown;
        if !self.is_current(kind, owner) {
            return;
        }
        self.heads.update_value(|h| {
            h.insert(id, heads);
        });
        if self.removed.with_untracked(|r| r.get(&id) != Some(&removed)) {
            self.removed.update(|r| {
                r.insert(id, removed);
            });
        }
        let newer = match &records {
            Records::Association(r) => r.is_newer_layout(),
            Records::Year(r, ..) => r.is_newer_layout(),
            Records::Library(r) => r.is_newer_layout(),
            Records::DistrictYear(r, ..) => r.is_newer_layout(),
            Records::Perspective(r) => r.is_newer_layout(),
        };
        let state = DocState { id, owner, kind, writable, newer, preview };
        if self.docs.with_untracked(|docs| !docs.contains(&state)) {
            self.docs.update(|docs| {
                docs.retain(|d| d.id != id);
                docs.push(state);
            });
        }
        match records {
            Records::Association(r) => self.records.set(Some(r)),
            Records::Year(r, beside) => {
                self.year_doc.set(Some(r));
                self.year_notes.set(beside.notes);
                self.year_replies.set(beside.replies);
                self.year_responses.set(beside.responses);
                self.year_sheets.set(beside.sheets);
            }
            Records::Library(r) => self.library.set(Some(r)),
            Records::DistrictYear(r, notes, profile) => {
                self.district_year.set(Some(r));
                self.district_notes.set(notes);
                self.rmo_profile.set(Some(profile));
            }
            Records::Perspective(r) => self.perspective.set(Some(r)),
        }
    }

    /// Shows the records of `year` (what was shown of another year goes).
    pub fn choose_year(self, year: AcademicYear) {
        if self.year.get_untracked() == year {
            return;
        }
        self.year.set(year);
        self.year_doc.set(None);
        self.district_year.set(None);
        self.year_notes.set(Notes::new());
        self.year_replies.set(Replies::new());
        self.year_responses.set(Responses::new());
        self.year_sheets.set(Sheets::new());
        self.district_notes.set(Notes::new());
        self.rmo_profile.set(None);
        self.summaries.set(Vec::new());
    }
}

/// Shows `school`'s records on the school screens.
pub fn show_school(ui: Ui, school: Option<DocumentId>) {
    if ui.school.get_untracked() == school {
        return;
    }
    ui.school.set(school);
    ui.records.set(None);
    ui.year_doc.set(None);
    ui.library.set(None);
    ui.year_notes.set(Notes::new());
    ui.year_replies.set(Replies::new());
    ui.year_responses.set(Responses::new());
    ui.year_sheets.set(Sheets::new());
}

/// Runs `pending` in the background; `error` shows why it failed, and
/// clears when it succeeds.
pub fn show_outcome(error: RwSignal<Option<String>>, pending: impl Future<Output = Result<(), String>> + 'static) {
    leptos::task::spawn_local(async move {
        // The record may be gone from the screen by now.
        error.try_set(pending.await.err());
    });
}

/// [`edit`] in the background, its error shown in `error`.
pub fn edit_showing(ui: Ui, kind: DocKind, change: Change, error: RwSignal<Option<String>>) {
    show_outcome(error, edit(ui, kind, change));
}

/// Resolves once `ready` holds (say, a document the screens asked for has
/// arrived), checked whenever a signal it reads changes.
pub async fn until(ready: impl Fn() -> bool + 'static) {
    let (tx, rx) = futures_channel::oneshot::channel::<()>();
    let tx = RefCell::new(Some(tx));
    let watch = Effect::new(move |_| {
        if ready()
            && let Some(tx) = tx.borrow_mut().take()
        {
            let _ = tx.send(());
        }
    });
    let _ = rx.await;
    watch.stop();
}

/// The documents' heads as a screen showed them, by document.
pub type Seen = HashMap<DocumentId, Heads>;

thread_local! {
    /// The heads the form being saved was opened at (see [`as_seen`]).
    static SAVING_FROM: RefCell<Option<Seen>> = const { RefCell::new(None) };
}

/// The heads of every shown document now: what a form opening shows.
pub fn seen_now(ui: Ui) -> Seen {
    ui.heads.get_value()
}

/// Runs `f` (a form's save) with the changes it makes applied to the
/// documents as `seen` (when the form opened) rather than as they are now.
pub fn as_seen<R>(seen: &Seen, f: impl FnOnce() -> R) -> R {
    let before = SAVING_FROM.with(|s| s.replace(Some(seen.clone())));
    let out = f();
    SAVING_FROM.with(|s| *s.borrow_mut() = before);
    out
}

/// Applies a person's change to the shown document of `kind`, as the
/// person saw it (the form's heads inside [`as_seen`], else the heads the
/// screen shows now): the engine keeps it on the device, then syncs it, and
/// the screens show it. Resolves once it is kept; the error is a Russian
/// sentence for the screen.
pub fn edit(ui: Ui, kind: DocKind, change: Change) -> impl Future<Output = Result<(), String>> {
    let doc = untrack(|| ui.shown(kind));
    let seen = doc.as_ref().map(|doc| {
        SAVING_FROM
            .with(|s| s.borrow().as_ref().and_then(|seen| seen.get(&doc.id).cloned()))
            .or_else(|| ui.heads.with_value(|h| h.get(&doc.id).cloned()))
            .unwrap_or_default()
    });
    async move {
        let doc = doc.ok_or_else(|| "Записи ещё загружаются, повторите через секунду".to_owned())?;
        client::change(doc.id, seen.unwrap_or_default(), change).await?;
        // Kept here; until the server says it has everything, it is not
        // there yet.
        if ui.sync.get_untracked() != SyncStatus::Saved {
            settings::set_unsynced(now_ms());
            ui.unsynced_since.set(settings::unsynced_since());
        }
        Ok(())
    }
}

/// The connection's state, as the engine reports it; once the server has
/// everything, that moment is kept and nothing waits to be sent.
pub fn sync_status(ui: Ui, status: SyncStatus) {
    ui.sync.set(status);
    if status == SyncStatus::Saved {
        let now = now_ms();
        settings::set_synced(now);
        ui.last_synced.set(Some(now));
        ui.unsynced_since.set(None);
    }
}

/// Edits waiting this many days for the server bring a warning.
pub const UNSYNCED_WARNING_DAYS: i64 = 7;

/// Whole days from the day of `ms` to today.
pub fn days_since(ms: i64) -> i64 {
    today().days() - day_of(ms).days()
}
