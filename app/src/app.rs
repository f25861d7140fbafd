//! The root component: starts the app (storage, document, sync, service
//! worker) and lays out the screen.

use leptos::prelude::*;
use shared::DocumentId;

use crate::components::banners::{FatalError, ReadOnlyNotice, StorageErrorBanner, UpdateBanner};
use crate::components::sync_badge::SyncBadge;
use crate::pages::members::MembersPage;
use crate::repo::{Repo, Ui};
use crate::storage::{Store, settings};
use crate::{pwa, sync};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let ui = Ui::new();
    provide_context(ui);
    leptos::task::spawn_local(start(ui));

    view! {
        <header class="top">
            <div class="title">
                <span class="short">"МО КР"</span>
                <span class="long">"Методическое объединение классных руководителей"</span>
            </div>
            <SyncBadge />
        </header>
        <UpdateBanner />
        <StorageErrorBanner />
        <ReadOnlyNotice />
        <FatalError />
        <main>
            <MembersPage />
        </main>
    }
}

/// Opens storage and the association document, then starts syncing.
async fn start(ui: Ui) {
    pwa::request_persistent_storage();
    pwa::register(move || ui.update_ready.set(true));

    let store = match Store::open().await {
        Ok(store) => store,
        Err(e) => {
            ui.fatal.set(Some(format!(
                "Браузер не даёт приложению хранить данные ({}). Проверьте, не включён ли режим инкогнито.",
                e.detail
            )));
            return;
        }
    };
    let id = match settings::association() {
        Some(id) => id,
        None => match bootstrap().await {
            Ok(id) => {
                settings::set_association(&id);
                id
            }
            Err(()) => {
                ui.fatal.set(Some(
                    "Для первого запуска на этом устройстве нужно подключение к серверу. \
                     Подключитесь к сети и обновите страницу."
                        .into(),
                ));
                return;
            }
        },
    };
    match Repo::open(ui, store, id).await {
        Ok(repo) => sync::start(repo),
        Err(message) => ui.fatal.set(Some(message)),
    }
}

/// Asks the server which association document this device opens.
async fn bootstrap() -> Result<DocumentId, ()> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let window = web_sys::window().ok_or(())?;
    let response = JsFuture::from(window.fetch_with_str("/api/bootstrap")).await.map_err(|_| ())?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| ())?;
    if !response.ok() {
        return Err(());
    }
    let text = JsFuture::from(response.text().map_err(|_| ())?).await.map_err(|_| ())?;
    let value: serde_json::Value = serde_json::from_str(&text.as_string().ok_or(())?).map_err(|_| ())?;
    value["association"].as_str().ok_or(())?.parse().map_err(|_| ())
}
