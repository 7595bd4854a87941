//! Measuring the engine on labelled findings: the `casewindow eval` format, the metrics, and
//! agreement statistics (Cohen's kappa and the confusion matrix).

use std::collections::{BTreeMap, HashMap};

use casewindow_domain::typology::Pattern;
use serde::{Deserialize, Serialize};

use crate::engine::{Embedder, Engine, Example, IssueDef, Knowledge, Repr, Settings};

/// A labelled finding (one line of a test or library file).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledFinding {
    pub id: String,
    pub text: String,
    pub category: Pattern,
    pub issue: Option<String>,
    pub review: Option<String>,
}

/// A file that could not be read as labelled findings or issues.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file}, line {line}: {message}")]
pub struct FormatError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
struct RawFinding {
    id: Option<serde_json::Value>,
    text: Option<String>,
    category: Option<String>,
    issue: Option<String>,
    review: Option<String>,
}

fn category(value: &str) -> Option<Pattern> {
    Pattern::from_key(&value.trim().to_lowercase())
}

const CATEGORIES: &str =
    "tool, management, multiagency_crisis, multiagency_longterm, family_professional, reasoning";

/// Reads JSON Lines of labelled findings. Blank lines are skipped; unknown fields are ignored.
///
/// # Errors
/// Names the file, the line and what is wrong.
pub fn parse_findings(file: &str, source: &str) -> Result<Vec<LabelledFinding>, FormatError> {
    let mut out = Vec::new();
    let error = |line: usize, message: String| FormatError {
        file: file.to_owned(),
        line,
        message,
    };
    for (index, line) in source.lines().enumerate() {
        let number = index + 1;
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let raw: RawFinding = serde_json::from_str(line)
            .map_err(|e| error(number, format!("not a JSON object ({e})")))?;
        let id = match raw.id {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => return Err(error(number, "field `id` is missing".into())),
        };
        let text = raw
            .text
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| error(number, "field `text` is missing or empty".into()))?;
        let category = match raw.category {
            Some(c) => category(&c).ok_or_else(|| {
                error(
                    number,
                    format!("field `category`: {c:?} is not one of {CATEGORIES}"),
                )
            })?,
            None => return Err(error(number, "field `category` is missing".into())),
        };
        out.push(LabelledFinding {
            id,
            text,
            category,
            issue: raw.issue.filter(|i| !i.trim().is_empty()),
            review: raw.review.filter(|r| !r.trim().is_empty()),
        });
    }
    Ok(out)
}

/// Reads JSON Lines of `{id, category}` (other fields ignored): one rater's classifications.
///
/// # Errors
/// Names the file, the line and what is wrong.
pub fn parse_labels(file: &str, source: &str) -> Result<Vec<(String, Pattern)>, FormatError> {
    let mut out = Vec::new();
    for (index, line) in source.lines().enumerate() {
        let number = index + 1;
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let error = |message: String| FormatError {
            file: file.to_owned(),
            line: number,
            message,
        };
        let raw: RawFinding =
            serde_json::from_str(line).map_err(|e| error(format!("not a JSON object ({e})")))?;
        let id = match raw.id {
            Some(serde_json::Value::String(s)) => s,
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => return Err(error("field `id` is missing".into())),
        };
        let c = raw
            .category
            .ok_or_else(|| error("field `category` is missing".into()))?;
        let pattern = category(&c).ok_or_else(|| {
            error(format!(
                "field `category`: {c:?} is not one of {CATEGORIES}"
            ))
        })?;
        out.push((id, pattern));
    }
    Ok(out)
}

#[derive(Deserialize)]
struct RawIssue {
    issue: String,
    category: String,
    label: String,
    #[serde(default)]
    description: String,
}

/// Reads a curated issue list: a JSON array of `{issue, category, label, description}`.
///
/// # Errors
/// Names the file, the entry and what is wrong.
pub fn parse_issues(file: &str, source: &str) -> Result<Vec<IssueDef>, FormatError> {
    let raw: Vec<serde_json::Value> = serde_json::from_str(source).map_err(|e| FormatError {
        file: file.to_owned(),
        line: e.line(),
        message: format!("not a JSON array of issues ({e})"),
    })?;
    raw.into_iter()
        .enumerate()
        .map(|(index, value)| {
            let error = |message: String| FormatError {
                file: file.to_owned(),
                line: 0,
                message: format!("entry {}: {message}", index + 1),
            };
            let issue: RawIssue =
                serde_json::from_value(value).map_err(|e| error(e.to_string()))?;
            let pattern = category(&issue.category).ok_or_else(|| {
                error(format!(
                    "field `category`: {:?} is not one of {CATEGORIES}",
                    issue.category
                ))
            })?;
            Ok(IssueDef {
                code: issue.issue,
                pattern,
                label: issue.label,
                description: issue.description,
            })
        })
        .collect()
}

