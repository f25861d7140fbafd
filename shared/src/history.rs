//! What happened to one record, change by change, read from automerge's own
//! history: «История» in the app, and the removed records with their
//! «Восстановить».
//!
//! Every record in every document has the same shape (see
//! [`crate::record`]): a map with its `id`, its `life` (edits and removals)
//! and its fields. So a record is found by its id wherever its list is, the
//! changes that touched it are those with operations on its map or on the
//! objects inside it, and whether a change removed or restored it is read
//! from its `life` before and after. Who sent each change is not in the
//! document: the server records it ([`Entry::hash`] is what it is looked up
//! by).

use automerge::{AutoCommit, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Error;
use crate::fields::Field;

/// What a change did to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Happened {
    /// Made it.
    Created,
    /// Changed some of its fields.
    Changed,
    /// Took it off its list.
    Removed,
    /// Brought it back.
    Restored,
}

impl Happened {
    /// The words in «История».
    pub fn label(self) -> &'static str {
        match self {
            Self::Created => "создано",
            Self::Changed => "изменено",
            Self::Removed => "удалено",
            Self::Restored => "восстановлено",
        }
    }
}

/// One change of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The change's hash, by which the server knows who sent it.
    pub hash: [u8; 32],
    /// When the device that made it says it was made (ms since the epoch).
    pub made_ms: i64,
    /// What it did.
    pub happened: Happened,
    /// The list the record is kept in (`members`, `plan`, …): its form
    /// names the fields.
    pub list: String,
    /// The fields it set, by name, with their value after the change.
    pub fields: Vec<(String, Shown)>,
}

/// A field's value after a change, as the engine reads it. Labels come
/// from the record kind's form, which only the page carries: the engine
/// sends names and stored values, and the page words them
/// ([`Entry::labelled`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Shown {
    /// Already in words (a text, a number, a member's name).
    Words(String),
    /// A stored string: a choice's stored form or a day, worded by the form.
    Stored(String),
}

impl Shown {
    fn is_empty(&self) -> bool {
        match self {
            Self::Words(s) | Self::Stored(s) => s.is_empty(),
        }
    }
}

impl Entry {
    /// The fields it set, as (label, value) in the words of the record's form.
    pub fn labelled(&self) -> Vec<(String, String)> {
        let form = form_of(&self.list);
        self.fields
            .iter()
            .map(|(field, shown)| {
                let value = match shown {
                    Shown::Words(words) => words.clone(),
                    Shown::Stored(stored) if field == "when" => when_words(stored),
                    Shown::Stored(stored) => {
                        choice_label(&form, field, stored).map_or_else(|| stored_words(stored), str::to_owned)
                    }
                };
                let value = if value.is_empty() { "—".to_owned() } else { value };
                (label(&form, field).to_owned(), value)
            })
            .collect()
    }
}

/// A record taken off its list, as the list of removed records shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    /// The record.
    pub id: Uuid,
    /// The list it is in (`members`, `protocols`, `plan`, …).
    pub list: String,
    /// The record whose list it is in (a protocol's agenda item's
    /// protocol), if any.
    pub parent: Option<Uuid>,
    /// Its name, title or first words.
    pub title: String,
}

