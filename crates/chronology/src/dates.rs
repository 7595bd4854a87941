//! Dates as agencies write them, read the UK way (day before month), keeping their vagueness.
//!
//! Read: `12/03/2019`, `12/03/19`, `12.03.2019`, `12-03-2019`, `2019-03-12` (ISO, with or
//! without a time), `12 March 2019`, `Tue 12th Mar 2019`, `12-Mar-19`, `March 12, 2019`;
//! months (`March 2019`, `Mar-19`, `03/2019`, `2019-03`); years (`2019`); ranges (`3-5 May 2020`,
//! `between 3 and 5 May 2020`, `May-June 2020`, `w/c 4 May 2020`, `w/e 10 May 2020`);
//! estimates (`approx. spring 2020`, `c. 2019`, `early 2020`, `mid-March 2019`, `late 2019`,
//! `Q2 2020`, `winter 2019/20`). A time may follow a day (`14:30`, `14.30`, `2.30pm`, `1430hrs`).
//! Two-digit years 00–49 are 2000–2049, 50–99 are 1950–1999.

use casewindow_domain::evidence::{DatePrecision, FuzzyDate};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime};

/// Why a date could not be read, in words for the person who wrote it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DateError(pub String);

const HINT: &str = "write it as 12/03/2019, 12 March 2019, March 2019, 2019, approx. spring 2020 or w/c 4 May 2020";

fn unreadable(text: &str) -> DateError {
    DateError(format!(
        "\"{text}\" is not a date casewindow can read: {HINT}"
    ))
}

use casewindow_domain::calendar::MONTH_NAMES as MONTHS;

/// A month's number from its name or a common abbreviation ("Sept" too), in any case, without
/// allocating.
fn month_number(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.');
    if w.len() < 3 || !w.is_ascii() {
        return None;
    }
    if w.eq_ignore_ascii_case("sept") {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(w) || (w.len() == 3 && m[..3].eq_ignore_ascii_case(w)))
        .map(|i| i as u32 + 1)
}

fn year_of(text: &str) -> Option<i32> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i32 = text.parse().ok()?;
    match text.len() {
        2 => Some(if n < 50 { 2000 + n } else { 1900 + n }),
        4 if (1800..=2200).contains(&n) => Some(n),
        _ => None,
    }
}

/// A four-digit year in the range [`year_of`] accepts.
fn four_digit_year(word: &str) -> Option<i32> {
    year_of(word).filter(|_| word.len() == 4)
}

fn day_of(text: &str) -> Option<u32> {
    let t = text
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .trim();
    let suffix = &text[t.len()..].to_ascii_lowercase();
    if !(suffix.is_empty() || ["st", "nd", "rd", "th"].contains(&suffix.as_str())) {
        return None;
    }
    if t.is_empty() || t.len() > 2 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok().filter(|d| (1..=31).contains(d))
}

fn date(year: i32, month: u32, day: u32, text: &str) -> Result<NaiveDate, DateError> {
    if !(1..=12).contains(&month) {
        return Err(DateError(format!(
            "\"{text}\" has no month {month}: dates are read day first, as 12/03/2019 for 12 March"
        )));
    }
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| DateError(format!("\"{text}\" is not a real date")))
}

fn last_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).map(|d| d - Duration::days(1))
}

fn month_span(year: i32, first: u32, last: u32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, first, 1)?,
        last_of_month(year, last)?,
    ))
}

