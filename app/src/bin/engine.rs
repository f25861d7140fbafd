//! The engine, as a web worker of its own (`/engine-worker.js` loads it):
//! the automerge documents, their storage in IndexedDB and their sync with
//! the server ([`app::engine`]), off the page, so the first screen does
//! not wait for automerge and no merge ever blocks a tap. The service
//! worker precaches it with the rest of the app.

#![allow(unreachable_pub)]

use wasm_bindgen::prelude::wasm_bindgen;

/// Starts the engine with the messages the page posted while it loaded.
#[wasm_bindgen]
pub fn run(early: js_sys::Array) {
    app::engine::run(early);
}

fn main() {
    console_error_panic_hook::set_once();
}
