//! The API's handlers: each translates a request into one use case of [`casewindow_app::App`]
//! and its answer (or error) into JSON. Nothing here decides who may do what.

use super::kinds::{ApiKind, server_owned};
use super::{MAX_BODY_BYTES, Problem};
use crate::AppState;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use casewindow_app::Actor;
use casewindow_domain::ids::{RecurrentIssueId, ReviewId};
use casewindow_store::{RecordMeta, Store, Stored};
use serde::Serialize;
use serde_json::{Map, Value, json};

type Answer = Result<Response, Problem>;

/// Items on a page unless the request says.
pub(crate) const PER_PAGE: usize = 50;
/// The most items on one page.
pub(crate) const MAX_PER_PAGE: usize = 100;

/// The query's parameters, in order.
struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    fn parse(raw: Option<String>) -> Result<Self, Problem> {
        serde_urlencoded::from_str::<Vec<(String, String)>>(raw.as_deref().unwrap_or(""))
            .map(Self)
            .map_err(|_| Problem::bad_request("The query string could not be read."))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, v)| v.as_str())
    }

    /// A whole number from `min` to `max`, or `default` when absent.
    fn number(&self, name: &str, default: usize, min: usize, max: usize) -> Result<usize, Problem> {
        match self.get(name) {
            None => Ok(default),
            Some(text) => text
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| Problem::query(name, format!("a whole number from {min} to {max}"))),
        }
    }

    /// The page asked for: (page from 1, items per page).
    fn paging(&self) -> Result<(usize, usize), Problem> {
        Ok((
            self.number("page", 1, 1, 1_000_000)?,
            self.number("per_page", PER_PAGE, 1, MAX_PER_PAGE)?,
        ))
    }
}

/// One page of `items` (already filtered) as the API answers a list.
fn page_of(items: Vec<Value>, page: usize, per_page: usize) -> Response {
    let total = items.len();
    let items: Vec<Value> = items
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    axum::Json(json!({
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
    }))
    .into_response()
}

fn parse_id<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, Problem> {
    text.parse().map_err(|_| Problem::not_found(what))
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// A stored record as the API shows it: its version and times, and the record.
fn envelope<R: Serialize>(record: &R, meta: &RecordMeta) -> Value {
    json!({
        "version": meta.version,
        "created_at": meta.created_at,
        "updated_at": meta.updated_at,
        "record": record,
    })
}

fn one<R: Serialize>(status: StatusCode, stored: &Stored<R>) -> Response {
    let mut response = (status, axum::Json(envelope(&stored.record, &stored.meta))).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, etag(stored.meta.version));
    response
}

/// Whether the record's top-level `field` reads `wanted` (a string as itself, anything else as
/// its JSON text; absent or null as "null").
fn matches(record: &Value, field: &str, wanted: &str) -> bool {
    match record.get(field) {
        None | Some(Value::Null) => wanted == "null",
        Some(Value::String(text)) => text == wanted,
        Some(other) => serde_json::from_str::<Value>(wanted).is_ok_and(|v| v == *other),
    }
}

pub(crate) async fn list<S: Store, R: ApiKind>(
    State(app): State<AppState<S>>,
    Extension(actor): Extension<Actor>,
    Path(review): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let query = QueryParams::parse(query)?;
    let (page, per_page) = query.paging()?;
    let review: ReviewId = parse_id(&review, "review")?;
    let mut items = Vec::new();
    for stored in app.records::<R>(&actor, review).await? {
        let record = serde_json::to_value(&stored.record)
            .map_err(|e| Problem::from(casewindow_app::AppError::Internal(e.to_string())))?;
        let wanted = R::FILTERS
            .iter()
            .filter_map(|field| query.get(field).map(|v| (*field, v)))
            .all(|(field, value)| matches(&record, field, value));
        if wanted {
            items.push(envelope(&record, &stored.meta));
        }
    }
    Ok(page_of(items, page, per_page))
}

pub(crate) async fn read<S: Store, R: ApiKind>(
    State(app): State<AppState<S>>,
    Extension(actor): Extension<Actor>,
    Path((review, id)): Path<(String, String)>,
) -> Answer {
    let review: ReviewId = parse_id(&review, "review")?;
    let id: uuid::Uuid = parse_id(&id, R::NOUN)?;
    let stored = app.record::<R>(&actor, id).await?;
    if stored.record.review_id() != review {
        return Err(Problem::not_found(R::NOUN));
    }
    Ok(one(StatusCode::OK, &stored))
}

