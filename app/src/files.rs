//! The копилка's files on this device, in their own IndexedDB database:
//! each file's bytes in parts, and an entry saying whether the device holds
//! it whole, whether the person pinned it, and whether the server has it.
//!
//! - A file the person attaches is kept here whole before the material
//!   lists it, and sent to the server when there is a connection.
//! - A file from the server comes part by part ([`shared::files::Download`]),
//!   each part kept as it arrives, so a dropped connection costs one part.
//!   It is whole only once every byte is here and its SHA-256 is its name;
//!   until then nothing offers to open it.
//! - Pinned files, and files up to [`KEPT_ALWAYS_BYTES`], are kept so they
//!   open offline.

use std::cell::RefCell;
use std::collections::HashSet;

use js_sys::{Array, Uint8Array};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::DocumentId;
use shared::files::{Attachment, Download, KEPT_ALWAYS_BYTES, PART_BYTES, check_size, kind_of};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::storage::{FILE_ENTRIES, FILE_PARTS, FILES, Store};

/// What the device knows of a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    name: String,
    mime: String,
    size: u64,
    /// The library that lists it: downloads and uploads name it.
    doc: String,
    /// Every byte is here and its hash checked.
    whole: bool,
    /// The person asked to keep it on this device.
    pinned: bool,
    /// The server has it.
    uploaded: bool,
}

/// How much of a file the device holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// All of it, checked.
    Whole,
    /// This many percent, still coming.
    Part(u64),
    /// None of it.
    Nothing,
}

thread_local! {
    static STORE: RefCell<Option<Store>> = const { RefCell::new(None) };
    /// Files being fetched or sent now: one transfer per file at a time.
    static BUSY: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
    static CHANGED: RwSignal<u64> = RwSignal::new(0);
}

/// Bumped whenever a file becomes whole or leaves: screens showing files
/// read them again.
pub fn changed() -> RwSignal<u64> {
    CHANGED.with(|c| *c)
}

async fn store() -> Result<Store, String> {
    if let Some(store) = STORE.with(|s| s.borrow().clone()) {
        return Ok(store);
    }
    let store = Store::open_layout(&FILES).await.map_err(|e| e.not_kept())?;
    STORE.with(|s| *s.borrow_mut() = Some(store.clone()));
    Ok(store)
}

fn entry_key(hash: &str) -> String {
    format!("entry/{hash}")
}

fn part_key(hash: &str, offset: u64) -> String {
    format!("{hash}/{offset:012}")
}

async fn entry(store: &Store, hash: &str) -> Result<Option<Entry>, String> {
    let value = store.value(FILE_ENTRIES, &entry_key(hash)).await.map_err(|e| e.message())?;
    Ok(value.and_then(|v| v.as_string()).and_then(|s| serde_json::from_str(&s).ok()))
}

async fn put_entry(store: &Store, hash: &str, entry: &Entry) -> Result<(), String> {
    let value = JsValue::from_str(&crate::device::json(entry).ok_or("Не удалось записать сведения о файле")?);
    store.put_all(FILE_ENTRIES, None, &[(entry_key(hash), value)]).await.map_err(|e| e.not_kept())
}

/// The parts kept of `hash`, in order.
async fn parts(store: &Store, hash: &str) -> Result<Vec<Uint8Array>, String> {
    let kept = store.under(FILE_PARTS, hash).await.map_err(|e| e.message())?;
    Ok(kept.into_iter().filter_map(|(_, v)| v.dyn_into::<Uint8Array>().ok()).collect())
}

/// How much of `file` this device holds.
pub async fn held(file: &Attachment) -> Held {
    let Ok(store) = store().await else { return Held::Nothing };
    match entry(&store, &file.hash).await {
        Ok(Some(e)) if e.whole => Held::Whole,
        _ => {
            let have: u64 =
                parts(&store, &file.hash).await.unwrap_or_default().iter().map(|p| u64::from(p.length())).sum();
            if have == 0 { Held::Nothing } else { Held::Part(Download::new(file.size, have).percent()) }
        }
    }
}

/// The file's bytes as one blob of its type.
async fn blob(store: &Store, hash: &str, mime: &str) -> Result<web_sys::Blob, String> {
    let list = Array::new();
    for part in parts(store, hash).await? {
        list.push(&part);
    }
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&list, &options).map_err(js_message)
}

/// The SHA-256 of `bytes` (an ArrayBuffer or a typed array), hex.
async fn sha256(bytes: &js_sys::Object) -> Result<String, String> {
    let subtle = web_sys::window().ok_or("нет окна")?.crypto().map_err(js_message)?.subtle();
    let digest = JsFuture::from(subtle.digest_with_str_and_buffer_source("SHA-256", bytes).map_err(js_message)?)
        .await
        .map_err(js_message)?;
    Ok(Uint8Array::new(&digest).to_vec().iter().map(|b| format!("{b:02x}")).collect())
}

