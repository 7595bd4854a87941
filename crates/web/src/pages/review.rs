//! Opening a review, its overview, lifecycle moves (with "check your answers") and history.

use super::portfolio::state_tag;
use super::text::{capitalise, key, parse_key};
use super::{Answer, Req, render, review_frame};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use casewindow_app::{AppError, NewReview, PartnershipChoice, Permission};
use casewindow_domain::ids::{PartnershipId, ReviewId};
use casewindow_domain::lifecycle::{Fix, ReviewState, TransitionRequest};
use casewindow_domain::organisation::Jurisdiction;
use casewindow_domain::review::{
    HarmType, LearningTogetherVariant, Methodology, Review, ReviewKind,
};
use casewindow_store::Store;
use serde::Deserialize;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reviews/new", get(new_form::<S>).post(create::<S>))
        .route("/reviews/{id}", get(overview::<S>))
        .route(
            "/reviews/{id}/transition",
            get(confirm::<S>).post(transition::<S>),
        )
        .route("/reviews/{id}/history", get(history::<S>))
}

pub(crate) const KINDS: [ReviewKind; 10] = [
    ReviewKind::LocalChildSafeguardingPracticeReview,
    ReviewKind::SeriousCaseReview,
    ReviewKind::NationalReview,
    ReviewKind::ChildPracticeReviewConcise,
    ReviewKind::ChildPracticeReviewExtended,
    ReviewKind::SingleUnifiedSafeguardingReview,
    ReviewKind::SafeguardingAdultReview,
    ReviewKind::LearningReview,
    ReviewKind::ThemedReview,
    ReviewKind::GoodPracticeReview,
];

const VARIANTS: [(&str, &str); 8] = [
    ("full", "Learning Together: full"),
    ("intensive", "Learning Together: intensive"),
    ("speed_plus", "Learning Together: Speed+"),
    ("mid_range", "Learning Together: mid-range"),
    ("focused", "Learning Together: focused"),
    ("themed", "Learning Together: themed"),
    ("silp", "Significant incident learning process"),
    ("other", "Another methodology"),
];

#[derive(Template)]
#[template(path = "review_new.html")]
struct NewReviewPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    partnerships: Vec<(String, String)>,
    kinds: Vec<(String, &'static str)>,
    variants: Vec<(&'static str, &'static str)>,
    harms: Vec<(String, &'static str)>,
}

impl NewReviewPage {
    fn selected(&self, field: &str, value: &str) -> bool {
        self.form.get(field) == value
    }

    fn ticked(&self, field: &str, value: &str) -> bool {
        self.form.all(field).iter().any(|v| v == value)
    }
}

async fn new_page<S: Store>(
    app: &AppState<S>,
    user: &casewindow_app::CurrentUser,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let partnerships = app
        .partnerships(&user.actor())
        .await?
        .into_iter()
        .map(|p| (p.id.to_string(), p.name))
        .collect();
    let frame = super::form_layout(user, "Open a new review", &errors);
    render(&NewReviewPage {
        layout: frame,
        errors,
        form,
        partnerships,
        kinds: KINDS.iter().map(|k| (key(k), k.label())).collect(),
        variants: VARIANTS.to_vec(),
        harms: HarmType::ALL.iter().map(|h| (key(h), h.label())).collect(),
    })
}

async fn new_form<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
) -> Result<Response, WebError> {
    if !user.actor().is_member() {
        return Err(WebError::NotFound);
    }
    new_page(&app, &user, FormData::default(), Errors::none()).await
}

/// What the new-review form asks for, read into the application's command, or the form's
/// errors.
/// The partnership the form names: one chosen from the list (an id that is none of them is
/// "not found"), or a new one by name.
fn partnership_from(
    form: &FormData,
    chosen: &str,
    new_partnership: String,
) -> Result<PartnershipChoice, WebError> {
    if new_partnership.is_empty() {
        let id = chosen
            .parse::<PartnershipId>()
            .map_err(|_| WebError::NotFound)?;
        return Ok(PartnershipChoice::Existing(id));
    }
    let jurisdiction = if form.get("jurisdiction") == "wales" {
        Jurisdiction::Wales
    } else {
        Jurisdiction::England
    };
    Ok(PartnershipChoice::New {
        name: new_partnership,
        jurisdiction,
    })
}

