//! Surveys and information requests of the РМО: a questionnaire the
//! district's class teachers (or the schools' МО heads) answer, or a table
//! of figures each school fills in; and what the answers add up to, per
//! school and for the district.
//!
//! The survey is the РМО's, in the district year document, which schools
//! only read. Each answer is the school's, in its own year document, which
//! the district only reads, under a root key of its own
//! («rmo_survey/{survey}/{respondent}», as the answers to visits in
//! [`crate::reply`]): written offline on any device, answers of two people
//! never meet, and the year's records are untouched. The district reads
//! them through each school's line in the overview.

use std::collections::BTreeMap;

use automerge::{AutoCommit, ROOT, ReadDoc};
use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::{AcademicYear, Date};
use crate::fields::Spec;
use crate::form::{FieldErrors, Values};
use crate::overview::SchoolSummary;
use crate::paper::{Chart, lines};
use crate::record::{Life, RecordList};

/// Where an answer is kept: this, the survey's id, `/`, the respondent.
const RESPONSE_PREFIX: &str = "rmo_survey/";
/// The respondent of a survey a school answers as a whole.
const SCHOOL: &str = "school";
/// A choice question offers at most this many options.
const MAX_OPTIONS: usize = 20;
/// The largest figure a table cell takes.
const MAX_NUMBER: u32 = 1_000_000;

crate::choices! {
    /// A questionnaire, or a request for a table of figures.
    pub enum SurveyKind {
        Questionnaire = ("questionnaire", "анкета"),
        Table = ("table", "запрос сведений (таблица)"),
    }
}

crate::choices! {
    /// Who answers: every class teacher, each for themselves, or each
    /// school once, through its МО's head.
    pub enum Audience {
        Teachers = ("teachers", "классные руководители"),
        Schools = ("schools", "руководители МО школ"),
    }
}

crate::choices! {
    /// How a question is answered.
    pub enum QuestionKind {
        Single = ("single", "один вариант ответа"),
        Multiple = ("multiple", "несколько вариантов"),
        Scale = ("scale", "оценка от 1 до 5"),
        Free = ("free", "свободный ответ"),
        Number = ("number", "число"),
    }
}

/// A survey or information request of the РМО.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Survey {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// анкета или таблица
    pub kind: SurveyKind,
    /// кто отвечает
    pub audience: Audience,
    /// название
    pub title: String,
    /// обращение к отвечающим
    #[serde(with = "crate::record::serde_text")]
    pub intro: Text,
    /// ответить до
    pub deadline: Option<Date>,
    /// The questions (a table's columns), in order.
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub questions: Vec<Question>,
}

crate::form! {
    /// A survey form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct SurveyFields {
        /// анкета или таблица
        kind: SurveyKind = Spec::select("Что это"),
        /// кто отвечает
        audience: Audience = Spec::select("Кто отвечает"),
        /// название
        title: String = Spec::text("Название").required("Назовите анкету"),
        /// ответить до
        deadline: Option<Date> = Spec::date("Ответить до").in_year(),
        /// обращение
        intro: String = Spec::area("Обращение к отвечающим"),
    }
}

crate::record!(Survey, SurveyFields { kind, audience, title, deadline }, text: { intro }, rest: { questions });

impl SurveyFields {
    /// Checks a survey form for `year`: named, and a table is filled in
    /// by schools.
    pub fn validate(v: &Values, year: AcademicYear) -> Result<Self, FieldErrors> {
        let (fields, mut e) = Self::read(v, Some(year));
        if e.get("kind").is_none() && fields.kind == SurveyKind::Table && fields.audience == Audience::Teachers {
            e.add("audience", "Таблицу заполняет школа: выберите «руководители МО школ»");
        }
        e.result(|| fields)
    }
}

/// A question of a questionnaire, or a column of a table.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Question {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// как отвечать
    pub kind: QuestionKind,
    /// вопрос
    pub text: String,
    /// варианты ответа, по одному в строке
    pub options: String,
}

crate::form! {
    /// A question form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct QuestionFields {
        /// как отвечать
        kind: QuestionKind = Spec::select("Как отвечать"),
        /// вопрос
        text: String = Spec::area("Вопрос").required("Сформулируйте вопрос").parse(|raw| {
            let text = crate::form::collapse_spaces(raw);
            if text.chars().count() > 500 { Err("Слишком длинно (не больше 500 знаков)".into()) } else { Ok(text) }
        }),
        /// варианты, one a line, each once
        options: String = Spec::area("Варианты ответа").hint("для выбора: по одному в строке").parse(|raw| {
            let mut options = Vec::<String>::new();
            for option in lines(raw) {
                if !options.contains(&option) {
                    options.push(option);
                }
            }
            Ok(options.join("\n"))
        }),
    }
}

