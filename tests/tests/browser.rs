//! What a class teacher does in the browser, in headless Chromium against
//! the real server process: editing offline on two devices, reopening the
//! app with no server, and seeing a colleague's edit arrive.

#![allow(clippy::unwrap_used)]

use e2e::{Browser, NewMember, Server, exclusive};
use tempfile::TempDir;

const OFFLINE: &str = "нет связи";
const SAVED: &str = "сохранено на сервере";

/// Two browser profiles open the app once online, then edit with the
/// server down: different members, different fields of one member, and one
/// removes a member the other edits. When the server is back, both show the
/// same list and nobody's edit is lost.
#[tokio::test]
async fn offline_edits_on_two_devices_converge_when_the_server_returns() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let a = Browser::launch(&dir.path().join("profile-a")).await;
    let b = Browser::launch(&dir.path().join("profile-b")).await;
    a.join_member(&server, &head).await;
    b.join_member(&server, &head).await;

    a.add_member(&NewMember::teacher("Иванова Мария Петровна", "5А")).await;
    a.add_member(&NewMember::teacher("Петров Сергей Иванович", "6Б")).await;
    a.wait_sync(SAVED).await;
    b.wait_members(&["Иванова Мария Петровна", "Петров Сергей Иванович"]).await;
    b.wait_sync(SAVED).await;

    server.stop().await;
    a.wait_sync(OFFLINE).await;
    b.wait_sync(OFFLINE).await;

    // Different members.
    a.add_member(&NewMember::teacher("Сидорова Анна Викторовна", "7В")).await;
    b.add_member(&NewMember::teacher("Кузнецов Илья Олегович", "8Г")).await;
    // Different fields of one member.
    a.edit_member("Иванова Мария Петровна", "position", "учитель русского языка").await;
    b.edit_member("Иванова Мария Петровна", "experience_years", "17").await;
    // One removes the member the other edits.
    a.remove_member("Петров Сергей Иванович").await;
    b.edit_member("Петров Сергей Иванович", "class_led", "9А").await;

    server.resume().await;
    let everyone =
        ["Иванова Мария Петровна", "Кузнецов Илья Олегович", "Петров Сергей Иванович", "Сидорова Анна Викторовна"];
    for browser in [&a, &b] {
        browser.wait_sync(SAVED).await;
        browser.wait_members(&everyone).await;
    }
    for browser in [&a, &b] {
        let ivanova = browser.details_of("Иванова Мария Петровна").await;
        assert!(ivanova.contains("учитель русского языка"), "A's edit kept: {ivanova}");
        assert!(ivanova.contains("стаж 17 лет"), "B's edit kept: {ivanova}");
        let petrov = browser.details_of("Петров Сергей Иванович").await;
        assert!(petrov.contains("классный руководитель 9А"), "the edit made while A removed him is kept: {petrov}");
    }
    assert_eq!(a.members().await, b.members().await, "both devices show the same list");
    a.quit().await;
    b.quit().await;
}

/// With the server stopped, reloading the page and restarting the browser
/// both open the app from the service worker with everything on the device,
/// and an edit made then reaches the server once it is back.
#[tokio::test]
async fn the_app_opens_with_its_data_while_the_server_is_stopped() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let browser = Browser::launch(&dir.path().join("profile")).await;
    browser.join_member(&server, &head).await;
    browser.wait_offline_ready().await;
    browser.add_member(&NewMember::teacher("Орлова Екатерина Сергеевна", "3А")).await;
    browser.wait_sync(SAVED).await;

    server.stop().await;
    browser.reload().await;
    browser.wait_members(&["Орлова Екатерина Сергеевна"]).await;
    assert_eq!(browser.sync_status().await, OFFLINE);
    browser.add_member(&NewMember::teacher("Волков Дмитрий Андреевич", "4Б")).await;

    // A browser restart with the server still down.
    let profile = browser.quit().await;
    let browser = Browser::launch(&profile).await;
    browser.open(&server.url()).await;
    browser.wait_members(&["Волков Дмитрий Андреевич", "Орлова Екатерина Сергеевна"]).await;

    server.resume().await;
    browser.wait_sync(SAVED).await;
    browser.quit().await;

    // The server now has the offline edit: a fresh device sees it.
    let fresh = Browser::launch(&dir.path().join("fresh-profile")).await;
    fresh.join_member(&server, &head).await;
    fresh.wait_members(&["Волков Дмитрий Андреевич", "Орлова Екатерина Сергеевна"]).await;
    fresh.quit().await;
}

