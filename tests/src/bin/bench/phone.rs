//! The app on a cheap Android phone with a weak connection: a school МО
//! head's first visit, from the invitation link to her school's records on
//! the screen, and a later open with no connection at all.
//!
//! The connection is a link of our own between the browser and the server
//! ([`slow_link`]): every byte of every connection (the page, the service
//! worker's downloads, the engine's sync socket) shares one 400 kbit/s pipe
//! each way, and every chunk arrives 200 ms after it was sent (400 ms round
//! trip). The CPU is Chromium's 4× throttling (CDP
//! `Emulation.setCPUThrottlingRate`), which Chromium applies to the page's
//! own thread; the engine's and the service worker's threads run at full
//! speed.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e::{Browser, Server, eventually};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Bytes a second each way: 400 kbit/s.
const RATE: f64 = 400_000.0 / 8.0;
/// Half the round trip.
const ONE_WAY: Duration = Duration::from_millis(200);
/// The targets: a first visit within 30 s, a later open within 1 s.
pub(crate) const FIRST_VISIT_TARGET_MS: f64 = 30_000.0;
pub(crate) const LATER_OPEN_TARGET_MS: f64 = 1_000.0;

/// What the phone runs measured.
pub(crate) struct PhoneReport {
    pub(crate) text: String,
    /// The first visit, in ms: to the records shown.
    pub(crate) first_visit: Option<f64>,
    /// The first visit, in ms: to the records from the engine, which may be changed.
    pub(crate) editable: Option<f64>,
    /// The later opens offline, in ms: to the records shown (the screen
    /// drawn last time, or the page's copy of its records; read-only).
    pub(crate) later_opens: Vec<f64>,
    /// The same opens, in ms: to the page's own screen (it answers taps;
    /// read-only until the engine's records).
    pub(crate) later_page: Vec<f64>,
    /// The same opens, in ms: to the records from the engine, which may be changed.
    pub(crate) later_editable: Vec<f64>,
}

/// One later open's times from the navigation's start, in ms.
struct LaterOpen {
    /// To the records shown, from whichever copy.
    shown: f64,
    /// To the page's own screen with the records.
    page: f64,
    /// To the engine's records.
    editable: f64,
}

/// One direction of the link: when it is next free.
type Pipe = Arc<Mutex<Instant>>;

/// A link to `server` as slow as a cheap phone's: the address to connect
/// to instead. Each direction is one pipe shared by every connection.
async fn slow_link(server: SocketAddr) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (up, down): (Pipe, Pipe) = (Arc::new(Mutex::new(Instant::now())), Arc::new(Mutex::new(Instant::now())));
    tokio::spawn(async move {
        while let Ok((phone, _)) = listener.accept().await {
            let Ok(far) = TcpStream::connect(server).await else { continue };
            let _ = phone.set_nodelay(true);
            let _ = far.set_nodelay(true);
            let (phone_read, phone_write) = phone.into_split();
            let (far_read, far_write) = far.into_split();
            tokio::spawn(carry(phone_read, far_write, up.clone()));
            tokio::spawn(carry(far_read, phone_write, down.clone()));
        }
    });
    Ok(address)
}

