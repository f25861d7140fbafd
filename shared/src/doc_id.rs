//! Document ids as automerge-repo writes them: 16 random bytes (a v4 UUID)
//! encoded with base58check, e.g. `4NMNnkMhL8jXrdJ9jamS58PAVdXu`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// The id of one automerge document, the unit of sync and of access.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

impl DocumentId {
    /// Makes a fresh random id.
    pub fn random() -> Self {
        Self(*uuid::Uuid::new_v4().as_bytes())
    }

    /// The id of the document `label` belonging to this one (a year's plan
    /// and protocols, the library): the same on every device, so two devices
    /// that open it offline make one document, not two that hide each other.
    pub fn derive(&self, label: &str) -> Self {
        Self(*uuid::Uuid::new_v5(&uuid::Uuid::from_bytes(self.0), label.as_bytes()).as_bytes())
    }

    /// The id's 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The `automerge:` URL that automerge-repo clients use for this document.
    pub fn url(&self) -> String {
        format!("automerge:{self}")
    }
}

/// Kept in a document as its 16 bytes, like a record's `Uuid`.
impl autosurgeon::Reconcile for DocumentId {
    type Key<'a> = autosurgeon::reconcile::NoKey;

    fn reconcile<R: autosurgeon::Reconciler>(&self, reconciler: R) -> Result<(), R::Error> {
        uuid::Uuid::from_bytes(self.0).reconcile(reconciler)
    }
}

impl autosurgeon::Hydrate for DocumentId {
    fn hydrate_bytes(bytes: &[u8]) -> Result<Self, autosurgeon::HydrateError> {
        uuid::Uuid::hydrate_bytes(bytes).map(|u| Self(*u.as_bytes()))
    }
}

impl From<[u8; 16]> for DocumentId {
    fn from(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = Error;

    /// Parses a bare id or an `automerge:` URL (heads after `#` are ignored).
    fn from_str(s: &str) -> Result<Self, Error> {
        let bare = s.strip_prefix("automerge:").unwrap_or(s);
        let bare = bare.split('#').next().unwrap_or(bare);
        // A 16-byte payload with a 4-byte checksum is at most 28 base58 digits;
        // refusing longer input early bounds the work an attacker can cause.
        if bare.is_empty() || bare.len() > 40 {
            return Err(Error::InvalidDocumentId(s.chars().take(64).collect()));
        }
        let bytes = bs58::decode(bare)
            .with_check(None)
            .into_vec()
            .map_err(|_| Error::InvalidDocumentId(s.chars().take(64).collect()))?;
        let bytes: [u8; 16] = bytes.try_into().map_err(|_| Error::InvalidDocumentId(s.chars().take(64).collect()))?;
        Ok(Self(bytes))
    }
}

/// In JSON an id is its base58check string.
impl Serialize for DocumentId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DocumentId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DocumentId::from_str(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_survives_a_round_trip_through_text() {
        let id = DocumentId::random();
        let text = id.to_string();
        assert_eq!(text.parse::<DocumentId>().unwrap(), id);
        assert_eq!(id.url().parse::<DocumentId>().unwrap(), id);
    }

    #[test]
    fn an_id_written_by_automerge_repo_parses() {
        // From the automerge-repo documentation.
        let id: DocumentId = "4NMNnkMhL8jXrdJ9jamS58PAVdXu".parse().unwrap();
        assert_eq!(id.to_string(), "4NMNnkMhL8jXrdJ9jamS58PAVdXu");
    }

    #[test]
    fn ids_with_a_bad_checksum_or_length_are_refused() {
        assert!("4NMNnkMhL8jXrdJ9jamS58PAVdXv".parse::<DocumentId>().is_err());
        assert!("".parse::<DocumentId>().is_err());
        assert!("0OIl".parse::<DocumentId>().is_err());
        assert!("1".repeat(500).parse::<DocumentId>().is_err());
        let short = bs58::encode([1u8; 8]).with_check().into_string();
        assert!(short.parse::<DocumentId>().is_err());
    }
}
