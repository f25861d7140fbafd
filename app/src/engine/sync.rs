//! The sync client: drives a `shared::Session` over a WebSocket (opened by
//! the engine's worker) to the server's `/sync`, reconnecting with backoff
//! for as long as the app is open.
//!
//! Everything that happens on a connection (open, each message, close, a
//! finished local save) is queued into one channel and handled in order by
//! one task, so an IndexedDB await never lets two messages interleave.

use std::collections::HashSet;
use std::rc::Rc;

use futures_channel::mpsc;
use futures_util::StreamExt;
use js_sys::{ArrayBuffer, Uint8Array};
use shared::link::{FromEngine, Start, SyncStatus};
use shared::sync::Event;
use shared::{Message, PeerMetadata, Session};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{BinaryType, MessageEvent, WebSocket};

use crate::engine::docs::{Repo, repos, set_status, set_sync_wake};
use crate::engine::{post, warn};

const FIRST_RETRY_MS: u32 = 500;
const MAX_RETRY_MS: u32 = 15_000;

enum Input {
    Open,
    Received(Vec<u8>),
    Closed,
    Saved,
}

thread_local! {
    /// This device, as the page started the engine with it.
    static DEVICE: std::cell::RefCell<Option<Start>> = const { std::cell::RefCell::new(None) };
}

/// Starts syncing the open documents with the server that served the app,
/// as the device `start` describes; documents opened later join in.
pub fn start(start: Start) {
    DEVICE.with(|d| *d.borrow_mut() = Some(start.clone()));
    wasm_bindgen_futures::spawn_local(run(start));
}

/// Asks the server for `path` (`/api/…`) as this device; the answer's
/// body, or `None` when there is no device, no connection or no success.
pub async fn get_api(path: &str) -> Option<String> {
    let start = DEVICE.with(|d| d.borrow().clone())?;
    let response = fetch_api(&start, path).await?;
    if !response.ok() {
        return None;
    }
    JsFuture::from(response.text().ok()?).await.ok()?.as_string()
}

/// `GET path` on the server as the device `start`; `None` without a connection.
async fn fetch_api(start: &Start, path: &str) -> Option<web_sys::Response> {
    let init = web_sys::RequestInit::new();
    let headers = web_sys::Headers::new().ok()?;
    headers.set("Authorization", &format!("Bearer {}", start.token)).ok()?;
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(&format!("{}{path}", start.origin), &init).ok()?;
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    JsFuture::from(scope.fetch_with_request(&request)).await.ok()?.dyn_into().ok()
}

/// The sync endpoint with the device's token in the URL (where a standard
/// automerge-repo client can carry it too).
fn sync_url(start: &Start) -> String {
    let url = match start.origin.strip_prefix("https://") {
        Some(host) => format!("wss://{host}"),
        None => format!("ws://{}", start.origin.trim_start_matches("http://")),
    };
    format!("{url}/sync?token={}", start.token)
}

async fn run(start: Start) {
    let mut retry_ms = FIRST_RETRY_MS;
    loop {
        if connect_once(&start).await {
            retry_ms = FIRST_RETRY_MS;
        }
        set_status(SyncStatus::Offline);
        // A closed connection may mean the device was revoked: ask once.
        if revoked(&start).await {
            post(&FromEngine::Revoked);
            return;
        }
        // Jitter keeps a school's devices from reconnecting in lockstep.
        let jitter = (js_sys::Math::random() * f64::from(retry_ms) / 4.0) as u32;
        gloo_timers::future::TimeoutFuture::new(retry_ms + jitter).await;
        retry_ms = (retry_ms * 2).min(MAX_RETRY_MS);
    }
}

