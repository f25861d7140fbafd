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
    /// When it was made (ms since the epoch); absent in early entries.
    #[serde(default)]
    pub created_ms: Option<i64>,
    /// The device it was spent on.
    #[serde(default)]
    pub used_by: Option<String>,
    /// When its author cancelled it, if they did.
    #[serde(default)]
    pub cancelled_ms: Option<i64>,
    /// The member record of the person it is for, which the device it is
    /// spent on is linked to.
    #[serde(default)]
    pub member: Option<uuid::Uuid>,
}

/// Where an invitation stands, as its author sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Waiting to be opened.
    Pending,
    /// Spent on a device.
    Used,
    /// Past its date, never used.
    Expired,
    /// Cancelled by its author.
    Cancelled,
}

impl Invitation {
    /// Where it stands at `now_ms`.
    pub fn state(&self, now_ms: i64) -> InvitationState {
        match (self.used_ms, self.cancelled_ms) {
            (Some(_), _) => InvitationState::Used,
            (None, Some(_)) => InvitationState::Cancelled,
            (None, None) if self.expires_ms <= now_ms => InvitationState::Expired,
            (None, None) => InvitationState::Pending,
        }
    }
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
    /// Its person's record in the school's member list: the only member
    /// it marks «ознакомлен(а)» for.
    #[serde(default)]
    pub member: Option<uuid::Uuid>,
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
    /// The code's author cancelled it.
    #[error("Это приглашение отменено: попросите руководителя создать новое")]
    CancelledInvitation,
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
    fn read(store: &dyn Store) -> Result<Self, Error> {
        let mut dir = Directory::default();
        for (_, d) in load::<District>(store, "district")? {
            dir.add_district(d);
        }
        for (_, s) in load::<School>(store, "school")? {
            dir.add_school(s);
        }
        dir.invitations = load::<Invitation>(store, "invitation")?.into_iter().collect();
        for (_, d) in load::<Device>(store, "device")? {
            dir.add_device(d);
        }
        Ok(dir)
    }

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

/// The directory kind of an invitation's claim: written when its code is
/// spent or cancelled, once.
const SPENT: &str = "spent";

/// The directory kind that finds a device by its token's hash, for an
/// instance that has not heard of the device yet.
const TOKEN: &str = "token";

/// An invitation's public id: the first 16 hex digits of its code's hash.
fn invitation_id(key: &str) -> String {
    key.chars().take(16).collect()
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

/// What a restore must not undo: the revocations, and the invitations
/// spent or cancelled, that `current` (the store being replaced) knows of
/// and `restored` (the backup going in) does not. Written into `restored`
/// in one transaction; returns how many entries it changed.
pub fn keep_revocations(current: &dyn Store, restored: &dyn Store) -> Result<usize, Error> {
    let before: HashMap<String, Device> = load::<Device>(restored, "device")?.into_iter().collect();
    let mut writes: Vec<(&str, String, Vec<u8>)> = Vec::new();
    for (key, device) in load::<Device>(current, "device")? {
        if let (Some(revoked_ms), Some(old)) = (device.revoked_ms, before.get(&key))
            && old.revoked_ms.is_none()
        {
            writes.push(("device", key, json(&Device { revoked_ms: Some(revoked_ms), ..old.clone() })));
        }
    }
    let before: HashMap<String, Invitation> = load::<Invitation>(restored, "invitation")?.into_iter().collect();
    for (key, now) in load::<Invitation>(current, "invitation")? {
        let Some(old) = before.get(&key) else { continue };
        if (now.used_ms.is_some() && old.used_ms.is_none())
            || (now.cancelled_ms.is_some() && old.cancelled_ms.is_none())
        {
            let kept = Invitation {
                used_ms: old.used_ms.or(now.used_ms),
                used_by: old.used_by.clone().or(now.used_by.clone()),
                cancelled_ms: old.cancelled_ms.or(now.cancelled_ms),
                ..old.clone()
            };
            writes.push(("invitation", key, json(&kept)));
        }
    }
    put_all(restored, &writes)?;
    Ok(writes.len())
}

/// Writes directory entries whose keys were made on the way, all or none.
fn put_all(store: &dyn Store, writes: &[(&str, String, Vec<u8>)]) -> Result<(), Error> {
    let entries: Vec<(&str, &str, Vec<u8>)> = writes.iter().map(|(k, key, v)| (*k, key.as_str(), v.clone())).collect();
    store.put_entries(&entries)
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
        let dir = Directory::read(store.as_ref())?;
        Ok(Self { store, dir: Mutex::new(dir), revoked: Mutex::new(HashMap::new()) })
    }

    /// Reads the whole directory again (another server may have changed
    /// it while its notices could not be heard), and closes the
    /// connections of devices revoked meanwhile.
    pub fn reload(&self) -> Result<(), Error> {
        let fresh = Directory::read(self.store.as_ref())?;
        let revoked: Vec<String> =
            fresh.devices.values().filter(|d| d.revoked_ms.is_some()).map(|d| d.id.clone()).collect();
        *self.dir() = fresh;
        revoked.iter().for_each(|id| self.wake_revoked(id));
        Ok(())
    }

    /// Reads the entry `kind`/`key` again, after another server wrote it:
    /// a device it revoked loses its connections here at once.
    pub fn refresh(&self, kind: &str, key: &str) -> Result<(), Error> {
        let Some(bytes) = self.store.entry(kind, key)? else { return Ok(()) };
        let mut dir = self.dir();
        let read = match kind {
            "district" => serde_json::from_slice(&bytes).map(|d| dir.add_district(d)),
            "school" => serde_json::from_slice(&bytes).map(|s| dir.add_school(s)),
            "invitation" => serde_json::from_slice(&bytes).map(|i| {
                dir.invitations.insert(key.to_owned(), i);
            }),
            "device" => serde_json::from_slice::<Device>(&bytes).map(|d| {
                let revoked = d.revoked_ms.is_some();
                dir.add_device(d);
                if revoked {
                    drop(dir);
                    self.wake_revoked(key);
                }
            }),
            _ => Ok(()),
        };
        if let Err(e) = read {
            tracing::error!(kind, key, error = %e, "unreadable directory entry skipped");
        }
        Ok(())
    }

    fn wake_revoked(&self, device_id: &str) {
        if let Some(sender) = self.revoked.lock().expect("revocation lock is never poisoned").get(device_id) {
            sender.send_replace(true);
        }
    }

    /// The store the directory is kept in.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn dir(&self) -> std::sync::MutexGuard<'_, Directory> {
        self.dir.lock().expect("directory lock is never poisoned")
    }

