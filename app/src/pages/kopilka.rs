//! The методическая копилка: members' materials, searchable offline.

use std::rc::Rc;

use leptos::prelude::*;
use shared::kopilka::{MaterialFields, MaterialKind, MaterialQuery};
use shared::record::{Record, RecordList};
use shared::{Change, DocKind};

use crate::components::records::{RecordsSpec, list_edits, records};
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
            view! {
                <div class="name" data-testid="material-title">{m.title.clone()}</div>
                <div class="details">{format!("{} · {} · {} · {}", m.author, m.kind.label(), m.classes_label(), m.area.label())}</div>
                <p class="prose">{m.description.as_str().to_owned()}</p>
                {line("Представлен", m.presented_at.clone())}
                {(!link.is_empty()).then(|| view! { <a href=link.clone() target="_blank" rel="noopener">"Открыть материал"</a> })}
            }
            .into_any()
        }),
    };
    let set = move |f: fn(&mut MaterialQuery, String)| move |ev| query.update(|q| f(q, event_target_value(&ev)));
    view! {
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
        {records(spec)}
    }
}
