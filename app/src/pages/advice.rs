//! «Рекомендации РМО»: the recommendations the РМО's head left after
//! visiting this school and the district meetings' decisions addressed to
//! it, with the school's own account of how each was carried out, which
//! the district then sees. They are read from the district's document; the
//! answers are kept in the school's year.

use leptos::prelude::*;
use shared::reply::{Reply, ReplyFields};
use shared::{Change, Date, Values};
use uuid::Uuid;

use crate::clock::today;
use crate::components::form::{RecordForm, keep, then_close};
use crate::pages::{line, year_kind};
use crate::ui::Ui;

/// Something the РМО addressed to the school: a visit's recommendations or a
/// district meeting's decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Addressed {
    /// The visit's or the decision's id, which the school's answer is kept by.
    pub id: Uuid,
    /// «посещение 20.10.2026 · классный час», «заседание РМО 28.10.2026 «…»».
    pub from: String,
    /// The day of the visit or meeting: nothing is done before it.
    pub day: Date,
    /// What is asked.
    pub text: String,
    /// By when.
    pub by: Option<Date>,
}

/// What the РМО addressed to the shown school, visits first, each by date,
/// once the РМО's records are here.
pub fn addressed_here(ui: Ui) -> Option<Vec<Addressed>> {
    let school = ui.school.get()?;
    ui.district_year.with(|d| {
        let d = d.as_ref()?;
        let visits = d.visits_to(school).into_iter().map(|v| Addressed {
            id: v.id,
            from: format!("посещение {} · {}", v.date, v.kind.label()),
            day: v.date,
            text: v.recommendations.as_str().trim().to_owned(),
            by: v.follow_up_by,
        });
        let decisions = d.decisions_to(school).into_iter().map(|(e, dec)| Addressed {
            id: dec.id,
            from: format!("{} {} «{}»: решение", e.kind.label(), e.date, e.topic),
            day: e.date,
            text: dec.text.as_str().trim().to_owned(),
            by: dec.deadline,
        });
        Some(visits.chain(decisions).collect())
    })
}

/// What is not yet carried out, with whether its date has passed.
pub fn open_advice(ui: Ui) -> Vec<(Addressed, bool)> {
    let today = today();
    let all = addressed_here(ui).unwrap_or_default();
    ui.year_replies.with(|replies| {
        all.into_iter()
            .filter(|a| replies.get(&a.id).is_none_or(|r| r.done.is_none()))
            .map(|a| {
                let late = a.by.is_some_and(|by| by < today);
                (a, late)
            })
            .collect()
    })
}

#[component]
pub fn AdvicePage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let visits = Memo::new(move |_| addressed_here(ui));
    view! {
        <section class="advice" data-testid="advice">
            <div class="section-head">
                <h1>"Рекомендации РМО"</h1>
            </div>
            <p class="muted">
                "Рекомендации руководителя РМО по итогам посещений школы и решения заседаний РМО, \
                 адресованные школе. Напишите, как каждое выполнено, и отметьте день выполнения: \
                 РМО увидит вашу отметку."
            </p>
            {move || match visits.get() {
                None => view! { <p class="muted">"Загрузка…"</p> }.into_any(),
                Some(list) if list.is_empty() => {
                    view! { <p class="muted">"Рекомендаций и решений РМО для школы в этом году пока нет."</p> }.into_any()
                }
                Some(list) => view! {
                    <ul class="record-list">{list.into_iter().map(|v| advice_card(ui, v)).collect_view()}</ul>
                }
                .into_any(),
            }}
        </section>
    }
}

/// One visit or decision: what was asked, and the school's answer, read or edited.
fn advice_card(ui: Ui, item: Addressed) -> impl IntoView {
    let editing = RwSignal::new(false);
    let id = item.id;
    let day = item.day;
    let reply = move || ui.year_replies.with(|r| r.get(&id).cloned()).unwrap_or_default();
    let late = item.by.is_some_and(|by| by < today());
    let save = Callback::new(move |values: Values| {
        let checked = ReplyFields::validate(&values, day);
        then_close(keep(ui, year_kind(ui), checked, |reply| Change::Reply { to: id, reply }), editing)
    });
    let by = item.by.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <li class="record" data-testid="advice-row">
            <div class="name" data-testid="advice-from">{item.from.clone()}</div>
            <p class="prose" data-testid="advice-recommendations">{item.text.clone()}</p>
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
                    fields=ReplyFields::form()
                    initial=reply().to_values()
                    on_save=save
                    on_cancel=Callback::new(move |()| editing.set(false))
                    testid="answer-form"
                />
            </Show>
        </li>
    }
}