/// The record `id`'s history, oldest first. `name` names the member a
/// field refers to (chair, responsible, …).
pub fn of_record(doc: &mut AutoCommit, id: Uuid, name: &dyn Fn(Uuid) -> Option<String>) -> Vec<Entry> {
    let Some((record, list)) = find(doc, &ROOT, "", id) else { return Vec::new() };
    // Every object inside the record, by the field it belongs to.
    let mut inside: Vec<(String, String)> = Vec::new();
    // The fields that are a map themselves (a regulation's sheet: member →
    // day), by their object.
    let mut maps: Vec<(String, String)> = Vec::new();
    for (field, obj) in children(doc, &record) {
        if matches!(doc.object_type(&obj), Ok(ObjType::Map)) {
            maps.push((obj.to_string(), field.clone()));
        }
        collect(doc, &obj, &field, &mut inside);
    }
    let record_key = record.to_string();
    let mut entries = Vec::new();
    for change in doc.get_changes(&[]) {
        let decoded = change.decode();
        let mut created = false;
        let mut touched: Vec<String> = Vec::new();
        // The keys it set in a field's map, by the field.
        let mut keys: Vec<(String, String)> = Vec::new();
        for op in &decoded.operations {
            let obj = op.obj.to_string();
            if let (Some((_, field)), automerge::legacy::Key::Map(k)) = (maps.iter().find(|(o, _)| *o == obj), &op.key)
                && !keys.iter().any(|(f, key)| f == field && key == k.as_str())
            {
                keys.push((field.clone(), k.to_string()));
            }
            let field = if obj == record_key {
                match &op.key {
                    automerge::legacy::Key::Map(k) => k.to_string(),
                    automerge::legacy::Key::Seq(_) => continue,
                }
            } else if let Some((_, field)) = inside.iter().find(|(o, _)| *o == obj) {
                field.clone()
            } else {
                continue;
            };
            created |= field == "id";
            if !touched.contains(&field) {
                touched.push(field);
            }
        }
        if touched.is_empty() {
            continue;
        }
        let after = [change.hash()];
        let happened = if created {
            Happened::Created
        } else {
            match (active_at(doc, &record, change.deps()), active_at(doc, &record, &after)) {
                (true, false) => Happened::Removed,
                (false, true) => Happened::Restored,
                _ => Happened::Changed,
            }
        };
        let fields = touched
            .iter()
            // `school_id` is written with the school's name, which is shown.
            .filter(|f| !matches!(f.as_str(), "id" | "life" | "school_id"))
            .filter_map(|f| {
                let set: Vec<&str> = keys.iter().filter(|(field, _)| field == f).map(|(_, k)| k.as_str()).collect();
                let value = entries_at(doc, &record, f, &set, &after, name)
                    .unwrap_or_else(|| value_at(doc, &record, f, &after, name));
                (!(created && value.is_empty())).then(|| (f.clone(), value))
            })
            .collect();
        let list = list.clone();
        entries.push(Entry { hash: change.hash().0, made_ms: change.timestamp(), happened, list, fields });
    }
    entries
}

/// Every removed record of the document, in document order.
pub fn removed(doc: &mut AutoCommit) -> Vec<Removed> {
    let heads = doc.get_heads();
    let mut out = Vec::new();
    removed_in(doc, &ROOT, "", None, &heads, &mut out);
    out
}

/// Brings the removed record `id` back: its revision is raised past its
/// latest removal (the same as an edit made without seeing the removal, see
/// [`crate::record::Life`]). Restoring a record on its list writes nothing.
pub fn restore(doc: &mut AutoCommit, id: Uuid) -> Result<(), Error> {
    use automerge::transaction::Transactable;
    let (record, _) = find(doc, &ROOT, "", id).ok_or(Error::NotFound(id))?;
    let heads = doc.get_heads();
    let Some((revision, latest)) = life_at(doc, &record, &heads) else { return Err(Error::NotFound(id)) };
    if latest.is_none_or(|at| revision > at) {
        return Ok(());
    }
    let Some((Value::Object(ObjType::Map), life)) = doc.get(&record, "life")? else { return Err(Error::NotFound(id)) };
    doc.increment(&life, "revision", latest.unwrap_or(revision) - revision + 1)?;
    Ok(())
}

/// The map of the record `id` under `obj` (which is under `key`), searched
/// depth first, and the key of the list it is in.
fn find(doc: &AutoCommit, obj: &ObjId, key: &str, id: Uuid) -> Option<(ObjId, String)> {
    if is_record(doc, obj, id) {
        return Some((obj.clone(), key.to_owned()));
    }
    children(doc, obj).into_iter().find_map(|(k, child)| find(doc, &child, if k.is_empty() { key } else { &k }, id))
}

