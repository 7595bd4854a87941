//! The pattern library: findings across every review the user may read, with facets, and
//! charts of how the patterns and recurrent issues recur.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::text::{key, truncate};
use super::{layout, render};
use crate::AppState;
use crate::charts::{self, Bar};
use crate::error::WebError;
use crate::layout::Layout;
use crate::session::SignedIn;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use casewindow_app::LibraryFinding;
use casewindow_domain::findings::Polarity;
use casewindow_domain::typology::Pattern;
use casewindow_store::Store;
use serde::Deserialize;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new().route("/library", get(show::<S>))
}

/// The filters, from the address (a GET form: nothing changes, so no CSRF token is needed).
#[derive(Debug, Default, Deserialize)]
struct Filter {
    #[serde(default)]
    pattern: String,
    #[serde(default)]
    issue: String,
    #[serde(default)]
    polarity: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    harm: String,
    #[serde(default)]
    age: String,
    #[serde(default)]
    sector: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Facet {
    Pattern,
    Issue,
    Polarity,
    Year,
    Kind,
    Harm,
    Age,
    Sector,
}

const FACETS: [Facet; 8] = [
    Facet::Pattern,
    Facet::Issue,
    Facet::Polarity,
    Facet::Year,
    Facet::Kind,
    Facet::Harm,
    Facet::Age,
    Facet::Sector,
];

impl Facet {
    fn name(self) -> &'static str {
        match self {
            Self::Pattern => "pattern",
            Self::Issue => "issue",
            Self::Polarity => "polarity",
            Self::Year => "year",
            Self::Kind => "kind",
            Self::Harm => "harm",
            Self::Age => "age",
            Self::Sector => "sector",
        }
    }

    fn legend(self) -> &'static str {
        match self {
            Self::Pattern => "Underlying pattern",
            Self::Issue => "Recurrent issue",
            Self::Polarity => "Polarity",
            Self::Year => "Year the review opened",
            Self::Kind => "Kind of review",
            Self::Harm => "Harm",
            Self::Age => "Child's age",
            Self::Sector => "Agency taking part",
        }
    }

    fn chosen(self, filter: &Filter) -> &str {
        match self {
            Self::Pattern => &filter.pattern,
            Self::Issue => &filter.issue,
            Self::Polarity => &filter.polarity,
            Self::Year => &filter.year,
            Self::Kind => &filter.kind,
            Self::Harm => &filter.harm,
            Self::Age => &filter.age,
            Self::Sector => &filter.sector,
        }
    }

    /// The facet's values for one finding: (value, label).
    fn values(self, f: &LibraryFinding) -> Vec<(String, String)> {
        match self {
            Self::Pattern => f
                .finding
                .pattern
                .map(|p| vec![(key(&p), p.to_string())])
                .unwrap_or_default(),
            Self::Issue => f
                .issues
                .iter()
                .map(|i| (i.code.clone(), i.label.clone()))
                .collect(),
            Self::Polarity => f
                .finding
                .polarity
                .map(|p| vec![(key(&p), polarity_label(p).to_owned())])
                .unwrap_or_default(),
            Self::Year => vec![(f.year.to_string(), f.year.to_string())],
            Self::Kind => vec![(key(&f.review_kind), f.review_kind.label().to_owned())],
            Self::Harm => f
                .harm_types
                .iter()
                .map(|h| (key(h), h.label().to_owned()))
                .collect(),
            Self::Age => f
                .age_band
                .map(|a| vec![(key(&a), a.label().to_owned())])
                .unwrap_or_default(),
            Self::Sector => f
                .sectors
                .iter()
                .map(|s| (key(s), s.label().to_owned()))
                .collect(),
        }
    }
}

fn polarity_label(p: Polarity) -> &'static str {
    match p {
        Polarity::Constructive => "Constructive",
        Polarity::Unsafe => "Unsafe",
    }
}

/// Each finding's values of every facet, worked out once (each facet's counts ask of every
/// finding whether it passes every other facet).
struct Valued<'a> {
    finding: &'a LibraryFinding,
    values: [Vec<(String, String)>; FACETS.len()],
}

fn valued(all: &[LibraryFinding]) -> Vec<Valued<'_>> {
    all.iter()
        .map(|finding| Valued {
            finding,
            values: FACETS.map(|facet| facet.values(finding)),
        })
        .collect()
}

/// Whether a finding passes every filter except `skip`'s.
fn passes(v: &Valued<'_>, filter: &Filter, skip: Option<Facet>) -> bool {
    FACETS.iter().zip(&v.values).all(|(facet, values)| {
        let chosen = facet.chosen(filter);
        Some(*facet) == skip || chosen.is_empty() || values.iter().any(|(v, _)| v == chosen)
    })
}

