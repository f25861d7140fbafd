//! The numbers of a yearly analysis (анализ работы МО / РМО за год), taken
//! from the records and nowhere else, so the printed analysis says what the
//! records say. [`crate::papers::analysis`] puts them into words.

use std::collections::BTreeMap;

use automerge::{AutoCommit, ROOT, ReadDoc};
use autosurgeon::Text;

use crate::date::{AcademicYear, Date};
use crate::district::{DistrictYearDoc, EventKind, VisitAnswers};
use crate::kopilka::MaterialKind;
use crate::member::{Category, Education, courses_overdue};
use crate::overview::SchoolSummary;
use crate::plan::{Completion, PlanDoc, PlanRow, PlanTally, WorkKind};
use crate::profile::RmoProfile;
use crate::protocol::DecisionStatus;
use crate::record::{RecordList, set_text};
use crate::survey::{Needs, Results};
use crate::{AssociationDoc, LibraryDoc, YearDoc};

/// Counts by label, only those above zero, in the labels' own order.
pub type Counts = Vec<(&'static str, usize)>;

/// A school МО's year in numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearReport {
    /// The academic year.
    pub year: AcademicYear,
    /// Methodical theme, goal and tasks.
    pub theme: String,
    /// цель
    pub goal: String,
    /// задачи
    pub tasks: Vec<String>,
    /// The МО's head, who signs the analysis.
    pub head: String,
    /// Members on the list.
    pub members: usize,
    /// By education.
    pub education: Counts,
    /// By qualification category.
    pub categories: Counts,
    /// By teaching experience: до 5 лет, 5–10, 10–20, свыше 20.
    pub experience: Counts,
    /// Young specialists.
    pub young_specialists: usize,
    /// Of those, with a mentor.
    pub mentored: usize,
    /// Members whose last course falls in this academic year: ФИО, topic, hours.
    pub courses_this_year: Vec<(String, String, Option<u32>)>,
    /// Members with no course in the last three years (or none recorded).
    pub courses_due: usize,
    /// Meetings in the plan.
    pub meetings_planned: usize,
    /// Protocols: number, date, theme.
    pub protocols: Vec<(u32, Date, String)>,
    /// The plan's rows.
    pub plan: PlanTally,
    /// Rows not done or postponed: when, topic, mark.
    pub plan_missed: Vec<(String, String, &'static str)>,
    /// Events other than meetings marked done: kind, topic, when.
    pub events_held: Vec<(&'static str, String, String)>,
    /// Analyses written after events and checks.
    pub analyses: usize,
    /// Decisions taken at the year's meetings.
    pub decisions: usize,
    /// Of those, carried out.
    pub decisions_done: usize,
    /// Still open: text, responsible, deadline.
    pub decisions_open: Vec<(String, String, Option<Date>)>,
    /// Materials in the копилка.
    pub materials: usize,
    /// Of those, added this year.
    pub materials_added: usize,
    /// Materials added this year, by kind.
    pub materials_by_kind: Counts,
}

fn counts<T: Copy + PartialEq>(all: &[T], label: fn(T) -> &'static str, items: &[T]) -> Counts {
    all.iter().map(|k| (label(*k), items.iter().filter(|i| *i == k).count())).filter(|(_, n)| *n > 0).collect()
}

impl YearReport {
    /// The numbers of `year` from the school's documents.
    pub fn of(association: &AssociationDoc, year: &YearDoc, library: &LibraryDoc) -> Self {
        let academic = year.academic_year();
        let members = association.active_members();
        let end = academic.last_day();
        let experience = [
            ("до 5 лет", 0..5),
            ("от 5 до 10 лет", 5..10),
            ("от 10 до 20 лет", 10..20),
            ("свыше 20 лет", 20..u32::MAX),
        ]
        .into_iter()
        .map(|(label, range)| (label, members.iter().filter(|m| range.contains(&m.experience_in(academic))).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
        let rows = year.plan_rows();
        let protocols = year.protocol_list();
        let decisions: Vec<_> = protocols.iter().flat_map(|p| p.decision_list()).collect();
        let added: Vec<MaterialKind> = library
            .materials
            .active()
            .iter()
            .filter(|m| m.added.is_some_and(|d| AcademicYear::of(d) == academic))
            .map(|m| m.kind)
            .collect();
        Self {
            year: academic,
            theme: year.profile.theme.as_str().trim().to_owned(),
            goal: year.profile.goal.as_str().trim().to_owned(),
            tasks: year.profile.task_list(),
            head: year
                .profile
                .head
                .and_then(|h| association.member(h))
                .map(|m| m.full_name.clone())
                .unwrap_or_default(),
            members: members.len(),
            education: counts(
                Education::ALL,
                Education::label,
                &members.iter().map(|m| m.education).collect::<Vec<_>>(),
            ),
            categories: counts(Category::ALL, Category::label, &members.iter().map(|m| m.category).collect::<Vec<_>>()),
            experience,
            young_specialists: members.iter().filter(|m| m.young_specialist).count(),
            mentored: members.iter().filter(|m| m.young_specialist && m.mentor.is_some()).count(),
            courses_this_year: members
                .iter()
                .filter(|m| m.course_year.is_some_and(|y| y as i32 == academic.0 || y as i32 == academic.0 + 1))
                .map(|m| (m.full_name.clone(), m.course_topic.clone(), m.course_hours))
                .collect(),
            courses_due: members.iter().filter(|m| courses_overdue(m.course_year, end)).count(),
            meetings_planned: rows.iter().filter(|r| r.kind == WorkKind::Meeting).count(),
            protocols: protocols.iter().map(|p| (p.number, p.date, p.theme.as_str().trim().to_owned())).collect(),
            plan: PlanTally::of(&rows),
            plan_missed: missed(&rows),
            events_held: rows
                .iter()
                .filter(|r| r.kind != WorkKind::Meeting && r.completion == Completion::Done)
                .map(|r| (r.kind.label(), r.topic.clone(), r.when.label()))
                .collect(),
            analyses: year.analysis_list().len(),
            decisions: decisions.len(),
            decisions_done: decisions.iter().filter(|d| d.status == DecisionStatus::Done).count(),
            decisions_open: decisions
                .iter()
                .filter(|d| d.status != DecisionStatus::Done)
                .map(|d| (d.text.as_str().trim().to_owned(), association.name_of(d.responsible), d.deadline))
                .collect(),
            materials: library.materials.active().len(),
            materials_added: added.len(),
            materials_by_kind: counts(MaterialKind::ALL, MaterialKind::label, &added),
        }
    }

    /// Meetings held: protocols written.
    pub fn meetings_held(&self) -> usize {
        self.protocols.len()
    }
}

/// A district РМО's year in numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrictReport {
    /// The academic year.
    pub year: AcademicYear,
    /// The РМО's methodical theme.
    pub theme: String,
    /// цель
    pub goal: String,
    /// задачи
    pub tasks: Vec<String>,
    /// The РМО's head, who signs the analysis.
    pub head: String,
    /// Who agrees it (the head of the district methodical cabinet) and
    /// who approves it (the head of the Отдел образования).
    pub approval: (String, String),
    /// Each school's line, by name.
    pub schools: Vec<(String, SchoolSummary)>,
    /// Class teachers in the district's МО (sum of the schools').
    pub members: usize,
    /// Of those, whose category runs out this year or soon.
    pub categories_due: usize,
    /// Of those, with no courses in the last three years.
    pub courses_due: usize,
    /// The РМО's own meetings (заседания РМО) in its plan.
    pub meetings_planned: usize,
    /// Held: events of the kind «заседание РМО».
    pub meetings_held: usize,
    /// Decisions of the РМО's meetings and seminars.
    pub decisions: usize,
    /// Of those, marked carried out by the school they were addressed to.
    pub decisions_done: usize,
    /// The РМО plan's rows.
    pub plan: PlanTally,
    /// Rows not done or postponed: when, topic, mark.
    pub plan_missed: Vec<(String, String, &'static str)>,
    /// Events: kind, topic, date, participants.
    pub events: Vec<(&'static str, String, Date, u32)>,
    /// Contests: title, level, participants, winners and prize-winners.
    pub contests: Vec<(String, String, usize, usize)>,
    /// Contests by the participants' schools: school, participants,
    /// winners and prize-winners, each participant's result.
    pub contests_by_school: Vec<(String, usize, usize, Vec<String>)>,
    /// Visits to schools.
    pub visits: usize,
    /// Each visit: date, school, recommendations, how they were carried out.
    pub visit_lines: Vec<(Date, String, String, String)>,
    /// Of those with a follow-up date, carried out (follow-up written).
    pub visits_followed_up: usize,
    /// With a follow-up date passed and nothing written.
    pub visits_awaiting: usize,
    /// Consultations given.
    pub consultations: usize,
    /// Mentoring pairs.
    pub mentoring_pairs: usize,
    /// The needs surveys of class teachers that have answers.
    pub needs: Vec<Needs>,
}

impl DistrictReport {
    /// The numbers of the РМО's `doc` (with its `profile`), its schools'
    /// summaries and their answers to its visits, as of `today`.
    pub fn of(
        doc: &DistrictYearDoc,
        profile: &RmoProfile,
        schools: Vec<(String, SchoolSummary)>,
        answers: &VisitAnswers,
        today: Date,
    ) -> Self {
        let rows = doc.plan_rows();
        let visits = doc.visit_list();
        let events = doc.event_list();
        Self {
            year: AcademicYear(i32::try_from(doc.year).unwrap_or_default()),
            theme: profile.theme.as_str().trim().to_owned(),
            goal: profile.goal.as_str().trim().to_owned(),
            tasks: profile.task_list(),
            head: profile.head.trim().to_owned(),
            approval: (profile.cabinet_head.trim().to_owned(), profile.department_head.trim().to_owned()),
            members: schools.iter().map(|(_, s)| s.members).sum(),
            categories_due: schools.iter().map(|(_, s)| s.categories_due).sum(),
            courses_due: schools.iter().map(|(_, s)| s.courses_due).sum(),
            meetings_planned: rows.iter().filter(|r| r.kind == WorkKind::Meeting).count(),
            meetings_held: events.iter().filter(|e| e.kind == EventKind::Meeting).count(),
            decisions: events.iter().map(|e| e.decisions.active().len()).sum(),
            decisions_done: events
                .iter()
                .flat_map(|e| e.decisions.active())
                .filter(|d| answers.get(&d.id).is_some_and(|a| a.done.is_some()))
                .count(),
            plan: PlanTally::of(&rows),
            plan_missed: missed(&rows),
            events: events.iter().map(|e| (e.kind.label(), e.topic.clone(), e.date, e.participants)).collect(),
            contests: doc
                .contest_list()
                .iter()
                .map(|c| {
                    let placed = c.participants.iter().filter(|p| is_placed(&p.result)).count();
                    (c.title.clone(), c.level.clone(), c.participants.len(), placed)
                })
                .collect(),
            contests_by_school: contests_by_school(doc),
            visits: visits.len(),
            visit_lines: visits
                .iter()
                .map(|v| (v.date, v.school.clone(), v.recommendations.as_str().trim().to_owned(), v.outcome(answers)))
                .collect(),
            visits_followed_up: visits.iter().filter(|v| v.is_carried_out(answers)).count(),
            visits_awaiting: doc.visits_awaiting_follow_up(today, answers).len(),
            consultations: doc.consultation_list().len(),
            mentoring_pairs: doc.mentoring_list().len(),
            needs: doc.survey_list().iter().rev().filter_map(|s| Results::of_schools(s, &schools).needs()).collect(),
            schools,
        }
    }
}

/// The contests' participants by school, schools in the order they first
/// appear: participants, winners and prize-winners, and «ФИО — результат
/// (конкурс)» for each.
fn contests_by_school(doc: &DistrictYearDoc) -> Vec<(String, usize, usize, Vec<String>)> {
    let mut by_school: Vec<(String, usize, usize, Vec<String>)> = Vec::new();
    for contest in doc.contest_list() {
        for p in &contest.participants {
            let school = if p.school.trim().is_empty() { "школа не указана" } else { p.school.trim() };
            let n = match by_school.iter().position(|(s, ..)| s == school) {
                Some(n) => n,
                None => {
                    by_school.push((school.to_owned(), 0, 0, Vec::new()));
                    by_school.len() - 1
                }
            };
            let line = &mut by_school[n];
            line.1 += 1;
            line.2 += usize::from(is_placed(&p.result));
            let result = if p.result.trim().is_empty() { "участник" } else { p.result.trim() };
            line.3.push(format!("{} — {result} («{}»)", p.name, contest.title));
        }
    }
    by_school
}

/// Rows not done or postponed: when, topic, mark.
fn missed(rows: &[&PlanRow]) -> Vec<(String, String, &'static str)> {
    rows.iter()
        .filter(|r| matches!(r.completion, Completion::NotDone | Completion::Postponed))
        .map(|r| (r.when.label(), r.topic.clone(), r.completion.label()))
        .collect()
}

/// Whether a contest result is a win or a prize («победитель», «призёр»,
/// «лауреат», «1 место»…), and not its absence («не занял место»).
fn is_placed(result: &str) -> bool {
    let r = crate::text::lower(result);
    let denied = r.split(|c: char| !c.is_alphanumeric()).any(|w| w == "не" || w == "нет" || w == "без");
    !denied && ["побед", "призёр", "призер", "лауреат", "место"].iter().any(|w| r.contains(w))
}

/// Where a document keeps the head's words for one section of its yearly
/// analysis: a text at the document's root beside the records, so documents
/// made before analyses existed keep their identical first change, and two
/// people writing different sections offline never touch the same object.
const NOTE_PREFIX: &str = "analysis_note:";

/// The head's words in the yearly analysis, by section key.
pub fn analysis_notes(doc: &AutoCommit) -> BTreeMap<String, String> {
    doc.keys(ROOT)
        .filter_map(|key| {
            let section = key.strip_prefix(NOTE_PREFIX)?.to_owned();
            let text: Text = autosurgeon::hydrate_prop(doc, ROOT, key.as_str()).ok()?;
            Some((section, text.as_str().to_owned()))
        })
        .collect()
}

/// Keeps `text` as the head's words for `section`, splicing only what
/// changed so words typed on another device meanwhile survive; one commit
/// stamped `now_ms`, nothing written when nothing changed.
pub fn set_analysis_note(doc: &mut AutoCommit, section: &str, text: &str, now_ms: i64) -> Result<(), crate::Error> {
    let key = format!("{NOTE_PREFIX}{section}");
    if text.chars().count() > crate::form::MAX_LONG_TEXT {
        return Err(crate::Error::TooLong(crate::form::MAX_LONG_TEXT));
    }
    let mut note: Text = match doc.get(ROOT, key.as_str())? {
        Some(_) => autosurgeon::hydrate_prop(doc, ROOT, key.as_str())?,
        None if text.trim().is_empty() => return Ok(()),
        None => Text::with_value(""),
    };
    if note.as_str() == text {
        return Ok(());
    }
    set_text(&mut note, text);
    crate::record::write::commit_at(doc, key.as_str(), &note, now_ms)
}

#[cfg(test)]
mod tests {
    use super::is_placed;

    #[test]
    fn a_place_counts_and_its_absence_does_not() {
        for placed in ["победитель", "Призёр", "лауреат II степени", "1 место", "3-е место"]
        {
            assert!(is_placed(placed), "{placed}");
        }
        for not in ["не занял место", "Не заняла места", "участник", "без места", "нет места", ""]
        {
            assert!(!is_placed(not), "{not}");
        }
    }
}
