//! Published review reports brought into the library: upload (one or more at a time), then a
//! reviewer confirms each report's findings beside where they stand in the document, and the
//! confirmed findings become a findings-only review.

use super::text::{Choice, choices, key, parse_key};
use super::{Answer, attachment, layout, render};
use crate::AppState;
use crate::error::WebError;
use crate::form::{FormData, MultipartForm};
use crate::layout::{Errors, Layout};
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use casewindow_app::published::{Confirmation, ConfirmedFinding, ReportForReview};
use casewindow_app::{AppError, CurrentUser, PartnershipChoice};
use casewindow_domain::findings::{Polarity, RecurrentIssueStatus};
use casewindow_domain::ids::{PartnershipId, RecurrentIssueId};
use casewindow_domain::organisation::Jurisdiction;
use casewindow_domain::typology::Pattern;
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/library/reports", get(list::<S>).post(upload::<S>))
        .route(
            "/library/reports/{report}",
            get(confirm_page::<S>).post(confirm::<S>),
        )
        .route("/library/reports/{report}/file", get(file::<S>))
}

fn crumbs() -> Vec<(String, String)> {
    vec![
        ("/".to_owned(), "Your reviews".to_owned()),
        ("/library".to_owned(), "Pattern library".to_owned()),
        (
            "/library/reports".to_owned(),
            "Published reports".to_owned(),
        ),
    ]
}

struct KeptRow {
    href: String,
    title: String,
    file_name: String,
    pages: u32,
    findings: u32,
    staged_on: String,
    imported: bool,
}

/// One uploaded file's outcome, shown after an upload.
struct Outcome {
    file_name: String,
    said: String,
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "published_reports.html")]
struct ListPage {
    layout: Layout,
    errors: Errors,
    rows: Vec<KeptRow>,
    outcomes: Vec<Outcome>,
    notice: String,
}

#[derive(serde::Deserialize, Default)]
struct Notice {
    #[serde(default)]
    gone: String,
    #[serde(default)]
    imported: String,
}

async fn list_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    errors: Errors,
    outcomes: Vec<Outcome>,
    notice: String,
) -> Answer {
    let kept = app.staged_reports(&user.actor()).await?;
    let rows = kept
        .into_iter()
        .map(|k| KeptRow {
            href: format!("/library/reports/{}", k.id),
            title: k.title,
            file_name: k.file_name,
            pages: k.pages,
            findings: k.findings,
            staged_on: k.staged_at.format("%-d %B %Y").to_string(),
            imported: k.review_id.is_some(),
        })
        .collect();
    let mut frame = layout(user, "Published reports", crumbs());
    frame.has_errors = !errors.is_empty();
    render(&ListPage {
        layout: frame,
        errors,
        rows,
        outcomes,
        notice,
    })
}

async fn list<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Query(notice): Query<Notice>,
) -> Answer {
    let said = if !notice.gone.is_empty() {
        "That report is no longer waiting for review: it was imported, or discarded.".to_owned()
    } else if !notice.imported.is_empty() {
        "The confirmed findings are in the library.".to_owned()
    } else {
        String::new()
    };
    list_page(&app, &user, Errors::none(), Vec::new(), said).await
}

