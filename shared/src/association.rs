//! The association document: one automerge document per school МО holding
//! its member list (later also its profile and the index of its other
//! documents), with the operations the UI performs on it.
//!
//! Every operation reads the records out of the document, changes them, and
//! writes them back with autosurgeon, which touches only what changed, so
//! two people editing different fields of one member offline both keep their
//! edits after a merge.

use automerge::transaction::CommitOptions;
use automerge::{ActorId, AutoCommit};
use autosurgeon::{Hydrate, Reconcile, hydrate, reconcile};
use uuid::Uuid;

use crate::member::{Member, MemberFields};
use crate::{DocumentId, Error};

/// The newest document layout this build reads and writes.
pub const SCHEMA_VERSION: u64 = 1;

/// The records of one association.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct AssociationDoc {
    /// Layout version; a client never rewrites a newer one.
    #[autosurgeon(hydrate = "crate::lenient::whole")]
    pub schema_version: u64,
    /// Every member ever added, removed ones included (see [`Member::is_active`]).
    pub members: Vec<Member>,
}

impl AssociationDoc {
    /// A new association document with the id `id`.
    ///
    /// The first change is the same bytes on every device (actor derived from
    /// the id, time zero), so peers that create the document offline share
    /// one `members` list instead of each making their own and losing one in
    /// the merge. That change must never differ between versions: later
    /// layouts migrate in changes of their own.
    pub fn create(id: &DocumentId) -> AutoCommit {
        let mut doc = AutoCommit::new().with_actor(ActorId::from(&id.as_bytes()[..]));
        let empty = AssociationDoc { schema_version: 1, members: Vec::new() };
        reconcile(&mut doc, &empty).expect("an empty document accepts any records");
        doc.commit_with(CommitOptions::default().with_time(0));
        doc.set_actor(ActorId::random());
        doc
    }

    /// Reads the records out of `doc`.
    pub fn load(doc: &AutoCommit) -> Result<Self, Error> {
        let records: Self = hydrate(doc)?;
        if records.schema_version > SCHEMA_VERSION {
            return Err(Error::NewerSchema { found: records.schema_version, supported: SCHEMA_VERSION });
        }
        Ok(records)
    }

    /// Whether `doc` was written by a newer version of the program, so this
    /// one must show it read-only.
    pub fn is_newer(doc: &AutoCommit) -> bool {
        matches!(Self::load(doc), Err(Error::NewerSchema { .. }))
    }

    /// Members on the list, in alphabetical order of ФИО.
    pub fn active_members(&self) -> Vec<&Member> {
        let mut list: Vec<&Member> = self.members.iter().filter(|m| m.is_active()).collect();
        list.sort_by_cached_key(|m| m.full_name.to_lowercase().replace('ё', "е"));
        list
    }

    /// A member by id, removed or not.
    pub fn member(&self, id: Uuid) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    /// Adds a member; `now_ms` stamps the change. Returns the new id.
    pub fn add_member(doc: &mut AutoCommit, fields: MemberFields, now_ms: i64) -> Result<Uuid, Error> {
        let id = Uuid::new_v4();
        Self::change(doc, now_ms, |records| {
            records.members.push(Member::new(id, fields));
            Ok(())
        })?;
        Ok(id)
    }

    /// Replaces a member's fields; saving unchanged fields writes nothing.
    pub fn update_member(doc: &mut AutoCommit, id: Uuid, fields: MemberFields, now_ms: i64) -> Result<(), Error> {
        Self::change(doc, now_ms, |records| {
            records.member_mut(id)?.update(fields);
            Ok(())
        })
    }

    /// Removes a member from the list.
    pub fn remove_member(doc: &mut AutoCommit, id: Uuid, now_ms: i64) -> Result<(), Error> {
        Self::change(doc, now_ms, |records| {
            records.member_mut(id)?.remove();
            Ok(())
        })
    }

    fn member_mut(&mut self, id: Uuid) -> Result<&mut Member, Error> {
        self.members.iter_mut().find(|m| m.id == id).ok_or(Error::NotFound(id))
    }

