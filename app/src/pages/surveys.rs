//! Surveys and information requests. The РМО's head writes a
//! questionnaire for the district's class teachers (or the schools' МО
//! heads) or asks each school for a table of figures, and reads the
//! answers summed up per school and for the district, with a chart per
//! question and who has not answered yet («Анкеты»). A school's people
//! answer in «Анкеты РМО», offline too: a class teacher for herself on her
//! own device, the МО's head for the school.

use std::rc::Rc;

use leptos::prelude::*;
use shared::papers::survey::{results_body, survey_results};
use shared::record::{Record, RecordList};
use shared::survey::{
    Audience, Filled, QuestionFields, QuestionKind, Response, Results, Survey, SurveyFields, SurveyKind, field,
};
use shared::{Change, Role, Values};
use uuid::Uuid;

use crate::clock::today;
use crate::components::form::{FieldSpec, RecordForm, area, checks, choice, keep, text, then_close};
use crate::components::records::{RecordsSpec, list_edits, records};
use crate::pages::rmo::RmoList;
use crate::pages::{district_kind, district_letterhead, ids_in, line, school_summaries, year_kind};
use crate::print::{MakePaper, PaperActions, blocks_view};
use crate::ui::Ui;

/// «Анкеты»: the РМО's surveys, each with its questions and its results.
#[component]
pub fn SurveysPage() -> impl IntoView {
    RmoList {
        title: "Анкеты и запросы сведений",
        add_label: "Новая анкета или запрос",
        testid: "surveys",
        empty: "Анкет пока нет. Анкета помогает узнать затруднения и потребности классных руководителей \
                района; запрос сведений собирает цифры школ в одну таблицу.",
        fields: |_| SurveyFields::form(),
        blank: || {
            Values::default().with("kind", SurveyKind::Questionnaire.code()).with("audience", Audience::Teachers.code())
        },
        ids: |d| d.survey_list().iter().map(|s| s.id).collect(),
        values: |d, id| d.surveys.by_id(id).map(|s| s.fields().to_values()),
        validate: |v, ui| SurveyFields::validate(v, ui.year.get_untracked()),
        change: Change::Survey,
        render: |d, id| {
            let ui = expect_context::<Ui>();
            let s = d.surveys.by_id(id)?;
            let writable = Signal::derive(move || ui.can_edit(district_kind(ui)));
            let results = Memo::new(move |_| results_of(ui, id));
            let deadline = s.deadline.map(|d| d.to_string()).unwrap_or_default();
            let answered = move || {
                results.with(|r| {
                    r.as_ref().map(|r| {
                        let schools = r.answered.iter().filter(|n| **n > 0).count();
                        format!("Ответов: {} · школ ответили: {schools} из {}", r.total(), r.schools.len())
                    })
                })
            };
            let print: MakePaper = Rc::new(move || {
                let head = district_letterhead(ui);
                let signer = ui.rmo_profile.with_untracked(|p| p.as_ref().map(|p| p.head.clone()).unwrap_or_default());
                let results = results.get_untracked().ok_or("Записи ещё загружаются")?;
                Ok(survey_results(&head, &results, &signer))
            });
            Some(
                view! {
                    <div class="name" data-testid="survey-title">{s.title.clone()}</div>
                    <div class="details">{format!("{} · отвечают {}", s.kind.label(), s.audience.label())}</div>
                    {line("Ответить до", deadline)}
                    {line("Обращение", s.intro.as_str().to_owned())}
                    <div class="line" data-testid="survey-answered">{answered}</div>
                    <div class="actions">
                        <PaperActions make=print what="итогов" testid="survey-results" />
                    </div>
                    <details class="protocol-body">
                        <summary data-testid="open-questions">
                            {if s.kind == SurveyKind::Table { "Столбцы таблицы" } else { "Вопросы" }}
                        </summary>
                        {questions(ui, id, writable)}
                    </details>
                    <details class="protocol-body">
                        <summary data-testid="open-results">"Итоги по школам и району"</summary>
                        <div class="paper-inline" data-testid="survey-results">
                            {move || results.with(|r| r.as_ref().map(|r| blocks_view(&results_body(r))))}
                        </div>
                    </details>
                }
                .into_any(),
            )
        },
    }
    .view()
}

/// Survey `id`'s answers from every school, once the РМО's records and the
/// schools' lines are here.
fn results_of(ui: Ui, id: Uuid) -> Option<Results> {
    let schools = school_summaries(ui)?;
    ui.district_year.with(|d| d.as_ref()?.surveys.by_id(id).map(|s| Results::of_schools(s, &schools)))
}

/// Survey `id` as the РМО's records hold it now.
fn survey_of(ui: Ui, id: Uuid) -> Option<Survey> {
    ui.district_year.with_untracked(|d| d.as_ref().and_then(|d| d.surveys.by_id(id).cloned()))
}