/// Category metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryMetrics {
    pub macro_f1: f64,
    pub accuracy: f64,
    pub top2_accuracy: f64,
}

/// Issue assignment metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueAssignMetrics {
    pub top1: f64,
    pub top3: f64,
}

/// Issue retrieval metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetrievalMetrics {
    pub map: f64,
    pub p_at_5: f64,
}

/// What `casewindow eval --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    pub n: usize,
    pub category: CategoryMetrics,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_assign: Option<IssueAssignMetrics>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_retrieval: Option<RetrievalMetrics>,
    /// Leave-one-review-out only: the spread of the figures across groups of reviews.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folds: Option<Folds>,
    pub calibration: Calibration,
}

/// One test finding's predictions (for pooling folds and for inspection).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub id: String,
    /// The predicted pattern (so a predictions file can be compared with `casewindow agreement`).
    pub category: String,
    pub gold: String,
    pub ranked: Vec<String>,
    pub probability: f32,
    /// The first pattern was not clearly ahead, so two were shown.
    #[serde(default)]
    pub unsure: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gold_issue: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<String>,
}

/// Everything an evaluation run is given.
#[derive(Debug)]
pub struct EvalInput<'a> {
    pub shipped: Knowledge,
    pub library: &'a [LabelledFinding],
    pub issues: Option<&'a [IssueDef]>,
    pub test: &'a [LabelledFinding],
}

/// What the engine said about one test finding.
#[derive(Debug, Clone)]
struct Predicted {
    prediction: Prediction,
    patterns: [f32; 6],
    issues: HashMap<String, f32>,
}

fn example(f: &LabelledFinding) -> Example {
    Example {
        id: f.id.clone(),
        text: f.text.clone(),
        pattern: f.category,
        issue: f.issue.clone(),
        review: f.review.clone(),
        weight: crate::engine::DECIDED,
    }
}

fn build_engine(
    shipped: &Knowledge,
    library: &[&LabelledFinding],
    issues: Option<&[IssueDef]>,
    embedder: Option<&dyn Embedder>,
    settings: Settings,
) -> Result<Engine, String> {
    let mut knowledge = shipped.clone();
    knowledge
        .examples
        .extend(library.iter().map(|f| example(f)));
    if let Some(issues) = issues {
        knowledge.issues.extend(issues.iter().cloned());
    }
    Engine::build(knowledge, embedder, settings)
}

fn predict(
    engine: &Engine,
    test: &[&LabelledFinding],
    issues: Option<&[IssueDef]>,
    embedder: Option<&dyn Embedder>,
) -> Result<Vec<Predicted>, String> {
    let texts: Vec<&str> = test.iter().map(|f| f.text.as_str()).collect();
    let reprs = engine.represent(&texts, embedder)?;
    // The issue space: the given list, else everything the engine knows.
    let issue_list: Vec<IssueDef> = match issues {
        Some(list) => list.to_vec(),
        None => engine.issues().to_vec(),
    };
    let issue_reprs = engine.represent_issues(&issue_list, embedder)?;
    let mut out = Vec::with_capacity(test.len());
    for (finding, repr) in test.iter().zip(&reprs) {
        let suggestion = engine.suggest_pattern(repr);
        let ranked_issues = engine.suggest_issues(repr, &suggestion, &issue_list, &issue_reprs);
        let mut patterns = [0.0; 6];
        for (i, p) in Pattern::ALL.iter().enumerate() {
            patterns[i] = suggestion.probability(*p);
        }
        out.push(Predicted {
            prediction: Prediction {
                id: finding.id.clone(),
                category: suggestion
                    .ranked
                    .first()
                    .map(|s| s.item.key().to_owned())
                    .unwrap_or_default(),
                gold: finding.category.key().to_owned(),
                ranked: suggestion
                    .ranked
                    .iter()
                    .map(|s| s.item.key().to_owned())
                    .collect(),
                probability: suggestion.ranked.first().map_or(0.0, |s| s.score),
                unsure: suggestion.unsure(),
                gold_issue: finding.issue.clone(),
                issues: if issues.is_some() {
                    ranked_issues
                        .iter()
                        .take(5)
                        .map(|i| i.code.clone())
                        .collect()
                } else {
                    Vec::new()
                },
            },
            patterns,
            issues: ranked_issues
                .into_iter()
                .map(|i| (i.code, i.probability))
                .collect(),
        });
    }
    Ok(out)
}

