//! The методическая копилка: members' materials, searchable offline.

use std::rc::Rc;

use gloo_storage::{LocalStorage, Storage as _};
use leptos::prelude::*;
use shared::kopilka::{MaterialFields, MaterialKind, MaterialQuery, SharedMaterial};
use shared::record::{Record, RecordList};
use shared::text::fold;
use shared::{Change, DocKind, LibraryDoc};

use crate::components::files::{FileRow, MaterialFiles};
use crate::components::records::{RecordsSpec, list_edits, records_with};
use crate::pages::line;
use crate::ui::Ui;

/// Search and the catalogue.
#[component]
pub fn KopilkaPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let query = RwSignal::new(MaterialQuery::default());
    let (save, remove) = list_edits(ui, || DocKind::Library, |_, v| MaterialFields::validate(v), Change::Material);
    let spec = RecordsSpec {
        title: "Методическая копилка",
        kind: Signal::derive(|| DocKind::Library),
        list: "materials",
        parent: None,
        add_label: "Добавить материал",
        testid: "kopilka",
        empty: "Ничего не найдено.",
        writable: Signal::derive(move || ui.can_edit(DocKind::Library)),
        ids: Memo::new(move |_| {
            let q = query.get();
            ui.library.with(|l| l.as_ref().map(|l| l.search(&q).iter().map(|m| m.id).collect()).unwrap_or_default())
        })
        .into(),
        fields: Rc::new(|_| MaterialFields::form()),
        blank: Rc::new(MaterialFields::blank),
        values_of: Rc::new(move |id| {
            ui.library.with_untracked(|l| {
                l.as_ref().and_then(|l| l.materials.by_id(id)).map(|m| m.fields().to_values()).unwrap_or_default()
            })
        }),
        save,
        remove,
        render: Rc::new(move |id| {
            let Some(m) = ui.library.with(|l| l.as_ref().and_then(|l| l.materials.by_id(id).cloned())) else {
                return ().into_any();
            };
            let link = m.link.clone();
            let files = ui.school.get_untracked().map(|school| {
                let list = m.files.values().cloned().collect();
                let writable = ui.can_edit(DocKind::Library);
                view! { <MaterialFiles doc=LibraryDoc::id_for(&school) material=m.id list writable /> }
            });
            view! {
                <div class="name" data-testid="material-title">
                    {m.title.clone()}
                    {m.for_district.then(|| view! { <span class="badge" data-testid="for-district">" для района"</span> })}
                </div>
                <div class="details">{format!("{} · {} · {} · {}", m.author, m.kind.label(), m.classes_label(), m.area.label())}</div>
                <p class="prose">{m.description.as_str().to_owned()}</p>
                {line("Представлен", m.presented_at.clone())}
                {(!link.is_empty()).then(|| view! { <a href=link.clone() target="_blank" rel="noopener">"Открыть материал"</a> })}
                {files}
            }
            .into_any()
        }),
    };
    let set = move |f: fn(&mut MaterialQuery, String)| move |ev| query.update(|q| f(q, event_target_value(&ev)));
    let search = view! {
        <div class="search" data-testid="kopilka-search">
            <input type="search" placeholder="Поиск по словам" data-testid="search-words" on:input=set(|q, v| q.words = v) />
            <select data-testid="search-kind" on:change=set(|q, v| q.kind = MaterialKind::from_code(&v))>
                <option value="">"любой вид"</option>
                {MaterialKind::options().into_iter().map(|(c, l)| view! { <option value=c>{l}</option> }).collect_view()}
            </select>
            <select data-testid="search-class" on:change=set(|q, v| q.class = v.parse().ok())>
                <option value="">"любой класс"</option>
                {(1..=11).map(|c| view! { <option value=c.to_string()>{format!("{c} класс")}</option> }).collect_view()}
            </select>
            <input type="search" placeholder="Автор" data-testid="search-author" on:input=set(|q, v| q.author = v) />
        </div>
    };
    view! {
        {records_with(spec, search.into_any())}
        <DistrictKopilka />
    }
}

/// Where the district копилка last fetched is kept.
const KEPT_LIST: &str = "mo.district_kopilka";

/// The district копилка: what every school of the district shares «для
/// района», searched by words. It is read from the server, so it needs a
/// connection; the files a person fetches from it stay on the device.
#[component]
pub fn DistrictKopilka(
    /// A screen of its own (the district's), rather than a part of the
    /// school's копилка.
    #[prop(default = false)]
    page: bool,
) -> impl IntoView {
    // The last list fetched is kept, so it (and the files fetched from it)
    // opens offline.
    let list = RwSignal::new(LocalStorage::get::<Vec<SharedMaterial>>(KEPT_LIST).ok());
    let error = RwSignal::new(None::<String>);
    let words = RwSignal::new(String::new());
    let load = move |_| {
        error.set(None);
        leptos::task::spawn_local(async move {
            match crate::device::api_as::<Vec<SharedMaterial>>("GET", "/api/district/kopilka", None).await {
                Ok(shared) => {
                    let _ = LocalStorage::set(KEPT_LIST, &shared);
                    list.set(Some(shared));
                }
                Err(e) => error.set(Some(e.message())),
            }
        });
    };
    let shown = move || {
        let wanted = fold(&words.get());
        list.get().unwrap_or_default().into_iter().filter(move |m| {
            wanted
                .split_whitespace()
                .all(|w| [&m.title, &m.author, &m.description, &m.school].iter().any(|text| fold(text).contains(w)))
        })
    };
    view! {
        <section class="district-kopilka" data-testid="district-kopilka">
            {if page { view! { <h1>"Районная копилка"</h1> }.into_any() } else { view! { <h2>"Районная копилка"</h2> }.into_any() }}
            <p class="muted">"Материалы, которые школы района отметили «для района»."</p>
            <div class="search">
                <button data-testid="district-kopilka-load" on:click=load>"Показать материалы школ района"</button>
                <input type="search" placeholder="Поиск по словам" data-testid="district-search" on:input=move |ev| words.set(event_target_value(&ev)) />
            </div>
            <Show when=move || error.with(Option::is_some)>
                <p class="field-error" role="alert" data-testid="district-kopilka-error">{move || error.get()}</p>
            </Show>
            <ul class="records">
                {move || {
                    shown()
                        .map(|m| {
                            let doc = m.library;
                            view! {
                                <li class="record" data-testid="district-material">
                                    <div class="name" data-testid="district-material-title">{m.title.clone()}</div>
                                    <div class="details">{format!("{} · {} · {} · {} · {}", m.school, m.author, m.kind, m.classes, m.area)}</div>
                                    <p class="prose">{m.description.clone()}</p>
                                    <ul class="files">
                                        {m.files.into_iter().map(|file| view! { <FileRow doc file /> }).collect_view()}
                                    </ul>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}
