//! An association's profile for one academic year: methodical theme
//! (методическая тема), goal, tasks and head; and the district РМО's, with
//! the names on its papers' approval blocks.

use automerge::{AutoCommit, ROOT, ReadDoc};
use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::fields::Spec;
use crate::form::{FieldErrors, Values};
use crate::record::set_text;

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

crate::form! {
    /// A profile form, checked.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    pub struct ProfileFields {
        /// методическая тема
        theme: String = Spec::area("Методическая тема").required("Укажите методическую тему"),
        /// цель
        goal: String = Spec::area("Цель"),
        /// задачи, one per line
        tasks: String = Spec::area("Задачи (каждая с новой строки)"),
        /// руководитель МО
        head: Option<Uuid> = Spec::member("Руководитель МО"),
    }
}

impl Profile {
    /// The tasks, one per line, without blanks and list numbers.
    pub fn task_list(&self) -> Vec<String> {
        task_lines(self.tasks.as_str())
    }

    /// The form's values.
    pub fn to_values(&self) -> Values {
        ProfileFields {
            theme: self.theme.as_str().to_owned(),
            goal: self.goal.as_str().to_owned(),
            tasks: self.tasks.as_str().to_owned(),
            head: self.head,
        }
        .to_values()
    }
}

impl ProfileFields {
    /// Checks a profile form.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let (fields, e) = Self::read(v, None);
        e.result(|| fields)
    }
}

/// Tasks typed one per line, without blanks and list numbers.
fn task_lines(tasks: &str) -> Vec<String> {
    tasks
        .lines()
        .map(|l| l.trim().trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ')' | '-' | '–')))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The district РМО's profile for one year: its methodical theme, goal and
/// tasks, and who signs its papers. Kept at the district year document's
/// root beside the records (as the analysis notes are), so documents
/// created before it existed, and the same first change every device makes,
/// stay as they are.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct RmoProfile {
    /// методическая тема
    #[serde(with = "crate::record::serde_text")]
    pub theme: Text,
    /// цель
    #[serde(with = "crate::record::serde_text")]
    pub goal: Text,
    /// задачи, one per line
    #[serde(with = "crate::record::serde_text")]
    pub tasks: Text,
    /// руководитель РМО
    pub head: String,
    /// руководитель районного методического кабинета (СОГЛАСОВАНО)
    pub cabinet_head: String,
    /// начальник Отдела образования (УТВЕРЖДАЮ)
    pub department_head: String,
}

crate::form! {
    /// An РМО profile form, checked.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    pub struct RmoProfileFields {
        /// методическая тема
        theme: String = Spec::area("Методическая тема").required("Укажите методическую тему"),
        /// цель
        goal: String = Spec::area("Цель"),
        /// задачи, one per line
        tasks: String = Spec::area("Задачи (каждая с новой строки)"),
        /// руководитель РМО
        head: String = Spec::text("Руководитель РМО").max(200).hint("ФИО"),
        /// руководитель районного методического кабинета
        cabinet_head: String = Spec::text("Руководитель районного методического кабинета").max(200).hint("ФИО"),
        /// начальник Отдела образования
        department_head: String = Spec::text("Начальник Отдела образования").max(200).hint("ФИО"),
    }
}

/// Where the РМО profile is kept in the district year document.
const RMO_PROFILE: &str = "rmo_profile";

impl RmoProfile {
    /// The profile kept in `doc` (empty when none is).
    pub fn of(doc: &AutoCommit) -> Self {
        match doc.get(ROOT, RMO_PROFILE) {
            Ok(Some(_)) => autosurgeon::hydrate_prop(doc, ROOT, RMO_PROFILE).unwrap_or_default(),
            _ => Self::default(),
        }
    }

    /// The tasks, one per line, without blanks and list numbers.
    pub fn task_list(&self) -> Vec<String> {
        task_lines(self.tasks.as_str())
    }

    /// The form's values.
    pub fn to_values(&self) -> Values {
        RmoProfileFields {
            theme: self.theme.as_str().to_owned(),
            goal: self.goal.as_str().to_owned(),
            tasks: self.tasks.as_str().to_owned(),
            head: self.head.clone(),
            cabinet_head: self.cabinet_head.clone(),
            department_head: self.department_head.clone(),
        }
        .to_values()
    }

    /// Keeps `fields` in `doc` as one commit stamped `now_ms`, texts spliced
    /// so words typed on another device meanwhile survive; nothing is
    /// written when nothing changed.
    pub fn set(doc: &mut AutoCommit, fields: RmoProfileFields, now_ms: i64) -> Result<(), crate::Error> {
        let mut p = Self::of(doc);
        let before = p.clone();
        set_text(&mut p.theme, &fields.theme);
        set_text(&mut p.goal, &fields.goal);
        set_text(&mut p.tasks, &fields.tasks);
        p.head = fields.head;
        p.cabinet_head = fields.cabinet_head;
        p.department_head = fields.department_head;
        if p == before {
            return Ok(());
        }
        crate::record::write::commit_at(doc, RMO_PROFILE, &p, now_ms)
    }
}

impl RmoProfileFields {
    /// Checks an РМО profile form.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let (fields, e) = Self::read(v, None);
        e.result(|| fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::district::DistrictYearDoc;
    use crate::record::Document;
    use crate::record::tests::merge_both;
    use crate::{AcademicYear, DocumentId};

    fn fields(theme: &str, tasks: &str) -> RmoProfileFields {
        RmoProfileFields {
            theme: theme.into(),
            tasks: tasks.into(),
            head: "Петрова А. В.".into(),
            ..RmoProfileFields::default()
        }
    }

    #[test]
    fn the_rmo_profile_merges_and_leaves_the_documents_first_change_alone() {
        let district = DocumentId::random();
        let year = AcademicYear(2026);
        let blank = DistrictYearDoc::create(&district, year);
        let mut a = DistrictYearDoc::create(&district, year);
        let mut b = DistrictYearDoc::create(&district, year);
        assert_eq!(RmoProfile::of(&a), RmoProfile::default(), "none until one is written");
        RmoProfile::set(&mut a, fields("Воспитание гражданина", "1. Повышать мастерство"), 1).unwrap();
        merge_both(&mut a, &mut b);
        RmoProfile::set(&mut a, fields("Воспитание гражданина и патриота", "1. Повышать мастерство"), 2).unwrap();
        let tasks = "1. Повышать мастерство\n2. Обобщать опыт";
        RmoProfile::set(&mut b, fields("Воспитание гражданина", tasks), 3).unwrap();
        merge_both(&mut a, &mut b);
        let p = RmoProfile::of(&a);
        assert_eq!(p.theme.as_str(), "Воспитание гражданина и патриота");
        assert_eq!(p.task_list(), ["Повышать мастерство", "Обобщать опыт"]);
        assert_eq!(p.head, "Петрова А. В.");
        let heads = a.get_heads();
        RmoProfile::set(&mut a, RmoProfileFields { tasks: tasks.into(), ..fields(p.theme.as_str(), "") }, 4).unwrap();
        assert_eq!(a.get_heads(), heads, "the same profile writes nothing");
        assert_eq!(
            a.get_changes(&[]).first().map(|c| c.hash()),
            blank.clone().get_changes(&[]).first().map(|c| c.hash()),
            "the first change is every device's"
        );
        assert!(DistrictYearDoc::load(&a).is_ok(), "the records read as before");
    }
}
