//! Information-sharing gaps, found in the agencies' chronologies side by side:
//! - an entry records a referral or information passed to another agency, and that agency has
//!   no entry around then that looks like receiving it;
//! - a significant event (an injury, a disclosure, police called, a hospital attendance...) is
//!   recorded by one agency only, while other agencies were actively involved with the family.
//!
//! Each gap names its entry and says why; the reviewers judge whether it matters. Pure.

use crate::align::{AlignEntry, Link, words};
use std::collections::HashSet;

/// An agency as the gap finder sees it: what other agencies' records call it.
#[derive(Clone, Debug)]
pub struct GapAgency {
    pub id: u32,
    pub name: String,
    /// Lower-case words and phrases that refer to it in other agencies' records ("police",
    /// "health visitor", "school"...), its own name included.
    pub terms: Vec<String>,
}

/// What kind of gap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GapKind {
    /// Passed on to `to`, with no sign that `to` received it.
    NotReceived { to: u32 },
    /// Recorded by one agency while the `active` ones were also working with the family.
    KnownToOne { active: Vec<u32> },
}

/// One gap, at the entry (index into the input) where it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    pub entry: usize,
    pub kind: GapKind,
    pub why: String,
}

/// How far to look.
#[derive(Clone, Debug)]
pub struct GapSettings {
    /// Days after a referral within which the receiving agency should record it.
    pub receipt_days: i64,
    /// Days either side within which another agency counts as actively involved.
    pub active_days: i64,
}

impl Default for GapSettings {
    fn default() -> Self {
        Self {
            receipt_days: 14,
            active_days: 30,
        }
    }
}

/// Phrases that pass something to another agency; the agency is named after them.
const PASSED: &[&str] = &[
    "referred to",
    "referral to",
    "referral made to",
    "shared with",
    "passed to",
    "passed on to",
    "sent to",
    "informed",
    "notified",
    "emailed",
    "faxed to",
    "copied to",
    "reported to",
    "alerted",
    "contacted",
];

/// Words that mark a significant event.
const SIGNIFICANT: &[&str] = &[
    "injury",
    "injuries",
    "bruise",
    "bruising",
    "bruised",
    "fracture",
    "burn",
    "disclosed",
    "disclosure",
    "assault",
    "domestic abuse",
    "domestic violence",
    "police called",
    "arrested",
    "a&e",
    "emergency department",
    "admitted",
    "missing",
    "overdose",
    "self-harm",
    "self harm",
    "strangl",
    "weapon",
    "unexplained",
    "sexual",
];

/// Words that show an agency receiving something.
const RECEIVED: &[&str] = &[
    "received",
    "referral from",
    "information from",
    "informed by",
    "notified by",
    "call from",
    "email from",
    "letter from",
    "referral",
];

fn agency_named_after(
    text: &str,
    phrase_end: usize,
    agencies: &[GapAgency],
    own: u32,
) -> Option<u32> {
    // The words right after the phrase (up to 60 bytes) name the receiving agency.
    let rest = &text[phrase_end..];
    let window: String = rest.chars().take(60).collect();
    agencies
        .iter()
        .filter(|a| a.id != own)
        .filter_map(|a| {
            a.terms
                .iter()
                .filter_map(|t| window.find(t.as_str()).map(|at| (at, a.id)))
                .min()
        })
        .min()
        .map(|(_, id)| id)
}

fn overlap_text(a: &str, b: &str) -> f32 {
    let wa: HashSet<String> = words(a).into_iter().collect();
    let wb: HashSet<String> = words(b).into_iter().collect();
    if wa.is_empty() || wb.is_empty() {
        return 0.0;
    }
    wa.intersection(&wb).count() as f32 / wa.len().min(wb.len()) as f32
}

