//! The app on a cheap phone: every screen of every role at 360×740 with
//! touch, in headless Chromium against the real server, with a school's and
//! a district's records of a whole year. On each screen, its form for a new
//! record, a record's form and its «История», the page is no wider than the phone,
//! nothing reaches past its edge, every tap target is at least 44 px
//! each way and no file input shows the browser's own (English, in a test
//! browser) button; a screenshot of each is kept under `target/phone-screens/`.

#![allow(clippy::unwrap_used)]

use e2e::browser::clock_day;

use e2e::peer::Peer;
use e2e::{Browser, Server, exclusive};
use shared::district::DistrictYearDoc;
use shared::{AcademicYear, LibraryDoc, YearDoc};
use tempfile::TempDir;

/// What is wrong with the screen as it is: the page wider than the phone,
/// anything reaching past its right edge (cut off or off screen, unless it
/// sits in a box that scrolls sideways by design, as the print view does),
/// the tap targets smaller than 44 px (with what they say and their size),
/// file inputs that show the browser's own button, and justified text
/// outside the A4 sheet.
const MEASURE: &str = "
    const width = document.documentElement.scrollWidth;
    const wide = width > window.innerWidth ? [`the page is ${width} px wide`] : [];
    const edge = document.documentElement.clientWidth;
    const scrolls = (e) => {
        for (let a = e.parentElement; a; a = a.parentElement) {
            if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true;
        }
        return false;
    };
    const past = [...document.querySelectorAll('body *')]
        .map(e => [e, e.getBoundingClientRect()])
        .filter(([e, r]) => r.width > 0 && r.right > edge + 1 && !scrolls(e))
        .filter(([e]) => !e.parentElement || e.parentElement.getBoundingClientRect().right <= edge + 1)
        .map(([e, r]) => `${e.dataset.testid || e.tagName.toLowerCase()} «${e.textContent.trim().slice(0, 30)}» reaches ${Math.round(r.right)} px of ${edge}`);
    const targets = [...document.querySelectorAll(
        'button, a[href], select, input:not([type=checkbox]):not([type=hidden]):not([type=file]), textarea, summary, ' +
        'label.check, label.check-option, label.attach'
    )];
    const small = targets
        .map(e => [e, e.getBoundingClientRect()])
        .filter(([e, r]) => r.width > 0 && r.height > 0 && (r.width < 44 || r.height < 44))
        .map(([e, r]) => `${e.dataset.testid || e.tagName.toLowerCase()} «${(e.textContent || e.value || '').trim().slice(0, 30)}» ${Math.round(r.width)}×${Math.round(r.height)}`);
    // A file is chosen through the app's own button (its label): the
    // browser's «Choose File… No file chosen» speaks the browser's language.
    const native = [...document.querySelectorAll('input[type=file]')]
        .map(e => [e, e.getBoundingClientRect()])
        .filter(([e, r]) => r.width > 1 || r.height > 1)
        .map(([e]) => `${e.dataset.testid || 'input'}: the browser's own file button shows`);
    // Justified text is for the A4 sheet: in a phone's column its words
    // stand far apart.
    const justified = [...document.querySelectorAll('main p')]
        .filter(e => getComputedStyle(e).textAlign === 'justify' && !e.closest('.a4') && e.getBoundingClientRect().width > 0)
        .map(e => `justified text «${e.textContent.trim().slice(0, 30)}» in a ${Math.round(e.getBoundingClientRect().width)} px column`);
    return wide.concat(past, small, native, justified);
";

/// Makes the browser a 360×740 phone with touch.
async fn phone(browser: &Browser) {
    let metrics = serde_json::json!({ "width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": true });
    browser.devtools("Emulation.setDeviceMetricsOverride", metrics).await;
    browser
        .devtools("Emulation.setTouchEmulationEnabled", serde_json::json!({ "enabled": true, "maxTouchPoints": 5 }))
        .await;
}

