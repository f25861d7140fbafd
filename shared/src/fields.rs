//! One typed table of fields per record kind. Each row names a field of the
//! record's checked fields, its Rust type, and a [`Spec`]: its label, how
//! it is typed in, and its rules. The [`form!`](crate::form) macro derives
//! from that table the checked-fields struct, the form the page draws
//! ([`Field`]s), the values a form opens with, and the reading of what was
//! typed. A record's `validate` adds only the rules that join fields.
//!
//! So adding a field to a record touches its record file and its printed
//! form, and nothing in the app.

use std::marker::PhantomData;
use std::ops::RangeInclusive;
use std::sync::Arc;

use uuid::Uuid;

use crate::date::{AcademicYear, Date, When};
use crate::form::{FieldErrors, Values};

/// What kind of input a field is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// One line of text.
    Text,
    /// Several lines.
    Area,
    /// A date as ДД.ММ.ГГГГ.
    Date,
    /// A choice among (code, label) pairs.
    Select(Vec<(String, String)>),
    /// A tick.
    Check,
    /// A member of the association, or nobody.
    Member,
    /// Several of these options ticked, each its own field (`{name}-1`, …).
    Checks(Vec<String>),
}

/// A field of a form, as the page draws it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The key of its value in [`Values`] and of its message.
    pub name: Arc<str>,
    /// What the form says beside it.
    pub label: Arc<str>,
    /// How it is typed in.
    pub input: Input,
    /// A placeholder.
    pub hint: &'static str,
    /// A choice's label by the name a document stores it under, for
    /// «История».
    pub stored: StoredLabel,
}

/// Reads a choice's label from the variant name a document stores (none
/// for a field that is not a choice). Fields compare equal whatever it is.
#[derive(Clone, Copy)]
pub struct StoredLabel(pub fn(&str) -> Option<&'static str>);

impl StoredLabel {
    /// The label of `stored`, if the field is a choice that has it.
    pub fn of(self, stored: &str) -> Option<&'static str> {
        (self.0)(stored)
    }
}

impl Default for StoredLabel {
    fn default() -> Self {
        Self(|_| None)
    }
}

impl PartialEq for StoredLabel {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for StoredLabel {}

impl std::fmt::Debug for StoredLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredLabel")
    }
}

impl Field {
    /// A field of `input`, with no placeholder (a date's is ДД.ММ.ГГГГ).
    pub fn new(name: impl Into<Arc<str>>, label: impl Into<Arc<str>>, input: Input) -> Self {
        let hint = if input == Input::Date { DATE_HINT } else { "" };
        Self { name: name.into(), label: label.into(), input, hint, stored: StoredLabel::default() }
    }

    /// The same field with a placeholder.
    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }
}

const DATE_HINT: &str = "ДД.ММ.ГГГГ";
/// How long a one-line text may be unless its row says otherwise.
pub const MAX_LINE: usize = 300;

/// A value a form can hold: shown as text, and read back from what was
/// typed by its [`Spec`]'s rules.
pub trait Typed: Sized {
    /// The value as the form shows it.
    fn show(&self) -> String;
    /// The value read from `raw`; a failure is a message for the field.
    fn read(spec: &Spec<Self>, raw: &str, year: Option<AcademicYear>) -> Result<Self, String>;
    /// What a field that failed reads as (the form is refused anyway).
    fn fallback() -> Self;
    /// The (code, label) pairs a select offers, for a choice.
    fn options() -> Vec<(String, String)> {
        Vec::new()
    }
    /// A choice's label by the variant name documents store.
    fn stored_label(_stored: &str) -> Option<&'static str> {
        None
    }
}

/// Reads a field's text into its value, or says what is wrong.
pub type Parse<T> = fn(&str) -> Result<T, String>;
/// A further rule on a value read.
pub type Rule<T> = fn(&T) -> Result<(), &'static str>;

/// One row of a record's field table: how a field of type `T` is drawn and
/// what it must be.
pub struct Spec<T> {
    label: &'static str,
    input: Input,
    hint: &'static str,
    /// The message when it is left empty; `None`: it may be.
    required: Option<&'static str>,
    max: usize,
    range: RangeInclusive<u32>,
    /// A date must fall in the academic year the form is checked for.
    in_year: bool,
    /// Reads the text itself instead of the type's rule.
    parse: Option<Parse<T>>,
    /// A further rule on the value read.
    check: Option<Rule<T>>,
    ty: PhantomData<T>,
}

