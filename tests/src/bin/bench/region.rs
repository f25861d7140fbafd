//! A region on PostgreSQL: a store of 100,000 documents, 1,000 peers
//! connected, of whom 200 edit. The documents are written into PostgreSQL
//! directly (the way a region's store would have grown is not what is
//! measured); everything after that goes through the servers.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{Automerge, ROOT, ReadDoc};
use shared::{AcademicYear, DocumentId, YearDoc};

use crate::client::Result;
use crate::target::{SCHOOLS, Target};
use crate::workloads::{Costs, connect_all, measure, percentiles, wait_for_deliveries};

/// The size of the run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    /// Documents stored before the peers come.
    pub(crate) documents: usize,
    /// Peers connected; they watch one document in groups of `peers / editing`.
    pub(crate) peers: usize,
    /// Peers editing, one per group, once a second each.
    pub(crate) editing: usize,
    /// Edits each editing peer makes.
    pub(crate) rounds: usize,
}

/// The years a school's filler documents take: all but those of the
/// district cold sync (2022–2026), so that one finds its own documents.
fn filler_years() -> impl Iterator<Item = i32> {
    shared::access::YEARS.filter(|y| !(2022..=2026).contains(y))
}

/// The schools a region of `documents` needs.
pub(crate) fn schools_for(documents: usize) -> usize {
    documents.div_ceil(filler_years().count()).max(SCHOOLS)
}

/// The group (watched document) of each school, for `s` in `0..editing`.
fn group_document(t: &Target, group: usize) -> DocumentId {
    YearDoc::id_for(&t.schools[group], AcademicYear(2000))
}

/// Writes `documents` small documents of the target's schools straight
/// into PostgreSQL, as chunks the servers load like their own.
async fn fill(t: &Target, documents: usize) -> Result<Duration> {
    let pg = t.postgres().ok_or("the region runs on PostgreSQL")?;
    let (client, connection) =
        tokio_postgres::connect(&pg.url("bench"), tokio_postgres::NoTls).await.map_err(|e| e.to_string())?;
    let driving = tokio::spawn(connection);
    let started = Instant::now();
    let years = t.schools.iter().flat_map(|school| filler_years().map(move |y| (school, AcademicYear(y))));
    let years: Vec<(&DocumentId, AcademicYear)> = years.take(documents).collect();
    for batch in years.chunks(2000) {
        let keys: Vec<Vec<u8>> = batch.iter().map(|(s, y)| YearDoc::id_for(s, *y).as_bytes().to_vec()).collect();
        // A new year's document, as a school's first sync stores it.
        let chunks: Vec<Vec<u8>> = batch.iter().map(|(s, y)| YearDoc::create(s, *y).save()).collect();
        client
            .execute("INSERT INTO documents (id, next_place) SELECT unnest($1::bytea[]), 1", &[&keys])
            .await
            .map_err(|e| e.to_string())?;
        client
            .execute(
                "INSERT INTO chunks (doc, place, data) SELECT d, 0, c FROM unnest($1::bytea[], $2::bytea[]) AS t(d, c)",
                &[&keys, &chunks],
            )
            .await
            .map_err(|e| e.to_string())?;
    }
    drop(client);
    let _ = driving.await;
    Ok(started.elapsed())
}

/// One edit's key and where it was made.
struct Sent {
    at: Instant,
    instance: usize,
}

