//! Regulatory documents with their acknowledgement sheets (лист ознакомления).

use std::rc::Rc;

use leptos::prelude::*;
use shared::record::{Record, RecordList};
use shared::regulation::{RegulationFields, RegulationKind};
use shared::{Change, DocKind};
use uuid::Uuid;

use crate::clock::today;
use crate::components::form::{area, date, error_line, select, text};
use crate::components::records::{RecordsSpec, list_edits, records};
use crate::pages::{line, school_letterhead};
use crate::print::{MakePaper, PaperActions};
use crate::storage::settings;
use crate::ui::{Ui, edit_showing};

/// The regulations, and who uses this device.
#[component]
pub fn RegulationsPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let me = RwSignal::new(settings::me());
    provide_context(me);
    let (save, remove) = list_edits(ui, || DocKind::Library, |_, v| RegulationFields::validate(v), Change::Regulation);
    let spec = RecordsSpec {
        title: "Нормативные и инструктивные документы",
        kind: Signal::derive(|| DocKind::Library),
        list: "regulations",
        parent: None,
        add_label: "Добавить документ",
        testid: "regulations",
        empty: "Документов пока нет.",
        writable: Signal::derive(move || ui.can_edit(DocKind::Library)),
        ids: Memo::new(move |_| {
            ui.library
                .with(|l| l.as_ref().map(|l| l.regulation_list().iter().map(|r| r.id).collect()).unwrap_or_default())
        })
        .into(),
        fields: Rc::new(|_| {
            vec![
                select("kind", "Вид", RegulationKind::options()),
                text("title", "Название"),
                text("number", "Номер"),
                date("date", "Дата"),
                area("text", "Текст"),
                text("link", "Ссылка"),
            ]
        }),
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
    let members = Memo::new(move |_| {
        ui.records.with(|r| {
            r.as_ref()
                .map(|r| r.active_members().iter().map(|m| (m.id, m.full_name.clone())).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    view! {
        <label class="field me">
            <span>"Я — "</span>
            <select
                data-testid="me"
                on:change=move |ev| {
                    let id = event_target_value(&ev).parse().ok();
                    settings::set_me(id);
                    me.set(id);
                }
            >
                <option value="" selected=move || me.get().is_none()>"выберите себя в списке"</option>
                {move || {
                    members
                        .get()
                        .into_iter()
                        .map(|(id, name)| view! { <option value=id.to_string() selected=move || me.get() == Some(id)>{name}</option> })
                        .collect_view()
                }}
            </select>
        </label>
        {records(spec)}
    }
}

#[component]
fn RegulationView(id: Uuid) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let me = expect_context::<RwSignal<Option<Uuid>>>();
    let regulation = Memo::new(move |_| ui.library.with(|l| l.as_ref().and_then(|l| l.regulations.by_id(id).cloned())));
    let error = RwSignal::new(None::<String>);
    move || {
        let Some(r) = regulation.get() else { return ().into_any() };
        let sheet: Vec<(String, Option<shared::Date>)> = ui.records.with(|m| {
            m.as_ref()
                .map(|m| m.active_members().iter().map(|m| (m.full_name.clone(), r.acknowledged_by(m.id))).collect())
                .unwrap_or_default()
        });
        let missing = sheet.iter().filter(|(_, d)| d.is_none()).count();
        let mine = me.get().map(|m| r.acknowledged_by(m));
        let link = r.link.clone();
        view! {
            <div class="name" data-testid="regulation-title">{r.title.clone()}</div>
            <div class="details">{r.reference()}</div>
            <div class="actions">
                <PaperActions make=acknowledgement_paper(ui, id) what="листа ознакомления" testid="sheet" />
            </div>
            <p class="prose">{r.text.as_str().to_owned()}</p>
            {(!link.is_empty()).then(|| view! { <a href=link.clone() target="_blank" rel="noopener">{link.clone()}</a> })}
            {line("Не ознакомлены", if missing == 0 { String::new() } else { missing.to_string() })}
            <details class="sheet">
                <summary>"Лист ознакомления"</summary>
                <table data-testid="ack-sheet">
                    <thead><tr><th>"№"</th><th>"ФИО"</th><th>"Дата"</th></tr></thead>
                    <tbody>
                        {sheet
                            .into_iter()
                            .enumerate()
                            .map(|(i, (name, day))| {
                                view! {
                                    <tr class:missing=day.is_none()>
                                        <td>{i + 1}</td>
                                        <td>{name}</td>
                                        <td>{day.map(|d| d.to_string()).unwrap_or_else(|| "не ознакомлен(а)".into())}</td>
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
                            let Some(member) = me.get_untracked() else { return };
                            let change = Change::Acknowledge { regulation: id, member, day: today() };
                            edit_showing(ui, DocKind::Library, change, error);
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