    /// Reads, changes and writes back the records as one commit; nothing is
    /// written if the change fails.
    fn change(doc: &mut AutoCommit, now_ms: i64, f: impl FnOnce(&mut Self) -> Result<(), Error>) -> Result<(), Error> {
        let mut records = Self::load(doc)?;
        f(&mut records)?;
        if let Err(e) = reconcile(doc, &records) {
            doc.rollback();
            return Err(e.into());
        }
        doc.commit_with(CommitOptions::default().with_time(now_ms));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::member::{Category, Education};

    fn fields(name: &str) -> MemberFields {
        MemberFields {
            full_name: name.into(),
            position: "учитель истории".into(),
            class_led: "7Б".into(),
            education: Education::HigherPedagogical,
            category: Category::First,
            experience_years: 10,
        }
    }

    /// Two devices that created the same document offline, each with its own actor.
    fn two_devices() -> (AutoCommit, AutoCommit) {
        let id = DocumentId::random();
        (AssociationDoc::create(&id), AssociationDoc::create(&id))
    }

    fn names(doc: &AutoCommit) -> Vec<String> {
        AssociationDoc::load(doc).unwrap().active_members().iter().map(|m| m.full_name.clone()).collect()
    }

    #[test]
    fn documents_created_offline_on_two_devices_share_one_member_list() {
        let (mut a, mut b) = two_devices();
        assert_eq!(a.get_heads(), b.get_heads());
        AssociationDoc::add_member(&mut a, fields("Петров Пётр"), 1).unwrap();
        AssociationDoc::add_member(&mut b, fields("Алексеева Анна"), 2).unwrap();
        a.merge(&mut b).unwrap();
        assert_eq!(names(&a), ["Алексеева Анна", "Петров Пётр"]);
    }

    #[test]
    fn concurrent_edits_to_different_fields_of_one_member_both_survive() {
        let (mut a, mut b) = two_devices();
        let id = AssociationDoc::add_member(&mut a, fields("Петров Пётр"), 1).unwrap();
        b.merge(&mut a).unwrap();

        let mut on_a = fields("Петров Пётр");
        on_a.position = "учитель физики".into();
        AssociationDoc::update_member(&mut a, id, on_a, 2).unwrap();
        let mut on_b = fields("Петров Пётр");
        on_b.experience_years = 11;
        AssociationDoc::update_member(&mut b, id, on_b, 3).unwrap();

        a.merge(&mut b).unwrap();
        b.merge(&mut a).unwrap();
        for doc in [&a, &b] {
            let records = AssociationDoc::load(doc).unwrap();
            let m = records.member(id).unwrap();
            assert_eq!(m.position, "учитель физики");
            assert_eq!(m.experience_years, 11);
            assert_eq!(m.revision.value(), 2);
        }
    }

    #[test]
    fn an_edit_concurrent_with_a_removal_keeps_the_member_with_the_edit() {
        let (mut a, mut b) = two_devices();
        let id = AssociationDoc::add_member(&mut a, fields("Петров Пётр"), 1).unwrap();
        b.merge(&mut a).unwrap();

        AssociationDoc::remove_member(&mut a, id, 2).unwrap();
        let mut edited = fields("Петров Пётр");
        edited.class_led = "8Б".into();
        AssociationDoc::update_member(&mut b, id, edited, 3).unwrap();

        a.merge(&mut b).unwrap();
        b.merge(&mut a).unwrap();
        assert_eq!(a.get_heads(), b.get_heads());
        for doc in [&a, &b] {
            let records = AssociationDoc::load(doc).unwrap();
            assert_eq!(records.active_members().len(), 1);
            assert_eq!(records.member(id).unwrap().class_led, "8Б");
        }

        // Removing it again, having seen the edit, removes it everywhere.
        AssociationDoc::remove_member(&mut a, id, 4).unwrap();
        b.merge(&mut a).unwrap();
        assert!(names(&b).is_empty());
    }

    #[test]
    fn two_removals_of_one_member_leave_it_removed() {
        let (mut a, mut b) = two_devices();
        let id = AssociationDoc::add_member(&mut a, fields("Петров Пётр"), 1).unwrap();
        b.merge(&mut a).unwrap();
        AssociationDoc::update_member(&mut b, id, fields("Петров Пётр Ильич"), 2).unwrap();
        AssociationDoc::remove_member(&mut b, id, 3).unwrap();
        AssociationDoc::remove_member(&mut a, id, 4).unwrap();
        a.merge(&mut b).unwrap();
        assert!(names(&a).is_empty());
    }

    #[test]
    fn a_document_from_a_newer_version_is_refused_for_writing() {
        let (mut a, _) = two_devices();
        autosurgeon::reconcile_prop(&mut a, automerge::ROOT, "schema_version", SCHEMA_VERSION + 1).unwrap();
        a.commit();
        assert!(AssociationDoc::is_newer(&a));
        let before = a.get_heads();
        assert!(matches!(AssociationDoc::add_member(&mut a, fields("Петров Пётр"), 1), Err(Error::NewerSchema { .. })));
        assert_eq!(a.get_heads(), before, "nothing was written");
    }

    #[test]
    fn editing_a_member_that_does_not_exist_writes_nothing() {
        let (mut a, _) = two_devices();
        let before = a.get_heads();
        assert!(matches!(
            AssociationDoc::update_member(&mut a, Uuid::new_v4(), fields("Петров Пётр"), 1),
            Err(Error::NotFound(_))
        ));
        assert_eq!(a.get_heads(), before);
    }
}
