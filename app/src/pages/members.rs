//! The member list of the school МО (список членов МО).

use leptos::prelude::*;
use shared::record::Edit;
use shared::{Change, DocKind, MemberFields, Values};

use crate::clock::today;
use crate::components::form::{RecordForm, Saving, keep, then_close};
use crate::components::history::RemovedList;
use crate::components::import::{ImportFromWord, Importing};
use crate::components::member_card::MemberCard;
use crate::pages::school_paper;
use crate::print::PaperActions;
use crate::ui::Ui;

/// Checks and keeps a member form: a new member, or new fields for `id`.
pub fn save_member(ui: Ui, id: Option<uuid::Uuid>, values: &Values) -> Saving {
    keep(ui, DocKind::Association, MemberFields::validate(values), |f| Change::Member(Edit::save(id, f)))
}

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
    let writable = move || ui.can_edit(DocKind::Association);

    let add = Callback::new(move |values: Values| then_close(save_member(ui, None, &values), adding));

    view! {
        <section class="members">
            <div class="section-head">
                <h1>"Члены МО"</h1>
                <span class="count" data-testid="member-count">{move || ids.with(Vec::len)}</span>
                <PaperActions
                    make=school_paper(ui, |head, a, y| Some(shared::papers::lists::member_list(head, a, y.academic_year(), today())))
                    what="списка"
                    testid="members"
                />
                <Show when=move || writable() && !adding.get()>
                    <button class="primary" data-testid="add-member" on:click=move |_| adding.set(true)>"Добавить члена МО"</button>
                </Show>
            </div>
            <ImportFromWord what=Importing::Members />
            <Show when=move || adding.get()>
                <RecordForm
                    fields=MemberFields::form()
                    initial=MemberFields::blank()
                    on_save=add
                    on_cancel=Callback::new(move |()| adding.set(false))
                    testid="member-form"
                    save_testid="save-member"
                />
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
            <RemovedList
                kind=Signal::stored(DocKind::Association)
                list="members"
                parent=None
                writable=Signal::derive(writable)
            />
        </section>
    }
}
