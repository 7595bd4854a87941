//! Field-level validation. Every record checks itself before it is stored or imported, and names
//! the field that is wrong and why, so a form or an import can point at it.

use std::fmt;

/// One field that failed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    /// Path of the field inside the record, e.g. `appraisal.rationale` or `questions[2]`.
    pub field: String,
    /// Why it is invalid, in plain English, lower case.
    pub reason: String,
}

impl Invalid {
    /// A new validation failure for `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The same failure, nested under `prefix` (`kpe` + `title` → `kpe.title`).
    pub fn under(self, prefix: &str) -> Self {
        let field = if self.field.starts_with('[') {
            format!("{prefix}{}", self.field)
        } else {
            format!("{prefix}.{}", self.field)
        };
        Self {
            field,
            reason: self.reason,
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// A record that can check its own fields.
pub trait Validate {
    /// Every problem found; empty when the record is valid.
    fn problems(&self) -> Vec<Invalid>;
}

/// Collects problems with short helpers for the common checks.
#[derive(Default)]
pub struct Checker {
    problems: Vec<Invalid>,
}

/// Longest text accepted in any single field (a long narrative section fits comfortably).
pub const MAX_TEXT: usize = 200_000;
/// Longest one-line field (titles, labels, names).
pub const MAX_LINE: usize = 500;

impl Checker {
    /// A checker with no problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem.
    pub fn fail(&mut self, field: impl Into<String>, reason: impl Into<String>) {
        self.problems.push(Invalid::new(field, reason));
    }

    /// The field must contain something other than white space, and be of sane length.
    pub fn required(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.fail(field, "is required");
        } else {
            self.max_len(field, value, MAX_TEXT);
        }
    }

    /// A required single line: not blank, no line breaks, at most [`MAX_LINE`] characters.
    pub fn line(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.fail(field, "is required");
        } else if value.contains(['\n', '\r']) {
            self.fail(field, "must be a single line");
        } else {
            self.max_len(field, value, MAX_LINE);
        }
    }

    /// Optional free text: only its length is checked.
    pub fn optional(&mut self, field: &str, value: &str) {
        self.max_len(field, value, MAX_TEXT);
    }

    fn max_len(&mut self, field: &str, value: &str, max: usize) {
        // Counted as people count: a line break is one character, however the browser sent it.
        let n_chars = value.chars().count() - value.matches("\r\n").count();
        if n_chars > max {
            self.fail(
                field,
                format!(
                    "is {} characters long; the limit is {}",
                    thousands(n_chars),
                    thousands(max)
                ),
            );
        }
    }

    /// Every item of a list must be non-blank.
    pub fn each_required(&mut self, field: &str, values: &[String]) {
        for (idx, value) in values.iter().enumerate() {
            self.required(&format!("{field}[{idx}]"), value);
        }
    }

    /// A period's end is not before its start (`field.until`).
    pub fn period(
        &mut self,
        field: &str,
        from: Option<chrono::NaiveDate>,
        until: Option<chrono::NaiveDate>,
    ) {
        if let (Some(from), Some(until)) = (from, until)
            && until < from
        {
            self.fail(format!("{field}.until"), "must not be before the start");
        }
    }

    /// Adds problems reported by a nested record under `prefix`.
    pub fn nested(&mut self, prefix: &str, problems: Vec<Invalid>) {
        self.problems
            .extend(problems.into_iter().map(|p| p.under(prefix)));
    }

    /// The problems found.
    pub fn finish(self) -> Vec<Invalid> {
        self.problems
    }
}

/// A count as people write it: 200000 as "200,000".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod counting_tests {
    use super::*;

    #[test]
    fn lengths_are_counted_as_people_count_them() {
        assert_eq!(thousands(200_000), "200,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_001), "1,000,001");
        // A line break sent as CR LF is one character.
        let mut check = Checker::new();
        check.max_len("body", &"ab\r\n".repeat(4), 12);
        assert!(check.finish().is_empty());
        let mut check = Checker::new();
        check.max_len("body", &"é".repeat(13), 12);
        let problems = check.finish();
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .reason
                .contains("is 13 characters long; the limit is 12")
        );
    }
}

/// A record taken out of use, and why: it stays, with its history, and is shown as withdrawn
/// (never deleted), so what was there and who removed it can always be told.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    pub on: chrono::NaiveDate,
    pub reason: String,
}

/// A record that can be withdrawn.
pub trait Withdrawable {
    fn withdrawn(&self) -> Option<&Withdrawal>;
    /// Marks the record withdrawn, with whatever else withdrawal means for it.
    fn withdraw(&mut self, withdrawal: Withdrawal);
}

impl Checker {
    /// A withdrawal, when there is one, says why.
    pub fn withdrawal(&mut self, withdrawn: Option<&Withdrawal>) {
        if let Some(w) = withdrawn {
            self.required("withdrawn.reason", &w.reason);
        }
    }
}
