//! Terms of reference: the current version, editing (each save is a new version), and a
//! word-level comparison between any two versions.

use super::edit::{self, At, Page, RecordForm, RecordPage, Shown};
use super::text::Choice;
use super::{Answer, Req, render, review_frame};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::response::Response;
use axum::routing::get;
use casewindow_app::{CurrentUser, Permission};
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
    current: Vec<TermsLine>,
    version: i64,
    versions: Vec<VersionRow>,
    from: i64,
    to: i64,
    diff: Vec<DiffRow>,
}

/// A field of the terms and what it says.
struct TermsLine {
    label: String,
    text: String,
}

/// A version of the terms: its number, when it was replaced (or saved, for the current one)
/// and why.
struct VersionRow {
    version: i64,
    at: String,
    why: String,
}

/// A field compared between two versions, as runs of words kept, added or removed.
struct DiffRow {
    label: String,
    parts: Vec<DiffPart>,
}

struct DiffPart {
    text: String,
    /// "same", "add" or "del".
    kind: &'static str,
}

fn terms_lines(lines: Vec<(String, String)>) -> Vec<TermsLine> {
    (lines.into_iter())
        .map(|(label, text)| TermsLine { label, text })
        .collect()
}

fn diff_rows(rows: Vec<(String, Vec<(String, &'static str)>)>) -> Vec<DiffRow> {
    (rows.into_iter())
        .map(|(label, parts)| DiffRow {
            label,
            parts: (parts.into_iter())
                .map(|(text, kind)| DiffPart { text, kind })
                .collect(),
        })
        .collect()
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

async fn show<S: Store>(req: Req<S>, Query(compare): Query<Compare>) -> Answer {
    let Req { app, user, id } = req;
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
        current: terms_lines(as_lines(&stored.record, &name)),
        version: stored.meta.version,
        versions: all
            .iter()
            .map(|(version, _, at, why)| VersionRow {
                version: *version,
                at: at.clone(),
                why: why.clone(),
            })
            .rev()
            .collect(),
        from,
        to,
        diff: diff_rows(diff),
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
    agencies: Vec<Choice>,
}

impl RecordPage for TermsOfReference {
    const SECTION: &'static str = "/terms";
    const PERMISSION: Permission = Permission::EditAnalysis;
    const EDITED: &'static str = "revised the terms of reference";

    fn edit_href(&self) -> String {
        format!("/reviews/{}/terms/edit", self.review_id)
    }

    fn page<'a, S: Store>(at: At<'a, S>, shown: Shown<'a, Self>) -> Page<'a> {
        Box::pin(edit_page(at, shown))
    }
}

/// The form for the terms of reference.
async fn edit_page<S: Store>(
    at: At<'_, S>,
    shown: Shown<'_, TermsOfReference>,
) -> Result<Response, WebError> {
    let title = "Edit the terms of reference";
    let (_, mut frame) = review_frame(at.app, at.user, at.review, "/terms", title).await?;
    frame.has_errors = !shown.errors.is_empty();
    let agencies = at
        .app
        .agencies_of(&at.user.actor(), at.review)
        .await?
        .into_iter()
        .filter(|a| a.withdrawn.is_none() || shown.form.has("agencies_in_scope", &a.id.to_string()))
        .map(|a| Choice::new(a.id.to_string(), a.name))
        .collect();
    render(&EditPage {
        layout: frame,
        errors: shown.errors,
        form: shown.form,
        id: at.review.to_string(),
        is_new: shown.existing.is_none(),
        agencies,
    })
}

impl RecordForm for TermsOfReference {
    type Facts = ();

    fn blank(review: ReviewId, _today: chrono::NaiveDate) -> Self {
        TermsOfReference {
            id: TermsOfReferenceId(uuid::Uuid::new_v4()),
            review_id: review,
            purpose: String::new(),
            research_questions: Vec::new(),
            agencies_in_scope: Vec::new(),
            family_involvement_plan: String::new(),
            proportionality_rationale: String::new(),
            timescales: String::new(),
            agreed_on: None,
        }
    }

    fn to_form(&self) -> FormData {
        let mut form = FormData::default();
        form.push("purpose", self.purpose.clone());
        form.push("research_questions", self.research_questions.join("\n"));
        for agency in &self.agencies_in_scope {
            form.push("agencies_in_scope", agency.to_string());
        }
        form.push(
            "family_involvement_plan",
            self.family_involvement_plan.clone(),
        );
        form.push(
            "proportionality_rationale",
            self.proportionality_rationale.clone(),
        );
        form.push("timescales", self.timescales.clone());
        if let Some(agreed) = self.agreed_on {
            form.push("agreed_on", agreed.to_string());
        }
        form
    }

    fn from_form(form: &FormData, base: &Self, _: &()) -> Result<Self, Errors> {
        let agreed_on = form.date("agreed_on").map_err(|m| {
            let mut errors = Errors::none();
            errors.add("agreed_on", format!("The date {m}"));
            errors
        })?;
        Ok(TermsOfReference {
            id: base.id,
            review_id: base.review_id,
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
        })
    }
}

/// The review's terms of reference, if it has them yet (a review has one at most).
async fn current<S: Store>(
    app: &AppState<S>,
    user: &CurrentUser,
    review: ReviewId,
) -> Result<Option<Stored<TermsOfReference>>, WebError> {
    Ok(app
        .records::<TermsOfReference>(&user.actor(), review)
        .await?
        .pop())
}

async fn edit_form<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    super::require(&app, &user, id, Permission::EditAnalysis).await?;
    let current = current(&app, &user, id).await?;
    let form = match &current {
        Some(stored) => edit::stored_form(stored),
        None => FormData::default(),
    };
    let shown = Shown::new(form, Errors::none(), current.as_ref());
    edit_page(At::new(&app, &user, id), shown).await
}

/// Writes the terms of reference: the first version, or a revision of the current one.
async fn save<S: Store>(req: Req<S>, form: FormData) -> Answer {
    let Req { app, user, id } = req;
    super::require(&app, &user, id, Permission::EditAnalysis).await?;
    match current(&app, &user, id).await? {
        Some(stored) => {
            edit::update::<S, TermsOfReference>(&app, &user, id, stored.record.id.0, form).await
        }
        None => edit::create::<S, TermsOfReference>(&app, &user, id, form).await,
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
