//! A device's documents as a sans-I/O state machine, in the shape of
//! [`crate::sync::Session`]: the app's engine (a web worker) drives it with
//! IndexedDB, the page's messages, a WebSocket and timers; the convergence
//! schedules drive it against the real hub.
//!
//! The driver feeds in what happened ([`Input`]: a change from the page,
//! chunks loaded, a storage write completed or failed, a sync message, a
//! timer) and carries out what [`Engine::handle`] returns ([`Effect`]: store
//! a chunk, tell the page, send a sync message, set a timer). The engine
//! never touches storage, a socket or a clock.
//!
//! The rule it keeps: a change reaches storage before anything else hears
//! of it. A person's change is made at the heads their form showed
//! ([`Change::make_at`]) and written with whatever the document holds
//! unsaved; only once that write has completed is it merged, answered as
//! kept, shown and synced. Changes from the server are merged at once and
//! written after, and the server is offered a document only while
//! everything it holds is stored. One write per document is in flight at a
//! time, so what is recorded as stored only ever grows.

mod overview;

use std::collections::{HashSet, VecDeque};

use automerge::{AutoCommit, ChangeHash};
use uuid::Uuid;

use crate::district::DistrictYearDoc;
use crate::history::{self, Entry};
use crate::link::{Beside, FromEngine, Heads, Open, Place, Records, Shown, SyncStatus};
use crate::perspective::PerspectiveDoc;
use crate::profile::RmoProfile;
use crate::report::analysis_notes;
use crate::sync::Event;
use crate::{AcademicYear, AssociationDoc, Change, Date, DocKind, Document, DocumentId, LibraryDoc, YearDoc};
use crate::{PeerMetadata, Session};

pub use overview::overview_key;

/// How long after a failed background save it is tried again.
pub const SAVE_RETRY_MS: u32 = 3_000;
/// New changes after which a save writes the whole document (loaded by
/// columns) rather than the changes (loaded one by one): a document that
/// arrives from the server in one piece is stored in one piece.
const WHOLE_AFTER_CHANGES: usize = 64;

/// The device's clock when an input is handled.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    /// Milliseconds since the epoch, for change timestamps.
    pub ms: i64,
    /// Today, in local time, for the overview.
    pub today: Date,
}

/// One stored chunk of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Its key, to delete it after compaction.
    pub key: String,
    /// Automerge bytes (a snapshot or an incremental save).
    pub bytes: Vec<u8>,
}

/// What a timer the engine asked for is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Send the page what changed (set at 0 ms: a burst of remote changes
    /// is read and sent once).
    Flush,
    /// Try the failed background saves again.
    RetrySaves,
    /// Keep the overview again: documents were saved since it was computed.
    KeepOverview,
}

/// What happened, for the engine to handle.
#[derive(Debug)]
pub enum Input {
    /// The page's screens need these documents ([`crate::link::ToEngine::Open`]).
    Open(Open),
    /// The stored chunks of documents [`Effect::Load`] asked for, in its order.
    Loaded(Vec<(DocumentId, Vec<Chunk>)>),
    /// A person's change, made at the heads `seen` their form showed;
    /// answered by [`Effect::Answer`] with `ask`.
    Change {
        /// Matches the answer to the question.
        ask: u32,
        /// The document.
        doc: DocumentId,
        /// The heads the form showed.
        seen: Heads,
        /// What the person did.
        change: Change,
    },
    /// The write [`Effect::Write`] `write` has completed, as the chunk `key`.
    Committed {
        /// The write.
        write: u64,
        /// The stored chunk's key.
        key: String,
    },
    /// The write `write` failed: nothing of it is stored.
    NotCommitted {
        /// The write.
        write: u64,
        /// What to tell the user of a failed background save.
        message: String,
        /// What to tell a person whose change was not kept.
        not_kept: String,
    },
    /// A connection to the server opened.
    Connected {
        /// This end's peer id.
        peer_id: String,
        /// What this end says of itself.
        metadata: PeerMetadata,
    },
    /// Bytes arrived on the connection.
    Received(Vec<u8>),
    /// The connection closed.
    Disconnected,
    /// The sync states kept with `server` ([`Effect::LoadSyncStates`]), by document.
    SyncStates(Vec<(DocumentId, Option<Vec<u8>>)>),
    /// The overview kept for `year` ([`Effect::ReadOverview`]), if any.
    OverviewRead {
        /// The academic year.
        year: AcademicYear,
        /// The kept bytes.
        bytes: Option<Vec<u8>>,
    },
    /// The keys of the chunks stored for documents ([`Effect::ListChunks`]), in its order.
    ChunksListed {
        /// The academic year whose overview asked.
        year: AcademicYear,
        /// Each document's chunk keys.
        stored: Vec<Vec<String>>,
    },
    /// A timer fired.
    Timer(Timer),
}

