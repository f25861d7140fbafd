//! The root component: starts the app (storage, documents, sync, service
//! worker) and lays out the screen.

use leptos::prelude::*;
use shared::DocumentId;

use shared::{AssociationDoc, LibraryDoc};

use crate::components::banners::{FatalError, ReadOnlyNotice, StorageErrorBanner, UpdateBanner};
use crate::components::sync_badge::SyncBadge;
use crate::nav::{self, Nav, Page, YearPicker};
use crate::pages::analyses::AnalysesPage;
use crate::pages::dashboard::DashboardPage;
use crate::pages::kopilka::KopilkaPage;
use crate::pages::members::MembersPage;
use crate::pages::plan::PlanPage;
use crate::pages::profile::ProfilePage;
use crate::pages::protocols::ProtocolsPage;
use crate::pages::regulations::RegulationsPage;
use crate::repo::{DocKind, Repo, Ui, open_year};
use crate::storage::{Store, settings};
use crate::{pwa, sync};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let ui = Ui::new();
    provide_context(ui);
    let page = RwSignal::new(Page::from_hash());
    provide_context(page);
    nav::follow_hash(page);
    leptos::task::spawn_local(start(ui));

    view! {
        <div class="bars">
        <header class="top">
            <div class="title">
                <span class="short">"МО КР"</span>
                <span class="long">"Методическое объединение классных руководителей"</span>
            </div>
            <YearPicker />
            <SyncBadge />
        </header>
        <Nav />
        </div>
        <UpdateBanner />
        <StorageErrorBanner />
        <ReadOnlyNotice />
        <FatalError />
        <main>
            {move || match page.get() {
                Page::Dashboard => view! { <DashboardPage /> }.into_any(),
                Page::Profile => view! { <ProfilePage /> }.into_any(),
                Page::Members => view! { <MembersPage /> }.into_any(),
                Page::Plan => view! { <PlanPage /> }.into_any(),
                Page::Protocols => view! { <ProtocolsPage /> }.into_any(),
                Page::Analyses => view! { <AnalysesPage /> }.into_any(),
                Page::Regulations => view! { <RegulationsPage /> }.into_any(),
                Page::Kopilka => view! { <KopilkaPage /> }.into_any(),
            }}
        </main>
    }
}

/// Opens storage and the association's documents, then starts syncing.
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
    let opened = async {
        Repo::open(ui, store.clone(), id, DocKind::Association, || AssociationDoc::create(&id)).await?;
        Repo::open(ui, store.clone(), LibraryDoc::id_for(&id), DocKind::Library, || LibraryDoc::create(&id)).await?;
        Ok::<_, String>(())
    };
    if let Err(message) = opened.await {
        ui.fatal.set(Some(message));
        return;
    }
    if let Some(year) = settings::year() {
        ui.year.set(year);
    }
    // The chosen year's document opens now and whenever the choice changes.
    Effect::new(move |_| {
        let year = ui.year.get();
        settings::set_year(year);
        leptos::task::spawn_local(open_year(ui, store.clone(), id, year));
    });
    sync::start(ui);
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
