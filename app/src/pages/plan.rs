//! The year plan (годовой план работы) with completion marks.

use std::rc::Rc;

use leptos::prelude::*;
use shared::YearDoc;
use shared::form::member_value;
use shared::plan::{Completion, PlanFields, WorkKind};
use shared::record::{Record, RecordList};
use uuid::Uuid;

use crate::components::form::{area, error_line, member, select, text};
use crate::components::records::{RecordsSpec, list_edits, records};
use crate::pages::{line, name_of, year_ids, year_kind};
use crate::repo::{Ui, edit};

/// The plan's rows, by date.
#[component]
pub fn PlanPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let (save, remove) = list_edits(
        move || year_kind(ui),
        move |_, v| PlanFields::validate(v, ui.year.get_untracked()),
        YearDoc::edit_plan_row,
    );
    let spec = RecordsSpec {
        title: "План работы",
        add_label: "Добавить в план",
        testid: "plan",
        empty: "В плане пока ничего нет.",
        writable: Signal::derive(move || ui.can_edit(year_kind(ui))),
        ids: year_ids(ui, |y| y.plan_rows().iter().map(|r| r.id).collect()),
        fields: Rc::new(|| {
            vec![
                text("when", "Срок").hint("месяц или ДД.ММ.ГГГГ"),
                select("kind", "Форма работы", WorkKind::options()),
                text("topic", "Тема"),
                area("content", "Содержание, вопросы"),
                member("responsible", "Ответственный"),
                area("expected_result", "Ожидаемый результат"),
            ]
        }),
        blank: Rc::new(PlanFields::blank),
        values_of: Rc::new(move |id| {
            ui.year_doc.with_untracked(|y| {
                y.as_ref().and_then(|y| y.plan.by_id(id)).map(|r| r.fields().to_values()).unwrap_or_default()
            })
        }),
        save,
        remove,
        render: Rc::new(move |id| view! { <PlanRowView id /> }.into_any()),
    };
    records(spec)
}

#[component]
fn PlanRowView(id: Uuid) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let row = Memo::new(move |_| ui.year_doc.with(|y| y.as_ref().and_then(|y| y.plan.by_id(id).cloned())));
    let protocols = Memo::new(move |_| {
        ui.year_doc.with(|y| {
            y.as_ref()
                .map(|y| y.protocol_list().iter().map(|p| (p.id, p.title())).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    let error = RwSignal::new(None::<String>);
    let mark = move |completion: Completion, fulfilled_by: Option<Uuid>, note: Option<String>| {
        let kept = row.with_untracked(|r| r.as_ref().map(|r| r.completion_note.clone()).unwrap_or_default());
        let note = note.map_or(kept, |n| n.trim().to_owned());
        error.set(
            edit(year_kind(ui), |doc, now| YearDoc::mark_plan_row(doc, id, completion, fulfilled_by, note, now)).err(),
        );
    };
    move || {
        let Some(r) = row.get() else { return ().into_any() };
        let fulfilled = r.fulfilled_by;
        let completion = r.completion;
        let fulfilled_title =
            fulfilled.and_then(|p| protocols.with(|list| list.iter().find(|(id, _)| *id == p).map(|(_, t)| t.clone())));
        view! {
            <div class="plan-row" class:done=completion == Completion::Done>
                <div class="when" data-testid="plan-when">{r.when.label()}</div>
                <div class="name" data-testid="plan-topic">{r.topic.clone()}</div>
                <div class="details">{r.kind.label()}</div>
                {line("Содержание", r.content.clone())}
                {line("Ответственный", if r.responsible.is_some() { name_of(ui, r.responsible) } else { String::new() })}
                {line("Ожидаемый результат", r.expected_result.clone())}
                <div class="line">
                    <span class="label">"Отметка: "</span>
                    <span class="value" data-testid="plan-completion">{completion.label()}</span>
                    {fulfilled_title.map(|t| view! { <span class="value">" — "{t}</span> })}
                    {(!r.completion_note.is_empty()).then(|| view! { <span class="value">" ("{r.completion_note.clone()}")"</span> })}
                </div>
                <Show when=move || ui.can_edit(year_kind(ui))>
                    <div class="actions">
                        <select
                            data-testid="completion"
                            on:change=move |ev| {
                                if let Some(c) = Completion::from_code(&event_target_value(&ev)) {
                                    mark(c, fulfilled, None);
                                }
                            }
                        >
                            {Completion::ALL
                                .iter()
                                .map(|c| view! { <option value=c.code() selected=*c == completion>{c.label()}</option> })
                                .collect_view()}
                        </select>
                        <select
                            data-testid="fulfilled-by"
                            on:change=move |ev| mark(completion, event_target_value(&ev).parse().ok(), None)
                        >
                            <option value="" selected=fulfilled.is_none()>"протокол: —"</option>
                            {protocols
                                .get()
                                .into_iter()
                                .map(|(pid, title)| {
                                    view! { <option value=member_value(Some(pid)) selected=fulfilled == Some(pid)>{title}</option> }
                                })
                                .collect_view()}
                        </select>
                        <input
                            type="text"
                            data-testid="completion-note"
                            placeholder="примечание: где проведено, почему перенесено"
                            prop:value=r.completion_note.clone()
                            on:change=move |ev| mark(completion, fulfilled, Some(event_target_value(&ev)))
                        />
                    </div>
                </Show>
                {error_line(error)}
            </div>
        }
        .into_any()
    }
}
