//! One member on the list, with warnings, editing and removal in place.

use leptos::prelude::*;
use shared::record::{Edit, Record};
use shared::{Change, DocKind, Member};
use uuid::Uuid;

use crate::clock::today;
use crate::components::form::{RecordForm, RemoveButton, error_line, then_close};
use crate::components::history::HistoryButton;
use crate::pages::members::save_member;
use crate::ui::{Ui, edit_showing};

/// A member's card. It reads the member by id, so edits arriving from other
/// devices show up in place.
#[component]
pub fn MemberCard(id: Uuid) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let member = Memo::new(move |_| ui.records.with(|r| r.as_ref().and_then(|r| r.member(id).cloned())));
    let is_head = Memo::new(move |_| ui.year_doc.with(|y| y.as_ref().is_some_and(|y| y.profile.head == Some(id))));
    let flags =
        Memo::new(move |_| member.with(|m| m.as_ref().map(|m| m.flags(today(), is_head.get())).unwrap_or_default()));
    let mentor = Memo::new(move |_| {
        let mentor = member.with(|m| m.as_ref().and_then(|m| m.mentor));
        ui.records.with(|r| r.as_ref().filter(|_| mentor.is_some()).map(|r| r.name_of(mentor)))
    });
    let editing = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let save = Callback::new(move |values| then_close(save_member(ui, Some(id), &values), editing));
    let remove = Callback::new(move |()| {
        edit_showing(ui, DocKind::Association, Change::Member(Edit::Remove(id)), error);
    });

    view! {
        <li class="member" data-testid="member-row" data-member-id=id.to_string()>
            <Show
                when=move || editing.get()
                fallback=move || {
                    view! {
                        <div class="member-view">
                            <div class="name" data-testid="member-name">{move || member.with(|m| m.as_ref().map(|m| m.full_name.clone()))}</div>
                            <div class="details" data-testid="member-details">{move || member.with(|m| m.as_ref().map(|m| details(m, ui.year.get())))}</div>
                            <Show when=move || mentor.with(Option::is_some)>
                                <div class="details">"наставник: "{move || mentor.get()}</div>
                            </Show>
                            <ul class="flags" data-testid="member-flags">
                                {move || flags.get().into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}
                            </ul>
                            <div class="actions">
                                <Show when=move || ui.can_edit(DocKind::Association)>
                                    <button data-testid="edit-member" on:click=move |_| editing.set(true)>"Изменить"</button>
                                    <RemoveButton on_remove=remove question="Удалить из списка?" testid="remove-member" />
                                </Show>
                                <HistoryButton kind=Signal::stored(DocKind::Association) id />
                            </div>
                            {error_line(error)}
                        </div>
                    }
                }
            >
                {move || {
                    let initial = member.with_untracked(|m| m.as_ref().map(|m| m.fields().to_values()).unwrap_or_default());
                    view! {
                        <RecordForm
                            fields=shared::MemberFields::form()
                            initial
                            on_save=save
                            on_cancel=Callback::new(move |()| editing.set(false))
                            testid="member-form"
                            save_testid="save-member"
                        />
                    }
                }}
            </Show>
        </li>
    }
}

/// What the list says of a member, with the стаж of the chosen `year`.
fn details(m: &Member, year: shared::AcademicYear) -> String {
    let mut parts = vec![m.position.clone()];
    if !m.class_led.is_empty() {
        parts.push(format!("классный руководитель {}", m.class_led));
    }
    parts.push(format!("образование: {}", m.education.label()));
    let mut category = format!("категория: {}", m.category.label());
    if let Some(until) = m.category_until {
        category.push_str(&format!(" (до {until})"));
    }
    parts.push(category);
    parts.push(format!("стаж {}", years(m.experience_in(year))));
    if let Some(year) = m.course_year {
        parts.push(format!("курсы {year}"));
    }
    if m.young_specialist {
        parts.push("молодой специалист".into());
    }
    parts.join(" · ")
}

/// «1 год», «3 года», «11 лет».
fn years(n: u32) -> String {
    let word = match (n % 10, n % 100) {
        (_, 11..=14) => "лет",
        (1, _) => "год",
        (2..=4, _) => "года",
        _ => "лет",
    };
    format!("{n} {word}")
}
