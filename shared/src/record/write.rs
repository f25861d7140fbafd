//! Writes records into an automerge document: autosurgeon's reconcilers,
//! for `AutoCommit` alone and without their second path.
//!
//! autosurgeon 0.14 writes an object that is new to the document (the first
//! change, an added record, a record whose key changed) by first turning it
//! into an `automerge::hydrate::Value` through a second family of
//! reconcilers, then creating it in one batch. Every record type was then
//! compiled twice, once per family, list diff included: 100 KB of the
//! engine's code, which a phone compiles on every open (BENCHMARKS.md).
//!
//! Here a new object is written field by field, as autosurgeon writes into
//! an object the document already has, so each type is compiled once. The
//! result reads back the same; only the order of operations inside a
//! change differs from autosurgeon's. The one change whose bytes matter,
//! a document's first (the same on every device and in every version), is
//! made as autosurgeon makes it: [`first_value`] gives the same
//! `hydrate::Value` from a scratch document, and automerge creates it in
//! one batch, keys sorted, as before (pinned by `record::first_changes`).
//! A record list's diff ([`list`]) is likewise compiled once for all.

use std::borrow::Cow;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{AutoCommit, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, Value};
use autosurgeon::reconcile::{CounterReconciler, LoadKey, MapReconciler, SeqReconciler, TextReconciler};
use autosurgeon::{Reconcile, ReconcileError, Reconciler};

use crate::Error;

/// Writes `value` as the whole document, changing only what differs, and
/// commits the change stamped `now_ms`. A write that fails is rolled back:
/// the document is left as it was.
pub fn commit<R: Reconcile>(doc: &mut AutoCommit, value: &R, now_ms: i64) -> Result<(), Error> {
    let written = reconcile(doc, value);
    committed(doc, written, now_ms)
}

/// Writes `value` at `key` of the document's root (a new object when its
/// key differs from the one stored there) and commits it as [`commit`] does.
pub fn commit_at<R: Reconcile>(doc: &mut AutoCommit, key: &str, value: &R, now_ms: i64) -> Result<(), Error> {
    let heads = doc.get_heads();
    let written = In { heads: &heads, doc, obj: automerge::ROOT }.put(key, value);
    committed(doc, written, now_ms)
}

/// Commits what was `written` stamped `now_ms`, or rolls it back.
fn committed(doc: &mut AutoCommit, written: Result<(), ReconcileError>, now_ms: i64) -> Result<(), Error> {
    if let Err(e) = written {
        doc.rollback();
        return Err(e.into());
    }
    doc.commit_with(CommitOptions::default().with_time(now_ms));
    Ok(())
}

/// Writes `value` as the whole document, changing only what differs.
fn reconcile<R: Reconcile>(doc: &mut AutoCommit, value: &R) -> Result<(), ReconcileError> {
    let heads = doc.get_heads();
    value.reconcile(At { heads: &heads, doc, obj: automerge::ROOT, action: Action::Root })
}

/// What autosurgeon would create for `value` in an empty document: its
/// `hydrate::Map`, for automerge's batch creation of a first change.
pub fn first_value<R: Reconcile>(value: &R) -> Result<automerge::hydrate::Map, ReconcileError> {
    let mut scratch = super::new_doc();
    reconcile(&mut scratch, value)?;
    match scratch.hydrate(automerge::ROOT, None)? {
        automerge::hydrate::Value::Map(map) => Ok(map),
        _ => Err(ReconcileError::TopLevelNotMap),
    }
}

/// Writes a list as autosurgeon's `Vec` does: the same diff (`similar`'s
/// LCS), items matched by their keys (or, having none, by position), each
/// kept item written into its object, the rest deleted or inserted. Named
/// on a record list's field (`#[autosurgeon(reconcile = ...)]`), so that
/// the diff is compiled once ([`script`]) rather than once per record type.
pub fn list<T: Reconcile, R: Reconciler>(items: &[T], mut reconciler: R) -> Result<(), R::Error> {
    let mut seq = reconciler.seq()?;
    let stored = (0..seq.len()?).map(|i| seq.hydrate_item_key::<T>(i)).collect::<Result<Vec<_>, _>>()?;
    let same = |old: usize, new: usize| match (items[new].key(), &stored[old]) {
        (LoadKey::Found(new), LoadKey::Found(old)) => &new == old,
        (LoadKey::Found(_), _) | (_, LoadKey::Found(_)) => false,
        _ => old == new,
    };
    let mut at = 0;
    for step in script(stored.len(), items.len(), &same) {
        match step {
            Step::Keep(new) => seq.set(at, &items[new])?,
            Step::Delete => {
                seq.delete(at)?;
                continue;
            }
            Step::Insert(new) => seq.insert(at, &items[new])?,
        }
        at += 1;
    }
    Ok(())
}

