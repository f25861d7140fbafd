//! One academic year of a school МО, one automerge document: the profile
//! (methodical theme, goal, tasks, head), the year plan with its completion
//! marks, the protocols of the meetings, and the analyses.
//!
//! Its id is derived from the association's and the year
//! ([`YearDoc::id_for`]), so every device opens the same document for
//! 2026/2027 without asking anyone, even offline.

use std::collections::BTreeMap;

use automerge::AutoCommit;
use autosurgeon::{Hydrate, Reconcile, Text};
use uuid::Uuid;

use crate::date::{AcademicYear, Date, When};
use crate::form::{FieldErrors, Values, date_value, member_value};
use crate::record::{Document, Edit, Life, RecordList};
use crate::{DocumentId, Error};

/// The newest layout of a year document this build reads and writes.
pub const YEAR_SCHEMA_VERSION: u64 = 1;
/// A protocol should be written up within this many days of its meeting.
pub const PROTOCOL_DAYS: i64 = 3;

/// A year's records.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct YearDoc {
    /// Layout version; a client never rewrites a newer one.
    #[autosurgeon(hydrate = "crate::lenient::whole")]
    pub schema_version: u64,
    /// The academic year, by the calendar year it starts in.
    #[autosurgeon(hydrate = "crate::lenient::whole")]
    pub year: u32,
    /// Methodical theme, goal, tasks, head.
    pub profile: Profile,
    /// The year plan (годовой план работы).
    pub plan: Vec<PlanRow>,
    /// Meeting protocols.
    pub protocols: Vec<Protocol>,
    /// Analyses after events and checks.
    pub analyses: Vec<Analysis>,
}

impl Document for YearDoc {
    const SCHEMA_VERSION: u64 = YEAR_SCHEMA_VERSION;

    fn schema_version(&self) -> u64 {
        self.schema_version
    }

    fn set_schema_version(&mut self, version: u64) {
        self.schema_version = version;
    }
}

/// The association's profile for one year.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate)]
pub struct Profile {
    /// методическая тема
    pub theme: Text,
    /// цель
    pub goal: Text,
    /// задачи, one per line
    pub tasks: Text,
    /// руководитель МО (a member)
    pub head: Option<Uuid>,
}

/// A profile form, checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProfileFields {
    /// методическая тема
    pub theme: String,
    /// цель
    pub goal: String,
    /// задачи, one per line
    pub tasks: String,
    /// руководитель МО
    pub head: Option<Uuid>,
}

impl Profile {
    /// The tasks, one per line, without blanks and list numbers.
    pub fn task_list(&self) -> Vec<String> {
        self.tasks
            .as_str()
            .lines()
            .map(|l| l.trim().trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ')' | '-' | '–')))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The form's values.
    pub fn to_values(&self) -> Values {
        Values::from([
            ("theme", self.theme.as_str().to_owned()),
            ("goal", self.goal.as_str().to_owned()),
            ("tasks", self.tasks.as_str().to_owned()),
            ("head", member_value(self.head)),
        ])
    }
}

impl ProfileFields {
    /// Checks a profile form.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::default();
        let theme = e.long_text(v, "theme", Some("Укажите методическую тему"));
        let goal = e.long_text(v, "goal", None);
        let tasks = e.long_text(v, "tasks", None);
        let head = e.member(v, "head", None);
        e.result(|| Self { theme, goal, tasks, head })
    }
}

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
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
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
    /// ожидаемый результат
    pub expected_result: String,
    /// отметка о выполнении
    pub completion: Completion,
    /// the protocol that fulfilled it
    pub fulfilled_by: Option<Uuid>,
    /// a note on the mark (where it was done, why postponed)
    pub completion_note: String,
}

/// A plan row form, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanFields {
    /// сроки
    pub when: When,
    /// форма работы
    pub kind: WorkKind,
    /// тема
    pub topic: String,
    /// содержание
    pub content: String,
    /// ответственный
    pub responsible: Option<Uuid>,
    /// ожидаемый результат
    pub expected_result: String,
}

crate::record!(PlanRow, PlanFields { when, kind, topic, content, responsible, expected_result },
    rest: { completion, fulfilled_by, completion_note });

impl PlanFields {
    /// An empty row form.
    pub fn blank() -> Values {
        Values::default().with("kind", WorkKind::Meeting.code())
    }

