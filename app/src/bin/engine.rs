//! The engine, as a web worker of its own (`/engine-worker.js` loads it):
//! the automerge documents, their storage in IndexedDB and their sync with
//! the server ([`app::engine`]), off the page, so the first screen does
//! not wait for automerge and no merge ever blocks a tap. The service
//! worker precaches it with the rest of the app.
//!
//! The same module writes and reads DOCX files, in a second instance of its
//! own (`/docx-worker.js` loads it): its zip, deflate and XML code shares
//! `core`, `alloc`, serde and the records' types with the engine, so the
//! device fetches and keeps those once, not twice (87 KB brotli less in
//! all, BENCHMARKS.md), and a document being written never holds up the
//! engine's sync.

#![allow(unreachable_pub)]

use shared::paper::Paper;
use wasm_bindgen::prelude::wasm_bindgen;

/// Starts the engine with the messages the page posted while it loaded.
#[wasm_bindgen]
pub fn run(early: js_sys::Array) {
    app::engine::run(early);
}

/// A document (a [`Paper`], as [`shared::link::encode`] writes it) as the
/// bytes of its `.docx` file, or why it could not be written.
#[wasm_bindgen]
pub fn docx(paper: &[u8]) -> Result<Vec<u8>, String> {
    let paper: Paper = shared::link::decode(paper).map_err(|e| format!("документ не прочитан: {e}"))?;
    shared::paper::docx::to_docx(&paper).map_err(|e| e.to_string())
}

/// The records a Word document (its `.docx` bytes) holds, as `request` (a
/// [`shared::import::Request`]) asks, each with its agenda items (a list of
/// [`shared::import::Found`]s), or why the file cannot be read; the request
/// and the answer as [`shared::link`] encodes messages. Reading, with its
/// limits, and recognising run in the DOCX worker, away from the screens,
/// whose wasm then carries neither.
#[wasm_bindgen]
pub fn import_docx(bytes: &[u8], request: &[u8]) -> Result<Vec<u8>, String> {
    let request: shared::import::Request =
        shared::link::decode(request).map_err(|e| format!("запрос не прочитан: {e}"))?;
    let blocks = shared::import::read(bytes)?;
    Ok(shared::link::encode(&shared::import::recognise(&request, &blocks)))
}

fn main() {
    console_error_panic_hook::set_once();
}
