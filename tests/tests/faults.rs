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

/// The site's storage quota set to what it already uses (as on a device
/// whose storage is full): IndexedDB refuses writes for real. A member
/// saved then is not kept; the form says so and why, and keeps what was
/// typed; nothing of it is shown as kept or reaches the server. Once there
/// is room, «Сохранить» again keeps it, and it syncs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_quota_full_an_edit_is_not_kept_and_the_person_is_told() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let browser = Browser::launch(&dir.path().join("profile")).await;
    browser.join_member(&server, &head).await;
    let first = "Зайцева Ирина Львовна";
    browser.add_member(&NewMember::teacher(first, "1А")).await;
    browser.wait_sync("сохранено на сервере").await;

    // IndexedDB keeps the space it was told it has for a while (Chromium
    // caches it): members are added until one is refused.
    browser.limit_storage(&server.url(), Some(0)).await;
    let mut kept = vec![first.to_owned()];
    let mut refused = None;
    let surnames = ["Орлова", "Павлова", "Рябова", "Соколова", "Титова", "Уварова", "Фомина", "Хохлова"];
    let names = ["Анна", "Вера", "Галина", "Дарья", "Елена", "Жанна", "Инна", "Кира", "Лидия", "Мария"];
    for name in names.iter().flat_map(|n| surnames.iter().map(move |s| format!("{s} {n} Сергеевна"))) {
        let errors = browser.try_add_member(&NewMember::teacher(&name, "2А")).await;
        assert!(errors.iter().all(|(field, _)| field == "form"), "the fields are fine: {errors:?}");
        let said = e2e::eventually(&format!("«{name}» kept or refused"), || async {
            if browser.member_names().await.contains(&name) {
                return Some(None);
            }
            browser.text_of("section.members > form [data-testid=error-form]").await.map(Some)
        })
        .await;
        match said {
            None => kept.push(name),
            Some(said) => {
                refused = Some((name, said));
                break;
            }
        }
    }
    let (name, said) = refused.expect("a full quota refuses a write");
    assert!(said.contains("Не сохранено"), "the person is told the member was not kept: {said}");
    assert!(said.contains("закончилось место"), "and why: {said}");
    let mut shown = browser.member_names().await;
    shown.sort();
    kept.sort();
    assert_eq!(shown, kept, "nothing unkept is shown as kept");
    let typed = browser
        .script("return document.querySelector('section.members > form [data-testid=field-full_name]').value")
        .await;
    assert_eq!(typed.as_str(), Some(name.as_str()), "the form keeps what was typed");
    assert_eq!(browser.sync_status().await, "сохранено на сервере", "and the server has all that was kept");
    let on_server = e2e::peer::Peer::connect(&server, &head).await.fetch(head.school()).await.unwrap();
    let records = AssociationDoc::load(&automerge::AutoCommit::load(&on_server.save()).unwrap()).unwrap();
    assert!(records.active_members().iter().all(|m| m.full_name != name), "nothing unkept reached the server");

    browser.limit_storage(&server.url(), None).await;
    browser.click_css("section.members > form [data-testid=save-member]").await;
    kept.push(name);
    let kept: Vec<&str> = kept.iter().map(String::as_str).collect();
    browser.wait_members(&kept).await;
    browser.wait_sync("сохранено на сервере").await;
    browser.reload().await;
    browser.wait_members(&kept).await;
    let stored = e2e::peer::Peer::connect(&server, &head).await.fetch(head.school()).await.unwrap();
    let records = AssociationDoc::load(&automerge::AutoCommit::load(&stored.save()).unwrap()).unwrap();
    assert_eq!(records.active_members().len(), kept.len(), "and it reached the server");
    browser.quit().await;
}

/// A later start shows the records the page showed last time at once,
/// read-only, while the engine loads. They are what the engine had sent, so
/// they show even when the engine cannot load at all (its module damaged in
/// the service worker's cache here), and only to the build and the device
/// that kept them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_records_shown_last_time_show_while_the_engine_cannot_load() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let (_server, browser, kept) = offline_with_a_member(&dir).await;

    assert_eq!(damage_in_cache(&browser, "^/engine_bg\\.wasm$").await, 1, "the engine's module in the cache");
    browser.reload_page().await;
    browser.wait_text("[data-testid=fatal-error]", "Модуль данных не загрузился").await;
    assert_eq!(browser.member_names().await, kept, "the records of last time");
    let busy = browser.script("return document.querySelector('main').getAttribute('aria-busy')").await;
    assert_eq!(busy, serde_json::json!("true"), "marked as not the engine's yet");
    assert!(browser.text_of("[data-testid=add-member]").await.is_none(), "read-only");

    // The same copy under another build's version is not read.
    browser
        .script(
            "const kept = localStorage.getItem('mo.shown');
             localStorage.setItem('mo.shown', kept.replace(/^(\\S+) [^\\n]*\\n/, '$1 другая-сборка\\n'));",
        )
        .await;
    browser.reload_page().await;
    browser.wait_text("[data-testid=fatal-error]", "Модуль данных не загрузился").await;
    assert!(browser.member_names().await.is_empty(), "another build's copy is not shown");
    browser.quit().await;
}

