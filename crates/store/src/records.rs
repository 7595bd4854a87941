//! [`Record`] descriptions of the domain's analytical records.

use crate::record::{ColumnValue, LinkKind, Record, RecordKind};
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::collaboration::Meeting;
use casewindow_domain::evidence::{
    ChronologyEntry, Conversation, NarrativeSection, SourceDocument,
};
use casewindow_domain::findings::{Finding, RecurrentIssue};
use casewindow_domain::participation::{Participation, Subject};
use casewindow_domain::response::{Action, PartnershipResponse};
use casewindow_domain::review::{Review, TermsOfReference};
use serde::Serialize;
use uuid::Uuid;

/// The serde name of a unit enum variant (`Pattern::Tool` → `tool`), as its typed column holds
/// it.
pub fn key<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        other => panic!("column value must serialise to a string, got {other:?}"),
    }
}

fn key_column<T: Serialize>(value: Option<&T>) -> ColumnValue {
    ColumnValue::Text(value.map(key))
}

/// The sort key of a record numbered within its review (see [`RecordKind::numbered`]).
pub fn position_key(position: u32) -> String {
    format!("{position:010}")
}

impl Record for Review {
    const KIND: RecordKind = RecordKind::Review;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        Some(self.partnership_id.0)
    }
    fn sort_key(&self) -> String {
        format!("{}|{}", self.opened_on, self.title)
    }
    fn columns(&self) -> Vec<ColumnValue> {
        vec![
            ColumnValue::text(key(&self.state)),
            ColumnValue::text(self.title.clone()),
        ]
    }
}

impl Record for TermsOfReference {
    const KIND: RecordKind = RecordKind::TermsOfReference;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        Some(self.review_id.0)
    }
    fn sort_key(&self) -> String {
        String::new()
    }
    fn columns(&self) -> Vec<ColumnValue> {
        Vec::new()
    }
}

impl Record for Participation {
    const KIND: RecordKind = RecordKind::Participation;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        Some(self.review_id.0)
    }
    fn sort_key(&self) -> String {
        format!("{:02}|{}", self.role as u8, self.label)
    }
    fn columns(&self) -> Vec<ColumnValue> {
        vec![
            ColumnValue::opt_id(self.user_id.map(|u| u.0)),
            ColumnValue::opt_id(self.agency_id.map(|a| a.0)),
            ColumnValue::text(key(&self.role)),
        ]
    }
}

impl Record for Subject {
    const KIND: RecordKind = RecordKind::Subject;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        Some(self.review_id.0)
    }
    fn sort_key(&self) -> String {
        self.pseudonym.clone()
    }
    fn columns(&self) -> Vec<ColumnValue> {
        Vec::new()
    }
}

impl Record for SourceDocument {
    const KIND: RecordKind = RecordKind::SourceDocument;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        Some(self.review_id.0)
    }
    fn sort_key(&self) -> String {
        format!(
            "{}|{}",
            self.received_on.map(|d| d.to_string()).unwrap_or_default(),
            self.title
        )
    }
    fn columns(&self) -> Vec<ColumnValue> {
        vec![ColumnValue::opt_id(self.agency_id.map(|a| a.0))]
    }
}

impl Record for ChronologyEntry {
    const KIND: RecordKind = RecordKind::ChronologyEntry;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        Some(self.review_id.0)
    }
    fn sort_key(&self) -> String {
        let time = self
            .occurred
            .time
            .map(|t| t.format("%H:%M:%S").to_string())
            .unwrap_or_default();
        let row = self.source.and_then(|s| s.row).unwrap_or(0);
        format!(
            "{}|{}|{}|{row:010}",
            self.occurred.start, self.occurred.end, time
        )
    }
    fn columns(&self) -> Vec<ColumnValue> {
        vec![
            ColumnValue::id(self.agency_id.0),
            ColumnValue::opt_id(self.source.map(|s| s.document_id.0)),
            ColumnValue::text(self.occurred.start.to_string()),
            ColumnValue::text(self.occurred.end.to_string()),
        ]
    }
}

