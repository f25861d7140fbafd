//! One academic year of a district РМО, one automerge document: the РМО's
//! plan (the school plan's model, with its completion marks), its seminars
//! and open events, contests of professional mastery with participants and
//! results, visits to schools with the recommendations given and their
//! follow-up, consultations, and mentoring pairs for young specialists.
//!
//! People here come from every school of the district, so they are written
//! by name and school rather than picked from one association's members.

use automerge::AutoCommit;
use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::date::{AcademicYear, Date};
use crate::fields::{Spec, Typed};
use crate::form::{FieldErrors, Values};
use crate::plan::{PlanDoc, PlanRow};
use crate::protocol::{AgendaFields, AgendaItem};
use crate::record::{Document, Edit, Life, RecordList, add_later_lists, created_in_layouts};
use crate::reply::Answer;
use crate::survey::{QuestionFields, Survey, SurveyFields};
use crate::{DocumentId, Error};

/// The newest layout of a district year document this build reads and writes.
pub const DISTRICT_SCHEMA_VERSION: u64 = 1;

/// A district РМО's records for one academic year.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct DistrictYearDoc {
    /// Layout version; a client never rewrites a newer one.
    #[autosurgeon(hydrate = "crate::lenient::whole")]
    pub schema_version: u64,
    /// The academic year, by the calendar year it starts in.
    #[autosurgeon(hydrate = "crate::lenient::whole")]
    pub year: u32,
    /// План работы РМО.
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub plan: Vec<PlanRow>,
    /// Seminars, workshops and open events.
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub events: Vec<DistrictEvent>,
    /// Contests of professional mastery.
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub contests: Vec<Contest>,
    /// Visits to school МО and extracurricular events.
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub visits: Vec<Visit>,
    /// Consultations given.
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub consultations: Vec<Consultation>,
    /// Mentoring pairs.
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub mentoring: Vec<MentoringPair>,
    /// Surveys of class teachers and requests for figures from schools.
    /// Years written before surveys existed have none.
    #[autosurgeon(missing = "Default::default", reconcile = "crate::record::write::list")]
    pub surveys: Vec<Survey>,
}

/// A district year's records as the first version of the app laid them
/// out: its first change must stay these bytes (see [`crate::year`]'s).
#[derive(Reconcile)]
struct FirstLayout {
    schema_version: u64,
    year: u32,
    #[autosurgeon(reconcile = "crate::record::write::list")]
    plan: Vec<PlanRow>,
    #[autosurgeon(reconcile = "crate::record::write::list")]
    events: Vec<DistrictEvent>,
    #[autosurgeon(reconcile = "crate::record::write::list")]
    contests: Vec<Contest>,
    #[autosurgeon(reconcile = "crate::record::write::list")]
    visits: Vec<Visit>,
    #[autosurgeon(reconcile = "crate::record::write::list")]
    consultations: Vec<Consultation>,
    #[autosurgeon(reconcile = "crate::record::write::list")]
    mentoring: Vec<MentoringPair>,
}

impl FirstLayout {
    fn of(year: AcademicYear) -> Self {
        Self {
            schema_version: 1,
            year: year.0.unsigned_abs(),
            plan: Vec::new(),
            events: Vec::new(),
            contests: Vec::new(),
            visits: Vec::new(),
            consultations: Vec::new(),
            mentoring: Vec::new(),
        }
    }
}

/// The lists later layouts brought, in the second change.
const LATER_LISTS: &[&str] = &["surveys"];

impl Document for DistrictYearDoc {
    const SCHEMA_VERSION: u64 = DISTRICT_SCHEMA_VERSION;

    fn schema_version(&self) -> u64 {
        self.schema_version
    }

    fn set_schema_version(&mut self, version: u64) {
        self.schema_version = version;
    }
}

/// The РМО's plan rows are fulfilled by its events (seminars, meetings…).
impl PlanDoc for DistrictYearDoc {
    fn plan(&self) -> &Vec<PlanRow> {
        &self.plan
    }

    fn plan_mut(&mut self) -> &mut Vec<PlanRow> {
        &mut self.plan
    }

    fn fulfillers(&self) -> Vec<(Uuid, String)> {
        self.event_list().iter().map(|e| (e.id, e.title())).collect()
    }

    fn may_fulfil(&self, id: Uuid) -> bool {
        self.events.by_id(id).is_some()
    }
}

crate::choices! {
    /// Kind of district event.
    pub enum EventKind {
        Seminar = ("seminar", "семинар"),
        Workshop = ("workshop", "семинар-практикум"),
        OpenEvent = ("open_event", "открытое мероприятие"),
        Meeting = ("meeting", "заседание РМО"),
    }
}

