//! The копилка's files: stored once each under their SHA-256, fetched by
//! whoever may read a document that lists them.
//!
//! - `PUT /api/files/{hash}?doc={library}&name={name}`: a device that may
//!   write the school's library sends a file's bytes; the server checks the
//!   size, the kind (by its first bytes) and that the bytes are the hash,
//!   and answers only once the file is on disk (written beside its place,
//!   fsynced, renamed, the directory fsynced).
//! - `GET /api/files/{hash}?doc={library}`: the file, if `doc` lists it and
//!   the device may read `doc`, or `doc` is a library of the device's
//!   district and shares a material carrying it «для района». Ranges are
//!   served, so a download resumes where a dropped connection left it.
//! - `GET /api/district/kopilka`: every material the district's schools
//!   share «для района», for any device of the district.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use shared::files::{Attachment, MAX_FILE_BYTES, check_size, is_hash, kind_of};
use shared::kopilka::SharedMaterial;
use shared::record::RecordList;
use shared::{Access as Reach, DocumentId, LibraryDoc, Owner};
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::access::AccessError;
use crate::api::Caller;
use crate::{AppState, Error};

/// How many uploads are read at once: each holds up to 20 MB in memory.
const UPLOADS_AT_ONCE: usize = 4;
/// How long a file found in a library is trusted to be listed there before
/// the library is read again: a download asks for each 256 KB part, and
/// reading the library for every part would cost more than sending it. A
/// file taken off a material stays fetchable this long.
const LISTING_FRESH: Duration = Duration::from_secs(10);

/// A file as a library lists it: the attachment, and whether a material
/// carrying it is shared «для района».
type Listing = Option<(Attachment, bool)>;

/// Where files live: `{data}/files/{first two hex digits}/{hash}`.
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
    uploads: Semaphore,
    listings: Mutex<HashMap<(DocumentId, String), (Instant, Listing)>>,
}

impl FileStore {
    /// The store under the data directory `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        Self { dir: data_dir.join("files"), uploads: Semaphore::new(UPLOADS_AT_ONCE), listings: Mutex::default() }
    }

    fn listing(&self, doc: DocumentId, hash: &str) -> Option<Listing> {
        let listings = self.listings.lock().expect("listings lock is never poisoned");
        listings.get(&(doc, hash.to_owned())).filter(|(at, _)| at.elapsed() < LISTING_FRESH).map(|(_, l)| l.clone())
    }

    fn keep_listing(&self, doc: DocumentId, hash: &str, listing: Listing) {
        let mut listings = self.listings.lock().expect("listings lock is never poisoned");
        listings.retain(|_, (at, _)| at.elapsed() < LISTING_FRESH);
        listings.insert((doc, hash.to_owned()), (Instant::now(), listing));
    }

    /// Where the file `hash` is (or will be) kept.
    pub fn path(&self, hash: &str) -> PathBuf {
        self.dir.join(&hash[..2]).join(hash)
    }

    /// Keeps `bytes` as the file `hash` (already checked to be their hash),
    /// durably; `false` if it was kept already.
    pub fn put(&self, hash: &str, bytes: &[u8]) -> Result<bool, Error> {
        let path = self.path(hash);
        if path.exists() {
            return Ok(false);
        }
        let dir = path.parent().expect("a file's path has its directory");
        std::fs::create_dir_all(dir)?;
        // Written beside its place and renamed: a crash leaves a stray
        // `.part`, never a short file under the file's name.
        let part = dir.join(format!("{hash}.{}.part", uuid::Uuid::new_v4()));
        let mut file = std::fs::File::create(&part)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&part, &path)?;
        std::fs::File::open(dir)?.sync_all()?;
        Ok(true)
    }
}

/// What an upload or download names besides the file.
#[derive(Deserialize)]
pub(crate) struct FileQuery {
    /// The library document that lists (or will list) the file.
    doc: String,
    /// The file's name, for an upload: its kind is checked by it too.
    name: Option<String>,
}

fn refused(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "error": message.into() }))).into_response()
}

fn parse(hash: &str, doc: &str) -> Result<DocumentId, Response> {
    if !is_hash(hash) {
        return Err(refused(StatusCode::BAD_REQUEST, "Неверное имя файла"));
    }
    doc.parse().map_err(|_| refused(StatusCode::BAD_REQUEST, "Неверный номер документа"))
}

