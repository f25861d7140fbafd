//! The one error type of this crate.

/// Everything that can go wrong in the domain and protocol code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A document id that is not base58check of 16 bytes.
    #[error("invalid document id: {0}")]
    InvalidDocumentId(String),
    /// A wire message that is not valid CBOR or lacks a field.
    #[error("malformed message: {0}")]
    MalformedMessage(String),
    /// Bytes from a peer that would cost more than the server allows to read.
    #[error("too costly: {0}")]
    TooCostly(String),
    /// A message type this implementation does not know.
    #[error("unknown message type {0:?}")]
    UnknownMessageType(String),
    /// A message that is valid on its own but not at this point of the protocol.
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// The peer supports no protocol version we do.
    #[error("no common protocol version (offered {0:?})")]
    NoCommonVersion(Vec<String>),
    /// Automerge bytes that failed to decode or apply.
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// A sync message that failed to decode.
    #[error("bad sync message: {0}")]
    SyncMessage(#[from] automerge::sync::ReadMessageError),
    /// A stored sync state that failed to decode.
    #[error("bad sync state: {0}")]
    SyncState(#[from] automerge::sync::DecodeStateError),
    /// A document whose contents do not have the expected shape.
    #[error("document shape: {0}")]
    Hydrate(#[from] autosurgeon::HydrateError),
    /// A printable document could not be written as a file.
    #[error("Не удалось сформировать документ: {0}")]
    Document(String),
    /// Writing records into a document failed.
    #[error("writing the document: {0}")]
    Reconcile(#[from] autosurgeon::ReconcileError),
    /// The document was written by a newer version of the program.
    #[error("document schema version {found} is newer than {supported}")]
    NewerSchema {
        /// The version stored in the document.
        found: u64,
        /// The newest version this build understands.
        supported: u64,
    },
    /// A text longer than a record may hold.
    #[error("Слишком длинный текст (не больше {0} знаков)")]
    TooLong(usize),
    /// A change sent to a kind of document it does not belong in.
    #[error("the change does not belong in a {0:?} document")]
    NotInDocument(crate::DocKind),
    /// A message between the app's screens and its engine that does not decode.
    #[error("bad message between the app's screens and its engine: {0}")]
    Link(#[from] postcard::Error),
    /// A change the rules refuse, with the message for the person.
    #[error("{0}")]
    Refused(String),
    /// A record with that id is not in the document.
    #[error("no record with id {0}")]
    NotFound(uuid::Uuid),
}
