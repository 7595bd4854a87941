//! Terms of reference: the current version, editing (each save is a new version), and a
//! word-level comparison between any two versions.

use super::edit::{self, Saved};
use super::{render, review_frame};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use casewindow_app::CurrentUser;
use casewindow_domain::ids::{AgencyId, ReviewId, TermsOfReferenceId};
use casewindow_domain::review::TermsOfReference;
use casewindow_store::{Store, Stored};
use serde::Deserialize;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reviews/{id}/terms", get(show::<S>))
        .route(
            "/reviews/{id}/terms/edit",
            get(edit_form::<S>).post(save::<S>),
        )
}

/// The terms as plain lines, for display and comparison.
fn as_lines(
    terms: &TermsOfReference,
    agency_name: &dyn Fn(AgencyId) -> String,
) -> Vec<(String, String)> {
    let mut lines = vec![("Purpose".to_owned(), terms.purpose.clone())];
    for (idx, question) in terms.research_questions.iter().enumerate() {
        lines.push((format!("Research question {}", idx + 1), question.clone()));
    }
    let agencies: Vec<String> = terms
        .agencies_in_scope
        .iter()
        .map(|a| agency_name(*a))
        .collect();
    lines.push(("Agencies in scope".to_owned(), agencies.join(", ")));
    lines.push((
        "Family involvement".to_owned(),
        terms.family_involvement_plan.clone(),
    ));
    lines.push((
        "Why this scale of review".to_owned(),
        terms.proportionality_rationale.clone(),
    ));
    lines.push(("Timescales".to_owned(), terms.timescales.clone()));
    lines.push((
        "Agreed".to_owned(),
        terms.agreed_on.map_or_else(
            || "Not yet agreed".to_owned(),
            |d| d.format("%-d %B %Y").to_string(),
        ),
    ));
    lines
}

/// A word-level difference: (text, kind) where kind is "same", "add" or "del".
fn diff_words(old: &str, new: &str) -> Vec<(String, &'static str)> {
    let a: Vec<&str> = old.split_whitespace().collect();
    let b: Vec<&str> = new.split_whitespace().collect();
    let (n, m) = (a.len(), b.len());
    if n * m > 4_000_000 {
        return vec![(old.to_owned(), "del"), (new.to_owned(), "add")];
    }
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    let push = |text: &str, kind: &'static str, out: &mut Vec<(String, &'static str)>| match out
        .last_mut()
    {
        Some((last, last_kind)) if *last_kind == kind => {
            last.push(' ');
            last.push_str(text);
        }
        _ => out.push((text.to_owned(), kind)),
    };
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            push(a[i], "same", &mut out);
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            push(b[j], "add", &mut out);
            j += 1;
        } else {
            push(a[i], "del", &mut out);
            i += 1;
        }
    }
    out
}

#[derive(Deserialize)]
struct Compare {
    from: Option<i64>,
    to: Option<i64>,
}

#[derive(Template)]
#[template(path = "terms.html")]
struct TermsPage {
    layout: Layout,
    id: String,
    current: Vec<(String, String)>,
    version: i64,
    versions: Vec<(i64, String, String)>,
    from: i64,
    to: i64,
    diff: Vec<(String, Vec<(String, &'static str)>)>,
}

/// Two versions of the terms, field by field, word by word (a field only one has shows as all
/// added or all removed).
fn diff_versions(
    old: &[(String, String)],
    new: &[(String, String)],
) -> Vec<(String, Vec<(String, &'static str)>)> {
    let mut rows = Vec::new();
    for (label, new_text) in new {
        let old_text = old
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, t)| t.as_str())
            .unwrap_or("");
        rows.push((label.clone(), diff_words(old_text, new_text)));
    }
    for (label, old_text) in old {
        if !new.iter().any(|(l, _)| l == label) {
            rows.push((label.clone(), diff_words(old_text, "")));
        }
    }
    rows
}

async fn show<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
    Query(compare): Query<Compare>,
) -> Result<Response, WebError> {
    let (_, frame) = review_frame(&app, &user, id, "/terms", "Terms of reference").await?;
    let actor = user.actor();
    let agencies = app.agencies_of(&actor, id).await?;
    let name = |a: AgencyId| {
        agencies
            .iter()
            .find(|x| x.id == a)
            .map_or_else(|| "Another agency".to_owned(), |x| x.name.clone())
    };
    let Some(stored) = app.records::<TermsOfReference>(&actor, id).await?.pop() else {
        return render(&TermsPage {
            layout: frame,
            id: id.to_string(),
            current: Vec::new(),
            version: 0,
            versions: Vec::new(),
            from: 0,
            to: 0,
            diff: Vec::new(),
        });
    };
    let (_, revisions) = app
        .record_history::<TermsOfReference>(&actor, stored.record.id.0)
        .await?;
    let mut all: Vec<(i64, TermsOfReference, String, String)> = revisions
        .iter()
        .filter_map(|r| {
            serde_json::from_str::<TermsOfReference>(&r.body)
                .ok()
                .map(|t| {
                    (
                        r.version,
                        t,
                        r.replaced_at.format("%-d %B %Y %H:%M").to_string(),
                        r.reason.clone(),
                    )
                })
        })
        .collect();
    all.push((
        stored.meta.version,
        stored.record.clone(),
        stored.meta.updated_at.format("%-d %B %Y %H:%M").to_string(),
        "current version".to_owned(),
    ));
    let to = compare.to.unwrap_or(stored.meta.version);
    let from = compare.from.unwrap_or(to - 1).max(1);
    let find = |v: i64| {
        all.iter()
            .find(|(version, ..)| *version == v)
            .map(|(_, t, ..)| as_lines(t, &name))
    };
    let diff = match (find(from), find(to)) {
        (Some(old), Some(new)) if from != to => diff_versions(&old, &new),
        _ => Vec::new(),
    };
    render(&TermsPage {
        layout: frame,
        id: id.to_string(),
        current: as_lines(&stored.record, &name),
        version: stored.meta.version,
        versions: all
            .iter()
            .map(|(v, _, at, why)| (*v, at.clone(), why.clone()))
            .rev()
            .collect(),
        from,
        to,
        diff,
    })
}

