//! Professional growth across the district: every school's class teachers
//! with their category and its term, their last courses, and the young
//! specialists with their mentors; and the perspective plan of attestation
//! and courses that follows from them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AssociationDoc;
use crate::date::{AcademicYear, Date};
use crate::member::{COURSE_INTERVAL_YEARS, Category, courses_overdue};
use crate::paper::{Cell, Paper, Para};
use crate::papers::{Letterhead, ruled};

/// One class teacher, as the district's staff view needs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffLine {
    /// The member's record.
    pub id: Uuid,
    /// ФИО
    pub name: String,
    /// квалификационная категория
    pub category: Category,
    /// the day it runs out
    pub category_until: Option<Date>,
    /// year of the last qualification course
    pub course_year: Option<u32>,
    /// молодой специалист
    pub young_specialist: bool,
    /// the mentor's ФИО, for a young specialist with one
    pub mentor: Option<String>,
}

impl StaffLine {
    /// The members on a school's list now.
    pub fn of(association: &AssociationDoc) -> Vec<Self> {
        association
            .active_members()
            .iter()
            .map(|m| Self {
                id: m.id,
                name: m.full_name.clone(),
                category: m.category,
                category_until: m.category_until,
                course_year: m.course_year,
                young_specialist: m.young_specialist,
                mentor: m.mentor.map(|id| association.full_name(Some(id))),
            })
            .collect()
    }

    /// The academic year the category runs out in, if it has a term.
    pub fn attestation_year(&self) -> Option<AcademicYear> {
        self.category_until.map(AcademicYear::of)
    }

    /// The calendar year courses are due: three years after the last, or
    /// now when none are recorded or they are overdue.
    pub fn courses_due(&self, today: Date) -> i32 {
        let due = self.course_year.map_or(today.year(), |y| y as i32 + COURSE_INTERVAL_YEARS);
        due.max(today.year())
    }

    /// Whether the last courses were more than three years ago, or none
    /// are recorded.
    pub fn courses_old(&self, today: Date) -> bool {
        courses_overdue(self.course_year, today)
    }
}

/// The district's class teachers, by school.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Staff {
    /// Each school's name and its people.
    pub schools: Vec<(String, Vec<StaffLine>)>,
}

/// A category that runs out: who, where, the category, until when.
pub type Expiring<'a> = (&'a str, &'a StaffLine);

impl Staff {
    /// Everyone, with their school, schools in order.
    fn everyone(&self) -> impl Iterator<Item = Expiring<'_>> {
        self.schools.iter().flat_map(|(school, people)| people.iter().map(move |p| (school.as_str(), p)))
    }

    /// Categories that run out by the end of `year` (or have run out),
    /// soonest first.
    pub fn categories_expiring(&self, year: AcademicYear) -> Vec<Expiring<'_>> {
        let mut list: Vec<_> =
            self.everyone().filter(|(_, p)| p.category_until.is_some_and(|d| d <= year.last_day())).collect();
        list.sort_by_key(|(_, p)| p.category_until);
        list
    }

    /// Categories that run out in the academic year after `year`.
    pub fn categories_expiring_next(&self, year: AcademicYear) -> Vec<Expiring<'_>> {
        let next = AcademicYear(year.0 + 1);
        let mut list: Vec<_> = self
            .everyone()
            .filter(|(_, p)| p.category_until.is_some_and(|d| d > year.last_day() && d <= next.last_day()))
            .collect();
        list.sort_by_key(|(_, p)| p.category_until);
        list
    }

    /// People whose courses are more than three years old or not recorded.
    pub fn courses_old(&self, today: Date) -> Vec<Expiring<'_>> {
        self.everyone().filter(|(_, p)| p.courses_old(today)).collect()
    }

    /// Young specialists, with or without a mentor.
    pub fn young_specialists(&self) -> Vec<Expiring<'_>> {
        self.everyone().filter(|(_, p)| p.young_specialist).collect()
    }

    /// Everyone, by school, for the perspective plan.
    pub fn all(&self) -> Vec<Expiring<'_>> {
        self.everyone().collect()
    }
}

