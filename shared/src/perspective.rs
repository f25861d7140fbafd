//! The РМО's perspective plan, one automerge document per district beside
//! its yearly ones: what the РМО means to do over several academic years,
//! each line a direction of work with its content, the years it spans, who
//! answers for it and what should come of it. The year plan is drawn up
//! from it: the РМО's plan screen shows the lines that fall on the chosen
//! year.

use automerge::AutoCommit;
use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::AcademicYear;
use crate::fields::Spec;
use crate::form::{FieldErrors, Values};
use crate::paper::{Align, Cell, Paper, Para};
use crate::papers::{Letterhead, ruled};
use crate::record::{Document, Edit, Life, RecordList};
use crate::{DocumentId, Error};

/// The newest layout of a perspective plan document this build reads and writes.
pub const PERSPECTIVE_SCHEMA_VERSION: u64 = 1;

/// The longest a perspective plan line may span, in academic years.
pub const MAX_SPAN: i32 = 6;

crate::choices! {
    /// A direction of the РМО's work.
    pub enum Direction {
        Methodical = ("methodical", "методическая работа (заседания, семинары)"),
        Qualification = ("qualification", "повышение квалификации и аттестация"),
        Experience = ("experience", "изучение и обобщение опыта"),
        Contests = ("contests", "конкурсы профессионального мастерства"),
        Mentoring = ("mentoring", "работа с молодыми специалистами"),
        Monitoring = ("monitoring", "мониторинг и анализ"),
    }
}

/// A district РМО's perspective plan.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct PerspectiveDoc {
    /// Layout version; a client never rewrites a newer one.
    #[autosurgeon(hydrate = "crate::lenient::whole")]
    pub schema_version: u64,
    /// The plan's lines.
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub rows: Vec<PerspectiveRow>,
}

impl Document for PerspectiveDoc {
    const SCHEMA_VERSION: u64 = PERSPECTIVE_SCHEMA_VERSION;

    fn schema_version(&self) -> u64 {
        self.schema_version
    }

    fn set_schema_version(&mut self, version: u64) {
        self.schema_version = version;
    }
}

/// A line of the perspective plan.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct PerspectiveRow {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// направление
    pub direction: Direction,
    /// содержание работы
    #[serde(with = "crate::record::serde_text")]
    pub content: Text,
    /// the first academic year, by the calendar year it starts in
    pub from: i32,
    /// the last academic year
    pub to: i32,
    /// ответственный
    pub responsible: String,
    /// ожидаемый результат
    pub result: String,
}

crate::form! {
    /// A line of the perspective plan, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct PerspectiveFields {
        /// направление
        direction: Direction = Spec::select("Направление"),
        /// содержание
        content: String = Spec::area("Содержание работы").required("Опишите, что будет сделано"),
        /// с какого учебного года
        from: i32 = Spec::pick("С учебного года").parse(study_year),
        /// по какой
        to: i32 = Spec::pick("По учебный год").parse(study_year),
        /// ответственный
        responsible: String = Spec::text("Ответственный").hint("ФИО, должность"),
        /// ожидаемый результат
        result: String = Spec::text("Ожидаемый результат").max(1_000),
    }
}

crate::record!(PerspectiveRow, PerspectiveFields { direction, from, to, responsible, result }, text: { content });

/// An academic year by the calendar year it starts in, one the app keeps.
fn study_year(raw: &str) -> Result<i32, String> {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| crate::access::YEARS.contains(y))
        .ok_or_else(|| "Выберите учебный год".into())
}

impl PerspectiveFields {
    /// Checks a line: its content said, its years an academic year each
    /// (by the calendar year it starts in, as the form's select holds it),
    /// the last not before the first and no more than [`MAX_SPAN`] of them.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let (fields, mut e) = Self::read(v, None);
        let (from, to) = (fields.from, fields.to);
        if e.get("from").is_none() && e.get("to").is_none() {
            if to < from {
                e.add("to", "Не раньше первого года");
            } else if to - from >= MAX_SPAN {
                e.add("to", format!("Не больше {MAX_SPAN} учебных лет"));
            }
        }
        e.result(|| fields)
    }
}

