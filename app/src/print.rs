//! Documents out of the app, with no network: a [`Paper`] shown as an A4
//! print view (the app's bars hidden, print CSS with page breaks) and saved
//! as a DOCX file made in the browser.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use shared::paper::{Block, Cell, Chart, Paper, Para, Table};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::MessageEvent;

use crate::files::js_message;

/// The document in the print view, if one is open.
#[derive(Clone, Copy)]
pub struct Printing(pub RwSignal<Option<Paper>>);

/// Makes a document from the records, or says why it cannot.
pub type MakePaper = Rc<dyn Fn() -> Result<Paper, String>>;

/// Saves `paper` as a DOCX file through the browser's download.
async fn download(paper: Paper) -> Result<(), String> {
    let bytes = write_docx(&paper).await?;
    save_file(&paper.file_name, &bytes).map_err(|e| format!("Браузер не сохранил файл: {}", js_message(e)))
}

/// Starts saving `paper` as DOCX; `error` says why it failed, if it does.
fn save_in_background(paper: Paper, error: RwSignal<Option<String>>) {
    error.set(None);
    leptos::task::spawn_local(async move { error.set(download(paper).await.err()) });
}

/// The DOCX file of `paper`, written by the DOCX worker
/// (`public/docx-worker.js`, the engine's module: `src/bin/engine.rs`).
/// What goes to the worker and back is encoded as the engine's messages
/// are ([`shared::link`]), so that module carries no JSON code.
async fn write_docx(paper: &Paper) -> Result<Vec<u8>, String> {
    let message = js_sys::Uint8Array::from(&shared::link::encode(paper)[..]);
    let data = ask_docx_worker(&message.into()).await.map_err(|e| format!("DOCX не записан: {e}"))?;
    answer_bytes(&data, "bytes").ok_or_else(|| "DOCX не записан: модуль DOCX ответил непонятно".to_owned())
}

/// The records of the Word document `bytes` that `request` asks for,
/// read and recognised by the DOCX worker: a damaged or hostile file costs
/// the worker, never the screens.
pub async fn import_docx(
    bytes: &[u8],
    request: &shared::import::Request,
) -> Result<Vec<(shared::import::Found, Vec<shared::import::Found>)>, String> {
    let message = js_sys::Object::new();
    let request = js_sys::Uint8Array::from(&shared::link::encode(request)[..]);
    let set = |key: &str, value: &JsValue| js_sys::Reflect::set(&message, &key.into(), value).map(drop);
    set("file", &js_sys::Uint8Array::from(bytes).into()).and_then(|()| set("request", &request)).map_err(js_message)?;
    let data = ask_docx_worker(&message.into()).await?;
    let found = answer_bytes(&data, "found").ok_or_else(|| "модуль DOCX ответил непонятно".to_owned())?;
    shared::link::decode(&found).map_err(|e| e.to_string())
}

/// The bytes under `key` in the DOCX worker's answer `data`.
fn answer_bytes(data: &JsValue, key: &str) -> Option<Vec<u8>> {
    js_sys::Reflect::get(data, &key.into()).ok()?.dyn_into::<js_sys::Uint8Array>().ok().map(|b| b.to_vec())
}

/// Posts `message` to a new DOCX worker and waits for its answer (its
/// `{error}` as the error): one worker per request, ended when it has
/// answered.
async fn ask_docx_worker(message: &JsValue) -> Result<JsValue, String> {
    let not_started = |e: JsValue| format!("Модуль DOCX не запустился: {}", js_message(e));
    let worker = web_sys::Worker::new("/docx-worker.js").map_err(not_started)?;
    let (answer, answered) = futures_channel::oneshot::channel::<Result<JsValue, String>>();
    let answer = Rc::new(RefCell::new(Some(answer)));
    let reply = answer.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        let error = js_sys::Reflect::get(&data, &"error".into()).ok().and_then(|e| e.as_string());
        let result = match error {
            Some(error) => Err(error),
            None => Ok(data),
        };
        if let Some(reply) = reply.borrow_mut().take() {
            let _ = reply.send(result);
        }
    });
    // A worker that cannot load (offline before the app was kept for
    // offline use) or that fails (a file that exhausts it) reports a plain
    // `error` event.
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let message = e.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).filter(|m| !m.is_empty());
        if let Some(reply) = answer.borrow_mut().take() {
            let _ = reply.send(Err(format!(
                "Модуль DOCX не справился{}",
                message.map(|m| format!(": {m}")).unwrap_or_default()
            )));
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let result = match worker.post_message(message) {
        Ok(()) => answered.await.unwrap_or_else(|_| Err("модуль DOCX не ответил".into())),
        Err(e) => Err(not_started(e)),
    };
    worker.terminate();
    result
}

fn save_file(name: &str, bytes: &[u8]) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    save_blob(name, &web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?)
}

/// Hands `blob` to the browser as a download named `name`.
pub fn save_blob(name: &str, blob: &web_sys::Blob) -> Result<(), JsValue> {
    let url = web_sys::Url::create_object_url_with_blob(blob)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The download has its own reference to the blob by now.
    web_sys::Url::revoke_object_url(&url)?;
    Ok(())
}