/// Measures the screen as it is and keeps its screenshot as
/// `target/phone-screens/{file}.png`; what is wrong, each said of `what`.
async fn look(browser: &Browser, what: &str, file: &str) -> Vec<String> {
    let shots = e2e::root().join("target").join("phone-screens");
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::write(shots.join(format!("{file}.png")), browser.client().screenshot().await.unwrap()).unwrap();
    let found: Vec<String> = serde_json::from_value(browser.script(MEASURE).await).unwrap();
    found.into_iter().map(|w| format!("{what}: {w}")).collect()
}

/// One tap opens «Разделы», a second goes to the screen `slug` (its
/// address ends with it, looking into a school too). Tapped where they are:
/// the bars stay at the top while the page scrolls under them. A tap that
/// did not land is tried again, as a person would tap again: twice in
/// about twenty runs, right after joining, WebDriver answered «element not
/// interactable» (which of the two, and why, was not kept); the list is
/// opened again only where it is closed. The tabs then redrew their links
/// whenever the server described the device at the start, which no longer
/// happens (e5c3bc2); whether that was the cause is not shown, so the
/// second tap stays.
async fn tap_tab(browser: &Browser, slug: &str) {
    use fantoccini::Locator::Css;
    e2e::eventually(&format!("the tab of {slug} tapped"), || async {
        let menu = browser.client().find(Css("[data-testid=nav-menu]")).await.ok()?;
        if menu.attr("aria-expanded").await.ok()?.as_deref() != Some("true") {
            menu.click().await.ok()?;
        }
        browser.client().find(Css(&format!("[data-testid=nav-{slug}]"))).await.ok()?.click().await.ok()
    })
    .await;
}