/// A time of day: `14:30`, `14.30`, `2.30pm`, `2pm`, `1430hrs`, `14:30:05`.
fn time_of(text: &str) -> Option<NaiveTime> {
    let t = text.trim();
    // Lower-cased only when it has capitals ("2.30PM"), so "14:30" costs no allocation.
    let t: std::borrow::Cow<'_, str> = if t.bytes().any(|b| b.is_ascii_uppercase()) {
        t.to_ascii_lowercase().into()
    } else {
        t.into()
    };
    let t = t.trim_end_matches("hrs").trim_end_matches("hours").trim();
    let (t, pm, am) = if let Some(rest) = t.strip_suffix("pm") {
        (rest.trim(), true, false)
    } else if let Some(rest) = t.strip_suffix("am") {
        (rest.trim(), false, true)
    } else {
        (t, false, false)
    };
    let parts: Vec<&str> = t.split([':', '.']).collect();
    let (mut h, m, s): (u32, u32, u32) = match parts.as_slice() {
        [hm] if hm.len() == 4 && hm.bytes().all(|b| b.is_ascii_digit()) && !pm && !am => {
            (hm[..2].parse().ok()?, hm[2..].parse().ok()?, 0)
        }
        [h] if (pm || am) && !h.is_empty() && h.len() <= 2 => (h.parse().ok()?, 0, 0),
        [h, m] if m.len() == 2 && !h.is_empty() && h.len() <= 2 => {
            (h.parse().ok()?, m.parse().ok()?, 0)
        }
        [h, m, s] if m.len() == 2 && s.len() == 2 && !h.is_empty() && h.len() <= 2 => {
            (h.parse().ok()?, m.parse().ok()?, s.parse().ok()?)
        }
        _ => return None,
    };
    if pm || am {
        if !(1..=12).contains(&h) {
            return None;
        }
        if pm && h != 12 {
            h += 12;
        }
        if am && h == 12 {
            h = 0;
        }
    }
    NaiveTime::from_hms_opt(h, m, s)
}

/// Words that mark an estimate.
const APPROX: [&str; 8] = [
    "approx",
    "approximately",
    "c",
    "ca",
    "circa",
    "around",
    "about",
    "abt",
];

/// Reads one date as written in an agency's record.
pub fn parse(text: &str) -> Result<FuzzyDate, DateError> {
    let original = text.trim();
    if let Some(found) = exact_day(original).or_else(|| exact_words(original)) {
        return Ok(found);
    }
    if original.is_empty() {
        return Err(DateError("the date is empty".to_owned()));
    }
    if original.chars().count() > 80 {
        return Err(DateError(format!(
            "\"{}…\" is too long to be a date",
            original.chars().take(30).collect::<String>()
        )));
    }
    let lowered = original.to_lowercase().replace(['–', '—'], "-");
    let mut words: Vec<&str> = lowered
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();

    // An estimate: "approx.", "c.", "circa", "around"...
    let mut approximate = false;
    if let Some(first) = words.first()
        && APPROX.contains(&first.trim_end_matches('.'))
    {
        approximate = true;
        words.remove(0);
    }
    if let Some(first) = words.first()
        && first.starts_with("approx")
    {
        approximate = true;
        words.remove(0);
    }
    let rest = words.join(" ");
    if rest.is_empty() {
        return Err(unreadable(original));
    }
    let found = read(&rest, original)?;
    Ok(if approximate {
        FuzzyDate {
            precision: DatePrecision::Approximate,
            time: None,
            ..found
        }
    } else {
        found
    })
}

