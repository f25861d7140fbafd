//! One academic year of a school МО, one automerge document: the profile
//! (methodical theme, goal, tasks, head), the year plan with its completion
//! marks, the protocols of the meetings, and the analyses.
//!
//! Its id is derived from the association's and the year
//! ([`YearDoc::id_for`]), so every device opens the same document for
//! 2026/2027 without asking anyone, even offline.

use automerge::AutoCommit;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::analysis::{Analysis, AnalysisFields};
use crate::date::{AcademicYear, Date};
use crate::mentoring::Mentorship;
use crate::plan::{Completion, PlanDoc, PlanRow, PlanTally};
use crate::profile::{Profile, ProfileFields};
use crate::protocol::{AgendaFields, DecisionFields, DecisionStatus, PROTOCOL_DAYS, Protocol, ProtocolFields};
use crate::record::{Document, Edit, RecordList, add_later_lists, created_in_layouts, set_text};
use crate::{DocumentId, Error};

/// The newest layout of a year document this build reads and writes.
pub const YEAR_SCHEMA_VERSION: u64 = 1;

/// A year's records.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
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
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub plan: Vec<PlanRow>,
    /// Meeting protocols.
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub protocols: Vec<Protocol>,
    /// Analyses after events and checks.
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub analyses: Vec<Analysis>,
    /// Mentoring pairs of young specialists. Years written before mentoring
    /// was kept have none.
    #[autosurgeon(missing = "Default::default", reconcile = "crate::record::write::list")]
    pub mentoring: Vec<Mentorship>,
}

impl Document for YearDoc {
    const SCHEMA_VERSION: u64 = YEAR_SCHEMA_VERSION;

    fn schema_version(&self) -> u64 {
        self.schema_version
    }

    fn set_schema_version(&mut self, version: u64) {
        self.schema_version = version;
    }

    /// Records carried into the year on two devices are one.
    fn tidy(&mut self) {
        crate::record::one_of_each(&mut self.plan);
        crate::record::one_of_each(&mut self.mentoring);
    }
}

/// A year's plan rows are fulfilled by its meetings' protocols.
impl PlanDoc for YearDoc {
    fn plan(&self) -> &Vec<PlanRow> {
        &self.plan
    }

    fn plan_mut(&mut self) -> &mut Vec<PlanRow> {
        &mut self.plan
    }

    fn fulfillers(&self) -> Vec<(Uuid, String)> {
        self.protocol_list().iter().map(|p| (p.id, p.title())).collect()
    }

    fn may_fulfil(&self, id: Uuid) -> bool {
        self.protocols.by_id(id).is_some()
    }
}

/// A year's records as the first version of the app laid them out. Its
/// first change must stay these bytes (an id-derived actor, time zero), or
/// two devices of different versions that open a year offline would each
/// make its lists and the merge would show one of each pair.
#[derive(Reconcile)]
struct FirstLayout {
    schema_version: u64,
    year: u32,
    profile: Profile,
    #[autosurgeon(reconcile = "crate::record::write::list")]
    plan: Vec<PlanRow>,
    #[autosurgeon(reconcile = "crate::record::write::list")]
    protocols: Vec<Protocol>,
    #[autosurgeon(reconcile = "crate::record::write::list")]
    analyses: Vec<Analysis>,
}

impl FirstLayout {
    fn of(year: AcademicYear) -> Self {
        Self {
            schema_version: 1,
            year: year.0.unsigned_abs(),
            profile: Profile::default(),
            plan: Vec::new(),
            protocols: Vec::new(),
            analyses: Vec::new(),
        }
    }
}

/// The lists later layouts brought, in the second change.
const LATER_LISTS: &[&str] = &["mentoring"];

