//! The form that adds or edits a member, with messages at each field.

use leptos::prelude::*;
use shared::member::{Field, MemberFields};
use shared::{Category, Education, MemberDraft, ValidationErrors};

/// A member form. `on_save` gets checked fields and answers with an error
/// message if it could not keep them (the form then stays open).
#[component]
pub fn MemberForm(
    initial: MemberDraft,
    on_save: Callback<MemberFields, Result<(), String>>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let draft = RwSignal::new(initial);
    let errors = RwSignal::new(ValidationErrors::default());
    let save_error = RwSignal::new(None::<String>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match draft.get_untracked().validate() {
            Ok(fields) => {
                errors.set(ValidationErrors::default());
                match on_save.run(fields) {
                    Ok(()) => save_error.set(None),
                    Err(message) => save_error.set(Some(message)),
                }
            }
            Err(e) => errors.set(e),
        }
    };

    let education: Vec<(&'static str, &'static str)> = Education::ALL.iter().map(|e| (e.code(), e.label())).collect();
    let category: Vec<(&'static str, &'static str)> = Category::ALL.iter().map(|c| (c.code(), c.label())).collect();

    view! {
        <form class="member-form" data-testid="member-form" on:submit=submit novalidate>
            {text_input("ФИО", "full_name", Field::FullName, draft, errors, |d| &mut d.full_name)}
            {text_input("Должность", "position", Field::Position, draft, errors, |d| &mut d.position)}
            {text_input("Класс (например, 7Б)", "class_led", Field::ClassLed, draft, errors, |d| &mut d.class_led)}
            {select_input("Образование", "education", Field::Education, education, draft, errors, |d| &mut d.education)}
            {select_input("Квалификационная категория", "category", Field::Category, category, draft, errors, |d| &mut d.category)}
            {text_input("Педагогический стаж, лет", "experience_years", Field::Experience, draft, errors, |d| &mut d.experience_years)}
            <Show when=move || save_error.with(Option::is_some)>
                <p class="field-error" role="alert">{move || save_error.get()}</p>
            </Show>
            <div class="actions">
                <button type="submit" class="primary" data-testid="save-member">"Сохранить"</button>
                <button type="button" on:click=move |_| on_cancel.run(())>"Отмена"</button>
            </div>
        </form>
    }
}

type FieldRef = fn(&mut MemberDraft) -> &mut String;

fn text_input(
    label: &'static str,
    name: &'static str,
    field: Field,
    draft: RwSignal<MemberDraft>,
    errors: RwSignal<ValidationErrors>,
    value: FieldRef,
) -> impl IntoView {
    let current = move || draft.with(|d| value(&mut d.clone()).clone());
    view! {
        <label class="field">
            <span>{label}</span>
            <input
                type="text"
                name=name
                data-testid=format!("field-{name}")
                class:invalid=move || errors.with(|e| e.get(field).is_some())
                prop:value=current
                on:input=move |ev| draft.update(|d| *value(d) = event_target_value(&ev))
            />
            {field_error(name, field, errors)}
        </label>
    }
}

fn select_input(
    label: &'static str,
    name: &'static str,
    field: Field,
    options: Vec<(&'static str, &'static str)>,
    draft: RwSignal<MemberDraft>,
    errors: RwSignal<ValidationErrors>,
    value: FieldRef,
) -> impl IntoView {
    let current = move || draft.with(|d| value(&mut d.clone()).clone());
    view! {
        <label class="field">
            <span>{label}</span>
            <select
                name=name
                data-testid=format!("field-{name}")
                on:change=move |ev| draft.update(|d| *value(d) = event_target_value(&ev))
            >
                {options
                    .into_iter()
                    .map(|(code, text)| view! { <option value=code selected=move || current() == code>{text}</option> })
                    .collect_view()}
            </select>
            {field_error(name, field, errors)}
        </label>
    }
}

fn field_error(name: &'static str, field: Field, errors: RwSignal<ValidationErrors>) -> impl IntoView {
    view! {
        <Show when=move || errors.with(|e| e.get(field).is_some())>
            <span class="field-error" data-testid=format!("error-{name}")>{move || errors.with(|e| e.get(field))}</span>
        </Show>
    }
}
