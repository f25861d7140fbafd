//! A member of a methodical association (член МО): the class teacher's
//! profile as the school head keeps it, and the rules a form must pass.

use std::collections::BTreeMap;
use std::fmt;

use autosurgeon::reconcile::NoKey;
use autosurgeon::{Counter, Hydrate, HydrateError, Reconcile, Reconciler};
use uuid::Uuid;

/// Education (образование), as personnel records name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Reconcile, Hydrate)]
pub enum Education {
    /// высшее педагогическое
    #[default]
    HigherPedagogical,
    /// высшее (непедагогическое)
    Higher,
    /// среднее профессиональное педагогическое
    SecondaryPedagogical,
    /// среднее профессиональное
    Secondary,
}

impl Education {
    /// Every value, in the order a form lists them.
    pub const ALL: [Education; 4] =
        [Self::HigherPedagogical, Self::Higher, Self::SecondaryPedagogical, Self::Secondary];

    /// The Russian label.
    pub fn label(self) -> &'static str {
        match self {
            Self::HigherPedagogical => "высшее педагогическое",
            Self::Higher => "высшее (непедагогическое)",
            Self::SecondaryPedagogical => "среднее профессиональное педагогическое",
            Self::Secondary => "среднее профессиональное",
        }
    }

    /// A stable key for form values.
    pub fn code(self) -> &'static str {
        match self {
            Self::HigherPedagogical => "higher_pedagogical",
            Self::Higher => "higher",
            Self::SecondaryPedagogical => "secondary_pedagogical",
            Self::Secondary => "secondary",
        }
    }

    /// The value with this [`Education::code`].
    pub fn from_code(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == key)
    }
}

/// Qualification category (квалификационная категория).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Reconcile, Hydrate)]
pub enum Category {
    /// без категории
    #[default]
    None,
    /// соответствие занимаемой должности
    Conformity,
    /// первая
    First,
    /// высшая
    Highest,
    /// педагог-методист
    Methodologist,
    /// педагог-наставник
    Mentor,
}

impl Category {
    /// Every value, in the order a form lists them.
    pub const ALL: [Category; 6] =
        [Self::None, Self::Conformity, Self::First, Self::Highest, Self::Methodologist, Self::Mentor];

    /// The Russian label.
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "без категории",
            Self::Conformity => "соответствие занимаемой должности",
            Self::First => "первая",
            Self::Highest => "высшая",
            Self::Methodologist => "педагог-методист",
            Self::Mentor => "педагог-наставник",
        }
    }

    /// A stable key for form values.
    pub fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Conformity => "conformity",
            Self::First => "first",
            Self::Highest => "highest",
            Self::Methodologist => "methodologist",
            Self::Mentor => "mentor",
        }
    }

    /// The value with this [`Category::code`].
    pub fn from_code(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == key)
    }
}

/// How many times a record was edited: an automerge counter, so concurrent
/// edits add up instead of overwriting each other.
#[derive(Clone, Default)]
pub struct Revision(Counter);

impl Revision {
    /// The current count.
    pub fn value(&self) -> i64 {
        self.0.value()
    }

    fn bump(&mut self) {
        self.0.increment(1);
    }
}

impl PartialEq for Revision {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

impl fmt::Debug for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Revision({})", self.value())
    }
}

impl Reconcile for Revision {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, reconciler: R) -> Result<(), R::Error> {
        self.0.reconcile(reconciler)
    }
}

impl Hydrate for Revision {
    fn hydrate_counter(c: i64) -> Result<Self, HydrateError> {
        Ok(Self(Counter::hydrate_counter(c)?))
    }
}

/// The fields of a member a person fills in, already checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberFields {
    /// ФИО
    pub full_name: String,
    /// должность
    pub position: String,
    /// класс, e.g. «7Б»; empty when the member leads no class
    pub class_led: String,
    /// образование
    pub education: Education,
    /// квалификационная категория
    pub category: Category,
    /// педагогический стаж, full years
    pub experience_years: u32,
}

/// A member of the association as stored in the association document.
///
/// A removed member stays in the list with a note of the revision it was
/// removed at: an edit made concurrently with the removal raises the revision
/// past it and brings the member back, so neither person's work vanishes
/// without a trace and every device shows the same list.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate)]
pub struct Member {
    /// Stable identity; list merges match members by it.
    #[key]
    pub id: Uuid,
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
    /// стаж, full years
    #[autosurgeon(hydrate = "crate::lenient::whole")]
    pub experience_years: u32,
    /// Edits so far.
    #[autosurgeon(missing = "Default::default")]
    pub revision: Revision,
    /// The revisions at which people removed this member.
    #[autosurgeon(missing = "Default::default")]
    pub removals: Vec<i64>,
}

