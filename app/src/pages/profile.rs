//! The association's profile for the chosen year: methodical theme, goal,
//! tasks and head.

use leptos::prelude::*;
use shared::profile::ProfileFields;
use shared::{Change, Values};

use crate::components::form::{RecordForm, area, keep, member, then_close};
use crate::pages::{name_of, year_kind};
use crate::ui::Ui;

/// The profile, read or edited.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let editing = RwSignal::new(false);
    let profile = Memo::new(move |_| ui.year_doc.with(|y| y.as_ref().map(|y| y.profile.clone())));
    let save = Callback::new(move |values: Values| {
        then_close(keep(ui, year_kind(ui), ProfileFields::validate(&values), Change::Profile), editing)
    });
    view! {
        <section class="profile" data-testid="profile">
            <div class="section-head">
                <h1>{move || format!("Методическая тема, цель и задачи на {} учебный год", ui.year.get())}</h1>
                <Show when=move || ui.can_edit(year_kind(ui)) && !editing.get()>
                    <button class="primary" data-testid="edit-profile" on:click=move |_| editing.set(true)>"Изменить"</button>
                </Show>
            </div>
            <Show
                when=move || editing.get()
                fallback=move || {
                    move || match profile.get() {
                        None => view! { <p class="muted">"Загрузка…"</p> }.into_any(),
                        Some(p) => view! {
                            <dl class="profile-view">
                                <dt>"Методическая тема"</dt>
                                <dd data-testid="profile-theme">{if p.theme.as_str().is_empty() { "не указана".to_owned() } else { p.theme.as_str().to_owned() }}</dd>
                                <dt>"Цель"</dt>
                                <dd>{p.goal.as_str().to_owned()}</dd>
                                <dt>"Задачи"</dt>
                                <dd><ol>{p.task_list().into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ol></dd>
                                <dt>"Руководитель МО"</dt>
                                <dd>{name_of(ui, p.head)}</dd>
                            </dl>
                        }
                        .into_any(),
                    }
                }
            >
                <RecordForm
                    fields=vec![
                        area("theme", "Методическая тема"),
                        area("goal", "Цель"),
                        area("tasks", "Задачи (каждая с новой строки)"),
                        member("head", "Руководитель МО"),
                    ]
                    initial=profile.get_untracked().map(|p| p.to_values()).unwrap_or_default()
                    on_save=save
                    on_cancel=Callback::new(move |()| editing.set(false))
                    testid="profile-form"
                />
            </Show>
        </section>
    }
}
