//! What a form holds and what it says back: text as typed, keyed by the
//! field's name, and one Russian message per field that failed. Every
//! record's `validate` reads [`Values`] and returns checked fields or
//! [`FieldErrors`]; nothing is written until every field passes.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::date::{AcademicYear, Date};

/// A form's values as typed, by field name.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Values(BTreeMap<String, String>);

impl Values {
    /// The value of `name`, empty if unset.
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    /// Sets `name`.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(name.to_owned(), value.into());
    }

    /// These values with `name` set (for building forms in one expression).
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set(name, value);
        self
    }

    /// Every (name, value), by name.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A checkbox: "true" when ticked.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name) == "true"
    }
}

impl<const N: usize> From<[(&str, String); N]> for Values {
    fn from(pairs: [(&str, String); N]) -> Self {
        Self(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }
}

/// Messages in Russian, one per field at most.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    /// The message for `field`, if it failed.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Whether every field passed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records a message for `field` unless it already has one.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    /// `Ok(value)` if nothing failed, else these errors.
    pub fn result<T>(self, value: impl FnOnce() -> T) -> Result<T, Self> {
        if self.is_empty() { Ok(value()) } else { Err(self) }
    }

    /// Every field and its message, for tests and summaries.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A text field with spaces collapsed: required (with `missing` as the
    /// message when empty) and at most `max` characters.
    pub fn text(&mut self, values: &Values, field: &str, missing: Option<&str>, max: usize) -> String {
        let text = collapse_spaces(values.get(field));
        if text.is_empty() {
            if let Some(message) = missing {
                self.add(field, message);
            }
        } else if text.chars().count() > max {
            self.add(field, format!("Слишком длинно (не больше {max} знаков)"));
        }
        text
    }

    /// A long text kept as typed (line breaks included), trimmed at the ends.
    pub fn long_text(&mut self, values: &Values, field: &str, missing: Option<&str>) -> String {
        let text = values.get(field).trim().replace("\r\n", "\n");
        if text.is_empty()
            && let Some(message) = missing
        {
            self.add(field, message);
        }
        if text.chars().count() > MAX_LONG_TEXT {
            self.add(field, format!("Слишком длинный текст (не больше {MAX_LONG_TEXT} знаков)"));
        }
        text
    }

    /// A date, required or not; `within` limits it to an academic year.
    pub fn date(&mut self, values: &Values, field: &str, required: bool, within: Option<AcademicYear>) -> Option<Date> {
        let raw = values.get(field).trim();
        if raw.is_empty() {
            if required {
                self.add(field, "Укажите дату (ДД.ММ.ГГГГ)");
            }
            return None;
        }
        let Some(date) = Date::parse(raw) else {
            self.add(field, "Дата записывается как ДД.ММ.ГГГГ, например 15.10.2026");
            return None;
        };
        if let Some(year) = within
            && !year.contains(date)
        {
            self.add(field, format!("Дата вне {year} учебного года ({})", year.span()));
            return None;
        }
        Some(date)
    }

    /// A member chosen from a list (empty for nobody); `required` demands one.
    pub fn member(&mut self, values: &Values, field: &str, required: Option<&str>) -> Option<Uuid> {
        let raw = values.get(field).trim();
        if raw.is_empty() {
            if let Some(message) = required {
                self.add(field, message);
            }
            return None;
        }
        match raw.parse() {
            Ok(id) => Some(id),
            Err(_) => {
                self.add(field, "Выберите из списка");
                None
            }
        }
    }

    /// A whole number in `range`, optional when empty unless `missing` is given.
    pub fn number(
        &mut self,
        values: &Values,
        field: &str,
        missing: Option<&str>,
        range: std::ops::RangeInclusive<u32>,
    ) -> Option<u32> {
        let raw = values.get(field).trim();
        if raw.is_empty() {
            if let Some(message) = missing {
                self.add(field, message);
            }
            return None;
        }
        match raw.parse::<u32>() {
            Ok(n) if range.contains(&n) => Some(n),
            _ => {
                self.add(field, format!("Целое число от {} до {}", range.start(), range.end()));
                None
            }
        }
    }

    /// A web link, optional: must start with http:// or https://.
    pub fn link(&mut self, values: &Values, field: &str) -> String {
        let link = values.get(field).trim().to_owned();
        let web = link.starts_with("https://") || link.starts_with("http://");
        if !link.is_empty() && (!web || link.contains(' ')) {
            self.add(field, "Ссылка начинается с https:// или http:// и не содержит пробелов");
        }
        link
    }
}