/// «Перспективный план аттестации и курсовой подготовки» for the years
/// from `year` on: for each class teacher, when their category runs out
/// (the year to attest in) and when courses are next due.
pub fn perspective_plan(head: &Letterhead, staff: &Staff, year: AcademicYear, today: Date) -> Paper {
    let last = AcademicYear(year.0 + 4);
    let mut paper = Paper::new(
        format!("Перспективный план аттестации и курсовой подготовки на {}–{} гг.", year.0, last.0 + 1),
        &format!("Перспективный план аттестации и курсов {}-{}", year.0, last.0 + 1),
    );
    paper.landscape = true;
    head.put(&mut paper);
    paper.gap();
    paper.para(Para::title("ПЕРСПЕКТИВНЫЙ ПЛАН"));
    paper.para(Para::title("аттестации и курсовой подготовки классных руководителей"));
    paper.para(Para::title(format!("на {}–{} годы", year.0, last.0 + 1)));
    paper.gap();
    let rows = staff
        .all()
        .iter()
        .enumerate()
        .map(|(n, (school, p))| {
            let until = p.category_until.map(|d| d.to_string()).unwrap_or_else(|| "—".into());
            let attest = match p.attestation_year() {
                Some(y) if y < year => format!("{year} (срок истёк)"),
                Some(y) if y <= last => y.to_string(),
                Some(_) => "позже".to_owned(),
                None => "—".to_owned(),
            };
            let course = p.course_year.map(|y| y.to_string()).unwrap_or_else(|| "нет сведений".into());
            vec![
                Cell::new((n + 1).to_string()),
                Cell::new(p.name.as_str()),
                Cell::new(*school),
                Cell::new(p.category.label()),
                Cell::new(until),
                Cell::new(attest),
                Cell::new(course),
                Cell::new(p.courses_due(today).to_string()),
            ]
        })
        .collect();
    paper.table(ruled(
        vec![2, 8, 6, 5, 4, 4, 4, 4],
        &[
            "№",
            "ФИО",
            "Школа",
            "Категория",
            "Действует до",
            "Аттестация (учебный год)",
            "Последние курсы",
            "Курсы (год)",
        ],
        rows,
    ));
    paper
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, until: Option<Date>, course: Option<u32>, young: bool) -> StaffLine {
        StaffLine {
            id: Uuid::new_v4(),
            name: name.into(),
            category: if until.is_some() { Category::First } else { Category::None },
            category_until: until,
            course_year: course,
            young_specialist: young,
            mentor: young.then(|| "Иванова Мария Петровна".to_owned()),
        }
    }

    #[test]
    fn the_staff_view_picks_who_attests_who_needs_courses_and_who_is_young() {
        let today = Date::new(2026, 11, 20).unwrap();
        let year = AcademicYear::of(today);
        let staff = Staff {
            schools: vec![
                (
                    "Школа №1".into(),
                    vec![
                        person("Орлова Екатерина Сергеевна", Date::new(2027, 3, 1), Some(2025), false),
                        person("Кузнецов Илья Олегович", None, None, true),
                    ],
                ),
                (
                    "Школа №2".into(),
                    vec![
                        person("Петрова Анна Викторовна", Date::new(2027, 12, 1), Some(2022), false),
                        person("Сидорова Елена Николаевна", Date::new(2031, 1, 1), Some(2026), false),
                    ],
                ),
            ],
        };
        let names = |list: Vec<Expiring<'_>>| list.iter().map(|(_, p)| p.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(staff.categories_expiring(year)), ["Орлова Екатерина Сергеевна"]);
        assert_eq!(names(staff.categories_expiring_next(year)), ["Петрова Анна Викторовна"]);
        assert_eq!(names(staff.courses_old(today)), ["Кузнецов Илья Олегович", "Петрова Анна Викторовна"]);
        let young = staff.young_specialists();
        assert_eq!((young[0].0, young[0].1.mentor.as_deref()), ("Школа №1", Some("Иванова Мария Петровна")));

        let paper = perspective_plan(&Letterhead::district("Отдел образования"), &staff, year, today);
        let text = paper.plain_text();
        for part in [
            "ПЕРСПЕКТИВНЫЙ ПЛАН",
            "на 2026–2031 годы",
            "Орлова Екатерина Сергеевна\tШкола №1\tпервая\t01.03.2027\t2026/2027\t2025\t2028",
            "Кузнецов Илья Олегович\tШкола №1\tбез категории\t—\t—\tнет сведений\t2026",
            "Сидорова Елена Николаевна\tШкола №2\tпервая\t01.01.2031\t2030/2031\t2026\t2029",
        ] {
            assert!(text.contains(part), "«{part}» in:\n{text}");
        }
        assert!(crate::paper::docx::to_docx(&paper).is_ok());
    }
}
