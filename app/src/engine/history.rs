//! «История» of a record: its changes read from the document this device
//! holds (so it works offline), each with who sent it to the server and
//! when, as the server recorded it. The server's list is asked for when
//! online and kept on the device for when it is not.

use std::collections::HashMap;

use serde::Deserialize;
use shared::DocumentId;
use shared::link::HistoryLine;
use uuid::Uuid;

use crate::engine::drive::{store, with_engine};
use crate::engine::sync::get_api;
use crate::engine::warn;

/// One change as `/api/documents/{id}/authors` lists it.
#[derive(Deserialize)]
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
    let list: Vec<Author> = text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
    list.into_iter().map(|a| (a.hash.clone(), a)).collect()
}
