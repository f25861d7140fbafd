//! What a device can send that would hurt a server without limits, sent
//! for real to the server process: each is refused or dropped with a reason,
//! the server's memory (read from /proc) stays within a stated bound, and
//! other devices keep syncing.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{ROOT, ReadDoc};
use e2e::peer::{Peer, uleb};
use e2e::{Device, Server};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MIB: u64 = 1024 * 1024;

/// A server, its school head, a member, and the school's association
/// document written by the head.
async fn school(dir: &TempDir, env: &[(&str, &str)]) -> (Server, Device, Device) {
    let server = Server::start_with(dir.path(), env).await;
    let (_, head) = server.heads().await;
    let member = head.add_device(&server, "member", Some(head.school()), "Учитель").await;
    let mut doc = shared::AssociationDoc::create(&head.school()).document().clone();
    Peer::connect(&server, &head).await.push(head.school(), &mut doc).await;
    (server, head, member)
}

/// Whether a change `device` writes reaches another of the school's
/// devices through the server: the others keep syncing.
async fn others_keep_syncing(server: &Server, writer: &Device, reader: &Device, key: &str) {
    let id = writer.school();
    let mut peer = Peer::connect(server, writer).await;
    let mut doc = peer.fetch(id).await.expect("the writer reads the school");
    let mut tx = doc.transaction();
    tx.put(ROOT, key, "после атаки").unwrap();
    tx.commit();
    peer.push(id, &mut doc).await;
    let read = Peer::connect(server, reader).await.fetch(id).await.expect("the reader reads the school");
    assert!(read.get(ROOT, key).unwrap().is_some(), "{key}: the change did not reach the other device");
}

fn grown(before: u64, after: u64) -> u64 {
    after.saturating_sub(before)
}

/// Ephemeral messages are not stored and the app sends none: the server
/// drops them, so 20 of 15 MiB on a document another device has open but
/// does not read (which once cost 360 MiB) cost nothing that stays.
#[tokio::test]
async fn ephemeral_messages_are_dropped_whatever_their_size() {
    let dir = TempDir::new().unwrap();
    let (server, head, member) = school(&dir, &[("MO_MAX_BYTES_PER_SECOND", "2000000000")]).await;
    let id = head.school();
    let mut idle = Peer::connect(&server, &member).await;
    assert!(idle.fetch(id).await.is_some());
    let before = server.rss();
    let mut sender = Peer::connect(&server, &head).await;
    assert!(sender.fetch(id).await.is_some());
    for n in 0..20 {
        let message = sender.ephemeral(id, n, vec![n as u8; 15 * MIB as usize]);
        sender.send_bytes(message).await;
    }
    // Answered in order: once this document's sync is answered, all 20 were handled.
    assert!(sender.fetch(id).await.is_some());
    let growth = grown(before, server.rss());
    assert!(growth < 64 * MIB, "RSS grew by {} MiB", growth / MIB);
    let (_, metrics) = server.get("/metrics").await;
    assert!(metrics.contains("\nmo_messages_refused_total 20\n"), "{metrics}");
    others_keep_syncing(&server, &head, &member, "after_ephemeral").await;
    drop(idle);
}

/// A change chunk marked compressed that inflates to 1 GiB arrives in a
/// message of about 1 MiB. It is measured as it inflates, without keeping
/// what it inflates to, and refused at the limit: the connection closes
/// saying why, the server's memory barely moves.
#[tokio::test]
async fn a_compressed_change_that_would_inflate_to_a_gigabyte_is_refused() {
    let dir = TempDir::new().unwrap();
    let (server, head, member) = school(&dir, &[]).await;
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0_u8; MIB as usize];
    for _ in 0..1024 {
        deflate.write_all(&zeros).unwrap();
    }
    let body = deflate.finish().unwrap();
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    uleb(body.len() as u64, &mut chunk);
    chunk.extend(body);
    let mut data = vec![0x42, 0, 0, 0, 1];
    uleb(chunk.len() as u64, &mut data);
    data.extend(chunk);

    let before = server.rss();
    let mut peer = Peer::connect(&server, &member).await;
    peer.send_bytes(peer.sync_message(member.school(), data)).await;
    let reason = peer.closed().await;
    assert!(reason.contains("inflate to more than"), "{reason}");
    let growth = grown(before, server.rss());
    assert!(growth < 32 * MIB, "RSS grew by {} MiB", growth / MIB);
    others_keep_syncing(&server, &head, &member, "after_bomb").await;
}

/// A Bloom filter with four billion probes (automerge would size a vector
/// and a loop by it for every change) or with no bits (a division by zero)
/// is refused before automerge reads it.
#[tokio::test]
async fn bloom_filters_that_would_hang_or_crash_automerge_are_refused() {
    let dir = TempDir::new().unwrap();
    let (server, head, member) = school(&dir, &[]).await;
    for (bits_per_entry, probes) in [(10, u64::from(u32::MAX)), (0, 7)] {
        let mut bloom = Vec::new();
        for n in [100, bits_per_entry, probes] {
            uleb(n, &mut bloom);
        }
        bloom.extend(vec![0xff; 125]);
        let mut data = vec![0x42, 0, 0, 1, 0];
        uleb(bloom.len() as u64, &mut data);
        data.extend(bloom);
        data.push(0);
        let mut peer = Peer::connect(&server, &member).await;
        peer.send_bytes(peer.sync_message(member.school(), data)).await;
        let reason = peer.closed().await;
        assert!(reason.contains("Bloom filter"), "{reason}");
    }
    others_keep_syncing(&server, &head, &member, "after_bloom").await;
}

