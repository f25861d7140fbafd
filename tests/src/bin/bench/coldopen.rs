//! The app as a teacher's device meets it: what the first load transfers
//! (against its budget), and how long the district head's laptop takes,
//! offline, from opening the app to the district overview with every
//! school on it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use e2e::{Browser, eventually};
use serde_json::json;

use crate::target::{Kind, SCHOOLS, Target};

/// What the first useful screen waits for on a first visit (the page; the
/// records come as the server's preview), as the server sends it (brotli).
pub(crate) const FIRST_USEFUL_BUDGET: u64 = 650 * 1000;
/// Everything the service worker keeps for offline use, brotli.
pub(crate) const OFFLINE_BUDGET: u64 = 900 * 1000;

/// The client part of the report.
pub(crate) struct ClientReport {
    pub(crate) text: String,
    /// What the first screen waits for.
    pub(crate) first_load_gzip: u64,
    /// The engine's worker, loaded beside it.
    pub(crate) engine_gzip: u64,
    /// Everything the service worker keeps for offline use.
    pub(crate) everything_gzip: u64,
    /// The page, brotli: what the first useful screen waits for.
    pub(crate) first_useful_brotli: u64,
    /// The page and the engine, brotli: what editing waits for.
    pub(crate) editable_brotli: u64,
    /// Everything kept offline, brotli.
    pub(crate) offline_brotli: u64,
    pub(crate) over_budget: bool,
    /// The phone runs, when asked for.
    pub(crate) phone: Option<crate::phone::PhoneReport>,
}

/// The app's files (everything but the icons), with their size raw, gzip -9
/// and brotli (as the server sends them).
fn first_load(dir: &Path) -> Vec<(String, u64, u64, Option<u64>)> {
    let mut files = Vec::new();
    for path in files_under(dir, |d| d.file_name().is_some_and(|n| n == "icons")) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if [".wasm", ".js", ".css", ".html", ".webmanifest"].iter().any(|e| name.ends_with(e)) {
            let raw = std::fs::metadata(&path).map_or(0, |m| m.len());
            let relative = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
            files.push((
                relative,
                raw,
                compressed("gzip", &["-9", "-c"], &path).unwrap_or(raw),
                compressed("brotli", &["-c", "-q", "11"], &path),
            ));
        }
    }
    files.sort_by_key(|f| std::cmp::Reverse(f.2));
    files
}

/// The files in `dir` and the folders under it, but for the folders
/// `skipped` names; none for a `dir` that cannot be read.
pub(crate) fn files_under(dir: &Path, skipped: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if !path.is_dir() {
                files.push(path);
            } else if !skipped(&path) {
                stack.push(path);
            }
        }
    }
    files
}

/// The files the engine's worker is made of (`public/engine-worker.js` and
/// the `engine` binary of the app crate): started beside the first screen.
/// The DOCX worker (`public/docx-worker.js`) is another instance of the
/// same module, started to save or import a document.
const ENGINE_WORKER: [&str; 4] = ["engine-worker.js", "engine.js", "engine_bg.wasm", "docx-worker.js"];

/// A table of `files` with their total (against `budget`, if any).
fn files_table(files: &[(String, u64, u64, Option<u64>)], budget: Option<u64>) -> String {
    let mut text = String::from("| file | raw | gzip -9 | brotli -q 11 |\n|---|--:|--:|--:|\n");
    let kb = |b: Option<u64>| b.map_or("—".into(), |b| format!("{} KB", b / 1000));
    for (name, r, g, b) in files {
        text.push_str(&format!("| {name} | {} KB | {} KB | {} |\n", r / 1000, g / 1000, kb(*b)));
    }
    let gzip: u64 = files.iter().map(|f| f.2).sum();
    text.push_str(&format!(
        "| **all** | {} KB | **{} KB**{} | {} |\n",
        files.iter().map(|f| f.1).sum::<u64>() / 1000,
        gzip / 1000,
        budget.map_or(String::new(), |b| format!(" (budget {} KB)", b / 1000)),
        kb(files.iter().map(|f| f.3).sum())
    ));
    text
}