/// The gaps in the chronologies, given the alignment links between them.
pub fn gaps(
    entries: &[AlignEntry<'_>],
    links: &[Link],
    agencies: &[GapAgency],
    settings: &GapSettings,
) -> Vec<Gap> {
    let mut by_start: Vec<usize> = (0..entries.len()).collect();
    by_start.sort_by_key(|&i| entries[i].start);
    let name = |id: u32| {
        agencies
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| format!("agency {id}"))
    };
    // Entries of `agency` starting between two days, via binary search on the sorted order.
    let within = |agency: Option<u32>, from: chrono::NaiveDate, to: chrono::NaiveDate| {
        let first = by_start.partition_point(|&i| entries[i].start < from);
        by_start[first..]
            .iter()
            .take_while(move |&&i| entries[i].start <= to)
            .copied()
            .filter(move |&i| agency.is_none_or(|a| entries[i].agency == a))
    };
    let mut linked: Vec<HashSet<u32>> = vec![HashSet::new(); entries.len()];
    for link in links {
        linked[link.a].insert(entries[link.b].agency);
        linked[link.b].insert(entries[link.a].agency);
    }
    let mut out = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let text = entry.text.to_lowercase();
        // Passed on, not received.
        let mut reported = HashSet::new();
        for phrase in PASSED {
            for (at, _) in text.match_indices(phrase) {
                let Some(to) = agency_named_after(&text, at + phrase.len(), agencies, entry.agency)
                else {
                    continue;
                };
                if !reported.insert(to) || linked[i].contains(&to) {
                    continue;
                }
                let from = entry.start - chrono::Duration::days(1);
                let until = entry.end + chrono::Duration::days(settings.receipt_days);
                let received = within(Some(to), from, until).any(|j| {
                    let other = entries[j].text.to_lowercase();
                    RECEIVED.iter().any(|r| other.contains(r)) || overlap_text(&text, &other) >= 0.3
                });
                if !received {
                    out.push(Gap {
                        entry: i,
                        kind: GapKind::NotReceived { to },
                        why: format!(
                            "{} records passing this to {}, which has no entry within {} days that shows receiving it",
                            name(entry.agency),
                            name(to),
                            settings.receipt_days
                        ),
                    });
                }
            }
        }
        // Significant, known to one agency while others were involved.
        if SIGNIFICANT.iter().any(|s| text.contains(s)) && linked[i].is_empty() {
            let from = entry.start - chrono::Duration::days(settings.active_days);
            let until = entry.end + chrono::Duration::days(settings.active_days);
            let mut active: Vec<u32> = within(None, from, until)
                .map(|j| entries[j].agency)
                .filter(|a| *a != entry.agency)
                .collect();
            active.sort_unstable();
            active.dedup();
            if !active.is_empty() {
                out.push(Gap {
                    entry: i,
                    why: format!(
                        "Only {} recorded this, while {} {} working with the family within {} days",
                        name(entry.agency),
                        active
                            .iter()
                            .map(|a| name(*a))
                            .collect::<Vec<_>>()
                            .join(", "),
                        if active.len() == 1 { "was" } else { "were" },
                        settings.active_days
                    ),
                    kind: GapKind::KnownToOne { active },
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::{Settings, align};
    use chrono::NaiveDate;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2019, m, d).expect("valid")
    }

    fn agencies() -> Vec<GapAgency> {
        let agency = |id, name: &str, terms: &[&str]| GapAgency {
            id,
            name: name.to_owned(),
            terms: terms.iter().map(|t| (*t).to_owned()).collect(),
        };
        vec![
            agency(
                1,
                "Children's social care",
                &[
                    "social care",
                    "social worker",
                    "mash",
                    "children's services",
                ],
            ),
            agency(2, "Police", &["police", "officer"]),
            agency(
                3,
                "Health visiting",
                &["health visitor", "health visiting", "hv"],
            ),
            agency(4, "School", &["school", "teacher"]),
        ]
    }

    fn at(agency: u32, start: NaiveDate, text: &str) -> AlignEntry<'_> {
        AlignEntry {
            agency,
            start,
            end: start,
            text,
        }
    }

    #[test]
    fn a_referral_with_no_sign_of_receipt_is_a_gap_and_a_received_one_is_not() {
        let entries = vec![
            at(
                3,
                day(3, 1),
                "Health visitor referred to children's social care: weight loss and missed appointments",
            ),
            at(1, day(3, 20), "Strategy discussion about another family"),
            at(
                4,
                day(4, 2),
                "Teacher shared concerns with police about injuries seen at PE",
            ),
            at(
                2,
                day(4, 3),
                "Received information from school about injuries; officer to visit",
            ),
        ];
        let links = align(&entries, &Settings::default());
        let found = gaps(&entries, &links, &agencies(), &GapSettings::default());
        let not_received: Vec<_> = found
            .iter()
            .filter(|g| matches!(g.kind, GapKind::NotReceived { .. }))
            .collect();
        assert_eq!(not_received.len(), 1, "{found:?}");
        assert_eq!(not_received[0].entry, 0);
        assert_eq!(not_received[0].kind, GapKind::NotReceived { to: 1 });
        assert!(
            not_received[0].why.contains("Children's social care"),
            "{}",
            not_received[0].why
        );
    }

    #[test]
    fn a_significant_event_known_to_one_agency_while_others_were_involved_is_a_gap() {
        let entries = vec![
            at(
                4,
                day(5, 10),
                "Child arrived with bruising to the face; said he fell",
            ),
            at(3, day(5, 20), "Routine home visit, weight checked"),
            at(1, day(9, 1), "Case closed"),
            // Known to two agencies (linked): not a gap.
            at(
                2,
                day(6, 1),
                "Police called to address: domestic abuse incident, partner arrested",
            ),
            at(
                1,
                day(6, 1),
                "Police informed us of domestic abuse incident at address; partner arrested",
            ),
        ];
        let links = align(&entries, &Settings::default());
        let found = gaps(&entries, &links, &agencies(), &GapSettings::default());
        let known_to_one: Vec<_> = found
            .iter()
            .filter(|g| matches!(g.kind, GapKind::KnownToOne { .. }))
            .collect();
        assert_eq!(known_to_one.len(), 1, "{found:?}");
        assert_eq!(known_to_one[0].entry, 0);
        assert_eq!(
            known_to_one[0].kind,
            GapKind::KnownToOne {
                active: vec![1, 2, 3]
            },
            "everyone with an entry within 30 days"
        );
        assert!(
            known_to_one[0].why.starts_with(
                "Only School recorded this, while Children's social care, Police, Health visiting were working"
            ),
            "{}",
            known_to_one[0].why
        );
    }
}
