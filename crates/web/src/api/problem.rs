//! Errors as RFC 9457 problem details (`application/problem+json`), each field problem with the
//! path of the field. Nothing of the store, SQL or a stack trace reaches the body: a failure
//! that is not the caller's is logged with a reference, and the reference is what they see.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use casewindow_app::AppError;
use serde::Serialize;

/// A problem with one field of the request.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct FieldProblem {
    /// Where: a field of the body (`questions[2]`), or `query.page`, `header.If-Match`.
    pub path: String,
    /// Why, in words for a person.
    pub reason: String,
}

/// An RFC 9457 problem details object.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "type": "/api/v1/problems/invalid",
    "title": "The request has problems",
    "status": 422,
    "detail": "Nothing was saved.",
    "errors": [{"path": "statement", "reason": "must not be empty"}]
}))]
pub(crate) struct ProblemDetails {
    /// A URI reference naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Each field that has a problem.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// Why an API request was not served.
#[derive(Debug)]
pub(crate) struct Problem {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<FieldProblem>,
    retry_after: Option<u64>,
}

impl Problem {
    fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: String) -> Self {
        Self {
            status,
            kind,
            title,
            detail,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            format!("No {what} here that this token may read."),
        )
    }

    pub fn unauthorised() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            "A live API token is needed",
            "Send `Authorization: Bearer <token>` with a token made on your account page that is neither revoked nor expired.".to_owned(),
        )
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "The request could not be read",
            detail.into(),
        )
    }

    /// Problems with named fields (422).
    pub fn invalid(errors: Vec<FieldProblem>) -> Self {
        let mut problem = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "The request has problems",
            "Nothing was saved.".to_owned(),
        );
        problem.errors = errors;
        problem
    }

    /// One field's problem (422).
    pub fn field(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::invalid(vec![FieldProblem {
            path: path.into(),
            reason: reason.into(),
        }])
    }

    /// A query parameter that cannot be used (400), named.
    pub fn query(name: &str, reason: impl Into<String>) -> Self {
        let mut problem = Self::bad_request("A query parameter has a problem.");
        problem.errors = vec![FieldProblem {
            path: format!("query.{name}"),
            reason: reason.into(),
        }];
        problem
    }

    pub fn precondition_required() -> Self {
        let mut problem = Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition-required",
            "Say which version you are changing",
            "Send the record's ETag in `If-Match`, so a change made meanwhile is not overwritten."
                .to_owned(),
        );
        problem.errors = vec![FieldProblem {
            path: "header.If-Match".to_owned(),
            reason: "required".to_owned(),
        }];
        problem
    }

    pub fn stale() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "stale",
            "The record changed since that version",
            "Nothing was saved. Read it again for its current version and ETag.".to_owned(),
        )
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "The body is too large",
            format!("At most {limit} bytes."),
        )
    }

    pub fn too_many(retry_after: u64) -> Self {
        let mut problem = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many requests with this token",
            format!("Try again in {retry_after} seconds."),
        );
        problem.retry_after = Some(retry_after);
        problem
    }

    fn forbidden(kind: &'static str, title: &'static str, detail: String) -> Self {
        Self::new(StatusCode::FORBIDDEN, kind, title, detail)
    }

    fn unexpected(detail: &str) -> Self {
        let mut bytes = [0u8; 6];
        let _ = getrandom::fill(&mut bytes);
        let reference: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
        tracing::error!(reference = %reference, detail = %detail, "api request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "unexpected",
            "Sorry, there is a problem with the service",
            format!("Try again later. If it keeps happening, quote reference {reference}."),
        )
    }

    /// The body as sent.
    pub fn details(&self) -> ProblemDetails {
        ProblemDetails {
            kind: format!("/api/v1/problems/{}", self.kind),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl From<AppError> for Problem {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound { .. } => Self::not_found("such record"),
            AppError::Invalid(problems) => Self::invalid(
                problems
                    .into_iter()
                    .map(|p| FieldProblem {
                        path: p.path,
                        reason: p.reason,
                    })
                    .collect(),
            ),
            AppError::Refused(refused) => Self::field("(record)", refused.to_string()),
            AppError::Import(import) => Self::field("(record)", import.to_string()),
            AppError::Conflict(_) => Self::stale(),
            AppError::ReasonNeeded { .. } => Self::forbidden(
                "reason-needed",
                "Say why you are reading this",
                "Your role reads this review's restricted content only with a stated purpose: send it in the `Casewindow-Purpose` header.".to_owned(),
            ),
            AppError::ReadOnlyToken => Self::forbidden(
                "read-only-token",
                "This token only reads",
                "Make a token that may write on your account page.".to_owned(),
            ),
            other => Self::unexpected(&format!("{other:?}")),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.details()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"casewindow\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