/// A peer id of 100,000 bytes is refused at the join, and the log holds
/// its length, never the id itself.
#[tokio::test]
async fn a_peer_id_of_any_length_is_refused_and_never_logged_whole() {
    let dir = TempDir::new().unwrap();
    let (server, head, member) = school(&dir, &[]).await;
    let long = format!("{}:{}", member.id, "x".repeat(100_000));
    let refused = Peer::connect_as(&server.sync_url_for(&member), &long).await;
    let reason = refused.err().expect("the join is refused");
    assert!(reason.contains(&format!("senderId of {} bytes is longer than 256", long.len())), "{reason}");
    assert!(!server.log().contains(&"x".repeat(300)), "the log holds the long id");
    others_keep_syncing(&server, &head, &member, "after_long_id").await;
}

/// A device sending as fast as it can is slowed to its bytes per second,
/// and what it sends waits in its own socket: the server's memory stays
/// bounded and others keep syncing meanwhile. The server handles no more of
/// the flood than the budget allows in the time the test has watched.
#[tokio::test]
async fn a_flood_of_bytes_is_slowed_and_costs_others_nothing() {
    const RATE: u64 = 1_000_000;
    let dir = TempDir::new().unwrap();
    let (server, head, member) = school(&dir, &[("MO_MAX_BYTES_PER_SECOND", &RATE.to_string())]).await;
    let id = head.school();
    let flooder = head.add_device(&server, "member", Some(id), "Второе устройство").await;
    let (url, peer_id) = (server.sync_url_for(&flooder), flooder.peer_id("flood"));
    let before = server.rss();
    let started = std::time::Instant::now();
    let flood = tokio::spawn(async move {
        let mut peer = Peer::connect_as(&url, &peer_id).await.unwrap();
        for n in 0..200 {
            let message = peer.ephemeral(id, n, vec![7; MIB as usize]);
            peer.send_bytes(message).await;
        }
    });
    others_keep_syncing(&server, &head, &member, "during_flood").await;
    let growth = grown(before, server.rss());
    assert!(growth < 64 * MIB, "RSS grew by {} MiB", growth / MIB);
    // Each flood message is an ephemeral one, counted once handled; a
    // burst of two seconds' worth, then the rate.
    let (_, metrics) = server.get("/metrics").await;
    let handled: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("mo_messages_refused_total "))
        .and_then(|v| v.parse().ok())
        .expect("the count of dropped messages");
    let allowed = (2.0 + started.elapsed().as_secs_f64()) * RATE as f64 / MIB as f64 + 1.0;
    assert!(handled <= allowed, "handled {handled} MiB of the flood where {allowed:.1} were allowed");
    flood.abort();
}

/// A client that opens an HTTP connection and never finishes its headers
/// is dropped after the header-read timeout; a WebSocket that answers
/// nothing, not even pings, after the idle timeout; and past the cap on
/// connections in all, the next connection is turned away with 503.
#[tokio::test]
async fn slow_silent_and_surplus_connections_are_closed() {
    let dir = TempDir::new().unwrap();
    let env = [("MO_HEADER_READ_TIMEOUT_SECS", "2"), ("MO_IDLE_TIMEOUT_SECS", "2"), ("MO_MAX_CONNECTIONS", "3")];
    let (server, head, member) = school(&dir, &env).await;

    let mut slow = tokio::net::TcpStream::connect(("127.0.0.1", server.port())).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n").await.unwrap();
    let mut rest = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(20), slow.read_to_end(&mut rest)).await;
    assert!(ended.is_ok(), "a connection that never finished its headers is still open after 20 s");

    let mut silent = tokio::net::TcpStream::connect(("127.0.0.1", server.port())).await.unwrap();
    let upgrade = format!(
        "GET /sync?token={} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        member.token
    );
    silent.write_all(upgrade.as_bytes()).await.unwrap();
    let mut heard = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(20), silent.read_to_end(&mut heard)).await;
    assert!(ended.is_ok(), "a WebSocket that answers nothing is still open after 20 s");
    let heard = String::from_utf8_lossy(&heard);
    assert!(heard.contains("101 Switching Protocols") && heard.contains("nothing heard"), "{heard}");

    let mut open = Vec::new();
    for tab in 0..3 {
        open.push(Peer::connect_as(&server.sync_url_for(&head), &head.peer_id(&tab.to_string())).await.unwrap());
    }
    let refused = Peer::connect_as(&server.sync_url_for(&member), &member.peer_id("fourth")).await;
    assert!(refused.as_ref().is_err_and(|e| e.contains("503")), "{:?}", refused.err());
    open.pop();
    // The server counts the closed one out once it has seen it close.
    e2e::eventually("a place once a connection closed", || async {
        Peer::connect_as(&server.sync_url_for(&member), &member.peer_id("fourth")).await.ok()
    })
    .await;
    drop(open);
}
