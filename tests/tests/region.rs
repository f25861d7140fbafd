//! Several instances of the server on one real PostgreSQL, as a region
//! runs them behind one address: changes stored through one reach peers
//! connected to the others, a revocation and a spent code hold on every
//! instance, and an instance killed under load loses no acknowledged change
//! while its clients carry on through another.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc};
use e2e::peer::Peer;
use e2e::postgres::Postgres;
use e2e::{Device, Server};
use serde_json::json;
use shared::{AcademicYear, DocumentId, YearDoc};
use tempfile::TempDir;

const YEAR: AcademicYear = AcademicYear(2026);

/// PostgreSQL, and three instances on one database of it; the first has
/// made the district before the others start.
async fn region() -> (Postgres, TempDir, [Server; 3]) {
    region_with(&[]).await
}

/// Like [`region`], with more settings for every instance.
async fn region_with(settings: &[(&str, &str)]) -> (Postgres, TempDir, [Server; 3]) {
    let pg = Postgres::start().await;
    let url = pg.database("region").await;
    let dir = TempDir::new().unwrap();
    let mut env = vec![("MO_DATABASE_URL", url.as_str())];
    env.extend_from_slice(settings);
    let env = env.as_slice();
    let a = Server::start_with(&dir.path().join("a"), env).await;
    a.first_invitations().await;
    let b = Server::start_with(&dir.path().join("b"), env).await;
    let c = Server::start_with(&dir.path().join("c"), env).await;
    (pg, dir, [a, b, c])
}

fn put(doc: &mut Automerge, key: &str, value: i64) {
    let mut tx = doc.transaction();
    tx.put(ROOT, key, value).unwrap();
    tx.commit();
}

fn has(doc: &Automerge, key: &str) -> bool {
    doc.get(ROOT, key).unwrap().is_some()
}

#[tokio::test]
async fn a_change_stored_through_one_instance_reaches_peers_on_the_others_and_all_converge() {
    let (pg, _dir, [a, b, c]) = region().await;
    assert!(!b.log().contains("invitation:") && !c.log().contains("invitation:"), "one district, made once");
    let (_, head) = a.heads().await;
    let school = head.school();
    // An invitation made through one instance is redeemed through another,
    // and the device connects to the third.
    let code = head.invite(&a, "member", Some(school)).await;
    let first = c.join(&code, "Учитель 1").await;
    let code = head.invite(&b, "member", Some(school)).await;
    let second = a.join(&code, "Учитель 2").await;

    let id = YearDoc::id_for(&school, YEAR);
    let mut on_a = YearDoc::create(&school, YEAR).document().clone();
    let mut pa = Peer::connect(&a, &head).await;
    pa.push(id, &mut on_a).await;
    let mut pb = Peer::connect(&b, &first).await;
    let mut on_b = pb.fetch(id).await.unwrap();
    let mut pc = Peer::connect(&c, &second).await;
    let mut on_c = pc.fetch(id).await.unwrap();

    // Live: peers on b and c hear a's change without asking.
    put(&mut on_a, "from_a", 1);
    pa.push(id, &mut on_a).await;
    pb.follow(id, &mut on_b, |d| has(d, "from_a")).await;
    pc.follow(id, &mut on_c, |d| has(d, "from_a")).await;

    // Concurrent edits through all three converge everywhere.
    for n in 0..20 {
        put(&mut on_a, &format!("a{n}"), n);
        put(&mut on_b, &format!("b{n}"), n);
        put(&mut on_c, &format!("c{n}"), n);
    }
    pa.push(id, &mut on_a).await;
    pb.push(id, &mut on_b).await;
    pc.push(id, &mut on_c).await;
    let mut merged = on_a.clone();
    merged.merge(&mut on_b.clone()).unwrap();
    merged.merge(&mut on_c.clone()).unwrap();
    let heads = merged.get_heads();
    for (peer, doc) in [(&mut pa, &mut on_a), (&mut pb, &mut on_b), (&mut pc, &mut on_c)] {
        peer.follow(id, doc, |d| d.get_heads() == heads).await;
    }
    for server in [&a, &b, &c] {
        let fresh = Peer::connect(server, &head).await.fetch(id).await.unwrap();
        assert_eq!(fresh.get_heads(), heads, "{} serves every change", server.url());
    }
    let chunks: u64 = pg.value("region", "SELECT count(*) FROM chunks").await.parse().unwrap();
    assert!(chunks >= 2, "the chunks are PostgreSQL's: {chunks}");
}