/// The body as a JSON object.
fn body_object(body: &Bytes) -> Result<Map<String, Value>, Problem> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Problem::too_large(MAX_BODY_BYTES));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(Problem::field("(body)", "must be a JSON object")),
        Err(e) => Err(Problem::bad_request(format!("The body is not JSON: {e}."))),
    }
}

/// Refuses the fields the server sets, each by name.
fn refuse_server_fields<R: ApiKind>(object: &Map<String, Value>) -> Result<(), Problem> {
    let sent: Vec<_> = server_owned::<R>()
        .into_iter()
        .filter(|field| object.contains_key(*field))
        .map(|field| super::problem::FieldProblem {
            path: field.to_owned(),
            reason: "set by the server; leave it out".to_owned(),
        })
        .collect();
    if sent.is_empty() {
        Ok(())
    } else {
        Err(Problem::invalid(sent))
    }
}

/// The record the object describes, or each problem with its field's path.
fn record_from<R: ApiKind>(object: Map<String, Value>) -> Result<R, Problem> {
    serde_path_to_error::deserialize::<_, R>(Value::Object(object)).map_err(|err| {
        let path = err.path().to_string();
        let reason = err.inner().to_string();
        // serde's own words, without the position it adds for text input.
        let reason = reason
            .split(" at line ")
            .next()
            .unwrap_or(&reason)
            .to_owned();
        Problem::field(
            if path == "." {
                "(body)".to_owned()
            } else {
                path
            },
            reason,
        )
    })
}

/// What the server records about the pattern library's suggestion when a finding's pattern is
/// set through the API: the earlier record, now with the pattern chosen (a program cannot
/// name a suggestion run).
fn settle_finding(record: &mut Value, earlier: Option<&Value>) {
    let Some(object) = record.as_object_mut() else {
        return;
    };
    let chosen = object
        .get("pattern")
        .cloned()
        .and_then(|v| serde_json::from_value(v).ok());
    let earlier = earlier
        .and_then(|e| e.get("pattern_choice").cloned())
        .and_then(|v| serde_json::from_value(v).ok());
    let choice = casewindow_app::pattern_choice(None, chosen, earlier);
    object.insert(
        "pattern_choice".to_owned(),
        serde_json::to_value(choice).unwrap_or(Value::Null),
    );
}

pub(crate) async fn create<S: Store, R: ApiKind>(
    State(app): State<AppState<S>>,
    Extension(actor): Extension<Actor>,
    Path(review): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let review: ReviewId = parse_id(&review, "review")?;
    let mut object = body_object(&body)?;
    refuse_server_fields::<R>(&object)?;
    object.insert("id".to_owned(), json!(uuid::Uuid::new_v4()));
    object.insert("review_id".to_owned(), json!(review));
    for (field, value) in R::server_fields() {
        object.insert(field.to_owned(), value);
    }
    let mut value = Value::Object(object);
    if R::KIND == casewindow_store::RecordKind::Finding {
        settle_finding(&mut value, None);
    }
    let Value::Object(object) = value else {
        return Err(Problem::field("(body)", "must be a JSON object"));
    };
    let record: R = record_from(object)?;
    let once = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|key| format!("api:{}:{key}", actor.label));
    let stored = app.create_once(&actor, &record, once.as_deref()).await?;
    let mut response = one(StatusCode::CREATED, &stored);
    if let Ok(location) = HeaderValue::from_str(&format!(
        "{}/reviews/{review}/{}/{}",
        super::BASE,
        R::SEGMENT,
        stored.record.id()
    )) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The version an `If-Match` header names (`"3"` or `W/"3"`).
fn if_match(headers: &HeaderMap) -> Result<i64, Problem> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Err(Problem::precondition_required());
    };
    value
        .to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(Problem::stale)
}

