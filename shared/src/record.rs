//! What every document and every record in it have in common.
//!
//! - [`Document`]: a kind of automerge document with a `schema_version`,
//!   created with the same first change on every device, read and changed
//!   as Rust records through autosurgeon.
//! - [`Life`] and [`Record`]: records in a list, matched by id, edited and
//!   removed so that an edit made concurrently with a removal brings the
//!   record back instead of vanishing.

use serde::{Deserialize, Serialize};
use std::fmt;

use automerge::transaction::CommitOptions;
use automerge::{ActorId, AutoCommit, TextEncoding};
use autosurgeon::reconcile::NoKey;
use autosurgeon::{Counter, Hydrate, HydrateError, Reconcile, Reconciler, hydrate};
use uuid::Uuid;

use crate::{DocumentId, Error};

pub mod write;

/// An empty automerge document ready for our records.
///
/// Text positions count UTF-8 bytes: `autosurgeon::Text` records its splices
/// at byte offsets of the Rust string and hands them to automerge as they
/// are, so with automerge's default (code points) any Cyrillic text before
/// an edit would put it in the wrong place or out of range. The setting is
/// local to this handle; the document's bytes are the same either way.
pub fn new_doc() -> AutoCommit {
    AutoCommit::new_with_encoding(TextEncoding::Utf8CodeUnit)
}

/// Adds a stored chunk (a snapshot or incremental save) to `doc`; an error
/// when the chunk is damaged (see [`check_chunk`]).
pub fn load_chunk(doc: &mut AutoCommit, chunk: &[u8]) -> Result<usize, Error> {
    let applied = doc.load_incremental(chunk)?;
    check_chunk(applied, chunk)?;
    Ok(applied)
}

