//! «Наставничество»: the school's mentoring pairs of young specialists,
//! each with the mentor's plan, the notes of help given, its start and end
//! and a short final reflection. The district reads the same pairs from the
//! school's line ([`schools_pairs`]), so nobody types them twice.

use std::rc::Rc;

use leptos::prelude::*;
use shared::mentoring::{HelpNoteFields, MentorPlanFields, Mentorship, MentorshipFields};
use shared::record::{Record, RecordList};
use shared::{Change, Values};
use uuid::Uuid;

use crate::clock::today;
use crate::components::records::{RecordsSpec, list_edits, records};
use crate::pages::{ids_in, line, name_of, school_summaries, values_in, year_kind};
use crate::ui::Ui;

/// The year's mentoring pairs.
#[component]
pub fn MentoringPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let (save, remove) =
        list_edits(ui, move || year_kind(ui), |_, v| MentorshipFields::validate(v), Change::Mentorship);
    let writable = Signal::derive(move || ui.can_edit(year_kind(ui)));
    records(RecordsSpec {
        title: "Наставничество",
        kind: Signal::derive(move || year_kind(ui)),
        list: "mentoring",
        parent: None,
        add_label: "Добавить пару",
        testid: "mentorships",
        empty: "Наставнических пар пока нет. Молодому специалисту назначают наставника: здесь — план \
                их работы, отметки об оказанной помощи и итоги.",
        writable,
        ids: ids_in(ui.year_doc, |y| y.mentorship_list().iter().map(|m| m.id).collect()),
        fields: Rc::new(|_| MentorshipFields::form()),
        blank: Rc::new(move || Values::default().with("since", today().to_string())),
        values_of: values_in(ui.year_doc, |y, id| y.mentoring.by_id(id).map(|m| m.fields().to_values())),
        save,
        remove,
        render: Rc::new(move |id| {
            if pair_of(ui, id).is_none() {
                return ().into_any();
            }
            // The card's lines follow the records; the plan and the notes
            // below are lists of their own, so adding to them leaves the
            // card (and its opened part) as it is.
            let pair =
                Memo::new(move |_| ui.year_doc.with(|y| y.as_ref().and_then(|y| y.mentoring.by_id(id).cloned())));
            let lines = move || {
                let m = pair.get()?;
                let period = match (m.since, m.until) {
                    (Some(from), Some(to)) => format!("с {from} по {to}"),
                    (Some(from), None) => format!("с {from}"),
                    (None, Some(to)) => format!("по {to}"),
                    (None, None) => String::new(),
                };
                let last = m.last_help().map(|d| d.to_string()).unwrap_or_else(|| "нет".into());
                Some(view! {
                    <div class="name" data-testid="mentee-name">{name_of(ui, m.mentee)}</div>
                    <div class="details">{format!("наставник: {}", name_of(ui, m.mentor))}</div>
                    {line("Срок", period)}
                    <div data-testid="last-help">{line("Последняя помощь", last)}</div>
                    {m.is_quiet(today()).then(|| view! {
                        <p class="alert" data-testid="pair-quiet">"Больше месяца нет отметок о помощи"</p>
                    })}
                    {line("Итоги", m.reflection.as_str().to_owned())}
                })
            };
            view! {
                {lines}
                <details class="protocol-body">
                    <summary data-testid="open-pair">"План и отметки о помощи"</summary>
                    {plan(ui, id, writable)}
                    {notes(ui, id, writable)}
                </details>
            }
            .into_any()
        }),
    })
}

/// Pair `id` as the year's records hold it now.
fn pair_of(ui: Ui, id: Uuid) -> Option<Mentorship> {
    ui.year_doc.with_untracked(|y| y.as_ref().and_then(|y| y.mentoring.by_id(id).cloned()))
}

