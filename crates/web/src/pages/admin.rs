//! Instance settings for platform administrators: the report template (standard wording and
//! the PDF layout), edited without a rebuild and kept in versions.

use super::render;
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use casewindow_app::{AppError, CurrentUser};
use casewindow_report::template::GlossaryEntry;
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new().route("/admin/report-template", get(show::<S>).post(save::<S>))
}

/// The label and hint of each wording field, by the names `Wording::fields_mut` gives.
const WORDING: [(&str, &str, &str); 11] = [
    ("introduction", "Introduction", "Opens every report."),
    (
        "methodology",
        "Methodology",
        "How a Learning Together review is done.",
    ),
    (
        "family_contribution",
        "The family's contribution",
        "Before the review's own plan for involving the family.",
    ),
    (
        "analysis",
        "Analysis of key practice episodes",
        "Introduces the episodes.",
    ),
    ("findings", "Findings", "Introduces the findings."),
    (
        "questions",
        "Questions for the partnership",
        "Introduces the questions.",
    ),
    ("method_appendix", "Appendix: the method", ""),
    ("briefing_intro", "7-minute briefing: opening", ""),
    ("briefing_close", "7-minute briefing: what to do next", ""),
    (
        "invitation_letter",
        "Invitation to take part (Appendix 1)",
        "Also {participant} (how the review refers to them) and {date}.",
    ),
    (
        "explanatory_note",
        "Explanatory note for those invited (Appendix 2)",
        "",
    ),
];

#[derive(Template)]
#[template(path = "admin_template.html")]
struct TemplatePage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    version: i64,
    saved: bool,
    wording: Vec<(&'static str, &'static str, &'static str)>,
}

fn form_of(template: &casewindow_report::Template, version: i64) -> FormData {
    let mut form = FormData::default();
    form.push("version", version.to_string());
    let mut wording = template.wording.clone();
    for (name, value) in wording.fields_mut() {
        form.push(name, value.clone());
    }
    let glossary: Vec<String> = wording
        .glossary
        .iter()
        .map(|g| format!("{}: {}", g.term, g.meaning))
        .collect();
    form.push("glossary", glossary.join("\n"));
    form.push("layout", template.layout.clone());
    form
}

fn template_of(form: &FormData, errors: &mut Errors) -> casewindow_report::Template {
    let mut template = casewindow_report::Template::default();
    let w = &mut template.wording;
    for (name, slot) in w.fields_mut() {
        *slot = form.get(name).replace("\r\n", "\n").trim().to_owned();
    }
    w.glossary.clear();
    for (idx, line) in form.get("glossary").lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match line.split_once(':') {
            Some((term, meaning)) if !term.trim().is_empty() && !meaning.trim().is_empty() => {
                w.glossary.push(GlossaryEntry {
                    term: term.trim().to_owned(),
                    meaning: meaning.trim().to_owned(),
                });
            }
            _ => errors.add(
                "glossary",
                format!(
                    "Line {} of the glossary needs a term, a colon and its meaning",
                    idx + 1
                ),
            ),
        }
    }
    template.layout = form.get("layout").replace("\r\n", "\n");
    if template.layout.trim().is_empty() {
        errors.add(
            "layout",
            "Enter the PDF layout (the built-in one is shown when you open this page)",
        );
    }
    template
}

fn page(
    user: &CurrentUser,
    form: FormData,
    errors: Errors,
    version: i64,
    saved: bool,
) -> Result<Response, WebError> {
    let frame = super::form_layout(user, "Report template", &errors);
    render(&TemplatePage {
        layout: frame,
        errors,
        form,
        version,
        saved,
        wording: WORDING.to_vec(),
    })
}

async fn show<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
) -> Result<Response, WebError> {
    if !user.platform_admin {
        return Err(WebError::NotFound);
    }
    let current = app.report_template().await?;
    page(
        &user,
        form_of(&current.template, current.version),
        Errors::none(),
        current.version,
        false,
    )
}

async fn save<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    form: FormData,
) -> Result<Response, WebError> {
    if !user.platform_admin {
        return Err(WebError::NotFound);
    }
    let mut errors = Errors::none();
    let template = template_of(&form, &mut errors);
    let expected = form.get("version").parse::<i64>().unwrap_or(-1);
    if !errors.is_empty() {
        return page(&user, form, errors, expected, false);
    }
    match app
        .save_report_template(&user.actor(), &template, expected)
        .await
    {
        Ok(version) => page(
            &user,
            form_of(&template, version),
            Errors::none(),
            version,
            true,
        ),
        Err(AppError::Invalid(problems)) => {
            for problem in problems {
                let field = if problem.path == "layout" {
                    "layout"
                } else {
                    "version"
                };
                errors.add(field, super::text::capitalise(&problem.reason));
            }
            page(&user, form, errors, expected, false)
        }
        Err(other) => Err(other.into()),
    }
}
