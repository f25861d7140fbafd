//! The server as a system service: SIGTERM (what systemd sends on stop,
//! restart or upgrade) lets the changes being written finish, tells every
//! client "server restarting", and exits cleanly; nothing acknowledged is
//! lost, and the app reconnects by itself without alarming anyone.
//! `/healthz` and `/metrics` tell a monitoring system how it is doing.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ROOT, ReadDoc};
use e2e::peer::Peer;
use e2e::{Browser, NewMember, Server, exclusive};
use shared::{AcademicYear, YearDoc};
use tempfile::TempDir;

/// Writes and pushes until the connection ends; the acknowledged heads and
/// why it ended.
async fn write_until_stopped(mut peer: Peer, id: shared::DocumentId, acked: Arc<Mutex<Vec<ChangeHash>>>) -> String {
    let mut doc = Automerge::new();
    for n in 0.. {
        let mut tx = doc.transaction();
        tx.put(ROOT, format!("record-{n}"), n).unwrap();
        tx.commit();
        match peer.try_push(id, &mut doc, Duration::from_secs(5)).await {
            Ok(()) => acked.lock().unwrap().extend(doc.get_heads()),
            Err(reason) => return reason,
        }
    }
    unreachable!("the loop ends with the connection")
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} in /metrics:\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_writes_under_way_and_tells_clients_the_server_is_restarting() {
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let school = head.school();
    assert_eq!(server.get("/healthz").await, (200, "ok".into()));

    let mut idle = Peer::connect(&server, &head).await;
    let writers: Vec<_> =
        (0..3).map(|i| (YearDoc::id_for(&school, AcademicYear(2010 + i)), Arc::new(Mutex::new(Vec::new())))).collect();
    let mut tasks = Vec::new();
    for (n, (id, acked)) in writers.iter().enumerate() {
        let peer = Peer::connect_as(&server.sync_url_for(&head), &head.peer_id(&format!("w{n}"))).await.unwrap();
        tasks.push(tokio::spawn(write_until_stopped(peer, *id, acked.clone())));
    }
    tokio::time::sleep(Duration::from_millis(700)).await;

    let (status, text) = server.get("/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(metric(&text, "mo_connections_open"), 4.0, "the idle peer and three writers");
    assert!(metric(&text, "mo_changes_stored_total") >= 3.0, "{text}");
    assert!(metric(&text, "mo_documents_open") >= 3.0, "{text}");
    assert_eq!(metric(&text, "mo_storage_errors_total"), 0.0);

    assert!(server.terminate().await, "the server exits successfully on SIGTERM");
    assert_eq!(idle.closed().await, "server restarting");
    for task in tasks {
        assert_eq!(task.await.unwrap(), "server restarting", "a writer is told why, not cut off");
    }
    assert!(server.log().contains("stopping: closing connections"), "{}", server.log());

    server.resume().await;
    for (id, acked) in &writers {
        let acked = acked.lock().unwrap().clone();
        assert!(!acked.is_empty(), "the writer got changes through before the stop");
        let stored = Peer::connect(&server, &head).await.fetch(*id).await.unwrap();
        for hash in &acked {
            assert!(stored.get_change_by_hash(hash).is_some(), "acknowledged change {hash} survived the restart");
        }
    }
}

#[tokio::test]
async fn the_app_rides_out_a_restart_quietly_and_its_edit_arrives() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let browser = Browser::launch(&dir.path().join("profile")).await;
    browser.join_member(&server, &head).await;
    browser.add_member(&NewMember::teacher("Лебедева Анна Юрьевна", "2А")).await;
    browser.wait_sync("сохранено на сервере").await;

    assert!(server.terminate().await);
    browser.wait_sync("нет связи").await;
    browser.add_member(&NewMember::teacher("Голубев Игорь Петрович", "10Б")).await;
    let alarms = browser
        .script("return [...document.querySelectorAll('.banner.error, .banner.warn')].map(b => b.textContent)")
        .await;
    assert_eq!(alarms, serde_json::json!([]), "a restart raises no alarm");

    server.resume().await;
    browser.wait_sync("сохранено на сервере").await;
    let stored = Peer::connect(&server, &head).await.fetch(head.school()).await.unwrap();
    let members = serde_json::to_string(&automerge::AutoSerde::from(&stored)).unwrap();
    assert!(members.contains("Голубев Игорь Петрович"), "the edit made during the restart reached the server");
    browser.quit().await;
}

/// The unit the installer puts in place is one systemd accepts, with the
/// server binary and flags it names.
#[test]
fn the_systemd_unit_is_valid_and_starts_the_server_with_flags_it_knows() {
    let dir = TempDir::new().unwrap();
    let unit = std::fs::read_to_string(e2e::root().join("server/deploy/mo-server.service")).unwrap();
    let binary = e2e::server::binary();
    let exec = unit.lines().find_map(|l| l.strip_prefix("ExecStart=")).expect("an ExecStart line");
    let args: Vec<&str> = exec.split_whitespace().skip(1).collect();
    let local = unit.replace("/opt/mo/bin/server", &binary.to_string_lossy());
    let path = dir.path().join("mo-server.service");
    std::fs::write(&path, local).unwrap();
    let verified = std::process::Command::new("systemd-analyze").arg("verify").arg(&path).output().unwrap();
    let said = String::from_utf8_lossy(&verified.stderr);
    assert!(verified.status.success() && !said.contains("mo-server.service:"), "systemd-analyze verify: {said}");

    // The flags it starts the server with parse (here with a task that
    // only reads the data directory).
    let data = dir.path().join("data");
    let args: Vec<String> =
        args.iter().map(|a| a.replace("/var/lib/mo", &data.to_string_lossy())).chain(["list".to_owned()]).collect();
    let listed = std::process::Command::new(&binary).args(&args).output().unwrap();
    assert!(listed.status.success(), "{args:?}: {}", String::from_utf8_lossy(&listed.stderr));
}
