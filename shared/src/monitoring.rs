//! Monitoring of the class teachers' functional duties: the head's
//! quarterly sheet per class teacher (the upbringing plan handed in, class
//! hours and parent meetings held, work with children at risk, the class
//! teacher's documentation), beside what the МО's own records already show
//! of the teacher that quarter (meetings attended, plan work done). The
//! school's summary prints as a справка; the district reads its numbers
//! from the school's overview line.
//!
//! A sheet sits under a root key of its own, `duty/{member}/{quarter}`,
//! outside the year's records (as answers to the РМО do): the year
//! document's first change stays every device's, sheets for two teachers
//! written on two devices never meet, and a teacher has one sheet a
//! quarter by construction.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{AutoCommit, ROOT, ReadDoc};
use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::{AcademicYear, Date};
use crate::fields::Spec;
use crate::form::{FieldErrors, Values};
use crate::plan::{Completion, PlanDoc};
use crate::record::set_text;
use crate::{AssociationDoc, YearDoc};

/// Where a sheet is kept: this, then the member's id and the quarter's code.
pub const SHEET_PREFIX: &str = "duty/";

crate::choices! {
    /// A quarter (четверть) of the academic year.
    pub enum Quarter {
        First = ("1", "I четверть"),
        Second = ("2", "II четверть"),
        Third = ("3", "III четверть"),
        Fourth = ("4", "IV четверть"),
    }
}

impl Quarter {
    /// The quarter `day` falls in (see [`Quarter::span`]).
    pub fn of(day: Date) -> Self {
        let year = AcademicYear::of(day);
        Self::ALL.iter().copied().find(|q| q.contains(year, day)).unwrap_or(Self::Fourth)
    }

    /// The quarter's first and last day in `year`: September–October,
    /// November–December, January–March, April–August.
    pub fn span(self, year: AcademicYear) -> (Date, Date) {
        let (from, to) = match self {
            Self::First => (9, 10),
            Self::Second => (11, 12),
            Self::Third => (1, 3),
            Self::Fourth => (4, 8),
        };
        let first = Date::new(year.calendar_year_of(from), from, 1).unwrap_or(year.first_day());
        let last = Date::end_of_month(year.calendar_year_of(to), to).unwrap_or(year.last_day());
        (first, last)
    }

    /// Whether `day` falls in the quarter of `year`.
    pub fn contains(self, year: AcademicYear, day: Date) -> bool {
        let (first, last) = self.span(year);
        first <= day && day <= last
    }
}

crate::choices! {
    /// How a duty was carried out, as the head found it.
    pub enum DutyMark {
        Unchecked = ("unchecked", "не проверено"),
        Done = ("done", "выполнено"),
        Partly = ("partly", "выполнено частично"),
        NotDone = ("not_done", "не выполнено"),
    }
}

/// The duties a sheet marks, in the order it lists them: (field, label).
pub const DUTIES: [(&str, &str); 5] = [
    ("plan", "План воспитательной работы класса"),
    ("class_hours_mark", "Классные часы"),
    ("parent_meetings_mark", "Родительские собрания"),
    ("risk", "Работа с детьми группы риска"),
    ("documentation", "Документация классного руководителя"),
];

/// A class teacher's sheet for one quarter.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct DutySheet {
    /// план воспитательной работы сдан
    pub plan: DutyMark,
    /// классных часов проведено
    pub class_hours: Option<u32>,
    /// классные часы
    pub class_hours_mark: DutyMark,
    /// родительских собраний проведено
    pub parent_meetings: Option<u32>,
    /// родительские собрания
    pub parent_meetings_mark: DutyMark,
    /// работа с детьми группы риска
    pub risk: DutyMark,
    /// документация (журнал, личные дела, социальный паспорт класса)
    pub documentation: DutyMark,
    /// замечания и рекомендации
    #[serde(with = "crate::record::serde_text")]
    pub note: Text,
}

crate::form! {
    /// A sheet form, checked.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    pub struct DutySheetFields {
        /// план воспитательной работы
        plan: DutyMark = Spec::select(DUTIES[0].1),
        /// классных часов проведено
        class_hours: Option<u32> = Spec::text("Классных часов проведено").range(0..=100),
        /// классные часы
        class_hours_mark: DutyMark = Spec::select(DUTIES[1].1),
        /// родительских собраний проведено
        parent_meetings: Option<u32> = Spec::text("Родительских собраний проведено").range(0..=30),
        /// родительские собрания
        parent_meetings_mark: DutyMark = Spec::select(DUTIES[2].1),
        /// группа риска
        risk: DutyMark = Spec::select(DUTIES[3].1),
        /// документация
        documentation: DutyMark = Spec::select(DUTIES[4].1),
        /// замечания и рекомендации
        note: String = Spec::area("Замечания и рекомендации"),
    }
}

