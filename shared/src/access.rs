//! Who may read and write which document: the roles a device is invited
//! with, the owner of every document (a school or the district), and the one
//! rule both the server (which enforces it) and the app (which shows
//! read-only screens) follow.
//!
//! Document ids of a school and of a district are derived from their own ids
//! (see [`crate::YearDoc::id_for`]), so the server knows every document's
//! owner without reading it: [`school_documents`] and [`district_documents`]
//! list them for the academic years [`YEARS`].

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::date::AcademicYear;
use crate::district::DistrictYearDoc;
use crate::perspective::PerspectiveDoc;
use crate::{DocumentId, LibraryDoc, YearDoc};

/// The academic years (by starting calendar year) whose documents exist.
pub const YEARS: RangeInclusive<i32> = 2000..=2100;

crate::choices! {
    /// What a device was invited as: a member (reads and writes their
    /// school МО's records), a school МО's head (also invites and removes the
    /// school's people and devices), the district РМО's head (writes the
    /// РМО's records, reads every school's, manages the district), or a
    /// reader from the education department (reads the district, writes
    /// nothing).
    pub enum Role {
        Member = ("member", "член МО"),
        SchoolHead = ("school_head", "руководитель МО школы"),
        DistrictHead = ("district_head", "руководитель РМО"),
        Reader = ("reader", "наблюдатель (только чтение)"),
    }
}

impl Role {
    /// Whether the role belongs to one school.
    pub fn is_school_role(self) -> bool {
        matches!(self, Self::Member | Self::SchoolHead)
    }
}

/// What a device may do: its role, in its district, at its school.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// The district.
    pub district: DocumentId,
    /// The school, for school roles.
    pub school: Option<DocumentId>,
}

/// Who a document belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// One school's МО (association, year, library documents).
    School {
        /// The school's district.
        district: DocumentId,
        /// The school (its association document's id).
        school: DocumentId,
    },
    /// The district РМО (its year documents).
    District(DocumentId),
}

/// How far a device may go with a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Not even told the document exists.
    None,
    /// Receives it, changes nothing.
    Read,
    /// Receives and changes it.
    Write,
}

impl Grant {
    /// The rule: school roles write their school's records and read the
    /// РМО's; the district head writes the РМО's and reads every school's;
    /// a reader reads the whole district. Nobody reaches another district.
    pub fn access(&self, owner: Owner) -> Access {
        match owner {
            Owner::School { district, .. } | Owner::District(district) if district != self.district => Access::None,
            Owner::School { school, .. } => match self.role {
                Role::Member | Role::SchoolHead if self.school == Some(school) => Access::Write,
                Role::Member | Role::SchoolHead => Access::None,
                Role::DistrictHead | Role::Reader => Access::Read,
            },
            Owner::District(_) => match self.role {
                Role::DistrictHead => Access::Write,
                Role::Member | Role::SchoolHead | Role::Reader => Access::Read,
            },
        }
    }

    /// Whether this device may invite someone as `role` to `school` (or to
    /// the district when `school` is `None`). School heads invite their own
    /// school's people; the district head invites anyone in the district.
    pub fn may_invite(&self, role: Role, school: Option<DocumentId>) -> bool {
        if role.is_school_role() != school.is_some() {
            return false;
        }
        match self.role {
            Role::DistrictHead => true,
            Role::SchoolHead => role.is_school_role() && school == self.school,
            Role::Member | Role::Reader => false,
        }
    }

    /// Whether this device sees and may revoke the devices of `other`.
    pub fn manages(&self, other: &Grant) -> bool {
        if other.district != self.district {
            return false;
        }
        match self.role {
            Role::DistrictHead => true,
            Role::SchoolHead => other.role.is_school_role() && other.school == self.school,
            Role::Member | Role::Reader => false,
        }
    }
}

/// Every document a school owns: its association, its library, its years.
pub fn school_documents(school: &DocumentId) -> impl Iterator<Item = DocumentId> + '_ {
    [*school, LibraryDoc::id_for(school)]
        .into_iter()
        .chain(YEARS.map(move |y| YearDoc::id_for(school, AcademicYear(y))))
}

