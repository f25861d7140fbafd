//! The workloads, each run against one freshly started server. Every
//! workload reports its measures by name, so the two servers' numbers
//! line up in the report.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use shared::district::DistrictYearDoc;
use shared::fixture;
use shared::{AcademicYear, DocumentId, LibraryDoc, YearDoc};

use crate::client::{Client, Result};
use crate::target::{SCHOOLS, Target, own_cpu};

/// One measured number.
#[derive(Debug, Clone)]
pub(crate) struct Measure {
    pub(crate) name: String,
    pub(crate) value: f64,
    pub(crate) unit: &'static str,
    /// Whether more is better (throughput) or less (latency, memory).
    pub(crate) higher_is_better: bool,
}

pub(crate) fn measure(name: impl Into<String>, value: f64, unit: &'static str, higher_is_better: bool) -> Measure {
    Measure { name: name.into(), value, unit, higher_is_better }
}

/// Latency percentiles in milliseconds.
pub(crate) fn percentiles(prefix: &str, samples: &mut [Duration]) -> Vec<Measure> {
    samples.sort();
    let at = |p: f64| {
        let i = ((samples.len() as f64 * p).ceil() as usize).clamp(1, samples.len().max(1)) - 1;
        samples.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    vec![
        measure(format!("{prefix} p50"), at(0.50), "ms", false),
        measure(format!("{prefix} p99"), at(0.99), "ms", false),
    ]
}

/// A clock that ticks every `step`, for handing out edits at the workload's
/// rate: the load being measured, not a wait for anything. Its ticks keep
/// the rate over the whole run where sleeping `step` after each send would
/// fall behind by the time each send takes.
pub(crate) fn pace(step: Duration) -> tokio::time::Interval {
    let mut tick = tokio::time::interval(step);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick
}

/// Waits until `done` holds, woken by `arrived` each time a peer records a
/// delivery, for at most `patience`.
pub(crate) async fn wait_for_deliveries(arrived: &tokio::sync::Notify, done: impl Fn() -> bool, patience: Duration) {
    let all = async {
        while !done() {
            arrived.notified().await;
        }
    };
    let _ = tokio::time::timeout(patience, all).await;
}

/// What the server's process cost over a phase.
pub(crate) struct Costs {
    cpu: Duration,
    generator: Duration,
    started: Instant,
}

impl Costs {
    pub(crate) fn start(t: &Target) -> Self {
        Self { cpu: t.cpu(), generator: own_cpu(), started: Instant::now() }
    }

    /// Wall time, the server's CPU (% of one core) and the generator's.
    pub(crate) fn finish(self, t: &Target, prefix: &str) -> (Duration, Vec<Measure>) {
        let wall = self.started.elapsed();
        let share = |d: Duration| d.as_secs_f64() / wall.as_secs_f64() * 100.0;
        let measures = vec![
            measure(format!("{prefix} server CPU"), share(t.cpu() - self.cpu), "% of a core", false),
            measure(format!("{prefix} load generator CPU"), share(own_cpu() - self.generator), "% of a core", false),
        ];
        (wall, measures)
    }
}

fn peak_rss(t: &Target) -> Measure {
    measure("peak RSS", t.peak_rss() as f64 / (1024.0 * 1024.0), "MiB", false)
}

/// A small document of a few fields.
pub(crate) fn small_document(title: &str) -> Automerge {
    let mut doc = Automerge::new();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(ROOT, "title", title)?;
        tx.put(ROOT, "n", 0_i64)?;
        Ok(())
    })
    .expect("a new document takes a change");
    doc
}

/// Connects `n` peers (as made by `connect`), 64 at a time.
pub(crate) async fn connect_all<F, Fut>(n: usize, connect: F) -> Result<Vec<Client>>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<(usize, Client)>>,
{
    let mut clients: Vec<Option<Client>> = (0..n).map(|_| None).collect();
    let mut pending = futures_util::stream::iter((0..n).map(connect)).buffer_unordered(64);
    while let Some(done) = pending.next().await {
        let (i, c) = done?;
        clients[i] = Some(c);
    }
    Ok(clients.into_iter().flatten().collect())
}

