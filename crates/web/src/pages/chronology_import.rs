//! Importing an agency's chronology through the pages: upload the file, check how its columns
//! were read and what would be imported (every row that cannot be, with its row, column and
//! reason), change the columns if needed, then import. The file waits, staged, between steps.

use super::text::Choice;
use super::{Answer, On, Req, render, review_frame};
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
use casewindow_app::{AppError, CurrentUser, ImportFile, ImportPreview, Permission, StagedPreview};
use casewindow_chronology::mapping::column_letter;
use casewindow_chronology::{Field, Mapping};
use casewindow_domain::ids::{AgencyId, ReviewId};
use casewindow_store::Store;
use serde::Deserialize;
use uuid::Uuid;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route(
            "/reviews/{id}/chronology/import",
            get(start::<S>).post(upload::<S>),
        )
        .route(
            "/reviews/{id}/chronology/import/{upload}",
            get(preview::<S>).post(decide::<S>),
        )
}

/// How many entries and problems the preview lists (all are counted).
const SHOWN_ENTRIES: usize = 25;
const SHOWN_PROBLEMS: usize = 200;
const SUMMARY_PROBLEMS: usize = 10;

/// One past import, as the history lists it.
struct PastImport {
    agency: String,
    file_name: String,
    format: String,
    entries: i64,
    when: String,
    by: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "chronology_import.html")]
struct StartPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    agencies: Vec<Choice>,
    done: Option<String>,
    gone: bool,
    history: Vec<PastImport>,
}

#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    imported: String,
    #[serde(default)]
    gone: String,
}

async fn start_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    form: FormData,
    errors: Errors,
    done: Option<Uuid>,
    gone: bool,
) -> Result<Response, WebError> {
    let (_, mut frame) = review_frame(app, user, id, "/chronology", "Import a chronology").await?;
    frame.has_errors = !errors.is_empty();
    frame.breadcrumbs.push(crate::layout::Crumb::new(
        format!("/reviews/{id}/chronology"),
        "Chronologies".to_owned(),
    ));
    let actor = user.actor();
    let agencies = app.agencies_of(&actor, id).await?;
    let limit = app.agency_limit(&actor, id).await?;
    let imports = app.chronology_imports(&actor, id).await?;
    let names = app.user_names(&actor).await?;
    let agency_name = |agency: AgencyId| {
        agencies
            .iter()
            .find(|a| a.id == agency)
            .map_or_else(|| "Unknown agency".to_owned(), |a| a.name.clone())
    };
    let done = done.and_then(|done| {
        imports.iter().find(|i| i.id == done).map(|i| {
            format!(
                "{} entries imported from {} as {}'s chronology.",
                i.entries,
                i.file_name,
                agency_name(i.agency_id)
            )
        })
    });
    let history = imports
        .iter()
        .map(|i| PastImport {
            agency: agency_name(i.agency_id),
            file_name: i.file_name.clone(),
            format: i.format.clone(),
            entries: i.entries,
            when: i.imported_at.format("%-d %B %Y %H:%M").to_string(),
            by: i
                .imported_by
                .and_then(|u| names.get(&u).cloned())
                .unwrap_or_else(|| "casewindow".to_owned()),
            current: i.replaced_by.is_none(),
        })
        .collect();
    render(&StartPage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        agencies: agencies
            .iter()
            .filter(|a| limit.is_none_or(|own| own == a.id))
            .filter(|a| a.withdrawn.is_none())
            .map(|a| Choice::new(a.id.to_string(), a.name.clone()))
            .collect(),
        done,
        gone,
        history,
    })
}

async fn start<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, Permission::EditChronology).await?;
    start_page(
        &app,
        &user,
        id,
        FormData::default(),
        Errors::none(),
        done.imported.parse().ok(),
        !done.gone.is_empty(),
    )
    .await
}

