//! The thematic analysis across reviews, on both engines: every figure of its JSON recounted
//! in SQL from the tables (a count under 5 must be hidden, a hidden count must not be the only
//! one of its group), its scope honoured, its quoted findings de-identified, and each analysis
//! kept as a version that only its audience reads again.

use casewindow_app::thematic::ThematicRequest;
use casewindow_app::{Actor, App, AppError};
use casewindow_domain::ids::UserId;
use casewindow_domain::review::Review;
use casewindow_report::thematic::{Analysis, SUPPRESS_BELOW};
use casewindow_store::prelude::*;
use casewindow_store_sql::SqlStore;
use casewindow_testkit::both_backends;
use sqlx::Row as _;
use std::collections::{BTreeMap, BTreeSet};

fn analyst() -> Actor {
    Actor {
        national_analyst: true,
        ..Actor::system("test analyst")
    }
}

/// One row per finding placed in a pattern: (finding, review, partnership, pattern key,
/// polarity, year the review opened), read with plain SQL.
struct Row {
    finding: String,
    review: String,
    partnership: String,
    pattern: String,
    polarity: Option<String>,
    year: String,
}

async fn recount(url: &str) -> anyhow::Result<(Vec<Row>, Vec<(String, String)>)> {
    let pool = sqlx::AnyPool::connect(url).await?;
    let opened = if url.starts_with("sqlite:") {
        "substr(json_extract(r.body, '$.opened_on'), 1, 4)"
    } else {
        "substr(r.body::jsonb->>'opened_on', 1, 4)"
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT f.id, f.review_id, r.partnership_id, f.pattern, f.polarity, {opened} AS year \
         FROM findings f JOIN reviews r ON r.id = f.review_id WHERE f.pattern IS NOT NULL"
    )))
    .fetch_all(&pool)
    .await?
    .iter()
    .map(|row| Row {
        finding: row.get(0),
        review: row.get(1),
        partnership: row.get(2),
        pattern: row.get(3),
        polarity: row.get(4),
        year: row.get(5),
    })
    .collect();
    let links = sqlx::query("SELECT finding_id, issue_id FROM finding_issues")
        .fetch_all(&pool)
        .await?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    pool.close().await;
    Ok((rows, links))
}

/// A figure as shared: the count itself from 5 up, hidden below.
fn expect_single(what: &str, shown: Option<usize>, count: usize) {
    if count < SUPPRESS_BELOW {
        assert_eq!(shown, None, "{what}: {count} must be hidden");
    } else {
        assert_eq!(shown, Some(count), "{what}");
    }
}

/// A group of figures whose total is shown: each shown one equals its count, every count under
/// 5 is hidden, and never exactly one is hidden (it would be the total less the rest).
fn expect_group(what: &str, shown: &[Option<usize>], counts: &[usize]) {
    assert_eq!(shown.len(), counts.len(), "{what}");
    for (s, c) in shown.iter().zip(counts) {
        if let Some(s) = s {
            assert_eq!(s, c, "{what}");
        }
        if *c < SUPPRESS_BELOW {
            assert_eq!(*s, None, "{what}: {c} must be hidden");
        }
    }
    assert_ne!(
        shown.iter().filter(|s| s.is_none()).count(),
        1,
        "{what}: one hidden count alone could be worked out"
    );
}

/// Equal JSON, numbers within a rounding error (a kept version's shares are read back from
/// their decimal text).
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() < 1e-12,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> usize {
    values.collect::<BTreeSet<_>>().len()
}