fn read(text: &str, original: &str) -> Result<FuzzyDate, DateError> {
    let words: Vec<&str> = text.split(' ').collect();

    // Week commencing / ending.
    for (prefixes, ending) in [
        (
            &["w/c", "wc", "w/b", "week commencing", "week beginning"][..],
            false,
        ),
        (&["w/e", "we", "week ending"][..], true),
    ] {
        for prefix in prefixes {
            if let Some(rest) = text.strip_prefix(prefix)
                && rest.starts_with([' ', '.', ':'])
            {
                let day = read(rest.trim_start_matches([' ', '.', ':']).trim(), original)?;
                if day.precision != DatePrecision::Day {
                    return Err(DateError(format!(
                        "\"{original}\": a week needs the day it starts or ends"
                    )));
                }
                let (start, end) = if ending {
                    (day.start - Duration::days(6), day.start)
                } else {
                    (day.start, day.start + Duration::days(6))
                };
                return Ok(FuzzyDate::range(start, end));
            }
        }
    }

    // "between X and Y"
    if let Some(rest) = text.strip_prefix("between ")
        && let Some((a, b)) = rest.split_once(" and ")
    {
        return range_of(a, b, original);
    }

    // Early / mid / late, seasons, quarters.
    if let Some(found) = part_of_period(&words, original)? {
        return Ok(found);
    }

    // A date with a time after it: try without the last word (or last two, "2.30 pm").
    for cut in [2usize, 1] {
        if words.len() > cut {
            let (head, tail) = words.split_at(words.len() - cut);
            if let Some(time) = time_of(&tail.join(""))
                && let Ok(day) = read(&head.join(" "), original)
                && day.precision == DatePrecision::Day
            {
                return Ok(FuzzyDate {
                    time: Some(time),
                    ..day
                });
            }
        }
    }

    // ISO with a T time: 2019-03-12T14:30:00
    if let Some((d, t)) = text.split_once('t')
        && d.len() == 10
        && let Some(time) = time_of(t.trim_end_matches('z').split(['+']).next().unwrap_or(""))
    {
        let day = read(d, original)?;
        return Ok(FuzzyDate {
            time: Some(time),
            ..day
        });
    }

    match words.as_slice() {
        // "2019"
        [y] if let Some(year) = four_digit_year(y) => {
            FuzzyDate::year(year).ok_or_else(|| unreadable(original))
        }
        [one] => numeric(one, original),
        // "March 2019", "12 March"(no year: refused below)
        [m, y] if let (Some(month), Some(year)) = (month_number(m), year_of(y)) => {
            FuzzyDate::month(year, month).ok_or_else(|| unreadable(original))
        }
        // "12 March 2019", "12th Mar 19"
        [d, m, y]
            if let (Some(day), Some(month), Some(year)) =
                (day_of(d), month_number(m), year_of(y)) =>
        {
            Ok(FuzzyDate::day(date(year, month, day, original)?))
        }
        // "March 12 2019" (the order is unambiguous when the month is a word)
        [m, d, y]
            if let (Some(month), Some(day), Some(year)) =
                (month_number(m), day_of(d), year_of(y)) =>
        {
            Ok(FuzzyDate::day(date(year, month, day, original)?))
        }
        // "Tue 12 March 2019"
        [weekday, d, m, y] if weekday.len() >= 3 && weekday_name(weekday) => {
            read(&[*d, *m, *y].join(" "), original)
        }
        // "3-5 May 2020"
        [span, m, y] if span.contains('-') => {
            let (a, b) = span.split_once('-').unwrap_or_default();
            range_of(&format!("{a} {m} {y}"), &format!("{b} {m} {y}"), original)
        }
        // "May-June 2020"
        [span, y] if span.contains('-') => {
            let (a, b) = span.split_once('-').unwrap_or_default();
            match (month_number(a), month_number(b), year_of(y)) {
                (Some(_), Some(_), Some(_)) => {
                    range_of(&format!("{a} {y}"), &format!("{b} {y}"), original)
                }
                _ => Err(unreadable(original)),
            }
        }
        [d, m] if day_of(d).is_some() && month_number(m).is_some() => Err(DateError(format!(
            "\"{original}\" has no year: add it, as 12 March 2019"
        ))),
        _ => Err(unreadable(original)),
    }
}

fn weekday_name(word: &str) -> bool {
    let w = word.trim_end_matches('.');
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    .iter()
    .any(|d| *d == w || (w.len() >= 3 && d.starts_with(w)))
}

fn range_of(a: &str, b: &str, original: &str) -> Result<FuzzyDate, DateError> {
    let b = read(b.trim(), original)?;
    // "between 3 and 5 May 2020": the first may borrow the second's month and year.
    let a = read(a.trim(), original).or_else(|err| {
        let day = day_of(a.trim()).ok_or(err)?;
        Ok::<_, DateError>(FuzzyDate::day(date(
            b.start.year(),
            b.start.month(),
            day,
            original,
        )?))
    })?;
    if b.end < a.start {
        return Err(DateError(format!(
            "\"{original}\": the range ends before it starts"
        )));
    }
    Ok(FuzzyDate::range(a.start, b.end))
}

