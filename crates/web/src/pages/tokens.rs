//! The signed-in user's API tokens: make one (shown once), see each with its scope, reviews,
//! expiry and last use, revoke one.

use super::{form_layout, render};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use casewindow_app::{AppError, CurrentUser, NewToken, TokenView};
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/account/tokens", get(show::<S>).post(create::<S>))
        .route("/account/tokens/{token}/revoke", post(revoke::<S>))
}

/// One token as listed.
struct Row {
    id: String,
    name: String,
    scope: &'static str,
    reviews: String,
    created: String,
    expires: String,
    last_used: String,
    state: &'static str,
    live: bool,
}

/// A review to choose for a new token.
struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    rows: Vec<Row>,
    reviews: Vec<Choice>,
    /// The token just made, shown this once.
    made: String,
}

fn day(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %b %Y").to_string()
}

fn row(token: TokenView) -> Row {
    let state = if token.revoked_at.is_some() {
        "Revoked"
    } else if token.live {
        "Live"
    } else {
        "Expired"
    };
    Row {
        id: token.id.to_string(),
        name: token.name,
        scope: if token.write {
            "Read and write"
        } else {
            "Read only"
        },
        reviews: if token.reviews.is_empty() {
            "All your reviews".to_owned()
        } else {
            token
                .reviews
                .into_iter()
                .map(|(_, title)| title)
                .collect::<Vec<_>>()
                .join("; ")
        },
        created: day(token.created_at),
        expires: day(token.expires_at),
        last_used: token.last_used_at.map_or_else(
            || "Never".to_owned(),
            |at| at.format("%-d %b %Y, %H:%M").to_string(),
        ),
        state,
        live: token.live,
    }
}

async fn page<S: Store>(
    app: &casewindow_app::App<S>,
    user: &CurrentUser,
    form: FormData,
    errors: Errors,
    made: String,
) -> Result<Response, WebError> {
    let actor = user.actor();
    let rows = app.api_tokens(&actor).await?.into_iter().map(row).collect();
    let mut reviews: Vec<Choice> = app
        .reviews(&actor)
        .await?
        .into_iter()
        .filter(|s| s.readable)
        .map(|s| Choice {
            value: s.review.record.id.to_string(),
            label: s.review.record.title,
        })
        .collect();
    reviews.sort_by(|a, b| a.label.cmp(&b.label));
    let mut frame = form_layout(user, "Tokens for programs", &errors);
    frame
        .breadcrumbs
        .push(crate::layout::Crumb::new("/account", "Your account"));
    render(&TokensPage {
        layout: frame,
        errors,
        form,
        rows,
        reviews,
        made,
    })
}

async fn show<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
) -> Result<Response, WebError> {
    let mut form = FormData::default();
    form.set("days", "90");
    form.set("scope", "read");
    page(&app, &user, form, Errors::none(), String::new()).await
}

async fn create<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    form: FormData,
) -> Result<Response, WebError> {
    let mut errors = Errors::none();
    let days = match form.number("days") {
        Ok(Some(days)) => days,
        Ok(None) => {
            errors.add("days", "Enter how many days the token lives, from 1 to 366");
            0
        }
        Err(why) => {
            errors.add("days", why);
            0
        }
    };
    let mut reviews = Vec::new();
    for value in form.all("reviews") {
        match value.parse() {
            Ok(id) => reviews.push(id),
            Err(_) => errors.add("reviews", "Choose reviews from the list"),
        }
    }
    let scope = form.get("scope");
    if scope != "read" && scope != "write" {
        errors.add("scope", "Choose what the token may do");
    }
    if errors.is_empty() {
        let new = NewToken {
            name: form.get("name"),
            write: scope == "write",
            reviews,
            days,
        };
        match app.create_api_token(&user.actor(), &new).await {
            Ok((_, secret)) => {
                let mut blank = FormData::default();
                blank.set("days", "90");
                blank.set("scope", "read");
                return page(&app, &user, blank, Errors::none(), secret).await;
            }
            Err(AppError::Invalid(problems)) => {
                for problem in problems {
                    let field = problem.path.split('[').next().unwrap_or("name").to_owned();
                    errors.add(&field, crate::pages::text::capitalise(&problem.reason));
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    let mut response = page(&app, &user, form, errors, String::new()).await?;
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

async fn revoke<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let revoked = match token.parse() {
        Ok(id) => app.revoke_api_token(&user.actor(), id).await,
        Err(_) => Err(AppError::NotFound {
            what: "token".to_owned(),
        }),
    };
    match revoked {
        Ok(()) => Ok(Redirect::to("/account/tokens").into_response()),
        // Revoked already (in another tab), or never theirs: the list as it is, saying so.
        Err(AppError::NotFound { .. }) => {
            let mut errors = Errors::none();
            errors.add(
                "name",
                "That token is revoked already, or is not one of yours: your tokens are listed as they are now",
            );
            let mut response =
                page(&app, &user, FormData::default(), errors, String::new()).await?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}