/// Every figure of `analysis` against the rows of its scope.
fn check_against(analysis: &Analysis, rows: &[&Row], links: &[(String, String)]) {
    let reviews = distinct(rows.iter().map(|r| r.review.as_str()));
    expect_single("reviews", analysis.reviews, reviews);
    expect_single("findings", analysis.findings, rows.len());
    expect_single(
        "partnerships",
        analysis.partnerships,
        distinct(rows.iter().map(|r| r.partnership.as_str())),
    );
    let years: Vec<String> = rows
        .iter()
        .map(|r| r.year.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        analysis.reviews_by_year.keys().cloned().collect::<Vec<_>>(),
        years
    );
    let keys = [
        "tool",
        "management",
        "multiagency_crisis",
        "multiagency_longterm",
        "family_professional",
        "reasoning",
    ];
    for (i, key) in keys.iter().enumerate() {
        let p = &analysis.patterns[i];
        assert_eq!(usize::from(p.pattern), i + 1);
        let mine: Vec<&&Row> = rows.iter().filter(|r| r.pattern == *key).collect();
        let what = format!("pattern {}", i + 1);
        expect_single(&format!("{what} findings"), p.findings, mine.len());
        let with = distinct(mine.iter().map(|r| r.review.as_str()));
        expect_single(&format!("{what} reviews"), p.reviews, with);
        let polarity = |value: Option<&str>| {
            mine.iter()
                .filter(|r| r.polarity.as_deref() == value)
                .count()
        };
        expect_group(
            &format!("{what} polarity"),
            &[p.constructive, p.unsafe_, p.undecided],
            &[
                polarity(Some("constructive")),
                polarity(Some("unsafe")),
                polarity(None),
            ],
        );
        let by_year: Vec<usize> = years
            .iter()
            .map(|y| mine.iter().filter(|r| &r.year == y).count())
            .collect();
        let shown: Vec<Option<usize>> = years.iter().map(|y| p.by_year[y]).collect();
        if p.findings.is_some() {
            expect_group(&format!("{what} by year"), &shown, &by_year);
        } else {
            assert!(shown.iter().all(Option::is_none), "{what}: hidden total");
        }
        match (p.prevalence, p.reviews, analysis.reviews) {
            (Some(share), Some(k), Some(n)) => {
                #[allow(clippy::cast_precision_loss)]
                let expected = k as f64 / n as f64;
                assert!((share.share - expected).abs() < 1e-12, "{what} prevalence");
                assert!(share.low <= share.share && share.share <= share.high);
            }
            (None, None, _) | (None, _, None) => {}
            other => panic!("{what}: prevalence {other:?}"),
        }
    }
    // Each issue: the reviews and partnerships its findings in scope reach; its examples are
    // its own findings, of different reviews where it reaches several.
    let in_scope: BTreeMap<&str, &&Row> = rows.iter().map(|r| (r.finding.as_str(), r)).collect();
    assert!(!analysis.issues.is_empty());
    for issue in &analysis.issues {
        let linked: Vec<&&Row> = links
            .iter()
            .filter(|(_, i)| *i == issue.issue)
            .filter_map(|(f, _)| in_scope.get(f.as_str()).copied())
            .collect();
        let reached = distinct(linked.iter().map(|r| r.review.as_str()));
        expect_single(&issue.label, issue.reviews, reached);
        expect_single(
            &issue.label,
            issue.partnerships,
            distinct(linked.iter().map(|r| r.partnership.as_str())),
        );
        expect_single(&issue.label, issue.findings, linked.len());
        assert_eq!(issue.examples.len(), linked.len().min(3), "{}", issue.label);
        let example_reviews: BTreeSet<&str> = issue
            .examples
            .iter()
            .map(|id| {
                let row = linked
                    .iter()
                    .find(|r| r.finding == *id)
                    .unwrap_or_else(|| panic!("{id} is not a finding of {}", issue.label));
                row.review.as_str()
            })
            .collect();
        assert_eq!(example_reviews.len(), reached.min(3), "{}", issue.label);
        assert_eq!(issue.example_statements.len(), issue.examples.len());
    }
    // Ranked by reach.
    let reach: Vec<usize> = analysis
        .issues
        .iter()
        .map(|i| {
            distinct(
                links
                    .iter()
                    .filter(|(_, x)| *x == i.issue)
                    .filter_map(|(f, _)| in_scope.get(f.as_str()))
                    .map(|r| r.review.as_str()),
            )
        })
        .collect();
    assert!(reach.windows(2).all(|w| w[0] >= w[1]), "{reach:?}");
    // Patterns found in the same reviews.
    let mut patterns_of: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for r in rows {
        let number = keys.iter().position(|k| *k == r.pattern).unwrap_or(0) + 1;
        patterns_of.entry(&r.review).or_default().insert(number);
    }
    assert_eq!(analysis.patterns_together.len(), 15);
    for pair in &analysis.patterns_together {
        let number = |label: &str| {
            label
                .split('.')
                .next()
                .and_then(|n| n.parse::<usize>().ok())
        };
        let (a, b) = (number(&pair.first), number(&pair.second));
        let (Some(a), Some(b)) = (a, b) else {
            panic!("{pair:?}");
        };
        let both = patterns_of
            .values()
            .filter(|set| set.contains(&a) && set.contains(&b))
            .count();
        expect_single(&format!("{a} with {b}"), pair.reviews, both);
    }
}