/// One step of bringing a stored list to a new one, at the current
/// position: keep the stored item there as the new list's item `n`, delete
/// it, or insert the new list's item `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Keep(usize),
    Delete,
    Insert(usize),
}

/// The steps from a stored list of `old` items to a new one of `new`, where
/// `same(o, n)` says stored item `o` is new item `n`: `similar`'s LCS diff,
/// as autosurgeon runs it.
fn script(old: usize, new: usize, same: &dyn Fn(usize, usize) -> bool) -> Vec<Step> {
    struct Old(usize);
    struct New<'s>(usize, &'s dyn Fn(usize, usize) -> bool);
    impl PartialEq<Old> for New<'_> {
        fn eq(&self, old: &Old) -> bool {
            (self.1)(old.0, self.0)
        }
    }
    struct Steps(Vec<Step>);
    impl similar::algorithms::DiffHook for Steps {
        type Error = std::convert::Infallible;
        fn equal(&mut self, _old: usize, new: usize, len: usize) -> Result<(), Self::Error> {
            self.0.extend((new..new + len).map(Step::Keep));
            Ok(())
        }
        fn delete(&mut self, _old: usize, len: usize, _new: usize) -> Result<(), Self::Error> {
            self.0.extend(std::iter::repeat_n(Step::Delete, len));
            Ok(())
        }
        fn insert(&mut self, _old: usize, new: usize, len: usize) -> Result<(), Self::Error> {
            self.0.extend((new..new + len).map(Step::Insert));
            Ok(())
        }
    }
    let olds: Vec<Old> = (0..old).map(Old).collect();
    let news: Vec<New> = (0..new).map(|n| New(n, same)).collect();
    let mut steps = Steps(Vec::with_capacity(old.max(new)));
    let Ok(()) = similar::algorithms::lcs::diff(&mut steps, &olds[..], 0..old, &news[..], 0..new);
    steps.0
}

/// Whether a stored key and a new one name different objects, so the new
/// value is written as a new object rather than into the stored one.
fn differs<K: PartialEq>(stored: LoadKey<K>, new: LoadKey<K>) -> bool {
    match (stored, new) {
        (LoadKey::Found(before), LoadKey::Found(after)) => before != after,
        (LoadKey::Found(_), _) | (_, LoadKey::Found(_)) => true,
        _ => false,
    }
}

/// Where a value is written.
enum Action {
    /// The document's root map.
    Root,
    /// At a key of a map or an index of a list; `create` makes a new object
    /// even where one is stored.
    Put { prop: automerge::Prop, create: bool },
    /// Inserted into a list at this index.
    Insert(usize),
}

/// A value being written at `action` in `obj`.
struct At<'a> {
    heads: &'a [ChangeHash],
    doc: &'a mut AutoCommit,
    obj: ObjId,
    action: Action,
}