/// The form of the records kept in lists under `list`: the fields of
/// every kind kept under that key (a school's decisions and the РМО's, a
/// school's plan and a mentor's), the first kind that has a field naming
/// it.
fn form_of(list: &str) -> Vec<Field> {
    use crate::analysis::AnalysisFields;
    use crate::district::{
        ConsultationFields, ContestFields, DistrictDecisionFields, DistrictEventFields, MentoringFields, VisitFields,
    };
    use crate::kopilka::MaterialFields;
    use crate::mentoring::{HelpNoteFields, MentorPlanFields, MentorshipFields};
    use crate::perspective::PerspectiveFields;
    use crate::plan::PlanFields;
    use crate::protocol::{AgendaFields, DecisionFields, ProtocolFields};
    use crate::regulation::RegulationFields;
    use crate::survey::{QuestionFields, SurveyFields};
    let kinds: &[fn() -> Vec<Field>] = match list {
        "members" => &[crate::MemberFields::form],
        "protocols" => &[ProtocolFields::form],
        "agenda" => &[AgendaFields::form],
        "decisions" => &[DecisionFields::form, DistrictDecisionFields::form],
        "plan" => &[PlanFields::form, MentorPlanFields::form],
        "analyses" => &[AnalysisFields::form],
        "mentoring" => &[MentorshipFields::form, MentoringFields::form],
        "notes" => &[HelpNoteFields::form],
        "regulations" => &[RegulationFields::form],
        "materials" => &[MaterialFields::form],
        "events" => &[DistrictEventFields::form],
        "contests" => &[ContestFields::form],
        "visits" => &[VisitFields::form],
        "consultations" => &[ConsultationFields::form],
        "surveys" => &[SurveyFields::form],
        "questions" => &[QuestionFields::form],
        "rows" => &[PerspectiveFields::form],
        _ => &[],
    };
    kinds.iter().flat_map(|form| form()).collect()
}

fn is_record(doc: &AutoCommit, obj: &ObjId, id: Uuid) -> bool {
    matches!(doc.get(obj, "id"), Ok(Some((Value::Scalar(s), _))) if matches!(s.as_ref(), ScalarValue::Bytes(b) if b.as_slice() == id.as_bytes()))
}

/// The record's id, if `obj` is a record.
fn record_id(doc: &AutoCommit, obj: &ObjId) -> Option<Uuid> {
    match doc.get(obj, "id").ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Bytes(b) => Uuid::from_slice(b).ok(),
            _ => None,
        },
        _ => None,
    }
}

/// The maps and lists directly under `obj` (texts are leaves), with the key
/// each is under (a list's items take the list's own key from the caller).
fn children(doc: &AutoCommit, obj: &ObjId) -> Vec<(String, ObjId)> {
    let nested = |value: &Value| matches!(value, Value::Object(ObjType::Map | ObjType::List | ObjType::Text));
    match doc.object_type(obj) {
        Ok(ObjType::Map) => doc
            .map_range(obj, ..)
            .filter(|item| nested(&item.value.clone().into_value()))
            .map(|item| (item.key.to_string(), item.id()))
            .collect(),
        Ok(ObjType::List) => doc
            .list_range(obj, ..)
            .filter(|item| nested(&item.value.clone().into_value()))
            .map(|item| (String::new(), item.id()))
            .collect(),
        _ => Vec::new(),
    }
}

fn collect(doc: &AutoCommit, obj: &ObjId, field: &str, into: &mut Vec<(String, String)>) {
    into.push((obj.to_string(), field.to_owned()));
    for (_, child) in children(doc, obj) {
        collect(doc, &child, field, into);
    }
}

fn removed_in(
    doc: &AutoCommit,
    obj: &ObjId,
    list: &str,
    parent: Option<Uuid>,
    heads: &[ChangeHash],
    out: &mut Vec<Removed>,
) {
    let id = record_id(doc, obj);
    if let Some(id) = id
        && let Some((revision, Some(latest))) = life_at(doc, obj, heads)
        && revision <= latest
    {
        out.push(Removed { id, list: list.to_owned(), parent, title: title(doc, obj, heads) });
    }
    for (key, child) in children(doc, obj) {
        let list = if key.is_empty() { list } else { &key };
        removed_in(doc, &child, list, id.or(parent), heads, out);
    }
}