/// Every document a district РМО owns: its years and its perspective plan.
pub fn district_documents(district: &DocumentId) -> impl Iterator<Item = DocumentId> + '_ {
    std::iter::once(PerspectiveDoc::id_for(district))
        .chain(YEARS.map(move |y| DistrictYearDoc::id_for(district, AcademicYear(y))))
}

/// Whether `peer_id` may be used by the device `device_id`: the id itself,
/// or the id followed by `:` and anything (one per connection or tab).
pub fn peer_id_belongs(peer_id: &str, device_id: &str) -> bool {
    peer_id == device_id || peer_id.strip_prefix(device_id).is_some_and(|rest| rest.starts_with(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role, district: DocumentId, school: Option<DocumentId>) -> Grant {
        Grant { role, district, school }
    }

    #[test]
    fn nobody_reaches_another_district_and_members_only_their_school() {
        let (d, other_d) = (DocumentId::random(), DocumentId::random());
        let (s, other_s) = (DocumentId::random(), DocumentId::random());
        let school = Owner::School { district: d, school: s };
        let other_school = Owner::School { district: d, school: other_s };
        let foreign = Owner::District(other_d);
        let member = grant(Role::Member, d, Some(s));
        assert_eq!(member.access(school), Access::Write);
        assert_eq!(member.access(other_school), Access::None);
        assert_eq!(member.access(Owner::District(d)), Access::Read);
        assert_eq!(member.access(foreign), Access::None);
        let head = grant(Role::DistrictHead, d, None);
        assert_eq!(head.access(school), Access::Read);
        assert_eq!(head.access(Owner::District(d)), Access::Write);
        assert_eq!(head.access(foreign), Access::None);
        let reader = grant(Role::Reader, d, None);
        assert_eq!(reader.access(other_school), Access::Read);
        assert_eq!(reader.access(Owner::District(d)), Access::Read);
    }

    #[test]
    fn school_heads_invite_and_manage_only_their_school() {
        let (d, s, other) = (DocumentId::random(), DocumentId::random(), DocumentId::random());
        let head = grant(Role::SchoolHead, d, Some(s));
        assert!(head.may_invite(Role::Member, Some(s)));
        assert!(!head.may_invite(Role::Member, Some(other)));
        assert!(!head.may_invite(Role::Reader, None));
        assert!(!grant(Role::Member, d, Some(s)).may_invite(Role::Member, Some(s)));
        let district = grant(Role::DistrictHead, d, None);
        assert!(district.may_invite(Role::SchoolHead, Some(other)));
        assert!(!district.may_invite(Role::SchoolHead, None), "a school role needs a school");
        assert!(head.manages(&grant(Role::Member, d, Some(s))));
        assert!(!head.manages(&grant(Role::Member, d, Some(other))));
        assert!(!head.manages(&district));
    }

    #[test]
    fn a_peer_id_belongs_to_its_device_only() {
        assert!(peer_id_belongs("dev1", "dev1"));
        assert!(peer_id_belongs("dev1:tab-3", "dev1"));
        assert!(!peer_id_belongs("dev10", "dev1"));
        assert!(!peer_id_belongs("dev2:x", "dev1"));
    }

    #[test]
    fn a_schools_documents_include_every_year() {
        let s = DocumentId::random();
        let docs: Vec<_> = school_documents(&s).collect();
        assert!(docs.contains(&YearDoc::id_for(&s, AcademicYear(2026))));
        assert!(docs.contains(&LibraryDoc::id_for(&s)));
        assert_eq!(docs.len(), 2 + YEARS.count());
    }

    #[test]
    fn a_districts_documents_are_its_years_and_its_perspective_plan() {
        let d = DocumentId::random();
        let docs: Vec<_> = district_documents(&d).collect();
        assert!(docs.contains(&DistrictYearDoc::id_for(&d, AcademicYear(2026))));
        assert!(docs.contains(&PerspectiveDoc::id_for(&d)));
        assert_eq!(docs.len(), 1 + YEARS.count());
        assert!(!docs.contains(&PerspectiveDoc::id_for(&DocumentId::random())), "another district's is not");
    }
}
