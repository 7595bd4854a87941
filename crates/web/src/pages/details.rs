//! The review's own details: title and period, statutory dates and the rapid review decision,
//! parallel processes; and the publication records (anonymisation sign-off and the
//! publication decision), confirmed on a "check your answers" page before they are saved.

use super::edit::{self, At, Page, RecordPage, Shown};
use super::text::{choices, key, parse_key};
use super::{Answer, Req, render};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use casewindow_app::{CurrentUser, Permission};
use casewindow_domain::ids::ReviewId;
use casewindow_domain::review::{
    AnonymisationSignOff, ParallelProcess, ParallelProcessKind, ParallelProcessStatus,
    PublicationDecision, PublicationOutcome, RapidReviewDecision, RapidReviewOutcome, Review,
};
use casewindow_store::Store;
use casewindow_store::Stored;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route(
            "/reviews/{id}/details",
            get(details::<S>).post(save_details::<S>),
        )
        .route("/reviews/{id}/details/processes", post(add_process::<S>))
        .route(
            "/reviews/{id}/details/processes/conclude",
            post(conclude_process::<S>),
        )
        .route(
            "/reviews/{id}/publication",
            get(publication::<S>).post(check_publication::<S>),
        )
        .route(
            "/reviews/{id}/publication/confirm",
            post(confirm_publication::<S>),
        )
}

fn date_text(date: Option<chrono::NaiveDate>) -> String {
    date.map(|d| d.to_string()).unwrap_or_default()
}

/// A parallel process (criminal, coroner's, disciplinary...) as listed.
struct ProcessRow {
    index: usize,
    kind: &'static str,
    active: bool,
    /// Who liaises with it.
    contact: String,
    constraints: String,
    blocks_publication: bool,
}

#[derive(Template)]
#[template(path = "details.html")]
struct DetailsPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    outcomes: Vec<super::text::Choice>,
    process_kinds: Vec<super::text::Choice>,
    processes: Vec<ProcessRow>,
    version: i64,
}

fn details_form(stored: &Stored<Review>) -> FormData {
    let review = &stored.record;
    let mut form = FormData::default();
    form.push("version", stored.meta.version.to_string());
    form.push("title", review.title.clone());
    form.push("period_start", date_text(review.period_start));
    form.push("period_end", date_text(review.period_end));
    let dates = &review.statutory;
    form.push("incident_on", date_text(dates.incident_on));
    form.push(
        "local_authority_aware_on",
        date_text(dates.local_authority_aware_on),
    );
    form.push("notified_on", date_text(dates.notified_on));
    form.push(
        "rapid_review_submitted_on",
        date_text(dates.rapid_review_submitted_on),
    );
    if let Some(decision) = &dates.rapid_review_decision {
        form.push("decision", key(&decision.outcome));
        form.push("decision_rationale", decision.rationale.clone());
        form.push("decided_on", decision.decided_on.to_string());
    }
    form
}

async fn details_page<S: Store>(at: At<'_, S>, form: Option<FormData>, errors: Errors) -> Answer {
    let id = at.review;
    let (stored, frame) = at.frame("", "Review details", &errors).await?;
    let processes = stored
        .record
        .parallel_processes
        .iter()
        .enumerate()
        .map(|(index, p)| ProcessRow {
            index,
            kind: p.kind.label(),
            active: p.status == ParallelProcessStatus::Active,
            contact: p.contact.clone(),
            constraints: p.constraints.clone(),
            blocks_publication: p.blocks_publication,
        })
        .collect();
    render(&DetailsPage {
        layout: frame,
        errors,
        form: form.unwrap_or_else(|| details_form(&stored)),
        id: id.to_string(),
        outcomes: choices(RapidReviewOutcome::ALL, RapidReviewOutcome::label),
        process_kinds: choices(ParallelProcessKind::ALL, ParallelProcessKind::label),
        processes,
        version: stored.meta.version,
    })
}