/// With the server running, what one person saves appears on the other's
/// screen without a reload; a form with mistakes says what is wrong in
/// Russian and saves nothing.
#[tokio::test]
async fn an_edit_appears_in_the_other_browser_without_a_reload() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (a, b) = two_members(&server, dir.path()).await;
    b.wait_sync(SAVED).await;

    a.add_member(&NewMember::teacher("Белова Наталья Юрьевна", "2В")).await;
    b.wait_members(&["Белова Наталья Юрьевна"]).await;
    a.edit_member("Белова Наталья Юрьевна", "category", "highest").await;
    e2e::eventually("the new category on B's screen", || async {
        b.details_of("Белова Наталья Юрьевна").await.contains("категория: высшая").then_some(())
    })
    .await;
    b.remove_member("Белова Наталья Юрьевна").await;
    a.wait_members(&[]).await;

    let errors =
        a.try_add_member(&NewMember { full_name: "  ", experience_years: "сто", ..NewMember::teacher("", "5А") }).await;
    let messages: Vec<&str> = errors.iter().map(|(_, m)| m.as_str()).collect();
    assert!(errors.iter().any(|(field, _)| field == "full_name"), "an empty ФИО is refused: {errors:?}");
    assert!(errors.iter().any(|(field, _)| field == "experience_years"), "«сто» is not a number of years: {errors:?}");
    assert!(
        messages.iter().all(|m| m.chars().any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap()))),
        "messages are in Russian: {messages:?}"
    );
    assert!(a.members().await.is_empty(), "nothing was saved");
    a.quit().await;
    b.quit().await;
}

/// A opens a member's edit form; meanwhile B changes the member's class
/// and the change reaches A's screen; A then changes стаж in the form it
/// opened before and saves. The save is made to the member as A's form
/// showed it, so B's class stays, on both devices.
#[tokio::test]
async fn a_form_saved_after_a_colleagues_edit_arrived_keeps_that_edit() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (a, b) = two_members(&server, dir.path()).await;
    let name = "Белова Наталья Юрьевна";
    a.add_member(&NewMember::teacher(name, "5А")).await;
    b.wait_members(&[name]).await;

    let open_on_a = a.open_member_form(name).await;
    b.edit_member(name, "class_led", "6Б").await;
    // A member B adds after its edit reaches A only with that edit: once A
    // lists her, A holds B's class while its form is still open.
    let later = "Громова Ольга Павловна";
    b.add_member(&NewMember::teacher(later, "7В")).await;
    e2e::eventually("B's edits on A's device, the form still open", || async {
        a.member_names().await.iter().any(|n| n == later).then_some(())
    })
    .await;
    a.finish_member_form(&open_on_a, "experience_years", "13").await;
    for (who, browser) in [("A", &a), ("B", &b)] {
        e2e::eventually(&format!("both edits on {who}'s screen"), || async {
            let details = browser.details_of(name).await;
            (details.contains("классный руководитель 6Б") && details.contains("стаж 13 лет")).then_some(())
        })
        .await;
    }
    a.quit().await;
    b.quit().await;
}