#[derive(Template)]
#[template(path = "terms_edit.html")]
struct EditPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    id: String,
    is_new: bool,
    agencies: Vec<(String, String)>,
}

fn to_form(stored: &Stored<TermsOfReference>) -> FormData {
    let terms = &stored.record;
    let mut form = FormData::default();
    form.push("version", stored.meta.version.to_string());
    form.push("purpose", terms.purpose.clone());
    form.push("research_questions", terms.research_questions.join("\n"));
    for agency in &terms.agencies_in_scope {
        form.push("agencies_in_scope", agency.to_string());
    }
    form.push(
        "family_involvement_plan",
        terms.family_involvement_plan.clone(),
    );
    form.push(
        "proportionality_rationale",
        terms.proportionality_rationale.clone(),
    );
    form.push("timescales", terms.timescales.clone());
    if let Some(agreed) = terms.agreed_on {
        form.push("agreed_on", agreed.to_string());
    }
    form
}

async fn edit_page<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    id: ReviewId,
    form: FormData,
    errors: Errors,
    is_new: bool,
) -> Result<Response, WebError> {
    let (_, mut frame) =
        review_frame(app, user, id, "/terms", "Edit the terms of reference").await?;
    frame.has_errors = !errors.is_empty();
    let agencies = app
        .agencies_of(&user.actor(), id)
        .await?
        .into_iter()
        .map(|a| (a.id.to_string(), a.name))
        .collect();
    render(&EditPage {
        layout: frame,
        errors,
        form,
        id: id.to_string(),
        is_new,
        agencies,
    })
}

async fn edit_form<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    let current = app
        .records::<TermsOfReference>(&user.actor(), id)
        .await?
        .pop();
    let is_new = current.is_none();
    edit_page(
        &app,
        &user,
        id,
        current.as_ref().map(to_form).unwrap_or_default(),
        Errors::none(),
        is_new,
    )
    .await
}

async fn save<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(id): Path<ReviewId>,
    form: FormData,
) -> Result<Response, WebError> {
    super::require(&app, &user, id, casewindow_app::Permission::EditAnalysis).await?;
    let actor = user.actor();
    let current = app.records::<TermsOfReference>(&actor, id).await?.pop();
    let mut errors = Errors::none();
    let agreed_on = form
        .date("agreed_on")
        .map_err(|m| errors.add("agreed_on", format!("The date {m}")))
        .ok()
        .flatten();
    if !errors.is_empty() {
        return edit_page(&app, &user, id, form, errors, current.is_none()).await;
    }
    let terms = TermsOfReference {
        id: current
            .as_ref()
            .map_or_else(|| TermsOfReferenceId(uuid::Uuid::new_v4()), |c| c.record.id),
        review_id: id,
        purpose: form.get("purpose").trim().to_owned(),
        research_questions: form.lines("research_questions"),
        agencies_in_scope: form
            .all("agencies_in_scope")
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect(),
        family_involvement_plan: form.get("family_involvement_plan").trim().to_owned(),
        proportionality_rationale: form.get("proportionality_rationale").trim().to_owned(),
        timescales: form.get("timescales").trim().to_owned(),
        agreed_on,
    };
    let version = current.as_ref().map(|_| edit::version(&form).unwrap_or(0));
    let (_, frame) = review_frame(&app, &user, id, "/terms", "Terms of reference").await?;
    let back = format!("/reviews/{id}/terms/edit");
    match edit::save(
        &app,
        &actor,
        &frame,
        terms,
        version,
        &form,
        &edit::reason(&form, "revised the terms of reference"),
        &back,
        edit::field_from_path,
    )
    .await?
    {
        Saved::Done(_) => Ok(edit::see_other(&format!("/reviews/{id}/terms"))),
        Saved::Invalid(errors) => edit_page(&app, &user, id, form, errors, current.is_none()).await,
        Saved::Conflict(response) => Ok(response),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_diff_marks_additions_and_deletions() {
        let diff = diff_words(
            "agencies share concerns about neglect",
            "agencies recognise and share concerns about chronic neglect",
        );
        assert_eq!(
            diff,
            vec![
                ("agencies".to_owned(), "same"),
                ("recognise and".to_owned(), "add"),
                ("share concerns about".to_owned(), "same"),
                ("chronic".to_owned(), "add"),
                ("neglect".to_owned(), "same"),
            ]
        );
        assert_eq!(diff_words("a b", ""), vec![("a b".to_owned(), "del")]);
    }
}
