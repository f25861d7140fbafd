//! One headless Chromium with its own profile, driven through chromedriver,
//! and the things a person does in the app: the member list, and forms,
//! tabs and lists on any screen.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::server::{Device, Server};
use crate::{PATIENCE, eventually, within};

/// A member as the add form takes it.
#[derive(Debug, Clone)]
pub struct NewMember<'a> {
    /// ФИО
    pub full_name: &'a str,
    /// должность
    pub position: &'a str,
    /// класс
    pub class_led: &'a str,
    /// an `Education::code()`
    pub education: &'a str,
    /// a `Category::code()`
    pub category: &'a str,
    /// стаж
    pub experience_years: &'a str,
}

impl<'a> NewMember<'a> {
    /// A class teacher with higher pedagogical education and no category.
    pub fn teacher(full_name: &'a str, class_led: &'a str) -> Self {
        Self {
            full_name,
            position: "учитель",
            class_led,
            education: "higher_pedagogical",
            category: "none",
            experience_years: "5",
        }
    }
}

/// A Chromium session with a profile directory of its own.
pub struct Browser {
    client: Client,
    driver: Child,
    /// chromedriver's port: under `faketime` the child is faketime's
    /// script, and chromedriver outlives killing it unless found by port.
    port: u16,
    profile: PathBuf,
}

/// Starts chromedriver on a free port (under `faketime` when `setup` has a
/// clock, so that Chromium, its child, has that clock too).
fn spawn_driver(setup: &Setup) -> (u16, Child) {
    let port = crate::free_port();
    // chromedriver's children (Chromium's processes) inherit faketime.
    let mut driver = match setup.clock {
        Some(at) => {
            let mut c = Command::new("faketime");
            // Without FAKETIME_FORCE_MONOTONIC_FIX=0 every clock read
            // in Chromium takes libfaketime's slow path: the browser
            // starts in a minute instead of a second.
            c.env("DONT_FAKE_MONOTONIC", "1")
                .env("FAKETIME_FORCE_MONOTONIC_FIX", "0")
                .arg("-f")
                .arg(format!("@{at}"))
                .arg(chromedriver());
            c
        }
        None => Command::new(chromedriver()),
    };
    if let Some(home) = &setup.home {
        driver.env("HOME", home);
    }
    let driver = driver
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("start chromedriver ({e}); `cargo xtask test` installs it"));
    (port, driver)
}

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into())
}

impl Drop for Browser {
    /// Chromium is chromedriver's child, which killing chromedriver leaves
    /// running: a test that failed before quitting would leave it behind.
    fn drop(&mut self) {
        let _ = std::process::Command::new("pkill").args(["-9", "-f", &self.pattern()]).status();
    }
}

/// How a browser is set up beyond its profile.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// The home directory Chromium runs with: its NSS database
    /// (`.pki/nssdb`) is the certificate trust store on Linux.
    pub home: Option<PathBuf>,
    /// Names resolved to 127.0.0.1 (`mo.test`), as DNS would for a domain.
    pub local_names: Vec<String>,
    /// The moment the browser's clock starts at (faketime's `@YYYY-MM-DD
    /// hh:mm:ss`; it runs on from there), so what the app computes from
    /// today is the same whenever the test runs. Timers keep the real
    /// monotonic clock.
    pub clock: Option<&'static str>,
}

/// The moment [`Browser::launch_on_clock`] starts the browser's clock at: a day
/// in the middle of the 2026/2027 academic year, early enough that a test
/// never crosses midnight.
pub const CLOCK: &str = "2026-11-20 08:00:00";

/// The day of [`CLOCK`].
pub fn clock_day() -> shared::Date {
    shared::Date::new(2026, 11, 20).expect("a date")
}

impl Browser {
    /// Starts Chromium on the profile in `profile` (created if missing);
    /// starting again on the same directory is a browser restart.
    pub async fn launch(profile: &Path) -> Self {
        Self::launch_with(profile, &Setup::default()).await
    }

    /// Like [`Self::launch`], with the browser's clock started at [`CLOCK`].
    pub async fn launch_on_clock(profile: &Path) -> Self {
        Self::launch_with(profile, &Setup { clock: Some(CLOCK), ..Setup::default() }).await
    }

