//! The district РМО's own records for the chosen year: meetings, seminars
//! and open events with their protocols (attendance by school, agenda,
//! decisions for a school or a person), contests of professional mastery,
//! visits to schools with the recommendations given, consultations and
//! mentoring pairs. What a school says of a visit's recommendations or a
//! decision addressed to it is shown beside them. The РМО's plan is
//! [`crate::pages::plan::DISTRICT_PLAN`].

use std::rc::Rc;

use leptos::prelude::*;
use shared::district::{
    ConsultationFields, ContestFields, DistrictDecisionFields, DistrictEvent, DistrictEventFields, DistrictYearDoc,
    EventKind, MentoringFields, VisitAnswers, VisitFields, VisitKind,
};
use shared::fields::offer;
use shared::paper::Paper;
use shared::papers::Letterhead;
use shared::papers::meeting::{meeting_extract, meeting_protocol};
use shared::papers::visit::visit_note;
use shared::record::{Edit, Record, RecordList};
use shared::{Change, Date, DocumentId, FieldErrors, Values};
use uuid::Uuid;

use crate::clock::today;
use crate::components::form::FieldSpec;
use crate::components::records::{RecordsSpec, list_edits, records};
use crate::pages::mentoring::schools_pairs;
use crate::pages::protocols::{AgendaOf, agenda_list};
use crate::pages::{district_kind, district_letterhead, ids_in, line, values_in};
use crate::print::{MakePaper, PaperActions};
use crate::ui::Ui;

/// A list of the РМО document's records of one kind, as its screen shows it.
pub(crate) struct RmoList<F> {
    pub(crate) title: &'static str,
    pub(crate) add_label: &'static str,
    pub(crate) testid: &'static str,
    pub(crate) empty: &'static str,
    pub(crate) fields: fn(Ui) -> Vec<FieldSpec>,
    pub(crate) blank: fn() -> Values,
    /// The records' ids in the order shown.
    pub(crate) ids: fn(&DistrictYearDoc) -> Vec<Uuid>,
    /// A record's form values.
    pub(crate) values: fn(&DistrictYearDoc, Uuid) -> Option<Values>,
    pub(crate) validate: fn(&Values, Ui) -> Result<F, FieldErrors>,
    /// The change of the list.
    pub(crate) change: fn(Edit<F>) -> Change,
    /// A record's card.
    pub(crate) render: fn(&DistrictYearDoc, Uuid) -> Option<AnyView>,
}

impl<F: 'static> RmoList<F> {
    pub(crate) fn view(self) -> impl IntoView {
        let ui = expect_context::<Ui>();
        let validate = self.validate;
        let (save, remove) = list_edits(ui, move || district_kind(ui), move |_, v| validate(v, ui), self.change);
        let render = self.render;
        records(RecordsSpec {
            title: self.title,
            kind: Signal::derive(move || district_kind(ui)),
            list: self.testid,
            parent: None,
            add_label: self.add_label,
            testid: self.testid,
            empty: self.empty,
            writable: Signal::derive(move || ui.can_edit(district_kind(ui))),
            ids: ids_in(ui.district_year, self.ids),
            fields: Rc::new(move |_| (self.fields)(ui)),
            blank: Rc::new(self.blank),
            values_of: values_in(ui.district_year, self.values),
            save,
            remove,
            render: Rc::new(move |id| {
                ui.district_year.with(|d| d.as_ref().and_then(|d| render(d, id))).unwrap_or_else(|| ().into_any())
            }),
        })
    }
}

