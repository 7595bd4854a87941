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
        .route("/sign-in/code", get(show_code::<S>).post(submit_code::<S>))
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
            Ok(signed_in) if signed_in.second_factor_needed => {
                // The password was right; the session starts only with the code.
                return with_cookies(
                    Redirect::to("/sign-in/code").into_response(),
                    &[set_cookie(
                        PENDING_COOKIE,
                        &signed_in.token,
                        secure_cookies(),
                        Some(casewindow_app::SECOND_FACTOR_MINUTES * 60),
                    )],
                );
            }
            Ok(signed_in) => return signed_in_response(&signed_in.token),
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

/// The cookie naming a sign-in that waits for its second factor (it grants nothing else).
const PENDING_COOKIE: &str = "cw_pending";

fn with_cookies(mut response: Response, cookies: &[String]) -> Result<Response, WebError> {
    for value in cookies {
        response.headers_mut().append(
            header::SET_COOKIE,
            value
                .parse()
                .map_err(|_| WebError::Unexpected("cookie".into()))?,
        );
    }
    Ok(response)
}

/// Signed in: the session cookie set, the pre-session and pending cookies cleared.
fn signed_in_response(token: &str) -> Result<Response, WebError> {
    let secure = secure_cookies();
    with_cookies(
        Redirect::to("/").into_response(),
        &[
            set_cookie(SESSION_COOKIE, token, secure, None),
            set_cookie(PRESESSION_COOKIE, "", secure, Some(0)),
            set_cookie(PENDING_COOKIE, "", secure, Some(0)),
        ],
    )
}

#[derive(Template)]
#[template(path = "sign_in_code.html")]
struct CodePage {
    layout: Layout,
    errors: Errors,
    pending: bool,
}

fn code_page(headers: &HeaderMap, pending: bool, errors: Errors) -> Result<Response, WebError> {
    let token = cookie(headers, PRESESSION_COOKIE).unwrap_or_default();
    let mut layout = anonymous_layout(&token, !errors.is_empty());
    layout.title = "Enter your code".to_owned();
    render(&CodePage {
        layout,
        errors,
        pending,
    })
}

async fn show_code<S: Store>(
    State(app): State<AppState<S>>,
    Extension(viewer): Extension<Viewer>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    if let Viewer::SignedIn(_) = viewer {
        return Ok(Redirect::to("/").into_response());
    }
    let pending = match cookie(&headers, PENDING_COOKIE) {
        Some(token) => app.pending_second_factor(&token).await?.is_some(),
        None => false,
    };
    code_page(&headers, pending, Errors::none())
}

async fn submit_code<S: Store>(
    State(app): State<AppState<S>>,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, WebError> {
    let Some(token) = cookie(&headers, PENDING_COOKIE) else {
        return code_page(&headers, false, Errors::none());
    };
    let code = form.get("code");
    let mut errors = Errors::none();
    if code.trim().is_empty() {
        errors.add(
            "code",
            "Enter the 6-digit code your authenticator app shows",
        );
        let pending = app.pending_second_factor(&token).await?.is_some();
        return code_page(&headers, pending, errors);
    }
    match app.complete_second_factor(&token, &code).await {
        Ok(signed_in) => signed_in_response(&signed_in.token),
        Err(AppError::Invalid(problems)) => {
            for problem in problems {
                errors.add("code", problem.reason);
            }
            // Still pending unless the sign-in expired or the account was locked.
            let pending = app.pending_second_factor(&token).await?.is_some();
            code_page(&headers, pending, errors)
        }
        Err(other) => Err(other.into()),
    }
}

async fn sign_out<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response, WebError> {
    if form.get("everywhere") == "1" {
        app.sign_out_everywhere(user.user.id).await?;
    } else if let Some(token) = cookie(&headers, SESSION_COOKIE) {
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