/// Whether a chunk from which `load_incremental` applied `applied` changes
/// is damaged. automerge's own incremental load skips what does not parse
/// without a word, so a chunk that adds nothing is checked on its own: a
/// duplicate of what is loaded parses, garbage does not.
pub fn check_chunk(applied: usize, chunk: &[u8]) -> Result<(), automerge::AutomergeError> {
    if applied == 0 && !chunk.is_empty() {
        let strict = automerge::LoadOptions::new().on_partial_load(automerge::OnPartialLoad::Error);
        match automerge::Automerge::load_with_options(chunk, strict) {
            // Changes whose dependencies are in a chunk not loaded yet:
            // automerge keeps them until those arrive.
            Ok(_) | Err(automerge::AutomergeError::MissingDeps) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A new document with id `id` holding `empty` in its first change, the
/// same bytes on every device (see [`Document::create_with`]).
pub fn first_change<T: Reconcile>(id: &DocumentId, empty: &T) -> AutoCommit {
    let mut doc = new_doc().with_actor(creator(id));
    let root = write::first_value(empty).expect("a scratch document accepts any records");
    automerge::transaction::Transactable::init_root_from_hydrate(&mut doc, &root)
        .expect("an empty document accepts any records");
    doc.commit_with(CommitOptions::default().with_time(0));
    doc.set_actor(ActorId::random());
    doc
}

/// A new document `id`: `first` (its first layout) in its first change,
/// then the empty lists `later` layouts brought in a second change by the
/// same actor; both the same bytes on every device and in every version
/// since, so no version's lists hide another's in a merge.
pub fn created_in_layouts<T: Reconcile>(id: &DocumentId, first: &T, later: &[&str]) -> AutoCommit {
    let mut doc = first_change(id, first);
    doc.set_actor(creator(id));
    for key in later {
        automerge::transaction::Transactable::put_object(&mut doc, automerge::ROOT, *key, automerge::ObjType::List)
            .expect("a new key of a new document");
    }
    doc.commit_with(CommitOptions::default().with_time(0));
    doc.set_actor(ActorId::random());
    doc
}

/// Gives `doc`, a document `id` first created holding `first`, the lists
/// `later` as [`created_in_layouts`] does, with the same change; nothing
/// when it has them. Two devices that add the first records of such a
/// list offline then add them to one list, not to two of which a merge
/// shows one.
pub fn add_later_lists<T: Reconcile>(
    doc: &mut AutoCommit,
    id: &DocumentId,
    first: &T,
    later: &[&str],
) -> Result<(), Error> {
    use automerge::ReadDoc;
    let Some(key) = later.first() else { return Ok(()) };
    if doc.get(automerge::ROOT, *key)?.is_some() {
        return Ok(());
    }
    let mut made = created_in_layouts(id, first, later);
    if let Some(second) = made.get_changes(&[]).get(1).cloned() {
        doc.apply_changes([second])?;
    }
    Ok(())
}

/// The actor of the changes every device makes alike in document `id`.
pub fn creator(id: &DocumentId) -> ActorId {
    ActorId::from(&id.as_bytes()[..])
}

/// A kind of document: its records, layout version and first change.
pub trait Document: Reconcile + Hydrate + Sized {
    /// The newest layout this build reads and writes.
    const SCHEMA_VERSION: u64;

    /// The layout version stored in the document.
    fn schema_version(&self) -> u64;

    /// Marks the records as written in `version`'s layout.
    fn set_schema_version(&mut self, version: u64);

    /// A new document with id `id` holding `empty`.
    ///
    /// The first change is the same bytes on every device (actor derived from
    /// the id, time zero), so peers that create the document offline share
    /// its lists instead of each making their own and losing one in the
    /// merge. `empty` must therefore never change between versions for a
    /// given id: later layouts migrate in changes of their own.
    fn create_with(id: &DocumentId, empty: &Self) -> AutoCommit {
        first_change(id, empty)
    }

    /// Whether these records were written in a layout newer than this
    /// build's, so it must only show them.
    fn is_newer_layout(&self) -> bool {
        self.schema_version() > Self::SCHEMA_VERSION
    }

    /// Reads the records, refusing a layout newer than this build's.
    fn load(doc: &AutoCommit) -> Result<Self, Error> {
        let records = Self::load_any(doc)?;
        if records.is_newer_layout() {
            return Err(Error::NewerSchema { found: records.schema_version(), supported: Self::SCHEMA_VERSION });
        }
        Ok(records)
    }

    /// Reads the records whatever their layout version, for showing a newer
    /// document read-only.
    fn load_any(doc: &AutoCommit) -> Result<Self, Error> {
        let mut records: Self = hydrate(doc)?;
        records.tidy();
        Ok(records)
    }

    /// Puts right, as read, what merges can leave twice (see
    /// [`crate::next_year`]); the next write keeps it so.
    fn tidy(&mut self) {}

    /// Reads, changes and writes back the records as one commit stamped
    /// `now_ms`; nothing is written if `f` or the write fails.
    fn change<T>(doc: &mut AutoCommit, now_ms: i64, f: impl FnOnce(&mut Self) -> Result<T, Error>) -> Result<T, Error> {
        let mut records = Self::load(doc)?;
        let out = f(&mut records)?;
        if records.schema_version() < Self::SCHEMA_VERSION {
            records.set_schema_version(Self::SCHEMA_VERSION);
        }
        write::commit(doc, &records, now_ms)?;
        Ok(out)
    }
}

/// How many times a record was edited: an automerge counter, so concurrent
/// edits add up instead of overwriting each other. Read back and not
/// bumped, it writes nothing (autosurgeon's counter would write an
/// increment of zero: a change for a save that changed nothing).
#[derive(Clone, Default)]
pub struct Revision {
    counter: Counter,
    /// Read from a document rather than made here.
    read: bool,
    bumped: bool,
}

impl Revision {
    /// The current count.
    pub fn value(&self) -> i64 {
        self.counter.value()
    }

    fn bump(&mut self) {
        self.counter.increment(1);
        self.bumped = true;
    }
}

impl PartialEq for Revision {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

impl fmt::Debug for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Revision({})", self.value())
    }
}

/// Sent between the app's screens and its engine as the count alone.
impl Serialize for Revision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.value())
    }
}

impl<'de> Deserialize<'de> for Revision {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self { counter: Counter::with_value(i64::deserialize(d)?), read: false, bumped: false })
    }
}

impl Reconcile for Revision {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, reconciler: R) -> Result<(), R::Error> {
        if self.read && !self.bumped {
            return Ok(());
        }
        self.counter.reconcile(reconciler)
    }
}

impl Hydrate for Revision {
    fn hydrate_counter(c: i64) -> Result<Self, HydrateError> {
        Ok(Self { counter: Counter::hydrate_counter(c)?, read: true, bumped: false })
    }
}

/// A record's edits and removals.
///
/// A removed record stays in its list with a note of the revision it was
/// removed at: an edit made concurrently with the removal raises the revision
/// past it and brings the record back, so neither person's work vanishes
/// without a trace and every device shows the same list.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Life {
    /// Edits so far.
    #[autosurgeon(missing = "Default::default")]
    pub revision: Revision,
    /// The revisions at which people removed the record.
    #[autosurgeon(missing = "Default::default", reconcile = "crate::record::write::list")]
    pub removals: Vec<i64>,
}

impl Life {
    /// Counts an edit.
    pub fn edited(&mut self) {
        self.revision.bump();
    }

    /// Marks the record removed as of its current revision.
    pub fn remove(&mut self) {
        if self.is_active() {
            self.removals.push(self.revision.value());
        }
    }

