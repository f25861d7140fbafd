//! Analyses (аналитические материалы) after events and after the
//! administration's thematic checks.

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::{AcademicYear, Date};
use crate::fields::Spec;
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
    /// The plan row it concerns (the event held, the check made). Analyses
    /// written before the link existed have none.
    #[autosurgeon(missing = "Default::default")]
    pub plan_row: Option<Uuid>,
}

crate::form! {
    /// An analysis form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct AnalysisFields {
        /// после чего
        kind: AnalysisKind = Spec::select("Вид"),
        /// к пункту плана
        plan_row: Option<Uuid> = Spec::pick("К пункту плана (мероприятие, проверка)"),
        /// название
        title: String = Spec::text("Название").required("Укажите название"),
        /// дата
        date: Date = Spec::date("Дата").in_year(),
        /// предмет
        subject: String = Spec::text("Предмет анализа").max(500),
        /// текст
        text: String = Spec::area("Текст").required("Напишите текст анализа"),
        /// выводы
        conclusions: String = Spec::area("Выводы"),
        /// рекомендации
        recommendations: String = Spec::area("Рекомендации"),
    }
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

    /// Checks an analysis form for `year`, whose plan rows are `rows`: it
    /// concerns one of them, if any.
    pub fn validate(v: &Values, year: AcademicYear, rows: &[Uuid]) -> Result<Self, FieldErrors> {
        let (fields, mut e) = Self::read(v, Some(year));
        if fields.plan_row.is_some_and(|r| !rows.contains(&r)) {
            e.add("plan_row", "Выберите пункт плана этого учебного года");
        }
        e.result(|| fields)
    }
}
