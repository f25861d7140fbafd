//! The profile for the chosen year: a school МО's methodical theme, goal,
//! tasks and head; the district РМО's theme, goal and tasks with the names
//! its papers are signed with.

use leptos::prelude::*;
use shared::profile::{ProfileFields, RmoProfileFields};
use shared::{Change, DocKind, Values};

use crate::components::form::{FieldSpec, RecordForm, Saving, keep, then_close};
use crate::pages::{district_kind, name_of, year_kind};
use crate::ui::Ui;

/// A profile as shown: (label, text, test id) lines, and the tasks.
type Shown = (Vec<(&'static str, String, &'static str)>, Vec<String>);

/// What one profile screen shows and keeps.
#[derive(Clone, Copy)]
struct ProfileOf {
    /// The heading, for the chosen year.
    title: fn(Ui) -> String,
    /// The document the profile is in.
    kind: fn(Ui) -> DocKind,
    /// The profile as shown: (label, text, test id) lines, the tasks as a
    /// list; `None` while it loads.
    lines: fn(Ui) -> Option<Shown>,
    /// The form's fields.
    fields: fn() -> Vec<FieldSpec>,
    /// The form's values, from the profile as read.
    values: fn(Ui) -> Values,
    /// Checks and keeps the form.
    save: fn(Ui, Values) -> Saving,
}

/// A school МО's profile.
#[component]
pub fn ProfilePage() -> impl IntoView {
    profile_page(ProfileOf {
        title: |ui| format!("Методическая тема, цель и задачи на {} учебный год", ui.year.get()),
        kind: year_kind,
        lines: |ui| {
            let p = ui.year_doc.with(|y| y.as_ref().map(|y| y.profile.clone()))?;
            let lines = vec![
                ("Методическая тема", said(p.theme.as_str(), "не указана"), "profile-theme"),
                ("Цель", said(p.goal.as_str(), "не указана"), "profile-goal"),
                ("Руководитель МО", name_of(ui, p.head), "profile-head"),
            ];
            Some((lines, p.task_list()))
        },
        fields: ProfileFields::form,
        values: |ui| ui.year_doc.with_untracked(|y| y.as_ref().map(|y| y.profile.to_values()).unwrap_or_default()),
        save: |ui, values| keep(ui, year_kind(ui), ProfileFields::validate(&values), Change::Profile),
    })
}

/// The district РМО's profile, and who signs its plan and analysis.
#[component]
pub fn RmoProfilePage() -> impl IntoView {
    profile_page(ProfileOf {
        title: |ui| format!("Методическая тема, цель и задачи РМО на {} учебный год", ui.year.get()),
        kind: district_kind,
        lines: |ui| {
            let p = ui.rmo_profile.get()?;
            let lines = vec![
                ("Методическая тема", said(p.theme.as_str(), "не указана"), "profile-theme"),
                ("Цель", said(p.goal.as_str(), "не указана"), "profile-goal"),
                ("Руководитель РМО", said(&p.head, "не указан"), "profile-head"),
                (
                    "Руководитель районного методического кабинета (СОГЛАСОВАНО)",
                    said(&p.cabinet_head, "не указан"),
                    "cabinet-head",
                ),
                ("Начальник Отдела образования (УТВЕРЖДАЮ)", said(&p.department_head, "не указан"), "department-head"),
            ];
            Some((lines, p.task_list()))
        },
        fields: RmoProfileFields::form,
        values: |ui| ui.rmo_profile.with_untracked(|p| p.as_ref().map(|p| p.to_values()).unwrap_or_default()),
        save: |ui, values| keep(ui, district_kind(ui), RmoProfileFields::validate(&values), Change::RmoProfile),
    })
}

/// `text` as written, or `none` when nothing is.
fn said(text: &str, none: &str) -> String {
    if text.trim().is_empty() { none.to_owned() } else { text.trim().to_owned() }
}

/// The profile, read or edited.
fn profile_page(of: ProfileOf) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let editing = RwSignal::new(false);
    let save = Callback::new(move |values: Values| then_close((of.save)(ui, values), editing));
    let shown = move || {
        match (of.lines)(ui) {
        None => view! { <p class="muted">"Загрузка…"</p> }.into_any(),
        Some((lines, tasks)) => view! {
            <dl class="profile-view">
                {lines
                    .into_iter()
                    .map(|(label, text, testid)| {
                        view! {
                            <dt>{label}</dt>
                            <dd data-testid=testid>{text}</dd>
                        }
                    })
                    .collect_view()}
                <dt>"Задачи"</dt>
                <dd><ol data-testid="profile-tasks">{tasks.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ol></dd>
            </dl>
        }
        .into_any(),
    }
    };
    view! {
        <section class="profile" data-testid="profile">
            <div class="section-head">
                <h1>{move || (of.title)(ui)}</h1>
                <Show when=move || ui.can_edit((of.kind)(ui)) && !editing.get()>
                    <button class="primary" data-testid="edit-profile" on:click=move |_| editing.set(true)>"Изменить"</button>
                </Show>
            </div>
            <Show when=move || editing.get() fallback=shown>
                <RecordForm
                    fields=(of.fields)()
                    initial=(of.values)(ui)
                    on_save=save
                    on_cancel=Callback::new(move |()| editing.set(false))
                    testid="profile-form"
                />
            </Show>
        </section>
    }
}
