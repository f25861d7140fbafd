//! Browser faults: the stored chunks of a document damaged on the device
//! (a disk error, a half-written file). The app says so in Russian, opens
//! what still reads, and takes the rest back from the server.

#![allow(clippy::unwrap_used)]

use e2e::{Browser, NewMember, Server, exclusive};
use shared::{AssociationDoc, Document};
use tempfile::TempDir;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_storage_is_reported_and_refilled_from_the_server() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, head_code) = server.first_invitations().await;
    let browser = Browser::launch(&dir.path().join("head")).await;
    browser.join(&server, &head_code, "Иванова Мария Петровна").await;
    browser.open(&server.url()).await;
    for (name, class) in [("Орлова Екатерина Сергеевна", "5А"), ("Петров Сергей Иванович", "6Б")]
    {
        browser.add_member(&NewMember::teacher(name, class)).await;
    }
    browser.wait_sync("сохранено на сервере").await;

    // Every stored chunk of the member list is overwritten with garbage.
    let school = browser.script("return JSON.parse(localStorage.getItem('mo.device')).school.id").await;
    let prefix = format!("{}/", school.as_str().unwrap());
    let damaged = browser
        .script(&format!(
            "return new Promise(resolve => {{
                const open = indexedDB.open('mo-kr');
                open.onsuccess = () => {{
                    const db = open.result;
                    const tx = db.transaction('chunks', 'readwrite');
                    const cursor = tx.objectStore('chunks').openCursor();
                    let n = 0;
                    cursor.onsuccess = () => {{
                        const c = cursor.result;
                        if (!c) return;
                        if (String(c.key).startsWith('{prefix}')) {{ c.update(new Uint8Array([0x85, 0x6f, 0x4a, 0x83, 1, 2, 3])); n++; }}
                        c.continue();
                    }};
                    tx.oncomplete = () => {{ db.close(); resolve(n); }};
                }};
            }})"
        ))
        .await;
    assert!(damaged.as_u64().unwrap() > 0, "chunks to damage");

    browser.reload_page().await;
    browser.wait_text("[data-testid=storage-damaged]", "повреждена").await;
    browser.go("members").await;
    browser.wait_members(&["Орлова Екатерина Сергеевна", "Петров Сергей Иванович"]).await;
    browser.quit().await;
}

/// The browser's profile on a small tmpfs, filled up once the app has
/// started: IndexedDB writes fail for real. The user is told, every edit
/// stays on screen, nothing unsaved is sent to the server or reported as
/// saved there; when space is freed the edits are saved and synced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_keeps_the_edits_and_saves_them_when_space_returns() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let disk = Tmpfs::mount(&dir.path().join("disk"), 96);
    let server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let browser = Browser::launch(&disk.path.join("profile")).await;
    browser.join_member(&server, &head).await;
    browser.wait_sync("сохранено на сервере").await;

    let filler = disk.fill();
    let names = ["Зайцева Ирина Львовна", "Орлова Екатерина Сергеевна", "Петров Сергей Иванович"];
    for (n, name) in names.iter().enumerate() {
        browser.add_member(&NewMember::teacher(name, &format!("{}А", n + 1))).await;
    }
    let banner =
        e2e::eventually("the storage error banner", || async { browser.text_of("[data-testid=storage-error]").await })
            .await;
    assert!(banner.contains("Изменения сохранены в памяти"), "the user learns the edits are kept: {banner}");
    assert_eq!(browser.member_names().await.len(), names.len(), "every edit stays on screen");
    assert_ne!(browser.sync_status().await, "сохранено на сервере", "an unsaved edit is not reported as saved");
    let on_server = e2e::peer::Peer::connect(&server, &head).await.fetch(head.school()).await.unwrap();
    let records = AssociationDoc::load(&automerge::AutoCommit::load(&on_server.save()).unwrap()).unwrap();
    assert!(records.active_members().is_empty(), "nothing unsaved on the device was sent to the server");

    std::fs::remove_file(filler).unwrap();
    e2e::eventually("the banner to go once a retry succeeds", || async {
        browser.text_of("[data-testid=storage-error]").await.is_none().then_some(())
    })
    .await;
    browser.wait_sync("сохранено на сервере").await;
    browser.reload().await;
    browser.wait_members(&names).await;
    let stored = e2e::peer::Peer::connect(&server, &head).await.fetch(head.school()).await.unwrap();
    let records = AssociationDoc::load(&automerge::AutoCommit::load(&stored.save()).unwrap()).unwrap();
    assert_eq!(records.active_members().len(), names.len(), "and all reached the server");
    browser.quit().await;
}

/// A small tmpfs, unmounted when dropped (needs root, as on the CI machine).
struct Tmpfs {
    path: std::path::PathBuf,
}

impl Tmpfs {
    fn mount(path: &std::path::Path, megabytes: u32) -> Self {
        std::fs::create_dir_all(path).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(path)
            .status()
            .expect("run mount");
        assert!(status.success(), "mounting a tmpfs for the browser profile needs root");
        Self { path: path.to_owned() }
    }

    /// Fills the rest of the disk with one file; returns its path.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.path.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        let _ = file.flush();
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// The browser killed right after each edit, offline, three times over:
/// every start opens cleanly (nothing half-written, nothing reported
/// damaged), keeps every edit but at most the one in flight, and after
/// the last start the device syncs what it kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_killed_mid_write_opens_cleanly_with_its_edits() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let profile = dir.path().join("profile");
    let browser = Browser::launch(&profile).await;
    browser.join_member(&server, &head).await;
    browser.wait_sync("сохранено на сервере").await;
    browser.wait_offline_ready().await;
    server.stop().await;

    let mut browser = browser;
    let mut kept: Vec<String> = Vec::new();
    let people = [
        ("Андреева Ольга Ивановна", "Белова Нина Петровна"),
        ("Васильев Олег Юрьевич", "Григорьева Инна Львовна"),
        ("Данилова Вера Сергеевна", "Егоров Пётр Ильич"),
    ];
    for (round, (settled, in_flight)) in people.iter().enumerate() {
        let (settled, in_flight) = ((*settled).to_owned(), (*in_flight).to_owned());
        browser.add_member(&NewMember::teacher(&settled, "5А")).await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        browser.add_member(&NewMember::teacher(&in_flight, "6Б")).await;
        let profile = browser.crash().await;
        browser = Browser::launch(&profile).await;
        browser.open(&server.url()).await;
        let names = browser.member_names().await;
        assert!(browser.text_of("[data-testid=storage-damaged]").await.is_none(), "nothing half-written");
        assert!(browser.text_of("[data-testid=fatal-error]").await.is_none());
        kept.push(settled);
        for name in &kept {
            assert!(names.contains(name), "round {round}: «{name}» was saved before the kill and is there: {names:?}");
        }
        if names.contains(&in_flight) {
            kept.push(in_flight);
        }
    }
    server.resume().await;
    browser.wait_sync("сохранено на сервере").await;
    let stored = e2e::peer::Peer::connect(&server, &head).await.fetch(head.school()).await.unwrap();
    let records = AssociationDoc::load(&automerge::AutoCommit::load(&stored.save()).unwrap()).unwrap();
    let on_server: Vec<String> = records.active_members().iter().map(|m| m.full_name.clone()).collect();
    for name in &kept {
        assert!(on_server.contains(name), "«{name}» reached the server");
    }
    browser.quit().await;
}
