//! Meeting protocols: the header (number, date, chair, secretary, who was
//! there, theme), the agenda with «слушали / выступили / решили», and the
//! decisions with who does them by when.

use std::rc::Rc;

use leptos::prelude::*;
use shared::fields::offer;
use shared::protocol::{AgendaFields, DecisionFields, DecisionStatus, ProtocolFields, attendance_roster};
use shared::record::{Edit, Record, RecordList};
use shared::year::agenda_questions;
use shared::{Change, DocKind, FieldErrors, Values, YearDoc, papers};
use uuid::Uuid;

use crate::clock::today;
use crate::components::form::{FieldSpec, RecordForm, check, keep};
use crate::components::import::{ImportFromWord, Importing};
use crate::components::records::{RecordsSpec, list_edits, records, records_with};
use crate::pages::{ids_in, line, name_of, school_paper, values_in, year_kind};
use crate::print::PaperActions;
use crate::ui::{Ui, edit_showing};

/// The year's protocols, by number.
#[component]
pub fn ProtocolsPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let (save, remove) =
        list_edits(ui, move || year_kind(ui), move |id, v| validate_header(ui, id, v), Change::Protocol);
    let spec = RecordsSpec {
        title: "Протоколы заседаний",
        kind: Signal::derive(move || year_kind(ui)),
        list: "protocols",
        parent: None,
        add_label: "Новый протокол",
        testid: "protocols",
        empty: "Протоколов пока нет. Протокол оформляют после каждого заседания: «Новый протокол» здесь \
                или «Оформить протокол» у заседания в плане.",
        writable: Signal::derive(move || ui.can_edit(year_kind(ui))),
        ids: ids_in(ui.year_doc, |y| y.protocol_list().iter().map(|p| p.id).collect()),
        fields: Rc::new(move |id| header_fields(ui, id)),
        blank: Rc::new(move || blank(ui)),
        values_of: values_in(ui.year_doc, |y, id| y.protocols.by_id(id).map(|p| p.fields().to_values())),
        save,
        remove,
        render: Rc::new(move |id| view! { <ProtocolView id /> }.into_any()),
    };
    records_with(spec, view! { <ImportFromWord what=Importing::Protocol /> }.into_any())
}

/// «Оформить протокол» on a meeting's plan row: the protocol's form with
/// the row's topic as its theme and its questions as the agenda; saved,
/// the protocol is there and the row is marked done by it.
pub fn protocol_from_plan(ui: Ui, row: Uuid) -> impl IntoView {
    let open = RwSignal::new(false);
    let planned = move || ui.year_doc.with_untracked(|y| y.as_ref().and_then(|y| y.plan.by_id(row).cloned()));
    let save = Callback::new(move |values: Values| {
        // Once kept, the row is done and this form goes with the button.
        let checked = validate_header(ui, None, &values);
        keep(ui, year_kind(ui), checked, |protocol| Change::ProtocolFromPlan { row, protocol })
    });
    let form = move || {
        let planned = planned()?;
        let questions = agenda_questions(&planned.content);
        let initial = blank(ui).with("theme", planned.topic.clone());
        Some(view! {
            {(!questions.is_empty()).then(|| view! {
                <p class="muted" data-testid="planned-questions">
                    {format!("Повестка из плана: {}", questions.join("; "))}
                </p>
            })}
            <RecordForm
                fields=header_fields(ui, None)
                initial=initial
                on_save=save
                on_cancel=Callback::new(move |()| open.set(false))
                testid="protocol-from-plan"
            />
        })
    };
    view! {
        <Show when=move || ui.can_edit(year_kind(ui))>
            <Show
                when=move || open.get()
                fallback=move || view! {
                    <button data-testid="make-protocol" on:click=move |_| open.set(true)>"Оформить протокол"</button>
                }
            >
                {form}
            </Show>
        </Show>
    }
}

/// Whom the form of protocol `id` (or of a new one) asks about attendance.
fn roster(ui: Ui, id: Option<Uuid>) -> Vec<Uuid> {
    ui.year_doc.with_untracked(|y| {
        let protocol = y.as_ref().and_then(|y| id.and_then(|id| y.protocol(id)));
        ui.records.with_untracked(|members| match members {
            Some(members) => attendance_roster(protocol, members),
            // Members not loaded yet: the protocol's own list, unsorted.
            None => protocol.map(|p| p.roster()).unwrap_or_default(),
        })
    })
}

pub(crate) fn header_fields(ui: Ui, id: Option<Uuid>) -> Vec<FieldSpec> {
    let mut fields = ProtocolFields::form();
    // One tick per member of the roster, before «Протокол оформлен».
    let ticks = roster(ui, id).into_iter().map(|m| {
        let name = ui.records.with_untracked(|r| r.as_ref().map(|r| r.full_name(Some(m))).unwrap_or_default());
        check(format!("present:{m}"), format!("Присутствует: {name}"))
    });
    let at = fields.len() - 1;
    fields.splice(at..at, ticks);
    fields
}