pub(crate) async fn update<S: Store, R: ApiKind>(
    State(app): State<AppState<S>>,
    Extension(actor): Extension<Actor>,
    Path((review, id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let review: ReviewId = parse_id(&review, "review")?;
    let id: uuid::Uuid = parse_id(&id, R::NOUN)?;
    let query = QueryParams::parse(query)?;
    let expected = if_match(&headers)?;
    let mut object = body_object(&body)?;
    let reason = query.get("reason").unwrap_or_default().trim().to_owned();
    if reason.is_empty() {
        return Err(Problem::query("reason", "say why the record is changing"));
    }
    refuse_server_fields::<R>(&object)?;
    // The server's fields come from the record as `App::edit` reads it (once, after deciding
    // the actor may write); a stale version is refused by the write itself.
    let edited = app
        .edit(&actor, review, id, expected, &reason, |current: &R| {
            let stored = serde_json::to_value(current)
                .map_err(|e| Problem::from(casewindow_app::AppError::Internal(e.to_string())))?;
            for field in server_owned::<R>() {
                if let Some(value) = stored.get(field) {
                    object.insert(field.to_owned(), value.clone());
                }
            }
            let mut value = Value::Object(object);
            if R::KIND == casewindow_store::RecordKind::Finding {
                settle_finding(&mut value, Some(&stored));
            }
            match value {
                Value::Object(object) => record_from::<R>(object),
                _ => Err(Problem::field("(body)", "must be a JSON object")),
            }
        })
        .await?;
    match edited {
        casewindow_app::Edited::Saved(saved) => Ok(one(StatusCode::OK, &saved)),
        casewindow_app::Edited::Refused { why, .. } => Err(why),
    }
}

/// A review as listed.
fn review_item(summary: &casewindow_app::ReviewSummary) -> Value {
    let mut item = envelope(&summary.review.record, &summary.review.meta);
    if let Some(object) = item.as_object_mut() {
        object.insert("partnership".to_owned(), json!(summary.partnership.name));
    }
    item
}

pub(crate) async fn reviews<S: Store>(
    State(app): State<AppState<S>>,
    Extension(actor): Extension<Actor>,
    RawQuery(query): RawQuery,
) -> Answer {
    let query = QueryParams::parse(query)?;
    let (page, per_page) = query.paging()?;
    let state = query.get("state");
    let text = query.get("q").unwrap_or_default().to_lowercase();
    let mut rows = app.reviews(&actor).await?;
    rows.retain(|s| s.readable);
    rows.sort_by(|a, b| {
        (&a.review.record.title, a.review.record.id)
            .cmp(&(&b.review.record.title, b.review.record.id))
    });
    let items = rows
        .iter()
        .filter(|s| text.is_empty() || s.review.record.title.to_lowercase().contains(&text))
        .map(review_item)
        .filter(|item| state.is_none_or(|wanted| matches(&item["record"], "state", wanted)))
        .collect();
    Ok(page_of(items, page, per_page))
}

/// A partnership to create with a review.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewPartnership {
    #[schema(example = "Harrowgate Safeguarding Children Partnership")]
    pub name: String,
    pub jurisdiction: casewindow_domain::organisation::Jurisdiction,
}

/// A review to open: what a person says on the "Open a new review" page.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OpenReviewRequest {
    #[schema(example = "Child T")]
    pub title: String,
    /// An existing partnership (from another review's `partnership_id`), or
    /// `new_partnership`: one of the two.
    #[serde(default)]
    pub partnership_id: Option<casewindow_domain::ids::PartnershipId>,
    #[serde(default)]
    pub new_partnership: Option<NewPartnership>,
    pub kind: casewindow_domain::review::ReviewKind,
    pub methodology: casewindow_domain::review::Methodology,
    #[serde(default)]
    pub period_start: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub period_end: Option<chrono::NaiveDate>,
    /// When the local authority learnt of the incident (starts the statutory clocks).
    #[serde(default)]
    pub local_authority_aware_on: Option<chrono::NaiveDate>,
    /// When the national panel was notified.
    #[serde(default)]
    pub notified_on: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub harm_types: Vec<casewindow_domain::review::HarmType>,
}