/// What the driver does next.
#[derive(Debug, PartialEq)]
pub enum Effect {
    /// Read these documents' stored chunks and answer [`Input::Loaded`].
    Load(Vec<DocumentId>),
    /// Store `chunk` for `doc` in one transaction that also deletes the
    /// chunks `replaces`; answer [`Input::Committed`] or [`Input::NotCommitted`].
    Write {
        /// Matches the answer.
        write: u64,
        /// The document.
        doc: DocumentId,
        /// Automerge bytes.
        chunk: Vec<u8>,
        /// Chunks the new one holds everything of.
        replaces: Vec<String>,
    },
    /// The answer to [`Input::Change`] `ask`: kept, or why not.
    Answer {
        /// The question.
        ask: u32,
        /// `Err` holds the sentence to show.
        result: Result<(), String>,
    },
    /// Tell the page.
    Tell(FromEngine),
    /// Send bytes on the connection.
    Send(Vec<u8>),
    /// Close the connection (after an error was sent).
    Close,
    /// Read the sync states kept with `server` for `docs`; answer [`Input::SyncStates`].
    LoadSyncStates {
        /// The server's storage id.
        server: String,
        /// The documents.
        docs: Vec<DocumentId>,
    },
    /// Keep a document's sync state with `server`.
    KeepSyncState {
        /// The server's storage id.
        server: String,
        /// The document.
        doc: DocumentId,
        /// The encoded state.
        state: Vec<u8>,
    },
    /// Read the overview kept under `key`; answer [`Input::OverviewRead`].
    ReadOverview {
        /// Where it is kept.
        key: String,
        /// The academic year.
        year: AcademicYear,
    },
    /// List the chunks stored for `docs`; answer [`Input::ChunksListed`].
    ListChunks {
        /// The academic year whose overview asks.
        year: AcademicYear,
        /// The documents.
        docs: Vec<DocumentId>,
    },
    /// Keep the overview under `key` (a failure only costs a slower start).
    KeepOverview {
        /// Where.
        key: String,
        /// What.
        bytes: Vec<u8>,
    },
    /// Fire [`Input::Timer`] after `ms`.
    After {
        /// Milliseconds.
        ms: u32,
        /// Which.
        timer: Timer,
    },
    /// Something for the console.
    Warn(String),
}

/// A person's change waiting for its document to load or for the write
/// before it.
#[derive(Debug)]
struct Asked {
    ask: u32,
    seen: Vec<ChangeHash>,
    change: Change,
    now_ms: i64,
}

/// The write of a document in flight.
enum Writing {
    /// A person's change (not in the document yet) with what was unsaved.
    Keep { write: u64, ask: u32, made: Box<automerge::Change>, heads: Vec<ChangeHash> },
    /// What was unsaved, up to `heads`; a whole document replaces `replaces`.
    Save { write: u64, heads: Vec<ChangeHash>, replaces: Vec<String>, compaction: bool },
}

impl Writing {
    fn id(&self) -> u64 {
        match self {
            Self::Keep { write, .. } | Self::Save { write, .. } => *write,
        }
    }
}

/// One open document.
struct Held {
    id: DocumentId,
    kind: DocKind,
    owner: DocumentId,
    writable: bool,
    doc: AutoCommit,
    /// Heads of what storage holds.
    saved: Vec<ChangeHash>,
    /// Keys of the stored chunks this engine read or wrote (another tab's
    /// may be there too, and are never deleted from here).
    stored: Vec<String>,
    writing: Option<Writing>,
    asked: VecDeque<Asked>,
}

impl Held {
    fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    fn is_saved(&mut self) -> bool {
        self.saved == self.doc.get_heads()
    }

    /// The document's records ([`records_of`]).
    fn records<D: Document>(&mut self) -> Result<D, crate::Error> {
        records_of(self.kind, self.owner, &mut self.doc)
    }
}

/// The records of `doc`, the document of `kind` belonging to `owner`:
/// what arrived, or those of the document as created while nothing has.
fn records_of<D: Document>(kind: DocKind, owner: DocumentId, doc: &mut AutoCommit) -> Result<D, crate::Error> {
    if doc.get_heads().is_empty() { D::load_any(&blank(kind, owner)) } else { D::load_any(doc) }
}

/// A document of `kind` belonging to `owner`, as created.
fn blank(kind: DocKind, owner: DocumentId) -> AutoCommit {
    match kind {
        DocKind::Association => AssociationDoc::create(&owner),
        DocKind::Year(year) => YearDoc::create(&owner, year),
        DocKind::Library => LibraryDoc::create(&owner),
        DocKind::DistrictYear(year) => DistrictYearDoc::create(&owner, year),
        DocKind::Perspective => PerspectiveDoc::create(&owner),
    }
}

/// A document to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// The document's id.
    pub id: DocumentId,
    /// Which document it is.
    pub kind: DocKind,
    /// The school (or the district) it belongs to.
    pub owner: DocumentId,
    /// Whether this device may change it.
    pub writable: bool,
}

/// The documents `open` asks for: first those the screens wait for (the
/// district's year and perspective, the shown school's three), then every
/// other school's, for the overview.
pub fn wanted(open: &Open) -> (Vec<Wanted>, Vec<Wanted>) {
    let Open { year, district, schools, shown, .. } = open;
    let (first, rest): (Vec<&Place>, Vec<&Place>) = schools.iter().partition(|s| Some(s.id) == *shown);
    let district_year = Wanted {
        id: DistrictYearDoc::id_for(&district.id, *year),
        kind: DocKind::DistrictYear(*year),
        owner: district.id,
        writable: district.writable,
    };
    let perspective = Wanted {
        id: PerspectiveDoc::id_for(&district.id),
        kind: DocKind::Perspective,
        owner: district.id,
        writable: district.writable,
    };
    let first = [district_year, perspective].into_iter().chain(first.into_iter().flat_map(|s| school(*s, *year)));
    (first.collect(), rest.into_iter().flat_map(|s| school(*s, *year)).collect())
}

fn school(school: Place, year: AcademicYear) -> [Wanted; 3] {
    let [association, year_doc, library] = school_document_ids(school.id, year);
    let wanted = |id, kind| Wanted { id, kind, owner: school.id, writable: school.writable };
    [
        wanted(association, DocKind::Association),
        wanted(library, DocKind::Library),
        wanted(year_doc, DocKind::Year(year)),
    ]
}