async fn upload<S: Store>(req: Req<S>, form: MultipartForm) -> Answer {
    let Req { app, user, id } = req;
    super::require(&app, &user, id, Permission::EditChronology).await?;
    let mut errors = Errors::none();
    let agency = form.fields.get("agency_id").parse::<AgencyId>().ok();
    if agency.is_none() {
        errors.add("agency_id", "Choose whose chronology the file is");
    }
    let file = form.file("file").filter(|f| !f.bytes.is_empty());
    if file.is_none() {
        errors.add("file", "Choose the file the agency sent");
    }
    let (Some(agency), Some(file)) = (agency, file) else {
        return start_page(&app, &user, id, form.fields, errors, None, false).await;
    };
    let name = if file.file_name.is_empty() {
        "upload"
    } else {
        file.file_name.as_str()
    };
    let staged = app
        .stage_chronology(
            &user.actor(),
            id,
            agency,
            ImportFile {
                name,
                bytes: &file.bytes,
            },
        )
        .await;
    match staged {
        Ok(upload) => Ok(super::edit::see_other(&format!(
            "/reviews/{id}/chronology/import/{upload}"
        ))),
        Err(AppError::Invalid(problems)) => {
            for problem in problems {
                errors.add("file", problem.reason);
            }
            start_page(&app, &user, id, form.fields, errors, None, false).await
        }
        Err(other) => Err(other.into()),
    }
}

/// One choice of column in the mapping form.
struct ColumnChoice {
    field: &'static str,
    label: &'static str,
    hint: &'static str,
    required: bool,
    chosen: String,
}

struct EntryRow {
    row: usize,
    date: String,
    actor: String,
    contact: String,
    description: String,
}

#[derive(Template)]
#[template(path = "chronology_import_preview.html")]
struct PreviewPage {
    layout: Layout,
    errors: Errors,
    id: String,
    upload: String,
    agency: String,
    file_name: String,
    format: String,
    tables: Vec<String>,
    table: String,
    letters: Vec<String>,
    sample: Vec<SampleRow>,
    header_rows: String,
    /// Each column: its letter, and "Column B: heading".
    options: Vec<Choice>,
    choices: Vec<ColumnChoice>,
    replaces: Option<String>,
    entries_total: usize,
    entries: Vec<EntryRow>,
    problems_total: usize,
    problems: Vec<ProblemRow>,
    /// Rows whose dates look mistyped: (row, why), the first of them.
    doubtful_total: usize,
    doubtful: Vec<(usize, String)>,
    can_import: bool,
}

/// A row of the file as it was read, numbered from 1.
struct SampleRow {
    row: usize,
    cells: Vec<String>,
}

/// A row that cannot be imported: which, the column, and why.
struct ProblemRow {
    row: usize,
    column: String,
    why: String,
}

fn field_hint(field: Field) -> (&'static str, &'static str, bool) {
    match field {
        Field::Date => (
            "Date",
            "Partial and vague dates are kept as they are given.",
            true,
        ),
        Field::Time => (
            "Time",
            "Leave as not in the file if times are in the date column.",
            false,
        ),
        Field::Description => ("What happened", "", true),
        Field::ActorRole => ("Who acted, by role", "", false),
        Field::ContactType => ("Kind of contact", "", false),
    }
}

fn field_key(field: Field) -> &'static str {
    match field {
        Field::Date => "date",
        Field::Time => "time",
        Field::Description => "description",
        Field::ActorRole => "actor_role",
        Field::ContactType => "contact_type",
    }
}

fn normalised(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The column letter a mapping's value (a heading or a letter) names, among `headings`.
fn letter_for(value: &str, headings: &[String]) -> String {
    let wanted = normalised(value);
    headings
        .iter()
        .position(|h| normalised(h) == wanted)
        .map(column_letter)
        .unwrap_or_else(|| value.trim().to_owned())
}

/// "2, 3" or "2-3" → [2, 3]; `None` when it is not a list of row numbers.
fn parse_rows(text: &str) -> Option<Vec<usize>> {
    let text = text.trim();
    if let Some((a, b)) = text.split_once(['-', '–']) {
        let (a, b): (usize, usize) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        return (1 <= a && a <= b && b - a < 10).then(|| (a..=b).collect());
    }
    let rows: Vec<usize> = text
        .split([',', ' '])
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().ok().filter(|&n| n >= 1))
        .collect::<Option<_>>()?;
    (!rows.is_empty() && rows.len() <= 10 && rows.windows(2).all(|w| w[0] < w[1])).then_some(rows)
}

