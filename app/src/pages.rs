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
pub mod rmo;

use std::rc::Rc;

use leptos::prelude::*;
use shared::Values;
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

/// The chosen year's РМО document.
pub fn district_kind(ui: Ui) -> DocKind {
    DocKind::DistrictYear(ui.year.get_untracked())
}

/// Ids of `list` read from a document's records, or none before it loads.
pub fn ids_in<D: Send + Sync + 'static>(doc: RwSignal<Option<D>>, list: fn(&D) -> Vec<Uuid>) -> Signal<Vec<Uuid>> {
    let memo = Memo::new(move |_| doc.with(|d| d.as_ref().map(list).unwrap_or_default()));
    memo.into()
}

/// A record's form values read from a document's records (`record` finds
/// it and gives its values), empty when it is gone.
pub fn values_in<D: Send + Sync + 'static>(
    doc: RwSignal<Option<D>>,
    record: fn(&D, Uuid) -> Option<Values>,
) -> Rc<dyn Fn(Uuid) -> Values> {
    Rc::new(move |id| doc.with_untracked(|d| d.as_ref().and_then(|d| record(d, id))).unwrap_or_default())
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
