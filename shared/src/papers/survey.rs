//! «Итоги анкетирования» and «Сводная таблица»: what the district's class
//! teachers or schools answered to a survey of the РМО, per school and in
//! all, with a chart per question, and who has not answered.

use crate::paper::{Align, Block, Cell, Chart, Paper, Para, Table};
use crate::papers::Letterhead;
use crate::survey::{QuestionKind, QuestionResult, Results, SurveyKind, TOTAL, decimal};

/// The results paper of a survey, signed by the РМО's head `signer`.
pub fn survey_results(head: &Letterhead, results: &Results, signer: &str) -> Paper {
    let survey = &results.survey;
    let table = survey.kind == SurveyKind::Table;
    let (title, file) = if table {
        ("СВОДНАЯ ТАБЛИЦА", format!("Сводная таблица — {}", survey.title))
    } else {
        ("ИТОГИ АНКЕТИРОВАНИЯ", format!("Итоги анкетирования — {}", survey.title))
    };
    let mut paper = Paper::new(format!("{} «{}»", crate::text::lower(title), survey.title), &file);
    let columns = if table { survey.question_list().len() + 2 } else { results.schools.len() + 2 };
    paper.landscape = columns > 5;
    head.put(&mut paper);
    paper.gap();
    paper.para(Para::title(title));
    paper.para(Para::title(format!("«{}»", survey.title)));
    paper.gap();
    paper.para(Para::labelled("Отвечали:", survey.audience.label()));
    if let Some(by) = survey.deadline {
        paper.para(Para::labelled("Срок ответа:", by.to_string()));
    }
    let schools_answered = results.answered.iter().filter(|n| **n > 0).count();
    paper.para(Para::labelled(
        "Получено ответов:",
        format!("{} (школ: {schools_answered} из {})", results.total(), results.schools.len()),
    ));
    paper.gap();
    paper.blocks.extend(results_body(results));
    paper.gap();
    paper.para(head.head_signature(signer));
    paper
}

/// What the answers add up to, as the results paper and the screen show
/// it: a table of the schools' figures, or each question with its chart
/// and its answers per school; then who has not answered.
pub fn results_body(results: &Results) -> Vec<Block> {
    let mut body = Paper::new("", "");
    if results.survey.kind == SurveyKind::Table {
        body.table(figures_table(results));
    } else {
        for (n, q) in results.questions.iter().enumerate() {
            question(&mut body, n + 1, q, results);
        }
    }
    body.gap();
    body.para(Para { keep_with_next: true, ..Para::bold("Не ответили") });
    if results.missing.is_empty() {
        body.para(Para::new("Ответили все.").indented());
    }
    for (school, names) in &results.missing {
        let line = if names.is_empty() { school.clone() } else { format!("{school}: {}", names.join(", ")) };
        body.para(Para::new(line).indented());
    }
    body.blocks
}

/// One question: its words, a chart of the district's answers, and the
/// answers per school.
fn question(paper: &mut Paper, n: usize, q: &QuestionResult, results: &Results) {
    let multiple = if q.question.kind == QuestionKind::Multiple {
        " (можно было выбрать несколько)"
    } else {
        ""
    };
    paper.para(Para { keep_with_next: true, ..Para::bold(format!("{n}. {}{multiple}", q.question.text)) });
    match q.question.kind {
        QuestionKind::Free => {
            if q.words.is_empty() {
                paper.para(Para::new("Ответов нет.").indented());
            }
            for words in &q.words {
                paper.para(Para::new(words.clone()).indented());
            }
        }
        QuestionKind::Number => paper.chart(q.chart().unwrap_or_default()),
        QuestionKind::Single | QuestionKind::Multiple | QuestionKind::Scale => {
            paper.chart(Chart {
                title: format!("Ответы по району (ответили: {})", q.answered.1),
                ..q.chart().unwrap_or_default()
            });
            let mut rows = vec![head_row("Ответ", results)];
            for t in &q.tallies {
                let mut row = vec![Cell::new(&t.label)];
                row.extend(t.by_school.iter().map(|c| centred(c.to_string())));
                row.push(centred(t.total.to_string()));
                rows.push(row);
            }
            if let Some((per_school, all)) = &q.average {
                let mark = |m: &Option<f64>| centred(m.map(decimal).unwrap_or_else(|| "—".into()));
                let mut row = vec![Cell::paras(vec![Para::bold("Средняя оценка")])];
                row.extend(per_school.iter().map(mark));
                row.push(mark(all));
                rows.push(row);
            }
            paper.table(Table { widths: widths(results.schools.len()), rows, header_rows: 1, ruled: true });
        }
    }
    paper.gap();
}

