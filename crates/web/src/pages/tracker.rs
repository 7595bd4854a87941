//! The partnership-wide action tracker across reviews.

use super::actions::standing;
use super::text::{key, parse_key};
use super::{layout, render};
use crate::AppState;
use crate::error::WebError;
use crate::layout::Layout;
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use casewindow_domain::response::ActionStatus;
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new().route("/actions", get(show::<S>))
}

#[derive(serde::Deserialize, Default)]
struct Filter {
    #[serde(default)]
    status: String,
    #[serde(default)]
    review: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    overdue: String,
}

struct Row {
    review: String,
    review_href: String,
    finding: String,
    description: String,
    owner: String,
    due: String,
    status: &'static str,
    tag: &'static str,
    /// The status last recorded, when the action is shown as overdue instead.
    recorded: String,
    impact: usize,
}

#[derive(Template)]
#[template(path = "tracker.html")]
struct TrackerPage {
    layout: Layout,
    rows: Vec<Row>,
    total: usize,
    counts: Vec<(&'static str, usize)>,
    overdue: usize,
    statuses: Vec<(String, &'static str, bool)>,
    reviews: Vec<(String, String, bool)>,
    owners: Vec<(String, bool)>,
    overdue_only: bool,
    filtered: bool,
}

async fn show<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    let all = app.action_tracker(&user.actor()).await?;
    let status = parse_key::<ActionStatus>(&filter.status);
    let overdue_only = filter.overdue == "yes";
    let selected: Vec<_> = all
        .iter()
        .filter(|t| status.is_none_or(|s| t.action.status == s))
        .filter(|t| filter.review.is_empty() || t.review_id.to_string() == filter.review)
        .filter(|t| filter.owner.is_empty() || t.owner == filter.owner)
        .filter(|t| !overdue_only || t.overdue)
        .collect();
    let mut reviews: Vec<(String, String, bool)> = Vec::new();
    let mut owners: Vec<(String, bool)> = Vec::new();
    for t in &all {
        let id = t.review_id.to_string();
        if !reviews.iter().any(|(i, _, _)| *i == id) {
            reviews.push((id.clone(), t.review_title.clone(), id == filter.review));
        }
        if !owners.iter().any(|(o, _)| *o == t.owner) {
            owners.push((t.owner.clone(), t.owner == filter.owner));
        }
    }
    reviews.sort_by(|a, b| a.1.cmp(&b.1));
    owners.sort();
    let counts = ActionStatus::ALL
        .iter()
        .map(|s| {
            (
                s.label(),
                // An overdue action counts as overdue only, as it is shown.
                selected
                    .iter()
                    .filter(|t| !t.overdue && t.action.status == *s)
                    .count(),
            )
        })
        .collect();
    let overdue = selected.iter().filter(|t| t.overdue).count();
    let rows = selected.iter().map(|t| row(t)).collect();
    render(&TrackerPage {
        layout: layout(
            &user,
            "Action tracker",
            vec![("/".to_owned(), "Your reviews".to_owned())],
        ),
        total: all.len(),
        rows,
        counts,
        overdue,
        statuses: ActionStatus::ALL
            .iter()
            .map(|s| (key(s), s.label(), status == Some(*s)))
            .collect(),
        reviews,
        owners,
        overdue_only,
        filtered: status.is_some()
            || !filter.review.is_empty()
            || !filter.owner.is_empty()
            || overdue_only,
    })
}

/// One action as the tracker's table shows it.
fn row(t: &casewindow_app::tracker::TrackedAction) -> Row {
    let (status, tag, recorded) = standing(t.action.status, t.overdue);
    Row {
        review: t.review_title.clone(),
        review_href: format!("/reviews/{}/actions", t.review_id),
        finding: t
            .finding_number
            .map(|n| format!("Finding {n}"))
            .unwrap_or_default(),
        description: t.action.description.clone(),
        owner: t.owner.clone(),
        due: t
            .action
            .due_on
            .map(|d| d.format("%-d %b %Y").to_string())
            .unwrap_or_else(|| "No date".to_owned()),
        status,
        tag,
        recorded,
        impact: t.action.impact_evidence.len(),
    }
}