/// A sheet as kept: whose, for which quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    /// The class teacher.
    pub member: Uuid,
    /// The quarter.
    pub quarter: Quarter,
    /// The marks.
    pub sheet: DutySheet,
}

/// Every sheet of a year.
pub type Sheets = Vec<Kept>;

impl DutySheet {
    /// The marks of the five duties, in [`DUTIES`]' order.
    pub fn marks(&self) -> [DutyMark; 5] {
        [self.plan, self.class_hours_mark, self.parent_meetings_mark, self.risk, self.documentation]
    }

    /// Whether every duty is marked done.
    pub fn all_done(&self) -> bool {
        self.marks().iter().all(|m| *m == DutyMark::Done)
    }

    /// The form's values.
    pub fn to_values(&self) -> Values {
        DutySheetFields {
            plan: self.plan,
            class_hours: self.class_hours,
            class_hours_mark: self.class_hours_mark,
            parent_meetings: self.parent_meetings,
            parent_meetings_mark: self.parent_meetings_mark,
            risk: self.risk,
            documentation: self.documentation,
            note: self.note.as_str().to_owned(),
        }
        .to_values()
    }

    /// Every sheet kept in a school's year document, by quarter then in
    /// the order of the keys.
    pub fn all(doc: &AutoCommit) -> Sheets {
        let mut sheets: Sheets = doc
            .keys(ROOT)
            .filter_map(|key| {
                let (member, quarter) = key.strip_prefix(SHEET_PREFIX)?.split_once('/')?;
                let sheet = autosurgeon::hydrate_prop(doc, ROOT, key.as_str()).ok()?;
                Some(Kept { member: member.parse().ok()?, quarter: Quarter::from_code(quarter)?, sheet })
            })
            .collect();
        sheets.sort_by_key(|k| Quarter::ALL.iter().position(|q| *q == k.quarter));
        sheets
    }

    /// Keeps `fields` as `member`'s sheet for `quarter`, or removes it
    /// (`None`), as one commit stamped `now_ms`; the note is spliced, and
    /// nothing is written when nothing changed.
    pub fn set(
        doc: &mut AutoCommit,
        member: Uuid,
        quarter: Quarter,
        fields: Option<DutySheetFields>,
        now_ms: i64,
    ) -> Result<(), crate::Error> {
        let key = format!("{SHEET_PREFIX}{member}/{}", quarter.code());
        let held = doc.get(ROOT, key.as_str())?.is_some();
        let Some(f) = fields else {
            if held {
                doc.delete(ROOT, key.as_str())?;
                doc.commit_with(CommitOptions::default().with_time(now_ms));
            }
            return Ok(());
        };
        let mut sheet: Self = if held { autosurgeon::hydrate_prop(doc, ROOT, key.as_str())? } else { Self::default() };
        let before = sheet.clone();
        sheet.plan = f.plan;
        sheet.class_hours = f.class_hours;
        sheet.class_hours_mark = f.class_hours_mark;
        sheet.parent_meetings = f.parent_meetings;
        sheet.parent_meetings_mark = f.parent_meetings_mark;
        sheet.risk = f.risk;
        sheet.documentation = f.documentation;
        set_text(&mut sheet.note, &f.note);
        if held && sheet == before {
            return Ok(());
        }
        crate::record::write::commit_at(doc, key.as_str(), &sheet, now_ms)
    }
}

impl DutySheetFields {
    /// An empty sheet's form.
    pub fn blank() -> Values {
        DutySheet::default().to_values()
    }

    /// Checks a sheet form.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let (fields, e) = Self::read(v, None);
        e.result(|| fields)
    }
}

/// What the МО's records show of a class teacher in a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FromRecords {
    /// МО meetings held in the quarter (protocols).
    pub meetings: usize,
    /// Of those, the teacher attended.
    pub attended: usize,
    /// Plan rows due in the quarter with the teacher responsible.
    pub assigned: usize,
    /// Of those, done.
    pub done: usize,
}

impl FromRecords {
    /// What `year`'s protocols and plan show of `member` in `quarter`.
    pub fn of(year: &YearDoc, member: Uuid, quarter: Quarter) -> Self {
        let academic = year.academic_year();
        let protocols: Vec<_> =
            year.protocol_list().into_iter().filter(|p| quarter.contains(academic, p.date)).collect();
        let rows: Vec<_> = year
            .plan_rows()
            .into_iter()
            .filter(|r| r.responsible == Some(member) && quarter.contains(academic, r.when.due()))
            .collect();
        Self {
            meetings: protocols.len(),
            attended: protocols.iter().filter(|p| p.present().contains(&member)).count(),
            assigned: rows.len(),
            done: rows.iter().filter(|r| r.completion == Completion::Done).count(),
        }
    }