/// A record's name for a list: its first filled naming field.
fn title(doc: &AutoCommit, record: &ObjId, heads: &[ChangeHash]) -> String {
    ["full_name", "title", "topic", "theme", "name", "text", "what"]
        .iter()
        .map(|f| match value_at(doc, record, f, heads, &|_| None) {
            Shown::Words(words) => words,
            Shown::Stored(stored) => stored_words(&stored),
        })
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "(без названия)".to_owned())
}

/// A record another one refers to, as the screens name it: the protocol
/// or the РМО's event that carried a plan row out («Протокол № 3 от
/// 12.11.2025», «семинар «Классный час» 14.11.2025»), anything else by its
/// title.
fn referred(doc: &AutoCommit, record: &ObjId, list: &str, heads: &[ChangeHash]) -> String {
    let words = |field| match value_at(doc, record, field, heads, &|_| None) {
        Shown::Words(words) => words,
        Shown::Stored(stored) => stored_words(&stored),
    };
    match list {
        "protocols" => crate::protocol::Protocol::title_of(words("number"), words("date")),
        "events" => {
            let kind = words("kind");
            let kind = crate::district::EventKind::stored_label(&kind).unwrap_or(&kind);
            crate::district::DistrictEvent::title_of(kind, &words("topic"), words("date"))
        }
        _ => title(doc, record, heads),
    }
}

/// The record's revision and its latest removal at `heads`.
fn life_at(doc: &AutoCommit, record: &ObjId, heads: &[ChangeHash]) -> Option<(i64, Option<i64>)> {
    let (Value::Object(ObjType::Map), life) = doc.get_at(record, "life", heads).ok()?? else { return None };
    let revision = match doc.get_at(&life, "revision", heads).ok()? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Counter(c) => i64::from(c),
            ScalarValue::Int(n) => *n,
            _ => 0,
        },
        _ => 0,
    };
    let latest = match doc.get_at(&life, "removals", heads).ok()? {
        Some((Value::Object(ObjType::List), removals)) => doc
            .list_range_at(&removals, .., heads)
            .filter_map(|item| match item.value.into_value() {
                Value::Scalar(s) => match s.as_ref() {
                    ScalarValue::Int(n) => Some(*n),
                    ScalarValue::Uint(n) => i64::try_from(*n).ok(),
                    _ => None,
                },
                Value::Object(_) => None,
            })
            .max(),
        _ => None,
    };
    Some((revision, latest))
}

/// Whether the record is on its list at `heads` (made and not removed).
fn active_at(doc: &AutoCommit, record: &ObjId, heads: &[ChangeHash]) -> bool {
    life_at(doc, record, heads).is_some_and(|(revision, latest)| latest.is_none_or(|at| revision > at))
}

/// A field's value at `heads`.
fn value_at(
    doc: &AutoCommit,
    record: &ObjId,
    field: &str,
    heads: &[ChangeHash],
    name: &dyn Fn(Uuid) -> Option<String>,
) -> Shown {
    match doc.get_at(record, field, heads) {
        Ok(Some((Value::Object(ObjType::Text), text))) => Shown::Words(doc.text_at(&text, heads).unwrap_or_default()),
        // A list of plain values (a material's classes) by its values.
        Ok(Some((Value::Object(ObjType::List), list))) => {
            let items: Option<Vec<String>> = doc
                .list_range_at(&list, .., heads)
                .map(|item| match item.value.into_value() {
                    Value::Scalar(s) => Some(scalar(&s, name)),
                    Value::Object(_) => None,
                })
                .collect();
            Shown::Words(items.map_or_else(|| "изменено".to_owned(), |items| items.join(", ")))
        }
        // An empty map (a sheet nobody has signed yet) says nothing.
        Ok(Some((Value::Object(ObjType::Map), map))) if doc.keys_at(&map, heads).next().is_none() => {
            Shown::Words(String::new())
        }
        Ok(Some((Value::Object(_), _))) => Shown::Words("изменено".to_owned()),
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Str(stored) => Shown::Stored(stored.to_string()),
            // Another record of the document (the protocol a plan row was
            // carried out by) as the screens name it, when no member has
            // that id.
            ScalarValue::Bytes(b)
                if let Some((other, list)) = Uuid::from_slice(b)
                    .ok()
                    .filter(|id| name(*id).is_none())
                    .and_then(|id| find(doc, &ROOT, "", id)) =>
            {
                Shown::Words(referred(doc, &other, &list, heads))
            }
            other => Shown::Words(scalar(other, name)),
        },
        _ => Shown::Words(String::new()),
    }
}