/// "early 2020", "mid-March 2019", "late 2019", "spring 2020", "Q2 2020", "winter 2019/20".
fn part_of_period(words: &[&str], original: &str) -> Result<Option<FuzzyDate>, DateError> {
    let joined = words.join(" ");
    let (part, rest) = match joined.split_once([' ', '-']) {
        Some((p, r)) => (p, r.trim()),
        None => return Ok(None),
    };
    let approx = |(start, end): (NaiveDate, NaiveDate)| Some(FuzzyDate::approximate(start, end));
    let year_and_month = |rest: &str| -> Option<(i32, Option<u32>)> {
        let parts: Vec<&str> = rest.split(' ').collect();
        match parts.as_slice() {
            [y] => Some((four_digit_year(y)?, None)),
            [m, y] => Some((year_of(y)?, Some(month_number(m)?))),
            _ => None,
        }
    };
    let found = match part {
        "early" | "mid" | "late" | "end" | "beginning" | "start" => {
            let Some((year, month)) = year_and_month(rest) else {
                return Ok(None);
            };
            let third = match part {
                "early" | "beginning" | "start" => 0,
                "mid" => 1,
                _ => 2,
            };
            match month {
                Some(m) => {
                    let last = last_of_month(year, m).map(|d| d.day()).unwrap_or(28);
                    let (a, b) = [(1, 10), (11, 20), (21, last)][third];
                    approx((date(year, m, a, original)?, date(year, m, b, original)?))
                }
                None => {
                    let (a, b) = [(1, 4), (5, 8), (9, 12)][third];
                    month_span(year, a, b).and_then(approx)
                }
            }
        }
        "spring" | "summer" | "autumn" | "fall" | "winter" => {
            if part == "winter"
                && let Some((y1, y2)) = rest.split_once('/')
            {
                // "winter 2019/20": December of the first year to February of the next.
                let first = four_digit_year(y1);
                let second = first.map(|y| y + 1);
                if second.is_none_or(|s| year_of(y2).is_none_or(|y| y % 100 != s % 100)) {
                    return Err(unreadable(original));
                }
                let y = first.unwrap_or_default();
                approx((
                    date(y, 12, 1, original)?,
                    last_of_month(y + 1, 2).ok_or_else(|| unreadable(original))?,
                ))
            } else {
                let Some(year) = four_digit_year(rest) else {
                    return Ok(None);
                };
                match part {
                    "spring" => month_span(year, 3, 5).and_then(approx),
                    "summer" => month_span(year, 6, 8).and_then(approx),
                    "autumn" | "fall" => month_span(year, 9, 11).and_then(approx),
                    // Winter of a year: its December and the next January and February.
                    _ => approx((
                        date(year, 12, 1, original)?,
                        last_of_month(year + 1, 2).ok_or_else(|| unreadable(original))?,
                    )),
                }
            }
        }
        q if q.len() == 2 && q.starts_with('q') => {
            let Some(n) = q[1..].parse::<u32>().ok().filter(|n| (1..=4).contains(n)) else {
                return Ok(None);
            };
            let Some(year) = four_digit_year(rest) else {
                return Ok(None);
            };
            month_span(year, n * 3 - 2, n * 3).map(|(a, b)| FuzzyDate::range(a, b))
        }
        _ => return Ok(None),
    };
    found.map(Some).ok_or_else(|| unreadable(original))
}

/// The commonest written forms with words: `12 March 2019`, `March 2019` and `2019` (one space
/// between the parts), read without allocating; as [`exact_day`], anything else or anything
/// wrong is left to the general reading.
fn exact_words(text: &str) -> Option<FuzzyDate> {
    let mut words = text.split(' ');
    let (first, second, third) = (words.next()?, words.next(), words.next());
    if words.next().is_some() {
        return None;
    }
    match (second, third) {
        (None, None) => four_digit_year(first).and_then(FuzzyDate::year),
        (Some(year), None) => FuzzyDate::month(four_digit_year(year)?, month_number(first)?),
        (Some(month), Some(year)) => {
            if !(1..=2).contains(&first.len()) || !first.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let day = first.parse().ok()?;
            NaiveDate::from_ymd_opt(four_digit_year(year)?, month_number(month)?, day)
                .map(FuzzyDate::day)
        }
        (None, Some(_)) => None,
    }
}

