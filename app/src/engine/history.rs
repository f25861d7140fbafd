//! «История» of a record: its changes read from the document this device
//! holds (so it works offline), each with who sent it to the server and
//! when, as the server recorded it. The server's list is asked for when
//! online and kept on the device for when it is not.

use std::collections::HashMap;

use shared::DocumentId;
use shared::link::HistoryLine;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};

use crate::engine::drive::{store, with_engine};
use crate::engine::sync::get_api;
use crate::engine::warn;

/// One change as `/api/documents/{id}/authors` lists it.
struct Author {
    hash: String,
    name: String,
    at_ms: i64,
}

/// Where the authors of a document are kept on the device.
const KEPT: &str = "authors";

/// The record's history in the document `doc`, oldest first.
pub async fn of_record(doc: DocumentId, record: Uuid) -> Result<Vec<HistoryLine>, String> {
    let entries = with_engine(|e| e.history(doc, record))?;
    let authors = match store() {
        Some(store) => authors(&store, doc).await,
        None => HashMap::new(),
    };
    Ok(entries
        .into_iter()
        .map(|entry| {
            let author = authors.get(&automerge::ChangeHash(entry.hash).to_string());
            HistoryLine { who: author.map(|a| a.name.clone()), stored_ms: author.map(|a| a.at_ms), entry }
        })
        .collect())
}

/// Who sent each change of `doc`, by hash: from the server when it
/// answers (and then kept), else as last kept.
async fn authors(store: &crate::storage::Store, doc: DocumentId) -> HashMap<String, Author> {
    let fresh = get_api(&format!("/api/documents/{doc}/authors")).await;
    let text = match fresh {
        Some(text) => {
            if let Err(e) = store.save_sync_state(KEPT, &doc, text.as_bytes()).await {
                warn(&format!("keeping the authors failed: {e}"));
            }
            Some(text)
        }
        None => store.load_sync_state(KEPT, &doc).await.ok().flatten().and_then(|b| String::from_utf8(b).ok()),
    };
    text.map(|t| parse_authors(&t)).unwrap_or_default().into_iter().map(|a| (a.hash.clone(), a)).collect()
}

/// The server's list of authors (JSON: `[{hash, name, at_ms}]`), read with
/// the browser's own parser so that the engine's module carries no JSON
/// code; an entry without its three fields is left out.
fn parse_authors(text: &str) -> Vec<Author> {
    let Ok(list) = js_sys::JSON::parse(text) else { return Vec::new() };
    let Ok(list) = list.dyn_into::<js_sys::Array>() else { return Vec::new() };
    let field = |entry: &JsValue, key: &str| js_sys::Reflect::get(entry, &key.into()).ok();
    list.iter()
        .filter_map(|entry| {
            Some(Author {
                hash: field(&entry, "hash")?.as_string()?,
                name: field(&entry, "name")?.as_string()?,
                at_ms: field(&entry, "at_ms")?.as_f64()? as i64,
            })
        })
        .collect()
}
