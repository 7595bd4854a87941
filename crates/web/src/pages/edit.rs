//! The one way every record page creates and changes a record: findings, key practice
//! episodes, conversations, narrative sections, the terms of reference, responses, actions and
//! participants each say what is particular to them ([`RecordForm`]: the form, the page, where
//! a save leads); reading, authorising, checking and writing are the application's, called the
//! same way for all of them, and so is what the user sees when a save is refused (the form
//! again, 422) or overtaken (both versions, 409).

use super::{render, review_frame};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::SignedIn;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use casewindow_app::{AppError, CurrentUser, Edited, InReview, Permission};
use casewindow_domain::ids::ReviewId;
use casewindow_store::{Store, Stored};
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

/// Where a page is asked for: the application, who asks, and in which review.
pub struct At<'a, S: Store> {
    pub app: &'a AppState<S>,
    pub user: &'a CurrentUser,
    pub review: ReviewId,
}

impl<S: Store> Clone for At<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: Store> Copy for At<'_, S> {}

impl<'a, S: Store> At<'a, S> {
    pub fn new(app: &'a AppState<S>, user: &'a CurrentUser, review: ReviewId) -> Self {
        Self { app, user, review }
    }

    /// The review and the frame of one of its pages (see [`review_frame`]), marked as showing
    /// errors when there are some.
    pub async fn frame(
        &self,
        section: &str,
        title: &str,
        errors: &Errors,
    ) -> Result<(Stored<casewindow_domain::review::Review>, Layout), WebError> {
        let (review, mut frame) =
            review_frame(self.app, self.user, self.review, section, title).await?;
        frame.has_errors = !errors.is_empty();
        Ok((review, frame))
    }
}

/// What a record's form page shows: the form's fields, the problems found with them, and the
/// record being changed (none for a new one).
pub struct Shown<'a, R> {
    pub form: FormData,
    pub errors: Errors,
    pub existing: Option<&'a Stored<R>>,
}

impl<'a, R> Shown<'a, R> {
    pub fn new(form: FormData, errors: Errors, existing: Option<&'a Stored<R>>) -> Self {
        Self {
            form,
            errors,
            existing,
        }
    }
}

/// A page being put together.
pub type Page<'a> = Pin<Box<dyn Future<Output = Result<Response, WebError>> + Send + 'a>>;

/// What a kind of record says about its page; the flow that uses it is below.
pub trait RecordPage: InReview + serde::Serialize + Clone + Send + Sync + 'static {
    /// The review section its pages belong to, for the frame (`/findings`).
    const SECTION: &'static str;
    /// What changing one needs (the application checks it again when saving).
    const PERMISSION: Permission;
    /// What the change history says when the user gives no reason.
    const EDITED: &'static str;
    /// Whether those who may only read the record may open its form (where it is also the
    /// record's page); otherwise opening it needs [`Self::PERMISSION`] too.
    const FORM_IS_ITS_PAGE: bool = true;
    /// Whether its form is on the list it is saved to (as responses and actions are on the
    /// action plan), rather than on a page of its own.
    const FORM_ON_LIST: bool = false;

    /// The form field that shows a problem found at `path` of the record.
    fn field_for(&self, path: &str) -> String {
        field_from_path(path)
    }

    /// Where the user goes once it is saved: the section's list, unless said otherwise.
    fn saved_href(&self) -> String {
        format!("/reviews/{}{}", self.review_id(), Self::SECTION)
    }

    /// Where its form is.
    fn edit_href(&self) -> String {
        if Self::FORM_ON_LIST {
            return self.saved_href();
        }
        let (review, section, id) = (self.review_id(), Self::SECTION, self.id());
        format!("/reviews/{review}{section}/{id}")
    }

    /// The page with the form.
    fn page<'a, S: Store>(at: At<'a, S>, shown: Shown<'a, Self>) -> Page<'a>;
}