impl<T: Typed> Spec<T> {
    fn of(label: &'static str, input: Input) -> Self {
        Self {
            label,
            input,
            hint: "",
            required: None,
            max: MAX_LINE,
            range: 0..=u32::MAX,
            in_year: false,
            parse: None,
            check: None,
            ty: PhantomData,
        }
    }

    /// One line of text (a number, too).
    pub fn text(label: &'static str) -> Self {
        Self::of(label, Input::Text)
    }

    /// Several lines, kept as typed.
    pub fn area(label: &'static str) -> Self {
        Self::of(label, Input::Area)
    }

    /// A date.
    pub fn date(label: &'static str) -> Self {
        Self::of(label, Input::Date)
    }

    /// A tick.
    pub fn check(label: &'static str) -> Self {
        Self::of(label, Input::Check)
    }

    /// A member picked from the association's list.
    pub fn member(label: &'static str) -> Self {
        Self::of(label, Input::Member)
    }

    /// One of the type's choices.
    pub fn select(label: &'static str) -> Self {
        Self::of(label, Input::Select(T::options()))
    }

    /// A choice among options known only at run time (this year's plan
    /// rows, the district's schools): the page offers them with [`offer`].
    pub fn pick(label: &'static str) -> Self {
        Self::of(label, Input::Select(Vec::new()))
    }

    /// Left empty, the field fails with `message`.
    pub fn required(mut self, message: &'static str) -> Self {
        self.required = Some(message);
        self
    }

    /// A line of at most `chars` characters.
    pub fn max(mut self, chars: usize) -> Self {
        self.max = chars;
        self
    }

    /// A whole number in `range`.
    pub fn range(mut self, range: RangeInclusive<u32>) -> Self {
        self.range = range;
        self
    }

    /// A date within the academic year the form is checked for.
    pub fn in_year(mut self) -> Self {
        self.in_year = true;
        self
    }

    /// A placeholder (a date's is ДД.ММ.ГГГГ unless given).
    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    /// The text is read by `parse` instead of the type's own rule.
    pub fn parse(mut self, parse: Parse<T>) -> Self {
        self.parse = Some(parse);
        self
    }

    /// The value read must also pass `check`.
    pub fn check_with(mut self, check: Rule<T>) -> Self {
        self.check = Some(check);
        self
    }

    /// The field as the form draws it, under `name`.
    pub fn field(&self, name: &str) -> Field {
        let field = Field { stored: StoredLabel(T::stored_label), ..Field::new(name, self.label, self.input.clone()) };
        if self.hint.is_empty() { field } else { field.hint(self.hint) }
    }

    /// Reads field `name` from `values`; a failure is recorded in `errors`
    /// and reads as the type's default.
    pub fn read(&self, errors: &mut FieldErrors, values: &Values, name: &str, year: Option<AcademicYear>) -> T {
        let raw = values.get(name);
        if raw.trim().is_empty()
            && let Some(message) = self.required
        {
            errors.add(name, message);
            return T::fallback();
        }
        let read = match self.parse {
            Some(parse) => parse(raw),
            None => T::read(self, raw, year.filter(|_| self.in_year)),
        };
        match read.and_then(|value| match self.check.map(|check| check(&value)) {
            Some(Err(message)) => Err(message.to_owned()),
            _ => Ok(value),
        }) {
            Ok(value) => value,
            Err(message) => {
                errors.add(name, message);
                T::fallback()
            }
        }
    }
}

/// Runs one of [`FieldErrors`]' readers on `raw` alone, for [`Typed::read`].
fn with_errors<T>(raw: &str, read: impl FnOnce(&mut FieldErrors, &Values) -> T) -> Result<T, String> {
    let mut errors = FieldErrors::default();
    let value = read(&mut errors, &Values::default().with(ONE, raw));
    match errors.get(ONE) {
        Some(message) => Err(message.to_owned()),
        None => Ok(value),
    }
}
const ONE: &str = "_";

