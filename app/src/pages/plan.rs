//! A year plan (годовой план работы) with completion marks: the school МО's,
//! whose rows its meetings' protocols fulfil, and the РМО's, whose rows its
//! events fulfil. One screen for both; [`PlanOf`] says which.

use std::rc::Rc;

use leptos::prelude::*;
use shared::district::DistrictYearDoc;
use shared::form::member_value;
use shared::papers::plan::PlanHeader;
use shared::plan::{Completion, PlanDoc, PlanFields, PlanMark, WorkKind};
use shared::record::{Record, RecordList};
use shared::{Change, DocKind, YearDoc, papers};
use uuid::Uuid;

use crate::components::form::error_line;
use crate::components::import::{ImportFromWord, Importing};
use crate::components::records::{RecordsSpec, list_edits, records_with};
use crate::pages::perspective::perspective_for_year;
use crate::pages::protocols::protocol_from_plan;
use crate::pages::{district_kind, district_letterhead, ids_in, line, name_of, school_paper, values_in, year_kind};
use crate::print::{MakePaper, PaperActions};
use crate::ui::{Ui, edit_showing};

/// Which plan a screen shows.
pub struct PlanOf<D: 'static> {
    /// The document's records.
    doc: fn(Ui) -> RwSignal<Option<D>>,
    /// The document.
    kind: fn(Ui) -> DocKind,
    /// The heading.
    title: &'static str,
    /// The fields of a plan row this plan does not show: the school's
    /// names a member as responsible and marks rows recurring for the next
    /// year's draft; the РМО's writes the responsible by name.
    hidden: &'static [&'static str],
    /// The completion select's empty choice («протокол: —»).
    no_fulfiller: &'static str,
    /// The plan as a document to print.
    paper: fn(Ui) -> MakePaper,
    /// What the screen shows under the plan's heading, above its rows (the
    /// РМО's: the perspective plan's lines for the year).
    above: fn(Ui) -> AnyView,
    /// What a meeting's row not yet held offers (the school's: «Оформить
    /// протокол»).
    record_meeting: fn(Ui, Uuid) -> AnyView,
}

impl<D> Clone for PlanOf<D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<D> Copy for PlanOf<D> {}

/// The school МО's plan: responsible members, rows fulfilled by protocols.
pub const SCHOOL_PLAN: PlanOf<YearDoc> = PlanOf {
    doc: |ui| ui.year_doc,
    kind: year_kind,
    title: "План работы",
    hidden: &["responsible_name"],
    no_fulfiller: "протокол: —",
    above: |_| view! { <ImportFromWord what=Importing::Plan /> }.into_any(),
    record_meeting: |ui, row| protocol_from_plan(ui, row).into_any(),
    paper: |ui| {
        school_paper(ui, |head, a, y| {
            let header = PlanHeader {
                considered_at: y.protocol_list().first().copied(),
                theme: y.profile.theme.as_str().trim().to_owned(),
                goal: y.profile.goal.as_str().trim().to_owned(),
                tasks: y.profile.task_list(),
                ..PlanHeader::default()
            };
            Some(papers::plan::plan(head, y.academic_year(), &header, &y.plan_rows(), |r| a.name_of(r.responsible)))
        })
    },
};

/// The РМО's plan: responsible people of any school by name, rows fulfilled
/// by the РМО's events.
pub const DISTRICT_PLAN: PlanOf<DistrictYearDoc> = PlanOf {
    doc: |ui| ui.district_year,
    kind: district_kind,
    title: "План работы РМО",
    hidden: &["responsible", "recurring"],
    no_fulfiller: "мероприятие: —",
    above: |ui| perspective_for_year(ui).into_any(),
    record_meeting: |_, _| ().into_any(),
    paper: |ui| {
        Rc::new(move || {
            let head = district_letterhead(ui);
            let profile = ui.rmo_profile.get_untracked().unwrap_or_default();
            let header = PlanHeader {
                theme: profile.theme.as_str().trim().to_owned(),
                goal: profile.goal.as_str().trim().to_owned(),
                tasks: profile.task_list(),
                agreed_by: profile.cabinet_head.clone(),
                approved_by: profile.department_head.clone(),
                considered_at: None,
            };
            ui.district_year.with_untracked(|d| {
                let d = d.as_ref().ok_or("Записи РМО ещё загружаются")?;
                let year = shared::AcademicYear(i32::try_from(d.year).unwrap_or_default());
                Ok(papers::plan::plan(&head, year, &header, &d.plan_rows(), |r| r.responsible_name.clone()))
            })
        })
    },
};

