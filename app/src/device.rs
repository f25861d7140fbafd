//! This device's place in the district: the token it got by joining with an
//! invitation, and what the server said it is (role, district, school, the
//! schools it may read). Both are kept in localStorage, so the app opens
//! offline, and in IndexedDB, which commits at once where localStorage
//! reaches the disk lazily; the description is refreshed from `/api/me`
//! when online.

use gloo_storage::{LocalStorage, Storage as _};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::{Access, DocumentId, Grant, Owner, Role};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const TOKEN: &str = "mo.token";
const ME: &str = "mo.device";

/// A school as the server lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolRef {
    /// Its association document.
    pub id: DocumentId,
    /// Its name.
    pub name: String,
    /// When its records last reached the server (ms since the epoch), as
    /// the server said when last asked.
    #[serde(default)]
    pub last_arrival_ms: Option<i64>,
}

/// The district, by id and name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistrictRef {
    /// Its id.
    pub id: DocumentId,
    /// Its name.
    pub name: String,
}

/// What this device is, as `/api/me` says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    /// Its id; peer ids start with it.
    pub device_id: String,
    /// Whose device it is.
    pub name: String,
    /// Its role and place.
    pub grant: Grant,
    /// Its district.
    pub district: DistrictRef,
    /// Its school, for school roles.
    pub school: Option<SchoolRef>,
    /// The schools it may read.
    pub schools: Vec<SchoolRef>,
    /// Its person's record in the school's member list, once a head linked
    /// it: the only member it marks «ознакомлен(а)» for.
    #[serde(default)]
    pub member: Option<uuid::Uuid>,
    /// The server's clock when it last answered, which the schools'
    /// freshness is measured against.
    #[serde(default)]
    pub server_now_ms: i64,
}

impl Me {
    /// Whether the device may change a document of `owner`.
    pub fn may_write(&self, owner: Owner) -> bool {
        self.grant.access(owner) == Access::Write
    }

    /// The owner of `school`'s documents.
    pub fn school_owner(&self, school: DocumentId) -> Owner {
        Owner::School { district: self.district.id, school }
    }

    /// Whether the device works at the district level.
    pub fn is_district(&self) -> bool {
        matches!(self.grant.role, Role::DistrictHead | Role::Reader)
    }

    /// The description without the server's clock readings (its time,
    /// and when each school's records last arrived), which differ at every
    /// answer: what a screen that shows neither should follow, so that an
    /// answer that only moves them does not redraw it (and its open forms).
    pub fn settled(&self) -> Self {
        let schools = self.schools.iter().map(|s| SchoolRef { last_arrival_ms: None, ..s.clone() }).collect();
        Self { schools, server_now_ms: 0, ..self.clone() }
    }

    /// A school's name.
    pub fn school_name(&self, id: DocumentId) -> String {
        self.schools.iter().find(|s| s.id == id).map(|s| s.name.clone()).unwrap_or_else(|| "школа".into())
    }
}

/// The token, if this device has joined.
pub fn token() -> Option<String> {
    LocalStorage::get::<String>(TOKEN).ok()
}

/// What the device was last told it is.
pub fn stored() -> Option<Me> {
    LocalStorage::get::<Me>(ME).ok()
}

fn keep(me: &Me) {
    let _ = LocalStorage::set(ME, me);
}

/// Why an API call failed, in words for the person.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// No connection to the server.
    Offline,
    /// The token is unknown or revoked.
    Revoked,
    /// The server refused, saying why.
    Refused(String),
}

impl ApiError {
    /// The sentence to show.
    pub fn message(&self) -> String {
        match self {
            Self::Offline => "Нет связи с сервером. Подключитесь к сети и повторите.".into(),
            Self::Revoked => "Доступ этого устройства отозван руководителем.".into(),
            Self::Refused(m) => m.clone(),
        }
    }
}