    /// «2 из 3», or a dash when there was none.
    pub fn meetings_label(&self) -> String {
        of_label(self.attended, self.meetings)
    }

    /// «1 из 1», or a dash when nothing was assigned.
    pub fn plan_label(&self) -> String {
        of_label(self.done, self.assigned)
    }
}

fn of_label(part: usize, whole: usize) -> String {
    if whole == 0 { "—".to_owned() } else { format!("{part} из {whole}") }
}

/// A quarter's sheets summed up: the справка's totals and the district's
/// numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QuarterTotals {
    /// The quarter.
    pub quarter: Quarter,
    /// Class teachers with a sheet.
    pub checked: usize,
    /// Of those, with every duty done.
    pub all_done: usize,
    /// Per duty (in [`DUTIES`]' order): done, partly, not done.
    pub duties: Vec<[usize; 3]>,
}

impl QuarterTotals {
    /// The totals of `sheets` (of one year) for `quarter`.
    pub fn of(sheets: &Sheets, quarter: Quarter) -> Self {
        let of_quarter: Vec<&DutySheet> = sheets.iter().filter(|k| k.quarter == quarter).map(|k| &k.sheet).collect();
        let duties = (0..DUTIES.len())
            .map(|n| {
                let count = |mark| of_quarter.iter().filter(|s| s.marks()[n] == mark).count();
                [count(DutyMark::Done), count(DutyMark::Partly), count(DutyMark::NotDone)]
            })
            .collect();
        Self {
            quarter,
            checked: of_quarter.len(),
            all_done: of_quarter.iter().filter(|s| s.all_done()).count(),
            duties,
        }
    }

    /// The totals of every quarter with a sheet, in order.
    pub fn every_quarter(sheets: &Sheets) -> Vec<Self> {
        Quarter::ALL.iter().filter(|q| sheets.iter().any(|k| k.quarter == **q)).map(|q| Self::of(sheets, *q)).collect()
    }

    /// Every duty done, in whole percent of the teachers checked.
    pub fn percent(&self) -> u32 {
        (self.all_done * 100).checked_div(self.checked).map_or(0, |p| u32::try_from(p).unwrap_or(100))
    }

    /// «II четверть: проверено 5, все обязанности выполнены у 3 (60 %)».
    pub fn label(&self) -> String {
        format!(
            "{}: проверено {}, все обязанности выполнены у {} ({} %)",
            self.quarter.label(),
            self.checked,
            self.all_done,
            self.percent()
        )
    }
}

