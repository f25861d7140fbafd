//! Calendar dates as Russian school paperwork writes them (ДД.ММ.ГГГГ) and
//! academic years (учебный год 2026/2027, 1 September to 31 August).
//!
//! Documents store a date as ISO text (`2026-10-15`), which every automerge
//! program reads; the domain never reads a clock: callers pass today in.

use serde::{Deserialize, Serialize};
use std::fmt;

use autosurgeon::reconcile::NoKey;
use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};

/// A day of the Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

/// Month names in the nominative, as a plan's «срок» column writes them.
const MONTHS: [&str; 12] = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
];

/// The month a word names, in any case («ноябрь», «ноября», «ноябре»,
/// «Ноя»), from 1.
pub fn month_number(word: &str) -> Option<u8> {
    // Only the three letters compared are lowered: the import asks this of
    // words of a whole document.
    let head: String = word.chars().take(3).collect();
    if head.chars().count() < 3 {
        return None;
    }
    let lower = crate::text::lower(&head);
    let found = MONTHS.iter().position(|m| m.chars().take(3).collect::<String>() == lower);
    // «мая» is May's genitive.
    found.or_else(|| (lower == "мая").then_some(4)).map(|i| i as u8 + 1)
}

impl Date {
    /// The date, if it exists.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Self> {
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month) && (1900..=2200).contains(&year))
            .then_some(Self { year, month, day })
    }

    /// The date `days_since_epoch` days after 1970-01-01.
    pub fn from_days(days: i64) -> Self {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// The date of a moment given in milliseconds since the epoch (UTC).
    pub fn from_unix_ms(ms: i64) -> Self {
        Self::from_days(ms.div_euclid(86_400_000))
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// This date moved by `n` days.
    pub fn plus_days(self, n: i64) -> Self {
        Self::from_days(self.days() + n)
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// `2026-10-15`, as documents store it.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// Reads `ДД.ММ.ГГГГ` (also `Д.М.ГГГГ`) or ISO `ГГГГ-ММ-ДД`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let parts: Vec<&str> = if s.contains('.') { s.split('.').collect() } else { s.split('-').collect() };
        let [a, b, c] = parts.as_slice() else { return None };
        let num = |p: &str| p.chars().all(|c| c.is_ascii_digit()).then(|| p.parse::<i32>().ok()).flatten();
        let (year, month, day) =
            if s.contains('.') { (num(c)?, num(b)?, num(a)?) } else { (num(a)?, num(b)?, num(c)?) };
        if !(1000..=9999).contains(&year) {
            return None;
        }
        Self::new(year, u8::try_from(month).ok()?, u8::try_from(day).ok()?)
    }

    /// The last day of `month` in `year`.
    pub fn end_of_month(year: i32, month: u8) -> Option<Self> {
        Self::new(year, month, days_in_month(year, month))
    }
}

/// `15.10.2026`.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}.{:02}.{:04}", self.day, self.month, self.year)
    }
}

impl Reconcile for Date {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, reconciler: R) -> Result<(), R::Error> {
        self.iso().reconcile(reconciler)
    }
}

impl Hydrate for Date {
    fn hydrate_string(s: &'_ str) -> Result<Self, HydrateError> {
        Self::parse(s).ok_or_else(|| HydrateError::unexpected("a date as YYYY-MM-DD", s.to_owned()))
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// The Russian name of a month (1–12) in the nominative, «октябрь».
pub fn month_name(month: u8) -> &'static str {
    MONTHS.get(usize::from(month.saturating_sub(1))).copied().unwrap_or("")
}

/// An academic year, named by the calendar year it starts in: `2026` is
/// 2026/2027, from 1 September 2026 to 31 August 2027.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AcademicYear(pub i32);

impl AcademicYear {
    /// The academic year that `date` falls in.
    pub fn of(date: Date) -> Self {
        Self(if date.month >= 9 { date.year } else { date.year - 1 })
    }

    /// 1 September.
    pub fn first_day(self) -> Date {
        Date { year: self.0, month: 9, day: 1 }
    }

    /// 31 August of the next year.
    pub fn last_day(self) -> Date {
        Date { year: self.0 + 1, month: 8, day: 31 }
    }

    /// Whether `date` falls within the year.
    pub fn contains(self, date: Date) -> bool {
        self.first_day() <= date && date <= self.last_day()
    }

    /// The calendar year in which `month` of this academic year falls.
    pub fn calendar_year_of(self, month: u8) -> i32 {
        if month >= 9 { self.0 } else { self.0 + 1 }
    }

    /// Reads «2026/2027», «2026/27» or «2026».
    pub fn parse(s: &str) -> Option<Self> {
        let first = s.trim().split('/').next()?.trim();
        let year: i32 = first.parse().ok()?;
        (1990..=2200).contains(&year).then_some(Self(year))
    }

    /// «с 01.09.2026 по 31.08.2027».
    pub fn span(self) -> String {
        format!("с {} по {}", self.first_day(), self.last_day())
    }
}

/// «2026/2027».
impl fmt::Display for AcademicYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.0, self.0 + 1)
    }
}