#[tokio::test]
async fn a_revocation_or_a_spent_code_holds_on_every_instance_at_once() {
    let (_pg, _dir, [a, b, c]) = region().await;
    let (_, head) = a.heads().await;
    let school = head.school();
    let member = head.add_device(&a, "member", Some(school), "Учитель").await;
    let mut on_b = Peer::connect(&b, &member).await;
    let mut on_c = Peer::connect(&c, &member).await;
    head.revoke(&a, &member).await;
    on_b.closed().await;
    on_c.closed().await;
    for server in [&b, &c] {
        let again = Peer::connect_as(&server.sync_url_for(&member), &member.peer_id("native")).await;
        assert!(again.is_err(), "{}: the revoked token is refused", server.url());
        let (status, _) = server.http("GET", "/api/me", Some(&member.token), None).await;
        assert_eq!(status, 401, "{}", server.url());
    }

    // A one-time code spent through b is spent on c too, and the same code
    // sent to both at once registers one device.
    let code = head.invite(&a, "member", Some(school)).await;
    b.join(&code, "Первый").await;
    let (status, text) = c.http("POST", "/api/join", None, Some(&json!({ "code": code, "name": "Второй" }))).await;
    assert_ne!(status, 200, "a spent code is refused on another instance: {text}");
    let code = head.invite(&a, "member", Some(school)).await;
    let body = json!({ "code": code, "name": "Кто-то" });
    let (on_b, on_c) =
        tokio::join!(b.http("POST", "/api/join", None, Some(&body)), c.http("POST", "/api/join", None, Some(&body)));
    let joined = [on_b.0, on_c.0].iter().filter(|s| **s == 200).count();
    assert_eq!(joined, 1, "one device per code: {on_b:?} {on_c:?}");
}

/// With the database gone, a device this instance knows is still served
/// from memory, and a token it has not heard of is answered «try again»,
/// not «revoked»: the app would tell its person the device was cut off.
#[tokio::test]
async fn a_token_that_cannot_be_checked_for_want_of_the_database_is_not_called_revoked() {
    let (mut pg, _dir, [a, _b, _c]) = region().await;
    let (_, head) = a.heads().await;
    pg.stop();
    let (known, _) = a.http("GET", "/api/me", Some(&head.token), None).await;
    assert_eq!(known, 200, "a device the instance knows");
    let unknown = "0".repeat(64);
    let (status, body) = a.http("GET", "/api/me", Some(&unknown), None).await;
    assert_eq!(status, 500, "{body}");
    assert!(!body.contains("revoked"), "{body}");
    let refused = Peer::connect_as(&format!("{}?token={unknown}", a.sync_url()), &format!("{unknown}:t")).await;
    assert!(refused.is_err_and(|e| e.contains("503")), "the sync connection is refused as unavailable");
}

/// A document nobody touches leaves the memory of an instance whose peer
/// stays connected, and a change made through another instance still
/// reaches that peer.
#[tokio::test]
async fn an_idle_document_leaves_memory_while_its_peer_stays_connected() {
    let (_pg, _dir, [a, b, _c]) = region_with(&[("MO_DOCUMENT_IDLE_SECS", "1")]).await;
    let (_, head) = a.heads().await;
    let school = head.school();
    let member = head.add_device(&a, "member", Some(school), "Учитель").await;
    let id = YearDoc::id_for(&school, YEAR);
    let mut on_a = YearDoc::create(&school, YEAR).document().clone();
    let mut pa = Peer::connect(&a, &head).await;
    pa.push(id, &mut on_a).await;
    let mut pb = Peer::connect(&b, &member).await;
    let mut on_b = pb.fetch(id).await.unwrap();
    let gauge = |metrics: &str, name: &str| {
        metrics.lines().find_map(|l| l.strip_prefix(name)?.trim().parse::<u64>().ok()).unwrap_or(u64::MAX)
    };
    e2e::eventually("b to drop the idle document and keep its peer", || async {
        let (_, metrics) = b.get("/metrics").await;
        let (open, loaded) = (gauge(&metrics, "mo_documents_open "), gauge(&metrics, "mo_documents_loaded "));
        (open == 1 && loaded == 0).then_some(())
    })
    .await;
    put(&mut on_a, "later", 1);
    pa.push(id, &mut on_a).await;
    pb.follow(id, &mut on_b, |d| has(d, "later")).await;
}