/// What the page is sent of the document `doc` (the one `wanted` names):
/// its records (those of the document as created while nothing has
/// arrived), its heads and its removed records. The engine sends this for
/// every shown document; the server sends it as a preview to a device that
/// has just joined, before its engine has loaded.
pub fn shown(wanted: Wanted, doc: &mut AutoCommit) -> Result<Shown, crate::Error> {
    let Wanted { id, kind, owner, writable } = wanted;
    let records = match kind {
        DocKind::Association => Records::Association(records_of(kind, owner, doc)?),
        DocKind::Year(_) => Records::Year(records_of(kind, owner, doc)?, Beside::of(doc)),
        DocKind::Library => Records::Library(records_of(kind, owner, doc)?),
        DocKind::DistrictYear(_) => {
            Records::DistrictYear(records_of(kind, owner, doc)?, analysis_notes(doc), RmoProfile::of(doc))
        }
        DocKind::Perspective => Records::Perspective(records_of(kind, owner, doc)?),
    };
    let heads = doc.get_heads().into_iter().map(|h| h.0).collect();
    Ok(Shown { id, owner, kind, writable, heads, removed: history::removed(doc), records })
}

/// What the page shows, as its last [`Open`] said.
#[derive(Default)]
struct View {
    year: Option<AcademicYear>,
    shown: Option<DocumentId>,
    summaries: bool,
    schools: Vec<DocumentId>,
    /// The documents the page shows from the server's preview, by the
    /// heads it shows (sent on once they have arrived).
    awaited: Vec<(DocumentId, Heads)>,
}

/// What the page has not been sent yet.
#[derive(Default)]
struct Unsent {
    docs: Vec<DocumentId>,
    summaries: bool,
    scheduled: bool,
}

/// The connection to the server.
struct Link {
    session: Session,
    /// The server's storage id, once it has said it.
    server: Option<String>,
    connected: bool,
    /// Documents whose kept sync state was asked for or is not wanted.
    asked: HashSet<DocumentId>,
    /// Documents whose kept sync state is being read: not offered meanwhile.
    restoring: HashSet<DocumentId>,
}

/// The documents of one device.
#[derive(Default)]
pub struct Engine {
    docs: Vec<Held>,
    /// Documents being read from storage, and changes waiting for them.
    loading: Vec<Wanted>,
    early: Vec<(DocumentId, Asked)>,
    /// Documents to read once the ones loading are open.
    later: Vec<Wanted>,
    view: View,
    unsent: Unsent,
    link: Option<Link>,
    status: Option<SyncStatus>,
    storage_error: Option<String>,
    retry_scheduled: bool,
    next_write: u64,
    overview: overview::Overview,
    effects: Vec<Effect>,
}

/// The ids of a school's association, year and library documents.
fn school_document_ids(school: DocumentId, year: AcademicYear) -> [DocumentId; 3] {
    [school, YearDoc::id_for(&school, year), LibraryDoc::id_for(&school)]
}

impl Engine {
    /// An engine with nothing open.
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles `input` at `now`; returns what the driver does next, in order.
    pub fn handle(&mut self, now: Now, input: Input) -> Vec<Effect> {
        match input {
            Input::Open(open) => self.open(open, now),
            Input::Loaded(loaded) => self.loaded(loaded, now),
            Input::Change { ask, doc, seen, change } => {
                let asked = Asked { ask, seen: seen.into_iter().map(ChangeHash).collect(), change, now_ms: now.ms };
                self.change(doc, asked);
            }
            Input::Committed { write, key } => self.committed(write, key, now),
            Input::NotCommitted { write, message, not_kept } => self.not_committed(write, message, not_kept),
            Input::Connected { peer_id, metadata } => {
                let (session, join) = Session::client(peer_id, metadata);
                self.link = Some(Link {
                    session,
                    server: None,
                    connected: false,
                    asked: HashSet::new(),
                    restoring: HashSet::new(),
                });
                self.effects.push(Effect::Send(join.encode()));
            }
            Input::Received(bytes) => self.received(&bytes),
            Input::Disconnected => {
                self.link = None;
                self.release_awaited();
            }
            Input::SyncStates(states) => self.restore(states),
            Input::OverviewRead { year, bytes } => self.overview_read(year, bytes, now),
            Input::ChunksListed { year, stored } => self.chunks_listed(year, stored, now),
            Input::Timer(Timer::Flush) => self.flush(now),
            Input::Timer(Timer::RetrySaves) => {
                self.retry_scheduled = false;
                for n in 0..self.docs.len() {
                    self.next_write(n);
                }
            }
            Input::Timer(Timer::KeepOverview) => self.keep_overviews(now),
        }
        self.update_status();
        std::mem::take(&mut self.effects)
    }

    /// The heads of the open document `id` (none before anything arrived).
    pub fn heads(&mut self, id: DocumentId) -> Option<Vec<ChangeHash>> {
        self.held(id).map(|n| self.docs[n].heads())
    }

    /// The open document `id`, to read.
    pub fn document(&self, id: DocumentId) -> Option<&AutoCommit> {
        self.docs.iter().find(|h| h.id == id).map(|h| &h.doc)
    }

    /// Whether the server has answered this connection's join.
    pub fn is_connected(&self) -> bool {
        self.link.as_ref().is_some_and(|l| l.connected)
    }

    /// Whether storage holds everything every open document has.
    pub fn all_saved(&mut self) -> bool {
        self.docs.iter_mut().all(Held::is_saved)
    }

