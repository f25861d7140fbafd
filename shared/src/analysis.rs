//! Analyses (аналитические материалы) after events and after the
//! administration's thematic checks.

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::{AcademicYear, Date};
use crate::form::{FieldErrors, Values, member_value};
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
    /// The plan row it concerns (the event held, the check made). Analyses
    /// written before the link existed have none.
    #[autosurgeon(missing = "Default::default")]
    pub plan_row: Option<Uuid>,
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
    /// к пункту плана
    pub plan_row: Option<Uuid>,
}

crate::record!(
    Analysis,
    AnalysisFields { kind, title, date, subject, plan_row },
    text: { text, conclusions, recommendations }
);

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
            ("plan_row", member_value(self.plan_row)),
        ])
    }

    /// Checks an analysis form for `year`, whose plan rows are `rows`: it
    /// concerns one of them, if any.
    pub fn validate(v: &Values, year: AcademicYear, rows: &[Uuid]) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = e.choice(v, "kind", AnalysisKind::from_code);
        let title = e.text(v, "title", Some("Укажите название"), 300);
        let date = e.date(v, "date", true, Some(year));
        let subject = e.text(v, "subject", None, 500);
        let text = e.long_text(v, "text", Some("Напишите текст анализа"));
        let conclusions = e.long_text(v, "conclusions", None);
        let recommendations = e.long_text(v, "recommendations", None);
        let plan_row = e.member(v, "plan_row", None);
        if plan_row.is_some_and(|r| !rows.contains(&r)) {
            e.add("plan_row", "Выберите пункт плана этого учебного года");
        }
        e.result(|| Self {
            kind: kind.unwrap_or_default(),
            title,
            date: date.expect("checked"),
            subject,
            text,
            conclusions,
            recommendations,
            plan_row,
        })
    }
}
