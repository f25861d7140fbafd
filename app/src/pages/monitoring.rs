//! «Мониторинг»: the head's quarterly sheet per class teacher (the
//! upbringing plan, class hours, parent meetings, children at risk,
//! documentation), with what the МО's records already show of the teacher
//! that quarter beside it; the quarter's totals, and the справка to print.

use leptos::prelude::*;
use shared::monitoring::{DUTIES, DutySheet, DutySheetFields, FromRecords, Quarter, QuarterTotals, class_teachers};
use shared::papers::monitoring::duties_note;
use shared::{Change, Values};
use uuid::Uuid;

use crate::clock::today;
use crate::components::form::{RecordForm, RemoveButton, error_line, keep, then_close};
use crate::pages::{is_school_head, line, school_paper, year_kind};
use crate::print::PaperActions;
use crate::ui::{Ui, edit_showing};

/// The chosen year's sheets for one quarter at a time.
#[component]
pub fn MonitoringPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let year = ui.year.get_untracked();
    let quarter = RwSignal::new(if year.contains(today()) { Quarter::of(today()) } else { Quarter::First });
    let teachers = Memo::new(move |_| {
        ui.records.with(|r| ui.year_sheets.with(|s| r.as_ref().map(|r| class_teachers(r, s)).unwrap_or_default()))
    });
    let totals = move || ui.year_sheets.with(|s| QuarterTotals::of(s, quarter.get()));
    let note = school_paper(ui, move |head, members, y| {
        let signer = members.initials_of(y.profile.head);
        let sheets = ui.year_sheets.get_untracked();
        Some(duties_note(head, members, y, &sheets, quarter.get_untracked(), &signer))
    });
    view! {
        <section class="records" data-testid="monitoring">
            <div class="section-head">
                <h1>"Мониторинг выполнения функциональных обязанностей классными руководителями"</h1>
            </div>
            <label class="field">
                <span>"Четверть"</span>
                <select
                    data-testid="quarter-picker"
                    on:change=move |ev| {
                        if let Some(q) = Quarter::from_code(&event_target_value(&ev)) {
                            quarter.set(q);
                        }
                    }
                >
                    {Quarter::ALL
                        .iter()
                        .map(|q| {
                            let q = *q;
                            view! { <option value=q.code() selected=move || quarter.get() == q>{q.label()}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <div class="tile">
                <p data-testid="monitoring-totals">{move || totals().label()}</p>
                <div class="actions">
                    <PaperActions make=note what="справку" testid="duties-note" />
                </div>
            </div>
            <Show
                when=move || !teachers.with(Vec::is_empty)
                fallback=|| view! {
                    <p class="muted">
                        "Классных руководителей пока нет: у членов МО не указан класс. Укажите его на вкладке «Члены МО»."
                    </p>
                }
            >
                <ul class="record-list">
                    <For each=move || teachers.get() key=|id| *id let:member>
                        {sheet_card(ui, member, quarter)}
                    </For>
                </ul>
            </Show>
        </section>
    }
}

/// A class teacher's card for the quarter: what the records show, the
/// head's marks, and the sheet's form.
fn sheet_card(ui: Ui, member: Uuid, quarter: RwSignal<Quarter>) -> impl IntoView {
    let editing = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let sheet = Memo::new(move |_| {
        let q = quarter.get();
        ui.year_sheets.with(|s| s.iter().find(|k| k.member == member && k.quarter == q).map(|k| k.sheet.clone()))
    });
    let who = move || {
        ui.records.with(|r| {
            r.as_ref()
                .and_then(|r| r.member(member))
                .map(|m| (m.full_name.clone(), m.class_led.clone()))
                .unwrap_or_default()
        })
    };
    let shown = move || ui.year_doc.with(|y| y.as_ref().map(|y| FromRecords::of(y, member, quarter.get())));
    // The head's marks: a class teacher reads her sheet (the server refuses
    // a member's device that writes one).
    let writable = move || is_school_head(ui) && ui.can_edit(year_kind(ui));
    let save = Callback::new(move |values: Values| {
        let q = quarter.get_untracked();
        let checked = DutySheetFields::validate(&values);
        then_close(
            keep(ui, year_kind(ui), checked, |f| Change::DutySheet { member, quarter: q, sheet: Some(f) }),
            editing,
        )
    });
    let remove = Callback::new(move |()| {
        let change = Change::DutySheet { member, quarter: quarter.get_untracked(), sheet: None };
        edit_showing(ui, year_kind(ui), change, error);
    });
    view! {
        <li class="record" data-testid="duty-sheet" data-member=member.to_string()>
            <div class="name" data-testid="teacher-name">{move || who().0}</div>
            <div class="details">{move || format!("классный руководитель {}", who().1)}</div>
            {move || shown().map(|s| view! {
                <div data-testid="from-records">
                    {line("Заседания МО (по протоколам)", s.meetings_label())}
                    {line("Мероприятия плана МО, выполнено", s.plan_label())}
                </div>
            })}
            <Show
                when=move || editing.get()
                fallback=move || view! {
                    {move || match sheet.get() {
                        Some(s) => marks(&s).into_any(),
                        None => view! { <p class="muted" data-testid="no-sheet">"Лист за эту четверть не заполнен"</p> }.into_any(),
                    }}
                    <Show when=writable>
                        <div class="actions">
                            <button data-testid="fill-sheet" on:click=move |_| editing.set(true)>
                                {move || if sheet.with(Option::is_some) { "Изменить лист" } else { "Заполнить лист" }}
                            </button>
                            <Show when=move || sheet.with(Option::is_some)>
                                <RemoveButton on_remove=remove question="Удалить лист?" />
                            </Show>
                        </div>
                    </Show>
                    {error_line(error)}
                }
            >
                <RecordForm
                    fields=DutySheetFields::form()
                    initial=sheet.get_untracked().map(|s| s.to_values()).unwrap_or_else(DutySheetFields::blank)
                    on_save=save
                    on_cancel=Callback::new(move |()| editing.set(false))
                    testid="sheet-form"
                />
            </Show>
        </li>
    }
}

/// The head's marks on a sheet, a line per duty.
fn marks(s: &DutySheet) -> impl IntoView + use<> {
    let counts = [None, s.class_hours, s.parent_meetings, None, None];
    let lines: Vec<String> = DUTIES
        .iter()
        .zip(s.marks())
        .zip(counts)
        .map(|(((_, label), mark), count)| match count {
            Some(n) => format!("{label}: {} (проведено: {n})", mark.label()),
            None => format!("{label}: {}", mark.label()),
        })
        .collect();
    let note = s.note.as_str().trim().to_owned();
    view! {
        <ul class="duty-marks" data-testid="duty-marks">{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
        {line("Замечания и рекомендации", note)}
    }
}
