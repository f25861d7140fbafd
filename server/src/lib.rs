//! The sync server of the class teachers' association app: it serves the
//! built app, speaks the automerge-repo sync protocol over WebSocket at
//! `/sync`, stores every document durably, and relays changes live to the
//! other peers that have a document open.
//!
//! - [`store`]: the storage trait and the embedded redb store.
//! - [`postgres`]: the store on PostgreSQL, and the notices through which
//!   several instances on it hear each other's changes.
//! - [`access`]: districts, schools, invitations, devices, and who may read
//!   or write which document.
//! - [`api`]: the JSON API for joining and for managing people and devices.
//! - [`hub`]: documents in memory, their subscribers, and durable apply.
//! - [`limits`]: what one device may ask: connections, messages per second,
//!   documents per connection.
//! - [`connection`]: one WebSocket connection driving a `shared::Session`.
//! - [`files`]: the копилка's files, stored by their hash.
//! - [`admin`]: the administrator's socket (a backup of the live store).
//! - [`tls`]: HTTPS from certificate files or an ACME authority, and the
//!   plain-HTTP redirect.
//! - [`metrics`]: counters and gauges for `/metrics` (Prometheus).
//! - [`error`]: the server's error type.
//!
//! [`app`] builds the router (tests call it without a socket); [`run`] serves
//! it on a listener until a shutdown future completes, then closes every
//! sync connection with a "server restarting" reason once its current
//! message is handled and stored.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod access;
pub mod admin;
pub mod api;
mod connection;
pub mod error;
pub mod files;
pub mod hub;
pub mod limits;
pub mod metrics;
pub mod postgres;
pub mod store;
pub mod tls;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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
#[doc(hidden)]
pub use connection::Driver;
pub use error::Error;
use hub::Hub;
use store::{RedbStore, Store};

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the embedded store keeps its files (and, either way, the
    /// копилка's files).
    pub data_dir: PathBuf,
    /// PostgreSQL instead of the embedded store, shared by every instance
    /// of the server that names it.
    pub database_url: Option<String>,
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
    /// Counters for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// The копилка's files.
    pub files: Arc<files::FileStore>,
    /// The PostgreSQL store, when the server runs on one (with other
    /// instances, whose changes it hears through it).
    pub shared: Option<Arc<postgres::PgStore>>,
}

