//! The root component: starts the app (storage, documents, sync, service
//! worker) and lays out the screen.

use leptos::prelude::*;
use shared::Owner;
use shared::link::{Open, Place, Start};

use crate::components::banners::{
    DamagedBanner, FatalError, PreviewNotice, ReadOnlyNotice, RevokedBanner, StorageErrorBanner, UnsyncedBanner,
    UpdateBanner,
};
use crate::components::sync_badge::SyncBadge;
use crate::nav::{self, Nav, Page, YearPicker};
use crate::pages::access::AccessPage;
use crate::pages::advice::AdvicePage;
use crate::pages::analyses::AnalysesPage;
use crate::pages::dashboard::DashboardPage;
use crate::pages::district::DistrictOverview;
use crate::pages::join::JoinPage;
use crate::pages::kopilka::{DistrictKopilka, KopilkaPage};
use crate::pages::members::MembersPage;
use crate::pages::mentoring::MentoringPage;
use crate::pages::monitoring::MonitoringPage;
use crate::pages::perspective::PerspectivePage;
use crate::pages::plan::{DISTRICT_PLAN, SCHOOL_PLAN, plan_page};
use crate::pages::profile::{ProfilePage, RmoProfilePage};
use crate::pages::protocols::ProtocolsPage;
use crate::pages::regulations::RegulationsPage;
use crate::pages::report::{DistrictReportPage, SchoolReportPage};
use crate::pages::rmo::{ConsultationsPage, ContestsPage, EventsPage, VisitsPage};
use crate::pages::staff::StaffPage;
use crate::pages::surveys::{SchoolSurveysPage, SurveysPage};
use crate::print::{PrintView, Printing};
use crate::storage::{Store, settings};
use crate::ui::{Preview, Ui, show_school};
use crate::{client, device, pwa};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let ui = Ui::new();
    provide_context(ui);
    let page = RwSignal::new(Page::from_hash());
    provide_context(page);
    let printing = Printing(RwSignal::new(None));
    provide_context(printing);
    // Another screen closes the print view, and is kept as drawn.
    Effect::new(move |_| {
        page.track();
        printing.0.set(None);
        crate::kept::copy_screen_later(ui);
    });
    nav::follow_hash(ui, page);
    leptos::task::spawn_local(start(ui));
    // What <main> shows, as a memo: the screen is rebuilt (and its open
    // forms lost) only when another screen is to be shown, not whenever
    // the device, the school or the page is set again to the same.
    let screen = Memo::new(move |_| {
        if ui.settled.with(Option::is_none) {
            Screen::Join
        } else if printing.0.with(Option::is_some) {
            Screen::Print
        } else {
            Screen::Page(nav::shown_page(ui, page.get()))
        }
    });

    view! {
        <div class="bars">
        <header class="top">
            <div class="title">
                <span class="short">"МО КР"</span>
                <span class="long">"Методическое объединение классных руководителей"</span>
            </div>
            // Before the device has joined there are no years, no sync
            // and no sections: only the invitation.
            <Show when=move || ui.settled.with(Option::is_some)>
                <YearPicker />
                <SyncBadge />
            </Show>
        </header>
        <Show when=move || ui.settled.with(Option::is_some)>
            <Nav />
        </Show>
        </div>
        <UpdateBanner />
        <StorageErrorBanner />
        <UnsyncedBanner />
        <DamagedBanner />
        <ReadOnlyNotice />
        <PreviewNotice />
        <RevokedBanner />
        <FatalError />
        // Busy while the records shown are the page's copy of last time.
        <main aria-busy=move || ui.previewing(Preview::Kept).to_string()>
            {move || match screen.get() {
                Screen::Join => view! { <JoinPage /> }.into_any(),
                Screen::Print => view! { <PrintView /> }.into_any(),
                Screen::Page(page) => match page {
                Page::Dashboard => view! { <DashboardPage /> }.into_any(),
                Page::Profile => view! { <ProfilePage /> }.into_any(),
                Page::Members => view! { <MembersPage /> }.into_any(),
                Page::Plan => plan_page(SCHOOL_PLAN).into_any(),
                Page::Protocols => view! { <ProtocolsPage /> }.into_any(),
                Page::Analyses => view! { <AnalysesPage /> }.into_any(),
                Page::Regulations => view! { <RegulationsPage /> }.into_any(),
                Page::Kopilka => view! { <KopilkaPage /> }.into_any(),
                Page::Mentoring => view! { <MentoringPage /> }.into_any(),
                Page::Monitoring => view! { <MonitoringPage /> }.into_any(),
                Page::Report => view! { <SchoolReportPage /> }.into_any(),
                Page::Advice => view! { <AdvicePage /> }.into_any(),
                Page::SchoolSurveys => view! { <SchoolSurveysPage /> }.into_any(),
                Page::Surveys => view! { <SurveysPage /> }.into_any(),
                Page::DistrictKopilka => view! { <DistrictKopilka page=true /> }.into_any(),
                Page::DistrictReport => view! { <DistrictReportPage /> }.into_any(),
                Page::District => view! { <DistrictOverview /> }.into_any(),
                Page::RmoProfile => view! { <RmoProfilePage /> }.into_any(),
                Page::Staff => view! { <StaffPage /> }.into_any(),
                Page::RmoPlan => plan_page(DISTRICT_PLAN).into_any(),
                Page::Perspective => view! { <PerspectivePage /> }.into_any(),
                Page::Events => view! { <EventsPage /> }.into_any(),
                Page::Contests => view! { <ContestsPage /> }.into_any(),
                Page::Visits => view! { <VisitsPage /> }.into_any(),
                Page::Consultations => view! { <ConsultationsPage /> }.into_any(),
                Page::Access => view! { <AccessPage /> }.into_any(),
            }}}
        </main>
    }
}

