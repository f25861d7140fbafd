//! Screens, one per file, and what several of them need.

pub mod access;
pub mod analyses;
pub mod dashboard;
pub mod district;
pub mod join;
pub mod kopilka;
pub mod members;
pub mod plan;
pub mod profile;
pub mod protocols;
pub mod regulations;

use leptos::prelude::*;
use uuid::Uuid;

use crate::repo::{DocKind, Ui};

/// The chosen year's document.
pub fn year_kind(ui: Ui) -> DocKind {
    DocKind::Year(ui.year.get_untracked())
}

/// A member's ФИО, «—» for nobody.
pub fn name_of(ui: Ui, id: Option<Uuid>) -> String {
    ui.records.with(|r| r.as_ref().map(|r| r.name_of(id)).unwrap_or_else(|| "—".into()))
}

/// Ids of `list` read from the year's document, or none before it loads.
pub fn year_ids(ui: Ui, list: fn(&shared::YearDoc) -> Vec<Uuid>) -> Signal<Vec<Uuid>> {
    let memo = Memo::new(move |_| ui.year_doc.with(|y| y.as_ref().map(list).unwrap_or_default()));
    memo.into()
}

/// A labelled line of a card, left out when empty.
pub fn line(label: &'static str, value: String) -> impl IntoView {
    (!value.trim().is_empty()).then(|| {
        view! {
            <div class="line">
                <span class="label">{label}": "</span>
                <span class="value">{value}</span>
            </div>
        }
    })
}
