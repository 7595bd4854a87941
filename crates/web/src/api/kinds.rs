//! The record kinds the API serves, each with what is the server's to set.
//!
//! A program sends a record as the pages' forms would fill it, minus the fields the server
//! owns: the ids (from the path or made new), numbers given in order, and facts the server
//! records (a finding's testing status and the suggestion its pattern was chosen from, a
//! conversation's check-back, an imported entry's provenance). Those are refused if sent, and
//! taken from the stored record (or their starting value) when it is written.

use casewindow_app::InReview;
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::evidence::{CheckBack, ChronologyEntry, Conversation};
use casewindow_domain::findings::{Finding, FindingStatus};
use casewindow_domain::response::{Action, PartnershipResponse};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A record kind served at `/api/v1/reviews/{review}/{SEGMENT}`.
pub(crate) trait ApiKind:
    InReview + Serialize + DeserializeOwned + utoipa::ToSchema + Send + Sync + 'static
{
    /// The path segment ("findings").
    const SEGMENT: &'static str;
    /// What one is called in the description ("finding").
    const NOUN: &'static str;
    /// Top-level fields a list may be filtered on (exact match).
    const FILTERS: &'static [&'static str];
    /// Fields beyond `id` and `review_id` that the server sets, with their starting values.
    fn server_fields() -> Vec<(&'static str, Value)> {
        Vec::new()
    }
}

/// The fields every kind leaves to the server.
pub(crate) const IDS: [&str; 2] = ["id", "review_id"];

impl ApiKind for Finding {
    const SEGMENT: &'static str = "findings";
    const NOUN: &'static str = "finding";
    const FILTERS: &'static [&'static str] = &["pattern", "polarity"];
    fn server_fields() -> Vec<(&'static str, Value)> {
        vec![
            ("position", json!(0)),
            ("status", json!(FindingStatus::Draft)),
            ("pattern_choice", Value::Null),
        ]
    }
}

impl ApiKind for KeyPracticeEpisode {
    const SEGMENT: &'static str = "kpes";
    const NOUN: &'static str = "key practice episode";
    const FILTERS: &'static [&'static str] = &["valence"];
    fn server_fields() -> Vec<(&'static str, Value)> {
        vec![("position", json!(0))]
    }
}

impl ApiKind for ChronologyEntry {
    const SEGMENT: &'static str = "chronology-entries";
    const NOUN: &'static str = "chronology entry";
    const FILTERS: &'static [&'static str] = &["agency_id"];
    fn server_fields() -> Vec<(&'static str, Value)> {
        vec![("source", Value::Null)]
    }
}

impl ApiKind for Conversation {
    const SEGMENT: &'static str = "conversations";
    const NOUN: &'static str = "conversation";
    const FILTERS: &'static [&'static str] = &["participant_id"];
    fn server_fields() -> Vec<(&'static str, Value)> {
        vec![("check_back", json!(CheckBack::NotSent))]
    }
}

impl ApiKind for PartnershipResponse {
    const SEGMENT: &'static str = "responses";
    const NOUN: &'static str = "partnership response";
    const FILTERS: &'static [&'static str] = &["finding_id"];
}

impl ApiKind for Action {
    const SEGMENT: &'static str = "actions";
    const NOUN: &'static str = "action";
    const FILTERS: &'static [&'static str] = &["status", "finding_id", "owner_agency_id"];
}

/// Every server-set field of `R`.
pub(crate) fn server_owned<R: ApiKind>() -> Vec<&'static str> {
    IDS.into_iter()
        .chain(R::server_fields().into_iter().map(|(name, _)| name))
        .collect()
}