/// Runs the evaluation: the library and issue list are loaded, then every test finding is
/// predicted.
///
/// # Errors
/// When the embedder fails.
pub fn evaluate(
    input: EvalInput<'_>,
    embedder: Option<&dyn Embedder>,
    settings: Settings,
) -> Result<(EvalReport, Vec<Prediction>), String> {
    let library: Vec<&LabelledFinding> = input.library.iter().collect();
    let engine = build_engine(&input.shipped, &library, input.issues, embedder, settings)?;
    let test: Vec<&LabelledFinding> = input.test.iter().collect();
    let predicted = predict(&engine, &test, input.issues, embedder)?;
    report(&input, &engine, predicted, embedder, false)
}

/// Leave-one-review-out: each review's test findings are predicted with every other test
/// finding (and the library, if any) loaded as library content; the predictions are pooled.
///
/// # Errors
/// When the embedder fails.
pub fn evaluate_leave_one_review_out(
    input: EvalInput<'_>,
    embedder: Option<&dyn Embedder>,
    settings: Settings,
) -> Result<(EvalReport, Vec<Prediction>), String> {
    let mut reviews: Vec<Option<&str>> = input.test.iter().map(|f| f.review.as_deref()).collect();
    reviews.sort_unstable();
    reviews.dedup();
    let mut by_id: HashMap<&str, Predicted> = HashMap::new();
    for review in reviews {
        let held: Vec<&LabelledFinding> = input
            .test
            .iter()
            .filter(|f| f.review.as_deref() == review)
            .collect();
        let library: Vec<&LabelledFinding> = input
            .library
            .iter()
            .chain(input.test.iter().filter(|f| f.review.as_deref() != review))
            .collect();
        let engine = build_engine(&input.shipped, &library, input.issues, embedder, settings)?;
        for (finding, predicted) in
            held.iter()
                .zip(predict(&engine, &held, input.issues, embedder)?)
        {
            by_id.insert(finding.id.as_str(), predicted);
        }
    }
    let predicted: Vec<Predicted> = input
        .test
        .iter()
        .filter_map(|f| by_id.remove(f.id.as_str()))
        .collect();
    // Direct similarity between test findings needs one shared space: the library's.
    let library: Vec<&LabelledFinding> = input.library.iter().collect();
    let engine = build_engine(&input.shipped, &library, input.issues, embedder, settings)?;
    report(&input, &engine, predicted, embedder, true)
}

fn report(
    input: &EvalInput<'_>,
    engine: &Engine,
    predicted: Vec<Predicted>,
    embedder: Option<&dyn Embedder>,
    by_review_folds: bool,
) -> Result<(EvalReport, Vec<Prediction>), String> {
    let predictions: Vec<Prediction> = predicted.iter().map(|p| p.prediction.clone()).collect();
    let category = category_metrics(&predictions);
    let issue_assign = input
        .issues
        .and_then(|_| issue_assign_metrics(&predictions));
    let issue_retrieval = if input.test.iter().any(|f| f.issue.is_some()) {
        let texts: Vec<&str> = input.test.iter().map(|f| f.text.as_str()).collect();
        let reprs = engine.represent(&texts, embedder)?;
        let ranking = retrieval_rankings(input.test, &reprs, &predicted);
        retrieval_metrics(input.test, &ranking)
    } else {
        None
    };
    Ok((
        EvalReport {
            n: input.test.len(),
            category,
            issue_assign,
            issue_retrieval,
            folds: if by_review_folds {
                folds(input.test, &predictions)
            } else {
                None
            },
            calibration: calibration(&predictions),
        },
        predictions,
    ))
}

/// For each test finding, the other test findings ranked by how likely they share its underlying
/// issue: agreement of their issue distributions first, then of their pattern distributions, then
/// direct similarity. Findings of the same review are ranked last: by definition they are not
/// independent evidence that an issue recurs.
fn retrieval_rankings(
    test: &[LabelledFinding],
    reprs: &[Repr],
    predicted: &[Predicted],
) -> Vec<Vec<usize>> {
    (0..test.len())
        .map(|q| {
            let mut scored: Vec<(usize, f32)> = (0..test.len())
                .filter(|d| *d != q)
                .map(|d| {
                    let same_review = test[q].review.is_some() && test[q].review == test[d].review;
                    if same_review {
                        return (d, f32::NEG_INFINITY);
                    }
                    let issue_overlap: f32 = predicted[q]
                        .issues
                        .iter()
                        .map(|(code, p)| p * predicted[d].issues.get(code).copied().unwrap_or(0.0))
                        .sum();
                    let pattern_overlap: f32 = predicted[q]
                        .patterns
                        .iter()
                        .zip(&predicted[d].patterns)
                        .map(|(a, b)| a * b)
                        .sum();
                    let similarity = reprs[q].similarity(&reprs[d]);
                    (d, issue_overlap + 0.3 * pattern_overlap + 0.5 * similarity)
                })
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            scored.into_iter().map(|(d, _)| d).collect()
        })
        .collect()
}