both_backends!(
    every_figure_of_a_thematic_analysis_is_a_recount_of_the_tables,
    |store: SqlStore, url: String| async move {
        let app = App::new(store.clone());
        app.load_demo(None, |_, _, _| {}).await?;
        let (rows, links) = recount(&url).await?;
        let all: Vec<&Row> = rows.iter().collect();

        let (id, whole) = app
            .thematic(&analyst(), &ThematicRequest::default())
            .await?;
        check_against(&whole, &all, &links);
        assert!(whole.reviews.is_some() && whole.findings.is_some());
        // The JSON's shape as the interface names it.
        let json = serde_json::to_value(&whole)?;
        for key in ["reviews", "findings", "patterns", "issues"] {
            assert!(json.get(key).is_some(), "{key}");
        }
        for key in [
            "pattern",
            "findings",
            "reviews",
            "constructive",
            "unsafe",
            "by_year",
        ] {
            assert!(json["patterns"][0].get(key).is_some(), "patterns[].{key}");
        }
        for key in ["issue", "label", "reviews", "partnerships", "examples"] {
            assert!(json["issues"][0].get(key).is_some(), "issues[].{key}");
        }

        // Nothing quoted names a review or a child: no review's title appears anywhere.
        let text = serde_json::to_string(&whole)?;
        for review in store.list_all::<Review>().await? {
            assert!(
                !text.contains(&review.record.title),
                "{} is named",
                review.record.title
            );
        }
        let document = casewindow_report::thematic::document(&whole);
        let scanner = casewindow_redact::Scanner::new(&casewindow_redact::Gazetteer::default())?;
        let hits = scanner.scan(&document.plain_text());
        assert!(hits.is_empty(), "{hits:?}");

        // One partnership, and a period: counted from those rows only.
        let busiest = rows
            .iter()
            .fold(BTreeMap::<&str, usize>::new(), |mut m, r| {
                *m.entry(r.partnership.as_str()).or_default() += 1;
                m
            })
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map(|(p, _)| p.to_owned())
            .expect("a partnership");
        let name = store
            .partnerships()
            .await?
            .into_iter()
            .find(|p| p.id.0.to_string() == busiest)
            .expect("the partnership")
            .name;
        let request = ThematicRequest {
            partnerships: vec![name.to_uppercase()],
            ..ThematicRequest::default()
        };
        let (_, one) = app.thematic(&analyst(), &request).await?;
        assert_eq!(one.scope.partnerships, vec![name.clone()]);
        let theirs: Vec<&Row> = rows.iter().filter(|r| r.partnership == busiest).collect();
        check_against(&one, &theirs, &links);
        let request = ThematicRequest {
            from: Some(2021),
            to: Some(2026),
            ..ThematicRequest::default()
        };
        let (_, recent) = app.thematic(&analyst(), &request).await?;
        let recent_rows: Vec<&Row> = rows
            .iter()
            .filter(|r| r.year.as_str() >= "2021" && r.year.as_str() <= "2026")
            .collect();
        check_against(&recent, &recent_rows, &links);
        let changes = recent
            .changes
            .as_ref()
            .expect("an earlier period to compare with");
        assert_eq!(changes.now, (2021, 2026));
        assert_eq!(changes.before, Some((2015, 2020)));

        // Unknown partnerships and years the wrong way round are refused by field.
        let wrong = ThematicRequest {
            partnerships: vec!["Nowhere Partnership".to_owned()],
            ..ThematicRequest::default()
        };
        match app.thematic(&analyst(), &wrong).await {
            Err(AppError::Invalid(problems)) => {
                assert_eq!(problems[0].path, "partnership[0]");
                assert!(problems[0].reason.contains("Nowhere Partnership"));
            }
            other => panic!("{other:?}"),
        }
        let backwards = ThematicRequest {
            from: Some(2024),
            to: Some(2020),
            ..ThematicRequest::default()
        };
        assert!(matches!(
            app.thematic(&analyst(), &backwards).await,
            Err(AppError::Invalid(_))
        ));

        // Kept as versions: listed newest first, read again as made, compared; nobody else
        // reads a national analysis, and platform administrators read none.
        let versions = app.thematic_versions(&analyst()).await?;
        assert_eq!(versions.len(), 3);
        assert!(versions.iter().any(|v| v.id == id));
        let kept = app.thematic_version(&analyst(), id).await?;
        assert!(
            same(
                &serde_json::to_value(&kept)?,
                &serde_json::to_value(&whole)?
            ),
            "read again as made"
        );
        let compared = app.compare_thematic(&analyst(), id, versions[0].id).await?;
        assert_eq!(compared[0].first, whole.reviews);
        assert_eq!(compared[0].second, recent.reviews);
        let someone = Actor {
            user: Some(UserId(uuid::Uuid::new_v4())),
            national_analyst: false,
            ..Actor::system("someone")
        };
        assert!(matches!(
            app.thematic_version(&someone, id).await,
            Err(AppError::NotFound { .. })
        ));
        assert!(app.thematic_versions(&someone).await?.is_empty());
        let admin = Actor {
            platform_admin: true,
            ..Actor::system("admin")
        };
        assert!(matches!(
            app.thematic(&admin, &ThematicRequest::default()).await,
            Err(AppError::NotFound { .. })
        ));
        Ok(())
    }
);

