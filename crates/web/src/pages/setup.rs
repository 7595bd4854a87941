//! First run: create the first platform administrator in the browser, with the one-time code
//! the server printed when it started. Closed (not found) once an administrator exists.

use super::auth::{anonymous_layout, secure_cookies};
use super::render;
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::{PRESESSION_COOKIE, cookie, set_cookie};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use casewindow_app::AppError;
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new().route("/setup", get(show::<S>).post(submit::<S>))
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
}

fn page(token: &str, form: FormData, errors: Errors) -> Result<Response, WebError> {
    let mut layout = anonymous_layout(token, !errors.is_empty());
    layout.title = "Set up casewindow".to_owned();
    render(&SetupPage {
        layout,
        errors,
        form,
    })
}

async fn show<S: Store>(
    State(app): State<AppState<S>>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if !app.first_run().await? {
        return Err(WebError::NotFound);
    }
    let token = cookie(&headers, PRESESSION_COOKIE).unwrap_or_else(casewindow_app::random_token);
    let mut response = page(&token, FormData::default(), Errors::none())?;
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(PRESESSION_COOKIE, &token, secure_cookies(), None)
            .parse()
            .map_err(|_| WebError::Unexpected("cookie".into()))?,
    );
    Ok(response)
}

async fn submit<S: Store>(
    State(app): State<AppState<S>>,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, WebError> {
    if !app.first_run().await? {
        return Err(WebError::NotFound);
    }
    let token = cookie(&headers, PRESESSION_COOKIE).unwrap_or_default();
    let mut errors = Errors::none();
    for (field, message) in [
        (
            "code",
            "Enter the set-up code the server printed when it started",
        ),
        ("display_name", "Enter your name"),
        ("email", "Enter your email address"),
        ("password", "Enter a password"),
    ] {
        if form.get(field).trim().is_empty() {
            errors.add(field, message);
        }
    }
    if !errors.is_empty() {
        return page(&token, form, errors);
    }
    match app
        .create_first_admin(
            &form.get("code"),
            &form.get("display_name"),
            &form.get("email"),
            &form.get("password"),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to("/sign-in").into_response()),
        Err(AppError::Invalid(problems)) => {
            for problem in problems {
                let field = match problem.path.as_str() {
                    "display_name" | "email" | "password" | "code" => problem.path.clone(),
                    _ => "code".to_owned(),
                };
                let label = match field.as_str() {
                    "display_name" => "Your name",
                    "email" => "The email address",
                    "password" => "The password",
                    _ => "The set-up code",
                };
                errors.add(&field, format!("{label} {}", problem.reason));
            }
            let mut form = form;
            form.set("password", "");
            page(&token, form, errors)
        }
        Err(other) => Err(other.into()),
    }
}