fn category_metrics(predictions: &[Prediction]) -> CategoryMetrics {
    let n = predictions.len().max(1) as f64;
    let correct = predictions
        .iter()
        .filter(|p| p.ranked.first() == Some(&p.gold))
        .count() as f64;
    let top2 = predictions
        .iter()
        .filter(|p| p.ranked.iter().take(2).any(|r| *r == p.gold))
        .count() as f64;
    let pairs: Vec<(String, String)> = predictions
        .iter()
        .map(|p| {
            (
                p.gold.clone(),
                p.ranked.first().cloned().unwrap_or_default(),
            )
        })
        .collect();
    CategoryMetrics {
        macro_f1: macro_f1(&pairs),
        accuracy: correct / n,
        top2_accuracy: top2 / n,
    }
}

/// Macro-averaged F1 over the labels present in gold or predicted (as scikit-learn does).
#[must_use]
pub fn macro_f1(pairs: &[(String, String)]) -> f64 {
    let mut labels: Vec<&str> = pairs
        .iter()
        .flat_map(|(g, p)| [g.as_str(), p.as_str()])
        .collect();
    labels.sort_unstable();
    labels.dedup();
    if labels.is_empty() {
        return 0.0;
    }
    let mut total = 0.0;
    for label in &labels {
        let tp = pairs
            .iter()
            .filter(|(g, p)| g == label && p == label)
            .count() as f64;
        let fp = pairs
            .iter()
            .filter(|(g, p)| g != label && p == label)
            .count() as f64;
        let fn_ = pairs
            .iter()
            .filter(|(g, p)| g == label && p != label)
            .count() as f64;
        let denominator = 2.0 * tp + fp + fn_;
        total += if denominator > 0.0 {
            2.0 * tp / denominator
        } else {
            0.0
        };
    }
    total / labels.len() as f64
}

fn issue_assign_metrics(predictions: &[Prediction]) -> Option<IssueAssignMetrics> {
    let labelled: Vec<&Prediction> = predictions
        .iter()
        .filter(|p| p.gold_issue.is_some())
        .collect();
    if labelled.is_empty() {
        return None;
    }
    let n = labelled.len() as f64;
    let hit = |k: usize| {
        labelled
            .iter()
            .filter(|p| {
                p.issues
                    .iter()
                    .take(k)
                    .any(|i| Some(i) == p.gold_issue.as_ref())
            })
            .count() as f64
            / n
    };
    Some(IssueAssignMetrics {
        top1: hit(1),
        top3: hit(3),
    })
}

/// MAP and precision at 5 over queries that have at least one relevant finding (same issue,
/// different review).
#[must_use]
pub fn retrieval_metrics(
    test: &[LabelledFinding],
    rankings: &[Vec<usize>],
) -> Option<RetrievalMetrics> {
    let mut ap_sum = 0.0;
    let mut p5_sum = 0.0;
    let mut queries = 0usize;
    for (q, ranking) in rankings.iter().enumerate() {
        let Some(issue) = &test[q].issue else {
            continue;
        };
        let relevant = |d: usize| {
            test[d].issue.as_ref() == Some(issue)
                && (test[q].review.is_none() || test[d].review != test[q].review)
        };
        let total = ranking.iter().filter(|d| relevant(**d)).count();
        if total == 0 {
            continue;
        }
        queries += 1;
        let mut hits = 0usize;
        let mut ap = 0.0;
        for (rank, d) in ranking.iter().enumerate() {
            if relevant(*d) {
                hits += 1;
                ap += hits as f64 / (rank + 1) as f64;
            }
        }
        ap_sum += ap / total as f64;
        p5_sum += ranking.iter().take(5).filter(|d| relevant(**d)).count() as f64 / 5.0;
    }
    (queries > 0).then(|| RetrievalMetrics {
        map: ap_sum / queries as f64,
        p_at_5: p5_sum / queries as f64,
    })
}

/// The spread of a measure across folds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = if values.len() > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        Some(Self {
            mean,
            sd,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

/// Leave-one-review-out figures per group of reviews: the reviews, in name order, are dealt into
/// `k` groups and each group's pooled predictions are scored alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Folds {
    pub k: usize,
    pub macro_f1: Spread,
    pub accuracy: Spread,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_top3: Option<Spread>,
}

/// Folds of review groups for the spread.
pub const FOLDS: usize = 6;

