//! «Начать новый учебный год» on the dashboard: from April on (or for a
//! year gone by) the head reviews what the next year takes from this one —
//! the profile with the analysis' tasks for next year, the plan rows that
//! recur, the mentoring pairs still running, every member's стаж a year
//! older — and starts it. The app then shows the new year.

use leptos::prelude::*;
use shared::association::initials;
use shared::fields::relabel;
use shared::next_year::{Draft, NextYear, TASKS_SECTION};
use shared::plan::PlanDoc;
use shared::profile::ProfileFields;
use shared::{AcademicYear, Change, Date, DocKind, Values};
use uuid::Uuid;

use crate::clock::today;
use crate::components::form::{RecordForm, Saving, at_once, checks, form_error};
use crate::pages::{is_school_head, name_of, year_kind};
use crate::ui::{Ui, edit, until};

/// What the draft offers to carry: the rows and pairs, in the form's order.
#[derive(Clone)]
struct Offer {
    rows: Vec<(Uuid, String)>,
    pairs: Vec<(Uuid, String)>,
}

/// The dashboard's tile. `started` says what the last start carried; it
/// outlives the switch to the new year, so it belongs to the dashboard.
pub fn next_year_tile(ui: Ui, started: RwSignal<Option<String>>) -> impl IntoView {
    let open = RwSignal::new(false);
    let offered = move || {
        let year = ui.year.get();
        let due = Date::new(year.0 + 1, 4, 1).is_some_and(|april| today() >= april);
        let written = ui
            .year_doc
            .with(|y| y.as_ref().is_some_and(|y| !y.profile.theme.as_str().is_empty() || !y.plan.is_empty()));
        due && written && is_school_head(ui) && ui.can_edit(year_kind(ui))
    };
    let next = move || AcademicYear(ui.year.get().0 + 1);
    view! {
        <Show when=move || started.with(Option::is_some)>
            <div class="tile" data-testid="next-year-started">
                <p>{move || started.get()}</p>
            </div>
        </Show>
        <Show when=offered>
            <div class="tile" data-testid="next-year">
                <h2>"Новый учебный год"</h2>
                <Show
                    when=move || open.get()
                    fallback=move || view! {
                        <p class="muted">
                            "Тема и задачи, повторяющиеся пункты плана, пары наставничества и стаж членов МО \
                             переносятся в следующий год: ничего не нужно набирать заново."
                        </p>
                        <button class="primary" data-testid="start-next-year" on:click=move |_| open.set(true)>
                            {move || format!("Начать {} учебный год", next())}
                        </button>
                    }
                >
                    {move || draft_form(ui, open, started)}
                </Show>
            </div>
        </Show>
    }
}

/// The draft to review: the profile's fields, the rows and pairs ticked as
/// proposed, and the стаж each member will have.
fn draft_form(ui: Ui, open: RwSignal<bool>, started: RwSignal<Option<String>>) -> impl IntoView {
    let from = ui.year.get_untracked();
    let Some(year) = ui.year_doc.get_untracked() else { return ().into_any() };
    let tasks = ui.year_notes.with_untracked(|n| n.get(TASKS_SECTION).cloned());
    let draft = Draft::of(&year, tasks.as_deref());
    let offer = Offer {
        rows: year.plan_rows().iter().map(|r| (r.id, format!("{} — {}", r.when.label(), r.topic))).collect(),
        pairs: draft
            .pairs
            .iter()
            .filter_map(|id| year.mentoring.iter().find(|m| m.id == *id))
            .map(|m| (m.id, format!("{} (наставник: {})", name_of(ui, m.mentee), name_of(ui, m.mentor))))
            .collect(),
    };
    let mut initial = draft.profile.to_values();
    for (k, (_, proposed)) in draft.rows.iter().enumerate() {
        initial.set(&format!("rows-{}", k + 1), proposed.to_string());
    }
    for k in 0..offer.pairs.len() {
        initial.set(&format!("pairs-{}", k + 1), "true");
    }
    let mut fields =
        relabel(ProfileFields::form(), "tasks", "Задачи (предложены из анализа: «Задачи на следующий учебный год»)");
    fields.extend([
        checks(
            "rows",
            "Пункты плана, которые повторяются каждый год",
            offer.rows.iter().map(|r| r.1.clone()).collect(),
        ),
        checks(
            "pairs",
            "Пары наставничества, которые продолжают работу",
            offer.pairs.iter().map(|p| p.1.clone()).collect(),
        ),
    ]);
    let stazh = ui.records.with_untracked(|r| {
        r.as_ref()
            .map(|r| {
                r.active_members()
                    .iter()
                    .map(|m| {
                        format!("{}: {} → {}", initials(&m.full_name), m.experience_in(from), m.experience_in(from) + 1)
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    let save = Callback::new(move |values: Values| start(ui, from, &offer, &values, open, started));
    view! {
        <p>"Проверьте, что перейдёт в новый год. Всё это можно будет изменить и потом."</p>
        <p class="muted" data-testid="next-year-stazh">
            {format!("Стаж членов МО станет на год больше: {}", stazh.join("; "))}
        </p>
        <RecordForm
            fields=fields
            initial=initial
            on_save=save
            on_cancel=Callback::new(move |()| open.set(false))
            testid="next-year-form"
        />
    }
    .into_any()
}

/// Starts the year after `from` with the reviewed draft: switches to it,
/// waits for its document, writes what is carried, then counts the стаж.
fn start(
    ui: Ui,
    from: AcademicYear,
    offer: &Offer,
    values: &Values,
    open: RwSignal<bool>,
    started: RwSignal<Option<String>>,
) -> Saving {
    let profile = match ProfileFields::validate(values) {
        Ok(profile) => profile,
        Err(errors) => return at_once(Err(errors)),
    };
    let ticked = |name: &str, list: &[(Uuid, String)]| -> Vec<Uuid> {
        list.iter().enumerate().filter(|(k, _)| values.flag(&format!("{name}-{}", k + 1))).map(|(_, r)| r.0).collect()
    };
    let (rows, pairs) = (ticked("rows", &offer.rows), ticked("pairs", &offer.pairs));
    let Some(next) = ui.year_doc.with_untracked(|y| y.as_ref().map(|y| NextYear::carry(y, profile, &rows, &pairs)))
    else {
        return at_once(Err(form_error("Записи ещё загружаются, повторите через секунду".into())));
    };
    let summary = format!(
        "Начат {} учебный год: тема и задачи, пунктов плана — {}, пар наставничества — {}; стаж членов МО \
         увеличен на год.",
        AcademicYear(from.0 + 1),
        next.plan.len(),
        next.mentoring.len()
    );
    Box::pin(async move {
        let year = AcademicYear(from.0 + 1);
        ui.choose_year(year);
        until(move || ui.can_edit(DocKind::Year(year))).await;
        let mut outcome = edit(ui, DocKind::Year(year), Change::StartYear(Box::new(next))).await;
        if outcome.is_ok() {
            outcome = edit(ui, DocKind::Association, Change::CountExperience(year)).await;
        }
        // The form went with the year it was opened in: the outcome is
        // told on the new year's dashboard.
        open.try_set(false);
        started.set(Some(match &outcome {
            Ok(()) => summary,
            Err(e) => format!("{year} учебный год начат не полностью: {e}. Повторите «Начать» в прошлом году."),
        }));
        outcome.map_err(form_error)
    })
}
