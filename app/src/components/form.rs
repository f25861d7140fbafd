//! One form for every record: fields described as data, values kept as
//! typed, messages shown at each field. The record's own `validate` in
//! `shared` decides what is wrong; the form only shows it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use leptos::prelude::*;
use shared::{Change, DocKind, FieldErrors, Values};

use crate::ui::{Ui, as_seen, edit, seen_now};

/// A form's save under way: done once the device has kept the change, or
/// the messages to show.
pub type Saving = Pin<Box<dyn Future<Output = Result<(), FieldErrors>>>>;

/// Keeps a form's checked fields as `change` of the shown document of
/// `kind`; a form that did not pass its check answers with its messages.
pub fn keep<F>(ui: Ui, kind: DocKind, checked: Result<F, FieldErrors>, change: impl FnOnce(F) -> Change) -> Saving {
    match checked {
        Ok(fields) => {
            let edited = edit(ui, kind, change(fields));
            Box::pin(async move { edited.await.map_err(form_error) })
        }
        Err(errors) => at_once(Err(errors)),
    }
}

/// A save that is over as soon as it starts: the form's own checks, with
/// anything slower (a request to the server) reported elsewhere.
pub fn at_once(result: Result<(), FieldErrors>) -> Saving {
    Box::pin(std::future::ready(result))
}

/// `saved`, then the form closed (`open` set to false) once it is kept.
pub fn then_close(saved: Saving, open: RwSignal<bool>) -> Saving {
    Box::pin(async move {
        saved.await?;
        open.set(false);
        Ok(())
    })
}

/// A field of a form: a record's come from its field table in `shared`;
/// these build the ones known only at run time (a protocol's attendance,
/// a survey's questions).
pub use shared::fields::{Field as FieldSpec, Input};

/// A one-line text field.
pub fn text(name: impl Into<Arc<str>>, label: impl Into<Arc<str>>) -> FieldSpec {
    FieldSpec::new(name, label, Input::Text)
}

/// A multi-line text field.
pub fn area(name: impl Into<Arc<str>>, label: impl Into<Arc<str>>) -> FieldSpec {
    FieldSpec::new(name, label, Input::Area)
}

/// A date field.
pub fn date(name: impl Into<Arc<str>>, label: impl Into<Arc<str>>) -> FieldSpec {
    FieldSpec::new(name, label, Input::Date)
}

/// A choice from fixed (code, label) options.
pub fn select(name: &'static str, label: &'static str, options: Vec<(&'static str, &'static str)>) -> FieldSpec {
    let options = options.into_iter().map(|(c, l)| (c.to_owned(), l.to_owned())).collect();
    FieldSpec::new(name, label, Input::Select(options))
}

/// A choice from options known only at run time (schools, roles, a
/// survey's answers).
pub fn choice(name: impl Into<Arc<str>>, label: impl Into<Arc<str>>, options: Vec<(String, String)>) -> FieldSpec {
    FieldSpec::new(name, label, Input::Select(options))
}

/// A checkbox.
pub fn check(name: impl Into<Arc<str>>, label: impl Into<Arc<str>>) -> FieldSpec {
    FieldSpec::new(name, label, Input::Check)
}

/// Ticks for any of `options`, under one label.
pub fn checks(name: impl Into<Arc<str>>, label: impl Into<Arc<str>>, options: Vec<String>) -> FieldSpec {
    FieldSpec::new(name, label, Input::Checks(options))
}

/// A member picked from the list.
pub fn member(name: impl Into<Arc<str>>, label: impl Into<Arc<str>>) -> FieldSpec {
    FieldSpec::new(name, label, Input::Member)
}

/// The key of messages about the whole form rather than a field.
pub const FORM: &str = "form";

/// Turns an error sentence into form errors shown above the buttons.
pub fn form_error(message: String) -> FieldErrors {
    let mut e = FieldErrors::default();
    e.add(FORM, message);
    e
}

