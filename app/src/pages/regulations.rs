//! Regulatory documents with their acknowledgement sheets (лист ознакомления).

use std::rc::Rc;

use leptos::prelude::*;
use shared::record::{Record, RecordList};
use shared::regulation::RegulationFields;
use shared::{Change, DocKind, Role};
use uuid::Uuid;

use crate::clock::today;
use crate::components::form::error_line;
use crate::components::records::{RecordsSpec, list_edits, records};
use crate::pages::{is_school_head, line, school_letterhead};
use crate::print::{MakePaper, PaperActions};
use crate::ui::{Ui, edit_showing};

/// The regulations and their acknowledgement sheets.
#[component]
pub fn RegulationsPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let (save, remove) = list_edits(ui, || DocKind::Library, |_, v| RegulationFields::validate(v), Change::Regulation);
    let spec = RecordsSpec {
        title: "Нормативные и инструктивные документы",
        kind: Signal::derive(|| DocKind::Library),
        list: "regulations",
        parent: None,
        add_label: "Добавить документ",
        testid: "regulations",
        empty: "Документов пока нет. Добавьте положение о МО и другие документы: члены МО отметят, что \
                ознакомлены, и лист ознакомления напечатается.",
        writable: Signal::derive(move || ui.can_edit(DocKind::Library)),
        ids: Memo::new(move |_| {
            ui.library
                .with(|l| l.as_ref().map(|l| l.regulation_list().iter().map(|r| r.id).collect()).unwrap_or_default())
        })
        .into(),
        fields: Rc::new(|_| RegulationFields::form()),
        blank: Rc::new(RegulationFields::blank),
        values_of: Rc::new(move |id| {
            ui.library.with_untracked(|l| {
                l.as_ref().and_then(|l| l.regulations.by_id(id)).map(|r| r.fields().to_values()).unwrap_or_default()
            })
        }),
        save,
        remove,
        render: Rc::new(move |id| view! { <RegulationView id /> }.into_any()),
    };
    view! {
        <Show when=move || ui.settled.with(|m| m.as_ref().is_some_and(|m| m.member.is_none() && m.grant.role == Role::Member))>
            <p class="banner" data-testid="not-linked">
                "Чтобы отмечать «ознакомлен(а)», руководитель МО должен связать это устройство с вашей записью \
                 в списке членов МО (раздел «Доступ»)."
            </p>
        </Show>
        {records(spec)}
    }
}