/// A table request's answers: a row per school, a column per question,
/// and the figures' sums.
fn figures_table(results: &Results) -> Table {
    let questions = &results.questions;
    let mut header = vec![Cell::head("№"), Cell::head("Школа")];
    header.extend(questions.iter().map(|q| Cell::head(q.question.text.clone())));
    let mut rows = vec![header];
    for (n, (school, cells)) in results.rows.iter().enumerate() {
        let mut row = vec![centred((n + 1).to_string()), Cell::new(school)];
        row.extend(cells.iter().map(Cell::new));
        rows.push(row);
    }
    let mut total = vec![Cell::new(""), Cell::paras(vec![Para::bold(TOTAL)])];
    total.extend(questions.iter().map(|q| match q.question.kind {
        QuestionKind::Number => {
            let sum = q.tallies.iter().find(|t| t.label == TOTAL).map_or(0, |t| t.total);
            Cell::paras(vec![Para::bold(sum.to_string())])
        }
        _ => Cell::new(""),
    }));
    rows.push(total);
    let mut widths = vec![1, 5];
    widths.extend(questions.iter().map(|_| 3));
    Table { widths, rows, header_rows: 1, ruled: true }
}

/// «Ответ | Школа №1 | … | Всего».
fn head_row(first: &str, results: &Results) -> Vec<Cell> {
    let mut row = vec![Cell::head(first)];
    row.extend(results.schools.iter().map(|s| Cell::head(s.clone())));
    row.push(Cell::head("Всего"));
    row
}

fn widths(schools: usize) -> Vec<u32> {
    let mut widths = vec![6];
    widths.extend((0..=schools).map(|_| 2));
    widths
}

fn centred(text: String) -> Cell {
    Cell::paras(vec![Para::new(text).align(Align::Center)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Edit, Record};
    use crate::survey::{Filled, QuestionFields, Response, SchoolPart, Survey, SurveyFields, field};
    use crate::{AcademicYear, Values};
    use uuid::Uuid;

    #[test]
    fn the_results_show_each_question_per_school_with_a_chart_and_who_is_silent() {
        let v =
            Values::default().with("kind", "questionnaire").with("audience", "schools").with("title", "Потребности");
        let mut survey = Survey::new(Uuid::new_v4(), SurveyFields::validate(&v, AcademicYear(2026)).unwrap());
        let q = Values::default().with("kind", "single").with("text", "Нужен ли семинар?").with("options", "да\nнет");
        Edit::Add(QuestionFields::validate(&q, SurveyKind::Questionnaire).unwrap())
            .apply(&mut survey.questions)
            .unwrap();
        let scale = Values::default().with("kind", "scale").with("text", "Польза РМО");
        Edit::Add(QuestionFields::validate(&scale, SurveyKind::Questionnaire).unwrap())
            .apply(&mut survey.questions)
            .unwrap();
        let values = Values::default().with(&field(0, None), "да").with(&field(1, None), "4");
        let answers = survey.check_answers(&values).unwrap();
        let one = vec![Response {
            survey: survey.id,
            member: None,
            filled: Filled { by: "Орлова".into(), day: None, answers },
        }];
        let results = Results::of(
            &survey,
            &[
                SchoolPart { school: "Школа №1", responses: &one, teachers: &[] },
                SchoolPart { school: "Школа №2", responses: &[], teachers: &[] },
            ],
        );
        let paper = survey_results(&Letterhead::district("Отдел образования"), &results, "Петрова А. В.");
        let text = paper.plain_text();
        for part in [
            "ИТОГИ АНКЕТИРОВАНИЯ",
            "Получено ответов: 1 (школ: 1 из 2)",
            "1. Нужен ли семинар?",
            "Ответы по району (ответили: 1)\nда — 1 (100%)\nнет — 0 (0%)",
            "Ответ\tШкола №1\tШкола №2\tВсего\nда\t1\t0\t1",
            "Средняя оценка\t4,0\t—\t4,0",
            "Не ответили\nШкола №2",
            "Руководитель РМО ____________________ /Петрова А. В./",
        ] {
            assert!(text.contains(part), "«{part}» in:\n{text}");
        }
        assert_eq!(paper.blocks.iter().filter(|b| matches!(b, crate::paper::Block::Chart(_))).count(), 2);
        assert!(crate::paper::docx::to_docx(&paper).is_ok());
    }
}
