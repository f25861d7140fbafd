//! Screens and the way between them: the tabs, kept in the address's hash
//! (`#/plan`) so a reload or a bookmark opens the same screen, and the
//! academic year picker.

use leptos::prelude::*;
use shared::AcademicYear;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::repo::{Ui, today};

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
}

impl Page {
    const ALL: [Page; 8] = [
        Self::Dashboard,
        Self::Profile,
        Self::Members,
        Self::Plan,
        Self::Protocols,
        Self::Analyses,
        Self::Regulations,
        Self::Kopilka,
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
        }
    }

    /// The screen the address names; the dashboard by default.
    pub fn from_hash() -> Self {
        let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
        let slug = hash.trim_start_matches('#').trim_start_matches('/');
        Self::ALL.into_iter().find(|p| p.slug() == slug).unwrap_or(Self::Dashboard)
    }
}

/// Keeps `page` in step with the address when the person goes back or forward.
pub fn follow_hash(page: RwSignal<Page>) {
    let on_change = Closure::<dyn FnMut()>::new(move || page.set(Page::from_hash()));
    if let Some(w) = web_sys::window() {
        w.set_onhashchange(Some(on_change.as_ref().unchecked_ref()));
    }
    on_change.forget();
}

/// The tabs.
#[component]
pub fn Nav() -> impl IntoView {
    let page = expect_context::<RwSignal<Page>>();
    view! {
        <nav class="tabs">
            {Page::ALL
                .into_iter()
                .map(|p| {
                    view! {
                        <a
                            href=format!("#/{}", p.slug())
                            class:active=move || page.get() == p
                            data-testid=format!("nav-{}", p.slug())
                        >
                            {p.label()}
                        </a>
                    }
                })
                .collect_view()}
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
                        ui.year.set(y);
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
