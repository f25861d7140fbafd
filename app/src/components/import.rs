//! «Загрузить из Word»: a plan, a protocol or a member list read from a
//! `.docx` (in the DOCX worker, offline), each record it holds shown as its
//! form filled with what was recognised, beside the text it came from.
//! Nothing is saved until the person saves a record's form; «Отмена» skips
//! it.

use leptos::prelude::*;
use shared::import::{self, Found};
use shared::plan::PlanFields;
use shared::protocol::AgendaFields;
use shared::record::Edit;
use shared::{Change, DocKind, FieldErrors, MemberFields, Values};
use uuid::Uuid;

use crate::components::form::{FieldSpec, RecordForm, Saving, at_once, keep};
use crate::pages::year_kind;
use crate::ui::Ui;

/// What a screen imports: the kind of record the DOCX worker looks for.
pub use shared::import::What as Importing;

/// The document a record of `what` goes into.
fn kind_of(what: Importing, ui: Ui) -> DocKind {
    match what {
        Importing::Members => DocKind::Association,
        Importing::Plan | Importing::Protocol => year_kind(ui),
    }
}

/// The form a found record of `what` is checked in.
fn fields_of(what: Importing, ui: Ui) -> Vec<FieldSpec> {
    match what {
        Importing::Members => MemberFields::form(),
        Importing::Plan => PlanFields::form().into_iter().filter(|f| &*f.name != "responsible_name").collect(),
        Importing::Protocol => crate::pages::protocols::header_fields(ui, None),
    }
}

/// The empty form the found values of `what` fill.
fn blank_of(what: Importing) -> Values {
    match what {
        Importing::Members => MemberFields::blank(),
        Importing::Plan => PlanFields::blank(),
        Importing::Protocol => Values::default(),
    }
}

/// A record found, waiting for the person.
#[derive(Clone)]
struct Waiting {
    key: usize,
    found: Found,
    /// A protocol's agenda questions.
    items: Vec<Found>,
}

/// The members as (id, ФИО), for the names a document mentions.
fn people(ui: Ui) -> Vec<(Uuid, String)> {
    ui.records.with_untracked(|r| {
        r.as_ref().map(|r| r.active_members().iter().map(|m| (m.id, m.full_name.clone())).collect()).unwrap_or_default()
    })
}

/// The records of the `.docx` file `bytes`, recognised in the DOCX worker.
async fn recognise(what: Importing, ui: Ui, bytes: &[u8]) -> Result<Vec<Waiting>, String> {
    let request = import::Request { what, year: ui.year.get_untracked(), members: people(ui) };
    let found = crate::print::import_docx(bytes, &request).await?;
    if found.is_empty() {
        return Err(match what {
            Importing::Members => "В документе не найдена таблица со списком (нужен столбец «ФИО»)",
            Importing::Plan => "В документе не найдена таблица плана (нужен столбец «Мероприятие» или «Тема»)",
            Importing::Protocol => "В документе не найден протокол (нужна строка «Протокол № …»)",
        }
        .to_owned());
    }
    Ok(found.into_iter().enumerate().map(|(key, (found, items))| Waiting { key, found, items }).collect())
}