/// A survey's questions (a table's columns), in order.
fn questions(ui: Ui, survey: Uuid, writable: Signal<bool>) -> impl IntoView {
    let kind = move || survey_of(ui, survey).map(|s| s.kind).unwrap_or_default();
    let (save, remove) = list_edits(
        ui,
        move || district_kind(ui),
        move |_, v| QuestionFields::validate(v, kind()),
        move |question| Change::Question { survey, question },
    );
    let question = move |q: Uuid| survey_of(ui, survey).and_then(|s| s.questions.by_id(q).cloned());
    records(RecordsSpec {
        title: "Вопросы",
        kind: Signal::derive(move || district_kind(ui)),
        list: "questions",
        parent: Some(survey),
        add_label: "Добавить вопрос",
        testid: "questions",
        empty: "Вопросов пока нет.",
        writable,
        ids: ids_in(ui.district_year, move |d| {
            d.surveys.by_id(survey).map(|s| s.question_list().iter().map(|q| q.id).collect()).unwrap_or_default()
        }),
        fields: Rc::new(move |_| QuestionFields::form_for(kind())),
        blank: Rc::new(move || {
            let first = if kind() == SurveyKind::Table { QuestionKind::Number } else { QuestionKind::Single };
            Values::default().with("kind", first.code())
        }),
        values_of: Rc::new(move |id| question(id).map(|q| q.fields().to_values()).unwrap_or_default()),
        save,
        remove,
        render: Rc::new(move |id| {
            let Some(q) = question(id) else { return ().into_any() };
            view! {
                <div class="name" data-testid="question-text">{q.text.clone()}</div>
                <div class="details">{q.kind.label()}</div>
                {line("Варианты", q.choices().join("; "))}
            }
            .into_any()
        }),
    })
}

/// «Анкеты РМО»: the РМО's surveys, as the school's people answer them.
#[component]
pub fn SchoolSurveysPage() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let surveys = Memo::new(move |_| {
        ui.district_year.with(|d| d.as_ref().map(|d| d.survey_list().into_iter().cloned().collect::<Vec<_>>()))
    });
    view! {
        <section class="surveys" data-testid="school-surveys">
            <div class="section-head">
                <h1>"Анкеты РМО"</h1>
            </div>
            <p class="muted">
                "Анкеты и запросы сведений руководителя РМО. Анкету классного руководителя каждый заполняет \
                 за себя на своём устройстве; запрос сведений заполняет руководитель МО за школу. Ответ \
                 сохраняется на устройстве и уходит в РМО, как только будет связь."
            </p>
            {move || match surveys.get() {
                None => view! { <p class="muted">"Загрузка…"</p> }.into_any(),
                Some(list) if list.is_empty() => {
                    view! { <p class="muted">"Анкет РМО в этом году пока нет."</p> }.into_any()
                }
                Some(list) => view! {
                    <ul class="record-list">{list.into_iter().map(|s| answer_card(ui, s)).collect_view()}</ul>
                }
                .into_any(),
            }}
        </section>
    }
}

/// The РМО's surveys this device should answer and has not, with their
/// deadlines, for the dashboard.
pub fn open_surveys(ui: Ui) -> Vec<String> {
    let surveys: Vec<Survey> = ui
        .district_year
        .with(|d| d.as_ref().map(|d| d.survey_list().into_iter().cloned().collect()).unwrap_or_default());
    let today = today();
    surveys
        .into_iter()
        .filter_map(|s| {
            let (member, _) = respondent(ui, &s).ok()?;
            let answered = ui.year_responses.with(|r| r.iter().any(|x| x.survey == s.id && x.member == member));
            (!answered).then(|| s.reminder(today))
        })
        .collect()
}

/// Who answers `survey` on this device: the class teacher it is linked to,
/// or the school through its МО's head; or why nobody here does.
fn respondent(ui: Ui, survey: &Survey) -> Result<(Option<Uuid>, String), &'static str> {
    let me = ui.settled.get().ok_or("Устройство ещё не подключено")?;
    match survey.audience {
        Audience::Teachers => {
            let member = me.member.ok_or(
                "Чтобы ответить, попросите руководителя МО связать это устройство с вашей записью в списке членов МО.",
            )?;
            let name = ui.records.with(|r| r.as_ref().map(|r| r.full_name(Some(member)))).unwrap_or(me.name);
            Ok((Some(member), name))
        }
        Audience::Schools if me.grant.role == Role::SchoolHead => Ok((None, me.name)),
        Audience::Schools => Err("Эту анкету заполняет руководитель МО школы."),
    }
}