/// «Мероприятия РМО»: seminars, workshops, open events, meetings.
#[component]
pub fn EventsPage() -> impl IntoView {
    RmoList {
        title: "Семинары и мероприятия РМО",
        add_label: "Добавить мероприятие",
        testid: "events",
        empty: "Мероприятий пока нет.",
        fields: |_| DistrictEventFields::form(),
        blank: || Values::default().with("kind", EventKind::Seminar.code()),
        ids: |d| d.event_list().iter().map(|e| e.id).collect(),
        values: |d, id| d.events.by_id(id).map(|e| e.fields().to_values()),
        validate: |v, ui| DistrictEventFields::validate(v, ui.year.get_untracked()),
        change: Change::Event,
        render: |d, id| {
            let ui = expect_context::<Ui>();
            let e = d.events.by_id(id)?;
            let writable = Signal::derive(move || ui.can_edit(district_kind(ui)));
            let meeting = e.date;
            Some(
                view! {
                    <div class="name" data-testid="event-topic">{e.topic.clone()}</div>
                    <div class="details">{format!("{} · {}", e.date, e.kind.label())}</div>
                    {line("Место", e.place.clone())}
                    {line("Проводил", e.host.clone())}
                    {line("Участников", if e.participants > 0 { e.participants.to_string() } else { String::new() })}
                    {line("Присутствовали", e.attendance.as_str().to_owned())}
                    {line("Итоги", e.summary.as_str().to_owned())}
                    <div class="actions">
                        <PaperActions make=meeting_paper(ui, id, meeting_protocol) what="протокола" testid="meeting-protocol" />
                        <PaperActions make=meeting_paper(ui, id, meeting_extract) what="выписки" testid="meeting-extract" />
                    </div>
                    <details class="protocol-body">
                        <summary data-testid="open-protocol">"Протокол: повестка и решения"</summary>
                        {meeting_agenda(ui, id, writable)}
                        {meeting_decisions(ui, id, meeting, writable)}
                    </details>
                }
                .into_any(),
            )
        },
    }
    .view()
}

/// «Конкурсы»: contests of professional mastery with participants and results.
#[component]
pub fn ContestsPage() -> impl IntoView {
    RmoList {
        title: "Конкурсы профессионального мастерства",
        add_label: "Добавить конкурс",
        testid: "contests",
        empty: "Конкурсов пока нет.",
        fields: |_| ContestFields::form(),
        blank: || Values::default().with("level", "муниципальный"),
        ids: |d| d.contest_list().iter().map(|c| c.id).collect(),
        values: |d, id| d.contests.by_id(id).map(|c| c.fields().to_values()),
        validate: |v, ui| ContestFields::validate(v, ui.year.get_untracked()),
        change: Change::Contest,
        render: |d, id| {
            let c = d.contests.by_id(id)?;
            let people = c
                .participants
                .iter()
                .map(|p| {
                    let result = if p.result.is_empty() { String::new() } else { format!(" — {}", p.result) };
                    view! { <li data-testid="participant">{format!("{}, {}{result}", p.name, p.school)}</li> }
                })
                .collect_view();
            Some(
                view! {
                    <div class="name" data-testid="contest-title">{c.title.clone()}</div>
                    <div class="details">{format!("{} · {}", c.date, c.level)}</div>
                    <div class="line"><span class="label">{format!("Участников: {}", c.participants.len())}</span></div>
                    <ul class="participants">{people}</ul>
                }
                .into_any(),
            )
        },
    }
    .view()
}

/// «Посещения»: visits to school МО and events, the recommendations given
/// and whether they were carried out; overdue follow-ups stand out.
#[component]
pub fn VisitsPage() -> impl IntoView {
    RmoList {
        title: "Посещения школ",
        add_label: "Добавить посещение",
        testid: "visits",
        empty: "Посещений пока нет.",
        fields: |ui| offer(VisitFields::form(), "school", school_options(ui)),
        blank: || Values::default().with("kind", VisitKind::Meeting.code()),
        ids: |d| d.visit_list().iter().map(|v| v.id).collect(),
        values: |d, id| d.visits.by_id(id).map(|v| v.fields().to_values()),
        validate: |v, ui| VisitFields::validate(v, ui.year.get_untracked(), &district_schools(ui)),
        change: Change::Visit,
        render: |d, id| {
            let ui = expect_context::<Ui>();
            let v = d.visits.by_id(id)?;
            let answers = visit_answers(ui, d);
            let awaiting = d.visits_awaiting_follow_up(today(), &answers).iter().any(|a| a.id == id);
            let by = v.follow_up_by.map(|d| d.to_string()).unwrap_or_default();
            let answer = answers.get(&id).cloned().unwrap_or_default();
            let school_says = match (v.school_id.is_some(), answer.status()) {
                (false, _) => String::new(),
                (true, status) if status.is_empty() => "пока нет".to_owned(),
                (true, status) => format!("{} ({status})", answer.text.trim()),
            };
            let note: MakePaper = Rc::new(move || {
                let head = district_letterhead(ui);
                let signer = ui.rmo_profile.with_untracked(|p| p.as_ref().map(|p| p.head.clone()).unwrap_or_default());
                ui.district_year.with_untracked(|d| {
                    let d = d.as_ref().ok_or("Записи ещё загружаются")?;
                    let visit = d.visits.by_id(id).ok_or("Запись не найдена")?;
                    Ok(visit_note(&head, visit, untrack(|| visit_answers(ui, d)).get(&id), &signer))
                })
            });
            Some(
                view! {
                    <div class="name" data-testid="visit-school">{v.school.clone()}</div>
                    <div class="details">{format!("{} · {}", v.date, v.kind.label())}</div>
                    {line("Рекомендации", v.recommendations.as_str().to_owned())}
                    {line("Срок исполнения", by)}
                    <div data-testid="visit-answer">{line("Отметка школы", school_says)}</div>
                    {line("Отметка РМО", v.follow_up.as_str().to_owned())}
                    {awaiting.then(|| view! {
                        <p class="alert" data-testid="follow-up-overdue">"Срок прошёл, отметки о выполнении нет"</p>
                    })}
                    <PaperActions make=note what="справку" testid="visit-note" />
                }
                .into_any(),
            )
        },
    }
    .view()
}