pub(crate) async fn open_review<S: Store>(
    State(app): State<AppState<S>>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    use casewindow_app::{NewReview, PartnershipChoice};
    let object = body_object(&body)?;
    let request: OpenReviewRequest = serde_path_to_error::deserialize(Value::Object(object))
        .map_err(|err| Problem::field(err.path().to_string(), err.inner().to_string()))?;
    let partnership = match (request.partnership_id, request.new_partnership) {
        (Some(id), None) => PartnershipChoice::Existing(id),
        (None, Some(new)) => PartnershipChoice::New {
            name: new.name.trim().to_owned(),
            jurisdiction: new.jurisdiction,
        },
        _ => {
            return Err(Problem::field(
                "partnership_id",
                "give either partnership_id or new_partnership",
            ));
        }
    };
    let once = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|key| format!("api:{}:{key}", actor.label));
    let stored = app
        .open_review(
            &actor,
            NewReview {
                title: request.title,
                partnership,
                kind: request.kind,
                methodology: request.methodology,
                period_start: request.period_start,
                period_end: request.period_end,
                local_authority_aware_on: request.local_authority_aware_on,
                notified_on: request.notified_on,
                harm_types: request.harm_types,
            },
            once.as_deref(),
        )
        .await?;
    let mut response = one(StatusCode::CREATED, &stored);
    if let Ok(location) =
        HeaderValue::from_str(&format!("{}/reviews/{}", super::BASE, stored.record.id))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

pub(crate) async fn review<S: Store>(
    State(app): State<AppState<S>>,
    Extension(actor): Extension<Actor>,
    Path(review): Path<String>,
) -> Answer {
    let review: ReviewId = parse_id(&review, "review")?;
    let stored = app
        .record::<casewindow_domain::review::Review>(&actor, review.0)
        .await?;
    Ok(one(StatusCode::OK, &stored))
}

pub(crate) async fn agencies<S: Store>(
    State(app): State<AppState<S>>,
    Extension(actor): Extension<Actor>,
    Path(review): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let query = QueryParams::parse(query)?;
    let (page, per_page) = query.paging()?;
    let review: ReviewId = parse_id(&review, "review")?;
    let mut agencies = app.agencies_of(&actor, review).await?;
    agencies.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
    let items = agencies
        .iter()
        .filter_map(|a| serde_json::to_value(a).ok())
        .collect();
    Ok(page_of(items, page, per_page))
}

/// An agency to add to a review's partnership.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAgency {
    #[schema(example = "Harrowgate Community Health (0-19 service)")]
    pub name: String,
    pub sector: casewindow_domain::organisation::AgencySector,
}

pub(crate) async fn add_agency<S: Store>(
    State(app): State<AppState<S>>,
    Extension(actor): Extension<Actor>,
    Path(review): Path<String>,
    body: Bytes,
) -> Answer {
    let review: ReviewId = parse_id(&review, "review")?;
    let object = body_object(&body)?;
    let request: NewAgency = serde_path_to_error::deserialize(Value::Object(object))
        .map_err(|err| Problem::field(err.path().to_string(), err.inner().to_string()))?;
    let agency = app
        .create_agency(&actor, review, &request.name, request.sector)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(&agency)).into_response())
}

/// The text to suggest for.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SuggestRequest {
    /// A finding's statement (and, for better suggestions, its context).
    #[schema(example = "Health visitors are not told when a child's GP registration ends.")]
    pub text: String,
}

/// One pattern with its probability.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct PatternSuggestion {
    pub pattern: casewindow_domain::typology::Pattern,
    pub label: String,
    pub probability: f32,
}

/// A recurrent issue the text may belong to.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct IssueSuggestion {
    /// The issue in this instance's codebook, when it is one.
    pub id: Option<RecurrentIssueId>,
    pub pattern: casewindow_domain::typology::Pattern,
    pub label: String,
    pub description: String,
    pub probability: f32,
}

/// A library finding near the text, shown only as far as the token's owner may read it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct NearFinding {
    pub pattern: casewindow_domain::typology::Pattern,
    pub similarity: f32,
    pub text: Option<String>,
    pub review: Option<String>,
    pub issue: Option<String>,
}

/// The pattern library's suggestions, kept as a suggestion run.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Suggestions {
    /// The kept suggestion run.
    pub suggestion: uuid::Uuid,
    /// All six patterns, most likely first.
    pub patterns: Vec<PatternSuggestion>,
    /// The first pattern is not clearly ahead (below 60%): show the first two side by side.
    pub unsure: bool,
    pub issues: Vec<IssueSuggestion>,
    pub nearest: Vec<NearFinding>,
    /// What produced them.
    pub engine: String,
    /// How many library findings they drew on.
    pub library_size: usize,
}

