//! A person's change to one document, as the app's screens describe it and
//! its engine applies it.
//!
//! The screens never touch an automerge document: they hold the records as
//! plain data and send a [`Change`] naming what the person did (a member
//! added, a plan row marked, a protocol renumbered). The engine, which holds
//! the documents, applies it to the document of the right [`DocKind`]
//! through the record's own operation (`YearDoc::edit_protocol`, …).

use automerge::{AutoCommit, ChangeHash};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::analysis::AnalysisFields;
use crate::date::{AcademicYear, Date};
use crate::district::{
    ConsultationFields, ContestFields, DistrictDecisionFields, DistrictEventFields, DistrictYearDoc, MentoringFields,
    VisitFields,
};
use crate::kopilka::MaterialFields;
use crate::mentoring::{HelpNoteFields, MentorPlanFields, MentorshipFields};
use crate::monitoring::{DutySheet, DutySheetFields, Quarter};
use crate::next_year::NextYear;
use crate::perspective::{PerspectiveDoc, PerspectiveFields};
use crate::plan::{PlanDoc, PlanFields, PlanMark};
use crate::profile::{ProfileFields, RmoProfile, RmoProfileFields};
use crate::protocol::{AgendaFields, DecisionFields, ProtocolFields};
use crate::record::Edit;
use crate::regulation::RegulationFields;
use crate::reply::{Reply, ReplyFields};
use crate::report::set_analysis_note;
use crate::survey::{Filled, QuestionFields, Response, SurveyFields};
use crate::{AssociationDoc, Error, LibraryDoc, MemberFields, YearDoc};

/// The kinds of document a device keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DocKind {
    /// A school МО's members.
    Association,
    /// One academic year of a school МО: profile, plan, protocols, analyses.
    Year(AcademicYear),
    /// A school МО's regulations and копилка.
    Library,
    /// One academic year of the district РМО.
    DistrictYear(AcademicYear),
    /// The district РМО's perspective plan, over several years.
    Perspective,
}

impl DocKind {
    /// Whether the kind belongs to a school (rather than to the district).
    pub fn is_school(self) -> bool {
        !matches!(self, Self::DistrictYear(_) | Self::Perspective)
    }

    /// The academic year the document is about, for the yearly kinds.
    pub fn year(self) -> Option<AcademicYear> {
        match self {
            Self::Year(y) | Self::DistrictYear(y) => Some(y),
            Self::Association | Self::Library | Self::Perspective => None,
        }
    }
}

