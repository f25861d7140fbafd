//! Analyses (аналитические материалы) after events and after the
//! administration's thematic checks.

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::{AcademicYear, Date};
use crate::form::{FieldErrors, Values};
use crate::record::Life;

crate::choices! {
    /// What an analysis follows.
    pub enum AnalysisKind {
        Event = ("event", "анализ мероприятия"),
        Check = ("check", "по итогам тематической проверки"),
        Other = ("other", "другое"),
    }
}

/// An analysis (аналитическая справка).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Analysis {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// после чего
    pub kind: AnalysisKind,
    /// название
    pub title: String,
    /// дата
    pub date: Date,
    /// предмет анализа
    pub subject: String,
    /// текст
    #[serde(with = "crate::record::serde_text")]
    pub text: Text,
    /// выводы
    #[serde(with = "crate::record::serde_text")]
    pub conclusions: Text,
    /// рекомендации
    #[serde(with = "crate::record::serde_text")]
    pub recommendations: Text,
}

/// An analysis form, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisFields {
    /// после чего
    pub kind: AnalysisKind,
    /// название
    pub title: String,
    /// дата
    pub date: Date,
    /// предмет
    pub subject: String,
    /// текст
    pub text: String,
    /// выводы
    pub conclusions: String,
    /// рекомендации
    pub recommendations: String,
}

crate::record!(Analysis, AnalysisFields { kind, title, date, subject }, text: { text, conclusions, recommendations });

impl AnalysisFields {
    /// An empty analysis form.
    pub fn blank() -> Values {
        Values::default().with("kind", AnalysisKind::Event.code())
    }

    /// The form's values.
    pub fn to_values(&self) -> Values {
        Values::from([
            ("kind", self.kind.code().to_owned()),
            ("title", self.title.clone()),
            ("date", self.date.to_string()),
            ("subject", self.subject.clone()),
            ("text", self.text.clone()),
            ("conclusions", self.conclusions.clone()),
            ("recommendations", self.recommendations.clone()),
        ])
    }

    /// Checks an analysis form for `year`.
    pub fn validate(v: &Values, year: AcademicYear) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = e.choice(v, "kind", AnalysisKind::from_code);
        let title = e.text(v, "title", Some("Укажите название"), 300);
        let date = e.date(v, "date", true, Some(year));
        let subject = e.text(v, "subject", None, 500);
        let text = e.long_text(v, "text", Some("Напишите текст анализа"));
        let conclusions = e.long_text(v, "conclusions", None);
        let recommendations = e.long_text(v, "recommendations", None);
        e.result(|| Self {
            kind: kind.unwrap_or_default(),
            title,
            date: date.expect("checked"),
            subject,
            text,
            conclusions,
            recommendations,
        })
    }
}
