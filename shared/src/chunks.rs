//! How a document's stored chunks are kept, on a device (IndexedDB) and on
//! the server (the store) alike: every save adds a chunk, and once a
//! document has gathered more than [`COMPACT_AFTER_CHUNKS`] of them, one
//! snapshot replaces them all, unless that would lose something.

/// Chunks a document may gather before one snapshot replaces them.
pub const COMPACT_AFTER_CHUNKS: usize = 64;

/// Whether a document stored as `chunks` chunks is compacted now. Not
/// while some chunk did not load (`all_loaded` false: a snapshot would not
/// hold what it had, and the chunk must stay for whoever can recover it),
/// nor while changes wait for others they depend on (`waiting` true: a
/// snapshot would not hold them either).
pub fn compaction_due(chunks: usize, all_loaded: bool, waiting: bool) -> bool {
    chunks > COMPACT_AFTER_CHUNKS && all_loaded && !waiting
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_whole_document_with_many_chunks_is_compacted() {
        assert!(!compaction_due(COMPACT_AFTER_CHUNKS, true, false));
        assert!(compaction_due(COMPACT_AFTER_CHUNKS + 1, true, false));
        assert!(!compaction_due(COMPACT_AFTER_CHUNKS + 1, false, false), "a chunk that did not load stays");
        assert!(!compaction_due(COMPACT_AFTER_CHUNKS + 1, true, true), "changes waiting for others stay");
    }
}
