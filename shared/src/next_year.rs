//! «Начать новый учебный год»: next year's document started from this
//! one, as a draft the head reviews: the profile (its tasks proposed from
//! the analysis' «Задачи на следующий учебный год»), the mentoring pairs
//! still running, and the plan rows she marks as recurring; the members'
//! стаж one year older (see [`AssociationDoc::count_experience`]).
//!
//! Two devices may start the same year offline. The year's document is
//! one already (its id is derived), and what is carried into it is made so
//! that the merge holds one of each:
//!
//! - a carried record's id is derived from its source's, so both devices
//!   add the same record, and a list holding it twice reads as one
//!   ([`crate::record::one_of_each`]), the next write keeping one;
//! - the profile is written only into an untouched one, its texts as new
//!   objects, so two such writes conflict and one wins whole rather than
//!   their words being spliced into one text twice.

use automerge::AutoCommit;
use autosurgeon::Text;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::{AcademicYear, Date, When};
use crate::mentoring::Mentorship;
use crate::plan::{Completion, PlanDoc, PlanRow};
use crate::profile::{Profile, ProfileFields};
use crate::record::{Document, Life, Record, RecordList};
use crate::{AssociationDoc, Error, YearDoc};

/// The analysis section whose words propose next year's tasks.
pub const TASKS_SECTION: &str = "tasks";

/// What the head reviews before starting the year after `from`.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// The profile proposed: this year's theme, goal and head, and the
    /// tasks the analysis set for next year (this year's, if it set none).
    pub profile: ProfileFields,
    /// The plan rows on the list, and whether each is proposed (those
    /// carried into this year are recurring).
    pub rows: Vec<(Uuid, bool)>,
    /// The mentoring pairs still running when the new year begins.
    pub pairs: Vec<Uuid>,
}

/// What is carried into the new year's document, as the head accepted it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextYear {
    /// The profile, written only where the new year has none yet.
    pub profile: ProfileFields,
    /// Plan rows, their dates a year later, not yet done.
    pub plan: Vec<PlanRow>,
    /// Mentoring pairs, without last year's plan, notes and reflection.
    pub mentoring: Vec<Mentorship>,
}

impl Draft {
    /// The draft for the year after `from`, whose analysis `tasks_note`
    /// (its «Задачи на следующий учебный год») is given where written.
    pub fn of(from: &YearDoc, tasks_note: Option<&str>) -> Self {
        let p = &from.profile;
        let tasks = tasks_note.filter(|t| !t.trim().is_empty()).unwrap_or(p.tasks.as_str());
        let profile = ProfileFields {
            theme: p.theme.as_str().to_owned(),
            goal: p.goal.as_str().to_owned(),
            tasks: tasks.trim().to_owned(),
            head: p.head,
        };
        let rows = from.plan_rows().iter().map(|r| (r.id, r.recurring)).collect();
        let begins = AcademicYear(from.academic_year().0 + 1).first_day();
        let pairs =
            from.mentorship_list().iter().filter(|m| m.until.is_none_or(|d| d >= begins)).map(|m| m.id).collect();
        Self { profile, rows, pairs }
    }
}

impl NextYear {
    /// Carries the rows `rows` and pairs `pairs` of `from` (the chosen
    /// ones; ids not on its lists are passed over) with `profile`.
    pub fn carry(from: &YearDoc, profile: ProfileFields, rows: &[Uuid], pairs: &[Uuid]) -> Self {
        let plan = from.plan_rows().into_iter().filter(|r| rows.contains(&r.id)).map(carried_row).collect();
        let mentoring =
            from.mentorship_list().into_iter().filter(|m| pairs.contains(&m.id)).map(carried_pair).collect();
        Self { profile, plan, mentoring }
    }
}

/// The id a record carried from `source` has in the next year: the same
/// on every device.
fn carried_id(source: Uuid) -> Uuid {
    Uuid::new_v5(&source, b"next-year")
}

/// `row` in the next year: a year later, planned, recurring.
fn carried_row(row: &PlanRow) -> PlanRow {
    PlanRow {
        id: carried_id(row.id),
        life: Life::default(),
        when: a_year_later(row.when),
        completion: Completion::Planned,
        fulfilled_by: None,
        completion_note: String::new(),
        recurring: true,
        ..row.clone()
    }
}

/// `pair` in the next year: the same people and dates, with a plan and
/// notes of its own.
fn carried_pair(pair: &Mentorship) -> Mentorship {
    Mentorship::new(
        carried_id(pair.id),
        crate::mentoring::MentorshipFields {
            mentor: pair.mentor,
            mentee: pair.mentee,
            since: pair.since,
            until: pair.until,
            reflection: String::new(),
        },
    )
}