async fn upload<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    form: MultipartForm,
) -> Answer {
    let actor = user.actor();
    let files: Vec<_> = form
        .files("file")
        .into_iter()
        .filter(|f| !f.bytes.is_empty())
        .collect();
    let mut errors = Errors::none();
    if files.is_empty() {
        errors.add("file", "Choose one or more reports (PDF or Word .docx)");
        return list_page(&app, &user, errors, Vec::new(), String::new()).await;
    }
    let mut outcomes = Vec::new();
    for file in files {
        let outcome = match app
            .stage_report(&actor, &file.file_name, file.bytes.to_vec())
            .await
        {
            Ok(staged) => Outcome {
                file_name: file.file_name.clone(),
                said: match (staged.new, staged.review) {
                    (_, Some(_)) => "imported before; nothing new kept".to_owned(),
                    (false, None) => format!(
                        "kept before: {} findings proposed, waiting for review",
                        staged.findings
                    ),
                    (true, None) => {
                        format!("{} findings proposed, waiting for review", staged.findings)
                    }
                },
                href: staged
                    .review
                    .is_none()
                    .then(|| format!("/library/reports/{}", staged.id)),
            },
            Err(AppError::Invalid(problems)) => Outcome {
                file_name: file.file_name.clone(),
                said: problems
                    .iter()
                    .map(|p| p.reason.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                href: None,
            },
            Err(other) => return Err(other.into()),
        };
        outcomes.push(outcome);
    }
    list_page(&app, &user, errors, outcomes, String::new()).await
}

/// One proposed finding on the confirmation form.
struct FindingRow {
    index: usize,
    pattern_field: String,
    issue_field: String,
    number: String,
    pages: String,
    statement: String,
    excerpt: String,
    stated: String,
    suggested: String,
    keep: bool,
    merge: bool,
    pattern: String,
    polarity: String,
    issue: String,
    questions: Vec<String>,
}

struct IssueGroup {
    label: String,
    issues: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "published_report.html")]
struct ConfirmPage {
    layout: Layout,
    errors: Errors,
    id: String,
    file_name: String,
    pages: u32,
    imported: bool,
    title: String,
    kind: String,
    kinds: Vec<Choice>,
    partnership: String,
    partnerships: Vec<Choice>,
    named: String,
    rows: Vec<FindingRow>,
    patterns: Vec<Choice>,
    issue_groups: Vec<IssueGroup>,
}

fn pages_words(pages: &[u32]) -> String {
    match pages {
        [] => "page not known".to_owned(),
        [one] => format!("page {one}"),
        [first, .., last] => format!("pages {first}–{last}"),
    }
}

async fn confirm_view<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    report: ReportForReview,
    form: Option<&FormData>,
    errors: Errors,
) -> Answer {
    let actor = user.actor();
    let value = |name: &str, default: String| form.map_or(default, |f| f.get(name));
    let rows = report
        .proposal
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let suggestion = report.suggestions.get(i).copied().flatten();
            let default_pattern = f
                .pattern
                .or(suggestion
                    .filter(|(_, p)| *p >= casewindow_app::exchange::SURE_ENOUGH)
                    .map(|(p, _)| p))
                .map(|p| p.key().to_owned())
                .unwrap_or_default();
            let default_polarity = match f.polarity.as_deref() {
                Some("constructive") => key(&Polarity::Constructive),
                _ => key(&Polarity::Unsafe),
            };
            FindingRow {
                index: i,
                pattern_field: format!("pattern_{i}"),
                issue_field: format!("issue_{i}"),
                number: f.number.clone(),
                pages: pages_words(&f.pages),
                statement: value(&format!("statement_{i}"), f.text.clone()),
                excerpt: f
                    .supporting
                    .first()
                    .map(|s| s.chars().take(400).collect::<String>())
                    .unwrap_or_default(),
                stated: f
                    .category
                    .as_ref()
                    .map(|c| format!("The report says: {c}"))
                    .unwrap_or_default(),
                suggested: match (f.pattern, suggestion) {
                    (None, Some((p, probability))) => format!(
                        "The report states no pattern; the library suggests {p} ({:.0}% likely)",
                        probability * 100.0
                    ),
                    (None, None) => "The report states no pattern".to_owned(),
                    _ => String::new(),
                },
                keep: form.is_none_or(|f| f.checked(&format!("keep_{i}"))),
                merge: form.is_some_and(|f| f.checked(&format!("merge_{i}"))),
                pattern: value(&format!("pattern_{i}"), default_pattern),
                polarity: value(&format!("polarity_{i}"), default_polarity),
                issue: value(&format!("issue_{i}"), String::new()),
                questions: f.questions.iter().take(6).cloned().collect(),
            }
        })
        .collect();
    let codebook = app.codebook(&actor).await?;
    let issue_groups = Pattern::ALL
        .into_iter()
        .map(|p| IssueGroup {
            label: p.to_string(),
            issues: codebook
                .iter()
                .map(|c| &c.issue.record)
                .filter(|i| {
                    i.pattern == p
                        && matches!(
                            i.status,
                            RecurrentIssueStatus::Accepted | RecurrentIssueStatus::Proposed
                        )
                })
                .map(|i| Choice::new(i.id.0, i.label.clone()))
                .collect(),
        })
        .filter(|g| !g.issues.is_empty())
        .collect();
    let held = app.partnerships(&actor).await.unwrap_or_default();
    let named = report.proposal.partnership.clone().unwrap_or_default();
    let default_partnership = report
        .partnership
        .as_ref()
        .map(|p| p.id.0.to_string())
        .unwrap_or_else(|| {
            if named.is_empty() {
                String::new()
            } else {
                "new".to_owned()
            }
        });
    let mut frame = layout(user, "Confirm a published report's findings", crumbs());
    frame.has_errors = !errors.is_empty();
    render(&ConfirmPage {
        layout: frame,
        errors,
        id: report.staged.id.to_string(),
        file_name: report.staged.file_name.clone(),
        pages: report.staged.pages,
        imported: report.staged.review_id.is_some(),
        title: value("title", report.proposal.title.clone().unwrap_or_default()),
        kind: value("kind", key(&report.kind)),
        kinds: choices(
            super::review::KINDS,
            casewindow_domain::review::ReviewKind::label,
        ),
        partnership: value("partnership", default_partnership),
        partnerships: held
            .iter()
            .map(|p| Choice::new(p.id.0, p.name.clone()))
            .collect(),
        named,
        rows,
        patterns: Pattern::ALL
            .into_iter()
            .map(|p| Choice::new(p.key(), p.to_string()))
            .collect(),
        issue_groups,
    })
}

