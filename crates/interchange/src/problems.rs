//! Import problems, each tied to a JSON path.

use std::fmt;

/// One problem in an imported document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// JSON path of the field, e.g. `findings[2].record.polarity`.
    pub path: String,
    /// What is wrong, in plain English.
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Why a document was refused. Nothing was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    pub problems: Vec<Problem>,
}

impl ImportError {
    /// An error with one problem.
    pub fn single(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            problems: vec![Problem {
                path: path.into(),
                reason: reason.into(),
            }],
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "the review file was not imported: {one}"),
            many => {
                write!(
                    f,
                    "the review file was not imported; {} problems:",
                    many.len()
                )?;
                for problem in many {
                    write!(f, "\n  {problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ImportError {}
