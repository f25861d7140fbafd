//! The domain crate: the records a methodical association keeps, the rules on
//! them, and the automerge-repo sync protocol, shared by the app (wasm32) and
//! the server (native). It does no I/O and reads no clock: callers pass time
//! in and move the bytes.
//!
//! - [`doc_id`]: automerge-repo document ids (base58check of 16 bytes).
//! - [`wire`]: the CBOR messages of the automerge-repo wire protocol.
//! - [`sync`]: one end of one connection, as a sans-I/O state machine.
//! - [`member`]: a member of an association (член МО) and its validation.
//! - [`association`]: the association document: its members, schema version,
//!   and the operations the UI performs on it.
//! - [`error`]: the crate's error type.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod association;
pub mod doc_id;
pub mod error;
mod lenient;
pub mod member;
pub mod sync;
pub mod wire;

pub use association::{AssociationDoc, SCHEMA_VERSION};
pub use doc_id::DocumentId;
pub use error::Error;
pub use member::{Category, Education, Member, MemberDraft, ValidationErrors};
pub use sync::{Event, Session, SyncTarget};
pub use wire::{Message, PeerMetadata};