    /// Whether the record is on its list: never removed, or edited since the
    /// latest removal (by someone who had not seen it).
    pub fn is_active(&self) -> bool {
        self.removals.iter().max().is_none_or(|&at| self.revision.value() > at)
    }
}

/// A record kept in a list of a document.
pub trait Record: Sized {
    /// The fields a person fills in, already checked.
    type Fields: PartialEq;

    /// A new record with these fields.
    fn new(id: Uuid, fields: Self::Fields) -> Self;
    /// Its stable id.
    fn id(&self) -> Uuid;
    /// Its edits and removals.
    fn life(&self) -> &Life;
    /// Its edits and removals, to change.
    fn life_mut(&mut self) -> &mut Life;
    /// The editable fields.
    fn fields(&self) -> Self::Fields;
    /// Writes the editable fields.
    fn set_fields(&mut self, fields: Self::Fields);

    /// Whether it is on its list.
    fn is_active(&self) -> bool {
        self.life().is_active()
    }

    /// Replaces the fields; returns whether anything changed.
    fn update(&mut self, fields: Self::Fields) -> bool {
        if self.fields() == fields {
            return false;
        }
        self.set_fields(fields);
        self.life_mut().edited();
        true
    }
}

/// Operations on a document's list of records.
pub trait RecordList<R: Record> {
    /// Adds a record; returns its new id.
    fn add(&mut self, fields: R::Fields) -> Uuid;
    /// A record by id, removed or not.
    fn by_id(&self, id: Uuid) -> Option<&R>;
    /// A record by id, to change.
    fn by_id_mut(&mut self, id: Uuid) -> Result<&mut R, Error>;
    /// Replaces a record's fields.
    fn update(&mut self, id: Uuid, fields: R::Fields) -> Result<(), Error>;
    /// Removes a record.
    fn remove_record(&mut self, id: Uuid) -> Result<(), Error>;
    /// The records on the list, in stored order.
    fn active(&self) -> Vec<&R>;
}

impl<R: Record> RecordList<R> for Vec<R> {
    fn add(&mut self, fields: R::Fields) -> Uuid {
        let id = Uuid::new_v4();
        self.push(R::new(id, fields));
        id
    }

    fn by_id(&self, id: Uuid) -> Option<&R> {
        self.iter().find(|r| r.id() == id)
    }

    fn by_id_mut(&mut self, id: Uuid) -> Result<&mut R, Error> {
        self.iter_mut().find(|r| r.id() == id).ok_or(Error::NotFound(id))
    }

    fn update(&mut self, id: Uuid, fields: R::Fields) -> Result<(), Error> {
        self.by_id_mut(id)?.update(fields);
        Ok(())
    }

    fn remove_record(&mut self, id: Uuid) -> Result<(), Error> {
        self.by_id_mut(id)?.life_mut().remove();
        Ok(())
    }

    fn active(&self) -> Vec<&R> {
        self.iter().filter(|r| r.is_active()).collect()
    }
}

/// A list holding a record more than once (the same carried record added
/// on two devices) as one: the copy edited most stands.
pub fn one_of_each<R: Record>(list: &mut Vec<R>) {
    let mut kept: Vec<R> = Vec::with_capacity(list.len());
    for record in list.drain(..) {
        match kept.iter_mut().find(|k| k.id() == record.id()) {
            Some(k) if record.life().revision.value() > k.life().revision.value() => *k = record,
            Some(_) => {}
            None => kept.push(record),
        }
    }
    *list = kept;
}

/// Brings a text to `new` by splicing only what differs, so text another
/// device typed into the same field meanwhile survives the merge; an equal
/// text writes nothing.
pub fn set_text(text: &mut autosurgeon::Text, new: &str) {
    if text.as_str() != new {
        text.update(new);
    }
}

/// Serde for a collaborative text field (`#[serde(with = ...)]`): sent
/// between the app's screens and its engine as the text it holds now.
pub mod serde_text {
    use autosurgeon::Text;
    use serde::{Deserialize, Deserializer, Serializer};

    /// The text as a string.
    pub fn serialize<S: Serializer>(text: &Text, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(text.as_str())
    }

    /// A text holding the string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        Ok(Text::with_value(String::deserialize(d)?))
    }
}

/// An edit of a record in a list: add one, change one, or remove one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Edit<F> {
    /// A new record with these fields.
    Add(F),
    /// New fields for a record.
    Update(Uuid, F),
    /// Remove a record.
    Remove(Uuid),
}

impl<F> Edit<F> {
    /// What a form's «Сохранить» means: a new record, or new fields for `id`.
    pub fn save(id: Option<Uuid>, fields: F) -> Self {
        match id {
            None => Self::Add(fields),
            Some(id) => Self::Update(id, fields),
        }
    }