/// The same with a text both edit: A opens a protocol's form, B adds words
/// to its theme and saves, and once that reached A, A adds words of her own
/// in the form she opened before and saves. Both people's words stay.
#[tokio::test]
async fn a_text_saved_after_a_colleague_typed_in_it_keeps_both_peoples_words() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (a, b) = two_members(&server, dir.path()).await;
    for browser in [&a, &b] {
        browser.go("protocols").await;
    }
    a.click_css("[data-testid=protocols] [data-testid=add]").await;
    a.save("[data-testid=add-form]", &[("theme", "Организация работы")]).await;
    b.wait_text("[data-testid=protocol-theme]", "Организация работы").await;

    a.click_css("[data-testid=protocols-row] [data-testid=edit]").await;
    b.click_css("[data-testid=protocols-row] [data-testid=edit]").await;
    b.save("[data-testid=protocols-row] [data-testid=edit-form]", &[("theme", "Организация работы на год")]).await;
    // A protocol B adds after its edit reaches A only with that edit.
    b.click_css("[data-testid=protocols] [data-testid=add]").await;
    b.save("[data-testid=add-form]", &[("theme", "Внеочередное заседание")]).await;
    e2e::eventually("B's edits on A's device, A's form still open", || async {
        (a.texts("[data-testid=protocol-title]").await.len() == 1
            && a.texts("[data-testid=protocols-row]").await.len() == 2)
            .then_some(())
    })
    .await;
    a.save("[data-testid=protocols-row] [data-testid=edit-form]", &[("theme", "Срочно: Организация работы")]).await;
    for (who, browser) in [("A", &a), ("B", &b)] {
        e2e::eventually(&format!("both people's words on {who}'s screen"), || async {
            let themes = browser.texts("[data-testid=protocol-theme]").await;
            themes.iter().any(|t| t == "Срочно: Организация работы на год").then_some(())
        })
        .await;
    }
    a.quit().await;
    b.quit().await;
}

/// The JavaScript automerge-repo writes a member into the association
/// document through our server and the app shows it; a member added in the
/// app is read by the JavaScript client with our layout (id as bytes,
/// enums as variant names).
#[tokio::test]
async fn the_app_and_a_javascript_automerge_repo_client_share_the_member_list() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let association = head.school().to_string();
    let js = head.add_device(&server, "member", Some(head.school()), "Скрипт на Node.js").await;
    let url = server.sync_url_for(&js);
    let browser = Browser::launch(&dir.path().join("profile")).await;
    browser.join_member(&server, &head).await;
    browser.wait_sync(SAVED).await;

    let written = e2e::js::run(&js, &["add-member", &url, &association, "Смирнова Ольга Ивановна"]).await;
    assert_eq!(written["id"].as_str().unwrap().len(), 32, "a 16-byte id");
    browser.wait_members(&["Смирнова Ольга Ивановна"]).await;
    let details = browser.details_of("Смирнова Ольга Ивановна").await;
    assert!(
        details.contains("учитель истории") && details.contains("категория: первая") && details.contains("стаж 12 лет"),
        "{details}"
    );

    browser
        .add_member(&NewMember {
            education: "higher",
            category: "methodologist",
            experience_years: "23",
            ..NewMember::teacher("Ковалёв Андрей Петрович", "10А")
        })
        .await;
    browser.wait_sync(SAVED).await;
    let doc = e2e::js::run(&js, &["read", &url, &association]).await;
    let members = doc["members"].as_array().unwrap();
    let ours = members
        .iter()
        .find(|m| m["full_name"] == "Ковалёв Андрей Петрович")
        .unwrap_or_else(|| panic!("JS sees the app's member: {doc}"));
    assert_eq!(ours["class_led"], "10А");
    assert_eq!(ours["education"], "Higher");
    assert_eq!(ours["category"], "Methodologist");
    assert_eq!(ours["experience_years"], 23);
    assert_eq!(ours["id"].as_str().unwrap().len(), 32, "the id is stored as 16 bytes");
    assert_eq!(doc["schema_version"], shared::SCHEMA_VERSION, "our edit moved the layout to ours");
    browser.quit().await;
}

/// Two browsers joined as members of the first school.
async fn two_members(server: &Server, dir: &std::path::Path) -> (Browser, Browser) {
    let (_, head) = server.heads().await;
    let a = Browser::launch(&dir.join("profile-a")).await;
    let b = Browser::launch(&dir.join("profile-b")).await;
    a.join_member(server, &head).await;
    b.join_member(server, &head).await;
    (a, b)
}