/// Before even the page has loaded, the screen shows as the page drew it
/// last time (`index.html`, from localStorage): a picture of it, which
/// answers no tap and goes once the page draws its own. If the page cannot
/// load at all (its module damaged in the service worker's cache here), the
/// picture stays and says so. Only the build and the device that drew it
/// show it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_screen_drawn_last_time_shows_while_the_page_loads() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let (_server, browser, drawn) = offline_with_a_member(&dir).await;
    let kept_names =
        "return [...document.querySelectorAll('#mo-last [data-kept-testid=member-name]')].map(e => e.textContent)";

    // A page that loads takes the picture away: only its own screen shows.
    browser.reload().await;
    assert_eq!(browser.script("return document.getElementById('mo-last')").await, serde_json::Value::Null);
    assert_eq!(browser.member_names().await, drawn);

    assert_eq!(damage_in_cache(&browser, "^/app-[^/]*_bg\\.wasm$").await, 1, "the page's module in the cache");
    browser.reload_page().await;
    browser.wait_text("#mo-last-failed", "Приложение не загрузилось").await;
    assert_eq!(browser.script(kept_names).await, serde_json::json!(drawn), "the screen of last time");
    assert!(browser.member_names().await.is_empty(), "nothing but the picture");
    let tapped = browser
        .script(
            "const button = document.querySelector('#mo-last [data-kept-testid=add-member]');
             button.scrollIntoView({ block: 'center' });
             const box = button.getBoundingClientRect();
             const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
             return [button.closest('[inert]') !== null, hit === button || button.contains(hit),
                     document.querySelector('#mo-last main').getAttribute('aria-busy')];",
        )
        .await;
    assert_eq!(tapped, serde_json::json!([true, false, "true"]), "inert, not tappable, busy");

    // The same screens under another build's version are not shown.
    browser
        .script(
            "const kept = JSON.parse(localStorage.getItem('mo.screens'));
             kept.tag = kept.tag.replace(/ .*$/, ' другая-сборка');
             localStorage.setItem('mo.screens', JSON.stringify(kept));",
        )
        .await;
    browser.reload_page().await;
    assert_eq!(browser.script("return document.readyState").await, serde_json::json!("complete"));
    assert_eq!(browser.script("return document.getElementById('mo-last')").await, serde_json::Value::Null);
    browser.quit().await;
}

/// A school head's app, kept for offline use, showing the member list
/// with the member it added, and its server stopped: the server, the
/// browser and the names shown.
async fn offline_with_a_member(dir: &TempDir) -> (Server, Browser, Vec<String>) {
    let mut server = Server::start(dir.path()).await;
    let (_, head_code) = server.first_invitations().await;
    let browser = Browser::launch(&dir.path().join("head")).await;
    browser.join(&server, &head_code, "Иванова Мария Петровна").await;
    browser.open(&server.url()).await;
    browser.add_member(&NewMember::teacher("Орлова Екатерина Сергеевна", "5А")).await;
    browser.wait_offline_ready().await;
    let shown = browser.member_names().await;
    assert!(shown.iter().any(|n| n == "Орлова Екатерина Сергеевна"), "{shown:?}");
    server.stop().await;
    (server, browser, shown)
}

/// Replaces each file in the service worker's cache whose path matches
/// `pattern` (a JavaScript regular expression) with a module that does not
/// compile; how many it replaced.
async fn damage_in_cache(browser: &Browser, pattern: &str) -> u64 {
    let damaged = browser
        .script_async(&format!(
            "const done = arguments[arguments.length - 1];
             (async () => {{
               let n = 0;
               for (const key of await caches.keys()) {{
                 const cache = await caches.open(key);
                 for (const request of await cache.keys()) {{
                   if (new RegExp({pattern:?}).test(new URL(request.url).pathname)) {{
                     await cache.put(request, new Response(new Uint8Array([0, 97, 115, 109, 9]),
                       {{ headers: {{ 'Content-Type': 'application/wasm' }} }}));
                     n++;
                   }}
                 }}
               }}
               done(n);
             }})();"
        ))
        .await;
    damaged.as_u64().expect("a count")
}

