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
        let n_chars = value.chars().count();
        if n_chars > max {
            self.fail(
                field,
                format!("is {n_chars} characters long; the limit is {max}"),
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
