//! An association's profile for one academic year: methodical theme
//! (методическая тема), goal, tasks and head.

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::form::{FieldErrors, Values, member_value};

/// The association's profile for one year.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Profile {
    /// методическая тема
    #[serde(with = "crate::record::serde_text")]
    pub theme: Text,
    /// цель
    #[serde(with = "crate::record::serde_text")]
    pub goal: Text,
    /// задачи, one per line
    #[serde(with = "crate::record::serde_text")]
    pub tasks: Text,
    /// руководитель МО (a member)
    pub head: Option<Uuid>,
}

/// A profile form, checked.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProfileFields {
    /// методическая тема
    pub theme: String,
    /// цель
    pub goal: String,
    /// задачи, one per line
    pub tasks: String,
    /// руководитель МО
    pub head: Option<Uuid>,
}

impl Profile {
    /// The tasks, one per line, without blanks and list numbers.
    pub fn task_list(&self) -> Vec<String> {
        self.tasks
            .as_str()
            .lines()
            .map(|l| l.trim().trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ')' | '-' | '–')))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The form's values.
    pub fn to_values(&self) -> Values {
        Values::from([
            ("theme", self.theme.as_str().to_owned()),
            ("goal", self.goal.as_str().to_owned()),
            ("tasks", self.tasks.as_str().to_owned()),
            ("head", member_value(self.head)),
        ])
    }
}

impl ProfileFields {
    /// Checks a profile form.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::default();
        let theme = e.long_text(v, "theme", Some("Укажите методическую тему"));
        let goal = e.long_text(v, "goal", None);
        let tasks = e.long_text(v, "tasks", None);
        let head = e.member(v, "head", None);
        e.result(|| Self { theme, goal, tasks, head })
    }
}