    /// The history of `record` in the document `doc`, oldest first, with
    /// members named as its school's member list names them.
    pub fn history(&mut self, doc: DocumentId, record: Uuid) -> Result<Vec<Entry>, String> {
        let n = self.held(doc).ok_or_else(|| "Записи ещё загружаются, повторите через секунду".to_owned())?;
        let owner = self.docs[n].owner;
        let members = self
            .docs
            .iter_mut()
            .find(|h| h.kind == DocKind::Association && h.owner == owner)
            .and_then(|h| h.records::<AssociationDoc>().ok())
            .map(|a| a.members.iter().map(|m| (m.id, m.full_name.clone())).collect::<Vec<_>>())
            .unwrap_or_default();
        let name = |id: Uuid| members.iter().find(|(m, _)| *m == id).map(|(_, n)| n.clone());
        Ok(history::of_record(&mut self.docs[n].doc, record, &name))
    }

    fn held(&self, id: DocumentId) -> Option<usize> {
        self.docs.iter().position(|h| h.id == id)
    }

    fn held_of(&self, kind: DocKind, owner: DocumentId) -> Option<usize> {
        self.docs.iter().position(|h| h.kind == kind && h.owner == owner)
    }

    /// Whether `kind` of `owner` is open or on its way.
    fn known(&self, kind: DocKind, owner: DocumentId) -> bool {
        self.held_of(kind, owner).is_some() || self.loading.iter().any(|w| w.kind == kind && w.owner == owner)
    }

    fn tell(&mut self, message: FromEngine) {
        self.effects.push(Effect::Tell(message));
    }

    // --- What the page shows --------------------------------------------

    /// Opens what the page's screens need (the documents not open yet) and
    /// sends the shown ones. The district's and the shown school's
    /// documents are read first (the screens wait for those), then every
    /// other school's, for the overview. Documents this device may only
    /// read are not created here: they come from the server.
    fn open(&mut self, open: Open, now: Now) {
        let Open { year, ref schools, shown, summaries, ref awaited, .. } = open;
        self.view = View {
            year: Some(year),
            shown,
            summaries,
            schools: schools.iter().map(|s| s.id).collect(),
            awaited: awaited.clone(),
        };
        if summaries {
            self.recall_overview(year);
            self.unsent.summaries = true;
        }
        // Whatever was open is shown at once (a year switched back to, a
        // school looked into again); what opens follows as it loads.
        for n in 0..self.docs.len() {
            self.refresh(n);
        }
        self.flush(now);
        let (first, rest) = wanted(&open);
        self.later = rest;
        self.load(first);
        if self.loading.is_empty() {
            let later = std::mem::take(&mut self.later);
            self.load(later);
        }
    }

    /// Asks for the stored chunks of those of `wanted` not open or loading.
    fn load(&mut self, wanted: Vec<Wanted>) {
        let wanted: Vec<Wanted> = wanted.into_iter().filter(|w| !self.known(w.kind, w.owner)).collect();
        if wanted.is_empty() {
            return;
        }
        self.effects.push(Effect::Load(wanted.iter().map(|w| w.id).collect()));
        self.loading.extend(wanted);
    }

    /// Opens loaded documents, then reads the next ones.
    fn loaded(&mut self, loaded: Vec<(DocumentId, Vec<Chunk>)>, now: Now) {
        for (id, chunks) in loaded {
            let Some(at) = self.loading.iter().position(|w| w.id == id) else { continue };
            let wanted = self.loading.remove(at);
            self.open_one(wanted, chunks);
            let (waiting, early): (Vec<_>, Vec<_>) =
                std::mem::take(&mut self.early).into_iter().partition(|(d, _)| *d == id);
            self.early = early;
            for (doc, asked) in waiting {
                self.change(doc, asked);
            }
        }
        self.flush(now);
        if self.loading.is_empty() {
            let later = std::mem::take(&mut self.later);
            self.load(later);
        }
        self.offer_all();
    }

    /// Loads a document from its stored chunks (creating it if this device
    /// may write it and has none yet) and adds it to the open documents.
    fn open_one(&mut self, wanted: Wanted, chunks: Vec<Chunk>) {
        let Wanted { id, kind, owner, writable } = wanted;
        let mut doc = crate::record::new_doc();
        // One damaged chunk must not cost the others: load what loads.
        let unreadable = chunks.iter().filter(|c| crate::record::load_chunk(&mut doc, &c.bytes).is_err()).count();
        let fresh = doc.get_heads().is_empty();
        if fresh && writable {
            doc = blank(kind, owner);
        }
        let saved = if fresh { Vec::new() } else { doc.get_heads() };
        let whole = doc.get_missing_deps(&[]).is_empty();
        if writable && !fresh && whole {
            // A year made before mentoring (or surveys) was kept gets its
            // list the way every device makes it; kept below like any
            // unsaved change.
            let added = match kind {
                DocKind::Year(year) => YearDoc::add_later_lists(&mut doc, &owner, year),
                DocKind::DistrictYear(year) => DistrictYearDoc::add_later_lists(&mut doc, &owner, year),
                _ => Ok(()),
            };
            if let Err(e) = added {
                self.tell(FromEngine::Damaged(format!("Записи года не дополнены: {e}")));
            }
        }
        if unreadable > 0 {
            self.tell(FromEngine::Damaged(format!(
                "Часть сохранённых данных на устройстве повреждена ({unreadable} из {}); \
                 недостающее будет получено с сервера.",
                chunks.len()
            )));
        }
        let waiting = !doc.get_missing_deps(&[]).is_empty();
        let compact = crate::chunks::compaction_due(chunks.len(), unreadable == 0, waiting);
        let stored = chunks.into_iter().map(|c| c.key).collect();
        self.docs.push(Held { id, kind, owner, writable, doc, saved, stored, writing: None, asked: VecDeque::new() });
        let n = self.docs.len() - 1;
        if compact {
            let held = &mut self.docs[n];
            let chunk = held.doc.save();
            let heads = held.heads();
            let replaces = held.stored.clone();
            self.start_write(n, chunk, replaces.clone(), |write| Writing::Save {
                write,
                heads,
                replaces,
                compaction: true,
            });
        } else {
            self.next_write(n);
        }
        self.refresh(n);
    }