fn compressed(tool: &str, args: &[&str], path: &Path) -> Option<u64> {
    let out = std::process::Command::new(tool).args(args).arg(path).output().ok()?;
    out.status.success().then_some(out.stdout.len() as u64)
}

/// The app's size, its cold open and the phone runs.
pub(crate) async fn client_section(quick: bool, with_cold_open: bool, with_phone: bool) -> ClientReport {
    let dist = e2e::server::app_dir();
    let all = first_load(&dist);
    let gzip = |files: &[(String, u64, u64, Option<u64>)]| files.iter().map(|f| f.2).sum::<u64>();
    let brotli = |files: &[(String, u64, u64, Option<u64>)]| files.iter().map(|f| f.3.unwrap_or(f.2)).sum::<u64>();
    let everything = gzip(&all);
    let offline_brotli = brotli(&all);
    let (engine, page): (Vec<_>, Vec<_>) = all.into_iter().partition(|f| ENGINE_WORKER.contains(&f.0.as_str()));
    let (first, engine_gzip) = (gzip(&page), gzip(&engine));
    let first_useful_brotli = brotli(&page);
    let editable_brotli = first_useful_brotli + brotli(&engine);
    let mut text = format!(
        "\n## The app\n\nThe app's files (`{}`, as built by `cargo xtask build-app`; the icons come \
         later) are two wasm modules: the page and the engine, which also writes and reads DOCX files. The server sends the \
         precompressed brotli or gzip copy the build makes, whichever the browser accepts. On a first \
         visit the service worker fetches all of them for offline use: **{} KB** brotli in all \
         (budget {} KB; {} KB gzip).\n\n\
         ### First load\n\nA new device's first screen, the invitation form, works with the page \
         (leptos screens over plain records, no automerge). Once it has joined, the first useful \
         screen, its school's records, waits for the page and the server's preview of the records (a \
         few KB; read-only): **{} KB** brotli (budget {} KB). Changing them waits for the engine too, \
         which loads beside them and takes the screens over: **{} KB** brotli with the page. Every \
         later start shows the screen as the page last drew it (`index.html`, from localStorage; a \
         picture nothing on it answers a tap) before the page has loaded, then the page's copy of the \
         records it showed last (read-only) once the page has loaded from the service worker, and the \
         engine's records, from the device's IndexedDB, once it has loaded beside it.\n\n",
        dist.display(),
        offline_brotli / 1000,
        OFFLINE_BUDGET / 1000,
        everything / 1000,
        first_useful_brotli / 1000,
        FIRST_USEFUL_BUDGET / 1000,
        editable_brotli / 1000,
    );
    text.push_str(&files_table(&page, None));
    if !engine.is_empty() {
        text.push_str(
            "\nThe engine, a web worker of its own: the automerge documents, IndexedDB and the sync \
             connection. The page starts it once the device has joined (on a first visit, once the \
             service worker has kept it); the screens fill in as it sends the records. The DOCX \
             worker is a second instance of its module, started to save or import a document.\n\n",
        );
        text.push_str(&files_table(&engine, None));
    }
    eprintln!("\n==> the app: first load {} KB gzip, the engine {} KB", first / 1000, engine_gzip / 1000);
    if with_cold_open {
        text.push_str(&cold_open_section(if quick { 2 } else { 5 }).await);
    }
    let phone = if with_phone { Some(crate::phone::phone_section(if quick { 2 } else { 5 }).await) } else { None };
    if let Some(phone) = &phone {
        text.push_str(&phone.text);
    }
    ClientReport {
        text,
        first_load_gzip: first,
        engine_gzip,
        everything_gzip: everything,
        first_useful_brotli,
        editable_brotli,
        offline_brotli,
        over_budget: first_useful_brotli > FIRST_USEFUL_BUDGET || offline_brotli > OFFLINE_BUDGET,
        phone,
    }
}

