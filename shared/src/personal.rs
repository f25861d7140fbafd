//! Marks that stand for one person's own word: a member's «ознакомлен(а)»
//! on a regulation's sheet (which the school shows an inspector as her
//! signature) and a class teacher's answer to a РМО survey; and the marks
//! only a school's head writes: an acknowledgement given on paper, and the
//! school's answer to a survey.
//!
//! The app only lets a device write its own person's marks, but a device
//! can send any change it likes. So the server reads every change a
//! member's device sends for the marks it writes ([`marks`]) and refuses
//! the message when one is not that member's ([`refusal`]), before the
//! change is stored or relayed. Each operation is placed by its object's
//! path in the document, so a mark is found wherever it is written: a
//! value that loses a conflict, a key of a record created in the same
//! change, or a deletion.

use std::collections::BTreeSet;

use automerge::{Automerge, Prop, ReadDoc};
use uuid::Uuid;

/// Whose word a written mark is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mark {
    /// The member with this id (a regulation's sheet, a survey answer).
    Member(String),
    /// The school's, through its head: a survey answered for the school,
    /// a class teacher's monitoring sheet.
    School,
    /// An acknowledgement given on paper, entered by the head.
    Paper,
}

/// Where a survey answer is kept: the root key's start.
const SURVEY_PREFIX: &str = "rmo_survey/";

/// The mark that writing at `path` (props from the root, the written key
/// last) is part of, if any.
pub fn mark_at(path: &[Prop]) -> Option<Mark> {
    let key = |n: usize| match path.get(n) {
        Some(Prop::Map(k)) => Some(k.as_str()),
        _ => None,
    };
    if key(0).is_some_and(|k| k.starts_with(crate::monitoring::SHEET_PREFIX)) {
        return Some(Mark::School);
    }
    if let Some(answer) = key(0).and_then(|k| k.strip_prefix(SURVEY_PREFIX)) {
        let who = answer.rsplit('/').next().unwrap_or_default();
        return Some(if who == "school" { Mark::School } else { Mark::Member(who.to_owned()) });
    }
    if key(0) == Some("regulations") && matches!(path.get(1), Some(Prop::Seq(_))) {
        return match (key(2), key(3)) {
            (Some("acknowledgements"), Some(member)) => Some(Mark::Member(member.to_owned())),
            (Some("on_paper"), Some(_)) => Some(Mark::Paper),
            _ => None,
        };
    }
    None
}

/// The marks the changes `hashes` write, read in `doc`, which holds them:
/// every operation is placed at its object's path. An operation on an
/// object the document cannot place is an error (the message is refused).
pub fn marks(doc: &Automerge, hashes: &[automerge::ChangeHash]) -> Result<BTreeSet<Mark>, String> {
    let mut found = BTreeSet::new();
    for hash in hashes {
        let change = doc.get_change_by_hash(hash).ok_or("a change the document does not hold")?;
        for op in change.decode().operations {
            let obj = op.obj.to_string();
            let (id, _) = doc.import(&obj).map_err(|_| format!("an operation on an unknown object {obj}"))?;
            let mut path: Vec<Prop> = doc
                .parents(&id)
                .map_err(|_| format!("an object that cannot be placed {obj}"))?
                .path()
                .into_iter()
                .map(|(_, prop)| prop)
                .collect();
            if let automerge::legacy::Key::Map(key) = &op.key {
                path.push(Prop::Map(key.to_string()));
            }
            found.extend(mark_at(&path));
        }
    }
    Ok(found)
}

