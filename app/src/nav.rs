//! Screens and the way between them: the tabs, kept in the address's hash
//! (`#/plan`) so a reload or a bookmark opens the same screen, and the
//! academic year picker. A district head or reader looks into a school at
//! `#/school/{id}/{screen}`, read-only.

use leptos::prelude::*;
use shared::{AcademicYear, DocumentId, Role};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::clock::today;
use crate::ui::{Ui, show_school};

/// A screen of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// Обзор: what needs attention.
    Dashboard,
    /// The year's methodical theme, goal, tasks.
    Profile,
    /// Члены МО.
    Members,
    /// План работы.
    Plan,
    /// Протоколы.
    Protocols,
    /// Анализы.
    Analyses,
    /// Документы (regulations).
    Regulations,
    /// Копилка.
    Kopilka,
    /// Наставничество: mentoring pairs of young specialists.
    Mentoring,
    /// Мониторинг: the class teachers' duties, quarter by quarter.
    Monitoring,
    /// Итоги года: the school's yearly analysis.
    Report,
    /// Рекомендации РМО: the district's visits to the school, answered.
    Advice,
    /// Анкеты РМО: the district's surveys, answered by the school's people.
    SchoolSurveys,
    /// The district overview (district roles).
    District,
    /// The РМО's theme, goal, tasks and signers.
    RmoProfile,
    /// Кадры: categories, courses and young specialists across the district.
    Staff,
    /// План работы РМО (read-only for schools).
    RmoPlan,
    /// The РМО's perspective plan over several years.
    Perspective,
    /// The РМО's seminars and events.
    Events,
    /// Contests of professional mastery.
    Contests,
    /// Visits to schools.
    Visits,
    /// Consultations and mentoring.
    Consultations,
    /// Surveys and information requests, with their results.
    Surveys,
    /// Итоги года: the РМО's yearly analysis.
    DistrictReport,
    /// The district копилка: what the schools share «для района».
    DistrictKopilka,
    /// People and devices: invitations, revocation, schools.
    Access,
}

/// A school's screens.
const SCHOOL_PAGES: [Page; 13] = [
    Page::Dashboard,
    Page::Profile,
    Page::Members,
    Page::Plan,
    Page::Protocols,
    Page::Analyses,
    Page::Regulations,
    Page::Kopilka,
    Page::Mentoring,
    Page::Monitoring,
    Page::Report,
    Page::Advice,
    Page::SchoolSurveys,
];

/// The district's screens (the РМО plan is also a school's, read-only).
const DISTRICT_PAGES: [Page; 12] = [
    Page::District,
    Page::RmoProfile,
    Page::Staff,
    Page::RmoPlan,
    Page::Perspective,
    Page::Events,
    Page::Contests,
    Page::Visits,
    Page::Consultations,
    Page::Surveys,
    Page::DistrictKopilka,
    Page::DistrictReport,
];

impl Page {
    const ALL: [Page; 26] = [
        Self::Dashboard,
        Self::Profile,
        Self::Members,
        Self::Plan,
        Self::Protocols,
        Self::Analyses,
        Self::Regulations,
        Self::Kopilka,
        Self::Mentoring,
        Self::Monitoring,
        Self::Report,
        Self::Advice,
        Self::SchoolSurveys,
        Self::District,
        Self::RmoProfile,
        Self::Staff,
        Self::RmoPlan,
        Self::Perspective,
        Self::Events,
        Self::Contests,
        Self::Visits,
        Self::Consultations,
        Self::Surveys,
        Self::DistrictReport,
        Self::DistrictKopilka,
        Self::Access,
    ];

    fn slug(self) -> &'static str {
        match self {
            Self::Dashboard => "dashboard",
            Self::Profile => "profile",
            Self::Members => "members",
            Self::Plan => "plan",
            Self::Protocols => "protocols",
            Self::Analyses => "analyses",
            Self::Regulations => "regulations",
            Self::Kopilka => "kopilka",
            Self::Mentoring => "mentoring",
            Self::Monitoring => "monitoring",
            Self::Report => "report",
            Self::Advice => "rmo-advice",
            Self::SchoolSurveys => "rmo-surveys",
            Self::District => "district",
            Self::RmoProfile => "rmo-profile",
            Self::Staff => "staff",
            Self::RmoPlan => "rmo-plan",
            Self::Perspective => "rmo-perspective",
            Self::Events => "events",
            Self::Contests => "contests",
            Self::Visits => "visits",
            Self::Consultations => "consultations",
            Self::Surveys => "surveys",
            Self::DistrictReport => "rmo-report",
            Self::DistrictKopilka => "rmo-kopilka",
            Self::Access => "access",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Dashboard => "Обзор",
            Self::Profile => "Тема и задачи",
            Self::Members => "Члены МО",
            Self::Plan => "План",
            Self::Protocols => "Протоколы",
            Self::Analyses => "Анализ",
            Self::Regulations => "Документы",
            Self::Kopilka => "Копилка",
            Self::Mentoring => "Наставничество",
            Self::Monitoring => "Мониторинг",
            Self::Report => "Итоги года",
            Self::Advice => "Рекомендации РМО",
            Self::SchoolSurveys => "Анкеты РМО",
            Self::District => "Район",
            Self::RmoProfile => "Тема и задачи РМО",
            Self::Staff => "Кадры",
            Self::RmoPlan => "План РМО",
            Self::Perspective => "Перспективный план",
            Self::Events => "Мероприятия",
            Self::Contests => "Конкурсы",
            Self::Visits => "Посещения",
            Self::Consultations => "Консультации",
            Self::Surveys => "Анкеты",
            Self::DistrictReport => "Итоги года",
            Self::DistrictKopilka => "Копилка района",
            Self::Access => "Доступ",
        }
    }

    /// The screen the address names; the dashboard by default.
    pub fn from_hash() -> Self {
        let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
        let slug = hash.rsplit('/').next().unwrap_or_default();
        Self::ALL.into_iter().find(|p| p.slug() == slug).unwrap_or(Self::Dashboard)
    }
}

