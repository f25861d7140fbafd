//! `cargo xtask bench`: our server and the JavaScript automerge-repo sync
//! server under the same load, one fresh server at a time on loopback, and
//! the app's size and cold start; prints the results and writes them to
//! BENCHMARKS.md.
//!
//! Flags: `--quick` (small numbers, to try the benchmark itself),
//! `--out FILE` (default: BENCHMARKS.md in the repository),
//! `--only WORKLOAD` (a substring of a workload's title, `Cold open` or
//! `Phone`), `--no-browser` (no cold open or phone runs),
//! `--server ours,pg,pg3,js` (those only: ours on its embedded store, ours
//! on PostgreSQL as one and as three instances, the JS server; `Region`
//! runs on the PostgreSQL ones only); `--soak MINUTES [--clients N]`
//! runs the soak instead (see `soak.rs`).

mod client;
mod coldopen;
mod phone;
mod region;
mod report;
mod soak;
mod target;
mod workloads;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Command, ExitCode};
use std::time::Duration;

use report::Section;
use target::{Kind, Target};
use workloads::Measure;

type Run = Box<dyn for<'a> Fn(&'a Target) -> Pin<Box<dyn Future<Output = client::Result<Vec<Measure>>> + 'a>>>;

struct Workload {
    title: String,
    about: String,
    run: Run,
    /// The servers it runs on (all, if `None`).
    on: Option<&'static [Kind]>,
    /// The schools of the district it needs.
    schools: usize,
}

fn workload<F>(title: impl Into<String>, about: impl Into<String>, run: F) -> Workload
where
    F: for<'a> Fn(&'a Target) -> Pin<Box<dyn Future<Output = client::Result<Vec<Measure>>> + 'a>> + 'static,
{
    Workload { title: title.into(), about: about.into(), run: Box::new(run), on: None, schools: target::SCHOOLS }
}