crate::record!(Question, QuestionFields { kind, text, options });

impl QuestionFields {
    /// The form of a question of a survey of `kind`: a table's column is
    /// named, and holds a figure or words.
    pub fn form_for(kind: SurveyKind) -> Vec<crate::fields::Field> {
        if kind != SurveyKind::Table {
            return Self::form();
        }
        let column = [QuestionKind::Free, QuestionKind::Number];
        let answers = column.iter().map(|k| (k.code().to_owned(), k.label().to_owned())).collect();
        crate::fields::relabel(crate::fields::offer(Self::form(), "kind", answers), "text", "Столбец")
    }

    /// Checks a question of a survey of `kind`: asked; a choice offers two
    /// different options or more, one a line; a table's column holds a
    /// figure or words.
    pub fn validate(v: &Values, kind: SurveyKind) -> Result<Self, FieldErrors> {
        let (mut fields, mut e) = Self::read(v, None);
        let answer = Some(fields.kind).filter(|_| e.get("kind").is_none());
        let options: Vec<&str> = fields.options.lines().collect();
        match answer {
            Some(QuestionKind::Single | QuestionKind::Multiple) if options.len() < 2 => {
                e.add("options", "Не меньше двух разных вариантов, по одному в строке");
            }
            Some(QuestionKind::Single | QuestionKind::Multiple) if options.len() > MAX_OPTIONS => {
                e.add("options", format!("Не больше {MAX_OPTIONS} вариантов"));
            }
            Some(QuestionKind::Single | QuestionKind::Multiple) if options.iter().any(|o| o.chars().count() > 200) => {
                e.add("options", "Вариант не длиннее 200 знаков");
            }
            Some(QuestionKind::Scale | QuestionKind::Free | QuestionKind::Number) => fields.options.clear(),
            _ => {}
        }
        if kind == SurveyKind::Table && !matches!(answer, Some(QuestionKind::Number | QuestionKind::Free) | None) {
            e.add("kind", "Столбец таблицы — число или свободный ответ");
        }
        e.result(|| fields)
    }
}

impl Question {
    /// What may be chosen: the options of a choice, 1 to 5 for a scale.
    pub fn choices(&self) -> Vec<String> {
        match self.kind {
            QuestionKind::Single | QuestionKind::Multiple => lines(&self.options),
            QuestionKind::Scale => (1..=5).map(|n| n.to_string()).collect(),
            QuestionKind::Free | QuestionKind::Number => Vec::new(),
        }
    }
}

/// The answer form's field of the `n`-th question on the list (`q1`, …),
/// or of its option `k` of a multiple choice (`q2-1`, …), each a tick.
pub fn field(n: usize, option: Option<usize>) -> String {
    match option {
        Some(k) => format!("q{}-{}", n + 1, k + 1),
        None => format!("q{}", n + 1),
    }
}

impl Survey {
    /// The questions on the list, in order.
    pub fn question_list(&self) -> Vec<&Question> {
        self.questions.active()
    }

    /// «анкета «Затруднения классного руководителя»».
    pub fn name(&self) -> String {
        format!("{} «{}»", self.kind.label(), self.title)
    }

    /// Whether its deadline has passed by `today` (the last day still counts).
    pub fn is_late(&self, today: Date) -> bool {
        self.deadline.is_some_and(|by| by < today)
    }

    /// The survey as a reminder of an answer not given yet, on `today`:
    /// «анкета «…»: ответить до 30.11.2026», or «…: срок 30.11.2026 — срок
    /// прошёл».
    pub fn reminder(&self, today: Date) -> String {
        match self.deadline {
            Some(by) if self.is_late(today) => format!("{}: срок {by} — срок прошёл", self.name()),
            Some(by) => format!("{}: ответить до {by}", self.name()),
            None => self.name(),
        }
    }

    /// The answer form's values for `filled` (empty for a first answer).
    pub fn values(&self, filled: &Filled) -> Values {
        let mut v = Values::default();
        for (n, q) in self.question_list().into_iter().enumerate() {
            let answer = filled.answers.get(&q.id.to_string()).map_or("", String::as_str);
            if q.kind == QuestionKind::Multiple {
                let chosen = lines(answer);
                for (k, option) in q.choices().iter().enumerate() {
                    v.set(&field(n, Some(k)), (chosen.contains(option)).to_string());
                }
            } else {
                v.set(&field(n, None), answer);
            }
        }
        v
    }