fn folds(test: &[LabelledFinding], predictions: &[Prediction]) -> Option<Folds> {
    let mut reviews: Vec<Option<&str>> = test.iter().map(|f| f.review.as_deref()).collect();
    reviews.sort_unstable();
    reviews.dedup();
    if reviews.len() < FOLDS {
        return None;
    }
    let group_of: HashMap<Option<&str>, usize> = reviews
        .iter()
        .enumerate()
        .map(|(i, r)| (*r, i % FOLDS))
        .collect();
    let review_of: HashMap<&str, Option<&str>> = test
        .iter()
        .map(|f| (f.id.as_str(), f.review.as_deref()))
        .collect();
    let mut f1 = Vec::new();
    let mut accuracy = Vec::new();
    let mut top3 = Vec::new();
    for group in 0..FOLDS {
        let part: Vec<Prediction> = predictions
            .iter()
            .filter(|p| review_of.get(p.id.as_str()).and_then(|r| group_of.get(r)) == Some(&group))
            .cloned()
            .collect();
        if part.is_empty() {
            continue;
        }
        let c = category_metrics(&part);
        f1.push(c.macro_f1);
        accuracy.push(c.accuracy);
        if let Some(a) = issue_assign_metrics(&part) {
            top3.push(a.top3);
        }
    }
    Some(Folds {
        k: FOLDS,
        macro_f1: Spread::of(&f1)?,
        accuracy: Spread::of(&accuracy)?,
        issue_top3: Spread::of(&top3),
    })
}

/// One bin of the reliability curve: findings whose first pattern was given a probability in
/// `[low, high)`, the mean of that probability and how often the first pattern was right.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bin {
    pub low: f64,
    pub high: f64,
    pub n: usize,
    pub confidence: f64,
    pub accuracy: f64,
}

/// How far the stated probability of the first pattern is from how often it is right, and what
/// showing two patterns when unsure buys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Expected calibration error over ten equal-width bins.
    pub ece: f64,
    pub bins: Vec<Bin>,
    /// Findings where the first pattern was clearly ahead (one pattern shown) and how often it
    /// was right.
    pub sure: usize,
    pub sure_accuracy: f64,
    /// Findings where two patterns were shown, and how often the right one was among them.
    pub unsure: usize,
    pub unsure_top2_accuracy: f64,
}

fn calibration(predictions: &[Prediction]) -> Calibration {
    let mut bins: Vec<Bin> = (0..10)
        .map(|i| Bin {
            low: f64::from(i) / 10.0,
            high: f64::from(i + 1) / 10.0,
            n: 0,
            confidence: 0.0,
            accuracy: 0.0,
        })
        .collect();
    let (mut sure, mut sure_right, mut unsure, mut unsure_right) = (0, 0, 0, 0);
    for p in predictions {
        let confidence = f64::from(p.probability).clamp(0.0, 1.0);
        let right = p.ranked.first() == Some(&p.gold);
        let bin = &mut bins[((confidence * 10.0) as usize).min(9)];
        bin.n += 1;
        bin.confidence += confidence;
        bin.accuracy += f64::from(u8::from(right));
        if p.unsure {
            unsure += 1;
            unsure_right += usize::from(p.ranked.iter().take(2).any(|r| *r == p.gold));
        } else {
            sure += 1;
            sure_right += usize::from(right);
        }
    }
    let total = predictions.len().max(1) as f64;
    let mut ece = 0.0;
    for bin in &mut bins {
        if bin.n > 0 {
            bin.confidence /= bin.n as f64;
            bin.accuracy /= bin.n as f64;
            ece += bin.n as f64 / total * (bin.confidence - bin.accuracy).abs();
        }
    }
    let rate = |right: usize, n: usize| if n == 0 { 0.0 } else { right as f64 / n as f64 };
    Calibration {
        ece,
        bins: bins.into_iter().filter(|b| b.n > 0).collect(),
        sure,
        sure_accuracy: rate(sure_right, sure),
        unsure,
        unsure_top2_accuracy: rate(unsure_right, unsure),
    }
}

/// One point of the learning curve: the findings of a block of reviews, each predicted with
/// every earlier review's findings in the library.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamPoint {
    /// Reviews in the library when the block's first review arrived.
    pub reviews_before: usize,
    pub reviews: usize,
    pub findings: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_top3: Option<f64>,
    /// The same findings predicted with no earlier review in the library (the given library
    /// only): what the stream has added is the difference.
    pub accuracy_without_earlier: f64,
}

