//! The district's structure and who may use it: districts, their schools,
//! invitations with one-time codes, and registered devices with their
//! tokens. Kept in the store's directory (one JSON value per entry) and in
//! memory; every change is written, all its entries in one transaction,
//! before memory changes.
//!
//! Tokens and invitation codes are kept only as SHA-256 hashes, so a copy of
//! the data directory does not let anyone in. Revoking a device wakes every
//! open connection of that device (see [`Access::watch`]), which closes.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::access::{district_documents, school_documents};
use shared::{DocumentId, Grant, Owner, Role};
use tokio::sync::watch;

use crate::Error;
use crate::store::Store;

/// How long an invitation is valid unless its author says otherwise.
pub const DEFAULT_INVITATION_DAYS: u32 = 14;
/// The longest an invitation may be valid.
pub const MAX_INVITATION_DAYS: u32 = 90;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const MAX_NAME_CHARS: usize = 200;

/// A district.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct District {
    /// Its id (the РМО's documents derive from it).
    pub id: DocumentId,
    /// «Муниципальное МО классных руководителей … района».
    pub name: String,
}

/// A school of a district; its id is its МО's association document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct School {
    /// The association document's id.
    pub id: DocumentId,
    /// The district.
    pub district: DocumentId,
    /// «МБОУ СОШ № 2 с. Покровка».
    pub name: String,
}

/// An invitation waiting for (or spent on) a device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invitation {
    /// What the device will be.
    pub grant: Grant,
    /// Until when the code works (ms since the epoch).
    pub expires_ms: i64,
    /// When it was used, if it was.
    pub used_ms: Option<i64>,
    /// Who made it (a device id), `None` for the server administrator.
    pub created_by: Option<String>,
    /// Whom it is for, as its author wrote it.
    pub note: String,
}

/// A registered device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Device {
    /// Stable id; its connections' peer ids start with it.
    pub id: String,
    /// SHA-256 of its token, hex.
    pub token_hash: String,
    /// What it may do.
    pub grant: Grant,
    /// Whose device it is, as they wrote it when joining.
    pub name: String,
    /// When it joined (ms since the epoch).
    pub created_ms: i64,
    /// When it was revoked, if it was.
    pub revoked_ms: Option<i64>,
}

