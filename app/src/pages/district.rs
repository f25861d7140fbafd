//! The district head's overview: a line per school for the chosen year,
//! computed on this device from the schools' synced documents (so it works
//! offline with whatever arrived last), each school one click from its
//! records, read-only.

use std::cell::RefCell;
use std::collections::HashMap;

use automerge::ChangeHash;
use leptos::prelude::*;
use shared::overview::SchoolSummary;
use shared::{AcademicYear, AssociationDoc, Date, DocumentId, LibraryDoc, YearDoc};

use crate::repo::{DocKind, Ui, repo_of, today};

/// A school's line on one day of one academic year.
type SummaryKey = (DocumentId, AcademicYear, Date);

thread_local! {
    /// Summaries by school, year and day, with the heads of the three
    /// documents they were computed from: a change to one school's records
    /// (or any document's arrival, which redraws the overview) re-reads only
    /// that school.
    static SUMMARIES: RefCell<HashMap<SummaryKey, (Vec<ChangeHash>, SchoolSummary)>> =
        RefCell::new(HashMap::new());
}

/// A school's summary from its open documents, and whether any of them
/// has arrived; `None` until they are open.
pub fn summary_of(school: DocumentId, year: AcademicYear, today: Date) -> Option<(SchoolSummary, bool)> {
    let association = repo_of(DocKind::Association, school)?;
    let year_repo = repo_of(DocKind::Year(year), school)?;
    let library = repo_of(DocKind::Library, school)?;
    let heads: Vec<ChangeHash> = [&association, &year_repo, &library].iter().flat_map(|r| r.heads()).collect();
    let arrived = !heads.is_empty();
    let key = (school, year, today);
    if let Some(summary) = SUMMARIES.with(|c| c.borrow().get(&key).filter(|(h, _)| *h == heads).map(|(_, s)| s.clone()))
    {
        return Some((summary, arrived));
    }
    let summary = SchoolSummary::of(
        &association.records::<AssociationDoc>().ok()?,
        &year_repo.records::<YearDoc>().ok()?,
        &library.records::<LibraryDoc>().ok()?,
        today,
    );
    SUMMARIES.with(|c| c.borrow_mut().insert(key, (heads, summary.clone())));
    Some((summary, arrived))
}

/// «Район»: every school of the district at a glance.
#[component]
pub fn DistrictOverview() -> impl IntoView {
    let ui = expect_context::<Ui>();
    move || {
        ui.tick.track();
        let Some(me) = ui.me.get() else { return ().into_any() };
        let year = ui.year.get();
        let today = today();
        let rows =
            me.schools
                .iter()
                .map(|school| {
                    let href = format!("#/school/{}/dashboard", school.id);
                    let cells = match summary_of(school.id, year, today) {
                        Some((s, true)) => view! {
                            <td data-testid="meetings">{format!("{} из {}", s.meetings_held, s.meetings_planned)}</td>
                            <td data-testid="plan">{format!("{}% из {}", s.plan_percent, s.plan_total)}</td>
                            <td data-testid="overdue" class:alert={s.overdue_decisions > 0}>{s.overdue_decisions}</td>
                            <td data-testid="members">{s.members}</td>
                            <td data-testid="categories" class:alert={s.categories_due > 0}>{s.categories_due}</td>
                            <td data-testid="courses" class:alert={s.courses_due > 0}>{s.courses_due}</td>
                            <td data-testid="kopilka">{format!("{} (+{})", s.materials, s.materials_this_year)}</td>
                        }
                        .into_any(),
                        _ => view! { <td colspan="7" class="muted">"записи школы ещё не получены с сервера"</td> }
                            .into_any(),
                    };
                    view! {
                        <tr data-testid="overview-row" data-school=school.name.clone()>
                            <td><a href=href data-testid="open-school">{school.name.clone()}</a></td>
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
                <table data-testid="overview">
                    <thead>
                        <tr>
                            <th>"Школа"</th>
                            <th>"Заседания: проведено из запланированных"</th>
                            <th>"План выполнен"</th>
                            <th>"Просроченные решения"</th>
                            <th>"Членов МО"</th>
                            <th>"Аттестация в ближайшие полгода или истекла"</th>
                            <th>"Курсы более 3 лет назад или нет сведений"</th>
                            <th>"Копилка (+ за год)"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
        }
        .into_any()
    }
}