/// A seminar, workshop or open event of the РМО.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct DistrictEvent {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// вид
    pub kind: EventKind,
    /// тема
    pub topic: String,
    /// дата
    pub date: Date,
    /// место (школа)
    pub place: String,
    /// кто проводил
    pub host: String,
    /// участников
    pub participants: u32,
    /// итоги
    #[serde(with = "crate::record::serde_text")]
    pub summary: Text,
    /// Its protocol: who came, by school, one school a line
    /// («Школа №1: Иванова М. П., Петрова А. В.»). Events written before
    /// protocols existed have none of the protocol's keys.
    #[serde(with = "crate::record::serde_text")]
    #[autosurgeon(missing = "Default::default")]
    pub attendance: Text,
    /// The protocol's agenda: «слушали / выступили / решили».
    #[autosurgeon(missing = "Default::default", reconcile = "crate::record::write::list")]
    pub agenda: Vec<AgendaItem>,
    /// The protocol's decisions, each for a school or a person by a day.
    #[autosurgeon(missing = "Default::default", reconcile = "crate::record::write::list")]
    pub decisions: Vec<DistrictDecision>,
}

/// A decision of a district meeting, addressed to a school of the district
/// (whose devices see it and mark it done) or to a person.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct DistrictDecision {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// решение
    #[serde(with = "crate::record::serde_text")]
    pub text: Text,
    /// the school it is addressed to, by name («все школы» or empty for none)
    pub school: String,
    /// that school's association, when it is one of the district's
    pub school_id: Option<DocumentId>,
    /// ответственный (ФИО)
    pub responsible: String,
    /// срок
    pub deadline: Option<Date>,
}

crate::form! {
    /// A district decision form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct DistrictDecisionFields {
        /// решение
        text: String = Spec::area("Решение").required("Сформулируйте решение"),
        /// школа: its name, or the id of one of the district's schools as
        /// the form's select holds it
        school: String = Spec::pick("Школа"),
        /// ответственный
        responsible: String = Spec::text("Ответственный").hint("ФИО или должность"),
        /// срок
        deadline: Option<Date> = Spec::date("Срок");
        extra, shown by school_value:
        /// one of the district's schools
        school_id: Option<DocumentId>,
    }
}

crate::record!(DistrictDecision, DistrictDecisionFields { school, school_id, responsible, deadline }, text: { text });

/// A school typed or picked in a form: one of `schools` by its id (its
/// name and id), or a name of a school outside the app (no id).
fn school_of(typed: &str, schools: &[(DocumentId, String)]) -> (String, Option<DocumentId>) {
    match typed.parse::<DocumentId>().ok().and_then(|id| schools.iter().find(|(s, _)| *s == id)) {
        Some((id, name)) => (name.clone(), Some(*id)),
        None => (typed.to_owned(), None),
    }
}

impl DistrictDecisionFields {
    /// The school as the form's select holds it: its id when it is one of
    /// the district's.
    fn school_value(&self, values: &mut Values) {
        if let Some(id) = self.school_id {
            values.set("school", id.to_string());
        }
    }

    /// Checks a decision of a meeting held on `meeting`: said, addressed to
    /// one of `schools` or to a person, due no earlier than the meeting.
    pub fn validate(v: &Values, meeting: Date, schools: &[(DocumentId, String)]) -> Result<Self, FieldErrors> {
        let (mut fields, mut e) = Self::read(v, None);
        (fields.school, fields.school_id) = school_of(&fields.school, schools);
        if fields.school.is_empty() && fields.responsible.is_empty() {
            e.add("responsible", "Укажите школу или ответственного");
        }
        if let Some(by) = fields.deadline
            && by < meeting
        {
            e.add("deadline", format!("Срок не может быть раньше заседания ({meeting})"));
        }
        e.result(|| fields)
    }
}

crate::form! {
    /// A district event form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct DistrictEventFields {
        /// вид
        kind: EventKind = Spec::select("Вид"),
        /// тема
        topic: String = Spec::text("Тема").required("Укажите тему").max(500),
        /// дата
        date: Date = Spec::date("Дата").in_year(),
        /// место
        place: String = Spec::text("Место проведения (школа)"),
        /// кто проводил
        host: String = Spec::text("Кто проводил"),
        /// участников
        participants: u32 = Spec::text("Участников").range(0..=10_000),
        /// присутствовали, по школам
        attendance: String = Spec::area("Присутствовали (по школам)")
            .hint("по одной школе в строке: Школа №1: Иванова М. П., Петрова А. В."),
        /// итоги
        summary: String = Spec::area("Итоги"),
    }
}

impl DistrictEvent {
    /// «семинар «Классный час» 14.11.2026».
    pub fn title(&self) -> String {
        Self::title_of(self.kind.label(), &self.topic, self.date)
    }

    /// An event's title from its kind's label, topic and date, however
    /// they were read («История» reads them from the document as it was).
    pub fn title_of(kind: &str, topic: &str, date: impl std::fmt::Display) -> String {
        format!("{kind} «{topic}» {date}")
    }
}

crate::record!(
    DistrictEvent,
    DistrictEventFields { kind, topic, date, place, host, participants },
    text: { summary, attendance },
    rest: { agenda, decisions }
);

impl DistrictEventFields {
    /// Checks an event form for `year`.
    pub fn validate(v: &Values, year: AcademicYear) -> Result<Self, FieldErrors> {
        let (fields, e) = Self::read(v, Some(year));
        e.result(|| fields)
    }
}

/// A participant of a contest and how they did.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Participant {
    /// ФИО
    pub name: String,
    /// школа
    pub school: String,
    /// результат: победитель, призёр, участник…
    pub result: String,
}