fn blank(ui: Ui) -> Values {
    let year = ui.year.get_untracked();
    let number = ui.year_doc.with_untracked(|y| y.as_ref().map_or(1, YearDoc::next_protocol_number));
    let day = today();
    let mut v = Values::default().with("number", number.to_string());
    if year.contains(day) {
        v.set("date", day.to_string());
    }
    for id in roster(ui, None) {
        v.set(&format!("present:{id}"), "true");
    }
    v
}

/// Checks a protocol's header against the year's other protocols.
pub(crate) fn validate_header(ui: Ui, id: Option<Uuid>, values: &Values) -> Result<ProtocolFields, FieldErrors> {
    ui.year_doc.with_untracked(|y| {
        let others = y.as_ref().map(|y| y.other_protocols(id)).unwrap_or_default();
        ProtocolFields::validate(values, ui.year.get_untracked(), &others, &roster(ui, id))
    })
}

#[component]
fn ProtocolView(id: Uuid) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let protocol = Memo::new(move |_| ui.year_doc.with(|y| y.as_ref().and_then(|y| y.protocol(id).cloned())));
    let duplicate = Memo::new(move |_| {
        ui.year_doc.with(|y| {
            y.as_ref().is_some_and(|y| y.protocol(id).is_some_and(|p| y.duplicate_numbers().contains(&p.number)))
        })
    });
    let renumber_error = RwSignal::new(None::<String>);
    let writable = Signal::derive(move || ui.can_edit(year_kind(ui)));
    move || {
        let Some(p) = protocol.get() else { return ().into_any() };
        let present = p.present().len();
        let total = p.attendance.len();
        let absent: Vec<String> = p
            .attendance
            .iter()
            .filter(|(_, here)| !**here)
            .filter_map(|(m, _)| m.parse().ok())
            .map(|m| ui.records.with(|r| r.as_ref().map(|r| r.full_name(Some(m))).unwrap_or_default()))
            .collect();
        view! {
            <div class="name" data-testid="protocol-title">{p.title()}</div>
            <div class="actions">
                <PaperActions
                    make=school_paper(ui, move |head, a, y| y.protocol(id).map(|p| papers::protocol::protocol(head, a, p)))
                    what="протокола"
                    testid="protocol"
                />
                <PaperActions
                    make=school_paper(ui, move |head, a, y| y.protocol(id).map(|p| papers::protocol::extract(head, a, p)))
                    what="выписки"
                    testid="extract"
                />
            </div>
            <Show when=move || duplicate.get()>
                <div class="banner warn" data-testid="duplicate-number">
                    "После синхронизации этот номер оказался и у другого протокола. "
                    <Show when=move || writable.get()>
                        <button
                            data-testid="renumber"
                            on:click=move |_| {
                                edit_showing(ui, year_kind(ui), Change::RenumberProtocol(id), renumber_error);
                            }
                        >
                            "Присвоить следующий свободный номер"
                        </button>
                    </Show>
                    {move || renumber_error.get()}
                </div>
            </Show>
            <p class="prose" data-testid="protocol-theme">{p.theme.as_str().to_owned()}</p>
            <div class="details" data-testid="protocol-attendance">
                {format!("Присутствовали: {present} из {total}")}
            </div>
            {line("Отсутствовали", absent.join(", "))}
            {line("Председатель", name_of(ui, p.chair))}
            {line("Секретарь", name_of(ui, p.secretary))}
            {line("Приглашённые", p.invited.clone())}
            <div class="details" data-testid="protocol-state">
                {if p.completed { "оформлен" } else { "не оформлен" }}
            </div>
            <details class="protocol-body" open=true>
                <summary>"Повестка и решения"</summary>
                {agenda(ui, id, writable)}
                {decisions(ui, id, p.date, writable)}
            </details>
        }
        .into_any()
    }
}

fn agenda(ui: Ui, protocol: Uuid, writable: Signal<bool>) -> impl IntoView {
    agenda_list(AgendaOf {
        ui,
        kind: year_kind,
        parent: protocol,
        writable,
        ids: Memo::new(move |_| {
            ui.year_doc.with(|y| {
                y.as_ref()
                    .and_then(|y| y.protocol(protocol))
                    .map(|p| p.agenda_items().iter().map(|a| a.id).collect())
                    .unwrap_or_default()
            })
        })
        .into(),
        values: Rc::new(move |item| {
            ui.year_doc.with_untracked(|y| {
                y.as_ref()
                    .and_then(|y| y.protocol(protocol))
                    .and_then(|p| p.agenda.by_id(item))
                    .map(|a| a.fields().to_values())
                    .unwrap_or_default()
            })
        }),
        change: move |item| Change::Agenda { protocol, item },
    })
}

/// An agenda «слушали / выступили / решили»: of a school's protocol or of
/// a district meeting.
pub struct AgendaOf<C> {
    /// The screens' state.
    pub ui: Ui,
    /// The document it is in.
    pub kind: fn(Ui) -> DocKind,
    /// The protocol or meeting it belongs to.
    pub parent: Uuid,
    /// Whether this device may change it.
    pub writable: Signal<bool>,
    /// Its items, in order.
    pub ids: Signal<Vec<Uuid>>,
    /// An item's form values.
    pub values: Rc<dyn Fn(Uuid) -> Values>,
    /// The change an item's edit makes.
    pub change: C,
}

