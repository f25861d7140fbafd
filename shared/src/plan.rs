//! The year plan (годовой план работы): rows with when, kind of work, topic,
//! content, responsible and expected result, and a completion mark that can
//! name the protocol that fulfilled the row.

use automerge::AutoCommit;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Error;
use crate::date::{AcademicYear, When};
use crate::fields::Spec;
use crate::form::{FieldErrors, Values};
use crate::record::{Document, Edit, Life, RecordList};

crate::choices! {
    /// Kind of work in the plan (форма работы).
    pub enum WorkKind {
        Meeting = ("meeting", "заседание МО"),
        Seminar = ("seminar", "семинар"),
        Workshop = ("workshop", "семинар-практикум"),
        OpenEvent = ("open_event", "открытое мероприятие"),
        Contest = ("contest", "конкурс"),
        Consultation = ("consultation", "консультация"),
        Visit = ("visit", "посещение мероприятий"),
        Other = ("other", "другое"),
    }
}

crate::choices! {
    /// A plan row's completion mark.
    pub enum Completion {
        Planned = ("planned", "запланировано"),
        Done = ("done", "выполнено"),
        Postponed = ("postponed", "перенесено"),
        NotDone = ("not_done", "не выполнено"),
    }
}

/// A row of the year plan.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct PlanRow {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// сроки: a day or a month
    pub when: When,
    /// форма работы
    pub kind: WorkKind,
    /// тема
    pub topic: String,
    /// содержание, вопросы
    pub content: String,
    /// ответственный (a member)
    pub responsible: Option<Uuid>,
    /// ответственный by name, where there is no member list to pick from
    /// (the РМО's plan names people of every school)
    #[autosurgeon(missing = "Default::default")]
    pub responsible_name: String,
    /// ожидаемый результат
    pub expected_result: String,
    /// отметка о выполнении
    pub completion: Completion,
    /// the protocol that fulfilled it
    pub fulfilled_by: Option<Uuid>,
    /// a note on the mark (where it was done, why postponed)
    pub completion_note: String,
    /// carried into the next year when it starts (see [`crate::next_year`])
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub recurring: bool,
}

crate::form! {
    /// A plan row form, checked. A school's plan names its responsible
    /// member, the РМО's writes them by name.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct PlanFields {
        /// сроки
        when: When = Spec::text("Срок").in_year().hint("месяц или ДД.ММ.ГГГГ"),
        /// форма работы
        kind: WorkKind = Spec::select("Форма работы"),
        /// тема
        topic: String = Spec::text("Тема").required("Укажите тему").max(500),
        /// содержание
        content: String = Spec::area("Содержание, вопросы"),
        /// ответственный
        responsible: Option<Uuid> = Spec::member("Ответственный"),
        /// ответственный by name
        responsible_name: String = Spec::text("Ответственные").hint("ФИО, школа"),
        /// ожидаемый результат
        expected_result: String = Spec::area("Ожидаемый результат"),
        /// повторяется каждый год (proposed when the next year starts)
        #[serde(default)]
        recurring: bool = Spec::check("Повторяется каждый год (предложить в плане следующего года)"),
    }
}

crate::record!(PlanRow, PlanFields { when, kind, topic, content, responsible, responsible_name, expected_result, recurring },
    rest: { completion, fulfilled_by, completion_note });

impl PlanFields {
    /// An empty row form.
    pub fn blank() -> Values {
        Values::default().with("kind", WorkKind::Meeting.code())
    }

    /// Checks a row form for `year`.
    pub fn validate(v: &Values, year: AcademicYear) -> Result<Self, FieldErrors> {
        let (fields, e) = Self::read(v, Some(year));
        e.result(|| fields)
    }
}

/// A document with a year plan whose rows its other records fulfil: a
/// school year's rows by its protocols, the РМО's by its events.
pub trait PlanDoc: Document {
    /// The plan's rows, removed ones too.
    fn plan(&self) -> &Vec<PlanRow>;

    /// The plan's rows, to change.
    fn plan_mut(&mut self) -> &mut Vec<PlanRow>;

    /// The records a row can be marked as fulfilled by, with their titles.
    fn fulfillers(&self) -> Vec<(Uuid, String)>;

    /// Whether the record `id` (on its list or removed) can fulfil a row.
    fn may_fulfil(&self, id: Uuid) -> bool;

    /// Rows on the list, by date (a month after the days within it).
    fn plan_rows(&self) -> Vec<&PlanRow> {
        let mut rows = self.plan().active();
        rows.sort_by_key(|r| (r.when.due(), matches!(r.when, When::Month(_))));
        rows
    }

    /// Adds, edits or removes a row; returns its id.
    fn edit_plan_row(doc: &mut AutoCommit, edit: Edit<PlanFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |d| edit.apply(d.plan_mut()))
    }

    /// Marks a row, optionally with the record that fulfilled it; what
    /// `mark` leaves out stays as the row has it.
    fn mark_plan_row(doc: &mut AutoCommit, id: Uuid, mark: PlanMark, now_ms: i64) -> Result<(), Error> {
        Self::change(doc, now_ms, |d| {
            if let Some(Some(p)) = mark.fulfilled_by
                && !d.may_fulfil(p)
            {
                return Err(Error::NotFound(p));
            }
            let row = d.plan_mut().by_id_mut(id)?;
            let completion = mark.completion.unwrap_or(row.completion);
            let fulfilled_by = mark.fulfilled_by.unwrap_or(row.fulfilled_by);
            let note = mark.note.unwrap_or_else(|| row.completion_note.clone());
            if (row.completion, row.fulfilled_by, &row.completion_note) != (completion, fulfilled_by, &note) {
                row.completion = completion;
                row.fulfilled_by = fulfilled_by;
                row.completion_note = note;
                row.life.edited();
            }
            Ok(())
        })
    }
}

/// A row's mark as a person changes it: the parts they set, the rest
/// (`None`) left as the row has it, so marks made one after another (done,
/// then by which protocol) each keep what the other set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlanMark {
    /// Done, moved or not done.
    pub completion: Option<Completion>,
    /// The protocol or event that fulfilled it, or none.
    pub fulfilled_by: Option<Option<Uuid>>,
    /// Where it was held, why it moved.
    pub note: Option<String>,
}

impl PlanMark {
    /// A mark setting all three.
    pub fn full(completion: Completion, fulfilled_by: Option<Uuid>, note: impl Into<String>) -> Self {
        Self { completion: Some(completion), fulfilled_by: Some(fulfilled_by), note: Some(note.into()) }
    }
}

/// How a plan's rows stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanTally {
    /// Rows on the list.
    pub total: usize,
    /// Marked done.
    pub done: usize,
    /// Marked postponed.
    pub postponed: usize,
    /// Marked not done.
    pub not_done: usize,
    /// Done, in whole percent of all rows (0 for an empty plan).
    pub percent: u32,
}

impl PlanTally {
    /// Counts `rows`.
    pub fn of(rows: &[&PlanRow]) -> Self {
        let count = |c: Completion| rows.iter().filter(|r| r.completion == c).count();
        let done = count(Completion::Done);
        Self {
            total: rows.len(),
            done,
            postponed: count(Completion::Postponed),
            not_done: count(Completion::NotDone),
            percent: if rows.is_empty() { 0 } else { (done * 100 / rows.len()) as u32 },
        }
    }
}
