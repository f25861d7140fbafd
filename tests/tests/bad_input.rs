//! Bad input against the real server, with small limits so the test is
//! quick: too many connections from one device are refused (429), too many
//! documents on one connection close it with a reason, a flood of requests
//! for unknown documents is slowed to its budget while another device syncs
//! promptly, and random and damaged frames (seeded, `MO_SEED` replays them)
//! close only their own connection. The server serves everyone else
//! throughout.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT};
use e2e::peer::Peer;
use e2e::{Rng, Server};
use futures_util::{SinkExt, StreamExt};
use shared::{AcademicYear, DocumentId, Message, YearDoc};
use tempfile::TempDir;
use tokio_tungstenite::tungstenite::Message as WsMessage;

fn changed(doc: &mut Automerge, key: &str) {
    let mut tx = doc.transaction();
    tx.put(ROOT, key, 1).unwrap();
    tx.commit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_hold_a_device_to_its_share_and_others_keep_syncing() {
    let dir = TempDir::new().unwrap();
    let server = Server::start_with(
        dir.path(),
        &[
            ("MO_MAX_CONNECTIONS_PER_DEVICE", "2"),
            ("MO_MAX_DOCUMENTS_PER_CONNECTION", "3"),
            ("MO_MAX_MESSAGES_PER_SECOND", "100"),
        ],
    )
    .await;
    let (_, head) = server.heads().await;
    let school = head.school();
    let greedy = head.add_device(&server, "member", Some(school), "Жадный клиент").await;
    let url = server.sync_url_for(&greedy);

    // Connections: two, then 429 with a reason; another device is unaffected.
    let mut first = Peer::connect_as(&url, &greedy.peer_id("a")).await.unwrap();
    let _second = Peer::connect_as(&url, &greedy.peer_id("b")).await.unwrap();
    let refused = Peer::connect_as(&url, &greedy.peer_id("c")).await.err().expect("a third connection is refused");
    assert!(refused.contains("429"), "{refused}");
    let mut other = Peer::connect(&server, &head).await;

    // Documents per connection: three, then the connection is closed with a reason.
    for year in 0..3 {
        let mut doc = Automerge::new();
        changed(&mut doc, "x");
        first.push(YearDoc::id_for(&school, AcademicYear(2020 + year)), &mut doc).await;
    }
    let mut fourth = Automerge::new();
    changed(&mut fourth, "x");
    let why = first
        .try_push(YearDoc::id_for(&school, AcademicYear(2030)), &mut fourth, Duration::from_secs(10))
        .await
        .expect_err("a fourth document closes the connection");
    assert!(why.contains("more than 3 documents"), "{why}");

    // A flood of requests for unknown documents is answered at its budget,
    // while the other device's change goes through at once.
    let (mut flood, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let (session, join) = shared::Session::client(greedy.peer_id("flood"), shared::PeerMetadata::default());
    let mut session = session;
    flood.send(WsMessage::Binary(join.encode().into())).await.unwrap();
    let flood_size = 400;
    let started = Instant::now();
    let sender = tokio::spawn(async move {
        let Some(Ok(WsMessage::Binary(peer))) = flood.next().await else { panic!("the server answers the join") };
        session.receive(&peer).unwrap();
        for _ in 0..flood_size {
            let m = session.generate(DocumentId::random(), &mut Automerge::new()).unwrap();
            flood.send(WsMessage::Binary(m.encode().into())).await.unwrap();
        }
        let mut unavailable = 0;
        while unavailable < flood_size {
            match tokio::time::timeout(Duration::from_secs(30), flood.next()).await.unwrap() {
                Some(Ok(WsMessage::Binary(bytes))) => {
                    if matches!(Message::decode(&bytes), Ok(Message::DocUnavailable { .. })) {
                        unavailable += 1;
                    }
                }
                other => panic!("the flood's connection stays open, got {other:?}"),
            }
        }
        unavailable
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let quick = Instant::now();
    let mut doc = Automerge::new();
    changed(&mut doc, "during the flood");
    other.push(YearDoc::id_for(&school, AcademicYear(2026)), &mut doc).await;
    assert!(quick.elapsed() < Duration::from_secs(2), "another device waits for nobody: {:?}", quick.elapsed());
    assert_eq!(sender.await.unwrap(), flood_size, "every request answered, as unavailable");
    assert!(
        started.elapsed() >= Duration::from_millis(1_500),
        "400 messages at 100 a second (after a burst of 200) take at least 2 s: {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_and_damaged_frames_close_only_their_connection() {
    let mut rng = Rng::seeded();
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let id = YearDoc::id_for(&head.school(), AcademicYear(2026));
    let mut good = Peer::connect(&server, &head).await;
    let mut doc = Automerge::new();
    changed(&mut doc, "start");
    good.push(id, &mut doc).await;
    // A valid sync message to damage.
    let (mut template, join) = shared::Session::client(head.peer_id("t"), shared::PeerMetadata::default());
    let valid = {
        let mut session = shared::Session::server("s", shared::PeerMetadata::default());
        session.receive(&join.encode()).unwrap();
        let peer = session.accept().unwrap();
        template.receive(&peer.encode()).unwrap();
        template.generate(id, &mut doc.clone()).unwrap().encode()
    };

    for case in 0..64 {
        let (mut bad, _) = tokio_tungstenite::connect_async(server.sync_url_for(&head)).await.unwrap();
        let (_, join) = shared::Session::client(head.peer_id(&format!("bad{case}")), shared::PeerMetadata::default());
        let joined = rng.below(2) == 0;
        if joined {
            bad.send(WsMessage::Binary(join.encode().into())).await.unwrap();
            let _ = bad.next().await;
        }
        let frame: Vec<u8> = if rng.below(2) == 0 {
            (0..rng.below(300)).map(|_| rng.below(256) as u8).collect()
        } else {
            let mut frame = valid.clone();
            for _ in 0..=rng.below(6) {
                let at = rng.below(frame.len() as u64) as usize;
                frame[at] ^= (rng.below(255) + 1) as u8;
            }
            frame.truncate(frame.len() - rng.below(frame.len() as u64 / 2) as usize);
            frame
        };
        let _ = bad.send(WsMessage::Binary(frame.into())).await;
        // Whatever the server makes of it, the good client still syncs.
        if case % 8 == 7 {
            changed(&mut doc, &format!("after case {case}"));
            good.push(id, &mut doc).await;
        }
    }
    let mut fresh = Peer::connect(&server, &head).await;
    let stored = fresh.fetch(id).await.unwrap();
    assert_eq!(stored.get_heads(), doc.get_heads(), "every good change is stored");
    let (status, _) = server.get("/healthz").await;
    assert_eq!(status, 200);
}
