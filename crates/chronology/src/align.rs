//! Alignment: entries from different agencies that describe the same occurrence, linked so the
//! agencies' accounts can be read side by side (never merged into one). Two entries are
//! candidates when their dates could be the same day, allowing for each one's precision (a
//! day, a month, "approx. spring"), plus a day either side for records written the next
//! morning; a candidate becomes a link when what they say is alike (words weighted by how rare
//! they are in the whole chronology), helped by the date being close and by the same people
//! or roles being named. Each entry links to at most one entry of each other agency, the best,
//! and only when that choice is mutual. Pure: the caller brings entries and keeps decisions.

use casewindow_patterns::space::Sparse;
use chrono::NaiveDate;
use std::collections::HashMap;

/// One entry as alignment sees it.
#[derive(Clone, Debug)]
pub struct AlignEntry<'a> {
    /// The agency (any number that tells agencies apart).
    pub agency: u32,
    /// The earliest and latest day the entry may be about.
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// What happened, who acted and the kind of contact: all the text compared.
    pub text: &'a str,
}

/// Two entries, by index into the input, that likely record the same occurrence.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub a: usize,
    pub b: usize,
    /// 0 to 1.
    pub score: f32,
    /// Days between the nearest possible dates (0 when they could be the same day).
    pub gap_days: i64,
}

/// How alignment decides.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Days allowed beyond each entry's own window.
    pub slack_days: i64,
    /// Entries whose window is wider than this (a year, a season) are linked only on text
    /// similarity at least `wide_min_text`.
    pub wide_days: i64,
    pub wide_min_text: f32,
    /// The least score that makes a link.
    pub min_score: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            slack_days: 1,
            wide_days: 31,
            wide_min_text: 0.45,
            min_score: 0.30,
        }
    }
}

const STOP: &[&str] = &[
    "the", "and", "was", "were", "for", "with", "that", "this", "from", "had", "has", "have",
    "not", "but", "are", "his", "her", "she", "him", "they", "them", "their", "there", "been",
    "who", "which", "what", "when", "into", "onto", "about", "after", "before", "also", "then",
    "than", "would", "could", "should", "said", "did", "does", "all", "any", "our", "out", "off",
    "per", "via", "its", "it's", "one", "two", "due", "on", "at", "to", "of", "in", "by", "as",
];

/// Words of a text, lower case, crude stems (plural and -ing/-ed endings dropped), no stop words.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| w.len() > 2)
        .map(str::to_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()) && !w.bytes().all(|b| b.is_ascii_digit()))
        .map(|w| stem(&w))
        .collect()
}

/// How much more a named person or place counts than an ordinary word: a name written
/// with a capital inside a sentence ("Millrace Lane", "Dr Okafor", "Kestrel Road") says more
/// about which occurrence an entry records than the words around it.
const NAME_WEIGHT: f32 = 2.0;

/// The entry's words with their weights: names of people and places count [`NAME_WEIGHT`]
/// times. A capital at the start of a sentence or line is not a name.
pub fn weighted_words(text: &str) -> Vec<(String, f32)> {
    let mut out = Vec::new();
    let mut sentence_start = true;
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest.find(char::is_alphanumeric).unwrap_or(rest.len());
        let (gap, tail) = rest.split_at(start);
        if gap.contains(['.', '!', '?', ':', ';', '\n']) {
            sentence_start = true;
        }
        let end = tail
            .find(|c: char| !c.is_alphanumeric() && c != '\'')
            .unwrap_or(tail.len());
        let (word, after) = tail.split_at(end);
        if !word.is_empty() {
            let name = !sentence_start && word.chars().next().is_some_and(char::is_uppercase);
            for w in words(word) {
                out.push((w, if name { NAME_WEIGHT } else { 1.0 }));
            }
            sentence_start = false;
        }
        rest = after;
    }
    out
}

fn stem(word: &str) -> String {
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(base) = word.strip_suffix(suffix)
            && base.len() >= 4
        {
            return base.to_owned();
        }
    }
    word.to_owned()
}