/// A contest of professional mastery (конкурс профессионального мастерства).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Contest {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// название
    pub title: String,
    /// уровень: муниципальный, региональный…
    pub level: String,
    /// сроки: начало
    pub date: Date,
    /// участники и результаты
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub participants: Vec<Participant>,
}

/// In a form, participants are typed one per line as «ФИО; школа; результат».
impl Typed for Vec<Participant> {
    fn show(&self) -> String {
        self.iter().map(|p| format!("{}; {}; {}", p.name, p.school, p.result)).collect::<Vec<_>>().join("\n")
    }
    fn read(_: &Spec<Self>, raw: &str, _: Option<AcademicYear>) -> Result<Self, String> {
        let mut participants = Vec::new();
        for (n, line) in raw.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
            let parts: Vec<&str> = line.split(';').map(str::trim).collect();
            let (name, school, result) = match parts.as_slice() {
                [name, school, result] if !name.is_empty() => (name, school, *result),
                [name, school] if !name.is_empty() => (name, school, ""),
                _ => return Err(format!("Строка {}: «ФИО; школа; результат»", n + 1)),
            };
            participants.push(Participant {
                name: (*name).to_owned(),
                school: (*school).to_owned(),
                result: result.to_owned(),
            });
        }
        Ok(participants)
    }
    fn fallback() -> Self {
        Vec::new()
    }
}

crate::form! {
    /// A contest form, checked; participants one per line as
    /// «ФИО; школа; результат».
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ContestFields {
        /// название
        title: String = Spec::text("Название").required("Укажите название конкурса").max(500),
        /// уровень
        level: String = Spec::text("Уровень").max(100).hint("муниципальный, региональный…"),
        /// дата
        date: Date = Spec::date("Дата (начало)").in_year(),
        /// участники
        participants: Vec<Participant> = Spec::area("Участники и результаты")
            .hint("по одному в строке: ФИО; школа; результат"),
    }
}

crate::record!(Contest, ContestFields { title, level, date, participants });

impl ContestFields {
    /// Checks a contest form for `year`.
    pub fn validate(v: &Values, year: AcademicYear) -> Result<Self, FieldErrors> {
        let (fields, e) = Self::read(v, Some(year));
        e.result(|| fields)
    }
}

crate::choices! {
    /// What was visited.
    pub enum VisitKind {
        Meeting = ("meeting", "заседание МО классных руководителей"),
        Extracurricular = ("extracurricular", "внеклассное мероприятие"),
        ClassHour = ("class_hour", "классный час"),
    }
}

/// A visit to a school, with the recommendations given and what came of them.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Visit {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// школа
    pub school: String,
    /// The school's association, when the school is one of the district's
    /// (older visits and schools outside the app have only a name): its
    /// devices see the recommendations and answer them.
    #[autosurgeon(missing = "Default::default")]
    pub school_id: Option<DocumentId>,
    /// что посещено
    pub kind: VisitKind,
    /// дата
    pub date: Date,
    /// рекомендации
    #[serde(with = "crate::record::serde_text")]
    pub recommendations: Text,
    /// срок исполнения рекомендаций
    pub follow_up_by: Option<Date>,
    /// как выполнены
    #[serde(with = "crate::record::serde_text")]
    pub follow_up: Text,
}

crate::form! {
    /// A visit form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct VisitFields {
        /// школа: its name, or the id of one of the district's schools
        school: String = Spec::pick("Школа").required("Укажите школу"),
        /// что посещено
        kind: VisitKind = Spec::select("Что посещено"),
        /// дата
        date: Date = Spec::date("Дата").in_year(),
        /// рекомендации
        recommendations: String = Spec::area("Рекомендации"),
        /// срок
        follow_up_by: Option<Date> = Spec::date("Срок исполнения рекомендаций"),
        /// как выполнены
        follow_up: String = Spec::area("Отметка РМО о выполнении").hint("для школы, которая не ведёт записи в приложении");
        extra, shown by school_value:
        /// one of the district's schools
        school_id: Option<DocumentId>,
    }
}

/// Each visit's and decision's answer from its school, by its id.
pub type VisitAnswers = BTreeMap<Uuid, Answer>;

impl Visit {
    /// Whether its recommendations are carried out: the school marked them
    /// done, or the РМО wrote how they were (a school outside the app).
    pub fn is_carried_out(&self, answers: &VisitAnswers) -> bool {
        answers.get(&self.id).is_some_and(|a| a.done.is_some()) || !self.follow_up.as_str().trim().is_empty()
    }

    /// How its recommendations were carried out, in words: the school's
    /// answer with its status, then the РМО's own note.
    pub fn outcome(&self, answers: &VisitAnswers) -> String {
        let school = answers.get(&self.id).map(|a| {
            let status = a.status();
            if status.is_empty() { a.text.trim().to_owned() } else { format!("{} ({status})", a.text.trim()) }
        });
        let own = Some(self.follow_up.as_str().trim().to_owned()).filter(|t| !t.is_empty());
        school.into_iter().chain(own).collect::<Vec<_>>().join("; ")
    }
}