/// The plan's rows, by date.
pub fn plan_page<D: PlanDoc + Clone + Send + Sync + 'static>(of: PlanOf<D>) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let (save, remove) = list_edits(
        ui,
        move || (of.kind)(ui),
        move |_, v| PlanFields::validate(v, ui.year.get_untracked()),
        Change::PlanRow,
    );
    let spec = RecordsSpec {
        title: of.title,
        kind: Signal::derive(move || (of.kind)(ui)),
        list: "plan",
        parent: None,
        add_label: "Добавить в план",
        testid: "plan",
        empty: "В плане пока ничего нет. Добавьте заседания и мероприятия на год: по плану обзор считает \
                выполнение и напоминает о сроках.",
        writable: Signal::derive(move || ui.can_edit((of.kind)(ui))),
        ids: ids_in((of.doc)(ui), |d| d.plan_rows().iter().map(|r| r.id).collect()),
        fields: Rc::new(move |_| PlanFields::form().into_iter().filter(|f| !of.hidden.contains(&&*f.name)).collect()),
        blank: Rc::new(PlanFields::blank),
        values_of: values_in((of.doc)(ui), |d, id| d.plan().by_id(id).map(|r| r.fields().to_values())),
        save,
        remove,
        render: Rc::new(move |id| plan_row(of, id).into_any()),
    };
    let tools = view! {
        <div class="actions no-print">
            <PaperActions make=(of.paper)(ui) what="плана" testid="plan" />
        </div>
        {(of.above)(ui)}
    };
    records_with(spec, tools.into_any())
}

fn plan_row<D: PlanDoc + Clone + Send + Sync + 'static>(of: PlanOf<D>, id: Uuid) -> impl IntoView {
    let ui = expect_context::<Ui>();
    let doc = (of.doc)(ui);
    let row = Memo::new(move |_| doc.with(|d| d.as_ref().and_then(|d| d.plan().by_id(id).cloned())));
    let fulfillers = Memo::new(move |_| doc.with(|d| d.as_ref().map(PlanDoc::fulfillers).unwrap_or_default()));
    let error = RwSignal::new(None::<String>);
    // Only what the person changed: a second choice made before the first
    // has come back from the engine must not undo it.
    let mark = move |mark: PlanMark| edit_showing(ui, (of.kind)(ui), Change::MarkPlanRow { row: id, mark }, error);
    move || {
        let Some(r) = row.get() else { return ().into_any() };
        let fulfilled = r.fulfilled_by;
        let completion = r.completion;
        let fulfilled_title = fulfilled
            .and_then(|p| fulfillers.with(|list| list.iter().find(|(id, _)| *id == p).map(|(_, t)| t.clone())));
        let responsible = if r.responsible.is_some() { name_of(ui, r.responsible) } else { r.responsible_name.clone() };
        view! {
            <div class="plan-row" class:done=completion == Completion::Done>
                <div class="when" data-testid="plan-when">{r.when.label()}</div>
                <div class="name" data-testid="plan-topic">{r.topic.clone()}</div>
                <div class="details">{r.kind.label()}</div>
                {line("Содержание", r.content.clone())}
                {line("Ответственный", responsible)}
                {line("Ожидаемый результат", r.expected_result.clone())}
                <div class="line">
                    <span class="label">"Отметка: "</span>
                    <span class="value" data-testid="plan-completion">{completion.label()}</span>
                    {fulfilled_title.map(|t| view! { <span class="value" data-testid="fulfilled-title">" — "{t}</span> })}
                    {(!r.completion_note.is_empty()).then(|| view! { <span class="value">" ("{r.completion_note.clone()}")"</span> })}
                </div>
                <Show when=move || ui.can_edit((of.kind)(ui))>
                    <div class="actions">
                        <select
                            data-testid="completion"
                            on:change=move |ev| {
                                if let Some(c) = Completion::from_code(&event_target_value(&ev)) {
                                    mark(PlanMark { completion: Some(c), ..PlanMark::default() });
                                }
                            }
                        >
                            {Completion::ALL
                                .iter()
                                .map(|c| view! { <option value=c.code() selected=*c == completion>{c.label()}</option> })
                                .collect_view()}
                        </select>
                        <select
                            data-testid="fulfilled-by"
                            on:change=move |ev| {
                                mark(PlanMark { fulfilled_by: Some(event_target_value(&ev).parse().ok()), ..PlanMark::default() })
                            }
                        >
                            <option value="" selected=fulfilled.is_none()>{of.no_fulfiller}</option>
                            {fulfillers
                                .get()
                                .into_iter()
                                .map(|(pid, title)| {
                                    view! { <option value=member_value(Some(pid)) selected=fulfilled == Some(pid)>{title}</option> }
                                })
                                .collect_view()}
                        </select>
                        <input
                            type="text"
                            data-testid="completion-note"
                            placeholder="примечание: где проведено, почему перенесено"
                            prop:value=r.completion_note.clone()
                            on:change=move |ev| {
                                mark(PlanMark { note: Some(event_target_value(&ev).trim().to_owned()), ..PlanMark::default() })
                            }
                        />
                    </div>
                </Show>
                {(r.kind == WorkKind::Meeting && fulfilled.is_none()).then(|| (of.record_meeting)(ui, id))}
                {error_line(error)}
            </div>
        }
        .into_any()
    }
}