struct Option_ {
    value: String,
    label: String,
    count: usize,
    selected: bool,
}

struct FacetView {
    name: &'static str,
    legend: &'static str,
    options: Vec<Option_>,
}

struct Row {
    href: String,
    statement: String,
    pattern: String,
    polarity: &'static str,
    issues: String,
    review: String,
    year: i32,
}

#[derive(Template)]
#[template(path = "library.html")]
struct LibraryPage {
    layout: Layout,
    content: std::sync::Arc<str>,
}

/// The page's content, kept until the library changes.
#[derive(Template)]
#[template(path = "library_content.html")]
struct LibraryContent {
    total: usize,
    shown: usize,
    reviews: usize,
    facets: Vec<FacetView>,
    filtered: bool,
    rows: Vec<Row>,
    more: usize,
    by_year: String,
    by_year_table: CountTable,
    polarity: String,
    co_occurrence: String,
    top_issues: String,
    top_issue_rows: Vec<(String, String, usize, usize)>,
    agreement: Option<AgreementView>,
    may_import: bool,
}

/// Where the candidate issues go in the kept content.
const CANDIDATES_HERE: &str = "<!--candidates-->";

/// The candidate issues as last found, rendered for each request.
#[derive(Template)]
#[template(path = "library_candidates.html")]
struct CandidatesSection {
    /// Whether they have been looked for at all yet.
    looked: bool,
    current: bool,
    at: String,
    candidates: Vec<CandidateView>,
}

/// A chart's numbers as a table: a column per heading, a row per pattern with its counts.
struct CountTable {
    columns: Vec<String>,
    rows: Vec<(String, Vec<usize>)>,
}

/// A candidate new recurrent issue, ready to show.
struct CandidateView {
    pattern: String,
    key_terms: String,
    reviews: usize,
    size: usize,
    examples: Vec<(String, String, String)>,
}

/// How often reviewers took the pattern library's first suggestion.
struct AgreementView {
    n: usize,
    observed_percent: u32,
    kappa: String,
    labels: Vec<String>,
    rows: Vec<(String, Vec<usize>)>,
}

/// Rows shown at once; the facets narrow the rest.
const PAGE: usize = 100;

async fn show<S: Store>(
    State(app): State<AppState<S>>,
    SignedIn(user): SignedIn,
    Query(filter): Query<Filter>,
) -> Result<Response, WebError> {
    // Platform administrators run the service and see no case content.
    if user.platform_admin {
        return Err(WebError::NotFound);
    }
    let actor = user.actor();
    let may_import = app.may_import_reports(&actor).await?;
    let view = format!(
        "library {may_import} {}",
        FACETS
            .iter()
            .map(|f| format!("{}={}", f.name(), f.chosen(&filter)))
            .collect::<Vec<_>>()
            .join("&")
    );
    let key = app.library_key(&actor, &view).await?;
    let analyst = user.national_analyst;
    let content = app
        .library_page(key, || content(&app, &actor, &filter, analyst, may_import))
        .await?;
    let kept = app.kept_candidate_issues(&actor).await?;
    let section = CandidatesSection {
        looked: kept.is_some(),
        current: kept.as_ref().is_some_and(|k| k.current),
        at: kept
            .as_ref()
            .map(|k| k.at.format("%-d %B %Y at %H:%M UTC").to_string())
            .unwrap_or_default(),
        candidates: kept
            .map(|k| {
                k.candidates
                    .iter()
                    .cloned()
                    .map(|c| candidate_view(c, analyst))
                    .collect()
            })
            .unwrap_or_default(),
    }
    .render()?;
    let content: std::sync::Arc<str> = content.replacen(CANDIDATES_HERE, &section, 1).into();
    render(&LibraryPage {
        layout: layout(
            &user,
            "Pattern library",
            vec![("/".to_owned(), "Your reviews".to_owned())],
        ),
        content,
    })
}

