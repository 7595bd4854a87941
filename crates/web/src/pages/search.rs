//! Full-text search across every review the user may open: findings, key practice episodes,
//! narrative and, where their role lets them read them, agency chronologies; with facets (what
//! kind of record, pattern, review, year) and the matching words highlighted.

use super::{layout, render};
use crate::AppState;
use crate::error::WebError;
use crate::layout::Layout;
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use casewindow_domain::typology::Pattern;
use casewindow_search::{Filters, Kind, Piece};
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new().route("/search", get(show::<S>))
}

/// How many hits a page shows.
const SHOWN: usize = 50;
/// Reviews offered in the review filter, at most: those with most matches.
const REVIEWS_LISTED: usize = 50;

#[derive(serde::Deserialize, Default)]
struct Params {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    pattern: String,
    #[serde(default)]
    review: String,
    #[serde(default)]
    year: String,
}

/// One choice in a facet: (value, label with its count, selected).
type Choice = (String, String, bool);

struct HitView {
    kind: &'static str,
    href: String,
    title: String,
    review: String,
    detail: String,
    snippet: Vec<Piece>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    searched: bool,
    total: usize,
    truncated: bool,
    reviews_searched: usize,
    /// Reviews with a match (more than are listed in the review filter, perhaps).
    reviews_matched: usize,
    kinds: Vec<Choice>,
    patterns: Vec<Choice>,
    reviews: Vec<Choice>,
    years: Vec<Choice>,
    filtered: bool,
    hits: Vec<HitView>,
    withheld: Vec<(String, String)>,
}

fn pattern_label(key: &str) -> String {
    Pattern::ALL
        .into_iter()
        .find(|p| p.key() == key)
        .map_or_else(|| key.to_owned(), |p| p.to_string())
}

/// The facets beside the results, each choice with its count and whether it is chosen.
fn facet_choices(
    results: &casewindow_search::Results,
    params: &Params,
    kind: Option<Kind>,
    review: Option<uuid::Uuid>,
    year: Option<i32>,
    title_of: &dyn Fn(&uuid::Uuid) -> String,
) -> (Vec<Choice>, Vec<Choice>, Vec<Choice>, Vec<Choice>) {
    let kinds = Kind::ALL
        .into_iter()
        .filter_map(|k| {
            results.kinds.get(&k).map(|n| {
                (
                    k.as_str().to_owned(),
                    format!("{} ({n})", k.label()),
                    Some(k) == kind,
                )
            })
        })
        .collect();
    let patterns = results
        .patterns
        .iter()
        .map(|(p, n)| {
            (
                p.clone(),
                format!("{} ({n})", pattern_label(p)),
                *p == params.pattern,
            )
        })
        .collect();
    // The reviews with most matches (and the one chosen), so the list stays short however
    // many reviews match.
    let mut counted: Vec<(&uuid::Uuid, &usize)> = results.reviews.iter().collect();
    counted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut reviews: Vec<Choice> = counted
        .into_iter()
        .enumerate()
        .filter(|(i, (r, _))| *i < REVIEWS_LISTED || Some(**r) == review)
        .map(|(_, (r, n))| {
            (
                r.to_string(),
                format!("{} ({n})", title_of(r)),
                Some(*r) == review,
            )
        })
        .collect();
    reviews.sort_by(|a, b| a.1.cmp(&b.1));
    let years = results
        .years
        .iter()
        .rev()
        .map(|(y, n)| (y.to_string(), format!("{y} ({n})"), Some(*y) == year))
        .collect();
    (kinds, patterns, reviews, years)
}

/// One search result as the page shows it: what it is, where it opens, its review and a detail
/// (a finding's pattern, an entry's agency).
fn hit_view(
    h: &casewindow_search::Hit,
    answer: &casewindow_app::SearchAnswer,
    review: String,
) -> HitView {
    let r = h.review;
    let (kind, href) = match h.kind {
        Kind::Finding => ("Finding", format!("/reviews/{r}/findings/{}", h.id)),
        Kind::Episode => (
            "Key practice episode",
            format!("/reviews/{r}/kpes/{}", h.id),
        ),
        Kind::Narrative => ("Narrative", format!("/reviews/{r}/narrative/{}", h.id)),
        Kind::Chronology => (
            "Chronology entry",
            format!(
                "/reviews/{r}/chronology?agency={}",
                h.agency.map(|a| a.to_string()).unwrap_or_default()
            ),
        ),
    };
    let detail = match h.kind {
        Kind::Finding if !h.pattern.is_empty() => pattern_label(&h.pattern),
        Kind::Chronology | Kind::Narrative => h
            .agency
            .and_then(|a| answer.agency_names.get(&a).cloned())
            .unwrap_or_default(),
        _ => String::new(),
    };
    HitView {
        kind,
        href,
        title: h.title.clone(),
        review,
        detail,
        snippet: h.snippet.clone(),
    }
}

async fn show<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Query(params): Query<Params>,
) -> Result<Response, WebError> {
    let kind = Kind::parse(&params.kind);
    let review = uuid::Uuid::parse_str(&params.review).ok();
    let year = params.year.parse::<i32>().ok();
    let filters = Filters {
        kinds: kind.into_iter().collect(),
        patterns: (!params.pattern.is_empty())
            .then(|| params.pattern.clone())
            .into_iter()
            .collect(),
        reviews: review.into_iter().collect(),
        years: year.into_iter().collect(),
    };
    let q = params.q.trim().to_owned();
    let answer = app.search(&user.actor(), &q, &filters, SHOWN).await?;
    let results = &answer.results;
    let title_of = |r: &uuid::Uuid| {
        answer
            .review_titles
            .get(r)
            .cloned()
            .unwrap_or_else(|| "A review".to_owned())
    };
    let (kinds, patterns, reviews, years) =
        facet_choices(results, &params, kind, review, year, &title_of);
    let hits = results
        .hits
        .iter()
        .map(|h| hit_view(h, &answer, title_of(&h.review)))
        .collect();
    render(&SearchPage {
        layout: layout(
            &user,
            "Search",
            vec![("/".to_owned(), "Your reviews".to_owned())],
        ),
        searched: !q.is_empty(),
        q,
        total: results.total,
        truncated: results.truncated,
        reviews_searched: answer.reviews_searched,
        reviews_matched: answer.results.reviews.len(),
        kinds,
        patterns,
        reviews,
        years,
        filtered: kind.is_some()
            || !params.pattern.is_empty()
            || review.is_some()
            || year.is_some(),
        hits,
        withheld: answer
            .chronologies_withheld
            .iter()
            .map(|(id, title)| (id.to_string(), title.clone()))
            .collect(),
    })
}