/// Moves bytes from `from` to `to` through `pipe`: each chunk waits its
/// turn on the pipe for as long as its bytes take at [`RATE`], then
/// [`ONE_WAY`] more.
async fn carry(mut from: tokio::net::tcp::OwnedReadHalf, mut to: tokio::net::tcp::OwnedWriteHalf, pipe: Pipe) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n) = from.read(&mut buf).await {
            if n == 0 {
                break;
            }
            let sent = {
                let mut free = pipe.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                let start = (*free).max(Instant::now());
                *free = start + Duration::from_secs_f64(n as f64 / RATE);
                *free
            };
            if tx.send((sent + ONE_WAY, buf[..n].to_vec())).is_err() {
                break;
            }
        }
    });
    while let Some((at, bytes)) = rx.recv().await {
        tokio::time::sleep_until(at.into()).await;
        if to.write_all(&bytes).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Four times slower, as Chromium's DevTools throttle a page.
async fn slow_cpu(browser: &Browser) {
    browser.devtools("Emulation.setCPUThrottlingRate", json!({"rate": 4})).await;
}

/// The dashboard's count of the plan: shown once the engine has the
/// school's year from the server (or from the device).
const RECORDS_SHOWN: &str = "плана выполнено: 0 из 1";

/// The phone's part of the report.
pub(crate) async fn phone_section(runs: usize) -> PhoneReport {
    match phone(runs).await {
        Ok((first, editable, later)) => {
            let times = |f: fn(&LaterOpen) -> f64| later.iter().map(f).collect::<Vec<f64>>();
            let (later_shown, later_page, later_editable) =
                (times(|o| o.shown), times(|o| o.page), times(|o| o.editable));
            PhoneReport {
                text: format!(
                    "\n### A cheap phone on a weak connection\n\n\
                 A school МО head's browser (headless Chromium) on a link of our own to the server: one \
                 400 kbit/s pipe each way shared by every connection (the page, the service worker's \
                 downloads, the sync socket), 200 ms each way (400 ms round trip); the page's thread \
                 throttled 4× by Chromium (the engine's and the service worker's threads are not: Chromium \
                 throttles a page's own thread). Her school's records (members and a year with one plan \
                 row) are on the server. Timed until the dashboard shows the plan's count from the \
                 records.\n\n\
                 - first visit, from opening the invitation link (typing the name included) to the \
                 records, the server's preview (read-only): **{:.1} s** (target {:.0} s); to the records \
                 from the engine, which may be changed: **{:.1} s**\n\
                 - later open with the server stopped, the browser quit and started again, {runs} runs \
                 (each once Chromium has kept the page's compiled code, as it does a few seconds into a visit; \
                 the first, after the first visit, whose wasm came from the network, finds none of the \
                 modules' compiled code kept), \
                 from the navigation's start (polled once a frame), to the records shown (the screen as the \
                 page drew it last time, which `index.html` shows while the page loads; nothing on it answers \
                 a tap): {}; to the page's own screen with the records (it answers taps; its copy of last \
                 time, read-only): {}; to the records from the engine, which may be changed: {}\n",
                    first / 1000.0,
                    FIRST_VISIT_TARGET_MS / 1000.0,
                    editable / 1000.0,
                    crate::coldopen::summary(&later_shown),
                    crate::coldopen::summary(&later_page),
                    crate::coldopen::summary(&later_editable),
                ),
                first_visit: Some(first),
                editable: Some(editable),
                later_opens: later_shown,
                later_page,
                later_editable,
            }
        }
        Err(e) => PhoneReport {
            text: format!("\n### A cheap phone on a weak connection\n\nFailed: {e}\n"),
            first_visit: None,
            editable: None,
            later_opens: Vec::new(),
            later_page: Vec::new(),
            later_editable: Vec::new(),
        },
    }
}

/// The first visit's times (to the records shown, to the records the
/// engine sent), and the later opens' (the same two), in ms.
async fn phone(runs: usize) -> Result<(f64, f64, Vec<LaterOpen>), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut server = Server::start(dir.path()).await;
    let (_, school_head) = server.heads().await;
    let school = school_head.school();
    let year = shared::AcademicYear::of(today());
    let association = e2e::association_with(
        &school,
        &["Иванова Мария Петровна", "Орлова Екатерина Сергеевна", "Петров Сергей Иванович"],
    );
    let mut year_doc = shared::YearDoc::create(&school, year);
    let row = shared::plan::PlanFields::blank().with("topic", "Заседание МО № 1").with("when", "май");
    let row = shared::plan::PlanFields::validate(&row, year).map_err(|e| format!("{e:?}"))?;
    <shared::YearDoc as shared::plan::PlanDoc>::edit_plan_row(&mut year_doc, shared::record::Edit::Add(row), 2)
        .map_err(|e| e.to_string())?;
    e2e::push_school(&server, &school_head, association, year, year_doc).await;
    let code = school_head.invite(&server, "school_head", Some(school)).await;

    let link = slow_link(SocketAddr::from(([127, 0, 0, 1], server.port()))).await.map_err(|e| e.to_string())?;
    let url = format!("http://localhost:{}", link.port());
    let profile = dir.path().join("phone");
    let mut browser = Browser::launch(&profile).await;
    slow_cpu(&browser).await;
    let started = Instant::now();
    browser.client().goto(&format!("{url}/#/join/{code}")).await.map_err(|e| e.to_string())?;
    browser.fill("[data-testid=join-form]", &[("name", "Иванова Мария Петровна")]).await;
    let refused = browser.submit("[data-testid=join-form]").await;
    if !refused.is_empty() {
        return Err(format!("the join form refused: {refused:?}"));
    }
    eventually("the records after joining", || async {
        browser.texts("[data-testid=plan-progress]").await.iter().any(|t| t.contains(RECORDS_SHOWN)).then_some(())
    })
    .await;
    let first = started.elapsed().as_secs_f64() * 1000.0;
    eventually("the engine to take the records over", || async {
        browser.texts("[data-testid=preview]").await.is_empty().then_some(())
    })
    .await;
    let editable = started.elapsed().as_secs_f64() * 1000.0;
    browser.wait_sync("сохранено на сервере").await;
    browser.wait_offline_ready().await;
    screen_kept(&browser).await;
    server.stop().await;

    let mut later = Vec::new();
    for _ in 0..runs {
        browser.quit().await;
        browser = Browser::launch(&profile).await;
        slow_cpu(&browser).await;
        browser
            .devtools(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": WATCH_OPEN.replace("PART", &json!(RECORDS_SHOWN).to_string()) }),
            )
            .await;
        browser.client().goto(&url).await.map_err(|e| e.to_string())?;
        later.push(records_shown(&browser).await?);
        screen_kept(&browser).await;
        page_code_kept(&profile).await;
    }
    browser.quit().await;
    Ok((first, editable, later))
}

