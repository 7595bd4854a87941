//! Working-day arithmetic for statutory clocks.
//!
//! A serious incident must be notified to the national panel within 5 working days of the local
//! authority becoming aware of it, and the rapid review completed within 15 working days of the
//! notification. Working days exclude weekends and bank holidays. The bank holidays are data
//! (`data/bank_holidays_england_and_wales.tsv`), compiled into the binary and editable without
//! touching code.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::BTreeMap;
use thiserror::Error;

/// The months' English names, in lower case, January first.
pub const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The bank holiday list for England and Wales shipped with casewindow.
const ENGLAND_AND_WALES: &str = include_str!("../data/bank_holidays_england_and_wales.tsv");

/// A problem in a bank holiday list.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("bank holiday list, line {line}: {reason}")]
pub struct CalendarError {
    pub line: usize,
    pub reason: String,
}

/// A calendar of non-working days: weekends plus a list of bank holidays.
#[derive(Clone, Debug)]
pub struct WorkingCalendar {
    holidays: BTreeMap<NaiveDate, String>,
}

impl WorkingCalendar {
    /// The calendar for England and Wales.
    pub fn england_and_wales() -> Self {
        Self::parse(ENGLAND_AND_WALES)
            .expect("the shipped bank holiday list is valid (checked by a unit test)")
    }

    /// Parses a list of `YYYY-MM-DD<TAB>name` lines; `#` starts a comment line.
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let mut holidays = BTreeMap::new();
        for (idx, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (date, name) = line.split_once('\t').ok_or_else(|| CalendarError {
                line: idx + 1,
                reason: "expected a date, a tab and a name".to_owned(),
            })?;
            let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|err| {
                CalendarError {
                    line: idx + 1,
                    reason: format!("{date:?} is not a date: {err}"),
                }
            })?;
            if holidays.insert(date, name.trim().to_owned()).is_some() {
                return Err(CalendarError {
                    line: idx + 1,
                    reason: format!("{date} is listed twice"),
                });
            }
        }
        Ok(Self { holidays })
    }

    /// The bank holiday on `date`, if there is one.
    pub fn holiday(&self, date: NaiveDate) -> Option<&str> {
        self.holidays.get(&date).map(String::as_str)
    }

    /// The first and last date the holiday list covers.
    pub fn coverage(&self) -> Option<(NaiveDate, NaiveDate)> {
        Some((
            *self.holidays.keys().next()?,
            *self.holidays.keys().next_back()?,
        ))
    }

    /// Whether `date` is a working day (not a weekend, not a bank holiday).
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains_key(&date)
    }

    /// The date `n` working days after `start` (the start day itself is day 0).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut date = start;
        let mut remaining = n;
        while remaining > 0 {
            date = next_day(date);
            if self.is_working_day(date) {
                remaining -= 1;
            }
        }
        date
    }

    /// Working days from `from` to `to`: the number of working days in `(from, to]`, or minus
    /// the number in `(to, from]` when `to` is earlier. Zero means "due today".
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (low, high, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut count = 0;
        let mut date = low;
        while date < high {
            date = next_day(date);
            if self.is_working_day(date) {
                count += 1;
            }
        }
        sign * count
    }
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1))
        .expect("dates stay far from chrono's limits")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn shipped_list_parses_and_covers_recent_years() {
        let calendar = WorkingCalendar::england_and_wales();
        let (first, last) = calendar.coverage().expect("not empty");
        assert!(first <= day(2015, 1, 1) && last >= day(2030, 12, 1));
        assert_eq!(
            calendar.holiday(day(2022, 9, 19)),
            Some("State Funeral of Queen Elizabeth II")
        );
        assert_eq!(
            calendar.holiday(day(2020, 5, 8)),
            Some("Early May bank holiday (VE day)")
        );
        assert_eq!(
            calendar.holiday(day(2020, 5, 4)),
            None,
            "2020's early May holiday moved to the 8th"
        );
    }

    #[test]
    fn five_working_days_skip_a_weekend() {
        let calendar = WorkingCalendar::england_and_wales();
        // Aware on Wednesday 4 March 2026: Thu 5, Fri 6, Mon 9, Tue 10, Wed 11.
        assert_eq!(
            calendar.add_working_days(day(2026, 3, 4), 5),
            day(2026, 3, 11)
        );
    }

    #[test]
    fn working_days_skip_easter_and_weekends() {
        let calendar = WorkingCalendar::england_and_wales();
        // Aware on Thursday 2 April 2026. Good Friday 3 April and Easter Monday 6 April are
        // bank holidays: Tue 7, Wed 8, Thu 9, Fri 10, Mon 13.
        assert_eq!(
            calendar.add_working_days(day(2026, 4, 2), 5),
            day(2026, 4, 13)
        );
    }

    #[test]
    fn fifteen_working_days_over_christmas() {
        let calendar = WorkingCalendar::england_and_wales();
        // Notified Friday 18 December 2026. Christmas Day (Fri 25) and the substitute Boxing Day
        // (Mon 28) and New Year's Day (Fri 1 Jan 2027) are not working days.
        let due = calendar.add_working_days(day(2026, 12, 18), 15);
        assert_eq!(due, day(2027, 1, 13));
        assert_eq!(calendar.working_days_between(day(2026, 12, 18), due), 15);
    }

    #[test]
    fn days_between_is_negative_when_overdue() {
        let calendar = WorkingCalendar::england_and_wales();
        assert_eq!(
            calendar.working_days_between(day(2026, 3, 11), day(2026, 3, 4)),
            -5
        );
        assert_eq!(
            calendar.working_days_between(day(2026, 3, 4), day(2026, 3, 4)),
            0
        );
        // Saturday to Sunday crosses no working day.
        assert_eq!(
            calendar.working_days_between(day(2026, 3, 7), day(2026, 3, 8)),
            0
        );
    }

    #[test]
    fn malformed_lists_name_the_line() {
        let err = WorkingCalendar::parse("# comment\n2026-01-01\tNew Year\n2026-13-01\tBad\n")
            .unwrap_err();
        assert_eq!(err.line, 3);
        let err = WorkingCalendar::parse("2026-01-01\tA\n2026-01-01\tB\n").unwrap_err();
        assert!(err.reason.contains("twice"), "{err}");
    }
}