/// The app asks the browser to keep its records for good and says how much
/// they take, as they grow; where the browser refuses, the person is told
/// that a device short of space may delete them, and where it agrees, that
/// it will not.
#[tokio::test]
async fn the_app_asks_to_keep_its_records_and_says_when_the_browser_refuses() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let browser = Browser::launch(&dir.path().join("profile")).await;
    let permission = |setting: &str| {
        serde_json::json!({
            "permission": { "name": "persistent-storage" },
            "setting": setting,
            "origin": server.url(),
        })
    };
    browser.devtools("Browser.setPermission", permission("denied")).await;
    browser.join_member(&server, &head).await;
    browser.go("dashboard").await;
    browser.wait_text("[data-testid=storage-not-kept]", "может их удалить").await;
    let usage = browser.wait_text("[data-testid=storage-usage]", "из доступных").await;
    assert!(usage.starts_with("Приложение, записи и файлы занимают "), "{usage}");
    assert!(browser.texts("[data-testid=storage-kept]").await.is_empty());
    // A 2 MB file joins the копилка: the dashboard counts it when next
    // shown, without a reload (the browser's count was read at the app's
    // start).
    let bytes = || async {
        let held =
            browser.script("return Number(document.querySelector('[data-testid=storage-usage]').dataset.bytes)").await;
        held.as_f64().unwrap()
    };
    let before = bytes().await;
    browser.go("kopilka").await;
    browser.click_css("[data-testid=kopilka] [data-testid=add]").await;
    browser
        .save(
            "[data-testid=add-form]",
            &[("title", "Диагностика класса"), ("author", "Учитель школы"), ("kind", "diagnostics")],
        )
        .await;
    let file = dir.path().join("diagnostics.pdf");
    std::fs::write(&file, e2e::pdf_like(2_000_000, 3)).unwrap();
    browser.type_into("[data-testid=attach-file]", file.to_str().unwrap()).await;
    browser.wait_text("[data-testid=file]", "на устройстве").await;
    e2e::eventually("the dashboard to count the file", || async {
        browser.go("kopilka").await;
        browser.go("dashboard").await;
        browser.wait_text("[data-testid=storage-usage]", "из доступных").await;
        (bytes().await >= before + 2_000_000.0).then_some(())
    })
    .await;

    browser.devtools("Browser.setPermission", permission("granted")).await;
    browser.reload_page().await;
    browser.go("dashboard").await;
    browser.wait_text("[data-testid=storage-kept]", "обещал хранить записи").await;
    assert!(browser.texts("[data-testid=storage-not-kept]").await.is_empty());
    browser.quit().await;
}

/// A device offline for weeks: it says how long ago it last synced, and a
/// week after an edit the server does not have it warns that colleagues do
/// not see it yet. Sixty days on, the server is back and everything
/// arrives: neither the device's token nor its sync state ran out meanwhile.
/// The browser restarts on a clock moved on each time; nobody waits.
#[tokio::test]
async fn a_device_offline_for_sixty_days_warns_then_syncs_everything() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let profile = dir.path().join("teacher");
    let on = |at: &'static str| e2e::Setup { clock: Some(at), ..e2e::Setup::default() };

    let browser = Browser::launch_with(&profile, &on("2026-11-20 08:00:00")).await;
    browser.join_member(&server, &head).await;
    browser.add_member(&NewMember::teacher("Иванова Мария Петровна", "5А")).await;
    browser.wait_sync(SAVED).await;
    browser.wait_offline_ready().await;
    browser.go("dashboard").await;
    browser.wait_text("[data-testid=last-sync]", "Последняя синхронизация: сегодня").await;
    server.stop().await;
    browser.wait_sync(OFFLINE).await;
    browser.go("members").await;
    browser.add_member(&NewMember::teacher("Петров Сергей Иванович", "6Б")).await;
    assert!(browser.texts("[data-testid=unsynced-warning]").await.is_empty(), "not on the day");
    browser.quit().await;

    // Eleven days on, still no server.
    let browser = Browser::launch_with(&profile, &on("2026-12-01 08:00:00")).await;
    browser.open(&server.url()).await;
    let warning = browser.wait_text("[data-testid=unsynced-warning]", "коллеги их пока не видят").await;
    assert!(warning.starts_with("Ваши изменения с 20.11.2026 (11 дн.)"), "{warning}");
    browser.go("dashboard").await;
    browser.wait_text("[data-testid=last-sync]", "11 дн. назад (20.11.2026)").await;
    browser.quit().await;

    // Sixty days after the edit the server is back, and it arrives.
    server.resume().await;
    let browser = Browser::launch_with(&profile, &on("2027-01-19 08:00:00")).await;
    browser.open(&server.url()).await;
    browser.wait_sync(SAVED).await;
    let school = head.school();
    let fetched = e2e::peer::Peer::connect(&server, &head).await.fetch(school).await.unwrap();
    let members =
        <shared::AssociationDoc as shared::Document>::load(&automerge::AutoCommit::load(&fetched.save()).unwrap())
            .unwrap()
            .active_members()
            .iter()
            .map(|m| m.full_name.clone())
            .collect::<Vec<_>>();
    assert!(members.contains(&"Петров Сергей Иванович".to_owned()), "{members:?}");
    browser.go("dashboard").await;
    browser.wait_text("[data-testid=last-sync]", "Последняя синхронизация: сегодня").await;
    assert!(browser.texts("[data-testid=unsynced-warning]").await.is_empty(), "sent");
    browser.quit().await;
}

