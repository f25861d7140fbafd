//! The server's error type.

/// What can go wrong inside the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The embedded database failed; the write it was part of did not happen.
    #[error("storage: {0}")]
    Storage(#[from] redb::Error),
    /// The batch this write was committed in failed; none of it happened.
    #[error("storage: {0}")]
    Batch(std::sync::Arc<Error>),
    /// PostgreSQL failed or could not be reached; the write it was part
    /// of did not happen.
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    /// The store was closed before the write was done.
    #[error("storage: the store was closed")]
    StoreClosed,
    /// A blocking storage task was cancelled or panicked.
    #[error("storage task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Files of the data directory could not be created or opened.
    #[error("data directory: {0}")]
    Io(#[from] std::io::Error),
    /// A certificate, its key, or the certificate authority's settings.
    #[error("TLS: {0}")]
    Tls(String),
    /// An administrator's request that would undo the server's own safety.
    #[error("{0}")]
    Refused(String),
    /// The domain or protocol layer refused something.
    #[error(transparent)]
    Domain(#[from] shared::Error),
}

macro_rules! storage_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Storage(e.into())
            }
        }
    )*};
}

storage_error_from!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);
