//! The engine: the half of the app that holds the automerge documents, in
//! a web worker of its own (`src/bin/engine.rs`, loaded by
//! `public/engine-worker.js`).
//!
//! Keeping automerge off the page is what makes the page small and quick:
//! its wasm carries the screens only, and loading, merging and saving
//! documents never blocks a tap. The page sends [`ToEngine`] messages and
//! gets [`FromEngine`] ones back (`shared::link`).
//!
//! - [`drive`]: the engine's core (`shared::engine`, which holds the open
//!   documents and saves each change to IndexedDB before anything else)
//!   driven with IndexedDB, timers and the page's messages.
//! - [`sync`]: the connection to the server.
//! - [`history`]: «История» of a record.

pub mod drive;
pub mod history;
pub mod sync;

use futures_channel::mpsc;
use futures_util::StreamExt;
use js_sys::Uint8Array;
use shared::link::{self, FromEngine, ToEngine};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use shared::engine::Input;

use crate::storage::Store;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Starts the engine: `early` holds the messages the page posted while the
/// wasm was loading; the rest arrive through `onmessage`. Every message is
/// handled in order by one task.
pub fn run(early: js_sys::Array) {
    let (tx, rx) = mpsc::unbounded::<ToEngine>();
    let queue = move |data: JsValue| match data.dyn_into::<Uint8Array>().map(|a| link::decode(&a.to_vec())) {
        Ok(Ok(message)) => {
            let _ = tx.unbounded_send(message);
        }
        Ok(Err(e)) => warn(&format!("engine: {e}")),
        Err(other) => warn(&format!("engine: not a message: {}", crate::files::js_message(other))),
    };
    for message in early.iter() {
        queue(message);
    }
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| queue(e.data()));
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    wasm_bindgen_futures::spawn_local(serve(rx));
}

async fn serve(mut rx: mpsc::UnboundedReceiver<ToEngine>) {
    // Storage opens first, while the page is still starting: the messages
    // wait in the channel meanwhile.
    let opened = match Store::open().await {
        Ok(store) => {
            drive::set_store(store);
            true
        }
        Err(e) => {
            post(&FromEngine::Fatal(e.unavailable()));
            false
        }
    };
    while let Some(message) = rx.next().await {
        match message {
            ToEngine::Start(start) => {
                if opened {
                    sync::start(start);
                }
            }
            ToEngine::Open(open) => {
                if opened {
                    drive::drive(Input::Open(open));
                }
            }
            // Answered by the core once the change is stored (or not):
            // a change to a document still loading waits for it, and one
            // change is written and merged before the next is made.
            ToEngine::Change { ticket, doc, seen, change } => {
                drive::drive(Input::Change { ask: ticket, doc, seen, change });
            }
            // Not awaited here: asking the server may take a while, and
            // changes must not wait for it.
            ToEngine::History { ticket, doc, record } => wasm_bindgen_futures::spawn_local(async move {
                let result = history::of_record(doc, record).await;
                post(&FromEngine::History { ticket, result });
            }),
        }
    }
}

/// Posts a message to the page.
pub fn post(message: &FromEngine) {
    let bytes = Uint8Array::from(link::encode(message).as_slice());
    let transfer = js_sys::Array::of1(&bytes.buffer());
    if let Err(e) = scope().post_message_with_transfer(&bytes, &transfer) {
        warn(&format!("engine: posting to the page failed: {}", crate::files::js_message(e)));
    }
}

/// Writes a warning to the browser's console.
pub fn warn(message: &str) {
    web_sys::console::warn_1(&JsValue::from_str(message));
}
