//! The district head's overview: a line per school for the chosen year,
//! computed on this device (by the engine) from the schools' synced
//! documents, so it works offline with whatever arrived last; each school
//! one click from its records, read-only.

use leptos::prelude::*;
use shared::Date;
use shared::overview::{Freshness, SILENT_AFTER_DAYS};

use crate::pages::dashboard::device_tile;
use crate::ui::Ui;

/// «Район»: every school of the district at a glance.
#[component]
pub fn DistrictOverview() -> impl IntoView {
    let ui = expect_context::<Ui>();
    move || {
        // The schools' freshness is measured against the server's clock.
        let Some(me) = ui.me.get() else { return ().into_any() };
        let year = ui.year.get();
        let rows =
            me.schools
                .iter()
                .map(|school| {
                    let href = format!("#/school/{}/dashboard", school.id);
                    let fresh = Freshness::of(school.last_arrival_ms, me.server_now_ms);
                    let line = ui.summaries.with(|lines| lines.iter().find(|l| l.school == school.id).cloned());
                    let cells = match line.filter(|l| l.arrived).map(|l| l.summary) {
                        Some(s) => view! {
                            <td data-label="Заседания: проведено из запланированных" data-testid="meetings">{format!("{} из {}", s.meetings_held, s.meetings_planned)}</td>
                            <td data-label="План выполнен" data-testid="plan">{s.plan_done()}</td>
                            <td data-label="Просроченные решения" data-testid="overdue" class:alert={s.overdue_decisions > 0}>{s.overdue_decisions}</td>
                            <td data-label="Членов МО" data-testid="members">{s.members}</td>
                            <td data-label="Аттестация в ближайшие полгода или истекла" data-testid="categories" class:alert={s.categories_due > 0}>{s.categories_due}</td>
                            <td data-label="Курсы более 3 лет назад или нет сведений" data-testid="courses" class:alert={s.courses_due > 0}>{s.courses_due}</td>
                            <td data-label="Копилка (+ за год)" data-testid="kopilka">{format!("{} (+{})", s.materials, s.materials_this_year)}</td>
                            <td data-label="Мониторинг обязанностей классных руководителей" data-testid="monitoring">
                                {s.monitoring.last().map_or_else(|| "не проводился".to_owned(), |q| q.label())}
                            </td>
                        }
                        .into_any(),
                        None => view! { <td colspan="8" class="muted">"записи школы ещё не получены с сервера"</td> }
                            .into_any(),
                    };
                    view! {
                        <tr data-testid="overview-row" data-school=school.name.clone()>
                            <td><a href=href data-testid="open-school">{school.name.clone()}</a></td>
                            <td data-label="Данные на сервере" data-testid="fresh" class:alert=fresh.silent>{fresh.label()}</td>
                            {cells}
                        </tr>
                    }
                })
                .collect_view();
        view! {
            <section class="overview">
                <h2>{format!("{} · {year} уч. г.", me.district.name)}</h2>
                {me.schools.is_empty().then(|| view! {
                    <p class="note">"В районе пока нет школ. Добавьте их на вкладке «Доступ»."</p>
                })}
                // A card per school on a phone (style.css); on a laptop too
                // narrow for its columns the table scrolls, not the page.
                <div class="table-scroll">
                <table class="cards" data-testid="overview">
                    <thead>
                        <tr>
                            <th>"Школа"</th>
                            <th>"Данные последний раз поступили на сервер"</th>
                            <th>"Заседания: проведено из запланированных"</th>
                            <th>"План выполнен"</th>
                            <th>"Просроченные решения"</th>
                            <th>"Членов МО"</th>
                            <th>"Аттестация в ближайшие полгода или истекла"</th>
                            <th>"Курсы более 3 лет назад или нет сведений"</th>
                            <th>"Копилка (+ за год)"</th>
                            <th>"Мониторинг обязанностей классных руководителей"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
                </div>
                {(me.server_now_ms > 0).then(|| view! {
                    <p class="note" data-testid="fresh-as-of">
                        {format!(
                            "Когда данные школ поступали на сервер — по сведениям сервера на {}; \
                             школа без новых данных больше {SILENT_AFTER_DAYS} дней отмечена.",
                            Date::from_unix_ms(me.server_now_ms),
                        )}
                    </p>
                })}
                {device_tile(ui)}
            </section>
        }
        .into_any()
    }
}