/// The kept report, or a way back to the list when it is gone.
async fn kept<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    report: uuid::Uuid,
) -> Result<Result<ReportForReview, Response>, WebError> {
    let actor = user.actor();
    if !app.may_import_reports(&actor).await? {
        return Err(AppError::NotFound {
            what: "published reports".to_owned(),
        }
        .into());
    }
    match app.report_for_review(&actor, report).await {
        Ok(found) => Ok(Ok(found)),
        Err(AppError::NotFound { .. }) => {
            Ok(Err(super::edit::see_other("/library/reports?gone=1")))
        }
        Err(other) => Err(other.into()),
    }
}

async fn confirm_page<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(report): Path<uuid::Uuid>,
) -> Answer {
    match kept(&app, &user, report).await? {
        Ok(found) => confirm_view(&app, &user, found, None, Errors::none()).await,
        Err(gone) => Ok(gone),
    }
}

async fn file<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(report): Path<uuid::Uuid>,
) -> Answer {
    let (name, bytes) = app.report_file(&user.actor(), report).await?;
    let content_type = if bytes.starts_with(b"%PDF") {
        "application/pdf"
    } else {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    };
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name.as_str(), "bin"));
    let extension: String = extension
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    Ok(attachment(
        content_type,
        &format!("{}.{extension}", super::file_stem(stem)),
        bytes,
    ))
}

