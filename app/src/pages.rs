//! Screens, one per file, and what several of them need.

pub mod access;
pub mod advice;
pub mod analyses;
pub mod dashboard;
pub mod district;
pub mod join;
pub mod kopilka;
pub mod members;
pub mod mentoring;
pub mod monitoring;
pub mod next_year;
pub mod perspective;
pub mod plan;
pub mod profile;
pub mod protocols;
pub mod regulations;
pub mod report;
pub mod rmo;
pub mod staff;
pub mod surveys;

use std::rc::Rc;

use leptos::prelude::*;
use shared::overview::SchoolSummary;
use shared::paper::Paper;
use shared::papers::Letterhead;
use shared::{AssociationDoc, DocKind, Values, YearDoc};
use uuid::Uuid;

use crate::print::MakePaper;
use crate::ui::Ui;

/// The chosen year's document.
pub fn year_kind(ui: Ui) -> DocKind {
    DocKind::Year(ui.year.get_untracked())
}

/// Whether this device is its school's МО head's: the monitoring sheets,
/// and starting the next year, are hers.
pub fn is_school_head(ui: Ui) -> bool {
    ui.settled.with(|m| m.as_ref().is_some_and(|m| m.grant.role == shared::Role::SchoolHead))
}

/// A member's ФИО, «—» for nobody.
pub fn name_of(ui: Ui, id: Option<Uuid>) -> String {
    ui.records.with(|r| r.as_ref().map(|r| r.name_of(id)).unwrap_or_else(|| "—".into()))
}

/// The chosen year's РМО document.
pub fn district_kind(ui: Ui) -> DocKind {
    DocKind::DistrictYear(ui.year.get_untracked())
}

/// Ids of `list` read from a document's records (a list, or the list of
/// one record's children), or none before it loads.
pub fn ids_in<D: Send + Sync + 'static>(
    doc: RwSignal<Option<D>>,
    list: impl Fn(&D) -> Vec<Uuid> + Send + Sync + 'static,
) -> Signal<Vec<Uuid>> {
    let memo = Memo::new(move |_| doc.with(|d| d.as_ref().map(&list).unwrap_or_default()));
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

/// The school shown, as its documents name it at the top.
pub fn school_letterhead(ui: Ui) -> Letterhead {
    let name = ui.me.with_untracked(|m| {
        m.as_ref().zip(ui.school.get_untracked()).map(|(m, s)| m.school_name(s)).unwrap_or_default()
    });
    Letterhead::school(&name)
}

/// The district, as the РМО's documents name it at the top.
pub fn district_letterhead(ui: Ui) -> Letterhead {
    Letterhead::district(&ui.me.with_untracked(|m| m.as_ref().map(|m| m.district.name.clone()).unwrap_or_default()))
}

/// Every school of the district by name, with its line of the overview
/// (an empty one until its records arrive), once this device knows them.
pub fn school_summaries(ui: Ui) -> Option<Vec<(String, SchoolSummary)>> {
    let me = ui.settled.get()?;
    Some(ui.summaries.with(|lines| {
        me.schools
            .iter()
            .map(|s| {
                let line = lines.iter().find(|l| l.school == s.id);
                (s.name.clone(), line.map(|l| l.summary.clone()).unwrap_or_default())
            })
            .collect()
    }))
}

/// Makes a document from the shown school's members and chosen year, or
/// says they have not loaded yet.
pub fn school_paper(
    ui: Ui,
    make: impl Fn(&Letterhead, &AssociationDoc, &YearDoc) -> Option<Paper> + 'static,
) -> MakePaper {
    Rc::new(move || {
        let head = school_letterhead(ui);
        ui.records.with_untracked(|a| {
            ui.year_doc.with_untracked(|y| match (a, y) {
                (Some(a), Some(y)) => make(&head, a, y).ok_or_else(|| "Запись не найдена".to_owned()),
                _ => Err("Записи ещё загружаются".to_owned()),
            })
        })
    })
}
