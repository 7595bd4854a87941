//! The API's OpenAPI 3.1 description, generated: paths from [`super::operations`] (the table
//! the router is built from), schemas from the records' own types (`utoipa::ToSchema`), so the
//! description cannot drift from what is served.

use super::handlers::{
    MAX_PER_PAGE, NewAgency, NewPartnership, OpenReviewRequest, PER_PAGE, ProposeRequest,
    SuggestRequest, Suggestions,
};
use super::kinds::{ApiKind, server_owned};
use super::problem::ProblemDetails;
use super::{ApiNeeds, ApiOperation, BASE, operations};
use axum::response::{IntoResponse, Response};
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::evidence::{ChronologyEntry, Conversation};
use casewindow_domain::findings::{Finding, RecurrentIssue};
use casewindow_domain::organisation::Agency;
use casewindow_domain::response::{Action, PartnershipResponse};
use casewindow_domain::review::Review;
use serde_json::{Map, Value, json};
use std::sync::LazyLock;
use utoipa::ToSchema;

/// Serves the description.
pub(crate) async fn serve() -> Response {
    static DOCUMENT: LazyLock<Vec<u8>> =
        LazyLock::new(|| serde_json::to_vec_pretty(&document()).unwrap_or_default());
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_slice(),
    )
        .into_response()
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// Adds `T`'s schema and every schema it refers to.
fn collect<T: ToSchema>(schemas: &mut Map<String, Value>) -> String {
    let mut found = Vec::new();
    T::schemas(&mut found);
    for (name, schema) in found {
        schemas.insert(name, serde_json::to_value(schema).unwrap_or(Value::Null));
    }
    let name = T::name().into_owned();
    schemas.insert(
        name.clone(),
        serde_json::to_value(T::schema()).unwrap_or(Value::Null),
    );
    name
}

/// A stored record: its version, times and the record.
fn envelope(record: &str, extra: &[(&str, Value)]) -> Value {
    let mut properties = Map::new();
    properties.insert(
        "version".into(),
        json!({"type": "integer", "minimum": 1, "description": "Send it back in If-Match to change the record."}),
    );
    properties.insert(
        "created_at".into(),
        json!({"type": "string", "format": "date-time"}),
    );
    properties.insert(
        "updated_at".into(),
        json!({"type": "string", "format": "date-time"}),
    );
    properties.insert("record".into(), reference(record));
    let mut required = vec!["version", "created_at", "updated_at", "record"];
    for (name, schema) in extra {
        properties.insert((*name).to_owned(), schema.clone());
        required.push(name);
    }
    json!({"type": "object", "required": required, "properties": properties})
}

fn page_of(item: &str) -> Value {
    json!({
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": reference(item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0, "description": "Items matching, on every page."}
        }
    })
}

/// `R`'s schema without the fields the server sets: what a program sends.
fn input_schema<R: ApiKind>() -> Value {
    let mut schema = serde_json::to_value(R::schema()).unwrap_or(Value::Null);
    let owned = server_owned::<R>();
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for field in &owned {
            properties.remove(*field);
        }
    }
    if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
        required.retain(|f| f.as_str().is_none_or(|f| !owned.contains(&f)));
    }
    if let Some(object) = schema.as_object_mut() {
        object.insert(
            "description".into(),
            json!(format!(
                "A {} as sent: everything but {}, which the server sets.",
                R::NOUN,
                owned.join(", ")
            )),
        );
    }
    schema
}

fn kind_schemas<R: ApiKind>(schemas: &mut Map<String, Value>) {
    let name = collect::<R>(schemas);
    schemas.insert(format!("{name}Input"), input_schema::<R>());
    schemas.insert(format!("{name}Item"), envelope(&name, &[]));
    schemas.insert(format!("{name}Page"), page_of(&format!("{name}Item")));
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/problem+json": {"schema": reference("ProblemDetails")}}
    })
}

