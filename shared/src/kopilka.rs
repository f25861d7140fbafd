//! The методическая копилка: members' materials with kind, classes, area of
//! upbringing and where they were presented, and the search over them.

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::Date;
use crate::fields::{Spec, Typed, link};
use std::collections::BTreeMap;

use crate::files::Attachment;
use crate::form::{FieldErrors, Values};
use crate::record::Life;
use crate::text::fold;

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
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
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
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub classes: Vec<u32>,
    /// направление воспитания
    pub area: Area,
    /// описание
    #[serde(with = "crate::record::serde_text")]
    pub description: Text,
    /// ссылка или файл
    pub link: String,
    /// where it was presented («заседание МО, протокол № 2 от 12.11.2026»)
    pub presented_at: String,
    /// The day it was put in the копилка (the копилка's growth counts these).
    #[autosurgeon(missing = "Default::default")]
    pub added: Option<Date>,
    /// «для района»: every school of the district sees it in the district
    /// копилка, and may fetch its files.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub for_district: bool,
    /// The files it carries, by hash: a map, so a file attached on two
    /// devices at once is one.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub files: BTreeMap<String, Attachment>,
}

crate::form! {
    /// A material form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct MaterialFields {
        /// название
        title: String = Spec::text("Название").required("Укажите название материала"),
        /// автор
        author: String = Spec::text("Автор").required("Укажите автора").max(200),
        /// вид
        kind: MaterialKind = Spec::select("Вид"),
        /// классы
        classes: Vec<u32> = Spec::text("Классы").hint("например, 5-7, 9"),
        /// направление
        area: Area = Spec::select("Направление воспитания"),
        /// описание
        description: String = Spec::area("Описание"),
        /// ссылка
        link: String = Spec::text("Ссылка на файл").parse(link),
        /// где представлен
        presented_at: String = Spec::text("Где представлен (заседание, протокол)"),
        /// для района
        #[serde(default)]
        for_district: bool = Spec::check("Для района: виден всем школам района в районной копилке"),
    }
}

crate::record!(Material, MaterialFields { title, author, kind, classes, area, link, presented_at, for_district },
    text: { description }, rest: { added, files });

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

    /// Checks a material form.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let (fields, e) = Self::read(v, None);
        e.result(|| fields)
    }
}

/// A material a school shares «для района», as the district копилка lists
/// it: the server builds the list, every device of the district reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedMaterial {
    /// The school's name.
    pub school: String,
    /// The school's library document, which lists the files.
    pub library: crate::DocumentId,
    /// The material.
    pub id: uuid::Uuid,
    /// название
    pub title: String,
    /// автор
    pub author: String,
    /// вид, in words
    pub kind: String,
    /// классы, in words
    pub classes: String,
    /// направление, in words
    pub area: String,
    /// описание
    pub description: String,
    /// Its files.
    pub files: Vec<Attachment>,
}

impl SharedMaterial {
    /// `m` of the school `school`, whose library is `library`.
    pub fn of(school: &str, library: crate::DocumentId, m: &Material) -> Self {
        Self {
            school: school.to_owned(),
            library,
            id: m.id,
            title: m.title.clone(),
            author: m.author.clone(),
            kind: m.kind.label().to_owned(),
            classes: m.classes_label(),
            area: m.area.label().to_owned(),
            description: m.description.as_str().to_owned(),
            files: m.files.values().cloned().collect(),
        }
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

/// In a form, classes are typed as «5-7, 9».
impl Typed for Vec<u32> {
    fn show(&self) -> String {
        classes_label(self).trim_end_matches(" классы").trim_end_matches(" класс").to_owned()
    }
    fn read(_: &Spec<Self>, raw: &str, _: Option<crate::AcademicYear>) -> Result<Self, String> {
        parse_classes(raw).ok_or_else(|| "Классы от 1 до 11 через запятую или диапазоном, например «5-7, 9»".to_owned())
    }
    fn fallback() -> Self {
        Vec::new()
    }
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