/// What a person did to one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Change {
    /// A member added, changed or removed (association).
    Member(Edit<MemberFields>),
    /// The year's theme, goal, tasks and head (year).
    Profile(ProfileFields),
    /// The РМО's theme, goal, tasks and signers (district year).
    RmoProfile(RmoProfileFields),
    /// A plan row added, changed or removed (year or district year).
    PlanRow(Edit<PlanFields>),
    /// A plan row's completion mark (year or district year).
    MarkPlanRow {
        /// The row.
        row: Uuid,
        /// What of the mark the person changed.
        mark: PlanMark,
    },
    /// A protocol's header (year).
    Protocol(Edit<ProtocolFields>),
    /// A protocol read from a Word document, with its agenda (year).
    ImportProtocol {
        /// The header.
        protocol: ProtocolFields,
        /// The agenda questions, in order.
        items: Vec<AgendaFields>,
    },
    /// An agenda item of a protocol (year).
    Agenda {
        /// The protocol.
        protocol: Uuid,
        /// The item's edit.
        item: Edit<AgendaFields>,
    },
    /// A decision of a protocol (year).
    Decision {
        /// The protocol.
        protocol: Uuid,
        /// The decision's edit.
        decision: Edit<DecisionFields>,
    },
    /// «Оформить протокол» on a plan row: the protocol, its agenda from the
    /// row's questions, and the row marked done by it (year).
    ProtocolFromPlan {
        /// The plan row.
        row: Uuid,
        /// The protocol's header.
        protocol: ProtocolFields,
    },
    /// A mentoring pair (year).
    Mentorship(Edit<MentorshipFields>),
    /// An entry of a mentoring pair's plan (year).
    MentorPlan {
        /// The pair.
        pair: Uuid,
        /// The entry's edit.
        entry: Edit<MentorPlanFields>,
    },
    /// A note of help given in a mentoring pair (year).
    HelpNote {
        /// The pair.
        pair: Uuid,
        /// The note's edit.
        note: Edit<HelpNoteFields>,
    },
    /// A protocol given the next free number (year).
    RenumberProtocol(Uuid),
    /// An analysis (year).
    Analysis(Edit<AnalysisFields>),
    /// A regulation (library).
    Regulation(Edit<RegulationFields>),
    /// A member's «ознакомлен(а)» on a regulation (library).
    Acknowledge {
        /// The regulation.
        regulation: Uuid,
        /// Who read it: the member this device belongs to, or (for the
        /// head entering one given on paper) any member.
        member: Uuid,
        /// When.
        day: Date,
        /// Who entered it, for an acknowledgement given on paper.
        entered_by: Option<String>,
    },
    /// A копилка material (library).
    Material(Edit<MaterialFields>),
    /// A file attached to a material (library); the device keeps its
    /// bytes, and sends them to the server, itself.
    AttachFile {
        /// The material.
        material: Uuid,
        /// The file.
        file: crate::files::Attachment,
    },
    /// A file taken off a material (library).
    DetachFile {
        /// The material.
        material: Uuid,
        /// The file's hash.
        hash: String,
    },
    /// A РМО seminar or event (district year).
    Event(Edit<DistrictEventFields>),
    /// A contest (district year).
    Contest(Edit<ContestFields>),
    /// A visit to a school (district year).
    Visit(Edit<VisitFields>),
    /// A consultation (district year).
    Consultation(Edit<ConsultationFields>),
    /// A mentoring pair (district year).
    Mentoring(Edit<MentoringFields>),
    /// How the school carried out a РМО visit's recommendations or a
    /// district meeting's decision addressed to it (year).
    Reply {
        /// The visit or decision, in the district year document.
        to: Uuid,
        /// The answer.
        reply: ReplyFields,
    },
    /// An agenda item of a district meeting's protocol (district year).
    EventAgenda {
        /// The meeting.
        event: Uuid,
        /// The item's edit.
        item: Edit<AgendaFields>,
    },
    /// A decision of a district meeting's protocol (district year).
    EventDecision {
        /// The meeting.
        event: Uuid,
        /// The decision's edit.
        decision: Edit<DistrictDecisionFields>,
    },
    /// A line of the РМО's perspective plan (perspective).
    Perspective(Edit<PerspectiveFields>),
    /// A survey or information request (district year).
    Survey(Edit<SurveyFields>),
    /// A question of a survey, or a column of a table (district year).
    Question {
        /// The survey.
        survey: Uuid,
        /// The question's edit.
        question: Edit<QuestionFields>,
    },
    /// A class teacher's or the school's answer to a РМО survey (year).
    SurveyAnswer {
        /// The survey, in the district year document.
        survey: Uuid,
        /// The class teacher answering for themselves (none for the school).
        member: Option<Uuid>,
        /// The answers, checked.
        filled: Filled,
    },
    /// A class teacher's monitoring sheet for a quarter, or its removal (year).
    DutySheet {
        /// The class teacher.
        member: Uuid,
        /// The quarter.
        quarter: Quarter,
        /// The sheet, checked; none removes it.
        sheet: Option<DutySheetFields>,
    },
    /// «Начать новый учебный год»: what the head carries from last year
    /// into this one (year).
    StartYear(Box<NextYear>),
    /// The members' стаж counted for a new year (association).
    CountExperience(AcademicYear),
    /// A removed record of any list brought back (see [`crate::history::restore`]).
    Restore(Uuid),
    /// The head's words under a section of the yearly analysis (year or
    /// district year).
    AnalysisNote {
        /// The section's key.
        section: String,
        /// The words.
        text: String,
    },
}