/// The class teachers a sheet is kept for: members leading a class, in
/// alphabetical order, with those who have a sheet though they lead none.
pub fn class_teachers(members: &AssociationDoc, sheets: &Sheets) -> Vec<Uuid> {
    members
        .active_members()
        .iter()
        .filter(|m| !m.class_led.trim().is_empty() || sheets.iter().any(|k| k.member == m.id))
        .map(|m| m.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{PlanFields, PlanMark};
    use crate::protocol::ProtocolFields;
    use crate::record::tests::merge_both;
    use crate::record::{Document, Edit};
    use crate::{DocumentId, MemberFields};

    const Y: AcademicYear = AcademicYear(2026);

    fn sheet(marks: &str, note: &str) -> DutySheetFields {
        let codes: Vec<&str> = marks.split(',').collect();
        let v = Values::default()
            .with("plan", codes[0])
            .with("class_hours", "8")
            .with("class_hours_mark", codes[1])
            .with("parent_meetings", "2")
            .with("parent_meetings_mark", codes[2])
            .with("risk", codes[3])
            .with("documentation", codes[4])
            .with("note", note);
        DutySheetFields::validate(&v).unwrap()
    }

    #[test]
    fn quarters_split_the_academic_year() {
        let d = |s| Date::parse(s).unwrap();
        assert_eq!(Quarter::of(d("15.10.2026")), Quarter::First);
        assert_eq!(Quarter::of(d("01.11.2026")), Quarter::Second);
        assert_eq!(Quarter::of(d("31.03.2027")), Quarter::Third);
        assert_eq!(Quarter::of(d("20.05.2027")), Quarter::Fourth);
        assert_eq!(Quarter::Third.span(Y), (d("01.01.2027"), d("31.03.2027")));
        assert!(Quarter::Second.contains(Y, d("31.12.2026")) && !Quarter::Second.contains(Y, d("01.01.2027")));
    }

    #[test]
    fn a_sheet_form_is_checked() {
        let v = DutySheetFields::blank().with("class_hours", "много").with("risk", "maybe");
        let e = DutySheetFields::validate(&v).unwrap_err();
        assert!(e.get("class_hours").unwrap().contains("Целое число"));
        assert_eq!(e.get("risk"), Some("Выберите из списка"));
        assert!(DutySheetFields::validate(&DutySheetFields::blank()).is_ok());
    }

    #[test]
    fn sheets_for_two_teachers_on_two_devices_merge_and_sum_up() {
        let school = DocumentId::random();
        let mut a = YearDoc::create(&school, Y);
        let mut b = YearDoc::create(&school, Y);
        let (ivanova, orlova) = (Uuid::new_v4(), Uuid::new_v4());
        DutySheet::set(&mut a, ivanova, Quarter::Second, Some(sheet("done,done,done,done,done", "")), 1).unwrap();
        DutySheet::set(&mut b, orlova, Quarter::Second, Some(sheet("done,partly,done,not_done,done", "")), 2).unwrap();
        merge_both(&mut a, &mut b);
        // The same sheet's note, edited on both devices, keeps both words.
        DutySheet::set(
            &mut a,
            orlova,
            Quarter::Second,
            Some(sheet("done,partly,done,not_done,done", "Сдать план.")),
            3,
        )
        .unwrap();
        DutySheet::set(&mut b, orlova, Quarter::Second, Some(sheet("done,done,done,not_done,done", "")), 4).unwrap();
        merge_both(&mut a, &mut b);
        let sheets = DutySheet::all(&a);
        assert_eq!(sheets.len(), 2);
        let hers = &sheets.iter().find(|k| k.member == orlova).unwrap().sheet;
        assert_eq!((hers.class_hours_mark, hers.note.as_str()), (DutyMark::Done, "Сдать план."));
        let totals = QuarterTotals::of(&sheets, Quarter::Second);
        assert_eq!((totals.checked, totals.all_done, totals.percent()), (2, 1, 50));
        assert_eq!(totals.duties[3], [1, 0, 1], "work with children at risk: one done, one not");
        assert_eq!(QuarterTotals::every_quarter(&sheets).len(), 1);
        assert_eq!(QuarterTotals::of(&sheets, Quarter::First).checked, 0);
        // Unchanged, nothing is written; removed, it is gone.
        let heads = a.get_heads();
        DutySheet::set(&mut a, ivanova, Quarter::Second, Some(sheet("done,done,done,done,done", "")), 5).unwrap();
        assert_eq!(a.get_heads(), heads);
        DutySheet::set(&mut a, ivanova, Quarter::Second, None, 6).unwrap();
        assert_eq!(DutySheet::all(&a).len(), 1);
        assert!(YearDoc::load(&a).is_ok(), "the year's records read as before");
    }

    #[test]
    fn what_the_records_show_is_counted_for_the_quarter() {
        let school = DocumentId::random();
        let mut members = AssociationDoc::create(&school);
        let teacher =
            MemberFields { full_name: "Орлова Е. С.".into(), class_led: "7В".into(), ..Default::default() };
        let orlova = AssociationDoc::edit_member(&mut members, Edit::Add(teacher), 1).unwrap();
        let other = MemberFields { full_name: "Завуч".into(), ..Default::default() };
        AssociationDoc::edit_member(&mut members, Edit::Add(other), 1).unwrap();
        let mut y = YearDoc::create(&school, Y);
        for (day, here) in [("12.11.2026", true), ("20.12.2026", false), ("15.01.2027", true)] {
            let p = ProtocolFields {
                number: 1,
                date: Date::parse(day).unwrap(),
                attendance: [(orlova.to_string(), here)].into(),
                theme: "Заседание".into(),
                chair: None,
                secretary: None,
                invited: String::new(),
                completed: true,
            };
            YearDoc::edit_protocol(&mut y, Edit::Add(p), 2).unwrap();
        }
        for when in ["ноябрь", "декабрь", "октябрь"] {
            let v = PlanFields::blank().with("topic", "Открытый классный час").with("when", when);
            let mut row = PlanFields::validate(&v, Y).unwrap();
            row.responsible = Some(orlova);
            let id = YearDoc::edit_plan_row(&mut y, Edit::Add(row), 3).unwrap();
            if when == "ноябрь" {
                YearDoc::mark_plan_row(&mut y, id, PlanMark::full(Completion::Done, None, ""), 4).unwrap();
            }
        }
        let shown = FromRecords::of(&YearDoc::load(&y).unwrap(), orlova, Quarter::Second);
        assert_eq!(shown, FromRecords { meetings: 2, attended: 1, assigned: 2, done: 1 });
        assert_eq!((shown.meetings_label(), shown.plan_label()), ("1 из 2".to_owned(), "1 из 2".to_owned()));
        let members = AssociationDoc::load(&members).unwrap();
        assert_eq!(class_teachers(&members, &Sheets::new()), vec![orlova], "only those leading a class");
    }
}