    /// Whether no district exists yet (a first start).
    pub fn is_empty(&self) -> bool {
        self.dir().districts.is_empty()
    }

    /// The device a token belongs to, unless it is unknown or revoked.
    /// An error only when the shared store could not be asked about a
    /// token this server has not heard of: that is not a revocation, and
    /// must not be answered as one.
    pub fn authenticate(&self, token: &str) -> Result<Option<Device>, Error> {
        let hashed = hash(token);
        let known = self.by_token(&hashed);
        if known.is_some() || !self.store.is_shared() {
            return Ok(known);
        }
        // Joined through another instance a moment ago, before its notice
        // arrived here.
        let Some(id) = self.store.entry(TOKEN, &hashed)? else { return Ok(None) };
        self.refresh("device", &String::from_utf8_lossy(&id))?;
        Ok(self.by_token(&hashed))
    }

    fn by_token(&self, hashed: &str) -> Option<Device> {
        let dir = self.dir();
        let id = dir.by_token.get(hashed)?;
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

    /// Who owns `document`, if a school or district does.
    pub fn owner(&self, document: &DocumentId) -> Option<Owner> {
        self.dir().owners.get(document).copied()
    }

    /// When each school's records last reached the server: the newest of
    /// `arrivals` (by document) among the documents the school owns.
    pub fn school_arrivals(&self, arrivals: &HashMap<DocumentId, i64>) -> HashMap<DocumentId, i64> {
        let dir = self.dir();
        let mut last: HashMap<DocumentId, i64> = HashMap::new();
        for (doc, at) in arrivals {
            if let Some(Owner::School { school, .. }) = dir.owners.get(doc) {
                let newest = last.entry(*school).or_insert(*at);
                *newest = (*newest).max(*at);
            }
        }
        last
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
        let school = School { id: id.unwrap_or_else(DocumentId::random), district, name: String::new() };
        self.put_school(by, school, name)
    }

    /// Renames a school (the district head, or the administrator when `by`
    /// is `None`).
    pub fn rename_school(&self, by: Option<&Grant>, id: DocumentId, name: &str) -> Result<School, AccessError> {
        let school = self.school(&id).ok_or(AccessError::NotFound("Такой школы нет"))?;
        self.put_school(by, school, name)
    }

    /// Writes `school` under the name `name`, checked: a district head of
    /// its district, an existing district, no other school of that name.
    fn put_school(&self, by: Option<&Grant>, school: School, name: &str) -> Result<School, AccessError> {
        if by.is_some_and(|g| g.role != Role::DistrictHead || g.district != school.district) {
            return Err(AccessError::Forbidden("школы района ведёт руководитель РМО"));
        }
        let name = checked_name(name, "название школы")?;
        let mut dir = self.dir();
        if !dir.districts.contains_key(&school.district) {
            return Err(AccessError::NotFound("Такого района нет"));
        }
        if dir.schools.values().any(|s| s.district == school.district && s.name == name && s.id != school.id) {
            return Err(AccessError::Invalid(format!("Школа «{name}» в районе уже есть")));
        }
        let school = School { name, ..school };
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
        member: Option<uuid::Uuid>,
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
            created_ms: Some(now_ms),
            used_by: None,
            cancelled_ms: None,
            member,
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
        if self.store.is_shared() && !self.dir().invitations.contains_key(&key) {
            // Made through another instance a moment ago.
            self.refresh("invitation", &key)?;
        }
        let mut dir = self.dir();
        let invitation = dir.invitations.get(&key).ok_or(AccessError::UnknownInvitation)?;
        match invitation.state(now_ms) {
            InvitationState::Pending => {}
            InvitationState::Used => return Err(AccessError::UsedInvitation),
            InvitationState::Expired => return Err(AccessError::ExpiredInvitation),
            InvitationState::Cancelled => return Err(AccessError::CancelledInvitation),
        }
        let token = secret();
        let device = Device {
            id: format!("d{}", &uuid::Uuid::new_v4().simple().to_string()[..16]),
            token_hash: hash(&token),
            grant: invitation.grant,
            name,
            created_ms: now_ms,
            revoked_ms: None,
            member: invitation.member,
        };
        let used = Invitation { used_ms: Some(now_ms), used_by: Some(device.id.clone()), ..invitation.clone() };
        // Servers sharing the store each know the code unspent until one
        // spends it: the claim decides which.
        let writes = [
            ("invitation", key.as_str(), json(&used)),
            ("device", device.id.as_str(), json(&device)),
            (TOKEN, device.token_hash.as_str(), device.id.as_bytes().to_vec()),
        ];
        if !self.store.claim_entries((SPENT, &key), &writes)? {
            drop(dir);
            self.refresh("invitation", &key)?;
            return Err(AccessError::UsedInvitation);
        }
        dir.invitations.insert(key, used);
        dir.add_device(device.clone());
        Ok((token, device))
    }

    /// The invitations `by` made or manages, newest first, each with its id
    /// (the start of its code's hash: it names the invitation without
    /// giving the code away).
    pub fn invitations(&self, by: &Device) -> Vec<(String, Invitation)> {
        let mut list: Vec<(String, Invitation)> = self
            .dir()
            .invitations
            .iter()
            .filter(|(_, i)| by.grant.manages(&i.grant) || i.created_by.as_ref() == Some(&by.id))
            .map(|(key, i)| (invitation_id(key), i.clone()))
            .collect();
        list.sort_by_key(|(_, i)| std::cmp::Reverse((i.created_ms, i.expires_ms)));
        list
    }

    /// Cancels a pending invitation, so its link no longer works.
    pub fn cancel_invitation(&self, by: &Device, id: &str, now_ms: i64) -> Result<(), AccessError> {
        let mut dir = self.dir();
        let (key, invitation) = dir
            .invitations
            .iter()
            .find(|(key, _)| invitation_id(key) == id)
            .map(|(k, i)| (k.clone(), i.clone()))
            .ok_or(AccessError::NotFound("Такого приглашения нет"))?;
        if !by.grant.manages(&invitation.grant) && invitation.created_by.as_ref() != Some(&by.id) {
            return Err(AccessError::Forbidden("это приглашение не в вашем ведении"));
        }
        if invitation.state(now_ms) != InvitationState::Pending {
            return Err(AccessError::Invalid("Отменить можно только ещё не использованное приглашение".into()));
        }
        let cancelled = Invitation { cancelled_ms: Some(now_ms), ..invitation };
        if !self.store.claim_entries((SPENT, &key), &[("invitation", &key, json(&cancelled))])? {
            drop(dir);
            self.refresh("invitation", &key)?;
            return Err(AccessError::Invalid("Приглашение уже использовано".into()));
        }
        dir.invitations.insert(key, cancelled);
        Ok(())
    }

    /// The name of the device `id` (whose it is), if it is known.
    pub fn device_name(&self, id: &str) -> Option<String> {
        self.dir().devices.get(id).map(|d| d.name.clone())
    }

    /// Links the device `device_id` to its person's member record (or
    /// unlinks it); only a head who manages the device may.
    pub fn link_member(&self, by: &Device, device_id: &str, member: Option<uuid::Uuid>) -> Result<(), AccessError> {
        let mut dir = self.dir();
        let device = dir.devices.get(device_id).ok_or(AccessError::NotFound("Устройство не найдено"))?;
        if !by.grant.manages(&device.grant) || device.grant.school.is_none() {
            return Err(AccessError::Forbidden("связать устройство с членом МО может руководитель его школы"));
        }
        let linked = Device { member, ..device.clone() };
        self.store.put_entries(&[("device", device_id, json(&linked))])?;
        dir.add_device(linked);
        Ok(())
    }

    /// How many devices are registered and not revoked.
    pub fn active_devices(&self) -> usize {
        self.dir().devices.values().filter(|d| d.revoked_ms.is_none()).count()
    }

    /// The devices `by` manages, newest first.
    pub fn devices(&self, by: &Device) -> Vec<Device> {
        let mut devices: Vec<Device> =
            self.dir().devices.values().filter(|d| by.grant.manages(&d.grant)).cloned().collect();
        devices.sort_by_key(|d| std::cmp::Reverse(d.created_ms));
        devices
    }

    /// Revokes a device: its token stops working, its open connections
    /// close, and the invitations it made that are still pending are
    /// cancelled with it (in the same transaction), so a revoked head
    /// cannot bring people in through links sent earlier.
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
            let cancelled: Vec<(String, Invitation)> = dir
                .invitations
                .iter()
                .filter(|(_, i)| {
                    i.created_by.as_deref() == Some(device_id) && i.state(now_ms) == InvitationState::Pending
                })
                .map(|(key, i)| (key.clone(), Invitation { cancelled_ms: Some(now_ms), ..i.clone() }))
                .collect();
            let mut writes = vec![("device", device_id.to_owned(), json(&revoked))];
            writes.extend(cancelled.iter().map(|(key, i)| ("invitation", key.clone(), json(i))));
            put_all(self.store.as_ref(), &writes)?;
            dir.add_device(revoked);
            if !cancelled.is_empty() {
                tracing::info!(
                    device = device_id,
                    invitations = cancelled.len(),
                    "cancelled the revoked device's pending invitations"
                );
            }
            dir.invitations.extend(cancelled);
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
        let (code, _) = access.invite(None, member(&d, &s), 7, "Иванова", None, NOW).unwrap();
        let (token, device) = access.redeem(&code, "Иванова И. И.", NOW + 1).unwrap();
        assert!(matches!(access.redeem(&code, "ещё раз", NOW + 2), Err(AccessError::UsedInvitation)));
        assert_eq!(access.authenticate(&token).unwrap().unwrap().id, device.id);
        assert!(access.authenticate("not-a-token").unwrap().is_none());
        drop(access);
        let reopened = Access::open(Arc::new(RedbStore::open(dir.path()).unwrap())).unwrap();
        assert_eq!(reopened.authenticate(&token).unwrap().unwrap().grant, member(&d, &s));
        assert!(matches!(reopened.redeem(&code, "после перезапуска", NOW + 3), Err(AccessError::UsedInvitation)));
    }