impl Change {
    /// Applies the change to `doc`, a document of `kind`, as one commit
    /// stamped `now_ms`; a change that does not belong in such a document is
    /// refused and writes nothing.
    pub fn apply(self, kind: DocKind, doc: &mut AutoCommit, now_ms: i64) -> Result<(), Error> {
        use DocKind::{Association, DistrictYear, Library, Perspective, Year};
        match (self, kind) {
            (Self::Member(e), Association) => AssociationDoc::edit_member(doc, e, now_ms).map(drop),
            (Self::Profile(fields), Year(_)) => YearDoc::set_profile(doc, fields, now_ms),
            (Self::RmoProfile(fields), DistrictYear(_)) => RmoProfile::set(doc, fields, now_ms),
            (Self::PlanRow(e), Year(_)) => YearDoc::edit_plan_row(doc, e, now_ms).map(drop),
            (Self::PlanRow(e), DistrictYear(_)) => DistrictYearDoc::edit_plan_row(doc, e, now_ms).map(drop),
            (Self::MarkPlanRow { row, mark }, Year(_)) => YearDoc::mark_plan_row(doc, row, mark, now_ms),
            (Self::MarkPlanRow { row, mark }, DistrictYear(_)) => {
                DistrictYearDoc::mark_plan_row(doc, row, mark, now_ms)
            }
            (Self::Protocol(e), Year(_)) => YearDoc::edit_protocol(doc, e, now_ms).map(drop),
            (Self::ImportProtocol { protocol, items }, Year(_)) => {
                YearDoc::import_protocol(doc, protocol, items, now_ms).map(drop)
            }
            (Self::Agenda { protocol, item }, Year(_)) => YearDoc::edit_agenda(doc, protocol, item, now_ms).map(drop),
            (Self::Decision { protocol, decision }, Year(_)) => {
                YearDoc::edit_decision(doc, protocol, decision, now_ms).map(drop)
            }
            (Self::ProtocolFromPlan { row, protocol }, Year(_)) => {
                YearDoc::protocol_from_plan(doc, row, protocol, now_ms).map(drop)
            }
            (Self::Mentorship(e), Year(_)) => YearDoc::edit_mentorship(doc, e, now_ms).map(drop),
            (Self::MentorPlan { pair, entry }, Year(_)) => {
                YearDoc::edit_mentor_plan(doc, pair, entry, now_ms).map(drop)
            }
            (Self::HelpNote { pair, note }, Year(_)) => YearDoc::edit_help_note(doc, pair, note, now_ms).map(drop),
            (Self::RenumberProtocol(id), Year(_)) => YearDoc::renumber_protocol(doc, id, now_ms).map(drop),
            (Self::Analysis(e), Year(_)) => YearDoc::edit_analysis(doc, e, now_ms).map(drop),
            (Self::Regulation(e), Library) => LibraryDoc::edit_regulation(doc, e, now_ms).map(drop),
            (Self::Acknowledge { regulation, member, day, entered_by }, Library) => {
                LibraryDoc::acknowledge(doc, regulation, member, day, entered_by, now_ms)
            }
            (Self::Material(e), Library) => LibraryDoc::edit_material(doc, e, now_ms).map(drop),
            (Self::AttachFile { material, file }, Library) => LibraryDoc::attach(doc, material, file, now_ms),
            (Self::DetachFile { material, hash }, Library) => LibraryDoc::detach(doc, material, &hash, now_ms),
            (Self::Event(e), DistrictYear(_)) => DistrictYearDoc::edit_event(doc, e, now_ms).map(drop),
            (Self::Contest(e), DistrictYear(_)) => DistrictYearDoc::edit_contest(doc, e, now_ms).map(drop),
            (Self::Visit(e), DistrictYear(_)) => DistrictYearDoc::edit_visit(doc, e, now_ms).map(drop),
            (Self::Consultation(e), DistrictYear(_)) => DistrictYearDoc::edit_consultation(doc, e, now_ms).map(drop),
            (Self::Mentoring(e), DistrictYear(_)) => DistrictYearDoc::edit_mentoring(doc, e, now_ms).map(drop),
            (Self::AnalysisNote { section, text }, Year(_) | DistrictYear(_)) => {
                set_analysis_note(doc, &section, &text, now_ms)
            }
            (Self::Reply { to, reply }, Year(_)) => Reply::set(doc, to, reply, now_ms),
            (Self::EventAgenda { event, item }, DistrictYear(_)) => {
                DistrictYearDoc::edit_event_agenda(doc, event, item, now_ms).map(drop)
            }
            (Self::EventDecision { event, decision }, DistrictYear(_)) => {
                DistrictYearDoc::edit_event_decision(doc, event, decision, now_ms).map(drop)
            }
            (Self::Perspective(e), Perspective) => PerspectiveDoc::edit_row(doc, e, now_ms).map(drop),
            (Self::Survey(e), DistrictYear(_)) => DistrictYearDoc::edit_survey(doc, e, now_ms).map(drop),
            (Self::Question { survey, question }, DistrictYear(_)) => {
                DistrictYearDoc::edit_question(doc, survey, question, now_ms).map(drop)
            }
            (Self::SurveyAnswer { survey, member, filled }, Year(_)) => {
                Response::set(doc, survey, member, filled, now_ms)
            }
            (Self::DutySheet { member, quarter, sheet }, Year(_)) => {
                DutySheet::set(doc, member, quarter, sheet, now_ms)
            }
            (Self::StartYear(next), Year(_)) => YearDoc::start_from(doc, *next, now_ms),
            (Self::CountExperience(year), Association) => AssociationDoc::count_experience(doc, year, now_ms),
            (Self::Restore(id), _) => {
                crate::history::restore(doc, id)?;
                doc.commit_with(automerge::transaction::CommitOptions::default().with_time(now_ms));
                Ok(())
            }
            (_, kind) => Err(Error::NotInDocument(kind)),
        }
    }
}