    /// Checks an answer form: every question but a free one answered, a
    /// choice among its options, a figure a whole number. The answers are
    /// kept by question; a multiple choice as its options, one a line.
    pub fn check_answers(&self, v: &Values) -> Result<BTreeMap<String, String>, FieldErrors> {
        let mut e = FieldErrors::default();
        let mut answers = BTreeMap::new();
        for (n, q) in self.question_list().into_iter().enumerate() {
            let name = field(n, None);
            let answer = match q.kind {
                QuestionKind::Single | QuestionKind::Scale => {
                    let chosen = v.get(&name).trim().to_owned();
                    if !q.choices().contains(&chosen) {
                        e.add(&name, "Выберите ответ");
                    }
                    chosen
                }
                QuestionKind::Multiple => {
                    let options = q.choices();
                    let chosen: Vec<&str> = options
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| v.flag(&field(n, Some(*k))))
                        .map(|(_, o)| o.as_str())
                        .collect();
                    if chosen.is_empty() {
                        e.add(&name, "Отметьте хотя бы один вариант");
                    }
                    chosen.join("\n")
                }
                QuestionKind::Number => {
                    e.number(v, &name, Some("Укажите число"), 0..=MAX_NUMBER).map(|n| n.to_string()).unwrap_or_default()
                }
                QuestionKind::Free => e.long_text(v, &name, None),
            };
            answers.insert(q.id.to_string(), answer);
        }
        e.result(|| answers)
    }
}

/// One respondent's answers, as kept in the school's year document.
#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Filled {
    /// Who answered (ФИО), as the school's list names them.
    pub by: String,
    /// When.
    pub day: Option<Date>,
    /// The answers, by question id.
    pub answers: BTreeMap<String, String>,
}

/// An answer to a survey kept in a school's year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The survey.
    pub survey: Uuid,
    /// The class teacher who answered (none for a school's answer).
    pub member: Option<Uuid>,
    /// The answers.
    pub filled: Filled,
}

/// A school's answers to the РМО's surveys.
pub type Responses = Vec<Response>;

impl Response {
    /// Every answer kept in a school's year document.
    pub fn all(doc: &AutoCommit) -> Responses {
        doc.keys(ROOT)
            .filter_map(|key| {
                let (survey, who) = key.strip_prefix(RESPONSE_PREFIX)?.split_once('/')?;
                let member = match who {
                    SCHOOL => None,
                    id => Some(id.parse::<Uuid>().ok()?),
                };
                let filled = autosurgeon::hydrate_prop(doc, ROOT, key.as_str()).ok()?;
                Some(Self { survey: survey.parse().ok()?, member, filled })
            })
            .collect()
    }

    /// Keeps `filled` as `member`'s answer to `survey` (the school's, for
    /// none), as one commit stamped `now_ms`; nothing is written when
    /// nothing changed.
    pub fn set(
        doc: &mut AutoCommit,
        survey: Uuid,
        member: Option<Uuid>,
        filled: Filled,
        now_ms: i64,
    ) -> Result<(), crate::Error> {
        let who = member.map_or_else(|| SCHOOL.to_owned(), |m| m.to_string());
        let key = format!("{RESPONSE_PREFIX}{survey}/{who}");
        if doc.get(ROOT, key.as_str())?.is_some() {
            let before: Filled = autosurgeon::hydrate_prop(doc, ROOT, key.as_str())?;
            if before.answers == filled.answers && before.by == filled.by {
                return Ok(());
            }
        }
        crate::record::write::commit_at(doc, key.as_str(), &filled, now_ms)
    }
}

/// One school's part in a survey: its name, the answers it sent, and who
/// of it should answer.
#[derive(Debug, Clone, Copy)]
pub struct SchoolPart<'a> {
    /// The school's name.
    pub school: &'a str,
    /// Its answers to the РМО's surveys.
    pub responses: &'a [Response],
    /// Its class teachers (id, ФИО), for a survey of class teachers.
    pub teachers: &'a [(Uuid, String)],
}

/// How many chose something, per school and in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// The option (or, for a table's figure, the school).
    pub label: String,
    /// Per school, in the order of [`Results::schools`].
    pub by_school: Vec<u64>,
    /// In the district.
    pub total: u64,
}

/// What one question's answers add up to.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionResult {
    /// The question.
    pub question: Question,
    /// How many answered it, per school and in all.
    pub answered: (Vec<u64>, u64),
    /// For a choice or a scale, how many chose each; for a figure, its sum.
    pub tallies: Vec<Tally>,
    /// For a scale, the average mark per school and in all.
    pub average: Option<(Vec<Option<f64>>, Option<f64>)>,
    /// For a free answer (and a table's words), «Школа №1, Иванова М. П.: …».
    pub words: Vec<String>,
}

