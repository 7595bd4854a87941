//! The JSON API at `/api/v1`, for programs acting with a person's API token.
//!
//! It calls the same use cases as the pages ([`casewindow_app::App`]), so authorisation, field
//! checks, references, optimistic concurrency and the audit trail are the pages' own; the
//! token's limits (read or write, which reviews) are applied where authorisation is decided.
//! Requests carry `Authorization: Bearer <token>`; cookies are never read here, so there is
//! no session for another site to ride and no CSRF token to send. Every use of a token is an
//! audited event naming the operation. Its description, `/api/v1/openapi.json`, is generated
//! from the same table of operations the router is built from ([`operations`]) and the
//! records' own types.

mod handlers;
mod kinds;
pub(crate) mod openapi;
mod problem;

use crate::AppState;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use casewindow_app::Actor;
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::evidence::{ChronologyEntry, Conversation};
use casewindow_domain::findings::Finding;
use casewindow_domain::response::{Action, PartnershipResponse};
use casewindow_store::Store;
pub(crate) use kinds::ApiKind;
pub(crate) use problem::Problem;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Instant;

/// Where the API is served.
pub const BASE: &str = "/api/v1";
/// The largest body an API request may carry.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What an operation needs from the token's owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiNeeds {
    /// Nothing: the API's own description.
    Public,
    /// A permission in the review named by the path (read or write, by the permission).
    Permission(casewindow_app::Permission),
    /// Reading the review, or its chronologies (an agency records liaison, who sees the
    /// agencies to say whose submission is whose).
    ReviewOrChronology,
    /// A member (their own reviews) or national analyst: the library.
    Library,
    /// A member: the reviews they take part in (listing them), or opening a new one.
    Member,
    /// Someone who may propose a recurrent issue: a national analyst, or a member who writes
    /// findings in some review the token reaches.
    Proposer,
}

/// One operation of the API.
#[derive(Clone, Debug)]
pub struct ApiOperation {
    pub method: &'static str,
    /// Relative to [`BASE`].
    pub path: String,
    pub id: String,
    pub summary: String,
    pub needs: ApiNeeds,
    /// Whether it changes something (needs a token that may write).
    pub writes: bool,
}

fn op(
    method: &'static str,
    path: String,
    id: String,
    summary: String,
    needs: ApiNeeds,
) -> ApiOperation {
    ApiOperation {
        writes: method != "GET",
        method,
        path,
        id,
        summary,
        needs,
    }
}

/// The operations of one record kind.
fn kind_operations<R: ApiKind>(out: &mut Vec<ApiOperation>, name: &str, plural: &str) {
    use casewindow_app::Permission;
    let read = ApiNeeds::Permission(Permission::to_read(R::KIND));
    let write = ApiNeeds::Permission(Permission::to_write(R::KIND));
    let list = format!("/reviews/{{review}}/{}", R::SEGMENT);
    let one = format!("{list}/{{id}}");
    out.push(op(
        "GET",
        list.clone(),
        format!("list{plural}"),
        format!("List a review's {}s", R::NOUN),
        read,
    ));
    out.push(op(
        "POST",
        list,
        format!("create{name}"),
        format!("Add a {} to a review", R::NOUN),
        write,
    ));
    out.push(op(
        "GET",
        one.clone(),
        format!("get{name}"),
        format!("Read one {}", R::NOUN),
        read,
    ));
    out.push(op(
        "PUT",
        one,
        format!("update{name}"),
        format!("Change one {} (If-Match its ETag)", R::NOUN),
        write,
    ));
}

/// Every operation of the API, in the order of its description.
pub fn operations() -> Vec<ApiOperation> {
    use casewindow_app::Permission::ViewReview;
    let mut out = vec![
        op(
            "GET",
            "/openapi.json".to_owned(),
            "openapi".to_owned(),
            "This description".to_owned(),
            ApiNeeds::Public,
        ),
        op(
            "GET",
            "/reviews".to_owned(),
            "listReviews".to_owned(),
            "List the reviews the token reaches".to_owned(),
            ApiNeeds::Member,
        ),
        op(
            "POST",
            "/reviews".to_owned(),
            "openReview".to_owned(),
            "Open a new review (the token's owner becomes its lead reviewer)".to_owned(),
            ApiNeeds::Member,
        ),
        op(
            "GET",
            "/reviews/{review}".to_owned(),
            "getReview".to_owned(),
            "Read one review".to_owned(),
            ApiNeeds::Permission(ViewReview),
        ),
        op(
            "GET",
            "/reviews/{review}/agencies".to_owned(),
            "listAgencies".to_owned(),
            "List the agencies of a review's partnership".to_owned(),
            ApiNeeds::ReviewOrChronology,
        ),
        op(
            "POST",
            "/reviews/{review}/agencies".to_owned(),
            "addAgency".to_owned(),
            "Add an agency to the review's partnership".to_owned(),
            ApiNeeds::Permission(casewindow_app::Permission::ManageParticipants),
        ),
        op(
            "POST",
            "/reviews/{review}/suggestions".to_owned(),
            "suggest".to_owned(),
            "The pattern library's suggestions for a finding's text (nothing is saved but the suggestion itself)".to_owned(),
            ApiNeeds::Permission(casewindow_app::Permission::EditAnalysis),
        ),
        op(
            "GET",
            "/recurrent-issues".to_owned(),
            "listRecurrentIssues".to_owned(),
            "List the codebook's recurrent issues".to_owned(),
            ApiNeeds::Library,
        ),
        op(
            "POST",
            "/recurrent-issues".to_owned(),
            "proposeRecurrentIssue".to_owned(),
            "Propose a recurrent issue under a pattern (accepted at once when a national analyst proposes it)".to_owned(),
            ApiNeeds::Proposer,
        ),
        op(
            "GET",
            "/recurrent-issues/{id}".to_owned(),
            "getRecurrentIssue".to_owned(),
            "Read one recurrent issue".to_owned(),
            ApiNeeds::Library,
        ),
    ];
    kind_operations::<ChronologyEntry>(&mut out, "ChronologyEntry", "ChronologyEntries");
    kind_operations::<Conversation>(&mut out, "Conversation", "Conversations");
    kind_operations::<KeyPracticeEpisode>(&mut out, "Kpe", "Kpes");
    kind_operations::<Finding>(&mut out, "Finding", "Findings");
    kind_operations::<PartnershipResponse>(&mut out, "Response", "Responses");
    kind_operations::<Action>(&mut out, "Action", "Actions");
    out
}