impl Record for Conversation {
    const KIND: RecordKind = RecordKind::Conversation;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        Some(self.review_id.0)
    }
    fn sort_key(&self) -> String {
        self.held_on.to_string()
    }
    fn columns(&self) -> Vec<ColumnValue> {
        vec![ColumnValue::id(self.participant_id.0)]
    }
}

impl Record for NarrativeSection {
    const KIND: RecordKind = RecordKind::NarrativeSection;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        Some(self.review_id.0)
    }
    fn set_position(&mut self, position: u32) {
        self.position = position;
    }
    fn sort_key(&self) -> String {
        position_key(self.position)
    }
    fn columns(&self) -> Vec<ColumnValue> {
        Vec::new()
    }
}

impl Record for KeyPracticeEpisode {
    const KIND: RecordKind = RecordKind::Kpe;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        Some(self.review_id.0)
    }
    fn set_position(&mut self, position: u32) {
        self.position = position;
    }
    fn sort_key(&self) -> String {
        position_key(self.position)
    }
    fn columns(&self) -> Vec<ColumnValue> {
        Vec::new()
    }
}

impl Record for Finding {
    const KIND: RecordKind = RecordKind::Finding;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        Some(self.review_id.0)
    }
    fn set_position(&mut self, position: u32) {
        self.position = position;
    }
    fn sort_key(&self) -> String {
        position_key(self.position)
    }
    fn columns(&self) -> Vec<ColumnValue> {
        vec![
            key_column(self.pattern.as_ref()),
            key_column(self.polarity.as_ref()),
            ColumnValue::text(key(&self.status)),
        ]
    }
    fn links(&self) -> Vec<(LinkKind, Uuid)> {
        let kpes = self.kpe_ids.iter().map(|id| (LinkKind::FindingKpe, id.0));
        let issues = self
            .recurrent_issue_ids
            .iter()
            .map(|id| (LinkKind::FindingIssue, id.0));
        kpes.chain(issues).collect()
    }
}

impl Record for RecurrentIssue {
    const KIND: RecordKind = RecordKind::RecurrentIssue;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        None
    }
    fn sort_key(&self) -> String {
        format!("{}|{}", self.pattern.number(), self.code)
    }
    fn columns(&self) -> Vec<ColumnValue> {
        vec![
            ColumnValue::text(key(&self.pattern)),
            ColumnValue::text(self.code.clone()),
            ColumnValue::text(key(&self.status)),
        ]
    }
}

impl Record for PartnershipResponse {
    const KIND: RecordKind = RecordKind::Response;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        Some(self.review_id.0)
    }
    fn sort_key(&self) -> String {
        self.finding_id.to_string()
    }
    fn columns(&self) -> Vec<ColumnValue> {
        vec![ColumnValue::id(self.finding_id.0)]
    }
}

impl Record for Action {
    const KIND: RecordKind = RecordKind::Action;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        Some(self.review_id.0)
    }
    fn sort_key(&self) -> String {
        format!(
            "{}|{}",
            self.due_on
                .map(|d| d.to_string())
                .unwrap_or_else(|| "9999".to_owned()),
            self.description
        )
    }
    fn columns(&self) -> Vec<ColumnValue> {
        vec![
            ColumnValue::opt_id(self.finding_id.map(|f| f.0)),
            ColumnValue::id(self.owner_agency_id.0),
            ColumnValue::text(key(&self.status)),
            ColumnValue::Text(self.due_on.map(|d| d.to_string())),
        ]
    }
}

impl Record for Meeting {
    const KIND: RecordKind = RecordKind::Meeting;
    fn id(&self) -> Uuid {
        self.id.0
    }
    fn scope(&self) -> Option<Uuid> {
        Some(self.review_id.0)
    }
    fn sort_key(&self) -> String {
        format!("{}|{}", self.held_on, self.title)
    }
    fn columns(&self) -> Vec<ColumnValue> {
        vec![
            ColumnValue::text(key(&self.kind)),
            ColumnValue::text(self.held_on.to_string()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use casewindow_domain::typology::Pattern;

    #[test]
    fn unit_variants_become_their_serde_names() {
        assert_eq!(key(&Pattern::MultiagencyCrisis), "multiagency_crisis");
    }
}