/// A simulated stream: the test findings arrive review by review, in the order the file first
/// names each review; each review's findings are predicted with the library (if any) and every
/// earlier review's findings, as decided by their reviewers, then added. The predictions are
/// pooled in blocks of `block` reviews.
///
/// # Errors
/// When the embedder fails.
pub fn evaluate_stream(
    input: EvalInput<'_>,
    embedder: Option<&dyn Embedder>,
    settings: Settings,
    block: usize,
) -> Result<Vec<StreamPoint>, String> {
    let mut order: Vec<Option<&str>> = Vec::new();
    for f in input.test {
        if !order.contains(&f.review.as_deref()) {
            order.push(f.review.as_deref());
        }
    }
    let first: Vec<&LabelledFinding> = input.library.iter().collect();
    let without = build_engine(&input.shipped, &first, input.issues, embedder, settings)?;
    let mut points = Vec::new();
    for (index, reviews) in order.chunks(block.max(1)).enumerate() {
        let start = index * block.max(1);
        let mut predictions = Vec::new();
        for (offset, review) in reviews.iter().enumerate() {
            let earlier = &order[..start + offset];
            let held: Vec<&LabelledFinding> = input
                .test
                .iter()
                .filter(|f| f.review.as_deref() == *review)
                .collect();
            let library: Vec<&LabelledFinding> = input
                .library
                .iter()
                .chain(
                    input
                        .test
                        .iter()
                        .filter(|f| earlier.contains(&f.review.as_deref())),
                )
                .collect();
            let engine = build_engine(&input.shipped, &library, input.issues, embedder, settings)?;
            predictions.extend(
                predict(&engine, &held, input.issues, embedder)?
                    .into_iter()
                    .map(|p| p.prediction),
            );
        }
        let block_findings: Vec<&LabelledFinding> = input
            .test
            .iter()
            .filter(|f| reviews.contains(&f.review.as_deref()))
            .collect();
        let baseline: Vec<Prediction> = predict(&without, &block_findings, input.issues, embedder)?
            .into_iter()
            .map(|p| p.prediction)
            .collect();
        let c = category_metrics(&predictions);
        points.push(StreamPoint {
            accuracy_without_earlier: category_metrics(&baseline).accuracy,
            reviews_before: start,
            reviews: reviews.len(),
            findings: predictions.len(),
            accuracy: c.accuracy,
            macro_f1: c.macro_f1,
            issue_top3: input
                .issues
                .and_then(|_| issue_assign_metrics(&predictions))
                .map(|a| a.top3),
        });
    }
    Ok(points)
}

/// How well settings carry from one body of findings to another written apart: the shipped
/// examples are split by where they come from (`part_of` each example), and each part is
/// predicted with the rest of the shipped knowledge (descriptions, issues, the other parts) as
/// the library; the predictions are pooled. This is how the product's settings are chosen: on
/// its own knowledge, never on a set it is measured on.
#[derive(Debug, Clone, Serialize)]
pub struct Transfer {
    /// Per part: (part, accuracy).
    pub parts: Vec<(String, f64)>,
    /// Over the pooled predictions.
    pub macro_f1: f64,
    /// Negative log-likelihood of the right pattern per finding, pooled.
    pub nll: f64,
}

/// Predicts each part of `shipped` (examples grouped by `part_of`) from the rest.
///
/// # Errors
/// When the embedder fails.
pub fn transfer(
    shipped: &Knowledge,
    part_of: impl Fn(&Example) -> String,
    embedder: Option<&dyn Embedder>,
    settings: Settings,
) -> Result<Transfer, String> {
    let mut parts: Vec<String> = shipped.examples.iter().map(&part_of).collect();
    parts.sort_unstable();
    parts.dedup();
    let mut pairs = Vec::new();
    let mut nll = 0.0;
    let mut accuracy = Vec::new();
    for part in &parts {
        let (test, rest): (Vec<&Example>, Vec<&Example>) =
            shipped.examples.iter().partition(|e| &part_of(e) == part);
        let knowledge = Knowledge {
            examples: rest.into_iter().cloned().collect(),
            issues: shipped.issues.clone(),
            pattern_descriptions: shipped.pattern_descriptions.clone(),
        };
        let engine = Engine::build(knowledge, embedder, settings)?;
        let texts: Vec<&str> = test.iter().map(|e| e.text.as_str()).collect();
        let reprs = engine.represent(&texts, embedder)?;
        let mut right = 0usize;
        for (example, repr) in test.iter().zip(&reprs) {
            let suggestion = engine.suggest_pattern(repr);
            right += usize::from(suggestion.best() == example.pattern);
            pairs.push((
                example.pattern.key().to_owned(),
                suggestion.best().key().to_owned(),
            ));
            nll -= f64::from(suggestion.probability(example.pattern).max(1e-6)).ln();
        }
        accuracy.push((part.clone(), right as f64 / test.len().max(1) as f64));
    }
    Ok(Transfer {
        macro_f1: macro_f1(&pairs),
        nll: nll / pairs.len().max(1) as f64,
        parts: accuracy,
    })
}