/// Declares a closed list of choices a form offers: each variant with a
/// stable code (form values) and a Russian label; the first is the default.
/// Documents store the variant's name; JSON and the app's messages, its code.
#[macro_export]
macro_rules! choices {
    ($(#[$meta:meta])* pub enum $name:ident { $first:ident = ($fcode:literal, $flabel:literal) $(, $variant:ident = ($code:literal, $label:literal))* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, ::autosurgeon::Reconcile, ::autosurgeon::Hydrate)]
        #[allow(missing_docs)]
        pub enum $name {
            #[doc = $flabel]
            #[default]
            $first,
            $(#[doc = $label] $variant,)*
        }

        impl $name {
            /// Every value, in the order a form lists them.
            pub const ALL: &'static [Self] = &[Self::$first $(, Self::$variant)*];

            /// The Russian label.
            pub fn label(self) -> &'static str {
                match self {
                    Self::$first => $flabel,
                    $(Self::$variant => $label,)*
                }
            }

            /// A stable key for form values.
            pub fn code(self) -> &'static str {
                match self {
                    Self::$first => $fcode,
                    $(Self::$variant => $code,)*
                }
            }

            /// The value with this code.
            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }

            /// (code, label) pairs for a select.
            pub fn options() -> Vec<(&'static str, &'static str)> {
                Self::ALL.iter().map(|v| (v.code(), v.label())).collect()
            }

            /// The label of the value a document stores as `stored` (the
            /// variant's name), for «История».
            pub fn stored_label(stored: &str) -> Option<&'static str> {
                match stored {
                    stringify!($first) => Some($flabel),
                    $(stringify!($variant) => Some($label),)*
                    _ => None,
                }
            }
        }

        /// In a form a choice is its code, picked from the list.
        impl $crate::fields::Typed for $name {
            fn show(&self) -> String {
                self.code().to_owned()
            }
            fn fallback() -> Self {
                Self::default()
            }
            fn read(
                _: &$crate::fields::Spec<Self>,
                raw: &str,
                _: Option<$crate::date::AcademicYear>,
            ) -> Result<Self, String> {
                Self::from_code(raw).ok_or_else(|| "Выберите из списка".to_owned())
            }
            fn options() -> Vec<(String, String)> {
                Self::ALL.iter().map(|v| (v.code().to_owned(), v.label().to_owned())).collect()
            }
            fn stored_label(stored: &str) -> Option<&'static str> {
                $name::stored_label(stored)
            }
        }

        /// Outside documents (JSON, the app's messages) a choice is its code.
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <String as ::serde::Deserialize>::deserialize(d)?;
                Self::from_code(&code).ok_or_else(|| {
                    <D::Error as ::serde::de::Error>::custom(format!("unknown {} `{code}`", stringify!($name)))
                })
            }
        }
    };
}

/// The longest text a long-text field accepts.
pub const MAX_LONG_TEXT: usize = 20_000;

/// Collapses runs of whitespace to one space and trims the ends.
pub fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value as a form shows it: the date as ДД.ММ.ГГГГ, or empty.
pub fn date_value(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// A member id as a form's select holds it, or empty.
pub fn member_value(id: Option<Uuid>) -> String {
    id.map(|id| id.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_outside_the_year_is_refused_with_the_years_bounds() {
        let values = Values::default().with("date", "01.06.2026");
        let mut e = FieldErrors::default();
        assert_eq!(e.date(&values, "date", true, Some(AcademicYear(2026))), None);
        assert_eq!(e.get("date"), Some("Дата вне 2026/2027 учебного года (с 01.09.2026 по 31.08.2027)"));
    }

    #[test]
    fn required_text_is_collapsed_and_checked() {
        let values = Values::default().with("title", "  План   работы ").with("empty", " ");
        let mut e = FieldErrors::default();
        assert_eq!(e.text(&values, "title", Some("Укажите название"), 10), "План работы");
        assert_eq!(e.get("title"), Some("Слишком длинно (не больше 10 знаков)"));
        e.text(&values, "empty", Some("Укажите тему"), 10);
        assert_eq!(e.get("empty"), Some("Укажите тему"));
    }

    #[test]
    fn links_must_be_web_addresses() {
        let mut e = FieldErrors::default();
        e.link(&Values::default().with("link", "ftp://x"), "link");
        assert!(e.get("link").is_some());
        let mut e = FieldErrors::default();
        e.link(&Values::default().with("link", "https://школа.рф/копилка"), "link");
        assert!(e.is_empty());
    }
}