fn kind_routes<S: Store, R: ApiKind>(router: Router<AppState<S>>) -> Router<AppState<S>> {
    let list = format!("/reviews/{{review}}/{}", R::SEGMENT);
    let one = format!("{list}/{{id}}");
    router
        .route(
            &list,
            get(handlers::list::<S, R>).post(handlers::create::<S, R>),
        )
        .route(
            &one,
            get(handlers::read::<S, R>).put(handlers::update::<S, R>),
        )
}

/// The API's routes, to be nested at [`BASE`].
pub fn router<S: Store>(state: AppState<S>) -> Router {
    let mut router = Router::new()
        .route("/openapi.json", get(openapi::serve))
        .route(
            "/reviews",
            get(handlers::reviews::<S>).post(handlers::open_review::<S>),
        )
        .route("/reviews/{review}", get(handlers::review::<S>))
        .route(
            "/reviews/{review}/agencies",
            get(handlers::agencies::<S>).post(handlers::add_agency::<S>),
        )
        .route(
            "/reviews/{review}/suggestions",
            post(handlers::suggest::<S>),
        )
        .route(
            "/recurrent-issues",
            get(handlers::issues::<S>).post(handlers::propose::<S>),
        )
        .route("/recurrent-issues/{id}", get(handlers::issue::<S>));
    router = kind_routes::<S, ChronologyEntry>(router);
    router = kind_routes::<S, Conversation>(router);
    router = kind_routes::<S, KeyPracticeEpisode>(router);
    router = kind_routes::<S, Finding>(router);
    router = kind_routes::<S, PartnershipResponse>(router);
    router = kind_routes::<S, Action>(router);
    router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authenticate::<S>,
        ))
        .route_layer(axum::middleware::from_fn(crate::observe::mark_route))
        .fallback(|| async { Problem::not_found("such operation").into_response() })
        .layer(axum::middleware::map_response(no_store))
        .with_state(state)
}

async fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A token bucket per token: [`rate_per_minute`] requests a minute, in bursts of as many.
struct Bucket {
    tokens: f64,
    at: Instant,
}

static BUCKETS: LazyLock<Mutex<HashMap<uuid::Uuid, Bucket>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Requests a minute each token may make: `CASEWINDOW_API_RATE`, or 600.
fn rate_per_minute() -> f64 {
    static RATE: LazyLock<f64> = LazyLock::new(|| {
        std::env::var("CASEWINDOW_API_RATE")
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| *v >= 1.0)
            .unwrap_or(600.0)
    });
    *RATE
}

/// Takes one request from the token's bucket; the seconds to wait when it is empty.
fn take(token: uuid::Uuid) -> Result<(), u64> {
    let rate = rate_per_minute();
    let now = Instant::now();
    let mut buckets = BUCKETS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let bucket = buckets.entry(token).or_insert(Bucket {
        tokens: rate,
        at: now,
    });
    let refill = now.duration_since(bucket.at).as_secs_f64() * rate / 60.0;
    bucket.tokens = (bucket.tokens + refill).min(rate);
    bucket.at = now;
    if bucket.tokens >= 1.0 {
        bucket.tokens -= 1.0;
        Ok(())
    } else {
        Err(((1.0 - bucket.tokens) * 60.0 / rate).ceil().max(1.0) as u64)
    }
}

/// The review a path names, for a stated purpose.
fn review_in(path: &str) -> Option<casewindow_domain::ids::ReviewId> {
    let rest = path.split("/reviews/").nth(1)?;
    rest.split('/').next()?.parse().ok()
}

/// Resolves the bearer token into the acting [`Actor`], applies the rate limit and audits the
/// use; the description itself needs no token.
async fn authenticate<S: Store>(
    State(app): State<AppState<S>>,
    mut request: Request,
    next: Next,
) -> Response {
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    if template.ends_with("/openapi.json") {
        return next.run(request).await;
    }
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_owned())
        });
    let Some(secret) = bearer else {
        return Problem::unauthorised().into_response();
    };
    let mut actor: Actor = match app.token_actor(&secret).await {
        Ok(Some(actor)) => actor,
        Ok(None) => return Problem::unauthorised().into_response(),
        Err(err) => return Problem::from(err).into_response(),
    };
    let Some(limits) = actor.token.clone() else {
        return Problem::unauthorised().into_response();
    };
    if let Err(wait) = take(limits.id) {
        return Problem::too_many(wait).into_response();
    }
    let operation = format!("{} {template}", request.method());
    if let Err(err) = app.audit_token_use(&actor, &operation).await {
        return Problem::from(err).into_response();
    }
    if let (Some(review), Some(purpose)) = (
        review_in(request.uri().path()),
        request
            .headers()
            .get("casewindow-purpose")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty()),
    ) {
        actor.purpose = Some((review, purpose.chars().take(500).collect()));
    }
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if writes && !limits.write {
        return Problem::from(casewindow_app::AppError::ReadOnlyToken).into_response();
    }
    request.extensions_mut().insert(actor);
    next.run(request).await
}
