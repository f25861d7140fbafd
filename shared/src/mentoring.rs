//! Mentoring a young specialist (the МО's task «оказание помощи молодым
//! специалистам»): a pair of members, mentor and young specialist, kept in
//! the school's year with its plan (date, form of help, topic), the notes
//! of help given, its start and end, and a short final reflection. The
//! dashboard reminds the head of a pair with no help noted for a month;
//! the district reads the schools' pairs from their overview lines.

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::{AcademicYear, Date};
use crate::fields::Spec;
use crate::form::{FieldErrors, Values};
use crate::record::{Document, Edit, Life, RecordList};
use crate::{Error, YearDoc};

/// A pair with no help noted for this many days is brought to the head.
pub const QUIET_DAYS: i64 = 30;

/// A mentor and the young specialist they help.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Mentorship {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// наставник
    pub mentor: Option<Uuid>,
    /// молодой специалист
    pub mentee: Option<Uuid>,
    /// начало
    pub since: Option<Date>,
    /// окончание
    pub until: Option<Date>,
    /// итоги наставничества (краткая рефлексия)
    #[serde(with = "crate::record::serde_text")]
    pub reflection: Text,
    /// план работы наставника
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub plan: Vec<MentorPlanEntry>,
    /// отметки об оказанной помощи
    #[autosurgeon(reconcile = "crate::record::write::list")]
    pub notes: Vec<HelpNote>,
}

crate::form! {
    /// A mentoring pair's form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct MentorshipFields {
        /// наставник
        mentor: Option<Uuid> = Spec::member("Наставник").required("Выберите наставника"),
        /// молодой специалист
        mentee: Option<Uuid> = Spec::member("Молодой специалист").required("Выберите молодого специалиста"),
        /// начало
        since: Option<Date> = Spec::date("Начало"),
        /// окончание
        until: Option<Date> = Spec::date("Окончание"),
        /// итоги
        reflection: String = Spec::area("Итоги наставничества (кратко)"),
    }
}

crate::record!(Mentorship, MentorshipFields { mentor, mentee, since, until }, text: { reflection }, rest: { plan, notes });

impl MentorshipFields {
    /// Checks a pair: two different members, the end not before the start.
    pub fn validate(v: &Values) -> Result<Self, FieldErrors> {
        let (fields, mut e) = Self::read(v, None);
        if fields.mentor.is_some() && fields.mentor == fields.mentee {
            e.add("mentee", "Наставник и молодой специалист — разные люди");
        }
        if let (Some(from), Some(to)) = (fields.since, fields.until)
            && to < from
        {
            e.add("until", format!("Не раньше начала ({from})"));
        }
        e.result(|| fields)
    }
}

/// An entry of the mentor's plan.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct MentorPlanEntry {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// дата (срок)
    pub date: Date,
    /// форма помощи: консультация, посещение классного часа…
    pub form: String,
    /// тема
    pub topic: String,
}

crate::form! {
    /// A plan entry's form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct MentorPlanFields {
        /// дата
        date: Date = Spec::date("Дата").in_year(),
        /// форма помощи
        form: String = Spec::text("Форма помощи")
            .required("Укажите форму помощи")
            .max(200)
            .hint("консультация, посещение урока, совместный классный час…"),
        /// тема
        topic: String = Spec::text("Тема").required("Укажите тему").max(500),
    }
}

crate::record!(MentorPlanEntry, MentorPlanFields { date, form, topic });

impl MentorPlanFields {
    /// Checks a plan entry of `year`.
    pub fn validate(v: &Values, year: AcademicYear) -> Result<Self, FieldErrors> {
        let (fields, e) = Self::read(v, Some(year));
        e.result(|| fields)
    }
}

/// A note of help given.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct HelpNote {
    /// Stable identity.
    #[key]
    pub id: Uuid,
    /// Edits and removals.
    pub life: Life,
    /// когда
    pub date: Date,
    /// что сделано
    #[serde(with = "crate::record::serde_text")]
    pub text: Text,
}

crate::form! {
    /// A note's form, checked.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct HelpNoteFields {
        /// когда
        date: Date = Spec::date("Дата").in_year(),
        /// что сделано
        text: String = Spec::area("Что сделано").required("Напишите, какая помощь оказана"),
    }
}

crate::record!(HelpNote, HelpNoteFields { date }, text: { text });

impl HelpNoteFields {
    /// Checks a note of `year`.
    pub fn validate(v: &Values, year: AcademicYear) -> Result<Self, FieldErrors> {
        let (fields, e) = Self::read(v, Some(year));
        e.result(|| fields)
    }
}

impl Mentorship {
    /// Plan entries on the list, by date.
    pub fn plan_list(&self) -> Vec<&MentorPlanEntry> {
        let mut list = self.plan.active();
        list.sort_by_key(|p| p.date);
        list
    }

    /// Notes on the list, by date.
    pub fn note_list(&self) -> Vec<&HelpNote> {
        let mut list = self.notes.active();
        list.sort_by_key(|n| n.date);
        list
    }

    /// The day help was last noted.
    pub fn last_help(&self) -> Option<Date> {
        self.notes.active().iter().map(|n| n.date).max()
    }

    /// Whether the pair works on `today`: begun (or with no start) and not ended.
    pub fn is_running(&self, today: Date) -> bool {
        self.since.is_none_or(|d| d <= today) && self.until.is_none_or(|d| d >= today)
    }