    /// Applies the edit to `list`; returns the record's id.
    pub fn apply<R: Record<Fields = F>>(self, list: &mut Vec<R>) -> Result<Uuid, Error> {
        match self {
            Self::Add(f) => Ok(list.add(f)),
            Self::Update(id, f) => list.update(id, f).map(|()| id),
            Self::Remove(id) => list.remove_record(id).map(|()| id),
        }
    }
}

/// Implements [`Record`] for a struct with `id`, `life` and the fields of its
/// `Fields` type given by name; text fields of type `autosurgeon::Text` are
/// listed after `text:` and updated by splicing, so concurrent typing merges;
/// fields after `rest:` are not edited by the form and start as default.
#[macro_export]
macro_rules! record {
    ($ty:ty, $fields:ident { $($f:ident),* $(,)? } $(, text: { $($t:ident),* $(,)? })? $(, rest: { $($r:ident),* $(,)? })?) => {
        impl $crate::record::Record for $ty {
            type Fields = $fields;

            fn new(id: ::uuid::Uuid, fields: $fields) -> Self {
                Self {
                    id,
                    life: ::core::default::Default::default(),
                    $($f: fields.$f,)*
                    $($($t: ::autosurgeon::Text::with_value(fields.$t),)*)?
                    $($($r: ::core::default::Default::default(),)*)?
                }
            }
            fn id(&self) -> ::uuid::Uuid {
                self.id
            }
            fn life(&self) -> &$crate::record::Life {
                &self.life
            }
            fn life_mut(&mut self) -> &mut $crate::record::Life {
                &mut self.life
            }
            fn fields(&self) -> $fields {
                $fields {
                    $($f: self.$f.clone(),)*
                    $($($t: self.$t.as_str().to_owned(),)*)?
                }
            }
            fn set_fields(&mut self, fields: $fields) {
                $(self.$f = fields.$f;)*
                $($($crate::record::set_text(&mut self.$t, &fields.$t);)*)?
            }
        }
    };
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_damaged_chunk_is_an_error_and_a_repeated_one_is_not() {
        let mut source = new_doc();
        automerge::transaction::Transactable::put(&mut source, automerge::ROOT, "k", 1).unwrap();
        let saved = source.save();
        let mut doc = new_doc();
        assert!(load_chunk(&mut doc, &saved).unwrap() > 0);
        assert_eq!(load_chunk(&mut doc, &saved).unwrap(), 0, "a chunk loaded twice is fine");
        let mut damaged = saved.clone();
        let middle = damaged.len() / 2;
        damaged[middle] ^= 0xff;
        assert!(load_chunk(&mut new_doc(), &damaged).is_err());
        assert!(load_chunk(&mut new_doc(), &[0x85, 0x6f, 0x4a, 0x83, 1, 2, 3]).is_err());

        // Chunks come back in key order, not in the order they were written:
        // a later save read first waits for its dependencies, and is no error.
        let heads = source.get_heads();
        automerge::transaction::Transactable::put(&mut source, automerge::ROOT, "k", 2).unwrap();
        let later = source.save_after(&heads);
        let mut doc = new_doc();
        assert_eq!(load_chunk(&mut doc, &later).unwrap(), 0);
        assert!(load_chunk(&mut doc, &saved).unwrap() > 0);
        assert_eq!(doc.get_heads(), source.get_heads());
    }

    /// Merges each into the other and checks they agree.
    pub(crate) fn merge_both(a: &mut AutoCommit, b: &mut AutoCommit) {
        a.merge(b).unwrap();
        b.merge(a).unwrap();
        assert_eq!(a.get_heads(), b.get_heads());
    }
}

#[cfg(test)]
mod first_changes {
    use crate::perspective::PerspectiveDoc;
    use crate::{AssociationDoc, DocumentId, LibraryDoc};

    /// Every kind of document is first created the same way in every
    /// version (the year's and the district year's are pinned beside
    /// them): a layout that grows brings its lists in a change of its own
    /// (see [`super::created_in_layouts`]), and this test says so.
    #[test]
    fn documents_are_first_created_as_every_version_creates_them() {
        let id = DocumentId::from([7u8; 16]);
        for (mut doc, first) in [
            (AssociationDoc::create(&id), "7a9728d840e92bfaf7700d3c58e9e8da065eefde78300883ed75a5bf00358795"),
            (LibraryDoc::create(&id), "50ea4eecded05a619c1db13ef12bee479aea2517d96378ddd65e54189df70756"),
            (PerspectiveDoc::create(&id), "a31f15413f9c0154019be283a4c41e0c34740873b5251f35320d641ab5a13839"),
        ] {
            assert_eq!(doc.get_changes(&[]).len(), 1);
            assert_eq!(doc.get_heads()[0].to_string(), first);
        }
    }
}