/// Why a member's device linked to `member` (or to nobody) may not write
/// `marks`, if it may not: a member writes her own marks only.
pub fn refusal(marks: &BTreeSet<Mark>, member: Option<Uuid>) -> Option<String> {
    let own = member.map(|m| m.to_string());
    let foreign = marks.iter().find(|m| match m {
        Mark::Member(id) => own.as_deref() != Some(id.as_str()),
        Mark::School | Mark::Paper => true,
    })?;
    Some(match foreign {
        Mark::Member(_) if own.is_none() => {
            "changes refused: this device is not linked to a member, so it marks nobody's acknowledgement or answer"
                .to_owned()
        }
        Mark::Member(id) => format!("changes refused: this device marks only its own member's, not {id}'s"),
        Mark::School => {
            "changes refused: only the school's head answers for the school and keeps the monitoring sheets".to_owned()
        }
        Mark::Paper => "changes refused: only the school's head enters acknowledgements given on paper".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Edit;
    use crate::regulation::RegulationFields;
    use crate::survey::{Filled, Response};
    use crate::{AcademicYear, Date, DocumentId, LibraryDoc, Values, YearDoc};

    /// The marks of what `doc` gained since `before`.
    fn written(doc: &mut automerge::AutoCommit, before: &[automerge::ChangeHash]) -> BTreeSet<Mark> {
        let hashes: Vec<_> = doc.get_changes(before).iter().map(|c| c.hash()).collect();
        marks(doc.document(), &hashes).unwrap()
    }

    #[test]
    fn acknowledgements_and_answers_are_found_as_whose_they_are() {
        let school = DocumentId::random();
        let (own, other) = (Uuid::new_v4(), Uuid::new_v4());
        let mut library = LibraryDoc::create(&school);
        let fields = RegulationFields::validate(
            &Values::default()
                .with("kind", "statute")
                .with("title", "Положение о МО")
                .with("text", "1. Общие положения"),
        )
        .unwrap();
        let before = library.get_heads();
        let regulation = LibraryDoc::edit_regulation(&mut library, Edit::Add(fields), 1).unwrap();
        assert!(written(&mut library, &before).is_empty(), "a new regulation is nobody's mark");
        let day = Date::new(2026, 11, 20).unwrap();
        let before = library.get_heads();
        LibraryDoc::acknowledge(&mut library, regulation, own, day, None, 2).unwrap();
        let mine = written(&mut library, &before);
        assert_eq!(mine, BTreeSet::from([Mark::Member(own.to_string())]));
        assert_eq!(refusal(&mine, Some(own)), None);
        assert!(refusal(&mine, Some(other)).unwrap().contains("only its own member's"));
        assert!(refusal(&mine, None).unwrap().contains("not linked"));
        let before = library.get_heads();
        LibraryDoc::acknowledge(&mut library, regulation, other, day, Some("Орлова Е. С.".into()), 3).unwrap();
        let paper = written(&mut library, &before);
        assert_eq!(paper, BTreeSet::from([Mark::Member(other.to_string()), Mark::Paper]));
        assert!(refusal(&paper, Some(other)).unwrap().contains("on paper"));

        let mut year = YearDoc::create(&school, AcademicYear(2026));
        let survey = Uuid::new_v4();
        let before = year.get_heads();
        Response::set(&mut year, survey, Some(own), Filled { by: "Иванова".into(), ..Filled::default() }, 4).unwrap();
        assert_eq!(written(&mut year, &before), BTreeSet::from([Mark::Member(own.to_string())]));
        let before = year.get_heads();
        Response::set(&mut year, survey, None, Filled { by: "Школа".into(), ..Filled::default() }, 5).unwrap();
        let school_answer = written(&mut year, &before);
        assert_eq!(school_answer, BTreeSet::from([Mark::School]));
        assert!(refusal(&school_answer, Some(own)).unwrap().contains("head answers"));
        // A class teacher's monitoring sheet is the head's, her own included.
        let before = year.get_heads();
        let sheet = crate::monitoring::DutySheetFields::default();
        crate::monitoring::DutySheet::set(&mut year, own, crate::monitoring::Quarter::First, Some(sheet), 6).unwrap();
        let sheet = written(&mut year, &before);
        assert_eq!(sheet, BTreeSet::from([Mark::School]));
        assert!(refusal(&sheet, Some(own)).unwrap().contains("monitoring sheets"));
    }

    #[test]
    fn a_losing_value_and_a_deletion_are_marks_too() {
        use automerge::transaction::Transactable;
        let school = DocumentId::random();
        let mut a = YearDoc::create(&school, AcademicYear(2026));
        let mut b = a.fork();
        let other = Uuid::new_v4();
        let key = format!("rmo_survey/{}/{other}", Uuid::new_v4());
        a.put(automerge::ROOT, key.as_str(), "a").unwrap();
        a.commit();
        b.put(automerge::ROOT, key.as_str(), "b").unwrap();
        b.commit();
        let before = a.get_heads();
        a.merge(&mut b).unwrap();
        assert_eq!(written(&mut a, &before), BTreeSet::from([Mark::Member(other.to_string())]), "whichever wins");
        let before = a.get_heads();
        a.delete(automerge::ROOT, key.as_str()).unwrap();
        a.commit();
        assert_eq!(written(&mut a, &before), BTreeSet::from([Mark::Member(other.to_string())]));
    }
}