impl Member {
    /// A new member with these fields.
    pub fn new(id: Uuid, fields: MemberFields) -> Self {
        let mut m = Self {
            id,
            full_name: String::new(),
            position: String::new(),
            class_led: String::new(),
            education: Education::default(),
            category: Category::default(),
            experience_years: 0,
            revision: Revision::default(),
            removals: Vec::new(),
        };
        m.set_fields(fields);
        m
    }

    /// The editable fields.
    pub fn fields(&self) -> MemberFields {
        MemberFields {
            full_name: self.full_name.clone(),
            position: self.position.clone(),
            class_led: self.class_led.clone(),
            education: self.education,
            category: self.category,
            experience_years: self.experience_years,
        }
    }

    /// Replaces the editable fields; returns whether anything changed.
    pub fn update(&mut self, fields: MemberFields) -> bool {
        if self.fields() == fields {
            return false;
        }
        self.set_fields(fields);
        self.revision.bump();
        true
    }

    fn set_fields(&mut self, f: MemberFields) {
        self.full_name = f.full_name;
        self.position = f.position;
        self.class_led = f.class_led;
        self.education = f.education;
        self.category = f.category;
        self.experience_years = f.experience_years;
    }

    /// Marks the member removed as of its current revision.
    pub fn remove(&mut self) {
        if self.is_active() {
            self.removals.push(self.revision.value());
        }
    }

    /// Whether the member is on the list: never removed, or edited since the
    /// latest removal (by someone who had not seen it).
    pub fn is_active(&self) -> bool {
        self.removals.iter().max().is_none_or(|&at| self.revision.value() > at)
    }
}

/// A form field of a member, for placing validation messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// ФИО
    FullName,
    /// должность
    Position,
    /// класс
    ClassLed,
    /// образование
    Education,
    /// категория
    Category,
    /// стаж
    Experience,
}

/// Validation messages in Russian, one per field at most.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationErrors(BTreeMap<Field, &'static str>);

impl ValidationErrors {
    /// The message for `field`, if it failed.
    pub fn get(&self, field: Field) -> Option<&'static str> {
        self.0.get(&field).copied()
    }

    /// Whether every field passed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn add(&mut self, field: Field, message: &'static str) {
        self.0.entry(field).or_insert(message);
    }
}

/// What a member form holds: text as typed, not yet checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberDraft {
    /// ФИО as typed.
    pub full_name: String,
    /// должность as typed.
    pub position: String,
    /// класс as typed.
    pub class_led: String,
    /// An [`Education::code`].
    pub education: String,
    /// A [`Category::code`].
    pub category: String,
    /// стаж as typed.
    pub experience_years: String,
}

/// The most years of experience a form accepts.
pub const MAX_EXPERIENCE_YEARS: u32 = 60;
const MAX_TEXT_CHARS: usize = 150;

impl MemberDraft {
    /// A form filled with a member's current fields.
    pub fn from_fields(f: &MemberFields) -> Self {
        Self {
            full_name: f.full_name.clone(),
            position: f.position.clone(),
            class_led: f.class_led.clone(),
            education: f.education.code().to_owned(),
            category: f.category.code().to_owned(),
            experience_years: f.experience_years.to_string(),
        }
    }

