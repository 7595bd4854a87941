//! The thematic analysis across reviews on the pages: choose a scope, make the analysis (kept
//! as a version), read it as the document, download it as Word, PDF or JSON, and compare two
//! versions. What is counted, hidden and quoted is decided in `casewindow_app::thematic`; the
//! pages translate the form and show the answer.

use super::{Answer, attachment, layout, render};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use casewindow_app::reports::Format;
use casewindow_app::thematic::ThematicRequest;
use casewindow_app::{AppError, CurrentUser};
use casewindow_domain::review::ReviewKind;
use casewindow_report::thematic::{count, scope_text};
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/library/thematic", get(page::<S>).post(make::<S>))
        .route("/library/thematic/compare", get(compare::<S>))
        .route("/library/thematic/analysis.docx", get(docx::<S>))
        .route("/library/thematic/analysis.pdf", get(pdf::<S>))
        .route("/library/thematic/analysis.json", get(json::<S>))
}

fn crumbs() -> Vec<(String, String)> {
    vec![
        ("/".to_owned(), "Your reviews".to_owned()),
        ("/library".to_owned(), "Pattern library".to_owned()),
    ]
}

/// Which kept analysis, from the address.
#[derive(Debug, Default, serde::Deserialize)]
struct Which {
    #[serde(default)]
    version: String,
}

/// A kept analysis as listed.
struct VersionRow {
    id: String,
    made_at: String,
    scope: String,
    reviews: String,
    findings: String,
    shown: bool,
}

struct KindChoice {
    value: String,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "thematic.html")]
struct ThematicPage {
    layout: Layout,
    errors: Errors,
    partnerships: String,
    from: String,
    to: String,
    kinds: Vec<KindChoice>,
    versions: Vec<VersionRow>,
    /// The analysis shown, if one is chosen: its id and the document as HTML.
    shown: Option<(String, String)>,
}

/// The key of a kind of review as the form sends it.
fn kind_key(kind: ReviewKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Platform administrators see no case content: for them there is no such page, whatever the
/// address or form says.
fn not_for_admins(user: &CurrentUser) -> Result<(), WebError> {
    if user.actor().platform_admin {
        return Err(AppError::NotFound {
            what: "page".to_owned(),
        }
        .into());
    }
    Ok(())
}

async fn show_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    form: Option<&FormData>,
    errors: Errors,
    version: Option<uuid::Uuid>,
) -> Result<Response, WebError> {
    not_for_admins(user)?;
    let actor = user.actor();
    let shown = match version {
        Some(id) => {
            let analysis = app.thematic_version(&actor, id).await?;
            let document = casewindow_report::thematic::document(&analysis);
            Some((id.to_string(), casewindow_report::html::render(&document)))
        }
        None => None,
    };
    let kept = app.thematic_versions(&actor).await?;
    let field = |name: &str| form.map(|f| f.get(name)).unwrap_or_default();
    let chosen: Vec<String> = form.map(|f| f.all("kind")).unwrap_or_default();
    let mut frame = layout(user, "Thematic analysis", crumbs());
    frame.has_errors = !errors.is_empty();
    render(&ThematicPage {
        layout: frame,
        errors,
        partnerships: field("partnerships"),
        from: field("from"),
        to: field("to"),
        kinds: super::review::KINDS
            .iter()
            .map(|k| KindChoice {
                value: kind_key(*k),
                label: k.label().to_owned(),
                checked: chosen.contains(&kind_key(*k)),
            })
            .collect(),
        versions: kept
            .iter()
            .map(|v| VersionRow {
                id: v.id.to_string(),
                made_at: v.made_at.format("%-d %B %Y, %H:%M").to_string(),
                scope: scope_text(&v.scope),
                reviews: count(v.reviews),
                findings: count(v.findings),
                shown: shown
                    .as_ref()
                    .is_some_and(|(id, _)| *id == v.id.to_string()),
            })
            .collect(),
        shown,
    })
}

/// The chosen analysis's id; "not found" for text that is not one.
fn version_of(which: &Which) -> Result<Option<uuid::Uuid>, WebError> {
    let text = which.version.trim();
    if text.is_empty() {
        return Ok(None);
    }
    uuid::Uuid::parse_str(text).map(Some).map_err(|_| {
        AppError::NotFound {
            what: "thematic analysis".to_owned(),
        }
        .into()
    })
}

async fn page<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Query(which): Query<Which>,
) -> Answer {
    not_for_admins(&user)?;
    let version = version_of(&which)?;
    show_page(&app, &user, None, Errors::none(), version).await
}