/// Many clients, each with its own small document: first every client
/// edits once a second (latency under a steady load), then as fast as the
/// server acknowledges (throughput).
pub(crate) async fn many_clients(t: &Target, n: usize, phase: Duration) -> Result<Vec<Measure>> {
    let clients = connect_all(n, |i| async move {
        let mut c = t.member(i).await?;
        let id = t.document(i, i / SCHOOLS);
        c.open(id, small_document(&format!("Документ {i}"))).await?;
        c.settle(&[id]).await?;
        Ok((i, c))
    })
    .await?;
    let mut out = Vec::new();
    // Each client with its number (the tasks finish in any order).
    let mut clients: Vec<(usize, Client)> = clients.into_iter().enumerate().collect();
    for (label, period) in [("steady 1 edit/s each:", Some(Duration::from_secs(1))), ("saturated:", None)] {
        let costs = Costs::start(t);
        let deadline = Instant::now() + phase;
        let tasks: FuturesUnordered<_> = clients
            .into_iter()
            .map(|(i, mut c)| async move {
                let id = t.document(i, i / SCHOOLS);
                let mut latencies = Vec::new();
                // Spread the steady clients over the second.
                let phase_shift = period.map(|p| p.mul_f64((i % 1000) as f64 / 1000.0)).unwrap_or_default();
                let mut next = Instant::now() + phase_shift;
                let mut k = 0_i64;
                loop {
                    tokio::time::sleep_until(next.into()).await;
                    if Instant::now() >= deadline {
                        break;
                    }
                    k += 1;
                    let sent = Instant::now();
                    c.edit(id, |tx| {
                        tx.put(ROOT, "n", k).expect("put");
                    })
                    .await?;
                    c.settle(&[id]).await?;
                    latencies.push(sent.elapsed());
                    next = period.map_or_else(Instant::now, |p| next + p);
                }
                Ok::<_, String>((i, c, latencies))
            })
            .collect();
        let finished: Vec<_> = tasks.collect().await;
        let mut latencies = Vec::new();
        clients = Vec::new();
        for f in finished {
            let (i, c, l) = f?;
            clients.push((i, c));
            latencies.extend(l);
        }
        let (wall, costs) = costs.finish(t, label);
        out.push(measure(
            format!("{label} acknowledged edits"),
            latencies.len() as f64 / wall.as_secs_f64(),
            "/s",
            true,
        ));
        out.extend(percentiles(&format!("{label} edit to acknowledgement"), &mut latencies));
        out.extend(costs);
        if period.is_some() {
            // Both servers were sent the same edits so far: memory for the same work.
            let rss = peak_rss(t);
            out.push(Measure { name: format!("{label} {}", rss.name), ..rss });
        }
    }
    out.push(peak_rss(t));
    for (_, c) in clients {
        c.close().await;
    }
    Ok(out)
}

/// `n` clients on one shared document; one after another makes an edit
/// every `interval`, and the time until the frame carrying it is read off
/// each other client's socket is the live relay latency.
pub(crate) async fn relay(t: &Target, n: usize, edits: usize, interval: Duration) -> Result<Vec<Measure>> {
    let id = t.document(0, 100);
    let mut first = t.member(0).await?;
    first.open(id, small_document("Общий документ")).await?;
    first.settle(&[id]).await?;
    let mut clients = connect_all(n - 1, |i| async move {
        // Peers n·SCHOOLS all belong to school 0.
        let mut c = t.member((i + 1) * SCHOOLS).await?;
        c.open(id, Automerge::new()).await?;
        c.settle(&[id]).await?;
        Ok((i, c))
    })
    .await?;
    clients.insert(0, first);

    let sent: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; edits]));
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let arrived = Arc::new(tokio::sync::Notify::new());
    let costs = Costs::start(t);
    let mut orders = Vec::new();
    let mut tasks = Vec::new();
    for mut c in clients {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
        orders.push(tx);
        let (sent, latencies, arrived) = (sent.clone(), latencies.clone(), arrived.clone());
        tasks.push(tokio::spawn(async move {
            let mut seen: HashSet<String> = HashSet::new();
            loop {
                tokio::select! {
                    order = rx.recv() => {
                        let Some(k) = order else { break };
                        let key = format!("e{k}");
                        seen.insert(key.clone());
                        sent.lock().expect("not poisoned")[k] = Some(Instant::now());
                        c.edit(id, |tx| { tx.put(ROOT, key.as_str(), k as i64).expect("put"); }).await?;
                    }
                    frame = c.frame() => {
                        if c.handle(&frame?).await?.is_some() {
                            // The edit reached this peer when its frame came
                            // off the socket; applying it is the peer's work.
                            let now = c.arrived;
                            let doc = &c.docs[&id];
                            for key in doc.keys(ROOT).filter(|k| k.starts_with('e')) {
                                if seen.insert(key.clone()) {
                                    let k: usize = key[1..].parse().map_err(|_| "a bad key")?;
                                    if let Some(at) = sent.lock().expect("not poisoned")[k] {
                                        latencies.lock().expect("not poisoned").push(now - at);
                                        arrived.notify_one();
                                    }
                                }
                            }
                        }
                    }
                }
            }
            c.close().await;
            Ok::<_, String>(())
        }));
    }
    let mut tick = pace(interval);
    for k in 0..edits {
        tick.tick().await;
        orders[k % n].send(k).map_err(|_| "a relay client stopped early")?;
    }
    let expected = edits * (n - 1);
    let all_delivered = || latencies.lock().expect("not poisoned").len() >= expected;
    wait_for_deliveries(&arrived, all_delivered, Duration::from_secs(60)).await;
    let (wall, mut out) = costs.finish(t, "");
    drop(orders);
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    let mut samples = std::mem::take(&mut *latencies.lock().expect("not poisoned"));
    out.insert(0, measure("deliveries", samples.len() as f64 / wall.as_secs_f64(), "/s", true));
    out.insert(1, measure("deliveries missing after 60 s", (expected - samples.len()) as f64, "", false));
    let mut p = percentiles("edit to every other client", &mut samples);
    p.push(measure(
        "edit to every other client max",
        samples.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0),
        "ms",
        false,
    ));
    out.splice(0..0, p);
    out.push(peak_rss(t));
    Ok(out)
}

