//! Information-sharing gaps, found in the agencies' chronologies side by side:
//! - an entry records a referral or information passed to another agency, and that agency has
//!   no entry around then that looks like receiving it;
//! - a significant event (an injury, a disclosure, police called, a hospital attendance...) is
//!   recorded by one agency only, while other agencies were actively involved with the family;
//! - an entry passes something to an agency whose chronology is not among those read: the
//!   comparison cannot be made, and the reviewers are told so rather than left to assume.
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
    /// Passed on to `to`, which recorded receiving it only `days` after it was sent.
    Late { to: u32, days: i64 },
    /// Passed on to `to`, which has no entries among those read: whether it arrived cannot be
    /// told.
    CannotCompare { to: u32 },
}

impl GapKind {
    /// What kind of gap, in a few words (for counts and headings).
    pub fn label(&self) -> &'static str {
        match self {
            GapKind::NotReceived { .. } => "Passed on, no sign it arrived",
            GapKind::Late { .. } => "Passed on, arrived late",
            GapKind::KnownToOne { .. } => "Known to one agency only",
            GapKind::CannotCompare { .. } => "Comparison cannot be made",
        }
    }
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
    /// Days after a referral within which a receipt recorded after `receipt_days` is reported
    /// as late (after that, as never received).
    pub late_days: i64,
}