fn rows_text(rows: &[usize]) -> String {
    rows.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The mapping the form sends, or the form errors that stop it.
fn mapping_from(form: &FormData, errors: &mut Errors) -> Option<Mapping> {
    let header_rows = match parse_rows(&form.get("header_rows")) {
        Some(rows) => rows,
        None => {
            errors.add(
                "header_rows",
                "Enter the row number of the headings, like 1, or 2, 3 when they take two rows",
            );
            Vec::new()
        }
    };
    let mut columns = Vec::new();
    for field in Field::ALL {
        let value = form.get(&format!("col_{}", field_key(field)));
        let value = value.trim();
        if value.is_empty() {
            if field_hint(field).2 {
                errors.add(
                    &format!("col_{}", field_key(field)),
                    format!("Choose the column that holds the {}", field.label()),
                );
            }
        } else {
            columns.push((field, value.to_owned()));
        }
    }
    errors.is_empty().then(|| Mapping {
        table: form.get("table"),
        header_rows,
        columns,
    })
}

async fn preview_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    staged: StagedPreview,
    mut errors: Errors,
) -> Result<Response, WebError> {
    let (_, mut frame) =
        review_frame(app, user, id, "/chronology", "Check a chronology import").await?;
    frame.breadcrumbs.push(crate::layout::Crumb::new(
        format!("/reviews/{id}/chronology/import"),
        "Import a chronology".to_owned(),
    ));
    let agency = app
        .agencies_of(&user.actor(), id)
        .await?
        .into_iter()
        .find(|a| a.id == staged.agency)
        .map_or_else(|| "Unknown agency".to_owned(), |a| a.name);
    let (mapping, headings, format) = mapping_in_use(&staged, &mut errors);
    let width = staged.width.max(headings.len().min(26));
    let preview: Option<&ImportPreview> = staged.outcome.as_ref().ok();
    let problems_total = preview.map_or(0, |p| p.problems.len());
    if let Some(preview) = preview {
        summarise_problems(preview, &mut errors);
    }
    frame.has_errors = !errors.is_empty();
    let can_import = preview.is_some_and(|p| p.problems.is_empty() && !p.entries.is_empty());
    render(&PreviewPage {
        layout: frame,
        errors,
        id: id.to_string(),
        upload: staged.upload.to_string(),
        agency: agency.clone(),
        file_name: staged.file_name.clone(),
        format,
        tables: staged.tables.clone(),
        table: staged.table.clone(),
        letters: (0..staged.width).map(column_letter).collect(),
        sample: (staged.sample.iter())
            .map(|(row, cells)| SampleRow {
                row: *row,
                cells: cells.clone(),
            })
            .collect(),
        header_rows: rows_text(&mapping.header_rows),
        options: column_options(width, &headings),
        choices: column_choices(&mapping, &headings),
        replaces: preview.and_then(|p| p.replaces.as_ref()).map(|r| {
            format!(
                "Importing replaces {agency}'s current chronology: {} ({} entries, imported {}). \
                 The current one is kept in the history.",
                r.file_name,
                r.entries,
                r.imported_at.format("%-d %B %Y")
            )
        }),
        entries_total: preview.map_or(0, |p| p.entries.len()),
        entries: preview.map(entry_rows).unwrap_or_default(),
        problems_total,
        problems: preview.map(problem_rows).unwrap_or_default(),
        doubtful_total: preview.map_or(0, |p| p.doubtful.len()),
        doubtful: preview
            .map(|p| p.doubtful.iter().take(SHOWN_PROBLEMS).cloned().collect())
            .unwrap_or_default(),
        can_import,
    })
}

/// The column mapping the page shows: the preview's, or (where the file could not be read with
/// it) the one tried, with what went wrong noted in `errors`; the headings and the format.
fn mapping_in_use(staged: &StagedPreview, errors: &mut Errors) -> (Mapping, Vec<String>, String) {
    match &staged.outcome {
        Ok(preview) => (
            preview.mapping.clone(),
            preview.headings.clone(),
            preview.format.to_owned(),
        ),
        Err((mapping, why)) => {
            if mapping.columns.is_empty() {
                errors.add(
                    "col_date",
                    "casewindow does not recognise this file's headings: choose the columns that \
                     hold the date and what happened",
                );
            } else {
                errors.add(
                    "col_date",
                    format!("The columns do not fit the file: {why}"),
                );
            }
            let mut mapping = mapping.clone();
            if mapping.header_rows.is_empty() {
                mapping.header_rows = vec![1];
            }
            let row = mapping.header_rows[0];
            let headings = staged
                .sample
                .iter()
                .find(|(n, _)| *n == row)
                .map(|(_, cells)| cells.clone())
                .unwrap_or_default();
            (mapping, headings, String::new())
        }
    }
}