/// `peers` connected peers together create and edit `documents` documents
/// (each created, then edited three times, every step acknowledged): the
/// server's cost per document as the number of peers grows.
pub(crate) async fn peers_creating(t: &Target, peers: usize, documents: usize) -> Result<Vec<Measure>> {
    let clients = connect_all(peers, |i| async move { Ok((i, t.member(i).await?)) }).await?;
    let per_peer = documents / peers;
    let costs = Costs::start(t);
    let tasks: FuturesUnordered<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, mut c)| async move {
            let mut latencies = Vec::new();
            for k in 0..per_peer {
                let id = t.document(i, (i / SCHOOLS) * per_peer + k);
                let started = Instant::now();
                c.open(id, small_document(&format!("Документ {i}.{k}"))).await?;
                c.settle(&[id]).await?;
                for e in 1..=3_i64 {
                    c.edit(id, |tx| {
                        tx.put(ROOT, "n", e).expect("put");
                    })
                    .await?;
                    c.settle(&[id]).await?;
                }
                latencies.push(started.elapsed());
            }
            c.close().await;
            Ok::<_, String>(latencies)
        })
        .collect();
    let mut latencies = Vec::new();
    for l in tasks.collect::<Vec<_>>().await {
        latencies.extend(l?);
    }
    let (wall, mut out) = costs.finish(t, "");
    let docs = latencies.len() as f64;
    let server_share = out.first().map_or(0.0, |m| m.value);
    out.insert(0, measure("documents created and edited", docs / wall.as_secs_f64(), "/s", true));
    out.insert(
        1,
        measure("server CPU per document", server_share / 100.0 * wall.as_secs_f64() * 1000.0 / docs, "ms", false),
    );
    out.extend(percentiles("one document (create + 3 edits)", &mut latencies));
    out.push(peak_rss(t));
    Ok(out)
}