impl Default for GapSettings {
    fn default() -> Self {
        Self {
            receipt_days: 14,
            active_days: 30,
            late_days: 90,
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
    "letter to",
    "notification to",
    "forwarded to",
    "escalated to",
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
    // Entries of `agency` whose dates overlap two days (an entry known only to the month
    // overlaps every day of it): binary search for the last that starts in time, then the
    // ones that have not ended before.
    let within = |agency: Option<u32>, from: chrono::NaiveDate, to: chrono::NaiveDate| {
        let last = by_start.partition_point(|&i| entries[i].start <= to);
        by_start[..last]
            .iter()
            .copied()
            .filter(move |&i| entries[i].end >= from)
            .filter(move |&i| agency.is_none_or(|a| entries[i].agency == a))
    };
    let loaded: HashSet<u32> = entries.iter().map(|e| e.agency).collect();
    // Whether a text names an agency other than `own` (by any of the words for it).
    let names_other = |text: &str, own: u32| {
        agencies
            .iter()
            .filter(|a| a.id != own)
            .any(|a| a.terms.iter().any(|t| text.contains(t.as_str())))
    };
    let mut linked: Vec<HashSet<u32>> = vec![HashSet::new(); entries.len()];
    for link in links {
        linked[link.a].insert(entries[link.b].agency);
        linked[link.b].insert(entries[link.a].agency);
    }
    let mut out = Vec::new();
    // The last entry of each agency found known to it alone: one occurrence recorded over
    // several entries in a day or two (an attendance and its discharge) is one gap.
    let mut last_alone: std::collections::HashMap<u32, chrono::NaiveDate> = Default::default();
    for (i, entry) in entries.iter().enumerate() {
        let text = entry.text.to_lowercase();
        let sender_terms: &[String] = agencies
            .iter()
            .find(|a| a.id == entry.agency)
            .map_or(&[], |a| &a.terms);
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
                if !loaded.contains(&to) {
                    out.push(Gap {
                        entry: i,
                        kind: GapKind::CannotCompare { to },
                        why: format!(
                            "{} records passing this to {}, which has no entries here (its chronology has not been loaded, or is filtered out): whether it arrived cannot be told",
                            name(entry.agency),
                            name(to),
                        ),
                    });
                    continue;
                }
                // A receipt: an entry of the receiving agency from the day before on that says
                // it received something, names the sender, or tells the same story.
                let receipt = |j: &usize| {
                    let other = entries[*j].text.to_lowercase();
                    RECEIVED.iter().any(|r| other.contains(r))
                        || sender_terms.iter().any(|t| other.contains(t.as_str()))
                        || overlap_text(&text, &other) >= 0.3
                };
                let from = entry.start - chrono::Duration::days(1);
                let until = entry.end + chrono::Duration::days(settings.receipt_days);
                if within(Some(to), from, until).any(|j| receipt(&j)) {
                    continue;
                }
                let later = entry.end + chrono::Duration::days(settings.late_days);
                let late = within(Some(to), until, later)
                    .filter(receipt)
                    .map(|j| entries[j].start)
                    .min();
                out.push(match late {
                    Some(day) => {
                        let days = (day - entry.end).num_days();
                        Gap {
                            entry: i,
                            kind: GapKind::Late { to, days },
                            why: format!(
                                "{} records passing this to {}, which records receiving it only on {}, {days} days later",
                                name(entry.agency),
                                name(to),
                                day.format("%-d %b %Y"),
                            ),
                        }
                    }
                    None => Gap {
                        entry: i,
                        kind: GapKind::NotReceived { to },
                        why: format!(
                            "{} records passing this to {}, which has no entry within {} days that shows receiving it",
                            name(entry.agency),
                            name(to),
                            settings.receipt_days
                        ),
                    },
                });
            }
        }
        // Significant, known to one agency while others were involved. An entry that names
        // another agency (it came from them, or went to them) shows the knowledge was shared;
        // passing it on is checked above.
        // So does another agency's entry of the days around that names this agency (what it
        // was told by them).
        let told_others = || {
            let own = agencies.iter().find(|a| a.id == entry.agency);
            let days = chrono::Duration::days(3);
            within(None, entry.start - days, entry.end + days)
                .filter(|&j| entries[j].agency != entry.agency)
                .any(|j| {
                    let other = entries[j].text.to_lowercase();
                    own.is_some_and(|a| a.terms.iter().any(|t| other.contains(t.as_str())))
                })
        };
        let significant = SIGNIFICANT.iter().any(|s| text.contains(s))
            && linked[i].is_empty()
            && !names_other(&text, entry.agency)
            && !told_others();
        if !significant {
            continue;
        }
        let folded = last_alone
            .get(&entry.agency)
            .is_some_and(|last| (entry.start - *last).num_days() <= 2);
        if folded {
            last_alone.insert(entry.agency, entry.start);
            continue;
        }
        let from = entry.start - chrono::Duration::days(settings.active_days);
        let until = entry.end + chrono::Duration::days(settings.active_days);
        let mut active: Vec<u32> = within(None, from, until)
            .map(|j| entries[j].agency)
            .filter(|a| *a != entry.agency)
            .collect();
        active.sort_unstable();
        active.dedup();
        if !active.is_empty() {
            last_alone.insert(entry.agency, entry.start);
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

    #[test]
    fn a_receipt_known_only_to_the_month_counts_and_an_agency_with_no_entries_cannot_be_compared() {
        let month = |agency, text| AlignEntry {
            agency,
            start: day(3, 1),
            end: day(3, 31),
            text,
        };
        let entries = vec![
            month(
                4,
                "Referral from the health visitor about weight: GP appointment booked",
            ),
            at(
                3,
                day(3, 15),
                "Health visitor referred to the GP about weight loss",
            ),
            at(
                3,
                day(3, 16),
                "Health visitor referred to the school nurse; then emailed police",
            ),
        ];
        // Agency 4 stands for the GP here; agency 2 (police) has no entries.
        let mut agencies = agencies();
        agencies[3].terms = vec!["gp".to_owned()];
        let found = gaps(&entries, &[], &agencies, &GapSettings::default());
        assert!(
            !found
                .iter()
                .any(|g| g.kind == GapKind::NotReceived { to: 4 }),
            "the GP's entry for March shows receipt: {found:?}"
        );
        let cannot: Vec<_> = found
            .iter()
            .filter(|g| matches!(g.kind, GapKind::CannotCompare { .. }))
            .collect();
        assert_eq!(cannot.len(), 1, "{found:?}");
        assert_eq!(cannot[0].kind, GapKind::CannotCompare { to: 2 });
        assert!(
            cannot[0].why.contains("cannot be told"),
            "{}",
            cannot[0].why
        );
        assert_eq!(cannot[0].kind.label(), "Comparison cannot be made");
    }

    #[test]
    fn one_occurrence_over_two_entries_is_one_gap_and_an_entry_naming_its_source_is_none() {
        let entries = vec![
            at(
                2,
                day(7, 27),
                "Domestic abuse incident: mark on mother's neck, partner arrested",
            ),
            at(
                2,
                day(7, 28),
                "Partner interviewed about the assault and released",
            ),
            at(1, day(7, 29), "Strategy discussion about another matter"),
            at(
                1,
                day(8, 2),
                "The school reported bruising to the child's arm",
            ),
            at(4, day(8, 20), "Routine day"),
            // Known to the police, who were told by the school two days later.
            at(4, day(9, 1), "Bruising to the face seen in class"),
            at(2, day(9, 3), "Call from the school about a child's injury"),
        ];
        let found = gaps(&entries, &[], &agencies(), &GapSettings::default());
        let entries_found: Vec<usize> = found.iter().map(|g| g.entry).collect();
        assert_eq!(entries_found, vec![0], "{found:?}");
    }

    #[test]
    fn a_receipt_naming_the_sender_counts_and_one_past_the_window_is_late() {
        let entries = vec![
            at(
                2,
                day(1, 7),
                "Officer sent a notification to social care and a letter to the school",
            ),
            at(4, day(1, 19), "Police letter about the incident filed"),
            at(1, day(2, 1), "Notification received and uploaded"),
        ];
        let found = gaps(&entries, &[], &agencies(), &GapSettings::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, GapKind::Late { to: 1, days: 25 });
        assert!(
            found[0].why.ends_with("only on 1 Feb 2019, 25 days later"),
            "{}",
            found[0].why
        );
    }
}