/// The same day or month a year later (29 February becomes the 28th).
fn a_year_later(when: When) -> When {
    let later =
        |d: Date| Date::new(d.year() + 1, d.month(), d.day()).or_else(|| Date::new(d.year() + 1, d.month(), 28));
    match when {
        When::Day(d) => When::Day(later(d).unwrap_or(d)),
        When::Month(d) => When::Month(Date::end_of_month(d.year() + 1, d.month()).unwrap_or(d)),
    }
}

/// Whether nobody has written a profile yet.
fn is_untouched(p: &Profile) -> bool {
    [&p.theme, &p.goal, &p.tasks].iter().all(|t| t.as_str().is_empty()) && p.head.is_none()
}

impl YearDoc {
    /// Starts this year with what `next` carries, as one commit stamped
    /// `now_ms`: the profile if the year has none, and each carried record
    /// the year does not hold yet. Starting it again adds nothing.
    pub fn start_from(doc: &mut AutoCommit, next: NextYear, now_ms: i64) -> Result<(), Error> {
        Self::change(doc, now_ms, |records| {
            if is_untouched(&records.profile) {
                // Fresh texts: autosurgeon writes each as a new object, so a
                // concurrent start's text conflicts with this one and one
                // wins whole, instead of both being spliced into one text.
                let f = next.profile;
                records.profile = Profile {
                    theme: Text::with_value(f.theme),
                    goal: Text::with_value(f.goal),
                    tasks: Text::with_value(f.tasks),
                    head: f.head,
                };
            }
            for row in next.plan {
                if records.plan.by_id(row.id).is_none() {
                    records.plan.push(row);
                }
            }
            for pair in next.mentoring {
                if records.mentoring.by_id(pair.id).is_none() {
                    records.mentoring.push(pair);
                }
            }
            Ok(())
        })
    }
}

