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

/// A stored event: the entry, its place in its chain and its hash.
///
/// Each review's events form a chain of their own, and so do the events outside any review
/// (sign-ins, accounts, the library). Writers in different reviews therefore never wait for
/// each other to audit, and every chain still shows any edit, insertion or deletion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// The order in which events were written across all chains.
    pub seq: i64,
    /// Its chain: a review's id, or empty for the instance's chain.
    pub chain: String,
    /// Its place in its chain, from 1 without gaps.
    pub position: i64,
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The chain an event belongs to: its review's, or the instance's (empty).
pub fn chain_of(entry: &AuditEntry) -> String {
    entry.review_id.map(|r| r.0.to_string()).unwrap_or_default()
}

/// How a chain is named to a reader.
pub fn chain_label(chain: &str) -> String {
    if chain.is_empty() {
        "the instance's trail".to_owned()
    } else {
        format!("the trail of review {chain}")
    }
}

/// The hash of an event: SHA-256 over its place in its chain, fields and the previous hash.
pub fn event_hash(position: i64, entry: &AuditEntry, prev_hash: &str) -> String {
    let mut hasher = Sha256::new();
    let actor = entry.actor.map(|u| u.0.to_string()).unwrap_or_default();
    let review = entry.review_id.map(|r| r.0.to_string()).unwrap_or_default();
    // Length-prefixed fields, so no two different events serialise to the same bytes.
    for field in [
        position.to_string(),
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

/// The first problem in one chain, its events read in order of position, given the last
/// position and hash its head records.
pub fn verify(events: &[AuditEvent], head_position: i64, head_hash: &str) -> Result<usize, String> {
    let mut expected_prev = GENESIS.to_owned();
    let mut expected = 1;
    for event in events {
        if event.position > expected {
            return Err(format!("event {expected} is missing: it was deleted"));
        }
        if event.position < expected {
            return Err(format!(
                "event {} appears twice or out of order: an event was inserted",
                event.position
            ));
        }
        if event.prev_hash != expected_prev {
            return Err(format!(
                "event {} does not follow event {}: an event was inserted or replaced",
                event.position,
                event.position - 1
            ));
        }
        if event_hash(event.position, &event.entry, &event.prev_hash) != event.hash {
            return Err(format!(
                "event {} was altered after it was written",
                event.position
            ));
        }
        expected_prev = event.hash.clone();
        expected += 1;
    }
    let last = expected - 1;
    if last != head_position {
        return Err(if head_position == last + 1 {
            format!("event {head_position} is missing: it was deleted")
        } else if head_position > last {
            format!(
                "events {} to {head_position} are missing: they were deleted",
                last + 1
            )
        } else {
            format!(
                "event {last} is beyond the recorded end of the trail ({head_position}): events were inserted"
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

/// Checks every chain: `heads` gives each chain's last position and hash, `events` every
/// event ordered by chain and position. The number of events, or the first problem found,
/// naming its chain.
pub fn verify_chains(
    heads: &std::collections::BTreeMap<String, (i64, String)>,
    events: &[AuditEvent],
) -> Result<usize, String> {
    let mut total = 0;
    let mut rest = events;
    for (chain, (position, hash)) in heads {
        let mine = rest.iter().take_while(|e| e.chain < *chain).count();
        if let Some(stray) = rest[..mine].first() {
            return Err(format!(
                "{}: its events have no recorded end: the record of the end was deleted",
                chain_label(&stray.chain)
            ));
        }
        rest = &rest[mine..];
        let count = rest.iter().take_while(|e| e.chain == *chain).count();
        total += verify(&rest[..count], *position, hash)
            .map_err(|problem| format!("{}: {problem}", chain_label(chain)))?;
        rest = &rest[count..];
    }
    if let Some(stray) = rest.first() {
        return Err(format!(
            "{}: its events have no recorded end: the record of the end was deleted",
            chain_label(&stray.chain)
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chain(n: i64) -> Vec<AuditEvent> {
        chain_named("", n)
    }

    fn chain_named(name: &str, n: i64) -> Vec<AuditEvent> {
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
                    chain: name.to_owned(),
                    position: seq,
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

    #[test]
    fn every_chain_is_checked_and_an_event_moved_between_chains_is_named() {
        let review = "7d1c5a3e-0000-4000-8000-000000000001";
        let mut events = chain(3);
        events.extend(chain_named(review, 2));
        let heads: std::collections::BTreeMap<String, (i64, String)> = [
            (String::new(), (3, events[2].hash.clone())),
            (review.to_owned(), (2, events[4].hash.clone())),
        ]
        .into();
        assert_eq!(verify_chains(&heads, &events), Ok(5));

        let mut moved = events.clone();
        moved[4].chain = String::new();
        moved[4].position = 4;
        moved.sort_by(|a, b| (&a.chain, a.position).cmp(&(&b.chain, b.position)));
        let problem = verify_chains(&heads, &moved).unwrap_err();
        assert!(
            problem.starts_with("the instance's trail: event 4"),
            "{problem}"
        );

        let mut headless = heads.clone();
        headless.remove(review);
        let problem = verify_chains(&headless, &events).unwrap_err();
        assert!(
            problem.contains(review) && problem.contains("no recorded end"),
            "{problem}"
        );

        let mut emptied = events.clone();
        emptied.truncate(3);
        let problem = verify_chains(&heads, &emptied).unwrap_err();
        assert!(
            problem.contains(review) && problem.contains("missing"),
            "{problem}"
        );
    }
}