/// «Печать» and «Скачать DOCX» for a document made by `make`.
#[component]
pub fn PaperActions(
    /// Makes the document.
    make: MakePaper,
    /// What the document is, on the buttons («протокол», «выписку»).
    #[prop(default = "")]
    what: &'static str,
    /// Test id prefix: `{testid}-print`, `{testid}-docx`.
    #[prop(default = "paper")]
    testid: &'static str,
) -> impl IntoView {
    let printing = expect_context::<Printing>();
    let error = RwSignal::new(None::<String>);
    let make = StoredValue::new_local(make);
    let suffix = if what.is_empty() { String::new() } else { format!(" {what}") };
    let print = move |_| match make.with_value(|m| m()) {
        Ok(paper) => {
            error.set(None);
            printing.0.set(Some(paper));
        }
        Err(e) => error.set(Some(e)),
    };
    let save = move |_| match make.with_value(|m| m()) {
        Ok(paper) => save_in_background(paper, error),
        Err(e) => error.set(Some(e)),
    };
    view! {
        <span class="paper-actions">
            <button data-testid=format!("{testid}-print") on:click=print>{format!("Печать{suffix}")}</button>
            <button data-testid=format!("{testid}-docx") on:click=save>{format!("DOCX{suffix}")}</button>
            {move || error.get().map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
        </span>
    }
}

/// The open document on A4 sheets, with «Печать», «Скачать DOCX» and
/// «Закрыть» above it (not printed).
#[component]
pub fn PrintView() -> impl IntoView {
    let printing = expect_context::<Printing>();
    let error = RwSignal::new(None::<String>);
    move || {
        printing.0.get().map(|paper| {
            let for_docx = paper.clone();
            view! {
                <div class="print-view" data-testid="print-view">
                    <div class="print-bar no-print">
                        <button class="primary" data-testid="print-now" on:click=move |_| print_page()>"Печать"</button>
                        <button data-testid="print-docx" on:click=move |_| save_in_background(for_docx.clone(), error)>"Скачать DOCX"</button>
                        <button data-testid="print-close" on:click=move |_| printing.0.set(None)>"Закрыть"</button>
                        <span class="muted">{paper.file_name.clone()}</span>
                        {move || error.get().map(|e| view! { <span class="field-error" role="alert">{e}</span> })}
                    </div>
                    <article class="a4" class:landscape=paper.landscape data-testid="sheet">{paper_view(&paper)}</article>
                </div>
            }
        })
    }
}

fn print_page() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

/// A document's blocks as HTML.
pub fn paper_view(paper: &Paper) -> impl IntoView + use<> {
    blocks_view(&paper.blocks)
}

/// Blocks as HTML (a whole document, or a section of one).
pub fn blocks_view(blocks: &[Block]) -> impl IntoView + use<> {
    blocks
        .iter()
        .map(|b| match b {
            Block::Para(p) => para_view(p).into_any(),
            Block::Table(t) => table_view(t).into_any(),
            Block::Chart(c) => chart_view(c).into_any(),
            Block::Gap => view! { <p class="gap">" "</p> }.into_any(),
            Block::PageBreak => view! { <div class="page-break"></div> }.into_any(),
        })
        .collect_view()
}

/// A bar chart: its title, then the drawing, which `shared` writes as SVG
/// from the figures alone (every label escaped).
pub fn chart_view(c: &Chart) -> impl IntoView + use<> {
    view! {
        <figure class="chart keep" data-testid="chart">
            <figcaption><b>{c.title.clone()}</b></figcaption>
            <div inner_html=c.svg()></div>
        </figure>
    }
}

fn para_view(p: &Para) -> impl IntoView + use<> {
    let spans = p
        .spans
        .iter()
        .map(|s| {
            let text = s.text.clone();
            match (s.bold, s.italic) {
                (true, _) => view! { <b>{text}</b> }.into_any(),
                (false, true) => view! { <i>{text}</i> }.into_any(),
                (false, false) => text.into_any(),
            }
        })
        .collect_view();
    view! {
        <p class=format!("align-{}", p.align.css()) class:indent=p.indent class:keep=p.keep_with_next>{spans}</p>
    }
}

fn table_view(t: &Table) -> impl IntoView + use<> {
    let total: u32 = t.widths.iter().sum::<u32>().max(1);
    let cols = t.widths.iter().map(|w| view! { <col style=format!("width: {}%", w * 100 / total) /> }).collect_view();
    let header_rows = t.header_rows;
    let row = |row: &Vec<Cell>, head: bool| {
        let cells = row
            .iter()
            .map(|c| {
                let paras = c.paras.iter().map(para_view).collect_view();
                if head {
                    view! { <th colspan=c.span>{paras}</th> }.into_any()
                } else {
                    view! { <td colspan=c.span>{paras}</td> }.into_any()
                }
            })
            .collect_view();
        view! { <tr>{cells}</tr> }
    };
    let head = t.rows.iter().take(header_rows).map(|r| row(r, true)).collect_view();
    let body = t.rows.iter().skip(header_rows).map(|r| row(r, false)).collect_view();
    view! {
        <table class:ruled=t.ruled class:layout=!t.ruled>
            <colgroup>{cols}</colgroup>
            <thead>{head}</thead>
            <tbody>{body}</tbody>
        </table>
    }
}
