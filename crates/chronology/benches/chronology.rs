//! Chronology speed: reading and checking 100,000 CSV rows with mixed UK dates (the store's
//! part is measured end to end by bench/chronology_import.sh), and aligning 50,000 entries
//! across 8 agencies. Synthetic, fictional, deterministic data.
//!
//! cargo bench -p casewindow-chronology --bench chronology

use casewindow_chronology::align::{AlignEntry, Settings, align};
use chrono::{Duration, NaiveDate};

fn main() {
    divan::main();
}

/// A small deterministic generator (xorshift), so runs compare.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "mother",
    "father",
    "child",
    "seen",
    "visit",
    "concerns",
    "reported",
    "bruise",
    "school",
    "nursery",
    "attendance",
    "referral",
    "strategy",
    "meeting",
    "discussed",
    "plan",
    "agreed",
    "follow",
    "review",
    "health",
    "appointment",
    "missed",
    "unwell",
    "tired",
    "hungry",
    "housing",
    "support",
    "outcome",
    "shared",
    "information",
    "agency",
    "police",
    "called",
    "neighbour",
    "shouting",
    "injury",
    "hospital",
    "assessment",
    "section",
    "enquiry",
    "domestic",
    "abuse",
    "partner",
    "alcohol",
    "drugs",
    "clinic",
    "weight",
    "feeding",
    "development",
    "speech",
    "sleep",
    "crying",
    "bath",
    "cot",
    "pram",
    "sibling",
    "grandmother",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn csv(rows: usize) -> Vec<u8> {
    let mut rng = Rng(20261128);
    let mut out = String::from("Date,Time,Practitioner,Contact type,Details\n");
    for _ in 0..rows {
        let (y, m, d) = (2012 + rng.below(12), 1 + rng.below(12), 1 + rng.below(28));
        let date = match rng.below(20) {
            0..=7 => format!("{d:02}/{m:02}/{y}"),
            8..=10 => format!("{d:02}/{m:02}/{:02}", y % 100),
            11..=14 => format!("{d} {} {y}", MONTHS[m as usize - 1]),
            15..=16 => format!("{} {y}", MONTHS[m as usize - 1]),
            17 => format!("{y}"),
            18 => format!("approx. spring {y}"),
            _ => format!("w/c {d} {} {y}", MONTHS[m as usize - 1]),
        };
        let time = if date.contains('/') && rng.below(2) == 0 {
            format!("{:02}:30", 8 + rng.below(10))
        } else {
            String::new()
        };
        let text: Vec<&str> = (0..8 + rng.below(20))
            .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
            .collect();
        out.push_str(&format!(
            "{date},{time},Health visitor,Home visit,\"{}.\"\n",
            text.join(" ")
        ));
    }
    out.into_bytes()
}

#[divan::bench(sample_count = 5)]
fn read_and_check_100k_csv_rows(bencher: divan::Bencher) {
    let bytes = csv(100_000);
    bencher.bench(|| {
        let (_, reading) =
            casewindow_chronology::read_file("bench.csv", &bytes, None).expect("reads");
        assert_eq!(reading.entries.len(), 100_000);
        reading
    });
}

/// 50,000 entries over eight years: occurrences recorded by one to three of eight agencies,
/// each in its own words (a share of the occurrence's words plus its own), some a day late,
/// one in ten with a vague date.
fn entries(n: usize) -> Vec<(u32, NaiveDate, NaiveDate, String)> {
    let mut rng = Rng(42);
    let base = NaiveDate::from_ymd_opt(2016, 1, 1).expect("valid");
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let day = base + Duration::days(rng.below(8 * 365) as i64);
        let core: Vec<&str> = (0..10)
            .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
            .collect();
        let agencies = 1 + rng.below(3);
        for _ in 0..agencies {
            let agency = rng.below(8) as u32;
            let mut words: Vec<&str> = core.iter().filter(|_| rng.below(3) > 0).copied().collect();
            for _ in 0..4 {
                words.push(WORDS[rng.below(WORDS.len() as u64) as usize]);
            }
            let late = Duration::days(rng.below(2) as i64);
            let (start, end) = if rng.below(10) == 0 {
                let first = day.with_day0(0).unwrap_or(day);
                (first, first + Duration::days(30))
            } else {
                (day + late, day + late)
            };
            out.push((agency, start, end, words.join(" ")));
        }
    }
    out.truncate(n);
    out
}

use chrono::Datelike as _;

#[divan::bench(sample_count = 5)]
fn align_50k_entries_across_8_agencies(bencher: divan::Bencher) {
    let data = entries(50_000);
    let input: Vec<AlignEntry<'_>> = data
        .iter()
        .map(|(agency, start, end, text)| AlignEntry {
            agency: *agency,
            start: *start,
            end: *end,
            text,
        })
        .collect();
    bencher.bench(|| align(&input, &Settings::default()));
}