impl Typed for String {
    fn fallback() -> Self {
        String::new()
    }
    fn show(&self) -> String {
        self.clone()
    }
    fn read(spec: &Spec<Self>, raw: &str, _: Option<AcademicYear>) -> Result<Self, String> {
        match spec.input {
            Input::Area => with_errors(raw, |e, v| e.long_text(v, ONE, None)),
            _ => with_errors(raw, |e, v| e.text(v, ONE, None, spec.max)),
        }
    }
}

impl Typed for Option<Date> {
    fn fallback() -> Self {
        None
    }
    fn show(&self) -> String {
        self.map(|d| d.to_string()).unwrap_or_default()
    }
    fn read(_: &Spec<Self>, raw: &str, year: Option<AcademicYear>) -> Result<Self, String> {
        with_errors(raw, |e, v| e.date(v, ONE, false, year))
    }
}

impl Typed for Date {
    fn fallback() -> Self {
        Date::new(2000, 1, 1).expect("a real day")
    }
    fn show(&self) -> String {
        self.to_string()
    }
    fn read(_: &Spec<Self>, raw: &str, year: Option<AcademicYear>) -> Result<Self, String> {
        with_errors(raw, |e, v| e.date(v, ONE, true, year).unwrap_or_else(Self::fallback))
    }
}

/// A plan row's «срок»: a day or a month of the year the form is for.
impl Typed for When {
    fn fallback() -> Self {
        Self::Day(Date::fallback())
    }
    fn show(&self) -> String {
        self.label()
    }
    fn read(_: &Spec<Self>, raw: &str, year: Option<AcademicYear>) -> Result<Self, String> {
        Self::parse(raw, year.ok_or("Срок читается для учебного года: строке нужен in_year")?)
    }
}

impl Typed for Option<u32> {
    fn fallback() -> Self {
        None
    }
    fn show(&self) -> String {
        self.map(|n| n.to_string()).unwrap_or_default()
    }
    fn read(spec: &Spec<Self>, raw: &str, _: Option<AcademicYear>) -> Result<Self, String> {
        with_errors(raw, |e, v| e.number(v, ONE, None, spec.range.clone()))
    }
}

impl Typed for u32 {
    fn fallback() -> Self {
        0
    }
    fn show(&self) -> String {
        self.to_string()
    }
    fn read(spec: &Spec<Self>, raw: &str, _: Option<AcademicYear>) -> Result<Self, String> {
        with_errors(raw, |e, v| e.number(v, ONE, None, spec.range.clone()).unwrap_or_default())
    }
}

impl Typed for i32 {
    fn fallback() -> Self {
        0
    }
    fn show(&self) -> String {
        self.to_string()
    }
    fn read(_: &Spec<Self>, raw: &str, _: Option<AcademicYear>) -> Result<Self, String> {
        raw.trim().parse().map_err(|_| "Целое число, например 2026".to_owned())
    }
}

impl Typed for bool {
    fn fallback() -> Self {
        false
    }
    fn show(&self) -> String {
        self.to_string()
    }
    fn read(_: &Spec<Self>, raw: &str, _: Option<AcademicYear>) -> Result<Self, String> {
        Ok(raw == "true")
    }
}

impl Typed for Option<Uuid> {
    fn fallback() -> Self {
        None
    }
    fn show(&self) -> String {
        self.map(|id| id.to_string()).unwrap_or_default()
    }
    fn read(_: &Spec<Self>, raw: &str, _: Option<AcademicYear>) -> Result<Self, String> {
        with_errors(raw, |e, v| e.member(v, ONE, None))
    }
}

