//! The association document: one automerge document per school МО holding
//! its member list (later also its profile and the index of its other
//! documents), with the operations the UI performs on it.
//!
//! Every operation reads the records out of the document, changes them, and
//! writes them back with autosurgeon, which touches only what changed, so
//! two people editing different fields of one member offline both keep their
//! edits after a merge.

use automerge::AutoCommit;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::member::{Member, MemberFields};
use crate::record::{Document, Edit, Record, RecordList};
use crate::{AcademicYear, Date, DocumentId, Error};

/// The newest document layout this build reads and writes (2: members with
/// categories, courses and mentors).
pub const SCHEMA_VERSION: u64 = 2;

/// The records of one association.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct AssociationDoc {
    /// Layout version; a client never rewrites a newer one.
    #[autosurgeon(hydrate = "crate::lenient::whole")]
    pub schema_version: u64,
    /// Every member ever added, removed ones included (see [`Member::is_active`]).
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub members: Vec<Member>,
}

impl Document for AssociationDoc {
    const SCHEMA_VERSION: u64 = SCHEMA_VERSION;

    fn schema_version(&self) -> u64 {
        self.schema_version
    }

    fn set_schema_version(&mut self, version: u64) {
        self.schema_version = version;
    }
}

impl AssociationDoc {
    /// A new association document with the id `id` (see [`Document::create_with`]).
    pub fn create(id: &DocumentId) -> AutoCommit {
        Self::create_with(id, &Self { schema_version: 1, members: Vec::new() })
    }

    /// Members on the list, in alphabetical order of ФИО.
    pub fn active_members(&self) -> Vec<&Member> {
        let mut list = self.members.active();
        list.sort_by_cached_key(|m| crate::text::fold(&m.full_name));
        list
    }

    /// Members on the list on `day`, in alphabetical order of ФИО: those
    /// who left since are on it, those who joined since are not.
    pub fn members_on(&self, day: Date) -> Vec<&Member> {
        let mut list: Vec<&Member> = self.members.iter().filter(|m| m.on_list(day)).collect();
        list.sort_by_cached_key(|m| crate::text::fold(&m.full_name));
        list
    }

    /// A member's ФИО as it is, whether on the list now or not: for records
    /// of the past, where whoever was there is named plainly.
    pub fn full_name(&self, id: Option<Uuid>) -> String {
        id.and_then(|id| self.member(id)).map_or_else(|| "—".to_owned(), |m| m.full_name.clone())
    }

    /// A member by id, removed or not.
    pub fn member(&self, id: Uuid) -> Option<&Member> {
        self.members.by_id(id)
    }

    /// A member's ФИО, or a dash for nobody; «(удалён)» marks a removed one.
    pub fn name_of(&self, id: Option<Uuid>) -> String {
        match id.and_then(|id| self.member(id)) {
            Some(m) if m.is_active() => m.full_name.clone(),
            Some(m) => format!("{} (удалён из списка)", m.full_name),
            None => "—".into(),
        }
    }

    /// Short form «Иванова М. П.».
    pub fn initials_of(&self, id: Option<Uuid>) -> String {
        match id.and_then(|id| self.member(id)) {
            Some(m) => initials(&m.full_name),
            None => "—".into(),
        }
    }

    /// Adds, edits or removes a member; `now_ms` stamps the change. Saving
    /// unchanged fields writes nothing. Returns the member's id.
    /// An added member joins the list on the day of `now_ms`; a removed one
    /// leaves it then, and comes back when edited again.
    pub fn edit_member(doc: &mut AutoCommit, edit: Edit<MemberFields>, now_ms: i64) -> Result<Uuid, Error> {
        let day = Date::from_unix_ms(now_ms);
        let this_year = AcademicYear::of(day).0.unsigned_abs();
        Self::change(doc, now_ms, |records| {
            let was = match &edit {
                Edit::Add(_) => None,
                Edit::Update(id, _) | Edit::Remove(id) => {
                    records.members.by_id(*id).map(|m| (m.is_active(), m.experience_years))
                }
            };
            let id = edit.apply(&mut records.members)?;
            let member = records.members.by_id_mut(id)?;
            match was {
                None => member.joined = Some(day),
                Some((true, _)) if !member.is_active() => member.left = Some(day),
                Some(_) => {}
            }
            // A стаж typed counts for the year it was typed in, or for the
            // later one it had been counted forward to.
            if was.is_none_or(|(_, years)| years != member.experience_years) {
                member.experience_year = Some(member.experience_year.unwrap_or_default().max(this_year));
            }
            Ok(id)
        })
    }
}