/// Copies the built app to `to`, to serve and then change as a new version.
fn copy_app(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_app(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A device that has just joined shows its school's records from the
/// server's preview before its engine has loaded (here it never does: its
/// files are missing), read-only, and says why they cannot be changed yet.
#[tokio::test]
async fn a_device_that_has_just_joined_reads_its_records_before_its_engine_has_loaded() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let app = dir.path().join("app");
    copy_app(&e2e::server::app_dir(), &app);
    for file in ["engine_bg.wasm", "engine_bg.wasm.br", "engine_bg.wasm.gz"] {
        std::fs::remove_file(app.join(file)).unwrap();
    }
    let server = Server::start_with_app(&dir.path().join("server"), &app).await;
    let (_, head) = server.heads().await;
    let school = head.school();
    let year = shared::AcademicYear::of(e2e::browser::clock_day());
    let association = e2e::association_with(&school, &["Орлова Екатерина Сергеевна", "Петров Сергей Иванович"]);
    e2e::push_school(&server, &head, association, year, shared::YearDoc::create(&school, year)).await;

    let browser = Browser::launch_on_clock(&dir.path().join("profile")).await;
    let code = head.invite(&server, "school_head", Some(school)).await;
    browser.join(&server, &code, "Иванова Мария Петровна").await;
    browser.wait_text("[data-testid=preview]", "Записи получены с сервера").await;
    browser.go("members").await;
    browser.wait_members(&["Орлова Екатерина Сергеевна", "Петров Сергей Иванович"]).await;
    assert!(browser.texts("[data-testid=members] [data-testid=add]").await.is_empty(), "read-only until the engine");
    browser.quit().await;
}

/// A new version deployed over the running one: the app says «Доступна
/// новая версия», applies it only when the person agrees and no form is
/// open, and an edit made offline before it survives and reaches the
/// server after. The app is installable: Chromium finds no installability
/// errors, and the manifest has a Russian name, the icons and a start URL.
#[tokio::test]
async fn a_new_version_waits_for_the_person_and_keeps_unsynced_edits() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let app = dir.path().join("app");
    copy_app(&e2e::server::app_dir(), &app);
    let mut server = Server::start_with_app(&dir.path().join("server"), &app).await;
    let (_, head) = server.heads().await;
    let browser = Browser::launch_on_clock(&dir.path().join("profile")).await;
    browser.join_member(&server, &head).await;
    browser.add_member(&NewMember::teacher("Иванова Мария Петровна", "5А")).await;
    browser.wait_sync(SAVED).await;
    browser.wait_offline_ready().await;

    let errors = browser.devtools("Page.getInstallabilityErrors", serde_json::json!({})).await;
    assert_eq!(errors["installabilityErrors"], serde_json::json!([]), "{errors}");
    let (status, manifest) = server.get("/manifest.webmanifest").await;
    assert_eq!(status, 200);
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(manifest["lang"], "ru");
    assert_eq!(manifest["name"], "Методическое объединение классных руководителей");
    assert_eq!(manifest["start_url"], "/");
    let sizes: Vec<&str> = manifest["icons"].as_array().unwrap().iter().filter_map(|i| i["sizes"].as_str()).collect();
    assert!(sizes.contains(&"192x192") && sizes.contains(&"512x512"), "{sizes:?}");

    // The second version: another service worker and page, as a deploy
    // with other file names brings (served as written: without the
    // precompressed copies of the first).
    for file in ["sw.js", "index.html"] {
        for packed in ["br", "gz"] {
            std::fs::remove_file(app.join(format!("{file}.{packed}"))).unwrap();
        }
    }
    let sw = std::fs::read_to_string(app.join("sw.js")).unwrap();
    let version = sw.lines().find(|l| l.starts_with("const VERSION")).unwrap().to_owned();
    std::fs::write(app.join("sw.js"), sw.replace(&version, &version.replace("\";", "-2\";"))).unwrap();
    let index = std::fs::read_to_string(app.join("index.html")).unwrap();
    std::fs::write(app.join("index.html"), index.replace("<head>", "<head><meta name=\"mo-version\" content=\"2\">"))
        .unwrap();
    browser.script("navigator.serviceWorker.getRegistration().then(r => r.update())").await;
    browser.wait_text("[data-testid=update-banner]", "Доступна новая версия").await;

    // Offline, an edit; while its form is open the new version waits.
    server.stop().await;
    browser.wait_sync(OFFLINE).await;
    browser.go("plan").await;
    browser.click_css("[data-testid=plan] [data-testid=add]").await;
    browser.wait_text("[data-testid=update-waits]", "закройте открытую форму").await;
    let disabled = browser.script("return document.querySelector('[data-testid=apply-update]').disabled").await;
    assert_eq!(disabled, serde_json::json!(true));
    browser.save("[data-testid=add-form]", &[("when", "декабрь"), ("topic", "Заседание МО № 3")]).await;
    browser.wait_text("[data-testid=plan-topic]", "Заседание МО № 3").await;
    assert!(browser.texts("[data-testid=update-waits]").await.is_empty(), "no form open now");
    browser.click_css("[data-testid=apply-update]").await;
    e2e::eventually("the new version to run", || async {
        let version = browser.script("return document.querySelector('meta[name=mo-version]')?.content ?? ''").await;
        (version == serde_json::json!("2")).then_some(())
    })
    .await;
    browser.go("plan").await;
    browser.wait_text("[data-testid=plan-topic]", "Заседание МО № 3").await;
    assert!(browser.texts("[data-testid=update-banner]").await.is_empty(), "applied");

    // The edit made before the update reaches the server.
    server.resume().await;
    browser.wait_sync(SAVED).await;
    let year = shared::AcademicYear::of(e2e::browser::clock_day());
    let id = shared::YearDoc::id_for(&head.school(), year);
    let fetched = e2e::peer::Peer::connect(&server, &head).await.fetch(id).await.unwrap();
    let plan =
        <shared::YearDoc as shared::Document>::load(&automerge::AutoCommit::load(&fetched.save()).unwrap()).unwrap();
    assert!(plan.plan.iter().any(|r| r.topic == "Заседание МО № 3"), "the offline edit is on the server");
    browser.quit().await;
}