impl Change {
    /// Makes the change as the person saw the document: at `seen`, the
    /// heads it had when their form opened, not at its heads now. A
    /// colleague's edit that arrived meanwhile is not in the fork the change
    /// is made on, so fields the person did not touch are not written back
    /// over it, and text is spliced against the words the person edited;
    /// merged, both edits stand. Returns the new change (not yet in `doc`,
    /// which is left as it was), or `None` when the change alters nothing.
    ///
    /// Heads `doc` does not hold (none, or a page older than a restart) mean
    /// the document as it is now.
    pub fn make_at(
        self,
        kind: DocKind,
        doc: &mut AutoCommit,
        seen: &[ChangeHash],
        now_ms: i64,
    ) -> Result<Option<automerge::Change>, Error> {
        let now = doc.get_heads();
        let known = !seen.is_empty() && seen.iter().all(|h| doc.get_change_by_hash(h).is_some());
        let mut fork = if known && seen != now.as_slice() {
            // A fork from the past has an actor of its own (`fork_at`), so
            // its change cannot reuse a sequence number this device's
            // actor already holds.
            doc.fork_at(seen)?
        } else {
            let actor = doc.get_actor().clone();
            doc.fork().with_actor(actor)
        };
        let before = fork.get_heads();
        self.apply(kind, &mut fork, now_ms)?;
        if fork.get_heads() == before {
            return Ok(None);
        }
        Ok(fork.get_last_local_change())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DocumentId;
    use crate::district::DistrictYearDoc;
    use crate::plan::{Completion, WorkKind};
    use crate::record::{Document, Record, RecordList};
    use crate::report::analysis_notes;

    const YEAR: AcademicYear = AcademicYear(2026);

    fn plan_row() -> PlanFields {
        PlanFields::validate(
            &crate::Values::default()
                .with("when", "октябрь")
                .with("kind", WorkKind::Meeting.code())
                .with("topic", "Организация работы классных руководителей"),
            YEAR,
        )
        .unwrap()
    }

    #[test]
    fn a_plan_row_lands_in_the_school_year_or_the_district_year_it_is_sent_to() {
        let school = DocumentId::random();
        let mut year = YearDoc::create(&school, YEAR);
        Change::PlanRow(Edit::Add(plan_row())).apply(DocKind::Year(YEAR), &mut year, 1).unwrap();
        let rows = YearDoc::load(&year).unwrap().plan_rows().len();
        assert_eq!(rows, 1);

        let mut district = DistrictYearDoc::create(&DocumentId::random(), YEAR);
        Change::PlanRow(Edit::Add(plan_row())).apply(DocKind::DistrictYear(YEAR), &mut district, 1).unwrap();
        let id = DistrictYearDoc::load(&district).unwrap().plan_rows()[0].id;
        let done = PlanMark { completion: Some(Completion::Done), ..PlanMark::default() };
        Change::MarkPlanRow { row: id, mark: done }.apply(DocKind::DistrictYear(YEAR), &mut district, 2).unwrap();
        let note = PlanMark { note: Some("Проведено в школе №2".into()), ..PlanMark::default() };
        Change::MarkPlanRow { row: id, mark: note }.apply(DocKind::DistrictYear(YEAR), &mut district, 3).unwrap();
        let marked = DistrictYearDoc::load(&district).unwrap().plan_rows()[0].clone();
        assert_eq!(marked.completion, Completion::Done, "a later mark of the note keeps the completion");
        assert_eq!(marked.completion_note, "Проведено в школе №2");
    }

    /// A form opened on A; B's edit arrives; A saves from what the form showed.
    fn saved_from_the_form<T>(
        kind: DocKind,
        a: &mut AutoCommit,
        b: &mut AutoCommit,
        read: impl Fn(&AutoCommit) -> T,
        on_b: impl FnOnce(&mut AutoCommit, T),
        on_a: impl FnOnce(T) -> Change,
    ) {
        crate::record::tests::merge_both(a, b);
        let (seen, shown) = (a.get_heads(), read(a));
        let theirs = read(b);
        on_b(b, theirs);
        crate::record::tests::merge_both(a, b);
        let change = on_a(shown).make_at(kind, a, &seen, 10).unwrap().expect("the save changes something");
        assert_eq!(change.deps(), seen, "made on the document as the form showed it");
        a.apply_changes([change]).unwrap();
        crate::record::tests::merge_both(a, b);
    }

    #[test]
    fn a_form_saved_after_a_colleagues_edit_arrived_keeps_that_edit() {
        let school = DocumentId::random();
        let (mut a, mut b) = (YearDoc::create(&school, YEAR), YearDoc::create(&school, YEAR));
        let fields = ProtocolFields {
            number: 1,
            date: Date::new(2026, 9, 15).unwrap(),
            chair: None,
            secretary: None,
            attendance: Default::default(),
            invited: String::new(),
            theme: "Организация работы".into(),
            completed: false,
        };
        let p = YearDoc::edit_protocol(&mut a, Edit::Add(fields), 1).unwrap();
        let agenda = AgendaFields {
            topic: "Утверждение плана".into(),
            speaker: "Иванова М. П.".into(),
            heard: "Иванову М. П., которая представила план.".into(),
            spoke: String::new(),
            decided: "Утвердить план.".into(),
        };
        let item = YearDoc::edit_agenda(&mut a, p, Edit::Add(agenda), 2).unwrap();
        let read = |d: &AutoCommit| YearDoc::load(d).unwrap().protocol(p).unwrap().agenda.by_id(item).unwrap().fields();
        let kind = DocKind::Year(YEAR);
        saved_from_the_form(
            kind,
            &mut a,
            &mut b,
            read,
            |b, mut theirs| {
                theirs.decided = "Утвердить план с дополнениями.".into();
                theirs.spoke = "Петрова А. С. предложила дополнения.".into();
                Change::Agenda { protocol: p, item: Edit::Update(item, theirs) }.apply(kind, b, 3).unwrap();
            },
            |mut shown| {
                shown.heard = "Иванову М. П., которая подробно представила план.".into();
                Change::Agenda { protocol: p, item: Edit::Update(item, shown) }
            },
        );
        for doc in [&a, &b] {
            let merged = read(doc);
            assert_eq!(merged.decided, "Утвердить план с дополнениями.");
            assert_eq!(merged.spoke, "Петрова А. С. предложила дополнения.");
            assert_eq!(merged.heard, "Иванову М. П., которая подробно представила план.");
        }

        // The same text edited on both: both people's words stay.
        let kind_words = |text: &'static str| {
            move |mut f: AgendaFields| {
                f.decided = text.into();
                Change::Agenda { protocol: p, item: Edit::Update(item, f) }
            }
        };
        saved_from_the_form(
            kind,
            &mut a,
            &mut b,
            read,
            |b, theirs| kind_words("Утвердить план с дополнениями Петровой.")(theirs).apply(kind, b, 4).unwrap(),
            kind_words("Единогласно утвердить план с дополнениями."),
        );
        assert_eq!(read(&a).decided, "Единогласно утвердить план с дополнениями Петровой.");
    }