/// «Иванова Мария Петровна» → «Иванова М. П.».
pub fn initials(full_name: &str) -> String {
    let mut words = full_name.split_whitespace();
    let Some(surname) = words.next() else { return String::new() };
    let rest: Vec<String> = words.filter_map(|w| w.chars().next()).map(|c| format!("{c}.")).collect();
    if rest.is_empty() { surname.to_owned() } else { format!("{surname} {}", rest.join(" ")) }
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
            ..MemberFields::default()
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
        AssociationDoc::edit_member(&mut a, Edit::Add(fields("Петров Пётр")), 1).unwrap();
        AssociationDoc::edit_member(&mut b, Edit::Add(fields("Алексеева Анна")), 2).unwrap();
        a.merge(&mut b).unwrap();
        assert_eq!(names(&a), ["Алексеева Анна", "Петров Пётр"]);
    }

    #[test]
    fn concurrent_edits_to_different_fields_of_one_member_both_survive() {
        let (mut a, mut b) = two_devices();
        let id = AssociationDoc::edit_member(&mut a, Edit::Add(fields("Петров Пётр")), 1).unwrap();
        b.merge(&mut a).unwrap();

        let mut on_a = fields("Петров Пётр");
        on_a.position = "учитель физики".into();
        AssociationDoc::edit_member(&mut a, Edit::Update(id, on_a), 2).unwrap();
        let mut on_b = fields("Петров Пётр");
        on_b.experience_years = 11;
        AssociationDoc::edit_member(&mut b, Edit::Update(id, on_b), 3).unwrap();

        a.merge(&mut b).unwrap();
        b.merge(&mut a).unwrap();
        for doc in [&a, &b] {
            let records = AssociationDoc::load(doc).unwrap();
            let m = records.member(id).unwrap();
            assert_eq!(m.position, "учитель физики");
            assert_eq!(m.experience_years, 11);
            assert_eq!(m.life.revision.value(), 2);
        }
    }

    #[test]
    fn an_edit_concurrent_with_a_removal_keeps_the_member_with_the_edit() {
        let (mut a, mut b) = two_devices();
        let id = AssociationDoc::edit_member(&mut a, Edit::Add(fields("Петров Пётр")), 1).unwrap();
        b.merge(&mut a).unwrap();

        AssociationDoc::edit_member(&mut a, Edit::Remove(id), 2).unwrap();
        let mut edited = fields("Петров Пётр");
        edited.class_led = "8Б".into();
        AssociationDoc::edit_member(&mut b, Edit::Update(id, edited), 3).unwrap();

        a.merge(&mut b).unwrap();
        b.merge(&mut a).unwrap();
        assert_eq!(a.get_heads(), b.get_heads());
        for doc in [&a, &b] {
            let records = AssociationDoc::load(doc).unwrap();
            assert_eq!(records.active_members().len(), 1);
            assert_eq!(records.member(id).unwrap().class_led, "8Б");
        }

        // Removing it again, having seen the edit, removes it everywhere.
        AssociationDoc::edit_member(&mut a, Edit::Remove(id), 4).unwrap();
        b.merge(&mut a).unwrap();
        assert!(names(&b).is_empty());
    }

    #[test]
    fn two_removals_of_one_member_leave_it_removed() {
        let (mut a, mut b) = two_devices();
        let id = AssociationDoc::edit_member(&mut a, Edit::Add(fields("Петров Пётр")), 1).unwrap();
        b.merge(&mut a).unwrap();
        AssociationDoc::edit_member(&mut b, Edit::Update(id, fields("Петров Пётр Ильич")), 2).unwrap();
        AssociationDoc::edit_member(&mut b, Edit::Remove(id), 3).unwrap();
        AssociationDoc::edit_member(&mut a, Edit::Remove(id), 4).unwrap();
        a.merge(&mut b).unwrap();
        assert!(names(&a).is_empty());
    }

    #[test]
    fn a_document_from_a_newer_version_is_refused_for_writing() {
        let (mut a, _) = two_devices();
        autosurgeon::reconcile_prop(&mut a, automerge::ROOT, "schema_version", SCHEMA_VERSION + 1).unwrap();
        a.commit();
        assert!(AssociationDoc::load_any(&a).unwrap().is_newer_layout());
        let before = a.get_heads();
        assert!(matches!(
            AssociationDoc::edit_member(&mut a, Edit::Add(fields("Петров Пётр")), 1),
            Err(Error::NewerSchema { .. })
        ));
        assert_eq!(a.get_heads(), before, "nothing was written");
    }

    #[test]
    fn editing_a_member_that_does_not_exist_writes_nothing() {
        let (mut a, _) = two_devices();
        let before = a.get_heads();
        assert!(matches!(
            AssociationDoc::edit_member(&mut a, Edit::Update(Uuid::new_v4(), fields("Петров Пётр")), 1),
            Err(Error::NotFound(_))
        ));
        assert_eq!(a.get_heads(), before);
    }
}
