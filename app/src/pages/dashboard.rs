//! Обзор: what the person has on their hands (their decisions, plan rows
//! and regulations to read) and what the head should look at today — plan
//! completion, overdue rows and decisions, protocols not written up,
//! duplicate numbers, members' warnings, unread regulations and the РМО's
//! recommendations not yet carried out.

use leptos::prelude::*;
use shared::association::initials;
use shared::record::RecordList;

use crate::clock::{day_of, today};
use crate::pages::advice::open_advice;
use crate::pages::next_year::next_year_tile;
use crate::pages::surveys::open_surveys;
use crate::pages::{name_of, year_kind};
use crate::ui::{Ui, days_since};

/// The dashboard of the chosen year.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let started = RwSignal::new(None);
    let dash = Memo::new(move |_| ui.year_doc.with(|y| y.as_ref().map(|y| y.dashboard(today()))));
    let lines = move |pick: fn(&shared::YearDoc, &shared::year::Dashboard, Ui) -> Vec<String>| {
        move || {
            let Some(d) = dash.get() else { return Vec::new() };
            ui.year_doc.with(|y| y.as_ref().map(|y| pick(y, &d, ui)).unwrap_or_default())
        }
    };
    let overdue_rows = lines(|y, d, _| {
        d.overdue_rows
            .iter()
            .filter_map(|id| y.plan.by_id(*id))
            .map(|r| format!("{} — {}", r.when.label(), r.topic))
            .collect()
    });
    let upcoming = lines(|y, d, _| {
        d.upcoming_rows
            .iter()
            .filter_map(|id| y.plan.by_id(*id))
            .map(|r| format!("{} — {}", r.when.label(), r.topic))
            .collect()
    });
    let decisions = lines(|y, d, ui| {
        d.overdue_decisions
            .iter()
            .filter_map(|(p, dec)| {
                let p = y.protocol(*p)?;
                let dec = p.decisions.by_id(*dec)?;
                Some(format!(
                    "{} (протокол № {}): {}, срок {}",
                    dec.text.as_str(),
                    p.number,
                    name_of(ui, dec.responsible),
                    dec.deadline.map(|d| d.to_string()).unwrap_or_default()
                ))
            })
            .collect()
    });
    let unfinished = lines(|y, d, _| {
        d.unfinished_protocols
            .iter()
            .filter_map(|id| y.protocol(*id))
            .map(|p| format!("{} — не оформлен", p.title()))
            .collect()
    });
    let duplicates =
        lines(|_, d, _| d.duplicate_numbers.iter().map(|n| format!("номер {n} у нескольких протоколов")).collect());
    let member_flags = move || {
        let head = ui.year_doc.with(|y| y.as_ref().and_then(|y| y.profile.head));
        ui.records.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.active_members()
                        .iter()
                        .flat_map(|m| {
                            m.flags(today(), head == Some(m.id)).into_iter().map(|f| format!("{}: {f}", m.full_name))
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let unread = move || {
        ui.records.with(|r| {
            ui.library.with(|l| {
                let (Some(r), Some(l)) = (r, l) else { return Vec::new() };
                let members = r.active_members();
                l.regulation_list()
                    .iter()
                    .filter_map(|reg| {
                        let missing = reg.not_acknowledged(&members);
                        (!missing.is_empty()).then(|| {
                            let names: Vec<String> = missing.iter().map(|m| initials(&m.full_name)).collect();
                            format!("{}: не ознакомлены {}", reg.title, names.join(", "))
                        })
                    })
                    .collect()
            })
        })
    };
    let advice = move || {
        open_advice(ui)
            .into_iter()
            .map(|(a, late)| {
                let by = a.by.map(|d| format!(", срок {d}")).unwrap_or_default();
                let late = if late { " — срок прошёл" } else { "" };
                format!("{}: {}{by}{late}", a.from, first_line(&a.text))
            })
            .collect()
    };
    // What this device's person has on their hands, once a head linked it
    // to their record: a class teacher opens the app for this.
    let mine = move || {
        let Some(me) = ui.settled.with(|m| m.as_ref().and_then(|m| m.member)) else { return Vec::new() };
        let late = |late: bool| if late { " — срок прошёл" } else { "" };
        let mut lines: Vec<String> = ui.year_doc.with(|y| {
            let Some(y) = y else { return Vec::new() };
            let assigned = y.assigned_to(me, today());
            let decisions = assigned.decisions.iter().filter_map(|(p, dec, overdue)| {
                let p = y.protocol(*p)?;
                let dec = p.decisions.by_id(*dec)?;
                let by = dec.deadline.map(|d| format!(", срок {d}")).unwrap_or_default();
                Some(format!("Решение: {} (протокол № {}){by}{}", dec.text.as_str(), p.number, late(*overdue)))
            });
            let rows = assigned.rows.iter().filter_map(|(id, overdue)| {
                let r = y.plan.by_id(*id)?;
                Some(format!("План: {} — {}{}", r.when.label(), r.topic, late(*overdue)))
            });
            decisions.chain(rows).collect()
        });
        lines.extend(ui.library.with(|l| {
            l.as_ref()
                .map(|l| {
                    l.regulation_list()
                        .iter()
                        .filter(|reg| reg.acknowledged_by(me).is_none())
                        .map(|reg| format!("Ознакомиться: {}", reg.title))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }));
        lines
    };
    let quiet = lines(|y, d, ui| {
        d.quiet_pairs
            .iter()
            .filter_map(|id| y.mentoring.by_id(*id))
            .map(|m| format!("{} (наставник: {})", name_of(ui, m.mentee), name_of(ui, m.mentor)))
            .collect()
    });
    view! {
        <section class="dashboard" data-testid="dashboard">
            <div class="section-head">
                <h1>{move || format!("Обзор на {} · {} учебный год", today(), ui.year.get())}</h1>
            </div>
            {first_steps(ui)}
            {block("Ваши дела", "my-tasks", Signal::derive(mine))}
            <div class="tile">
                // A year with no plan yet says so rather than «0% … 0 из 0».
                <Show when=move || dash.with(|d| d.as_ref().is_some_and(|d| d.plan_total > 0))>
                    <div class="big" data-testid="plan-percent">{move || dash.get().map(|d| format!("{}%", d.plan_percent))}</div>
                </Show>
                <div class="muted" data-testid="plan-progress">
                    {move || dash.get().map(|d| match d.plan_total {
                        0 => "план работы на год ещё не составлен".to_owned(),
                        total => format!("плана выполнено: {} из {total}", d.plan_done),
                    })}
                </div>
            </div>
            {block("Просрочено по плану", "overdue-rows", Signal::derive(overdue_rows))}
            {block("Ближайшие 30 дней", "upcoming-rows", Signal::derive(upcoming))}
            {block("Просроченные решения", "overdue-decisions", Signal::derive(decisions))}
            {block("Протоколы не оформлены (прошло больше 3 дней)", "unfinished-protocols", Signal::derive(unfinished))}
            {block("Повторяющиеся номера протоколов", "duplicate-numbers", Signal::derive(duplicates))}
            {block("Члены МО: обратить внимание", "member-flags", Signal::derive(member_flags))}
            {block("Документы: лист ознакомления", "unread-regulations", Signal::derive(unread))}
            {block("Рекомендации РМО: не выполнены", "open-advice", Signal::derive(advice))}
            {block("Анкеты РМО: ждут вашего ответа", "open-surveys", Signal::derive(move || open_surveys(ui)))}
            {block("Наставничество: больше месяца нет отметок о помощи", "quiet-pairs", Signal::derive(quiet))}
            {next_year_tile(ui, started)}
            {device_tile(ui)}
        </section>
    }
}

/// The first line of `text`, for a list.
fn first_line(text: &str) -> &str {
    text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default()
}

/// «Это устройство»: how much of the records it holds and how much room is
/// left, and whether the browser promised to keep them; if it did not, a
/// phone short of space may delete them, and the person is told so.
pub fn device_tile(ui: Ui) -> impl IntoView {
    // What the device holds grows after the app's start (the records come
    // down, the app is kept for offline use): read again whenever the tile
    // is shown and whenever the server has everything.
    Effect::new(move |_| {
        ui.last_synced.track();
        leptos::task::spawn_local(async move { ui.storage.set(Some(crate::pwa::read_storage().await)) });
    });
    move || {
        let state = ui.storage.get()?;
        let refused = state.persisted == Some(false);
        Some(view! {
            <div class="tile" data-testid="device-storage">
                <h2>"Это устройство"</h2>
                {state.usage_line().map(|line| view! {
                    <p data-testid="storage-usage" data-bytes=state.usage>{format!("Приложение, записи и файлы занимают {line}")}</p>
                })}
                <p data-testid="last-sync">
                    {move || match ui.last_synced.get() {
                        None => "Последняя синхронизация: ещё не было".to_owned(),
                        Some(ms) => match days_since(ms) {
                            0 => "Последняя синхронизация: сегодня".to_owned(),
                            days => format!("Последняя синхронизация: {days} дн. назад ({})", day_of(ms)),
                        },
                    }}
                </p>
                {match state.persisted {
                    Some(true) => view! {
                        <p class="muted" data-testid="storage-kept">"Браузер обещал хранить записи и не удалять их при нехватке места."</p>
                    }.into_any(),
                    Some(false) => view! {
                        <p class="alert" data-testid="storage-not-kept">
                            "Браузер не обещал хранить записи постоянно: если на устройстве кончится место, он может \
                             их удалить, а несинхронизированные изменения пропадут. Установите приложение на главный \
                             экран или разрешите сайту хранить данные в настройках браузера."
                        </p>
                    }.into_any(),
                    None => ().into_any(),
                }}
                {(!refused && state.persisted.is_none()).then(|| view! {
                    <p class="muted">"Браузер не сообщает, хранит ли он записи постоянно."</p>
                })}
            </div>
        })
    }
}

/// «С чего начать»: while the year has no theme, no members or no plan,
/// the three first things to do, each a link to its screen and ticked once
/// done; gone when all three are.
fn first_steps(ui: Ui) -> impl IntoView {
    let steps = Memo::new(move |_| {
        let theme = ui.year_doc.with(|y| y.as_ref().map(|y| !y.profile.theme.as_str().trim().is_empty()))?;
        let members = ui.records.with(|r| r.as_ref().map(|r| !r.active_members().is_empty()))?;
        let plan = ui.year_doc.with(|y| y.as_ref().map(|y| !y.plan.active().is_empty()))?;
        Some([
            ("profile", "Тема и задачи МО на год", "с них начинаются план и анализ года", theme),
            ("members", "Члены МО", "классные руководители: кто в МО, категории, курсы", members),
            ("plan", "План работы на год", "заседания и мероприятия: по нему обзор считает выполнение", plan),
        ])
    });
    let shown = move || ui.can_edit(year_kind(ui)) && steps.with(|s| s.is_some_and(|s| s.iter().any(|step| !step.3)));
    view! {
        <Show when=shown>
            <div class="tile first-steps" data-testid="first-steps">
                <h2>"С чего начать"</h2>
                <ol>
                    {move || {
                        steps.get().unwrap_or_default().into_iter().map(|(slug, title, why, done)| view! {
                            <li class:done=done data-testid="first-step">
                                <a href=format!("#/{slug}")>{title}</a>
                                {if done { " — готово".to_owned() } else { format!(" — {why}") }}
                            </li>
                        }).collect_view()
                    }}
                </ol>
            </div>
        </Show>
    }
}

fn block(title: &'static str, testid: &'static str, items: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <Show when=move || !items.with(Vec::is_empty)>
            <div class="tile" data-testid=testid>
                <h2>{title}</h2>
                <ul>{move || items.get().into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
            </div>
        </Show>
    }
}
