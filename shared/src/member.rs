//! A member of a methodical association (член МО): the class teacher's
//! profile as the school head keeps it, and the rules a form must pass.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::{AcademicYear, Date};
use crate::fields::Spec;
use crate::form::{FieldErrors, Values};
use crate::record::Life;

crate::choices! {
    /// Education (образование), as personnel records name it.
    pub enum Education {
        HigherPedagogical = ("higher_pedagogical", "высшее педагогическое"),
        Higher = ("higher", "высшее (непедагогическое)"),
        SecondaryPedagogical = ("secondary_pedagogical", "среднее профессиональное педагогическое"),
        Secondary = ("secondary", "среднее профессиональное"),
    }
}

crate::choices! {
    /// Qualification category (квалификационная категория).
    pub enum Category {
        None = ("none", "без категории"),
        Conformity = ("conformity", "соответствие занимаемой должности"),
        First = ("first", "первая"),
        Highest = ("highest", "высшая"),
        Methodologist = ("methodologist", "педагог-методист"),
        Mentor = ("mentor", "педагог-наставник"),
    }
}

crate::form! {
    /// The fields of a member a person fills in, already checked.
    #[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub struct MemberFields {
        /// ФИО
        full_name: String = Spec::text("ФИО").required("Укажите ФИО").max(MAX_TEXT_CHARS).check_with(full_name_rule),
        /// должность
        position: String = Spec::text("Должность").required("Укажите должность").max(MAX_TEXT_CHARS),
        /// класс, e.g. «7Б»; empty when the member leads no class
        class_led: String = Spec::text("Класс (например, 7Б)").parse(|raw| {
            normalize_class(raw).ok_or_else(|| "Класс указывается номером от 1 до 11 и буквой, например «7Б»".to_owned())
        }),
        /// образование
        education: Education = Spec::select("Образование"),
        /// квалификационная категория
        category: Category = Spec::select("Квалификационная категория"),
        /// the day the category was assigned
        category_since: Option<Date> = Spec::date("Категория присвоена"),
        /// the day it runs out («до»)
        category_until: Option<Date> = Spec::date("Категория действует до"),
        /// педагогический стаж, full years
        experience_years: u32 = Spec::text("Педагогический стаж, лет")
            .required("Укажите стаж (полных лет)")
            .parse(experience),
        /// year of the last qualification course (курсы повышения квалификации)
        course_year: Option<u32> = Spec::text("Курсы повышения квалификации: год").range(1970..=2100),
        /// its topic
        course_topic: String = Spec::text("Тема курсов"),
        /// its hours
        course_hours: Option<u32> = Spec::text("Курсы: часов").range(1..=2000),
        /// тема самообразования
        self_education: String = Spec::text("Тема самообразования"),
        /// молодой специалист
        young_specialist: bool = Spec::check("Молодой специалист"),
        /// наставник: another member
        mentor: Option<Uuid> = Spec::member("Наставник"),
    }
}

/// A member of the association as stored in the association document.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Member {
    /// Stable identity; list merges match members by it.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    #[autosurgeon(missing = "Default::default")]
    pub life: Life,
    /// ФИО
    #[autosurgeon(hydrate = "crate::lenient::text")]
    pub full_name: String,
    /// должность
    #[autosurgeon(hydrate = "crate::lenient::text")]
    pub position: String,
    /// класс
    #[autosurgeon(hydrate = "crate::lenient::text")]
    pub class_led: String,
    /// образование
    pub education: Education,
    /// квалификационная категория
    pub category: Category,
    /// the day the category was assigned
    #[autosurgeon(missing = "Default::default")]
    pub category_since: Option<Date>,
    /// the day it runs out
    #[autosurgeon(missing = "Default::default")]
    pub category_until: Option<Date>,
    /// стаж, full years
    #[autosurgeon(hydrate = "crate::lenient::whole")]
    pub experience_years: u32,
    /// The academic year (by its first calendar year) the стаж is counted
    /// for: the year it was typed in, or one it was counted forward to.
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub experience_year: Option<u32>,
    /// year of the last qualification course
    #[autosurgeon(missing = "Default::default")]
    pub course_year: Option<u32>,
    /// its topic
    #[autosurgeon(missing = "Default::default")]
    pub course_topic: String,
    /// its hours
    #[autosurgeon(missing = "Default::default")]
    pub course_hours: Option<u32>,
    /// тема самообразования
    #[autosurgeon(missing = "Default::default")]
    pub self_education: String,
    /// молодой специалист
    #[autosurgeon(missing = "Default::default")]
    pub young_specialist: bool,
    /// наставник
    #[autosurgeon(missing = "Default::default")]
    pub mentor: Option<Uuid>,
    /// The day the member was added to the list (none: before the app kept it).
    #[autosurgeon(missing = "Default::default")]
    pub joined: Option<Date>,
    /// The day the member was last removed from the list.
    #[autosurgeon(missing = "Default::default")]
    pub left: Option<Date>,
}