impl At<'_> {
    fn scalar(&mut self, value: impl Into<ScalarValue>) -> Result<(), ReconcileError> {
        match &self.action {
            Action::Root => return Err(ReconcileError::TopLevelNotMap),
            Action::Put { prop, .. } => self.doc.put(&self.obj, prop.clone(), value)?,
            Action::Insert(index) => self.doc.insert(&self.obj, *index, value)?,
        }
        Ok(())
    }

    /// The object of type `kind` stored where the value goes, made if there
    /// is none (or another kind, or `create`); whether it was made.
    fn object(&mut self, kind: ObjType) -> Result<(ObjId, bool), ReconcileError> {
        let stored = match &self.action {
            Action::Root if kind == ObjType::Map => return Ok((automerge::ROOT, false)),
            Action::Root => return Err(ReconcileError::TopLevelNotMap),
            Action::Put { prop, create: false } => self.doc.get(&self.obj, prop.clone())?,
            Action::Put { create: true, .. } | Action::Insert(_) => None,
        };
        if let Some((Value::Object(found), id)) = stored
            && found == kind
        {
            return Ok((id, false));
        }
        let made = match &self.action {
            Action::Insert(index) => self.doc.insert_object(&self.obj, *index, kind)?,
            Action::Put { prop, .. } => self.doc.put_object(&self.obj, prop.clone(), kind)?,
            Action::Root => unreachable!("the root returned above"),
        };
        Ok((made, true))
    }
}

impl<'a> Reconciler for At<'a> {
    type Error = ReconcileError;
    type Map<'b>
        = In<'b>
    where
        Self: 'b;
    type Seq<'b>
        = In<'b>
    where
        Self: 'b;
    type Text<'b>
        = In<'b>
    where
        Self: 'b;
    type Counter<'b>
        = AtCounter<'b, 'a>
    where
        Self: 'b;

    fn none(&mut self) -> Result<(), Self::Error> {
        self.scalar(ScalarValue::Null)
    }

    fn bytes<B: AsRef<[u8]>>(&mut self, value: B) -> Result<(), Self::Error> {
        self.scalar(value.as_ref().to_vec())
    }

    fn timestamp(&mut self, value: i64) -> Result<(), Self::Error> {
        self.scalar(ScalarValue::Timestamp(value))
    }

    fn boolean(&mut self, value: bool) -> Result<(), Self::Error> {
        self.scalar(value)
    }

    fn str<S: AsRef<str>>(&mut self, value: S) -> Result<(), Self::Error> {
        self.scalar(value.as_ref())
    }

    fn u64(&mut self, value: u64) -> Result<(), Self::Error> {
        self.scalar(value)
    }

    fn i64(&mut self, value: i64) -> Result<(), Self::Error> {
        self.scalar(value)
    }

    fn f64(&mut self, value: f64) -> Result<(), Self::Error> {
        self.scalar(value)
    }

    fn map(&mut self) -> Result<In<'_>, Self::Error> {
        let (obj, _) = self.object(ObjType::Map)?;
        Ok(In { heads: self.heads, doc: self.doc, obj })
    }

    fn seq(&mut self) -> Result<In<'_>, Self::Error> {
        let (obj, _) = self.object(ObjType::List)?;
        Ok(In { heads: self.heads, doc: self.doc, obj })
    }

    /// A text read from the document writes only its edits, made against
    /// the heads it was read at. Into a new text object (a record moved in
    /// its list) those edits would leave it empty, so a new object has no
    /// heads and such a text is refused as stale: an error for the change,
    /// where autosurgeon's own writer panics.
    fn text(&mut self) -> Result<In<'_>, Self::Error> {
        let (obj, made) = self.object(ObjType::Text)?;
        Ok(In { heads: if made { &[] } else { self.heads }, doc: self.doc, obj })
    }

    fn counter(&mut self) -> Result<AtCounter<'_, 'a>, Self::Error> {
        if let Action::Root = self.action {
            return Err(ReconcileError::TopLevelNotMap);
        }
        Ok(AtCounter { at: self })
    }

    fn heads(&self) -> &[ChangeHash] {
        self.heads
    }
}

/// A counter being written.
struct AtCounter<'b, 'a> {
    at: &'b mut At<'a>,
}

impl CounterReconciler for AtCounter<'_, '_> {
    type Error = ReconcileError;

    fn increment(&mut self, by: i64) -> Result<(), Self::Error> {
        let at = &mut *self.at;
        if let Action::Put { prop, .. } = &at.action
            && let Some((Value::Scalar(s), _)) = at.doc.get(&at.obj, prop.clone())?
            && let ScalarValue::Counter(_) = s.as_ref()
        {
            at.doc.increment(&at.obj, prop.clone(), by)?;
            return Ok(());
        }
        at.scalar(ScalarValue::counter(by))
    }