/// `PUT /api/files/{hash}`: keeps a file for a material of the caller's
/// school's library.
pub(crate) async fn upload(
    State(state): State<AppState>,
    Caller(device): Caller,
    UrlPath(hash): UrlPath<String>,
    Query(query): Query<FileQuery>,
    body: Body,
) -> Response {
    let doc = match parse(&hash, &query.doc) {
        Ok(doc) => doc,
        Err(response) => return response,
    };
    let own_library = device.grant.school.map(|s| LibraryDoc::id_for(&s));
    if own_library != Some(doc) || state.access.access(&device.grant, &doc) != Reach::Write {
        return AccessError::Forbidden("прикреплять файлы можно только к материалам своей школы").into_response();
    }
    // The body is read only with a permit: a few uploads in memory at once.
    let Ok(_permit) = state.files.uploads.try_acquire() else {
        return refused(StatusCode::SERVICE_UNAVAILABLE, "Сервер принимает другие файлы: этот отправится чуть позже");
    };
    let name = query.name.unwrap_or_default();
    let Ok(body) = axum::body::to_bytes(body, MAX_UPLOAD_BYTES).await else {
        let too_big = check_size(&name, MAX_FILE_BYTES + 1).err().unwrap_or_default();
        return refused(StatusCode::PAYLOAD_TOO_LARGE, too_big);
    };
    if let Err(message) = check_size(&name, body.len() as u64) {
        return refused(StatusCode::PAYLOAD_TOO_LARGE, message);
    }
    if let Err(message) = kind_of(&name, &body[..body.len().min(16)]) {
        return refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, message);
    }
    let files = state.files.clone();
    // Hashing 20 MB and writing them run off the async workers.
    let stored = tokio::task::spawn_blocking(move || {
        if hex(&Sha256::digest(&body)) != hash {
            return Ok(None);
        }
        files.put(&hash, &body).map(Some)
    });
    match stored.await {
        Ok(Ok(None)) => refused(StatusCode::BAD_REQUEST, "Файл повреждён при передаче: отправьте его ещё раз"),
        Ok(Ok(Some(true))) => StatusCode::CREATED.into_response(),
        Ok(Ok(Some(false))) => StatusCode::OK.into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "a file could not be stored");
            refused(StatusCode::INTERNAL_SERVER_ERROR, "Сервер не смог сохранить файл")
        }
        Err(e) => {
            tracing::error!(error = %e, "storing a file panicked");
            refused(StatusCode::INTERNAL_SERVER_ERROR, "Сервер не смог сохранить файл")
        }
    }
}

/// The attachment `hash` as the library `doc` lists it, if the caller may
/// fetch it from there.
async fn listed(state: &AppState, device: &crate::access::Device, doc: DocumentId, hash: &str) -> Option<Attachment> {
    let reach = state.access.access(&device.grant, &doc);
    let same_district = matches!(state.access.owner(&doc),
        Some(Owner::School { district, school }) if district == device.grant.district && LibraryDoc::id_for(&school) == doc);
    if reach == Reach::None && !same_district {
        return None;
    }
    let listing = match state.files.listing(doc, hash) {
        Some(listing) => listing,
        None => {
            let library = state
                .hub
                .peek(doc, |d| autosurgeon::hydrate::<_, LibraryDoc>(d).ok())
                .await
                .ok()
                .flatten()
                .flatten()?;
            let carrying: Vec<_> =
                library.materials.active().into_iter().filter(|m| m.files.contains_key(hash)).collect();
            let listing = carrying
                .first()
                .and_then(|m| m.files.get(hash))
                .map(|file| (file.clone(), carrying.iter().any(|m| m.for_district)));
            // Only a file found is remembered: one not listed yet may be
            // any moment now.
            if listing.is_some() {
                state.files.keep_listing(doc, hash, listing.clone());
            }
            listing
        }
    };
    listing.filter(|(_, shared)| reach != Reach::None || *shared).map(|(file, _)| file)
}

/// `GET /api/files/{hash}`: the file, whole or the range asked for.
pub(crate) async fn download(
    State(state): State<AppState>,
    Caller(device): Caller,
    UrlPath(hash): UrlPath<String>,
    Query(query): Query<FileQuery>,
    request: Request,
) -> Response {
    let doc = match parse(&hash, &query.doc) {
        Ok(doc) => doc,
        Err(response) => return response,
    };
    let Some(file) = listed(&state, &device, doc, &hash).await else {
        return AccessError::NotFound("Файл не найден").into_response();
    };
    let path = state.files.path(&hash);
    if !path.exists() {
        // Listed, but the device that attached it has not sent it yet.
        return refused(StatusCode::NOT_FOUND, "Файл ещё не загружен на сервер с устройства, где его прикрепили");
    }
    let mut response = match ServeFile::new(&path).oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(e) => return refused(StatusCode::INTERNAL_SERVER_ERROR, format!("Не удалось прочитать файл: {e}")),
    };
    let headers = response.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(&file.mime) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    // The name is the hash: these bytes never change.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    response
}

