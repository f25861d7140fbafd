//! The messages between the app's two halves, encoded with postcard.
//!
//! The page (leptos screens, no automerge) keeps the records as plain data;
//! the engine, a web worker, keeps the automerge documents, writes them to
//! IndexedDB and syncs them with the server. The page tells the engine who
//! this device is, which documents the screens show and what a person
//! changed ([`ToEngine`]); the engine answers with the shown documents'
//! records, the district's summaries, the connection's state and anything
//! that went wrong ([`FromEngine`]). Both sides are this code, so the
//! encoding only has to be small and fast, not self-describing.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use uuid::Uuid;

use crate::district::DistrictYearDoc;
use crate::history::{Entry, Removed};
use crate::overview::SchoolSummary;
use crate::perspective::PerspectiveDoc;
use crate::profile::RmoProfile;
use crate::reply::Replies;
use crate::survey::Responses;
use crate::{AcademicYear, AssociationDoc, Change, DocKind, DocumentId, Error, LibraryDoc, YearDoc};

/// From the page to the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToEngine {
    /// Who this device is and where its server is; sent once, first.
    Start(Start),
    /// The documents the screens need now; sent whenever the year, the
    /// school shown or the device's schools change.
    Open(Open),
    /// A person's change to a shown document, answered by [`FromEngine::Done`].
    Change {
        /// Matches the answer to the question.
        ticket: u32,
        /// The document.
        doc: DocumentId,
        /// The document's heads as the person saw it when the form opened:
        /// the change is made there, so what arrived since survives it.
        seen: Heads,
        /// What the person did.
        change: Change,
    },
    /// What happened to a record, answered by [`FromEngine::History`].
    History {
        /// Matches the answer to the question.
        ticket: u32,
        /// The document.
        doc: DocumentId,
        /// The record.
        record: Uuid,
    },
}

/// A document's heads (automerge change hashes).
pub type Heads = Vec<[u8; 32]>;

/// This device, as the engine needs it for storage and sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Start {
    /// The device's id; its peer ids start with it.
    pub device_id: String,
    /// The device's token, for the sync connection and `/api/me`.
    pub token: String,
    /// The server's origin (`https://mo.example.ru`).
    pub origin: String,
    /// This browser's storage id, by which servers keep their sync state with it.
    pub storage_id: String,
}

/// A school's or the district's documents, and whether this device may change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The school's association id, or the district's id.
    pub id: DocumentId,
    /// Whether this device writes there (else the documents are read-only).
    pub writable: bool,
}

/// What the screens show: the engine opens these documents (once) and sends
/// the records of the shown ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Open {
    /// The academic year chosen.
    pub year: AcademicYear,
    /// The district, for its РМО documents.
    pub district: Place,
    /// Every school the device may read.
    pub schools: Vec<Place>,
    /// The school the school screens show.
    pub shown: Option<DocumentId>,
    /// Whether the district's overview is wanted (district roles).
    pub summaries: bool,
    /// Documents the page shows from the server's preview (a device that
    /// has just joined, [`crate::engine::shown`]), by the heads it shows:
    /// the engine sends such a document only once it has those heads, so
    /// the screens never step back from the preview to an empty document.
    pub awaited: Vec<(DocumentId, Heads)>,
}

/// From the engine to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromEngine {
    /// A shown document as it is now.
    Shown(Box<Shown>),
    /// Every open school's line in the district overview for `year`.
    Summaries {
        /// The academic year.
        year: AcademicYear,
        /// The schools whose documents are open.
        schools: Vec<SchoolLine>,
    },
    /// The connection to the server.
    Sync(SyncStatus),
    /// A save to this device failed (and is retried), or works again (`None`).
    StorageError(Option<String>),
    /// Stored data did not read back; what was lost comes from the server.
    Damaged(String),
    /// Something that keeps the app from working.
    Fatal(String),
    /// The server revoked this device: it keeps its records but no longer syncs.
    Revoked,
    /// The answer to [`ToEngine::Change`]: kept on this device (the
    /// IndexedDB transaction holding it has completed), or why not (and
    /// then nothing of it was kept).
    Done {
        /// The question's ticket.
        ticket: u32,
        /// `Err` holds the sentence to show.
        result: Result<(), String>,
    },
    /// The answer to [`ToEngine::History`]: oldest first, or why not.
    History {
        /// The question's ticket.
        ticket: u32,
        /// `Err` holds the sentence to show.
        result: Result<Vec<HistoryLine>, String>,
    },
}

/// One change of a record in «История»: what it did, and who sent it to
/// the server and when (unknown until the server has it, or for changes
/// stored before the server kept this).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryLine {
    /// What the change did.
    pub entry: Entry,
    /// Whose device sent it, as they wrote it when joining.
    pub who: Option<String>,
    /// When the server stored it (ms since the epoch).
    pub stored_ms: Option<i64>,
}