    /// Marks the document `n` (and the district's summaries) to be sent to
    /// the page, if the page shows them.
    fn refresh(&mut self, n: usize) {
        let held = &self.docs[n];
        let v = &self.view;
        let this_year = held.kind.year().is_none_or(|y| Some(y) == v.year);
        let shown = this_year && (!held.kind.is_school() || Some(held.owner) == v.shown);
        let summaries = v.summaries && held.kind.is_school() && v.schools.contains(&held.owner);
        if !shown && !summaries {
            return;
        }
        if shown && !self.unsent.docs.contains(&held.id) {
            self.unsent.docs.push(held.id);
        }
        self.unsent.summaries |= summaries;
        if !std::mem::replace(&mut self.unsent.scheduled, true) {
            self.effects.push(Effect::After { ms: 0, timer: Timer::Flush });
        }
    }

    /// Sends the page what changed since it was last sent: the shown
    /// documents' records and the district's summaries.
    fn flush(&mut self, now: Now) {
        self.unsent.scheduled = false;
        for id in std::mem::take(&mut self.unsent.docs) {
            if let Some(n) = self.held(id) {
                self.send(n);
            }
        }
        if std::mem::take(&mut self.unsent.summaries) {
            self.send_summaries(now);
        }
    }

    /// Without a connection the heads the preview showed may not arrive for
    /// days: the page is sent what this device has of those documents,
    /// which its person may change.
    fn release_awaited(&mut self) {
        for (id, _) in std::mem::take(&mut self.view.awaited) {
            if let Some(n) = self.held(id) {
                self.refresh(n);
            }
        }
    }

    /// Sends the page the document `n`'s records, unless the page shows
    /// heads of it (the server's preview) that have not arrived here yet.
    fn send(&mut self, n: usize) {
        let held = &mut self.docs[n];
        if let Some(at) = self.view.awaited.iter().position(|(id, _)| *id == held.id) {
            if !self.view.awaited[at].1.iter().all(|h| held.doc.get_change_by_hash(&ChangeHash(*h)).is_some()) {
                return;
            }
            self.view.awaited.swap_remove(at);
        }
        let wanted = Wanted { id: held.id, kind: held.kind, owner: held.owner, writable: held.writable };
        let message = match shown(wanted, &mut held.doc) {
            Ok(shown) => FromEngine::Shown(Box::new(shown)),
            Err(e) => FromEngine::Fatal(format!("Записи не читаются: {e}")),
        };
        self.tell(message);
    }

    // --- A person's change ----------------------------------------------

    /// Takes a person's change: waits while its document loads or another
    /// write of it is in flight, else makes and writes it.
    fn change(&mut self, doc: DocumentId, asked: Asked) {
        if self.loading.iter().any(|w| w.id == doc) {
            self.early.push((doc, asked));
            return;
        }
        let refused = match self.held(doc) {
            None => Some("Записи ещё загружаются, повторите через секунду"),
            Some(n) if !self.docs[n].writable => Some("Эти записи можно только просматривать"),
            Some(_) => None,
        };
        if let Some(refused) = refused {
            self.effects.push(Effect::Answer { ask: asked.ask, result: Err(refused.into()) });
            return;
        }
        let Some(n) = self.held(doc) else { return };
        self.docs[n].asked.push_back(asked);
        self.next_write(n);
    }

    /// Starts the next write of the document `n`, unless one is in flight:
    /// a person's change first, else what is unsaved (unless failed saves
    /// wait for their retry).
    fn next_write(&mut self, n: usize) {
        if self.docs[n].writing.is_some() {
            return;
        }
        while let Some(asked) = self.docs[n].asked.pop_front() {
            let Asked { ask, seen, change, now_ms } = asked;
            let held = &mut self.docs[n];
            let made = change.make_at(held.kind, &mut held.doc, &seen, now_ms).map_err(not_made);
            match made {
                Ok(Some(made)) => {
                    let mut chunk = held.doc.save_after(&held.saved);
                    chunk.extend_from_slice(made.raw_bytes());
                    let heads = held.heads();
                    self.start_write(n, chunk, Vec::new(), |write| Writing::Keep {
                        write,
                        ask,
                        made: Box::new(made),
                        heads,
                    });
                    return;
                }
                Ok(None) => self.effects.push(Effect::Answer { ask, result: Ok(()) }),
                Err(e) => self.effects.push(Effect::Answer { ask, result: Err(e) }),
            }
        }
        let held = &mut self.docs[n];
        if self.retry_scheduled || held.is_saved() {
            return;
        }
        // Changes waiting for their dependencies are not in a saved
        // document: while there are any, only chunks are added.
        let heads = held.heads();
        let whole = (held.saved.is_empty() || held.doc.get_changes_meta(&held.saved).len() > WHOLE_AFTER_CHANGES)
            && held.doc.get_missing_deps(&[]).is_empty();
        let chunk = if whole { held.doc.save() } else { held.doc.save_after(&held.saved) };
        let replaces = if whole { held.stored.clone() } else { Vec::new() };
        self.start_write(n, chunk, replaces.clone(), |write| Writing::Save {
            write,
            heads,
            replaces,
            compaction: false,
        });
    }