/// A survey with this device's answer: read, or answered in a form.
fn answer_card(ui: Ui, survey: Survey) -> impl IntoView {
    let editing = RwSignal::new(false);
    let id = survey.id;
    let who = respondent(ui, &survey);
    let member = who.as_ref().ok().and_then(|(m, _)| *m);
    let mine = move || {
        ui.year_responses.with(|r| r.iter().find(|x| x.survey == id && x.member == member).map(|x| x.filled.clone()))
    };
    let late = survey.is_late(today());
    let deadline = survey.deadline.map(|d| d.to_string()).unwrap_or_default();
    let answers_view = {
        let survey = survey.clone();
        move || mine().map(|filled| answers_list(&survey, &filled))
    };
    let save = {
        let (survey, who) = (survey.clone(), who.clone());
        Callback::new(move |values: Values| {
            let by = who.as_ref().map(|(_, name)| name.clone()).unwrap_or_default();
            let checked = survey.check_answers(&values).map(|answers| Filled { by, day: Some(today()), answers });
            then_close(
                keep(ui, year_kind(ui), checked, |filled| Change::SurveyAnswer { survey: id, member, filled }),
                editing,
            )
        })
    };
    let form = {
        let survey = survey.clone();
        move || {
            let initial = survey.values(&mine().unwrap_or_default());
            view! {
                <RecordForm
                    fields=answer_fields(&survey)
                    initial=initial
                    on_save=save
                    on_cancel=Callback::new(move |()| editing.set(false))
                    testid="survey-form"
                />
            }
        }
    };
    let reason = who.as_ref().err().copied();
    let may_answer = who.is_ok();
    view! {
        <li class="record" data-testid="school-survey">
            <div class="name" data-testid="survey-title">{survey.title.clone()}</div>
            <div class="details">{format!("{} · отвечают {}", survey.kind.label(), survey.audience.label())}</div>
            {line("Ответить до", deadline)}
            <p class="prose">{survey.intro.as_str().to_owned()}</p>
            <div class="line" data-testid="survey-status">
                {move || match mine().and_then(|f| f.day) {
                    Some(day) => format!("Ответ сохранён {day}"),
                    None if mine().is_some() => "Ответ сохранён".to_owned(),
                    None if late => "Срок ответа прошёл, ответа нет".to_owned(),
                    None => "Ответа пока нет".to_owned(),
                }}
            </div>
            {answers_view}
            {(survey.audience == Audience::Teachers).then(|| school_progress(ui, id))}
            {reason.map(|r| view! { <p class="muted" data-testid="survey-cannot">{r}</p> })}
            <Show when=move || may_answer && ui.can_edit(year_kind(ui)) && !editing.get()>
                <button data-testid="answer-survey" on:click=move |_| editing.set(true)>
                    {move || if mine().is_some() { "Изменить ответ" } else { "Ответить" }}
                </button>
            </Show>
            <Show when=move || editing.get()>{form.clone()}</Show>
        </li>
    }
}

/// The answer form's fields: one per question, as it is answered.
fn answer_fields(survey: &Survey) -> Vec<FieldSpec> {
    survey
        .question_list()
        .into_iter()
        .enumerate()
        .map(|(n, q)| {
            let (name, label) = (field(n, None), format!("{}. {}", n + 1, q.text));
            let options = || q.choices().into_iter().map(|o| (o.clone(), o)).collect();
            match q.kind {
                QuestionKind::Single => choice(name, label, options()),
                QuestionKind::Scale => choice(name, format!("{label} (1 — совсем нет, 5 — полностью)"), options()),
                QuestionKind::Multiple => checks(name, label, q.choices()),
                QuestionKind::Free => area(name, label),
                QuestionKind::Number => text(name, label).hint("число"),
            }
        })
        .collect()
}

/// A kept answer, question by question.
fn answers_list(survey: &Survey, filled: &Filled) -> impl IntoView + use<> {
    let items = survey
        .question_list()
        .into_iter()
        .map(|q| {
            let answer = filled.answers.get(&q.id.to_string()).cloned().unwrap_or_default().replace('\n', "; ");
            view! { <li data-testid="survey-answer">{format!("{}: {}", q.text, if answer.is_empty() { "—" } else { &answer })}</li> }
        })
        .collect_view();
    view! { <ul class="participants">{items}</ul> }
}

/// For a survey of class teachers: how many of the school's members have
/// answered, and who not yet.
fn school_progress(ui: Ui, survey: Uuid) -> impl IntoView {
    move || {
        let members: Vec<(Uuid, String)> = ui.records.with(|r| {
            r.as_ref()
                .map(|r| r.active_members().iter().map(|m| (m.id, m.full_name.clone())).collect())
                .unwrap_or_default()
        });
        let answered: Vec<Uuid> = ui
            .year_responses
            .with(|r: &Vec<Response>| r.iter().filter(|x| x.survey == survey).filter_map(|x| x.member).collect());
        let missing: Vec<String> =
            members.iter().filter(|(id, _)| !answered.contains(id)).map(|(_, name)| name.clone()).collect();
        let done = members.len() - missing.len();
        let text = if missing.is_empty() {
            format!("Ответили все члены МО ({done})")
        } else {
            format!("Ответили {done} из {}; ещё нет: {}", members.len(), missing.join(", "))
        };
        view! { <div class="line muted" data-testid="survey-progress">{text}</div> }
    }
}