/// Opens the data directory and returns the state to serve with, plus the
/// sender that starts a shutdown.
pub fn open(config: Config) -> Result<(AppState, watch::Sender<bool>), Error> {
    let (store, shared): (Arc<dyn Store>, _) = match &config.database_url {
        Some(url) => {
            let pg = Arc::new(postgres::PgStore::connect(url)?);
            (pg.clone(), Some(pg))
        }
        None => (Arc::new(RedbStore::open(&config.data_dir)?), None),
    };
    let identity = identity(store.as_ref())?;
    let access = Arc::new(Access::open(store.clone())?);
    let (tx, rx) = watch::channel(false);
    let state = AppState {
        access,
        hub: Arc::new(Hub::new(store)),
        files: Arc::new(files::FileStore::new(&config.data_dir)),
        shared,
        config: Arc::new(config),
        identity: Arc::new(identity),
        shutdown: rx,
        meter: Arc::default(),
        metrics: Arc::default(),
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
    // Servers starting together on one shared store: one of them sets up.
    if !store.claim_entries(("setup", "first-start"), &[])? {
        return Ok(None);
    }
    let existing = store.meta("association")?.and_then(|b| <[u8; 16]>::try_from(b).ok()).map(DocumentId::from);
    let district = access.create_district("Районное МО классных руководителей")?;
    let school = access.create_school(None, district.id, "Школа №1", existing)?;
    let now = api::now_ms();
    let days = access::DEFAULT_INVITATION_DAYS;
    let head = Grant { role: Role::DistrictHead, district: district.id, school: None };
    let (district_head, _) = access.invite(None, head, days, "руководитель РМО", None, now)?;
    let school_grant = Grant { role: Role::SchoolHead, district: district.id, school: Some(school.id) };
    let (school_head, _) = access.invite(None, school_grant, days, "руководитель МО школы", None, now)?;
    Ok(Some(FirstStart { district, district_head, school_head }))
}

/// The router: sync, the small JSON API, and the app's files.
pub fn app(state: AppState) -> Router {
    // The build writes .br and .gz copies beside the files (the wasm is a
    // third of its size gzipped); a browser that accepts one gets it.
    let files = ServeDir::new(&state.config.app_dir)
        .append_index_html_on_directories(true)
        .precompressed_br()
        .precompressed_gzip();
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
        .route("/api/devices/{id}/member", post(api::link_member))
        .route("/api/documents/{id}/authors", get(api::authors))
        .route("/api/preview", get(api::preview))
        .route("/api/files/{hash}", get(files::download).put(files::upload))
        .route("/api/district/kopilka", get(files::district_kopilka))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .fallback_service(files)
        .layer(revalidate)
        .with_state(state)
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let readings = metrics::Readings {
        connections_open: state.meter.open_connections(),
        documents_open: state.hub.resident_documents(),
        documents_loaded: state.hub.loaded_documents(),
        devices: state.access.active_devices(),
        changes_stored: state.hub.changes_stored(),
        chunks_set_aside: state.hub.chunks_set_aside(),
    };
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render(readings))
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
    let device = match state.access.authenticate(query.token.as_deref().unwrap_or_default()) {
        Ok(Some(device)) => device,
        Ok(None) => {
            return (axum::http::StatusCode::UNAUTHORIZED, "unknown or revoked device token").into_response();
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not check a device token");
            let text = "the server could not check the device token; retry later";
            return (axum::http::StatusCode::SERVICE_UNAVAILABLE, text).into_response();
        }
    };
    let limits = &state.config.limits;
    let counted = match state.meter.open(&device.id, limits) {
        Ok(counted) => counted,
        Err(limits::Refused::Device) => {
            let max = limits.connections_per_device;
            tracing::warn!(device = %device.id, max, "too many connections from one device");
            let text = format!("this device already has {max} connections open (the limit); close some and retry");
            return (axum::http::StatusCode::TOO_MANY_REQUESTS, text).into_response();
        }
        Err(limits::Refused::Server) => {
            let max = limits.connections;
            tracing::warn!(max, "the server has as many connections open as it takes");
            let text = format!("the server has {max} connections open (its limit); retry later");
            return (axum::http::StatusCode::SERVICE_UNAVAILABLE, text).into_response();
        }
    };
    // Let frames somewhat over the limit through, so the client gets a
    // readable `error` instead of a bare transport failure.
    let hard_limit = state.config.max_message_bytes.saturating_mul(2).saturating_add(64 * 1024);
    // Small socket buffers: most sync messages are a few hundred bytes, and
    // tungstenite's default 128 KiB read buffer per connection was most of
    // the server's memory with a thousand devices connected (8 KiB took
    // them from 168 to 48 MiB; 2 KiB saves another 4–5 MiB). Bigger
    // messages still arrive whole; they are only read in more steps.
    ws.max_message_size(hard_limit)
        .max_frame_size(hard_limit)
        .read_buffer_size(SOCKET_BUFFER_BYTES)
        .write_buffer_size(SOCKET_BUFFER_BYTES)
        .on_upgrade(move |socket| async move {
            connection::serve(socket, state, device).await;
            drop(counted);
        })
        .into_response()
}

/// Drops documents nobody touched for `idle` from memory, checking four
/// times per `idle` (at most once a minute, at least four times a second).
async fn unload_idle(hub: Arc<Hub>, idle: Duration) {
    let every = (idle / 4).clamp(Duration::from_millis(250), Duration::from_secs(60));
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let dropped = hub.unload_idle(idle);
        if dropped > 0 {
            tracing::debug!(dropped, "idle documents left memory");
        }
    }
}

/// The WebSocket read and write buffers of one connection.
const SOCKET_BUFFER_BYTES: usize = 2 * 1024;

