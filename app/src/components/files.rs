//! A material's files on its card: what the device holds of each, opening
//! one that is whole, fetching one that is not, attaching and detaching.

use leptos::prelude::*;
use shared::files::{Attachment, size_label};
use shared::{Change, DocKind, DocumentId};
use uuid::Uuid;

use crate::files::{self, Held};
use crate::ui::{Ui, edit};

/// One file: its name, size and state on this device, and what can be done.
#[component]
pub fn FileRow(
    /// The library that lists it.
    doc: DocumentId,
    /// The file.
    file: Attachment,
    /// Detaches it from its material, for those who may.
    #[prop(default = None)]
    detach: Option<Callback<()>>,
) -> impl IntoView {
    let held = RwSignal::new(Held::Nothing);
    let error = RwSignal::new(None::<String>);
    let fetching = RwSignal::new(false);
    {
        let file = file.clone();
        Effect::new(move |_| {
            files::changed().track();
            let file = file.clone();
            leptos::task::spawn_local(async move {
                let now = files::held(&file).await;
                if !fetching.get_untracked() {
                    held.try_set(now);
                }
            });
        });
    }
    let state = move || match held.get() {
        Held::Whole => "на устройстве".to_owned(),
        Held::Part(p) => format!("загружено {p}%"),
        Held::Nothing => "не загружен на это устройство".to_owned(),
    };
    let open = {
        let file = file.clone();
        move |_| {
            let file = file.clone();
            leptos::task::spawn_local(async move { error.set(files::open(&file).await.err()) });
        }
    };
    let fetch = {
        let file = file.clone();
        move |_| {
            let file = file.clone();
            fetching.set(true);
            error.set(None);
            leptos::task::spawn_local(async move {
                let outcome = files::fetch(doc, &file, true, |p| held.set(Held::Part(p))).await;
                fetching.set(false);
                match outcome {
                    Ok(()) => held.set(Held::Whole),
                    Err(e) => {
                        error.set(Some(e));
                        held.set(files::held(&file).await);
                    }
                }
            });
        }
    };
    let size = size_label(file.size);
    view! {
        <li class="file" data-testid="file">
            <span class="name" data-testid="file-name">{file.name.clone()}</span>
            <span class="muted">{format!(" · {size} · ")}</span>
            <span data-testid="file-state">{state}</span>
            <Show
                when=move || held.get() == Held::Whole
                fallback=move || {
                    view! {
                        <button data-testid="fetch-file" prop:disabled=move || fetching.get() on:click=fetch.clone()>
                            {move || if matches!(held.get(), Held::Part(_)) { "Догрузить" } else { "Загрузить на устройство" }}
                        </button>
                    }
                }
            >
                <button data-testid="open-file" on:click=open.clone()>"Открыть"</button>
            </Show>
            {detach.map(|d| view! { <button data-testid="detach-file" on:click=move |_| d.run(())>"Открепить"</button> })}
            <Show when=move || error.with(Option::is_some)>
                <span class="field-error" role="alert" data-testid="file-error">{move || error.get()}</span>
            </Show>
        </li>
    }
}

/// A material's files, and (for those who may edit) «Прикрепить файл».
#[component]
pub fn MaterialFiles(
    /// The library that lists the material.
    doc: DocumentId,
    /// The material.
    material: Uuid,
    /// Its files.
    list: Vec<Attachment>,
    /// Whether this device may attach and detach.
    writable: bool,
) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let attach = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let picked: Vec<web_sys::File> =
            input.files().map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect()).unwrap_or_default();
        input.set_value("");
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            for file in picked {
                // Kept on the device first; sent, when there is a
                // connection, before the material lists it, so other
                // devices do not ask the server for it too early.
                let kept = match files::keep_picked(&file, doc).await {
                    Ok(attachment) => {
                        files::upload_pending().await;
                        edit(ui, DocKind::Library, Change::AttachFile { material, file: attachment }).await
                    }
                    Err(e) => Err(e),
                };
                if let Err(e) = kept {
                    error.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    let rows = list
        .into_iter()
        .map(|file| {
            let hash = file.hash.clone();
            let detach = writable.then(|| {
                Callback::new(move |()| {
                    let change = Change::DetachFile { material, hash: hash.clone() };
                    crate::ui::edit_showing(ui, DocKind::Library, change, error);
                })
            });
            view! { <FileRow doc file detach /> }
        })
        .collect_view();
    view! {
        <ul class="files" data-testid="material-files">{rows}</ul>
        <Show when=move || writable>
            <label class="attach">
                {move || if busy.get() { "Сохраняется…" } else { "Прикрепить файл (DOCX, PDF, PPTX, изображение, до 20 МБ)" }}
                <input
                    type="file"
                    multiple
                    accept=".docx,.pdf,.pptx,image/png,image/jpeg,image/gif,image/webp"
                    data-testid="attach-file"
                    on:change=attach
                />
            </label>
        </Show>
        <Show when=move || error.with(Option::is_some)>
            <p class="field-error" role="alert" data-testid="attach-error">{move || error.get()}</p>
        </Show>
    }
}