/// Why an access operation was refused; the text is for the person.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// No invitation with this code.
    #[error("Приглашение не найдено: проверьте ссылку или попросите новую")]
    UnknownInvitation,
    /// The code was used already.
    #[error("Это приглашение уже использовано: попросите руководителя создать новое")]
    UsedInvitation,
    /// The code is past its date.
    #[error("Срок действия приглашения истёк: попросите руководителя создать новое")]
    ExpiredInvitation,
    /// The device may not do this.
    #[error("Недостаточно прав: {0}")]
    Forbidden(&'static str),
    /// Something asked for does not exist.
    #[error("{0}")]
    NotFound(&'static str),
    /// The request itself is wrong.
    #[error("{0}")]
    Invalid(String),
    /// The store failed; nothing changed.
    #[error("Сервер не смог сохранить изменение: {0}")]
    Storage(#[from] Error),
}

#[derive(Default)]
struct Directory {
    districts: BTreeMap<DocumentId, District>,
    schools: BTreeMap<DocumentId, School>,
    invitations: HashMap<String, Invitation>,
    devices: BTreeMap<String, Device>,
    by_token: HashMap<String, String>,
    owners: HashMap<DocumentId, Owner>,
}

impl Directory {
    fn add_district(&mut self, district: District) {
        for id in district_documents(&district.id) {
            self.owners.insert(id, Owner::District(district.id));
        }
        self.districts.insert(district.id, district);
    }

    fn add_school(&mut self, school: School) {
        let owner = Owner::School { district: school.district, school: school.id };
        for id in school_documents(&school.id) {
            self.owners.insert(id, owner);
        }
        self.schools.insert(school.id, school);
    }

    fn add_device(&mut self, device: Device) {
        if device.revoked_ms.is_none() {
            self.by_token.insert(device.token_hash.clone(), device.id.clone());
        } else {
            self.by_token.remove(&device.token_hash);
        }
        self.devices.insert(device.id.clone(), device);
    }
}

/// The district structure, invitations and devices, with the rule of who
/// may read and write which document.
pub struct Access {
    store: Arc<dyn Store>,
    dir: Mutex<Directory>,
    revoked: Mutex<HashMap<String, watch::Sender<bool>>>,
}

fn hash(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 random bytes as 64 hex digits (from the OS's generator, via UUID v4s).
fn secret() -> String {
    let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    format!("{}{}", a.simple(), b.simple())
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("directory entries always serialize")
}

/// The directory entries of `kind` as (key, value); an unreadable one is
/// logged and skipped rather than keeping the server from starting.
fn load<T: for<'de> Deserialize<'de>>(store: &dyn Store, kind: &str) -> Result<Vec<(String, T)>, Error> {
    let mut out = Vec::new();
    for (key, bytes) in store.entries(kind)? {
        match serde_json::from_slice(&bytes) {
            Ok(value) => out.push((key, value)),
            Err(e) => tracing::error!(kind, key, error = %e, "unreadable directory entry skipped"),
        }
    }
    Ok(out)
}

fn checked_name(name: &str, what: &str) -> Result<String, AccessError> {
    let name = shared::form::collapse_spaces(name);
    if name.is_empty() {
        return Err(AccessError::Invalid(format!("Укажите {what}")));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(AccessError::Invalid(format!("Слишком длинно: {what} — не более {MAX_NAME_CHARS} знаков")));
    }
    Ok(name)
}

impl Access {
    /// Reads the directory from `store`.
    pub fn open(store: Arc<dyn Store>) -> Result<Self, Error> {
        let mut dir = Directory::default();
        for (_, d) in load::<District>(store.as_ref(), "district")? {
            dir.add_district(d);
        }
        for (_, s) in load::<School>(store.as_ref(), "school")? {
            dir.add_school(s);
        }
        dir.invitations = load::<Invitation>(store.as_ref(), "invitation")?.into_iter().collect();
        for (_, d) in load::<Device>(store.as_ref(), "device")? {
            dir.add_device(d);
        }
        Ok(Self { store, dir: Mutex::new(dir), revoked: Mutex::new(HashMap::new()) })
    }

    fn dir(&self) -> std::sync::MutexGuard<'_, Directory> {
        self.dir.lock().expect("directory lock is never poisoned")
    }

    /// Whether no district exists yet (a first start).
    pub fn is_empty(&self) -> bool {
        self.dir().districts.is_empty()
    }

    /// The device a token belongs to, unless it is unknown or revoked.
    pub fn authenticate(&self, token: &str) -> Option<Device> {
        let dir = self.dir();
        let id = dir.by_token.get(&hash(token))?;
        dir.devices.get(id).filter(|d| d.revoked_ms.is_none()).cloned()
    }

    /// How far `grant` may go with `document`: not at all for documents no
    /// school or district owns.
    pub fn access(&self, grant: &Grant, document: &DocumentId) -> shared::Access {
        match self.dir().owners.get(document) {
            Some(owner) => grant.access(*owner),
            None => shared::Access::None,
        }
    }

    /// Creates a district.
    pub fn create_district(&self, name: &str) -> Result<District, AccessError> {
        let district =
            District { id: DocumentId::random(), name: checked_name(name, "название района")? };
        let mut dir = self.dir();
        self.store.put_entries(&[("district", &district.id.to_string(), json(&district))])?;
        dir.add_district(district.clone());
        Ok(district)
    }

    /// Adds a school to a district; `id` keeps an existing association
    /// document (a server upgraded from before districts), else a new one.
    pub fn create_school(
        &self,
        by: Option<&Grant>,
        district: DocumentId,
        name: &str,
        id: Option<DocumentId>,
    ) -> Result<School, AccessError> {
        if by.is_some_and(|g| g.role != Role::DistrictHead || g.district != district) {
            return Err(AccessError::Forbidden("школы добавляет руководитель РМО"));
        }
        let name = checked_name(name, "название школы")?;
        let mut dir = self.dir();
        if !dir.districts.contains_key(&district) {
            return Err(AccessError::NotFound("Такого района нет"));
        }
        if dir.schools.values().any(|s| s.district == district && s.name == name) {
            return Err(AccessError::Invalid(format!("Школа «{name}» в районе уже есть")));
        }
        let school = School { id: id.unwrap_or_else(DocumentId::random), district, name };
        self.store.put_entries(&[("school", &school.id.to_string(), json(&school))])?;
        dir.add_school(school.clone());
        Ok(school)
    }

    /// A district by id.
    pub fn district(&self, id: &DocumentId) -> Option<District> {
        self.dir().districts.get(id).cloned()
    }

    /// Every district.
    pub fn districts(&self) -> Vec<District> {
        self.dir().districts.values().cloned().collect()
    }

    /// The schools of a district, by name.
    pub fn schools(&self, district: &DocumentId) -> Vec<School> {
        let mut schools: Vec<School> =
            self.dir().schools.values().filter(|s| s.district == *district).cloned().collect();
        schools.sort_by(|a, b| a.name.cmp(&b.name));
        schools
    }

    /// A school by id.
    pub fn school(&self, id: &DocumentId) -> Option<School> {
        self.dir().schools.get(id).cloned()
    }

    /// Makes an invitation; returns its one-time code. `by` is the inviting
    /// device's grant, `None` for the server administrator.
    pub fn invite(
        &self,
        by: Option<&Device>,
        grant: Grant,
        days: u32,
        note: &str,
        now_ms: i64,
    ) -> Result<(String, Invitation), AccessError> {
        if let Some(device) = by
            && (device.grant.district != grant.district || !device.grant.may_invite(grant.role, grant.school))
        {
            return Err(AccessError::Forbidden("эту роль может выдать только руководитель"));
        }
        if grant.role.is_school_role() != grant.school.is_some() {
            return Err(AccessError::Invalid("Для члена МО и руководителя МО школы нужно указать школу".into()));
        }
        if !(1..=MAX_INVITATION_DAYS).contains(&days) {
            return Err(AccessError::Invalid(format!("Срок приглашения — от 1 до {MAX_INVITATION_DAYS} дней")));
        }
        let note = shared::form::collapse_spaces(note).chars().take(MAX_NAME_CHARS).collect();
        let mut dir = self.dir();
        if !dir.districts.contains_key(&grant.district) {
            return Err(AccessError::NotFound("Такого района нет"));
        }
        if let Some(school) = grant.school
            && dir.schools.get(&school).is_none_or(|s| s.district != grant.district)
        {
            return Err(AccessError::NotFound("Такой школы в районе нет"));
        }
        let code = secret();
        let invitation = Invitation {
            grant,
            expires_ms: now_ms + i64::from(days) * DAY_MS,
            used_ms: None,
            created_by: by.map(|d| d.id.clone()),
            note,
        };
        let key = hash(&code);
        self.store.put_entries(&[("invitation", &key, json(&invitation))])?;
        dir.invitations.insert(key, invitation.clone());
        Ok((code, invitation))
    }

    /// Spends an invitation on a new device; returns the device's token.
    /// The code's use and the device are written in one transaction, so a
    /// code is never spent twice nor lost.
    pub fn redeem(&self, code: &str, name: &str, now_ms: i64) -> Result<(String, Device), AccessError> {
        let name = checked_name(name, "своё имя или название устройства")?;
        let key = hash(code.trim());
        let mut dir = self.dir();
        let invitation = dir.invitations.get(&key).ok_or(AccessError::UnknownInvitation)?;
        if invitation.used_ms.is_some() {
            return Err(AccessError::UsedInvitation);
        }
        if invitation.expires_ms <= now_ms {
            return Err(AccessError::ExpiredInvitation);
        }
        let used = Invitation { used_ms: Some(now_ms), ..invitation.clone() };
        let token = secret();
        let device = Device {
            id: format!("d{}", &uuid::Uuid::new_v4().simple().to_string()[..16]),
            token_hash: hash(&token),
            grant: used.grant,
            name,
            created_ms: now_ms,
            revoked_ms: None,
        };
        self.store.put_entries(&[("invitation", &key, json(&used)), ("device", &device.id, json(&device))])?;
        dir.invitations.insert(key, used);
        dir.add_device(device.clone());
        Ok((token, device))
    }

    /// The devices `by` manages, newest first.
    pub fn devices(&self, by: &Device) -> Vec<Device> {
        let mut devices: Vec<Device> =
            self.dir().devices.values().filter(|d| by.grant.manages(&d.grant)).cloned().collect();
        devices.sort_by_key(|d| std::cmp::Reverse(d.created_ms));
        devices
    }

    /// Revokes a device: its token stops working and its open connections close.
    pub fn revoke(&self, by: &Device, device_id: &str, now_ms: i64) -> Result<(), AccessError> {
        {
            let mut dir = self.dir();
            let device = dir.devices.get(device_id).ok_or(AccessError::NotFound("Такого устройства нет"))?;
            if !by.grant.manages(&device.grant) {
                return Err(AccessError::Forbidden("это устройство не в вашем ведении"));
            }
            if device.revoked_ms.is_some() {
                return Ok(());
            }
            let revoked = Device { revoked_ms: Some(now_ms), ..device.clone() };
            self.store.put_entries(&[("device", device_id, json(&revoked))])?;
            dir.add_device(revoked);
        }
        tracing::info!(device = device_id, by = %by.id, "device revoked");
        self.revoked
            .lock()
            .expect("revocation lock is never poisoned")
            .entry(device_id.to_owned())
            .or_default()
            .send_replace(true);
        Ok(())
    }

    /// Becomes `true` when the device is revoked.
    pub fn watch(&self, device_id: &str) -> watch::Receiver<bool> {
        let mut revoked = self.revoked.lock().expect("revocation lock is never poisoned");
        let sender = revoked.entry(device_id.to_owned()).or_default();
        // A device revoked before this connection authenticated.
        if self.dir().devices.get(device_id).is_some_and(|d| d.revoked_ms.is_some()) {
            sender.send_replace(true);
        }
        sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RedbStore;

    const NOW: i64 = 1_790_000_000_000;

    fn setup() -> (tempfile::TempDir, Access, District, School) {
        let dir = tempfile::tempdir().unwrap();
        let access = Access::open(Arc::new(RedbStore::open(dir.path()).unwrap())).unwrap();
        let district = access.create_district("Покровский район").unwrap();
        let school = access.create_school(None, district.id, "Школа №1", None).unwrap();
        (dir, access, district, school)
    }

    fn member(d: &District, s: &School) -> Grant {
        Grant { role: Role::Member, district: d.id, school: Some(s.id) }
    }

    #[test]
    fn a_code_registers_one_device_once_and_survives_a_restart() {
        let (dir, access, d, s) = setup();
        let (code, _) = access.invite(None, member(&d, &s), 7, "Иванова", NOW).unwrap();
        let (token, device) = access.redeem(&code, "Иванова И. И.", NOW + 1).unwrap();
        assert!(matches!(access.redeem(&code, "ещё раз", NOW + 2), Err(AccessError::UsedInvitation)));
        assert_eq!(access.authenticate(&token).unwrap().id, device.id);
        assert!(access.authenticate("not-a-token").is_none());
        drop(access);
        let reopened = Access::open(Arc::new(RedbStore::open(dir.path()).unwrap())).unwrap();
        assert_eq!(reopened.authenticate(&token).unwrap().grant, member(&d, &s));
        assert!(matches!(reopened.redeem(&code, "после перезапуска", NOW + 3), Err(AccessError::UsedInvitation)));
    }

    #[test]
    fn an_expired_or_unknown_code_registers_nothing() {
        let (_dir, access, d, s) = setup();
        let (code, inv) = access.invite(None, member(&d, &s), 1, "", NOW).unwrap();
        assert!(matches!(access.redeem(&code, "Пётр", inv.expires_ms), Err(AccessError::ExpiredInvitation)));
        assert!(matches!(access.redeem("0000", "Пётр", NOW), Err(AccessError::UnknownInvitation)));
    }

    #[test]
    fn revoking_stops_the_token_and_wakes_watchers() {
        let (_dir, access, d, s) = setup();
        let head_grant = Grant { role: Role::SchoolHead, district: d.id, school: Some(s.id) };
        let (code, _) = access.invite(None, head_grant, 7, "", NOW).unwrap();
        let (_, head) = access.redeem(&code, "Руководитель", NOW).unwrap();
        let (code, _) = access.invite(Some(&head), member(&d, &s), 7, "", NOW).unwrap();
        let (token, device) = access.redeem(&code, "Учитель", NOW).unwrap();
        let watch = access.watch(&device.id);
        assert!(!*watch.borrow());
        access.revoke(&head, &device.id, NOW).unwrap();
        assert!(*watch.borrow());
        assert!(access.authenticate(&token).is_none());
        assert!(*access.watch(&device.id).borrow(), "a later connection sees the revocation too");
    }

    #[test]
    fn a_member_invites_nobody_and_a_school_head_only_their_school() {
        let (_dir, access, d, s) = setup();
        let other = access.create_school(None, d.id, "Школа №2", None).unwrap();
        let (code, _) = access.invite(None, member(&d, &s), 7, "", NOW).unwrap();
        let (_, m) = access.redeem(&code, "Учитель", NOW).unwrap();
        assert!(matches!(access.invite(Some(&m), member(&d, &s), 7, "", NOW), Err(AccessError::Forbidden(_))));
        let head = Grant { role: Role::SchoolHead, district: d.id, school: Some(s.id) };
        let (code, _) = access.invite(None, head, 7, "", NOW).unwrap();
        let (_, h) = access.redeem(&code, "Руководитель", NOW).unwrap();
        assert!(access.invite(Some(&h), member(&d, &other), 7, "", NOW).is_err());
        assert!(access.revoke(&m, &h.id, NOW).is_err());
    }
}