impl PerspectiveRow {
    /// Whether the line falls on `year`.
    pub fn covers(&self, year: AcademicYear) -> bool {
        (self.from..=self.to).contains(&year.0)
    }

    /// «2026/2027–2028/2029», or one year.
    pub fn years(&self) -> String {
        if self.from == self.to {
            AcademicYear(self.from).to_string()
        } else {
            format!("{}–{}", AcademicYear(self.from), AcademicYear(self.to))
        }
    }
}

impl PerspectiveDoc {
    /// The id of `district`'s perspective plan.
    pub fn id_for(district: &DocumentId) -> DocumentId {
        district.derive("district-perspective")
    }

    /// A new, empty plan (see [`Document::create_with`]).
    pub fn create(district: &DocumentId) -> AutoCommit {
        let empty = Self { schema_version: 1, rows: Vec::new() };
        Self::create_with(&Self::id_for(district), &empty)
    }

    /// The lines on the plan, by direction, then by their first year.
    pub fn row_list(&self) -> Vec<&PerspectiveRow> {
        let mut list = self.rows.active();
        let order = |d: Direction| Direction::ALL.iter().position(|x| *x == d).unwrap_or_default();
        list.sort_by_key(|r| (order(r.direction), r.from, r.to));
        list
    }

    /// The lines that fall on `year`.
    pub fn rows_in(&self, year: AcademicYear) -> Vec<&PerspectiveRow> {
        self.row_list().into_iter().filter(|r| r.covers(year)).collect()
    }

    /// The academic years the plan spans, first to last.
    pub fn period(&self) -> Option<(AcademicYear, AcademicYear)> {
        let rows = self.rows.active();
        let from = rows.iter().map(|r| r.from).min()?;
        let to = rows.iter().map(|r| r.to).max()?;
        Some((AcademicYear(from), AcademicYear(to)))
    }

