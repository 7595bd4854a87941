//! The page frame every page shares, and form errors shown the GOV.UK way: a summary at the
//! top linking to each field, and a message by the field.

use casewindow_domain::ids::ReviewId;

/// What the frame of every page needs.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub title: String,
    pub user_name: Option<String>,
    pub csrf: String,
    pub breadcrumbs: Vec<Crumb>,
    pub review_nav: Option<ReviewNav>,
    pub has_errors: bool,
    /// A fresh one-time key for this page's create forms: the same form submitted twice
    /// creates one record (see `App::create_once`).
    pub once: String,
}

/// A step of the breadcrumbs: where it leads and what it says.
#[derive(Clone, Debug)]
pub struct Crumb {
    pub href: String,
    pub label: String,
}

impl Crumb {
    pub fn new(href: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            href: href.into(),
            label: label.into(),
        }
    }
}

/// A section of a review in its navigation.
#[derive(Clone, Debug)]
pub struct NavItem {
    pub href: String,
    pub label: String,
    /// The page shown is in this section.
    pub current: bool,
}

/// The section navigation shown on every page of a review.
#[derive(Clone, Debug)]
pub struct ReviewNav {
    pub title: String,
    pub items: Vec<NavItem>,
}

/// The sections of a review, in the order of the method.
pub const SECTIONS: [(&str, &str); 20] = [
    ("", "Overview"),
    ("/terms", "Terms of reference"),
    ("/participants", "Participants"),
    ("/subjects", "The child and family"),
    ("/agencies", "Agencies"),
    ("/chronology", "Chronologies"),
    ("/documents", "Documents"),
    ("/conversations", "Conversations"),
    ("/narrative", "Narrative"),
    ("/kpes", "Key practice episodes"),
    ("/findings", "Findings"),
    ("/meetings", "Meetings"),
    ("/sharing", "Sharing and comments"),
    ("/shared", "Shared with you"),
    ("/actions", "Responses and actions"),
    ("/report", "Report"),
    ("/publication", "Publication"),
    ("/quality", "Quality markers"),
    ("/history", "Lifecycle history"),
    ("/audit", "Audit trail"),
];

impl ReviewNav {
    /// Navigation for review `id`, with `current` (a suffix from [`SECTIONS`]) highlighted.
    pub fn new(id: ReviewId, title: &str, current: &str, visible: impl Fn(&str) -> bool) -> Self {
        let items = SECTIONS
            .iter()
            .filter(|(suffix, _)| visible(suffix))
            .map(|(suffix, label)| NavItem {
                href: format!("/reviews/{id}{suffix}"),
                label: (*label).to_owned(),
                current: *suffix == current,
            })
            .collect();
        Self {
            title: title.to_owned(),
            items,
        }
    }
}

/// Problems with a submitted form, in page order.
#[derive(Clone, Debug, Default)]
pub struct Errors {
    pub list: Vec<FieldError>,
}

/// One problem: the id of the field it is about, and what to do.
#[derive(Clone, Debug)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    /// Where the problem is put right when that is another page (the summary links there).
    pub href: Option<String>,
}

impl Errors {
    /// `value` if there are no errors, else the errors.
    pub fn or<T>(self, value: T) -> Result<T, Errors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// No errors.
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds an error for a field.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.list.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
            href: None,
        });
    }

    /// A problem put right on another page, which the summary links to.
    pub fn add_link(&mut self, message: impl Into<String>, href: impl Into<String>) {
        self.list.push(FieldError {
            field: String::new(),
            message: message.into(),
            href: Some(href.into()),
        });
    }

    /// The first message for a field, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.list
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Whether any error is about a field whose id starts with `prefix` (a group of rows).
    pub fn any_starting(&self, prefix: &str) -> bool {
        self.list.iter().any(|e| e.field.starts_with(prefix))
    }

    /// The CSS class for a field's group.
    pub fn group(&self, field: &str) -> &'static str {
        if self.get(field).is_some() {
            "form-group form-group--error"
        } else {
            "form-group"
        }
    }

    /// Converts application problems (named by record path) into form errors, mapping each
    /// path to the form field that shows it.
    pub fn from_problems(
        problems: &[casewindow_interchange::Problem],
        field_for: impl Fn(&str) -> String,
    ) -> Self {
        let mut errors = Self::none();
        for problem in problems {
            let field = field_for(&problem.path);
            errors.add(&field, sentence(&problem.path, &problem.reason));
        }
        errors
    }
}

/// "statement" + "is required" → "Statement is required".
fn sentence(path: &str, reason: &str) -> String {
    let name = path
        .rsplit('.')
        .next()
        .unwrap_or(path)
        .split('[')
        .next()
        .unwrap_or(path)
        .replace('_', " ");
    let mut chars = name.chars();
    let name = match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    };
    if reason.chars().next().is_some_and(char::is_uppercase) {
        reason.to_owned()
    } else {
        format!("{name} {reason}")
    }
}