    #[test]
    fn a_device_is_linked_to_its_persons_member_record_at_joining_or_by_its_head_only() {
        let (dir, access, d, s) = setup();
        let (ivanova, petrova) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        let (code, _) = access.invite(None, member(&d, &s), 7, "Иванова", Some(ivanova), NOW).unwrap();
        let (token, device) = access.redeem(&code, "Иванова М. П.", NOW + 1).unwrap();
        assert_eq!(device.member, Some(ivanova), "linked at joining");

        let head_grant = Grant { role: Role::SchoolHead, district: d.id, school: Some(s.id) };
        let (code, _) = access.invite(None, head_grant, 7, "", None, NOW).unwrap();
        let (_, head) = access.redeem(&code, "Руководитель", NOW + 1).unwrap();
        let (code, _) = access.invite(None, member(&d, &s), 7, "", None, NOW).unwrap();
        let (_, other) = access.redeem(&code, "Петрова", NOW + 1).unwrap();
        assert!(
            matches!(access.link_member(&device, &other.id, Some(ivanova)), Err(AccessError::Forbidden(_))),
            "a member links nobody, herself included"
        );
        assert!(matches!(access.link_member(&device, &device.id, Some(petrova)), Err(AccessError::Forbidden(_))));
        let other_school = access.create_school(None, d.id, "Школа №2", None).unwrap();
        let (code, _) = access
            .invite(
                None,
                Grant { role: Role::SchoolHead, district: d.id, school: Some(other_school.id) },
                7,
                "",
                None,
                NOW,
            )
            .unwrap();
        let (_, stranger) = access.redeem(&code, "Чужой руководитель", NOW + 1).unwrap();
        assert!(matches!(access.link_member(&stranger, &other.id, Some(petrova)), Err(AccessError::Forbidden(_))));
        access.link_member(&head, &other.id, Some(petrova)).unwrap();

        drop(access);
        let reopened = Access::open(Arc::new(RedbStore::open(dir.path()).unwrap())).unwrap();
        assert_eq!(reopened.authenticate(&token).unwrap().unwrap().member, Some(ivanova));
        assert_eq!(reopened.devices(&head).iter().find(|x| x.id == other.id).unwrap().member, Some(petrova));
    }