    #[test]
    fn a_members_form_saved_late_keeps_the_class_a_colleague_changed() {
        use crate::MemberFields;
        let school = DocumentId::random();
        let (mut a, mut b) = (AssociationDoc::create(&school), AssociationDoc::create(&school));
        let fields = MemberFields::validate(
            &MemberFields::blank()
                .with("full_name", "Иванова Мария Петровна")
                .with("position", "учитель истории")
                .with("class_led", "5А")
                .with("experience_years", "12"),
        )
        .unwrap();
        let id = AssociationDoc::edit_member(&mut a, Edit::Add(fields), 1).unwrap();
        let read = |d: &AutoCommit| AssociationDoc::load(d).unwrap().member(id).unwrap().fields();
        saved_from_the_form(
            DocKind::Association,
            &mut a,
            &mut b,
            read,
            |b, mut theirs| {
                theirs.class_led = "6Б".into();
                Change::Member(Edit::Update(id, theirs)).apply(DocKind::Association, b, 2).unwrap();
            },
            |mut shown| {
                shown.experience_years = 13;
                Change::Member(Edit::Update(id, shown))
            },
        );
        for doc in [&a, &b] {
            let merged = read(doc);
            assert_eq!((merged.class_led.as_str(), merged.experience_years), ("6Б", 13));
        }
    }

