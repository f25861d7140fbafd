//! A school's answers to the district: how it carried out the
//! recommendations of a РМО visit («Рекомендации РМО»).
//!
//! The visit and its recommendations are the РМО's, in the district year
//! document, which a school only reads; the school's answer is the
//! school's, in its own year document, which the district only reads. So
//! each side writes only its own document and the server's access rules
//! stay per document.
//!
//! Each answer sits under a root key of its own («rmo_reply/{visit}»),
//! outside the year's records: the document's first change stays every
//! device's, and answers to two visits written on two devices never meet.

use std::collections::BTreeMap;

use automerge::{AutoCommit, ROOT, ReadDoc};
use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::Date;
use crate::fields::Spec;
use crate::form::{FieldErrors, Values};
use crate::record::set_text;

/// Where a visit's answer is kept: this, then the visit's id.
const REPLY_PREFIX: &str = "rmo_reply/";

/// How a school carried out a visit's recommendations.
#[derive(Debug, Clone, PartialEq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Reply {
    /// что сделано
    #[serde(with = "crate::record::serde_text")]
    pub text: Text,
    /// когда выполнено (none while the work goes on)
    pub done: Option<Date>,
}

/// A school's answers, by visit.
pub type Replies = BTreeMap<Uuid, Reply>;

/// An answer as the district reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Answer {
    /// что сделано
    pub text: String,
    /// когда выполнено
    pub done: Option<Date>,
}

impl Answer {
    /// «выполнено 15.11.2026», «в работе», or nothing before any answer.
    pub fn status(&self) -> String {
        match self.done {
            Some(day) => format!("выполнено {day}"),
            None if self.text.trim().is_empty() => String::new(),
            None => "в работе".to_owned(),
        }
    }
}

crate::form! {
    /// An answer form, checked.
    #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
    pub struct ReplyFields {
        /// что сделано
        text: String = Spec::area("Что сделано").required("Напишите, что сделано"),
        /// когда выполнено
        done: Option<Date> = Spec::date("Выполнено (день)"),
    }
}

impl Reply {
    /// Every answer kept in a school's year document.
    pub fn all(doc: &AutoCommit) -> Replies {
        doc.keys(ROOT)
            .filter_map(|key| {
                let visit = key.strip_prefix(REPLY_PREFIX)?.parse::<Uuid>().ok()?;
                let reply = autosurgeon::hydrate_prop(doc, ROOT, key.as_str()).ok()?;
                Some((visit, reply))
            })
            .collect()
    }

    /// Keeps `fields` as the answer to `visit`, as one commit stamped
    /// `now_ms`; the text is spliced so words typed on another device
    /// meanwhile survive, and nothing is written when nothing changed.
    pub fn set(doc: &mut AutoCommit, visit: Uuid, fields: ReplyFields, now_ms: i64) -> Result<(), crate::Error> {
        let key = format!("{REPLY_PREFIX}{visit}");
        let mut reply: Self = match doc.get(ROOT, key.as_str())? {
            Some(_) => autosurgeon::hydrate_prop(doc, ROOT, key.as_str())?,
            None => Self::default(),
        };
        let before = reply.clone();
        set_text(&mut reply.text, &fields.text);
        reply.done = fields.done;
        if reply == before {
            return Ok(());
        }
        crate::record::write::commit_at(doc, key.as_str(), &reply, now_ms)
    }

    /// The answer as plain words, for the district's screens and papers.
    pub fn answer(&self) -> Answer {
        Answer { text: self.text.as_str().to_owned(), done: self.done }
    }

    /// The form's values.
    pub fn to_values(&self) -> Values {
        ReplyFields { text: self.text.as_str().to_owned(), done: self.done }.to_values()
    }
}

impl ReplyFields {
    /// Checks an answer form: something is said, and a day of completion
    /// is not before the visit.
    pub fn validate(v: &Values, visited: Date) -> Result<Self, FieldErrors> {
        let (fields, mut e) = Self::read(v, None);
        if let Some(day) = fields.done
            && day < visited
        {
            e.add("done", format!("Не может быть раньше посещения ({visited})"));
        }
        e.result(|| fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Document;
    use crate::record::tests::merge_both;
    use crate::{AcademicYear, DocumentId, YearDoc};

    fn fields(text: &str, done: Option<Date>) -> ReplyFields {
        ReplyFields { text: text.into(), done }
    }

    #[test]
    fn a_schools_answers_merge_and_leave_the_years_first_change_alone() {
        let school = DocumentId::random();
        let year = AcademicYear(2026);
        let blank = YearDoc::create(&school, year);
        let mut a = YearDoc::create(&school, year);
        let mut b = YearDoc::create(&school, year);
        let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
        assert!(Reply::all(&a).is_empty(), "none until one is written");
        Reply::set(&mut a, first, fields("План обновлён.", None), 1).unwrap();
        Reply::set(&mut b, second, fields("Классный час проведён.", Date::new(2026, 11, 10)), 2).unwrap();
        merge_both(&mut a, &mut b);
        Reply::set(&mut a, first, fields("План обновлён. Утверждён на заседании МО.", None), 3).unwrap();
        let done = Date::new(2026, 11, 15);
        Reply::set(&mut b, first, fields("План воспитательной работы обновлён.", done), 4).unwrap();
        merge_both(&mut a, &mut b);
        let replies = Reply::all(&a);
        assert_eq!(replies, Reply::all(&b));
        assert_eq!(replies[&first].text.as_str(), "План воспитательной работы обновлён. Утверждён на заседании МО.");
        assert_eq!(replies[&first].answer().status(), "выполнено 15.11.2026");
        assert_eq!(replies[&second].answer().status(), "выполнено 10.11.2026");
        let heads = a.get_heads();
        Reply::set(&mut a, second, fields("Классный час проведён.", Date::new(2026, 11, 10)), 5).unwrap();
        assert_eq!(a.get_heads(), heads, "the same answer writes nothing");
        assert_eq!(
            a.get_changes(&[]).first().map(|c| c.hash()),
            blank.clone().get_changes(&[]).first().map(|c| c.hash()),
            "the first change is every device's"
        );
        assert!(YearDoc::load(&a).is_ok(), "the year's records read as before");
    }

    #[test]
    fn an_answer_says_what_was_done_and_is_not_done_before_the_visit() {
        let visited = Date::new(2026, 10, 20).unwrap();
        let e = ReplyFields::validate(&Values::default().with("done", "01.11.2026"), visited).unwrap_err();
        assert_eq!(e.get("text"), Some("Напишите, что сделано"));
        let v = Values::default().with("text", "Сделано").with("done", "01.10.2026");
        let e = ReplyFields::validate(&v, visited).unwrap_err();
        assert_eq!(e.get("done"), Some("Не может быть раньше посещения (20.10.2026)"));
        let ok = ReplyFields::validate(&Values::default().with("text", "Идёт работа"), visited).unwrap();
        assert_eq!(ok, fields("Идёт работа", None));
    }
}