async fn details<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    super::require(&app, &user, id, casewindow_app::Permission::ManageLifecycle).await?;
    details_page(At::new(&app, &user, id), None, Errors::none()).await
}

impl RecordPage for Review {
    const SECTION: &'static str = "";
    const PERMISSION: Permission = Permission::ManageLifecycle;
    const EDITED: &'static str = "updated the review's details";

    fn field_for(&self, path: &str) -> String {
        match path.rsplit('.').next().unwrap_or(path) {
            "rationale" => "decision_rationale".to_owned(),
            other => other.to_owned(),
        }
    }

    fn saved_href(&self) -> String {
        format!("/reviews/{}", self.id)
    }

    fn edit_href(&self) -> String {
        format!("/reviews/{}/details", self.id)
    }

    fn page<'a, S: Store>(at: At<'a, S>, shown: Shown<'a, Self>) -> Page<'a> {
        Box::pin(details_page(
            At::new(at.app, at.user, at.review),
            Some(shown.form),
            shown.errors,
        ))
    }
}

/// Changes the review as `change` says, from the version the details page was opened at;
/// where it is refused, the details page shows the details form as the user typed it, or (for
/// the parallel-process forms) as stored, with the process form as typed.
async fn change_review<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    (id, form): (ReviewId, &FormData),
    reason: &str,
    details_typed: bool,
    change: impl Fn(&Review) -> Result<Review, Errors> + Send + Sync,
) -> Result<Response, WebError> {
    let shown = |current: &Stored<Review>| {
        if details_typed {
            return form.clone();
        }
        let mut shown = details_form(current);
        for name in ["process_kind", "contact", "constraints"] {
            shown.set(name, form.get(name));
        }
        shown
    };
    edit::change::<S, Review>(app, user, id, id.0, form, reason, change, shown).await
}

/// The review with the details form's title, period, statutory dates and decision.
fn details_from(form: &FormData, current: &Review) -> Result<Review, Errors> {
    let mut review = current.clone();
    let mut errors = Errors::none();
    let mut date = |field: &str| form.date_noting(field, &mut errors);
    review.period_start = date("period_start");
    review.period_end = date("period_end");
    review.statutory.incident_on = date("incident_on");
    review.statutory.local_authority_aware_on = date("local_authority_aware_on");
    review.statutory.notified_on = date("notified_on");
    review.statutory.rapid_review_submitted_on = date("rapid_review_submitted_on");
    let decided_on = date("decided_on");
    review.title = form.get("title").trim().to_owned();
    review.statutory.rapid_review_decision =
        match parse_key::<RapidReviewOutcome>(&form.get("decision")) {
            Some(outcome) => match decided_on {
                Some(decided_on) => Some(RapidReviewDecision {
                    outcome,
                    rationale: form.get("decision_rationale").trim().to_owned(),
                    decided_on,
                }),
                None => {
                    errors.add("decided_on", "Enter the date of the rapid review decision");
                    None
                }
            },
            None => None,
        };
    errors.or(review)
}

async fn save_details<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    let reason = Review::EDITED;
    change_review(&app, &user, (id, &form), reason, true, |current| {
        details_from(&form, current)
    })
    .await
}

async fn add_process<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    let reason = "recorded a parallel process";
    change_review(&app, &user, (id, &form), reason, false, |current| {
        let Some(kind) = parse_key::<ParallelProcessKind>(&form.get("process_kind")) else {
            let mut errors = Errors::none();
            errors.add("process_kind", "Choose the kind of process");
            return Err(errors);
        };
        let mut review = current.clone();
        review.parallel_processes.push(ParallelProcess {
            kind,
            status: ParallelProcessStatus::Active,
            contact: form.get("contact").trim().to_owned(),
            constraints: form.get("constraints").trim().to_owned(),
            blocks_publication: form.checked("blocks_publication"),
        });
        Ok(review)
    })
    .await
}