/// Waits until Chromium has kept the page module's compiled code beside
/// its copy in the service worker's cache, as it does a few seconds into
/// a visit (once no new code has been compiled for 2 s: V8's
/// `--wasm-caching-timeout-ms`): the person looked at her records for
/// that long before she closed the app, not for the frame the bench needs
/// to see them. The code is the cache entry's side data, which Chromium's
/// simple cache writes to a `<hash>_1` file beside the entry's `<hash>_0`
/// (whose header holds the URL). After the first visit there is none to
/// wait for: its module came from the network, not from that cache.
async fn page_code_kept(profile: &Path) {
    let cache = profile.join("Default").join("Service Worker").join("CacheStorage");
    eventually("the page's compiled code kept in the service worker's cache", || async {
        crate::coldopen::files_under(&cache, |_| false)
            .iter()
            .filter_map(|path| side_data_of_page_wasm(path))
            .any(|side| side.is_file())
            .then_some(())
    })
    .await;
}

/// Where the side data of the cache entry in `path` would be, if it is the
/// entry of the page's wasm (`/app-<hash>_bg.wasm`).
fn side_data_of_page_wasm(path: &Path) -> Option<PathBuf> {
    let hash = path.file_name()?.to_str()?.strip_suffix("_0")?;
    let mut header = [0u8; 512];
    let read = std::fs::File::open(path).ok()?.read(&mut header).ok()?;
    let key = String::from_utf8_lossy(&header[..read]);
    (key.contains("/app-") && key.contains("_bg.wasm")).then(|| path.with_file_name(format!("{hash}_1")))
}

/// Watches a later open from the document's start, once a frame (the
/// frame a change is first painted in): when the plan's count first shows
/// (in the screen `index.html` shows from last time, or the page's own),
/// when in the page's own, and when `main` is no longer busy (the engine's
/// records). `PART` stands for [`RECORDS_SHOWN`].
const WATCH_OPEN: &str = "
    window.moOpen = {};
    const check = () => {
      const times = window.moOpen;
      const shows = (css) => [...document.querySelectorAll(css)].some((e) => e.textContent.includes(PART));
      if (times.shown === undefined && shows('[data-testid=plan-progress], [data-kept-testid=plan-progress]')) times.shown = performance.now();
      if (times.page === undefined && shows('[data-testid=plan-progress]')) times.page = performance.now();
      if (times.page !== undefined && !document.querySelector('main[aria-busy=true]')) times.editable = performance.now();
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);";

/// The times [`WATCH_OPEN`] took of the open under way.
async fn records_shown(browser: &Browser) -> Result<LaterOpen, String> {
    let times = eventually("the later open's records", || async {
        let times =
            browser.script("return window.moOpen && window.moOpen.editable !== undefined ? window.moOpen : null").await;
        (!times.is_null()).then_some(times)
    })
    .await;
    let time = |name: &str| times[name].as_f64().ok_or_else(|| format!("no {name} time in {times}"));
    Ok(LaterOpen { shown: time("shown")?, page: time("page")?, editable: time("editable")? })
}

/// Waits until the page has kept the dashboard as drawn with the records
/// (the next frame after it drew them): the person looked at her records
/// before she closed the app, not within the same frame.
async fn screen_kept(browser: &Browser) {
    let kept = format!(
        "const kept = JSON.parse(localStorage.getItem('mo.screens'));
         return !!kept && kept.screens.some((s) => s.at === '' && s.html.includes({}));",
        json!(RECORDS_SHOWN)
    );
    eventually("the dashboard kept as drawn", || async { (browser.script(&kept).await == json!(true)).then_some(()) })
        .await;
}

/// Today on this machine's clock.
fn today() -> shared::Date {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    shared::Date::from_unix_ms(i64::try_from(ms).unwrap_or_default())
}