/// A client that synced a realistic year, went offline, made `edits` edits
/// and comes back: round trips and bytes on the wire, against the size of
/// its new changes, without and with the sync state it kept.
pub(crate) async fn returning(t: &Target, edits: usize) -> Result<Vec<Measure>> {
    let mut out = Vec::new();
    for (n, keep_state) in [(0, false), (1, true)] {
        let id = t.document(n, 99);
        let year = fixture::build_for(&DocumentId::random(), &DocumentId::random(), AcademicYear(2025)).year;
        let doc = Automerge::load(&year.clone().save()).map_err(|e| e.to_string())?;
        let mut c = t.member(n).await?;
        c.open(id, doc).await?;
        c.settle(&[id]).await?;
        let state = c.sync_state(&id).ok_or("a sync state")?;
        let mut doc = c.docs.remove(&id).ok_or("the document")?;
        c.close().await;

        let before = doc.get_heads();
        for k in 0..edits {
            doc.transact::<_, _, automerge::AutomergeError>(|tx| {
                tx.put(ROOT, format!("note{k}"), format!("Заметка {k}: проверить журнал 5А"))?;
                Ok(())
            })
            .map_err(|e| format!("{e:?}"))?;
        }
        let new_bytes = doc.save_after(&before).len() as f64;

        let mut c = t.member(n + SCHOOLS).await?;
        if keep_state {
            c.restore(id, &state)?;
        }
        c.open(id, doc).await?;
        c.settle(&[id]).await?;
        let label = if keep_state { "with kept sync state:" } else { "without sync state:" };
        out.push(measure(format!("{label} round trips"), c.frames_out as f64, "", false));
        out.push(measure(format!("{label} bytes on the wire"), (c.bytes_in + c.bytes_out) as f64, "B", false));
        out.push(measure(
            format!("{label} wire bytes / new changes' bytes"),
            (c.bytes_in + c.bytes_out) as f64 / new_bytes,
            "×",
            false,
        ));
        c.close().await;
    }
    Ok(out)
}

/// The ids and contents of a district's records: `SCHOOLS` schools with
/// their members, library and five years up to the current one
/// (2026/2027), and the РМО's five years.
pub(crate) fn district_documents(t: &Target) -> Vec<(Option<usize>, DocumentId, Automerge)> {
    let load = |doc: &mut automerge::AutoCommit| Automerge::load(&doc.save()).expect("a fixture document loads");
    let mut docs = Vec::new();
    // A region's target has more schools; a district is the first ones.
    for (s, school) in t.schools.iter().take(SCHOOLS).enumerate() {
        for (y, year) in (2022..=2026).enumerate() {
            let mut f = fixture::build_for(school, &t.district, AcademicYear(year));
            docs.push((Some(s), YearDoc::id_for(school, AcademicYear(year)), load(&mut f.year)));
            if y == 0 {
                docs.push((Some(s), *school, load(&mut f.association)));
                docs.push((Some(s), LibraryDoc::id_for(school), load(&mut f.library)));
            }
            if s == 0 {
                docs.push((None, DistrictYearDoc::id_for(&t.district, AcademicYear(year)), load(&mut f.district)));
            }
        }
    }
    docs
}

/// Stores a district's documents on the server through their schools'
/// heads (the РМО's through the district head); their ids and heads.
pub(crate) async fn preload_district(t: &Target) -> Result<Vec<(DocumentId, Vec<automerge::ChangeHash>)>> {
    let mut writers: Vec<Option<Client>> = (0..=SCHOOLS).map(|_| None).collect();
    let mut expected = Vec::new();
    for (school, id, doc) in district_documents(t) {
        let slot = school.unwrap_or(SCHOOLS);
        if writers[slot].is_none() {
            writers[slot] = Some(match school {
                Some(s) => t.school_head(s).await?,
                None => t.head(5000).await?,
            });
        }
        let w = writers[slot].as_mut().ok_or("a writer")?;
        expected.push((id, doc.get_heads()));
        w.open(id, doc).await?;
        w.settle(&[id]).await?;
    }
    for w in writers.into_iter().flatten() {
        w.close().await;
    }
    Ok(expected)
}

/// A district's documents, stored on the server by their schools' peers,
/// synced to an empty client (the district head's new laptop).
pub(crate) async fn cold_sync(t: &Target) -> Result<Vec<Measure>> {
    let expected = preload_district(t).await?;
    let costs = Costs::start(t);
    let mut c = t.head(6000).await?;
    let ids: Vec<DocumentId> = expected.iter().map(|(id, _)| *id).collect();
    for id in &ids {
        c.open(*id, Automerge::new()).await?;
    }
    c.settle(&ids).await?;
    let (wall, mut out) = costs.finish(t, "");
    for (id, heads) in &expected {
        if &c.docs[id].get_heads() != heads {
            return Err(format!("document {id} arrived incomplete"));
        }
    }
    out.insert(
        0,
        measure(format!("{} documents to an empty client", ids.len()), wall.as_secs_f64() * 1000.0, "ms", false),
    );
    out.insert(1, measure("bytes received", c.bytes_in as f64, "B", false));
    out.insert(2, measure("client frames sent", c.frames_out as f64, "", false));
    out.push(peak_rss(t));
    c.close().await;
    Ok(out)
}
