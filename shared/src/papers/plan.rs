//! The year plan (план работы) with its approval block: considered at a
//! meeting (РАССМОТРЕНО), agreed with the deputy head (СОГЛАСОВАНО),
//! approved by the director (УТВЕРЖДАЮ); then the theme, goal, tasks, and
//! the table of rows with their completion marks.

use crate::AcademicYear;
use crate::paper::{Cell, Paper, Para, Table};
use crate::papers::{Letterhead, ruled};
use crate::plan::{Completion, PlanRow};
use crate::protocol::Protocol;

/// What the plan's header says besides its rows.
#[derive(Debug, Clone, Default)]
pub struct PlanHeader<'a> {
    /// The meeting that considered it, if its protocol is written.
    pub considered_at: Option<&'a Protocol>,
    /// методическая тема
    pub theme: String,
    /// цель
    pub goal: String,
    /// задачи
    pub tasks: Vec<String>,
    /// Who agrees it (СОГЛАСОВАНО) and who approves it (УТВЕРЖДАЮ), by
    /// name; blank lines when not known. A school's plan is agreed by the
    /// deputy head and approved by the director; the РМО's by the head of
    /// the district methodical cabinet and the head of the Отдел образования.
    pub agreed_by: String,
    /// See `agreed_by`.
    pub approved_by: String,
}

/// The blank for a meeting not yet recorded.
pub const UNKNOWN_MEETING: &str = "протокол № ____ от «___» ________ 20__ г.";

/// The approval block over a plan or an analysis: РАССМОТРЕНО at
/// `considered`, СОГЛАСОВАНО by `agreed_by`, УТВЕРЖДАЮ by `approved_by`
/// (blank lines for names not known). A school's papers are agreed by the
/// deputy head and approved by the director; the РМО's by the head of the
/// district methodical cabinet and the head of the Отдел образования.
pub fn approval_block(head: &Letterhead, considered: &str, agreed_by: &str, approved_by: &str) -> Table {
    let block = |lines: &[&str]| Cell::paras(lines.iter().map(|l| Para::new(*l)).collect());
    let signed = |name: &str| {
        let name = if name.trim().is_empty() { "____________" } else { name.trim() };
        format!("____________ /{name}/")
    };
    let (agrees, approves) = if head.district {
        ("Руководитель районного методического кабинета", "Начальник Отдела образования")
    } else {
        ("Заместитель директора по ВР", "Директор")
    };
    Table {
        widths: vec![1, 1, 1],
        rows: vec![vec![
            block(&[
                "РАССМОТРЕНО",
                &format!("на заседании {} классных руководителей", head.abbreviation()),
                considered,
            ]),
            block(&["СОГЛАСОВАНО", agrees, &signed(agreed_by), "«___» ________ 20__ г."]),
            block(&["УТВЕРЖДАЮ", approves, &signed(approved_by), "Приказ № ____ от «___» ________ 20__ г."]),
        ]],
        header_rows: 0,
        ruled: false,
    }
}

/// The plan of `year`: `rows` in order, `responsible` names a row's
/// responsible person.
pub fn plan(
    head: &Letterhead,
    year: AcademicYear,
    header: &PlanHeader<'_>,
    rows: &[&PlanRow],
    responsible: impl Fn(&PlanRow) -> String,
) -> Paper {
    let years = format!("{}-{}", year.0, year.0 + 1);
    let mut paper = Paper::new(
        format!("План работы на {year} учебный год"),
        &format!("План работы {} на {years} учебный год", head.abbreviation()),
    );
    paper.landscape = true;
    let considered = match header.considered_at {
        Some(p) => format!("протокол № {} от {}", p.number, p.date),
        None => UNKNOWN_MEETING.to_owned(),
    };
    let approval = approval_block(head, &considered, &header.agreed_by, &header.approved_by);
    paper.table(approval);
    paper.gap();
    paper.para(Para::title("ПЛАН РАБОТЫ"));
    paper.para(Para::title(head.body()));
    if !head.organisation.is_empty() {
        paper.para(Para::title(head.organisation.clone()));
    }
    paper.para(Para::title(format!("на {year} учебный год")));
    paper.gap();
    if !header.theme.is_empty() {
        paper.para(Para::labelled("Методическая тема:", header.theme.clone()).indented());
    }
    if !header.goal.is_empty() {
        paper.para(Para::labelled("Цель:", header.goal.clone()).indented());
    }
    if !header.tasks.is_empty() {
        paper.para(Para { keep_with_next: true, ..Para::bold("Задачи:") });
        for (n, task) in header.tasks.iter().enumerate() {
            paper.para(Para::new(format!("{}. {task}", n + 1)).indented());
        }
    }
    paper.gap();
    let rows = rows
        .iter()
        .enumerate()
        .map(|(n, r)| {
            let topic = if r.content.trim().is_empty() {
                Cell::paras(vec![Para::bold(r.topic.clone())])
            } else {
                let mut paras = vec![Para::bold(r.topic.clone())];
                paras.extend(crate::paper::lines(&r.content).into_iter().map(Para::new));
                Cell::paras(paras)
            };
            let mark = match r.completion {
                Completion::Planned => String::new(),
                other if r.completion_note.trim().is_empty() => other.label().to_owned(),
                other => format!("{} ({})", other.label(), r.completion_note.trim()),
            };
            vec![
                Cell::new((n + 1).to_string()),
                Cell::new(r.when.label()),
                Cell::new(r.kind.label()),
                topic,
                Cell::new(responsible(r)),
                Cell::new(&r.expected_result),
                Cell::new(mark),
            ]
        })
        .collect();
    paper.table(ruled(
        vec![2, 5, 6, 16, 7, 8, 6],
        &[
            "№",
            "Сроки",
            "Форма работы",
            "Тема, содержание",
            "Ответственный",
            "Ожидаемый результат",
            "Отметка о выполнении",
        ],
        rows,
    ));
    paper
}
