//! The member list (список членов МО) and a regulation's acknowledgement
//! sheet (лист ознакомления: №, ФИО, должность, дата, подпись).

use crate::paper::{Cell, Paper, Para};
use crate::papers::{Letterhead, ruled};
use crate::regulation::Regulation;
use crate::{AcademicYear, AssociationDoc, Category, Date};

/// The members on the list of `year` as it stood at the year's end (or
/// `today`, while the year lasts), with what personnel records ask of them:
/// a past year's list is the same whoever joined or left since.
pub fn member_list(head: &Letterhead, members: &AssociationDoc, year: AcademicYear, today: Date) -> Paper {
    let mut paper = Paper::new(
        format!("Список членов МО на {year} учебный год"),
        &format!("Список членов МО на {}-{} учебный год", year.0, year.0 + 1),
    );
    paper.landscape = true;
    head.put(&mut paper);
    paper.gap();
    paper.para(Para::title("СПИСОК ЧЛЕНОВ"));
    paper.para(Para::title(head.body()));
    paper.para(Para::title(format!("на {year} учебный год")));
    paper.gap();
    let list = members.members_on(today.min(year.last_day()));
    let rows = list
        .iter()
        .enumerate()
        .map(|(n, m)| {
            let category = match (m.category, m.category_until) {
                (Category::None, _) | (_, None) => m.category.label().to_owned(),
                (c, Some(until)) => format!("{}, до {until}", c.label()),
            };
            let course = match m.course_year {
                Some(y) => {
                    let hours = m.course_hours.map(|h| format!(", {h} ч.")).unwrap_or_default();
                    format!("{y}{hours}. {}", m.course_topic).trim_end_matches(". ").to_owned()
                }
                None => String::new(),
            };
            let mut name = m.full_name.clone();
            if m.young_specialist {
                name.push_str(" (молодой специалист)");
            }
            vec![
                Cell::new((n + 1).to_string()),
                Cell::new(name),
                Cell::new(&m.position),
                Cell::new(&m.class_led),
                Cell::new(m.education.label()),
                Cell::new(category),
                Cell::new(m.experience_in(year).to_string()),
                Cell::new(course),
                Cell::new(&m.self_education),
            ]
        })
        .collect();
    paper.table(ruled(
        vec![2, 9, 6, 3, 6, 7, 3, 8, 9],
        &["№", "ФИО", "Должность", "Класс", "Образование", "Категория", "Стаж", "Курсы", "Тема самообразования"],
        rows,
    ));
    paper.gap();
    paper.para(Para::new(format!("Всего членов МО: {}", list.len())));
    paper
}

/// The sheet members sign to say they have read `regulation`; the days
/// already marked in the app are filled in.
pub fn acknowledgement_sheet(head: &Letterhead, members: &AssociationDoc, regulation: &Regulation) -> Paper {
    let title = format!("{} «{}»", regulation.reference(), regulation.title.trim());
    let mut paper =
        Paper::new(format!("Лист ознакомления: {title}"), &format!("Лист ознакомления — {}", regulation.title.trim()));
    head.put(&mut paper);
    paper.gap();
    paper.para(Para::title("ЛИСТ ОЗНАКОМЛЕНИЯ"));
    paper.para(Para::title(format!("с документом: {title}")));
    paper.gap();
    let rows = members
        .active_members()
        .iter()
        .enumerate()
        .map(|(n, m)| {
            vec![
                Cell::new((n + 1).to_string()),
                Cell::new(&m.full_name),
                Cell::new(&m.position),
                Cell::new(regulation.acknowledgement(m.id).unwrap_or_default()),
                Cell::new(""),
            ]
        })
        .collect();
    paper.table(ruled(vec![2, 12, 9, 5, 5], &["№", "ФИО", "Должность", "Дата", "Подпись"], rows));
    paper
}