crate::record!(Visit, VisitFields { school, school_id, kind, date, follow_up_by }, text: { recommendations, follow_up });

impl VisitFields {
    /// The school as the form's select holds it.
    fn school_value(&self, values: &mut Values) {
        if let Some(id) = self.school_id {
            values.set("school", id.to_string());
        }
    }

    /// Checks a visit form for `year`: the school is one of `schools` (by
    /// its id) or a name, and the follow-up date comes after the visit.
    pub fn validate(v: &Values, year: AcademicYear, schools: &[(DocumentId, String)]) -> Result<Self, FieldErrors> {
        let (mut fields, mut e) = Self::read(v, Some(year));
        (fields.school, fields.school_id) = school_of(&fields.school, schools);
        if let Some(by) = fields.follow_up_by
            && e.get("date").is_none()
            && by < fields.date
        {
            e.add("follow_up_by", format!("Срок не может быть раньше посещения ({})", fields.date));
        }
        e.result(|| fields)
    }
}

/// A consultation given to a class teacher.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Consultation {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// кому (ФИО, школа)
    pub who: String,
    /// тема
    pub topic: String,
    /// дата
    pub date: Date,
}

crate::form! {
    /// A consultation form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct ConsultationFields {
        /// кому
        who: String = Spec::text("Кого консультировали").required("Укажите, кого консультировали").hint("ФИО, школа"),
        /// тема
        topic: String = Spec::text("Тема").required("Укажите тему").max(500),
        /// дата
        date: Date = Spec::date("Дата").in_year(),
    }
}

crate::record!(Consultation, ConsultationFields { who, topic, date });

impl ConsultationFields {
    /// Checks a consultation form for `year`.
    pub fn validate(v: &Values, year: AcademicYear) -> Result<Self, FieldErrors> {
        let (fields, e) = Self::read(v, Some(year));
        e.result(|| fields)
    }
}

/// A young specialist and their mentor.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct MentoringPair {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// наставник (ФИО, школа)
    pub mentor: String,
    /// молодой специалист (ФИО, школа)
    pub mentee: String,
    /// с какого дня
    pub since: Option<Date>,
}

crate::form! {
    /// A mentoring pair form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct MentoringFields {
        /// наставник
        mentor: String = Spec::text("Наставник").required("Укажите наставника").hint("ФИО, школа"),
        /// молодой специалист
        mentee: String = Spec::text("Молодой специалист").required("Укажите молодого специалиста").hint("ФИО, школа"),
        /// с какого дня
        since: Option<Date> = Spec::date("С какого дня"),
    }
}

crate::record!(MentoringPair, MentoringFields { mentor, mentee, since });

impl MentoringFields {
    /// Checks a mentoring pair form.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let (fields, mut e) = Self::read(v, None);
        if !fields.mentor.is_empty() && fields.mentor == fields.mentee {
            e.add("mentee", "Наставник и молодой специалист — разные люди");
        }
        e.result(|| fields)
    }
}

impl DistrictYearDoc {
    /// The id of `district`'s document for `year`.
    pub fn id_for(district: &DocumentId, year: AcademicYear) -> DocumentId {
        district.derive(&format!("district-year/{}", year.0))
    }

    /// A new, empty district year (see [`created_in_layouts`]).
    pub fn create(district: &DocumentId, year: AcademicYear) -> AutoCommit {
        created_in_layouts(&Self::id_for(district, year), &FirstLayout::of(year), LATER_LISTS)
    }

    /// Gives a district year created before surveys were kept their list,
    /// the way every device does (see [`add_later_lists`]).
    pub fn add_later_lists(doc: &mut AutoCommit, district: &DocumentId, year: AcademicYear) -> Result<(), Error> {
        add_later_lists(doc, &Self::id_for(district, year), &FirstLayout::of(year), LATER_LISTS)
    }

    /// Events on the list, by date.
    pub fn event_list(&self) -> Vec<&DistrictEvent> {
        by_date(self.events.active(), |e| e.date)
    }

    /// Contests on the list, by date.
    pub fn contest_list(&self) -> Vec<&Contest> {
        by_date(self.contests.active(), |c| c.date)
    }

    /// Visits on the list, by date.
    pub fn visit_list(&self) -> Vec<&Visit> {
        by_date(self.visits.active(), |v| v.date)
    }

    /// Consultations on the list, by date.
    pub fn consultation_list(&self) -> Vec<&Consultation> {
        by_date(self.consultations.active(), |c| c.date)
    }

    /// Mentoring pairs on the list, in the order they were added.
    pub fn mentoring_list(&self) -> Vec<&MentoringPair> {
        self.mentoring.active()
    }

    /// Visits whose follow-up date has passed and which are not carried
    /// out (see [`Visit::is_carried_out`]).
    pub fn visits_awaiting_follow_up(&self, today: Date, answers: &VisitAnswers) -> Vec<&Visit> {
        self.visits
            .active()
            .into_iter()
            .filter(|v| v.follow_up_by.is_some_and(|by| by < today) && !v.is_carried_out(answers))
            .collect()
    }