/// When a plan row is due: a day, or a whole month («октябрь»), in which
/// case it is due by the month's last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum When {
    /// A particular day.
    Day(Date),
    /// Some time in the month of this date (the month's last day).
    Month(Date),
}

impl When {
    /// Reads a date (ДД.ММ.ГГГГ) or a month name within `year`; the error
    /// is the message for the form.
    pub fn parse(s: &str, year: AcademicYear) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("Укажите срок: дату (ДД.ММ.ГГГГ) или месяц".into());
        }
        let lower = crate::text::lower(s);
        let word = lower.split_whitespace().next().unwrap_or_default();
        if let Some(i) = MONTHS.iter().position(|m| word.starts_with(&m[..m.len().min(6)])) {
            let month = (i + 1) as u8;
            let end = Date::end_of_month(year.calendar_year_of(month), month).ok_or("Неверный месяц")?;
            return Ok(Self::Month(end));
        }
        let date = Date::parse(s).ok_or("Дата записывается как ДД.ММ.ГГГГ, например 15.10.2026, или месяцем")?;
        if !year.contains(date) {
            return Err(format!("Дата вне {year} учебного года ({})", year.span()));
        }
        Ok(Self::Day(date))
    }

    /// The day by which it is due.
    pub fn due(self) -> Date {
        match self {
            Self::Day(d) | Self::Month(d) => d,
        }
    }

    /// Reads it as documents store it (see the [`Reconcile`] below).
    pub fn from_stored(s: &str) -> Option<Self> {
        if let Some(d) = Date::parse(s) {
            return Some(Self::Day(d));
        }
        let (y, m) = s.split_once('-')?;
        Date::end_of_month(y.parse().ok()?, m.parse().ok()?).map(Self::Month)
    }

    /// «15.10.2026» or «октябрь».
    pub fn label(self) -> String {
        match self {
            Self::Day(d) => d.to_string(),
            Self::Month(d) => month_name(d.month).to_owned(),
        }
    }
}

/// Stored as text: `2026-10-15` for a day, `2026-10` for a month.
impl Reconcile for When {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, reconciler: R) -> Result<(), R::Error> {
        match self {
            Self::Day(d) => d.iso().reconcile(reconciler),
            Self::Month(d) => format!("{:04}-{:02}", d.year, d.month).reconcile(reconciler),
        }
    }
}

impl Hydrate for When {
    fn hydrate_string(s: &'_ str) -> Result<Self, HydrateError> {
        Self::from_stored(s).ok_or_else(|| HydrateError::unexpected("a date YYYY-MM-DD or month YYYY-MM", s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_across_centuries_and_leap_years() {
        for days in (-30_000..80_000).step_by(7) {
            assert_eq!(Date::from_days(days).days(), days);
        }
        assert_eq!(Date::from_days(0), Date::new(1970, 1, 1).unwrap());
        assert_eq!(Date::new(2028, 2, 28).unwrap().plus_days(1), Date::new(2028, 2, 29).unwrap());
        assert_eq!(Date::new(2027, 2, 28).unwrap().plus_days(1), Date::new(2027, 3, 1).unwrap());
    }

    #[test]
    fn dates_read_russian_and_iso_and_refuse_nonsense() {
        let d = Date::new(2026, 10, 5).unwrap();
        assert_eq!(Date::parse("05.10.2026"), Some(d));
        assert_eq!(Date::parse(" 5.10.2026 "), Some(d));
        assert_eq!(Date::parse("2026-10-05"), Some(d));
        assert_eq!(d.to_string(), "05.10.2026");
        for bad in ["31.02.2027", "5.10.26", "05/10/2026", "", "aa.bb.cccc", "00.10.2026"] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_academic_year_runs_from_september_to_august() {
        let y = AcademicYear(2026);
        assert_eq!(y.to_string(), "2026/2027");
        assert_eq!(AcademicYear::of(Date::new(2026, 9, 1).unwrap()), y);
        assert_eq!(AcademicYear::of(Date::new(2027, 8, 31).unwrap()), y);
        assert_eq!(AcademicYear::of(Date::new(2026, 8, 31).unwrap()), AcademicYear(2025));
        assert_eq!(AcademicYear::parse("2026/2027"), Some(y));
    }

    #[test]
    fn a_plan_deadline_is_a_day_or_a_month_within_the_year() {
        let y = AcademicYear(2026);
        assert_eq!(When::parse("октябрь", y).unwrap(), When::Month(Date::new(2026, 10, 31).unwrap()));
        assert_eq!(When::parse("Февраль", y).unwrap().due(), Date::new(2027, 2, 28).unwrap());
        assert_eq!(When::parse("15.10.2026", y).unwrap(), When::Day(Date::new(2026, 10, 15).unwrap()));
        assert_eq!(
            When::parse("15.10.2025", y).unwrap_err(),
            "Дата вне 2026/2027 учебного года (с 01.09.2026 по 31.08.2027)"
        );
        assert!(When::parse("", y).is_err());
        assert_eq!(When::parse("октябрь", y).unwrap().label(), "октябрь");
    }
}