/// The cold open's part of the report, from `runs` runs of each kind.
async fn cold_open_section(runs: usize) -> String {
    match cold_open(runs).await {
        Ok((warm, cold)) => format!(
            "\n### Cold open, offline\n\nThe district head's browser (headless Chromium, no CPU \
             throttling) has synced the district of the cold-sync workload ({SCHOOLS} schools × 5 years \
             and the РМО) and the server is stopped. Each run times, from the navigation's start, until \
             the district overview shows every school's numbers, from what the device stored (the lines \
             it kept, while each school's documents are stored as the chunks they were read from; else \
             the documents themselves), polled once a frame from the page's load on, so at most a frame \
             late.\n\n\
             - browser quit and started again, {runs} runs: {}\n\
             - the open tab reloaded, {runs} runs: {}\n",
            summary(&cold),
            summary(&warm),
        ),
        Err(e) => format!("\n### Cold open, offline\n\nFailed: {e}\n"),
    }
}

/// «min **a ms**, median **b ms** (all: …)».
pub(crate) fn summary(times: &[f64]) -> String {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    format!(
        "min **{:.0} ms**, median **{:.0} ms** (all: {})",
        sorted.first().copied().unwrap_or(f64::NAN),
        sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN),
        times.iter().map(|t| format!("{t:.0}")).collect::<Vec<_>>().join(", ")
    )
}

/// Milliseconds from navigation start to the full overview, per run:
/// after a reload of the open tab (warm), and after the browser was
/// quit and started again (cold: a new process, the app from the service
/// worker's cache, the records from IndexedDB).
async fn cold_open(runs: usize) -> Result<(Vec<f64>, Vec<f64>), String> {
    let t = Target::start(Kind::Ours).await;
    crate::workloads::preload_district(&t).await?;
    let server = t.server().ok_or("our server")?;
    let url = server.url();
    let head = t.head_device().ok_or("the district head")?;
    let code = head.invite(server, "district_head", None).await;
    let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
    let profile = profile.path().join("head");
    let mut browser = Browser::launch(&profile).await;
    browser.join(server, &code, "Руководитель РМО").await;
    let full = format!("return document.querySelectorAll('{COMPLETE_ROW}').length >= {SCHOOLS}");
    eventually("the overview with every school", || async {
        (browser.script(&full).await == json!(true)).then_some(())
    })
    .await;
    browser.wait_sync("сохранено на сервере").await;
    browser.wait_offline_ready().await;
    t.stop().await;

    let mut warm = Vec::new();
    for _ in 0..runs {
        browser.client().refresh().await.map_err(|e| e.to_string())?;
        warm.push(overview_shown(&browser).await?);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut cold = Vec::new();
    for _ in 0..runs {
        browser.quit().await;
        browser = Browser::launch(&profile).await;
        browser.client().goto(&url).await.map_err(|e| e.to_string())?;
        cold.push(overview_shown(&browser).await?);
    }
    browser.quit().await;
    Ok((warm, cold))
}

/// A school's line in the overview with its numbers in it (a line is drawn
/// for every school at once, saying its records have not arrived until
/// they are read).
const COMPLETE_ROW: &str = "[data-testid=overview-row] [data-testid=meetings]";

/// When, after the navigation started, the overview showed every school.
/// Polled from when the page has loaded, so at most one frame late.
async fn overview_shown(browser: &Browser) -> Result<f64, String> {
    let waited = browser
        .client()
        .execute_async(
            "const [count, selector, done] = arguments;
             const check = () => document.querySelectorAll(selector).length >= count
                 ? done(performance.now()) : requestAnimationFrame(check);
             check();",
            vec![json!(SCHOOLS), json!(COMPLETE_ROW)],
        )
        .await
        .map_err(|e| e.to_string())?;
    waited.as_f64().ok_or_else(|| "a time".to_owned())
}
