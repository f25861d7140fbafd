//! The driver of the engine's core ([`shared::engine::Engine`]): what it
//! asks for is done here with IndexedDB, the page's messages, the
//! WebSocket ([`super::sync`]) and timers, and what comes of it is fed back
//! in. The core decides everything else, and the convergence schedules run
//! the same core natively.
//!
//! The core is synchronous: every input is handled at once and its effects
//! are started before the next input; reads and writes run as tasks whose
//! results come back as inputs, so no borrow of the core is held across an
//! await.

use std::cell::RefCell;

use shared::engine::{Effect, Engine, Input, Now};
use shared::link::FromEngine;

use crate::clock::{now_ms, today};
use crate::engine::{post, sync, warn};
use crate::storage::Store;

thread_local! {
    static ENGINE: RefCell<Engine> = RefCell::new(Engine::new());
    static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
}

/// Gives the driver the opened storage; documents are read and written there.
pub fn set_store(store: Store) {
    STORE.with(|s| *s.borrow_mut() = Some(store));
}

/// The opened storage, if it opened.
pub fn store() -> Option<Store> {
    STORE.with(|s| s.borrow().clone())
}

/// Runs `f` on the core (not across an await).
pub fn with_engine<R>(f: impl FnOnce(&mut Engine) -> R) -> R {
    ENGINE.with(|e| f(&mut e.borrow_mut()))
}

/// Hands `input` to the core and starts what it asks for.
pub fn drive(input: Input) {
    let now = Now { ms: now_ms(), today: today() };
    let effects = with_engine(|e| e.handle(now, input));
    for effect in effects {
        perform(effect);
    }
}

/// Starts one effect; those with an outcome feed it back through [`drive`].
fn perform(effect: Effect) {
    let store = store();
    match effect {
        Effect::Tell(message) => post(&message),
        Effect::Answer { ask, result } => post(&FromEngine::Done { ticket: ask, result }),
        Effect::Send(bytes) => sync::send(&bytes),
        Effect::Close => sync::close(),
        Effect::Warn(message) => warn(&message),
        Effect::After { ms, timer } => wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(ms).await;
            drive(Input::Timer(timer));
        }),
        other => {
            let Some(store) = store else { return };
            wasm_bindgen_futures::spawn_local(with_store(store, other));
        }
    }
}

/// The effects that read or write storage.
async fn with_store(store: Store, effect: Effect) {
    match effect {
        Effect::Load(ids) => match store.load_chunks(&ids).await {
            Ok(chunks) => drive(Input::Loaded(ids.into_iter().zip(chunks).collect())),
            Err(e) => post(&FromEngine::Fatal(e.message())),
        },
        Effect::Write { write, doc, chunk, replaces } => {
            // After a failed write Chromium may close the connection (or
            // leave it unable to write): one more try on a fresh one.
            let mut written = store.put_chunk(&doc, &chunk, &replaces).await;
            if let Err(e) = &written {
                warn(&format!("a write failed: {e}"));
                written = match store.reopen().await {
                    Ok(()) => store.put_chunk(&doc, &chunk, &replaces).await,
                    Err(e) => Err(e),
                };
            }
            drive(match written {
                Ok(key) => Input::Committed { write, key },
                Err(e) => Input::NotCommitted { write, message: e.message(), not_kept: e.not_kept() },
            });
        }
        Effect::LoadSyncStates { server, docs } => {
            let mut states = Vec::with_capacity(docs.len());
            for doc in docs {
                states.push((doc, store.load_sync_state(&server, &doc).await.ok().flatten()));
            }
            drive(Input::SyncStates(states));
        }
        Effect::KeepSyncState { server, doc, state } => {
            if let Err(e) = store.save_sync_state(&server, &doc, &state).await {
                warn(&format!("keeping a sync state failed: {e}"));
            }
        }
        Effect::ReadOverview { key, year } => {
            let bytes = store.load_overview(&key).await.ok().flatten();
            drive(Input::OverviewRead { year, bytes });
        }
        Effect::ListChunks { year, docs } => {
            let stored = store.chunk_keys(&docs).await.unwrap_or_default();
            drive(Input::ChunksListed { year, stored });
        }
        Effect::KeepOverview { key, bytes } => {
            if let Err(e) = store.save_overview(&key, &bytes).await {
                warn(&format!("keeping the overview failed: {e}"));
            }
        }
        Effect::Tell(_)
        | Effect::Answer { .. }
        | Effect::Send(_)
        | Effect::Close
        | Effect::Warn(_)
        | Effect::After { .. } => {}
    }
}