    #[test]
    fn an_expired_or_unknown_code_registers_nothing() {
        let (_dir, access, d, s) = setup();
        let (code, inv) = access.invite(None, member(&d, &s), 1, "", None, NOW).unwrap();
        assert!(matches!(access.redeem(&code, "Пётр", inv.expires_ms), Err(AccessError::ExpiredInvitation)));
        assert!(matches!(access.redeem("0000", "Пётр", NOW), Err(AccessError::UnknownInvitation)));
    }

    #[test]
    fn revoking_stops_the_token_and_wakes_watchers() {
        let (_dir, access, d, s) = setup();
        let head_grant = Grant { role: Role::SchoolHead, district: d.id, school: Some(s.id) };
        let (code, _) = access.invite(None, head_grant, 7, "", None, NOW).unwrap();
        let (_, head) = access.redeem(&code, "Руководитель", NOW).unwrap();
        let (code, _) = access.invite(Some(&head), member(&d, &s), 7, "", None, NOW).unwrap();
        let (token, device) = access.redeem(&code, "Учитель", NOW).unwrap();
        let watch = access.watch(&device.id);
        assert!(!*watch.borrow());
        access.revoke(&head, &device.id, NOW).unwrap();
        assert!(*watch.borrow());
        assert!(access.authenticate(&token).unwrap().is_none());
        assert!(*access.watch(&device.id).borrow(), "a later connection sees the revocation too");
    }

