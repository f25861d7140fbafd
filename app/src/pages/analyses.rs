//! Analyses after events and the administration's thematic checks, each
//! about a row of the year's plan if it names one, printed and saved as
//! «Аналитическая справка».

use std::rc::Rc;

use leptos::prelude::*;
use shared::Change;
use shared::analysis::AnalysisFields;
use shared::fields::offer;
use shared::papers::note::analytical_note;
use shared::plan::PlanDoc;
use shared::record::{Record, RecordList};
use uuid::Uuid;

use crate::components::records::{RecordsSpec, list_edits, records};
use crate::pages::{ids_in, line, school_paper, values_in, year_kind};
use crate::print::PaperActions;
use crate::ui::Ui;

/// The year's analyses, newest first.
#[component]
pub fn AnalysesPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let (save, remove) = list_edits(
        ui,
        move || year_kind(ui),
        move |_, v| {
            let rows: Vec<Uuid> = plan_rows(ui).into_iter().map(|(id, _)| id).collect();
            AnalysisFields::validate(v, ui.year.get_untracked(), &rows)
        },
        Change::Analysis,
    );
    let spec = RecordsSpec {
        title: "Аналитические материалы",
        kind: Signal::derive(move || year_kind(ui)),
        list: "analyses",
        parent: None,
        add_label: "Добавить анализ",
        testid: "analyses",
        empty: "Анализов пока нет. Анализ пишут после мероприятия или тематической проверки; он \
                печатается как аналитическая справка.",
        writable: Signal::derive(move || ui.can_edit(year_kind(ui))),
        ids: ids_in(ui.year_doc, |y| y.analysis_list().iter().map(|a| a.id).collect()),
        fields: Rc::new(move |_| {
            let mut rows = vec![(String::new(), "— не к пункту плана —".to_owned())];
            rows.extend(plan_rows(ui).into_iter().map(|(id, row)| (id.to_string(), row)));
            offer(AnalysisFields::form(), "plan_row", rows)
        }),
        blank: Rc::new(AnalysisFields::blank),
        values_of: values_in(ui.year_doc, |y, id| y.analyses.by_id(id).map(|a| a.fields().to_values())),
        save,
        remove,
        render: Rc::new(move |id| {
            let Some(a) = ui.year_doc.with(|y| y.as_ref().and_then(|y| y.analyses.by_id(id).cloned())) else {
                return ().into_any();
            };
            let row = a.plan_row.and_then(|r| plan_rows(ui).into_iter().find(|(id, _)| *id == r)).map(|(_, t)| t);
            let note = school_paper(ui, move |head, members, y| {
                let a = y.analyses.by_id(id)?;
                let row = a.plan_row.and_then(|r| y.plan.by_id(r));
                let signer = members.initials_of(y.profile.head);
                Some(analytical_note(head, a, row, &signer))
            });
            view! {
                <div class="name" data-testid="analysis-title">{a.title.clone()}</div>
                <div class="details">{format!("{} · {}", a.date, a.kind.label())}</div>
                <div data-testid="analysis-plan-row">{line("Пункт плана", row.unwrap_or_default())}</div>
                {line("Предмет", a.subject.clone())}
                <p class="prose">{a.text.as_str().to_owned()}</p>
                {line("Выводы", a.conclusions.as_str().to_owned())}
                {line("Рекомендации", a.recommendations.as_str().to_owned())}
                <div class="actions">
                    <PaperActions make=note what="справки" testid="analysis-note" />
                </div>
            }
            .into_any()
        }),
    };
    records(spec)
}

/// The year's plan rows, as «ноябрь — Семинар «…»», in the plan's order.
fn plan_rows(ui: Ui) -> Vec<(Uuid, String)> {
    ui.year_doc.with_untracked(|y| {
        y.as_ref()
            .map(|y| y.plan_rows().iter().map(|r| (r.id, format!("{} — {}", r.when.label(), r.topic))).collect())
            .unwrap_or_default()
    })
}
