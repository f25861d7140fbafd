//! What a school МО keeps from year to year, one automerge document: the
//! regulatory documents with their acknowledgement sheets, and the
//! методическая копилка (the catalogue of members' materials).

use std::collections::BTreeMap;

use automerge::AutoCommit;
use autosurgeon::{Hydrate, Reconcile, Text};
use uuid::Uuid;

use crate::date::Date;
use crate::form::{FieldErrors, Values, date_value};
use crate::record::{Document, Edit, Life, RecordList};
use crate::{DocumentId, Error};

/// The newest layout of a library document this build reads and writes.
pub const LIBRARY_SCHEMA_VERSION: u64 = 1;

/// Regulations and materials of one association.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct LibraryDoc {
    /// Layout version; a client never rewrites a newer one.
    #[autosurgeon(hydrate = "crate::lenient::whole")]
    pub schema_version: u64,
    /// инструктивно-методические документы
    pub regulations: Vec<Regulation>,
    /// методическая копилка
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

crate::choices! {
    /// Kind of regulatory document.
    pub enum RegulationKind {
        Statute = ("statute", "положение"),
        Order = ("order", "приказ"),
        Instruction = ("instruction", "инструкция"),
        Recommendations = ("recommendations", "методические рекомендации"),
        Other = ("other", "другое"),
    }
}

/// A regulatory document with its acknowledgement sheet.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Regulation {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// вид
    pub kind: RegulationKind,
    /// название
    pub title: String,
    /// номер
    pub number: String,
    /// дата
    pub date: Option<Date>,
    /// текст
    pub text: Text,
    /// ссылка
    pub link: String,
    /// лист ознакомления: member id → the day they read it
    pub acknowledgements: BTreeMap<String, Date>,
}

/// A regulation form, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RegulationFields {
    /// вид
    pub kind: RegulationKind,
    /// название
    pub title: String,
    /// номер
    pub number: String,
    /// дата
    pub date: Option<Date>,
    /// текст
    pub text: String,
    /// ссылка
    pub link: String,
}

crate::record!(Regulation, RegulationFields { kind, title, number, date, link }, text: { text },
    rest: { acknowledgements });

impl Regulation {
    /// When `member` marked it read, if they did.
    pub fn acknowledged_by(&self, member: Uuid) -> Option<Date> {
        self.acknowledgements.get(&member.to_string()).copied()
    }

    /// «Положение № 12 от 01.09.2026».
    pub fn reference(&self) -> String {
        let mut s = capitalize(self.kind.label());
        if !self.number.is_empty() {
            s.push_str(&format!(" № {}", self.number));
        }
        if let Some(d) = self.date {
            s.push_str(&format!(" от {d}"));
        }
        s
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

impl RegulationFields {
    /// An empty form.
    pub fn blank() -> Values {
        Values::default().with("kind", RegulationKind::Statute.code())
    }

    /// The form's values.
    pub fn to_values(&self) -> Values {
        Values::from([
            ("kind", self.kind.code().to_owned()),
            ("title", self.title.clone()),
            ("number", self.number.clone()),
            ("date", date_value(self.date)),
            ("text", self.text.clone()),
            ("link", self.link.clone()),
        ])
    }

    /// Checks a regulation form: a title, and a text or a link.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = e.choice(v, "kind", RegulationKind::from_code);
        let title = e.text(v, "title", Some("Укажите название документа"), 500);
        let number = e.text(v, "number", None, 50);
        let date = e.date(v, "date", false, None);
        let text = e.long_text(v, "text", None);
        let link = e.link(v, "link");
        if text.is_empty() && link.is_empty() {
            e.add("text", "Вставьте текст документа или укажите ссылку на него");
        }
        e.result(|| Self { kind: kind.unwrap_or_default(), title, number, date, text, link })
    }
}

crate::choices! {
    /// Kind of material in the копилка.
    pub enum MaterialKind {
        ClassHour = ("class_hour", "сценарий классного часа"),
        Event = ("event", "разработка мероприятия"),
        Diagnostics = ("diagnostics", "диагностика"),
        Presentation = ("presentation", "презентация"),
        ParentMeeting = ("parent_meeting", "родительское собрание"),
        Guidance = ("guidance", "методические рекомендации"),
        Other = ("other", "другое"),
    }
}

crate::choices! {
    /// Area of upbringing (направление воспитания).
    pub enum Area {
        Civic = ("civic", "гражданское"),
        Patriotic = ("patriotic", "патриотическое"),
        Moral = ("moral", "духовно-нравственное"),
        Aesthetic = ("aesthetic", "эстетическое"),
        Health = ("health", "физическое, здоровый образ жизни"),
        Labour = ("labour", "трудовое"),
        Ecological = ("ecological", "экологическое"),
        Cognitive = ("cognitive", "ценности научного познания"),
        Prevention = ("prevention", "профилактика"),
        Parents = ("parents", "работа с родителями"),
    }
}

/// A material in the копилка.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Material {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// название
    pub title: String,
    /// автор
    pub author: String,
    /// вид
    pub kind: MaterialKind,
    /// классы, e.g. [5, 6, 7]
    pub classes: Vec<u32>,
    /// направление воспитания
    pub area: Area,
    /// описание
    pub description: Text,
    /// ссылка или файл
    pub link: String,
    /// where it was presented («заседание МО, протокол № 2 от 12.11.2026»)
    pub presented_at: String,
}