/// The entries `keys` of the map `field` at `heads`, when each is a plain
/// value or gone: «Орлова Екатерина Сергеевна — 05.09.2025» (a member id
/// by the member's name), «убрано» for one taken out.
fn entries_at(
    doc: &AutoCommit,
    record: &ObjId,
    field: &str,
    keys: &[&str],
    heads: &[ChangeHash],
    name: &dyn Fn(Uuid) -> Option<String>,
) -> Option<Shown> {
    let Ok(Some((Value::Object(ObjType::Map), map))) = doc.get_at(record, field, heads) else { return None };
    let entry = |key: &str| {
        let value = match doc.get_at(&map, key, heads).ok()? {
            Some((Value::Scalar(s), _)) => scalar(&s, name),
            Some((Value::Object(_), _)) => return None,
            None => "убрано".to_owned(),
        };
        let who = Uuid::parse_str(key).ok().and_then(name).unwrap_or_else(|| key.to_owned());
        Some(format!("{who} — {value}"))
    };
    let entries: Option<Vec<String>> = keys.iter().map(|k| entry(k)).collect();
    entries.filter(|e| !e.is_empty()).map(|e| Shown::Words(e.join(", ")))
}

/// A stored string no choice of the form names: a day (stored ISO
/// `2026-10-15`) as the forms show it, anything else as it is.
fn stored_words(s: &str) -> String {
    if s.len() == 10 && s.as_bytes()[4] == b'-' {
        return crate::Date::parse(s).map_or_else(|| s.to_owned(), |day| day.to_string());
    }
    s.to_owned()
}

/// A plan row's «Срок» as the plan shows it: a day, or a month (stored
/// `2026-10`) as «октябрь».
fn when_words(s: &str) -> String {
    crate::date::When::from_stored(s).map_or_else(|| s.to_owned(), crate::date::When::label)
}

/// A choice's label (категория «первая», not `First`): as the record's
/// form offers it, or for a plan row's completion, marked outside a form.
fn choice_label(form: &[Field], field: &str, stored: &str) -> Option<&'static str> {
    match form.iter().find(|f| &*f.name == field) {
        Some(f) => f.stored.of(stored),
        None if field == "completion" => crate::plan::Completion::stored_label(stored),
        None => None,
    }
}

fn scalar(value: &ScalarValue, name: &dyn Fn(Uuid) -> Option<String>) -> String {
    match value {
        ScalarValue::Str(s) => stored_words(s),
        ScalarValue::Int(n) => n.to_string(),
        ScalarValue::Uint(n) => n.to_string(),
        ScalarValue::F64(n) => n.to_string(),
        ScalarValue::Counter(c) => i64::from(c).to_string(),
        ScalarValue::Boolean(true) => "да".to_owned(),
        ScalarValue::Boolean(false) => "нет".to_owned(),
        // Unset: left out of a creation, «—» once it was set and cleared.
        ScalarValue::Null => String::new(),
        ScalarValue::Bytes(b) => Uuid::from_slice(b).ok().and_then(name).unwrap_or_else(|| "—".to_owned()),
        _ => String::new(),
    }
}