    #[test]
    fn revoking_a_head_cancels_the_invitations_it_issued_and_no_others() {
        let (dir, access, d, s) = setup();
        let head_grant = Grant { role: Role::SchoolHead, district: d.id, school: Some(s.id) };
        let (code, _) = access.invite(None, head_grant, 7, "", None, NOW).unwrap();
        let (_, head) = access.redeem(&code, "Руководитель", NOW).unwrap();
        let (pending, _) = access.invite(Some(&head), member(&d, &s), 7, "", None, NOW).unwrap();
        let (spent, _) = access.invite(Some(&head), member(&d, &s), 7, "", None, NOW).unwrap();
        let (teacher, _) = access.redeem(&spent, "Учитель", NOW).unwrap();
        let (admins, _) = access.invite(None, member(&d, &s), 7, "", None, NOW).unwrap();
        let admin = Device { grant: Grant { role: Role::DistrictHead, district: d.id, school: None }, ..head.clone() };

        access.revoke(&admin, &head.id, NOW + 1).unwrap();
        assert!(matches!(access.redeem(&pending, "Кто-то", NOW + 2), Err(AccessError::CancelledInvitation)));
        assert!(access.authenticate(&teacher).unwrap().is_some(), "a device the head brought in earlier stays");
        drop(access);
        let reopened = Access::open(Arc::new(RedbStore::open(dir.path()).unwrap())).unwrap();
        assert!(matches!(reopened.redeem(&pending, "Кто-то", NOW + 2), Err(AccessError::CancelledInvitation)));
        assert!(reopened.redeem(&admins, "Учитель 2", NOW + 2).is_ok(), "the administrator's invitation still works");
    }