/// The page's content: the findings passing the filters, the facets, the charts and the
/// candidate issues.
async fn content<S: Store>(
    app: &AppState<S>,
    actor: &casewindow_app::Actor,
    filter: &Filter,
    analyst: bool,
    may_import: bool,
) -> Result<String, WebError> {
    let all = app.library_findings(actor).await?;
    let valued = valued(&all);
    let selected: Vec<&LibraryFinding> = valued
        .iter()
        .filter(|v| passes(v, filter, None))
        .map(|v| v.finding)
        .collect();
    let rows = selected
        .iter()
        .take(PAGE)
        .map(|f| row(f, analyst))
        .collect();
    let (by_year, by_year_table) = year_chart(&selected);
    let (top_issues, top) = top_issue_chart(&selected);
    let reviews: HashSet<_> = selected.iter().map(|f| f.review).collect();
    let filtered = FACETS.iter().any(|f| !f.chosen(filter).is_empty());
    Ok(LibraryContent {
        may_import,
        total: all.len(),
        shown: selected.len(),
        reviews: reviews.len(),
        facets: facet_views(&valued, filter),
        filtered,
        more: selected.len().saturating_sub(PAGE),
        rows,
        by_year,
        by_year_table,
        polarity: polarity_chart(&selected),
        co_occurrence: co_occurrence_chart(&selected),
        top_issues,
        top_issue_rows: top,
        agreement: agreement_view(&selected),
    }
    .render()?)
}

