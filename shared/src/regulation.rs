//! Regulatory documents (инструктивно-методические документы): kind, number,
//! date, text or link, and the acknowledgement sheet where members mark that
//! they have read them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};
use uuid::Uuid;

use crate::date::Date;
use crate::fields::{Spec, link};
use crate::form::{FieldErrors, Values};
use crate::record::Life;

crate::choices! {
    /// Kind of regulatory document.
    pub enum RegulationKind {
        Statute = ("statute", "положение"),
        Order = ("order", "приказ"),
        Instruction = ("instruction", "инструкция"),
        Recommendations = ("recommendations", "методические рекомендации"),
        Other = ("other", "другое"),
    }
}

/// A regulatory document with its acknowledgement sheet.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Regulation {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// вид
    pub kind: RegulationKind,
    /// название
    pub title: String,
    /// номер
    pub number: String,
    /// дата
    pub date: Option<Date>,
    /// текст
    #[serde(with = "crate::record::serde_text")]
    pub text: Text,
    /// ссылка
    pub link: String,
    /// лист ознакомления: member id → the day they read it
    pub acknowledgements: BTreeMap<String, Date>,
    /// Acknowledgements given on paper and entered by the head: member id →
    /// who entered it. The others each person marked on their own device.
    #[autosurgeon(missing = "Default::default")]
    pub on_paper: BTreeMap<String, String>,
}

crate::form! {
    /// A regulation form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct RegulationFields {
        /// вид
        kind: RegulationKind = Spec::select("Вид"),
        /// название
        title: String = Spec::text("Название").required("Укажите название документа").max(500),
        /// номер
        number: String = Spec::text("Номер").max(50),
        /// дата
        date: Option<Date> = Spec::date("Дата"),
        /// текст
        text: String = Spec::area("Текст"),
        /// ссылка
        link: String = Spec::text("Ссылка").parse(link),
    }
}

crate::record!(Regulation, RegulationFields { kind, title, number, date, link }, text: { text },
    rest: { acknowledgements, on_paper });

impl Regulation {
    /// When `member` marked it read, if they did.
    pub fn acknowledged_by(&self, member: Uuid) -> Option<Date> {
        self.acknowledgements.get(&member.to_string()).copied()
    }

    /// Who entered `member`'s acknowledgement given on paper, if it was.
    pub fn entered_by(&self, member: Uuid) -> Option<&str> {
        self.on_paper.get(&member.to_string()).map(String::as_str)
    }

    /// `member`'s line on the sheet: the day, and whether it was signed on
    /// paper and entered by someone else.
    pub fn acknowledgement(&self, member: Uuid) -> Option<String> {
        let day = self.acknowledged_by(member)?;
        Some(match self.entered_by(member) {
            Some(by) => format!("{day} (на бумаге, внесено: {by})"),
            None => day.to_string(),
        })
    }

    /// Those of `members` who have not marked it read.
    pub fn not_acknowledged<'a>(&self, members: &[&'a crate::Member]) -> Vec<&'a crate::Member> {
        members.iter().copied().filter(|m| self.acknowledged_by(m.id).is_none()).collect()
    }

    /// «Положение № 12 от 01.09.2026».
    pub fn reference(&self) -> String {
        let mut s = capitalize(self.kind.label());
        if !self.number.is_empty() {
            s.push_str(&format!(" № {}", self.number));
        }
        if let Some(d) = self.date {
            s.push_str(&format!(" от {d}"));
        }
        s
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| crate::text::upper(c.encode_utf8(&mut [0; 4])) + chars.as_str()).unwrap_or_default()
}

impl RegulationFields {
    /// An empty form.
    pub fn blank() -> Values {
        Values::default().with("kind", RegulationKind::Statute.code())
    }

    /// Checks a regulation form: a title, and a text or a link.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let (fields, mut e) = Self::read(v, None);
        if fields.text.is_empty() && fields.link.is_empty() {
            e.add("text", "Вставьте текст документа или укажите ссылку на него");
        }
        e.result(|| fields)
    }
}