    /// The visits to `school`, by date.
    pub fn visits_to(&self, school: DocumentId) -> Vec<&Visit> {
        self.visit_list().into_iter().filter(|v| v.school_id == Some(school)).collect()
    }

    /// Adds, edits or removes an event.
    pub fn edit_event(doc: &mut AutoCommit, edit: Edit<DistrictEventFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |d| edit.apply(&mut d.events))
    }

    /// Adds, edits or removes an agenda item of `event`'s protocol.
    pub fn edit_event_agenda(
        doc: &mut AutoCommit,
        event: Uuid,
        edit: Edit<AgendaFields>,
        now_ms: i64,
    ) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |d| edit.apply(&mut d.events.by_id_mut(event)?.agenda))
    }

    /// Adds, edits or removes a decision of `event`'s protocol.
    pub fn edit_event_decision(
        doc: &mut AutoCommit,
        event: Uuid,
        edit: Edit<DistrictDecisionFields>,
        now_ms: i64,
    ) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |d| edit.apply(&mut d.events.by_id_mut(event)?.decisions))
    }

    /// The number of `event`'s protocol: its place among the year's events
    /// of its kind, by date.
    pub fn protocol_number(&self, event: &DistrictEvent) -> usize {
        self.event_list().iter().filter(|e| e.kind == event.kind).position(|e| e.id == event.id).map_or(0, |n| n + 1)
    }

    /// Decisions addressed to `school`, with their meeting, by the
    /// meeting's date.
    pub fn decisions_to(&self, school: DocumentId) -> Vec<(&DistrictEvent, &DistrictDecision)> {
        self.event_list()
            .into_iter()
            .flat_map(|e| e.decisions.active().into_iter().map(move |d| (e, d)))
            .filter(|(_, d)| d.school_id == Some(school))
            .collect()
    }

    /// Each visit's and decision's answer from the school it was addressed
    /// to, out of the schools' answers (`(school, its answers)`): a school
    /// answers only what was addressed to it.
    pub fn answers<'a>(
        &self,
        schools: impl IntoIterator<Item = (DocumentId, &'a BTreeMap<Uuid, Answer>)>,
    ) -> VisitAnswers {
        let schools: BTreeMap<DocumentId, &BTreeMap<Uuid, Answer>> = schools.into_iter().collect();
        let visits = self.visits.active().into_iter().map(|v| (v.id, v.school_id));
        let decisions = self
            .events
            .active()
            .into_iter()
            .flat_map(|e| e.decisions.active().into_iter().map(|d| (d.id, d.school_id)));
        visits
            .chain(decisions)
            .filter_map(|(id, school)| Some((id, schools.get(&school?)?.get(&id)?.clone())))
            .collect()
    }

    /// Adds, edits or removes a contest.
    pub fn edit_contest(doc: &mut AutoCommit, edit: Edit<ContestFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |d| edit.apply(&mut d.contests))
    }

    /// Adds, edits or removes a visit.
    pub fn edit_visit(doc: &mut AutoCommit, edit: Edit<VisitFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |d| edit.apply(&mut d.visits))
    }

    /// Adds, edits or removes a consultation.
    pub fn edit_consultation(doc: &mut AutoCommit, edit: Edit<ConsultationFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |d| edit.apply(&mut d.consultations))
    }

    /// Adds, edits or removes a mentoring pair.
    pub fn edit_mentoring(doc: &mut AutoCommit, edit: Edit<MentoringFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |d| edit.apply(&mut d.mentoring))
    }

    /// Surveys on the list, the latest first.
    pub fn survey_list(&self) -> Vec<&Survey> {
        let mut list = self.surveys.active();
        list.reverse();
        list
    }

    /// Adds, edits or removes a survey.
    pub fn edit_survey(doc: &mut AutoCommit, edit: Edit<SurveyFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |d| edit.apply(&mut d.surveys))
    }

    /// Adds, edits or removes a question of `survey`, checked against its
    /// kind as it is in the document.
    pub fn edit_question(
        doc: &mut AutoCommit,
        survey: Uuid,
        edit: Edit<QuestionFields>,
        now_ms: i64,
    ) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |d| edit.apply(&mut d.surveys.by_id_mut(survey)?.questions))
    }
}