    /// The form's values.
    pub fn to_values(&self) -> Values {
        Values::from([
            ("when", self.when.label()),
            ("kind", self.kind.code().to_owned()),
            ("topic", self.topic.clone()),
            ("content", self.content.clone()),
            ("responsible", member_value(self.responsible)),
            ("expected_result", self.expected_result.clone()),
        ])
    }

    /// Checks a row form for `year`.
    pub fn validate(v: &Values, year: AcademicYear) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::default();
        let when = When::parse(v.get("when"), year).map_err(|m| e.add("when", m)).ok();
        let kind = e.choice(v, "kind", WorkKind::from_code);
        let topic = e.text(v, "topic", Some("Укажите тему"), 500);
        let content = e.long_text(v, "content", None);
        let responsible = e.member(v, "responsible", None);
        let expected_result = e.long_text(v, "expected_result", None);
        e.result(|| Self {
            when: when.expect("checked"),
            kind: kind.unwrap_or_default(),
            topic,
            content,
            responsible,
            expected_result,
        })
    }
}

crate::choices! {
    /// Where a decision stands.
    pub enum DecisionStatus {
        Open = ("open", "в работе"),
        Done = ("done", "выполнено"),
        NotDone = ("not_done", "не выполнено"),
    }
}

/// A meeting protocol (протокол заседания МО).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
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
    pub theme: Text,
    /// повестка дня
    pub agenda: Vec<AgendaItem>,
    /// решения
    pub decisions: Vec<Decision>,
    /// The secretary has finished writing it.
    pub completed: bool,
}

/// A protocol's header form, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolFields {
    /// номер
    pub number: u32,
    /// дата
    pub date: Date,
    /// председатель
    pub chair: Option<Uuid>,
    /// секретарь
    pub secretary: Option<Uuid>,
    /// member id → present
    pub attendance: BTreeMap<String, bool>,
    /// приглашённые
    pub invited: String,
    /// тема
    pub theme: String,
    /// оформлен
    pub completed: bool,
}

crate::record!(Protocol, ProtocolFields { number, date, chair, secretary, attendance, invited, completed },
    text: { theme }, rest: { agenda, decisions });

impl Protocol {
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

    /// «Протокол № 2 от 15.10.2026».
    pub fn title(&self) -> String {
        format!("Протокол № {} от {}", self.number, self.date)
    }
}

impl ProtocolFields {
    /// The form's values.
    pub fn to_values(&self) -> Values {
        let mut v = Values::from([
            ("number", self.number.to_string()),
            ("date", self.date.to_string()),
            ("chair", member_value(self.chair)),
            ("secretary", member_value(self.secretary)),
            ("invited", self.invited.clone()),
            ("theme", self.theme.clone()),
            ("completed", self.completed.to_string()),
        ]);
        for (id, here) in &self.attendance {
            v.set(&format!("present:{id}"), here.to_string());
        }
        v
    }

    /// Checks a protocol form: the number must be free among `others` of
    /// the year and the date within it. Attendance comes from `present:<id>`
    /// checkboxes of `members`.
    pub fn validate(
        v: &Values,
        year: AcademicYear,
        others: &[&Protocol],
        members: &[Uuid],
    ) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::default();
        let number = e.number(v, "number", Some("Укажите номер протокола"), 1..=999);
        if let Some(n) = number
            && let Some(taken) = others.iter().find(|p| p.number == n)
        {
            e.add("number", format!("Номер {n} уже у протокола от {}", taken.date));
        }
        let date = e.date(v, "date", true, Some(year));
        let chair = e.member(v, "chair", None);
        let secretary = e.member(v, "secretary", None);
        let invited = e.text(v, "invited", None, 1000);
        let theme = e.long_text(v, "theme", Some("Укажите тему заседания"));
        let attendance = members.iter().map(|id| (id.to_string(), v.flag(&format!("present:{id}")))).collect();
        let completed = v.flag("completed");
        e.result(|| Self {
            number: number.unwrap_or_default(),
            date: date.expect("checked"),
            chair,
            secretary,
            attendance,
            invited,
            theme,
            completed,
        })
    }
}

/// An item of the agenda (вопрос повестки дня).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct AgendaItem {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// вопрос
    pub topic: Text,
    /// докладчик (a member's name or a guest)
    pub speaker: String,
    /// СЛУШАЛИ
    pub heard: Text,
    /// ВЫСТУПИЛИ
    pub spoke: Text,
    /// РЕШИЛИ / ПОСТАНОВИЛИ
    pub decided: Text,
}

