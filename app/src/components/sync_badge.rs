//! The connection state in the header.

use leptos::prelude::*;

use shared::link::SyncStatus;

use crate::ui::Ui;

/// «нет связи» / «синхронизация…» / «сохранено на сервере».
#[component]
pub fn SyncBadge() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let class = move || match ui.sync.get() {
        SyncStatus::Offline => "sync offline",
        SyncStatus::Syncing => "sync syncing",
        SyncStatus::Saved => "sync saved",
    };
    view! {
        <span class=class data-testid="sync-status" role="status">{move || ui.sync.get().label()}</span>
    }
}
