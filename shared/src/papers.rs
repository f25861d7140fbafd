//! The documents people print, sign and hand in, built from the records in
//! the forms schools already use: the protocol and its extract, the year
//! plan with its approval block, the member list, a regulation's
//! acknowledgement sheet, and the yearly analyses of a school МО and of the
//! district РМО. Each is a [`Paper`], saved as DOCX or printed on A4.

pub mod analysis;
pub mod lists;
pub mod plan;
pub mod protocol;

use crate::paper::{Align, Cell, Paper, Para, Table};

/// Whose document it is: a school's МО or the district's РМО, and the
/// organisation as it names itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    /// «МБОУ Печерская СШ» or the district's name.
    pub organisation: String,
    /// The district's РМО rather than a school's МО.
    pub district: bool,
}

impl Letterhead {
    /// A school МО's.
    pub fn school(name: &str) -> Self {
        Self { organisation: name.trim().to_owned(), district: false }
    }

    /// The district РМО's.
    pub fn district(name: &str) -> Self {
        Self { organisation: name.trim().to_owned(), district: true }
    }

    /// «методического объединения классных руководителей» (genitive).
    pub fn body(&self) -> &'static str {
        if self.district {
            "районного методического объединения классных руководителей"
        } else {
            "методического объединения классных руководителей"
        }
    }

    /// «МО» or «РМО».
    pub fn abbreviation(&self) -> &'static str {
        if self.district { "РМО" } else { "МО" }
    }

    /// The organisation's name centred at the top.
    fn put(&self, paper: &mut Paper) {
        if !self.organisation.is_empty() {
            paper.para(Para::new(self.organisation.clone()).align(Align::Center));
        }
    }
}

/// A signature line: «Председатель ____________ /Иванова М. П./».
fn signature(role: &str, name: &str) -> Para {
    Para::new(format!("{role} ____________________ /{name}/"))
}

/// A ruled table with a header row.
fn ruled(widths: Vec<u32>, header: &[&str], rows: Vec<Vec<Cell>>) -> Table {
    let mut all = vec![header.iter().map(|h| Cell::head(*h)).collect()];
    all.extend(rows);
    Table { widths, rows: all, header_rows: 1, ruled: true }
}

#[cfg(test)]
mod tests {
    use crate::fixture::{self, SCHOOL};
    use crate::paper::Block;
    use crate::papers::Letterhead;
    use crate::papers::analysis::{analysis, school_sections};
    use crate::papers::protocol::{extract, protocol};
    use crate::plan::{Completion, PlanDoc};
    use crate::protocol::DecisionStatus;
    use crate::record::{Document, RecordList};
    use crate::report::YearReport;
    use crate::{AssociationDoc, LibraryDoc, YearDoc};

    fn docs() -> (fixture::Fixture, AssociationDoc, YearDoc, LibraryDoc) {
        let f = fixture::build();
        let (a, y, l) = (
            AssociationDoc::load(&f.association).unwrap(),
            YearDoc::load(&f.year).unwrap(),
            LibraryDoc::load(&f.library).unwrap(),
        );
        (f, a, y, l)
    }

    /// Asserts that `parts` occur in `text` in this order.
    fn in_order(text: &str, parts: &[&str]) {
        let mut from = 0;
        for part in parts {
            let at = text[from..].find(part).unwrap_or_else(|| panic!("«{part}» after position {from} in:\n{text}"));
            from += at + part.len();
        }
    }

    #[test]
    fn a_protocol_has_the_standard_form_and_attaches_the_list_above_fifteen_present() {
        let (f, a, y, _) = docs();
        let head = Letterhead::school(SCHOOL);
        let first = protocol(&head, &a, y.protocol(f.protocols[0]).unwrap());
        assert_eq!(first.file_name, "Протокол №1 от 02.09.2025.docx");
        let text = first.plain_text();
        in_order(
            &text,
            &[
                SCHOOL,
                "ПРОТОКОЛ № 1",
                "заседания методического объединения классных руководителей",
                "от 02.09.2025",
                "Председатель: Иванова Мария Петровна",
                "Секретарь: Петрова Анна Викторовна",
                "Всего членов МО: 18, присутствовали: 18",
                "Список присутствовавших прилагается.",
                "Тема: Планирование работы МО",
                "Повестка дня:",
                "1. Планирование работы МО на 2025/2026 учебный год (Иванова М. П.)",
                "2. Разное (Петрова А. В.)",
                "СЛУШАЛИ: Иванова М. П.",
                "ВЫСТУПИЛИ: Сидорова Е. И.",
                "РЕШИЛИ: Принять информацию к сведению.",
                "ПОСТАНОВИЛИ:",
                "1. Провести тематические классные часы. Ответственный: Орлова Екатерина Сергеевна. Срок: 02.10.2025.",
                "2. Обновить социальные паспорта классов",
                "Председатель ____________________ /Иванова М. П./",
                "Секретарь ____________________ /Петрова А. В./",
                "Приложение к протоколу № 1 от 02.09.2025",
                "Список присутствовавших",
            ],
        );
        assert!(first.blocks.contains(&Block::PageBreak));
        let third = protocol(&head, &a, y.protocol(f.protocols[2]).unwrap()).plain_text();
        in_order(&third, &["Всего членов МО: 18, присутствовали: 14", "Присутствовали: ", "Отсутствовали: "]);
        assert!(!third.contains("прилагается"));
    }

