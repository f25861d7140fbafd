//! The копилка's files in real browsers against the real server: a file
//! attached on one device opens offline on another of the school; a
//! material shared «для района» reaches another school; a 20 MB file comes
//! whole over a slow connection that drops halfway, and is never offered
//! half-received.

#![allow(clippy::unwrap_used)]

use e2e::proxy::Proxy;
use e2e::{Browser, Server, eventually, exclusive, pdf_like};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The text of the file row naming `name`.
async fn row(browser: &Browser, name: &str) -> String {
    let xpath = format!("//li[@data-testid='file'][contains(., '{name}')]");
    let value = browser
        .script(&format!(
            "const r = document.evaluate(\"{xpath}\", document, null, 9, null).singleNodeValue; \
             return r ? r.textContent : '';"
        ))
        .await;
    value.as_str().unwrap_or_default().to_owned()
}

async fn wait_row(browser: &Browser, name: &str, part: &str) -> String {
    eventually(&format!("the file {name} to read «{part}»"), || async {
        let text = row(browser, name).await;
        text.contains(part).then_some(text)
    })
    .await
}

async fn click_in_row(browser: &Browser, name: &str, testid: &str) {
    browser
        .click_xpath(&format!("//li[@data-testid='file'][contains(., '{name}')]//button[@data-testid='{testid}']"))
        .await;
}

/// Attaches the file at `path` to the first material of the копилка shown.
async fn attach(browser: &Browser, path: &std::path::Path) {
    browser.type_into("[data-testid=attach-file]", path.to_str().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copilka_file_opens_offline_at_school_and_a_shared_one_comes_whole_over_a_dropping_line() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let mut server = Server::start(dir.path()).await;
    let (district_head, school_head) = server.heads().await;
    let other_school = district_head.add_school(&server, "МБОУ СОШ № 2 с. Покровка").await;
    let proxy = Proxy::start(server.port()).await;

    // The head of the first school puts a material with a small PDF in the
    // копилка, shared with the district.
    let head = Browser::launch(&dir.path().join("head")).await;
    let code = school_head.invite(&server, "school_head", Some(school_head.school())).await;
    head.join(&server, &code, "Иванова Мария Петровна").await;
    head.open(&server.url()).await;
    head.go("kopilka").await;
    head.click_css("[data-testid=kopilka] [data-testid=add]").await;
    head.save(
        "[data-testid=add-form]",
        &[
            ("title", "Классный час «Дружба»"),
            ("author", "Иванова М. П."),
            ("kind", "class_hour"),
            ("classes", "5"),
            ("for_district", "true"),
        ],
    )
    .await;
    head.wait_text("[data-testid=for-district]", "для района").await;
    let lesson = pdf_like(300_000, 1);
    let lesson_path = dir.path().join("lesson.pdf");
    std::fs::write(&lesson_path, &lesson).unwrap();
    attach(&head, &lesson_path).await;
    wait_row(&head, "lesson.pdf", "на устройстве").await;

    // A member's device of the school keeps the small file by itself, and
    // opens it with the server down.
    let member = Browser::launch(&dir.path().join("member")).await;
    member.join_member(&server, &school_head).await;
    member.go("kopilka").await;
    wait_row(&member, "lesson.pdf", "на устройстве").await;
    server.stop().await;
    click_in_row(&member, "lesson.pdf", "open-file").await;
    assert_eq!(std::fs::read(member.downloaded("lesson.pdf").await).unwrap(), lesson);
    server.resume().await;

    // The other school's head, whose line runs through the proxy, finds it
    // in the district копилка.
    let other = Browser::launch(&dir.path().join("other")).await;
    let code = district_head.invite(&server, "school_head", Some(other_school)).await;
    other.join_at(&proxy.url(), &code, "Петрова Анна Викторовна").await;
    other.open(&proxy.url()).await;
    other.go("kopilka").await;
    other.click_css("[data-testid=district-kopilka-load]").await;
    other.wait_text("[data-testid=district-material-title]", "Классный час «Дружба»").await;
    wait_row(&other, "lesson.pdf", "не загружен").await;

    // A 20 MB presentation joins the material.
    let mut big = b"PK\x03\x04".to_vec();
    big.extend(pdf_like(20 * 1024 * 1024 - 4 - 9 - 4096, 2));
    assert!(big.len() as u64 <= shared::files::MAX_FILE_BYTES);
    let big_path = dir.path().join("big.pptx");
    std::fs::write(&big_path, &big).unwrap();
    attach(&head, &big_path).await;
    wait_row(&head, "big.pptx", "на устройстве").await;
    let library = shared::LibraryDoc::id_for(&school_head.school());
    let on_server = format!("/api/files/{}?doc={library}", hex_sha256(&big));
    eventually("the presentation to reach the server", || async {
        let (status, _) = server.http("GET", &on_server, Some(&school_head.token), None).await;
        (status == 200).then_some(())
    })
    .await;
    eventually("the presentation in the district копилка", || async {
        other.click_css("[data-testid=district-kopilka-load]").await;
        row(&other, "big.pptx").await.contains("не загружен").then_some(())
    })
    .await;

    // Over 2 MB/s, the line drops after 10 MB.
    proxy.throttle(2 * 1024 * 1024, 10_000_000);
    click_in_row(&other, "big.pptx", "fetch-file").await;
    other.wait_text("[data-testid=file-error]", "Связь прервалась").await;
    assert!(proxy.dropped());
    let halfway = wait_row(&other, "big.pptx", "загружено").await;
    let percent: u64 =
        halfway.split("загружено ").nth(1).and_then(|t| t.split('%').next()).and_then(|p| p.parse().ok()).unwrap();
    assert!((30..=60).contains(&percent), "kept up to the drop: {halfway}");
    assert!(!halfway.contains("Открыть"), "half a file is not offered: {halfway}");

    // «Догрузить» asks only for the rest, and the file is whole.
    let before = proxy.sent();
    click_in_row(&other, "big.pptx", "fetch-file").await;
    wait_row(&other, "big.pptx", "на устройстве").await;
    let rest = proxy.sent() - before;
    assert!(rest < big.len() as u64 * 7 / 10, "resumed, not started over: {rest} bytes for the rest");
    click_in_row(&other, "big.pptx", "open-file").await;
    assert!(std::fs::read(other.downloaded("big.pptx").await).unwrap() == big, "the file arrived whole and unchanged");
    // The small one comes too, on demand.
    click_in_row(&other, "lesson.pdf", "fetch-file").await;
    wait_row(&other, "lesson.pdf", "на устройстве").await;
}