mod common;

const FORM: &str = "application/x-www-form-urlencoded";

/// The thematic analysis's form sent with `body`: the status, the `Location` header and the page.
async fn post(
    router: &axum::Router,
    cookie: &str,
    body: String,
) -> (axum::http::StatusCode, String, String) {
    common::send(
        router,
        "POST",
        "/library/thematic",
        cookie,
        Some(FORM.to_owned()),
        body,
    )
    .await
}

both_backends!(
    a_member_writes_reads_downloads_and_compares_analyses_on_the_pages,
    |store: SqlStore, _url: String| async move {
        let app = App::new(store.clone());
        app.prepare().await?;
        let sample = casewindow_testkit::fixtures::Sample::new();
        sample.insert_all(&store).await?;
        let (cookie, csrf) =
            common::signed_in_lead(&app, &store, &sample, "thematic.lead@example.org").await;
        let router = casewindow_web::router(app.clone());

        let (status, page) = common::get(&router, "/library/thematic", &cookie).await;
        assert_eq!(status, axum::http::StatusCode::OK, "{page}");
        assert!(page.contains("No analysis yet."), "{page}");

        // A year that is not one, and a partnership the reader has no review in, are named.
        let (status, _, page) = post(
            &router,
            &cookie,
            format!("csrf_token={csrf}&from=20x1&partnerships=Nowhere+Partnership"),
        )
        .await;
        assert_eq!(status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Enter a year as four digits"), "{page}");
        assert!(page.contains("Nowhere Partnership"), "{page}");
        let (status, _, page) = post(
            &router,
            &cookie,
            format!("csrf_token={csrf}&partnerships=Nowhere+Partnership"),
        )
        .await;
        assert_eq!(status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("no partnership called") && page.contains("Nowhere Partnership"),
            "{page}"
        );
        // Without the form's token nothing is made.
        let (status, _, _) = post(&router, &cookie, String::new()).await;
        assert_eq!(status, axum::http::StatusCode::FORBIDDEN);

        // Written, then shown as the document, with its downloads.
        let mut made = Vec::new();
        for _ in 0..2 {
            let (status, location, _) = post(&router, &cookie, format!("csrf_token={csrf}")).await;
            assert_eq!(status, axum::http::StatusCode::SEE_OTHER);
            assert!(
                location.starts_with("/library/thematic?version="),
                "{location}"
            );
            made.push(
                location
                    .trim_start_matches("/library/thematic?version=")
                    .trim_end_matches("#analysis")
                    .to_owned(),
            );
        }
        let (status, page) = common::get(
            &router,
            &format!("/library/thematic?version={}", made[0]),
            &cookie,
        )
        .await;
        assert_eq!(status, axum::http::StatusCode::OK);
        for part in [
            "Scope and method",
            "Questions for the system",
            "analysis.pdf?version=",
        ] {
            assert!(page.contains(part), "{part}");
        }
        let (status, pdf) = common::get(
            &router,
            &format!("/library/thematic/analysis.pdf?version={}", made[0]),
            &cookie,
        )
        .await;
        assert_eq!(status, axum::http::StatusCode::OK);
        assert!(pdf.starts_with("%PDF"));
        let (status, json) = common::get(
            &router,
            &format!("/library/thematic/analysis.json?version={}", made[0]),
            &cookie,
        )
        .await;
        assert_eq!(status, axum::http::StatusCode::OK);
        let analysis: Analysis = serde_json::from_str(&json)?;
        assert!(analysis.scope.partnerships.is_empty());
        let (status, page) = common::get(
            &router,
            &format!(
                "/library/thematic/compare?first={}&second={}",
                made[0], made[1]
            ),
            &cookie,
        )
        .await;
        assert_eq!(status, axum::http::StatusCode::OK);
        assert!(page.contains("Reviews analysed"), "{page}");
        // A download without an analysis chosen says so; an analysis of someone else's is not
        // found.
        let (status, page) = common::get(&router, "/library/thematic/analysis.docx", &cookie).await;
        assert_eq!(status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("choose an analysis"), "{page}");
        let (other, _) =
            common::signed_in_lead(&app, &store, &sample, "thematic.other@example.org").await;
        let (status, _) = common::get(
            &router,
            &format!("/library/thematic?version={}", made[0]),
            &other,
        )
        .await;
        assert_eq!(status, axum::http::StatusCode::NOT_FOUND);
        Ok(())
    }
);