/// The findings as the form confirms them: kept ones in order, a finding split where its
/// statement has an empty line, merged into the next kept one where asked.
fn confirmed(form: &FormData, count: usize, errors: &mut Errors) -> Vec<ConfirmedFinding> {
    let mut out: Vec<ConfirmedFinding> = Vec::new();
    let mut merge_next = false;
    for i in 0..count {
        if !form.checked(&format!("keep_{i}")) {
            continue;
        }
        let pattern_field = format!("pattern_{i}");
        let pattern = match form.get(&pattern_field).as_str() {
            "" => None,
            value => match Pattern::from_key(value) {
                Some(p) => Some(p),
                None => {
                    errors.add(&pattern_field, "Choose one of the six patterns");
                    None
                }
            },
        };
        let polarity: Option<Polarity> = parse_key(&form.get(&format!("polarity_{i}")));
        let issue_field = format!("issue_{i}");
        let issues = match form.get(&issue_field).as_str() {
            "" => Vec::new(),
            value => match uuid::Uuid::parse_str(value) {
                Ok(id) => vec![RecurrentIssueId(id)],
                Err(_) => {
                    errors.add(&issue_field, "Choose a recurrent issue from the list");
                    Vec::new()
                }
            },
        };
        let text = form.get(&format!("statement_{i}")).replace("\r\n", "\n");
        let parts: Vec<String> = text
            .split("\n\n")
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|p| !p.is_empty())
            .collect();
        let parts = if parts.is_empty() {
            vec![String::new()]
        } else {
            parts
        };
        for (k, part) in parts.into_iter().enumerate() {
            let finding = ConfirmedFinding {
                from: vec![i],
                statement: part,
                pattern,
                polarity,
                issues: issues.clone(),
            };
            match out.last_mut() {
                Some(previous) if merge_next && k == 0 => {
                    previous.from.extend(finding.from);
                    previous.statement = format!("{} {}", previous.statement, finding.statement)
                        .trim()
                        .to_owned();
                    for issue in finding.issues {
                        if !previous.issues.contains(&issue) {
                            previous.issues.push(issue);
                        }
                    }
                    previous.pattern = previous.pattern.or(finding.pattern);
                }
                _ => out.push(finding),
            }
        }
        merge_next = form.checked(&format!("merge_{i}"));
    }
    out
}

async fn confirm<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(report): Path<uuid::Uuid>,
    form: FormData,
) -> Answer {
    let actor = user.actor();
    let found = match kept(&app, &user, report).await? {
        Ok(found) => found,
        Err(gone) => return Ok(gone),
    };
    if form.get("action") == "discard" {
        return match app.discard_report(&actor, report).await {
            Ok(()) | Err(AppError::NotFound { .. }) => {
                Ok(super::edit::see_other("/library/reports?gone=1"))
            }
            Err(other) => Err(other.into()),
        };
    }
    let mut errors = Errors::none();
    let findings = confirmed(&form, found.proposal.findings.len(), &mut errors);
    let kind = parse_key(&form.get("kind"));
    if kind.is_none() {
        errors.add("kind", "Choose the kind of review");
    }
    let partnership = match form.get("partnership").as_str() {
        "new" => Some(PartnershipChoice::New {
            name: found.proposal.partnership.clone().unwrap_or_default(),
            jurisdiction: Jurisdiction::England,
        }),
        value => uuid::Uuid::parse_str(value)
            .ok()
            .map(|id| PartnershipChoice::Existing(PartnershipId(id))),
    };
    if partnership.is_none() {
        errors.add("partnership", "Choose the partnership whose review this is");
    }
    if !errors.is_empty() {
        return confirm_view(&app, &user, found, Some(&form), errors).await;
    }
    let (Some(kind), Some(partnership)) = (kind, partnership) else {
        return confirm_view(&app, &user, found, Some(&form), errors).await;
    };
    let confirmation = Confirmation {
        partnership,
        title: form.get("title"),
        kind,
        findings,
    };
    match app.confirm_report(&actor, report, confirmation).await {
        Ok(review) => Ok(super::edit::see_other(&format!(
            "/library/reports?imported={}",
            review.0
        ))),
        Err(AppError::Invalid(problems)) => {
            for problem in problems {
                // findings[2].pattern → the second kept finding's field is not known by index
                // here; the message names it.
                let field = if problem.path.starts_with("title") {
                    "title".to_owned()
                } else {
                    "findings".to_owned()
                };
                let which = problem
                    .path
                    .strip_prefix("findings[")
                    .and_then(|p| p.split(']').next())
                    .map(|n| format!("Finding {n} as confirmed: "))
                    .unwrap_or_default();
                errors.add(&field, format!("{which}{}", problem.reason));
            }
            confirm_view(&app, &user, found, Some(&form), errors).await
        }
        Err(other) => Err(other.into()),
    }
}
