//! Downloads for other software (REFI-QDA projects and codebooks for qualitative-analysis
//! tools, CSV for spreadsheets) and the import of a codebook made elsewhere: upload, then a
//! person chooses each code's pattern, then the chosen codes become proposed recurrent issues.

use super::text::Choice;
use super::{Answer, Req, attachment, file_stem as stem, layout, render};
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
use casewindow_app::exchange::{CodebookImport, Proposal, SURE_ENOUGH};
use casewindow_app::{AppError, CurrentUser};
use casewindow_domain::typology::Pattern;
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reviews/{id}/project.qdpx", get(review_project::<S>))
        .route("/reviews/{id}/chronology.csv", get(chronology_csv::<S>))
        .route("/library/project.qdpx", get(library_project::<S>))
        .route("/library/findings.csv", get(library_csv::<S>))
        .route("/library/codebook.qdc", get(codebook_qdc::<S>))
        .route("/actions.csv", get(actions_csv::<S>))
        .route(
            "/library/issues/import",
            get(import_start::<S>).post(import_upload::<S>),
        )
        .route(
            "/library/issues/import/{import}",
            get(import_map::<S>).post(import_confirm::<S>),
        )
}

/// The content types of the files.
const QDPX: &str = "application/zip";
const QDC: &str = "application/xml; charset=utf-8";
const CSV: &str = "text/csv; charset=utf-8";

async fn review_project<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    let actor = user.actor();
    let bytes = app.export_review_qdpx(&actor, id).await?;
    let review = app.review(&actor, id).await?;
    Ok(attachment(
        QDPX,
        &format!("{}.qdpx", stem(&review.record.title)),
        bytes,
    ))
}

async fn chronology_csv<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    let (title, bytes) = app.chronology_csv(&user.actor(), id).await?;
    Ok(attachment(
        CSV,
        &format!("{}-chronology.csv", stem(&title)),
        bytes,
    ))
}

async fn library_project<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
) -> Answer {
    let bytes = app.export_library_qdpx(&user.actor()).await?;
    Ok(attachment(QDPX, "casewindow-library.qdpx", bytes))
}

async fn library_csv<S: Store>(State(app): State<AppState<S>>, SignedIn(user): SignedIn) -> Answer {
    let bytes = app.library_findings_csv(&user.actor()).await?;
    Ok(attachment(CSV, "casewindow-library-findings.csv", bytes))
}

async fn codebook_qdc<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
) -> Answer {
    let text = app.export_codebook_qdc(&user.actor()).await?;
    Ok(attachment(
        QDC,
        "casewindow-codebook.qdc",
        text.into_bytes(),
    ))
}

async fn actions_csv<S: Store>(State(app): State<AppState<S>>, SignedIn(user): SignedIn) -> Answer {
    let bytes = app.actions_csv(&user.actor()).await?;
    Ok(attachment(CSV, "casewindow-actions.csv", bytes))
}

fn crumbs() -> Vec<(String, String)> {
    vec![
        ("/".to_owned(), "Your reviews".to_owned()),
        ("/library".to_owned(), "Pattern library".to_owned()),
        ("/library/issues".to_owned(), "Recurrent issues".to_owned()),
    ]
}

#[derive(Template)]
#[template(path = "codebook_import.html")]
struct StartPage {
    layout: Layout,
    errors: Errors,
    gone: bool,
}

async fn start_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    errors: Errors,
    gone: bool,
) -> Result<Response, WebError> {
    if !app.may_propose_issue(&user.actor()).await? {
        return Err(AppError::NotFound {
            what: "the codebook".to_owned(),
        }
        .into());
    }
    let mut frame = layout(user, "Import a codebook", crumbs());
    frame.has_errors = !errors.is_empty();
    render(&StartPage {
        layout: frame,
        errors,
        gone,
    })
}

#[derive(serde::Deserialize, Default)]
struct Gone {
    #[serde(default)]
    gone: String,
}

async fn import_start<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Query(Gone { gone }): Query<Gone>,
) -> Answer {
    start_page(&app, &user, Errors::none(), !gone.is_empty()).await
}

async fn import_upload<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    form: MultipartForm,
) -> Answer {
    let mut errors = Errors::none();
    let Some(file) = form.file("file").filter(|f| !f.bytes.is_empty()) else {
        errors.add("file", "Choose the codebook file (.qdc)");
        return start_page(&app, &user, errors, false).await;
    };
    match app
        .stage_codebook(&user.actor(), &file.file_name, file.bytes.to_vec())
        .await
    {
        Ok(id) => Ok(super::edit::see_other(&format!(
            "/library/issues/import/{id}"
        ))),
        Err(AppError::Invalid(problems)) => {
            for problem in problems {
                errors.add("file", format!("{}: {}", problem.path, problem.reason));
            }
            start_page(&app, &user, errors, false).await
        }
        Err(other) => Err(other.into()),
    }
}

/// One code of the uploaded codebook on the mapping form.
struct CodeRow {
    field: String,
    depth: usize,
    name: String,
    description: String,
    /// What casewindow proposes, in words.
    proposal: String,
    chosen: String,
}

