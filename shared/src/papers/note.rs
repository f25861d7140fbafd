//! «Аналитическая справка»: an analysis after an event or a thematic
//! check, with the plan row it concerns, signed by the МО's head.

use crate::analysis::Analysis;
use crate::paper::{Align, Paper, Para};
use crate::papers::Letterhead;
use crate::plan::PlanRow;

/// The справка of `analysis`, about `row` of the plan if it names one,
/// signed by `signer` (the head's initials; a blank line when not known).
pub fn analytical_note(head: &Letterhead, analysis: &Analysis, row: Option<&PlanRow>, signer: &str) -> Paper {
    let mut paper = Paper::new(
        format!("Аналитическая справка: {}", analysis.title),
        &format!("Аналитическая справка — {} от {}", analysis.title, analysis.date),
    );
    head.put(&mut paper);
    paper.gap();
    paper.para(Para::title("АНАЛИТИЧЕСКАЯ СПРАВКА"));
    paper.para(Para::title(analysis.title.trim()));
    paper.para(Para::new(format!("от {}", analysis.date)).align(Align::Center));
    paper.gap();
    paper.para(Para::labelled("Вид:", analysis.kind.label()));
    if let Some(row) = row {
        paper.para(Para::labelled(
            "Пункт плана работы:",
            format!("{} — {} ({})", row.when.label(), row.topic.trim(), row.kind.label()),
        ));
    }
    if !analysis.subject.trim().is_empty() {
        paper.para(Para::labelled("Предмет анализа:", analysis.subject.trim()));
    }
    paper.gap();
    paper.text(analysis.text.as_str());
    if !analysis.conclusions.as_str().trim().is_empty() {
        paper.gap();
        paper.labelled_text("Выводы:", analysis.conclusions.as_str());
    }
    if !analysis.recommendations.as_str().trim().is_empty() {
        paper.gap();
        paper.labelled_text("Рекомендации:", analysis.recommendations.as_str());
    }
    paper.gap();
    paper.para(head.head_signature(signer));
    paper
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::AnalysisFields;
    use crate::plan::{PlanDoc, PlanFields};
    use crate::record::{Document, Edit, RecordList};
    use crate::{AcademicYear, DocumentId, Values, YearDoc};

    #[test]
    fn the_note_names_its_plan_row_and_says_what_was_found() {
        let year = AcademicYear(2026);
        let mut doc = YearDoc::create(&DocumentId::random(), year);
        let row = PlanFields::validate(
            &PlanFields::blank().with("kind", "seminar").with("when", "ноябрь").with("topic", "Семинар «Буллинг»"),
            year,
        )
        .unwrap();
        let row = YearDoc::edit_plan_row(&mut doc, Edit::Add(row), 1).unwrap();
        let v = Values::default()
            .with("kind", "event")
            .with("title", "Анализ семинара «Буллинг»")
            .with("date", "20.11.2026")
            .with("text", "Семинар прошёл организованно.\nПрисутствовали 14 человек.")
            .with("conclusions", "Цели достигнуты.")
            .with("plan_row", row.to_string());
        let fields = AnalysisFields::validate(&v, year, &[row]).unwrap();
        let id = YearDoc::edit_analysis(&mut doc, Edit::Add(fields), 2).unwrap();
        let y = YearDoc::load(&doc).unwrap();
        let analysis = y.analyses.by_id(id).unwrap();
        let planned = analysis.plan_row.and_then(|r| y.plan().by_id(r));
        let paper = analytical_note(&Letterhead::school("МБОУ СШ №1"), analysis, planned, "Иванова М. П.");
        assert_eq!(paper.file_name, "Аналитическая справка — Анализ семинара «Буллинг» от 20.11.2026.docx");
        let text = paper.plain_text();
        for part in [
            "АНАЛИТИЧЕСКАЯ СПРАВКА\nАнализ семинара «Буллинг»\nот 20.11.2026",
            "Пункт плана работы: ноябрь — Семинар «Буллинг» (семинар)",
            "Семинар прошёл организованно.\nПрисутствовали 14 человек.",
            "Выводы: Цели достигнуты.",
            "Руководитель МО ____________________ /Иванова М. П./",
        ] {
            assert!(text.contains(part), "«{part}» in:\n{text}");
        }
        let e = AnalysisFields::validate(&v.with("plan_row", uuid::Uuid::new_v4().to_string()), year, &[row]);
        assert_eq!(e.unwrap_err().get("plan_row"), Some("Выберите пункт плана этого учебного года"));
    }
}