/// A record's form. `on_save` checks and keeps the values, or answers with
/// the messages to show (the form then stays open with what was typed);
/// «Сохранить» waits meanwhile, so a double press keeps one record. The
/// change is made to the records as the form showed them when it opened,
/// so a colleague's edit that arrived meanwhile survives the save.
#[component]
pub fn RecordForm(
    fields: Vec<FieldSpec>,
    initial: Values,
    on_save: Callback<Values, Saving>,
    /// «Отмена»: none for a form that stands on its own (joining, a new school).
    #[prop(optional)]
    on_cancel: Option<Callback<()>>,
    #[prop(default = "record-form")] testid: &'static str,
    #[prop(default = "save")] save_testid: &'static str,
    /// What pressing it does, where «Сохранить» would not say (joining:
    /// «Подключить устройство»).
    #[prop(default = "Сохранить")]
    save_label: &'static str,
) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let seen = seen_now(ui);
    // While a form is open, a new version of the app is not applied.
    ui.open_forms.update(|n| *n += 1);
    on_cleanup(move || {
        ui.open_forms.try_update(|n| *n = n.saturating_sub(1));
    });
    let values = RwSignal::new(initial);
    let errors = RwSignal::new(FieldErrors::default());
    let saving = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        saving.set(true);
        let saved = as_seen(&seen, || on_save.run(values.get_untracked()));
        leptos::task::spawn_local(async move {
            let outcome = saved.await;
            // The form may be gone by now: closed by the save itself.
            saving.try_set(false);
            errors.try_set(outcome.err().unwrap_or_default());
        });
    };
    view! {
        <form class="record-form" data-testid=testid on:submit=submit novalidate>
            {fields.into_iter().map(|f| field(f, values, errors)).collect_view()}
            <Show when=move || errors.with(|e| e.get(FORM).is_some())>
                <p class="field-error wide" role="alert" data-testid="error-form">
                    {move || errors.with(|e| e.get(FORM).map(str::to_owned))}
                </p>
            </Show>
            <div class="actions">
                <button type="submit" class="primary" data-testid=save_testid prop:disabled=move || saving.get()>{save_label}</button>
                {on_cancel.map(|cancel| view! { <button type="button" on:click=move |_| cancel.run(())>"Отмена"</button> })}
            </div>
        </form>
    }
}

fn field(f: FieldSpec, values: RwSignal<Values>, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let name = f.name;
    let current = {
        let name = name.clone();
        move || values.with(|v| v.get(&name).to_owned())
    };
    let set = {
        let name = name.clone();
        move |value: String| values.update(|v| v.set(&name, value))
    };
    let invalid = {
        let name = name.clone();
        move || errors.with(|e| e.get(&name).is_some())
    };
    let testid = format!("field-{name}");
    if let Input::Checks(options) = f.input {
        return checks_view(name, f.label, options, values, errors).into_any();
    }
    let wide = matches!(f.input, Input::Area);
    let is_check = matches!(f.input, Input::Check);
    let control = match f.input {
        Input::Text | Input::Date => view! {
            <input
                type="text"
                name=name.to_string()
                data-testid=testid
                placeholder=f.hint
                inputmode=if matches!(f.input, Input::Date) { "decimal" } else { "text" }
                class:invalid=invalid.clone()
                prop:value=current
                on:input=move |ev| set(event_target_value(&ev))
            />
        }
        .into_any(),
        Input::Area => view! {
            <textarea
                name=name.to_string()
                data-testid=testid
                rows="4"
                class:invalid=invalid.clone()
                prop:value=current
                on:input=move |ev| set(event_target_value(&ev))
            ></textarea>
        }
        .into_any(),
        Input::Check => view! {
            <input
                type="checkbox"
                name=name.to_string()
                data-testid=testid
                prop:checked={
                    let name = name.clone();
                    move || values.with(|v| v.flag(&name))
                }
                on:change=move |ev| set(event_target_checked(&ev).to_string())
            />
        }
        .into_any(),
        Input::Select(options) => options_select(name.clone(), testid, options, values).into_any(),
        Input::Checks(_) => ().into_any(),
        Input::Member => {
            let ui = expect_context::<Ui>();
            let options = Signal::derive(move || {
                ui.records.with(|r| {
                    let mut list = vec![(String::new(), "—".to_owned())];
                    if let Some(r) = r {
                        list.extend(r.active_members().iter().map(|m| (m.id.to_string(), m.full_name.clone())));
                    }
                    list
                })
            });
            view! {
                <select name=name.to_string() data-testid=testid on:change=move |ev| set(event_target_value(&ev))>
                    {move || {
                        options
                            .get()
                            .into_iter()
                            .map(|(code, label)| {
                                let selected = current.clone()() == code;
                                view! { <option value=code selected=selected>{label}</option> }
                            })
                            .collect_view()
                    }}
                </select>
            }
            .into_any()
        }
    };
    view! {
        <label class="field" class:wide=wide class:check=is_check>
            <span>{f.label.to_string()}</span>
            {control}
            {field_error(name, errors)}
        </label>
    }
    .into_any()
}