fn read_new_review(form: &FormData) -> Result<Result<NewReview, Errors>, WebError> {
    let mut errors = Errors::none();
    let title = form.get("title").trim().to_owned();
    if title.is_empty() {
        errors.add(
            "title",
            "Enter the review's pseudonymous title, for example Child W",
        );
    }
    let partnership_choice = form.get("partnership");
    let new_partnership = form.get("new_partnership").trim().to_owned();
    if partnership_choice.is_empty() && new_partnership.is_empty() {
        errors.add(
            "partnership",
            "Choose the partnership, or enter the name of a new one",
        );
    }
    let kind = parse_key::<ReviewKind>(&form.get("kind"));
    if kind.is_none() {
        errors.add("kind", "Choose the kind of review");
    }
    let methodology = match form.get("methodology").as_str() {
        "silp" => Some(Methodology::Silp),
        "other" => Some(Methodology::Other {
            name: "Other".to_owned(),
        }),
        key => parse_key::<LearningTogetherVariant>(key)
            .map(|variant| Methodology::LearningTogether { variant }),
    };
    if methodology.is_none() {
        errors.add("methodology", "Choose the methodology");
    }
    let dates: Vec<_> = [
        "period_start",
        "period_end",
        "local_authority_aware_on",
        "notified_on",
    ]
    .into_iter()
    .map(|field| form.date_noting(field, &mut errors))
    .collect();
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let partnership = partnership_from(form, &partnership_choice, new_partnership)?;
    let new = NewReview {
        title,
        partnership,
        kind: kind.unwrap_or(ReviewKind::LearningReview),
        methodology: methodology.unwrap_or(Methodology::LearningTogether {
            variant: LearningTogetherVariant::Full,
        }),
        period_start: dates[0],
        period_end: dates[1],
        local_authority_aware_on: dates[2],
        notified_on: dates[3],
        harm_types: form
            .all("harm")
            .iter()
            .filter_map(|k| parse_key(k))
            .collect(),
    };
    Ok(Ok(new))
}

