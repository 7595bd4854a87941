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
use casewindow_app::tracker::{TRACKER_PAGE, TrackerQuery};
use casewindow_domain::ids::{AgencyId, ReviewId};
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
    #[serde(default)]
    page: String,
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
    matching: usize,
    counts: Vec<(&'static str, usize)>,
    overdue: usize,
    statuses: Vec<(String, &'static str, bool)>,
    /// Every review with an action, when few enough to list.
    reviews: Option<Vec<(String, String, bool)>>,
    /// The review chosen, when the reviews are not listed.
    review: String,
    owners: Vec<(String, String, bool)>,
    overdue_only: bool,
    filtered: bool,
    page: usize,
    pages: usize,
    first: usize,
    last: usize,
    previous: String,
    next: String,
}

async fn show<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    let status = parse_key::<ActionStatus>(&filter.status);
    let overdue_only = filter.overdue == "yes";
    let review = uuid::Uuid::parse_str(filter.review.trim()).ok();
    let owner = uuid::Uuid::parse_str(filter.owner.trim()).ok();
    let query = TrackerQuery {
        status,
        review: review.map(ReviewId),
        owner: owner.map(AgencyId),
        overdue_only,
        page: filter.page.trim().parse().unwrap_or(1),
    };
    let found = app.action_tracker_page(&user.actor(), &query).await?;
    let counts = found
        .by_status
        .iter()
        .map(|(s, n)| (s.label(), *n))
        .collect();
    let rows: Vec<Row> = found.rows.iter().map(row).collect();
    let first = if rows.is_empty() {
        0
    } else {
        (found.page - 1) * TRACKER_PAGE + 1
    };
    let last = (first + rows.len()).saturating_sub(1);
    let link = |page: usize| {
        let mut parts: Vec<String> = [
            ("status", filter.status.as_str()),
            ("review", filter.review.as_str()),
            ("owner", filter.owner.as_str()),
            ("overdue", filter.overdue.as_str()),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", super::text::url_encode(v)))
        .collect();
        parts.push(format!("page={page}"));
        format!("/actions?{}", parts.join("&"))
    };
    let chosen_review = review.map(|r| r.to_string()).unwrap_or_default();
    render(&TrackerPage {
        layout: layout(
            &user,
            "Action tracker",
            vec![("/".to_owned(), "Your reviews".to_owned())],
        ),
        total: found.total,
        matching: found.matching,
        rows,
        counts,
        overdue: found.overdue,
        statuses: ActionStatus::ALL
            .iter()
            .map(|s| (key(s), s.label(), status == Some(*s)))
            .collect(),
        reviews: found.reviews.map(|list| {
            list.into_iter()
                .map(|(id, title)| {
                    let id = id.to_string();
                    let chosen = id == chosen_review;
                    (id, title, chosen)
                })
                .collect()
        }),
        review: chosen_review.clone(),
        owners: found
            .owners
            .into_iter()
            .map(|(id, name)| (id.to_string(), name, Some(id.0) == owner))
            .collect(),
        overdue_only,
        filtered: status.is_some() || review.is_some() || owner.is_some() || overdue_only,
        previous: if found.page > 1 {
            link(found.page - 1)
        } else {
            String::new()
        },
        next: if found.page < found.pages {
            link(found.page + 1)
        } else {
            String::new()
        },
        page: found.page,
        pages: found.pages,
        first,
        last,
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
