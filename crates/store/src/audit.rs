//! The audit trail's events and the hash that chains them.

use casewindow_domain::ids::{ReviewId, UserId};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, before it is numbered and chained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// The user; `None` for the system (command line, demo loader).
    pub actor: Option<UserId>,
    pub review_id: Option<ReviewId>,
    /// A short verb: `create`, `update`, `transition`, `import`, `read`, `sign_in`, ...
    pub action: String,
    /// What kind of thing it happened to (a table or record kind).
    pub entity: String,
    pub entity_id: String,
    /// Why, where the role requires it or the user gave one. Never personal data from records.
    pub reason: String,
}

/// A stored event: the entry, its place in the chain and its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub seq: i64,
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an event: SHA-256 over its sequence number, fields and the previous hash.
pub fn event_hash(seq: i64, entry: &AuditEntry, prev_hash: &str) -> String {
    let mut hasher = Sha256::new();
    let actor = entry.actor.map(|u| u.0.to_string()).unwrap_or_default();
    let review = entry.review_id.map(|r| r.0.to_string()).unwrap_or_default();
    // Length-prefixed fields, so no two different events serialise to the same bytes.
    for field in [
        seq.to_string(),
        entry.at.timestamp_millis().to_string(),
        actor,
        review,
        entry.action.clone(),
        entry.entity.clone(),
        entry.entity_id.clone(),
        entry.reason.clone(),
        prev_hash.to_owned(),
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The first problem in a chain of events read in sequence order, with the last sequence
/// number and hash the head says it has.
pub fn verify(events: &[AuditEvent], head_seq: i64, head_hash: &str) -> Result<usize, String> {
    let mut expected_prev = GENESIS.to_owned();
    let mut expected_seq = 1;
    for event in events {
        if event.seq > expected_seq {
            return Err(format!("event {expected_seq} is missing: it was deleted"));
        }
        if event.seq < expected_seq {
            return Err(format!(
                "event {} appears twice or out of order: an event was inserted",
                event.seq
            ));
        }
        if event.prev_hash != expected_prev {
            return Err(format!(
                "event {} does not follow event {}: an event was inserted or replaced",
                event.seq,
                event.seq - 1
            ));
        }
        if event_hash(event.seq, &event.entry, &event.prev_hash) != event.hash {
            return Err(format!(
                "event {} was altered after it was written",
                event.seq
            ));
        }
        expected_prev = event.hash.clone();
        expected_seq += 1;
    }
    let last = expected_seq - 1;
    if last != head_seq {
        return Err(if head_seq == last + 1 {
            format!("event {head_seq} is missing: it was deleted")
        } else if head_seq > last {
            format!(
                "events {} to {head_seq} are missing: they were deleted",
                last + 1
            )
        } else {
            format!(
                "event {last} is beyond the recorded end of the trail ({head_seq}): events were inserted"
            )
        });
    }
    if expected_prev != head_hash {
        return Err(format!(
            "the last event ({last}) does not match the recorded end of the trail"
        ));
    }
    Ok(events.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let entry = AuditEntry {
                    at: Utc
                        .timestamp_millis_opt(1_700_000_000_000 + seq)
                        .single()
                        .expect("valid"),
                    actor: None,
                    review_id: None,
                    action: "update".to_owned(),
                    entity: "findings".to_owned(),
                    entity_id: format!("id-{seq}"),
                    reason: String::new(),
                };
                let hash = event_hash(seq, &entry, &prev);
                let event = AuditEvent {
                    seq,
                    entry,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                event
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_any_edit_is_named() {
        let events = chain(5);
        let head = events.last().expect("five events").hash.clone();
        assert_eq!(verify(&events, 5, &head), Ok(5));

        let mut edited = events.clone();
        edited[2].entry.reason = "changed".to_owned();
        assert_eq!(
            verify(&edited, 5, &head),
            Err("event 3 was altered after it was written".to_owned())
        );

        let mut deleted = events.clone();
        deleted.remove(1);
        assert_eq!(
            verify(&deleted, 5, &head),
            Err("event 2 is missing: it was deleted".to_owned())
        );

        let truncated = &events[..4];
        assert!(
            verify(truncated, 5, &head).unwrap_err().contains("event 5"),
            "deleting the last event is caught too"
        );
    }
}