/// The agenda's list, with its form and cards.
pub fn agenda_list<C: Fn(Edit<AgendaFields>) -> Change + 'static>(of: AgendaOf<C>) -> impl IntoView {
    let AgendaOf { ui, kind, parent, writable, ids, values, change } = of;
    let (save, remove) = list_edits(ui, move || kind(ui), |_, v| AgendaFields::validate(v), change);
    let card = values.clone();
    records(RecordsSpec {
        title: "Повестка дня",
        kind: Signal::derive(move || kind(ui)),
        list: "agenda",
        parent: Some(parent),
        add_label: "Добавить вопрос",
        testid: "agenda",
        empty: "Вопросов пока нет.",
        writable,
        ids,
        fields: Rc::new(|_| AgendaFields::form()),
        blank: Rc::new(Values::default),
        values_of: values,
        save,
        remove,
        render: Rc::new(move |id| agenda_card(&card(id))),
    })
}

/// An agenda item's card, from its form's values.
fn agenda_card(v: &Values) -> AnyView {
    view! {
        <div class="name" data-testid="agenda-topic">{v.get("topic").to_owned()}</div>
        {line("Докладчик", v.get("speaker").to_owned())}
        {line("СЛУШАЛИ", v.get("heard").to_owned())}
        {line("ВЫСТУПИЛИ", v.get("spoke").to_owned())}
        {line("РЕШИЛИ", v.get("decided").to_owned())}
    }
    .into_any()
}

/// The protocol's agenda questions as «1. Тема», by id, in order.
fn questions_of(ui: Ui, protocol: Uuid) -> Vec<(Uuid, String)> {
    ui.year_doc.with_untracked(|y| {
        y.as_ref()
            .and_then(|y| y.protocol(protocol))
            .map(|p| {
                let items = p.agenda_items();
                items
                    .iter()
                    .enumerate()
                    .map(|(n, a)| (a.id, format!("{}. {}", n + 1, a.topic.as_str().trim())))
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The protocol's decisions: each on one of its agenda questions, with who
/// does it by when. They are the questions' «РЕШИЛИ» in the printed
/// protocol, written once here.
fn decisions(ui: Ui, protocol: Uuid, meeting: shared::Date, writable: Signal<bool>) -> impl IntoView {
    let decision = move |d: Uuid| {
        ui.year_doc.with_untracked(|y| {
            y.as_ref().and_then(|y| y.protocol(protocol)).and_then(|p| p.decisions.by_id(d)).map(|d| d.fields())
        })
    };
    let (save, remove) = list_edits(
        ui,
        move || year_kind(ui),
        move |_, v| {
            let items: Vec<Uuid> = questions_of(ui, protocol).into_iter().map(|(id, _)| id).collect();
            DecisionFields::validate(v, meeting, &items)
        },
        move |decision| Change::Decision { protocol, decision },
    );
    records(RecordsSpec {
        title: "Решения (РЕШИЛИ)",
        kind: Signal::derive(move || year_kind(ui)),
        list: "decisions",
        parent: Some(protocol),
        add_label: "Добавить решение",
        testid: "decisions",
        empty: "Решений пока нет.",
        writable,
        ids: Memo::new(move |_| {
            ui.year_doc.with(|y| {
                y.as_ref()
                    .and_then(|y| y.protocol(protocol))
                    .map(|p| p.decision_list().iter().map(|d| d.id).collect())
                    .unwrap_or_default()
            })
        })
        .into(),
        fields: Rc::new(move |_| {
            let mut questions = vec![(String::new(), "— без вопроса (ПОСТАНОВИЛИ) —".to_owned())];
            questions.extend(questions_of(ui, protocol).into_iter().map(|(id, topic)| (id.to_string(), topic)));
            offer(DecisionFields::form(), "item", questions)
        }),
        // A new decision is on the last question, the one just heard.
        blank: Rc::new(move || {
            let last = questions_of(ui, protocol).last().map(|(id, _)| id.to_string()).unwrap_or_default();
            DecisionFields::blank().with("item", last)
        }),
        values_of: Rc::new(move |id| decision(id).map(|d| d.to_values()).unwrap_or_default()),
        save,
        remove,
        render: Rc::new(move |id| {
            let Some(d) = decision(id) else { return ().into_any() };
            let overdue = d.status == DecisionStatus::Open && d.deadline.is_some_and(|dl| dl < today());
            let question = d
                .item
                .and_then(|i| questions_of(ui, protocol).into_iter().find(|(id, _)| *id == i))
                .map(|(_, topic)| topic)
                .unwrap_or_default();
            view! {
                <div class="decision" class:overdue=overdue>
                    <div class="details" data-testid="decision-question">{question}</div>
                    <div class="name" data-testid="decision-text">{d.text.clone()}</div>
                    <div class="details">
                        {format!(
                            "Ответственный: {} · срок: {} · {}",
                            name_of(ui, d.responsible),
                            d.deadline.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
                            d.status.label()
                        )}
                    </div>
                </div>
            }
            .into_any()
        }),
    })
}
