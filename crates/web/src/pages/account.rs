//! The signed-in user's own account: two-step sign-in (an authenticator app's codes, RFC 6238)
//! and signing out everywhere.

use super::{layout, render};
use crate::AppState;
use crate::error::WebError;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use casewindow_app::{AppError, CurrentUser};
use casewindow_store::Store;
use serde::Deserialize;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/account", get(show))
        .route("/account/two-step", get(begin::<S>).post(confirm::<S>))
        .route("/account/two-step/remove", post(remove::<S>))
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    errors: Errors,
    name: String,
    email: String,
    standing: &'static str,
    second_factor: bool,
    notice: &'static str,
}

#[derive(Template)]
#[template(path = "two_step.html")]
struct TwoStepPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    /// The secret grouped in fours, for typing into an app.
    grouped: String,
    qr_svg: String,
    available: bool,
    /// Two-step sign-in is on already: replacing it needs a code from the app in use.
    replacing: bool,
}

#[derive(Deserialize)]
struct Done {
    #[serde(default)]
    done: String,
}

fn standing(user: &CurrentUser) -> &'static str {
    if user.platform_admin {
        "Platform administrator: you run the service and see no case content"
    } else if user.national_analyst {
        "National analyst: you read de-identified findings across reviews"
    } else {
        "Member: what you see depends on your role in each review"
    }
}

fn account_page(
    user: &CurrentUser,
    errors: Errors,
    notice: &'static str,
) -> Result<Response, WebError> {
    let frame = super::form_layout(user, "Your account", &errors);
    render(&AccountPage {
        layout: frame,
        errors,
        name: user.user.display_name.clone(),
        email: user.user.email.clone(),
        standing: standing(user),
        second_factor: user.second_factor,
        notice,
    })
}

async fn show(SignedIn(user): SignedIn, Query(done): Query<Done>) -> Result<Response, WebError> {
    let notice = match done.done.as_str() {
        "on" => {
            "Two-step sign-in is on. You will be asked for a code from your app each time you sign in."
        }
        "off" => "Two-step sign-in is off.",
        _ => "",
    };
    account_page(&user, Errors::none(), notice)
}

/// The QR code of an `otpauth://` address, as an SVG drawn with attributes only (so the
/// Content-Security-Policy holds).
fn qr_svg(uri: &str) -> Result<String, WebError> {
    let code =
        qrcode::QrCode::new(uri.as_bytes()).map_err(|_| WebError::Unexpected("QR code".into()))?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Drop the XML declaration; the SVG sits inside the page.
    let start = svg.find("<svg").unwrap_or(0);
    Ok(svg[start..].replacen(
        "<svg",
        "<svg role=\"img\" aria-label=\"QR code for your authenticator app\"",
        1,
    ))
}

fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn two_step_page(
    user: &CurrentUser,
    secret: Option<&str>,
    uri: Option<&str>,
    form: FormData,
    errors: Errors,
) -> Result<Response, WebError> {
    let mut frame = layout(
        user,
        "Set up two-step sign-in",
        vec![
            ("/".to_owned(), "Your reviews".to_owned()),
            ("/account".to_owned(), "Your account".to_owned()),
        ],
    );
    frame.has_errors = !errors.is_empty();
    let mut form = form;
    if let Some(secret) = secret {
        form.set("secret", secret);
    }
    render(&TwoStepPage {
        layout: frame,
        errors,
        grouped: secret.map(grouped).unwrap_or_default(),
        qr_svg: uri.map(qr_svg).transpose()?.unwrap_or_default(),
        available: secret.is_some(),
        replacing: user.second_factor,
        form,
    })
}

async fn begin<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
) -> Result<Response, WebError> {
    match app.begin_second_factor(&user.user) {
        Ok(setup) => two_step_page(
            &user,
            Some(&setup.secret),
            Some(&setup.uri),
            FormData::default(),
            Errors::none(),
        ),
        Err(AppError::Invalid(problems)) => {
            let mut errors = Errors::none();
            for problem in problems {
                errors.add("code", problem.reason);
            }
            two_step_page(&user, None, None, FormData::default(), errors)
        }
        Err(other) => Err(other.into()),
    }
}

async fn confirm<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    form: FormData,
) -> Result<Response, WebError> {
    let secret = form.get("secret");
    let code = form.get("code");
    let mut errors = Errors::none();
    if code.trim().is_empty() {
        errors.add(
            "code",
            "Enter the 6-digit code your authenticator app shows",
        );
    } else {
        let current = form.get("current_code");
        let current = Some(current.trim()).filter(|c| !c.is_empty());
        match app
            .enable_second_factor(user.user.id, &secret, &code, current)
            .await
        {
            Ok(()) => return Ok(Redirect::to("/account?done=on").into_response()),
            Err(AppError::Invalid(problems)) => {
                for problem in problems {
                    let field = if problem.path == "current_code" {
                        "current_code"
                    } else {
                        "code"
                    };
                    errors.add(field, problem.reason);
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    // The same secret again, so that a mistyped code does not mean scanning a new QR code.
    let valid = casewindow_app::totp::from_base32(&secret)
        .filter(|s| s.len() == casewindow_app::totp::SECRET_BYTES);
    let uri =
        valid.map(|s| casewindow_app::totp::provisioning_uri("casewindow", &user.user.email, &s));
    let mut form = form;
    form.set("code", "");
    form.set("current_code", "");
    two_step_page(
        &user,
        uri.as_ref().map(|_| secret.as_str()),
        uri.as_deref(),
        form,
        errors,
    )
}

async fn remove<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    form: FormData,
) -> Result<Response, WebError> {
    let code = form.get("code");
    let mut errors = Errors::none();
    if code.trim().is_empty() {
        errors.add(
            "code",
            "Enter the 6-digit code your authenticator app shows, to turn two-step sign-in off",
        );
    } else {
        match app.disable_second_factor(user.user.id, Some(&code)).await {
            Ok(()) => return Ok(Redirect::to("/account?done=off").into_response()),
            Err(AppError::Invalid(problems)) => {
                for problem in problems {
                    errors.add("code", problem.reason);
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    account_page(&user, errors, "")
}
