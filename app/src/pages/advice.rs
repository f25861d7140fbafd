//! «Рекомендации РМО»: the recommendations the РМО's head left after
//! visiting this school, and the school's own account of how each was
//! carried out, which the district then sees. The visits are read from the
//! district's document; the answers are kept in the school's year.

use leptos::prelude::*;
use shared::district::Visit;
use shared::reply::{Reply, ReplyFields};
use shared::{Change, Values};

use crate::clock::today;
use crate::components::form::{RecordForm, area, date, keep, then_close};
use crate::pages::{line, year_kind};
use crate::ui::Ui;

/// The visits to the shown school, by date, once the РМО's records are here.
pub fn visits_here(ui: Ui) -> Option<Vec<Visit>> {
    let school = ui.school.get()?;
    ui.district_year.with(|d| d.as_ref().map(|d| d.visits_to(school).into_iter().cloned().collect()))
}

/// Recommendations not yet carried out, with whether their date has passed.
pub fn open_advice(ui: Ui) -> Vec<(Visit, bool)> {
    let today = today();
    let visits = visits_here(ui).unwrap_or_default();
    ui.year_replies.with(|replies| {
        visits
            .into_iter()
            .filter(|v| replies.get(&v.id).is_none_or(|r| r.done.is_none()))
            .map(|v| {
                let late = v.follow_up_by.is_some_and(|by| by < today);
                (v, late)
            })
            .collect()
    })
}

#[component]
pub fn AdvicePage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let visits = Memo::new(move |_| visits_here(ui));
    view! {
        <section class="advice" data-testid="advice">
            <div class="section-head">
                <h1>"Рекомендации РМО"</h1>
            </div>
            <p class="muted">
                "Рекомендации руководителя РМО по итогам посещений школы. Напишите, как каждая выполнена, \
                 и отметьте день выполнения: РМО увидит вашу отметку."
            </p>
            {move || match visits.get() {
                None => view! { <p class="muted">"Загрузка…"</p> }.into_any(),
                Some(list) if list.is_empty() => {
                    view! { <p class="muted">"Посещений школы в этом году пока не было."</p> }.into_any()
                }
                Some(list) => view! {
                    <ul class="record-list">{list.into_iter().map(|v| advice_card(ui, v)).collect_view()}</ul>
                }
                .into_any(),
            }}
        </section>
    }
}

/// One visit: what was recommended, and the school's answer, read or edited.
fn advice_card(ui: Ui, visit: Visit) -> impl IntoView {
    let editing = RwSignal::new(false);
    let id = visit.id;
    let visited = visit.date;
    let reply = move || ui.year_replies.with(|r| r.get(&id).cloned()).unwrap_or_default();
    let late = visit.follow_up_by.is_some_and(|by| by < today());
    let save = Callback::new(move |values: Values| {
        let checked = ReplyFields::validate(&values, visited);
        then_close(keep(ui, year_kind(ui), checked, |reply| Change::Reply { to: id, reply }), editing)
    });
    let by = visit.follow_up_by.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <li class="record" data-testid="advice-row">
            <div class="name" data-testid="advice-visit">{format!("{} · {}", visit.date, visit.kind.label())}</div>
            <div class="line"><span class="label">"Рекомендации:"</span></div>
            <p class="prose" data-testid="advice-recommendations">{visit.recommendations.as_str().to_owned()}</p>
            {line("Срок исполнения", by)}
            {move || {
                let r: Reply = reply();
                let answer = r.answer();
                let status = answer.status();
                let overdue = late && r.done.is_none();
                view! {
                    {line("Как выполнены", answer.text.clone())}
                    <div class="line" data-testid="advice-status">
                        <span class="label">"Отметка: "</span>
                        <span class="value">{if status.is_empty() { "нет".to_owned() } else { status }}</span>
                    </div>
                    {overdue.then(|| view! {
                        <p class="alert" data-testid="advice-overdue">"Срок прошёл, отметки о выполнении нет"</p>
                    })}
                }
            }}
            <Show when=move || ui.can_edit(year_kind(ui)) && !editing.get()>
                <button data-testid="answer" on:click=move |_| editing.set(true)>"Отметить выполнение"</button>
            </Show>
            <Show when=move || editing.get()>
                <RecordForm
                    fields=vec![area("text", "Что сделано"), date("done", "Выполнено (день)")]
                    initial=reply().to_values()
                    on_save=save
                    on_cancel=Callback::new(move |()| editing.set(false))
                    testid="answer-form"
                />
            </Show>
        </li>
    }
}