    fn start_write(&mut self, n: usize, chunk: Vec<u8>, replaces: Vec<String>, writing: impl FnOnce(u64) -> Writing) {
        self.next_write += 1;
        let write = self.next_write;
        let held = &mut self.docs[n];
        held.writing = Some(writing(write));
        self.effects.push(Effect::Write { write, doc: held.id, chunk, replaces });
    }

    fn writing(&self, write: u64) -> Option<usize> {
        self.docs.iter().position(|h| h.writing.as_ref().is_some_and(|w| w.id() == write))
    }

    /// A write completed: what it held is stored, and a kept change is
    /// merged, answered, shown and offered.
    fn committed(&mut self, write: u64, key: String, now: Now) {
        let Some(n) = self.writing(write) else { return };
        let held = &mut self.docs[n];
        match held.writing.take() {
            Some(Writing::Keep { ask, made, heads, .. }) => {
                // What storage holds now ends at the heads written and the
                // change made on top of some of them.
                let mut saved: Vec<ChangeHash> = heads.into_iter().filter(|h| !made.deps().contains(h)).collect();
                saved.push(made.hash());
                saved.sort();
                let applied = held.doc.apply_changes([*made]);
                held.stored.push(key);
                held.saved = saved;
                if let Err(e) = applied {
                    // Its dependencies are in the document (they are what the
                    // person saw), so this does not happen; the chunk loads at
                    // the next start.
                    self.effects.push(Effect::Warn(format!("merging a kept change failed: {e}")));
                }
                // The page has the records with the change before the
                // answer closes the form.
                self.refresh(n);
                self.flush(now);
                self.effects.push(Effect::Answer { ask, result: Ok(()) });
            }
            Some(Writing::Save { heads, replaces, .. }) => {
                held.stored.retain(|k| !replaces.contains(k));
                held.stored.push(key);
                held.saved = heads;
            }
            None => {}
        }
        self.set_storage_error(None);
        if self.docs[n].kind.is_school() {
            self.keep_soon();
        }
        self.next_write(n);
        let id = self.docs[n].id;
        self.offer(id);
    }

    /// A write failed: a person's change is answered as not kept (nothing
    /// of it is in the document); a background save is tried again later,
    /// its changes held in memory meanwhile.
    fn not_committed(&mut self, write: u64, message: String, not_kept: String) {
        let Some(n) = self.writing(write) else { return };
        match self.docs[n].writing.take() {
            Some(Writing::Keep { ask, .. }) => {
                self.effects.push(Effect::Warn(format!("keeping a change failed: {message}")));
                self.effects.push(Effect::Answer { ask, result: Err(not_kept) });
            }
            Some(Writing::Save { compaction: true, .. }) => {
                self.effects.push(Effect::Warn(format!("compaction failed: {message}")));
            }
            Some(Writing::Save { .. }) => {
                self.effects.push(Effect::Warn(format!("saving failed: {message}")));
                self.set_storage_error(Some(message));
                if !std::mem::replace(&mut self.retry_scheduled, true) {
                    self.effects.push(Effect::After { ms: SAVE_RETRY_MS, timer: Timer::RetrySaves });
                }
            }
            None => {}
        }
        self.next_write(n);
    }

    /// Tells the page of a failed save (or that saving works again), if that changed.
    fn set_storage_error(&mut self, error: Option<String>) {
        if self.storage_error != error {
            self.storage_error.clone_from(&error);
            self.tell(FromEngine::StorageError(error));
        }
    }

    // --- The server -----------------------------------------------------

    fn received(&mut self, bytes: &[u8]) {
        let Some(link) = &mut self.link else { return };
        match link.session.receive(bytes) {
            Ok(Event::Connected(remote)) => {
                link.connected = true;
                link.server = remote.metadata.storage_id;
                self.offer_all();
            }
            Ok(Event::Sync { document_id, message, .. }) => {
                let Some(n) = self.docs.iter().position(|h| h.id == document_id) else { return };
                let held = &mut self.docs[n];
                let before = held.heads();
                match link.session.receive_sync(document_id, &mut held.doc, message) {
                    Ok(()) => {
                        // A state restored now would be older than this one.
                        link.asked.insert(document_id);
                        if let (Some(server), Some(state)) = (&link.server, link.session.sync_state(&document_id)) {
                            let server = server.clone();
                            self.effects.push(Effect::KeepSyncState { server, doc: document_id, state });
                        }
                        if self.docs[n].heads() != before {
                            self.refresh(n);
                            self.next_write(n);
                        }
                        self.offer(document_id);
                    }
                    Err(e) => self.refuse(e.to_string()),
                }
            }
            Ok(Event::RemoteError(reason)) => self.effects.push(Effect::Warn(format!("server reported: {reason}"))),
            Ok(_) => {}
            Err(e) => self.refuse(e.to_string()),
        }
    }

    /// Tells the server what went wrong and closes the connection.
    fn refuse(&mut self, reason: String) {
        if let Some(link) = self.link.take() {
            self.effects.push(Effect::Send(link.session.error(reason).encode()));
            self.effects.push(Effect::Close);
        }
    }

    /// Offers the server every open document: those whose kept sync state
    /// is not restored yet once it is.
    fn offer_all(&mut self) {
        let Some(link) = &mut self.link else { return };
        if !link.connected {
            return;
        }
        let fresh: Vec<DocumentId> = self.docs.iter().map(|h| h.id).filter(|id| link.asked.insert(*id)).collect();
        if let Some(server) = &link.server
            && !fresh.is_empty()
        {
            link.restoring.extend(fresh.iter().copied());
            self.effects.push(Effect::LoadSyncStates { server: server.clone(), docs: fresh });
        }
        for id in self.docs.iter().map(|h| h.id).collect::<Vec<_>>() {
            self.offer(id);
        }
    }

