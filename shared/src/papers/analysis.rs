//! The yearly analysis (анализ работы МО / РМО за учебный год): sections of
//! numbers taken from the records ([`crate::report`]), each followed by what
//! the head wrote about it, then the head's conclusions and the tasks for
//! next year.

use std::collections::BTreeMap;

use crate::paper::{Align, Block, Cell, Paper, Para};
use crate::papers::plan::{UNKNOWN_MEETING, approval_block};
use crate::papers::{Letterhead, ruled};
use crate::plan::PlanTally;
use crate::report::{Counts, DistrictReport, YearReport};

/// A part of the analysis: what the records say, under a heading; the head
/// adds their words under the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Where the head's words for it are kept.
    pub key: &'static str,
    /// «Кадровый состав».
    pub title: &'static str,
    /// What the records say.
    pub blocks: Vec<Block>,
}

/// The sections that are the head's words only.
const CLOSING: [(&str, &str); 2] = [("conclusions", "Выводы"), ("tasks", "Задачи на следующий учебный год")];

fn section(key: &'static str, title: &'static str, paras: Vec<Para>) -> Section {
    Section { key, title, blocks: paras.into_iter().map(|p| Block::Para(p.indented())).collect() }
}

/// «высшая — 3, первая — 5».
fn listed(counts: &Counts) -> String {
    if counts.is_empty() {
        return "нет сведений".to_owned();
    }
    counts.iter().map(|(label, n)| format!("{label} — {n}")).collect::<Vec<_>>().join(", ")
}

fn percent(part: usize, whole: usize) -> String {
    (part * 100).checked_div(whole).map_or_else(|| "—".to_owned(), |p| format!("{p}%"))
}

/// A school МО's sections.
pub fn school_sections(r: &YearReport) -> Vec<Section> {
    let staff = vec![
        Para::new(format!("В состав МО входят классных руководителей: {}.", r.members)),
        Para::new(format!("Образование: {}.", listed(&r.education))),
        Para::new(format!("Квалификационные категории: {}.", listed(&r.categories))),
        Para::new(format!("Педагогический стаж: {}.", listed(&r.experience))),
        Para::new(format!(
            "Молодых специалистов: {}, из них закреплены за наставниками: {}.",
            r.young_specialists, r.mentored
        )),
    ];
    let mut meetings = section(
        "meetings",
        "Заседания МО",
        vec![Para::new(format!("Запланировано заседаний: {}, проведено: {}.", r.meetings_planned, r.meetings_held()))],
    );
    if !r.protocols.is_empty() {
        let rows = r
            .protocols
            .iter()
            .map(|(n, d, theme)| vec![Cell::new(n.to_string()), Cell::new(d.to_string()), Cell::new(theme)])
            .collect();
        meetings.blocks.push(Block::Table(ruled(vec![2, 3, 14], &["№ протокола", "Дата", "Тема"], rows)));
    }
    let plan = plan_paras("В плане работы мероприятий", &r.plan, &r.plan_missed);
    let mut events = vec![Para::new(format!("Проведено мероприятий (кроме заседаний): {}.", r.events_held.len()))];
    events.extend(
        r.events_held.iter().map(|(kind, topic, when)| Para::new(format!("{when}: {kind} {}.", quoted(topic)))),
    );
    events.push(Para::new(format!("Подготовлено аналитических материалов: {}.", r.analyses)));
    let mut courses = vec![Para::new(format!(
        "Курсы повышения квалификации в {} учебном году прошли: {}.",
        r.year,
        r.courses_this_year.len()
    ))];
    courses.extend(r.courses_this_year.iter().map(|(name, topic, hours)| {
        let hours = hours.map(|h| format!(", {h} ч.")).unwrap_or_default();
        Para::new(format!("{name}: {}{hours}.", or_dash(topic)))
    }));
    courses.push(Para::new(format!("Курсы более трёх лет назад или нет сведений: {}.", r.courses_due)));
    let kopilka = vec![
        Para::new(format!(
            "В методической копилке материалов: {}, за год добавлено: {}.",
            r.materials, r.materials_added
        )),
        Para::new(format!("Добавлено по видам: {}.", listed(&r.materials_by_kind))),
    ];
    let mut decisions = section(
        "decisions",
        "Исполнение решений",
        vec![Para::new(format!(
            "Принято решений: {}, выполнено: {}, не выполнено или в работе: {}.",
            r.decisions,
            r.decisions_done,
            r.decisions_open.len()
        ))],
    );
    if !r.decisions_open.is_empty() {
        let rows = r
            .decisions_open
            .iter()
            .map(|(text, who, by)| {
                vec![Cell::new(text), Cell::new(who), Cell::new(by.map(|d| d.to_string()).unwrap_or_default())]
            })
            .collect();
        decisions.blocks.push(Block::Table(ruled(vec![12, 5, 3], &["Решение", "Ответственный", "Срок"], rows)));
    }
    vec![
        general(&r.theme, &r.goal, &r.tasks),
        section("staff", "Кадровый состав", staff),
        meetings,
        section("plan", "Выполнение плана работы", plan),
        section("events", "Мероприятия", events),
        section("courses", "Повышение квалификации", courses),
        section("kopilka", "Методическая копилка", kopilka),
        decisions,
    ]
}

