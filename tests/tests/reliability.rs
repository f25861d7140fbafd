//! What a teacher is promised: nothing the server acknowledged is lost.
//! The server is SIGKILLed twenty times (`MO_KILLS=n` for another count),
//! each time after a random number of acknowledged writes, while four
//! clients write to two documents, two to each; restarted on the same data
//! directory, it still has every change it had acknowledged, and the
//! clients that share a document converge with each other and the server.
//!
//! The schedule is random; its seed is printed, and `MO_SEED=n` replays it.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ROOT, ReadDoc};
use e2e::peer::Peer;
use e2e::server::admin_in;
use e2e::{Device, Rng, Server, eventually};
use shared::{AcademicYear, DocumentId, YearDoc};
use tempfile::TempDir;

const WRITERS: usize = 4;
const DOCUMENTS: usize = 2;
const KILLS: usize = 20;

/// One client: keeps writing to its own document and pushing, recording
/// the heads the server confirmed, until its connection breaks.
async fn write_until_cut(
    url: String,
    peer_id: String,
    id: DocumentId,
    doc: Arc<Mutex<Automerge>>,
    acked: Arc<Mutex<Vec<ChangeHash>>>,
) {
    let Ok(mut peer) = Peer::connect_as(&url, &peer_id).await else { return };
    for n in 0.. {
        let mut local = doc.lock().unwrap().clone();
        let mut tx = local.transaction();
        tx.put(ROOT, format!("{peer_id}-{n}"), n).unwrap();
        tx.commit();
        // The change is the client's before it is offered, as in the app.
        *doc.lock().unwrap() = local.clone();
        match peer.try_push(id, &mut local, Duration::from_secs(5)).await {
            Ok(()) => {
                acked.lock().unwrap().extend(local.get_heads());
                *doc.lock().unwrap() = local;
            }
            Err(_) => return,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_the_server_acknowledged_survives_sigkill_and_clients_converge() {
    let mut rng = Rng::seeded();
    let kills = std::env::var("MO_KILLS").ok().and_then(|k| k.parse().ok()).unwrap_or(KILLS);
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (_, school_head) = server.heads().await;
    let school = school_head.school();
    let documents: Vec<DocumentId> =
        (0..DOCUMENTS).map(|d| YearDoc::id_for(&school, AcademicYear(2000 + d as i32))).collect();
    let mut writers: Vec<(Device, DocumentId)> = Vec::new();
    for i in 0..WRITERS {
        let device = school_head.add_device(&server, "member", Some(school), &format!("Учитель {i}")).await;
        writers.push((device, documents[i % DOCUMENTS]));
    }
    let docs: Vec<Arc<Mutex<Automerge>>> = (0..WRITERS).map(|_| Arc::new(Mutex::new(Automerge::new()))).collect();
    let acked: Vec<Arc<Mutex<Vec<ChangeHash>>>> = (0..WRITERS).map(|_| Arc::default()).collect();
    let acknowledged = || acked.iter().map(|a| a.lock().unwrap().len()).sum::<usize>();

    for round in 0..kills {
        let tasks: Vec<_> = writers
            .iter()
            .enumerate()
            .map(|(i, (device, id))| {
                let (url, peer_id) = (server.sync_url_for(device), device.peer_id(&format!("w{round}")));
                tokio::spawn(write_until_cut(url, peer_id, *id, docs[i].clone(), acked[i].clone()))
            })
            .collect();
        // The kill comes after a random number of new acknowledgements,
        // with the other writers' pushes in flight.
        let target = acknowledged() + 1 + rng.below(6) as usize;
        eventually("the writers' pushes acknowledged", || async { (acknowledged() >= target).then_some(()) }).await;
        server.stop().await; // SIGKILL
        for t in tasks {
            t.await.unwrap();
        }
        server.resume().await;
        for (i, (device, id)) in writers.iter().enumerate() {
            let acked = acked[i].lock().unwrap().clone();
            if acked.is_empty() {
                continue;
            }
            let stored = Peer::connect(&server, device).await.fetch(*id).await;
            let stored = stored.unwrap_or_else(|| panic!("round {round}: writer {i}'s document lost after a kill"));
            for hash in &acked {
                assert!(
                    stored.get_change_by_hash(hash).is_some(),
                    "round {round}: change {hash} of writer {i} was acknowledged, then lost in a kill"
                );
            }
        }
    }
    eprintln!("{} pushes acknowledged across {kills} kills", acknowledged());

    // Every client pushes all it has (acknowledged or not); then each
    // reads its document: the writers that share one hold the same heads,
    // the server's.
    for (i, (device, id)) in writers.iter().enumerate() {
        let mut local = docs[i].lock().unwrap().clone();
        Peer::connect(&server, device).await.push(*id, &mut local).await;
    }
    for id in &documents {
        let mut heads = Vec::new();
        for (i, (device, _)) in writers.iter().enumerate().filter(|(_, (_, doc))| doc == id) {
            let mut local = docs[i].lock().unwrap().clone();
            Peer::connect(&server, device).await.push(*id, &mut local).await;
            let stored = Peer::connect(&server, device).await.fetch(*id).await.unwrap();
            assert_eq!(stored.get_heads(), local.get_heads(), "writer {i} and the server converge");
            heads.push(stored.get_heads());
        }
        assert!(heads.windows(2).all(|w| w[0] == w[1]), "the writers of one document converge: {heads:?}");
    }
}

/// A backup taken from the live server while a client writes, restored
/// into a fresh server: the client syncs with it and nothing is lost or
/// doubled; restoring over a running server is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_backup_restores_into_a_fresh_server_that_clients_sync_with() {
    let dir = TempDir::new().unwrap();
    let mut live = Server::start(&dir.path().join("live")).await;
    let (_, head) = live.heads().await;
    let id = YearDoc::id_for(&head.school(), AcademicYear(2026));
    let mut doc = Automerge::new();
    let write = |doc: &mut Automerge, n: u32| {
        let mut tx = doc.transaction();
        tx.put(ROOT, format!("record-{n}"), n).unwrap();
        tx.commit();
    };
    let mut peer = Peer::connect(&live, &head).await;
    for n in 0..20 {
        write(&mut doc, n);
        peer.push(id, &mut doc).await;
    }
    let before_backup = doc.get_heads();

    // The backup is taken while the client keeps writing.
    let out = dir.path().join("backup.redb");
    let out_arg = out.display().to_string();
    let backup = {
        let (data, out_arg) = (live.data_dir(), out_arg.clone());
        tokio::task::spawn_blocking(move || admin_in(&data, &["backup", "--out", &out_arg]))
    };
    for n in 20..40 {
        write(&mut doc, n);
        peer.push(id, &mut doc).await;
    }
    let (ok, said) = backup.await.unwrap();
    assert!(ok, "backup failed: {said}");
    assert!(said.contains("backup written") && said.contains("documents"), "{said}");
    assert!(live.log().contains("administrator's request"), "the running server made the copy");

    let (ok, said) = live.admin(&["restore", "--from", &out_arg]);
    assert!(!ok && said.contains("stop the server first"), "restoring over a running server is refused: {said}");
    live.stop().await;

    // A fresh server from the backup: the same device token works there.
    let (ok, said) = admin_in(&dir.path().join("fresh").join("data"), &["restore", "--from", &out_arg]);
    assert!(ok, "restore failed: {said}");
    let fresh = Server::start(&dir.path().join("fresh")).await;
    let restored = Peer::connect(&fresh, &head).await.fetch(id).await.expect("the document is in the backup");
    for hash in &before_backup {
        assert!(restored.get_change_by_hash(hash).is_some(), "a change from before the backup is in it");
    }
    // The client's later changes go to the restored server once, and both agree.
    Peer::connect(&fresh, &head).await.push(id, &mut doc).await;
    let merged = Peer::connect(&fresh, &head).await.fetch(id).await.unwrap();
    assert_eq!(merged.get_heads(), doc.get_heads());
    assert_eq!(merged.get_changes(&[]).len(), 40, "every change once");
    assert_eq!(automerge::ReadDoc::keys(&merged, ROOT).count(), 40);
}