/// What the browser said, in its own words: an error's message, a string
/// as it is, another object as its `toString()` writes it, anything else
/// as JSON. Not through `{:?}`, which the app's build compiles to nothing
/// (`-Zfmt-debug=none`, xtask).
pub(crate) fn js_message(e: JsValue) -> String {
    if let Some(error) = e.dyn_ref::<js_sys::Error>() {
        String::from(error.message())
    } else if let Some(text) = e.as_string() {
        text
    } else if e.is_object() {
        String::from(e.unchecked_ref::<js_sys::Object>().to_string())
    } else {
        js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string()).unwrap_or_else(|| "undefined".to_owned())
    }
}

/// Reads a file the person picked, checks it, and keeps it whole on this
/// device (pinned, to be sent to the server); returns what the material
/// will list.
pub async fn keep_picked(file: &web_sys::File, doc: DocumentId) -> Result<Attachment, String> {
    let name = file.name();
    let size = file.size() as u64;
    check_size(&name, size)?;
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(js_message)?;
    let bytes = Uint8Array::new(&buffer);
    let head = bytes.subarray(0, 16).to_vec();
    let mime = kind_of(&name, &head)?;
    let hash = sha256(&bytes).await?;
    let store = store().await?;
    let mut values = Vec::new();
    let mut offset = 0;
    while offset < size {
        let end = (offset + PART_BYTES).min(size);
        values.push((part_key(&hash, offset), bytes.slice(offset as u32, end as u32).into()));
        offset = end;
    }
    store.put_all(FILE_PARTS, Some(&hash), &values).await.map_err(|e| e.not_kept())?;
    let entry = Entry {
        name: name.clone(),
        mime: mime.into(),
        size,
        doc: doc.to_string(),
        whole: true,
        pinned: true,
        uploaded: false,
    };
    put_entry(&store, &hash, &entry).await?;
    changed().update(|n| *n += 1);
    Ok(Attachment { hash, name, size, mime: mime.into() })
}

/// Runs `f` unless a transfer of `hash` is under way already.
async fn alone<T>(hash: &str, f: impl std::future::Future<Output = Result<T, String>>) -> Result<Option<T>, String> {
    if !BUSY.with(|b| b.borrow_mut().insert(hash.to_owned())) {
        return Ok(None);
    }
    let out = f.await;
    BUSY.with(|b| b.borrow_mut().remove(hash));
    out.map(Some)
}

/// A request to the server with this device's token, for the bytes
/// `range` (first and last) when given.
pub(crate) fn request(method: &str, range: Option<(u64, u64)>) -> Result<web_sys::RequestInit, String> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(js_message)?;
    if let Some(token) = crate::device::token() {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    if let Some((first, last)) = range {
        let _ = headers.set("Range", &format!("bytes={first}-{last}"));
    }
    init.set_headers(&headers);
    Ok(init)
}

/// Sends a request; the error says there is no connection.
pub(crate) async fn send(url: &str, init: &web_sys::RequestInit) -> Result<web_sys::Response, String> {
    const OFFLINE: &str = "Нет связи с сервером: файл загрузится, когда связь появится";
    let window = web_sys::window().ok_or(OFFLINE)?;
    let request = web_sys::Request::new_with_str_and_init(url, init).map_err(|_| OFFLINE)?;
    let response = JsFuture::from(window.fetch_with_request(&request)).await.map_err(|_| OFFLINE)?;
    response.dyn_into().map_err(|_| OFFLINE.to_owned())
}

async fn refusal(response: &web_sys::Response) -> String {
    let text = match response.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    value["error"].as_str().map_or_else(|| format!("Сервер ответил {}", response.status()), str::to_owned)
}

/// Sends every file kept here that the server does not have yet.
pub async fn upload_pending() {
    let Ok(store) = store().await else { return };
    let Ok(entries) = store.under(FILE_ENTRIES, "entry").await else { return };
    for (key, value) in entries {
        let Some(entry) = value.as_string().and_then(|s| serde_json::from_str::<Entry>(&s).ok()) else { continue };
        let hash = key.trim_start_matches("entry/").to_owned();
        if entry.uploaded || !entry.whole {
            continue;
        }
        let sent = alone(&hash, async {
            let body = blob(&store, &hash, &entry.mime).await?;
            let url = format!("/api/files/{hash}?doc={}&name={}", entry.doc, encode(&entry.name));
            let init = request("PUT", None)?;
            init.set_body(&body);
            let response = send(&url, &init).await?;
            if !matches!(response.status(), 200 | 201) {
                return Err(refusal(&response).await);
            }
            put_entry(&store, &hash, &Entry { uploaded: true, ..entry.clone() }).await
        })
        .await;
        if let Err(e) = sent {
            web_sys::console::warn_1(&format!("файл «{}» не отправлен: {e}", entry.name).into());
        }
    }
}

fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// Fetches `file` of the library `doc` part by part, resuming after what is
/// kept; `progress` hears the percent after each part. Ok once the file is
/// whole and checked (or was already).
pub async fn fetch(doc: DocumentId, file: &Attachment, pin: bool, progress: impl Fn(u64)) -> Result<(), String> {
    let store = store().await?;
    let mut known = entry(&store, &file.hash).await?.unwrap_or_else(|| Entry {
        name: file.name.clone(),
        mime: file.mime.clone(),
        size: file.size,
        doc: doc.to_string(),
        whole: false,
        pinned: false,
        uploaded: true,
    });
    if pin && !known.pinned {
        known.pinned = true;
        put_entry(&store, &file.hash, &known).await?;
    }
    if known.whole {
        return Ok(());
    }
    let done = alone(&file.hash, async {
        let have: u64 = parts(&store, &file.hash).await?.iter().map(|p| u64::from(p.length())).sum();
        let mut download = Download::new(file.size, have);
        progress(download.percent());
        let url = format!("/api/files/{}?doc={doc}", file.hash);
        while let Some((first, last)) = download.next() {
            let init = request("GET", Some((first, last)))?;
            let response = send(&url, &init).await?;
            let part = match response.status() {
                206 | 200 => {
                    let promise = response.array_buffer().map_err(js_message)?;
                    let body = JsFuture::from(promise)
                        .await
                        .map_err(|_| "Связь прервалась: загрузка продолжится".to_owned())?;
                    Uint8Array::new(&body)
                }
                _ => return Err(refusal(&response).await),
            };
            // A whole file answered for a range (a proxy that ignores
            // ranges) is cut to the part asked for.
            let part =
                if response.status() == 200 && first > 0 { part.slice(first as u32, last as u32 + 1) } else { part };
            let len = u64::from(part.length()).min(last + 1 - first);
            let part = part.slice(0, len as u32);
            download.kept(first, len)?;
            store
                .put_all(FILE_PARTS, None, &[(part_key(&file.hash, first), part.into())])
                .await
                .map_err(|e| e.not_kept())?;
            progress(download.percent());
        }
        let whole = blob(&store, &file.hash, &file.mime).await?;
        let buffer = JsFuture::from(whole.array_buffer()).await.map_err(js_message)?;
        if sha256(&buffer.into()).await? != file.hash {
            store.put_all(FILE_PARTS, Some(&file.hash), &[]).await.map_err(|e| e.message())?;
            return Err("Файл пришёл повреждённым: загрузите его ещё раз".to_owned());
        }
        put_entry(&store, &file.hash, &Entry { whole: true, ..known.clone() }).await?;
        changed().update(|n| *n += 1);
        Ok(())
    })
    .await?;
    match done {
        Some(()) => Ok(()),
        None => Err("Файл уже загружается".to_owned()),
    }
}

/// Hands a whole file to the browser to open or save.
pub async fn open(file: &Attachment) -> Result<(), String> {
    let store = store().await?;
    match entry(&store, &file.hash).await? {
        Some(e) if e.whole => {
            let blob = blob(&store, &file.hash, &file.mime).await?;
            crate::print::save_blob(&file.name, &blob).map_err(js_message)
        }
        _ => Err("Файл ещё не загружен на это устройство".to_owned()),
    }
}

/// Keeps on this device every small file the library `doc` lists, so they
/// open offline; larger ones wait for the person to pin them.
pub async fn keep_small(doc: DocumentId, files: Vec<Attachment>) {
    for file in files.into_iter().filter(|f| f.size <= KEPT_ALWAYS_BYTES) {
        if held(&file).await != Held::Whole {
            let _ = fetch(doc, &file, false, |_| {}).await;
        }
    }
}

/// Sends what waits to be sent whenever the device is connected, and keeps
/// the small files of the shown school's library (again when it changes or
/// the connection comes back).
pub fn watch(ui: crate::ui::Ui) {
    use shared::link::SyncStatus;
    use shared::record::RecordList;
    // Once a minute, what failed is tried again: a file the server was too
    // busy to take, one listed before the device that attached it sent it.
    let tick = RwSignal::new(0u32);
    gloo_timers::callback::Interval::new(60_000, move || tick.update(|t| *t = t.wrapping_add(1))).forget();
    Effect::new(move |_| {
        tick.track();
        if ui.sync.get() != SyncStatus::Offline {
            leptos::task::spawn_local(upload_pending());
        }
    });
    Effect::new(move |_| {
        tick.track();
        let online = ui.sync.get() != SyncStatus::Offline;
        let Some(school) = ui.school.get() else { return };
        let listed: Vec<Attachment> = ui.library.with(|l| {
            l.as_ref()
                .map(|l| l.materials.active().iter().flat_map(|m| m.files.values().cloned()).collect())
                .unwrap_or_default()
        });
        if online {
            leptos::task::spawn_local(keep_small(shared::LibraryDoc::id_for(&school), listed));
        }
    });
}
