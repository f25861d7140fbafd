//! The member list of the school МО (список членов МО).

use leptos::prelude::*;
use shared::member::MemberFields;
use shared::{AssociationDoc, MemberDraft};

use crate::components::member_card::MemberCard;
use crate::components::member_form::MemberForm;
use crate::repo::{Ui, now_ms, repo};

/// Members: the list, and a form to add one.
#[component]
pub fn MembersPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let adding = RwSignal::new(false);
    let ids = Memo::new(move |_| {
        ui.records.with(|r| {
            r.as_ref().map(|r| r.active_members().iter().map(|m| m.id).collect::<Vec<_>>()).unwrap_or_default()
        })
    });
    let loaded = move || ui.records.with(Option::is_some);
    let writable = move || loaded() && ui.read_only.with(Option::is_none);

    let add = Callback::new(move |fields: MemberFields| {
        let repo = repo().ok_or_else(|| "Приложение ещё загружается".to_owned())?;
        repo.edit(|doc| AssociationDoc::add_member(doc, fields, now_ms()))
            .map_err(|e| format!("Не удалось добавить: {e}"))?;
        adding.set(false);
        Ok(())
    });
    let new_draft = || MemberDraft {
        education: shared::Education::HigherPedagogical.code().into(),
        category: shared::Category::None.code().into(),
        ..MemberDraft::default()
    };

    view! {
        <section class="members">
            <div class="section-head">
                <h1>"Члены МО"</h1>
                <span class="count" data-testid="member-count">{move || ids.with(Vec::len)}</span>
                <Show when=move || writable() && !adding.get()>
                    <button class="primary" data-testid="add-member" on:click=move |_| adding.set(true)>"Добавить члена МО"</button>
                </Show>
            </div>
            <Show when=move || adding.get()>
                <MemberForm initial=new_draft() on_save=add on_cancel=Callback::new(move |()| adding.set(false)) />
            </Show>
            <Show when=loaded fallback=|| view! { <p class="muted">"Загрузка…"</p> }>
                <Show when=move || !ids.with(Vec::is_empty) fallback=|| view! { <p class="muted" data-testid="empty-list">"В списке пока никого нет. Добавьте первого члена МО."</p> }>
                    <ul class="member-list">
                        <For each=move || ids.get() key=|id| *id let:id>
                            <MemberCard id />
                        </For>
                    </ul>
                </Show>
            </Show>
        </section>
    }
}
