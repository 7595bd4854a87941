//! Real identities of subjects: the identity vault.
//!
//! Everything else in casewindow refers to family members by pseudonym. Real names, dates of
//! birth and addresses live only here, are stored in their own table, and are read only through
//! the dedicated use case that reveals them (and records that it did). No other module reads them.

use crate::ids::SubjectId;
use crate::validation::{Checker, Invalid, Validate};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The real identity behind a pseudonymised subject.
#[derive(Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(from = "IdentityWire")]
pub struct SubjectIdentity {
    pub subject_id: SubjectId,
    pub full_name: String,
    pub aliases: Vec<String>,
    pub date_of_birth: Option<NaiveDate>,
    /// Where the person lived, with dates where known.
    pub addresses: Vec<DatedAddress>,
    /// Numbers that identify the person in agencies' systems (NHS number, police reference).
    pub identifiers: Vec<Identifier>,
}

/// An address and when the person lived there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DatedAddress {
    pub address: String,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// A number or reference that identifies a person in an agency's system.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Identifier {
    /// "NHS number", "Police national computer", "Local authority case number".
    pub scheme: String,
    pub value: String,
}

/// A sealed identity as stored, including those sealed before addresses had dates (one
/// `address` text).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityWire {
    subject_id: SubjectId,
    full_name: String,
    aliases: Vec<String>,
    date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    addresses: Vec<DatedAddress>,
    #[serde(default)]
    identifiers: Vec<Identifier>,
}

impl From<IdentityWire> for SubjectIdentity {
    fn from(wire: IdentityWire) -> Self {
        let mut addresses = wire.addresses;
        if let Some(address) = wire.address.filter(|a| !a.trim().is_empty()) {
            addresses.insert(
                0,
                DatedAddress {
                    address,
                    from: None,
                    until: None,
                },
            );
        }
        Self {
            subject_id: wire.subject_id,
            full_name: wire.full_name,
            aliases: wire.aliases,
            date_of_birth: wire.date_of_birth,
            addresses,
            identifiers: wire.identifiers,
        }
    }
}

impl std::fmt::Debug for SubjectIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print personal data, even in debug output or logs.
        f.debug_struct("SubjectIdentity")
            .field("subject_id", &self.subject_id)
            .finish_non_exhaustive()
    }
}

impl Validate for SubjectIdentity {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.line("full_name", &self.full_name);
        check.each_required("aliases", &self.aliases);
        for (idx, address) in self.addresses.iter().enumerate() {
            let field = format!("addresses[{idx}]");
            check.required(&format!("{field}.address"), &address.address);
            check.period(&field, address.from, address.until);
        }
        for (idx, identifier) in self.identifiers.iter().enumerate() {
            check.line(&format!("identifiers[{idx}].scheme"), &identifier.scheme);
            check.line(&format!("identifiers[{idx}].value"), &identifier.value);
        }
        check.finish()
    }
}

/// Sex as recorded for a subject (drawn in the genogram: squares, circles, diamonds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    /// Recorded, as neither or otherwise.
    Other,
}

impl Sex {
    /// Every value.
    pub const ALL: [Self; 3] = [Self::Female, Self::Male, Self::Other];

    /// Plain-English name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Female => "Female",
            Self::Male => "Male",
            Self::Other => "Other or not stated",
        }
    }
}

/// A subject's special-category characteristics (UK GDPR article 9 and the Equality Act's
/// protected characteristics), sealed in the vault like identities: readable by the review
/// team, each reading audited, never exported or searched.
#[derive(Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubjectCharacteristics {
    pub subject_id: SubjectId,
    pub sex: Option<Sex>,
    /// In the person's or family's own words where known.
    pub ethnicity: String,
    /// Disability, long-term health conditions or special educational needs.
    pub disability: String,
}

impl std::fmt::Debug for SubjectCharacteristics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubjectCharacteristics")
            .field("subject_id", &self.subject_id)
            .finish_non_exhaustive()
    }
}

impl Validate for SubjectCharacteristics {
    fn problems(&self) -> Vec<Invalid> {
        let mut check = Checker::new();
        check.optional("ethnicity", &self.ethnicity);
        check.optional("disability", &self.disability);
        check.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_sealed_with_one_address_reads_as_a_list() {
        let subject = SubjectId(uuid::Uuid::nil());
        let old = serde_json::json!({
            "subject_id": subject, "full_name": "A Person", "aliases": [],
            "date_of_birth": null, "address": "1 Example Row"
        });
        let identity: SubjectIdentity = serde_json::from_value(old).expect("reads");
        assert_eq!(identity.addresses.len(), 1);
        assert_eq!(identity.addresses[0].address, "1 Example Row");
        let again: SubjectIdentity =
            serde_json::from_value(serde_json::to_value(&identity).expect("writes"))
                .expect("reads");
        assert_eq!(again, identity);
        let blank = serde_json::json!({
            "subject_id": subject, "full_name": "A Person", "aliases": [],
            "date_of_birth": null, "address": " "
        });
        let identity: SubjectIdentity = serde_json::from_value(blank).expect("reads");
        assert!(identity.addresses.is_empty());
    }
}