    fn set(&mut self, value: i64) -> Result<(), Self::Error> {
        self.at.scalar(ScalarValue::counter(value))
    }
}

/// A map, a list or a text being written.
struct In<'b> {
    heads: &'b [ChangeHash],
    doc: &'b mut AutoCommit,
    obj: ObjId,
}

impl In<'_> {
    /// Writes `value` at `action` in this object.
    fn write<R: Reconcile>(&mut self, action: Action, value: R) -> Result<(), ReconcileError> {
        value.reconcile(At { heads: self.heads, doc: self.doc, obj: self.obj.clone(), action })
    }
}

/// A map's entries as autosurgeon hands them to a `Reconcile`.
struct Entries<'b>(automerge::iter::MapRange<'b>);

impl<'b> Iterator for Entries<'b> {
    type Item = (Cow<'b, str>, automerge::ValueRef<'b>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|item| (item.key, item.value))
    }
}

impl MapReconciler for In<'_> {
    type Error = ReconcileError;
    type EntriesIter<'c>
        = Entries<'c>
    where
        Self: 'c;

    fn entries(&self) -> Entries<'_> {
        Entries(self.doc.map_range(&self.obj, ..))
    }

    fn entry<P: AsRef<str>>(&self, prop: P) -> Option<Value<'_>> {
        self.doc.get(&self.obj, prop.as_ref()).ok().flatten().map(|(v, _)| v)
    }

    fn put<R: Reconcile, P: AsRef<str>>(&mut self, prop: P, value: R) -> Result<(), Self::Error> {
        let create = differs(self.hydrate_entry_key::<R, _>(prop.as_ref())?, value.key());
        self.write(Action::Put { prop: prop.as_ref().into(), create }, value)
    }

    fn delete<P: AsRef<str>>(&mut self, prop: P) -> Result<(), Self::Error> {
        Ok(self.doc.delete(&self.obj, prop.as_ref())?)
    }

    fn hydrate_entry_key<'c, R: Reconcile, P: AsRef<str>>(&self, prop: P) -> Result<LoadKey<R::Key<'c>>, Self::Error> {
        R::hydrate_key(self.doc, &self.obj, prop.as_ref().into())
    }
}

/// A list's items as autosurgeon hands them to a `Reconcile`.
struct Items<'b>(automerge::iter::ListRange<'b>);

impl<'b> Iterator for Items<'b> {
    type Item = automerge::ValueRef<'b>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|item| item.value)
    }
}

impl SeqReconciler for In<'_> {
    type Error = ReconcileError;
    type ItemIter<'c>
        = Items<'c>
    where
        Self: 'c;

    fn items(&self) -> Items<'_> {
        Items(self.doc.list_range(&self.obj, ..))
    }

    fn get(&self, index: usize) -> Result<Option<Value<'_>>, Self::Error> {
        Ok(self.doc.get(&self.obj, index)?.map(|(v, _)| v))
    }

    fn hydrate_item_key<'c, R: Reconcile>(&self, index: usize) -> Result<LoadKey<R::Key<'c>>, Self::Error> {
        if self.doc.get(&self.obj, index)?.is_none() {
            return Ok(LoadKey::KeyNotFound);
        }
        R::hydrate_key(self.doc, &self.obj, index.into())
    }

    fn insert<R: Reconcile>(&mut self, index: usize, value: R) -> Result<(), Self::Error> {
        self.write(Action::Insert(index), value)
    }

    fn set<R: Reconcile>(&mut self, index: usize, value: R) -> Result<(), Self::Error> {
        let create = differs(self.hydrate_item_key::<R>(index)?, value.key());
        self.write(Action::Put { prop: index.into(), create }, value)
    }

    fn delete(&mut self, index: usize) -> Result<(), Self::Error> {
        Ok(self.doc.delete(&self.obj, index)?)
    }

    fn len(&self) -> Result<usize, Self::Error> {
        Ok(self.doc.length(&self.obj))
    }
}