/// A request's JSON body, written from the app's own structs rather than a
/// [`Value`]: writing `Value`s (every JSON type, floats among them) was
/// code a phone downloads and keeps for nothing (BENCHMARKS.md). Such
/// structs always serialise, so there is nothing to report.
pub fn json(body: &impl serde::Serialize) -> Option<String> {
    serde_json::to_string(body).ok()
}

/// Calls the server's JSON API with this device's token.
pub async fn api(method: &str, path: &str, body: Option<String>) -> Result<Value, ApiError> {
    Ok(serde_json::from_str(&api_text(method, path, body).await?).unwrap_or(Value::Null))
}

/// Calls the server's JSON API as [`api`] does, reading the answer as a `T`.
/// Straight from the text, not through a [`Value`]: each type read both ways
/// would carry its reading code twice in the page's wasm.
pub async fn api_as<T: serde::de::DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<T, ApiError> {
    // Where, rather than serde_json's wording of what, which names Rust
    // types: the position is what a person can pass on.
    serde_json::from_str(&api_text(method, path, body).await?)
        .map_err(|e| ApiError::Refused(format!("Сервер ответил непонятно (строка {}, знак {})", e.line(), e.column())))
}

/// The text of the server's answer to a call of its JSON API, or why it
/// failed.
async fn api_text(method: &str, path: &str, body: Option<String>) -> Result<String, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Offline)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|_| ApiError::Offline)?;
    let _ = headers.set("Content-Type", "application/json");
    if let Some(token) = token() {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    init.set_headers(&headers);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(&body));
    }
    let request = web_sys::Request::new_with_str_and_init(path, &init).map_err(|_| ApiError::Offline)?;
    let response = JsFuture::from(window.fetch_with_request(&request)).await.map_err(|_| ApiError::Offline)?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| ApiError::Offline)?;
    let text = match response.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    match response.status() {
        200 => Ok(text),
        401 => Err(ApiError::Revoked),
        // The service worker answers for an unreachable server.
        0 | 502..=504 => Err(ApiError::Offline),
        status => {
            let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            Err(ApiError::Refused(
                value["error"].as_str().map_or_else(|| format!("Сервер ответил {status}"), str::to_owned),
            ))
        }
    }
}

/// Joins with an invitation code: keeps the token and what the device is.
pub async fn join(code: &str, name: &str) -> Result<Me, ApiError> {
    LocalStorage::delete(TOKEN);
    crate::kept::forget();
    #[derive(serde::Serialize)]
    struct Join<'a> {
        code: &'a str,
        name: &'a str,
    }
    /// The server's answer to a join.
    #[derive(Deserialize)]
    struct Joined {
        token: String,
        me: Me,
    }
    let Joined { token, me } = api_as("POST", "/api/join", json(&Join { code, name })).await?;
    let _ = LocalStorage::set(TOKEN, &token);
    keep(&me);
    let store = crate::storage::Store::open().await.map_err(|e| ApiError::Refused(e.message()))?;
    let described = json(&me).ok_or_else(|| ApiError::Refused("Не удалось записать, что это за устройство".into()))?;
    store.save_device(&token, &described).await.map_err(|e| ApiError::Refused(e.message()))?;
    Ok(me)
}

/// Puts the token and description back into localStorage from IndexedDB
/// when localStorage lost them (the browser was killed soon after joining).
pub async fn recover(store: &crate::storage::Store) {
    if let Ok(Some((token, me))) = store.load_device().await
        && let Ok(me) = serde_json::from_str::<Me>(&me)
    {
        let _ = LocalStorage::set(TOKEN, token);
        keep(&me);
    }
}

/// Asks the server what this device is now, and keeps the answer.
pub async fn refresh() -> Result<Me, ApiError> {
    let me: Me = api_as("GET", "/api/me", None).await?;
    keep(&me);
    Ok(me)
}

/// The invitation code in the address (`#/join/CODE`), if any.
pub fn code_in_address() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    hash.strip_prefix("#/join/").map(str::to_owned).filter(|c| !c.is_empty())
}
