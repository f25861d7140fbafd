//! Meeting protocols (протокол заседания МО): number, date, chair and
//! secretary, attendance, theme, agenda items with «слушали / выступили /
//! решили», and decisions with responsible, deadline and status. Long texts
//! are automerge text, so two people typing in one protocol both keep their
//! words.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};
use uuid::Uuid;

use crate::AssociationDoc;
use crate::date::{AcademicYear, Date};
use crate::fields::Spec;
use crate::form::{FieldErrors, Values};
use crate::record::{Life, RecordList};

/// A protocol should be written up within this many days of its meeting.
pub const PROTOCOL_DAYS: i64 = 3;

crate::choices! {
    /// Where a decision stands.
    pub enum DecisionStatus {
        Open = ("open", "в работе"),
        Done = ("done", "выполнено"),
        NotDone = ("not_done", "не выполнено"),
    }
}

/// A meeting protocol (протокол заседания МО).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Protocol {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// номер, restarting each year
    pub number: u32,
    /// дата заседания
    pub date: Date,
    /// председатель
    pub chair: Option<Uuid>,
    /// секретарь
    pub secretary: Option<Uuid>,
    /// Who was there: member id → present.
    pub attendance: BTreeMap<String, bool>,
    /// Guests, as written («педагог-психолог Сидорова А. А.»).
    pub invited: String,
    /// тема заседания
    #[serde(with = "crate::record::serde_text")]
    pub theme: Text,
    /// повестка дня
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub agenda: Vec<AgendaItem>,
    /// решения
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub decisions: Vec<Decision>,
    /// The secretary has finished writing it.
    pub completed: bool,
}

/// Whom a protocol's form asks about attendance, in alphabetical order:
/// for a protocol already written, those its attendance lists (fixed at its
/// meeting: whoever left since stays, by name, and nobody who joined since
/// appears); for a new one, the members on the list now.
pub fn attendance_roster(protocol: Option<&Protocol>, members: &AssociationDoc) -> Vec<Uuid> {
    let mut roster: Vec<(String, Uuid)> = match protocol {
        Some(p) => p.roster().into_iter().map(|id| (members.full_name(Some(id)), id)).collect(),
        None => members.active_members().iter().map(|m| (m.full_name.clone(), m.id)).collect(),
    };
    roster.sort_by_cached_key(|(name, _)| crate::text::fold(name));
    roster.into_iter().map(|(_, id)| id).collect()
}

crate::form! {
    /// A protocol's header form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ProtocolFields {
        /// номер
        number: u32 = Spec::text("Номер").required("Укажите номер протокола").range(1..=999),
        /// дата
        date: Date = Spec::date("Дата заседания").in_year(),
        /// председатель
        chair: Option<Uuid> = Spec::member("Председатель"),
        /// секретарь
        secretary: Option<Uuid> = Spec::member("Секретарь"),
        /// тема
        theme: String = Spec::area("Тема заседания").required("Укажите тему заседания"),
        /// приглашённые
        invited: String = Spec::text("Приглашённые").max(1000),
        /// оформлен
        completed: bool = Spec::check("Протокол оформлен");
        extra, shown by attendance_values:
        /// member id → present: a tick `present:<id>` for each member of
        /// the protocol's roster (see [`attendance_roster`])
        attendance: BTreeMap<String, bool>,
    }
}

crate::record!(Protocol, ProtocolFields { number, date, chair, secretary, attendance, invited, completed },
    text: { theme }, rest: { agenda, decisions });

impl Protocol {
    /// Everyone the attendance lists, present or not: fixed at the meeting.
    pub fn roster(&self) -> Vec<Uuid> {
        self.attendance.keys().filter_map(|id| id.parse().ok()).collect()
    }

    /// Members present.
    pub fn present(&self) -> Vec<Uuid> {
        self.attendance.iter().filter(|(_, here)| **here).filter_map(|(id, _)| id.parse().ok()).collect()
    }

    /// Agenda items on the list, in order.
    pub fn agenda_items(&self) -> Vec<&AgendaItem> {
        self.agenda.active()
    }

    /// Decisions on the list, in order.
    pub fn decision_list(&self) -> Vec<&Decision> {
        self.decisions.active()
    }

    /// The decisions of agenda question `item` (with `None`, those that
    /// name no question), in order.
    pub fn decisions_on(&self, item: Option<Uuid>) -> Vec<&Decision> {
        let live = |i: &Uuid| self.agenda.iter().any(|a| a.id == *i && a.life.is_active());
        // A decision whose question was removed prints with the rest.
        self.decision_list().into_iter().filter(|d| d.item.filter(live) == item).collect()
    }

    /// «Протокол № 2 от 15.10.2026».
    pub fn title(&self) -> String {
        Self::title_of(self.number, self.date)
    }