/// `list` ordered by `date`, records of one day in the order they were added.
fn by_date<R>(mut list: Vec<&R>, date: impl Fn(&R) -> Date) -> Vec<&R> {
    list.sort_by_key(|r| date(r));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlanMark;
    use crate::record::Record;
    use crate::record::tests::merge_both;

    const Y: AcademicYear = AcademicYear(2026);

    fn two_devices() -> (AutoCommit, AutoCommit) {
        let district = DocumentId::random();
        (DistrictYearDoc::create(&district, Y), DistrictYearDoc::create(&district, Y))
    }

    fn load(doc: &AutoCommit) -> DistrictYearDoc {
        DistrictYearDoc::load(doc).unwrap()
    }

    fn contest() -> ContestFields {
        ContestFields::validate(
            &Values::default()
                .with("title", "Самый классный классный")
                .with("level", "муниципальный")
                .with("date", "15.02.2027")
                .with("participants", "Иванова М. П.; МБОУ Хиславичская СШ; победитель\nПетров С. И.; Печерская СШ"),
            Y,
        )
        .unwrap()
    }

    #[test]
    fn a_district_year_is_first_created_as_every_version_creates_it() {
        let district = DocumentId::from([7u8; 16]);
        let year = AcademicYear(2026);
        let mut doc = DistrictYearDoc::create(&district, year);
        let changes = doc.get_changes(&[]);
        // Computed by the version before surveys were kept (dce04ae^).
        let first = "e02e1d1dd02c4354e3fc8d29f26c50da84968c05372211b27a1b9e27e2ed1c58";
        assert_eq!((changes[0].hash().to_string().as_str(), changes.len()), (first, 2));
        let mut old = crate::record::first_change(&DistrictYearDoc::id_for(&district, year), &FirstLayout::of(year));
        DistrictYearDoc::add_later_lists(&mut old, &district, year).unwrap();
        assert_eq!(old.get_heads(), doc.get_heads());
    }

    #[test]
    fn contest_participants_read_one_per_line_and_refuse_a_line_without_a_school() {
        let c = contest();
        assert_eq!(c.participants.len(), 2);
        assert_eq!(c.participants[0].result, "победитель");
        assert_eq!(ContestFields::validate(&c.to_values(), Y).unwrap(), c, "the form reads back the same");
        let e = ContestFields::validate(&c.to_values().with("participants", "Иванова"), Y).unwrap_err();
        assert_eq!(e.get("participants"), Some("Строка 1: «ФИО; школа; результат»"));
    }

    #[test]
    fn records_added_on_two_devices_of_the_district_merge() {
        let (mut a, mut b) = two_devices();
        let c = DistrictYearDoc::edit_contest(&mut a, Edit::Add(contest()), 1).unwrap();
        merge_both(&mut a, &mut b);
        let mut more = load(&b).contests.by_id(c).unwrap().fields();
        more.participants.push(Participant {
            name: "Орлова Е. С.".into(),
            school: "Стайковская СШ".into(),
            result: "призёр".into(),
        });
        DistrictYearDoc::edit_contest(&mut b, Edit::Update(c, more), 2).unwrap();
        let consultation = ConsultationFields::validate(
            &Values::default()
                .with("who", "Сидорова А. В., Городищенская СШ")
                .with("topic", "Портфолио класса")
                .with("date", "10.10.2026"),
            Y,
        )
        .unwrap();
        DistrictYearDoc::edit_consultation(&mut a, Edit::Add(consultation), 3).unwrap();
        let pair = MentoringFields::validate(
            &Values::default().with("mentor", "Иванова М. П.").with("mentee", "Кузнецов И. О."),
        )
        .unwrap();
        DistrictYearDoc::edit_mentoring(&mut b, Edit::Add(pair), 4).unwrap();
        merge_both(&mut a, &mut b);
        let d = load(&a);
        assert_eq!(d.contests.by_id(c).unwrap().participants.len(), 3);
        assert_eq!(d.consultations.active().len(), 1);
        assert_eq!(d.mentoring.active().len(), 1);
    }

    #[test]
    fn a_visits_recommendations_and_follow_up_written_on_two_devices_both_survive() {
        let (mut a, mut b) = two_devices();
        let fields = VisitFields::validate(
            &Values::default()
                .with("school", "Печерская СШ")
                .with("kind", "meeting")
                .with("date", "20.10.2026")
                .with("recommendations", "Обновить план воспитательной работы.")
                .with("follow_up_by", "20.11.2026"),
            Y,
            &[],
        )
        .unwrap();
        let v = DistrictYearDoc::edit_visit(&mut a, Edit::Add(fields.clone()), 1).unwrap();
        merge_both(&mut a, &mut b);
        assert_eq!(load(&a).visits_awaiting_follow_up(Date::new(2026, 11, 22).unwrap(), &VisitAnswers::new()).len(), 1);
        let on_a = VisitFields {
            recommendations: "Обновить план воспитательной работы. Провести открытый классный час.".into(),
            ..fields.clone()
        };
        DistrictYearDoc::edit_visit(&mut a, Edit::Update(v, on_a), 2).unwrap();
        let on_b = VisitFields { follow_up: "План обновлён 15.11.2026.".into(), ..fields };
        DistrictYearDoc::edit_visit(&mut b, Edit::Update(v, on_b), 3).unwrap();
        merge_both(&mut a, &mut b);
        let d = load(&b);
        let visit = d.visits.by_id(v).unwrap();
        assert!(visit.recommendations.as_str().ends_with("Провести открытый классный час."));
        assert_eq!(visit.follow_up.as_str(), "План обновлён 15.11.2026.");
        assert!(d.visits_awaiting_follow_up(Date::new(2026, 11, 22).unwrap(), &VisitAnswers::new()).is_empty());
    }

    #[test]
    fn a_visit_to_a_district_school_is_answered_by_that_school_alone() {
        use crate::reply::Answer;
        let (mut a, _) = two_devices();
        let (pechery, staiki) = (DocumentId::random(), DocumentId::random());
        let schools = [(pechery, "Печерская СШ".to_owned()), (staiki, "Стайковская СШ".to_owned())];
        let form = |school: &str| {
            Values::default()
                .with("school", school)
                .with("kind", "meeting")
                .with("date", "20.10.2026")
                .with("recommendations", "Обновить план воспитательной работы.")
                .with("follow_up_by", "20.11.2026")
        };
        let to_school = VisitFields::validate(&form(&pechery.to_string()), Y, &schools).unwrap();
        assert_eq!((to_school.school.as_str(), to_school.school_id), ("Печерская СШ", Some(pechery)));
        assert_eq!(to_school.to_values().get("school"), pechery.to_string(), "the form picks the school");
        let elsewhere = VisitFields::validate(&form("Лицей №2"), Y, &schools).unwrap();
        assert_eq!((elsewhere.school.as_str(), elsewhere.school_id), ("Лицей №2", None));
        let v = DistrictYearDoc::edit_visit(&mut a, Edit::Add(to_school), 1).unwrap();
        let w = DistrictYearDoc::edit_visit(&mut a, Edit::Add(elsewhere), 2).unwrap();
        let d = load(&a);
        assert_eq!(d.visits_to(pechery).iter().map(|v| v.id).collect::<Vec<_>>(), [v]);

        let answer = |text: &str, done: Option<Date>| Answer { text: text.into(), done };
        let ours = BTreeMap::from([(v, answer("План обновлён.", None))]);
        let not_ours = BTreeMap::from([(v, answer("Чужой ответ", Date::new(2026, 11, 1))), (w, answer("—", None))]);
        let answers = d.answers([(pechery, &ours), (staiki, &not_ours)]);
        assert_eq!(answers.keys().collect::<Vec<_>>(), [&v], "a school answers only its own visits");
        let after = Date::new(2026, 11, 22).unwrap();
        assert_eq!(d.visits_awaiting_follow_up(after, &answers).len(), 2, "in work is not done");
        assert_eq!(d.visits.by_id(v).unwrap().outcome(&answers), "План обновлён. (в работе)");
        let ours = BTreeMap::from([(v, answer("План обновлён.", Date::new(2026, 11, 15)))]);
        let answers = d.answers([(pechery, &ours)]);
        assert_eq!(d.visits_awaiting_follow_up(after, &answers).iter().map(|v| v.id).collect::<Vec<_>>(), [w]);
        assert_eq!(d.visits.by_id(v).unwrap().outcome(&answers), "План обновлён. (выполнено 15.11.2026)");
    }

    #[test]
    fn a_meetings_protocol_written_on_two_devices_keeps_both_and_reaches_its_school() {
        use crate::reply::Answer;
        let (mut a, mut b) = two_devices();
        let school = DocumentId::random();
        let schools = [(school, "Школа №1".to_owned())];
        let meeting = DistrictEventFields::validate(
            &Values::default()
                .with("kind", "meeting")
                .with("topic", "Организация работы РМО")
                .with("date", "28.08.2026")
                .with("attendance", "Школа №1: Иванова М. П., Петрова А. В."),
            AcademicYear(2025),
        )
        .unwrap();
        let e = DistrictYearDoc::edit_event(&mut a, Edit::Add(meeting), 1).unwrap();
        merge_both(&mut a, &mut b);
        let item = AgendaFields::validate(
            &Values::default()
                .with("topic", "План РМО на год")
                .with("heard", "Петрову А. В.")
                .with("decided", "Утвердить."),
        )
        .unwrap();
        DistrictYearDoc::edit_event_agenda(&mut a, e, Edit::Add(item), 2).unwrap();
        let decision = |text: &str, to: &str| {
            DistrictDecisionFields::validate(
                &Values::default().with("text", text).with("school", to).with("deadline", "01.10.2026"),
                Date::new(2026, 8, 28).unwrap(),
                &schools,
            )
        };
        let to_school = decision("Сдать планы МО", &school.to_string()).unwrap();
        assert_eq!(to_school.school_id, Some(school));
        let d1 = DistrictYearDoc::edit_event_decision(&mut b, e, Edit::Add(to_school), 3).unwrap();
        let to_person = decision("Подготовить семинар", "").unwrap_err();
        assert_eq!(to_person.get("responsible"), Some("Укажите школу или ответственного"));
        merge_both(&mut a, &mut b);
        let d = load(&a);
        let event = d.events.by_id(e).unwrap();
        assert_eq!(event.agenda.active().len(), 1, "the agenda from a");
        assert_eq!(event.attendance.as_str(), "Школа №1: Иванова М. П., Петрова А. В.");
        let addressed = d.decisions_to(school);
        assert_eq!(addressed.iter().map(|(m, d)| (m.id, d.id)).collect::<Vec<_>>(), [(e, d1)], "the decision from b");
        let theirs = BTreeMap::from([(d1, Answer { text: "Сданы".into(), done: Date::new(2026, 9, 20) })]);
        assert_eq!(d.answers([(school, &theirs)])[&d1].status(), "выполнено 20.09.2026");
        assert!(d.answers([(DocumentId::random(), &theirs)]).is_empty(), "another school's word is not its");
    }

    #[test]
    fn an_event_written_before_protocols_existed_reads_with_an_empty_one() {
        let (mut a, _) = two_devices();
        let fields = DistrictEventFields::validate(
            &Values::default().with("kind", "seminar").with("topic", "Семинар").with("date", "14.11.2026"),
            Y,
        )
        .unwrap();
        let e = DistrictYearDoc::edit_event(&mut a, Edit::Add(fields), 1).unwrap();
        let events = automerge::ReadDoc::get(&a, automerge::ROOT, "events").unwrap().unwrap().1;
        let (_, event) = automerge::ReadDoc::get(&a, &events, 0).unwrap().unwrap();
        for key in ["attendance", "agenda", "decisions"] {
            automerge::transaction::Transactable::delete(&mut a, &event, key).unwrap();
        }
        a.commit();
        let d = load(&a);
        let event = d.events.by_id(e).unwrap();
        assert!(event.agenda.is_empty() && event.decisions.is_empty() && event.attendance.as_str().is_empty());
        let item = AgendaFields::validate(&Values::default().with("topic", "Вопрос")).unwrap();
        DistrictYearDoc::edit_event_agenda(&mut a, e, Edit::Add(item), 2).unwrap();
        assert_eq!(load(&a).events.by_id(e).unwrap().agenda.len(), 1);
    }

    #[test]
    fn a_visit_written_before_visits_named_their_school_reads_without_one() {
        let (mut a, _) = two_devices();
        let fields = VisitFields::validate(
            &Values::default().with("school", "Печерская СШ").with("kind", "meeting").with("date", "20.10.2026"),
            Y,
            &[],
        )
        .unwrap();
        let v = DistrictYearDoc::edit_visit(&mut a, Edit::Add(fields), 1).unwrap();
        // As an older build wrote it: no `school_id` at all.
        let visits = match automerge::ReadDoc::get(&a, automerge::ROOT, "visits").unwrap() {
            Some((_, id)) => id,
            None => panic!("the visits list"),
        };
        let (_, visit) = automerge::ReadDoc::get(&a, &visits, 0).unwrap().unwrap();
        automerge::transaction::Transactable::delete(&mut a, &visit, "school_id").unwrap();
        a.commit();
        let d = load(&a);
        let visit = d.visits.by_id(v).unwrap();
        assert_eq!((visit.school.as_str(), visit.school_id), ("Печерская СШ", None));
    }

    #[test]
    fn a_rmo_plan_row_is_marked_done_by_the_event_that_fulfilled_it() {
        use crate::plan::{Completion, PlanFields};
        let (mut a, mut b) = two_devices();
        let row = PlanFields::validate(
            &PlanFields::blank()
                .with("when", "ноябрь")
                .with("kind", "seminar")
                .with("topic", "Классный час: формы и методы")
                .with("responsible_name", "Иванова М. П., руководитель РМО"),
            Y,
        )
        .unwrap();
        let r = DistrictYearDoc::edit_plan_row(&mut a, Edit::Add(row), 1).unwrap();
        let event = DistrictEventFields::validate(
            &Values::default()
                .with("kind", "seminar")
                .with("topic", "Классный час: формы и методы")
                .with("date", "14.11.2026")
                .with("participants", "18"),
            Y,
        )
        .unwrap();
        let e = DistrictYearDoc::edit_event(&mut b, Edit::Add(event), 2).unwrap();
        assert!(
            DistrictYearDoc::mark_plan_row(&mut a, r, PlanMark::full(Completion::Done, Some(e), String::new()), 3)
                .is_err(),
            "a has not seen the event yet"
        );
        merge_both(&mut a, &mut b);
        DistrictYearDoc::mark_plan_row(&mut a, r, PlanMark::full(Completion::Done, Some(e), String::new()), 4).unwrap();
        merge_both(&mut a, &mut b);
        let d = load(&b);
        let marked = d.plan.by_id(r).unwrap();
        assert_eq!((marked.completion, marked.fulfilled_by), (Completion::Done, Some(e)));
        assert_eq!(marked.responsible_name, "Иванова М. П., руководитель РМО");
        assert_eq!(d.fulfillers(), vec![(e, "семинар «Классный час: формы и методы» 14.11.2026".to_owned())]);
    }

    #[test]
    fn bad_district_input_is_refused_at_the_field() {
        let e = VisitFields::validate(
            &Values::default()
                .with("school", "Печерская СШ")
                .with("kind", "meeting")
                .with("date", "20.10.2026")
                .with("follow_up_by", "01.10.2026"),
            Y,
            &[],
        )
        .unwrap_err();
        assert_eq!(e.get("follow_up_by"), Some("Срок не может быть раньше посещения (20.10.2026)"));
        let e = MentoringFields::validate(
            &Values::default().with("mentor", "Иванова М. П.").with("mentee", "Иванова М. П."),
        )
        .unwrap_err();
        assert!(e.get("mentee").is_some());
        let e = DistrictEventFields::validate(
            &Values::default().with("kind", "seminar").with("topic", "Семинар").with("date", "01.09.2027"),
            Y,
        )
        .unwrap_err();
        assert!(e.get("date").is_some(), "outside 2026/2027");
    }
}