/// A material form, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct MaterialFields {
    /// название
    pub title: String,
    /// автор
    pub author: String,
    /// вид
    pub kind: MaterialKind,
    /// классы
    pub classes: Vec<u32>,
    /// направление
    pub area: Area,
    /// описание
    pub description: String,
    /// ссылка
    pub link: String,
    /// где представлен
    pub presented_at: String,
}

crate::record!(Material, MaterialFields { title, author, kind, classes, area, link, presented_at },
    text: { description });

impl Material {
    /// «5–7, 9 классы».
    pub fn classes_label(&self) -> String {
        classes_label(&self.classes)
    }
}

impl MaterialFields {
    /// An empty form.
    pub fn blank() -> Values {
        Values::default().with("kind", MaterialKind::ClassHour.code()).with("area", Area::Civic.code())
    }

    /// The form's values.
    pub fn to_values(&self) -> Values {
        Values::from([
            ("title", self.title.clone()),
            ("author", self.author.clone()),
            ("kind", self.kind.code().to_owned()),
            ("classes", classes_label(&self.classes).trim_end_matches(" классы").trim_end_matches(" класс").to_owned()),
            ("area", self.area.code().to_owned()),
            ("description", self.description.clone()),
            ("link", self.link.clone()),
            ("presented_at", self.presented_at.clone()),
        ])
    }

    /// Checks a material form.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::default();
        let title = e.text(v, "title", Some("Укажите название материала"), 300);
        let author = e.text(v, "author", Some("Укажите автора"), 200);
        let kind = e.choice(v, "kind", MaterialKind::from_code);
        let classes = parse_classes(v.get("classes"));
        if classes.is_none() {
            e.add("classes", "Классы от 1 до 11 через запятую или диапазоном, например «5-7, 9»");
        }
        let area = e.choice(v, "area", Area::from_code);
        let description = e.long_text(v, "description", None);
        let link = e.link(v, "link");
        let presented_at = e.text(v, "presented_at", None, 300);
        e.result(|| Self {
            title,
            author,
            kind: kind.unwrap_or_default(),
            classes: classes.unwrap_or_default(),
            area: area.unwrap_or_default(),
            description,
            link,
            presented_at,
        })
    }
}