/// Declares a record kind's checked fields by their table: each row is
/// `name: Type = Spec::…`, in the order the form shows them. Derives the
/// struct, `form()` (the fields the page draws), `to_values()` (a form
/// filled with them) and `read(values, year)` (what was typed, each row's
/// rules applied, with every message). Fields after `extra, shown by
/// hook:` are kept but not drawn from the table (a protocol's attendance,
/// one tick per member of its roster): `read` leaves them empty for the
/// record's `validate` to fill, and `to_values` has `hook` add them.
#[macro_export]
macro_rules! form {
    ($(#[$meta:meta])* pub struct $name:ident {
        $($(#[$fmeta:meta])* $field:ident : $ty:ty = $spec:expr),* $(,)?
    }) => {
        $crate::form!(@struct $(#[$meta])* $name { $($(#[$fmeta])* $field: $ty = $spec),* } {} {});
    };
    ($(#[$meta:meta])* pub struct $name:ident {
        $($(#[$fmeta:meta])* $field:ident : $ty:ty = $spec:expr),* ;
        extra, shown by $hook:ident: $($(#[$emeta:meta])* $efield:ident : $ety:ty),* $(,)?
    }) => {
        $crate::form!(@struct $(#[$meta])* $name
            { $($(#[$fmeta])* $field: $ty = $spec),* } { $($(#[$emeta])* $efield: $ety),* } { $hook });
    };
    (@struct $(#[$meta:meta])* $name:ident
        { $($(#[$fmeta:meta])* $field:ident : $ty:ty = $spec:expr),* }
        { $($(#[$emeta:meta])* $efield:ident : $ety:ty),* }
        { $($hook:ident)? }) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            $($(#[$emeta])* pub $efield: $ety,)*
        }

        impl $name {
            /// The form's fields, in order.
            pub fn form() -> ::std::vec::Vec<$crate::fields::Field> {
                ::std::vec![$({
                    let spec: $crate::fields::Spec<$ty> = $spec;
                    spec.field(stringify!($field))
                }),*]
            }

            /// The form filled with these fields.
            pub fn to_values(&self) -> $crate::form::Values {
                #[allow(unused_mut)]
                let mut values = $crate::form::Values::default()
                    $(.with(stringify!($field), $crate::fields::Typed::show(&self.$field)))*;
                $(self.$hook(&mut values);)?
                values
            }

            /// What was typed, each field read by its row's rules; dates
            /// marked `in_year` must fall in `year`.
            pub fn read(
                values: &$crate::form::Values,
                year: ::core::option::Option<$crate::date::AcademicYear>,
            ) -> (Self, $crate::form::FieldErrors) {
                let mut errors = $crate::form::FieldErrors::default();
                let fields = Self {
                    $($field: {
                        let spec: $crate::fields::Spec<$ty> = $spec;
                        spec.read(&mut errors, values, stringify!($field), year)
                    },)*
                    $($efield: ::core::default::Default::default(),)*
                };
                (fields, errors)
            }
        }
    };
}

/// A web link, for [`Spec::parse`]: empty, or an address starting with
/// https:// or http://, without spaces.
pub fn link(raw: &str) -> Result<String, String> {
    with_errors(raw, |e, v| e.link(v, ONE))
}

/// `fields` with `options` offered for the one named `name` (a row declared
/// with [`Spec::pick`]).
pub fn offer(mut fields: Vec<Field>, name: &str, options: Vec<(String, String)>) -> Vec<Field> {
    if let Some(field) = fields.iter_mut().find(|f| &*f.name == name) {
        field.input = Input::Select(options);
    }
    fields
}

/// `fields` with the one named `name` under another label (a form that
/// says where its proposal comes from).
pub fn relabel(mut fields: Vec<Field>, name: &str, label: &'static str) -> Vec<Field> {
    if let Some(field) = fields.iter_mut().find(|f| &*f.name == name) {
        field.label = label.into();
    }
    fields
}

#[cfg(test)]
#[allow(unreachable_pub, reason = "the table's struct is declared pub, as records' are")]
mod tests {
    use super::*;
    use crate::member::Category;

    crate::form! {
        /// A table with a row of each kind, and an extra field.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Sample {
            title: String = Spec::text("Название").required("Укажите название").max(10),
            kind: Category = Spec::select("Категория"),
            day: Date = Spec::date("Дата").in_year(),
            until: Option<Date> = Spec::date("До"),
            hours: Option<u32> = Spec::text("Часов").range(1..=40),
            done: bool = Spec::check("Выполнено"),
            who: Option<Uuid> = Spec::member("Кто"),
            row: Option<Uuid> = Spec::pick("Пункт плана"),
            note: String = Spec::area("Заметка").hint("кратко");
            extra, shown by marks:
            marks: Vec<String>,
        }
    }

    impl Sample {
        fn marks(&self, values: &mut Values) {
            for mark in &self.marks {
                values.set(&format!("mark:{mark}"), "true");
            }
        }
    }

    const YEAR: AcademicYear = AcademicYear(2026);

    #[test]
    fn the_form_is_the_table_in_order_with_its_labels_inputs_and_hints() {
        let form = Sample::form();
        let names: Vec<&str> = form.iter().map(|f| &*f.name).collect();
        assert_eq!(names, ["title", "kind", "day", "until", "hours", "done", "who", "row", "note"]);
        assert_eq!(&*form[0].label, "Название");
        assert_eq!(form[1].input, Input::Select(<Category as Typed>::options()));
        assert_eq!(form[1].stored.of("First"), Some("первая"), "«История» reads a stored choice by its field");
        assert_eq!(form[0].stored.of("First"), None);
        assert_eq!((form[2].input.clone(), form[2].hint), (Input::Date, "ДД.ММ.ГГГГ"));
        assert_eq!(form[5].input, Input::Check);
        assert_eq!(form[6].input, Input::Member);
        assert_eq!(form[7].input, Input::Select(Vec::new()), "a pick's options come from the page");
        assert_eq!((form[8].input.clone(), form[8].hint), (Input::Area, "кратко"));
        let offered = offer(form, "row", vec![("1".into(), "Сентябрь".into())]);
        assert_eq!(offered[7].input, Input::Select(vec![("1".into(), "Сентябрь".into())]));
        assert_eq!(&*relabel(offered, "note", "Итоги")[8].label, "Итоги");
    }

    #[test]
    fn what_was_typed_reads_back_and_shows_again_the_same() {
        let typed = Values::default()
            .with("title", "  План   года ")
            .with("kind", "first")
            .with("day", "15.10.2026")
            .with("hours", "36")
            .with("done", "true")
            .with("who", Uuid::nil().to_string())
            .with("note", "строка\r\nещё");
        let (read, errors) = Sample::read(&typed, Some(YEAR));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(read.title, "План года");
        assert_eq!((read.kind, read.day.to_string(), read.until), (Category::First, "15.10.2026".into(), None));
        assert_eq!((read.hours, read.done, read.who, read.row), (Some(36), true, Some(Uuid::nil()), None));
        assert_eq!(read.note, "строка\nещё");
        let shown = Sample { marks: vec!["a".into()], ..read.clone() }.to_values();
        assert_eq!(shown.get("mark:a"), "true", "the extra field's hook adds its values");
        let (again, errors) = Sample::read(&shown, Some(YEAR));
        assert!(errors.is_empty());
        assert_eq!(again, read, "the extra field is left for the record's validate");
    }

    #[test]
    fn every_row_that_fails_says_why_in_russian() {
        let typed = Values::default()
            .with("title", "Слишком длинное название")
            .with("kind", "unknown")
            .with("day", "15.10.2025")
            .with("until", "31.02.2027")
            .with("hours", "41")
            .with("who", "не id");
        let (_, errors) = Sample::read(&typed, Some(YEAR));
        assert_eq!(errors.get("title"), Some("Слишком длинно (не больше 10 знаков)"));
        assert_eq!(errors.get("kind"), Some("Выберите из списка"));
        assert_eq!(errors.get("day"), Some("Дата вне 2026/2027 учебного года (с 01.09.2026 по 31.08.2027)"));
        assert_eq!(errors.get("until"), Some("Дата записывается как ДД.ММ.ГГГГ, например 15.10.2026"));
        assert_eq!(errors.get("hours"), Some("Целое число от 1 до 40"));
        assert_eq!(errors.get("who"), Some("Выберите из списка"));
        let (_, errors) = Sample::read(&Values::default().with("kind", "none"), Some(YEAR));
        assert_eq!(errors.get("title"), Some("Укажите название"));
        assert_eq!(errors.get("day"), Some("Укажите дату (ДД.ММ.ГГГГ)"));
        assert_eq!(errors.iter().count(), 2, "optional rows left empty pass: {errors:?}");
    }
}
