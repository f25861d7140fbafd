//! «Итоги года»: the yearly analysis of the school МО (or of the district
//! РМО), its numbers taken from the records as they are now, each section
//! with the head's own words under it, ready to print or save as DOCX.

use std::rc::Rc;

use leptos::prelude::*;
use shared::AcademicYear;
use shared::link::Notes;
use shared::papers::Letterhead;
use shared::papers::analysis::{Section, Signers, analysis, closing_sections, district_sections, school_sections};
use shared::report::{DistrictReport, YearReport};
use shared::{Change, DocKind};

use crate::clock::today;
use crate::components::form::error_line;
use crate::pages::rmo::visit_answers;
use crate::pages::{district_kind, district_letterhead, school_letterhead, school_summaries, year_kind};
use crate::print::{PaperActions, blocks_view};
use crate::ui::{Ui, edit_showing};

/// The year, the sections computed from the records and who signs.
type Computed = (AcademicYear, Vec<Section>, Signers);

/// What a yearly analysis screen is about.
#[derive(Clone, Copy)]
struct ReportOf {
    /// The document that keeps the head's words.
    kind: fn(Ui) -> DocKind,
    /// The head's words, as that document holds them.
    notes: fn(Ui) -> RwSignal<Notes>,
    /// The letterhead.
    head: fn(Ui) -> Letterhead,
    /// The year, the sections computed from the records and who signs,
    /// once loaded.
    sections: fn(Ui) -> Option<Computed>,
    /// The heading.
    title: &'static str,
}

/// The school МО's analysis.
#[component]
pub fn SchoolReportPage() -> impl IntoView {
    report_page(ReportOf {
        kind: year_kind,
        notes: |ui| ui.year_notes,
        head: school_letterhead,
        sections: |ui| {
            let a = ui.records.get()?;
            let l = ui.library.get()?;
            ui.year_doc.with(|y| {
                let report = YearReport::of(&a, y.as_ref()?, &l);
                Some((report.year, school_sections(&report), Signers::from(&report)))
            })
        },
        title: "Анализ работы МО за учебный год",
    })
}

/// The district РМО's analysis, with every school's line.
#[component]
pub fn DistrictReportPage() -> impl IntoView {
    report_page(ReportOf {
        kind: district_kind,
        notes: |ui| ui.district_notes,
        head: district_letterhead,
        sections: |ui| {
            let schools = school_summaries(ui)?;
            let today = today();
            ui.district_year.with(|d| {
                let d = d.as_ref()?;
                let profile = ui.rmo_profile.get().unwrap_or_default();
                let report = DistrictReport::of(d, &profile, schools, &visit_answers(ui, d), today);
                Some((report.year, district_sections(&report), Signers::from(&report)))
            })
        },
        title: "Анализ работы РМО за учебный год",
    })
}

fn report_page(of: ReportOf) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let computed = Memo::new(move |_| (of.sections)(ui));
    let notes = (of.notes)(ui);
    let make = Rc::new(move || {
        let (year, sections, signers) = computed.get_untracked().ok_or("Записи ещё загружаются")?;
        Ok(analysis(&(of.head)(ui), year, &sections, &notes.get_untracked(), &signers))
    });
    let writable = Signal::derive(move || ui.can_edit((of.kind)(ui)));
    view! {
        <section class="report" data-testid="report">
            <div class="section-head">
                <h1>{of.title}</h1>
                <PaperActions make=make what="анализа" testid="report" />
            </div>
            <p class="muted no-print">
                "Цифры взяты из записей и пересчитываются при каждом изменении. Под каждым разделом — \
                 ваш текст: он войдёт в документ после цифр."
            </p>
            {move || match computed.get() {
                None => view! { <p class="muted">"Загрузка…"</p> }.into_any(),
                Some((_, sections, _)) => sections
                    .into_iter()
                    .chain(closing_sections())
                    .enumerate()
                    .map(|(n, s)| section_view(ui, of, n + 1, s, notes, writable))
                    .collect_view()
                    .into_any(),
            }}
        </section>
    }
}

fn section_view(
    ui: Ui,
    of: ReportOf,
    number: usize,
    section: Section,
    notes: RwSignal<Notes>,
    writable: Signal<bool>,
) -> impl IntoView {
    let key = section.key;
    let error = RwSignal::new(None::<String>);
    let save = move |text: String| {
        edit_showing(ui, (of.kind)(ui), Change::AnalysisNote { section: key.to_owned(), text }, error);
    };
    view! {
        <div class="report-section" data-testid=format!("section-{key}")>
            <h2>{format!("{number}. {}", section.title)}</h2>
            <div class="sheet-part" data-testid="section-numbers">{blocks_view(&section.blocks)}</div>
            // Someone who may only read sees the text, not a box inviting
            // them to type.
            {move || {
                let note = move || notes.with(|n| n.get(key).cloned().unwrap_or_default());
                if writable.get() {
                    view! {
                        <textarea
                            data-testid=format!("note-{key}")
                            placeholder="Ваш текст к этому разделу"
                            prop:value=note
                            on:change=move |ev| save(event_target_value(&ev))
                        ></textarea>
                    }
                    .into_any()
                } else {
                    view! { <p class="prose" data-testid=format!("note-{key}")>{note}</p> }.into_any()
                }
            }}
            {error_line(error)}
        </div>
    }
}
