//! What a school МО keeps from year to year, one automerge document: the
//! regulatory documents with their acknowledgement sheets, and the
//! методическая копилка (the catalogue of members' materials).

use automerge::AutoCommit;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::{AcademicYear, Date};
use crate::files::Attachment;
use crate::kopilka::{Material, MaterialFields, MaterialQuery};
use crate::record::{Document, Edit, RecordList};
use crate::regulation::{Regulation, RegulationFields};
use crate::text::fold;
use crate::{DocumentId, Error};

/// The newest layout of a library document this build reads and writes.
pub const LIBRARY_SCHEMA_VERSION: u64 = 1;

/// Regulations and materials of one association.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct LibraryDoc {
    /// Layout version; a client never rewrites a newer one.
    #[autosurgeon(hydrate = "crate::lenient::whole")]
    pub schema_version: u64,
    /// инструктивно-методические документы
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub regulations: Vec<Regulation>,
    /// методическая копилка
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub materials: Vec<Material>,
}

impl Document for LibraryDoc {
    const SCHEMA_VERSION: u64 = LIBRARY_SCHEMA_VERSION;

    fn schema_version(&self) -> u64 {
        self.schema_version
    }

    fn set_schema_version(&mut self, version: u64) {
        self.schema_version = version;
    }
}

impl LibraryDoc {
    /// The id of `association`'s library document.
    pub fn id_for(association: &DocumentId) -> DocumentId {
        association.derive("library")
    }

    /// A new, empty library (see [`Document::create_with`]).
    pub fn create(association: &DocumentId) -> AutoCommit {
        let empty = Self { schema_version: 1, regulations: Vec::new(), materials: Vec::new() };
        Self::create_with(&Self::id_for(association), &empty)
    }

    /// Regulations on the list, newest first.
    pub fn regulation_list(&self) -> Vec<&Regulation> {
        let mut list = self.regulations.active();
        list.sort_by_key(|r| std::cmp::Reverse(r.date));
        list
    }

    /// Materials matching `query`, by title.
    pub fn search(&self, query: &MaterialQuery) -> Vec<&Material> {
        let mut list: Vec<&Material> = self.materials.active().into_iter().filter(|m| query.matches(m)).collect();
        list.sort_by_cached_key(|m| fold(&m.title));
        list
    }