/// `GET /api/district/kopilka`: the materials of every school of the
/// caller's district marked «для района», by title.
pub(crate) async fn district_kopilka(State(state): State<AppState>, Caller(device): Caller) -> Response {
    let mut shared = Vec::new();
    for school in state.access.schools(&device.grant.district) {
        let library = LibraryDoc::id_for(&school.id);
        let Ok(Some(Some(doc))) = state.hub.peek(library, |d| autosurgeon::hydrate::<_, LibraryDoc>(d).ok()).await
        else {
            continue;
        };
        shared.extend(doc.for_district().into_iter().map(|m| SharedMaterial::of(&school.name, library, m)));
    }
    shared.sort_by_cached_key(|m| m.title.to_lowercase());
    Json(shared).into_response()
}

/// The largest upload body read: the largest file.
pub const MAX_UPLOAD_BYTES: usize = MAX_FILE_BYTES as usize;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::access::{Device, School};
    use axum::http::Request;
    use http_body_util::BodyExt;
    use shared::files::Attachment;
    use shared::kopilka::{MaterialFields, MaterialKind};
    use shared::record::Edit;
    use shared::{Grant, Role};

    pub(crate) struct World {
        _dir: tempfile::TempDir,
        pub(crate) state: AppState,
        pub(crate) schools: [School; 2],
    }

    pub(crate) fn world() -> World {
        let dir = tempfile::tempdir().unwrap();
        let config = crate::Config {
            data_dir: dir.path().join("data"),
            database_url: None,
            app_dir: dir.path().to_path_buf(),
            max_message_bytes: 1 << 20,
            limits: crate::limits::Limits::default(),
        };
        let state = crate::open(config).unwrap().0;
        let district = state.access.create_district("Покровский район").unwrap();
        let a = state.access.create_school(None, district.id, "Школа №1", None).unwrap();
        let b = state.access.create_school(None, district.id, "Школа №2", None).unwrap();
        World { _dir: dir, state, schools: [a, b] }
    }

    impl World {
        pub(crate) fn device(&self, role: Role, school: Option<usize>) -> (String, Device) {
            let grant = Grant { role, district: self.schools[0].district, school: school.map(|s| self.schools[s].id) };
            let (code, _) = self.state.access.invite(None, grant, 7, "", None, crate::api::now_ms()).unwrap();
            self.state.access.redeem(&code, "устройство", crate::api::now_ms()).unwrap()
        }

        fn library(&self, school: usize) -> DocumentId {
            LibraryDoc::id_for(&self.schools[school].id)
        }

        /// Stores school `school`'s library with one material carrying `file`.
        pub(crate) async fn list(&self, school: usize, file: &Attachment, for_district: bool) {
            let mut doc = LibraryDoc::create(&self.schools[school].id);
            let fields = MaterialFields {
                title: "Классный час «Дружба»".into(),
                author: "Иванова М. П.".into(),
                kind: MaterialKind::ClassHour,
                classes: vec![5],
                area: Default::default(),
                description: String::new(),
                link: String::new(),
                presented_at: String::new(),
                for_district,
            };
            let id = LibraryDoc::edit_material(&mut doc, Edit::Add(fields), 1).unwrap();
            LibraryDoc::attach(&mut doc, id, file.clone(), 2).unwrap();
            self.state.hub.store().append(&self.library(school), doc.save(), Vec::new()).await.unwrap();
        }

        pub(crate) async fn send(&self, request: axum::http::request::Builder, body: Vec<u8>) -> (StatusCode, Vec<u8>) {
            let response =
                crate::app(self.state.clone()).oneshot(request.body(Body::from(body)).unwrap()).await.unwrap();
            let status = response.status();
            (status, response.into_body().collect().await.unwrap().to_bytes().to_vec())
        }

        async fn put(&self, token: &str, hash: &str, doc: DocumentId, name: &str, body: Vec<u8>) -> StatusCode {
            let uri = format!("/api/files/{hash}?doc={doc}&name={name}");
            let request = Request::put(uri).header(header::AUTHORIZATION, format!("Bearer {token}"));
            self.send(request, body).await.0
        }

        async fn get(&self, token: &str, hash: &str, doc: DocumentId, range: Option<&str>) -> (StatusCode, Vec<u8>) {
            let mut request = Request::get(format!("/api/files/{hash}?doc={doc}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"));
            if let Some(range) = range {
                request = request.header(header::RANGE, range);
            }
            self.send(request, Vec::new()).await
        }
    }

    pub(crate) fn pdf(len: usize) -> (Vec<u8>, Attachment) {
        let mut bytes = b"%PDF-1.7\n".to_vec();
        bytes.extend((0..len).map(|i| (i * 7 % 251) as u8));
        let hash = hex(&Sha256::digest(&bytes));
        let file =
            Attachment { hash, name: "урок.pdf".into(), size: bytes.len() as u64, mime: "application/pdf".into() };
        (bytes, file)
    }

    #[tokio::test]
    async fn a_file_is_kept_once_checked_and_refused_when_it_is_not_what_it_says() {
        let w = world();
        let (head, _) = w.device(Role::SchoolHead, Some(0));
        let (other_head, _) = w.device(Role::SchoolHead, Some(1));
        let (bytes, file) = pdf(300_000);
        let library = w.library(0);
        let wrong = hex(&Sha256::digest(b"other"));
        assert_eq!(w.put(&head, &wrong, library, "урок.pdf", bytes.clone()).await, StatusCode::BAD_REQUEST);
        let program = [b"MZ\x90\0".to_vec(), vec![0; 100]].concat();
        let program_hash = hex(&Sha256::digest(&program));
        assert_eq!(w.put(&head, &program_hash, library, "урок.pdf", program).await, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let too_big = vec![b'%'; MAX_UPLOAD_BYTES + 1];
        let big_hash = hex(&Sha256::digest(&too_big));
        assert_eq!(w.put(&head, &big_hash, library, "big.pdf", too_big).await, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            w.put(&other_head, &file.hash, library, "урок.pdf", bytes.clone()).await,
            StatusCode::FORBIDDEN,
            "nobody attaches to another school's копилка"
        );
        // While as many uploads as the server reads at once are under way,
        // another waits (the device sends it again later).
        let busy = w.state.files.uploads.try_acquire_many(UPLOADS_AT_ONCE as u32).unwrap();
        assert_eq!(w.put(&head, &file.hash, library, "урок.pdf", bytes.clone()).await, StatusCode::SERVICE_UNAVAILABLE);
        drop(busy);
        assert_eq!(w.put(&head, &file.hash, library, "урок.pdf", bytes.clone()).await, StatusCode::CREATED);
        assert_eq!(w.put(&head, &file.hash, library, "урок.pdf", bytes.clone()).await, StatusCode::OK, "kept once");
        assert_eq!(std::fs::read(w.state.files.path(&file.hash)).unwrap(), bytes);
        let stray: Vec<_> = std::fs::read_dir(w.state.files.path(&file.hash).parent().unwrap()).unwrap().collect();
        assert_eq!(stray.len(), 1, "no part file is left beside it");
    }

    #[tokio::test]
    async fn a_file_is_read_where_its_material_is_and_in_ranges() {
        let w = world();
        let (head, _) = w.device(Role::SchoolHead, Some(0));
        let (member, _) = w.device(Role::Member, Some(0));
        let (stranger, _) = w.device(Role::Member, Some(1));
        let (district_head, _) = w.device(Role::DistrictHead, None);
        let (bytes, file) = pdf(700_000);
        let library = w.library(0);
        assert_eq!(w.put(&head, &file.hash, library, "урок.pdf", bytes.clone()).await, StatusCode::CREATED);
        assert_eq!(w.get(&member, &file.hash, library, None).await.0, StatusCode::NOT_FOUND, "kept, not listed yet");

        w.list(0, &file, false).await;
        assert_eq!(w.get(&member, &file.hash, library, None).await, (StatusCode::OK, bytes.clone()));
        let (status, part) = w.get(&member, &file.hash, library, Some("bytes=262144-524287")).await;
        assert_eq!((status, part.as_slice()), (StatusCode::PARTIAL_CONTENT, &bytes[262_144..524_288]));
        assert_eq!(w.get(&district_head, &file.hash, library, None).await.0, StatusCode::OK, "the РМО reads schools");
        assert_eq!(w.get(&stranger, &file.hash, library, None).await.0, StatusCode::NOT_FOUND, "not shared yet");
        let kopilka = |token: &str| {
            Request::get("/api/district/kopilka").header(header::AUTHORIZATION, format!("Bearer {token}"))
        };
        assert_eq!(w.send(kopilka(&stranger), Vec::new()).await, (StatusCode::OK, b"[]".to_vec()));

        // The school shares another material, carrying another file, with the district.
        let (bytes2, shared) = pdf(5_000);
        assert_eq!(w.put(&head, &shared.hash, library, "урок.pdf", bytes2.clone()).await, StatusCode::CREATED);
        w.list(0, &shared, true).await;
        assert_eq!(w.get(&stranger, &shared.hash, library, None).await, (StatusCode::OK, bytes2));
        assert_eq!(w.get(&stranger, &file.hash, library, None).await.0, StatusCode::NOT_FOUND, "the other stays");
        let (status, body) = w.send(kopilka(&stranger), Vec::new()).await;
        let listed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        assert_eq!(listed[0]["school"], "Школа №1");
        assert_eq!(listed[0]["files"][0]["hash"], shared.hash.as_str());
        assert_eq!(listed[0]["library"], library.to_string().as_str());
    }
}