async fn conclude_process<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    let index = form.index("index").ok_or(WebError::NotFound)?;
    let reason = "a parallel process concluded";
    change_review(&app, &user, (id, &form), reason, false, |current| {
        let mut review = current.clone();
        match review.parallel_processes.get_mut(index) {
            Some(process) => process.status = ParallelProcessStatus::Concluded,
            None => {
                let mut errors = Errors::none();
                errors.add("process_kind", "That process is no longer recorded");
                return Err(errors);
            }
        }
        Ok(review)
    })
    .await
}

#[derive(Template)]
#[template(path = "publication.html")]
struct PublicationPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    outcomes: Vec<super::text::Choice>,
    checking: bool,
    summary: Vec<(&'static str, String)>,
    /// How many possible identifiers the scan the form names showed (from the kept run).
    scan_hits: Option<u32>,
    /// Whether the recorded sign-off no longer covers the documents as they stand.
    stale: bool,
    /// What was just recorded, confirmed back (after a save).
    recorded: Vec<(&'static str, String)>,
}

fn publication_form(stored: &Stored<Review>) -> FormData {
    let mut form = FormData::default();
    form.push("version", stored.meta.version.to_string());
    if let Some(sign_off) = &stored.record.anonymisation_sign_off {
        form.push("signed_off", "yes");
        form.push("residual_risks", sign_off.residual_risks.clone());
        form.push("signed_off_on", sign_off.signed_off_on.to_string());
    }
    if let Some(decision) = &stored.record.publication {
        form.push("outcome", key(&decision.outcome));
        form.push("reasons", decision.reasons.clone());
        form.push("decision_on", decision.decided_on.to_string());
        form.push("sent_to_panel_on", date_text(decision.sent_to_panel_on));
        form.push("published_on", date_text(decision.published_on));
        form.push("remove_after", date_text(decision.remove_after));
    }
    form
}

async fn publication_page<S: Store>(
    at: At<'_, S>,
    form: Option<FormData>,
    errors: Errors,
    summary: Vec<(&'static str, String)>,
) -> Answer {
    let (app, user, id) = (at.app, at.user, at.review);
    let (stored, frame) = at.frame("/publication", "Publication", &errors).await?;
    let form = form.unwrap_or_else(|| publication_form(&stored));
    let scan = form.get("scan");
    let scan_hits = if scan.is_empty() {
        None
    } else {
        app.scan_run(&user.actor(), id, &scan)
            .await?
            .map(|run| run.hits)
    };
    let stale = app.sign_off_current(&user.actor(), id).await? == Some(false);
    let recorded = if form.get("recorded") == "yes" {
        publication_summary(&stored.record)
    } else {
        Vec::new()
    };
    render(&PublicationPage {
        layout: frame,
        errors,
        scan_hits,
        stale,
        recorded,
        form,
        id: id.to_string(),
        outcomes: choices(PublicationOutcome::ALL, PublicationOutcome::label),
        checking: !summary.is_empty(),
        summary,
    })
}

async fn publication<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
    axum::extract::Query(scan): axum::extract::Query<ScanQuery>,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::ManageLifecycle).await?;
    let stored = app.review(&user.actor(), id).await?;
    let mut form = publication_form(&stored);
    if let Some(run) = scan.scan {
        form.set("scan", run);
    }
    if scan.recorded.is_some() {
        form.set("recorded", "yes");
    }
    publication_page(
        At::new(&app, &user, id),
        Some(form),
        Errors::none(),
        Vec::new(),
    )
    .await
}

/// What the identifier scan hands to the sign-off: the id of the kept scan run.
#[derive(serde::Deserialize)]
struct ScanQuery {
    scan: Option<String>,
    /// Set after a save: the page confirms what was recorded.
    recorded: Option<String>,
}

