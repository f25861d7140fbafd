//! «Справка по итогам посещения»: what the РМО's head saw at a school, what
//! she recommended and by when, and how the school carried it out.

use crate::district::Visit;
use crate::paper::{Align, Paper, Para};
use crate::papers::Letterhead;
use crate::reply::Answer;

/// The note on `visit`, with the school's `answer` if it gave one, signed
/// by the РМО's head `signer` (a blank line when not known).
pub fn visit_note(head: &Letterhead, visit: &Visit, answer: Option<&Answer>, signer: &str) -> Paper {
    let mut paper = Paper::new(
        format!("Справка по итогам посещения: {} {}", visit.school, visit.date),
        &format!("Справка по итогам посещения {} от {}", visit.school, visit.date),
    );
    head.put(&mut paper);
    paper.gap();
    paper.para(Para::title("СПРАВКА"));
    paper.para(Para::title("по итогам посещения"));
    paper.para(Para::new(format!("от {}", visit.date)).align(Align::Center));
    paper.gap();
    paper.para(Para::labelled("Школа:", visit.school.trim()));
    paper.para(Para::labelled("Что посещено:", visit.kind.label()));
    paper.para(Para::labelled("Дата посещения:", visit.date.to_string()));
    paper.para(Para::labelled("Кто посетил:", format!("руководитель {}", head.abbreviation())));
    paper.gap();
    paper.labelled_text("Рекомендации:", visit.recommendations.as_str());
    if let Some(by) = visit.follow_up_by {
        paper.para(Para::labelled("Срок исполнения рекомендаций:", by.to_string()));
    }
    paper.gap();
    paper.para(Para { keep_with_next: true, ..Para::bold("Выполнение рекомендаций") });
    match answer.filter(|a| !a.text.trim().is_empty()) {
        Some(a) => {
            paper.labelled_text("Отметка школы:", &a.text);
            paper.para(Para::labelled("Состояние:", a.status()));
        }
        None => paper.para(Para::new("Школа о выполнении пока не сообщила.").indented()),
    }
    if !visit.follow_up.as_str().trim().is_empty() {
        paper.labelled_text("Отметка РМО:", visit.follow_up.as_str());
    }
    paper.gap();
    paper.para(head.head_signature(signer));
    paper
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::{AcademicYear, Date};
    use crate::district::{DistrictYearDoc, VisitFields};
    use crate::record::{Document, Edit, RecordList};
    use crate::{DocumentId, Values};

    #[test]
    fn the_note_says_what_was_recommended_and_what_the_school_did() {
        let district = DocumentId::random();
        let mut doc = DistrictYearDoc::create(&district, AcademicYear(2026));
        let school = DocumentId::random();
        let fields = VisitFields::validate(
            &Values::default()
                .with("school", school.to_string())
                .with("kind", "class_hour")
                .with("date", "20.10.2026")
                .with("recommendations", "1. Обновить план воспитательной работы.\n2. Провести открытый классный час.")
                .with("follow_up_by", "20.11.2026"),
            AcademicYear(2026),
            &[(school, "МБОУ Печерская СШ".to_owned())],
        )
        .unwrap();
        let id = DistrictYearDoc::edit_visit(&mut doc, Edit::Add(fields), 1).unwrap();
        let d = DistrictYearDoc::load(&doc).unwrap();
        let visit = d.visits.by_id(id).unwrap();
        let head = Letterhead::district("Отдел образования Смоленского района");
        let answer = Answer {
            text: "План обновлён, классный час проведён 10.11.2026.".into(),
            done: Date::new(2026, 11, 12),
        };
        let paper = visit_note(&head, visit, Some(&answer), "Петрова А. В.");
        assert_eq!(paper.file_name, "Справка по итогам посещения МБОУ Печерская СШ от 20.10.2026.docx");
        let text = paper.plain_text();
        let mut at = 0;
        for part in [
            "СПРАВКА",
            "Школа: МБОУ Печерская СШ",
            "Что посещено: классный час",
            "2. Провести открытый классный час.",
            "Срок исполнения рекомендаций: 20.11.2026",
            "Отметка школы:",
            "классный час проведён 10.11.2026.",
            "Состояние: выполнено 12.11.2026",
            "Руководитель РМО ____________________ /Петрова А. В./",
        ] {
            let found = text[at..].find(part).unwrap_or_else(|| panic!("«{part}» after byte {at} in:\n{text}"));
            at += found + part.len();
        }
        let unanswered = visit_note(&head, visit, None, "").plain_text();
        assert!(unanswered.contains("Школа о выполнении пока не сообщила."), "{unanswered}");
        assert!(crate::paper::docx::to_docx(&paper).is_ok());
    }
}