crate::record!(
    Member,
    MemberFields {
        full_name,
        position,
        class_led,
        education,
        category,
        category_since,
        category_until,
        experience_years,
        course_year,
        course_topic,
        course_hours,
        self_education,
        young_specialist,
        mentor,
    },
    rest: { joined, left, experience_year }
);

/// How long before a category runs out the list starts warning.
pub const CATEGORY_WARNING_DAYS: i64 = 180;
/// Courses are due again after this many years.
pub const COURSE_INTERVAL_YEARS: i32 = 3;

/// Whether courses last taken in `course_year` (none recorded: `None`) are
/// more than [`COURSE_INTERVAL_YEARS`] behind `today`.
pub fn courses_overdue(course_year: Option<u32>, today: Date) -> bool {
    course_year.is_none_or(|y| today.year() - y as i32 > COURSE_INTERVAL_YEARS)
}

impl Member {
    /// The стаж in `year`: fewer years for a year before the one it is
    /// counted for.
    pub fn experience_in(&self, year: AcademicYear) -> u32 {
        let asked = year.0.unsigned_abs();
        match self.experience_year {
            Some(counted) if counted > asked => self.experience_years.saturating_sub(counted - asked),
            _ => self.experience_years,
        }
    }

    /// Whether the member was on the list on `day`: added by then (or
    /// before the app kept the day), and on it still or removed after it.
    pub fn on_list(&self, day: Date) -> bool {
        self.joined.is_none_or(|j| j <= day) && (self.life.is_active() || self.left.is_some_and(|l| l > day))
    }

    /// Warnings for the head, as of `today`: a category running out, courses
    /// overdue, and (for the association's head) the requirements of the post.
    pub fn flags(&self, today: Date, is_head: bool) -> Vec<String> {
        let mut flags = Vec::new();
        if let Some(until) = self.category_until {
            if until < today {
                flags.push(format!("категория истекла {until}"));
            } else if until.days() - today.days() <= CATEGORY_WARNING_DAYS {
                flags.push(format!("категория истекает {until}"));
            }
        }
        match self.course_year {
            None => flags.push("нет сведений о курсах повышения квалификации".into()),
            Some(year) if courses_overdue(Some(year), today) => {
                flags.push(format!("курсы повышения квалификации более 3 лет назад ({year})"));
            }
            Some(_) => {}
        }
        if is_head && !meets_head_requirements(self) {
            flags.push("руководителю МО нужны высшее педагогическое образование и стаж не менее 5 лет".into());
        }
        flags
    }
}

/// Higher pedagogical education and at least five years of experience: what
/// the regulations ask of an association's head.
pub fn meets_head_requirements(m: &Member) -> bool {
    m.education == Education::HigherPedagogical && m.experience_years >= 5
}

/// The most years of experience a form accepts.
pub const MAX_EXPERIENCE_YEARS: u32 = 60;
const MAX_TEXT_CHARS: usize = 150;

impl MemberFields {
    /// An empty form with the usual choices preselected.
    pub fn blank() -> Values {
        Self::default().to_values().with("experience_years", "")
    }

    /// Checks a member form and returns the fields, normalised, or every message.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let (fields, mut e) = Self::read(v, None);
        if let (Some(since), Some(until)) = (fields.category_since, fields.category_until)
            && until <= since
        {
            e.add("category_until", "Срок действия категории должен быть позже даты присвоения");
        }
        if fields.category == Category::None && (fields.category_since.is_some() || fields.category_until.is_some()) {
            e.add("category", "Выберите категорию или сотрите её даты");
        }
        if fields.course_year.is_none()
            && (!fields.course_topic.is_empty() || fields.course_hours.is_some())
            && e.get("course_year").is_none()
        {
            e.add("course_year", "Укажите год курсов");
        }
        e.result(|| fields)
    }
}

/// ФИО: letters, spaces, hyphens and dots, at least two words.
#[allow(clippy::ptr_arg, reason = "a row's rule takes the row's type")]
fn full_name_rule(name: &String) -> Result<(), &'static str> {
    if !name.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '.' | '\'')) {
        Err("ФИО может содержать только буквы, пробелы, дефис и точку")
    } else if name.split(' ').count() < 2 {
        Err("Укажите фамилию и имя (и отчество, если есть)")
    } else {
        Ok(())
    }
}

/// Стаж: whole years, at most [`MAX_EXPERIENCE_YEARS`].
fn experience(raw: &str) -> Result<u32, String> {
    match raw.trim().parse::<u32>() {
        Ok(y) if y <= MAX_EXPERIENCE_YEARS => Ok(y),
        Ok(_) => Err("Стаж не может быть больше 60 лет".into()),
        Err(_) => Err("Стаж — целое число полных лет, например 12".into()),
    }
}