    /// Adds, edits or removes a regulation; returns its id.
    pub fn edit_regulation(doc: &mut AutoCommit, edit: Edit<RegulationFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |l| edit.apply(&mut l.regulations))
    }

    /// `member` marks `regulation` read on `day` (the first mark stays);
    /// `entered_by` names whoever entered an acknowledgement given on paper.
    pub fn acknowledge(
        doc: &mut AutoCommit,
        regulation: Uuid,
        member: Uuid,
        day: Date,
        entered_by: Option<String>,
        now_ms: i64,
    ) -> Result<(), Error> {
        Self::change(doc, now_ms, |l| {
            let r = l.regulations.by_id_mut(regulation)?;
            let key = member.to_string();
            if r.acknowledgements.contains_key(&key) {
                return Ok(());
            }
            r.acknowledgements.insert(key.clone(), day);
            if let Some(by) = entered_by {
                r.on_paper.insert(key, by);
            }
            Ok(())
        })
    }

    /// Adds, edits or removes a material; returns its id.
    pub fn edit_material(doc: &mut AutoCommit, edit: Edit<MaterialFields>, now_ms: i64) -> Result<Uuid, Error> {
        let adding = matches!(edit, Edit::Add(_));
        Self::change(doc, now_ms, |l| {
            let id = edit.apply(&mut l.materials)?;
            if adding {
                l.materials.by_id_mut(id)?.added = Some(Date::from_unix_ms(now_ms));
            }
            Ok(id)
        })
    }

    /// Attaches `file` to `material` (once: a file attached twice, here or
    /// on another device, is one).
    pub fn attach(doc: &mut AutoCommit, material: Uuid, file: Attachment, now_ms: i64) -> Result<(), Error> {
        crate::files::check_size(&file.name, file.size).map_err(Error::Refused)?;
        if !crate::files::is_hash(&file.hash) {
            return Err(Error::Refused(format!("«{}»: неверное имя файла", file.name)));
        }
        Self::change(doc, now_ms, |l| {
            l.materials.by_id_mut(material)?.files.insert(file.hash.clone(), file);
            Ok(())
        })
    }

    /// Takes the file `hash` off `material`.
    pub fn detach(doc: &mut AutoCommit, material: Uuid, hash: &str, now_ms: i64) -> Result<(), Error> {
        Self::change(doc, now_ms, |l| {
            l.materials.by_id_mut(material)?.files.remove(hash);
            Ok(())
        })
    }

    /// Whether a material on the list carries the file `hash`, and if so,
    /// whether one that does is shared with the district.
    pub fn lists_file(&self, hash: &str) -> Option<bool> {
        let carrying: Vec<&Material> =
            self.materials.active().into_iter().filter(|m| m.files.contains_key(hash)).collect();
        (!carrying.is_empty()).then(|| carrying.iter().any(|m| m.for_district))
    }

    /// Materials shared with the district, by title.
    pub fn for_district(&self) -> Vec<&Material> {
        let mut list: Vec<&Material> = self.materials.active().into_iter().filter(|m| m.for_district).collect();
        list.sort_by_cached_key(|m| fold(&m.title));
        list
    }

    /// Materials on the list that were put in during `year`.
    pub fn materials_added_in(&self, year: AcademicYear) -> usize {
        self.materials.active().iter().filter(|m| m.added.is_some_and(|d| year.contains(d))).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kopilka::{MaterialKind, classes_label, parse_classes};
    use crate::record::Record;
    use crate::record::tests::merge_both;

    fn two_devices() -> (AutoCommit, AutoCommit) {
        let association = DocumentId::random();
        (LibraryDoc::create(&association), LibraryDoc::create(&association))
    }

    fn load(doc: &AutoCommit) -> LibraryDoc {
        LibraryDoc::load(doc).unwrap()
    }

    fn material(title: &str, author: &str, kind: MaterialKind, classes: &str) -> MaterialFields {
        MaterialFields::validate(
            &MaterialFields::blank()
                .with("title", title)
                .with("author", author)
                .with("kind", kind.code())
                .with("classes", classes)
                .with("description", "Ход мероприятия, вопросы для обсуждения"),
        )
        .unwrap()
    }

    fn file(byte: u8, name: &str) -> Attachment {
        Attachment {
            hash: format!("{byte:02x}").repeat(32),
            name: name.into(),
            size: 1000,
            mime: "application/pdf".into(),
        }
    }

    #[test]
    fn a_file_attached_on_two_devices_is_one_and_each_devices_other_file_stays() {
        let (mut a, mut b) = two_devices();
        let id = LibraryDoc::edit_material(
            &mut a,
            Edit::Add(material("Урок", "Иванова М. П.", MaterialKind::ClassHour, "5")),
            1,
        )
        .unwrap();
        merge_both(&mut a, &mut b);
        LibraryDoc::attach(&mut a, id, file(1, "урок.pdf"), 2).unwrap();
        LibraryDoc::attach(&mut a, id, file(2, "презентация.pdf"), 3).unwrap();
        LibraryDoc::attach(&mut b, id, file(1, "урок.pdf"), 4).unwrap();
        LibraryDoc::attach(&mut b, id, file(3, "фото.pdf"), 5).unwrap();
        merge_both(&mut a, &mut b);
        let hashes: Vec<String> = load(&a).materials[0].files.keys().cloned().collect();
        assert_eq!(hashes, [file(1, "").hash, file(2, "").hash, file(3, "").hash]);
        assert_eq!(load(&a), load(&b));

        LibraryDoc::detach(&mut b, id, &file(2, "").hash, 6).unwrap();
        merge_both(&mut a, &mut b);
        assert_eq!(load(&a).materials[0].files.len(), 2);
        assert_eq!(load(&a).lists_file(&file(1, "").hash), Some(false), "listed, not shared with the district");
        assert_eq!(load(&a).lists_file(&file(2, "").hash), None, "taken off");

        let too_big = Attachment { size: crate::files::MAX_FILE_BYTES + 1, ..file(4, "big.pdf") };
        let heads = a.get_heads();
        assert!(LibraryDoc::attach(&mut a, id, too_big, 7).is_err());
        assert!(LibraryDoc::attach(&mut a, id, Attachment { hash: "../x".into(), ..file(5, "x.pdf") }, 7).is_err());
        assert_eq!(a.get_heads(), heads, "a refused file writes nothing");
    }

    #[test]
    fn classes_read_ranges_and_lists() {
        assert_eq!(parse_classes("5-7, 9"), Some(vec![5, 6, 7, 9]));
        assert_eq!(parse_classes(""), Some(vec![]));
        assert_eq!(parse_classes("10–12"), None);
        assert_eq!(parse_classes("7Б"), None);
        assert_eq!(classes_label(&[5, 6, 7, 9]), "5–7, 9 классы");
        assert_eq!(classes_label(&[4]), "4 класс");
    }

    #[test]
    fn acknowledgements_by_two_members_on_two_devices_both_count() {
        let (mut a, mut b) = two_devices();
        let fields = RegulationFields::validate(
            &RegulationFields::blank()
                .with("title", "Положение о МО классных руководителей")
                .with("text", "1. Общие положения"),
        )
        .unwrap();
        let r = LibraryDoc::edit_regulation(&mut a, Edit::Add(fields), 1).unwrap();
        merge_both(&mut a, &mut b);
        let (ivanova, petrov, orlova) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let day = Date::new(2026, 9, 5).unwrap();
        LibraryDoc::acknowledge(&mut a, r, ivanova, day, None, 2).unwrap();
        LibraryDoc::acknowledge(&mut b, r, petrov, day.plus_days(1), Some("Иванова М. П.".into()), 3).unwrap();
        merge_both(&mut a, &mut b);
        let lib = load(&a);
        let reg = lib.regulations.by_id(r).unwrap();
        assert_eq!(reg.acknowledged_by(ivanova), Some(day));
        assert_eq!(reg.acknowledged_by(petrov), Some(day.plus_days(1)));
        assert_eq!(reg.acknowledged_by(orlova), None);
        assert_eq!(reg.acknowledgement(ivanova), Some(day.to_string()), "marked on her own device");
        assert_eq!(
            reg.acknowledgement(petrov),
            Some(format!("{} (на бумаге, внесено: Иванова М. П.)", day.plus_days(1))),
            "given on paper, and who entered it"
        );
    }

    #[test]
    fn a_regulation_needs_a_title_and_a_text_or_link() {
        let e = RegulationFields::validate(&RegulationFields::blank()).unwrap_err();
        assert_eq!(e.get("title"), Some("Укажите название документа"));
        assert_eq!(e.get("text"), Some("Вставьте текст документа или укажите ссылку на него"));
        let ok = RegulationFields::validate(
            &RegulationFields::blank()
                .with("title", "Приказ")
                .with("link", "https://school.ru/p.pdf")
                .with("number", "12"),
        )
        .unwrap();
        let mut r = Regulation::new(Uuid::new_v4(), ok);
        r.date = Date::new(2026, 9, 1);
        assert_eq!(r.reference(), "Положение № 12 от 01.09.2026");
    }

    #[test]
    fn materials_added_and_edited_on_two_devices_merge_and_are_found() {
        let (mut a, mut b) = two_devices();
        let hour = LibraryDoc::edit_material(
            &mut a,
            Edit::Add(material("Классный час «Я — гражданин»", "Иванова М. П.", MaterialKind::ClassHour, "5-7")),
            1,
        )
        .unwrap();
        merge_both(&mut a, &mut b);
        LibraryDoc::edit_material(
            &mut b,
            Edit::Add(material("Анкета «Мой класс»", "Петров С. И.", MaterialKind::Diagnostics, "8, 9")),
            2,
        )
        .unwrap();
        let mut edited = load(&a).materials.by_id(hour).unwrap().fields();
        edited.presented_at = "заседание МО, протокол № 2 от 12.11.2026".into();
        LibraryDoc::edit_material(&mut a, Edit::Update(hour, edited), 3).unwrap();
        merge_both(&mut a, &mut b);

        let lib = load(&b);
        let titles = |q: MaterialQuery| lib.search(&q).iter().map(|m| m.title.clone()).collect::<Vec<_>>();
        assert_eq!(titles(MaterialQuery::default()).len(), 2);
        assert_eq!(
            titles(MaterialQuery { words: "гражданин ход".into(), ..Default::default() }),
            ["Классный час «Я — гражданин»"]
        );
        assert_eq!(
            titles(MaterialQuery { words: "протокол 2".into(), ..Default::default() }),
            ["Классный час «Я — гражданин»"]
        );
        assert_eq!(titles(MaterialQuery { class: Some(9), ..Default::default() }), ["Анкета «Мой класс»"]);
        assert_eq!(
            titles(MaterialQuery { kind: Some(MaterialKind::ClassHour), class: Some(9), ..Default::default() }),
            Vec::<String>::new()
        );
        assert_eq!(titles(MaterialQuery { author: "петров".into(), ..Default::default() }), ["Анкета «Мой класс»"]);
    }

    #[test]
    fn a_library_from_a_newer_version_is_never_rewritten() {
        let (mut a, _) = two_devices();
        autosurgeon::reconcile_prop(&mut a, automerge::ROOT, "schema_version", LIBRARY_SCHEMA_VERSION + 1).unwrap();
        a.commit();
        let before = a.get_heads();
        assert!(matches!(
            LibraryDoc::edit_material(&mut a, Edit::Add(material("Х", "Y Z", MaterialKind::Other, "")), 1),
            Err(Error::NewerSchema { .. })
        ));
        assert_eq!(a.get_heads(), before);
    }
}
