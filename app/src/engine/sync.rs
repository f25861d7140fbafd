//! The connection to the server's `/sync`: a WebSocket opened by the
//! engine's worker, reconnecting with backoff for as long as the app is
//! open. What arrives goes to the engine's core ([`drive`]), which holds
//! the sync session; what the core sends goes out here.

use std::cell::{Cell, RefCell};

use futures_channel::oneshot;
use js_sys::{ArrayBuffer, Uint8Array};
use shared::PeerMetadata;
use shared::engine::Input;
use shared::link::{FromEngine, Start};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{BinaryType, MessageEvent, WebSocket};

use crate::engine::drive::{drive, with_engine};
use crate::engine::{post, warn};

const FIRST_RETRY_MS: u32 = 500;
const MAX_RETRY_MS: u32 = 15_000;

thread_local! {
    /// This device, as the page started the engine with it.
    static DEVICE: RefCell<Option<Start>> = const { RefCell::new(None) };
    /// The open connection.
    static SOCKET: RefCell<Option<WebSocket>> = const { RefCell::new(None) };
}

/// Sends bytes on the open connection (none: the core hears of the close).
pub fn send(bytes: &[u8]) {
    SOCKET.with(|s| {
        if let Some(ws) = &*s.borrow()
            && let Err(e) = ws.send_with_u8_array(bytes)
        {
            warn(&format!("send failed: {}", crate::files::js_message(e)));
        }
    });
}

/// Closes the open connection.
pub fn close() {
    SOCKET.with(|s| {
        if let Some(ws) = &*s.borrow() {
            let _ = ws.close();
        }
    });
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
    let handshake = std::rc::Rc::new(Cell::new(false));
    let (closed_tx, closed_rx) = oneshot::channel::<()>();

    // The server binds peer ids to the token: the device id, a colon, this tab.
    let peer_id = format!("{}:{}", start.device_id, uuid::Uuid::new_v4().simple());
    let metadata = PeerMetadata { storage_id: Some(start.storage_id.clone()), is_ephemeral: false };
    let on_open = Closure::<dyn FnMut()>::new(move || {
        drive(Input::Connected { peer_id: peer_id.clone(), metadata: metadata.clone() });
    });
    let on_message = {
        let handshake = handshake.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Ok(buffer) = e.data().dyn_into::<ArrayBuffer>() {
                drive(Input::Received(Uint8Array::new(&buffer).to_vec()));
                handshake.set(handshake.get() || with_engine(|e| e.is_connected()));
            }
        })
    };
    let mut closed_tx = Some(closed_tx);
    let on_close = Closure::<dyn FnMut()>::new(move || {
        drive(Input::Disconnected);
        if let Some(tx) = closed_tx.take() {
            let _ = tx.send(());
        }
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    SOCKET.with(|s| *s.borrow_mut() = Some(ws.clone()));

    let _ = closed_rx.await;

    SOCKET.with(|s| *s.borrow_mut() = None);
    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
    handshake.get()
}

/// Whether the server says this device's token is revoked (or unknown);
/// no answer is not a revocation.
async fn revoked(start: &Start) -> bool {
    fetch_api(start, "/api/me").await.is_some_and(|r| r.status() == 401)
}