    /// Restores kept sync states (unless the connection has moved on).
    fn restore(&mut self, states: Vec<(DocumentId, Option<Vec<u8>>)>) {
        let Some(link) = &mut self.link else { return };
        for (id, state) in &states {
            if link.restoring.remove(id)
                && let Some(state) = state
                && !link.session.knows(id)
            {
                let _ = link.session.restore(*id, state);
            }
        }
        for (id, _) in states {
            self.offer(id);
        }
    }

    /// Sends what the server lacks of `id`, but only what is stored here.
    fn offer(&mut self, id: DocumentId) {
        let Some(link) = &mut self.link else { return };
        let Some(n) = self.docs.iter().position(|h| h.id == id) else { return };
        let held = &mut self.docs[n];
        if !link.connected || link.restoring.contains(&id) || !held.is_saved() {
            return;
        }
        if let Some(m) = link.session.generate(id, &mut held.doc) {
            self.effects.push(Effect::Send(m.encode()));
        }
    }

    /// Tells the page the connection's state, if it changed.
    fn update_status(&mut self) {
        let status = match &mut self.link {
            Some(link) if link.connected => {
                let synced = self.docs.iter_mut().all(|h| h.is_saved() && link.session.is_synced(&h.id, &mut h.doc));
                if synced { SyncStatus::Saved } else { SyncStatus::Syncing }
            }
            _ => SyncStatus::Offline,
        };
        if self.status.replace(status) != Some(status) {
            self.tell(FromEngine::Sync(status));
        }
    }
}