/// One connection, from opening to closing; returns whether the handshake
/// succeeded (so the next retry starts quickly again).
async fn connect_once(start: &Start) -> bool {
    let Ok(ws) = WebSocket::new(&sync_url(start)) else { return false };
    ws.set_binary_type(BinaryType::Arraybuffer);
    let (tx, mut rx) = mpsc::unbounded::<Input>();

    let on_open = {
        let tx = tx.clone();
        Closure::<dyn FnMut()>::new(move || {
            let _ = tx.unbounded_send(Input::Open);
        })
    };
    let on_message = {
        let tx = tx.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Ok(buffer) = e.data().dyn_into::<ArrayBuffer>() {
                let _ = tx.unbounded_send(Input::Received(Uint8Array::new(&buffer).to_vec()));
            }
        })
    };
    let on_close = {
        let tx = tx.clone();
        Closure::<dyn FnMut()>::new(move || {
            let _ = tx.unbounded_send(Input::Closed);
        })
    };
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));

    let (saved_tx, mut saved_rx) = mpsc::unbounded::<()>();
    set_sync_wake(Some(saved_tx));
    {
        let tx = tx.clone();
        wasm_bindgen_futures::spawn_local(async move {
            while saved_rx.next().await.is_some() {
                if tx.unbounded_send(Input::Saved).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);

    // The server binds peer ids to the token: the device id, a colon, this tab.
    let peer_id = format!("{}:{}", start.device_id, uuid::Uuid::new_v4().simple());
    let metadata = PeerMetadata { storage_id: Some(start.storage_id.clone()), is_ephemeral: false };
    let (mut session, join) = Session::client(peer_id, metadata);
    let mut server_storage: Option<String> = None;
    let mut connected = false;
    // Documents whose kept sync state was restored into this session.
    let mut restored = HashSet::new();

    while let Some(input) = rx.next().await {
        match input {
            Input::Open => send(&ws, &join),
            Input::Closed => break,
            Input::Saved => {
                if connected {
                    restore_states(&mut session, server_storage.as_deref(), &mut restored).await;
                    push_all(&ws, &mut session);
                }
            }
            Input::Received(bytes) => match session.receive(&bytes) {
                Ok(Event::Connected(remote)) => {
                    connected = true;
                    server_storage = remote.metadata.storage_id;
                    restore_states(&mut session, server_storage.as_deref(), &mut restored).await;
                    push_all(&ws, &mut session);
                }
                Ok(Event::Sync { document_id, message, .. }) => {
                    let Some(repo) = repos().into_iter().find(|r| r.id == document_id) else { continue };
                    let applied = repo.with_doc(|doc| {
                        let before = doc.get_heads();
                        session.receive_sync(document_id, doc, message).map(|()| doc.get_heads() != before)
                    });
                    match applied {
                        Ok(changed) => {
                            if changed {
                                repo.changed();
                            }
                            if let (Some(server), Some(state)) = (&server_storage, session.sync_state(&repo.id)) {
                                let _ = repo.store.save_sync_state(server, &repo.id, &state).await;
                            }
                            push(&repo, &ws, &mut session);
                        }
                        Err(e) => {
                            send(&ws, &session.error(e.to_string()));
                            break;
                        }
                    }
                }
                Ok(Event::RemoteError(reason)) => warn(&format!("server reported: {reason}")),
                Ok(_) => {}
                Err(e) => {
                    send(&ws, &session.error(e.to_string()));
                    break;
                }
            },
        }
        set_status(status(&mut session, connected));
    }

    set_sync_wake(None);
    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
    let _ = ws.close();
    connected
}

/// Restores the kept sync state of documents opened since the last call.
async fn restore_states(session: &mut Session, server: Option<&str>, restored: &mut HashSet<shared::DocumentId>) {
    for repo in repos() {
        if !restored.insert(repo.id) {
            continue;
        }
        if let Some(server) = server
            && let Ok(Some(state)) = repo.store.load_sync_state(server, &repo.id).await
        {
            let _ = session.restore(repo.id, &state);
        }
    }
}

fn push_all(ws: &WebSocket, session: &mut Session) {
    for repo in repos() {
        push(&repo, ws, session);
    }
}

/// Sends what the server lacks, but only what is already saved on this device.
fn push(repo: &Rc<Repo>, ws: &WebSocket, session: &mut Session) {
    if !repo.is_saved() {
        return;
    }
    if let Some(m) = repo.with_doc(|doc| session.generate(repo.id, doc)) {
        send(ws, &m);
    }
}

fn status(session: &mut Session, connected: bool) -> SyncStatus {
    if !connected {
        return SyncStatus::Offline;
    }
    let synced = repos().iter().all(|r| r.is_saved() && r.with_doc(|doc| session.is_synced(&r.id, doc)));
    if synced { SyncStatus::Saved } else { SyncStatus::Syncing }
}

fn send(ws: &WebSocket, message: &Message) {
    if let Err(e) = ws.send_with_u8_array(&message.encode()) {
        warn(&format!("send failed: {e:?}"));
    }
}

/// Whether the server says this device's token is revoked (or unknown);
/// no answer is not a revocation.
async fn revoked(start: &Start) -> bool {
    fetch_api(start, "/api/me").await.is_some_and(|r| r.status() == 401)
}