impl TextReconciler for In<'_> {
    type Error = ReconcileError;

    fn splice<S: AsRef<str>>(&mut self, pos: usize, delete: isize, insert: S) -> Result<(), Self::Error> {
        Ok(self.doc.splice_text(&self.obj, pos, delete, insert.as_ref())?)
    }

    fn heads(&self) -> &[ChangeHash] {
        self.heads
    }

    fn update<S: AsRef<str>>(&mut self, new_text: S) -> Result<(), Self::Error> {
        Ok(self.doc.update_text(&self.obj, new_text.as_ref())?)
    }
}

#[cfg(test)]
mod tests {
    use crate::record::new_doc;
    use automerge::{AutoCommit, ReadDoc};
    use autosurgeon::{Counter, Hydrate, Reconcile, Text};
    use proptest::prelude::*;

    /// Records whose lists this module writes.
    #[derive(Debug, Clone, Default, Reconcile, Hydrate)]
    struct Records {
        version: u64,
        note: Option<String>,
        #[autosurgeon(reconcile = "super::list")]
        items: Vec<Item>,
        #[autosurgeon(reconcile = "super::list")]
        tags: Vec<String>,
    }

    /// The same records with autosurgeon's own lists.
    #[derive(Debug, Clone, Default, Reconcile, Hydrate)]
    struct Plain {
        version: u64,
        note: Option<String>,
        items: Vec<Item>,
        tags: Vec<String>,
    }

    impl From<Plain> for Records {
        fn from(Plain { version, note, items, tags }: Plain) -> Self {
            Self { version, note, items, tags }
        }
    }

    impl From<Records> for Plain {
        fn from(Records { version, note, items, tags }: Records) -> Self {
            Self { version, note, items, tags }
        }
    }

    #[derive(Debug, Clone, Reconcile, Hydrate)]
    struct Item {
        #[key]
        id: u8,
        name: String,
        text: Text,
        edits: Counter,
        part: Option<Part>,
        flag: bool,
    }

    #[derive(Debug, Clone, Reconcile, Hydrate)]
    struct Part {
        #[key]
        code: String,
        size: i64,
    }

    /// One state of the records: items by id with a name, a text, a part's
    /// code; a note; tags.
    type State = (Vec<(u8, String, String, Option<String>)>, Option<String>, Vec<String>);

    /// `records` (as read from a document) brought to `state` as the app
    /// changes a list: records stay in their order, new ones are added at
    /// the end, and each is edited as a form edits it, keeping its text and
    /// counter. (autosurgeon panics on a moved record with a text.)
    fn brought_to(records: Records, (items, note, tags): &State) -> Records {
        let wanted = |id: u8| items.iter().find(|i| i.0 == id);
        let mut next: Vec<Item> = records.items.into_iter().filter(|i| wanted(i.id).is_some()).collect();
        for (id, ..) in items {
            if !next.iter().any(|i| i.id == *id) {
                next.push(Item {
                    id: *id,
                    name: String::new(),
                    text: Text::with_value(""),
                    edits: Counter::default(),
                    part: None,
                    flag: false,
                });
            }
        }
        for item in &mut next {
            let (_, name, text, part) = wanted(item.id).expect("kept or added above");
            item.name.clone_from(name);
            crate::record::set_text(&mut item.text, text);
            item.edits.increment(1);
            item.part = part.as_ref().map(|code| Part { code: code.clone(), size: text.len() as i64 });
            item.flag = !item.flag;
        }
        Records { version: records.version + 1, note: note.clone(), items: next, tags: tags.clone() }
    }

    fn state() -> impl Strategy<Value = State> {
        let item = (0..6_u8, "[аб]{0,3}", "[a-zё ]{0,6}", prop::option::of("[xy]"));
        (
            prop::collection::vec(item, 0..5).prop_map(|mut v| {
                v.sort_by_key(|i| i.0);
                v.dedup_by_key(|i| i.0);
                v
            }),
            prop::option::of("[нм]{0,2}"),
            prop::collection::vec("[пр]", 0..4),
        )
    }