/// A plan row's content as agenda questions: one a line, with the numbering
/// a person types («1.», «2)», «—») left off.
pub fn agenda_questions(content: &str) -> Vec<String> {
    crate::paper::lines(content)
        .into_iter()
        .map(|line| {
            let rest = line.trim_start_matches(|c: char| c.is_ascii_digit());
            let rest = if rest.len() < line.len() { rest.trim_start_matches(['.', ')']) } else { rest };
            rest.trim_start_matches(['-', '—', '–', '•']).trim().to_owned()
        })
        .filter(|q| !q.is_empty())
        .collect()
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
    /// Mentoring pairs with no help noted for a month.
    pub quiet_pairs: Vec<Uuid>,
}

/// Whether a plan row not yet held needs attention as of `today`: past its
/// date (`Some(true)`) or due within 30 days (`Some(false)`).
fn pressing(row: &PlanRow, today: Date) -> Option<bool> {
    let due = row.when.due();
    (row.completion == Completion::Planned && due.days() - today.days() <= 30).then_some(due < today)
}

/// What one person of the school has on their hands, as of a day: the
/// decisions in their charge not yet carried out, and the plan's rows in
/// their charge not yet held that are past their date or due within 30
/// days. Each in order of its date, the overdue ones first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assigned {
    /// (protocol, decision, past its deadline) triples.
    pub decisions: Vec<(Uuid, Uuid, bool)>,
    /// (plan row, past its date) pairs.
    pub rows: Vec<(Uuid, bool)>,
}

impl YearDoc {
    /// The id of `association`'s document for `year`.
    pub fn id_for(association: &DocumentId, year: AcademicYear) -> DocumentId {
        association.derive(&format!("year/{}", year.0))
    }

    /// A new, empty year document (see [`created_in_layouts`]).
    pub fn create(association: &DocumentId, year: AcademicYear) -> AutoCommit {
        created_in_layouts(&Self::id_for(association, year), &FirstLayout::of(year), LATER_LISTS)
    }

    /// Gives a year document created before mentoring was kept its list,
    /// the way every device does (see [`add_later_lists`]).
    pub fn add_later_lists(doc: &mut AutoCommit, association: &DocumentId, year: AcademicYear) -> Result<(), Error> {
        add_later_lists(doc, &Self::id_for(association, year), &FirstLayout::of(year), LATER_LISTS)
    }

    /// The academic year.
    pub fn academic_year(&self) -> AcademicYear {
        AcademicYear(i32::try_from(self.year).unwrap_or_default())
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

    /// Protocol numbers held by more than one protocol, as two devices that
    /// each wrote the next protocol offline leave them.
    pub fn duplicate_numbers(&self) -> Vec<u32> {
        let protocols = self.protocol_list();
        let mut numbers: Vec<u32> =
            protocols.windows(2).filter(|w| w[0].number == w[1].number).map(|w| w[0].number).collect();
        numbers.dedup();
        numbers
    }

    /// What the dashboard shows on `today`.
    pub fn dashboard(&self, today: Date) -> Dashboard {
        let rows = self.plan_rows();
        let tally = PlanTally::of(&rows);
        let overdue_rows = rows.iter().filter(|r| pressing(r, today) == Some(true)).map(|r| r.id).collect();
        let upcoming_rows = rows.iter().filter(|r| pressing(r, today) == Some(false)).map(|r| r.id).collect();
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
        Dashboard {
            plan_total: tally.total,
            plan_done: tally.done,
            plan_percent: tally.percent,
            overdue_rows,
            upcoming_rows,
            overdue_decisions,
            unfinished_protocols,
            duplicate_numbers: self.duplicate_numbers(),
            quiet_pairs: self.mentorship_list().iter().filter(|m| m.is_quiet(today)).map(|m| m.id).collect(),
        }
    }

    /// What `member` has on their hands as of `today` (see [`Assigned`]).
    pub fn assigned_to(&self, member: Uuid, today: Date) -> Assigned {
        let mut decisions: Vec<_> = self
            .protocol_list()
            .into_iter()
            .flat_map(|p| p.decision_list().into_iter().map(move |d| (p.id, d)))
            .filter(|(_, d)| d.responsible == Some(member) && d.status == DecisionStatus::Open)
            .map(|(p, d)| (d.deadline, (p, d.id, d.deadline.is_some_and(|dl| dl < today))))
            .collect();
        // No deadline comes last.
        decisions.sort_by_key(|(deadline, _)| (deadline.is_none(), *deadline));
        let mut rows: Vec<_> = self
            .plan_rows()
            .into_iter()
            .filter(|r| r.responsible == Some(member))
            .filter_map(|r| Some((r.when.due(), (r.id, pressing(r, today)?))))
            .collect();
        rows.sort_by_key(|(due, _)| *due);
        Assigned {
            decisions: decisions.into_iter().map(|(_, d)| d).collect(),
            rows: rows.into_iter().map(|(_, r)| r).collect(),
        }
    }

    /// Replaces the profile.
    pub fn set_profile(doc: &mut AutoCommit, fields: ProfileFields, now_ms: i64) -> Result<(), Error> {
        Self::change(doc, now_ms, |y| {
            let p = &mut y.profile;
            set_text(&mut p.theme, &fields.theme);
            set_text(&mut p.goal, &fields.goal);
            set_text(&mut p.tasks, &fields.tasks);
            p.head = fields.head;
            Ok(())
        })
    }

    /// Adds, edits or removes a protocol; returns its id.
    pub fn edit_protocol(doc: &mut AutoCommit, edit: Edit<ProtocolFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |y| edit.apply(&mut y.protocols))
    }