/// An agenda item form, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct AgendaFields {
    /// вопрос
    pub topic: String,
    /// докладчик
    pub speaker: String,
    /// слушали
    pub heard: String,
    /// выступили
    pub spoke: String,
    /// решили
    pub decided: String,
}

crate::record!(AgendaItem, AgendaFields { speaker }, text: { topic, heard, spoke, decided });

impl AgendaFields {
    /// The form's values.
    pub fn to_values(&self) -> Values {
        Values::from([
            ("topic", self.topic.clone()),
            ("speaker", self.speaker.clone()),
            ("heard", self.heard.clone()),
            ("spoke", self.spoke.clone()),
            ("decided", self.decided.clone()),
        ])
    }

    /// Checks an agenda item form.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::default();
        let topic = e.long_text(v, "topic", Some("Укажите вопрос повестки"));
        let speaker = e.text(v, "speaker", None, 200);
        let heard = e.long_text(v, "heard", None);
        let spoke = e.long_text(v, "spoke", None);
        let decided = e.long_text(v, "decided", None);
        e.result(|| Self { topic, speaker, heard, spoke, decided })
    }
}

/// A decision of the meeting, with who does it by when.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Decision {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// what was decided
    pub text: Text,
    /// ответственный
    pub responsible: Option<Uuid>,
    /// срок
    pub deadline: Option<Date>,
    /// исполнение
    pub status: DecisionStatus,
}

/// A decision form, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionFields {
    /// what was decided
    pub text: String,
    /// ответственный
    pub responsible: Option<Uuid>,
    /// срок
    pub deadline: Option<Date>,
    /// исполнение
    pub status: DecisionStatus,
}

crate::record!(Decision, DecisionFields { responsible, deadline, status }, text: { text });

impl DecisionFields {
    /// An empty decision form.
    pub fn blank() -> Values {
        Values::default().with("status", DecisionStatus::Open.code())
    }

    /// The form's values.
    pub fn to_values(&self) -> Values {
        Values::from([
            ("text", self.text.clone()),
            ("responsible", member_value(self.responsible)),
            ("deadline", date_value(self.deadline)),
            ("status", self.status.code().to_owned()),
        ])
    }

    /// Checks a decision of the meeting held on `meeting`.
    pub fn validate(v: &Values, meeting: Date) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::default();
        let text = e.long_text(v, "text", Some("Запишите решение"));
        let responsible = e.member(v, "responsible", None);
        let deadline = e.date(v, "deadline", false, None);
        if let Some(d) = deadline
            && d < meeting
        {
            e.add("deadline", format!("Срок не может быть раньше даты заседания ({meeting})"));
        }
        let status = e.choice(v, "status", DecisionStatus::from_code);
        e.result(|| Self { text, responsible, deadline, status: status.unwrap_or_default() })
    }
}

crate::choices! {
    /// What an analysis follows.
    pub enum AnalysisKind {
        Event = ("event", "анализ мероприятия"),
        Check = ("check", "по итогам тематической проверки"),
        Other = ("other", "другое"),
    }
}

/// An analysis (аналитическая справка).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Analysis {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// после чего
    pub kind: AnalysisKind,
    /// название
    pub title: String,
    /// дата
    pub date: Date,
    /// предмет анализа
    pub subject: String,
    /// текст
    pub text: Text,
    /// выводы
    pub conclusions: Text,
    /// рекомендации
    pub recommendations: Text,
}

/// An analysis form, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisFields {
    /// после чего
    pub kind: AnalysisKind,
    /// название
    pub title: String,
    /// дата
    pub date: Date,
    /// предмет
    pub subject: String,
    /// текст
    pub text: String,
    /// выводы
    pub conclusions: String,
    /// рекомендации
    pub recommendations: String,
}

crate::record!(Analysis, AnalysisFields { kind, title, date, subject }, text: { text, conclusions, recommendations });

impl AnalysisFields {
    /// An empty analysis form.
    pub fn blank() -> Values {
        Values::default().with("kind", AnalysisKind::Event.code())
    }

