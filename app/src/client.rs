//! The page's end of the link to the engine ([`crate::engine`]): starts the
//! engine's web worker, tells it what the screens need, hands it people's
//! changes and waits for each to be kept, and puts what the engine sends
//! into the [`Ui`] signals.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use futures_channel::oneshot;
use js_sys::Uint8Array;
use leptos::prelude::*;
use shared::link::{self, FromEngine, Heads, HistoryLine, Open, Shown, Start, ToEngine};
use shared::{Change, DocumentId};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Worker};

use crate::ui::{Preview, Ui};

/// Where the engine's answer to one question goes.
type Answer<T> = oneshot::Sender<Result<T, String>>;

/// The engine's worker, and the changes and questions waiting for its answer.
struct Engine {
    worker: Worker,
    next_ticket: Cell<u32>,
    waiting: RefCell<HashMap<u32, Answer<()>>>,
    histories: RefCell<HashMap<u32, Answer<Vec<HistoryLine>>>>,
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// Starts the engine for this device (or takes over the one `index.html`
/// started while the page loaded); what it sends goes to `ui`.
pub fn start(ui: Ui, start: Start) {
    let (worker, early) = match started_early() {
        Some(started) => started,
        None => match Worker::new("/engine-worker.js") {
            Ok(worker) => (worker, js_sys::Array::new()),
            Err(e) => {
                return ui.fatal.set(Some(format!("Модуль данных не запустился: {}", crate::files::js_message(e))));
            }
        },
    };
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| receive(ui, e.data()));
    // A worker that fails to load or stops on an error reports a plain `error`.
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let detail = e.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).unwrap_or_default();
        ui.fatal.set(Some(format!(
            "Модуль данных остановился ({detail}). Записи, уже сохранённые на устройстве, не потеряны: \
             перезагрузите страницу."
        )));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // The handlers live as long as the page.
    on_message.forget();
    on_error.forget();
    for message in early.iter() {
        receive(ui, message);
    }
    ENGINE.with(|e| {
        *e.borrow_mut() = Some(Engine {
            worker,
            next_ticket: Cell::new(1),
            waiting: RefCell::new(HashMap::new()),
            histories: RefCell::new(HashMap::new()),
        });
    });
    post(&ToEngine::Start(start));
}

/// Tells the engine what the screens need now.
pub fn open(open: Open) {
    post(&ToEngine::Open(open));
}

/// Hands a person's change of document `doc`, as they saw it at `seen`, to
/// the engine; resolves once the engine has kept it on the device, or with
/// the sentence saying why not.
pub async fn change(doc: DocumentId, seen: Heads, change: Change) -> Result<(), String> {
    ask(|e| &e.waiting, |ticket| ToEngine::Change { ticket, doc, seen, change }).await
}

/// What happened to `record` of document `doc`, oldest first, or why it
/// cannot be told.
pub async fn history(doc: DocumentId, record: uuid::Uuid) -> Result<Vec<HistoryLine>, String> {
    ask(|e| &e.histories, |ticket| ToEngine::History { ticket, doc, record }).await
}

/// Posts the question `message` makes with a new ticket, its answer to go
/// through `waiting`, and waits for that answer.
async fn ask<T>(
    waiting: impl Fn(&Engine) -> &RefCell<HashMap<u32, Answer<T>>>,
    message: impl FnOnce(u32) -> ToEngine,
) -> Result<T, String> {
    let (answer, answered) = oneshot::channel();
    let ticket = ENGINE.with(|e| {
        let e = e.borrow();
        let engine = e.as_ref()?;
        let ticket = engine.next_ticket.get();
        engine.next_ticket.set(ticket.wrapping_add(1));
        waiting(engine).borrow_mut().insert(ticket, answer);
        Some(ticket)
    });
    let ticket = ticket.ok_or_else(|| "Записи ещё загружаются, повторите через секунду".to_owned())?;
    post(&message(ticket));
    answered.await.unwrap_or_else(|_| Err("Модуль данных не ответил; перезагрузите страницу".into()))
}

