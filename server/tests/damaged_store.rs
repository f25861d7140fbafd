//! A document whose stored chunk was damaged on the server's disk: the hub
//! loads the other chunks instead of refusing the whole document, a peer
//! that still has the lost changes sends them again, and they are stored.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use automerge::sync::{State, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, Automerge, ROOT, ReadDoc};
use server::hub::{Hub, Outbox};
use server::store::{RedbStore, Store};
use shared::DocumentId;

fn keys(doc: &Automerge) -> Vec<String> {
    doc.keys(ROOT).collect()
}

/// The hub's copy of `id`, read through a fresh subscription.
async fn read(hub: &Hub, id: DocumentId) -> Vec<String> {
    let slot = hub.subscribe(id, 99, &Arc::new(Outbox::default()));
    let found = hub.read(&slot, |doc| keys(doc)).await.unwrap().unwrap_or_default();
    hub.unsubscribe(&id, 99);
    found
}

#[tokio::test]
async fn a_damaged_chunk_costs_only_itself_and_peers_restore_it() {
    let dir = tempfile::tempdir().unwrap();
    let id = DocumentId::random();
    let mut client = AutoCommit::new();
    client.put(ROOT, "a", "первый").unwrap();
    let first = client.save();
    client.put(ROOT, "b", "второй").unwrap();
    let mut second = client.save_incremental();
    client.put(ROOT, "c", "третий").unwrap();
    let third = client.save_incremental();
    // The middle chunk's bytes are overwritten on disk.
    let middle = second.len() / 2;
    second[middle..].iter_mut().for_each(|b| *b = !*b);
    {
        let store = RedbStore::open(dir.path()).unwrap();
        for chunk in [&first, &second, &third] {
            store.append(&id, chunk.to_vec(), Vec::new()).await.unwrap();
        }
    }

    let hub = Hub::new(Arc::new(RedbStore::open(dir.path()).unwrap()));
    // "c" depends on the lost "b", so automerge holds it back until "b" is back.
    assert_eq!(read(&hub, id).await, ["a"], "the sound chunk loads; the damaged one does not take it down");

    // The client syncs as after a reconnect: it sends what the server lacks.
    let slot = hub.subscribe(id, 1, &Arc::new(Outbox::default()));
    let (mut ours, mut theirs) = (State::new(), State::new());
    for _ in 0..10 {
        let to_server = client.sync().generate_sync_message(&mut ours);
        let to_client = hub
            .apply(&slot, 1, "peer", true, |doc| {
                if let Some(m) = to_server.clone() {
                    doc.receive_sync_message(&mut theirs, m).unwrap();
                }
                doc.generate_sync_message(&mut theirs)
            })
            .await
            .unwrap()
            .unwrap();
        if let Some(m) = to_client.clone() {
            client.sync().receive_sync_message(&mut ours, m).unwrap();
        }
        if to_server.is_none() && to_client.is_none() {
            break;
        }
    }
    assert_eq!(read(&hub, id).await, ["a", "b", "c"], "the peer's copy fills the gap");
    drop((slot, hub));

    let hub = Hub::new(Arc::new(RedbStore::open(dir.path()).unwrap()));
    assert_eq!(read(&hub, id).await, ["a", "b", "c"], "and what it sent was stored");
}

/// A compaction replaces a document's chunks with one snapshot; a chunk
/// that failed to load is set aside first, so the compaction never takes
/// the only copy of what it held.
#[tokio::test]
async fn a_chunk_that_failed_to_load_is_set_aside_before_a_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let id = DocumentId::random();
    let mut client = AutoCommit::new();
    client.put(ROOT, "a", "первый").unwrap();
    let first = client.save();
    let mut other = AutoCommit::new();
    other.put(ROOT, "z", "чужое").unwrap();
    let mut damaged = other.save();
    let end = damaged.len();
    damaged[end - 8..].iter_mut().for_each(|b| *b = !*b);
    let store: Arc<dyn Store> = Arc::new(RedbStore::open(dir.path()).unwrap());
    store.append(&id, first, Vec::new()).await.unwrap();
    store.append(&id, damaged.clone(), Vec::new()).await.unwrap();

    let hub = Hub::new(store.clone());
    let slot = hub.subscribe(id, 1, &Arc::new(Outbox::default()));
    for n in 0..70_i64 {
        hub.apply(&slot, 1, "peer", true, |doc| {
            let mut tx = doc.transaction();
            tx.put(ROOT, "n", n).unwrap();
            tx.commit();
        })
        .await
        .unwrap();
    }
    assert!(store.load(&id).unwrap().unwrap().len() < 70, "the document was compacted");
    assert_eq!(store.set_aside_chunks(&id).unwrap(), vec![damaged], "the damaged chunk is kept aside");
    assert_eq!(hub.chunks_set_aside(), 1, "and reported");
}
