//! The district head's overview of one school for one academic year,
//! computed from the school's synced documents on the head's own device:
//! meetings held against planned, plan completion, overdue decisions,
//! members whose category or courses fall due, and the копилка's growth.

use crate::date::Date;
use crate::member::{CATEGORY_WARNING_DAYS, courses_overdue};
use crate::plan::{PlanDoc, WorkKind};
use crate::{AssociationDoc, LibraryDoc, YearDoc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::link::Beside;
use crate::mentoring::PairLine;
use crate::monitoring::QuarterTotals;
use crate::reply::Answer;
use crate::staff::StaffLine;
use crate::survey::Responses;

/// Days without a change reaching the server after which a school is
/// marked as silent in the overview.
pub const SILENT_AFTER_DAYS: i64 = 14;

/// How fresh a school's records on the server are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// The day its records last reached the server, if they ever did.
    pub last: Option<Date>,
    /// Whole days since then, on the server's clock.
    pub days: Option<i64>,
    /// Whether it has been silent for more than [`SILENT_AFTER_DAYS`]
    /// (or the server knows of nothing it sent).
    pub silent: bool,
}

impl Freshness {
    /// From when the school's records last arrived and the server's clock
    /// when it said so (both ms since the epoch).
    pub fn of(last_ms: Option<i64>, server_now_ms: i64) -> Self {
        let days = last_ms.map(|at| (server_now_ms - at).max(0) / 86_400_000);
        Self { last: last_ms.map(Date::from_unix_ms), days, silent: days.is_none_or(|d| d > SILENT_AFTER_DAYS) }
    }

    /// The overview's cell: «05.12.2026», with how long ago when silent.
    pub fn label(&self) -> String {
        match (self.last, self.days) {
            (Some(day), Some(days)) if self.silent => format!("{day} — нет связи {days} дн."),
            (Some(day), _) => day.to_string(),
            _ => "нет сведений".to_owned(),
        }
    }
}

/// One school's line in the overview.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SchoolSummary {
    /// Meetings (заседания МО) in the plan.
    pub meetings_planned: usize,
    /// Protocols written, i.e. meetings held.
    pub meetings_held: usize,
    /// Plan rows done, in whole percent.
    pub plan_percent: u32,
    /// Plan rows in all.
    pub plan_total: usize,
    /// Decisions past their deadline and still open.
    pub overdue_decisions: usize,
    /// Members on the list.
    pub members: usize,
    /// Members whose category has run out or runs out within the warning period.
    pub categories_due: usize,
    /// Members with no courses in the last three years (or none recorded).
    pub courses_due: usize,
    /// Materials in the копилка.
    pub materials: usize,
    /// Of those, put in during this academic year.
    pub materials_this_year: usize,
    /// How it carried out the recommendations of the РМО's visits, by visit.
    pub answers: BTreeMap<Uuid, Answer>,
    /// Its class teachers' categories, courses and mentors.
    pub staff: Vec<StaffLine>,
    /// Its answers to the РМО's surveys.
    pub responses: Responses,
    /// Its mentoring pairs of young specialists.
    pub mentoring: Vec<PairLine>,
    /// Its monitoring of the class teachers' duties, by quarter (lines
    /// kept before monitoring was have none).
    #[serde(default)]
    pub monitoring: Vec<QuarterTotals>,
}

impl SchoolSummary {
    /// The summary of a school from its documents, as of `today`.
    pub fn of(
        association: &AssociationDoc,
        year: &YearDoc,
        beside: &Beside,
        library: &LibraryDoc,
        today: Date,
    ) -> Self {
        let dashboard = year.dashboard(today);
        let members = association.active_members();
        Self {
            meetings_planned: year.plan_rows().iter().filter(|r| r.kind == WorkKind::Meeting).count(),
            meetings_held: year.protocol_list().len(),
            plan_percent: dashboard.plan_percent,
            plan_total: dashboard.plan_total,
            overdue_decisions: dashboard.overdue_decisions.len(),
            members: members.len(),
            categories_due: members
                .iter()
                .filter(|m| m.category_until.is_some_and(|d| d.days() - today.days() <= CATEGORY_WARNING_DAYS))
                .count(),
            courses_due: members.iter().filter(|m| courses_overdue(m.course_year, today)).count(),
            materials: library.materials.iter().filter(|m| crate::record::Record::is_active(*m)).count(),
            materials_this_year: library.materials_added_in(year.academic_year()),
            answers: beside.replies.iter().map(|(visit, r)| (*visit, r.answer())).collect(),
            staff: StaffLine::of(association),
            responses: beside.responses.clone(),
            mentoring: PairLine::of(year, association),
            monitoring: QuarterTotals::every_quarter(&beside.sheets),
        }
    }

