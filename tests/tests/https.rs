//! The server as a district runs it: HTTPS with a certificate from an ACME
//! authority (Let's Encrypt's test authority pebble on loopback) or from
//! certificate files, plain HTTP redirected to HTTPS, and a phone's
//! browser (headless Chromium trusting the authority's root) that opens
//! the app over HTTPS, registers the service worker and keeps working
//! after the server stops.

#![allow(clippy::unwrap_used)]

use e2e::tls::{Pebble, TestCa, trusting_home, wait_https};
use e2e::{Browser, NewMember, Server, Setup, exclusive};
use tempfile::TempDir;

const DOMAIN: &str = "mo.test";
const SAVED: &str = "сохранено на сервере";
const OFFLINE: &str = "нет связи";

/// A browser trusting `roots`, resolving the test domain to 127.0.0.1.
async fn phone(dir: &std::path::Path, roots: &[&std::path::Path]) -> Browser {
    let home = dir.join("home");
    trusting_home(&home, roots);
    Browser::launch_with(
        &dir.join("profile"),
        &Setup { home: Some(home), local_names: vec![DOMAIN.into()], ..Setup::default() },
    )
    .await
}

/// The head joins over HTTPS, adds a member, the service worker takes the
/// app; with the server stopped the reloaded app still shows the member.
async fn works_offline_over_https(browser: &Browser, server: &mut Server) {
    let (_, school_head) = server.first_invitations().await;
    assert!(server.log().contains(&format!("{}/#/join/", server.url())), "invitation links carry the https address");
    browser.join(server, &school_head, "Руководитель МО").await;
    browser.open(&server.url()).await;
    let protocol = browser.script("return location.protocol + ' ' + window.isSecureContext").await;
    assert_eq!(protocol, "https: true", "the app runs in a secure context");
    browser.wait_offline_ready().await;
    browser.add_member(&NewMember::teacher("Зайцева Ольга Николаевна", "4Б")).await;
    browser.wait_sync(SAVED).await;

    server.stop().await;
    browser.wait_sync(OFFLINE).await;
    browser.reload().await;
    assert_eq!(browser.member_names().await, ["Зайцева Ольга Николаевна"], "the app and its records open offline");
    browser.add_member(&NewMember::teacher("Кротов Павел Ильич", "9В")).await;
    server.resume().await;
    browser.wait_sync(SAVED).await;
}

#[tokio::test]
async fn a_certificate_from_an_acme_authority_serves_the_app_that_then_works_offline() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let (port, http_port) = (e2e::free_port(), e2e::free_port());
    let pebble = Pebble::start(&dir.path().join("pebble"), port).await;
    let origin = format!("https://{DOMAIN}:{port}");
    let args = [
        "--acme-domain",
        DOMAIN,
        "--acme-email",
        "it@school.test",
        "--acme-directory",
        &pebble.directory,
        "--acme-ca",
        &pebble.listener_root.to_string_lossy(),
        "--http-port",
        &http_port.to_string(),
        "--public-url",
        &origin,
    ];
    let mut server = Server::start_serving(&dir.path().join("server"), port, &args, &origin).await;
    let root = pebble.issuing_root().await;
    if let Err(e) = wait_https(DOMAIN, port, &root).await {
        panic!("the certificate ordered from pebble: {e}\nserver:\n{}\npebble:\n{}", server.log(), pebble.log());
    }
    let cache = server.data_dir().join("acme");
    let kept = std::fs::read_dir(&cache).map(|d| d.count()).unwrap_or(0);
    assert!(kept >= 2, "the account and the certificate are kept in the data directory ({kept} files)");
    assert!(pebble.log().contains("Issued certificate"), "pebble issued it:\n{}", pebble.log());

    let (status, head, _) = e2e::server::plain_http(http_port, DOMAIN, "GET", "/sw.js", "", None).await;
    assert_eq!(status, 308, "plain HTTP is redirected: {head}");
    assert!(head.contains(&format!("location: https://{DOMAIN}:{port}/sw.js")), "{head}");

    let browser = phone(dir.path(), &[&root]).await;
    works_offline_over_https(&browser, &mut server).await;

    // Without the authority, a restart serves the kept certificate.
    drop(pebble);
    server.stop().await;
    server.resume().await;
    if let Err(e) = wait_https(DOMAIN, port, &root).await {
        panic!("the kept certificate after a restart with no authority: {e}\nserver:\n{}", server.log());
    }
    browser.quit().await;
}

#[tokio::test]
async fn certificate_files_from_the_districts_own_authority_serve_the_app() {
    let _one_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let ca = TestCa::new(&dir.path().join("ca"), "Отдел образования: тестовый центр сертификации");
    let (cert, key) = ca.issue("server", &[DOMAIN]);
    let port = e2e::free_port();
    let origin = format!("https://{DOMAIN}:{port}");
    let args = [
        "--tls-cert",
        &cert.to_string_lossy(),
        "--tls-key",
        &key.to_string_lossy(),
        "--http-port",
        "0",
        "--public-url",
        &origin,
    ];
    let mut server = Server::start_serving(&dir.path().join("server"), port, &args, &origin).await;
    if let Err(e) = wait_https(DOMAIN, port, ca.root()).await {
        panic!("the certificate files: {e}\nserver:\n{}", server.log());
    }
    let browser = phone(dir.path(), &[ca.root()]).await;
    works_offline_over_https(&browser, &mut server).await;
    browser.quit().await;
}