/// Recurrent-issue assignment carried across reviews of the shipped knowledge: each review's
/// findings that are linked to an issue are predicted with every other shipped example as the
/// library (leave one review out); pooled (top-1, top-3) among the shipped issues.
///
/// # Errors
/// When the embedder fails.
pub fn transfer_issues(
    shipped: &Knowledge,
    embedder: Option<&dyn Embedder>,
    settings: Settings,
) -> Result<(f64, f64), String> {
    let mut reviews: Vec<&str> = shipped
        .examples
        .iter()
        .filter(|e| e.issue.is_some())
        .filter_map(|e| e.review.as_deref())
        .collect();
    reviews.sort_unstable();
    reviews.dedup();
    let (mut n, mut top1, mut top3) = (0usize, 0usize, 0usize);
    for review in reviews {
        let (test, rest): (Vec<&Example>, Vec<&Example>) = shipped
            .examples
            .iter()
            .partition(|e| e.review.as_deref() == Some(review));
        let knowledge = Knowledge {
            examples: rest.into_iter().cloned().collect(),
            issues: shipped.issues.clone(),
            pattern_descriptions: shipped.pattern_descriptions.clone(),
        };
        let engine = Engine::build(knowledge, embedder, settings)?;
        let test: Vec<&Example> = test.into_iter().filter(|e| e.issue.is_some()).collect();
        let texts: Vec<&str> = test.iter().map(|e| e.text.as_str()).collect();
        let reprs = engine.represent(&texts, embedder)?;
        for (example, repr) in test.iter().zip(&reprs) {
            let suggestion = engine.suggest_pattern(repr);
            let ranked =
                engine.suggest_issues(repr, &suggestion, engine.issues(), engine.own_issue_reprs());
            let position = ranked
                .iter()
                .position(|i| Some(&i.code) == example.issue.as_ref());
            n += 1;
            top1 += usize::from(position == Some(0));
            top3 += usize::from(position.is_some_and(|p| p < 3));
        }
    }
    let n = n.max(1) as f64;
    Ok((top1 as f64 / n, top3 as f64 / n))
}

/// Agreement between two raters on the same findings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    pub n: usize,
    pub observed: f64,
    pub kappa: f64,
    /// Per pattern: kappa of "this pattern or not".
    pub per_pattern: BTreeMap<String, f64>,
    /// `confusion[a][b]`: findings rater one put in pattern a and rater two in pattern b, in
    /// typology order.
    pub confusion: Vec<Vec<usize>>,
}

