//! `cargo xtask soak --minutes N`: a thousand clients against our server
//! for N minutes, as a district's devices come and go: each holds its own
//! document, connects, makes a few edits about ten seconds apart, each
//! acknowledged, leaves, and comes back. The server's RSS is sampled every
//! ten seconds. The run fails on any client error, and on memory that
//! keeps growing after the warm-up (the first fifth of the run, at least
//! two minutes when the run is ten): the mean of the last third of the
//! samples after it may exceed the mean of the first third by at most
//! [`ALLOWED_GROWTH`] (or [`ALLOWED_GROWTH_BYTES`], whichever is more).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use automerge::ROOT;
use automerge::transaction::Transactable;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use crate::client::Result;
use crate::target::{Kind, SCHOOLS, Target};
use crate::workloads::small_document;

/// How much the RSS may grow after the warm-up: the documents' histories
/// grow with their edits (automerge keeps them in memory), a leak grows
/// without bound.
const ALLOWED_GROWTH: f64 = 0.15;
const ALLOWED_GROWTH_BYTES: f64 = 24.0 * 1024.0 * 1024.0;
const SAMPLE_EVERY: Duration = Duration::from_secs(10);
const EDIT_EVERY: Duration = Duration::from_secs(10);

/// One RSS sample.
struct Sample {
    at: Duration,
    rss: u64,
    edits: u64,
    sessions: u64,
}

/// Runs the soak and prints its table and verdict; whether it passed.
pub(crate) async fn soak(minutes: u64, clients: usize) -> bool {
    let t = Target::start(Kind::Ours).await;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(minutes * 60);
    let (edits, sessions) = (AtomicU64::new(0), AtomicU64::new(0));
    let errors = Mutex::new(Vec::<String>::new());
    let samples = Mutex::new(Vec::<Sample>::new());

    let sampler = async {
        let mut tick = tokio::time::interval(SAMPLE_EVERY);
        while Instant::now() < deadline {
            tick.tick().await;
            let sample = Sample {
                at: started.elapsed(),
                rss: t.rss(),
                edits: edits.load(Ordering::Relaxed),
                sessions: sessions.load(Ordering::Relaxed),
            };
            eprintln!(
                "    {:>4.0} s  RSS {:>6.1} MiB  {} edits  {} sessions",
                sample.at.as_secs_f64(),
                mib(sample.rss as f64),
                sample.edits,
                sample.sessions
            );
            samples.lock().expect("samples lock").push(sample);
        }
    };
    let load = (0..clients)
        .map(|i| {
            let (t, edits, sessions, errors) = (&t, &edits, &sessions, &errors);
            async move {
                if let Err(e) = client(t, i, deadline, edits, sessions).await {
                    errors.lock().expect("errors lock").push(format!("client {i}: {e}"));
                }
            }
        })
        .collect::<FuturesUnordered<_>>()
        .collect::<Vec<()>>();
    tokio::join!(sampler, load);
    t.stop().await;

    let samples = samples.into_inner().expect("samples lock");
    let errors = errors.into_inner().expect("errors lock");
    let warm_up = Duration::from_secs(minutes * 60 / 5);
    let after: Vec<&Sample> = samples.iter().filter(|s| s.at >= warm_up).collect();
    let third = (after.len() / 3).max(1);
    let mean = |s: &[&Sample]| s.iter().map(|s| s.rss as f64).sum::<f64>() / s.len().max(1) as f64;
    let (first, last) = (mean(&after[..third.min(after.len())]), mean(&after[after.len().saturating_sub(third)..]));
    let allowed = (first * ALLOWED_GROWTH).max(ALLOWED_GROWTH_BYTES);
    let growing = last - first > allowed;

    println!("| s | RSS MiB | edits acknowledged | sessions |\n|---:|---:|---:|---:|");
    for s in &samples {
        println!("| {:.0} | {:.1} | {} | {} |", s.at.as_secs_f64(), mib(s.rss as f64), s.edits, s.sessions);
    }
    println!(
        "\n{clients} clients, {minutes} min: {} edits acknowledged in {} sessions; {} errors. After the \
         {} s warm-up, RSS mean {:.1} MiB in the first third and {:.1} MiB in the last ({:+.1} MiB; allowed \
         {:.1} MiB).",
        edits.load(Ordering::Relaxed),
        sessions.load(Ordering::Relaxed),
        errors.len(),
        warm_up.as_secs(),
        mib(first),
        mib(last),
        mib(last - first),
        mib(allowed)
    );
    for e in errors.iter().take(20) {
        println!("error: {e}");
    }
    let passed = errors.is_empty() && !growing && after.len() >= 3;
    println!("{}", if passed { "soak: passed" } else { "soak: FAILED" });
    passed
}

fn mib(bytes: f64) -> f64 {
    bytes / 1024.0 / 1024.0
}

/// One client until `deadline`: sessions of a few edits, its document
/// carried from one session to the next as a device keeps it.
async fn client(t: &Target, i: usize, deadline: Instant, edits: &AtomicU64, sessions: &AtomicU64) -> Result {
    let id = t.document(i, i / SCHOOLS);
    let mut local = small_document(&format!("Документ {i}"));
    // Spread the first connections and the edits over time.
    let mut next = Instant::now() + EDIT_EVERY.mul_f64((i % 1000) as f64 / 1000.0);
    let mut n = 0_i64;
    while Instant::now() < deadline {
        tokio::time::sleep_until(next.into()).await;
        let mut c = t.member(i).await?;
        c.open(id, local).await?;
        c.settle(&[id]).await?;
        sessions.fetch_add(1, Ordering::Relaxed);
        for _ in 0..3 + i % 5 {
            next += EDIT_EVERY;
            tokio::time::sleep_until(next.into()).await;
            if Instant::now() >= deadline {
                break;
            }
            n += 1;
            c.edit(id, |tx| tx.put(ROOT, "n", n).expect("put")).await?;
            c.settle(&[id]).await?;
            edits.fetch_add(1, Ordering::Relaxed);
        }
        local = c.docs.remove(&id).ok_or("the client lost its document")?;
        c.close().await;
    }
    Ok(())
}