/// How long a shutdown waits for requests and connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves on `listener` (HTTPS when `tls` says so, and then, on
/// `redirect`, plain HTTP sending everyone to HTTPS) until `shutdown`
/// completes. Then it stops accepting, lets HTTP requests finish, and
/// closes every sync connection with a "server restarting" reason once the
/// message it is handling is stored, so apps reconnect quietly.
pub async fn run(
    listener: TcpListener,
    redirect: Option<TcpListener>,
    tls: &tls::Tls,
    state: AppState,
    stop: watch::Sender<bool>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let https_port = listener.local_addr()?.port();
    let acceptor = tls.acceptor().await?;
    // On PostgreSQL, instances may share a data directory (for the
    // копилка's files), and backups are the database's own.
    let alongside = match &state.shared {
        None => tokio::spawn(admin::serve(state.config.data_dir.clone(), state.hub.store().clone())),
        Some(pg) => tokio::spawn({
            let listening = postgres::listen(pg.clone(), state.hub.clone(), state.access.clone());
            async move {
                listening.await;
                Ok(())
            }
        }),
    };
    let sweeping = tokio::spawn(unload_idle(state.hub.clone(), state.config.limits.document_idle));
    let handle = axum_server::Handle::<std::net::SocketAddr>::new();
    let redirecting = redirect.map(|listener| {
        let mut stopping = stop.subscribe();
        tokio::spawn(
            axum::serve(listener, tls::redirect(https_port))
                .with_graceful_shutdown(async move {
                    let _ = stopping.wait_for(|s| *s).await;
                })
                .into_future(),
        )
    });
    // Dropped when the server ends on its own (its listener failed): the
    // connections are stopped then too.
    let (ended, server_ended) = tokio::sync::oneshot::channel::<()>();
    {
        let handle = handle.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = shutdown => tracing::info!("stopping: closing connections once their messages are stored"),
                _ = server_ended => {}
            }
            let _ = stop.send(true);
            handle.graceful_shutdown(Some(SHUTDOWN_GRACE));
        });
    }
    let service = app(state.clone()).into_make_service();
    let mut server = axum_server::Server::from_listener(listener).handle(handle);
    // A client that opens a connection and trickles its headers would hold
    // a socket and a task for ever.
    server
        .http_builder()
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(state.config.limits.header_read);
    let served = match acceptor {
        tls::Acceptor::Plain => server.serve(service).await,
        tls::Acceptor::Files(acceptor) => server.acceptor(acceptor).serve(service).await,
        tls::Acceptor::Acme(acceptor) => server.acceptor(acceptor).serve(service).await,
    };
    drop(ended);
    if !state.meter.drained(SHUTDOWN_GRACE).await {
        tracing::warn!(open = state.meter.open_connections(), "connections still open after the grace period");
    }
    alongside.abort();
    sweeping.abort();
    if let Some(task) = redirecting {
        task.abort();
    }
    served?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    fn state(app_dir: &std::path::Path, data_dir: &std::path::Path) -> AppState {
        let config = Config {
            data_dir: data_dir.to_path_buf(),
            database_url: None,
            app_dir: app_dir.to_path_buf(),
            max_message_bytes: 1 << 20,
            limits: limits::Limits::default(),
        };
        open(config).unwrap().0
    }

    async fn get(state: &AppState, path: &str, accept: Option<&str>) -> (StatusCode, Option<String>, Vec<u8>) {
        let mut request = Request::builder().uri(path);
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT_ENCODING, accept);
        }
        let response = app(state.clone()).oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let encoding = response.headers().get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap().to_owned());
        let status = response.status();
        (status, encoding, response.into_body().collect().await.unwrap().to_bytes().to_vec())
    }

    #[tokio::test]
    async fn the_app_is_sent_precompressed_to_browsers_that_accept_it() {
        let dir = tempfile::tempdir().unwrap();
        let app_dir = dir.path().join("dist");
        std::fs::create_dir_all(&app_dir).unwrap();
        std::fs::write(app_dir.join("app_bg.wasm"), b"raw wasm").unwrap();
        std::fs::write(app_dir.join("app_bg.wasm.gz"), b"gzip bytes").unwrap();
        std::fs::write(app_dir.join("app_bg.wasm.br"), b"brotli bytes").unwrap();
        let state = state(&app_dir, &dir.path().join("data"));
        let (status, encoding, body) = get(&state, "/app_bg.wasm", Some("gzip, deflate, br")).await;
        assert_eq!((status, encoding.as_deref(), body.as_slice()), (StatusCode::OK, Some("br"), &b"brotli bytes"[..]));
        let (_, encoding, body) = get(&state, "/app_bg.wasm", Some("gzip")).await;
        assert_eq!((encoding.as_deref(), body.as_slice()), (Some("gzip"), &b"gzip bytes"[..]));
        let (_, encoding, body) = get(&state, "/app_bg.wasm", None).await;
        assert_eq!((encoding, body.as_slice()), (None, &b"raw wasm"[..]));
    }

    #[tokio::test]
    async fn metrics_count_devices_and_documents_in_the_prometheus_format() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(dir.path(), &dir.path().join("data"));
        let first = first_start(&state).unwrap().unwrap();
        state.access.redeem(&first.school_head, "Учитель", api::now_ms()).unwrap();
        let (status, _, body) = get(&state, "/metrics", None).await;
        let text = String::from_utf8(body).unwrap();
        assert_eq!(status, StatusCode::OK);
        assert!(text.contains("\nmo_devices 1\n"), "{text}");
        assert!(text.contains("\nmo_connections_open 0\n"), "{text}");
        assert!(text.contains("# TYPE mo_sync_messages_received_total counter"), "{text}");
    }
}