/// «Консультации»: consultations given, and the mentoring pairs of young
/// specialists.
#[component]
pub fn ConsultationsPage() -> impl IntoView {
    let consultations = RmoList {
        title: "Консультации",
        add_label: "Добавить консультацию",
        testid: "consultations",
        empty: "Консультаций пока нет.",
        fields: |_| ConsultationFields::form(),
        blank: Values::default,
        ids: |d| d.consultation_list().iter().map(|c| c.id).collect(),
        values: |d, id| d.consultations.by_id(id).map(|c| c.fields().to_values()),
        validate: |v, ui| ConsultationFields::validate(v, ui.year.get_untracked()),
        change: Change::Consultation,
        render: |d, id| {
            let c = d.consultations.by_id(id)?;
            Some(
                view! {
                    <div class="name" data-testid="consultation-topic">{c.topic.clone()}</div>
                    <div class="details">{format!("{} · {}", c.date, c.who)}</div>
                }
                .into_any(),
            )
        },
    }
    .view();
    let mentoring = RmoList {
        title: "Другие наставнические пары",
        add_label: "Добавить пару",
        testid: "mentoring",
        empty: "Пары школ, которые ведут записи в приложении, видны выше; здесь — только пары, записанные в РМО.",
        fields: |_| MentoringFields::form(),
        blank: Values::default,
        ids: |d| d.mentoring_list().iter().map(|m| m.id).collect(),
        values: |d, id| d.mentoring.by_id(id).map(|m| m.fields().to_values()),
        validate: |v, _| MentoringFields::validate(v),
        change: Change::Mentoring,
        render: |d, id| {
            let m = d.mentoring.by_id(id)?;
            let since = m.since.map(|d| format!("с {d}")).unwrap_or_default();
            Some(
                view! {
                    <div class="name" data-testid="mentee">{m.mentee.clone()}</div>
                    <div class="details">{format!("наставник: {} {since}", m.mentor)}</div>
                }
                .into_any(),
            )
        },
    }
    .view();
    view! { {consultations} {schools_pairs(expect_context::<Ui>())} {mentoring} }
}

/// The district's schools as (id, name), for a visit's form.
fn district_schools(ui: Ui) -> Vec<(DocumentId, String)> {
    ui.me
        .with_untracked(|m| m.as_ref().map(|m| m.schools.iter().map(|s| (s.id, s.name.clone())).collect()))
        .unwrap_or_default()
}

/// The school select of a visit's form: the district's schools, and the
/// name of a school outside the app an older visit was written with.
fn school_options(ui: Ui) -> Vec<(String, String)> {
    district_schools(ui).into_iter().map(|(id, name)| (id.to_string(), name)).collect()
}

/// Each visit's answer from the school it was to, as the schools' lines in
/// the overview carry them.
pub fn visit_answers(ui: Ui, d: &DistrictYearDoc) -> VisitAnswers {
    ui.summaries.with(|lines| d.answers(lines.iter().map(|l| (l.school, &l.summary.answers))))
}

