//! The portfolio dashboard: every review the user takes part in, with its state, next
//! statutory deadline and any on-hold reason.

use super::{layout, render};
use crate::AppState;
use crate::error::WebError;
use crate::layout::Layout;
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new().route("/", get(show::<S>))
}

/// One row of the dashboard, ready to show.
pub struct Row {
    /// Where the review opens for this user: its overview, or what is shared with them.
    pub href: String,
    pub title: String,
    pub partnership: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub state_tag: &'static str,
    pub deadline: String,
    pub deadline_tag: &'static str,
    pub days_left: String,
    pub on_hold: String,
}

/// The portfolio's filters, as the address gives them.
#[derive(Debug, Default, serde::Deserialize)]
struct Filters {
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    partnership: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    page: Option<usize>,
}

#[derive(Template)]
#[template(path = "portfolio.html")]
struct PortfolioPage {
    layout: Layout,
    rows: Vec<Row>,
    q: String,
    /// (value, label, chosen)
    states: Vec<(String, &'static str, bool)>,
    partnerships: Vec<(String, String, bool)>,
    roles: Vec<(String, &'static str, bool)>,
    total: usize,
    matching: usize,
    first: usize,
    last: usize,
    /// Links to the pages before and after, when there are any.
    previous: String,
    next: String,
    page: usize,
    pages: usize,
    /// What the user is waiting to do (check-backs, invitations), each with its link.
    waiting: Vec<WaitingRow>,
    /// How many more are waiting than are listed.
    waiting_more: usize,
    is_admin: bool,
    is_analyst: bool,
}

/// Things waiting for the user listed at most; the rest are counted.
const WAITING_SHOWN: usize = 20;

/// Something waiting for the user, as the home page lists it.
struct WaitingRow {
    text: String,
    /// Where to do it; empty when there is nothing to do here.
    href: String,
}

/// The tag colour for a lifecycle state.
pub fn state_tag(state: casewindow_domain::lifecycle::ReviewState) -> &'static str {
    use casewindow_domain::lifecycle::ReviewState::*;
    match state {
        OnHold => "tag tag--orange",
        Withdrawn | Archived | Closed | NoFurtherReview => "tag tag--grey",
        Published | ActionMonitoring => "tag tag--green",
        Notified | RapidReviewInProgress | RapidReviewSubmitted => "tag tag--red",
        _ => "tag",
    }
}

async fn show<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    axum::extract::Query(filters): axum::extract::Query<Filters>,
) -> Result<Response, WebError> {
    let query = casewindow_app::PortfolioQuery {
        text: filters.q.trim().to_owned(),
        state: super::text::parse_key(&filters.state),
        partnership: filters.partnership.parse().ok(),
        role: super::text::parse_key(&filters.role),
        page: filters.page.unwrap_or(1),
    };
    let portfolio = app.portfolio(&user.actor(), &query).await?;
    let link = |page: usize| {
        let mut pairs = vec![("page", page.to_string())];
        for (name, value) in [
            ("q", &filters.q),
            ("state", &filters.state),
            ("partnership", &filters.partnership),
            ("role", &filters.role),
        ] {
            if !value.trim().is_empty() {
                pairs.push((name, value.trim().to_owned()));
            }
        }
        let encoded: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", super::text::url_encode(v)))
            .collect();
        format!("/?{}", encoded.join("&"))
    };
    let (page, pages) = (portfolio.page, portfolio.pages);
    let first = (page - 1) * casewindow_app::PORTFOLIO_PAGE + 1;
    let last = (first + portfolio.rows.len()).saturating_sub(1);
    let states = portfolio
        .states
        .iter()
        .map(|s| {
            (
                super::text::key(s),
                s.label(),
                super::text::key(s) == filters.state,
            )
        })
        .collect();
    let partnerships = portfolio
        .partnerships
        .iter()
        .map(|p| {
            (
                p.id.to_string(),
                p.name.clone(),
                p.id.to_string() == filters.partnership,
            )
        })
        .collect();
    let roles = portfolio
        .roles
        .iter()
        .map(|r| {
            (
                super::text::key(r),
                r.label(),
                super::text::key(r) == filters.role,
            )
        })
        .collect();
    let (total, matching) = (portfolio.total, portfolio.matching);
    let rows = portfolio
        .rows
        .into_iter()
        .map(|summary| {
            let review = &summary.review.record;
            let (deadline, days_left, deadline_tag) =
                match (&summary.next_deadline, summary.working_days_left) {
                    (Some(deadline), Some(left)) => {
                        let tag = if left < 0 {
                            "tag tag--red"
                        } else if left <= 3 {
                            "tag tag--yellow"
                        } else {
                            "tag tag--grey"
                        };
                        let days = if left < 0 {
                            format!("{} working days overdue", -left)
                        } else if left == 0 {
                            "due today".to_owned()
                        } else {
                            format!("{left} working days left")
                        };
                        (
                            format!(
                                "{} by {}",
                                deadline.kind.label(),
                                deadline.due_on.format("%-d %B %Y")
                            ),
                            days,
                            tag,
                        )
                    }
                    _ => (String::new(), String::new(), ""),
                };
            Row {
                href: if summary.readable {
                    format!("/reviews/{}", review.id)
                } else {
                    format!("/reviews/{}/shared", review.id)
                },
                title: review.title.clone(),
                partnership: summary.partnership.name.clone(),
                kind: review.kind.label(),
                state: review.state.label(),
                state_tag: state_tag(review.state),
                deadline,
                deadline_tag,
                days_left,
                on_hold: review
                    .on_hold
                    .as_ref()
                    .map(|h| h.reason.clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let all_waiting = app.waiting_for(&user.actor()).await?;
    let waiting_more = all_waiting.len().saturating_sub(WAITING_SHOWN);
    let waiting = all_waiting
        .into_iter()
        .take(WAITING_SHOWN)
        .map(|w| match w {
            casewindow_app::Waiting::CheckBack {
                review_title,
                conversation,
                sent_on,
            } => WaitingRow {
                text: format!(
                    "{review_title}: check the record of your conversation (sent {})",
                    sent_on.format("%-d %B %Y")
                ),
                href: format!("/check-back/{conversation}"),
            },
            casewindow_app::Waiting::Shared {
                review,
                review_title,
                items,
                versions,
            } => {
                let mut parts = Vec::new();
                if items > 0 {
                    parts.push(format!(
                        "{items} draft{} shared with you",
                        if items == 1 { "" } else { "s" }
                    ));
                }
                if versions > 0 {
                    parts.push(format!(
                        "{versions} report version{} for you",
                        if versions == 1 { "" } else { "s" }
                    ));
                }
                WaitingRow {
                    text: format!(
                        "{review_title}: {} to read and comment on",
                        parts.join(" and ")
                    ),
                    href: format!("/reviews/{review}/shared"),
                }
            }
            casewindow_app::Waiting::Invitation {
                review_title,
                invited_on,
            } => WaitingRow {
                text: format!(
                    "{review_title}: you were invited to take part on {}; the lead reviewer will \
                     ask whether you agree",
                    invited_on.format("%-d %B %Y")
                ),
                href: String::new(),
            },
        })
        .collect();
    render(&PortfolioPage {
        layout: layout(&user, "Your reviews", vec![]),
        rows,
        q: filters.q.trim().to_owned(),
        states,
        partnerships,
        roles,
        total,
        matching,
        first,
        last,
        previous: if page > 1 {
            link(page - 1)
        } else {
            String::new()
        },
        next: if page < pages {
            link(page + 1)
        } else {
            String::new()
        },
        page,
        pages,
        waiting,
        waiting_more,
        is_admin: user.platform_admin,
        is_analyst: user.national_analyst,
    })
}