impl AssociationDoc {
    /// Counts the members' стаж for `year`, the year after the one it was
    /// last counted for: one year more (as the draft showed), for every
    /// member whose стаж is counted for an earlier year or never was.
    /// Counting again, or on two devices at once, writes the same numbers.
    pub fn count_experience(doc: &mut AutoCommit, year: AcademicYear, now_ms: i64) -> Result<(), Error> {
        let year = year.0.unsigned_abs();
        Self::change(doc, now_ms, |records| {
            for m in records.members.iter_mut().filter(|m| m.is_active()) {
                if m.experience_year.is_none_or(|counted| counted < year) {
                    m.experience_years += 1;
                    m.experience_year = Some(year);
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mentoring::MentorshipFields;
    use crate::plan::{PlanFields, PlanMark};
    use crate::record::Edit;
    use crate::record::tests::merge_both;
    use crate::{DocumentId, MemberFields, Values};

    const Y: AcademicYear = AcademicYear(2026);
    const NEXT: AcademicYear = AcademicYear(2027);

    fn row(topic: &str, when: &str) -> PlanFields {
        PlanFields::validate(&PlanFields::blank().with("topic", topic).with("when", when), Y).unwrap()
    }

    /// Last year with a profile, two rows (one done), a running pair and
    /// one that ended, and the analysis' tasks for next year.
    fn last_year(school: &DocumentId) -> (YearDoc, Uuid, Uuid, Uuid) {
        let mut doc = YearDoc::create(school, Y);
        let profile = ProfileFields {
            theme: "Воспитательная система класса".into(),
            goal: "Повышение мастерства".into(),
            tasks: "1. Старая задача".into(),
            head: Some(Uuid::from_u128(1)),
        };
        YearDoc::set_profile(&mut doc, profile, 1).unwrap();
        let meeting = YearDoc::edit_plan_row(&mut doc, Edit::Add(row("Заседание № 1", "28.08.2027")), 2).unwrap();
        let recurring = PlanFields { recurring: true, ..row("Семинар", "ноябрь") };
        let seminar = YearDoc::edit_plan_row(&mut doc, Edit::Add(recurring), 3).unwrap();
        YearDoc::mark_plan_row(&mut doc, meeting, PlanMark::full(Completion::Done, None, "проведено"), 4).unwrap();
        let pair = |until: &str| {
            let v = Values::default()
                .with("mentor", Uuid::from_u128(2).to_string())
                .with("mentee", Uuid::from_u128(3).to_string())
                .with("since", "01.09.2026")
                .with("until", until);
            MentorshipFields::validate(&v).unwrap()
        };
        let running = YearDoc::edit_mentorship(&mut doc, Edit::Add(pair("")), 5).unwrap();
        YearDoc::edit_mentorship(&mut doc, Edit::Add(pair("31.05.2027")), 6).unwrap();
        (YearDoc::load(&doc).unwrap(), meeting, seminar, running)
    }

    #[test]
    fn the_draft_proposes_the_analysis_tasks_the_running_pairs_and_the_recurring_rows() {
        let school = DocumentId::random();
        let (year, meeting, seminar, running) = last_year(&school);
        let draft = Draft::of(&year, Some("1. Новая задача\n2. Ещё одна"));
        assert_eq!(draft.profile.theme, "Воспитательная система класса");
        assert_eq!(draft.profile.tasks, "1. Новая задача\n2. Ещё одна");
        assert_eq!(draft.profile.head, Some(Uuid::from_u128(1)));
        assert_eq!(Draft::of(&year, Some("  ")).profile.tasks, "1. Старая задача");
        assert_eq!(draft.pairs, vec![running], "the pair that ended in May stays behind");
        assert!(draft.rows.contains(&(seminar, true)), "the row marked as recurring is proposed");
        assert!(draft.rows.contains(&(meeting, false)));

        let next = NextYear::carry(&year, draft.profile, &[meeting], &draft.pairs);
        let carried = &next.plan[0];
        assert_eq!(carried.when, When::Day(Date::parse("28.08.2028").unwrap()));
        assert_eq!((carried.completion, carried.fulfilled_by, carried.recurring), (Completion::Planned, None, true));
        assert!(carried.completion_note.is_empty());
        let mut new_doc = YearDoc::create(&school, NEXT);
        YearDoc::start_from(&mut new_doc, next, 7).unwrap();
        let started = YearDoc::load(&new_doc).unwrap();
        assert_eq!(Draft::of(&started, None).rows, vec![(carried_id(meeting), true)], "a carried row recurs");
        let seminar_later = a_year_later(When::Month(Date::parse("30.11.2026").unwrap()));
        assert_eq!(seminar_later, When::Month(Date::parse("30.11.2027").unwrap()));
        assert_eq!(
            a_year_later(When::Day(Date::parse("29.02.2028").unwrap())),
            When::Day(Date::parse("28.02.2029").unwrap())
        );
    }

    #[test]
    fn two_devices_starting_the_year_offline_end_with_one_of_everything() {
        let school = DocumentId::random();
        let (year, meeting, seminar, running) = last_year(&school);
        let draft = Draft::of(&year, Some("Новая задача"));
        let next = NextYear::carry(&year, draft.profile, &[meeting, seminar], &[running]);
        let mut a = YearDoc::create(&school, NEXT);
        let mut b = YearDoc::create(&school, NEXT);
        YearDoc::start_from(&mut a, next.clone(), 10).unwrap();
        YearDoc::start_from(&mut a, next.clone(), 11).unwrap();
        YearDoc::start_from(&mut b, next.clone(), 12).unwrap();
        merge_both(&mut a, &mut b);
        let merged = YearDoc::load(&a).unwrap();
        assert_eq!(merged.profile.theme.as_str(), "Воспитательная система класса");
        assert_eq!(merged.profile.tasks.as_str(), "Новая задача");
        assert_eq!(merged.plan_rows().len(), 2);
        assert_eq!(merged.mentorship_list().len(), 1);

        // The next write keeps one copy, and an edit of the kept one merges.
        let kept = carried_id(seminar);
        YearDoc::edit_plan_row(&mut b, Edit::Update(kept, row("Семинар-практикум", "декабрь")), 13).unwrap();
        merge_both(&mut a, &mut b);
        let raw: Vec<PlanRow> = autosurgeon::hydrate_prop(&a, automerge::ROOT, "plan").unwrap();
        assert_eq!(raw.len(), 2, "the duplicates are gone from the document itself");
        let merged = YearDoc::load(&a).unwrap();
        assert_eq!(merged.plan.by_id(kept).unwrap().topic, "Семинар-практикум");
        // A profile written meanwhile is not replaced.
        YearDoc::start_from(&mut a, NextYear { profile: ProfileFields::default(), ..next }, 14).unwrap();
        assert_eq!(YearDoc::load(&a).unwrap().profile.tasks.as_str(), "Новая задача");
    }

    #[test]
    fn stazh_counted_for_the_new_year_on_two_devices_is_one_year_more() {
        let school = DocumentId::random();
        let mut a = AssociationDoc::create(&school);
        let fields =
            MemberFields {
                full_name: "Иванова Мария Петровна".into(), experience_years: 10, ..Default::default()
            };
        let id = AssociationDoc::edit_member(&mut a, Edit::Add(fields), Y.first_day().days() * 86_400_000 + 1).unwrap();
        let mut b = a.fork();
        AssociationDoc::count_experience(&mut a, NEXT, 2).unwrap();
        AssociationDoc::count_experience(&mut a, NEXT, 3).unwrap();
        AssociationDoc::count_experience(&mut b, NEXT, 4).unwrap();
        merge_both(&mut a, &mut b);
        let m = AssociationDoc::load(&a).unwrap().member(id).unwrap().clone();
        assert_eq!((m.experience_years, m.experience_year), (11, Some(2027)));
        assert_eq!(m.experience_in(Y), 10, "last year's list still says 10");
        AssociationDoc::count_experience(&mut a, AcademicYear(2028), 5).unwrap();
        assert_eq!(AssociationDoc::load(&a).unwrap().member(id).unwrap().experience_years, 12);
    }
}
