//! Fuzz targets, run as property tests: whatever bytes arrive — as a
//! message from a peer, as a sync message for a document, as a stored
//! document — the code answers with an error and never panics.
//!
//! The test run tries each a bounded number of times (proptest's 256); a
//! long run is `PROPTEST_CASES=100000 cargo test -p shared --features fixture fuzz`.

use automerge::AutoCommit;
use proptest::prelude::*;

use crate::district::DistrictYearDoc;
use crate::record::Document;
use crate::sync::{Event, Session};
use crate::{AcademicYear, AssociationDoc, DocumentId, LibraryDoc, PeerMetadata, YearDoc};

/// A server-side session that has accepted a client `c`.
fn accepted() -> Session {
    let (_, join) = Session::client("c", PeerMetadata::default());
    let mut server = Session::server("s", PeerMetadata::default());
    server.receive(&join.encode()).unwrap();
    server.accept().unwrap();
    server
}

/// Loads `bytes` as each kind of our documents; only `Err` may come back.
fn load_every_kind(bytes: &[u8]) {
    if let Ok(doc) = AutoCommit::load(bytes) {
        let _ = AssociationDoc::load(&doc);
        let _ = YearDoc::load(&doc);
        let _ = LibraryDoc::load(&doc);
        let _ = DistrictYearDoc::load(&doc);
        let _ = crate::report::analysis_notes(&doc);
    }
}

/// A real year's bytes, to mutate (built once).
fn year_bytes() -> Vec<u8> {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| crate::fixture::build().year.save()).clone()
}

proptest! {
    #[test]
    fn any_bytes_after_the_handshake_are_an_error_or_an_event(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut server = accepted();
        if let Ok(Event::Sync { document_id, message, .. }) = server.receive(&bytes) {
            let _ = server.receive_sync(document_id, &mut AutoCommit::new(), message);
        }
    }

    #[test]
    fn any_sync_payload_for_a_document_is_refused_or_applied(payload in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut server = accepted();
        let id = DocumentId::random();
        let message = crate::Message::Sync { sender_id: "c".into(), target_id: "s".into(), document_id: id, data: payload };
        if let Ok(Event::Sync { document_id, message, .. }) = server.receive(&message.encode()) {
            let mut doc = YearDoc::create(&id, AcademicYear(2026));
            let _ = server.receive_sync(document_id, &mut doc, message);
            let _ = YearDoc::load(&doc);
        }
    }

    #[test]
    fn any_stored_bytes_load_as_an_error_or_records(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        load_every_kind(&bytes);
    }

    #[test]
    fn a_damaged_year_loads_as_an_error_or_records(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
        let mut bytes = year_bytes();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= value | 1;
        }
        load_every_kind(&bytes);
        load_every_kind(&bytes[..cut.index(bytes.len())]);
    }
}
