//! Messages across the top of the screen: a new version, a failed save,
//! read-only records, and errors that stop the app.

use leptos::prelude::*;

use crate::pwa;
use crate::ui::Ui;

/// «Доступна новая версия» with a button that reloads into it.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <Show when=move || ui.update_ready.get()>
            <div class="banner info" data-testid="update-banner">
                "Доступна новая версия приложения. "
                <button on:click=|_| pwa::apply_update()>"Обновить"</button>
            </div>
        </Show>
    }
}

/// A save to this device that failed; it is retried until it succeeds.
#[component]
pub fn StorageErrorBanner() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <Show when=move || ui.storage_error.with(Option::is_some)>
            <div class="banner error" data-testid="storage-error" role="alert">
                {move || ui.storage_error.get()}
            </div>
        </Show>
    }
}

/// Records written by a newer version: shown, not editable.
#[component]
pub fn ReadOnlyNotice() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <Show when=move || ui.read_only()>
            <div class="banner warn" data-testid="read-only">
                "Часть записей создана более новой версией приложения. Обновите приложение, \
                 чтобы вносить в них изменения; пока их можно только просматривать."
            </div>
        </Show>
    }
}

/// Something that keeps the app from working at all.
#[component]
pub fn FatalError() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <Show when=move || ui.fatal.with(Option::is_some)>
            <div class="banner error" data-testid="fatal-error" role="alert">{move || ui.fatal.get()}</div>
        </Show>
    }
}

/// The head revoked this device: what is on it stays readable here, but
/// nothing syncs any more.
#[component]
pub fn RevokedBanner() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <Show when=move || ui.revoked.get()>
            <div class="banner error" data-testid="revoked" role="alert">
                "Доступ этого устройства к серверу отозван руководителем. Записи на устройстве сохранены, \
                 но больше не синхронизируются. Чтобы продолжить работу, попросите новое приглашение."
            </div>
        </Show>
    }
}

/// Stored data that did not read back: what was lost here comes from the server.
#[component]
pub fn DamagedBanner() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <Show when=move || ui.damaged.with(Option::is_some)>
            <div class="banner warn" data-testid="storage-damaged" role="alert">{move || ui.damaged.get()}</div>
        </Show>
    }
}