/// What the app's <main> shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    /// The invitation: the device has not joined.
    Join,
    /// A document's print view.
    Print,
    /// A screen of the app.
    Page(Page),
}

/// Starts the engine on this device's documents and tells it what the
/// screens need as that changes; a device that has not joined (or opens an
/// invitation) gets the join screen.
async fn start(ui: Ui) {
    // The tile «Это устройство» reads the answer and what the device holds.
    pwa::ask_to_keep();
    pwa::register(move || ui.update_ready.set(true));

    // localStorage normally holds the device; where it lost it (a browser
    // killed soon after joining), IndexedDB gives it back. Otherwise the
    // engine starts at once: it opens storage itself and says if it cannot.
    if device::token().is_none() || device::stored().is_none() {
        match Store::open().await {
            Ok(store) => device::recover(&store).await,
            Err(e) => {
                ui.fatal.set(Some(e.unavailable()));
                return;
            }
        }
    }
    let (Some(token), Some(me), None) = (device::token(), device::stored(), device::code_in_address()) else {
        return; // The join screen shows while `ui.me` is empty.
    };
    // The engine starts first: it has the most to load. Meanwhile the
    // screens show the records as they were last time.
    let engine = connect(ui, token, &me);
    let device_id = me.device_id.clone();
    show_as(ui, me);
    crate::kept::start(ui, &device_id);
    engine.open();
}

/// How long a device that has just joined waits for the service worker to
/// have kept the app before it starts its engine anyway.
const KEEP_WAIT_MS: u32 = 60_000;

/// Opens the app as the device that has just joined, without a reload. The
/// screens show the server's preview of its records at once; the engine
/// starts once the service worker has kept the app (a while at most), so
/// that a slow connection does not carry the engine twice, for the page and
/// for the service worker, and takes the screens over once it has what the
/// preview showed.
pub async fn joined(ui: Ui, me: device::Me) {
    let Some(token) = device::token() else { return };
    let device_id = me.device_id.clone();
    show_as(ui, me.clone());
    crate::kept::start(ui, &device_id);
    client::preview(ui).await;
    pwa::kept_for_offline(KEEP_WAIT_MS).await;
    connect(ui, token, &me).open();
}

/// The screens, as the device `me`, on its school (or the one in the
/// address) and the year chosen last.
fn show_as(ui: Ui, me: device::Me) {
    if let Some(year) = settings::year() {
        ui.choose_year(year);
    }
    match me.school.as_ref() {
        Some(school) => show_school(ui, Some(school.id)),
        None => show_school(ui, nav::school_in_hash()),
    }
    ui.me.set(Some(me));
}

/// The engine, started; [`Connected::open`] tells it what the screens need.
#[must_use]
struct Connected(Ui);

/// Starts the engine of the device `me` (with its `token`), the files'
/// uploads, and asks the server what the device is now.
fn connect(ui: Ui, token: String, me: &device::Me) -> Connected {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    client::start(ui, Start { device_id: me.device_id.clone(), token, origin, storage_id: settings::storage_id() });
    crate::files::watch(ui);
    leptos::task::spawn_local(async move {
        match device::refresh().await {
            Ok(fresh) if Some(&fresh) != ui.me.get_untracked().as_ref() => ui.me.set(Some(fresh)),
            Err(device::ApiError::Revoked) => ui.revoked.set(true),
            _ => {}
        }
    });
    Connected(ui)
}

impl Connected {
    /// Has the engine open the chosen year's documents now and whenever
    /// the choice, the school shown or the district's list of schools
    /// changes.
    fn open(self) {
        let ui = self.0;
        Effect::new(move |_| {
            let year = ui.year.get();
            settings::set_year(year);
            let Some(me) = ui.settled.get() else { return };
            let district = Place { id: me.district.id, writable: me.may_write(Owner::District(me.district.id)) };
            let schools =
                me.schools.iter().map(|s| Place { id: s.id, writable: me.may_write(me.school_owner(s.id)) }).collect();
            let (shown, summaries, awaited) = (ui.school.get(), me.is_district(), ui.awaited());
            client::open(Open { year, district, schools, shown, summaries, awaited });
        });
    }
}
