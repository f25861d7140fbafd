//! «История» of a record and the list of removed records with
//! «Восстановить»: the same for every list.

use leptos::prelude::*;
use shared::history::Happened;
use shared::link::HistoryLine;
use shared::{Change, DocKind};
use uuid::Uuid;

use crate::client;
use crate::components::form::error_line;
use crate::ui::{Ui, edit_showing};

/// «История»: asks the engine for the record's changes when pressed and
/// shows them, newest first: when, whose device, what it did, field by field.
#[component]
pub fn HistoryButton(kind: Signal<DocKind>, id: Uuid) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let open = RwSignal::new(false);
    let lines = RwSignal::new(None::<Result<Vec<HistoryLine>, String>>);
    let toggle = move |_| {
        if open.get_untracked() {
            open.set(false);
            return;
        }
        open.set(true);
        lines.set(None);
        let Some(doc) = ui.doc_id(kind.get_untracked()) else {
            lines.set(Some(Err("Записи ещё загружаются, повторите через секунду".into())));
            return;
        };
        leptos::task::spawn_local(async move {
            lines.try_set(Some(client::history(doc, id).await));
        });
    };
    view! {
        <button data-testid="history" on:click=toggle>"История"</button>
        <Show when=move || open.get()>
            <ol class="history" data-testid="history-list">
                {move || match lines.get() {
                    None => view! { <li class="muted">"Загрузка…"</li> }.into_any(),
                    Some(Err(e)) => view! { <li class="field-error">{e}</li> }.into_any(),
                    Some(Ok(lines)) => lines.into_iter().rev().map(line).collect_view().into_any(),
                }}
            </ol>
        </Show>
    }
}

fn line(l: HistoryLine) -> impl IntoView {
    let when = local_time(l.stored_ms.unwrap_or(l.entry.made_ms));
    let who = l.who.unwrap_or_else(|| "автор станет известен, когда изменение дойдёт до сервера".into());
    let fields: Vec<String> = l.entry.labelled().iter().map(|(label, value)| format!("{label}: {value}")).collect();
    let happened = l.entry.happened;
    view! {
        <li data-testid="history-line" class:removal=happened == Happened::Removed>
            <span class="when">{when}</span>
            " · "
            <span data-testid="history-who">{who}</span>
            " · "
            <strong data-testid="history-what">{happened.label()}</strong>
            {(!fields.is_empty()).then(|| format!(": {}", fields.join("; ")))}
        </li>
    }
}

/// «ДД.ММ.ГГГГ ЧЧ:ММ» in the device's time zone.
fn local_time(ms: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:02}.{:02}.{} {:02}:{:02}",
        d.get_date(),
        d.get_month() + 1,
        d.get_full_year(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// The removed records of `list` (under `parent`), each with its history
/// and «Восстановить» where the device may change the document.
#[component]
pub fn RemovedList(
    kind: Signal<DocKind>,
    list: &'static str,
    parent: Option<Uuid>,
    writable: Signal<bool>,
) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let removed = Memo::new(move |_| ui.removed_in(kind.get(), list, parent));
    let shown = RwSignal::new(false);
    view! {
        <Show when=move || !removed.with(Vec::is_empty)>
            <div class="removed" data-testid=format!("removed-{list}")>
                <button class="link" data-testid="show-removed" on:click=move |_| shown.update(|s| *s = !*s)>
                    {move || format!("Удалённые записи ({})", removed.with(Vec::len))}
                </button>
                <Show when=move || shown.get()>
                    <ul>
                        <For each=move || removed.get() key=|r| r.id let:r>
                            {
                                let error = RwSignal::new(None::<String>);
                                let id = r.id;
                                view! {
                                    <li data-testid="removed-row">
                                        <span data-testid="removed-title">{r.title.clone()}</span>
                                        <Show when=move || writable.get()>
                                            <button
                                                data-testid="restore"
                                                on:click=move |_| edit_showing(ui, kind.get_untracked(), Change::Restore(id), error)
                                            >
                                                "Восстановить"
                                            </button>
                                        </Show>
                                        <HistoryButton kind id />
                                        {error_line(error)}
                                    </li>
                                }
                            }
                        </For>
                    </ul>
                </Show>
            </div>
        </Show>
    }
}