/// The region run: the store filled, the peers connected to their
/// group's document, each editor editing once a second, and every
/// delivery timed from the edit until its frame came off the receiving
/// peer's socket, apart for peers on another instance than the editor's.
/// Then a district's cold sync on the same store.
pub(crate) async fn region(t: &Target, scale: Scale) -> Result<Vec<Measure>> {
    let filled = fill(t, scale.documents).await?;
    let group_size = (scale.peers / scale.editing).max(2);
    let clients = connect_all(scale.editing * group_size, |i| async move {
        let group = i / group_size;
        let mut c = if i % group_size == 0 { t.member_of(group, i).await? } else { t.head(i).await? };
        let id = group_document(t, group);
        c.open(id, Automerge::new()).await?;
        c.settle(&[id]).await?;
        Ok((i, c))
    })
    .await?;
    let connected_rss = t.rss_each();

    let sent: Arc<Mutex<HashMap<String, Sent>>> = Arc::default();
    let across: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let within: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let arrived = Arc::new(tokio::sync::Notify::new());
    let costs = Costs::start(t);
    let mut orders = Vec::new();
    let mut tasks = Vec::new();
    for (i, mut c) in clients.into_iter().enumerate() {
        let (group, instance) = (i / group_size, t.instance_of(i));
        let id = group_document(t, group);
        // Readers get no orders; their channel stays open until the end.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<usize>();
        orders.push((i % group_size == 0, tx));
        let (sent, across, within, arrived) = (sent.clone(), across.clone(), within.clone(), arrived.clone());
        tasks.push(tokio::spawn(async move {
            let mut seen: HashSet<String> = HashSet::new();
            loop {
                tokio::select! {
                    order = rx.recv() => {
                        let Some(round) = order else { break };
                        let key = format!("e{group}_{round}");
                        seen.insert(key.clone());
                        sent.lock().expect("not poisoned").insert(key.clone(), Sent { at: Instant::now(), instance });
                        c.edit(id, |tx| { tx.put(ROOT, key.as_str(), round as i64).expect("put"); }).await?;
                    }
                    frame = c.frame() => {
                        if c.handle(&frame?).await?.is_some() {
                            let now = c.arrived;
                            for key in c.docs[&id].keys(ROOT).filter(|k| k.starts_with('e')) {
                                if seen.insert(key.clone())
                                    && let Some(s) = sent.lock().expect("not poisoned").get(&key)
                                {
                                    let into = if s.instance == instance { &within } else { &across };
                                    into.lock().expect("not poisoned").push(now - s.at);
                                    arrived.notify_one();
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
    let step = Duration::from_secs(1) / u32::try_from(scale.editing).unwrap_or(u32::MAX);
    let mut tick = crate::workloads::pace(step);
    for round in 0..scale.rounds {
        for (_, order) in orders.iter().filter(|(editing, _)| *editing) {
            tick.tick().await;
            order.send(round).map_err(|_| "an editing peer stopped early")?;
        }
    }
    let expected = scale.editing * scale.rounds * (group_size - 1);
    let delivered = || across.lock().expect("not poisoned").len() + within.lock().expect("not poisoned").len();
    wait_for_deliveries(&arrived, || delivered() >= expected, Duration::from_secs(60)).await;
    let (wall, cpu) = costs.finish(t, "editing:");
    let delivered = delivered();
    let editing_rss = t.rss_each();
    drop(orders);
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }

    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let mut out = vec![
        measure("documents stored (written straight into PostgreSQL)", scale.documents as f64, "", true),
        measure("storing them", filled.as_secs_f64(), "s", false),
        measure("peers connected", (scale.editing * group_size) as f64, "", true),
        measure("server RSS with every peer connected, largest instance", mib(max(&connected_rss)), "MiB", false),
        measure("server RSS while editing, largest instance", mib(max(&editing_rss)), "MiB", false),
        measure("server RSS while editing, all instances", mib(editing_rss.iter().sum()), "MiB", false),
        measure("deliveries", delivered as f64 / wall.as_secs_f64(), "/s", true),
        measure("deliveries missing after 60 s", expected.saturating_sub(delivered) as f64, "", false),
    ];
    out.extend(percentiles("to a peer on another instance", &mut across.lock().expect("not poisoned")));
    out.extend(percentiles("to a peer on the same instance", &mut within.lock().expect("not poisoned")));
    out.extend(cpu);
    let cold = crate::workloads::cold_sync(t).await?;
    out.extend(cold.into_iter().map(|m| Measure { name: format!("district cold sync: {}", m.name), ..m }));
    Ok(out)
}

fn max(values: &[u64]) -> u64 {
    values.iter().copied().max().unwrap_or(0)
}

use crate::workloads::Measure;