    /// The form's values.
    pub fn to_values(&self) -> Values {
        Values::from([
            ("kind", self.kind.code().to_owned()),
            ("title", self.title.clone()),
            ("date", self.date.to_string()),
            ("subject", self.subject.clone()),
            ("text", self.text.clone()),
            ("conclusions", self.conclusions.clone()),
            ("recommendations", self.recommendations.clone()),
        ])
    }

    /// Checks an analysis form for `year`.
    pub fn validate(v: &Values, year: AcademicYear) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = e.choice(v, "kind", AnalysisKind::from_code);
        let title = e.text(v, "title", Some("Укажите название"), 300);
        let date = e.date(v, "date", true, Some(year));
        let subject = e.text(v, "subject", None, 500);
        let text = e.long_text(v, "text", Some("Напишите текст анализа"));
        let conclusions = e.long_text(v, "conclusions", None);
        let recommendations = e.long_text(v, "recommendations", None);
        e.result(|| Self {
            kind: kind.unwrap_or_default(),
            title,
            date: date.expect("checked"),
            subject,
            text,
            conclusions,
            recommendations,
        })
    }
}

/// What needs the head's attention, as of a day.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dashboard {
    /// Plan rows on the list.
    pub plan_total: usize,
    /// Of those, marked done.
    pub plan_done: usize,
    /// Done, in whole percent of all rows.
    pub plan_percent: u32,
    /// Rows past their date with no mark.
    pub overdue_rows: Vec<Uuid>,
    /// Rows due within the next 30 days.
    pub upcoming_rows: Vec<Uuid>,
    /// (protocol, decision) pairs past their deadline and still open.
    pub overdue_decisions: Vec<(Uuid, Uuid)>,
    /// Protocols not completed [`PROTOCOL_DAYS`] days after their meeting.
    pub unfinished_protocols: Vec<Uuid>,
    /// Protocol numbers held by more than one protocol (after a merge).
    pub duplicate_numbers: Vec<u32>,
}

impl YearDoc {
    /// The id of `association`'s document for `year`.
    pub fn id_for(association: &DocumentId, year: AcademicYear) -> DocumentId {
        association.derive(&format!("year/{}", year.0))
    }

    /// A new, empty year document (see [`Document::create_with`]).
    pub fn create(association: &DocumentId, year: AcademicYear) -> AutoCommit {
        let empty = Self {
            schema_version: 1,
            year: year.0.unsigned_abs(),
            profile: Profile::default(),
            plan: Vec::new(),
            protocols: Vec::new(),
            analyses: Vec::new(),
        };
        Self::create_with(&Self::id_for(association, year), &empty)
    }

    /// The academic year.
    pub fn academic_year(&self) -> AcademicYear {
        AcademicYear(i32::try_from(self.year).unwrap_or_default())
    }

    /// Plan rows on the list, by date.
    pub fn plan_rows(&self) -> Vec<&PlanRow> {
        let mut rows = self.plan.active();
        rows.sort_by_key(|r| (r.when.due(), matches!(r.when, When::Month(_))));
        rows
    }

    /// Protocols on the list, by number then date.
    pub fn protocol_list(&self) -> Vec<&Protocol> {
        let mut list = self.protocols.active();
        list.sort_by_key(|p| (p.number, p.date));
        list
    }

    /// Analyses on the list, newest first.
    pub fn analysis_list(&self) -> Vec<&Analysis> {
        let mut list = self.analyses.active();
        list.sort_by_key(|a| std::cmp::Reverse(a.date));
        list
    }

    /// A protocol by id.
    pub fn protocol(&self, id: Uuid) -> Option<&Protocol> {
        self.protocols.by_id(id)
    }

    /// The number the next protocol gets.
    pub fn next_protocol_number(&self) -> u32 {
        self.protocols.active().iter().map(|p| p.number).max().unwrap_or(0) + 1
    }

    /// Protocols of the year other than `id`, for checking a number.
    pub fn other_protocols(&self, id: Option<Uuid>) -> Vec<&Protocol> {
        self.protocol_list().into_iter().filter(|p| Some(p.id) != id).collect()
    }