    #[test]
    fn a_restore_keeps_revocations_and_spent_codes_made_after_the_backup() {
        let (dir, access, d, s) = setup();
        let (code, _) = access.invite(None, member(&d, &s), 7, "", None, NOW).unwrap();
        let (token, device) = access.redeem(&code, "Учитель", NOW).unwrap();
        let (later, _) = access.invite(None, member(&d, &s), 7, "", None, NOW).unwrap();
        let (cancel_me, _) = access.invite(None, member(&d, &s), 7, "", None, NOW).unwrap();
        let backup = dir.path().join("backup.redb");
        access.store.backup_to(&backup).unwrap();
        // After the backup: the device is revoked, one code spent, one cancelled.
        let admin =
            Device { grant: Grant { role: Role::DistrictHead, district: d.id, school: None }, ..device.clone() };
        access.revoke(&admin, &device.id, NOW + 1).unwrap();
        access.redeem(&later, "Другой учитель", NOW + 1).unwrap();
        let cancel_id = access.invitations(&admin).into_iter().find(|(_, i)| i.used_ms.is_none()).unwrap().0;
        access.cancel_invitation(&admin, &cancel_id, NOW + 1).unwrap();
        drop(access);

        let (_, kept) = crate::store::restore(dir.path(), &backup).unwrap();
        assert_eq!(kept, 3);
        let restored = Access::open(Arc::new(RedbStore::open(dir.path()).unwrap())).unwrap();
        assert!(restored.authenticate(&token).unwrap().is_none(), "the revoked device stays revoked");
        assert!(matches!(restored.redeem(&later, "Ещё раз", NOW + 2), Err(AccessError::UsedInvitation)));
        assert!(matches!(restored.redeem(&cancel_me, "Ещё раз", NOW + 2), Err(AccessError::CancelledInvitation)));
    }