/// Each facet with every value the findings passing the other facets' choices have.
fn facet_views(all: &[Valued<'_>], filter: &Filter) -> Vec<FacetView> {
    FACETS
        .iter()
        .enumerate()
        .map(|(at, facet)| {
            let mut counts: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
            for f in all.iter().filter(|f| passes(f, filter, Some(*facet))) {
                for (value, label) in &f.values[at] {
                    counts.entry(value).or_insert((label, 0)).1 += 1;
                }
            }
            let mut options: Vec<Option_> = counts
                .into_iter()
                .map(|(value, (label, count))| Option_ {
                    selected: facet.chosen(filter) == value,
                    value: value.to_owned(),
                    label: label.to_owned(),
                    count,
                })
                .collect();
            match facet {
                Facet::Pattern => options.sort_by_key(|o| {
                    Pattern::ALL
                        .iter()
                        .position(|p| key(p) == o.value)
                        .unwrap_or(9)
                }),
                Facet::Year => options.sort_by(|a, b| b.value.cmp(&a.value)),
                _ => options.sort_by(|a, b| a.label.cmp(&b.label)),
            }
            FacetView {
                name: facet.name(),
                legend: facet.legend(),
                options,
            }
        })
        .collect()
}

/// One finding as the library's table shows it; national analysts read de-identified findings
/// only, with no way into the review.
fn row(f: &LibraryFinding, analyst: bool) -> Row {
    Row {
        // National analysts read de-identified findings only: no way into the review.
        href: if analyst {
            String::new()
        } else {
            format!("/reviews/{}/findings/{}", f.review, f.finding.id)
        },
        statement: truncate(&f.finding.statement, 400),
        pattern: f
            .finding
            .pattern
            .map(|p| p.short_label().to_owned())
            .unwrap_or_else(|| "Not yet placed".to_owned()),
        polarity: f.finding.polarity.map_or("Not set", polarity_label),
        issues: f
            .issues
            .iter()
            .map(|i| i.label.clone())
            .collect::<Vec<_>>()
            .join("; "),
        review: f.review_title.clone(),
        year: f.year,
    }
}

/// Findings by pattern and year: the heat map and its table.
fn year_chart(selected: &[&LibraryFinding]) -> (String, CountTable) {
    let years: BTreeSet<i32> = selected.iter().map(|f| f.year).collect();
    let years: Vec<i32> = years.into_iter().collect();
    let pattern_names: Vec<String> = Pattern::ALL.iter().map(|p| p.to_string()).collect();
    let mut grid = vec![vec![0usize; years.len()]; 6];
    for f in selected {
        if let (Some(p), Ok(j)) = (f.finding.pattern, years.binary_search(&f.year)) {
            grid[p.number() as usize - 1][j] += 1;
        }
    }
    let year_labels: Vec<String> = years.iter().map(ToString::to_string).collect();
    let by_year = charts::heatmap(
        "by-year",
        "Findings by pattern and year",
        "Number of findings in each underlying pattern, by the year the review opened.",
        &pattern_names,
        &year_labels,
        &grid,
    );
    let by_year_table = CountTable {
        columns: year_labels,
        rows: pattern_names.into_iter().zip(grid).collect(),
    };

    (by_year, by_year_table)
}

/// Unsafe and constructive findings by pattern.
fn polarity_chart(selected: &[&LibraryFinding]) -> String {
    let polarity_bars: Vec<Bar> = Pattern::ALL
        .iter()
        .map(|p| {
            let of = |polarity| {
                selected
                    .iter()
                    .filter(|f| {
                        f.finding.pattern == Some(*p) && f.finding.polarity == Some(polarity)
                    })
                    .count()
            };
            Bar {
                label: p.to_string(),
                segments: vec![
                    (of(Polarity::Unsafe), "#d4351c", "Unsafe"),
                    (of(Polarity::Constructive), "#00703c", "Constructive"),
                ],
            }
        })
        .collect();
    charts::bars(
        "polarity",
        "Unsafe and constructive findings by pattern",
        "For each underlying pattern, how many findings describe something that makes poor practice more likely and how many describe something that supports good practice.",
        &polarity_bars,
    )
}

/// How many reviews have findings in each pair of patterns.
fn co_occurrence_chart(selected: &[&LibraryFinding]) -> String {
    let pattern_names: Vec<String> = Pattern::ALL.iter().map(|p| p.to_string()).collect();
    let mut patterns_of: HashMap<_, HashSet<Pattern>> = HashMap::new();
    for f in selected {
        if let Some(p) = f.finding.pattern {
            patterns_of.entry(f.review).or_default().insert(p);
        }
    }
    let mut co = vec![vec![0usize; 6]; 6];
    for set in patterns_of.values() {
        for a in set {
            for b in set {
                co[a.number() as usize - 1][b.number() as usize - 1] += 1;
            }
        }
    }
    let short: Vec<String> = Pattern::ALL
        .iter()
        .map(|p| p.number().to_string())
        .collect();
    charts::heatmap(
        "co-occurrence",
        "Patterns found together in the same review",
        "Number of reviews with findings in both patterns; the diagonal is the number of reviews with any finding in that pattern. Columns are numbered as the rows.",
        &pattern_names,
        &short,
        &co,
    )
}

/// The recurrent issues seen in the most reviews: the chart and its rows (label, pattern,
/// reviews, findings).
fn top_issue_chart(selected: &[&LibraryFinding]) -> (String, Vec<(String, String, usize, usize)>) {
    let mut issue_reviews: HashMap<String, (String, String, HashSet<_>, usize)> = HashMap::new();
    for f in selected {
        for i in &f.issues {
            let entry = issue_reviews.entry(i.code.clone()).or_insert((
                i.label.clone(),
                i.pattern.short_label().to_owned(),
                HashSet::new(),
                0,
            ));
            entry.2.insert(f.review);
            entry.3 += 1;
        }
    }
    let mut top: Vec<(String, String, usize, usize)> = issue_reviews
        .into_values()
        .map(|(label, pattern, reviews, findings)| (label, pattern, reviews.len(), findings))
        .collect();
    top.sort_by(|a, b| b.2.cmp(&a.2).then(b.3.cmp(&a.3)).then(a.0.cmp(&b.0)));
    top.truncate(12);
    let top_issues = charts::bars(
        "top-issues",
        "Recurrent issues seen in the most reviews",
        "For each recurrent issue, the number of different reviews with a finding linked to it.",
        &top.iter()
            .map(|(label, pattern, reviews, _)| Bar {
                label: format!("{label} ({pattern})"),
                segments: vec![(*reviews, "#1d70b8", "Reviews")],
            })
            .collect::<Vec<_>>(),
    );

    (top_issues, top)
}

/// Reviewers' choices against the library's first suggestion, where one was shown.
fn agreement_view(selected: &[&LibraryFinding]) -> Option<AgreementView> {
    let pattern_names: Vec<String> = Pattern::ALL.iter().map(|p| p.to_string()).collect();
    let pairs: Vec<(Pattern, Pattern)> = selected
        .iter()
        .filter_map(|f| f.finding.pattern_choice.as_ref())
        .map(|c| (c.chosen, c.suggested))
        .collect();
    (!pairs.is_empty()).then(|| {
        let a = casewindow_patterns::eval::agreement(&pairs);
        AgreementView {
            n: a.n,
            observed_percent: (a.observed * 100.0).round() as u32,
            kappa: format!("{:.2}", a.kappa),
            labels: Pattern::ALL
                .iter()
                .map(|p| p.number().to_string())
                .collect(),
            rows: pattern_names.iter().cloned().zip(a.confusion).collect(),
        }
    })
}

/// A candidate new recurrent issue, with up to three of its findings.
fn candidate_view(c: casewindow_app::CandidateIssue, analyst: bool) -> CandidateView {
    CandidateView {
        pattern: c.pattern.to_string(),
        key_terms: c.key_terms.join(", "),
        reviews: c.reviews,
        size: c.findings.len(),
        examples: c
            .findings
            .iter()
            .take(3)
            .map(|(finding, review, title, statement)| {
                (
                    if analyst {
                        String::new()
                    } else {
                        format!("/reviews/{review}/findings/{finding}")
                    },
                    title.clone(),
                    truncate(statement, 300),
                )
            })
            .collect(),
    }
}
