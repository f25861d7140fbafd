//! Messages across the top of the screen: a new version, a failed save,
//! read-only records, and errors that stop the app.

use leptos::prelude::*;

use shared::link::SyncStatus;

use crate::clock::day_of;
use crate::pwa;
use crate::ui::{Preview, UNSYNCED_WARNING_DAYS, Ui, days_since};

/// «Доступна новая версия» with a button that reloads into it. Applying
/// reloads the page, and a form being filled in would lose what was typed,
/// so the button waits until no form is open.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let apply = move |_: leptos::ev::MouseEvent| {
        if ui.open_forms.get_untracked() == 0 {
            pwa::apply_update();
        }
    };
    view! {
        <Show when=move || ui.update_ready.get()>
            <div class="banner info" data-testid="update-banner">
                "Доступна новая версия приложения. "
                <button data-testid="apply-update" prop:disabled=move || { ui.open_forms.get() > 0 } on:click=apply>
                    "Обновить"
                </button>
                <Show when=move || { ui.open_forms.get() > 0 }>
                    <span data-testid="update-waits">" Сначала сохраните или закройте открытую форму."</span>
                </Show>
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

/// Edits kept here for a week or more that the server does not have yet:
/// colleagues do not see them, and the person is told so in plain words.
#[component]
pub fn UnsyncedBanner() -> impl IntoView {
    let ui = expect_context::<Ui>();
    let waiting = move || {
        let since = ui.unsynced_since.get()?;
        let days = days_since(since);
        (days >= UNSYNCED_WARNING_DAYS && ui.sync.get() != SyncStatus::Saved).then_some((since, days))
    };
    view! {
        {move || waiting().map(|(since, days)| view! {
            <div class="banner warn" data-testid="unsynced-warning" role="alert">
                {format!(
                    "Ваши изменения с {} ({days} дн.) ещё не дошли до сервера — коллеги их пока не видят. \
                     Они сохранены на этом устройстве и отправятся сами, как только появится интернет.",
                    day_of(since)
                )}
            </div>
        })}
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

/// Records shown from the server's preview while the engine loads after
/// joining: they are read-only until it has.
#[component]
pub fn PreviewNotice() -> impl IntoView {
    let ui = expect_context::<Ui>();
    view! {
        <Show when=move || ui.previewing(Preview::Server)>
            <div class="banner info" data-testid="preview">
                "Записи получены с сервера. Приложение ещё сохраняется на устройство для работы без \
                 интернета; изменять записи можно будет, когда оно сохранится."
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