/// Writers spread over the three instances edit one document; b is killed
/// (SIGKILL) while they write. Its writers reconnect to c, as a reverse
/// proxy would send them, and every change any instance acknowledged is
/// there at the end.
#[tokio::test]
async fn an_instance_killed_under_load_loses_no_acknowledged_change() {
    const WRITERS: usize = 6;
    /// Edits each writer makes after it knows b was killed.
    const AFTER: usize = 10;
    let (_pg, _dir, [a, mut b, c]) = region().await;
    let (_, head) = a.heads().await;
    let school = head.school();
    let id = YearDoc::id_for(&school, YEAR);
    let mut seed = YearDoc::create(&school, YEAR).document().clone();
    Peer::connect(&a, &head).await.push(id, &mut seed).await;
    let servers = [&a, &b, &c];
    let mut writers = Vec::new();
    let progress = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    for w in 0..WRITERS {
        let device: Device = head.add_device(&a, "member", Some(school), &format!("Учитель {w}")).await;
        // Writers of b go on through c.
        let urls = [servers[w % 3].sync_url_for(&device), c.sync_url_for(&device)];
        // Each writer its own actor, as each device is.
        let (peer_id, mut doc) = (device.peer_id("native"), seed.fork());
        let (progress, killed) = (progress.clone(), killed.clone());
        writers.push(tokio::spawn(async move {
            let mut url = 0;
            let mut peer = Peer::connect_as(&urls[url], &peer_id).await.unwrap();
            let (mut acknowledged, mut after) = (Vec::new(), 0);
            while after < AFTER {
                let key = format!("w{w}_{}", acknowledged.len());
                put(&mut doc, &key, 1);
                // The edit stays in `doc` and goes again with the next sync.
                while peer.try_push(id, &mut doc, Duration::from_secs(10)).await.is_err() {
                    url = 1;
                    peer = Peer::connect_as(&urls[url], &peer_id).await.unwrap();
                }
                acknowledged.push(key);
                progress.fetch_add(1, Ordering::Relaxed);
                after += usize::from(killed.load(Ordering::Relaxed));
            }
            (acknowledged, url)
        }));
    }
    e2e::eventually("the writers to have stored some changes", || {
        let done = progress.load(Ordering::Relaxed);
        async move { (done >= WRITERS * 5).then_some(()) }
    })
    .await;
    b.stop().await;
    killed.store(true, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    for (w, writer) in writers.into_iter().enumerate() {
        let (keys, url) = writer.await.unwrap();
        if w % 3 == 1 {
            assert_eq!(url, 1, "writer {w} of the killed instance went on through another");
        }
        acknowledged.extend(keys);
    }
    for server in [&a, &c] {
        let stored = Peer::connect(server, &head).await.fetch(id).await.unwrap();
        let missing: Vec<&String> = acknowledged.iter().filter(|k| !has(&stored, k)).collect();
        assert!(missing.is_empty(), "{} lacks acknowledged changes: {missing:?}", server.url());
    }
}

/// The store itself, two instances' worth on one database: places only
/// grow, a compaction leaves the other instance's later chunk, and of two
/// claims of one entry at once exactly one wins.
#[tokio::test]
async fn the_postgres_store_keeps_places_claims_and_compactions_across_instances() {
    use server::store::Store;
    let pg = Postgres::start().await;
    let url = pg.database("store").await;
    let (one, two) = tokio::task::spawn_blocking(move || {
        (server::postgres::PgStore::connect(&url).unwrap(), server::postgres::PgStore::connect(&url).unwrap())
    })
    .await
    .unwrap();
    let (one, two) = (Arc::new(one), Arc::new(two));
    let id = DocumentId::random();
    let checks = tokio::task::spawn_blocking(move || {
        assert_eq!(one.load(&id).unwrap(), None);
        assert_eq!(one.append(&id, b"a".to_vec(), Vec::new()).wait().unwrap().place, 0);
        assert_eq!(two.append(&id, b"b".to_vec(), Vec::new()).wait().unwrap().place, 1);
        assert_eq!(one.load_from(&id, 1).unwrap(), vec![(1, b"b".to_vec())]);
        // `one` compacts what it has seen (place 0) after `two` stored "c".
        two.append(&id, b"c".to_vec(), Vec::new()).wait().unwrap();
        let compacted = one.compact(&id, b"a+".to_vec(), 0).wait().unwrap();
        assert_eq!((compacted.place, compacted.chunks), (3, 3));
        assert_eq!(two.load(&id).unwrap().unwrap(), vec![b"b".to_vec(), b"c".to_vec(), b"a+".to_vec()]);

        let racing: Vec<bool> = std::thread::scope(|s| {
            let (one, two) = (&one, &two);
            let claims = (0..8)
                .map(|n| {
                    s.spawn(move || {
                        let store = if n % 2 == 0 { one } else { two };
                        let entry = format!("{n}");
                        store.claim_entries(("spent", "code"), &[("device", &entry, b"{}".to_vec())]).unwrap()
                    })
                })
                .collect::<Vec<_>>();
            claims.into_iter().map(|c| c.join().unwrap()).collect()
        });
        assert_eq!(racing.iter().filter(|won| **won).count(), 1, "{racing:?}");
        assert_eq!(two.entries("device").unwrap().len(), 1, "a lost claim writes nothing");
    });
    checks.await.unwrap();
}
