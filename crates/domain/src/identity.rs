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
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectIdentity {
    pub subject_id: SubjectId,
    pub full_name: String,
    pub aliases: Vec<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub address: String,
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
        check.optional("address", &self.address);
        check.finish()
    }
}