    #[test]
    fn a_member_invites_nobody_and_a_school_head_only_their_school() {
        let (_dir, access, d, s) = setup();
        let other = access.create_school(None, d.id, "Школа №2", None).unwrap();
        let (code, _) = access.invite(None, member(&d, &s), 7, "", None, NOW).unwrap();
        let (_, m) = access.redeem(&code, "Учитель", NOW).unwrap();
        assert!(matches!(access.invite(Some(&m), member(&d, &s), 7, "", None, NOW), Err(AccessError::Forbidden(_))));
        let head = Grant { role: Role::SchoolHead, district: d.id, school: Some(s.id) };
        let (code, _) = access.invite(None, head, 7, "", None, NOW).unwrap();
        let (_, h) = access.redeem(&code, "Руководитель", NOW).unwrap();
        assert!(access.invite(Some(&h), member(&d, &other), 7, "", None, NOW).is_err());
        assert!(access.revoke(&m, &h.id, NOW).is_err());
    }

    #[test]
    fn a_head_lists_their_invitations_and_cancels_a_pending_one_for_good() {
        let (_dir, access, d, s) = setup();
        let other = access.create_school(None, d.id, "Школа №2", None).unwrap();
        let head = Grant { role: Role::SchoolHead, district: d.id, school: Some(s.id) };
        let (code, _) = access.invite(None, head, 7, "", None, NOW).unwrap();
        let (_, h) = access.redeem(&code, "Руководитель", NOW).unwrap();
        let (used, _) = access.invite(Some(&h), member(&d, &s), 7, "Иванова", None, NOW + 1).unwrap();
        let (_, device) = access.redeem(&used, "Иванова И. И.", NOW + 2).unwrap();
        let (waiting, _) = access.invite(Some(&h), member(&d, &s), 7, "Петров", None, NOW + 3).unwrap();
        access.invite(None, member(&d, &other), 7, "Чужой", None, NOW + 4).unwrap();

        let list = access.invitations(&h);
        let seen: Vec<(&str, InvitationState)> =
            list.iter().map(|(_, i)| (i.note.as_str(), i.state(NOW + 5))).collect();
        assert_eq!(
            seen,
            [("Петров", InvitationState::Pending), ("Иванова", InvitationState::Used), ("", InvitationState::Used)]
        );
        assert_eq!(list[1].1.used_by.as_deref(), Some(device.id.as_str()));
        assert!(list.iter().all(|(id, _)| id.len() == 16 && !waiting.starts_with(id.as_str())), "ids are not codes");

        let (id, _) = &list[0];
        assert!(access.cancel_invitation(&device, id, NOW + 5).is_err(), "a member cancels nothing");
        access.cancel_invitation(&h, id, NOW + 5).unwrap();
        assert!(matches!(access.redeem(&waiting, "Петров", NOW + 6), Err(AccessError::CancelledInvitation)));
        assert!(access.cancel_invitation(&h, &list[1].0, NOW + 6).is_err(), "a used one stays used");
    }

    #[test]
    fn the_district_head_renames_a_school_and_nobody_else_does() {
        let (dir, access, d, s) = setup();
        let head = Grant { role: Role::DistrictHead, district: d.id, school: None };
        let school_head = Grant { role: Role::SchoolHead, district: d.id, school: Some(s.id) };
        assert!(matches!(access.rename_school(Some(&school_head), s.id, "Другая"), Err(AccessError::Forbidden(_))));
        access.create_school(None, d.id, "Школа №2", None).unwrap();
        assert!(matches!(access.rename_school(Some(&head), s.id, "Школа №2"), Err(AccessError::Invalid(_))));
        access.rename_school(Some(&head), s.id, "МБОУ Печерская СШ").unwrap();
        access.rename_school(Some(&head), s.id, "МБОУ Печерская СШ").unwrap();
        drop(access);
        let reopened = Access::open(Arc::new(RedbStore::open(dir.path()).unwrap())).unwrap();
        assert_eq!(reopened.school(&s.id).unwrap().name, "МБОУ Печерская СШ");
        assert_eq!(reopened.schools(&d.id).len(), 2);
    }
}
