//! The domain crate: the records a methodical association keeps, the rules on
//! them, and the automerge-repo sync protocol, shared by the app (wasm32) and
//! the server (native). It does no I/O and reads no clock: callers pass time
//! in and move the bytes.
//!
//! - [`doc_id`]: automerge-repo document ids (base58check of 16 bytes).
//! - [`wire`]: the CBOR messages of the automerge-repo wire protocol.
//! - [`sync`]: one end of one connection, as a sans-I/O state machine.
//! - [`guard`]: what a peer's automerge bytes may cost, checked before
//!   automerge reads them.
//! - [`record`]: what every document and record have in common: schema
//!   versions, identical first changes, edits that survive removals.
//! - [`date`], [`form`]: dates and academic years; form values and Russian
//!   messages at each field.
//! - [`member`]: a member of an association (член МО), its rules and flags.
//! - [`association`]: the association document: its members.
//! - [`profile`], [`plan`], [`protocol`], [`analysis`]: a school МО's
//!   records for one academic year, and their forms' rules.
//! - [`year`]: the document holding them, and the dashboard computed from it.
//! - [`regulation`], [`kopilka`]: regulations with acknowledgement sheets;
//!   the копилка and its search.
//! - [`library`]: the document holding them.
//! - [`district`]: a district РМО's year: its plan, events, contests,
//!   visits with follow-up, consultations, mentoring pairs.
//! - [`change`]: a person's change to one document, as the app's screens
//!   send it and its engine applies it; [`link`]: the messages between the
//!   two.
//! - [`access`]: roles, document owners, and who may read or write what.
//! - [`overview`]: a school's line in the district head's overview.
//! - [`paper`]: a printable document and its DOCX form ([`archive`]: the
//!   zip it comes in); [`papers`]: the documents people print and sign,
//!   built from the records; [`report`]: the yearly analysis's numbers.
//! - [`text`]: case and folding of people's words, for matching and sorting.
//! - [`error`]: the crate's error type.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod access;
pub mod analysis;
pub mod archive;
pub mod association;
pub mod change;
pub mod chunks;
#[cfg(test)]
mod convergence;
pub mod date;
pub mod district;
pub mod doc_id;
pub mod engine;
pub mod error;
pub mod fields;
pub mod files;
#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
pub mod form;
#[cfg(test)]
mod fuzz;
pub mod guard;
pub mod history;
pub mod import;
pub mod kopilka;
mod lenient;
pub mod library;
pub mod link;
pub mod member;
pub mod mentoring;
pub mod monitoring;
pub mod next_year;
pub mod overview;
pub mod paper;
pub mod papers;
pub mod personal;
pub mod perspective;
pub mod plan;
pub mod profile;
pub mod protocol;
pub mod record;
pub mod regulation;
pub mod reply;
pub mod report;
pub mod staff;
pub mod survey;
pub mod sync;
pub mod text;
pub mod wire;
pub mod year;

pub use access::{Access, Grant, Owner, Role};
pub use association::{AssociationDoc, SCHEMA_VERSION};
pub use change::{Change, DocKind};
pub use date::{AcademicYear, Date};
pub use doc_id::DocumentId;
pub use error::Error;
pub use form::{FieldErrors, Values};
pub use library::LibraryDoc;
pub use member::{Category, Education, Member, MemberFields};
pub use record::Document;
pub use sync::{Event, Session, SyncTarget};
pub use wire::{Message, PeerMetadata};
pub use year::YearDoc;