/// A field's message, once it has one.
fn field_error(name: Arc<str>, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let failed = {
        let name = name.clone();
        move || errors.with(|e| e.get(&name).is_some())
    };
    view! {
        <Show when=failed.clone()>
            <span class="field-error" data-testid=format!("error-{name}")>
                {
                    let name = name.clone();
                    move || errors.with(|e| e.get(&name).map(str::to_owned))
                }
            </span>
        </Show>
    }
}

/// A group of ticks, one field each (`{name}-1`, `{name}-2`, …), under
/// one label, with the group's message.
fn checks_view(
    name: Arc<str>,
    label: Arc<str>,
    options: Vec<String>,
    values: RwSignal<Values>,
    errors: RwSignal<FieldErrors>,
) -> impl IntoView {
    let ticks = options
        .into_iter()
        .enumerate()
        .map(|(k, option)| {
            let field: Arc<str> = format!("{name}-{}", k + 1).into();
            let (read, write) = (field.clone(), field.clone());
            view! {
                <label class="check-option">
                    <input
                        type="checkbox"
                        name=field.to_string()
                        data-testid=format!("field-{field}")
                        prop:checked=move || values.with(|v| v.flag(&read))
                        on:change=move |ev| values.update(|v| v.set(&write, event_target_checked(&ev).to_string()))
                    />
                    " "{option}
                </label>
            }
        })
        .collect_view();
    let testid = format!("field-{name}");
    view! {
        <fieldset class="field wide checks" data-testid=testid>
            <legend>{label.to_string()}</legend>
            {ticks}
            {field_error(name, errors)}
        </fieldset>
    }
}

fn options_select(
    name: Arc<str>,
    testid: String,
    options: Vec<(String, String)>,
    values: RwSignal<Values>,
) -> impl IntoView {
    let set = {
        let name = name.clone();
        move |ev| values.update(|v| v.set(&name, event_target_value(&ev)))
    };
    // A value the options lack (nothing chosen yet, or a name an older
    // record was written with) is shown as it is, not as the first option.
    let mut options = options;
    let current = values.with_untracked(|v| v.get(&name).to_owned());
    if !options.iter().any(|(code, _)| *code == current) {
        let label = if current.is_empty() { "— выберите —".to_owned() } else { current.clone() };
        options.insert(0, (current, label));
    }
    view! {
        <select name=name.to_string() data-testid=testid on:change=set>
            {options
                .into_iter()
                .map(|(code, label)| {
                    let (c, name) = (code.clone(), name.clone());
                    view! { <option value=code selected=move || values.with(|v| v.get(&name) == c)>{label}</option> }
                })
                .collect_view()}
        </select>
    }
}

/// A removal that asks first: «Удалить» → «Да, удалить» / «Отмена».
#[component]
pub fn RemoveButton(
    on_remove: Callback<()>,
    #[prop(default = "Удалить?")] question: &'static str,
    #[prop(default = "remove")] testid: &'static str,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    view! {
        <Show
            when=move || confirming.get()
            fallback=move || view! { <button data-testid=testid on:click=move |_| confirming.set(true)>"Удалить"</button> }
        >
            <span class="confirm">{question}" "</span>
            <button
                class="danger"
                data-testid="confirm-remove"
                on:click=move |_| {
                    confirming.set(false);
                    on_remove.run(());
                }
            >
                "Да, удалить"
            </button>
            <button on:click=move |_| confirming.set(false)>"Отмена"</button>
        </Show>
    }
}

/// A failed action's message, under the record it concerns.
pub fn error_line(error: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || error.with(Option::is_some)>
            <p class="field-error" role="alert">{move || error.get()}</p>
        </Show>
    }
}