/// A day written in the commonest exact forms (`12/03/2019`, `1/3/19`, `2019-03-12`, with `/`,
/// `-` or `.` between the numbers), read without the general reading's allocations: most of a
/// chronology's dates. Anything else, and anything not a real date, is left to [`parse`]'s
/// general reading, which gives the same answer for these forms and words every refusal.
fn exact_day(text: &str) -> Option<FuzzyDate> {
    if !(6..=10).contains(&text.len()) {
        return None;
    }
    let number = |part: &str| -> Option<u32> {
        ((1..=2).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let mut parts = text.split(['/', '-', '.']);
    let (first, second, third) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (year, month, day) = if first.len() == 4 {
        (four_digit_year(first)?, number(second)?, number(third)?)
    } else {
        (year_of(third)?, number(second)?, number(first)?)
    };
    NaiveDate::from_ymd_opt(year, month, day).map(FuzzyDate::day)
}

/// A day read by [`parse`] with a time written in a column of its own (`14:30`, `2.30pm`...):
/// the same answer as parsing the two joined by a space, without joining them when the day is
/// exact and the time is plain.
pub fn with_time(day: FuzzyDate, date_text: &str, time_text: &str) -> Result<FuzzyDate, DateError> {
    if day.precision == DatePrecision::Day
        && day.time.is_none()
        && !time_text.contains(char::is_whitespace)
        && let Some(time) = time_of(time_text)
    {
        return Ok(FuzzyDate {
            time: Some(time),
            ..day
        });
    }
    parse(&format!("{date_text} {time_text}"))
}

/// One token of digits and separators: `12/03/2019`, `2019-03-12`, `03/2019`, `12-Mar-19`.
fn numeric(token: &str, original: &str) -> Result<FuzzyDate, DateError> {
    let parts: Vec<&str> = token.split(['/', '-', '.']).collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => {
            let (Some(year), Ok(month), Ok(day)) = (year_of(y), m.parse(), d.parse()) else {
                return Err(unreadable(original));
            };
            Ok(FuzzyDate::day(date(year, month, day, original)?))
        }
        [d, m, y] => {
            let (Some(day), Some(year)) = (day_of(d), year_of(y)) else {
                return Err(unreadable(original));
            };
            let month = match m.parse::<u32>() {
                Ok(n) => n,
                Err(_) => month_number(m).ok_or_else(|| unreadable(original))?,
            };
            Ok(FuzzyDate::day(date(year, month, day, original)?))
        }
        [y, m] if y.len() == 4 => {
            let (Some(year), Ok(month)) = (year_of(y), m.parse::<u32>()) else {
                return Err(unreadable(original));
            };
            date(year, month, 1, original)?;
            FuzzyDate::month(year, month).ok_or_else(|| unreadable(original))
        }
        [m, y] => {
            let Some(year) = year_of(y) else {
                return Err(unreadable(original));
            };
            let month = match m.parse::<u32>() {
                Ok(n) => n,
                Err(_) => month_number(m).ok_or_else(|| unreadable(original))?,
            };
            date(year, month, 1, original)?;
            FuzzyDate::month(year, month).ok_or_else(|| unreadable(original))
        }
        _ => Err(unreadable(original)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid")
    }

    fn reads(text: &str) -> FuzzyDate {
        parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    /// The general reading alone, without the fast path for exact days.
    fn general(text: &str) -> Result<FuzzyDate, DateError> {
        let original = text.trim();
        let lowered = original.to_lowercase();
        read(&lowered, original)
    }

    #[test]
    fn the_fast_path_for_exact_days_agrees_with_the_general_reading() {
        let mut checked = 0;
        for first in [
            "1", "01", "12", "29", "31", "32", "0", "2019", "1799", "2201", "123",
        ] {
            for second in ["1", "02", "12", "13", "0", "002"] {
                for third in [
                    "1", "19", "49", "50", "99", "2019", "2020", "1800", "12345", "",
                ] {
                    for sep in ['/', '-', '.'] {
                        let text = format!("{first}{sep}{second}{sep}{third}");
                        if let Some(fast) = exact_day(&text) {
                            assert_eq!(Ok(fast), general(&text), "{text}");
                            checked += 1;
                        }
                        assert_eq!(parse(&text).ok(), general(&text).ok(), "{text}");
                    }
                }
            }
        }
        assert!(checked > 100, "{checked}");
        let mut worded = 0;
        for day in [
            "", "1 ", "01 ", "12 ", "29 ", "31 ", "32 ", "0 ", "1st ", "123 ",
        ] {
            for month in [
                "March",
                "march",
                "MARCH",
                "Mar",
                "mar.",
                "Sept",
                "Sep",
                "September",
                "Febr",
                "Ma",
                "Maybe",
                "May",
                "12",
            ] {
                for year in ["2019", "1800", "2200", "1799", "2201", "19", "20190", ""] {
                    let text = format!("{day}{month} {year}");
                    if let Some(fast) = exact_words(&text) {
                        assert_eq!(Ok(fast), general(&text), "{text}");
                        worded += 1;
                    }
                    assert_eq!(parse(&text).ok(), general(&text).ok(), "{text}");
                }
            }
        }
        for year in ["2019", "1800", "2200", "1799", "0201", "201", "20190"] {
            if let Some(fast) = exact_words(year) {
                assert_eq!(Ok(fast), general(year), "{year}");
                worded += 1;
            }
            assert_eq!(parse(year).ok(), general(year).ok(), "{year}");
        }
        assert!(worded > 40, "{worded}");
        for (date, time) in [
            ("12/03/2019", "14:30"),
            ("12/03/2019", "2.30pm"),
            ("12/03/2019", "2.30 pm"),
            ("12/03/2019", "1430hrs"),
            ("March 2019", "14:30"),
            ("approx. 12/03/2019", "14:30"),
            ("12/03/2019", "teatime"),
        ] {
            let joined = parse(&format!("{date} {time}"));
            let day = parse(date).expect("a date");
            assert_eq!(with_time(day, date, time), joined, "{date} {time}");
        }
    }

    #[test]
    fn days_are_read_day_first() {
        for text in [
            "12/03/2019",
            "12/03/19",
            "12.03.2019",
            "12-03-2019",
            "2019-03-12",
            "12 March 2019",
            "12th Mar 2019",
            "Tue 12 March 2019",
            "12-Mar-19",
            "March 12, 2019",
            " 12 MARCH 2019 ",
        ] {
            assert_eq!(reads(text), FuzzyDate::day(d(2019, 3, 12)), "{text}");
        }
        assert_eq!(reads("1/2/99"), FuzzyDate::day(d(1999, 2, 1)));
    }

    #[test]
    fn times_follow_days() {
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("valid");
        assert_eq!(reads("12/03/2019 14:30").time, Some(at(14, 30)));
        assert_eq!(reads("12/03/2019 14.30").time, Some(at(14, 30)));
        assert_eq!(reads("12 March 2019 2.30pm").time, Some(at(14, 30)));
        assert_eq!(reads("12 March 2019 2.30 pm").time, Some(at(14, 30)));
        assert_eq!(reads("12/03/2019 1430hrs").time, Some(at(14, 30)));
        assert_eq!(reads("2019-03-12T09:05:00").time, Some(at(9, 5)));
        assert_eq!(reads("2019-03-12 00:00:00").time, Some(at(0, 0)));
    }

    #[test]
    fn months_years_and_ranges_keep_their_precision() {
        assert_eq!(reads("March 2019"), FuzzyDate::month(2019, 3).expect("m"));
        assert_eq!(reads("Mar-19"), FuzzyDate::month(2019, 3).expect("m"));
        assert_eq!(reads("03/2019"), FuzzyDate::month(2019, 3).expect("m"));
        assert_eq!(reads("2019-03"), FuzzyDate::month(2019, 3).expect("m"));
        assert_eq!(reads("Sept 2019"), FuzzyDate::month(2019, 9).expect("m"));
        assert_eq!(reads("2019"), FuzzyDate::year(2019).expect("y"));
        assert_eq!(
            reads("w/c 4 May 2020"),
            FuzzyDate::range(d(2020, 5, 4), d(2020, 5, 10))
        );
        assert_eq!(
            reads("week ending 10/05/2020"),
            FuzzyDate::range(d(2020, 5, 4), d(2020, 5, 10))
        );
        assert_eq!(
            reads("3-5 May 2020"),
            FuzzyDate::range(d(2020, 5, 3), d(2020, 5, 5))
        );
        assert_eq!(
            reads("3–5 May 2020"),
            FuzzyDate::range(d(2020, 5, 3), d(2020, 5, 5))
        );
        assert_eq!(
            reads("between 3 and 5 May 2020"),
            FuzzyDate::range(d(2020, 5, 3), d(2020, 5, 5))
        );
        assert_eq!(
            reads("May-June 2020"),
            FuzzyDate::range(d(2020, 5, 1), d(2020, 6, 30))
        );
        assert_eq!(
            reads("Q2 2020"),
            FuzzyDate::range(d(2020, 4, 1), d(2020, 6, 30))
        );
    }

    #[test]
    fn estimates_are_approximate_windows() {
        let approx = |a, b| FuzzyDate::approximate(a, b);
        assert_eq!(
            reads("approx. spring 2020"),
            approx(d(2020, 3, 1), d(2020, 5, 31))
        );
        assert_eq!(reads("c. 2019"), approx(d(2019, 1, 1), d(2019, 12, 31)));
        assert_eq!(
            reads("approx March 2019"),
            approx(d(2019, 3, 1), d(2019, 3, 31))
        );
        assert_eq!(reads("early 2020"), approx(d(2020, 1, 1), d(2020, 4, 30)));
        assert_eq!(
            reads("mid-March 2019"),
            approx(d(2019, 3, 11), d(2019, 3, 20))
        );
        assert_eq!(
            reads("late Feb 2020"),
            approx(d(2020, 2, 21), d(2020, 2, 29))
        );
        assert_eq!(
            reads("winter 2019/20"),
            approx(d(2019, 12, 1), d(2020, 2, 29))
        );
        assert_eq!(reads("autumn 2018"), approx(d(2018, 9, 1), d(2018, 11, 30)));
    }

    #[test]
    fn what_cannot_be_read_is_refused_with_the_reason() {
        for (text, says) in [
            ("", "empty"),
            ("31/02/2019", "not a real date"),
            ("12/13/2019", "no month 13"),
            ("next week", "is not a date"),
            ("12 March", "no year"),
            ("unknown", "is not a date"),
            ("2019-02-30", "not a real date"),
            ("5-3 May 2020", "ends before it starts"),
            ("w/c March 2020", "a week needs"),
        ] {
            let err = parse(text).expect_err(text).to_string();
            assert!(err.contains(says), "{text:?}: {err}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_read_or_refused_without_panicking(text in "\\PC{0,40}") {
            let _ = parse(&text);
        }

        #[test]
        fn every_real_day_written_the_uk_way_reads_back(days in 0i64..60_000) {
            let day = d(1900, 1, 1) + Duration::days(days);
            let written = day.format("%d/%m/%Y").to_string();
            proptest::prop_assert_eq!(parse(&written).expect("reads"), FuzzyDate::day(day));
            let words = day.format("%-d %B %Y").to_string();
            proptest::prop_assert_eq!(parse(&words).expect("reads"), FuzzyDate::day(day));
        }
    }
}
