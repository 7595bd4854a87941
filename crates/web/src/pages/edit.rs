//! What every record page shares: turning records into forms and back, saving with the version
//! the user started from, and the conflict page when someone else saved first.

use super::render;
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use askama::Template;
use axum::response::{IntoResponse, Redirect, Response};
use casewindow_app::{Actor, AppError, InReview};
use casewindow_store::{Store, Stored};
use serde_json::Value;

/// Where saving left us.
pub enum Saved<R> {
    /// Saved; go to this address.
    Done(Stored<R>),
    /// The form has problems: show it again with these errors and what was typed.
    Invalid(Errors),
    /// Someone else saved first: show both versions.
    Conflict(Response),
}

/// Creates or updates a record from a form. `version` is the version the form was opened at
/// (none for a new record, which is created once per the form's one-time key, `once`).
#[allow(clippy::too_many_arguments)] // one call shape for every record page; a struct would only rename them
pub async fn save<S: Store, R: InReview + serde::Serialize>(
    app: &AppState<S>,
    actor: &Actor,
    layout: &Layout,
    record: R,
    version: Option<i64>,
    form: &FormData,
    reason: &str,
    back: &str,
    field_for: impl Fn(&str) -> String,
) -> Result<Saved<R>, WebError> {
    let outcome = match version {
        None => {
            app.create_once(actor, &record, Some(&form.get("once")))
                .await
        }
        Some(version) => app.update(actor, &record, version, reason).await,
    };
    match outcome {
        Ok(stored) => Ok(Saved::Done(stored)),
        Err(AppError::Invalid(problems)) => {
            Ok(Saved::Invalid(Errors::from_problems(&problems, field_for)))
        }
        Err(AppError::Conflict(_)) => {
            let theirs = app
                .record::<R>(actor, casewindow_store::Record::id(&record))
                .await?;
            Ok(Saved::Conflict(conflict_page(
                layout, &theirs, &record, back,
            )?))
        }
        Err(other) => Err(other.into()),
    }
}

/// A record of review `review` the user may read; "not found" if it belongs to another review
/// (an address that mixes one review's id with another's record).
pub async fn record_in<S: Store, R: InReview>(
    app: &AppState<S>,
    user: &casewindow_app::CurrentUser,
    review: casewindow_domain::ids::ReviewId,
    id: uuid::Uuid,
) -> Result<Stored<R>, WebError> {
    let stored = app.record::<R>(&user.actor(), id).await?;
    if stored.record.review_id() != review {
        return Err(WebError::NotFound);
    }
    Ok(stored)
}

/// The version a form was opened at.
pub fn version(form: &FormData) -> Option<i64> {
    form.number("version").ok().flatten()
}

/// The reason a user gave for a change, or a plain default.
pub fn reason(form: &FormData, default: &str) -> String {
    let given = form.get("change_reason");
    if given.trim().is_empty() {
        default.to_owned()
    } else {
        given.trim().to_owned()
    }
}

/// Redirects after a successful save.
pub fn see_other(href: &str) -> Response {
    Redirect::to(href).into_response()
}

#[derive(Template)]
#[template(path = "conflict.html")]
struct ConflictPage {
    layout: Layout,
    back: String,
    version: i64,
    updated_at: String,
    rows: Vec<(String, String, String, bool)>,
    same: Vec<(String, String)>,
}

/// The conflict page (409): the record as someone else saved it beside the user's version.
pub fn conflict<R: serde::Serialize>(
    layout: &Layout,
    theirs: &Stored<R>,
    mine: &R,
    back: &str,
) -> Result<Response, WebError> {
    conflict_page(layout, theirs, mine, back)
}

fn conflict_page<R: serde::Serialize>(
    layout: &Layout,
    theirs: &Stored<R>,
    mine: &R,
    back: &str,
) -> Result<Response, WebError> {
    let mut theirs_flat = Vec::new();
    flatten(
        "",
        &serde_json::to_value(&theirs.record).unwrap_or(Value::Null),
        &mut theirs_flat,
    );
    let mut mine_flat = Vec::new();
    flatten(
        "",
        &serde_json::to_value(mine).unwrap_or(Value::Null),
        &mut mine_flat,
    );
    let mut rows = Vec::new();
    for (path, their_value) in &theirs_flat {
        // Identifiers mean nothing to a reader; links are shown through their own pages.
        if path == "id" || path.ends_with("_id") || path.contains("_ids[") || path.ends_with("_ids")
        {
            continue;
        }
        let my_value = mine_flat
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        rows.push((
            path.replace('_', " "),
            their_value.clone(),
            my_value.clone(),
            *their_value != my_value,
        ));
    }
    for (path, my_value) in &mine_flat {
        if path == "id" || path.ends_with("_id") || path.contains("_ids[") || path.ends_with("_ids")
        {
            continue;
        }
        if !theirs_flat.iter().any(|(p, _)| p == path) {
            rows.push((
                path.replace('_', " "),
                String::new(),
                my_value.clone(),
                true,
            ));
        }
    }
    let same = rows
        .iter()
        .filter(|r| !r.3)
        .map(|r| (r.0.clone(), r.1.clone()))
        .collect();
    rows.retain(|r| r.3);
    let mut frame = layout.clone();
    frame.title = format!("Someone else changed this – {}", layout.title);
    let page = ConflictPage {
        layout: frame,
        back: back.to_owned(),
        version: theirs.meta.version,
        updated_at: theirs
            .meta
            .updated_at
            .format("%-d %B %Y at %H:%M")
            .to_string(),
        rows,
        same,
    };
    let mut response = render(&page)?;
    *response.status_mut() = axum::http::StatusCode::CONFLICT;
    Ok(response)
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        Value::Array(items) => {
            if items.is_empty() {
                out.push((prefix.to_owned(), String::new()));
            }
            for (idx, inner) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{}]", idx + 1), inner, out);
            }
        }
        Value::Null => out.push((prefix.to_owned(), String::new())),
        Value::String(text) => out.push((prefix.to_owned(), text.clone())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

/// Maps a record path (`appraisal.rationale`, `questions[2]`) to the form field showing it.
pub fn field_from_path(path: &str) -> String {
    let head = path.split('[').next().unwrap_or(path);
    head.replace('.', "_")
}
