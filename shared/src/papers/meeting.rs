//! The protocol of a district meeting or seminar of the РМО, and the extract
//! of its decisions (выписка) for the schools: who came from each school,
//! the agenda with «слушали / выступили / решили», and the decisions with
//! the school or person responsible and the deadline.

use crate::district::{DistrictDecision, DistrictEvent};
use crate::paper::{Align, Paper, Para};
use crate::papers::protocol::agenda;
use crate::papers::{Letterhead, decisions_table, signature};
use crate::record::RecordList;

/// Who came: each school's line «Школа: ФИО, ФИО» as (school, names).
pub fn attendance(event: &DistrictEvent) -> Vec<(String, Vec<String>)> {
    crate::paper::lines(event.attendance.as_str())
        .into_iter()
        .map(|line| match line.split_once(':') {
            Some((school, names)) => (
                school.trim().to_owned(),
                names.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect(),
            ),
            None => (String::new(), vec![line]),
        })
        .collect()
}

/// «Протокол № 2 от 14.11.2026» and its heading.
fn heading(paper: &mut Paper, head: &Letterhead, title: &str, number: usize, event: &DistrictEvent) {
    head.put(paper);
    paper.gap();
    paper.para(Para::title(format!("{title} № {number}")));
    let kind = event.kind.label();
    let kind =
        if kind.contains(head.abbreviation()) { kind.to_owned() } else { format!("{kind} {}", head.abbreviation()) };
    paper.para(Para::title(kind));
    paper.para(Para::new(format!("от {}", event.date)).align(Align::Center));
    paper.gap();
}