/// The sentence for a change that could not be made.
fn not_made(e: crate::Error) -> String {
    match e {
        crate::Error::NewerSchema { .. } => {
            "Эти записи созданы более новой версией приложения; обновите приложение, чтобы их менять".to_owned()
        }
        crate::Error::NotFound(_) => "Запись не найдена: возможно, её только что удалили на другом устройстве".into(),
        other => format!("Не удалось сохранить: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemberFields;
    use crate::record::Edit;

    const YEAR: AcademicYear = AcademicYear(2026);

    fn now() -> Now {
        Now { ms: 1, today: Date::new(2026, 10, 1).unwrap() }
    }

    /// An engine asked to open a school's documents, and what it asked for.
    fn opening(school: DocumentId) -> (Engine, Vec<DocumentId>) {
        let mut engine = Engine::new();
        let place = Place { id: school, writable: true };
        let open = Open {
            year: YEAR,
            district: place,
            schools: vec![place],
            shown: Some(school),
            summaries: false,
            awaited: Vec::new(),
        };
        let effects = engine.handle(now(), Input::Open(open));
        let Some(Effect::Load(ids)) = effects.into_iter().find(|e| matches!(e, Effect::Load(_))) else { panic!() };
        (engine, ids)
    }

    /// The documents `ids` found empty in storage.
    fn empty(ids: Vec<DocumentId>) -> Input {
        Input::Loaded(ids.into_iter().map(|id| (id, Vec::new())).collect())
    }

    /// An engine with a school's documents open from empty storage; their
    /// first saves are completed.
    fn opened(school: DocumentId) -> Engine {
        let (mut engine, ids) = opening(school);
        let effects = engine.handle(now(), empty(ids));
        for (n, write) in writes(&effects).into_iter().enumerate() {
            engine.handle(now(), Input::Committed { write, key: format!("first/{n}") });
        }
        engine
    }

    fn writes(effects: &[Effect]) -> Vec<u64> {
        effects.iter().filter_map(|e| if let Effect::Write { write, .. } = e { Some(*write) } else { None }).collect()
    }

    fn add(engine: &mut Engine, school: DocumentId, ask: u32, name: &str) -> Vec<Effect> {
        let fields = MemberFields { full_name: name.into(), ..MemberFields::default() };
        let change = Change::Member(Edit::Add(fields));
        engine.handle(now(), Input::Change { ask, doc: school, seen: Vec::new(), change })
    }

    fn names(engine: &Engine, school: DocumentId) -> Vec<String> {
        let a = AssociationDoc::load(engine.document(school).unwrap()).unwrap();
        a.members.iter().map(|m| m.full_name.clone()).collect()
    }

    #[test]
    fn a_change_is_answered_shown_and_offered_only_once_its_write_completed() {
        let school = DocumentId::random();
        let mut engine = opened(school);
        let effects = add(&mut engine, school, 7, "Иванова Анна Петровна");
        let [write] = writes(&effects)[..] else { panic!("one write: {effects:?}") };
        assert!(!effects.iter().any(|e| matches!(e, Effect::Answer { .. } | Effect::Tell(FromEngine::Shown(_)))));
        assert!(names(&engine, school).is_empty(), "not in the document before it is stored");

        let effects = engine.handle(now(), Input::Committed { write, key: "k".into() });
        let answered = effects.iter().position(|e| *e == Effect::Answer { ask: 7, result: Ok(()) }).unwrap();
        let shown = effects.iter().position(|e| matches!(e, Effect::Tell(FromEngine::Shown(s)) if s.id == school));
        assert!(shown.is_some_and(|s| s < answered), "the page has the member before the form closes");
        assert_eq!(names(&engine, school), ["Иванова Анна Петровна"]);
        assert!(engine.all_saved());
    }

    #[test]
    fn a_change_whose_write_failed_is_answered_as_not_kept_and_leaves_nothing() {
        let school = DocumentId::random();
        let mut engine = opened(school);
        let heads = engine.heads(school);
        let effects = add(&mut engine, school, 3, "Петров");
        let [write] = writes(&effects)[..] else { panic!() };
        let failed = Input::NotCommitted { write, message: "m".into(), not_kept: "Не сохранено".into() };
        let effects = engine.handle(now(), failed);
        assert!(effects.contains(&Effect::Answer { ask: 3, result: Err("Не сохранено".into()) }));
        assert_eq!(engine.heads(school), heads);
        assert!(engine.all_saved());
    }

    #[test]
    fn a_change_sent_while_its_document_loads_waits_for_it_and_the_next_for_the_first() {
        let school = DocumentId::random();
        let (mut engine, ids) = opening(school);
        assert!(add(&mut engine, school, 1, "Первая").is_empty(), "waits for the document");
        let effects = engine.handle(now(), empty(ids));
        // The first save of the created association goes first; the change after it.
        let association = effects
            .iter()
            .find_map(|e| match e {
                Effect::Write { write, doc, .. } if *doc == school => Some(*write),
                _ => None,
            })
            .unwrap();
        assert!(add(&mut engine, school, 2, "Вторая").iter().all(|e| !matches!(e, Effect::Write { .. })));
        let effects = engine.handle(now(), Input::Committed { write: association, key: "a".into() });
        let [first] = writes(&effects)[..] else { panic!("{effects:?}") };
        let effects = engine.handle(now(), Input::Committed { write: first, key: "b".into() });
        assert!(effects.contains(&Effect::Answer { ask: 1, result: Ok(()) }));
        let [second] = writes(&effects)[..] else { panic!("{effects:?}") };
        engine.handle(now(), Input::Committed { write: second, key: "c".into() });
        assert_eq!(names(&engine, school), ["Первая", "Вторая"]);
    }

    /// The documents the engine sent the page among `effects`.
    fn sent(effects: &[Effect]) -> Vec<DocumentId> {
        effects
            .iter()
            .filter_map(|e| if let Effect::Tell(FromEngine::Shown(s)) = e { Some(s.id) } else { None })
            .collect()
    }

    #[test]
    fn a_document_the_page_shows_from_the_preview_is_sent_once_it_has_the_previewed_heads_or_the_connection_fails() {
        let school = DocumentId::random();
        // The server's association, with a member the preview showed.
        let mut server = AssociationDoc::create(&school);
        let fields = MemberFields {
            full_name: "Орлова Екатерина Сергеевна".into(), ..MemberFields::default()
        };
        AssociationDoc::edit_member(&mut server, Edit::Add(fields), 1).unwrap();
        let previewed: Heads = server.get_heads().into_iter().map(|h| h.0).collect();
        let open = |awaited: Vec<(DocumentId, Heads)>| {
            let place = Place { id: school, writable: true };
            Open { year: YEAR, district: place, schools: vec![place], shown: Some(school), summaries: false, awaited }
        };

        // Storage is empty (a device that has just joined): the engine
        // creates the association, but the page keeps the preview.
        let mut engine = Engine::new();
        let effects = engine.handle(now(), Input::Open(open(vec![(school, previewed.clone())])));
        let Some(Effect::Load(ids)) = effects.into_iter().find(|e| matches!(e, Effect::Load(_))) else { panic!() };
        let effects = engine.handle(now(), empty(ids.clone()));
        let shown = sent(&effects);
        assert!(!shown.contains(&school), "the created association would replace the preview: {shown:?}");
        assert_eq!(shown.len(), ids.len() - 1, "the documents not previewed are sent");
        // Without a connection the server's heads may not come for days:
        // the page gets the association this device has, to change.
        let effects = engine.handle(now(), Input::Disconnected);
        assert!(effects.iter().any(|e| matches!(e, Effect::After { timer: Timer::Flush, .. })));
        assert_eq!(sent(&engine.handle(now(), Input::Timer(Timer::Flush))), [school]);

        // Storage holds the server's changes: sent at once.
        let mut engine = Engine::new();
        let effects = engine.handle(now(), Input::Open(open(vec![(school, previewed)])));
        let Some(Effect::Load(ids)) = effects.into_iter().find(|e| matches!(e, Effect::Load(_))) else { panic!() };
        let chunk = Chunk { key: "server".into(), bytes: server.save() };
        let loaded = ids.iter().map(|id| (*id, if *id == school { vec![chunk.clone()] } else { Vec::new() })).collect();
        let effects = engine.handle(now(), Input::Loaded(loaded));
        assert!(sent(&effects).contains(&school));
        assert_eq!(names(&engine, school), ["Орлова Екатерина Сергеевна"]);
    }

    #[test]
    fn a_failed_save_tells_the_page_and_is_tried_again_on_its_timer() {
        let (mut engine, ids) = opening(DocumentId::random());
        let effects = engine.handle(now(), empty(ids));
        let first = writes(&effects)[0];
        let failed = Input::NotCommitted { write: first, message: "Нет места".into(), not_kept: String::new() };
        let effects = engine.handle(now(), failed);
        assert!(effects.contains(&Effect::Tell(FromEngine::StorageError(Some("Нет места".into())))));
        assert!(effects.contains(&Effect::After { ms: SAVE_RETRY_MS, timer: Timer::RetrySaves }));
        assert!(!engine.all_saved());
        let effects = engine.handle(now(), Input::Timer(Timer::RetrySaves));
        let again = writes(&effects);
        assert_eq!(again.len(), 1, "the failed document is written again");
        let effects = engine.handle(now(), Input::Committed { write: again[0], key: "k".into() });
        assert!(effects.contains(&Effect::Tell(FromEngine::StorageError(None))));
    }
}