    /// What the dashboard shows on `today`.
    pub fn dashboard(&self, today: Date) -> Dashboard {
        let rows = self.plan_rows();
        let plan_done = rows.iter().filter(|r| r.completion == Completion::Done).count();
        let percent = if rows.is_empty() { 0 } else { (plan_done * 100 / rows.len()) as u32 };
        let overdue_rows =
            rows.iter().filter(|r| r.completion == Completion::Planned && r.when.due() < today).map(|r| r.id).collect();
        let upcoming_rows = rows
            .iter()
            .filter(|r| r.completion == Completion::Planned && r.when.due() >= today)
            .filter(|r| r.when.due().days() - today.days() <= 30)
            .map(|r| r.id)
            .collect();
        let protocols = self.protocol_list();
        let mut overdue_decisions = Vec::new();
        for p in &protocols {
            for d in p.decision_list() {
                if d.status == DecisionStatus::Open && d.deadline.is_some_and(|dl| dl < today) {
                    overdue_decisions.push((p.id, d.id));
                }
            }
        }
        let unfinished_protocols = protocols
            .iter()
            .filter(|p| !p.completed && p.date.plus_days(PROTOCOL_DAYS) < today)
            .map(|p| p.id)
            .collect();
        let mut duplicate_numbers: Vec<u32> =
            protocols.windows(2).filter(|w| w[0].number == w[1].number).map(|w| w[0].number).collect();
        duplicate_numbers.dedup();
        Dashboard {
            plan_total: rows.len(),
            plan_done,
            plan_percent: percent,
            overdue_rows,
            upcoming_rows,
            overdue_decisions,
            unfinished_protocols,
            duplicate_numbers,
        }
    }

    /// Replaces the profile.
    pub fn set_profile(doc: &mut AutoCommit, fields: ProfileFields, now_ms: i64) -> Result<(), Error> {
        Self::change(doc, now_ms, |y| {
            let p = &mut y.profile;
            for (text, new) in
                [(&mut p.theme, &fields.theme), (&mut p.goal, &fields.goal), (&mut p.tasks, &fields.tasks)]
            {
                if text.as_str() != new {
                    text.update(new);
                }
            }
            p.head = fields.head;
            Ok(())
        })
    }

