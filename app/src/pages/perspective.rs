//! «Перспективный план»: what the РМО means to do over several academic
//! years, line by line, printed as a landscape table with a column per
//! year. The РМО's year plan shows the lines that fall on its year
//! ([`perspective_for_year`]), so the year is planned from it.

use std::rc::Rc;

use leptos::prelude::*;
use shared::fields::offer;
use shared::perspective::{Direction, PerspectiveFields, PerspectiveRow};
use shared::record::{Record, RecordList};
use shared::{AcademicYear, Change, DocKind, Values};

use crate::components::records::{RecordsSpec, list_edits, records};
use crate::pages::{district_letterhead, ids_in, line, values_in};
use crate::print::{MakePaper, PaperActions};
use crate::ui::Ui;

/// The perspective plan's lines, and its paper.
#[component]
pub fn PerspectivePage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let kind = || DocKind::Perspective;
    let (save, remove) = list_edits(ui, kind, |_, v| PerspectiveFields::validate(v), Change::Perspective);
    let spec = RecordsSpec {
        title: "Перспективный план работы РМО",
        kind: Signal::derive(kind),
        list: "rows",
        parent: None,
        add_label: "Добавить в перспективный план",
        testid: "perspective",
        empty: "Перспективного плана пока нет. В нём — направления работы РМО на несколько лет вперёд; \
                годовой план составляется по нему.",
        writable: Signal::derive(move || ui.can_edit(DocKind::Perspective)),
        ids: ids_in(ui.perspective, |d| d.row_list().iter().map(|r| r.id).collect()),
        fields: Rc::new(move |_| {
            let years = year_options(ui);
            offer(offer(PerspectiveFields::form(), "from", years.clone()), "to", years)
        }),
        blank: Rc::new(move || {
            let year = ui.year.get_untracked().0.to_string();
            Values::default().with("direction", Direction::Methodical.code()).with("from", &year).with("to", year)
        }),
        values_of: values_in(ui.perspective, |d, id| d.rows.by_id(id).map(|r| r.fields().to_values())),
        save,
        remove,
        render: Rc::new(move |id| {
            ui.perspective
                .with(|d| d.as_ref().and_then(|d| d.rows.by_id(id).cloned()))
                .map(|r| row_view(&r).into_any())
                .unwrap_or_else(|| ().into_any())
        }),
    };
    let print: MakePaper = Rc::new(move || {
        let head = district_letterhead(ui);
        let signer = ui.rmo_profile.with_untracked(|p| p.as_ref().map(|p| p.head.clone()).unwrap_or_default());
        ui.perspective.with_untracked(|d| {
            let d = d.as_ref().ok_or("Записи РМО ещё загружаются")?;
            if d.period().is_none() {
                return Err("В перспективном плане пока ничего нет".to_owned());
            }
            Ok(d.paper(&head, &signer))
        })
    });
    view! {
        <div class="actions no-print">
            <PaperActions make=print what="перспективного плана" testid="perspective" />
        </div>
        {records(spec)}
    }
}

/// A line of the plan: its direction and years, then what and who.
fn row_view(r: &PerspectiveRow) -> impl IntoView + use<> {
    view! {
        <div class="when" data-testid="perspective-years">{r.years()}</div>
        <div class="name" data-testid="perspective-content">{r.content.as_str().to_owned()}</div>
        <div class="details">{r.direction.label()}</div>
        {line("Ответственный", r.responsible.clone())}
        {line("Ожидаемый результат", r.result.clone())}
    }
}

/// Academic years a line may start or end in: from two years before the
/// chosen one to six after, as (starting calendar year, «2026/2027»).
fn year_options(ui: Ui) -> Vec<(String, String)> {
    let year = ui.year.get_untracked().0;
    (year - 2..=year + 6).map(|y| (y.to_string(), AcademicYear(y).to_string())).collect()
}

/// Above the РМО's year plan: the perspective plan's lines for the chosen
/// year, which the year plan is drawn up from.
pub fn perspective_for_year(ui: Ui) -> impl IntoView {
    let lines = Memo::new(move |_| {
        let year = ui.year.get();
        ui.perspective
            .with(|d| d.as_ref().map(|d| d.rows_in(year).into_iter().cloned().collect::<Vec<_>>()).unwrap_or_default())
    });
    view! {
        <Show when=move || !lines.with(Vec::is_empty)>
            <details class="tile no-print" data-testid="perspective-this-year">
                <summary>
                    {move || format!("По перспективному плану на {} учебный год: {}", ui.year.get(), lines.with(Vec::len))}
                </summary>
                <ul class="record-list">
                    {move || {
                        lines
                            .get()
                            .iter()
                            .map(|r| view! { <li class="record" data-testid="perspective-line">{row_view(r)}</li> })
                            .collect_view()
                    }}
                </ul>
            </details>
        </Show>
    }
}