/// Held in the page from its next load: its `/api/me` (the device's
/// description, asked for at every start) is answered only once the test
/// calls `releaseMe()`, as on a slow link; `meRead` says when the app has
/// read the answer (a task after the microtasks that act on it).
const HOLD_ME: &str = r"
    const fetchNow = window.fetch.bind(window);
    let release;
    const released = new Promise((r) => { release = r; });
    window.releaseMe = () => release();
    window.fetch = async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input.url, location.href);
      if (url.pathname !== '/api/me') return fetchNow(input, init);
      window.meHeld = true;
      await released;
      const response = await fetchNow(input, init);
      const body = await response.text();
      const held = new Response(body, { status: response.status, headers: response.headers });
      held.text = () => Promise.resolve(body).finally(() => setTimeout(() => { window.meRead = true; }, 0));
      return held;
    };
";

/// A person starts typing into a form before the server has said what
/// this device is (the answer comes late on a slow link, and it always
/// differs from the kept one: it carries the server's clock). When it
/// comes, the form stays open with what was typed: the screen is not
/// rebuilt for it. A school head's device, on the member list and on
/// «Доступ», whose invitation form follows the device's role and schools.
#[tokio::test]
async fn a_form_open_when_the_server_describes_the_device_keeps_what_was_typed() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (_, head) = server.heads().await;
    let browser = Browser::launch(&dir.path().join("profile")).await;
    let code = head.invite(&server, "school_head", Some(head.school())).await;
    browser.join(&server, &code, "Руководитель МО").await;
    browser.devtools("Page.addScriptToEvaluateOnNewDocument", serde_json::json!({ "source": HOLD_ME })).await;
    let screens = [
        ("members", Some("[data-testid=add-member]"), "section.members > form[data-testid=member-form]", "full_name"),
        ("access", None, "[data-testid=invite-form]", "note"),
    ];
    for (slug, open, form, field) in screens {
        browser.client().goto(&format!("{}/#/{slug}", server.url())).await.unwrap();
        browser.reload_page().await;
        flagged(&browser, "meHeld").await;
        if let Some(button) = open {
            browser.click_css(button).await;
        }
        browser.fill(form, &[(field, "Белова Наталья")]).await;
        browser.script("window.releaseMe()").await;
        flagged(&browser, "meRead").await;
        let typed = browser
            .script(&format!("return document.querySelector('{form} [data-testid=field-{field}]')?.value ?? null"))
            .await;
        assert_eq!(typed, "Белова Наталья", "the form on {slug} is still open with what was typed");
    }
    browser.quit().await;
}