/// Cohen's kappa between two raters' patterns for the same findings, overall and per pattern
/// (one-against-the-rest), with the confusion matrix.
#[must_use]
pub fn agreement(pairs: &[(Pattern, Pattern)]) -> Agreement {
    let mut confusion = vec![vec![0usize; 6]; 6];
    for (a, b) in pairs {
        confusion[a.number() as usize - 1][b.number() as usize - 1] += 1;
    }
    let n = pairs.len();
    let kappa_of = |matrix: &[Vec<usize>]| -> (f64, f64) {
        let total: usize = matrix.iter().flatten().sum();
        if total == 0 {
            return (0.0, 0.0);
        }
        let t = total as f64;
        let observed = (0..matrix.len()).map(|i| matrix[i][i]).sum::<usize>() as f64 / t;
        let expected: f64 = (0..matrix.len())
            .map(|i| {
                let row: usize = matrix[i].iter().sum();
                let column: usize = matrix.iter().map(|r| r[i]).sum();
                row as f64 * column as f64 / (t * t)
            })
            .sum();
        let kappa = if (1.0 - expected).abs() < f64::EPSILON {
            if (observed - 1.0).abs() < f64::EPSILON {
                1.0
            } else {
                0.0
            }
        } else {
            (observed - expected) / (1.0 - expected)
        };
        (observed, kappa)
    };
    let (observed, kappa) = kappa_of(&confusion);
    let mut per_pattern = BTreeMap::new();
    for (k, pattern) in Pattern::ALL.iter().enumerate() {
        let mut two = vec![vec![0usize; 2]; 2];
        for (i, row) in confusion.iter().enumerate() {
            for (j, count) in row.iter().enumerate() {
                two[usize::from(i != k)][usize::from(j != k)] += count;
            }
        }
        per_pattern.insert(pattern.key().to_owned(), kappa_of(&two).1);
    }
    Agreement {
        n,
        observed,
        kappa,
        per_pattern,
        confusion,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_lines_are_read_and_errors_name_the_line_and_field() {
        let ok = "{\"id\": \"a\", \"text\": \"x y\", \"category\": \"tool\", \"extra\": 1}\n\n{\"id\": 7, \"text\": \"z\", \"category\": \"reasoning\", \"issue\": \"r.1\", \"review\": \"R\"}\n";
        let parsed = parse_findings("t.jsonl", ok).expect("valid");
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1].id, "7");
        assert_eq!(parsed[1].issue.as_deref(), Some("r.1"));
        let bad = "{\"id\": \"a\", \"text\": \"x\", \"category\": \"tools\"}";
        let error = parse_findings("t.jsonl", bad).expect_err("bad category");
        assert_eq!(error.line, 1);
        assert!(
            error
                .to_string()
                .contains("t.jsonl, line 1: field `category`")
        );
        let error = parse_findings("t.jsonl", "{\"id\":1}\n{").expect_err("no text");
        assert!(error.message.contains("`text`"), "{error}");
    }

    #[test]
    fn macro_f1_matches_a_worked_example() {
        let pairs: Vec<(String, String)> = [("a", "a"), ("a", "b"), ("b", "b"), ("c", "b")]
            .iter()
            .map(|(g, p)| ((*g).to_owned(), (*p).to_owned()))
            .collect();
        // a: tp1 fn1 -> 2/3; b: tp1 fp2 -> 2/4; c: 0.
        let expected = (2.0 / 3.0 + 0.5 + 0.0) / 3.0;
        assert!((macro_f1(&pairs) - expected).abs() < 1e-9);
    }

    #[test]
    fn retrieval_metrics_of_a_known_ranking() {
        let f = |id: &str, issue: &str, review: &str| LabelledFinding {
            id: id.into(),
            text: "t".into(),
            category: Pattern::Tool,
            issue: Some(issue.into()),
            review: Some(review.into()),
        };
        let test = [f("0", "x", "R1"), f("1", "y", "R2"), f("2", "x", "R3")];
        // Query 0 ranks 1 then 2: AP = 1/2. Query 2 ranks 0 first: AP = 1. Query 1: no relevant.
        let rankings = vec![vec![1, 2], vec![0, 2], vec![0, 1]];
        let m = retrieval_metrics(&test, &rankings).expect("queries");
        assert!((m.map - 0.75).abs() < 1e-9);
        assert!((m.p_at_5 - 0.2).abs() < 1e-9);
    }

    fn prediction(id: &str, gold: &str, ranked: [&str; 2], probability: f32) -> Prediction {
        Prediction {
            id: id.into(),
            category: ranked[0].into(),
            gold: gold.into(),
            ranked: ranked.iter().map(|r| (*r).to_owned()).collect(),
            probability,
            unsure: probability < crate::engine::SURE,
            gold_issue: None,
            issues: Vec::new(),
        }
    }

    #[test]
    fn calibration_error_of_a_known_set() {
        // Four at 0.9, three right: bin 0.9 has confidence 0.9, accuracy 0.75. Two at 0.5, one
        // right (second pattern right for the other): bin 0.5 has 0.5 against 0.5.
        let p = [
            prediction("1", "a", ["a", "b"], 0.9),
            prediction("2", "a", ["a", "b"], 0.9),
            prediction("3", "a", ["a", "b"], 0.9),
            prediction("4", "b", ["a", "c"], 0.9),
            prediction("5", "a", ["a", "b"], 0.5),
            prediction("6", "b", ["a", "b"], 0.5),
        ];
        let c = calibration(&p);
        let expected = 4.0 / 6.0 * (0.9f64 - 0.75).abs();
        assert!(
            (c.ece - expected).abs() < 1e-6,
            "{} against {expected}",
            c.ece
        );
        assert_eq!(c.bins.len(), 2);
        assert_eq!((c.sure, c.unsure), (4, 2));
        assert!((c.sure_accuracy - 0.75).abs() < 1e-9);
        assert!((c.unsure_top2_accuracy - 1.0).abs() < 1e-9);
    }

    #[test]
    fn spread_is_mean_sample_deviation_and_range() {
        let s = Spread::of(&[0.5, 0.7, 0.9]).expect("values");
        assert!((s.mean - 0.7).abs() < 1e-9);
        assert!((s.sd - 0.2).abs() < 1e-9);
        assert!((s.min - 0.5).abs() < 1e-9 && (s.max - 0.9).abs() < 1e-9);
        assert!(Spread::of(&[]).is_none());
    }

    #[test]
    fn kappa_of_perfect_and_chance_agreement() {
        let perfect: Vec<_> = Pattern::ALL.iter().map(|p| (*p, *p)).collect();
        let a = agreement(&perfect);
        assert!((a.kappa - 1.0).abs() < 1e-9);
        assert_eq!(a.confusion[0][0], 1);
        // Rater two always says "tool": observed 1/6, expected 1/6, kappa 0.
        let constant: Vec<_> = Pattern::ALL.iter().map(|p| (*p, Pattern::Tool)).collect();
        let b = agreement(&constant);
        assert!(b.kappa.abs() < 1e-9, "{}", b.kappa);
    }
}