/// Opens each screen in `slugs` by its tab and [`look`]s at it as
/// `{role}-{slug}`; returns what is wrong, screen by screen.
async fn walk(browser: &Browser, role: &str, slugs: &[&str]) -> Vec<String> {
    let mut wrong = Vec::new();
    for slug in slugs {
        tap_tab(browser, slug).await;
        e2e::eventually(&format!("the {slug} screen"), || async {
            let here = browser.script(&format!("return location.hash.endsWith('/{slug}')")).await;
            here.as_bool().unwrap_or(false).then_some(())
        })
        .await;
        browser.wait_text("main :is(h1, h2)", "").await;
        wrong.extend(look(browser, &format!("{role} {slug}"), &format!("{role}-{slug}")).await);
        // What opens on the screen, where this role may open it: the form
        // for a new record, a record's form, a record's «История».
        let parts = [
            ("new", "its form", "[data-testid=add], [data-testid=add-member]", "form.record-form"),
            ("edit", "a record's form", "[data-testid=edit], [data-testid=edit-member]", "li form.record-form"),
            ("history", "a record's history", "[data-testid=history]", "[data-testid=history-list]"),
        ];
        for (name, what, button, opened) in parts {
            let open = format!("const b = document.querySelector('main :is({button})'); if (b) b.click(); return !!b");
            if browser.script(&open).await == serde_json::json!(true) {
                browser.wait_text(&format!("main {opened}"), "").await;
                // The screenshot shows what opened, just under the bars
                // (a record's form may be far down its list).
                let show = format!(
                    "const el = document.querySelector('main {opened}');
                     window.scrollBy(0, el.getBoundingClientRect().top - document.querySelector('.bars').getBoundingClientRect().bottom)"
                );
                browser.script(&show).await;
                wrong.extend(look(browser, &format!("{role} {slug}, {what}"), &format!("{role}-{slug}-{name}")).await);
                browser.script("window.scrollTo(0, 0)").await;
            }
        }
    }
    wrong
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_of_every_role_fits_a_360_px_phone() {
    let _one_browser_at_a_time = exclusive().await;
    let dir = TempDir::new().unwrap();
    let server = Server::start(dir.path()).await;
    let (district_head, school_head) = server.heads().await;
    let (school, district_id) = (school_head.school(), district_head.district());
    let year = AcademicYear::of(clock_day());
    // Screens full of records, as in a school's November: eighteen members,
    // a plan, protocols, regulations, a копилка, mentoring; a РМО's year.
    let mut full = shared::fixture::build_for(&school, &district_id, year);
    let mut peer = Peer::connect(&server, &school_head).await;
    peer.push(school, &mut full.association.document().clone()).await;
    peer.push(YearDoc::id_for(&school, year), &mut full.year.document().clone()).await;
    peer.push(LibraryDoc::id_for(&school), &mut full.library.document().clone()).await;
    let mut peer = Peer::connect(&server, &district_head).await;
    peer.push(DistrictYearDoc::id_for(&district_id, year), &mut full.district.document().clone()).await;

    let mut wrong = Vec::new();
    let head = Browser::launch_on_clock(&dir.path().join("head")).await;
    phone(&head).await;
    let code = school_head.invite(&server, "school_head", Some(school)).await;
    // The first screen a new device shows: the invitation.
    head.client().goto(&format!("{}/#/join/{code}", server.url())).await.unwrap();
    head.wait_text("[data-testid=join-form]", "").await;
    wrong.extend(look(&head, "the invitation", "join").await);
    // Only the invitation: no sync status («нет связи» before it has
    // joined), no sections, a button that says what it does.
    let first = head
        .script(
            "return [!!document.querySelector('[data-testid=sync-status]'), !!document.querySelector('[data-testid=nav-menu]'),
                     document.querySelector('[data-testid=join-form] [data-testid=save]').textContent]",
        )
        .await;
    assert_eq!(first, serde_json::json!([false, false, "Подключить устройство"]), "the invitation screen");
    head.join(&server, &code, "Иванова Мария Петровна").await;
    let school_screens = [
        "dashboard",
        "profile",
        "members",
        "plan",
        "protocols",
        "analyses",
        "regulations",
        "kopilka",
        "mentoring",
        "monitoring",
        "report",
        "rmo-advice",
        "rmo-surveys",
        "rmo-plan",
        "access",
    ];
    wrong.extend(walk(&head, "school_head", &school_screens).await);
    head.quit().await;
    let member = Browser::launch_on_clock(&dir.path().join("member")).await;
    phone(&member).await;
    let code = school_head.invite(&server, "member", Some(school)).await;
    member.join(&server, &code, "Орлова Екатерина Сергеевна").await;
    wrong.extend(walk(&member, "member", &school_screens[..school_screens.len() - 1]).await);
    member.quit().await;

    let district = Browser::launch_on_clock(&dir.path().join("district")).await;
    phone(&district).await;
    let code = district_head.invite(&server, "district_head", None).await;
    district.join(&server, &code, "Петрова Анна Викторовна").await;
    let district_screens = [
        "district",
        "rmo-profile",
        "staff",
        "rmo-plan",
        "rmo-perspective",
        "events",
        "contests",
        "visits",
        "consultations",
        "surveys",
        "rmo-report",
        "access",
    ];
    wrong.extend(walk(&district, "district_head", &district_screens).await);
    // The overview's wide table is a card per school on the phone.
    district.click_css("[data-testid=nav-menu]").await;
    district.go("district").await;
    district.wait_text("[data-testid=overview-row]", "Школа №1").await;
    let cards = district
        .script(
            "const row = document.querySelector('[data-testid=overview-row]');
             return [getComputedStyle(row).display, getComputedStyle(document.querySelector('[data-testid=overview] thead')).display]",
        )
        .await;
    assert_eq!(cards, serde_json::json!(["block", "none"]), "a card per school, no header row");
    // Looking into a school from the district, read-only.
    district.click_css("[data-testid=open-school]").await;
    district.wait_text("[data-testid=viewing-school]", "только просмотр").await;
    wrong.extend(walk(&district, "district_head-in-school", &school_screens[..school_screens.len() - 3]).await);
    district.quit().await;
    let reader = Browser::launch_on_clock(&dir.path().join("reader")).await;
    phone(&reader).await;
    let code = district_head.invite(&server, "reader", None).await;
    reader.join(&server, &code, "Специалист отдела образования").await;
    wrong.extend(walk(&reader, "reader", &district_screens[..district_screens.len() - 1]).await);
    reader.quit().await;
    assert!(wrong.is_empty(), "{} problems at 360 px:\n{}", wrong.len(), wrong.join("\n"));
}
