//! Browser faults: the stored chunks of a document damaged on the device
//! (a disk error, a half-written file). The app says so in Russian, opens
//! what still reads, and takes the rest back from the server.

#![allow(clippy::unwrap_used)]

use e2e::{Browser, NewMember, Server, exclusive};
use tempfile::TempDir;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_storage_is_reported_and_refilled_from_the_server() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, head_code) = server.first_invitations();
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
