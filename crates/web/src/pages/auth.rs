//! Signing in and out.

use super::render;
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::{PRESESSION_COOKIE, SESSION_COOKIE, SignedIn, Viewer, cookie, set_cookie};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use casewindow_app::AppError;
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/sign-in", get(show).post(submit::<S>))
        .route("/sign-out", post(sign_out::<S>))
}

pub(crate) fn secure_cookies() -> bool {
    std::env::var("CASEWINDOW_SECURE_COOKIES").is_ok_and(|v| v == "1")
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    layout: Layout,
    errors: Errors,
    email: String,
}

async fn show(
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if let Viewer::SignedIn(_) = viewer {
        return Ok(Redirect::to("/").into_response());
    }
    // A fresh pre-session token for the sign-in form's CSRF check.
    let token = cookie(&headers, PRESESSION_COOKIE).unwrap_or_else(casewindow_app::random_token);
    let page = SignInPage {
        layout: anonymous_layout(&token, false),
        errors: Errors::none(),
        email: String::new(),
    };
    let mut response = render(&page)?;
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(PRESESSION_COOKIE, &token, secure_cookies(), None)
            .parse()
            .map_err(|_| WebError::Unexpected("cookie".into()))?,
    );
    Ok(response)
}

pub(crate) fn anonymous_layout(token: &str, has_errors: bool) -> Layout {
    Layout {
        title: "Sign in".to_owned(),
        csrf: token.to_owned(),
        has_errors,
        ..Layout::default()
    }
}

async fn submit<S: Store>(
    State(app): State<AppState<S>>,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, WebError> {
    let email = form.get("email").trim().to_owned();
    let password = form.get("password");
    let mut errors = Errors::none();
    if email.is_empty() {
        errors.add("email", "Enter your email address");
    }
    if password.is_empty() {
        errors.add("password", "Enter your password");
    }
    if errors.is_empty() {
        match app.sign_in(&email, &password).await {
            Ok(signed_in) => {
                let mut response = Redirect::to("/").into_response();
                let secure = secure_cookies();
                let headers = response.headers_mut();
                for value in [
                    set_cookie(SESSION_COOKIE, &signed_in.token, secure, None),
                    set_cookie(PRESESSION_COOKIE, "", secure, Some(0)),
                ] {
                    headers.append(
                        header::SET_COOKIE,
                        value
                            .parse()
                            .map_err(|_| WebError::Unexpected("cookie".into()))?,
                    );
                }
                return Ok(response);
            }
            Err(AppError::Invalid(problems)) => {
                for problem in problems {
                    errors.add("email", problem.reason);
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    let token = cookie(&headers, PRESESSION_COOKIE).unwrap_or_default();
    let page = SignInPage {
        layout: anonymous_layout(&token, true),
        errors,
        email,
    };
    render(&page)
}

async fn sign_out<S: Store>(
    State(app): State<AppState<S>>,
    _user: SignedIn,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        app.sign_out(&token).await?;
    }
    let mut response = Redirect::to("/sign-in").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", secure_cookies(), Some(0))
            .parse()
            .map_err(|_| WebError::Unexpected("cookie".into()))?,
    );
    Ok(response)
}