/// A record created and changed through one form: how the form reads and writes it.
pub trait RecordForm: RecordPage {
    /// What the server knows that the form must not be trusted with (the suggestion a finding
    /// was written with, the sources the user may cite), looked up once per save.
    type Facts: Send + Sync + Default;

    /// Looks up the facts for a save of `form`; none unless the kind needs some.
    fn facts<'a, S: Store>(
        at: At<'a, S>,
        form: &'a FormData,
    ) -> impl Future<Output = Result<Self::Facts, WebError>> + Send + 'a {
        let _ = (at, form);
        std::future::ready(Ok(Self::Facts::default()))
    }

    /// A new record of the review, before the form fills it in (the store numbers it).
    fn blank(review: ReviewId, today: chrono::NaiveDate) -> Self;

    /// The record as the form's fields (without its version).
    fn to_form(&self) -> FormData;

    /// `base` changed as the form says; the problems by field where the form cannot be read.
    fn from_form(form: &FormData, base: &Self, facts: &Self::Facts) -> Result<Self, Errors>;
}

/// The routes of a kind's form pages below `list` (`/reviews/{id}/kpes`): `…/new` to create one
/// and `…/{param}` (`…/{kpe}`) to open and change one.
pub fn form_routes<S: Store, R: RecordForm>(list: &str, param: &str) -> axum::Router<AppState<S>> {
    use axum::routing::get;
    axum::Router::new()
        .route(
            &format!("{list}/new"),
            get(new_form::<S, R>).post(create_handler::<S, R>),
        )
        .route(
            &format!("{list}/{{{param}}}"),
            get(edit_form::<S, R>).post(update_handler::<S, R>),
        )
}

/// Where a record's form is sent: `…/new` for a new one, else the record's own address.
pub fn form_action(list: &str, existing: Option<impl std::fmt::Display>) -> String {
    match existing {
        Some(id) => format!("{list}/{id}"),
        None => format!("{list}/new"),
    }
}

/// `GET …/new`: the form for a new record.
pub async fn new_form<S: Store, R: RecordForm>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(review): Path<ReviewId>,
) -> Result<Response, WebError> {
    super::require(&app, &user, review, R::PERMISSION).await?;
    let form = R::blank(review, app.today()).to_form();
    R::page(
        At::new(&app, &user, review),
        Shown::new(form, Errors::none(), None),
    )
    .await
}

/// `GET …/{record}`: the form for a record as it is stored.
pub async fn edit_form<S: Store, R: RecordForm>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((review, id)): Path<(ReviewId, uuid::Uuid)>,
) -> Result<Response, WebError> {
    if !R::FORM_IS_ITS_PAGE {
        super::require(&app, &user, review, R::PERMISSION).await?;
    }
    let stored = record_in::<S, R>(&app, &user, review, id).await?;
    let shown = Shown::new(stored_form(&stored), Errors::none(), Some(&stored));
    R::page(At::new(&app, &user, review), shown).await
}

/// `POST …/new`: creates the record the form describes.
pub async fn create_handler<S: Store, R: RecordForm>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(review): Path<ReviewId>,
    form: FormData,
) -> Result<Response, WebError> {
    create::<S, R>(&app, &user, review, form).await
}

/// `POST …/{record}`: changes the record as the form says.
pub async fn update_handler<S: Store, R: RecordForm>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((review, id)): Path<(ReviewId, uuid::Uuid)>,
    form: FormData,
) -> Result<Response, WebError> {
    update::<S, R>(&app, &user, review, id, form).await
}

/// The withdrawal part of a record's page: how to withdraw it, or that it was.
pub struct WithdrawView {
    /// Where the withdrawal form is sent.
    pub action: String,
    pub version: i64,
    /// What the record is called ("section", "participant").
    pub what: &'static str,
    /// "on 7 December 2026: added by mistake", once withdrawn.
    pub done: Option<String>,
}