    #[test]
    fn an_extract_lists_the_decisions_with_who_and_when() {
        let (f, a, y, _) = docs();
        let paper = extract(&Letterhead::school(SCHOOL), &a, y.protocol(f.protocols[3]).unwrap());
        assert_eq!(paper.file_name, "Выписка из протокола №4 от 20.05.2026.docx");
        in_order(
            &paper.plain_text(),
            &[
                "ВЫПИСКА ИЗ ПРОТОКОЛА № 4",
                "от 20.05.2026",
                "Присутствовали: 17 из 18",
                "ПОСТАНОВИЛИ:",
                "Провести тематические классные часы\tОрлова Екатерина Сергеевна\t19.06.2026",
                "Обновить социальные паспорта классов\tСмирнова Ольга Николаевна\t19.06.2026",
                "Выписка верна.",
            ],
        );
    }

    #[test]
    fn the_analysis_numbers_are_the_records_numbers() {
        let (_, a, y, l) = docs();
        let r = YearReport::of(&a, &y, &l);
        // Counted here straight from the records, not through the report.
        let members = a.members.active();
        let rows = y.plan.active();
        let decisions: Vec<_> = y.protocols.active().into_iter().flat_map(|p| p.decisions.active()).collect();
        let done = |c| rows.iter().filter(|r| r.completion == c).count();
        assert_eq!(r.members, members.len());
        assert_eq!(r.young_specialists, members.iter().filter(|m| m.young_specialist).count());
        assert_eq!(r.meetings_planned, rows.iter().filter(|r| r.kind == crate::plan::WorkKind::Meeting).count());
        assert_eq!(r.meetings_held(), y.protocols.active().len());
        assert_eq!(
            (r.plan.total, r.plan.done, r.plan.postponed, r.plan.not_done),
            (rows.len(), done(Completion::Done), done(Completion::Postponed), done(Completion::NotDone))
        );
        assert_eq!(r.decisions, decisions.len());
        assert_eq!(r.decisions_done, decisions.iter().filter(|d| d.status == DecisionStatus::Done).count());
        assert_eq!(r.materials, l.materials.active().len());
        assert_eq!(r.materials_added, l.materials_added_in(y.academic_year()));
        // And the fixture is what it says it is.
        assert_eq!(
            (r.members, r.plan.total, r.plan.done, r.plan.percent, r.decisions, r.decisions_done),
            (18, 10, 8, 80, 8, 7)
        );
        assert_eq!((r.materials, r.materials_added, r.courses_this_year.len(), r.mentored), (5, 4, 7, 2));

        let mut notes = std::collections::BTreeMap::new();
        notes.insert("conclusions".to_owned(), "Работа МО признана удовлетворительной.".to_owned());
        notes.insert("staff".to_owned(), "Коллектив стабильный.".to_owned());
        let paper = analysis(&Letterhead::school(SCHOOL), r.year, &school_sections(&r), &notes);
        assert_eq!(paper.file_name, "Анализ работы МО за 2025-2026 учебный год.docx");
        in_order(
            &paper.plain_text(),
            &[
                "АНАЛИЗ РАБОТЫ",
                "за 2025/2026 учебный год",
                "1. Методическая тема, цель и задачи",
                "2. Кадровый состав",
                &format!("В состав МО входят классных руководителей: {}.", members.len()),
                "Коллектив стабильный.",
                "3. Заседания МО",
                &format!("Запланировано заседаний: {}, проведено: {}.", r.meetings_planned, y.protocols.active().len()),
                "4. Выполнение плана работы",
                "В плане работы мероприятий: 10; выполнено: 8 (80%), перенесено: 1, не выполнено: 1.",
                "8. Исполнение решений",
                "Принято решений: 8, выполнено: 7, не выполнено или в работе: 1.",
                "9. Выводы",
                "Работа МО признана удовлетворительной.",
                "10. Задачи на следующий учебный год",
            ],
        );
    }

    #[test]
    fn every_document_of_the_fixture_packs_as_docx() {
        let (f, a, y, l) = docs();
        let head = Letterhead::school(SCHOOL);
        let rows = y.plan_rows();
        let header = super::plan::PlanHeader { considered_at: y.protocol(f.protocols[0]), ..Default::default() };
        let papers = [
            protocol(&head, &a, y.protocol(f.protocols[0]).unwrap()),
            super::plan::plan(&head, y.academic_year(), &header, &rows, |r| a.name_of(r.responsible)),
            super::lists::member_list(&head, &a, y.academic_year()),
            super::lists::acknowledgement_sheet(&head, &a, l.regulations.by_id(f.regulation).unwrap()),
        ];
        for p in papers {
            let bytes = crate::paper::docx::to_docx(&p).unwrap();
            assert_eq!(&bytes[..2], b"PK", "{}", p.file_name);
            // The app hands a document to its DOCX worker as JSON.
            let sent: crate::paper::Paper = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
            assert_eq!(sent, p);
        }
    }
}