/// Sparse, L2-normalised TF-IDF vectors of the entries' words, fitted to these entries.
fn vectors(entries: &[AlignEntry<'_>]) -> Vec<Sparse> {
    let mut ids: HashMap<String, u32> = HashMap::new();
    let tokenised: Vec<Vec<(u32, f32)>> = entries
        .iter()
        .map(|e| {
            weighted_words(e.text)
                .into_iter()
                .map(|(w, weight)| {
                    let next = ids.len() as u32;
                    (*ids.entry(w).or_insert(next), weight)
                })
                .collect()
        })
        .collect();
    let mut df = vec![0u32; ids.len()];
    for terms in &tokenised {
        let mut seen: Vec<u32> = terms.iter().map(|(t, _)| *t).collect();
        seen.sort_unstable();
        seen.dedup();
        for t in seen {
            df[t as usize] += 1;
        }
    }
    let n = entries.len().max(1) as f32;
    tokenised
        .into_iter()
        .map(|terms| {
            let mut counts: HashMap<u32, f32> = HashMap::new();
            for (t, weight) in terms {
                *counts.entry(t).or_default() += weight;
            }
            let mut v: Vec<(u32, f32)> = counts
                .into_iter()
                .map(|(t, c)| {
                    (
                        t,
                        // Smoothed IDF: words every entry shares still count a little
                        // (a review with two entries is compared on its words too).
                        (1.0 + c.ln()) * (1.0 + n / df[t as usize] as f32).ln(),
                    )
                })
                .filter(|(_, w)| *w > 0.0)
                .collect();
            let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm > 0.0 {
                for (_, w) in &mut v {
                    *w /= norm;
                }
            }
            v.sort_unstable_by_key(|(t, _)| *t);
            Sparse(v)
        })
        .collect()
}

fn gap(a: &AlignEntry<'_>, b: &AlignEntry<'_>) -> i64 {
    if a.end < b.start {
        (b.start - a.end).num_days()
    } else if b.end < a.start {
        (a.start - b.end).num_days()
    } else {
        0
    }
}

/// Links between entries of different agencies that likely record the same occurrence.
pub fn align(entries: &[AlignEntry<'_>], settings: &Settings) -> Vec<Link> {
    let vectors = vectors(entries);
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| (entries[i].start, entries[i].end));
    // best[i][agency] = (score, j)
    let mut best: Vec<HashMap<u32, (f32, usize, i64)>> = vec![HashMap::new(); entries.len()];
    for (pos, &i) in order.iter().enumerate() {
        let a = &entries[i];
        // Later entries starting within a's window (plus slack) are candidates; earlier ones
        // were paired when they were `a`.
        for &j in &order[pos + 1..] {
            let b = &entries[j];
            // Sorted by start: once one starts after a's window, all the rest do.
            if (b.start - a.end).num_days() > settings.slack_days {
                break;
            }
            if a.agency == b.agency {
                continue;
            }
            let days = gap(a, b);
            if days > settings.slack_days {
                continue;
            }
            let text = vectors[i].dot(&vectors[j]);
            let wide = (a.end - a.start).num_days() > settings.wide_days
                || (b.end - b.start).num_days() > settings.wide_days;
            if wide && text < settings.wide_min_text {
                continue;
            }
            let same_day = days == 0 && a.start == a.end && b.start == b.end;
            let score = 0.8 * text
                + if same_day {
                    0.2
                } else if days == 0 {
                    0.1
                } else {
                    0.05
                };
            if score < settings.min_score {
                continue;
            }
            for (from, to, agency) in [(i, j, b.agency), (j, i, a.agency)] {
                let slot = best[from]
                    .entry(agency)
                    .or_insert((f32::MIN, usize::MAX, 0));
                if score > slot.0 {
                    *slot = (score, to, days);
                }
            }
        }
    }
    let mut links = Vec::new();
    for (i, per_agency) in best.iter().enumerate() {
        for &(score, j, days) in per_agency.values() {
            // Mutual best: i is j's best among i's agency too.
            let mutual = best[j]
                .get(&entries[i].agency)
                .is_some_and(|&(_, back, _)| back == i);
            if mutual && i < j {
                links.push(Link {
                    a: i,
                    b: j,
                    score,
                    gap_days: days,
                });
            }
        }
    }
    links.sort_by_key(|l| (l.a, l.b));
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid")
    }

    fn entry(agency: u32, start: NaiveDate, end: NaiveDate, text: &str) -> AlignEntry<'_> {
        AlignEntry {
            agency,
            start,
            end,
            text,
        }
    }

    #[test]
    fn the_same_occurrence_in_two_agencies_is_linked_and_others_are_not() {
        let entries = vec![
            entry(
                1,
                day(2019, 3, 12),
                day(2019, 3, 12),
                "Strategy meeting held; bruising to left arm discussed, section 47 enquiry agreed",
            ),
            entry(
                2,
                day(2019, 3, 12),
                day(2019, 3, 12),
                "Police attended strategy meeting about bruising on the arm; agreed joint section 47 enquiry",
            ),
            entry(
                3,
                day(2019, 3, 13),
                day(2019, 3, 13),
                "School nurse told of strategy meeting outcome: section 47 enquiry into bruising",
            ),
            entry(
                2,
                day(2019, 3, 12),
                day(2019, 3, 12),
                "Call from neighbour about a dog barking late at night",
            ),
            entry(
                1,
                day(2019, 6, 1),
                day(2019, 6, 1),
                "Strategy meeting held; bruising discussed",
            ),
        ];
        let links = align(&entries, &Settings::default());
        let pairs: Vec<(usize, usize)> = links.iter().map(|l| (l.a, l.b)).collect();
        assert!(pairs.contains(&(0, 1)), "{links:?}");
        assert!(
            !pairs.iter().any(|&(a, b)| a == 3 || b == 3),
            "unrelated text: {links:?}"
        );
        assert!(
            !pairs.iter().any(|&(a, b)| a == 4 || b == 4),
            "months apart: {links:?}"
        );
        assert!(
            !pairs
                .iter()
                .any(|&(a, b)| entries[a].agency == entries[b].agency)
        );
    }

    #[test]
    fn a_vague_date_links_only_on_close_text() {
        let entries = vec![
            entry(
                1,
                day(2020, 3, 1),
                day(2020, 5, 31),
                "Mother disclosed domestic abuse by partner to health visitor",
            ),
            entry(
                2,
                day(2020, 4, 14),
                day(2020, 4, 14),
                "Health visitor told us mother disclosed domestic abuse by her partner",
            ),
            entry(
                2,
                day(2020, 4, 20),
                day(2020, 4, 20),
                "Home visit, child seen, no concerns",
            ),
        ];
        let links = align(&entries, &Settings::default());
        assert_eq!(links.len(), 1, "{links:?}");
        assert_eq!((links[0].a, links[0].b), (0, 1));
    }

    #[test]
    fn two_entries_alone_are_still_compared_on_their_words() {
        let entries = vec![
            entry(
                1,
                day(2024, 3, 12),
                day(2024, 3, 12),
                "Home visit. Child Q weighed; weight below the 2nd centile. Mother warm and engaged. Health visitor Home visit",
            ),
            entry(
                2,
                day(2024, 3, 13),
                day(2024, 3, 13),
                "Joint home visit with the health visitor. Weight concern noted; mother engaged. Social worker Home visit",
            ),
        ];
        let links = align(&entries, &Settings::default());
        assert_eq!(links.len(), 1, "{links:?}");
        assert_eq!(links[0].gap_days, 1);
    }

    #[test]
    fn names_of_people_and_places_weigh_more_than_other_words() {
        let weighted = weighted_words("Seen at Kestrel Road with Dr Okafor. Mother said\nThe flat");
        let weight = |w: &str| weighted.iter().find(|(x, _)| x == w).map(|(_, n)| *n);
        assert_eq!(weight("kestrel"), Some(NAME_WEIGHT));
        assert_eq!(weight("road"), Some(NAME_WEIGHT));
        assert_eq!(weight("okafor"), Some(NAME_WEIGHT));
        assert_eq!(
            weight("seen"),
            Some(1.0),
            "a capital starting the text is not a name"
        );
        assert_eq!(weight("mother"), Some(1.0), "nor one starting a sentence");
        assert_eq!(weight("flat"), Some(1.0));
        // The same occurrence told with the same place is preferred to one told alike but
        // elsewhere.
        let d = day(2021, 4, 6);
        let entries = vec![
            entry(
                1,
                d,
                d,
                "Home visit at Kestrel Road, mother seen with the baby",
            ),
            entry(
                2,
                d,
                d,
                "Home visit, mother seen with the baby at Willow Court",
            ),
            entry(2, d, d, "Visit at Kestrel Road: baby seen"),
        ];
        let links = align(&entries, &Settings::default());
        assert_eq!(links.len(), 1, "{links:?}");
        assert_eq!((links[0].a, links[0].b), (0, 2), "{links:?}");
    }

    #[test]
    fn words_drop_stop_words_numbers_and_plural_endings() {
        assert_eq!(
            words("The visits to 14 homes were ARRANGED"),
            vec!["visit", "home", "arrang"]
        );
    }
}