/// Normalises a class such as « 7 б » or «7-Б» to «7Б»; `Some("")` when
/// empty, `None` when it is not a class of a Russian school (1–11 and an
/// optional Cyrillic letter).
fn normalize_class(s: &str) -> Option<String> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>();
    let compact = crate::text::upper(&compact);
    if compact.is_empty() {
        return Some(String::new());
    }
    let digits: String = compact.chars().take_while(char::is_ascii_digit).collect();
    let rest: Vec<char> = compact.chars().skip(digits.len()).collect();
    let number: u32 = digits.parse().ok()?;
    if !(1..=11).contains(&number) || digits.starts_with('0') {
        return None;
    }
    match rest.as_slice() {
        [] => Some(number.to_string()),
        [letter] if ('А'..='Я').contains(letter) || *letter == 'Ё' => Some(format!("{number}{letter}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    fn draft() -> Values {
        MemberFields::blank()
            .with("full_name", "  Иванова   Мария Петровна ")
            .with("position", "учитель начальных классов")
            .with("class_led", "3 а")
            .with("category", "first")
            .with("experience_years", "12")
    }

    #[test]
    fn a_filled_form_is_normalised() {
        let f = MemberFields::validate(&draft()).unwrap();
        assert_eq!(f.full_name, "Иванова Мария Петровна");
        assert_eq!(f.class_led, "3А");
        assert_eq!(f.category, Category::First);
        assert_eq!(f.experience_years, 12);
        assert_eq!(MemberFields::validate(&f.to_values()).unwrap(), f, "a form of the fields reads back the same");
    }

    #[test]
    fn an_empty_form_names_every_required_field_in_russian() {
        let e = MemberFields::validate(&MemberFields::blank()).unwrap_err();
        assert_eq!(e.get("full_name"), Some("Укажите ФИО"));
        assert_eq!(e.get("position"), Some("Укажите должность"));
        assert_eq!(e.get("experience_years"), Some("Укажите стаж (полных лет)"));
        assert_eq!(e.get("class_led"), None, "a class is optional");
    }

    #[test]
    fn a_class_outside_one_to_eleven_or_with_a_latin_letter_is_refused() {
        for bad in ["12А", "0Б", "7B", "7АБ", "А7", "07А"] {
            let e = MemberFields::validate(&draft().with("class_led", bad)).unwrap_err();
            assert!(e.get("class_led").is_some(), "{bad}");
        }
        for (good, norm) in [("11", "11"), ("7-б", "7Б"), ("10 ё", "10Ё"), ("", "")] {
            assert_eq!(MemberFields::validate(&draft().with("class_led", good)).unwrap().class_led, norm);
        }
    }

    #[test]
    fn experience_must_be_whole_years_up_to_sixty() {
        for (bad, msg) in [
            ("-1", "Стаж — целое число полных лет, например 12"),
            ("2.5", "Стаж — целое число полных лет, например 12"),
            ("61", "Стаж не может быть больше 60 лет"),
        ] {
            let e = MemberFields::validate(&draft().with("experience_years", bad)).unwrap_err();
            assert_eq!(e.get("experience_years"), Some(msg));
        }
    }

    #[test]
    fn a_name_of_one_word_or_with_digits_is_refused() {
        assert!(MemberFields::validate(&draft().with("full_name", "Иванова")).unwrap_err().get("full_name").is_some());
        assert!(
            MemberFields::validate(&draft().with("full_name", "Иванова 2")).unwrap_err().get("full_name").is_some()
        );
    }

    #[test]
    fn category_dates_must_be_in_order_and_belong_to_a_category() {
        let e =
            MemberFields::validate(&draft().with("category_since", "01.03.2025").with("category_until", "01.03.2024"))
                .unwrap_err();
        assert_eq!(e.get("category_until"), Some("Срок действия категории должен быть позже даты присвоения"));
        let e =
            MemberFields::validate(&draft().with("category", "none").with("category_since", "01.03.2025")).unwrap_err();
        assert!(e.get("category").is_some());
    }

    #[test]
    fn flags_warn_of_expiring_categories_old_courses_and_an_unqualified_head() {
        let today = Date::new(2026, 11, 22).unwrap();
        let fields = MemberFields::validate(
            &draft()
                .with("category_since", "20.03.2022")
                .with("category_until", "20.03.2027")
                .with("course_year", "2022")
                .with("experience_years", "3"),
        )
        .unwrap();
        let m = Member::new(Uuid::new_v4(), fields.clone());
        assert_eq!(
            m.flags(today, true),
            [
                "категория истекает 20.03.2027",
                "курсы повышения квалификации более 3 лет назад (2022)",
                "руководителю МО нужны высшее педагогическое образование и стаж не менее 5 лет",
            ]
        );
        let fresh = MemberFields { course_year: Some(2025), experience_years: 7, category_until: None, ..fields };
        assert!(Member::new(Uuid::new_v4(), fresh).flags(today, true).is_empty());
    }

    #[test]
    fn a_removed_member_is_inactive_until_edited_again() {
        let mut m = Member::new(Uuid::new_v4(), MemberFields::validate(&draft()).unwrap());
        assert!(m.is_active());
        m.life.remove();
        assert!(!m.is_active());
        let mut f = m.fields();
        f.position = "педагог-организатор".into();
        assert!(m.update(f.clone()));
        assert!(m.is_active());
        assert!(!m.update(f), "saving unchanged fields is not an edit");
    }
}