    /// Like [`Self::launch`], with a home of its own, local names and a clock.
    pub async fn launch_with(profile: &Path, setup: &Setup) -> Self {
        std::fs::create_dir_all(profile).expect("create the profile directory");
        let (mut port, mut driver) = spawn_driver(setup);
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--window-size=1024,900".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        if !setup.local_names.is_empty() {
            let rules: Vec<String> = setup.local_names.iter().map(|n| format!("MAP {n} 127.0.0.1")).collect();
            args.push(format!("--host-resolver-rules={}", rules.join(",")));
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium(),
                "args": args,
                "prefs": {
                    "download.default_directory": profile.join("downloads").display().to_string(),
                    "download.prompt_for_download": false,
                },
            }),
        );
        let session = |port: u16| {
            let (capabilities, url) = (capabilities.clone(), format!("http://127.0.0.1:{port}"));
            async move { ClientBuilder::native().capabilities(capabilities).connect(&url).await.ok() }
        };
        // Now and then a Chromium under faketime does not come up on a busy
        // machine; a second chromedriver gets one that does.
        let first = tokio::time::timeout(std::time::Duration::from_secs(20), async {
            loop {
                if let Some(client) = session(port).await {
                    return client;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        })
        .await;
        let client = match first {
            Ok(client) => client,
            Err(_) => {
                let _ = driver.kill().await;
                let _ = Command::new("pkill").args(["-f", &format!("chromedriver --port={port}( |$)")]).status().await;
                (port, driver) = spawn_driver(setup);
                eventually("chromedriver to start a session", || session(port)).await
            }
        };
        Self { client, driver, port, profile: profile.to_path_buf() }
    }

    /// Types `text` into the element matching `css` (waiting for it), as a
    /// person would; the field keeps it until it loses focus.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.find(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Where the files this browser downloads go.
    pub fn downloads(&self) -> PathBuf {
        self.profile.join("downloads")
    }

    /// Waits for the file `name` to finish downloading; returns its path.
    pub async fn downloaded(&self, name: &str) -> PathBuf {
        let path = self.downloads().join(name);
        eventually(&format!("the download {name}"), || async {
            let partial = self.downloads().join(format!("{name}.crdownload"));
            (path.is_file() && !partial.exists()).then(|| path.clone())
        })
        .await
    }

    /// The page as Chromium prints it (print media), as PDF bytes.
    pub async fn print_pdf(&self) -> Vec<u8> {
        self.client.print(fantoccini::wd::PrintConfiguration::default()).await.expect("print the page")
    }

    /// Quits Chromium (its profile stays on disk) and returns the profile path.
    pub async fn quit(mut self) -> PathBuf {
        let _ = self.client.clone().close().await;
        self.stop_driver().await;
        self.profile.clone()
    }

    /// Stops chromedriver, the one faketime started included.
    async fn stop_driver(&mut self) {
        let _ = self.driver.kill().await;
        let _ = Command::new("pkill").args(["-f", &format!("chromedriver --port={}( |$)", self.port)]).status().await;
    }

    /// Kills Chromium at once (SIGKILL), as a closed tab, a dead battery or
    /// a crash would: whatever it was writing is cut off. Returns the profile.
    pub async fn crash(mut self) -> PathBuf {
        let _ = Command::new("pkill").args(["-9", "-f", &self.pattern()]).status().await;
        self.stop_driver().await;
        // SIGKILL is delivered, not awaited: a process in the middle of an
        // fsync dies only once it returns, holding the profile's locks
        // (IndexedDB's among them) until then. The next browser on this
        // profile must not start beside it.
        eventually("the killed browser's processes to exit", || async {
            let alive = Command::new("pgrep").args(["-f", &self.pattern()]).output().await.ok()?;
            alive.stdout.is_empty().then_some(())
        })
        .await;
        self.profile.clone()
    }

    /// What Chromium's command line holds, to find its processes.
    fn pattern(&self) -> String {
        // Anchored, so that `profile` does not also match `profile-b`.
        format!("user-data-dir={}( |$)", self.profile.display())
    }

    /// The WebDriver client, for anything the helpers below do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens the app's member list at `url` (another screen when `url`
    /// names one, `…/#/plan`) and waits until it has loaded its records.
    pub async fn open(&self, url: &str) {
        let url = if url.contains('#') { url.to_owned() } else { format!("{url}/#/members") };
        self.client.goto(&url).await.expect("navigate to the app");
        if url.ends_with("#/members") {
            self.wait_loaded().await;
        }
    }

    /// Opens the invitation link with `code`, joins as `name`, and waits
    /// until the app has reloaded as the new device.
    pub async fn join(&self, server: &Server, code: &str, name: &str) {
        self.join_at(&server.url(), code, name).await;
    }

    /// Joins as [`Browser::join`] does, with the app opened at `base` (the
    /// server's address through a proxy, say).
    pub async fn join_at(&self, base: &str, code: &str, name: &str) {
        self.client.goto(&format!("{base}/#/join/{code}")).await.expect("open the invitation");
        self.fill("[data-testid=join-form]", &[("name", name)]).await;
        let errors = self.submit("[data-testid=join-form]").await;
        assert!(errors.is_empty(), "the join form refused: {errors:?}");
        eventually("the app to open as the joined device", || async {
            let joined =
                self.script("return !!localStorage.getItem('mo.token') && !location.hash.startsWith('#/join')").await;
            (joined.as_bool() == Some(true) && !self.texts("nav.tabs a").await.is_empty()).then_some(())
        })
        .await;
    }

    /// Joins as a new member of `head`'s school (invited by `head`) and
    /// opens the member list.
    pub async fn join_member(&self, server: &Server, head: &Device) {
        let code = head.invite(server, "member", Some(head.school())).await;
        self.join(server, &code, "Учитель школы").await;
        self.open(&server.url()).await;
    }

    /// Clicks the tab of the screen `slug` (`plan`, `protocols`, …).
    pub async fn go(&self, slug: &str) {
        let tab = self.find(&format!("[data-testid=nav-{slug}]")).await;
        self.click(&tab).await;
        eventually(&format!("the {slug} screen"), || async {
            self.script(&format!("return location.hash === '#/{slug}'")).await.as_bool().unwrap_or(false).then_some(())
        })
        .await;
    }

    /// Clicks the first element matching `css`, waiting for it to appear.
    pub async fn click_css(&self, css: &str) {
        self.click_found(&format!("an element {css} to click"), Locator::Css(css)).await;
    }

    /// Fills the form matching `form_css`: text is typed, a select is set by
    /// option value (or by visible text when the value starts with
    /// `label:`), a checkbox is ticked for "true".
    pub async fn fill(&self, form_css: &str, values: &[(&str, &str)]) {
        let form = self.find(form_css).await;
        for (field, value) in values {
            self.set_field(&form, field, value).await;
        }
    }

    /// Presses «Сохранить» in the form matching `form_css`; returns the
    /// messages it shows (field → message), empty once the form closed.
    pub async fn submit(&self, form_css: &str) -> Vec<(String, String)> {
        let form = self.find(form_css).await;
        self.click(&form.find(Locator::Css("[data-testid=save]")).await.expect("save button")).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let value = self
            .client
            .execute(
                "const f = document.querySelector(arguments[0]); if (!f) return [];
                 return [...f.querySelectorAll('[data-testid^=error-]')].map(e => [e.dataset.testid.slice(6), e.textContent]);",
                vec![json!(form_css)],
            )
            .await
            .expect("read the form's messages");
        serde_json::from_value(value).expect("pairs of strings")
    }

    /// Fills and saves a form, and waits until it closes; panics with its
    /// messages if it does not.
    pub async fn save(&self, form_css: &str, values: &[(&str, &str)]) {
        self.fill(form_css, values).await;
        let errors = self.submit(form_css).await;
        assert!(errors.is_empty(), "the form {form_css} refused: {errors:?}");
        eventually(&format!("the form {form_css} to close"), || async {
            self.text_of(form_css).await.is_none().then_some(())
        })
        .await;
    }

    /// Text of every element matching `css`, in page order.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let value = self
            .client
            .execute(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.trim())",
                vec![json!(css)],
            )
            .await
            .expect("read texts");
        serde_json::from_value(value).expect("strings")
    }

    /// Waits until some element matching `css` has text containing `part`.
    pub async fn wait_text(&self, css: &str, part: &str) -> String {
        eventually(&format!("«{part}» in {css}"), || async {
            self.texts(css).await.into_iter().find(|t| t.contains(part))
        })
        .await
    }

    /// Reloads the page on whatever screen it shows.
    pub async fn reload_page(&self) {
        self.client.refresh().await.expect("reload");
    }

    /// Clicks the element `xpath` finds, waiting for it to appear.
    pub async fn click_xpath(&self, xpath: &str) {
        self.click_found(&format!("an element {xpath} to click"), Locator::XPath(xpath)).await;
    }

    /// Picks, in the select that `selector` finds (CSS, or XPath when it
    /// starts with `/`), the option whose text contains `label`; again from
    /// the start when the page redrew the select in between.
    pub async fn pick(&self, selector: &str, label: &str) {
        let option = format!(".//option[contains(., '{label}')]");
        let select = if selector.starts_with('/') { Locator::XPath(selector) } else { Locator::Css(selector) };
        eventually(&format!("the option «{label}» in {selector}"), || async {
            self.client.find(select).await.ok()?.find(Locator::XPath(&option)).await.ok()?.click().await.ok()
        })
        .await;
    }

    /// Finds what `locator` finds and clicks it; again from the start when
    /// the page redrew it in between (records are redrawn when the engine
    /// answers, a moment after the person's change).
    /// Clicks the element, first scrolled to the middle of the window as a
    /// person would (WebDriver scrolls it only to the edge, where the
    /// sticky header can cover it).
    async fn click_found(&self, what: &str, locator: Locator<'_>) {
        eventually(what, || async {
            let element = self.client.find(locator).await.ok()?;
            let arg = serde_json::to_value(&element).ok()?;
            self.client.execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg]).await.ok()?;
            element.click().await.ok()
        })
        .await;
    }

    /// Reloads the page and waits until the records are back.
    pub async fn reload(&self) {
        self.client.refresh().await.expect("reload");
        self.wait_loaded().await;
    }

    async fn wait_loaded(&self) {
        let loaded = within(|| async {
            let fatal = self.text_of("[data-testid=fatal-error]").await;
            assert!(fatal.is_none(), "the app failed to start: {fatal:?}");
            // Not the page's copy of last time (`main` busy): the engine's records.
            let shown = self.script("return !!document.querySelector('[data-testid=member-count]') && !document.querySelector('.members .muted:not([data-testid=empty-list])') && !document.querySelector('main[aria-busy=true]')").await;
            (shown == json!(true)).then_some(())
        })
        .await;
        if loaded.is_none() {
            let page = self
                .script("return location.href + '\\n' + (document.body ? document.body.innerText : '(no body)')")
                .await;
            panic!(
                "gave up after {PATIENCE:?} waiting for the member list to load; the page showed:\n{}",
                page.as_str().unwrap_or_default()
            );
        }
    }

    /// Waits until a service worker controls the page: it has precached
    /// the app, the DOCX worker with the rest.
    pub async fn wait_offline_ready(&self) {
        eventually("the service worker to control the page", || async {
            (self.script("return !!(navigator.serviceWorker && navigator.serviceWorker.controller)").await
                == json!(true))
            .then_some(())
        })
        .await;
    }

    /// Runs `body` as a function in the page.
    pub async fn script(&self, body: &str) -> Value {
        self.client.execute(body, vec![]).await.unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
    }

    /// Runs `body` as a function in the page that answers by calling its
    /// last argument (for what the page can only tell later).
    pub async fn script_async(&self, body: &str) -> Value {
        self.client.execute_async(body, vec![]).await.unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
    }

    /// Text of the first element matching `css`, if there is one.
    pub async fn text_of(&self, css: &str) -> Option<String> {
        let value = self
            .client
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : null",
                vec![json!(css)],
            )
            .await
            .ok()?;
        value.as_str().map(str::to_owned)
    }

    /// What the sync indicator says.
    pub async fn sync_status(&self) -> String {
        self.text_of("[data-testid=sync-status]").await.unwrap_or_default()
    }

    /// Waits until the sync indicator says `label`.
    pub async fn wait_sync(&self, label: &str) {
        eventually(&format!("the sync status «{label}»"), || async {
            (self.sync_status().await == label).then_some(())
        })
        .await;
    }

    /// Members on the screen as (ФИО, details line), in screen order.
    pub async fn members(&self) -> Vec<(String, String)> {
        let value = self
            .script(
                "return [...document.querySelectorAll('[data-testid=member-row]')].map(r => [
                    (r.querySelector('[data-testid=member-name]') || {}).textContent || '',
                    (r.querySelector('[data-testid=member-details]') || {}).textContent || '']);",
            )
            .await;
        serde_json::from_value(value).expect("rows are pairs of strings")
    }

    /// ФИО of the members on the screen.
    pub async fn member_names(&self) -> Vec<String> {
        self.members().await.into_iter().map(|(name, _)| name).collect()
    }

    /// Waits until the screen lists exactly `names` (in any order), and
    /// returns the rows.
    pub async fn wait_members(&self, names: &[&str]) -> Vec<(String, String)> {
        let mut want: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
        want.sort();
        eventually(&format!("the list {want:?}"), || {
            let want = want.clone();
            async move {
                let rows = self.members().await;
                let mut have: Vec<String> = rows.iter().map(|(n, _)| n.clone()).collect();
                have.sort();
                (have == want).then_some(rows)
            }
        })
        .await
    }

    /// The details line of the member called `name`, once the screen lists
    /// her (a screen just navigated to may not have drawn its list yet).
    pub async fn details_of(&self, name: &str) -> String {
        eventually(&format!("the member «{name}» on the screen"), || async {
            self.members().await.into_iter().find(|(n, _)| n == name).map(|(_, d)| d)
        })
        .await
    }

    /// Runs a DevTools command through chromedriver.
    pub async fn devtools(&self, cmd: &'static str, params: Value) -> Value {
        self.client.issue_cmd(DevTools { cmd, params }).await.unwrap_or_else(|e| panic!("DevTools {cmd}: {e}"))
    }

    /// Sets the storage quota of `origin` to what it uses now plus `spare`
    /// bytes (`None`: back to the browser's own), as a device whose storage
    /// is full would have it.
    pub async fn limit_storage(&self, origin: &str, spare: Option<u64>) {
        let params = match spare {
            Some(spare) => {
                let used = self.script_async("navigator.storage.estimate().then(e => arguments[0](e.usage))").await;
                let used = used.as_u64().expect("a usage in bytes");
                json!({ "origin": origin, "quotaSize": used + spare })
            }
            None => json!({ "origin": origin }),
        };
        self.devtools("Storage.overrideQuotaForOrigin", params).await;
    }

    /// This browser's device id, as it joined.
    pub async fn device_id(&self) -> String {
        let me = self.script("return JSON.parse(localStorage.getItem('mo.device')).device_id").await;
        me.as_str().expect("a joined device").to_owned()
    }

    /// The id of the member called `name` on the member list.
    pub async fn member_id(&self, name: &str) -> String {
        let row = self.row(name).await;
        row.attr("data-member-id").await.expect("attribute").expect("a member id")
    }

    /// Clicks «Добавить члена МО», fills the form and saves it.
    pub async fn add_member(&self, m: &NewMember<'_>) {
        self.click(&self.find("[data-testid=add-member]").await).await;
        let form = self.find("section.members > form[data-testid=member-form]").await;
        self.fill_form(&form, m).await;
        self.click(&form.find(Locator::Css("[data-testid=save-member]")).await.expect("save button")).await;
        self.wait_for_row(m.full_name).await;
    }

    /// Opens the add form, fills it, presses «Сохранить», and returns the
    /// validation messages shown (field name → message); the form stays open.
    pub async fn try_add_member(&self, m: &NewMember<'_>) -> Vec<(String, String)> {
        if self.text_of("section.members > form[data-testid=member-form]").await.is_none() {
            self.click(&self.find("[data-testid=add-member]").await).await;
        }
        let form = self.find("section.members > form[data-testid=member-form]").await;
        self.fill_form(&form, m).await;
        self.click(&form.find(Locator::Css("[data-testid=save-member]")).await.expect("save button")).await;
        let value = self
            .script(
                "return [...document.querySelectorAll('section.members > form [data-testid^=error-]')]
                    .map(e => [e.dataset.testid.slice(6), e.textContent]);",
            )
            .await;
        serde_json::from_value(value).expect("pairs of strings")
    }

    /// Edits one field of the member called `name` and saves.
    pub async fn edit_member(&self, name: &str, field: &str, value: &str) {
        let row = self.open_member_form(name).await;
        self.finish_member_form(&row, field, value).await;
    }

    /// Opens the edit form of the member called `name` (and leaves it open);
    /// returns the member's row.
    pub async fn open_member_form(&self, name: &str) -> Element {
        let row = self.row(name).await;
        self.click(&row.find(Locator::Css("[data-testid=edit-member]")).await.expect("edit button")).await;
        row.find(Locator::Css("[data-testid=member-form]")).await.expect("edit form");
        row
    }

    /// Sets one field of the edit form open in `row`, saves, and waits for
    /// the form to close.
    pub async fn finish_member_form(&self, row: &Element, field: &str, value: &str) {
        let form = row.find(Locator::Css("[data-testid=member-form]")).await.expect("edit form");
        self.set_field(&form, field, value).await;
        self.click(&form.find(Locator::Css("[data-testid=save-member]")).await.expect("save button")).await;
        eventually("the edit form to close", || async {
            row.find(Locator::Css("[data-testid=member-form]")).await.is_err().then_some(())
        })
        .await;
    }

    /// Removes the member called `name`, confirming.
    pub async fn remove_member(&self, name: &str) {
        let row = self.row(name).await;
        self.click(&row.find(Locator::Css("[data-testid=remove-member]")).await.expect("remove button")).await;
        self.click(&row.find(Locator::Css("[data-testid=confirm-remove]")).await.expect("confirm button")).await;
        eventually(&format!("«{name}» to leave the list"), || async {
            (!self.member_names().await.iter().any(|n| n == name)).then_some(())
        })
        .await;
    }

    async fn fill_form(&self, form: &Element, m: &NewMember<'_>) {
        for (field, value) in [
            ("full_name", m.full_name),
            ("position", m.position),
            ("class_led", m.class_led),
            ("education", m.education),
            ("category", m.category),
            ("experience_years", m.experience_years),
        ] {
            self.set_field(form, field, value).await;
        }
    }

    /// Types `value` into a text field (after clearing it) or picks it in a select.
    async fn set_field(&self, form: &Element, field: &str, value: &str) {
        let input = form
            .find(Locator::Css(&format!("[data-testid=\"field-{field}\"]")))
            .await
            .unwrap_or_else(|e| panic!("field {field}: {e}"));
        if input.tag_name().await.expect("tag name") == "select" {
            match value.strip_prefix("label:") {
                Some(label) => input.select_by_label(label).await,
                None => input.select_by_value(value).await,
            }
            .unwrap_or_else(|e| panic!("pick {value} in {field}: {e}"));
            return;
        }
        if input.attr("type").await.expect("type").as_deref() == Some("checkbox") {
            if input.is_selected().await.expect("checked") != (value == "true") {
                input.click().await.expect("tick");
            }
            return;
        }
        // Clearing through the DOM fires `input` like a person's backspace would.
        let element = serde_json::to_value(&input).expect("an element serialises");
        self.client
            .execute(
                "arguments[0].value = ''; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
                vec![element],
            )
            .await
            .expect("clear the field");
        if !value.is_empty() {
            input.send_keys(value).await.unwrap_or_else(|e| panic!("type into {field}: {e}"));
        }
    }

    async fn row(&self, name: &str) -> Element {
        self.wait_for_row(name).await;
        let xpath =
            format!("//li[@data-testid='member-row'][.//*[@data-testid='member-name'][normalize-space()='{name}']]");
        self.client.find(Locator::XPath(&xpath)).await.unwrap_or_else(|e| panic!("row «{name}»: {e}"))
    }

    async fn wait_for_row(&self, name: &str) {
        eventually(&format!("«{name}» on the list"), || async {
            self.member_names().await.iter().any(|n| n == name).then_some(())
        })
        .await;
    }

    async fn find(&self, css: &str) -> Element {
        eventually(&format!("an element {css}"), || async { self.client.find(Locator::Css(css)).await.ok() }).await
    }

    async fn click(&self, element: &Element) {
        if element.click().await.is_ok() {
            return;
        }
        // Under the sticky bars at the top (the page scrolled down): brought
        // to the middle first, as a person scrolls before tapping.
        let arg = serde_json::to_value(element).expect("an element serialises");
        self.client.execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg]).await.expect("scroll");
        element.click().await.expect("click");
    }
}

/// chromedriver's door to the DevTools protocol.
#[derive(Debug)]
struct DevTools {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}