    /// A protocol's title from its number and date, however they were read
    /// («История» reads them from the document as it was).
    pub fn title_of(number: impl std::fmt::Display, date: impl std::fmt::Display) -> String {
        format!("Протокол № {number} от {date}")
    }
}

impl ProtocolFields {
    /// The attendance ticks of the form's values.
    fn attendance_values(&self, values: &mut Values) {
        for (id, here) in &self.attendance {
            values.set(&format!("present:{id}"), here.to_string());
        }
    }

    /// Checks a protocol form: the number must be free among `others` of
    /// the year and the date within it. Attendance comes from `present:<id>`
    /// checkboxes of `roster` (see [`attendance_roster`]).
    pub fn validate(
        v: &Values,
        year: AcademicYear,
        others: &[&Protocol],
        roster: &[Uuid],
    ) -> Result<Self, FieldErrors> {
        let (mut fields, mut e) = Self::read(v, Some(year));
        if e.get("number").is_none()
            && let Some(taken) = others.iter().find(|p| p.number == fields.number)
        {
            e.add("number", format!("Номер {} уже у протокола от {}", fields.number, taken.date));
        }
        fields.attendance = roster.iter().map(|id| (id.to_string(), v.flag(&format!("present:{id}")))).collect();
        e.result(|| fields)
    }
}

/// An item of the agenda (вопрос повестки дня).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct AgendaItem {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// вопрос
    #[serde(with = "crate::record::serde_text")]
    pub topic: Text,
    /// докладчик (a member's name or a guest)
    pub speaker: String,
    /// СЛУШАЛИ
    #[serde(with = "crate::record::serde_text")]
    pub heard: Text,
    /// ВЫСТУПИЛИ
    #[serde(with = "crate::record::serde_text")]
    pub spoke: Text,
    /// РЕШИЛИ / ПОСТАНОВИЛИ
    #[serde(with = "crate::record::serde_text")]
    pub decided: Text,
}

crate::form! {
    /// An agenda item's form, checked.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    pub struct AgendaFields {
        /// вопрос
        topic: String = Spec::area("Вопрос").required("Укажите вопрос повестки"),
        /// докладчик
        speaker: String = Spec::text("Докладчик").max(200),
        /// слушали
        heard: String = Spec::area("СЛУШАЛИ"),
        /// выступили
        spoke: String = Spec::area("ВЫСТУПИЛИ"),
        /// решили
        decided: String = Spec::area("РЕШИЛИ (общими словами; решения с ответственным и сроком — в «Решениях»)"),
    }
}

crate::record!(AgendaItem, AgendaFields { speaker }, text: { topic, heard, spoke, decided });

impl AgendaFields {
    /// Checks an agenda item form.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let (fields, e) = Self::read(v, None);
        e.result(|| fields)
    }
}

/// A decision of the meeting, with who does it by when.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Decision {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// what was decided
    #[serde(with = "crate::record::serde_text")]
    pub text: Text,
    /// ответственный
    pub responsible: Option<Uuid>,
    /// срок
    pub deadline: Option<Date>,
    /// исполнение
    pub status: DecisionStatus,
    /// The agenda question it decides: printed under that question's
    /// «РЕШИЛИ», once. Decisions written before they named one have none
    /// and print under «ПОСТАНОВИЛИ» after the agenda.
    #[autosurgeon(missing = "Default::default")]
    pub item: Option<Uuid>,
}

crate::form! {
    /// A decision's form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct DecisionFields {
        /// по вопросу повестки
        item: Option<Uuid> = Spec::pick("По вопросу повестки"),
        /// what was decided
        text: String = Spec::area("Решение").required("Запишите решение"),
        /// ответственный
        responsible: Option<Uuid> = Spec::member("Ответственный"),
        /// срок
        deadline: Option<Date> = Spec::date("Срок"),
        /// исполнение
        status: DecisionStatus = Spec::select("Исполнение"),
    }
}

crate::record!(Decision, DecisionFields { responsible, deadline, status, item }, text: { text });

impl DecisionFields {
    /// An empty decision form.
    pub fn blank() -> Values {
        Values::default().with("status", DecisionStatus::Open.code())
    }

    /// Checks a decision of the meeting held on `meeting`, whose agenda
    /// questions are `items`: due no earlier than the meeting, and about
    /// one of its questions if it names one.
    pub fn validate(v: &Values, meeting: Date, items: &[Uuid]) -> Result<Self, FieldErrors> {
        let (fields, mut e) = Self::read(v, None);
        if let Some(d) = fields.deadline
            && d < meeting
        {
            e.add("deadline", format!("Срок не может быть раньше даты заседания ({meeting})"));
        }
        if fields.item.is_some_and(|i| !items.contains(&i)) {
            e.add("item", "Выберите вопрос из повестки этого протокола");
        }
        e.result(|| fields)
    }
}