/// The scan a new sign-off rests on (see [`casewindow_app::App::scan_for_sign_off`]): `None`
/// when the form signs nothing off newly, the refusal's words when the scan does not hold.
async fn sign_off_scan<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    stored: &Review,
    form: &FormData,
) -> Result<Result<Option<casewindow_store::ScanRun>, String>, WebError> {
    // A sign-off already recorded stands unless the form brings a new scan to rest one on.
    let new_scan = !form.get("scan").trim().is_empty();
    if !form.checked("signed_off") || (stored.anonymisation_sign_off.is_some() && !new_scan) {
        return Ok(Ok(None));
    }
    match app
        .scan_for_sign_off(&user.actor(), id, &form.get("scan"))
        .await
    {
        Ok(run) => Ok(Ok(Some(run))),
        Err(casewindow_app::AppError::Invalid(problems)) => Ok(Err(problems
            .into_iter()
            .map(|p| p.reason)
            .collect::<Vec<_>>()
            .join(" "))),
        Err(other) => Err(other.into()),
    }
}

/// Reads the publication form into the review, or the errors.
fn apply_publication(
    form: &FormData,
    user: &CurrentUser,
    mut review: Review,
    scan: Option<&casewindow_store::ScanRun>,
) -> Result<Review, Errors> {
    let mut errors = Errors::none();
    let mut date = |field: &str| form.date_noting(field, &mut errors);
    let signed_off_on = date("signed_off_on");
    let decided_on = date("decision_on");
    let sent_to_panel_on = date("sent_to_panel_on");
    let published_on = date("published_on");
    let remove_after = date("remove_after");
    if form.checked("signed_off") {
        match signed_off_on {
            Some(signed_off_on) => {
                let earlier = review.anonymisation_sign_off.take();
                // A new scan makes a new sign-off, by whoever signs now, covering what it read;
                // otherwise the sign-off recorded stands as it was.
                // What the scan's runner judged not identifying comes from the kept scan.
                let (by, hits, fingerprint, accepted) = match (scan, earlier) {
                    (Some(run), _) => (
                        user.user.id,
                        Some(run.hits),
                        Some(run.fingerprint.clone()),
                        run.accepted.clone(),
                    ),
                    (None, Some(e)) => (e.signed_off_by, e.scan_hits, e.fingerprint, e.accepted),
                    (None, None) => (user.user.id, None, None, Vec::new()),
                };
                review.anonymisation_sign_off = Some(AnonymisationSignOff {
                    signed_off_by: by,
                    signed_off_on,
                    residual_risks: form.get("residual_risks").trim().to_owned(),
                    scan_hits: hits,
                    fingerprint,
                    accepted,
                })
            }
            None => errors.add("signed_off_on", "Enter the date of the sign-off"),
        }
    } else {
        review.anonymisation_sign_off = None;
    }
    review.publication = match parse_key::<PublicationOutcome>(&form.get("outcome")) {
        Some(outcome) => match decided_on {
            Some(decided_on) => Some(PublicationDecision {
                outcome,
                reasons: form.get("reasons").trim().to_owned(),
                decided_on,
                sent_to_panel_on,
                published_on,
                remove_after,
            }),
            None => {
                errors.add("decision_on", "Enter the date of the decision");
                None
            }
        },
        None => None,
    };
    errors.or(review)
}

