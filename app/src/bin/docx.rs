//! The DOCX writer and reader, as a web worker of its own (`/docx-worker.js` loads it):
//! its zip, deflate and XML code is wasm that nobody needs until they save
//! or import a document, so the first screen does not wait for it. The service worker precaches it with the rest of the app,
//! so saving still works offline.

#![allow(unreachable_pub)]

use shared::paper::Paper;
use wasm_bindgen::prelude::wasm_bindgen;

/// A document sent as JSON (a [`Paper`]) as the bytes of its `.docx` file,
/// or why it could not be written.
#[wasm_bindgen]
pub fn docx(paper: &str) -> Result<Vec<u8>, String> {
    let paper: Paper = serde_json::from_str(paper).map_err(|e| format!("документ не прочитан: {e}"))?;
    shared::paper::docx::to_docx(&paper).map_err(|e| e.to_string())
}

/// The records a Word document (its `.docx` bytes) holds, as `request`
/// (JSON, a [`shared::import::Request`]) asks, as JSON (a list of
/// [`shared::import::Found`]s, each with its agenda items), or why the
/// file cannot be read. Reading, with its limits, and recognising run here,
/// away from the screens, whose wasm then carries neither.
#[wasm_bindgen]
pub fn import_docx(bytes: &[u8], request: &str) -> Result<String, String> {
    let request: shared::import::Request =
        serde_json::from_str(request).map_err(|e| format!("запрос не прочитан: {e}"))?;
    let blocks = shared::import::read(bytes)?;
    serde_json::to_string(&shared::import::recognise(&request, &blocks)).map_err(|e| e.to_string())
}

fn main() {
    console_error_panic_hook::set_once();
}