/// Waits until the page has set `window.{flag}`.
async fn flagged(browser: &Browser, flag: &str) {
    e2e::eventually(&format!("window.{flag} in the page"), || async {
        (browser.script(&format!("return window.{flag} === true")).await == true).then_some(())
    })
    .await;
}

/// A device whose records database is an older version than the app's
/// (here an empty one at version 1, where nothing kept its records) opens
/// it upgraded and fills it from the server.
#[tokio::test]
async fn an_older_records_database_is_upgraded_when_the_engine_starts() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(&dir.path().join("server")).await;
    let (_, head) = server.heads().await;
    let school = head.school();
    let year = shared::AcademicYear::of(e2e::browser::clock_day());
    let names = ["Орлова Екатерина Сергеевна", "Петров Сергей Иванович"];
    let association = e2e::association_with(&school, &names);
    e2e::push_school(&server, &head, association, year, shared::YearDoc::create(&school, year)).await;
    let profile = dir.path().join("profile");
    let browser = Browser::launch_on_clock(&profile).await;
    let code = head.invite(&server, "school_head", Some(school)).await;
    browser.join(&server, &code, "Иванова Мария Петровна").await;
    browser.go("members").await;
    browser.wait_members(&names).await;
    browser.quit().await;

    // The same device (localStorage keeps it) with its database replaced by
    // an empty one of version 1, from a page of the site that is not the app.
    let browser = Browser::launch_on_clock(&profile).await;
    browser.client().goto(&format!("{}/healthz", server.url())).await.unwrap();
    let replaced = browser
        .script_async(
            "const done = arguments[arguments.length - 1];
             const deleting = indexedDB.deleteDatabase('mo-kr');
             deleting.onerror = () => done('not deleted');
             deleting.onsuccess = () => {
               const opening = indexedDB.open('mo-kr', 1);
               opening.onupgradeneeded = () => opening.result.createObjectStore('chunks');
               opening.onerror = () => done('not created');
               opening.onsuccess = () => { opening.result.close(); done('version 1'); };
             };",
        )
        .await;
    assert_eq!(replaced, "version 1");
    browser.open(&format!("{}/#/members", server.url())).await;
    browser.wait_members(&names).await;
    let kept = browser
        .script_async(
            "const done = arguments[arguments.length - 1];
             const opening = indexedDB.open('mo-kr');
             opening.onerror = () => done('not opened');
             opening.onsuccess = () => {
               const db = opening.result;
               done(db.version + ': ' + [...db.objectStoreNames].sort().join(', '));
               db.close();
             };",
        )
        .await;
    assert_eq!(kept, "2: chunks, device, sync_states");
    // The engine has the records (not a preview): they may be changed.
    browser.add_member(&NewMember::teacher("Сидорова Анна Викторовна", "5А")).await;
    browser.wait_members(&["Орлова Екатерина Сергеевна", "Петров Сергей Иванович", "Сидорова Анна Викторовна"]).await;
    browser.quit().await;
}