fn json_body(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

fn path_parameter(name: &str, description: &str) -> Value {
    json!({
        "name": name, "in": "path", "required": true, "description": description,
        "schema": {"type": "string", "format": "uuid"},
        "example": "7d3c0f8e-2b1a-4c5d-9e8f-0a1b2c3d4e5f"
    })
}

fn query_parameter(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

/// The schema name of the record kind a path serves, and its list filters.
fn kind_of(path: &str) -> Option<(String, &'static [&'static str])> {
    fn named<R: ApiKind>() -> (String, &'static [&'static str]) {
        (R::name().into_owned(), R::FILTERS)
    }
    let segment = path.split('/').nth(3)?;
    [
        named::<ChronologyEntry>,
        named::<Conversation>,
        named::<KeyPracticeEpisode>,
        named::<Finding>,
        named::<PartnershipResponse>,
        named::<Action>,
    ]
    .into_iter()
    .zip([
        ChronologyEntry::SEGMENT,
        Conversation::SEGMENT,
        KeyPracticeEpisode::SEGMENT,
        Finding::SEGMENT,
        PartnershipResponse::SEGMENT,
        Action::SEGMENT,
    ])
    .find(|(_, s)| *s == segment)
    .map(|(named, _)| named())
}

fn operation(o: &ApiOperation) -> Value {
    let mut parameters = Vec::new();
    if o.path.contains("{review}") {
        parameters.push(path_parameter("review", "The review's id."));
    }
    if o.path.contains("{id}") {
        parameters.push(path_parameter("id", "The record's id."));
    }
    let list = o.method == "GET" && !o.path.ends_with('}') && o.path != "/openapi.json";
    if list {
        parameters.push(json!({
            "name": "page", "in": "query", "required": false, "description": "The page, from 1.",
            "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}, "example": 1
        }));
        parameters.push(json!({
            "name": "per_page", "in": "query", "required": false,
            "description": format!("Items on a page, at most {MAX_PER_PAGE}."),
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": PER_PAGE}, "example": 20
        }));
    }
    let kind = kind_of(&o.path);
    let mut responses = Map::new();
    let mut request_body = None;
    match (o.method, o.path.as_str(), &kind) {
        ("GET", "/openapi.json", _) => {
            responses.insert(
                "200".into(),
                json!({"description": "This description.", "content": json_body(json!({"type": "object"}))}),
            );
        }
        ("GET", "/reviews", _) => {
            parameters.push(query_parameter(
                "state",
                "Only reviews at this stage.",
                reference("ReviewState"),
            ));
            parameters.push(query_parameter(
                "q",
                "Only reviews whose title holds these words.",
                json!({"type": "string", "maxLength": 200}),
            ));
            responses.insert("200".into(), json!({"description": "A page of reviews, by title.", "content": json_body(reference("ReviewPage"))}));
        }
        ("POST", "/reviews", _) => {
            parameters.push(json!({
                "name": "Idempotency-Key", "in": "header", "required": false,
                "description": "The same key sent again opens nothing more and answers with the review the first request opened.",
                "schema": {"type": "string", "maxLength": 100}
            }));
            request_body = Some(
                json!({"required": true, "content": json_body(reference("OpenReviewRequest"))}),
            );
            responses.insert("201".into(), json!({"description": "The review, opened; the token's owner is its lead reviewer.", "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}}, "content": json_body(reference("ReviewItem"))}));
        }
        ("GET", "/reviews/{review}", _) => {
            responses.insert("200".into(), json!({"description": "The review.", "headers": {"ETag": {"schema": {"type": "string"}}}, "content": json_body(reference("ReviewItem"))}));
        }
        ("GET", "/reviews/{review}/agencies", _) => {
            responses.insert("200".into(), json!({"description": "A page of the agencies of the review's partnership.", "content": json_body(reference("AgencyPage"))}));
        }
        ("POST", "/reviews/{review}/agencies", _) => {
            request_body =
                Some(json!({"required": true, "content": json_body(reference("NewAgency"))}));
            responses.insert("201".into(), json!({"description": "The agency, added to the partnership.", "content": json_body(reference("Agency"))}));
        }
        ("POST", "/reviews/{review}/suggestions", _) => {
            request_body =
                Some(json!({"required": true, "content": json_body(reference("SuggestRequest"))}));
            responses.insert("200".into(), json!({"description": "The suggestions, kept as a suggestion run.", "content": json_body(reference("Suggestions"))}));
        }
        ("GET", "/recurrent-issues", _) => {
            parameters.push(query_parameter(
                "pattern",
                "Only issues under this pattern.",
                reference("Pattern"),
            ));
            parameters.push(query_parameter(
                "status",
                "Only issues with this status.",
                reference("RecurrentIssueStatus"),
            ));
            responses.insert("200".into(), json!({"description": "A page of the codebook, by pattern and code, each with how many findings and reviews it reaches.", "content": json_body(reference("RecurrentIssuePage"))}));
        }
        ("POST", "/recurrent-issues", _) => {
            request_body =
                Some(json!({"required": true, "content": json_body(reference("ProposeRequest"))}));
            responses.insert("201".into(), json!({"description": "The proposed issue (accepted at once when a national analyst proposed it).", "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}}, "content": json_body(reference("RecurrentIssueItem"))}));
        }
        ("GET", "/recurrent-issues/{id}", _) => {
            responses.insert("200".into(), json!({"description": "The recurrent issue.", "headers": {"ETag": {"schema": {"type": "string"}}}, "content": json_body(reference("RecurrentIssueItem"))}));
        }
        ("GET", _, Some((name, filters))) if list => {
            for field in *filters {
                parameters.push(query_parameter(
                    field,
                    &format!("Only those whose `{field}` is this (`null` for none)."),
                    json!({"type": "string", "maxLength": 200}),
                ));
            }
            responses.insert("200".into(), json!({"description": "A page of them, in the review's order.", "content": json_body(reference(&format!("{name}Page")))}));
        }
        ("GET", _, Some((name, _))) => {
            responses.insert("200".into(), json!({"description": "The record.", "headers": {"ETag": {"schema": {"type": "string"}, "description": "Its version, for If-Match."}}, "content": json_body(reference(&format!("{name}Item")))}));
        }
        ("POST", _, Some((name, _))) => {
            parameters.push(json!({
                "name": "Idempotency-Key", "in": "header", "required": false,
                "description": "The same key sent again creates nothing more and answers with the record the first request created.",
                "schema": {"type": "string", "maxLength": 100}
            }));
            request_body = Some(
                json!({"required": true, "content": json_body(reference(&format!("{name}Input")))}),
            );
            responses.insert("201".into(), json!({"description": "Created.", "headers": {"ETag": {"schema": {"type": "string"}}, "Location": {"schema": {"type": "string"}}}, "content": json_body(reference(&format!("{name}Item")))}));
        }
        ("PUT", _, Some((name, _))) => {
            parameters.push(json!({
                "name": "If-Match", "in": "header", "required": true,
                "description": "The ETag of the version being changed.",
                "schema": {"type": "string", "maxLength": 40}, "example": "\"1\""
            }));
            parameters.push(json!({
                "name": "reason", "in": "query", "required": true,
                "description": "Why it changes: kept with the prior version.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 500}, "example": "Corrected the date from the GP record"
            }));
            request_body = Some(
                json!({"required": true, "content": json_body(reference(&format!("{name}Input")))}),
            );
            responses.insert("200".into(), json!({"description": "Changed (or unchanged: nothing written).", "headers": {"ETag": {"schema": {"type": "string"}}}, "content": json_body(reference(&format!("{name}Item")))}));
            responses.insert(
                "412".into(),
                problem("The record changed since that version; nothing was saved."),
            );
            responses.insert("428".into(), problem("If-Match is missing."));
        }
        _ => {}
    }
    if o.needs != ApiNeeds::Public {
        responses.insert(
            "400".into(),
            problem("The request (query string or body) could not be read."),
        );
        responses.insert("401".into(), problem("No live token."));
        responses.insert(
            "403".into(),
            problem("The token only reads, or the role must state a purpose (Casewindow-Purpose)."),
        );
        responses.insert("404".into(), problem("Nothing there the token may reach."));
        responses.insert(
            "429".into(),
            json!({
                "description": "Too many requests with this token.",
                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                "content": {"application/problem+json": {"schema": reference("ProblemDetails")}}
            }),
        );
    }
    if request_body.is_some() {
        responses.insert("413".into(), problem("The body is too large."));
        responses.insert(
            "422".into(),
            problem("Problems with named fields; nothing was saved."),
        );
    }
    let mut operation = json!({
        "operationId": o.id,
        "summary": o.summary,
        "parameters": parameters,
        "responses": responses,
    });
    if let Some(body) = request_body {
        operation["requestBody"] = body;
    }
    if o.needs == ApiNeeds::Public {
        operation["security"] = json!([]);
    }
    operation
}

/// The whole description.
pub fn document() -> Value {
    let mut schemas = Map::new();
    kind_schemas::<ChronologyEntry>(&mut schemas);
    kind_schemas::<Conversation>(&mut schemas);
    kind_schemas::<KeyPracticeEpisode>(&mut schemas);
    kind_schemas::<Finding>(&mut schemas);
    kind_schemas::<PartnershipResponse>(&mut schemas);
    kind_schemas::<Action>(&mut schemas);
    let review = collect::<Review>(&mut schemas);
    schemas.insert(
        format!("{review}Item"),
        envelope(&review, &[("partnership", json!({"type": "string"}))]),
    );
    schemas.insert(format!("{review}Page"), page_of(&format!("{review}Item")));
    // One review read alone has no partnership name beside it.
    if let Some(required) = schemas
        .get_mut(&format!("{review}Item"))
        .and_then(|s| s.get_mut("required"))
        .and_then(Value::as_array_mut)
    {
        required.retain(|f| f != "partnership");
    }
    let agency = collect::<Agency>(&mut schemas);
    schemas.insert(format!("{agency}Page"), page_of(&agency));
    let issue = collect::<RecurrentIssue>(&mut schemas);
    let count = json!({"type": "integer", "minimum": 0});
    schemas.insert(format!("{issue}Item"), envelope(&issue, &[]));
    schemas.insert(
        format!("{issue}Listed"),
        envelope(&issue, &[("findings", count.clone()), ("reviews", count)]),
    );
    schemas.insert(format!("{issue}Page"), page_of(&format!("{issue}Listed")));
    collect::<SuggestRequest>(&mut schemas);
    collect::<ProposeRequest>(&mut schemas);
    collect::<NewAgency>(&mut schemas);
    collect::<OpenReviewRequest>(&mut schemas);
    collect::<NewPartnership>(&mut schemas);
    collect::<Suggestions>(&mut schemas);
    collect::<ProblemDetails>(&mut schemas);
    let mut paths = Map::new();
    for o in operations() {
        let item = paths.entry(o.path.clone()).or_insert_with(|| json!({}));
        item[o.method.to_ascii_lowercase()] = operation(&o);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "casewindow API",
            "version": "1",
            "description": "Reviews, their chronologies, conversations, key practice episodes, findings, responses and actions, and the library's recurrent issues and suggestions, for programs acting with a person's API token. A token reaches only what its owner may, and only the reviews and scope (read, or read and write) chosen when it was made. Changes name the version they change (If-Match) and say why (`reason`); errors are RFC 9457 problem details naming each field.",
        },
        "servers": [{"url": BASE}],
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer", "description": "A personal access token made on the account page (cwpat_...)."}
            },
            "schemas": schemas,
        },
        "paths": paths,
    })
}
