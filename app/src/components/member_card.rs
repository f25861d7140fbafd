//! One member on the list, with editing and removal in place.

use leptos::prelude::*;
use shared::member::MemberFields;
use shared::{AssociationDoc, MemberDraft};
use uuid::Uuid;

use crate::components::member_form::MemberForm;
use crate::repo::{Ui, now_ms, repo};

/// A member's card. It reads the member by id, so edits arriving from other
/// devices show up in place.
#[component]
pub fn MemberCard(id: Uuid) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let member = Memo::new(move |_| ui.records.with(|r| r.as_ref().and_then(|r| r.member(id).cloned())));
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let read_only = move || ui.read_only.with(Option::is_some);

    let save = Callback::new(move |fields: MemberFields| {
        let repo = repo().ok_or_else(|| "Приложение ещё загружается".to_owned())?;
        repo.edit(|doc| AssociationDoc::update_member(doc, id, fields, now_ms()))
            .map_err(|e| format!("Не удалось сохранить: {e}"))?;
        editing.set(false);
        Ok(())
    });
    let remove = move |_| {
        let Some(repo) = repo() else { return };
        match repo.edit(|doc| AssociationDoc::remove_member(doc, id, now_ms())) {
            Ok(()) => error.set(None),
            Err(e) => error.set(Some(format!("Не удалось удалить: {e}"))),
        }
        confirming.set(false);
    };

    view! {
        <li class="member" data-testid="member-row" data-member-id=id.to_string()>
            <Show
                when=move || editing.get()
                fallback=move || {
                    view! {
                        <div class="member-view">
                            <div class="name" data-testid="member-name">{move || member.with(|m| m.as_ref().map(|m| m.full_name.clone()))}</div>
                            <div class="details" data-testid="member-details">{move || member.with(|m| m.as_ref().map(details))}</div>
                            <Show when=move || !read_only()>
                                <div class="actions">
                                    <button data-testid="edit-member" on:click=move |_| editing.set(true)>"Изменить"</button>
                                    <Show
                                        when=move || confirming.get()
                                        fallback=move || view! { <button data-testid="remove-member" on:click=move |_| confirming.set(true)>"Удалить"</button> }
                                    >
                                        <span class="confirm">"Удалить из списка? "</span>
                                        <button class="danger" data-testid="confirm-remove" on:click=remove>"Да, удалить"</button>
                                        <button on:click=move |_| confirming.set(false)>"Отмена"</button>
                                    </Show>
                                </div>
                            </Show>
                            <Show when=move || error.with(Option::is_some)>
                                <p class="field-error" role="alert">{move || error.get()}</p>
                            </Show>
                        </div>
                    }
                }
            >
                {move || {
                    let initial = member.with_untracked(|m| m.as_ref().map(|m| MemberDraft::from_fields(&m.fields())).unwrap_or_default());
                    view! { <MemberForm initial on_save=save on_cancel=Callback::new(move |()| editing.set(false)) /> }
                }}
            </Show>
        </li>
    }
}

fn details(m: &shared::Member) -> String {
    let mut parts = vec![m.position.clone()];
    if !m.class_led.is_empty() {
        parts.push(format!("классный руководитель {}", m.class_led));
    }
    parts.push(format!("образование: {}", m.education.label()));
    parts.push(format!("категория: {}", m.category.label()));
    parts.push(format!("стаж {}", years(m.experience_years)));
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