/// The theme, goal and tasks, as a section.
fn general(theme: &str, goal: &str, tasks: &[String]) -> Section {
    let mut paras = vec![Para::labelled("Методическая тема:", or_dash(theme)), Para::labelled("Цель:", or_dash(goal))];
    paras.extend(tasks.iter().enumerate().map(|(n, t)| Para::new(format!("Задача {}: {t}", n + 1))));
    section("general", "Методическая тема, цель и задачи", paras)
}

/// The district РМО's sections.
pub fn district_sections(r: &DistrictReport) -> Vec<Section> {
    let mut schools = section(
        "schools",
        "Школы района",
        vec![Para::new(format!(
            "В РМО входят МО классных руководителей школ: {}; классных руководителей в них: {}.",
            r.schools.len(),
            r.members
        ))],
    );
    schools.blocks.push(Block::Para(Para::new(format!(
        "Кадровый состав: у {} истекает квалификационная категория (в этом году или в ближайшие месяцы), {} не проходили курсы повышения квалификации более трёх лет.",
        r.categories_due, r.courses_due
    )).indented()));
    let rows = r
        .schools
        .iter()
        .map(|(name, s)| {
            vec![
                Cell::new(name),
                Cell::new(s.members.to_string()),
                Cell::new(format!("{} из {}", s.meetings_held, s.meetings_planned)),
                Cell::new(s.plan_done()),
                Cell::new(s.overdue_decisions.to_string()),
                Cell::new(format!("{} (+{})", s.materials, s.materials_this_year)),
            ]
        })
        .collect();
    schools.blocks.push(Block::Table(ruled(
        vec![8, 3, 4, 3, 4, 4],
        &[
            "Школа",
            "Членов МО",
            "Заседания: проведено из запланированных",
            "План выполнен",
            "Просроченные решения",
            "Копилка (+ за год)",
        ],
        rows,
    )));
    let mut plan = vec![
        Para::new(format!("Заседаний РМО запланировано: {}, проведено: {}.", r.meetings_planned, r.meetings_held)),
        Para::new(format!(
            "Решений заседаний и семинаров РМО: {}; школы отметили выполненными: {}.",
            r.decisions, r.decisions_done
        )),
    ];
    plan.extend(plan_paras("В плане работы РМО мероприятий", &r.plan, &r.plan_missed));
    let participants: u32 = r.events.iter().map(|e| e.3).sum();
    let mut events = section(
        "events",
        "Семинары и мероприятия",
        vec![Para::new(format!("Проведено мероприятий: {}, участников всего: {participants}.", r.events.len()))],
    );
    if !r.events.is_empty() {
        let rows = r
            .events
            .iter()
            .map(|(kind, topic, date, n)| {
                vec![Cell::new(date.to_string()), Cell::new(*kind), Cell::new(topic), Cell::new(n.to_string())]
            })
            .collect();
        events.blocks.push(Block::Table(ruled(vec![3, 4, 12, 3], &["Дата", "Вид", "Тема", "Участников"], rows)));
    }
    let mut contests = section(
        "contests",
        "Конкурсы профессионального мастерства",
        vec![Para::new(format!(
            "Проведено конкурсов: {}, участников: {}, победителей и призёров: {}.",
            r.contests.len(),
            r.contests.iter().map(|c| c.2).sum::<usize>(),
            r.contests.iter().map(|c| c.3).sum::<usize>()
        ))],
    );
    if !r.contests.is_empty() {
        let rows = r
            .contests
            .iter()
            .map(|(title, level, n, placed)| {
                vec![Cell::new(title), Cell::new(level), Cell::new(n.to_string()), Cell::new(placed.to_string())]
            })
            .collect();
        contests.blocks.push(Block::Table(ruled(
            vec![10, 4, 3, 4],
            &["Конкурс", "Уровень", "Участников", "Победителей и призёров"],
            rows,
        )));
        let rows = r
            .contests_by_school
            .iter()
            .map(|(school, n, placed, results)| {
                vec![
                    Cell::new(school),
                    Cell::new(n.to_string()),
                    Cell::new(placed.to_string()),
                    Cell::new(results.join("; ")),
                ]
            })
            .collect();
        contests.blocks.push(Block::Para(Para::new("Участие школ в конкурсах:").indented()));
        contests.blocks.push(Block::Table(ruled(
            vec![5, 3, 4, 10],
            &["Школа", "Участников", "Победителей и призёров", "Результаты"],
            rows,
        )));
    }
    let mut visits = section(
        "visits",
        "Посещения школ",
        vec![Para::new(format!(
            "Посещено заседаний МО и мероприятий в школах: {}; рекомендации выполнены: {}; срок исполнения прошёл без отметки: {}.",
            r.visits, r.visits_followed_up, r.visits_awaiting
        ))],
    );
    if !r.visit_lines.is_empty() {
        let rows = r
            .visit_lines
            .iter()
            .map(|(date, school, recommendations, outcome)| {
                vec![Cell::new(date.to_string()), Cell::new(school), Cell::new(recommendations), Cell::new(outcome)]
            })
            .collect();
        visits.blocks.push(Block::Table(ruled(
            vec![3, 5, 8, 8],
            &["Дата", "Школа", "Рекомендации", "Выполнение"],
            rows,
        )));
    }
    let support = vec![
        Para::new(format!("Проведено консультаций: {}.", r.consultations)),
        Para::new(format!("Наставнических пар молодых специалистов: {}.", r.mentoring_pairs)),
    ];
    let mut needs = section(
        "needs",
        "Изучение затруднений и потребностей классных руководителей",
        vec![Para::new(format!("Проведено анкетирований, на которые получены ответы: {}.", r.needs.len()))],
    );
    for survey in &r.needs {
        for line in &survey.lines {
            needs.blocks.push(Block::Para(Para::new(line.clone()).indented()));
        }
        needs.blocks.extend(survey.charts.iter().cloned().map(Block::Chart));
    }
    vec![
        general(&r.theme, &r.goal, &r.tasks),
        schools,
        needs,
        section("plan", "Выполнение плана работы РМО", plan),
        events,
        contests,
        visits,
        section("support", "Консультации и наставничество", support),
    ]
}