    #[test]
    fn a_change_at_the_heads_now_is_this_devices_next_change_and_an_empty_one_is_none() {
        let school = DocumentId::random();
        let mut year = YearDoc::create(&school, YEAR);
        Change::PlanRow(Edit::Add(plan_row())).apply(DocKind::Year(YEAR), &mut year, 1).unwrap();
        let heads = year.get_heads();
        let change =
            Change::PlanRow(Edit::Add(plan_row())).make_at(DocKind::Year(YEAR), &mut year, &heads, 2).unwrap().unwrap();
        assert_eq!(year.get_heads(), heads, "the document is left as it was");
        assert_eq!(change.actor_id(), year.get_actor(), "made as this device's actor");
        year.apply_changes([change]).unwrap();
        let row = YearDoc::load(&year).unwrap().plan_rows()[0].clone();
        let unchanged = Change::PlanRow(Edit::Update(row.id, row.fields()));
        assert!(unchanged.make_at(DocKind::Year(YEAR), &mut year, &[], 3).unwrap().is_none());
    }

    #[test]
    fn a_change_sent_to_the_wrong_kind_of_document_is_refused_and_writes_nothing() {
        let school = DocumentId::random();
        let mut library = LibraryDoc::create(&school);
        let heads = library.get_heads();
        let refused = Change::PlanRow(Edit::Add(plan_row())).apply(DocKind::Library, &mut library, 1);
        assert!(matches!(refused, Err(Error::NotInDocument(DocKind::Library))), "{refused:?}");
        assert_eq!(library.get_heads(), heads);
    }

    #[test]
    fn the_heads_words_go_to_the_yearly_documents_only() {
        let school = DocumentId::random();
        let note = || Change::AnalysisNote { section: "plan".into(), text: "План выполнен.".into() };
        let mut year = YearDoc::create(&school, YEAR);
        note().apply(DocKind::Year(YEAR), &mut year, 1).unwrap();
        assert_eq!(analysis_notes(&year).get("plan").map(String::as_str), Some("План выполнен."));
        let mut members = AssociationDoc::create(&school);
        assert!(note().apply(DocKind::Association, &mut members, 1).is_err());
    }
}