/// Shows the server's preview of the records the screens wait for
/// (`GET /api/preview`, read-only): a device that has just joined shows
/// them before its engine has loaded, which on a slow connection takes
/// longer than the page did. Without a preview the screens wait for the
/// engine, as on every later start.
pub async fn preview(ui: Ui) {
    let year = ui.year.get_untracked().0;
    let school = ui.school.get_untracked().map(|s| format!("&school={s}")).unwrap_or_default();
    match preview_bytes(&format!("/api/preview?year={year}{school}")).await {
        Ok(bytes) => match link::decode::<Vec<Shown>>(&bytes) {
            Ok(shown) => shown.into_iter().for_each(|s| ui.receive_preview(s, Preview::Server)),
            Err(e) => leptos::logging::warn!("preview: {e}"),
        },
        Err(e) => leptos::logging::warn!("preview: {e}"),
    }
}

async fn preview_bytes(url: &str) -> Result<Vec<u8>, String> {
    use crate::files::{js_message, request, send};
    let response = send(url, &request("GET", None)?).await?;
    if response.status() != 200 {
        return Err(format!("the server answered {}", response.status()));
    }
    let body =
        wasm_bindgen_futures::JsFuture::from(response.array_buffer().map_err(js_message)?).await.map_err(js_message)?;
    Ok(Uint8Array::new(&body).to_vec())
}

/// The worker `index.html` started, and what it said before the page was
/// there to hear.
fn started_early() -> Option<(Worker, js_sys::Array)> {
    let window = web_sys::window()?;
    let started = js_sys::Reflect::get(&window, &"moEngine".into()).ok().filter(|s| s.is_object())?;
    let _ = js_sys::Reflect::delete_property(&window, &"moEngine".into());
    let worker = js_sys::Reflect::get(&started, &"worker".into()).ok()?.dyn_into::<Worker>().ok()?;
    let early = js_sys::Reflect::get(&started, &"early".into()).ok()?.dyn_into::<js_sys::Array>().ok()?;
    Some((worker, early))
}

fn post(message: &ToEngine) {
    let bytes = Uint8Array::from(link::encode(message).as_slice());
    let transfer = js_sys::Array::of1(&bytes.buffer());
    ENGINE.with(|e| {
        if let Some(engine) = &*e.borrow()
            && let Err(e) = engine.worker.post_message_with_transfer(&bytes, &transfer)
        {
            leptos::logging::warn!("posting to the engine failed: {}", crate::files::js_message(e));
        }
    });
}

fn receive(ui: Ui, data: JsValue) {
    // The worker's loader posts a plain object when the engine's wasm does not load.
    let Some(bytes) = data.dyn_ref::<Uint8Array>() else {
        let detail = js_sys::Reflect::get(&data, &"failed".into()).ok().and_then(|f| f.as_string()).unwrap_or_default();
        return ui.fatal.set(Some(format!("Модуль данных не загрузился: {detail}")));
    };
    let bytes = bytes.to_vec();
    let message = match link::decode::<FromEngine>(&bytes) {
        Ok(message) => message,
        Err(e) => return leptos::logging::warn!("{e}"),
    };
    match message {
        FromEngine::Shown(shown) => {
            let (id, kind, owner) = (shown.id, shown.kind, shown.owner);
            ui.receive(*shown);
            crate::kept::keep(ui, id, kind, owner, bytes);
        }
        FromEngine::Summaries { year, schools } => {
            if year == ui.year.get_untracked() {
                ui.summaries.set(schools);
                // The district overview draws them: its picture is kept with them.
                crate::kept::copy_screen_later(ui);
            }
        }
        FromEngine::Sync(status) => crate::ui::sync_status(ui, status),
        FromEngine::StorageError(error) => ui.storage_error.set(error),
        FromEngine::Damaged(message) => ui.damaged.set(Some(message)),
        FromEngine::Fatal(message) => ui.fatal.set(Some(message)),
        FromEngine::Revoked => ui.revoked.set(true),
        FromEngine::Done { ticket, result } => {
            let answer = ENGINE.with(|e| e.borrow().as_ref().and_then(|e| e.waiting.borrow_mut().remove(&ticket)));
            if let Some(answer) = answer {
                let _ = answer.send(result);
            }
        }
        FromEngine::History { ticket, result } => {
            let answer = ENGINE.with(|e| e.borrow().as_ref().and_then(|e| e.histories.borrow_mut().remove(&ticket)));
            if let Some(answer) = answer {
                let _ = answer.send(result);
            }
        }
    }
}