/// Reads «5-7, 9» as [5, 6, 7, 9]; empty for none.
pub fn parse_classes(s: &str) -> Option<Vec<u32>> {
    let mut classes = Vec::new();
    for part in s.split([',', ';', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
        let (from, to) = match part.split_once(['-', '–', '—']) {
            Some((a, b)) => (a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?),
            None => {
                let n = part.parse::<u32>().ok()?;
                (n, n)
            }
        };
        if !(1..=11).contains(&from) || !(1..=11).contains(&to) || from > to {
            return None;
        }
        classes.extend(from..=to);
    }
    classes.sort_unstable();
    classes.dedup();
    Some(classes)
}

/// [5, 6, 7, 9] as «5–7, 9 классы».
pub fn classes_label(classes: &[u32]) -> String {
    let mut runs: Vec<String> = Vec::new();
    let mut i = 0;
    while i < classes.len() {
        let start = classes[i];
        while i + 1 < classes.len() && classes[i + 1] == classes[i] + 1 {
            i += 1;
        }
        let end = classes[i];
        runs.push(if end == start { start.to_string() } else { format!("{start}–{end}") });
        i += 1;
    }
    match (runs.len(), classes.len()) {
        (0, _) => String::new(),
        (_, 1) => format!("{} класс", runs[0]),
        _ => format!("{} классы", runs.join(", ")),
    }
}

/// What a person looks for in the копилка; empty parts match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaterialQuery {
    /// Words that must all occur in the title, description, author or place.
    pub words: String,
    /// Only this kind.
    pub kind: Option<MaterialKind>,
    /// Only materials for this class.
    pub class: Option<u32>,
    /// Only materials whose author contains this.
    pub author: String,
}

fn fold(s: &str) -> String {
    s.to_lowercase().replace('ё', "е")
}

impl MaterialQuery {
    /// Whether `m` matches.
    pub fn matches(&self, m: &Material) -> bool {
        let haystack = fold(&format!("{} {} {} {}", m.title, m.description.as_str(), m.author, m.presented_at));
        fold(&self.words).split_whitespace().all(|w| haystack.contains(w))
            && self.kind.is_none_or(|k| m.kind == k)
            && self.class.is_none_or(|c| m.classes.contains(&c))
            && fold(&m.author).contains(&fold(self.author.trim()))
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

    /// Members of `members` who have not marked `regulation` read.
    pub fn not_acknowledged<'a>(&self, regulation: Uuid, members: &[&'a crate::Member]) -> Vec<&'a crate::Member> {
        let Some(r) = self.regulations.by_id(regulation) else { return Vec::new() };
        members.iter().copied().filter(|m| r.acknowledged_by(m.id).is_none()).collect()
    }

    /// Adds, edits or removes a regulation; returns its id.
    pub fn edit_regulation(doc: &mut AutoCommit, edit: Edit<RegulationFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |l| edit.apply(&mut l.regulations))
    }

    /// `member` marks `regulation` read on `day` (the first mark stays).
    pub fn acknowledge(
        doc: &mut AutoCommit,
        regulation: Uuid,
        member: Uuid,
        day: Date,
        now_ms: i64,
    ) -> Result<(), Error> {
        Self::change(doc, now_ms, |l| {
            let r = l.regulations.by_id_mut(regulation)?;
            r.acknowledgements.entry(member.to_string()).or_insert(day);
            Ok(())
        })
    }

    /// Adds, edits or removes a material; returns its id.
    pub fn edit_material(doc: &mut AutoCommit, edit: Edit<MaterialFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |l| edit.apply(&mut l.materials))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        LibraryDoc::acknowledge(&mut a, r, ivanova, day, 2).unwrap();
        LibraryDoc::acknowledge(&mut b, r, petrov, day.plus_days(1), 3).unwrap();
        merge_both(&mut a, &mut b);
        let lib = load(&a);
        let reg = lib.regulations.by_id(r).unwrap();
        assert_eq!(reg.acknowledged_by(ivanova), Some(day));
        assert_eq!(reg.acknowledged_by(petrov), Some(day.plus_days(1)));
        assert_eq!(reg.acknowledged_by(orlova), None);
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