/// What the "check your answers" page lists for a publication decision and sign-off.
fn publication_summary(review: &Review) -> Vec<(&'static str, String)> {
    let mut summary = vec![(
        "Anonymisation sign-off",
        match &review.anonymisation_sign_off {
            Some(s) => format!(
                "Signed off on {}{}.{} Residual risks: {}",
                s.signed_off_on.format("%-d %B %Y"),
                s.scan_hits
                    .map(|n| format!(
                        ", after an identifier scan that showed {n} possible identifying details"
                    ))
                    .unwrap_or_default(),
                if s.accepted.is_empty() {
                    String::new()
                } else {
                    format!(
                        " Judged not identifying: {}.",
                        s.accepted
                            .iter()
                            .map(|a| format!("“{}” ({}): {}", a.text, a.kind, a.reason))
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                },
                if s.residual_risks.is_empty() {
                    "none recorded"
                } else {
                    &s.residual_risks
                }
            ),
            None => "Not signed off".to_owned(),
        },
    )];
    if let Some(decision) = &review.publication {
        summary.push((
            "Decision",
            format!(
                "{} ({})",
                decision.outcome.label(),
                decision.decided_on.format("%-d %B %Y")
            ),
        ));
        if !decision.reasons.is_empty() {
            summary.push(("Reasons", decision.reasons.clone()));
        }
        for (name, date) in [
            ("Sent to the national panel", decision.sent_to_panel_on),
            ("Published", decision.published_on),
            ("Remove after", decision.remove_after),
        ] {
            if let Some(date) = date {
                summary.push((name, date.format("%-d %B %Y").to_string()));
            }
        }
    }
    summary
}

/// The review with the publication form's sign-off and decision applied, or the form's errors:
/// a new sign-off must rest on a scan the signer ran of the documents as they stand.
async fn publication_from<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    form: &FormData,
) -> Result<Result<Review, Errors>, WebError> {
    let stored = app.review(&user.actor(), id).await?;
    let scan = match sign_off_scan(app, user, id, &stored.record, form).await? {
        Ok(scan) => scan,
        Err(problem) => {
            let mut errors = Errors::none();
            errors.add("signed_off", problem);
            return Ok(Err(errors));
        }
    };
    Ok(apply_publication(form, user, stored.record, scan.as_ref()))
}

async fn check_publication<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    super::require(&app, &user, id, casewindow_app::Permission::ManageLifecycle).await?;
    let review = match publication_from(&app, &user, id, &form).await? {
        Ok(review) => review,
        Err(errors) => {
            return publication_page(At::new(&app, &user, id), Some(form), errors, Vec::new())
                .await;
        }
    };
    let problems = casewindow_domain::Validate::problems(&review);
    if !problems.is_empty() {
        let mut errors = Errors::none();
        for problem in problems {
            let field = problem.field.rsplit('.').next().unwrap_or("");
            if problem.field.ends_with("reasons") {
                errors.add("reasons", "Enter the reasons for the decision");
            } else if matches!(field, "published_on" | "remove_after") {
                errors.add(
                    field,
                    super::text::capitalise(&format!(
                        "{} {}",
                        field.replace('_', " "),
                        problem.reason
                    )),
                );
            } else {
                errors.add(
                    "outcome",
                    super::text::capitalise(&format!(
                        "{} {}",
                        problem
                            .field
                            .rsplit('.')
                            .next()
                            .unwrap_or("")
                            .replace('_', " "),
                        problem.reason
                    )),
                );
            }
        }
        return publication_page(At::new(&app, &user, id), Some(form), errors, Vec::new()).await;
    }
    let summary = publication_summary(&review);
    publication_page(
        At::new(&app, &user, id),
        Some(form),
        Errors::none(),
        summary,
    )
    .await
}

async fn confirm_publication<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    super::require(&app, &user, id, casewindow_app::Permission::ManageLifecycle).await?;
    match publication_from(&app, &user, id, &form).await? {
        Ok(review) => {
            // Built from the stored review and the signer's own scan; saved only if nobody
            // changed the review since the form was opened (its version).
            let reason = "recorded the publication decision and sign-off";
            let response = change_review(&app, &user, (id, &form), reason, true, |_| {
                Ok(review.clone())
            })
            .await?;
            if response.status() == axum::http::StatusCode::SEE_OTHER {
                // Saved: confirm what was recorded on the publication page.
                return Ok(super::edit::see_other(&format!(
                    "/reviews/{id}/publication?recorded=yes"
                )));
            }
            Ok(response)
        }
        Err(errors) => {
            publication_page(At::new(&app, &user, id), Some(form), errors, Vec::new()).await
        }
    }
}