    /// Adds, edits or removes a line.
    pub fn edit_row(doc: &mut AutoCommit, edit: Edit<PerspectiveFields>, now_ms: i64) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |d| edit.apply(&mut d.rows))
    }

    /// The plan as a document: a landscape table of the lines, a column per
    /// academic year marked where the line falls, under the district's
    /// approval and signed by the РМО's head.
    pub fn paper(&self, head: &Letterhead, signer: &str) -> Paper {
        let (from, to) = self.period().unwrap_or((AcademicYear(0), AcademicYear(0)));
        let period = format!("{}–{} гг.", from.0, to.0 + 1);
        let mut paper = Paper::new(
            format!("Перспективный план работы РМО на {period}"),
            &format!("Перспективный план работы РМО на {}–{} годы", from.0, to.0 + 1),
        );
        paper.landscape = true;
        head.put(&mut paper);
        paper.gap();
        paper.para(Para::title("ПЕРСПЕКТИВНЫЙ ПЛАН"));
        paper.para(Para::title(format!("работы {} на {period}", head.body())));
        paper.gap();
        let years: Vec<i32> = (from.0..=to.0).collect();
        let mut header = vec!["№", "Направление", "Содержание работы"];
        let labels: Vec<String> = years.iter().map(|y| AcademicYear(*y).to_string()).collect();
        header.extend(labels.iter().map(String::as_str));
        header.extend(["Ответственный", "Ожидаемый результат"]);
        let rows = self
            .row_list()
            .iter()
            .enumerate()
            .map(|(n, r)| {
                let mut row = vec![
                    Cell::paras(vec![Para::new((n + 1).to_string()).align(Align::Center)]),
                    Cell::new(r.direction.label()),
                    Cell::new(r.content.as_str()),
                ];
                row.extend(years.iter().map(|y| {
                    let mark = if r.covers(AcademicYear(*y)) { "+" } else { "" };
                    Cell::paras(vec![Para::new(mark).align(Align::Center)])
                }));
                row.extend([Cell::new(&r.responsible), Cell::new(&r.result)]);
                row
            })
            .collect();
        let mut widths = vec![1, 4, 9];
        widths.extend(years.iter().map(|_| 2));
        widths.extend([4, 5]);
        paper.table(ruled(widths, &header, rows));
        paper.gap();
        paper.para(head.head_signature(signer));
        paper
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::tests::merge_both;

    fn line(direction: &str, content: &str, from: i32, to: i32) -> PerspectiveFields {
        let v = Values::default()
            .with("direction", direction)
            .with("content", content)
            .with("from", from.to_string())
            .with("to", to.to_string())
            .with("responsible", "Петрова А. В.");
        PerspectiveFields::validate(&v).unwrap()
    }

    #[test]
    fn two_devices_plan_offline_and_both_lines_stand() {
        let district = DocumentId::random();
        let blank = PerspectiveDoc::create(&district);
        let mut a = PerspectiveDoc::create(&district);
        let mut b = PerspectiveDoc::create(&district);
        assert_eq!(a.get_heads(), blank.clone().get_heads(), "the first change is every device's");
        let id = PerspectiveDoc::edit_row(&mut a, Edit::Add(line("qualification", "Курсы для всех", 2026, 2028)), 1)
            .unwrap();
        PerspectiveDoc::edit_row(
            &mut b,
            Edit::Add(line("contests", "Конкурс «Самый классный классный»", 2027, 2027)),
            2,
        )
        .unwrap();
        merge_both(&mut a, &mut b);
        PerspectiveDoc::edit_row(
            &mut b,
            Edit::Update(id, line("qualification", "Курсы для всех классных руководителей", 2026, 2028)),
            3,
        )
        .unwrap();
        merge_both(&mut a, &mut b);
        let plan = PerspectiveDoc::load(&a).unwrap();
        assert_eq!(plan, PerspectiveDoc::load(&b).unwrap());
        assert_eq!(plan.row_list().len(), 2);
        assert_eq!(plan.period(), Some((AcademicYear(2026), AcademicYear(2028))));
        let this_year: Vec<String> =
            plan.rows_in(AcademicYear(2027)).iter().map(|r| r.content.as_str().to_owned()).collect();
        assert_eq!(this_year, ["Курсы для всех классных руководителей", "Конкурс «Самый классный классный»"]);
        assert!(plan.rows_in(AcademicYear(2029)).is_empty());
    }

    #[test]
    fn a_line_spans_whole_years_in_order() {
        let v = Values::default().with("direction", "methodical").with("from", "2027").with("to", "2026");
        let e = PerspectiveFields::validate(&v).unwrap_err();
        assert_eq!(e.get("content"), Some("Опишите, что будет сделано"));
        assert_eq!(e.get("to"), Some("Не раньше первого года"));
        let e = PerspectiveFields::validate(&v.clone().with("to", "2040")).unwrap_err();
        assert_eq!(e.get("to"), Some("Не больше 6 учебных лет"));
        let e = PerspectiveFields::validate(&v.with("from", "весной")).unwrap_err();
        assert_eq!(e.get("from"), Some("Выберите учебный год"));
    }

    #[test]
    fn the_paper_marks_each_lines_years() {
        let district = DocumentId::random();
        let mut doc = PerspectiveDoc::create(&district);
        PerspectiveDoc::edit_row(
            &mut doc,
            Edit::Add(line("mentoring", "Школа молодого классного руководителя", 2026, 2027)),
            1,
        )
        .unwrap();
        PerspectiveDoc::edit_row(&mut doc, Edit::Add(line("monitoring", "Анкетирование затруднений", 2028, 2028)), 2)
            .unwrap();
        let plan = PerspectiveDoc::load(&doc).unwrap();
        let paper = plan.paper(&Letterhead::district("Отдел образования"), "Петрова А. В.");
        assert_eq!(paper.file_name, "Перспективный план работы РМО на 2026–2029 годы.docx");
        let text = paper.plain_text();
        assert!(
            text.contains("№\tНаправление\tСодержание работы\t2026/2027\t2027/2028\t2028/2029\tОтветственный"),
            "{text}"
        );
        assert!(text.contains("Школа молодого классного руководителя\t+\t+\t\tПетрова А. В."), "{text}");
        assert!(text.contains("Анкетирование затруднений\t\t\t+\tПетрова А. В."), "{text}");
        assert!(crate::paper::docx::to_docx(&paper).is_ok());
    }
}