async fn create<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    form: FormData,
) -> Result<Response, WebError> {
    if !user.actor().is_member() {
        return Err(WebError::NotFound);
    }
    let new = match read_new_review(&form)? {
        Ok(new) => new,
        Err(errors) => return new_page(&app, &user, form, errors).await,
    };
    match app
        .open_review(&user.actor(), new, Some(&form.get("once")))
        .await
    {
        Ok(review) => Ok(Redirect::to(&format!("/reviews/{}", review.record.id)).into_response()),
        Err(AppError::Invalid(problems)) => {
            let errors = Errors::from_problems(&problems, |path| {
                path.split('.').next().unwrap_or(path).to_owned()
            });
            new_page(&app, &user, form, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

/// A possible next move, with what stands in its way.
pub struct Step {
    pub state: String,
    pub label: &'static str,
    /// What the move still needs, each with the page where it is put right.
    pub reasons: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "review_overview.html")]
struct OverviewPage {
    layout: Layout,
    review: Review,
    id: String,
    state_tag: &'static str,
    partnership: String,
    deadlines: Vec<(String, String, String, String)>,
    steps: Vec<Step>,
    returns: Vec<(String, &'static str)>,
    can_manage: bool,
    counts: Vec<(&'static str, usize, String)>,
    /// The quality markers not yet met (not assessed, or assessed as not fully met).
    quality_unmet: Vec<&'static str>,
}

/// The page where what a lifecycle guard asks for is put right.
pub(crate) fn fix_path(id: ReviewId, fix: Fix) -> String {
    let review = format!("/reviews/{id}");
    match fix {
        Fix::Transition => format!("{review}#next-steps"),
        Fix::Details => format!("{review}/details"),
        Fix::Terms => format!("{review}/terms/edit"),
        Fix::Participants => format!("{review}/participants"),
        Fix::Chronology => format!("{review}/chronology"),
        Fix::Episodes => format!("{review}/kpes/new"),
        Fix::Episode(kpe) => format!("{review}/kpes/{kpe}"),
        Fix::Findings => format!("{review}/findings/new"),
        Fix::Finding(finding) => format!("{review}/findings/{finding}"),
        Fix::Testing => format!("{review}/sharing"),
        Fix::Actions => format!("{review}/actions"),
        Fix::Publication => format!("{review}/publication"),
        Fix::Versions => format!("{review}/report/versions"),
    }
}

async fn overview<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    let overview = app.overview(&user.actor(), id).await?;
    let mut frame = super::layout(
        &user,
        &format!("Overview – {}", overview.review.record.title),
        vec![
            ("/".to_owned(), "Your reviews".to_owned()),
            (
                format!("/reviews/{id}"),
                overview.review.record.title.clone(),
            ),
        ],
    );
    let permissions = overview.permissions.clone();
    frame.review_nav = Some(crate::layout::ReviewNav::new(
        id,
        &overview.review.record.title,
        "",
        |suffix| super::section_visible(&permissions, suffix),
    ));
    let review = overview.review.record;
    let partnership = app
        .partnership(&user.actor(), review.partnership_id)
        .await?
        .name;
    let deadlines = deadline_rows(&app, &review);
    let can_manage = overview.permissions.contains(&Permission::ManageLifecycle);
    let steps = overview
        .steps
        .into_iter()
        .map(|(state, reasons)| Step {
            state: key(&state),
            label: state.label(),
            reasons: reasons
                .iter()
                .map(|r| (capitalise(&r.text), fix_path(id, r.fix)))
                .collect(),
        })
        .collect();
    let returns = review
        .state
        .return_states()
        .iter()
        .map(|s| (key(s), s.label()))
        .collect();
    let counts = count_rows(id, &overview.counts);
    let quality_unmet = app
        .quality_markers(&user.actor(), id)
        .await?
        .into_iter()
        .filter(|m| m.unmet())
        .map(|m| m.marker.label())
        .collect();
    render(&OverviewPage {
        layout: frame,
        quality_unmet,
        state_tag: state_tag(review.state),
        id: id.to_string(),
        review,
        partnership,
        deadlines,
        steps,
        returns,
        can_manage,
        counts,
    })
}

/// The review's statutory deadlines as the overview lists them: (what, starts, due, status).
fn deadline_rows<S: Store>(
    app: &AppState<S>,
    review: &casewindow_domain::review::Review,
) -> Vec<(String, String, String, String)> {
    let today = app.today();
    app.deadlines(review)
        .into_iter()
        .map(|d| {
            let status = match d.met_on {
                Some(met) if d.met_late() => format!("Met late, on {}", met.format("%-d %B %Y")),
                Some(met) => format!("Met on {}", met.format("%-d %B %Y")),
                None => {
                    let left = d.working_days_left(app.calendar(), today);
                    if left < 0 {
                        format!("{} working days overdue", -left)
                    } else {
                        format!("{left} working days left")
                    }
                }
            };
            (
                d.kind.label().to_owned(),
                d.starts_on.format("%-d %B %Y").to_string(),
                d.due_on.format("%-d %B %Y").to_string(),
                status,
            )
        })
        .collect()
}

/// How much of each kind of record the review holds, with where to see them.
fn count_rows(
    id: ReviewId,
    counts: &casewindow_app::OverviewCounts,
) -> Vec<(&'static str, usize, String)> {
    vec![
        (
            "Chronology entries",
            counts.chronology_entries,
            format!("/reviews/{id}/chronology"),
        ),
        (
            "Conversations",
            counts.conversations,
            format!("/reviews/{id}/conversations"),
        ),
        (
            "Key practice episodes",
            counts.kpes,
            format!("/reviews/{id}/kpes"),
        ),
        (
            "Findings",
            counts.findings,
            format!("/reviews/{id}/findings"),
        ),
        ("Actions", counts.actions, format!("/reviews/{id}/actions")),
    ]
}

#[derive(Deserialize)]
struct MoveQuery {
    // Defaults, so that a malformed address is answered after authorisation, as "not found".
    #[serde(default)]
    action: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "review_transition.html")]
struct ConfirmPage {
    layout: Layout,
    errors: Errors,
    id: String,
    version: i64,
    action: String,
    to: String,
    heading: String,
    from_label: &'static str,
    to_label: String,
    needs_reason: bool,
    reason: String,
}

fn describe_move(review: &Review, action: &str, to: &str) -> Option<(String, String, bool)> {
    match action {
        "advance" => {
            let state: ReviewState = parse_key(to)?;
            Some((
                format!("Move the review to {}", state.label()),
                state.label().to_owned(),
                false,
            ))
        }
        "return" => {
            let state: ReviewState = parse_key(to)?;
            Some((
                format!("Return the review to {}", state.label()),
                state.label().to_owned(),
                true,
            ))
        }
        "hold" => Some((
            "Put the review on hold".to_owned(),
            "On hold".to_owned(),
            true,
        )),
        "resume" => {
            let prior = review.on_hold.as_ref()?.prior_state;
            Some((
                format!("Resume the review at {}", prior.label()),
                prior.label().to_owned(),
                false,
            ))
        }
        "withdraw" => Some((
            "Withdraw the review".to_owned(),
            "Withdrawn".to_owned(),
            true,
        )),
        _ => None,
    }
}

async fn confirm_page<S: Store>(
    app: &AppState<S>,
    user: &casewindow_app::CurrentUser,
    id: ReviewId,
    action: &str,
    to: &str,
    reason: String,
    errors: Errors,
) -> Result<Response, WebError> {
    let (stored, mut frame) = review_frame(app, user, id, "", "Check your answers").await?;
    app.authorize(&user.actor(), id, Permission::ManageLifecycle)
        .await?;
    let (heading, to_label, needs_reason) =
        describe_move(&stored.record, action, to).ok_or(WebError::NotFound)?;
    frame.has_errors = !errors.is_empty();
    render(&ConfirmPage {
        layout: frame,
        errors,
        id: id.to_string(),
        version: stored.meta.version,
        action: action.to_owned(),
        to: to.to_owned(),
        heading,
        from_label: stored.record.state.label(),
        to_label,
        needs_reason,
        reason,
    })
}

async fn confirm<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
    Query(query): Query<MoveQuery>,
) -> Result<Response, WebError> {
    confirm_page(
        &app,
        &user,
        id,
        &query.action,
        &query.to,
        String::new(),
        Errors::none(),
    )
    .await
}

async fn transition<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    super::require(&app, &user, id, casewindow_app::Permission::ManageLifecycle).await?;
    let action = form.get("action");
    let to = form.get("to");
    let reason = form.get("reason").trim().to_owned();
    let version = form.number("version").ok().flatten().unwrap_or(0);
    let request = match action.as_str() {
        "advance" => TransitionRequest::Advance(parse_key(&to).ok_or(WebError::NotFound)?),
        "return" => TransitionRequest::ReturnTo {
            state: parse_key(&to).ok_or(WebError::NotFound)?,
            reason: reason.clone(),
        },
        "hold" => TransitionRequest::PutOnHold {
            reason: reason.clone(),
        },
        "resume" => TransitionRequest::Resume,
        "withdraw" => TransitionRequest::Withdraw {
            reason: reason.clone(),
        },
        _ => return Err(WebError::NotFound),
    };
    let mut errors = Errors::none();
    match app.transition(&user.actor(), id, version, &request).await {
        Ok(_) => return Ok(Redirect::to(&format!("/reviews/{id}")).into_response()),
        Err(AppError::Refused(refused)) => {
            let field = if refused.reasons.iter().any(|r| r == "a reason is required") {
                "reason"
            } else {
                "confirm"
            };
            for (reason, fix) in refused.reasons.iter().zip(&refused.fixes) {
                if reason == "a reason is required" {
                    errors.add(field, "Enter the reason");
                } else if *fix == Fix::Transition {
                    errors.add(field, capitalise(reason));
                } else {
                    // The summary links to the page where the missing fact is recorded.
                    errors.add_link(capitalise(reason), fix_path(id, *fix));
                }
            }
        }
        Err(AppError::Conflict(_)) => {
            errors.add("confirm", "Someone else changed this review since you opened the page. Check the overview and try again.");
        }
        Err(other) => return Err(other.into()),
    }
    confirm_page(&app, &user, id, &action, &to, reason, errors).await
}

#[derive(Template)]
#[template(path = "review_history.html")]
struct HistoryPage {
    layout: Layout,
    rows: Vec<(String, &'static str, &'static str, String, String)>,
}

async fn history<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    let (_, frame) = review_frame(&app, &user, id, "/history", "Lifecycle history").await?;
    let actor = user.actor();
    let transitions = app.lifecycle_history(&actor, id).await?;
    let names = app.user_names(&actor).await?;
    let rows = transitions
        .iter()
        .rev()
        .map(|t| {
            let who =
                t.by.and_then(|u| names.get(&u).cloned())
                    .unwrap_or_else(|| "casewindow (system)".to_owned());
            (
                t.transition.on.format("%-d %B %Y").to_string(),
                t.transition.from.label(),
                t.transition.to.label(),
                t.transition.reason.clone().unwrap_or_default(),
                who,
            )
        })
        .collect();
    render(&HistoryPage {
        layout: frame,
        rows,
    })
}