#[derive(Template)]
#[template(path = "codebook_import_map.html")]
struct MapPage {
    layout: Layout,
    errors: Errors,
    id: String,
    file_name: String,
    rows: Vec<CodeRow>,
    patterns: Vec<Choice>,
    proposed: usize,
}

fn proposal_words(proposal: &Proposal) -> String {
    match proposal {
        Proposal::IsPattern(p) => format!("Names pattern {p}: a parent, not an issue"),
        Proposal::Beneath(p) => format!("Beneath a code that names pattern {p}"),
        Proposal::Suggested(p, probability) if *probability >= SURE_ENOUGH => format!(
            "No pattern named above it: the pattern library suggests {p} ({:.0}% likely)",
            probability * 100.0
        ),
        Proposal::Suggested(p, probability) => format!(
            "No pattern named above it: the pattern library leans to {p}, but only {:.0}% likely, so nothing is chosen",
            probability * 100.0
        ),
        Proposal::AlreadyHeld(p, label) => {
            format!("Already in the codebook under {p} as \u{201c}{label}\u{201d}")
        }
        Proposal::Unknown => "No pattern named above it".to_owned(),
    }
}

fn field_of(index: usize) -> String {
    format!("pattern_{index}")
}

fn map_page(
    user: &CurrentUser,
    import: CodebookImport,
    form: Option<&FormData>,
    errors: Errors,
) -> Result<Response, WebError> {
    let rows: Vec<CodeRow> = import
        .codes
        .iter()
        .map(|code| {
            let field = field_of(code.index);
            let chosen = match form {
                Some(form) => form.get(&field),
                None => code
                    .proposal
                    .pattern()
                    .map(|p| p.key().to_owned())
                    .unwrap_or_default(),
            };
            CodeRow {
                depth: code.depth.min(6),
                name: code.name.clone(),
                description: code.description.chars().take(400).collect(),
                proposal: proposal_words(&code.proposal),
                chosen,
                field,
            }
        })
        .collect();
    let mut frame = layout(user, "Choose the patterns", crumbs());
    frame.has_errors = !errors.is_empty();
    render(&MapPage {
        layout: frame,
        errors,
        id: import.id.to_string(),
        file_name: import.file_name,
        proposed: rows.iter().filter(|r| !r.chosen.is_empty()).count(),
        rows,
        patterns: Pattern::ALL
            .into_iter()
            .map(|p| Choice::new(p.key(), p.to_string()))
            .collect(),
    })
}

/// The actor's staged codebook; `Err(page)` when it is gone (imported, purged, or someone
/// else's): back to the upload form, which says so.
async fn staged<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    import: uuid::Uuid,
) -> Result<Result<CodebookImport, Response>, WebError> {
    let actor = user.actor();
    if !app.may_propose_issue(&actor).await? {
        return Err(AppError::NotFound {
            what: "the codebook".to_owned(),
        }
        .into());
    }
    match app.codebook_import(&actor, import).await {
        Ok(staged) => Ok(Ok(staged)),
        Err(AppError::NotFound { .. }) => {
            Ok(Err(super::edit::see_other("/library/issues/import?gone=1")))
        }
        Err(other) => Err(other.into()),
    }
}

async fn import_map<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(import): Path<uuid::Uuid>,
) -> Answer {
    match staged(&app, &user, import).await? {
        Ok(import) => map_page(&user, import, None, Errors::none()),
        Err(gone) => Ok(gone),
    }
}

async fn import_confirm<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(import): Path<uuid::Uuid>,
    form: FormData,
) -> Answer {
    let actor = user.actor();
    let staged = match staged(&app, &user, import).await? {
        Ok(staged) => staged,
        Err(gone) => return Ok(gone),
    };
    let mut errors = Errors::none();
    let mut choices = Vec::new();
    for code in &staged.codes {
        let field = field_of(code.index);
        let value = form.get(&field);
        if value.is_empty() {
            continue;
        }
        match Pattern::from_key(&value) {
            Some(pattern) => choices.push((code.index, pattern)),
            None => errors.add(
                &field,
                "Choose one of the six patterns, or do not import it",
            ),
        }
    }
    if errors.is_empty() && choices.is_empty() {
        errors.add(
            "codes",
            "Choose a pattern for at least one code, or leave the page to import nothing",
        );
    }
    if !errors.is_empty() {
        return map_page(&user, staged, Some(&form), errors);
    }
    match app.import_codebook(&actor, import, &choices).await {
        Ok(count) => Ok(super::edit::see_other(&format!(
            "/library/issues?imported={count}"
        ))),
        Err(AppError::Invalid(problems)) => {
            for problem in problems {
                errors.add("codes", format!("{}: {}", problem.path, problem.reason));
            }
            map_page(&user, staged, Some(&form), errors)
        }
        // Imported by another submission of the same form meanwhile.
        Err(AppError::NotFound { .. }) => {
            Ok(super::edit::see_other("/library/issues/import?gone=1"))
        }
        Err(other) => Err(other.into()),
    }
}