impl WithdrawView {
    /// For a saved record (none for a new one).
    pub fn of<R: casewindow_domain::validation::Withdrawable>(
        stored: Option<&Stored<R>>,
        action: String,
        what: &'static str,
    ) -> Option<Self> {
        let stored = stored?;
        Some(Self {
            action,
            version: stored.meta.version,
            what,
            done: stored.record.withdrawn().map(withdrawn_text),
        })
    }
}

/// When and why a record was withdrawn: "on 7 December 2026: added by mistake".
pub fn withdrawn_text(w: &casewindow_domain::validation::Withdrawal) -> String {
    format!("on {}: {}", w.on.format("%-d %B %Y"), w.reason)
}

/// `POST …/{record}/withdraw`: withdraws the record with the reason given, then back to its
/// list; a missing reason comes back to the record's page saying so.
pub async fn withdraw_handler<S: Store, R>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path((review, id)): Path<(ReviewId, uuid::Uuid)>,
    form: FormData,
) -> Result<Response, WebError>
where
    R: RecordForm + casewindow_domain::validation::Withdrawable,
{
    let version = version(&form).unwrap_or(0);
    let reason = form.get("withdraw_reason");
    match app
        .withdraw::<R>(&user.actor(), review, id, version, &reason)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/reviews/{review}{}", R::SECTION))),
        Err(AppError::Invalid(problems)) => {
            let current = record_in::<S, R>(&app, &user, review, id).await?;
            let mut errors = Errors::none();
            for problem in &problems {
                let mut why = problem.reason.clone();
                if let Some(first) = why.get(..1) {
                    why.replace_range(..1, &first.to_uppercase());
                }
                errors.add("withdraw_reason", why);
            }
            let mut shown = stored_form(&current);
            shown.set("withdraw_reason", reason);
            R::page(
                At::new(&app, &user, review),
                Shown::new(shown, errors, Some(&current)),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// Creates the record the form describes, once per the form's one-time key: a repeated
/// submit leads where the first one did.
pub async fn create<S: Store, R: RecordForm>(
    app: &AppState<S>,
    user: &CurrentUser,
    review: ReviewId,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(app, user, review, R::PERMISSION).await?;
    let facts = R::facts(At::new(app, user, review), &form).await?;
    match R::from_form(&form, &R::blank(review, app.today()), &facts) {
        Ok(record) => create_record(app, user, review, form, record).await,
        Err(errors) => R::page(At::new(app, user, review), Shown::new(form, errors, None)).await,
    }
}

/// Creates a record built from a form, once per the form's one-time key.
pub async fn create_record<S: Store, R: RecordPage>(
    app: &AppState<S>,
    user: &CurrentUser,
    review: ReviewId,
    form: FormData,
    record: R,
) -> Result<Response, WebError> {
    match app
        .create_once(&user.actor(), &record, Some(&form.get("once")))
        .await
    {
        Ok(stored) => Ok(see_other(&stored.record.saved_href())),
        Err(AppError::Invalid(problems)) => {
            let errors = Errors::from_problems(&problems, |path| record.field_for(path));
            R::page(At::new(app, user, review), Shown::new(form, errors, None)).await
        }
        Err(other) => Err(other.into()),
    }
}

/// Changes a record as the form says, with the reason the user gave (or the kind's default).
pub async fn update<S: Store, R: RecordForm>(
    app: &AppState<S>,
    user: &CurrentUser,
    review: ReviewId,
    id: uuid::Uuid,
    form: FormData,
) -> Result<Response, WebError> {
    let facts = R::facts(At::new(app, user, review), &form).await?;
    let reason = reason(&form, R::EDITED);
    change::<S, R>(
        app,
        user,
        review,
        id,
        &form,
        &reason,
        |current| R::from_form(&form, current, &facts),
        |_| form.clone(),
    )
    .await
}

/// Changes a record through the application in one pass (read, authorise, `change`, check,
/// write: see `App::edit`), from the version the form was opened at. Where `change` refuses
/// the record as it stands, or the application finds a problem, the page shows `shown` of the
/// current record with the problems; where someone saved first, both versions.
#[allow(clippy::too_many_arguments)] // the request, the record and the change; a struct would only rename them
pub async fn change<S: Store, R: RecordPage>(
    app: &AppState<S>,
    user: &CurrentUser,
    review: ReviewId,
    id: uuid::Uuid,
    form: &FormData,
    reason: &str,
    change: impl Fn(&R) -> Result<R, Errors> + Send + Sync,
    shown: impl Fn(&Stored<R>) -> FormData + Send + Sync,
) -> Result<Response, WebError> {
    let version = version(form).unwrap_or(0);
    let outcome = app
        .edit(&user.actor(), review, id, version, reason, &change)
        .await;
    match outcome {
        Ok(Edited::Saved(saved)) => Ok(see_other(&saved.record.saved_href())),
        Ok(Edited::Refused { current, why }) => {
            let form = shown(&current);
            R::page(
                At::new(app, user, review),
                Shown::new(form, why, Some(&current)),
            )
            .await
        }
        Err(AppError::Invalid(problems)) => {
            let current = record_in::<S, R>(app, user, review, id).await?;
            let errors = Errors::from_problems(&problems, |path| current.record.field_for(path));
            let form = shown(&current);
            R::page(
                At::new(app, user, review),
                Shown::new(form, errors, Some(&current)),
            )
            .await
        }
        Err(AppError::Conflict(_)) => {
            let theirs = record_in::<S, R>(app, user, review, id).await?;
            // The version the form was opened at: the user's change is what their form did to
            // it, and the other save is what happened to it since.
            let (_, revisions) = app.record_history::<R>(&user.actor(), id).await?;
            let base: Option<R> = revisions
                .iter()
                .find(|r| r.version == version)
                .and_then(|r| serde_json::from_str(&r.body).ok());
            let opened = base.as_ref().unwrap_or(&theirs.record);
            let mine = change(opened).unwrap_or_else(|_| opened.clone());
            let saved_by = match theirs.meta.updated_by {
                Some(by) if by == user.user.id => SavedBy::You,
                Some(by) => SavedBy::Someone(
                    app.user_names(&user.actor())
                        .await
                        .ok()
                        .and_then(|names| names.get(&by).cloned())
                        .unwrap_or_else(|| "someone else".to_owned()),
                ),
                None => SavedBy::Someone("an import or the command line".to_owned()),
            };
            let (_, frame) = review_frame(app, user, review, R::SECTION, "Changed").await?;
            conflict(
                &frame,
                &theirs,
                base.as_ref(),
                &mine,
                &saved_by,
                &theirs.record.edit_href(),
            )
        }
        Err(other) => Err(other.into()),
    }
}

/// A stored record as its form, with the version it was opened at.
pub fn stored_form<R: RecordForm>(stored: &Stored<R>) -> FormData {
    let mut form = stored.record.to_form();
    form.set("version", stored.meta.version.to_string());
    form
}

/// A record of review `review` the user may read; "not found" if it belongs to another review
/// (an address that mixes one review's id with another's record).
pub async fn record_in<S: Store, R: InReview>(
    app: &AppState<S>,
    user: &CurrentUser,
    review: ReviewId,
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

/// A field of the conflict page: its name and the two versions' values.
struct Difference {
    field: String,
    saved: String,
    mine: String,
    /// The other save changed it too (not only you).
    both: bool,
}

/// Who saved the version that stopped the user's save.
pub enum SavedBy {
    /// The user, in another window or tab.
    You,
    Someone(String),
}

#[derive(Template)]
#[template(path = "conflict.html")]
struct ConflictPage {
    layout: Layout,
    back: String,
    version: i64,
    updated_at: String,
    by_you: bool,
    by: String,
    rows: Vec<Difference>,
    /// How many fields only the other save changed (kept, not shown as differences).
    theirs_only: usize,
}

/// The conflict page (409): the fields the user changed, as saved since and as they wrote them.
/// With the version the user opened (`base`), only what they changed is listed, and whether the
/// other save changed it too; fields nobody changed are left out.
pub fn conflict<R: serde::Serialize>(
    layout: &Layout,
    theirs: &Stored<R>,
    base: Option<&R>,
    mine: &R,
    saved_by: &SavedBy,
    back: &str,
) -> Result<Response, WebError> {
    let theirs_flat = flat(&theirs.record);
    let mine_flat = flat(mine);
    let base_flat = base.map(flat);
    let value_in = |flat: &[(String, String)], path: &str| {
        flat.iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut paths: Vec<&String> = theirs_flat.iter().map(|(p, _)| p).collect();
    paths.extend(
        mine_flat
            .iter()
            .map(|(p, _)| p)
            .filter(|p| !theirs_flat.iter().any(|(q, _)| q == *p)),
    );
    let (mut rows, mut theirs_only) = (Vec::new(), 0);
    // Identifiers mean nothing to a reader; links are shown through their own pages.
    for path in paths.into_iter().filter(|p| !is_identifier(p)) {
        let (saved, yours) = (value_in(&theirs_flat, path), value_in(&mine_flat, path));
        if saved == yours {
            continue;
        }
        let (you_changed, they_changed) = match &base_flat {
            Some(base) => {
                let opened = value_in(base, path);
                (yours != opened, saved != opened)
            }
            None => (true, true),
        };
        if !you_changed {
            theirs_only += 1;
            continue;
        }
        rows.push(Difference {
            field: field_label(path),
            saved,
            mine: yours,
            both: they_changed,
        });
    }
    let (by_you, by) = match saved_by {
        SavedBy::You => (true, "you".to_owned()),
        SavedBy::Someone(name) => (false, name.clone()),
    };
    let mut frame = layout.clone();
    frame.title = if by_you {
        format!("You changed this in another window – {}", layout.title)
    } else {
        format!("Someone else changed this – {}", layout.title)
    };
    let page = ConflictPage {
        layout: frame,
        back: back.to_owned(),
        version: theirs.meta.version,
        updated_at: theirs
            .meta
            .updated_at
            .format("%-d %B %Y at %H:%M")
            .to_string(),
        by_you,
        by,
        rows,
        theirs_only,
    };
    let mut response = render(&page)?;
    *response.status_mut() = axum::http::StatusCode::CONFLICT;
    Ok(response)
}

/// A field's path as a reader names it: "local_rationality[1].account" (paths number list
/// items from 1) becomes "Local rationality 1: account".
fn field_label(path: &str) -> String {
    let mut out = String::new();
    for (n, part) in path.split('.').enumerate() {
        if n > 0 {
            out.push_str(": ");
        }
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        out.push_str(&name.replace('_', " "));
        if let Some(i) = index {
            out.push_str(&format!(" {i}"));
        }
    }
    super::text::capitalise(&out)
}

fn is_identifier(path: &str) -> bool {
    path == "id" || path.ends_with("_id") || path.contains("_ids[") || path.ends_with("_ids")
}

/// A record as (path, value) pairs, one per leaf.
fn flat<R: serde::Serialize>(record: &R) -> Vec<(String, String)> {
    let mut out = Vec::new();
    flatten(
        "",
        &serde_json::to_value(record).unwrap_or(Value::Null),
        &mut out,
    );
    out
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

#[cfg(test)]
mod label_tests {
    #[test]
    fn a_field_path_reads_as_its_label() {
        assert_eq!(super::field_label("timescales"), "Timescales");
        assert_eq!(
            super::field_label("local_rationality[2].account"),
            "Local rationality 2: account"
        );
        assert_eq!(super::field_label("why_it_matters"), "Why it matters");
    }
}