/// «Загрузить из Word» and the records found, for the screen of `what`.
#[component]
pub fn ImportFromWord(what: Importing) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let waiting = RwSignal::new(Vec::<Waiting>::new());
    let error = RwSignal::new(None::<String>);
    let reading = RwSignal::new(false);
    let pick = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|l| l.get(0)) else { return };
        input.set_value("");
        reading.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let read = async {
                // A file too big is refused before it is read into memory.
                import::docx::check_size(file.size() as usize)?;
                let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
                    .await
                    .map_err(|_| "Файл не читается".to_owned())?;
                recognise(what, ui, &js_sys::Uint8Array::new(&buffer).to_vec()).await
            };
            match read.await {
                Ok(found) => waiting.set(found),
                Err(e) => error.set(Some(e)),
            }
            reading.set(false);
        });
    };
    let done = move |key: usize| waiting.update(|w| w.retain(|x| x.key != key));
    view! {
        <Show when=move || ui.can_edit(kind_of(what, ui))>
            <label class="attach no-print">
                {move || if reading.get() { "Читается…" } else { "Загрузить из Word (.docx)" }}
                <input type="file" accept=".docx" data-testid="import-docx" on:change=pick />
            </label>
        </Show>
        <Show when=move || error.with(Option::is_some)>
            <p class="field-error" role="alert" data-testid="import-error">{move || error.get()}</p>
        </Show>
        <Show when=move || !waiting.with(Vec::is_empty)>
            <section class="import" data-testid="import-preview">
                <h2>"Распознано в документе"</h2>
                <p class="muted">
                    "Проверьте каждую запись: слева — как она записана в документе. «Сохранить» добавляет запись, «Отмена» её пропускает."
                </p>
                <For each=move || waiting.get() key=|w| w.key let:w>
                    {preview(what, ui, w, done)}
                </For>
            </section>
        </Show>
    }
}

fn preview(what: Importing, ui: Ui, w: Waiting, done: impl Fn(usize) + Copy + Send + Sync + 'static) -> impl IntoView {
    let key = w.key;
    let fields = fields_of(what, ui);
    let labels: Vec<String> = w
        .found
        .missing
        .iter()
        .map(|name| fields.iter().find(|f| *f.name == **name).map_or_else(|| name.clone(), |f| f.label.to_string()))
        .collect();
    let mut initial = blank_of(what);
    for (k, v) in w.found.values.pairs() {
        initial.set(k, v);
    }
    let items = w.items.clone();
    let save = Callback::new(move |values: Values| -> Saving {
        let saved = match what {
            Importing::Members => {
                keep(ui, DocKind::Association, MemberFields::validate(&values), |f| Change::Member(Edit::Add(f)))
            }
            Importing::Plan => {
                keep(ui, kind_of(what, ui), PlanFields::validate(&values, ui.year.get_untracked()), |f| {
                    Change::PlanRow(Edit::Add(f))
                })
            }
            Importing::Protocol => {
                let items: Vec<AgendaFields> =
                    items.iter().filter_map(|i| AgendaFields::validate(&i.values).ok()).collect();
                match crate::pages::protocols::validate_header(ui, None, &values) {
                    Ok(protocol) => keep(ui, kind_of(what, ui), Ok::<_, FieldErrors>(protocol), move |protocol| {
                        Change::ImportProtocol { protocol, items }
                    }),
                    Err(e) => at_once(Err(e)),
                }
            }
        };
        Box::pin(async move {
            saved.await?;
            done(key);
            Ok(())
        })
    });
    let agenda = w.items.iter().enumerate().map(|(n, i)| {
        let v = &i.values;
        view! {
            <li data-testid="import-item">
                <b>{format!("{}. {}", n + 1, v.get("topic"))}</b>
                <div>{format!("СЛУШАЛИ: {}", v.get("heard"))}</div>
                {(!v.get("spoke").is_empty()).then(|| view! { <div>{format!("ВЫСТУПИЛИ: {}", v.get("spoke"))}</div> })}
                <div>{format!("РЕШИЛИ: {}", v.get("decided"))}</div>
            </li>
        }
    }).collect_view();
    view! {
        <div class="import-record record" data-testid="import-record">
            <pre class="source" data-testid="import-source">{w.found.source.clone()}</pre>
            {(!labels.is_empty()).then(|| view! {
                <p class="field-error" data-testid="import-missing">{format!("Не распознано: {}", labels.join(", "))}</p>
            })}
            <RecordForm
                fields
                initial
                on_save=save
                on_cancel=Callback::new(move |()| done(key))
                testid="import-form"
            />
            {(!w.items.is_empty()).then(|| view! { <ol class="import-agenda">{agenda}</ol> })}
        </div>
    }
}