    /// Adds, edits or removes a plan row; returns its id.
    pub fn edit_plan_row(doc: &mut AutoCommit, edit: Edit<PlanFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |y| edit.apply(&mut y.plan))
    }

    /// Marks a plan row, optionally with the protocol that fulfilled it.
    pub fn mark_plan_row(
        doc: &mut AutoCommit,
        id: Uuid,
        completion: Completion,
        fulfilled_by: Option<Uuid>,
        note: String,
        now_ms: i64,
    ) -> Result<(), Error> {
        Self::change(doc, now_ms, |y| {
            if let Some(p) = fulfilled_by
                && y.protocols.by_id(p).is_none()
            {
                return Err(Error::NotFound(p));
            }
            let row = y.plan.by_id_mut(id)?;
            if (row.completion, row.fulfilled_by, &row.completion_note) != (completion, fulfilled_by, &note) {
                row.completion = completion;
                row.fulfilled_by = fulfilled_by;
                row.completion_note = note;
                row.life.edited();
            }
            Ok(())
        })
    }

    /// Adds, edits or removes a protocol; returns its id.
    pub fn edit_protocol(doc: &mut AutoCommit, edit: Edit<ProtocolFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |y| edit.apply(&mut y.protocols))
    }

    /// Gives a protocol whose number another protocol also holds the next
    /// free number.
    pub fn renumber_protocol(doc: &mut AutoCommit, id: Uuid, now_ms: i64) -> Result<u32, Error> {
        Self::change(doc, now_ms, |y| {
            let next = y.next_protocol_number();
            let p = y.protocols.by_id_mut(id)?;
            p.number = next;
            p.life.edited();
            Ok(next)
        })
    }

    /// Adds, edits or removes an agenda item of a protocol.
    pub fn edit_agenda(
        doc: &mut AutoCommit,
        protocol: Uuid,
        item: Edit<AgendaFields>,
        now_ms: i64,
    ) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |y| item.apply(&mut y.protocols.by_id_mut(protocol)?.agenda))
    }

    /// Adds, edits or removes a decision of a protocol.
    pub fn edit_decision(
        doc: &mut AutoCommit,
        protocol: Uuid,
        decision: Edit<DecisionFields>,
        now_ms: i64,
    ) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |y| decision.apply(&mut y.protocols.by_id_mut(protocol)?.decisions))
    }

    /// Sets a decision's status.
    pub fn set_decision_status(
        doc: &mut AutoCommit,
        protocol: Uuid,
        decision: Uuid,
        status: DecisionStatus,
        now_ms: i64,
    ) -> Result<(), Error> {
        Self::change(doc, now_ms, |y| {
            let d = y.protocols.by_id_mut(protocol)?.decisions.by_id_mut(decision)?;
            if d.status != status {
                d.status = status;
                d.life.edited();
            }
            Ok(())
        })
    }

    /// Adds, edits or removes an analysis; returns its id.
    pub fn edit_analysis(doc: &mut AutoCommit, edit: Edit<AnalysisFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |y| edit.apply(&mut y.analyses))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;
    use crate::record::tests::merge_both;

    const Y: AcademicYear = AcademicYear(2026);

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn two_devices() -> (AutoCommit, AutoCommit) {
        let association = DocumentId::random();
        (YearDoc::create(&association, Y), YearDoc::create(&association, Y))
    }

    fn load(doc: &AutoCommit) -> YearDoc {
        YearDoc::load(doc).unwrap()
    }

    fn row(topic: &str, when: &str) -> PlanFields {
        PlanFields::validate(&PlanFields::blank().with("topic", topic).with("when", when), Y).unwrap()
    }

    fn protocol(number: u32, date: &str, theme: &str) -> ProtocolFields {
        ProtocolFields {
            number,
            date: d(date),
            chair: None,
            secretary: None,
            attendance: BTreeMap::new(),
            invited: String::new(),
            theme: theme.into(),
            completed: false,
        }
    }

    #[test]
    fn year_documents_are_the_same_document_on_every_device() {
        let association = DocumentId::random();
        assert_eq!(YearDoc::id_for(&association, Y), YearDoc::id_for(&association, Y));
        assert_ne!(YearDoc::id_for(&association, Y), YearDoc::id_for(&association, AcademicYear(2027)));
        let (mut a, mut b) = two_devices();
        assert_eq!(a.get_heads(), b.get_heads());
        assert_eq!(load(&a).academic_year(), Y);
    }

    #[test]
    fn profile_fields_edited_on_two_devices_both_survive() {
        let (mut a, mut b) = two_devices();
        let fields = |theme: &str, goal: &str| ProfileFields {
            theme: theme.into(),
            goal: goal.into(),
            tasks: "1. Повышать мастерство\n2. Обобщать опыт".into(),
            head: None,
        };
        YearDoc::set_profile(&mut a, fields("Воспитание гражданина", ""), 1).unwrap();
        merge_both(&mut a, &mut b);
        YearDoc::set_profile(&mut a, fields("Воспитание гражданина и патриота", ""), 2).unwrap();
        YearDoc::set_profile(&mut b, fields("Воспитание гражданина", "Совершенствование работы"), 3).unwrap();
        merge_both(&mut a, &mut b);
        let p = load(&a).profile;
        assert_eq!(p.theme.as_str(), "Воспитание гражданина и патриота");
        assert_eq!(p.goal.as_str(), "Совершенствование работы");
        assert_eq!(p.task_list(), ["Повышать мастерство", "Обобщать опыт"]);
    }

    #[test]
    fn plan_rows_added_and_marked_on_two_devices_merge() {
        let (mut a, mut b) = two_devices();
        let first =
            YearDoc::edit_plan_row(&mut a, Edit::Add(row("Планирование работы на год", "сентябрь")), 1).unwrap();
        merge_both(&mut a, &mut b);
        YearDoc::edit_plan_row(&mut b, Edit::Add(row("Семинар «Классный час»", "15.11.2026")), 2).unwrap();
        YearDoc::mark_plan_row(&mut a, first, Completion::Done, None, String::new(), 3).unwrap();
        let mut edited = row("Планирование работы на 2026/2027", "сентябрь");
        edited.content = "Утверждение плана".into();
        YearDoc::edit_plan_row(&mut b, Edit::Update(first, edited), 4).unwrap();
        merge_both(&mut a, &mut b);
        let y = load(&b);
        assert_eq!(y.plan_rows().len(), 2);
        let r = y.plan.by_id(first).unwrap();
        assert_eq!(
            (r.completion, r.topic.as_str(), r.content.as_str()),
            (Completion::Done, "Планирование работы на 2026/2027", "Утверждение плана")
        );
    }

    #[test]
    fn two_people_typing_in_one_protocol_offline_both_keep_their_words() {
        let (mut a, mut b) = two_devices();
        let p = YearDoc::edit_protocol(&mut a, Edit::Add(protocol(1, "15.09.2026", "Организация работы")), 1).unwrap();
        let item = YearDoc::edit_agenda(
            &mut a,
            p,
            Edit::Add(AgendaFields {
                topic: "Утверждение плана".into(),
                speaker: "Иванова М. П.".into(),
                heard: "Иванову М. П., которая представила план.".into(),
                spoke: String::new(),
                decided: "Утвердить план.".into(),
            }),
            2,
        )
        .unwrap();
        merge_both(&mut a, &mut b);

        let fields_of = |doc: &AutoCommit| load(doc).protocol(p).unwrap().agenda.by_id(item).unwrap().fields();
        let mut on_a = fields_of(&a);
        on_a.heard = "Иванову М. П., которая подробно представила план.".into();
        YearDoc::edit_agenda(&mut a, p, Edit::Update(item, on_a), 3).unwrap();
        let mut on_b = fields_of(&b);
        on_b.heard = "Иванову М. П., которая представила план на год.".into();
        on_b.decided = "Утвердить план с дополнениями.".into();
        YearDoc::edit_agenda(&mut b, p, Edit::Update(item, on_b), 4).unwrap();
        let mut theme_a = load(&a).protocol(p).unwrap().fields();
        theme_a.theme = "Организация работы МО".into();
        YearDoc::edit_protocol(&mut a, Edit::Update(p, theme_a), 5).unwrap();
        merge_both(&mut a, &mut b);

        let merged = fields_of(&a);
        assert_eq!(merged.heard, "Иванову М. П., которая подробно представила план на год.");
        assert_eq!(merged.decided, "Утвердить план с дополнениями.");
        assert_eq!(load(&b).protocol(p).unwrap().theme.as_str(), "Организация работы МО");
    }

    #[test]
    fn decisions_added_on_two_devices_both_count_and_overdue_ones_show() {
        let (mut a, mut b) = two_devices();
        let p = YearDoc::edit_protocol(&mut a, Edit::Add(protocol(1, "15.09.2026", "Организация работы")), 1).unwrap();
        merge_both(&mut a, &mut b);
        let decision = |text: &str, deadline: &str| {
            DecisionFields::validate(
                &DecisionFields::blank().with("text", text).with("deadline", deadline),
                d("15.09.2026"),
            )
            .unwrap()
        };
        let late = YearDoc::edit_decision(&mut a, p, Edit::Add(decision("Сдать планы", "01.10.2026")), 2).unwrap();
        let done =
            YearDoc::edit_decision(&mut b, p, Edit::Add(decision("Провести классные часы", "20.09.2026")), 3).unwrap();
        YearDoc::set_decision_status(&mut b, p, done, DecisionStatus::Done, 4).unwrap();
        merge_both(&mut a, &mut b);
        let y = load(&a);
        assert_eq!(y.protocol(p).unwrap().decision_list().len(), 2);
        let dash = y.dashboard(d("22.11.2026"));
        assert_eq!(dash.overdue_decisions, [(p, late)]);
        assert_eq!(dash.unfinished_protocols, [p], "not completed 3 days after the meeting");
    }

    #[test]
    fn a_deadline_before_the_meeting_is_refused() {
        let e = DecisionFields::validate(
            &DecisionFields::blank().with("text", "Сдать").with("deadline", "10.09.2026"),
            d("15.09.2026"),
        )
        .unwrap_err();
        assert_eq!(e.get("deadline"), Some("Срок не может быть раньше даты заседания (15.09.2026)"));
    }

    #[test]
    fn protocol_numbers_run_on_and_duplicates_after_a_merge_are_shown_and_resolved() {
        let (mut a, mut b) = two_devices();
        YearDoc::edit_protocol(&mut a, Edit::Add(protocol(1, "15.09.2026", "Первое")), 1).unwrap();
        merge_both(&mut a, &mut b);
        assert_eq!(load(&a).next_protocol_number(), 2);
        let on_a = YearDoc::edit_protocol(&mut a, Edit::Add(protocol(2, "12.11.2026", "Второе")), 2).unwrap();
        let on_b = YearDoc::edit_protocol(&mut b, Edit::Add(protocol(2, "14.11.2026", "Тоже второе")), 3).unwrap();
        merge_both(&mut a, &mut b);
        let y = load(&a);
        assert_eq!(y.dashboard(d("15.11.2026")).duplicate_numbers, [2]);
        let taken = ProtocolFields::validate(
            &protocol(2, "16.11.2026", "Третье").to_values(),
            Y,
            &y.other_protocols(None),
            &[],
        )
        .unwrap_err();
        assert_eq!(taken.get("number"), Some("Номер 2 уже у протокола от 12.11.2026"));

        assert_eq!(YearDoc::renumber_protocol(&mut b, on_b, 4).unwrap(), 3);
        merge_both(&mut a, &mut b);
        let y = load(&a);
        assert!(y.dashboard(d("15.11.2026")).duplicate_numbers.is_empty());
        assert_eq!((y.protocol(on_a).unwrap().number, y.protocol(on_b).unwrap().number), (2, 3));
    }

    #[test]
    fn analyses_edited_on_two_devices_merge_field_by_field() {
        let (mut a, mut b) = two_devices();
        let fields = AnalysisFields::validate(
            &AnalysisFields::blank()
                .with("title", "Анализ классных часов")
                .with("date", "20.10.2026")
                .with("text", "Проведено 12 классных часов."),
            Y,
        )
        .unwrap();
        let id = YearDoc::edit_analysis(&mut a, Edit::Add(fields.clone()), 1).unwrap();
        merge_both(&mut a, &mut b);
        YearDoc::edit_analysis(
            &mut a,
            Edit::Update(id, AnalysisFields { conclusions: "Цели достигнуты.".into(), ..fields.clone() }),
            2,
        )
        .unwrap();
        YearDoc::edit_analysis(
            &mut b,
            Edit::Update(
                id,
                AnalysisFields {
                    recommendations: "Шире привлекать родителей.".into(), ..fields
                },
            ),
            3,
        )
        .unwrap();
        merge_both(&mut a, &mut b);
        let y = load(&a);
        let an = y.analyses.by_id(id).unwrap();
        assert_eq!(
            (an.conclusions.as_str(), an.recommendations.as_str()),
            ("Цели достигнуты.", "Шире привлекать родителей.")
        );
    }

    #[test]
    fn the_dashboard_counts_completion_and_overdue_rows() {
        let (mut a, _) = two_devices();
        let sept = YearDoc::edit_plan_row(&mut a, Edit::Add(row("Заседание 1", "сентябрь")), 1).unwrap();
        let oct = YearDoc::edit_plan_row(&mut a, Edit::Add(row("Семинар", "20.10.2026")), 2).unwrap();
        let dec = YearDoc::edit_plan_row(&mut a, Edit::Add(row("Конкурс", "10.12.2026")), 3).unwrap();
        YearDoc::edit_plan_row(&mut a, Edit::Add(row("Итоги", "май")), 4).unwrap();
        YearDoc::mark_plan_row(&mut a, sept, Completion::Done, None, String::new(), 5).unwrap();
        let dash = load(&a).dashboard(d("22.11.2026"));
        assert_eq!((dash.plan_total, dash.plan_done, dash.plan_percent), (4, 1, 25));
        assert_eq!(dash.overdue_rows, [oct]);
        assert_eq!(dash.upcoming_rows, [dec]);
    }

    #[test]
    fn a_plan_date_outside_the_year_is_refused_and_nothing_is_written() {
        let e = PlanFields::validate(&PlanFields::blank().with("topic", "Семинар").with("when", "01.06.2026"), Y)
            .unwrap_err();
        assert_eq!(e.get("when"), Some("Дата вне 2026/2027 учебного года (с 01.09.2026 по 31.08.2027)"));
        let (mut a, _) = two_devices();
        let before = a.get_heads();
        assert!(YearDoc::mark_plan_row(&mut a, Uuid::new_v4(), Completion::Done, None, String::new(), 1).is_err());
        assert_eq!(a.get_heads(), before);
    }

    #[test]
    fn a_year_document_from_a_newer_version_is_read_only() {
        let (mut a, _) = two_devices();
        autosurgeon::reconcile_prop(&mut a, automerge::ROOT, "schema_version", YEAR_SCHEMA_VERSION + 1).unwrap();
        a.commit();
        assert!(YearDoc::is_newer(&a));
        assert!(YearDoc::load_any(&a).is_ok(), "still readable");
        let before = a.get_heads();
        assert!(YearDoc::edit_plan_row(&mut a, Edit::Add(row("Семинар", "октябрь")), 1).is_err());
        assert_eq!(a.get_heads(), before);
    }
}