    /// Checks the form and returns the fields, normalised, or every message.
    pub fn validate(&self) -> Result<MemberFields, ValidationErrors> {
        let mut errors = ValidationErrors::default();

        let full_name = collapse_spaces(&self.full_name);
        if full_name.is_empty() {
            errors.add(Field::FullName, "Укажите ФИО");
        } else if full_name.chars().count() > MAX_TEXT_CHARS {
            errors.add(Field::FullName, "ФИО слишком длинное (не больше 150 знаков)");
        } else if !full_name.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '.' | '\'')) {
            errors.add(Field::FullName, "ФИО может содержать только буквы, пробелы, дефис и точку");
        } else if full_name.split(' ').count() < 2 {
            errors.add(Field::FullName, "Укажите фамилию и имя (и отчество, если есть)");
        }

        let position = collapse_spaces(&self.position);
        if position.is_empty() {
            errors.add(Field::Position, "Укажите должность");
        } else if position.chars().count() > MAX_TEXT_CHARS {
            errors.add(Field::Position, "Должность слишком длинная (не больше 150 знаков)");
        }

        let class_led = normalize_class(&self.class_led);
        if class_led.as_deref().is_none() {
            errors.add(Field::ClassLed, "Класс указывается номером от 1 до 11 и буквой, например «7Б»");
        }

        let education = Education::from_code(&self.education);
        if education.is_none() {
            errors.add(Field::Education, "Выберите образование из списка");
        }
        let category = Category::from_code(&self.category);
        if category.is_none() {
            errors.add(Field::Category, "Выберите категорию из списка");
        }

        let experience = self.experience_years.trim();
        let experience_years = if experience.is_empty() {
            errors.add(Field::Experience, "Укажите стаж (полных лет)");
            None
        } else {
            match experience.parse::<u32>() {
                Ok(y) if y <= MAX_EXPERIENCE_YEARS => Some(y),
                Ok(_) => {
                    errors.add(Field::Experience, "Стаж не может быть больше 60 лет");
                    None
                }
                Err(_) => {
                    errors.add(Field::Experience, "Стаж — целое число полных лет, например 12");
                    None
                }
            }
        };

        match (class_led, education, category, experience_years) {
            (Some(class_led), Some(education), Some(category), Some(experience_years)) if errors.is_empty() => {
                Ok(MemberFields { full_name, position, class_led, education, category, experience_years })
            }
            _ => Err(errors),
        }
    }
}

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Normalises a class such as « 7 б » or «7-Б» to «7Б»; `Some("")` when
/// empty, `None` when it is not a class of a Russian school (1–11 and an
/// optional Cyrillic letter).
fn normalize_class(s: &str) -> Option<String> {
    let compact: String = s.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_uppercase();
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

    fn draft() -> MemberDraft {
        MemberDraft {
            full_name: "  Иванова   Мария Петровна ".into(),
            position: "учитель начальных классов".into(),
            class_led: "3 а".into(),
            education: "higher_pedagogical".into(),
            category: "first".into(),
            experience_years: "12".into(),
        }
    }

    #[test]
    fn a_filled_form_is_normalised() {
        let f = draft().validate().unwrap();
        assert_eq!(f.full_name, "Иванова Мария Петровна");
        assert_eq!(f.class_led, "3А");
        assert_eq!(f.category, Category::First);
        assert_eq!(f.experience_years, 12);
    }

    #[test]
    fn an_empty_form_names_every_required_field_in_russian() {
        let e = MemberDraft::default().validate().unwrap_err();
        assert_eq!(e.get(Field::FullName), Some("Укажите ФИО"));
        assert_eq!(e.get(Field::Position), Some("Укажите должность"));
        assert_eq!(e.get(Field::Experience), Some("Укажите стаж (полных лет)"));
        assert_eq!(e.get(Field::ClassLed), None, "a class is optional");
    }

    #[test]
    fn a_class_outside_one_to_eleven_or_with_a_latin_letter_is_refused() {
        for bad in ["12А", "0Б", "7B", "7АБ", "А7", "07А"] {
            let d = MemberDraft { class_led: bad.into(), ..draft() };
            assert!(d.validate().unwrap_err().get(Field::ClassLed).is_some(), "{bad}");
        }
        for (good, norm) in [("11", "11"), ("7-б", "7Б"), ("10 ё", "10Ё"), ("", "")] {
            let d = MemberDraft { class_led: good.into(), ..draft() };
            assert_eq!(d.validate().unwrap().class_led, norm);
        }
    }

    #[test]
    fn experience_must_be_whole_years_up_to_sixty() {
        for (bad, msg) in [
            ("-1", "Стаж — целое число полных лет, например 12"),
            ("2.5", "Стаж — целое число полных лет, например 12"),
            ("61", "Стаж не может быть больше 60 лет"),
        ] {
            let d = MemberDraft { experience_years: bad.into(), ..draft() };
            assert_eq!(d.validate().unwrap_err().get(Field::Experience), Some(msg));
        }
    }

    #[test]
    fn a_name_of_one_word_or_with_digits_is_refused() {
        let d = MemberDraft { full_name: "Иванова".into(), ..draft() };
        assert!(d.validate().unwrap_err().get(Field::FullName).is_some());
        let d = MemberDraft { full_name: "Иванова 2".into(), ..draft() };
        assert!(d.validate().unwrap_err().get(Field::FullName).is_some());
    }

    #[test]
    fn a_removed_member_is_inactive_until_edited_again() {
        let mut m = Member::new(Uuid::new_v4(), draft().validate().unwrap());
        assert!(m.is_active());
        m.remove();
        assert!(!m.is_active());
        let mut f = m.fields();
        f.position = "педагог-организатор".into();
        assert!(m.update(f.clone()));
        assert!(m.is_active());
        assert!(!m.update(f), "saving unchanged fields is not an edit");
    }
}