/// The plan's tally as a sentence beginning with `lead`, then each row
/// missed.
fn plan_paras(lead: &str, plan: &PlanTally, missed: &[(String, String, &'static str)]) -> Vec<Para> {
    let mut paras = vec![Para::new(format!(
        "{lead}: {}; выполнено: {} ({}), перенесено: {}, не выполнено: {}.",
        plan.total,
        plan.done,
        percent(plan.done, plan.total),
        plan.postponed,
        plan.not_done
    ))];
    paras.extend(missed.iter().map(|(when, topic, mark)| Para::new(format!("{when}: {} — {mark}.", quoted(topic)))));
    paras
}

/// «topic», unless it is quoted already («Семинар «Буллинг»» reads badly).
fn quoted(topic: &str) -> String {
    if topic.contains('«') { topic.to_owned() } else { format!("«{topic}»") }
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() { "—".to_owned() } else { s.trim().to_owned() }
}

/// The sections the head writes without numbers.
pub fn closing_sections() -> Vec<Section> {
    CLOSING.iter().map(|(key, title)| Section { key, title, blocks: Vec::new() }).collect()
}

/// Who signs an analysis: its author, and for the РМО's, who agrees and
/// who approves it (a school's analysis goes to its own director).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signers {
    /// The head of the МО or РМО (a blank line when not known).
    pub head: String,
    /// СОГЛАСОВАНО and УТВЕРЖДАЮ, by name, over the РМО's analysis.
    pub approval: Option<(String, String)>,
}

impl From<&YearReport> for Signers {
    fn from(r: &YearReport) -> Self {
        Self { head: r.head.clone(), approval: None }
    }
}

impl From<&DistrictReport> for Signers {
    fn from(r: &DistrictReport) -> Self {
        Self { head: r.head.clone(), approval: Some(r.approval.clone()) }
    }
}

/// The analysis as a document: every section numbered, with the head's
/// words (`notes`, by section key) after its numbers, under the approval
/// block when it has one, signed by the head.
pub fn analysis(
    head: &Letterhead,
    year: crate::AcademicYear,
    sections: &[Section],
    notes: &BTreeMap<String, String>,
    signers: &Signers,
) -> Paper {
    let mut paper = Paper::new(
        format!("Анализ работы {} за {year} учебный год", head.abbreviation()),
        &format!("Анализ работы {} за {}-{} учебный год", head.abbreviation(), year.0, year.0 + 1),
    );
    if let Some((agreed_by, approved_by)) = &signers.approval {
        paper.table(approval_block(head, UNKNOWN_MEETING, agreed_by, approved_by));
        paper.gap();
    }
    head.put(&mut paper);
    paper.gap();
    paper.para(Para::title("АНАЛИЗ РАБОТЫ"));
    paper.para(Para::title(head.body()));
    paper.para(Para::title(format!("за {year} учебный год")));
    for (n, s) in sections.iter().chain(closing_sections().iter()).enumerate() {
        paper.gap();
        paper.para(Para::title(format!("{}. {}", n + 1, s.title)).align(Align::Left));
        paper.blocks.extend(s.blocks.iter().cloned());
        if let Some(note) = notes.get(s.key) {
            paper.text(note);
        }
    }
    paper.gap();
    let signer = if signers.head.trim().is_empty() { "____________" } else { signers.head.trim() };
    paper.para(Para::new(format!("Руководитель {} ____________________ /{signer}/", head.abbreviation())));
    paper
}
