//! The sync client: drives a `shared::Session` over a browser WebSocket to
//! the server's `/sync`, reconnecting with backoff for as long as the app is
//! open.
//!
//! Everything that happens on a connection (open, each message, close, a
//! finished local save) is queued into one channel and handled in order by
//! one task, so an IndexedDB await never lets two messages interleave.

use std::collections::HashSet;
use std::rc::Rc;

use futures_channel::mpsc;
use futures_util::StreamExt;
use js_sys::{ArrayBuffer, Uint8Array};
use leptos::prelude::Set;
use shared::sync::Event;
use shared::{Message, PeerMetadata, Session};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, MessageEvent, WebSocket};

use crate::device;
use crate::repo::{Repo, SyncStatus, Ui, repos, set_sync_wake};
use crate::storage::settings;

const FIRST_RETRY_MS: u32 = 500;
const MAX_RETRY_MS: u32 = 15_000;

enum Input {
    Open,
    Received(Vec<u8>),
    Closed,
    Saved,
}

/// Starts syncing the open documents with the server that served the app,
/// as the device `device_id`; documents opened later join in.
pub fn start(ui: Ui, device_id: String) {
    leptos::task::spawn_local(run(ui, device_id));
}

/// The sync endpoint with the device's token in the URL (where a standard
/// automerge-repo client can carry it too).
fn sync_url() -> String {
    let location = web_sys::window().expect("the app runs in a window").location();
    let scheme = if location.protocol().as_deref() == Ok("https:") { "wss" } else { "ws" };
    let host = location.host().unwrap_or_else(|_| "localhost".into());
    let token = device::token().unwrap_or_default();
    format!("{scheme}://{host}/sync?token={token}")
}

async fn run(ui: Ui, device_id: String) {
    let mut retry_ms = FIRST_RETRY_MS;
    loop {
        if connect_once(ui, &device_id).await {
            retry_ms = FIRST_RETRY_MS;
        }
        ui.sync.set(SyncStatus::Offline);
        // A closed connection may mean the device was revoked: ask once.
        if let Err(device::ApiError::Revoked) = device::refresh().await {
            ui.revoked.set(true);
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
async fn connect_once(ui: Ui, device_id: &str) -> bool {
    let Ok(ws) = WebSocket::new(&sync_url()) else { return false };
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
        leptos::task::spawn_local(async move {
            while saved_rx.next().await.is_some() {
                if tx.unbounded_send(Input::Saved).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);

    // The server binds peer ids to the token: the device id, a colon, this tab.
    let peer_id = format!("{device_id}:{}", uuid::Uuid::new_v4().simple());
    let metadata = PeerMetadata { storage_id: Some(settings::storage_id()), is_ephemeral: false };
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
                Ok(Event::RemoteError(reason)) => {
                    leptos::logging::warn!("server reported: {reason}");
                }
                Ok(_) => {}
                Err(e) => {
                    send(&ws, &session.error(e.to_string()));
                    break;
                }
            },
        }
        ui.sync.set(status(&mut session, connected));
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
        leptos::logging::warn!("send failed: {e:?}");
    }
}
