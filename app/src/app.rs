//! The root component: starts the app (storage, documents, sync, service
//! worker) and lays out the screen.

use leptos::prelude::*;

use crate::components::banners::{
    DamagedBanner, FatalError, ReadOnlyNotice, RevokedBanner, StorageErrorBanner, UpdateBanner,
};
use crate::components::sync_badge::SyncBadge;
use crate::nav::{self, Nav, Page, YearPicker};
use crate::pages::access::AccessPage;
use crate::pages::analyses::AnalysesPage;
use crate::pages::dashboard::DashboardPage;
use crate::pages::district::DistrictOverview;
use crate::pages::join::JoinPage;
use crate::pages::kopilka::KopilkaPage;
use crate::pages::members::MembersPage;
use crate::pages::plan::{DISTRICT_PLAN, SCHOOL_PLAN, plan_page};
use crate::pages::profile::ProfilePage;
use crate::pages::protocols::ProtocolsPage;
use crate::pages::regulations::RegulationsPage;
use crate::pages::report::{DistrictReportPage, SchoolReportPage};
use crate::pages::rmo::{ConsultationsPage, ContestsPage, EventsPage, VisitsPage};
use crate::print::{PrintView, Printing};
use crate::repo::{Ui, open_district_year, open_school, show_school};
use crate::storage::{Store, settings};
use crate::{device, pwa, sync};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let ui = Ui::new();
    provide_context(ui);
    let page = RwSignal::new(Page::from_hash());
    provide_context(page);
    let printing = Printing(RwSignal::new(None));
    provide_context(printing);
    // Another screen closes the print view.
    Effect::new(move |_| {
        page.track();
        printing.0.set(None);
    });
    nav::follow_hash(ui, page);
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
        <DamagedBanner />
        <ReadOnlyNotice />
        <RevokedBanner />
        <FatalError />
        <main>
            {move || if ui.me.with(Option::is_none) {
                view! { <JoinPage /> }.into_any()
            } else if printing.0.with(Option::is_some) {
                view! { <PrintView /> }.into_any()
            } else { match nav::shown_page(ui, page.get()) {
                Page::Dashboard => view! { <DashboardPage /> }.into_any(),
                Page::Profile => view! { <ProfilePage /> }.into_any(),
                Page::Members => view! { <MembersPage /> }.into_any(),
                Page::Plan => plan_page(SCHOOL_PLAN).into_any(),
                Page::Protocols => view! { <ProtocolsPage /> }.into_any(),
                Page::Analyses => view! { <AnalysesPage /> }.into_any(),
                Page::Regulations => view! { <RegulationsPage /> }.into_any(),
                Page::Kopilka => view! { <KopilkaPage /> }.into_any(),
                Page::Report => view! { <SchoolReportPage /> }.into_any(),
                Page::DistrictReport => view! { <DistrictReportPage /> }.into_any(),
                Page::District => view! { <DistrictOverview /> }.into_any(),
                Page::RmoPlan => plan_page(DISTRICT_PLAN).into_any(),
                Page::Events => view! { <EventsPage /> }.into_any(),
                Page::Contests => view! { <ContestsPage /> }.into_any(),
                Page::Visits => view! { <VisitsPage /> }.into_any(),
                Page::Consultations => view! { <ConsultationsPage /> }.into_any(),
                Page::Access => view! { <AccessPage /> }.into_any(),
            }}}
        </main>
    }
}

/// Opens storage and this device's documents, then starts syncing; a
/// device that has not joined (or opens an invitation) gets the join screen.
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
    device::recover(&store).await;
    let (Some(_), Some(me), None) = (device::token(), device::stored(), device::code_in_address()) else {
        return; // The join screen shows while `ui.me` is empty.
    };
    ui.me.set(Some(me.clone()));
    if let Some(year) = settings::year() {
        ui.year.set(year);
    }
    match me.school.as_ref() {
        Some(school) => show_school(ui, Some(school.id)),
        None => show_school(ui, nav::school_in_hash()),
    }
    // The chosen year's documents open now and whenever the choice (or the
    // district's list of schools) changes.
    Effect::new(move |_| {
        let year = ui.year.get();
        settings::set_year(year);
        let Some(me) = ui.me.get() else { return };
        let store = store.clone();
        leptos::task::spawn_local(async move {
            let writable = me.may_write(shared::Owner::District(me.district.id));
            open_district_year(ui, store.clone(), me.district.id, year, writable).await;
            for school in &me.schools {
                let writable = me.may_write(me.school_owner(school.id));
                open_school(ui, store.clone(), school.id, year, writable).await;
            }
        });
    });
    leptos::task::spawn_local(async move {
        match device::refresh().await {
            Ok(fresh) if Some(&fresh) != ui.me.get_untracked().as_ref() => ui.me.set(Some(fresh)),
            Err(device::ApiError::Revoked) => ui.revoked.set(true),
            _ => {}
        }
    });
    sync::start(ui, me.device_id);
}