    /// How much of the school's plan is done, «25% из 4», or that it has
    /// no plan yet (rather than «0% из 0»): on the overview and in the
    /// РМО's analysis alike.
    pub fn plan_done(&self) -> String {
        if self.plan_total == 0 {
            "плана ещё нет".to_owned()
        } else {
            format!("{}% из {}", self.plan_percent, self.plan_total)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_school_without_a_plan_is_said_to_have_none_not_zero_percent() {
        let none = super::SchoolSummary::default();
        assert_eq!(none.plan_done(), "плана ещё нет");
        let some = super::SchoolSummary { plan_total: 4, plan_percent: 25, ..Default::default() };
        assert_eq!(some.plan_done(), "25% из 4");
    }

    #[test]
    fn a_school_silent_for_more_than_fourteen_days_is_marked() {
        use super::Freshness;
        const DAY: i64 = 86_400_000;
        let now = crate::Date::new(2026, 12, 5).unwrap().days() * DAY + 10 * 3_600_000;
        let fresh = Freshness::of(Some(now - 14 * DAY), now);
        assert!(!fresh.silent);
        assert_eq!(fresh.label(), "21.11.2026");
        let silent = Freshness::of(Some(now - 15 * DAY), now);
        assert!(silent.silent);
        assert_eq!(silent.label(), "20.11.2026 — нет связи 15 дн.");
        let never = Freshness::of(None, now);
        assert!(never.silent);
        assert_eq!(never.label(), "нет сведений");
    }

    use super::*;
    use crate::date::AcademicYear;
    use crate::form::Values;
    use crate::kopilka::MaterialFields;
    use crate::member::MemberFields;
    use crate::plan::PlanFields;
    use crate::protocol::ProtocolFields;
    use crate::record::{Document, Edit};
    use crate::{DocumentId, Member};

    const NOW: i64 = 1_790_000_000_000; // 21.09.2026

    #[test]
    fn a_schools_summary_counts_what_its_records_say() {
        let id = DocumentId::random();
        let year = AcademicYear(2026);
        let today = Date::new(2026, 11, 22).unwrap();
        let mut assoc = AssociationDoc::create(&id);
        let teacher = |name: &str, until: &str, course: &str| {
            Values::from([
                ("full_name", name.to_owned()),
                ("position", "учитель".to_owned()),
                ("class_led", "5А".to_owned()),
                ("education", "higher_pedagogical".to_owned()),
                ("category", "first".to_owned()),
                ("experience_years", "10".to_owned()),
                ("category_until", until.to_owned()),
                ("course_year", course.to_owned()),
            ])
        };
        let due = MemberFields::validate(&teacher("Иванова Анна Петровна", "01.02.2027", "2025")).unwrap();
        let fine = MemberFields::validate(&teacher("Петров Илья Олегович", "01.02.2030", "")).unwrap();
        let due_id = AssociationDoc::edit_member(&mut assoc, Edit::Add(due), NOW).unwrap();
        AssociationDoc::edit_member(&mut assoc, Edit::Add(fine), NOW).unwrap();
        let records = AssociationDoc::load(&assoc).unwrap();
        let _: &Member = records.member(due_id).unwrap();

        let mut y = YearDoc::create(&id, year);
        for (kind, when) in [("meeting", "октябрь"), ("meeting", "январь"), ("seminar", "ноябрь")] {
            let v = PlanFields::blank().with("kind", kind).with("when", when).with("topic", "Тема");
            YearDoc::edit_plan_row(&mut y, Edit::Add(PlanFields::validate(&v, year).unwrap()), NOW).unwrap();
        }
        let p = ProtocolFields {
            number: 1,
            date: Date::new(2026, 10, 20).unwrap(),
            chair: None,
            secretary: None,
            attendance: Default::default(),
            invited: String::new(),
            theme: "Первое заседание".into(),
            completed: false,
        };
        YearDoc::edit_protocol(&mut y, Edit::Add(p), NOW).unwrap();
        let mut lib = LibraryDoc::create(&id);
        let m =
            MaterialFields::blank().with("title", "Классный час").with("author", "Иванова").with("kind", "class_hour");
        LibraryDoc::edit_material(&mut lib, Edit::Add(MaterialFields::validate(&m).unwrap()), NOW).unwrap();

        let s = SchoolSummary::of(
            &records,
            &YearDoc::load(&y).unwrap(),
            &Beside::default(),
            &LibraryDoc::load(&lib).unwrap(),
            today,
        );
        assert_eq!((s.meetings_planned, s.meetings_held), (2, 1));
        assert_eq!(s.plan_total, 3);
        assert_eq!(s.members, 2);
        assert_eq!(s.categories_due, 1, "one category runs out within the warning period");
        assert_eq!(s.courses_due, 1, "one member has no courses recorded");
        assert_eq!((s.materials, s.materials_this_year), (1, 1));
    }
}
