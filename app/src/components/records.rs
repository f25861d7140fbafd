//! A screen's list of records of one kind: a heading with «Добавить», the
//! add form, and a card per record that shows it, edits it in place and
//! removes it after asking. Each screen says what its records look like; the
//! list does the rest the same way everywhere.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;
use shared::record::Edit;
use shared::{Change, DocKind, FieldErrors, Values};
use uuid::Uuid;

use crate::components::form::{FieldSpec, RecordForm, RemoveButton, Saving, error_line, keep, then_close};
use crate::components::history::{HistoryButton, RemovedList};
use crate::ui::{Ui, edit, show_outcome};

/// A change under way: done once the device has kept it, or why not.
pub type Pending = Pin<Box<dyn Future<Output = Result<(), String>>>>;
/// [`RecordsSpec::save`]: checks a form and keeps it, new when the id is `None`.
pub type Save = Rc<dyn Fn(Option<Uuid>, Values) -> Saving>;
/// [`RecordsSpec::remove`]: removes a record, or says why not.
pub type Remove = Rc<dyn Fn(Uuid) -> Pending>;

/// The save and remove of a list whose records live in the document `kind`
/// names: `validate` checks a form (for the record with this id, or a new
/// one), `change` names the edit of the list (`Change::PlanRow`, …).
pub fn list_edits<F: 'static>(
    ui: Ui,
    kind: impl Fn() -> DocKind + 'static,
    validate: impl Fn(Option<Uuid>, &Values) -> Result<F, FieldErrors> + 'static,
    change: impl Fn(Edit<F>) -> Change + 'static,
) -> (Save, Remove) {
    let (kind, change) = (Rc::new(kind), Rc::new(change));
    let save = {
        let (kind, change) = (kind.clone(), change.clone());
        move |id, values: Values| -> Saving { keep(ui, kind(), validate(id, &values), |f| change(Edit::save(id, f))) }
    };
    let remove = move |id| -> Pending { Box::pin(edit(ui, kind(), change(Edit::Remove(id)))) };
    (Rc::new(save), Rc::new(remove))
}

/// What a screen tells the list about its records.
#[derive(Clone)]
pub struct RecordsSpec {
    /// «План работы».
    pub title: &'static str,
    /// «Добавить мероприятие».
    pub add_label: &'static str,
    /// Test id of the section; rows are `{testid}-row`.
    pub testid: &'static str,
    /// Shown when there are none.
    pub empty: &'static str,
    /// Whether the document may be changed now.
    pub writable: Signal<bool>,
    /// The records to show, in order.
    pub ids: Signal<Vec<Uuid>>,
    /// The form's fields, for the record with this id or a new one.
    pub fields: Rc<dyn Fn(Option<Uuid>) -> Vec<FieldSpec>>,
    /// A new record's form values.
    pub blank: Rc<dyn Fn() -> Values>,
    /// A record's form values.
    pub values_of: Rc<dyn Fn(Uuid) -> Values>,
    /// Checks and keeps a form: new when the id is `None`.
    pub save: Save,
    /// Removes a record.
    pub remove: Remove,
    /// The card's contents.
    pub render: Rc<dyn Fn(Uuid) -> AnyView>,
    /// The document the records are in.
    pub kind: Signal<DocKind>,
    /// The list's key in the document (`protocols`, `plan`, …), for its
    /// removed records.
    pub list: &'static str,
    /// The record whose list this is (a protocol's agenda), if any.
    pub parent: Option<Uuid>,
}

type Spec = StoredValue<RecordsSpec, LocalStorage>;

/// The heading, the add form and the cards.
pub fn records(spec: RecordsSpec) -> impl IntoView {
    records_with(spec, ().into_any())
}

/// [`records`] with the screen's `tools` (a search, «Загрузить из Word»)
/// under the heading, before the list they work on.
pub fn records_with(spec: RecordsSpec, tools: AnyView) -> impl IntoView {
    let adding = RwSignal::new(false);
    let (writable, ids, title, add_label, testid, empty) =
        (spec.writable, spec.ids, spec.title, spec.add_label, spec.testid, spec.empty);
    let (kind, list, parent) = (spec.kind, spec.list, spec.parent);
    let spec: Spec = StoredValue::new_local(spec);
    let add_form = move || {
        view! {
            <RecordForm
                fields=spec.with_value(|s| (s.fields)(None))
                initial=spec.with_value(|s| (s.blank)())
                on_save=Callback::new(move |values| then_close(spec.with_value(|s| (s.save)(None, values)), adding))
                on_cancel=Callback::new(move |()| adding.set(false))
                testid="add-form"
            />
        }
    };
    view! {
        <section class="records" data-testid=testid>
            <div class="section-head">
                <h1>{title}</h1>
                <span class="count">{move || ids.with(Vec::len)}</span>
                <Show when=move || writable.get() && !adding.get()>
                    <button class="primary" data-testid="add" on:click=move |_| adding.set(true)>{add_label}</button>
                </Show>
            </div>
            {tools}
            <Show when=move || adding.get()>{add_form}</Show>
            <Show when=move || !ids.with(Vec::is_empty) fallback=move || view! { <p class="muted">{empty}</p> }>
                <ul class="record-list">
                    <For each=move || ids.get() key=|id| *id let:id>
                        {card(spec, id, writable, testid)}
                    </For>
                </ul>
            </Show>
            <RemovedList kind list parent writable />
        </section>
    }
}

fn card(spec: Spec, id: Uuid, writable: Signal<bool>, testid: &'static str) -> impl IntoView {
    let editing = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let remove = Callback::new(move |()| show_outcome(error, spec.with_value(|s| (s.remove)(id))));
    view! {
        <li class="record" data-testid=format!("{testid}-row") data-id=id.to_string()>
            <Show
                when=move || editing.get()
                fallback=move || {
                    view! {
                        {move || spec.with_value(|s| (s.render)(id))}
                        <div class="actions">
                            <Show when=move || writable.get()>
                                <button data-testid="edit" on:click=move |_| editing.set(true)>"Изменить"</button>
                                <RemoveButton on_remove=remove />
                            </Show>
                            <HistoryButton kind=spec.with_value(|s| s.kind) id />
                        </div>
                        {error_line(error)}
                    }
                }
            >
                <RecordForm
                    fields=spec.with_value(|s| (s.fields)(Some(id)))
                    initial=spec.with_value(|s| (s.values_of)(id))
                    on_save=Callback::new(move |values| then_close(spec.with_value(|s| (s.save)(Some(id), values)), editing))
                    on_cancel=Callback::new(move |()| editing.set(false))
                    testid="edit-form"
                />
            </Show>
        </li>
    }
}