/// A document the screens show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    /// The document's id.
    pub id: DocumentId,
    /// The school (or the district) it belongs to.
    pub owner: DocumentId,
    /// Which document it is.
    pub kind: DocKind,
    /// Whether this device may change it.
    pub writable: bool,
    /// Its heads: the version of the records below.
    pub heads: Heads,
    /// Its removed records, which every list offers to bring back.
    pub removed: Vec<Removed>,
    /// Its records.
    pub records: Records,
}

/// A document's records, by kind; the yearly ones with the head's words
/// for the yearly analysis.
// One value at a time travels, already behind the `Box` of `FromEngine::Shown`.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Records {
    /// Members.
    Association(AssociationDoc),
    /// A school year, with what it keeps beside its records.
    Year(YearDoc, Beside),
    /// Regulations and the копилка.
    Library(LibraryDoc),
    /// A year of the РМО, with its profile.
    DistrictYear(DistrictYearDoc, Notes, RmoProfile),
    /// The РМО's perspective plan.
    Perspective(PerspectiveDoc),
}

/// The head's words in the yearly analysis, by section.
pub type Notes = BTreeMap<String, String>;

/// What a school's year document keeps beside its records, each under
/// root keys of its own: the head's words in the yearly analysis, the
/// answers to the РМО's recommendations and surveys, the monitoring sheets.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Beside {
    /// The yearly analysis' words, by section.
    pub notes: Notes,
    /// Answers to the РМО's visits.
    pub replies: Replies,
    /// Answers to the РМО's surveys.
    pub responses: Responses,
    /// The class teachers' monitoring sheets.
    pub sheets: crate::monitoring::Sheets,
}

impl Beside {
    /// What `doc`, a school's year document, keeps beside its records.
    pub fn of(doc: &automerge::AutoCommit) -> Self {
        Self {
            notes: crate::report::analysis_notes(doc),
            replies: crate::reply::Reply::all(doc),
            responses: crate::survey::Response::all(doc),
            sheets: crate::monitoring::DutySheet::all(doc),
        }
    }
}

/// A school's line in the district overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolLine {
    /// The school.
    pub school: DocumentId,
    /// Its numbers.
    pub summary: SchoolSummary,
    /// Whether any of its records have arrived (else the numbers are of nothing).
    pub arrived: bool,
}

/// The connection to the server, as the user sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncStatus {
    /// No connection.
    Offline,
    /// Connected, changes on their way.
    Syncing,
    /// The server has everything this device has.
    Saved,
}

impl SyncStatus {
    /// The words in the header.
    pub fn label(self) -> &'static str {
        match self {
            Self::Offline => "нет связи",
            Self::Syncing => "синхронизация…",
            Self::Saved => "сохранено на сервере",
        }
    }
}

/// A message as bytes to post.
pub fn encode<M: Serialize>(message: &M) -> Vec<u8> {
    postcard::to_allocvec(message).expect("the messages are plain data that always encode")
}

/// A posted message, or why it does not decode.
pub fn decode<M: DeserializeOwned>(bytes: &[u8]) -> Result<M, Error> {
    Ok(postcard::from_bytes(bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use crate::record::Document;

    fn round_trip<M: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(message: M) {
        let bytes = encode(&message);
        assert_eq!(decode::<M>(&bytes).unwrap(), message);
    }

    #[test]
    fn a_realistic_years_records_reach_the_screens_as_they_are() {
        let school = fixture::build();
        let year = YearDoc::load(&school.year).unwrap();
        let notes = Notes::from([("plan".to_owned(), "План выполнен полностью.".to_owned())]);
        for records in [
            Records::Association(AssociationDoc::load(&school.association).unwrap()),
            Records::Year(year, Beside { notes: notes.clone(), ..Beside::default() }),
            Records::Library(LibraryDoc::load(&school.library).unwrap()),
            Records::DistrictYear(DistrictYearDoc::load(&school.district).unwrap(), notes, RmoProfile::default()),
            Records::Perspective(PerspectiveDoc::load(&PerspectiveDoc::create(&DocumentId::random())).unwrap()),
        ] {
            let kind = match &records {
                Records::Association(_) => DocKind::Association,
                Records::Year(y, ..) => DocKind::Year(y.academic_year()),
                Records::Library(_) => DocKind::Library,
                Records::DistrictYear(..) => DocKind::DistrictYear(fixture::YEAR),
                Records::Perspective(_) => DocKind::Perspective,
            };
            let id = DocumentId::random();
            round_trip(FromEngine::Shown(Box::new(Shown {
                id,
                owner: id,
                kind,
                writable: true,
                heads: vec![[7; 32]],
                removed: vec![crate::history::Removed {
                    id: uuid::Uuid::new_v4(),
                    list: "protocols".into(),
                    parent: None,
                    title: "Протокол".into(),
                }],
                records,
            })));
        }
    }

    #[test]
    fn a_damaged_message_is_an_error_not_a_panic() {
        let bytes = encode(&FromEngine::Sync(SyncStatus::Saved));
        assert!(decode::<FromEngine>(&bytes[..0]).is_err());
        assert!(decode::<ToEngine>(&[0xff, 0xff, 0xff]).is_err());
        round_trip(FromEngine::Done { ticket: 7, result: Err("Запись не найдена".into()) });
    }
}
