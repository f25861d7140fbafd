//! The sync server of the class teachers' association app: it serves the
//! built app, speaks the automerge-repo sync protocol over WebSocket at
//! `/sync`, stores every document durably, and relays changes live to the
//! other peers that have a document open.
//!
//! - [`store`]: the storage trait and the embedded redb store.
//! - [`access`]: districts, schools, invitations, devices, and who may read
//!   or write which document.
//! - [`api`]: the JSON API for joining and for managing people and devices.
//! - [`hub`]: documents in memory, their subscribers, and durable apply.
//! - [`limits`]: what one device may ask: connections, messages per second,
//!   documents per connection.
//! - [`connection`]: one WebSocket connection driving a `shared::Session`.
//! - [`admin`]: the administrator's socket (a backup of the live store).
//! - [`error`]: the server's error type.
//!
//! [`app`] builds the router (tests call it without a socket); [`run`] serves
//! it on a listener until a shutdown future completes.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod access;
pub mod admin;
pub mod api;
mod connection;
pub mod error;
pub mod hub;
pub mod limits;
pub mod store;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use shared::{DocumentId, Grant, PeerMetadata, Role};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use access::Access;
pub use error::Error;
use hub::Hub;
use store::{RedbStore, Store};

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the embedded store keeps its files.
    pub data_dir: PathBuf,
    /// The built app (trunk's `dist`) to serve.
    pub app_dir: PathBuf,
    /// The largest WebSocket message a client may send.
    pub max_message_bytes: usize,
    /// Connections, message rate and documents per device.
    pub limits: limits::Limits,
}

/// Who this server is, stable across restarts.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The storage id peers key their sync state by.
    pub storage_id: String,
    /// The peer id the server uses on every connection.
    pub peer_id: String,
}

impl Identity {
    /// What the server says about itself in `peer` messages.
    pub fn metadata(&self) -> PeerMetadata {
        PeerMetadata { storage_id: Some(self.storage_id.clone()), is_ephemeral: false }
    }
}

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Documents and their subscribers.
    pub hub: Arc<Hub>,
    /// Districts, schools, devices, and the access rule.
    pub access: Arc<Access>,
    /// The configuration.
    pub config: Arc<Config>,
    /// Who the server is.
    pub identity: Arc<Identity>,
    /// Becomes `true` when the server is shutting down.
    pub shutdown: watch::Receiver<bool>,
    /// The devices' connections and message budgets.
    pub meter: Arc<limits::Meter>,
}

/// Opens the data directory and returns the state to serve with, plus the
/// sender that starts a shutdown.
pub fn open(config: Config) -> Result<(AppState, watch::Sender<bool>), Error> {
    let store: Arc<dyn Store> = Arc::new(RedbStore::open(&config.data_dir)?);
    let identity = identity(store.as_ref())?;
    let access = Arc::new(Access::open(store.clone())?);
    let (tx, rx) = watch::channel(false);
    let state = AppState {
        access,
        hub: Arc::new(Hub::new(store)),
        config: Arc::new(config),
        identity: Arc::new(identity),
        shutdown: rx,
        meter: Arc::default(),
    };
    Ok((state, tx))
}

/// Reads the server's identity from the store, creating it on first start.
fn identity(store: &dyn Store) -> Result<Identity, Error> {
    let storage_id = match store.meta("storage_id")? {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            store.set_meta("storage_id", id.as_bytes())?;
            id
        }
    };
    Ok(Identity { peer_id: format!("server-{storage_id}"), storage_id })
}

/// The invitations a first start makes, for the log.
#[derive(Debug)]
pub struct FirstStart {
    /// The district created.
    pub district: access::District,
    /// The district head's one-time code.
    pub district_head: String,
    /// The first school's head's one-time code.
    pub school_head: String,
}

/// On a first start (no district yet) creates a district with one school
/// and invitations for their heads, so that one command gives a newcomer a
/// working app. A data directory from before districts keeps its
/// association document as that school's.
pub fn first_start(state: &AppState) -> Result<Option<FirstStart>, access::AccessError> {
    let access = &state.access;
    if !access.is_empty() {
        return Ok(None);
    }
    let store = state.hub.store();
    let existing = store.meta("association")?.and_then(|b| <[u8; 16]>::try_from(b).ok()).map(DocumentId::from);
    let district = access.create_district("Районное МО классных руководителей")?;
    let school = access.create_school(None, district.id, "Школа №1", existing)?;
    let now = api::now_ms();
    let days = access::DEFAULT_INVITATION_DAYS;
    let head = Grant { role: Role::DistrictHead, district: district.id, school: None };
    let (district_head, _) = access.invite(None, head, days, "руководитель РМО", now)?;
    let school_grant = Grant { role: Role::SchoolHead, district: district.id, school: Some(school.id) };
    let (school_head, _) = access.invite(None, school_grant, days, "руководитель МО школы", now)?;
    Ok(Some(FirstStart { district, district_head, school_head }))
}

/// The router: sync, the small JSON API, and the app's files.
pub fn app(state: AppState) -> Router {
    let files = ServeDir::new(&state.config.app_dir).append_index_html_on_directories(true);
    // The service worker caches the app itself; the browser must always
    // revalidate, or users keep stale builds.
    let revalidate = SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Router::new()
        .route("/sync", get(sync))
        .route("/api/join", post(api::join))
        .route("/api/me", get(api::whoami))
        .route("/api/schools", post(api::create_school))
        .route("/api/schools/{id}", post(api::rename_school))
        .route("/api/invitations", post(api::invite).get(api::invitations))
        .route("/api/invitations/{id}/cancel", post(api::cancel_invitation))
        .route("/api/devices", get(api::devices))
        .route("/api/devices/{id}/revoke", post(api::revoke))
        .route("/healthz", get(|| async { "ok" }))
        .fallback_service(files)
        .layer(revalidate)
        .with_state(state)
}

/// `?token=…` on the sync URL: the way a standard automerge-repo client
/// (which takes a URL and nothing else) can carry a device token.
#[derive(serde::Deserialize)]
struct SyncQuery {
    token: Option<String>,
}

async fn sync(
    State(state): State<AppState>,
    axum::extract::Query(query): axum::extract::Query<SyncQuery>,
    ws: WebSocketUpgrade,
) -> axum::response::Response {
    let Some(device) = query.token.as_deref().and_then(|t| state.access.authenticate(t)) else {
        return (axum::http::StatusCode::UNAUTHORIZED, "unknown or revoked device token").into_response();
    };
    let max = state.config.limits.connections_per_device;
    let Some(counted) = state.meter.open(&device.id, max) else {
        tracing::warn!(device = %device.id, max, "too many connections from one device");
        let text = format!("this device already has {max} connections open (the limit); close some and retry");
        return (axum::http::StatusCode::TOO_MANY_REQUESTS, text).into_response();
    };
    // Let frames somewhat over the limit through, so the client gets a
    // readable `error` instead of a bare transport failure.
    let hard_limit = state.config.max_message_bytes.saturating_mul(2).saturating_add(64 * 1024);
    ws.max_message_size(hard_limit)
        .max_frame_size(hard_limit)
        .on_upgrade(move |socket| async move {
            connection::serve(socket, state, device).await;
            drop(counted);
        })
        .into_response()
}

/// Serves until `shutdown` completes, then closes every connection with a
/// "server restarting" reason and returns.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    stop: watch::Sender<bool>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let admin = tokio::spawn(admin::serve(state.config.data_dir.clone(), state.hub.store().clone()));
    let router = app(state);
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .await;
    admin.abort();
    served?;
    Ok(())
}