/// A survey's answers summed up per school and for the district.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    /// The survey.
    pub survey: Survey,
    /// The schools, in the order of every per-school figure.
    pub schools: Vec<String>,
    /// How many answers each school sent.
    pub answered: Vec<u64>,
    /// Each question's result.
    pub questions: Vec<QuestionResult>,
    /// Who has not answered yet: per school, the class teachers not
    /// answered (for a school's answer, the school with no names).
    pub missing: Vec<(String, Vec<String>)>,
    /// A table's rows: each school that answered, its cells in question order.
    pub rows: Vec<(String, Vec<String>)>,
}

impl Results {
    /// Sums up `survey` from the schools' parts.
    pub fn of(survey: &Survey, parts: &[SchoolPart<'_>]) -> Self {
        let answers: Vec<Vec<&Response>> = parts
            .iter()
            .map(|p| {
                let mut mine: Vec<&Response> = p.responses.iter().filter(|r| r.survey == survey.id).collect();
                if survey.audience == Audience::Teachers {
                    // Only a class teacher's own answer counts, once.
                    mine.retain(|r| r.member.is_some_and(|m| p.teachers.iter().any(|(t, _)| *t == m)));
                } else {
                    mine.retain(|r| r.member.is_none());
                }
                mine
            })
            .collect();
        let questions = survey.question_list().into_iter().map(|q| question_result(q, parts, &answers)).collect();
        let missing = parts
            .iter()
            .zip(&answers)
            .filter_map(|(p, mine)| {
                let names: Vec<String> = match survey.audience {
                    Audience::Schools if mine.is_empty() => Vec::new(),
                    Audience::Schools => return None,
                    Audience::Teachers => p
                        .teachers
                        .iter()
                        .filter(|(id, _)| !mine.iter().any(|r| r.member == Some(*id)))
                        .map(|(_, name)| name.clone())
                        .collect(),
                };
                let silent = survey.audience == Audience::Schools || !names.is_empty();
                silent.then(|| (p.school.to_owned(), names))
            })
            .collect();
        let rows = parts
            .iter()
            .zip(&answers)
            .flat_map(|(p, mine)| {
                mine.iter().map(|r| {
                    let cells = survey
                        .question_list()
                        .iter()
                        .map(|q| {
                            r.filled.answers.get(&q.id.to_string()).cloned().unwrap_or_default().replace('\n', "; ")
                        })
                        .collect();
                    let who =
                        if r.member.is_some() { format!("{}, {}", p.school, r.filled.by) } else { p.school.to_owned() };
                    (who, cells)
                })
            })
            .collect();
        Self {
            survey: survey.clone(),
            schools: parts.iter().map(|p| p.school.to_owned()).collect(),
            answered: answers.iter().map(|a| a.len() as u64).collect(),
            questions,
            missing,
            rows,
        }
    }

    /// Answers in all.
    pub fn total(&self) -> u64 {
        self.answered.iter().sum()
    }

    /// The summary of a needs survey for the yearly analysis: how many
    /// answered, then per question what was chosen most, or the average
    /// mark.
    pub fn summary(&self) -> Vec<String> {
        let mut out = vec![format!(
            "{}: ответов — {}, из школ: {}",
            self.survey.name(),
            self.total(),
            self.answered.iter().filter(|n| **n > 0).count()
        )];
        for q in &self.questions {
            let text = &q.question.text;
            match (&q.average, q.question.kind) {
                (Some((_, Some(avg))), _) => out.push(format!("«{text}»: средняя оценка {}", decimal(*avg))),
                (_, QuestionKind::Single | QuestionKind::Multiple) => {
                    let answered = q.answered.1.max(1);
                    let mut top: Vec<&Tally> = q.tallies.iter().filter(|t| t.total > 0).collect();
                    top.sort_by_key(|t| std::cmp::Reverse(t.total));
                    let chosen: Vec<String> = top
                        .iter()
                        .take(3)
                        .map(|t| format!("{} — {} ({}%)", t.label, t.total, t.total * 100 / answered))
                        .collect();
                    if !chosen.is_empty() {
                        out.push(format!("«{text}»: {}", chosen.join("; ")));
                    }
                }
                (_, QuestionKind::Number) => {
                    if let Some(sum) = q.tallies.iter().find(|t| t.label == TOTAL) {
                        out.push(format!("«{text}»: всего {}", sum.total));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

impl QuestionResult {
    /// The district's answers as a bar chart: how many chose each option
    /// (of those who answered), or each school's figure; none for words.
    pub fn chart(&self) -> Option<Chart> {
        match self.question.kind {
            QuestionKind::Free => None,
            QuestionKind::Number => Some(Chart {
                title: format!("{} — по школам", self.question.text),
                bars: self.tallies.iter().filter(|t| t.label != TOTAL).map(|t| (t.label.clone(), t.total)).collect(),
                of: 0,
            }),
            QuestionKind::Single | QuestionKind::Multiple | QuestionKind::Scale => Some(Chart {
                title: format!("{} (ответили: {})", self.question.text, self.answered.1),
                bars: self.tallies.iter().map(|t| (t.label.clone(), t.total)).collect(),
                of: self.answered.1,
            }),
        }
    }
}

/// A needs survey as the yearly analysis tells it: its summary in words
/// and a chart per question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needs {
    /// [`Results::summary`].
    pub lines: Vec<String>,
    /// The charts of its choice and scale questions.
    pub charts: Vec<Chart>,
}

impl Results {
    /// Sums up `survey` from the schools' lines in the district overview
    /// (by name), each with its answers and its class teachers.
    pub fn of_schools(survey: &Survey, schools: &[(String, SchoolSummary)]) -> Self {
        let teachers: Vec<Vec<(Uuid, String)>> =
            schools.iter().map(|(_, s)| s.staff.iter().map(|l| (l.id, l.name.clone())).collect()).collect();
        let parts: Vec<SchoolPart<'_>> = schools
            .iter()
            .zip(&teachers)
            .map(|((name, s), t)| SchoolPart { school: name, responses: &s.responses, teachers: t })
            .collect();
        Self::of(survey, &parts)
    }

    /// The needs summary of a questionnaire that has answers.
    pub fn needs(&self) -> Option<Needs> {
        (self.survey.kind == SurveyKind::Questionnaire && self.total() > 0).then(|| Needs {
            lines: self.summary(),
            charts: self
                .questions
                .iter()
                .filter(|q| q.question.kind != QuestionKind::Number)
                .filter_map(QuestionResult::chart)
                .collect(),
        })
    }
}

/// The label of a figure's sum.
pub const TOTAL: &str = "Итого";

fn question_result(q: &Question, parts: &[SchoolPart<'_>], answers: &[Vec<&Response>]) -> QuestionResult {
    let key = q.id.to_string();
    let given: Vec<Vec<&str>> = answers
        .iter()
        .map(|mine| {
            mine.iter()
                .filter_map(|r| r.filled.answers.get(&key).map(String::as_str))
                .filter(|a| !a.trim().is_empty())
                .collect()
        })
        .collect();
    let per_school: Vec<u64> = given.iter().map(|g| g.len() as u64).collect();
    let answered = (per_school.clone(), per_school.iter().sum());
    let mut result =
        QuestionResult { question: q.clone(), answered, tallies: Vec::new(), average: None, words: Vec::new() };
    match q.kind {
        QuestionKind::Single | QuestionKind::Multiple | QuestionKind::Scale => {
            result.tallies = q
                .choices()
                .into_iter()
                .map(|option| {
                    let by_school: Vec<u64> =
                        given.iter().map(|g| g.iter().filter(|a| lines(a).contains(&option)).count() as u64).collect();
                    Tally { total: by_school.iter().sum(), label: option, by_school }
                })
                .collect();
            if q.kind == QuestionKind::Scale {
                // A scale's marks are its choices, whole numbers: read as
                // such, the page carries no decimal parser (its 10 KB table).
                let marks = |g: &[&str]| -> Vec<f64> {
                    g.iter().filter_map(|a| a.trim().parse::<u32>().ok()).map(f64::from).collect()
                };
                let mean = |m: &[f64]| (!m.is_empty()).then(|| m.iter().sum::<f64>() / m.len() as f64);
                let all: Vec<f64> = given.iter().flat_map(|g| marks(g)).collect();
                result.average = Some((given.iter().map(|g| mean(&marks(g))).collect(), mean(&all)));
            }
        }
        QuestionKind::Number => {
            let sums: Vec<u64> =
                given.iter().map(|g| g.iter().filter_map(|a| a.trim().parse::<u64>().ok()).sum()).collect();
            result.tallies = parts
                .iter()
                .zip(&sums)
                .map(|(p, sum)| Tally { label: p.school.to_owned(), by_school: vec![*sum], total: *sum })
                .collect();
            result.tallies.push(Tally { label: TOTAL.to_owned(), by_school: sums.clone(), total: sums.iter().sum() });
        }
        QuestionKind::Free => {
            for ((p, mine), _) in parts.iter().zip(answers).zip(&given) {
                for r in mine {
                    if let Some(words) = r.filled.answers.get(&key).filter(|w| !w.trim().is_empty()) {
                        let who = if r.member.is_some() {
                            format!("{}, {}", p.school, r.filled.by)
                        } else {
                            p.school.to_owned()
                        };
                        result.words.push(format!("{who}: {}", words.trim()));
                    }
                }
            }
        }
    }
    result
}

/// «3,8»: one decimal, with a comma.
pub fn decimal(x: f64) -> String {
    format!("{x:.1}").replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::district::DistrictYearDoc;
    use crate::record::tests::merge_both;
    use crate::record::{Document, Edit, Record};
    use crate::{DocumentId, YearDoc};

    const YEAR: AcademicYear = AcademicYear(2026);

    fn survey_fields(kind: &str, audience: &str, title: &str) -> SurveyFields {
        let v = Values::default().with("kind", kind).with("audience", audience).with("title", title);
        SurveyFields::validate(&v, YEAR).unwrap()
    }

    fn question(kind: &str, text: &str, options: &str) -> QuestionFields {
        let v = Values::default().with("kind", kind).with("text", text).with("options", options);
        QuestionFields::validate(&v, SurveyKind::Questionnaire).unwrap()
    }

    /// A questionnaire of class teachers with a choice, a multiple choice,
    /// a scale and a free question.
    fn needs_survey() -> Survey {
        let mut s = Survey::new(Uuid::new_v4(), survey_fields("questionnaire", "teachers", "Затруднения"));
        for f in [
            question("single", "Стаж классного руководства", "до 3 лет\n3–10 лет\nболее 10 лет"),
            question("multiple", "Где нужна помощь", "работа с родителями\nдокументация\nпрофилактика"),
            question("scale", "Насколько полезны семинары РМО", ""),
            question("free", "Ваши предложения", ""),
        ] {
            Edit::Add(f).apply(&mut s.questions).unwrap();
        }
        s
    }

    fn answer(survey: &Survey, v: &[(usize, &str)]) -> BTreeMap<String, String> {
        let mut values = Values::default();
        for (n, value) in v {
            values.set(&field(*n, None), *value);
        }
        // The multiple choice: the first and third options ticked.
        values.set(&field(1, Some(0)), "true");
        values.set(&field(1, Some(2)), "true");
        survey.check_answers(&values).unwrap()
    }

    #[test]
    fn a_survey_and_its_questions_merge_as_the_districts_records() {
        let district = DocumentId::random();
        let mut a = DistrictYearDoc::create(&district, YEAR);
        let mut b = DistrictYearDoc::create(&district, YEAR);
        merge_both(&mut a, &mut b);
        let id =
            DistrictYearDoc::edit_survey(&mut a, Edit::Add(survey_fields("questionnaire", "teachers", "Анкета")), 1)
                .unwrap();
        merge_both(&mut a, &mut b);
        DistrictYearDoc::edit_question(&mut a, id, Edit::Add(question("scale", "Польза семинаров", "")), 2).unwrap();
        DistrictYearDoc::edit_question(&mut b, id, Edit::Add(question("free", "Предложения", "")), 3).unwrap();
        DistrictYearDoc::edit_survey(
            &mut b,
            Edit::Update(id, survey_fields("questionnaire", "teachers", "Анкета: затруднения")),
            4,
        )
        .unwrap();
        merge_both(&mut a, &mut b);
        let doc = DistrictYearDoc::load(&a).unwrap();
        assert_eq!(doc, DistrictYearDoc::load(&b).unwrap());
        let survey = &doc.survey_list()[0];
        assert_eq!(survey.title, "Анкета: затруднения");
        assert_eq!(survey.question_list().len(), 2, "both devices' questions stand");
    }

    #[test]
    fn a_reminder_says_by_when_and_that_the_day_has_passed() {
        let day = |s: &str| Date::parse(s).unwrap();
        let v = Values::default()
            .with("kind", "questionnaire")
            .with("audience", "teachers")
            .with("title", "Затруднения")
            .with("deadline", "30.11.2026");
        let survey = Survey::new(Uuid::new_v4(), SurveyFields::validate(&v, YEAR).unwrap());
        assert_eq!(survey.reminder(day("30.11.2026")), "анкета «Затруднения»: ответить до 30.11.2026");
        assert!(!survey.is_late(day("30.11.2026")), "the last day still counts");
        assert_eq!(survey.reminder(day("01.12.2026")), "анкета «Затруднения»: срок 30.11.2026 — срок прошёл");
        let open = Survey { deadline: None, ..survey };
        assert_eq!(open.reminder(day("01.06.2027")), "анкета «Затруднения»");
        assert!(!open.is_late(day("01.06.2027")));
    }

    #[test]
    fn a_question_is_asked_and_a_choice_offers_two_options_or_more() {
        let v = Values::default().with("kind", "single").with("options", "да\nда\n");
        let e = QuestionFields::validate(&v, SurveyKind::Questionnaire).unwrap_err();
        assert_eq!(e.get("text"), Some("Сформулируйте вопрос"));
        assert_eq!(e.get("options"), Some("Не меньше двух разных вариантов, по одному в строке"));
        let v = Values::default().with("kind", "scale").with("text", "Польза").with("options", "x\ny");
        assert_eq!(
            QuestionFields::validate(&v, SurveyKind::Questionnaire).unwrap().options,
            "",
            "a scale has no options"
        );
        let e = QuestionFields::validate(&v, SurveyKind::Table).unwrap_err();
        assert_eq!(e.get("kind"), Some("Столбец таблицы — число или свободный ответ"));
        let v = Values::default().with("kind", "table").with("audience", "teachers").with("title", "Сведения");
        let e = SurveyFields::validate(&v, YEAR).unwrap_err();
        assert_eq!(e.get("audience"), Some("Таблицу заполняет школа: выберите «руководители МО школ»"));
    }

    #[test]
    fn an_answer_answers_every_question_but_a_free_one() {
        let survey = needs_survey();
        let qs = survey.question_list();
        let mut v = Values::default().with(&field(0, None), "не из списка").with(&field(2, None), "7");
        let e = survey.check_answers(&v).unwrap_err();
        assert_eq!(e.get(&field(0, None)), Some("Выберите ответ"));
        assert_eq!(e.get(&field(1, None)), Some("Отметьте хотя бы один вариант"));
        assert_eq!(e.get(&field(2, None)), Some("Выберите ответ"));
        assert_eq!(e.get(&field(3, None)), None, "a free answer may stay empty");
        v.set(&field(0, None), "3–10 лет");
        v.set(&field(1, Some(1)), "true");
        v.set(&field(2, None), "4");
        let answers = survey.check_answers(&v).unwrap();
        assert_eq!(answers[&qs[1].id.to_string()], "документация");
        let filled = Filled { by: "Иванова".into(), day: None, answers };
        assert_eq!(survey.values(&filled), {
            let mut back = v.clone();
            back.set(&field(1, Some(0)), "false");
            back.set(&field(1, Some(2)), "false");
            back.set(&field(3, None), "");
            back
        });
    }

    #[test]
    fn answers_from_two_schools_sum_up_per_school_and_for_the_district() {
        let survey = needs_survey();
        let (ivanova, petrova, orlova, sidorova) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let school = DocumentId::random();
        // Two teachers of school №1 answer on their own devices, offline.
        let mut a = YearDoc::create(&school, YEAR);
        let mut b = YearDoc::create(&school, YEAR);
        let first = answer(&survey, &[(0, "до 3 лет"), (2, "5"), (3, "Больше практики")]);
        let second = answer(&survey, &[(0, "более 10 лет"), (2, "4")]);
        Response::set(
            &mut a,
            survey.id,
            Some(ivanova),
            Filled { by: "Иванова М. П.".into(), day: None, answers: first.clone() },
            1,
        )
        .unwrap();
        Response::set(
            &mut b,
            survey.id,
            Some(petrova),
            Filled { by: "Петрова А. В.".into(), day: None, answers: second },
            2,
        )
        .unwrap();
        merge_both(&mut a, &mut b);
        let heads = a.get_heads();
        Response::set(
            &mut a,
            survey.id,
            Some(ivanova),
            Filled { by: "Иванова М. П.".into(), day: None, answers: first },
            3,
        )
        .unwrap();
        assert_eq!(a.get_heads(), heads, "the same answer writes nothing");
        assert!(YearDoc::load(&a).is_ok(), "the year's records read as before");
        let one = Response::all(&a);
        assert_eq!(one.len(), 2);
        // School №2: one teacher of two answered.
        let mut c = YearDoc::create(&DocumentId::random(), YEAR);
        let third = answer(&survey, &[(0, "до 3 лет"), (2, "2")]);
        Response::set(
            &mut c,
            survey.id,
            Some(orlova),
            Filled { by: "Орлова Е. С.".into(), day: None, answers: third },
            4,
        )
        .unwrap();
        // An answer of someone not on the list does not count.
        let stray = answer(&survey, &[(0, "до 3 лет"), (2, "1")]);
        Response::set(&mut c, survey.id, Some(Uuid::new_v4()), Filled { by: "?".into(), day: None, answers: stray }, 5)
            .unwrap();
        let two = Response::all(&c);
        let first_teachers = [(ivanova, "Иванова М. П.".to_owned()), (petrova, "Петрова А. В.".to_owned())];
        let second_teachers = [(orlova, "Орлова Е. С.".to_owned()), (sidorova, "Сидорова А. В.".to_owned())];
        let results = Results::of(
            &survey,
            &[
                SchoolPart { school: "Школа №1", responses: &one, teachers: &first_teachers },
                SchoolPart { school: "Школа №2", responses: &two, teachers: &second_teachers },
            ],
        );
        assert_eq!(results.answered, [2, 1]);
        assert_eq!(results.missing, [("Школа №2".to_owned(), vec!["Сидорова А. В.".to_owned()])]);
        let stage = &results.questions[0].tallies;
        assert_eq!(
            (stage[0].label.as_str(), stage[0].by_school.as_slice(), stage[0].total),
            ("до 3 лет", &[1, 1][..], 2)
        );
        assert_eq!(stage[2].total, 1);
        let help = &results.questions[1].tallies;
        assert_eq!(help.iter().map(|t| t.total).collect::<Vec<_>>(), [3, 0, 3], "every tick counts");
        let (per_school, all) = results.questions[2].average.clone().unwrap();
        assert_eq!(per_school, [Some(4.5), Some(2.0)]);
        assert_eq!(all.map(decimal).as_deref(), Some("3,7"));
        assert_eq!(results.questions[3].words, ["Школа №1, Иванова М. П.: Больше практики"]);
        let summary = results.summary();
        assert_eq!(summary[0], "анкета «Затруднения»: ответов — 3, из школ: 2");
        assert!(
            summary.contains(&"«Стаж классного руководства»: до 3 лет — 2 (66%); более 10 лет — 1 (33%)".to_owned())
        );
        assert!(summary.contains(&"«Насколько полезны семинары РМО»: средняя оценка 3,7".to_owned()));
    }

    #[test]
    fn a_table_request_adds_up_each_schools_figures() {
        let mut survey = Survey::new(Uuid::new_v4(), survey_fields("table", "schools", "Сведения о кадрах"));
        let column = |kind: &str, text: &str| {
            let v = Values::default().with("kind", kind).with("text", text);
            QuestionFields::validate(&v, SurveyKind::Table).unwrap()
        };
        Edit::Add(column("number", "Классных руководителей")).apply(&mut survey.questions).unwrap();
        Edit::Add(column("free", "Примечание")).apply(&mut survey.questions).unwrap();
        let filled = |n: &str, note: &str| {
            let v = Values::default().with(&field(0, None), n).with(&field(1, None), note);
            Filled { by: "Руководитель МО".into(), day: None, answers: survey.check_answers(&v).unwrap() }
        };
        let mut a = YearDoc::create(&DocumentId::random(), YEAR);
        Response::set(&mut a, survey.id, None, filled("12", "два молодых"), 1).unwrap();
        let mut b = YearDoc::create(&DocumentId::random(), YEAR);
        Response::set(&mut b, survey.id, None, filled("9", ""), 2).unwrap();
        let (one, two) = (Response::all(&a), Response::all(&b));
        let parts = [
            SchoolPart { school: "Школа №1", responses: &one, teachers: &[] },
            SchoolPart { school: "Школа №2", responses: &two, teachers: &[] },
            SchoolPart { school: "Школа №3", responses: &[], teachers: &[] },
        ];
        let results = Results::of(&survey, &parts);
        assert_eq!(
            results.rows,
            [
                ("Школа №1".to_owned(), vec!["12".to_owned(), "два молодых".to_owned()]),
                ("Школа №2".to_owned(), vec!["9".to_owned(), String::new()]),
            ]
        );
        let sum = results.questions[0].tallies.last().unwrap();
        assert_eq!((sum.label.as_str(), sum.total), (TOTAL, 21));
        assert_eq!(results.missing, [("Школа №3".to_owned(), Vec::new())]);
        let e = survey.check_answers(&Values::default().with(&field(0, None), "много")).unwrap_err();
        assert_eq!(e.get(&field(0, None)), Some("Целое число от 0 до 1000000"));
    }
}
