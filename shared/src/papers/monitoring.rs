//! «Справка по итогам мониторинга выполнения функциональных обязанностей
//! классными руководителями»: a quarter's sheets as a table, a line per
//! class teacher with what the МО's records show beside the head's marks,
//! the totals per duty, and the remarks; signed by the МО's head.

use crate::monitoring::{DUTIES, DutyMark, FromRecords, Quarter, QuarterTotals, Sheets};
use crate::paper::{Align, Cell, Paper, Para};
use crate::papers::{Letterhead, ruled};
use crate::{AssociationDoc, YearDoc};

/// The справка for `quarter` of `year` from its `sheets`, signed by
/// `signer` (the head's initials; a blank line when not known).
pub fn duties_note(
    head: &Letterhead,
    members: &AssociationDoc,
    year: &YearDoc,
    sheets: &Sheets,
    quarter: Quarter,
    signer: &str,
) -> Paper {
    let academic = year.academic_year();
    let mut paper = Paper::new(
        format!("Справка по итогам мониторинга за {} {academic} учебного года", quarter.label()),
        &format!(
            "Справка по мониторингу функциональных обязанностей — {} {}-{}",
            quarter.label(),
            academic.0,
            academic.0 + 1
        ),
    );
    paper.landscape = true;
    head.put(&mut paper);
    paper.gap();
    paper.para(Para::title("СПРАВКА"));
    paper.para(Para::title("по итогам мониторинга выполнения функциональных обязанностей классными руководителями"));
    paper.para(Para::new(format!("за {} {academic} учебного года", quarter.label())).align(Align::Center));
    paper.gap();
    let (first, last) = quarter.span(academic);
    let totals = QuarterTotals::of(sheets, quarter);
    paper.para(Para::labelled(
        "Цель:",
        "контроль выполнения классными руководителями функциональных обязанностей, оказание методической помощи.",
    ));
    paper.para(Para::labelled("Период:", format!("с {first} по {last}.")));
    paper.para(Para::labelled("Проверено классных руководителей:", totals.checked.to_string()));
    paper.gap();
    let mark = |m: DutyMark| if m == DutyMark::Unchecked { "—".to_owned() } else { m.label().to_owned() };
    let with_count = |n: Option<u32>, m: DutyMark| match (n, m) {
        (Some(n), DutyMark::Unchecked) => format!("проведено {n}"),
        (Some(n), m) => format!("{}, проведено {n}", m.label()),
        (None, m) => mark(m),
    };
    let of_quarter: Vec<_> = sheets.iter().filter(|k| k.quarter == quarter).collect();
    let mut lines: Vec<_> = of_quarter
        .iter()
        .map(|k| (members.member(k.member).map(|m| (m.full_name.clone(), m.class_led.clone())), *k))
        .collect();
    lines.sort_by_cached_key(|(m, _)| m.as_ref().map(|(name, _)| crate::text::lower(name)));
    let rows = lines
        .iter()
        .enumerate()
        .map(|(n, (who, k))| {
            let (name, class) = who.clone().unwrap_or_else(|| ("—".into(), String::new()));
            let s = &k.sheet;
            let shown = FromRecords::of(year, k.member, quarter);
            vec![
                Cell::new((n + 1).to_string()),
                Cell::new(name),
                Cell::new(class),
                Cell::new(mark(s.plan)),
                Cell::new(with_count(s.class_hours, s.class_hours_mark)),
                Cell::new(with_count(s.parent_meetings, s.parent_meetings_mark)),
                Cell::new(mark(s.risk)),
                Cell::new(mark(s.documentation)),
                Cell::new(shown.meetings_label()),
                Cell::new(shown.plan_label()),
            ]
        })
        .collect();
    paper.table(ruled(
        vec![2, 8, 3, 5, 5, 5, 5, 5, 4, 4],
        &[
            "№",
            "ФИО классного руководителя",
            "Класс",
            "План воспитательной работы",
            "Классные часы (проведено)",
            "Родительские собрания (проведено)",
            "Работа с детьми группы риска",
            "Документация",
            "Заседания МО (по протоколам)",
            "Мероприятия плана МО (выполнено)",
        ],
        rows,
    ));
    paper.gap();
    paper.para(Para::bold("Итоги:"));
    for ((_, label), [done, partly, not_done]) in DUTIES.iter().zip(&totals.duties) {
        paper.para(Para::new(format!(
            "{label}: выполнено — {done}, выполнено частично — {partly}, не выполнено — {not_done}."
        )));
    }
    paper.para(Para::new(format!(
        "Все обязанности выполнены у {} из {} классных руководителей ({} %).",
        totals.all_done,
        totals.checked,
        totals.percent()
    )));
    let remarks: Vec<String> = lines
        .iter()
        .filter(|(_, k)| !k.sheet.note.as_str().trim().is_empty())
        .map(|(who, k)| {
            let name = who.as_ref().map(|(name, _)| crate::association::initials(name)).unwrap_or_default();
            format!("{name}: {}", k.sheet.note.as_str().trim())
        })
        .collect();
    if !remarks.is_empty() {
        paper.gap();
        paper.para(Para::bold("Замечания и рекомендации:"));
        for remark in remarks {
            paper.para(Para::new(remark));
        }
    }
    paper.gap();
    paper.para(head.head_signature(signer));
    paper
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitoring::{DutySheet, DutySheetFields};
    use crate::record::{Document, Edit};
    use crate::{AcademicYear, DocumentId, MemberFields};

    #[test]
    fn the_note_lists_each_teacher_and_sums_up_the_quarter() {
        let school = DocumentId::random();
        let mut members = AssociationDoc::create(&school);
        let mut add = |name: &str, class: &str| {
            let m = MemberFields { full_name: name.into(), class_led: class.into(), ..Default::default() };
            AssociationDoc::edit_member(&mut members, Edit::Add(m), 1).unwrap()
        };
        let (orlova, petrov) = (add("Орлова Екатерина Сергеевна", "7В"), add("Петров Сергей Иванович", "6Б"));
        let mut year = YearDoc::create(&school, AcademicYear(2026));
        let fields = |risk: &str, note: &str| {
            let v = DutySheetFields::blank()
                .with("plan", "done")
                .with("class_hours", "8")
                .with("class_hours_mark", "done")
                .with("parent_meetings_mark", "done")
                .with("risk", risk)
                .with("documentation", "done")
                .with("note", note);
            Some(DutySheetFields::validate(&v).unwrap())
        };
        DutySheet::set(&mut year, petrov, Quarter::Second, fields("done", ""), 2).unwrap();
        DutySheet::set(&mut year, orlova, Quarter::Second, fields("not_done", "Составить план работы с семьёй."), 3)
            .unwrap();
        DutySheet::set(&mut year, orlova, Quarter::First, fields("done", ""), 4).unwrap();
        let sheets = DutySheet::all(&year);
        let paper = duties_note(
            &Letterhead::school("МБОУ СШ №1"),
            &AssociationDoc::load(&members).unwrap(),
            &YearDoc::load(&year).unwrap(),
            &sheets,
            Quarter::Second,
            "Иванова М. П.",
        );
        let text = paper.plain_text();
        for part in [
            "СПРАВКА",
            "за II четверть 2026/2027 учебного года",
            "с 01.11.2026 по 31.12.2026",
            "Проверено классных руководителей: 2",
            "Орлова Екатерина Сергеевна",
            "выполнено, проведено 8",
            "Работа с детьми группы риска: выполнено — 1, выполнено частично — 0, не выполнено — 1.",
            "Все обязанности выполнены у 1 из 2 классных руководителей (50 %).",
            "Орлова Е. С.: Составить план работы с семьёй.",
            "Руководитель МО",
        ] {
            assert!(text.contains(part), "«{part}» in:\n{text}");
        }
        let orlova_at = text.find("Орлова Екатерина").unwrap();
        assert!(orlova_at < text.find("Петров Сергей").unwrap(), "alphabetical");
    }
}