/// A regulation, its sheet, and the acknowledgement this device may give:
/// its own person's, once linked to their member record; the head also
/// enters those given on paper, marked as such with the head's name.
#[component]
fn RegulationView(id: Uuid) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let regulation = Memo::new(move |_| ui.library.with(|l| l.as_ref().and_then(|l| l.regulations.by_id(id).cloned())));
    let me = Memo::new(move |_| ui.settled.with(|m| m.as_ref().and_then(|m| m.member)));
    let is_head = Memo::new(move |_| is_school_head(ui));
    let error = RwSignal::new(None::<String>);
    let acknowledge = move |member: Uuid, day: shared::Date, entered_by: Option<String>| {
        let change = Change::Acknowledge { regulation: id, member, day, entered_by };
        edit_showing(ui, DocKind::Library, change, error);
    };
    move || {
        let Some(r) = regulation.get() else { return ().into_any() };
        let sheet: Vec<(Uuid, String, Option<String>)> = ui.records.with(|m| {
            m.as_ref()
                .map(|m| {
                    m.active_members().iter().map(|m| (m.id, m.full_name.clone(), r.acknowledgement(m.id))).collect()
                })
                .unwrap_or_default()
        });
        let missing = sheet.iter().filter(|(_, _, d)| d.is_none()).count();
        let mine = me.get().map(|m| r.acknowledged_by(m));
        let link = r.link.clone();
        let head = is_head.get() && ui.can_edit(DocKind::Library);
        view! {
            <div class="name" data-testid="regulation-title">{r.title.clone()}</div>
            <div class="details">{r.reference()}</div>
            <div class="actions">
                <PaperActions make=acknowledgement_paper(ui, id) what="листа ознакомления" testid="sheet" />
            </div>
            <p class="prose">{r.text.as_str().to_owned()}</p>
            {(!link.is_empty()).then(|| view! { <a href=link.clone() target="_blank" rel="noopener">{link.clone()}</a> })}
            {line("Не ознакомлены", if missing == 0 { String::new() } else { missing.to_string() })}
            <details class="sheet" open=head>
                <summary>"Лист ознакомления"</summary>
                // A card per member on a phone (style.css).
                <table class="cards" data-testid="ack-sheet">
                    <thead><tr><th>"№"</th><th>"ФИО"</th><th>"Дата"</th></tr></thead>
                    <tbody>
                        {sheet
                            .into_iter()
                            .enumerate()
                            .map(|(i, (member, name, day))| {
                                let signed = day.is_some();
                                view! {
                                    <tr class:missing=!signed data-testid="ack-row">
                                        <td class="num">{i + 1}</td>
                                        <td class="name" data-testid="ack-name">{name}</td>
                                        <td data-label="Дата" data-testid="ack-day">
                                            {day.unwrap_or_else(|| "не ознакомлен(а)".into())}
                                            {(head && !signed).then(|| paper_entry(ui, member, acknowledge))}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </details>
            {match mine {
                Some(None) => view! {
                    <button
                        class="primary"
                        data-testid="acknowledge"
                        on:click=move |_| {
                            if let Some(member) = me.get_untracked() {
                                acknowledge(member, today(), None);
                            }
                        }
                    >
                        "Ознакомлен(а)"
                    </button>
                }
                .into_any(),
                Some(Some(day)) => view! { <div class="details" data-testid="acknowledged">{format!("Вы ознакомились {day}")}</div> }.into_any(),
                None => ().into_any(),
            }}
            {error_line(error)}
        }
        .into_any()
    }
}

/// The head's entry of an acknowledgement signed on paper: the day written
/// there, and «Внести с бумаги».
fn paper_entry(
    ui: Ui,
    member: Uuid,
    acknowledge: impl Fn(Uuid, shared::Date, Option<String>) + Copy + 'static,
) -> impl IntoView {
    let day = RwSignal::new(today().to_string());
    let wrong = RwSignal::new(false);
    view! {
        <span class="paper-entry">
            " "
            <input
                type="text"
                inputmode="decimal"
                data-testid="paper-day"
                class:invalid=move || wrong.get()
                prop:value=move || day.get()
                on:input=move |ev| day.set(event_target_value(&ev))
            />
            <button
                data-testid="enter-paper"
                on:click=move |_| {
                    let Some(signed) = shared::Date::parse(&day.get_untracked()) else {
                        wrong.set(true);
                        return;
                    };
                    wrong.set(false);
                    acknowledge(member, signed, Some(entered_by(ui)));
                }
            >
                "Внести с бумаги"
            </button>
        </span>
    }
}

/// Who enters an acknowledgement given on paper: this device's person, by
/// their member record if it is linked, else by the device's name.
fn entered_by(ui: Ui) -> String {
    let me = ui.me.get_untracked();
    let member = me.as_ref().and_then(|m| m.member);
    let linked = ui
        .records
        .with_untracked(|r| r.as_ref().zip(member).and_then(|(r, id)| r.member(id).map(|m| m.full_name.clone())));
    linked.or_else(|| me.map(|m| m.name)).unwrap_or_default()
}

/// The regulation's acknowledgement sheet, with the days already marked.
fn acknowledgement_paper(ui: Ui, id: Uuid) -> MakePaper {
    Rc::new(move || {
        let head = school_letterhead(ui);
        ui.records.with_untracked(|a| {
            ui.library.with_untracked(|l| {
                let (Some(a), Some(l)) = (a, l) else {
                    return Err("Записи ещё загружаются".to_owned());
                };
                let r = l.regulations.by_id(id).ok_or("Документ не найден")?;
                Ok(shared::papers::lists::acknowledgement_sheet(&head, a, r))
            })
        })
    })
}