/// A paper of event `id`'s protocol, made by `make` (the protocol or its
/// extract), signed by the РМО's head.
fn meeting_paper(ui: Ui, id: Uuid, make: fn(&Letterhead, &DistrictEvent, usize, &str) -> Paper) -> MakePaper {
    Rc::new(move || {
        let head = district_letterhead(ui);
        let chair = ui.rmo_profile.with_untracked(|p| p.as_ref().map(|p| p.head.clone()).unwrap_or_default());
        ui.district_year.with_untracked(|d| {
            let d = d.as_ref().ok_or("Записи ещё загружаются")?;
            let event = d.events.by_id(id).ok_or("Запись не найдена")?;
            Ok(make(&head, event, d.protocol_number(event), &chair))
        })
    })
}

/// Event `event`, as the РМО's records hold it now.
fn event_of(ui: Ui, event: Uuid) -> Option<DistrictEvent> {
    ui.district_year.with_untracked(|d| d.as_ref().and_then(|d| d.events.by_id(event).cloned()))
}

/// The agenda of a district meeting: «слушали / выступили / решили».
fn meeting_agenda(ui: Ui, event: Uuid, writable: Signal<bool>) -> impl IntoView {
    agenda_list(AgendaOf {
        ui,
        kind: district_kind,
        parent: event,
        writable,
        ids: Memo::new(move |_| {
            ui.district_year.with(|d| {
                d.as_ref()
                    .and_then(|d| d.events.by_id(event))
                    .map(|e| e.agenda.active().iter().map(|a| a.id).collect())
                    .unwrap_or_default()
            })
        })
        .into(),
        values: Rc::new(move |item| {
            event_of(ui, event).and_then(|e| e.agenda.by_id(item).map(|a| a.fields().to_values())).unwrap_or_default()
        }),
        change: move |item| Change::EventAgenda { event, item },
    })
}

/// The decisions of a district meeting, each for a school or a person by a
/// day, with the school's own mark once it gives one.
fn meeting_decisions(ui: Ui, event: Uuid, meeting: Date, writable: Signal<bool>) -> impl IntoView {
    let decision = move |d: Uuid| event_of(ui, event).and_then(|e| e.decisions.by_id(d).cloned());
    let (save, remove) = list_edits(
        ui,
        move || district_kind(ui),
        move |_, v| DistrictDecisionFields::validate(v, meeting, &district_schools(ui)),
        move |decision| Change::EventDecision { event, decision },
    );
    records(RecordsSpec {
        title: "Решения",
        kind: Signal::derive(move || district_kind(ui)),
        list: "decisions",
        parent: Some(event),
        add_label: "Добавить решение",
        testid: "meeting-decisions",
        empty: "Решений пока нет.",
        writable,
        ids: Memo::new(move |_| {
            ui.district_year.with(|d| {
                d.as_ref()
                    .and_then(|d| d.events.by_id(event))
                    .map(|e| e.decisions.active().iter().map(|d| d.id).collect())
                    .unwrap_or_default()
            })
        })
        .into(),
        fields: Rc::new(move |_| {
            let mut schools = vec![(String::new(), "— не школе —".to_owned())];
            schools.extend(school_options(ui));
            offer(DistrictDecisionFields::form(), "school", schools)
        }),
        blank: Rc::new(Values::default),
        values_of: Rc::new(move |id| decision(id).map(|d| d.fields().to_values()).unwrap_or_default()),
        save,
        remove,
        render: Rc::new(move |id| {
            let Some(d) = decision(id) else { return ().into_any() };
            let answer = ui.district_year.with(|y| y.as_ref().map(|y| visit_answers(ui, y))).unwrap_or_default();
            let mark = match (d.school_id.is_some(), answer.get(&id).map(|a| (a.text.clone(), a.status()))) {
                (false, _) => String::new(),
                (true, Some((text, status))) if !status.is_empty() => format!("{} ({status})", text.trim()),
                (true, _) => "пока нет".to_owned(),
            };
            let who = [d.school.clone(), d.responsible.clone()]
                .into_iter()
                .filter(|s| !s.trim().is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            view! {
                <div class="name" data-testid="meeting-decision-text">{d.text.as_str().to_owned()}</div>
                <div class="details">
                    {format!(
                        "Ответственный: {} · срок: {}",
                        if who.is_empty() { "—".to_owned() } else { who },
                        d.deadline.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
                    )}
                </div>
                <div data-testid="decision-answer">{line("Отметка школы", mark)}</div>
            }
            .into_any()
        }),
    })
}