    proptest! {
        /// Whatever the records go through, this writer and its lists leave
        /// the document holding what autosurgeon's own leave.
        #[test]
        fn writes_what_autosurgeon_writes(states in prop::collection::vec(state(), 1..6)) {
            let mut ours = new_doc();
            let mut theirs = new_doc();
            super::reconcile(&mut ours, &Records::default()).unwrap();
            autosurgeon::reconcile(&mut theirs, Plain::default()).unwrap();
            for state in &states {
                let next = brought_to(autosurgeon::hydrate(&ours).unwrap(), state);
                super::reconcile(&mut ours, &next).unwrap();
                let next = brought_to(autosurgeon::hydrate::<_, Plain>(&theirs).unwrap().into(), state);
                autosurgeon::reconcile(&mut theirs, Plain::from(next)).unwrap();
                ours.commit();
                theirs.commit();
                prop_assert_eq!(ours.hydrate(automerge::ROOT, None).unwrap(), theirs.hydrate(automerge::ROOT, None).unwrap());
            }
        }

        /// A first change's records come out as autosurgeon builds them.
        #[test]
        fn a_first_value_is_autosurgeons(state in state()) {
            let records = brought_to(Records::default(), &state);
            let actor = automerge::ActorId::from(&[7_u8; 16][..]);
            let mut theirs = new_doc().with_actor(actor.clone());
            autosurgeon::reconcile(&mut theirs, Plain::from(records.clone())).unwrap();
            let mut ours = new_doc().with_actor(actor);
            automerge::transaction::Transactable::init_root_from_hydrate(&mut ours, &super::first_value(&records).unwrap()).unwrap();
            ours.commit();
            theirs.commit();
            prop_assert_eq!(ours.save(), theirs.save());
        }
    }

    #[test]
    fn a_moved_record_with_a_text_is_refused_not_emptied() {
        let mut doc = new_doc();
        let two =
            (vec![(0, String::new(), "первый".into(), None), (1, String::new(), "второй".into(), None)], None, vec![]);
        super::commit(&mut doc, &brought_to(Records::default(), &two), 0).unwrap();
        let (heads, before) = (doc.get_heads(), doc.hydrate(automerge::ROOT, None).unwrap());
        let mut moved: Records = autosurgeon::hydrate(&doc).unwrap();
        moved.items.reverse();
        let refused = super::commit(&mut doc, &moved, 1);
        assert!(
            matches!(refused, Err(crate::Error::Reconcile(autosurgeon::ReconcileError::StaleHeads(_)))),
            "{refused:?}"
        );
        assert_eq!(doc.get_heads(), heads, "nothing committed");
        assert_eq!(doc.hydrate(automerge::ROOT, None).unwrap(), before, "nothing written: both texts are there");
    }

    /// The steps autosurgeon's own list took for these keys (seen through
    /// this module's list reconciler): `similar`'s LCS does not find the
    /// longest match here, and the same diff must not either.
    #[test]
    fn the_script_is_autosurgeons() {
        use super::Step::{Delete, Insert, Keep};
        let (old, new) = ([1, 4, 5], [1, 2, 4]);
        let same = |o: usize, n: usize| old[o] == new[n];
        assert_eq!(super::script(3, 3, &same), [Keep(0), Delete, Delete, Insert(1), Insert(2)]);
        assert_eq!(super::script(0, 2, &same), [Insert(0), Insert(1)]);
        assert_eq!(super::script(3, 0, &same), [Delete, Delete, Delete]);
    }

    #[test]
    fn a_key_under_the_root_writes_into_what_is_stored() {
        let mut doc = AutoCommit::new();
        let part = Part { code: "x".into(), size: 1 };
        super::commit_at(&mut doc, "part", &part, 0).unwrap();
        let stored = doc.get(automerge::ROOT, "part").unwrap().unwrap().1;
        super::commit_at(&mut doc, "part", &Part { size: 2, ..part }, 0).unwrap();
        assert_eq!(doc.get(automerge::ROOT, "part").unwrap().unwrap().1, stored, "same key, same object");
        super::commit_at(&mut doc, "part", &Part { code: "y".into(), size: 3 }, 0).unwrap();
        assert_ne!(doc.get(automerge::ROOT, "part").unwrap().unwrap().1, stored, "another key, a new object");
        let read: Part = autosurgeon::hydrate_prop(&doc, automerge::ROOT, "part").unwrap();
        assert_eq!((read.code.as_str(), read.size), ("y", 3));
    }
}