/// The mentor's plan: date, form of help, topic.
fn plan(ui: Ui, pair: Uuid, writable: Signal<bool>) -> impl IntoView {
    let (save, remove) = list_edits(
        ui,
        move || year_kind(ui),
        move |_, v| MentorPlanFields::validate(v, ui.year.get_untracked()),
        move |entry| Change::MentorPlan { pair, entry },
    );
    let entry = move |id: Uuid| pair_of(ui, pair).and_then(|m| m.plan.by_id(id).cloned());
    records(RecordsSpec {
        title: "План работы наставника",
        kind: Signal::derive(move || year_kind(ui)),
        list: "plan",
        parent: Some(pair),
        add_label: "Добавить в план",
        testid: "mentor-plan",
        empty: "В плане пока ничего нет.",
        writable,
        ids: ids_in(ui.year_doc, move |y| {
            y.mentoring.by_id(pair).map(|m| m.plan_list().iter().map(|e| e.id).collect()).unwrap_or_default()
        }),
        fields: Rc::new(|_| MentorPlanFields::form()),
        blank: Rc::new(Values::default),
        values_of: Rc::new(move |id| entry(id).map(|e| e.fields().to_values()).unwrap_or_default()),
        save,
        remove,
        render: Rc::new(move |id| {
            let Some(e) = entry(id) else { return ().into_any() };
            view! {
                <div class="name" data-testid="mentor-plan-topic">{e.topic.clone()}</div>
                <div class="details">{format!("{} · {}", e.date, e.form)}</div>
            }
            .into_any()
        }),
    })
}

/// Notes of help given, by date.
fn notes(ui: Ui, pair: Uuid, writable: Signal<bool>) -> impl IntoView {
    let (save, remove) = list_edits(
        ui,
        move || year_kind(ui),
        move |_, v| HelpNoteFields::validate(v, ui.year.get_untracked()),
        move |note| Change::HelpNote { pair, note },
    );
    let note = move |id: Uuid| pair_of(ui, pair).and_then(|m| m.notes.by_id(id).cloned());
    records(RecordsSpec {
        title: "Оказанная помощь",
        kind: Signal::derive(move || year_kind(ui)),
        list: "notes",
        parent: Some(pair),
        add_label: "Отметить помощь",
        testid: "help-notes",
        empty: "Отметок пока нет.",
        writable,
        ids: ids_in(ui.year_doc, move |y| {
            y.mentoring.by_id(pair).map(|m| m.note_list().iter().map(|n| n.id).collect()).unwrap_or_default()
        }),
        fields: Rc::new(|_| HelpNoteFields::form()),
        blank: Rc::new(move || Values::default().with("date", today().to_string())),
        values_of: Rc::new(move |id| note(id).map(|n| n.fields().to_values()).unwrap_or_default()),
        save,
        remove,
        render: Rc::new(move |id| {
            let Some(n) = note(id) else { return ().into_any() };
            view! {
                <div class="details">{n.date.to_string()}</div>
                <p class="prose" data-testid="help-note-text">{n.text.as_str().to_owned()}</p>
            }
            .into_any()
        }),
    })
}

/// The district's view of every school's pairs, read from the schools'
/// lines in the overview.
pub fn schools_pairs(ui: Ui) -> impl IntoView {
    let rows = Memo::new(move |_| {
        school_summaries(ui)
            .unwrap_or_default()
            .into_iter()
            .flat_map(|(school, s)| s.mentoring.into_iter().map(move |p| (school.clone(), p)))
            .collect::<Vec<_>>()
    });
    view! {
        <section class="records" data-testid="schools-pairs">
            <div class="section-head">
                <h1>"Наставничество в школах"</h1>
                <span class="count">{move || rows.with(Vec::len)}</span>
            </div>
            <p class="muted">"Пары, которые ведут МО школ: план, отметки о помощи и итоги — у школы."</p>
            <ul class="record-list">
                {move || {
                    rows.get()
                        .into_iter()
                        .map(|(school, p)| {
                            let since = p.since.map(|d| format!(", с {d}")).unwrap_or_default();
                            let ended = p.until.map(|d| format!(" по {d}")).unwrap_or_default();
                            let last = p.last_help.map(|d| d.to_string()).unwrap_or_else(|| "нет".into());
                            view! {
                                <li class="record" data-testid="school-pair">
                                    <div class="name">{p.mentee.clone()}</div>
                                    <div class="details">{format!("{school} · наставник: {}{since}{ended}", p.mentor)}</div>
                                    {line("Последняя помощь", last)}
                                    {line("В плане / отметок", format!("{} / {}", p.entries.0, p.entries.1))}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}