/// Each column as a choice: its letter, and its heading where it has one.
fn column_options(width: usize, headings: &[String]) -> Vec<Choice> {
    (0..width)
        .map(|i| {
            let heading = headings.get(i).map(|h| h.trim()).unwrap_or_default();
            let letter = column_letter(i);
            let label = if heading.is_empty() {
                format!("Column {letter}")
            } else {
                format!("Column {letter}: {}", super::text::truncate(heading, 40))
            };
            Choice::new(letter, label)
        })
        .collect()
}

/// Each field of an entry with the column chosen for it.
fn column_choices(mapping: &Mapping, headings: &[String]) -> Vec<ColumnChoice> {
    Field::ALL
        .iter()
        .map(|&field| {
            let (label, hint, required) = field_hint(field);
            ColumnChoice {
                field: field_key(field),
                label,
                hint,
                required,
                chosen: mapping
                    .columns
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map(|(_, v)| letter_for(v, headings))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// The first rows that cannot be imported, and how many more, in the error summary.
fn summarise_problems(preview: &ImportPreview, errors: &mut Errors) {
    let total = preview.problems.len();
    for problem in preview.problems.iter().take(SUMMARY_PROBLEMS) {
        errors.add(
            "problems",
            format!(
                "Row {}, column \"{}\": {}",
                problem.row, problem.column, problem.reason
            ),
        );
    }
    if total > SUMMARY_PROBLEMS {
        errors.add(
            "problems",
            format!(
                "and {} more rows: see the list below",
                total - SUMMARY_PROBLEMS
            ),
        );
    }
    if preview.problems.is_empty() && preview.entries.is_empty() {
        errors.add("problems", "The table has headings but no entries");
    }
}

fn entry_rows(preview: &ImportPreview) -> Vec<EntryRow> {
    (preview.entries.iter().take(SHOWN_ENTRIES))
        .map(|e| EntryRow {
            row: e.row,
            date: e.occurred.to_string(),
            actor: e.actor_role.clone(),
            contact: e.contact_type.clone(),
            description: super::text::truncate(&e.description, 300),
        })
        .collect()
}

fn problem_rows(preview: &ImportPreview) -> Vec<ProblemRow> {
    (preview.problems.iter().take(SHOWN_PROBLEMS))
        .map(|p| ProblemRow {
            row: p.row,
            column: p.column.clone(),
            why: p.reason.clone(),
        })
        .collect()
}

/// Where to go when a staged file is gone (imported, purged after a day, or someone else's:
/// all answer the same): back to the upload form, which says so.
fn gone(id: ReviewId) -> Response {
    super::edit::see_other(&format!("/reviews/{id}/chronology/import?gone=1"))
}

async fn preview<S: Store>(on: On<S, String>) -> Answer {
    let (app, user, id, upload) = on.parts();
    super::require(&app, &user, id, Permission::EditChronology).await?;
    let Ok(upload) = upload.parse::<Uuid>() else {
        return Ok(gone(id));
    };
    match app.staged_preview(&user.actor(), id, upload, None).await {
        Ok(staged) => preview_page(&app, &user, id, staged, Errors::none()).await,
        Err(AppError::NotFound { .. }) => Ok(gone(id)),
        Err(other) => Err(other.into()),
    }
}

async fn decide<S: Store>(on: On<S, String>, form: FormData) -> Answer {
    let (app, user, id, upload) = on.parts();
    super::require(&app, &user, id, Permission::EditChronology).await?;
    let Ok(upload) = upload.parse::<Uuid>() else {
        return Ok(gone(id));
    };
    let actor = user.actor();
    let mut errors = Errors::none();
    let mapping = mapping_from(&form, &mut errors);
    if let (Some(mapping), "import") = (&mapping, form.get("action").as_str()) {
        match app.import_staged(&actor, id, upload, mapping.clone()).await {
            Ok(import) => {
                return Ok(super::edit::see_other(&format!(
                    "/reviews/{id}/chronology/import?imported={}",
                    import.id
                )));
            }
            Err(AppError::Invalid(problems)) => {
                for problem in problems.into_iter().take(SUMMARY_PROBLEMS) {
                    errors.add("problems", problem.reason);
                }
            }
            Err(AppError::NotFound { .. }) => return Ok(gone(id)),
            Err(other) => return Err(other.into()),
        }
    }
    // Without a usable mapping, the file is shown again with the remembered or guessed
    // columns, and what was wrong.
    match app.staged_preview(&actor, id, upload, mapping).await {
        Ok(staged) => preview_page(&app, &user, id, staged, errors).await,
        Err(AppError::NotFound { .. }) => Ok(gone(id)),
        Err(other) => Err(other.into()),
    }
}