/// A year from the form, or a problem naming the field.
fn year(form: &FormData, name: &str, errors: &mut Errors) -> Option<i32> {
    let text = form.get(name);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<i32>() {
        Ok(y) if (1900..=2200).contains(&y) => Some(y),
        _ => {
            errors.add(name, "Enter a year as four digits, for example 2021");
            None
        }
    }
}

async fn make<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    form: FormData,
) -> Answer {
    not_for_admins(&user)?;
    let mut errors = Errors::none();
    let from = year(&form, "from", &mut errors);
    let to = year(&form, "to", &mut errors);
    let kinds: Vec<ReviewKind> = form
        .all("kind")
        .iter()
        .filter_map(|k| {
            super::review::KINDS
                .iter()
                .copied()
                .find(|c| kind_key(*c) == *k)
        })
        .collect();
    let partnerships: Vec<String> = form
        .get("partnerships")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if !errors.is_empty() {
        return show_page(&app, &user, Some(&form), errors, None).await;
    }
    let request = ThematicRequest {
        partnerships,
        from,
        to,
        kinds,
    };
    match app.thematic(&user.actor(), &request).await {
        Ok((id, _)) => Ok(super::edit::see_other(&format!(
            "/library/thematic?version={id}#analysis"
        ))),
        Err(AppError::Invalid(problems)) => {
            for problem in problems {
                let field = if problem.path.starts_with("partnership") {
                    "partnerships"
                } else {
                    "from"
                };
                errors.add(field, problem.reason);
            }
            show_page(&app, &user, Some(&form), errors, None).await
        }
        Err(other) => Err(other.into()),
    }
}

/// The kept analysis named by the address, for a download; a page naming the field when none is.
async fn chosen<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    which: &Which,
) -> Result<(uuid::Uuid, casewindow_report::thematic::Analysis), WebError> {
    not_for_admins(user)?;
    let Some(id) = version_of(which)? else {
        return Err(AppError::Invalid(vec![casewindow_interchange::Problem {
            path: "version".to_owned(),
            reason: "choose an analysis from the list on the thematic analysis page".to_owned(),
        }])
        .into());
    };
    Ok((id, app.thematic_version(&user.actor(), id).await?))
}

async fn download<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    which: &Which,
    format: Format,
) -> Answer {
    let (id, analysis) = chosen(app, user, which).await?;
    let bytes = app.render_thematic(&analysis, format).await?;
    let (content_type, extension) = super::reports::file_type(format);
    Ok(attachment(
        content_type,
        &format!("thematic-analysis-{}.{extension}", &id.to_string()[..8]),
        bytes,
    ))
}

async fn docx<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Query(which): Query<Which>,
) -> Answer {
    download(&app, &user, &which, Format::Docx).await
}

async fn pdf<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Query(which): Query<Which>,
) -> Answer {
    download(&app, &user, &which, Format::Pdf).await
}

async fn json<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Query(which): Query<Which>,
) -> Answer {
    let (id, analysis) = chosen(&app, &user, &which).await?;
    let bytes =
        serde_json::to_vec_pretty(&analysis).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(attachment(
        "application/json",
        &format!("thematic-analysis-{}.json", &id.to_string()[..8]),
        bytes,
    ))
}

/// Two kept analyses, from the address.
#[derive(Debug, Default, serde::Deserialize)]
struct Pair {
    #[serde(default)]
    first: String,
    #[serde(default)]
    second: String,
}

struct ComparedRow {
    what: String,
    first: String,
    second: String,
    changed: bool,
}

#[derive(Template)]
#[template(path = "thematic_compare.html")]
struct ComparePage {
    layout: Layout,
    first: String,
    second: String,
    rows: Vec<ComparedRow>,
}

async fn compare<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Query(pair): Query<Pair>,
) -> Answer {
    let (first, second) = (
        chosen(
            &app,
            &user,
            &Which {
                version: pair.first,
            },
        )
        .await?,
        chosen(
            &app,
            &user,
            &Which {
                version: pair.second,
            },
        )
        .await?,
    );
    let rows = app
        .compare_thematic(&user.actor(), first.0, second.0)
        .await?
        .into_iter()
        .map(|row| ComparedRow {
            changed: row.first != row.second,
            what: row.what,
            first: count(row.first),
            second: count(row.second),
        })
        .collect();
    let mut crumbs = crumbs();
    crumbs.push((
        "/library/thematic".to_owned(),
        "Thematic analysis".to_owned(),
    ));
    render(&ComparePage {
        layout: layout(&user, "Two analyses compared", crumbs),
        first: first.0.to_string(),
        second: second.0.to_string(),
        rows,
    })
}