/// How many times the browser is killed (`MO_BROWSER_KILLS=n` for another count).
const BROWSER_KILLS: u32 = 20;

/// Offline, the page adds members one after another as fast as the forms
/// allow, and the browser is SIGKILLed at a random moment of that burst,
/// twenty times over. Just before each kill the test reads which members
/// the page shows (a member is shown only once kept on the device); after
/// each restart every one of them is there, nothing is reported damaged,
/// and after the last the device syncs what it kept. The moments (after how
/// many of the round's members the kill comes) are random; the seed is
/// printed and `MO_SEED=n` replays them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_edit_shown_as_kept_survives_the_browser_killed_at_random_moments() {
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

    let mut rng = e2e::Rng::seeded();
    let kills = std::env::var("MO_BROWSER_KILLS").ok().and_then(|k| k.parse().ok()).unwrap_or(BROWSER_KILLS);
    let mut browser = browser;
    let mut shown: Vec<String> = Vec::new();
    for round in 0..kills {
        browser.script(&burst(round)).await;
        // The moment of the kill: once the page shows a random number (1–7)
        // of this round's members, while the burst goes on writing.
        let wanted = 1 + rng.below(7) as usize;
        let prefix = format!("Сотрудник {} ", word(round));
        shown = e2e::eventually(&format!("round {round}: {wanted} members kept"), || async {
            let names = browser.member_names().await;
            (names.iter().filter(|n| n.starts_with(&prefix)).count() >= wanted).then_some(names)
        })
        .await;
        let profile = browser.crash().await;
        browser = Browser::launch(&profile).await;
        browser.open(&server.url()).await;
        let names = e2e::eventually(&format!("round {round}: the kept members after the restart"), || async {
            let names = browser.member_names().await;
            shown.iter().all(|n| names.contains(n)).then_some(names)
        })
        .await;
        assert!(
            browser.text_of("[data-testid=storage-damaged]").await.is_none(),
            "round {round}: nothing half-written"
        );
        assert!(browser.text_of("[data-testid=fatal-error]").await.is_none(), "round {round}");
        shown = names;
    }
    assert!(shown.len() as u32 >= kills, "the bursts kept members: {shown:?}");
    server.resume().await;
    browser.wait_sync("сохранено на сервере").await;
    let stored = e2e::peer::Peer::connect(&server, &head).await.fetch(head.school()).await.unwrap();
    let records = AssociationDoc::load(&automerge::AutoCommit::load(&stored.save()).unwrap()).unwrap();
    let on_server: Vec<String> = records.active_members().iter().map(|m| m.full_name.clone()).collect();
    for name in &shown {
        assert!(on_server.contains(name), "«{name}» reached the server");
    }
    browser.quit().await;
}

/// `n` in letters, as [`burst`] names its members (ФИО has no digits).
fn word(n: u32) -> String {
    n.to_string()
        .chars()
        .map(|d| "абвгдежзик".chars().nth(d.to_digit(10).unwrap_or(0) as usize).unwrap_or('а'))
        .collect()
}

/// A script that adds members through the page's own form, each as soon as
/// the last one's form closed, without waiting for the test.
fn burst(round: u32) -> String {
    format!(
        "const letters = 'абвгдежзик';
         const word = n => String(n).split('').map(d => letters[d]).join('');
         const until = async ok => {{ while (!ok()) await new Promise(r => setTimeout(r, 5)); }};
         const form = () => document.querySelector('section.members > form[data-testid=member-form]');
         (async () => {{
           for (let i = 0; i < 40; i++) {{
             await until(() => !form() && document.querySelector('[data-testid=add-member]'));
             document.querySelector('[data-testid=add-member]').click();
             await until(form);
             const set = (name, v) => {{
               const e = form().querySelector(`[data-testid=\"field-${{name}}\"]`);
               e.value = v;
               e.dispatchEvent(new Event('input', {{bubbles: true}}));
             }};
             set('full_name', `Сотрудник ${{word({round})}} ${{word(i)}}`);
             set('position', 'учитель');
             set('class_led', '5А');
             set('experience_years', '3');
             form().querySelector('[data-testid=save-member]').click();
           }}
         }})();"
    )
}