/// A field's name as the record's form shows it, or for what is kept
/// beside the form's fields, as the record's screen names it.
fn label<'a>(form: &'a [Field], field: &'a str) -> &'a str {
    if let Some(f) = form.iter().find(|f| &*f.name == field) {
        return &f.label;
    }
    match field {
        "attendance" => "Присутствовали",
        "agenda" => "Повестка дня",
        "decisions" => "Решения",
        "completion" => "Выполнение",
        "completion_note" => "Отметка",
        "acknowledgements" => "Ознакомлены",
        "on_paper" => "Ознакомлены на бумаге",
        "experience_year" => "Стаж на учебный год",
        "questions" => "Вопросы",
        "plan" => "План наставничества",
        "notes" => "Отметки о помощи",
        "joined" => "Добавлен(а) в список",
        "left" => "Исключен(а) из списка",
        "fulfilled_by" => "Чем выполнено",
        "added" => "Добавлен в копилку",
        "files" => "Файлы",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Document, Edit, Record};
    use crate::{AssociationDoc, DocumentId, MemberFields};

    fn member(name: &str, class: &str) -> MemberFields {
        MemberFields::validate(
            &MemberFields::blank()
                .with("full_name", name)
                .with("position", "учитель")
                .with("class_led", class)
                .with("experience_years", "5"),
        )
        .unwrap()
    }

    #[test]
    fn a_records_history_lists_its_creation_edits_removal_and_restoring_field_by_field() {
        let mut doc = AssociationDoc::create(&DocumentId::random());
        let id =
            AssociationDoc::edit_member(&mut doc, Edit::Add(member("Иванова Мария Петровна", "5А")), 1_000).unwrap();
        let other =
            AssociationDoc::edit_member(&mut doc, Edit::Add(member("Петрова Анна Ивановна", "6Б")), 2_000).unwrap();
        let mut fields = AssociationDoc::load(&doc).unwrap().member(id).unwrap().fields();
        fields.class_led = "6Б".into();
        fields.experience_years = 6;
        fields.category = crate::Category::Highest;
        AssociationDoc::edit_member(&mut doc, Edit::Update(id, fields), 3_000).unwrap();
        AssociationDoc::edit_member(&mut doc, Edit::Remove(id), 4_000).unwrap();
        assert_eq!(
            removed(&mut doc),
            [Removed {
                id, list: "members".into(), parent: None, title: "Иванова Мария Петровна".into()
            }]
        );
        restore(&mut doc, id).unwrap();
        assert!(AssociationDoc::load(&doc).unwrap().member(id).unwrap().is_active());
        assert!(removed(&mut doc).is_empty());
        let heads = doc.get_heads();
        restore(&mut doc, id).unwrap();
        assert_eq!(doc.get_heads(), heads, "restoring a record on its list writes nothing");

        let history = of_record(&mut doc, id, &|_| None);
        let happened: Vec<Happened> = history.iter().map(|e| e.happened).collect();
        assert_eq!(happened, [Happened::Created, Happened::Changed, Happened::Removed, Happened::Restored]);
        assert!(history[0].labelled().contains(&("ФИО".into(), "Иванова Мария Петровна".into())));
        let category = ("Квалификационная категория".to_owned(), crate::Category::Highest.label().to_owned());
        let experience = ("Педагогический стаж, лет".to_owned(), "6".to_owned());
        assert_eq!(history[1].labelled(), [("Класс (например, 7Б)".into(), "6Б".into()), category, experience]);
        assert_eq!(history[1].made_ms, 3_000);
        assert_eq!(of_record(&mut doc, other, &|_| None).len(), 1, "another record's history is its own");
    }

    /// Every (list, field) a record keeps under `obj`, `list` being the
    /// key of the list `obj` is in.
    fn kept_fields(doc: &AutoCommit, obj: &ObjId, list: &str, out: &mut Vec<(String, String)>) {
        if record_id(doc, obj).is_some() {
            let shown = doc.keys(obj).filter(|k| !matches!(k.as_str(), "id" | "life" | "school_id"));
            out.extend(shown.map(|k| (list.to_owned(), k)));
        }
        for (key, child) in children(doc, obj) {
            kept_fields(doc, &child, if key.is_empty() { list } else { &key }, out);
        }
    }

    #[test]
    fn every_field_a_record_keeps_has_a_russian_name_in_its_history() {
        let fixture = crate::fixture::build();
        let mut kept = Vec::new();
        for doc in [&fixture.association, &fixture.year, &fixture.library, &fixture.district] {
            kept_fields(doc, &ROOT, "", &mut kept);
        }
        kept.sort();
        kept.dedup();
        // The school's and the РМО's records of a year (not yet surveys,
        // the perspective plan or a mentor's notes).
        assert!(kept.len() > 100, "{kept:?}");
        let unnamed: Vec<String> = kept
            .iter()
            .filter(|(list, field)| label(&form_of(list), field) == field.as_str())
            .map(|(list, field)| format!("{list}.{field}"))
            .collect();
        assert!(unnamed.is_empty(), "«История» would show these by their stored names: {unnamed:?}");
    }

    #[test]
    fn a_plan_rows_history_names_the_protocol_it_was_carried_out_by() {
        let mut fixture = crate::fixture::build();
        let year = crate::YearDoc::load(&fixture.year).unwrap();
        let row = year.plan.iter().find(|r| r.fulfilled_by.is_some()).expect("a row carried out by a protocol");
        let protocol = year.protocols.iter().find(|p| Some(p.id) == row.fulfilled_by).unwrap();
        let expected = protocol.title();
        let history = of_record(&mut fixture.year, row.id, &|_| None);
        let named = history.iter().flat_map(Entry::labelled).find(|(label, _)| label == "Чем выполнено");
        assert_eq!(named, Some(("Чем выполнено".to_owned(), expected)));
    }

    #[test]
    fn an_rmo_plan_rows_history_names_the_event_it_was_carried_out_by() {
        let mut fixture = crate::fixture::build();
        let year = crate::district::DistrictYearDoc::load(&fixture.district).unwrap();
        let row = year.plan.iter().find(|r| r.fulfilled_by.is_some()).expect("a row carried out by an event");
        let event = year.events.iter().find(|e| Some(e.id) == row.fulfilled_by).unwrap();
        let history = of_record(&mut fixture.district, row.id, &|_| None);
        let named = history.iter().flat_map(Entry::labelled).find(|(label, _)| label == "Чем выполнено");
        assert_eq!(named, Some(("Чем выполнено".to_owned(), event.title())));
    }

    #[test]
    fn a_materials_history_lists_its_classes() {
        let mut fixture = crate::fixture::build();
        let library = crate::LibraryDoc::load(&fixture.library).unwrap();
        let material = library.materials.iter().find(|m| m.classes.len() > 1).expect("a material for several classes");
        let classes = material.classes.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
        let history = of_record(&mut fixture.library, material.id, &|_| None);
        assert!(history[0].labelled().contains(&("Классы".to_owned(), classes)), "{:?}", history[0].labelled());
    }

    #[test]
    fn a_regulations_history_names_who_acknowledged_it_and_when() {
        let mut fixture = crate::fixture::build();
        let members = fixture.members.clone();
        let name = |id: Uuid| members.iter().find(|(_, m)| **m == id).map(|(n, _)| n.clone());
        let library = crate::LibraryDoc::load(&fixture.library).unwrap();
        let sheet = &library.regulations.iter().find(|r| r.id == fixture.regulation).unwrap().acknowledgements;
        let (member, day) = sheet.iter().next().expect("someone acknowledged it");
        let expected = format!("{} — {day}", name(Uuid::parse_str(member).unwrap()).unwrap());
        let history = of_record(&mut fixture.library, fixture.regulation, &name);
        let said: Vec<String> = history
            .iter()
            .flat_map(Entry::labelled)
            .filter(|(label, _)| label == "Ознакомлены")
            .map(|(_, value)| value)
            .collect();
        assert!(said.iter().any(|v| v.contains(&expected)), "«{expected}» in {said:?}");
        assert!(said.iter().all(|v| v != "изменено"), "{said:?}");
    }

    #[test]
    fn a_stored_day_or_a_plans_month_reads_as_the_forms_write_it() {
        assert_eq!(stored_words("2025-10-15"), "15.10.2025");
        assert_eq!(stored_words("гражданское"), "гражданское");
        assert_eq!(when_words("2025-09"), "сентябрь");
        assert_eq!(when_words("2026-05"), "май");
        assert_eq!(when_words("2026-05-12"), "12.05.2026");
        assert_eq!(stored_words("2024-12"), "2024-12", "a number typed in a form is not a month");
    }
}
