//! The small JSON API beside sync: joining with an invitation, what a device
//! is, schools, invitations, devices and their revocation. Every call but
//! joining carries the device's token as `Authorization: Bearer …`; answers
//! to refusals carry a Russian `error` for the screen.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use shared::{DocumentId, Grant, Role};

use crate::AppState;
use crate::access::{AccessError, DEFAULT_INVITATION_DAYS, Device, District, InvitationState, School};

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

impl IntoResponse for AccessError {
    fn into_response(self) -> Response {
        let status = match &self {
            AccessError::UnknownInvitation | AccessError::NotFound(_) => StatusCode::NOT_FOUND,
            AccessError::UsedInvitation | AccessError::ExpiredInvitation | AccessError::CancelledInvitation => {
                StatusCode::GONE
            }
            AccessError::Forbidden(_) => StatusCode::FORBIDDEN,
            AccessError::Invalid(_) => StatusCode::BAD_REQUEST,
            AccessError::Storage(e) => {
                tracing::error!(error = %e, "directory write failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        (status, Json(serde_json::json!({ "error": self.to_string() }))).into_response()
    }
}

/// The device making a request, from `Authorization: Bearer …`; a request
/// without a valid token is answered 401 before its handler runs.
pub(crate) struct Caller(pub(crate) Device);

impl axum::extract::FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &AppState) -> Result<Self, Response> {
        let token = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let token = token.and_then(|t| t.strip_prefix("Bearer ")).map(str::trim).unwrap_or_default();
        match state.access.authenticate(token) {
            Ok(Some(device)) => Ok(Caller(device)),
            Ok(None) => {
                let error = AccessError::Forbidden("устройство не подключено или доступ отозван").to_string();
                Err((StatusCode::UNAUTHORIZED, Json(serde_json::json!({ "error": error, "revoked": true })))
                    .into_response())
            }
            // Not a revocation: the device asks again later.
            Err(e) => Err(AccessError::Storage(e).into_response()),
        }
    }
}

/// Runs a directory write off the async workers (it fsyncs).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AccessError> + Send + 'static,
) -> Result<T, AccessError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| AccessError::Storage(e.into()))?
}

/// A school as the app sees it.
#[derive(Serialize)]
struct SchoolView {
    id: DocumentId,
    name: String,
    /// When its records last reached the server (ms since the epoch), if
    /// they ever did since the server kept this.
    #[serde(skip_serializing_if = "Option::is_none")]
    last_arrival_ms: Option<i64>,
}

impl From<School> for SchoolView {
    fn from(s: School) -> Self {
        Self { id: s.id, name: s.name, last_arrival_ms: None }
    }
}

/// What a device is and what it sees.
#[derive(Serialize)]
struct Me {
    device_id: String,
    name: String,
    grant: Grant,
    district: District,
    /// Its school, for school roles.
    school: Option<SchoolView>,
    /// The schools it may read: its own, or all of the district's.
    schools: Vec<SchoolView>,
    /// The server's storage id, which sync states are kept under.
    storage_id: String,
    /// Its person's record in the school's member list, once linked.
    member: Option<uuid::Uuid>,
    /// The server's clock when it answered: how long a school has been
    /// silent is measured on it, not on the device's.
    server_now_ms: i64,
}

fn me(state: &AppState, device: &Device) -> Result<Me, AccessError> {
    let access = &state.access;
    let district = access.district(&device.grant.district).ok_or(AccessError::NotFound("Района больше нет"))?;
    let school = device.grant.school.and_then(|id| access.school(&id)).map(SchoolView::from);
    let schools = match device.grant.school {
        Some(id) => access.school(&id).into_iter().collect::<Vec<_>>(),
        None => access.schools(&district.id),
    };
    let arrived = access.school_arrivals(&state.hub.arrivals());
    let schools = schools
        .into_iter()
        .map(|s| SchoolView { last_arrival_ms: arrived.get(&s.id).copied(), ..SchoolView::from(s) })
        .collect();
    Ok(Me {
        device_id: device.id.clone(),
        name: device.name.clone(),
        grant: device.grant,
        district,
        school,
        schools,
        storage_id: state.identity.storage_id.clone(),
        member: device.member,
        server_now_ms: now_ms(),
    })
}