    /// A protocol read from a Word document: its header and its agenda
    /// questions, as one change; returns the protocol's id.
    pub fn import_protocol(
        doc: &mut AutoCommit,
        fields: ProtocolFields,
        items: Vec<AgendaFields>,
        now_ms: i64,
    ) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |y| {
            let id = Edit::Add(fields).apply(&mut y.protocols)?;
            let protocol = y.protocols.by_id_mut(id)?;
            for item in items {
                Edit::Add(item).apply(&mut protocol.agenda)?;
            }
            Ok(id)
        })
    }

    /// «Оформить протокол» on plan row `row`: the protocol `fields`, with an
    /// agenda item for each line of the row's content (its questions), and
    /// the row marked done by it, as one change; returns the protocol's id.
    /// A removed row is refused and nothing is written.
    pub fn protocol_from_plan(
        doc: &mut AutoCommit,
        row: Uuid,
        fields: ProtocolFields,
        now_ms: i64,
    ) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |y| {
            let planned = y.plan.by_id(row).filter(|r| r.life.is_active()).ok_or(Error::NotFound(row))?;
            let questions = agenda_questions(&planned.content);
            let id = Edit::Add(fields).apply(&mut y.protocols)?;
            let protocol = y.protocols.by_id_mut(id)?;
            for topic in questions {
                let item = AgendaFields { topic, ..AgendaFields::default() };
                Edit::Add(item).apply(&mut protocol.agenda)?;
            }
            let planned = y.plan.by_id_mut(row)?;
            planned.completion = Completion::Done;
            planned.fulfilled_by = Some(id);
            planned.life.edited();
            Ok(id)
        })
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
    use std::collections::BTreeMap;

    use super::*;
    use crate::plan::{PlanFields, PlanMark};
    use crate::protocol::AgendaFields;
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

    #[test]
    fn a_year_is_first_created_as_every_version_creates_it_and_old_years_get_the_same_mentoring_list() {
        let association = DocumentId::from([7u8; 16]);
        let mut doc = YearDoc::create(&association, Y);
        let changes = doc.get_changes(&[]);
        // Computed by the version before mentoring was kept (f5f8d82^).
        let first = "25977bd341a3cb5fc40c00c5150f503250526d51abb07d8f95f493259e7a71cc";
        assert_eq!(changes[0].hash().to_string(), first);
        assert_eq!(changes.len(), 2);

        // A year made by that version gets the same list on every device,
        // and the first pairs added on two devices offline are both kept.
        let pair = || {
            let v =
                crate::Values::from([("mentor", Uuid::new_v4().to_string()), ("mentee", Uuid::new_v4().to_string())]);
            Edit::Add(crate::mentoring::MentorshipFields::validate(&v).unwrap())
        };
        let first = || crate::record::first_change(&YearDoc::id_for(&association, Y), &FirstLayout::of(Y));
        let (mut a, mut b) = (first(), first());
        YearDoc::add_later_lists(&mut a, &association, Y).unwrap();
        YearDoc::add_later_lists(&mut a, &association, Y).unwrap();
        YearDoc::add_later_lists(&mut b, &association, Y).unwrap();
        assert_eq!(a.get_heads(), doc.get_heads(), "the same two changes as a new year's");
        YearDoc::edit_mentorship(&mut a, pair(), 1).unwrap();
        YearDoc::edit_mentorship(&mut b, pair(), 2).unwrap();
        merge_both(&mut a, &mut b);
        assert_eq!(load(&a).mentorship_list().len(), 2);
        let heads = doc.get_heads();
        YearDoc::add_later_lists(&mut doc, &association, Y).unwrap();
        assert_eq!(doc.get_heads(), heads, "a year that has the list gets nothing");
    }

    #[test]
    fn a_protocol_made_from_a_plan_row_carries_its_questions_and_marks_it_done() {
        let (mut a, mut b) = two_devices();
        let mut planned = row("Заседание МО № 2", "ноябрь");
        planned.content = "1. Итоги мониторинга\n2) Подготовка к семинару\n— Разное\n".into();
        let id = YearDoc::edit_plan_row(&mut a, Edit::Add(planned), 1).unwrap();
        merge_both(&mut a, &mut b);
        let made = YearDoc::protocol_from_plan(&mut a, id, protocol(2, "14.11.2026", "Заседание МО № 2"), 2).unwrap();
        merge_both(&mut a, &mut b);
        let y = load(&b);
        let p = y.protocol(made).unwrap();
        let topics: Vec<&str> = p.agenda.active().iter().map(|i| i.topic.as_str()).collect();
        assert_eq!(topics, ["Итоги мониторинга", "Подготовка к семинару", "Разное"]);
        let r = y.plan.by_id(id).unwrap();
        assert_eq!((r.completion, r.fulfilled_by), (Completion::Done, Some(made)));
        assert_eq!(y.fulfillers()[0], (made, p.title()));

        YearDoc::edit_plan_row(&mut a, Edit::Remove(id), 3).unwrap();
        let heads = a.get_heads();
        let refused = YearDoc::protocol_from_plan(&mut a, id, protocol(3, "15.11.2026", "Ещё"), 4);
        assert!(matches!(refused, Err(Error::NotFound(_))), "{refused:?}");
        assert_eq!(a.get_heads(), heads, "a refused change writes nothing");
    }

    #[test]
    fn a_plan_row_written_before_responsible_names_existed_still_reads() {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let (mut a, _) = two_devices();
        let id = YearDoc::edit_plan_row(&mut a, Edit::Add(row("Заседание 1", "сентябрь")), 1).unwrap();
        let (_, plan) = a.get(automerge::ROOT, "plan").unwrap().unwrap();
        let (_, first) = a.get(&plan, 0).unwrap().unwrap();
        a.delete(&first, "responsible_name").unwrap();
        a.commit();
        assert_eq!(load(&a).plan.by_id(id).unwrap().responsible_name, "");
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
        YearDoc::mark_plan_row(&mut a, first, PlanMark::full(Completion::Done, None, String::new()), 3).unwrap();
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
                &[],
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
    fn a_person_sees_the_open_decisions_and_the_near_plan_rows_in_their_charge() {
        let (mut a, _) = two_devices();
        let (orlova, petrov) = (Uuid::new_v4(), Uuid::new_v4());
        let p = YearDoc::edit_protocol(&mut a, Edit::Add(protocol(1, "15.09.2026", "Организация работы")), 1).unwrap();
        let decision = |text: &str, deadline: &str, who: Uuid| {
            let v = DecisionFields::blank()
                .with("text", text)
                .with("deadline", deadline)
                .with("responsible", who.to_string());
            Edit::Add(DecisionFields::validate(&v, d("15.09.2026"), &[]).unwrap())
        };
        let later =
            YearDoc::edit_decision(&mut a, p, decision("Провести классные часы", "20.12.2026", orlova), 2).unwrap();
        let late = YearDoc::edit_decision(&mut a, p, decision("Сдать планы", "01.10.2026", orlova), 3).unwrap();
        let done = YearDoc::edit_decision(&mut a, p, decision("Обновить паспорта", "01.10.2026", orlova), 4).unwrap();
        YearDoc::set_decision_status(&mut a, p, done, DecisionStatus::Done, 5).unwrap();
        YearDoc::edit_decision(&mut a, p, decision("Подготовить стенд", "01.10.2026", petrov), 6).unwrap();
        let in_charge = |topic: &str, when: &str, who: Uuid| {
            let mut r = row(topic, when);
            r.responsible = Some(who);
            Edit::Add(r)
        };
        let near = YearDoc::edit_plan_row(&mut a, in_charge("Открытый классный час", "10.12.2026", orlova), 7).unwrap();
        let past = YearDoc::edit_plan_row(&mut a, in_charge("Семинар", "20.10.2026", orlova), 8).unwrap();
        YearDoc::edit_plan_row(&mut a, in_charge("Конкурс", "10.03.2027", orlova), 9).unwrap();
        YearDoc::edit_plan_row(&mut a, in_charge("Заседание", "25.11.2026", petrov), 10).unwrap();
        let held = YearDoc::edit_plan_row(&mut a, in_charge("Анкетирование", "01.11.2026", orlova), 11).unwrap();
        YearDoc::mark_plan_row(&mut a, held, PlanMark::full(Completion::Done, None, String::new()), 12).unwrap();

        let mine = load(&a).assigned_to(orlova, d("22.11.2026"));
        assert_eq!(mine.decisions, [(p, late, true), (p, later, false)]);
        assert_eq!(mine.rows, [(past, true), (near, false)], "March is not yet; a held row is done");
        assert_eq!(load(&a).assigned_to(Uuid::new_v4(), d("22.11.2026")), Assigned::default());
    }

    #[test]
    fn a_deadline_before_the_meeting_and_a_question_of_another_protocol_are_refused() {
        let e = DecisionFields::validate(
            &DecisionFields::blank()
                .with("text", "Сдать")
                .with("deadline", "10.09.2026")
                .with("item", Uuid::new_v4().to_string()),
            d("15.09.2026"),
            &[Uuid::new_v4()],
        )
        .unwrap_err();
        assert_eq!(e.get("deadline"), Some("Срок не может быть раньше даты заседания (15.09.2026)"));
        assert_eq!(e.get("item"), Some("Выберите вопрос из повестки этого протокола"));
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
            &[],
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
        YearDoc::mark_plan_row(&mut a, sept, PlanMark::full(Completion::Done, None, String::new()), 5).unwrap();
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
        assert!(
            YearDoc::mark_plan_row(&mut a, Uuid::new_v4(), PlanMark::full(Completion::Done, None, String::new()), 1)
                .is_err()
        );
        assert_eq!(a.get_heads(), before);
    }

    #[test]
    fn a_year_document_from_a_newer_version_is_read_only() {
        let (mut a, _) = two_devices();
        autosurgeon::reconcile_prop(&mut a, automerge::ROOT, "schema_version", YEAR_SCHEMA_VERSION + 1).unwrap();
        a.commit();
        assert!(YearDoc::load_any(&a).unwrap().is_newer_layout());
        assert!(YearDoc::load_any(&a).is_ok(), "still readable");
        let before = a.get_heads();
        assert!(YearDoc::edit_plan_row(&mut a, Edit::Add(row("Семинар", "октябрь")), 1).is_err());
        assert_eq!(a.get_heads(), before);
    }
}
