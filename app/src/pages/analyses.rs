//! Analyses after events and the administration's thematic checks.

use std::rc::Rc;

use leptos::prelude::*;
use shared::Change;
use shared::analysis::{AnalysisFields, AnalysisKind};
use shared::record::{Record, RecordList};

use crate::components::form::{area, date, select, text};
use crate::components::records::{RecordsSpec, list_edits, records};
use crate::pages::{ids_in, line, values_in, year_kind};
use crate::ui::Ui;

/// The year's analyses, newest first.
#[component]
pub fn AnalysesPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let (save, remove) = list_edits(
        ui,
        move || year_kind(ui),
        move |_, v| AnalysisFields::validate(v, ui.year.get_untracked()),
        Change::Analysis,
    );
    let spec = RecordsSpec {
        title: "Аналитические материалы",
        kind: Signal::derive(move || year_kind(ui)),
        list: "analyses",
        parent: None,
        add_label: "Добавить анализ",
        testid: "analyses",
        empty: "Анализов пока нет.",
        writable: Signal::derive(move || ui.can_edit(year_kind(ui))),
        ids: ids_in(ui.year_doc, |y| y.analysis_list().iter().map(|a| a.id).collect()),
        fields: Rc::new(|_| {
            vec![
                select("kind", "Вид", AnalysisKind::options()),
                text("title", "Название"),
                date("date", "Дата"),
                text("subject", "Предмет анализа"),
                area("text", "Текст"),
                area("conclusions", "Выводы"),
                area("recommendations", "Рекомендации"),
            ]
        }),
        blank: Rc::new(AnalysisFields::blank),
        values_of: values_in(ui.year_doc, |y, id| y.analyses.by_id(id).map(|a| a.fields().to_values())),
        save,
        remove,
        render: Rc::new(move |id| {
            let Some(a) = ui.year_doc.with(|y| y.as_ref().and_then(|y| y.analyses.by_id(id).cloned())) else {
                return ().into_any();
            };
            view! {
                <div class="name">{a.title.clone()}</div>
                <div class="details">{format!("{} · {}", a.date, a.kind.label())}</div>
                {line("Предмет", a.subject.clone())}
                <p class="prose">{a.text.as_str().to_owned()}</p>
                {line("Выводы", a.conclusions.as_str().to_owned())}
                {line("Рекомендации", a.recommendations.as_str().to_owned())}
            }
            .into_any()
        }),
    };
    records(spec)
}