#[derive(Deserialize)]
pub(crate) struct JoinRequest {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct Joined {
    token: String,
    me: Me,
}

/// `POST /api/join`: spends an invitation on this device.
pub(crate) async fn join(State(state): State<AppState>, Json(req): Json<JoinRequest>) -> Response {
    let access = state.access.clone();
    let redeemed = blocking(move || access.redeem(&req.code, &req.name, now_ms())).await;
    match redeemed.and_then(|(token, device)| {
        tracing::info!(device = %device.id, role = device.grant.role.code(), "device joined");
        Ok(Joined { token, me: me(&state, &device)? })
    }) {
        Ok(joined) => Json(joined).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/me`: what this device is; 401 once it is revoked.
pub(crate) async fn whoami(State(state): State<AppState>, Caller(device): Caller) -> Response {
    me(&state, &device).map(Json).into_response()
}

#[derive(Deserialize)]
pub(crate) struct NewSchool {
    name: String,
}

/// `POST /api/schools`: the district head adds a school.
pub(crate) async fn create_school(
    State(state): State<AppState>,
    Caller(device): Caller,
    Json(req): Json<NewSchool>,
) -> Response {
    let access = state.access.clone();
    blocking(move || access.create_school(Some(&device.grant), device.grant.district, &req.name, None))
        .await
        .map(|s| Json(SchoolView::from(s)))
        .into_response()
}

/// `POST /api/schools/{id}`: the district head renames a school.
pub(crate) async fn rename_school(
    State(state): State<AppState>,
    Caller(device): Caller,
    Path(id): Path<DocumentId>,
    Json(req): Json<NewSchool>,
) -> Response {
    let access = state.access.clone();
    blocking(move || access.rename_school(Some(&device.grant), id, &req.name))
        .await
        .map(|s| Json(SchoolView::from(s)))
        .into_response()
}

#[derive(Deserialize)]
pub(crate) struct NewInvitation {
    role: Role,
    school: Option<DocumentId>,
    days: Option<u32>,
    #[serde(default)]
    note: String,
    /// The member record of the person invited, to link their device to.
    #[serde(default)]
    member: Option<uuid::Uuid>,
}

#[derive(Serialize)]
struct InvitationView {
    /// The one-time code; the link is `/#/join/{code}`.
    code: String,
    role: Role,
    school: Option<DocumentId>,
    expires_ms: i64,
    note: String,
}

/// `POST /api/invitations`: a head invites someone.
pub(crate) async fn invite(
    State(state): State<AppState>,
    Caller(device): Caller,
    Json(req): Json<NewInvitation>,
) -> Response {
    let access = state.access.clone();
    let grant = Grant { role: req.role, district: device.grant.district, school: req.school };
    let days = req.days.unwrap_or(DEFAULT_INVITATION_DAYS);
    blocking(move || access.invite(Some(&device), grant, days, &req.note, req.member, now_ms()))
        .await
        .map(|(code, inv)| {
            Json(InvitationView {
                code,
                role: inv.grant.role,
                school: inv.grant.school,
                expires_ms: inv.expires_ms,
                note: inv.note,
            })
        })
        .into_response()
}

/// An invitation in a head's list (without its code).
#[derive(Serialize)]
struct InvitationEntry {
    id: String,
    role: Role,
    school: Option<DocumentId>,
    note: String,
    state: InvitationState,
    created_ms: Option<i64>,
    expires_ms: i64,
    used_ms: Option<i64>,
    /// The name of the device it was spent on.
    used_by: Option<String>,
}

/// Only heads see and manage people.
fn require_head(device: &Device) -> Result<(), AccessError> {
    match device.grant.role {
        Role::SchoolHead | Role::DistrictHead => Ok(()),
        Role::Member | Role::Reader => Err(AccessError::Forbidden("приглашения и устройства видят руководители")),
    }
}

/// `GET /api/invitations`: the invitations this head made or manages.
pub(crate) async fn invitations(State(state): State<AppState>, Caller(device): Caller) -> Response {
    if let Err(e) = require_head(&device) {
        return e.into_response();
    }
    let now = now_ms();
    let devices = state.access.devices(&device);
    let list: Vec<InvitationEntry> = state
        .access
        .invitations(&device)
        .into_iter()
        .map(|(id, i)| InvitationEntry {
            id,
            role: i.grant.role,
            school: i.grant.school,
            state: i.state(now),
            created_ms: i.created_ms,
            expires_ms: i.expires_ms,
            used_ms: i.used_ms,
            used_by: i.used_by.and_then(|d| devices.iter().find(|x| x.id == d).map(|x| x.name.clone())),
            note: i.note,
        })
        .collect();
    Json(list).into_response()
}

/// `POST /api/invitations/{id}/cancel`: the link stops working.
pub(crate) async fn cancel_invitation(
    State(state): State<AppState>,
    Caller(device): Caller,
    Path(id): Path<String>,
) -> Response {
    let access = state.access.clone();
    blocking(move || access.cancel_invitation(&device, &id, now_ms()))
        .await
        .map(|()| Json(serde_json::json!({ "cancelled": true })))
        .into_response()
}

#[derive(Serialize)]
struct DeviceView {
    id: String,
    name: String,
    role: Role,
    school: Option<DocumentId>,
    created_ms: i64,
    revoked_ms: Option<i64>,
    member: Option<uuid::Uuid>,
}

/// `GET /api/devices`: the devices this head manages.
pub(crate) async fn devices(State(state): State<AppState>, Caller(device): Caller) -> Response {
    if let Err(e) = require_head(&device) {
        return e.into_response();
    }
    let list: Vec<DeviceView> = state
        .access
        .devices(&device)
        .into_iter()
        .map(|d| DeviceView {
            id: d.id,
            name: d.name,
            role: d.grant.role,
            school: d.grant.school,
            created_ms: d.created_ms,
            revoked_ms: d.revoked_ms,
            member: d.member,
        })
        .collect();
    Json(list).into_response()
}

/// Which member record a device belongs to (`null` unlinks it).
#[derive(Deserialize)]
pub(crate) struct MemberLink {
    member: Option<uuid::Uuid>,
}

/// `POST /api/devices/{id}/member`: a head links a device to its person's
/// member record, the only member it then marks «ознакомлен(а)» for.
pub(crate) async fn link_member(
    State(state): State<AppState>,
    Caller(device): Caller,
    Path(id): Path<String>,
    Json(link): Json<MemberLink>,
) -> Response {
    let access = state.access.clone();
    blocking(move || access.link_member(&device, &id, link.member))
        .await
        .map(|()| Json(serde_json::json!({ "linked": true })))
        .into_response()
}

/// `POST /api/devices/{id}/revoke`: takes a device's access away at once.
pub(crate) async fn revoke(State(state): State<AppState>, Caller(device): Caller, Path(id): Path<String>) -> Response {
    let access = state.access.clone();
    blocking(move || access.revoke(&device, &id, now_ms()))
        .await
        .map(|()| Json(serde_json::json!({ "revoked": true })))
        .into_response()
}

/// One change of a document: who sent it to the server, and when.
#[derive(Serialize)]
struct AuthorView {
    /// The change's hash, hex.
    hash: String,
    /// Whose device sent it, as they wrote it when joining.
    name: String,
    /// When the server stored it (ms since the epoch).
    at_ms: i64,
}

/// What `GET /api/preview` is asked for: the year and the school shown.
#[derive(Deserialize)]
pub(crate) struct PreviewQuery {
    year: i32,
    school: Option<String>,
}

/// The most documents a preview reads: the district's year and
/// perspective, and one school's three.
const PREVIEW_DOCUMENTS: usize = 5;

/// `GET /api/preview?year=2026&school=ID`: what a device that has just
/// joined shows before its engine has loaded (on a slow connection the
/// engine is more than half of what the app downloads). The documents the
/// screens wait for, as the engine would send them (`shared::link::Shown`,
/// postcard), read-only: a change waits for the engine, which holds the
/// documents. Documents the device may not read, or that nobody has made
/// yet, are left out.
pub(crate) async fn preview(
    State(state): State<AppState>,
    Caller(device): Caller,
    axum::extract::Query(query): axum::extract::Query<PreviewQuery>,
) -> Response {
    let school = match query.school.as_deref().map(str::parse::<DocumentId>) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => return AccessError::Invalid("Неверный номер школы".into()).into_response(),
    };
    let place = |id| shared::link::Place { id, writable: false };
    let open = shared::link::Open {
        year: shared::AcademicYear(query.year),
        district: place(device.grant.district),
        schools: school.into_iter().map(place).collect(),
        shown: school,
        summaries: false,
        awaited: Vec::new(),
    };
    let (wanted, _) = shared::engine::wanted(&open);
    let mut shown = Vec::new();
    for wanted in wanted.into_iter().take(PREVIEW_DOCUMENTS) {
        if state.access.access(&device.grant, &wanted.id) == shared::Access::None {
            continue;
        }
        let read = state.hub.peek(wanted.id, |doc| {
            // Uncompressed: the bytes are read back at once.
            let mut doc = automerge::AutoCommit::load(&doc.save_nocompress())?;
            shared::engine::shown(wanted, &mut doc)
        });
        match read.await {
            Ok(Some(Ok(document))) => shown.push(document),
            Ok(None) => {}
            Ok(Some(Err(e))) => {
                tracing::warn!(document = %wanted.id, error = %e, "a document does not read for a preview")
            }
            Err(e) => return AccessError::Storage(e).into_response(),
        }
    }
    ([(header::CONTENT_TYPE, "application/octet-stream")], shared::link::encode(&shown)).into_response()
}

/// `GET /api/documents/{id}/authors`: who sent each change of a document the
/// caller may read, and when; the app's «История» shows it.
pub(crate) async fn authors(State(state): State<AppState>, Caller(device): Caller, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<DocumentId>() else {
        return AccessError::Invalid("Неверный номер документа".into()).into_response();
    };
    if state.access.access(&device.grant, &id) == shared::Access::None {
        return AccessError::NotFound("Документ не найден").into_response();
    }
    let store = state.hub.store().clone();
    let authored = match tokio::task::spawn_blocking(move || store.authors(&id)).await {
        Ok(Ok(authored)) => authored,
        Ok(Err(e)) => return AccessError::Storage(e).into_response(),
        Err(e) => return AccessError::Storage(e.into()).into_response(),
    };
    let list: Vec<AuthorView> = authored
        .into_iter()
        .map(|a| AuthorView {
            hash: automerge::ChangeHash(a.hash).to_string(),
            name: state.access.device_name(&a.device).unwrap_or_else(|| "неизвестное устройство".into()),
            at_ms: a.at_ms,
        })
        .collect();
    Json(list).into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::{Request, StatusCode, header};
    use shared::link::{Records, Shown};
    use shared::{DocKind, LibraryDoc, Role};

    use crate::files::tests::{pdf, world};

    #[tokio::test]
    async fn a_preview_holds_the_shown_documents_the_device_may_read_and_no_others() {
        let w = world();
        let (_, file) = pdf(100);
        w.list(0, &file, false).await;
        let preview = |token: String, school: usize| {
            let uri = format!("/api/preview?year=2026&school={}", w.schools[school].id);
            let request = Request::get(uri).header(header::AUTHORIZATION, format!("Bearer {token}"));
            let w = &w;
            async move {
                let (status, body) = w.send(request, Vec::new()).await;
                assert_eq!(status, StatusCode::OK);
                shared::link::decode::<Vec<Shown>>(&body).unwrap()
            }
        };
        let library = LibraryDoc::id_for(&w.schools[0].id);

        let (head, _) = w.device(Role::SchoolHead, Some(0));
        let shown = preview(head, 0).await;
        let [only] = &shown[..] else { panic!("only the stored library: {shown:?}") };
        assert_eq!((only.id, only.kind, only.owner), (library, DocKind::Library, w.schools[0].id));
        assert!(!only.writable, "a preview is read-only: changes wait for the engine");
        let Records::Library(doc) = &only.records else { panic!() };
        assert_eq!(doc.materials.len(), 1);
        assert!(!only.heads.is_empty());

        let (district_head, _) = w.device(Role::DistrictHead, None);
        assert_eq!(preview(district_head, 0).await.len(), 1, "the district head reads every school");
        let (other_head, _) = w.device(Role::SchoolHead, Some(1));
        assert!(preview(other_head, 0).await.is_empty(), "nothing of another school");
    }
}