pub(crate) async fn suggest<S: Store>(
    State(app): State<AppState<S>>,
    Extension(actor): Extension<Actor>,
    Path(review): Path<String>,
    body: Bytes,
) -> Answer {
    let review: ReviewId = parse_id(&review, "review")?;
    let object = body_object(&body)?;
    let request: SuggestRequest = serde_path_to_error::deserialize(Value::Object(object))
        .map_err(|err| Problem::field(err.path().to_string(), err.inner().to_string()))?;
    let (s, run) = app
        .suggest_and_keep(
            &actor,
            review,
            &casewindow_app::FindingDraft::text(&request.text),
        )
        .await?;
    let answer = Suggestions {
        suggestion: run,
        patterns: s
            .patterns
            .iter()
            .map(|(pattern, p)| PatternSuggestion {
                pattern: *pattern,
                label: pattern.to_string(),
                probability: *p,
            })
            .collect(),
        unsure: s.unsure,
        issues: s
            .issues
            .iter()
            .map(|i| IssueSuggestion {
                id: i.id,
                pattern: i.pattern,
                label: i.label.clone(),
                description: i.description.clone(),
                probability: i.probability,
            })
            .collect(),
        nearest: s
            .reasons
            .iter()
            .map(|r| NearFinding {
                pattern: r.pattern,
                similarity: r.similarity,
                text: r.text.clone(),
                review: r.review.clone(),
                issue: r.issue.clone(),
            })
            .collect(),
        engine: s.engine.clone(),
        library_size: s.library_size,
    };
    Ok(axum::Json(answer).into_response())
}

pub(crate) async fn issues<S: Store>(
    State(app): State<AppState<S>>,
    Extension(actor): Extension<Actor>,
    RawQuery(query): RawQuery,
) -> Answer {
    let query = QueryParams::parse(query)?;
    let (page, per_page) = query.paging()?;
    let items = app
        .codebook(&actor)
        .await?
        .into_iter()
        .map(|entry| {
            let mut item = envelope(&entry.issue.record, &entry.issue.meta);
            if let Some(object) = item.as_object_mut() {
                object.insert("findings".to_owned(), json!(entry.findings));
                object.insert("reviews".to_owned(), json!(entry.reviews));
            }
            item
        })
        .filter(|item| {
            ["pattern", "status"].iter().all(|field| {
                query
                    .get(field)
                    .is_none_or(|wanted| matches(&item["record"], field, wanted))
            })
        })
        .collect();
    Ok(page_of(items, page, per_page))
}

/// A recurrent issue to propose.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProposeRequest {
    pub pattern: casewindow_domain::typology::Pattern,
    /// What the findings have in common underneath, in a few words.
    #[schema(example = "Interpreters booked too late for home visits")]
    pub label: String,
    /// The underlying issue in general terms, without the details of any one case.
    #[schema(
        example = "Visits go ahead without an interpreter, so what the parents say is not heard."
    )]
    pub description: String,
}

pub(crate) async fn propose<S: Store>(
    State(app): State<AppState<S>>,
    Extension(actor): Extension<Actor>,
    body: Bytes,
) -> Answer {
    let object = body_object(&body)?;
    let request: ProposeRequest = serde_path_to_error::deserialize(Value::Object(object))
        .map_err(|err| Problem::field(err.path().to_string(), err.inner().to_string()))?;
    if request.label.trim().is_empty() {
        return Err(Problem::field("label", "name the issue"));
    }
    let issue = app
        .propose_issue(
            &actor,
            request.pattern,
            &request.label,
            &request.description,
        )
        .await?;
    let mut response = one(StatusCode::CREATED, &issue);
    if let Ok(location) = axum::http::HeaderValue::from_str(&format!(
        "{}/recurrent-issues/{}",
        super::BASE,
        issue.record.id
    )) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

pub(crate) async fn issue<S: Store>(
    State(app): State<AppState<S>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
) -> Answer {
    let id: RecurrentIssueId = parse_id(&id, "recurrent issue")?;
    let (issue, _) = app.codebook_issue(&actor, id).await?;
    Ok(one(StatusCode::OK, &issue))
}
