//! Analyses after events and the administration's thematic checks.

use std::rc::Rc;

use leptos::prelude::*;
use shared::analysis::{AnalysisFields, AnalysisKind};
use shared::record::{Edit, Record, RecordList};
use shared::{Values, YearDoc};

use crate::components::form::{area, date, form_error, select, text};
use crate::components::records::{RecordsSpec, records};
use crate::pages::{line, year_ids, year_kind};
use crate::repo::{Ui, edit};

/// The year's analyses, newest first.
#[component]
pub fn AnalysesPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let spec = RecordsSpec {
        title: "Аналитические материалы",
        add_label: "Добавить анализ",
        testid: "analyses",
        empty: "Анализов пока нет.",
        writable: Signal::derive(move || ui.can_edit(year_kind(ui))),
        ids: year_ids(ui, |y| y.analysis_list().iter().map(|a| a.id).collect()),
        fields: Rc::new(|| {
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
        values_of: Rc::new(move |id| {
            ui.year_doc.with_untracked(|y| {
                y.as_ref().and_then(|y| y.analyses.by_id(id)).map(|a| a.fields().to_values()).unwrap_or_default()
            })
        }),
        save: Rc::new(move |id, values: Values| {
            let fields = AnalysisFields::validate(&values, ui.year.get_untracked())?;
            edit(year_kind(ui), |doc, now| YearDoc::edit_analysis(doc, Edit::save(id, fields), now).map(|_| ()))
                .map_err(form_error)
        }),
        remove: Rc::new(move |id| {
            edit(year_kind(ui), |doc, now| YearDoc::edit_analysis(doc, Edit::Remove(id), now).map(|_| ()))
        }),
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