fn workloads(quick: bool) -> Vec<Workload> {
    let scale = |full: usize, small: usize| if quick { small } else { full };
    let clients = scale(1000, 40);
    let phase = Duration::from_secs(if quick { 3 } else { 15 });
    let mut list = vec![workload(
        format!("{clients} clients, each with its own small document"),
        format!(
            "Each client syncs its own document, then edits it once a second for {}s (spread over the \
             second), then as fast as the server acknowledges for {}s. An edit counts when the server's \
             sync message reports the client's new heads.",
            phase.as_secs(),
            phase.as_secs()
        ),
        move |t| Box::pin(workloads::many_clients(t, clients, phase)),
    )];
    for (n, edits, interval) in [(scale(100, 10), scale(100, 20), 20), (scale(1000, 30), scale(30, 10), 100)] {
        list.push(workload(
            format!("{n} clients on one shared document (live relay)"),
            format!(
                "All {n} clients sync one document; every {interval} ms the next client in turn makes an \
                 edit, {edits} edits in all; the latency is from the edit until the frame carrying it is read \
                 off each other client's socket (before that client applies it)."
            ),
            move |t| Box::pin(workloads::relay(t, n, edits, Duration::from_millis(interval))),
        ));
    }
    let documents = scale(1000, 100);
    for peers in if quick { vec![10, 50] } else { vec![10, 50, 200, 1000] } {
        list.push(workload(
            format!("{peers} peers creating {documents} documents"),
            format!(
                "{peers} connected peers together create {documents} documents, each created and then \
                 edited three times, every step acknowledged: the server's cost per document as the number \
                 of connected peers grows."
            ),
            move |t| Box::pin(workloads::peers_creating(t, peers, documents)),
        ));
    }
    list.push(workload(
        "A client returning with 200 offline edits",
        "A client synced a realistic year's document (the fixture year: 18 members, plan, protocols), \
         disconnected, made 200 edits (200 changes) and reconnects; round trips are the frames it sends \
         until the server has everything.",
        |t| Box::pin(workloads::returning(t, 200)),
    ));
    list.push(workload(
        format!("Cold sync of a district ({} schools × 5 years)", target::SCHOOLS),
        "Each school's members, library and five years (realistic records), and the РМО's five years, \
         stored by their schools' peers; then an empty client (the district head's new laptop) asks for \
         all of them at once.",
        |t| Box::pin(workloads::cold_sync(t)),
    ));
    let scale = region::Scale {
        documents: scale(100_000, 3_000),
        peers: scale(1000, 60),
        editing: scale(200, 12),
        rounds: scale(20, 5),
    };
    let mut region = workload(
        format!(
            "Region: {} documents stored, {} peers connected, {} editing",
            scale.documents, scale.peers, scale.editing
        ),
        format!(
            "A region's store on PostgreSQL: {} new year documents of {} schools written straight into the \
             database, then {} peers connect in groups of {}, each group syncing one of those documents, its \
             peers spread over the instances in turn (one editing as the school's member, the others \
             reading as the district head); each editing peer edits once a second, {} times. Delivery \
             latency is from the edit until the frame carrying it is read off the receiving peer's socket, \
             apart for peers on another instance than the editor's (through PostgreSQL's NOTIFY) and on the \
             same one. Then a district's cold sync (15 schools × 5 years, realistic records) on that store. \
             Server RSS is our processes' (PostgreSQL's own is not counted); CPU includes PostgreSQL's.",
            scale.documents,
            region::schools_for(scale.documents),
            scale.peers,
            scale.peers / scale.editing,
            scale.rounds
        ),
        move |t| Box::pin(region::region(t, scale)),
    );
    region.on = Some(&[Kind::Postgres, Kind::Postgres3]);
    region.schools = region::schools_for(scale.documents);
    list.push(region);
    list
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let out = value("--out").map_or_else(|| e2e::root().join("BENCHMARKS.md"), PathBuf::from);
    let only = value("--only");
    if let Some(minutes) = value("--soak") {
        let minutes = minutes.parse().unwrap_or(10);
        let clients = value("--clients").and_then(|c| c.parse().ok()).unwrap_or(1000);
        return if soak::soak(minutes, clients).await { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    }
    let chosen = value("--server");
    let kinds: Vec<Kind> =
        Kind::ALL.into_iter().filter(|k| chosen.as_ref().is_none_or(|s| s.split(',').any(|c| c == k.code()))).collect();

    let mut sections = Vec::new();
    for w in workloads(quick) {
        if only.as_ref().is_some_and(|o| !w.title.contains(o.as_str())) {
            continue;
        }
        eprintln!("\n==> {}", w.title);
        let mut results = Vec::new();
        for &kind in kinds.iter().filter(|k| w.on.is_none_or(|on| on.contains(k))) {
            let t = Target::start_with(kind, w.schools).await;
            let started = std::time::Instant::now();
            let measures = match (w.run)(&t).await {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("    {}: failed: {e}", kind.name());
                    Vec::new()
                }
            };
            eprintln!("    {}: {:.1}s", kind.name(), started.elapsed().as_secs_f64());
            for m in &measures {
                eprintln!("      {}: {:.2} {}", m.name, m.value, m.unit);
            }
            t.stop().await;
            results.push((kind, measures));
        }
        if !results.is_empty() {
            sections.push(Section { title: w.title, about: w.about, results });
        }
    }

    // The first load is only file sizes; the cold open (a browser and a
    // district's sync) runs with every workload or when asked for by name.
    let browsers = !args.iter().any(|a| a == "--no-browser");
    let with_cold_open = browsers && only.as_ref().is_none_or(|o| "Cold open".contains(o.as_str()));
    let with_phone = browsers && only.as_ref().is_none_or(|o| "Phone".contains(o.as_str()));
    let client = coldopen::client_section(quick, with_cold_open, with_phone).await;
    let targets = targets(&sections, &client);
    let header = header(&args);
    let findings = include_str!("findings.md");
    let text = report::markdown(&header, &sections, &format!("{}{targets}{findings}", client.text));
    println!("{text}");
    if let Err(e) = std::fs::write(&out, &text) {
        eprintln!("bench: writing {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    eprintln!("bench: wrote {}", out.display());
    if client.over_budget {
        eprintln!("bench: the app's files are over their budget");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The targets of the issue, each met or not, from the measures.
fn targets(sections: &[Section], client: &coldopen::ClientReport) -> String {
    let find = |title: &str, name: &str| {
        sections.iter().find(|s| s.title.contains(title)).map(|s| s.pair(name)).unwrap_or((None, None))
    };
    let verdict = |ok: Option<bool>| match ok {
        Some(true) => "met",
        Some(false) => "**not met**",
        None => "not measured",
    };
    let ratio = |(o, j): (Option<f64>, Option<f64>)| o.zip(j).map(|(o, j)| o / j);
    let throughput = ratio(find("each with its own", "saturated: acknowledged edits"));
    let memory = ratio(find("each with its own", "peak RSS"));
    let same_work_memory = ratio(find("each with its own", "steady 1 edit/s each: peak RSS"));
    let relay = find("1000 clients on one shared", "edit to every other client p99").0;
    let mut out = String::from("\n## Targets\n\n| target | where we stand | |\n|---|---|---|\n");
    let _ = std::fmt::Write::write_fmt(
        &mut out,
        format_args!(
            "| ≥ 10× the JS server's throughput | {} | {} |\n| ≤ 1/5 of its memory | {} | {} |\n\
             | live relay p99 ≤ 20 ms at 1,000 clients | {} | {} |\n",
            throughput.map_or("—".into(), |r| format!("{r:.1}× its saturated edits/s")),
            verdict(throughput.map(|r| r >= 10.0)),
            memory.map_or("—".into(), |r| format!(
                "{r:.2} of its peak RSS ({} after the steady phase, when both had been sent the same edits)",
                same_work_memory.map_or("—".into(), |r| format!("{r:.2}"))
            )),
            verdict(memory.map(|r| r <= 0.2)),
            relay.map_or("—".into(), |r| format!("{r:.1} ms")),
            verdict(relay.map(|r| r <= 20.0)),
        ),
    );
    for variant in ["without sync state:", "with kept sync state:"] {
        let trips = find("returning", &format!("{variant} round trips")).0;
        let bytes = find("returning", &format!("{variant} wire bytes / new changes' bytes")).0;
        let _ = std::fmt::Write::write_fmt(
            &mut out,
            format_args!(
                "| returning client ({}) ≤ 3 round trips, ≤ 2× the bytes of its changes | {} round trips, {}× | {} |\n",
                variant.trim_end_matches(':'),
                trips.map_or("—".into(), |t| format!("{t:.0}")),
                bytes.map_or("—".into(), |b| format!("{b:.2}")),
                verdict(trips.zip(bytes).map(|(t, b)| t <= 3.0 && b <= 2.0)),
            ),
        );
    }
    let _ = std::fmt::Write::write_fmt(
        &mut out,
        format_args!(
            "| first useful screen ≤ 650 KB brotli | {} KB: the page ({} KB gzip), the records the server's preview; changing them waits for the engine too ({} KB brotli with the page; the engine alone {} KB gzip) | {} |\n\
             | everything kept offline ≤ 900 KB brotli | {} KB ({} KB gzip) | {} |\n",
            client.first_useful_brotli / 1000,
            client.first_load_gzip / 1000,
            client.editable_brotli / 1000,
            client.engine_gzip / 1000,
            verdict(Some(client.first_useful_brotli <= coldopen::FIRST_USEFUL_BUDGET)),
            client.offline_brotli / 1000,
            client.everything_gzip / 1000,
            verdict(Some(client.offline_brotli <= coldopen::OFFLINE_BUDGET)),
        ),
    );
    if let Some(phone) = &client.phone {
        let slowest = |times: &[f64]| times.iter().copied().reduce(f64::max);
        let (later, later_page, later_editable) =
            (slowest(&phone.later_opens), slowest(&phone.later_page), slowest(&phone.later_editable));
        let _ = std::fmt::Write::write_fmt(
            &mut out,
            format_args!(
                "| phone: first visit ≤ 30 s | {} | {} |\n| phone: later open offline ≤ 1 s | {} | {} |\n",
                phone.first_visit.zip(phone.editable).map_or("—".into(), |(t, e)| format!(
                    "{:.1} s to the records (the server's preview), {:.1} s until they may be changed",
                    t / 1000.0,
                    e / 1000.0
                )),
                verdict(phone.first_visit.map(|t| t <= phone::FIRST_VISIT_TARGET_MS)),
                later.zip(later_page).zip(later_editable).map_or("—".into(), |((t, p), e)| format!(
                    "slowest of {} runs {t:.0} ms to the records shown (the screen drawn last time), {p:.0} ms to \
                     the page's own (the copy of last time), {e:.0} ms until they may be changed",
                    phone.later_opens.len()
                )),
                verdict(later.map(|t| t <= phone::LATER_OPEN_TARGET_MS)),
            ),
        );
    }
    out
}

/// Where and how the numbers were obtained.
fn header(args: &[String]) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned()))
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| m.lines().next().map(|l| l.trim_start_matches("MemTotal:").trim().to_owned()))
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let run = |cmd: &str, args: &[&str]| {
        Command::new(cmd)
            .args(args)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let commit = run("git", &["-C", &e2e::root().to_string_lossy(), "rev-parse", "--short", "HEAD"]);
    let package = |p: &Path| {
        std::fs::read_to_string(p)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["version"].as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let modules = e2e::root().join("tests").join("interop").join("node_modules").join("@automerge");
    format!(
        "# Benchmarks\n\n\
         Our server and the JavaScript automerge-repo sync server, measured in the same run on the same \
         machine by the same load generator (`tests/src/bin/bench/`, our sync code speaking the \
         automerge-repo protocol over WebSocket). Each workload starts each server afresh on loopback \
         with an empty data directory: ours with its redb store (every change fsynced before it is \
         acknowledged) and its access checks; the JS server as automerge-repo-sync-server sets it up \
         (`tests/interop/sync-server.mjs`: `NodeWSServerAdapter`, `NodeFSStorageAdapter`). \
         The load generator runs on the same two cores, so its CPU is reported too.\n\n\
         For ours, the peers of a school share that school's one member device: the benchmark raises \
         the per-device limits (`MO_MAX_CONNECTIONS_PER_DEVICE=100000`, \
         `MO_MAX_MESSAGES_PER_SECOND=10000000`, `MO_MAX_BYTES_PER_SECOND=100000000000`), which otherwise \
         keep one device to 16 connections, 500 messages and 4 MiB a second.\n\n\
         Ours on PostgreSQL runs on a cluster of its own on the same machine (Debian's package, `initdb` \
         in a temporary directory, default settings: every commit flushed before the change is \
         acknowledged), as one instance or as three with the peers spread over them in turn, as a \
         reverse proxy would; its CPU includes PostgreSQL's processes, its RSS is our instances' only.\n\n\
         - command: `cargo xtask bench{}`\n\
         - commit: {commit}\n\
         - machine: {cpu}, {cores} cores, {memory} memory, Linux {}\n\
         - ours: server {}, automerge {} (Rust), {}\n\
         - JS: Node.js {}, @automerge/automerge-repo {}, @automerge/automerge {}\n\n\
         ↑ means more is better, ↓ less. CPU is the server process's user + system time over the \
         measured phase, in % of one core; peak RSS is the process's high-water mark (VmHWM).\n",
        if args.is_empty() { String::new() } else { format!(" -- {}", args.join(" ")) },
        kernel.trim(),
        env!("CARGO_PKG_VERSION"),
        locked("automerge"),
        run("rustc", &["--version"]),
        run("node", &["--version"]),
        package(&modules.join("automerge-repo").join("package.json")),
        package(&modules.join("automerge").join("package.json")),
    )
}

/// A crate's version in Cargo.lock.
fn locked(name: &str) -> String {
    let lock = std::fs::read_to_string(e2e::root().join("Cargo.lock")).unwrap_or_default();
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == format!("name = \"{name}\"") {
            return lines
                .next()
                .and_then(|v| v.strip_prefix("version = \""))
                .unwrap_or("")
                .trim_end_matches('"')
                .to_owned();
        }
    }
    String::new()
}