/// Who a decision is for: the school, the person, or both.
fn responsible(d: &DistrictDecision) -> String {
    [d.school.trim(), d.responsible.trim()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")
}

/// The whole protocol of `event`, the `number`th of the year; signed by the
/// РМО's head `chair`.
pub fn meeting_protocol(head: &Letterhead, event: &DistrictEvent, number: usize, chair: &str) -> Paper {
    let mut paper = Paper::new(
        format!("Протокол № {number} от {}", event.date),
        &format!("Протокол {} №{number} от {}", head.abbreviation(), event.date),
    );
    heading(&mut paper, head, "ПРОТОКОЛ", number, event);
    paper.para(Para::labelled("Тема:", event.topic.trim()));
    if !event.place.trim().is_empty() {
        paper.para(Para::labelled("Место проведения:", event.place.trim()));
    }
    let came = attendance(event);
    let count: usize = came.iter().map(|(_, names)| names.len()).sum();
    let count = if count > 0 { count } else { event.participants as usize };
    paper.para(Para::labelled("Присутствовали:", format!("{count} чел.")));
    for (school, names) in &came {
        let line = if school.is_empty() { names.join(", ") } else { format!("{school}: {}", names.join(", ")) };
        paper.para(Para::new(line).indented());
    }
    paper.gap();
    agenda(&mut paper, &event.agenda.active(), &|_| Vec::new());
    let decisions = event.decisions.active();
    if !decisions.is_empty() {
        paper.gap();
        paper.para(Para { keep_with_next: true, ..Para::bold("ПОСТАНОВИЛИ:") });
        for (n, d) in decisions.iter().enumerate() {
            let mut line = Para::new(format!("{}. {}", n + 1, d.text.as_str().trim())).indented();
            let who = responsible(d);
            if !who.is_empty() {
                line = line.add_plain(" Ответственный: ").add_italic(who).add_plain(".");
            }
            if let Some(deadline) = d.deadline {
                line = line.add_plain(" Срок: ").add_italic(deadline.to_string()).add_plain(".");
            }
            paper.para(line);
        }
    }
    paper.gap();
    paper.gap();
    paper.para(head.head_signature(chair));
    paper.gap();
    paper.para(signature("Секретарь", "____________"));
    paper
}

/// «Выписка из протокола»: the decisions with who carries them out and by
/// when, certified by the РМО's head.
pub fn meeting_extract(head: &Letterhead, event: &DistrictEvent, number: usize, chair: &str) -> Paper {
    let mut paper = Paper::new(
        format!("Выписка из протокола № {number} от {}", event.date),
        &format!("Выписка из протокола {} №{number} от {}", head.abbreviation(), event.date),
    );
    heading(&mut paper, head, "ВЫПИСКА ИЗ ПРОТОКОЛА", number, event);
    paper.para(Para::labelled("Тема:", event.topic.trim()));
    paper.gap();
    let decisions = event.decisions.active();
    decisions_table(
        &mut paper,
        decisions.iter().map(|d| (d.text.as_str().to_owned(), responsible(d), d.deadline)).collect(),
    );
    paper.gap();
    paper.para(Para::new("Выписка верна."));
    paper.para(head.head_signature(chair));
    paper.para(Para::new("Дата выдачи: ____________"));
    paper
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::{AcademicYear, Date};
    use crate::district::{DistrictDecisionFields, DistrictEventFields, DistrictYearDoc};
    use crate::protocol::AgendaFields;
    use crate::record::{Document, Edit};
    use crate::{DocumentId, Values};

    #[test]
    fn the_meetings_protocol_and_extract_say_who_came_what_was_heard_and_decided() {
        let mut doc = DistrictYearDoc::create(&DocumentId::random(), AcademicYear(2026));
        let school = DocumentId::random();
        let event = DistrictEventFields::validate(
            &Values::default()
                .with("kind", "meeting")
                .with("topic", "Организация работы классных руководителей")
                .with("date", "28.10.2026")
                .with("place", "МБОУ Печерская СШ")
                .with("attendance", "Печерская СШ: Иванова М. П., Петрова А. В.\nСтабенская СШ: Козлов П. Р."),
            AcademicYear(2026),
        )
        .unwrap();
        let e = DistrictYearDoc::edit_event(&mut doc, Edit::Add(event), 1).unwrap();
        let item = AgendaFields::validate(
            &Values::default()
                .with("topic", "О плане работы РМО")
                .with("speaker", "Петрова А. В.")
                .with("heard", "О задачах на год.")
                .with("decided", "План принять."),
        )
        .unwrap();
        DistrictYearDoc::edit_event_agenda(&mut doc, e, Edit::Add(item), 2).unwrap();
        let decision = DistrictDecisionFields::validate(
            &Values::default()
                .with("text", "Представить планы МО классных руководителей")
                .with("school", school.to_string())
                .with("responsible", "руководитель МО")
                .with("deadline", "10.11.2026"),
            Date::new(2026, 10, 28).unwrap(),
            &[(school, "Печерская СШ".to_owned())],
        )
        .unwrap();
        DistrictYearDoc::edit_event_decision(&mut doc, e, Edit::Add(decision), 3).unwrap();
        let d = DistrictYearDoc::load(&doc).unwrap();
        let event = d.events.by_id(e).unwrap();
        let head = Letterhead::district("Отдел образования");
        let text = meeting_protocol(&head, event, 2, "Петрова А. В.").plain_text();
        let mut at = 0;
        for part in [
            "ПРОТОКОЛ № 2",
            "заседание РМО\n",
            "от 28.10.2026",
            "Присутствовали: 3 чел.",
            "Печерская СШ: Иванова М. П., Петрова А. В.",
            "Стабенская СШ: Козлов П. Р.",
            "1. О плане работы РМО (Петрова А. В.)",
            "СЛУШАЛИ:",
            "РЕШИЛИ:",
            "ПОСТАНОВИЛИ:",
            "1. Представить планы МО классных руководителей Ответственный: Печерская СШ, руководитель МО. Срок: 10.11.2026.",
            "Руководитель РМО ____________________ /Петрова А. В./",
        ] {
            let found = text[at..].find(part).unwrap_or_else(|| panic!("«{part}» after byte {at} in:\n{text}"));
            at += found + part.len();
        }
        let extract = meeting_extract(&head, event, 2, "Петрова А. В.");
        assert_eq!(extract.file_name, "Выписка из протокола РМО №2 от 28.10.2026.docx");
        let text = extract.plain_text();
        assert!(
            text.contains("Представить планы МО классных руководителей\tПечерская СШ, руководитель МО\t10.11.2026"),
            "{text}"
        );
        assert!(crate::paper::docx::to_docx(&extract).is_ok());
    }
}