    /// Whether a running pair has had no help noted for [`QUIET_DAYS`]
    /// (counted from its start when nothing is noted yet).
    pub fn is_quiet(&self, today: Date) -> bool {
        let Some(from) = self.last_help().or(self.since) else { return false };
        self.is_running(today) && today.days() - from.days() > QUIET_DAYS
    }
}

impl YearDoc {
    /// Mentoring pairs on the list, in the order they were added.
    pub fn mentorship_list(&self) -> Vec<&Mentorship> {
        self.mentoring.active()
    }

    /// Adds, edits or removes a mentoring pair.
    pub fn edit_mentorship(
        doc: &mut automerge::AutoCommit,
        edit: Edit<MentorshipFields>,
        now_ms: i64,
    ) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |y| edit.apply(&mut y.mentoring))
    }

    /// Adds, edits or removes an entry of `pair`'s plan.
    pub fn edit_mentor_plan(
        doc: &mut automerge::AutoCommit,
        pair: Uuid,
        edit: Edit<MentorPlanFields>,
        now_ms: i64,
    ) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |y| edit.apply(&mut y.mentoring.by_id_mut(pair)?.plan))
    }

    /// Adds, edits or removes a note of help given in `pair`.
    pub fn edit_help_note(
        doc: &mut automerge::AutoCommit,
        pair: Uuid,
        edit: Edit<HelpNoteFields>,
        now_ms: i64,
    ) -> Result<Uuid, Error> {
        Self::change(doc, now_ms, |y| edit.apply(&mut y.mentoring.by_id_mut(pair)?.notes))
    }
}

/// A pair as the district reads it from a school's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairLine {
    /// The mentor's ФИО.
    pub mentor: String,
    /// The young specialist's ФИО.
    pub mentee: String,
    /// Begun.
    pub since: Option<Date>,
    /// Ended.
    pub until: Option<Date>,
    /// Help last noted.
    pub last_help: Option<Date>,
    /// Plan entries and notes of help.
    pub entries: (usize, usize),
}

impl PairLine {
    /// The pairs of a school's year, names from its members.
    pub fn of(year: &YearDoc, members: &crate::AssociationDoc) -> Vec<Self> {
        year.mentorship_list()
            .iter()
            .map(|m| Self {
                mentor: members.full_name(m.mentor),
                mentee: members.full_name(m.mentee),
                since: m.since,
                until: m.until,
                last_help: m.last_help(),
                entries: (m.plan.active().len(), m.notes.active().len()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DocumentId;
    use crate::record::Record;
    use crate::record::tests::merge_both;

    const Y: AcademicYear = AcademicYear(2026);

    fn pair(mentor: Uuid, mentee: Uuid, since: &str) -> MentorshipFields {
        let v = Values::default()
            .with("mentor", mentor.to_string())
            .with("mentee", mentee.to_string())
            .with("since", since);
        MentorshipFields::validate(&v).unwrap()
    }

    fn note(date: &str, text: &str) -> HelpNoteFields {
        HelpNoteFields::validate(&Values::default().with("date", date).with("text", text), Y).unwrap()
    }

    #[test]
    fn a_pairs_plan_and_notes_written_on_two_devices_merge() {
        let school = DocumentId::random();
        let mut a = YearDoc::create(&school, Y);
        let mut b = YearDoc::create(&school, Y);
        let (mentor, mentee) = (Uuid::new_v4(), Uuid::new_v4());
        let id = YearDoc::edit_mentorship(&mut a, Edit::Add(pair(mentor, mentee, "01.09.2026")), 1).unwrap();
        merge_both(&mut a, &mut b);
        let entry = MentorPlanFields::validate(
            &Values::default()
                .with("date", "15.09.2026")
                .with("form", "консультация")
                .with("topic", "Портфолио класса"),
            Y,
        )
        .unwrap();
        YearDoc::edit_mentor_plan(&mut a, id, Edit::Add(entry), 2).unwrap();
        YearDoc::edit_help_note(&mut b, id, Edit::Add(note("20.09.2026", "Посетила классный час, разобрали")), 3)
            .unwrap();
        merge_both(&mut a, &mut b);
        let y = YearDoc::load(&a).unwrap();
        assert_eq!(y, YearDoc::load(&b).unwrap());
        let m = y.mentorship_list()[0];
        assert_eq!((m.plan_list().len(), m.note_list().len()), (1, 1));
        assert_eq!(m.last_help(), Date::new(2026, 9, 20));
    }

    #[test]
    fn a_running_pair_with_no_help_for_a_month_is_quiet() {
        let (mentor, mentee) = (Uuid::new_v4(), Uuid::new_v4());
        let mut m = Mentorship::new(Uuid::new_v4(), pair(mentor, mentee, "01.09.2026"));
        let day = |s: &str| Date::parse(s).unwrap();
        assert!(!m.is_quiet(day("01.10.2026")), "30 days after the start");
        assert!(m.is_quiet(day("02.10.2026")));
        Edit::Add(note("25.09.2026", "Консультация")).apply(&mut m.notes).unwrap();
        assert!(!m.is_quiet(day("20.10.2026")));
        assert!(m.is_quiet(day("26.10.2026")));
        m.until = Some(day("24.10.2026"));
        assert!(!m.is_quiet(day("26.10.2026")), "an ended pair is not brought up");
        let same = Values::default().with("mentor", mentor.to_string()).with("mentee", mentor.to_string());
        let e = MentorshipFields::validate(&same.with("since", "10.10.2026").with("until", "01.10.2026")).unwrap_err();
        assert_eq!(e.get("mentee"), Some("Наставник и молодой специалист — разные люди"));
        assert_eq!(e.get("until"), Some("Не раньше начала (10.10.2026)"));
    }
}