/// The school named in the address (`#/school/{id}/…`).
pub fn school_in_hash() -> Option<DocumentId> {
    let hash = web_sys::window()?.location().hash().ok()?;
    hash.strip_prefix("#/school/")?.split('/').next()?.parse().ok()
}

/// The screen to show for `page`: a district role sees the district's
/// screens unless it is looking into a school; a school's people see their
/// school's screens and the РМО's plan.
pub fn shown_page(ui: Ui, page: Page) -> Page {
    let district = ui.settled.with(|m| m.as_ref().is_some_and(|m| m.is_district()));
    match (district, ui.school.get().is_some()) {
        (true, false) if SCHOOL_PAGES.contains(&page) => Page::District,
        (false, _) if DISTRICT_PAGES.contains(&page) && page != Page::RmoPlan => Page::Dashboard,
        _ => page,
    }
}

/// Keeps `page` (and, for district roles, the school looked into) in step
/// with the address when the person goes back or forward.
pub fn follow_hash(ui: Ui, page: RwSignal<Page>) {
    let on_change = Closure::<dyn FnMut()>::new(move || {
        page.set(Page::from_hash());
        if ui.me.with_untracked(|m| m.as_ref().is_some_and(|m| m.is_district())) {
            show_school(ui, school_in_hash());
        }
    });
    if let Some(w) = web_sys::window() {
        w.set_onhashchange(Some(on_change.as_ref().unchecked_ref()));
    }
    on_change.forget();
}

/// The tabs this device has: a school's screens (with «Доступ» for its
/// head); the district's (with «Доступ» for the district head); or, looking
/// into a school from the district, that school's screens and the way back.
/// On a phone they fold into «Разделы», a button naming the screen shown:
/// one tap opens every section, a second goes there, with nothing to
/// scroll sideways.
#[component]
pub fn Nav() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let page = expect_context::<RwSignal<Page>>();
    let open = RwSignal::new(false);
    // A memo: the links are redrawn only when the tabs differ, not when
    // the device or the school is set again to the same (a redraw replaces
    // the links under a person's finger).
    let tabs = Memo::new(move |_| {
        let Some(me) = ui.settled.get() else { return Vec::new() };
        let manages = matches!(me.grant.role, Role::SchoolHead | Role::DistrictHead);
        let (prefix, pages): (String, Vec<Page>) = match (me.is_district(), ui.school.get()) {
            (false, _) => (
                String::new(),
                SCHOOL_PAGES.iter().copied().chain([Page::RmoPlan]).chain(manages.then_some(Page::Access)).collect(),
            ),
            (true, None) => {
                (String::new(), DISTRICT_PAGES.iter().copied().chain(manages.then_some(Page::Access)).collect())
            }
            (true, Some(school)) => (format!("school/{school}/"), SCHOOL_PAGES.to_vec()),
        };
        pages.into_iter().map(|p| (format!("#/{prefix}{}", p.slug()), p)).collect::<Vec<_>>()
    });
    view! {
        <button
            class="nav-toggle"
            data-testid="nav-menu"
            aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)
        >
            {move || format!("☰ Разделы: {}", shown_page(ui, page.get()).label())}
        </button>
        <nav class="tabs" class:open=move || open.get() on:click=move |_| open.set(false)>
            {move || {
                ui.school.get().filter(|_| ui.settled.with(|m| m.as_ref().is_some_and(|m| m.is_district()))).map(|school| {
                    let name = ui.settled.with(|m| m.as_ref().map(|m| m.school_name(school)).unwrap_or_default());
                    view! {
                        <a href="#/district" class="back" data-testid="nav-back">"← Район"</a>
                        <span class="viewing" data-testid="viewing-school">{name}" · только просмотр"</span>
                    }
                })
            }}
            {move || {
                tabs.get()
                    .into_iter()
                    .map(|(href, p)| {
                        view! {
                            <a
                                href=href
                                class:active=move || shown_page(ui, page.get()) == p
                                data-testid=format!("nav-{}", p.slug())
                            >
                                {p.label()}
                            </a>
                        }
                    })
                    .collect_view()
            }}
        </nav>
    }
}

/// «Учебный год» with the current year, the earlier ones and the next.
#[component]
pub fn YearPicker() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let current = AcademicYear::of(today());
    let years: Vec<AcademicYear> = (current.0 - 4..=current.0 + 1).rev().map(AcademicYear).collect();
    view! {
        <label class="year-picker">
            <span class="sr-only">"Учебный год"</span>
            <select
                data-testid="year-picker"
                on:change=move |ev| {
                    if let Some(y) = AcademicYear::parse(&event_target_value(&ev)) {
                        ui.choose_year(y);
                    }
                }
            >
                {years
                    .into_iter()
                    .map(|y| {
                        view! {
                            <option value=y.0.to_string() selected=move || ui.year.get() == y>
                                {format!("{y} уч. г.")}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
