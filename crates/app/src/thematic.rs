//! A thematic analysis across reviews, written from the library: each pattern's prevalence and
//! trend, the recurrent issues by reach with their most central findings, what occurs together,
//! agency sectors, rising and falling issues, candidate new issues and the questions that
//! follow. Counted from the library as read once for every view (`library_snapshot.rs`), for
//! the reviews the reader may read (national analysts: every review, de-identified). Small
//! counts are suppressed and the quoted findings de-identified whoever asks, because the
//! document is made to be shared. Each analysis is kept as a version with its scope and the
//! library's state.

use crate::library::LibraryFinding;
use crate::reports::Format;
use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::findings::Polarity;
use casewindow_domain::ids::{PartnershipId, RecurrentIssueId, ReviewId};
use casewindow_domain::review::ReviewKind;
use casewindow_domain::typology::Pattern;
use casewindow_interchange::Problem;
use casewindow_report::thematic::{
    Analysis, CandidateFigures, Changes, Example, IssueChange, IssueFigures, PERIOD_REVIEWS,
    PatternFigures, Period, Question, Scope, SectorFigures, Together, difference, shown,
    shown_parts, wilson,
};
use casewindow_store::{Store, ThematicVersion};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What to analyse.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThematicRequest {
    /// Partnerships by name; empty: every partnership of the reviews the reader may read.
    pub partnerships: Vec<String>,
    /// The first and last year a review opened in.
    pub from: Option<i32>,
    pub to: Option<i32>,
    /// Kinds of review; empty: every kind.
    pub kinds: Vec<ReviewKind>,
}

/// A kept analysis, as listed.
#[derive(Clone, Debug, PartialEq)]
pub struct ThematicSummary {
    pub id: uuid::Uuid,
    pub made_at: chrono::DateTime<chrono::Utc>,
    pub scope: Scope,
    pub library_state: String,
    pub reviews: Option<usize>,
    pub findings: Option<usize>,
}

/// One figure of two analyses side by side.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ComparedFigure {
    pub what: String,
    pub first: Option<usize>,
    pub second: Option<usize>,
}

/// How many issues are quoted with their most central findings, and how many findings each.
const EXAMPLES: usize = 3;
/// Pairs of issues found together that are listed.
const ISSUE_PAIRS: usize = 10;
/// Issues listed under rising and falling.
const CHANGES_LISTED: usize = 20;
/// Candidate new issues listed.
const CANDIDATES_LISTED: usize = 10;
/// Issues a question is asked of.
const QUESTIONS_FROM_ISSUES: usize = 5;

/// An issue's reach among the findings in scope.
struct Reach {
    label: String,
    pattern: Pattern,
    reviews: BTreeSet<ReviewId>,
    partnerships: HashSet<PartnershipId>,
    findings: usize,
}

/// Counts of a group as they may be shared.
type Shown = Vec<Option<usize>>;

/// An issue as counted together with others: its label, then its id.
type IssueKey = (String, String);

/// A finding in scope, with what it is counted by.
struct Counted<'a> {
    f: &'a LibraryFinding,
    pattern: Pattern,
    partnership: PartnershipId,
}

impl<S: Store> App<S> {
    /// Makes a thematic analysis of the reviews in `request`'s scope that `actor` may read, and
    /// keeps it as a version. National analysts (and the command line, which acts as one) read
    /// every review; others the reviews whose findings they may view.
    pub async fn thematic(
        &self,
        actor: &Actor,
        request: &ThematicRequest,
    ) -> AppResult<(uuid::Uuid, Analysis)> {
        if actor.platform_admin {
            return Err(AppError::NotFound {
                what: "page".to_owned(),
            });
        }
        if let (Some(from), Some(to)) = (request.from, request.to)
            && from > to
        {
            return Err(AppError::Invalid(vec![Problem {
                path: "from".to_owned(),
                reason: format!("the first year ({from}) is after the last ({to})"),
            }]));
        }
        let readable = if actor.national_analyst || actor.user.is_none() {
            None
        } else {
            self.reviews_taking_part(actor, Some(Permission::ViewReview))
                .await?
        };
        let snapshot = self.library_snapshot().await?;
        let may_read = |review: &ReviewId| readable.as_ref().is_none_or(|set| set.contains(review));
        let partnerships = self.store.partnerships().await?;
        let name_of: HashMap<PartnershipId, String> = partnerships
            .iter()
            .map(|p| (p.id, p.name.clone()))
            .collect();
        let partnership_of: HashMap<ReviewId, PartnershipId> = snapshot
            .reviews
            .iter()
            .map(|r| (r.record.id, r.record.partnership_id))
            .collect();
        // Partnerships named must be ones whose reviews the reader may read.
        let mut chosen: HashSet<PartnershipId> = HashSet::new();
        let mut problems = Vec::new();
        for (i, wanted) in request.partnerships.iter().enumerate() {
            let wanted = wanted.trim();
            let found = partnerships.iter().find(|p| {
                p.name.trim().eq_ignore_ascii_case(wanted)
                    && partnership_of
                        .iter()
                        .any(|(review, owner)| *owner == p.id && may_read(review))
            });
            match found {
                Some(p) => {
                    chosen.insert(p.id);
                }
                None => problems.push(Problem {
                    path: format!("partnership[{i}]"),
                    reason: format!(
                        "no partnership called \"{wanted}\" has reviews you may read; the names \
                         are as on the library page"
                    ),
                }),
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let in_scope = |review: &casewindow_domain::review::Review, years: bool| {
            let year = chrono::Datelike::year(&review.opened_on);
            may_read(&review.id)
                && (chosen.is_empty() || chosen.contains(&review.partnership_id))
                && (request.kinds.is_empty() || request.kinds.contains(&review.kind))
                && (!years
                    || (request.from.is_none_or(|from| year >= from)
                        && request.to.is_none_or(|to| year <= to)))
        };
        let scoped_reviews: HashSet<ReviewId> = snapshot
            .reviews
            .iter()
            .filter(|r| in_scope(&r.record, true))
            .map(|r| r.record.id)
            .collect();
        // Every finding placed in a pattern, of the reviews in scope but for the years (the
        // period before is compared with), and those in scope.
        let review_of: HashMap<ReviewId, &casewindow_domain::review::Review> = snapshot
            .reviews
            .iter()
            .map(|r| (r.record.id, &r.record))
            .collect();
        let all_years: Vec<Counted<'_>> = snapshot
            .findings
            .iter()
            .filter_map(|f| {
                let review = review_of.get(&f.review)?;
                let pattern = f.finding.pattern?;
                in_scope(review, false).then_some(Counted {
                    f,
                    pattern,
                    partnership: review.partnership_id,
                })
            })
            .collect();
        let counted: Vec<&Counted<'_>> = all_years
            .iter()
            .filter(|c| scoped_reviews.contains(&c.f.review))
            .collect();
        let analysed: BTreeSet<ReviewId> = counted.iter().map(|c| c.f.review).collect();

        let scope = Scope {
            partnerships: {
                let mut names: Vec<String> = chosen
                    .iter()
                    .filter_map(|id| name_of.get(id).cloned())
                    .collect();
                names.sort();
                names
            },
            from: request.from,
            to: request.to,
            kinds: request.kinds.iter().map(|k| k.label().to_owned()).collect(),
        };
        let mut analysis = figures(&counted, &analysed);
        analysis.scope = scope;
        analysis.made_on = self.today().to_string();
        analysis.library_state = format!("{}.{}", snapshot.stamp.0, snapshot.stamp.1);
        analysis.library_reviews = snapshot.reviews.len();
        analysis.reviews_without_findings = scoped_reviews.len() - analysed.len();
        analysis.sectors = sectors(&counted);
        analysis.changes = changes(&all_years, request, &counted);

        // The issues' most central findings, and the candidates' evidence, de-identified.
        let texts: Vec<String> = counted
            .iter()
            .map(|c| crate::patterns::finding_text(&c.f.finding))
            .collect();
        let (_, reprs) = self.whole_library(&texts).await?;
        let mut members_of: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in counted.iter().enumerate() {
            for issue in &c.f.issues {
                members_of
                    .entry(issue.id.0.to_string())
                    .or_default()
                    .push(i);
            }
        }
        let mut quoted: Vec<LibraryFinding> = Vec::new();
        for issue in &mut analysis.issues {
            let members = members_of.remove(&issue.issue).unwrap_or_default();
            for i in most_central(&members, &reprs, |i| counted[i].f.review) {
                issue.examples.push(counted[i].f.finding.id.0.to_string());
                quoted.push(counted[i].f.clone());
            }
        }
        let unlinked: Vec<LibraryFinding> = counted
            .iter()
            .filter(|c| c.f.issues.is_empty())
            .map(|c| c.f.clone())
            .collect();
        let mut candidates = self.discover_candidates(&unlinked).await?;
        candidates.sort_by(|a, b| {
            b.reviews
                .cmp(&a.reviews)
                .then(a.key_terms.cmp(&b.key_terms))
        });
        candidates.truncate(CANDIDATES_LISTED);
        let by_id: HashMap<_, &LibraryFinding> =
            unlinked.iter().map(|f| (f.finding.id, f)).collect();
        for candidate in &candidates {
            for (id, ..) in candidate.findings.iter().take(EXAMPLES) {
                if let Some(f) = by_id.get(id) {
                    quoted.push((*f).clone());
                }
            }
        }
        self.deidentify(actor, &mut quoted).await?;
        let statement_of: HashMap<String, Example> = quoted
            .iter()
            .map(|f| {
                (
                    f.finding.id.0.to_string(),
                    Example {
                        finding: f.finding.id.0.to_string(),
                        review: crate::deidentify::review_code(f.review),
                        statement: f.finding.statement.clone(),
                    },
                )
            })
            .collect();
        for issue in &mut analysis.issues {
            issue.example_statements = issue
                .examples
                .iter()
                .filter_map(|id| statement_of.get(id).cloned())
                .collect();
        }
        analysis.candidates = candidates
            .iter()
            .map(|c| CandidateFigures {
                pattern: c.pattern.number(),
                key_terms: c.key_terms.clone(),
                reviews: shown(c.reviews),
                examples: c
                    .findings
                    .iter()
                    .take(EXAMPLES)
                    .filter_map(|(id, ..)| statement_of.get(&id.0.to_string()).cloned())
                    .collect(),
            })
            .collect();
        let questions_from: HashMap<String, Vec<String>> = quoted
            .iter()
            .map(|f| (f.finding.id.0.to_string(), f.finding.questions.clone()))
            .collect();
        analysis.questions = questions(&analysis, &questions_from);

        // Kept as a version, with its scope and the library's state.
        let id = uuid::Uuid::new_v4();
        let version = ThematicVersion {
            id,
            made_at: self.now(),
            made_by: actor.user,
            audience: audience(actor),
            scope: to_json(&analysis.scope)?,
            library_state: analysis.library_state.clone(),
            analysis: to_json(&analysis)?,
        };
        self.store
            .keep_thematic(&version, &self.change(actor, "made a thematic analysis"))
            .await?;
        Ok((id, analysis))
    }

    /// The thematic analyses the actor may read again, newest first.
    pub async fn thematic_versions(&self, actor: &Actor) -> AppResult<Vec<ThematicSummary>> {
        if actor.platform_admin {
            return Ok(Vec::new());
        }
        let kept = self.store.thematic_versions(&audience(actor), 100).await?;
        /// What a list shows of an analysis: its totals, not the whole of it.
        #[derive(serde::Deserialize)]
        struct Totals {
            reviews: Option<usize>,
            findings: Option<usize>,
        }
        kept.into_iter()
            .map(|v| {
                let scope: Scope = parse(&v, &v.scope)?;
                let totals: Totals = parse(&v, &v.analysis)?;
                Ok(ThematicSummary {
                    id: v.id,
                    made_at: v.made_at,
                    scope,
                    library_state: v.library_state,
                    reviews: totals.reviews,
                    findings: totals.findings,
                })
            })
            .collect()
    }

    /// A kept analysis, as it was made; "not found" for one the actor may not read.
    pub async fn thematic_version(&self, actor: &Actor, id: uuid::Uuid) -> AppResult<Analysis> {
        let not_found = || AppError::NotFound {
            what: format!("thematic analysis {id}"),
        };
        if actor.platform_admin {
            return Err(not_found());
        }
        let kept = self
            .store
            .thematic_version(id)
            .await?
            .ok_or_else(not_found)?;
        if kept.audience != audience(actor) {
            return Err(not_found());
        }
        parse(&kept, &kept.analysis)
    }

    /// Two kept analyses' figures side by side: reviews and findings, each pattern's findings
    /// and reviews, and each issue's reviews.
    pub async fn compare_thematic(
        &self,
        actor: &Actor,
        first: uuid::Uuid,
        second: uuid::Uuid,
    ) -> AppResult<Vec<ComparedFigure>> {
        let (a, b) = (
            self.thematic_version(actor, first).await?,
            self.thematic_version(actor, second).await?,
        );
        Ok(compare(&a, &b))
    }

    /// The analysis as a document in `format`, in the review report's typesetting.
    pub async fn render_thematic(&self, analysis: &Analysis, format: Format) -> AppResult<Vec<u8>> {
        let document = casewindow_report::thematic::document(analysis);
        let template = self.report_template().await?.template;
        self.render_in(document, template, format).await
    }
}

/// What a version keeps, as JSON.
fn to_json(value: &impl serde::Serialize) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))
}

/// Who may read an analysis again: every national analyst (and the command line) the
/// de-identified national ones; otherwise only the person who made it, whose reviews it reads.
fn audience(actor: &Actor) -> String {
    match actor.user {
        Some(user) if !actor.national_analyst => format!("user:{}", user.0),
        _ => "national".to_owned(),
    }
}

/// A kept analysis's JSON (`text`, its scope or the analysis itself) read back.
fn parse<T: serde::de::DeserializeOwned>(kept: &ThematicVersion, text: &str) -> AppResult<T> {
    serde_json::from_str(text).map_err(|e| {
        AppError::Store(casewindow_store::StoreError::Corrupt {
            kind: "thematic analysis",
            id: kept.id.to_string(),
            reason: e.to_string(),
        })
    })
}

fn year_key(year: i32) -> String {
    year.to_string()
}

/// The figures of the findings in scope: totals, patterns, issues, what occurs together.
fn figures(counted: &[&Counted<'_>], analysed: &BTreeSet<ReviewId>) -> Analysis {
    let total_reviews = analysed.len();
    let reviews_shown = shown(total_reviews).is_some();
    let partnerships: HashSet<PartnershipId> = counted.iter().map(|c| c.partnership).collect();
    let year_of: BTreeMap<ReviewId, i32> = counted.iter().map(|c| (c.f.review, c.f.year)).collect();
    let kind_of: BTreeMap<ReviewId, &'static str> = counted
        .iter()
        .map(|c| (c.f.review, c.f.review_kind.label()))
        .collect();
    let years: Vec<i32> = year_of
        .values()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let reviews_in_year: Vec<usize> = years
        .iter()
        .map(|y| year_of.values().filter(|v| *v == y).count())
        .collect();
    let shown_years = shown_parts(reviews_shown, &reviews_in_year);
    let kinds: Vec<&'static str> = kind_of
        .values()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let reviews_of_kind: Vec<usize> = kinds
        .iter()
        .map(|k| kind_of.values().filter(|v| *v == k).count())
        .collect();

    let patterns = Pattern::ALL
        .iter()
        .map(|&pattern| {
            let mine: Vec<&&Counted<'_>> =
                counted.iter().filter(|c| c.pattern == pattern).collect();
            let reviews: BTreeSet<ReviewId> = mine.iter().map(|c| c.f.review).collect();
            let polarity =
                |p: Option<Polarity>| mine.iter().filter(|c| c.f.finding.polarity == p).count();
            let findings = shown(mine.len());
            let parts = shown_parts(
                findings.is_some(),
                &[
                    polarity(Some(Polarity::Constructive)),
                    polarity(Some(Polarity::Unsafe)),
                    polarity(None),
                ],
            );
            let in_year: Vec<usize> = years
                .iter()
                .map(|y| mine.iter().filter(|c| c.f.year == *y).count())
                .collect();
            let reviews_in_year_p: Vec<usize> = years
                .iter()
                .map(|y| reviews.iter().filter(|r| year_of.get(r) == Some(y)).count())
                .collect();
            let reviews_shown_p = shown(reviews.len());
            let year_shares = shown_parts(reviews_shown_p.is_some(), &reviews_in_year_p);
            PatternFigures {
                pattern: pattern.number(),
                name: pattern.short_label().to_owned(),
                findings,
                reviews: reviews_shown_p,
                constructive: parts[0],
                unsafe_: parts[1],
                undecided: parts[2],
                by_year: years
                    .iter()
                    .map(|y| year_key(*y))
                    .zip(shown_parts(findings.is_some(), &in_year))
                    .collect(),
                prevalence: (reviews_shown_p.is_some() && reviews_shown)
                    .then(|| wilson(reviews.len(), total_reviews))
                    .flatten(),
                prevalence_by_year: years
                    .iter()
                    .enumerate()
                    .map(|(j, y)| {
                        let share = (year_shares[j].is_some() && shown_years[j].is_some())
                            .then(|| wilson(reviews_in_year_p[j], reviews_in_year[j]))
                            .flatten();
                        (year_key(*y), share)
                    })
                    .collect(),
            }
        })
        .collect();

    // Issues by reach: reviews, then partnerships.
    let mut reach: HashMap<RecurrentIssueId, Reach> = HashMap::new();
    for c in counted {
        for issue in &c.f.issues {
            let entry = reach.entry(issue.id).or_insert_with(|| Reach {
                label: issue.label.clone(),
                pattern: issue.pattern,
                reviews: BTreeSet::new(),
                partnerships: HashSet::new(),
                findings: 0,
            });
            entry.reviews.insert(c.f.review);
            entry.partnerships.insert(c.partnership);
            entry.findings += 1;
        }
    }
    let mut ranked: Vec<_> = reach.into_iter().collect();
    ranked.sort_by(|(a_id, a), (b_id, b)| {
        (b.reviews.len(), b.partnerships.len())
            .cmp(&(a.reviews.len(), a.partnerships.len()))
            .then_with(|| a.label.cmp(&b.label))
            .then_with(|| a_id.0.cmp(&b_id.0))
    });
    let issues = ranked
        .iter()
        .map(|(id, r)| IssueFigures {
            issue: id.0.to_string(),
            label: r.label.clone(),
            pattern: r.pattern.number(),
            reviews: shown(r.reviews.len()),
            partnerships: shown(r.partnerships.len()),
            findings: shown(r.findings),
            examples: Vec::new(),
            example_statements: Vec::new(),
        })
        .collect();

    // What occurs together: pairs of patterns, and the commonest pairs of issues, by review.
    let mut patterns_of: BTreeMap<ReviewId, BTreeSet<u8>> = BTreeMap::new();
    let mut issues_of: BTreeMap<ReviewId, BTreeSet<IssueKey>> = BTreeMap::new();
    for c in counted {
        patterns_of
            .entry(c.f.review)
            .or_default()
            .insert(c.pattern.number());
        for issue in &c.f.issues {
            issues_of
                .entry(c.f.review)
                .or_default()
                .insert((issue.label.clone(), issue.id.0.to_string()));
        }
    }
    let mut patterns_together = Vec::new();
    for a in Pattern::ALL {
        for b in Pattern::ALL.iter().filter(|b| b.number() > a.number()) {
            let both = patterns_of
                .values()
                .filter(|set| set.contains(&a.number()) && set.contains(&b.number()))
                .count();
            patterns_together.push((both, a.to_string(), b.to_string()));
        }
    }
    patterns_together.sort_by(|x, y| {
        y.0.cmp(&x.0)
            .then_with(|| x.1.cmp(&y.1))
            .then_with(|| x.2.cmp(&y.2))
    });
    let mut pairs: HashMap<(&IssueKey, &IssueKey), usize> = HashMap::new();
    for set in issues_of.values() {
        let list: Vec<&IssueKey> = set.iter().collect();
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                *pairs.entry((a, b)).or_default() += 1;
            }
        }
    }
    let mut pairs: Vec<_> = pairs.into_iter().filter(|(_, n)| *n > 1).collect();
    pairs.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    pairs.truncate(ISSUE_PAIRS);

    let periods = spans(&years, &reviews_in_year)
        .into_iter()
        .map(|(from, to)| {
            let inside = |y: i32| y >= from && y <= to;
            let reviews: BTreeSet<ReviewId> = year_of
                .iter()
                .filter(|(_, y)| inside(**y))
                .map(|(r, _)| *r)
                .collect();
            (from, to, reviews)
        })
        .collect::<Vec<_>>();
    let period_reviews = shown_parts(
        reviews_shown,
        &periods.iter().map(|p| p.2.len()).collect::<Vec<_>>(),
    );
    // Each pattern's reviews and findings, period by period, hidden as a group with the
    // pattern's own totals.
    let per_pattern: Vec<(Shown, Shown)> = Pattern::ALL
        .iter()
        .map(|&pattern| {
            let mine: Vec<&&Counted<'_>> =
                counted.iter().filter(|c| c.pattern == pattern).collect();
            let reviews: BTreeSet<ReviewId> = mine.iter().map(|c| c.f.review).collect();
            let k: Vec<usize> = periods
                .iter()
                .map(|p| reviews.intersection(&p.2).count())
                .collect();
            let n: Vec<usize> = periods
                .iter()
                .map(|p| mine.iter().filter(|c| p.2.contains(&c.f.review)).count())
                .collect();
            (
                shown_parts(shown(reviews.len()).is_some(), &k),
                shown_parts(shown(mine.len()).is_some(), &n),
            )
        })
        .collect();
    let periods: Vec<Period> = periods
        .iter()
        .enumerate()
        .map(|(j, (from, to, reviews))| Period {
            from: *from,
            to: *to,
            reviews: period_reviews[j],
            patterns: Pattern::ALL
                .iter()
                .zip(&per_pattern)
                .map(|(p, (k, _))| {
                    let share = (k[j].is_some() && period_reviews[j].is_some())
                        .then(|| wilson(k[j].unwrap_or(0), reviews.len()))
                        .flatten();
                    (p.number().to_string(), share)
                })
                .collect(),
            findings: Pattern::ALL
                .iter()
                .zip(&per_pattern)
                .map(|(p, (_, n))| (p.number().to_string(), n[j]))
                .collect(),
        })
        .collect();

    Analysis {
        periods,
        scope: Scope::default(),
        made_on: String::new(),
        library_state: String::new(),
        library_reviews: 0,
        reviews_without_findings: 0,
        suppressed_below: casewindow_report::thematic::SUPPRESS_BELOW,
        reviews: shown(total_reviews),
        findings: shown(counted.len()),
        partnerships: shown(partnerships.len()),
        reviews_by_year: years
            .iter()
            .map(|y| year_key(*y))
            .zip(shown_years)
            .collect(),
        reviews_by_kind: kinds
            .iter()
            .map(|k| (*k).to_owned())
            .zip(shown_parts(reviews_shown, &reviews_of_kind))
            .collect(),
        patterns,
        issues,
        patterns_together: patterns_together
            .into_iter()
            .map(|(n, first, second)| Together {
                first,
                second,
                reviews: shown(n),
            })
            .collect(),
        issues_together: pairs
            .into_iter()
            .map(|((a, b), n)| Together {
                first: a.0.clone(),
                second: b.0.clone(),
                reviews: shown(n),
            })
            .collect(),
        sectors: Vec::new(),
        changes: None,
        candidates: Vec::new(),
        questions: Vec::new(),
    }
}

/// The years in runs of at least [`PERIOD_REVIEWS`] reviews, in order; what is left at the end
/// joins the last run (or is the only one).
fn spans(years: &[i32], reviews_in_year: &[usize]) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = Vec::new();
    let mut start = None;
    let mut held = 0;
    for (&year, &n) in years.iter().zip(reviews_in_year) {
        let first = *start.get_or_insert(year);
        held += n;
        if held >= PERIOD_REVIEWS {
            out.push((first, year));
            start = None;
            held = 0;
        }
    }
    if let (Some(first), Some(&last)) = (start, years.last()) {
        match out.last_mut() {
            Some(run) => run.1 = last,
            None => out.push((first, last)),
        }
    }
    out
}

/// Each sector's reviews and their findings by pattern.
fn sectors(counted: &[&Counted<'_>]) -> Vec<SectorFigures> {
    let mut out = Vec::new();
    for sector in casewindow_domain::organisation::AgencySector::ALL {
        let mine: Vec<&&Counted<'_>> = counted
            .iter()
            .filter(|c| c.f.sectors.contains(&sector))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let reviews: BTreeSet<ReviewId> = mine.iter().map(|c| c.f.review).collect();
        let findings = Pattern::ALL
            .iter()
            .map(|p| mine.iter().filter(|c| c.pattern == *p).count())
            .collect::<Vec<_>>();
        out.push((
            reviews.len(),
            SectorFigures {
                sector: sector.label().to_owned(),
                reviews: shown(reviews.len()),
                by_pattern: (1..=6)
                    .map(|p: u8| p.to_string())
                    .zip(shown_parts(shown(mine.len()).is_some(), &findings))
                    .collect(),
            },
        ));
    }
    out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.sector.cmp(&b.1.sector)));
    out.into_iter().map(|(_, s)| s).collect()
}

/// Issues' reach in the period against the one before it, or, when the library holds nothing
/// before it, the period's later years against its earlier ones.
fn changes(
    all_years: &[Counted<'_>],
    request: &ThematicRequest,
    counted: &[&Counted<'_>],
) -> Option<Changes> {
    let first = counted.iter().map(|c| c.f.year).min()?;
    let last = counted.iter().map(|c| c.f.year).max()?;
    let now = (request.from.unwrap_or(first), request.to.unwrap_or(last));
    let length = now.1 - now.0 + 1;
    let before = (now.0 - length, now.0 - 1);
    let in_period = |c: &&Counted<'_>, (a, b): (i32, i32)| c.f.year >= a && c.f.year <= b;
    let has_before = all_years.iter().any(|c| in_period(&c, before));
    let (basis, now, before) = if has_before {
        (
            "The period chosen is compared with the same number of years before it.".to_owned(),
            now,
            before,
        )
    } else if now.1 > now.0 && first < last {
        let middle = first + (last - first + 1) / 2;
        (
            "The library holds no reviews from before the period, so its later years are \
             compared with its earlier ones."
                .to_owned(),
            (middle, last),
            (first, middle - 1),
        )
    } else {
        return None;
    };
    let reviews_in =
        |period: (i32, i32)| -> HashMap<RecurrentIssueId, (String, BTreeSet<ReviewId>)> {
            let mut out: HashMap<RecurrentIssueId, (String, BTreeSet<ReviewId>)> = HashMap::new();
            for c in all_years.iter().filter(|c| in_period(c, period)) {
                for issue in &c.f.issues {
                    out.entry(issue.id)
                        .or_insert_with(|| (issue.label.clone(), BTreeSet::new()))
                        .1
                        .insert(c.f.review);
                }
            }
            out
        };
    let total = |period: (i32, i32)| {
        all_years
            .iter()
            .filter(|c| in_period(c, period))
            .map(|c| c.f.review)
            .collect::<BTreeSet<_>>()
            .len()
    };
    let (n_now, n_before) = (total(now), total(before));
    let (issues_now, issues_before) = (reviews_in(now), reviews_in(before));
    let ids: BTreeSet<RecurrentIssueId> = issues_now
        .keys()
        .chain(issues_before.keys())
        .copied()
        .collect();
    let mut rows: Vec<(f64, IssueChange)> = ids
        .into_iter()
        .map(|id| {
            let label = issues_now
                .get(&id)
                .or_else(|| issues_before.get(&id))
                .map(|x| x.0.clone())
                .unwrap_or_default();
            let k_now = issues_now.get(&id).map_or(0, |x| x.1.len());
            let k_before = issues_before.get(&id).map_or(0, |x| x.1.len());
            let d = difference(k_now, n_now, k_before, n_before);
            let direction = match d {
                _ if shown(n_now).is_none() || shown(n_before).is_none() => {
                    "too few reviews to tell"
                }
                Some(d) if d.low > 0.0 => "rising",
                Some(d) if d.high < 0.0 => "falling",
                _ => "no clear change",
            };
            (
                d.map_or(0.0, |d| d.share),
                IssueChange {
                    issue: id.0.to_string(),
                    label,
                    reviews_now: shown(k_now),
                    reviews_before: shown(k_before),
                    difference: (shown(k_now).is_some()
                        && shown(k_before).is_some()
                        && shown(n_now).is_some()
                        && shown(n_before).is_some())
                    .then_some(d)
                    .flatten(),
                    direction: direction.to_owned(),
                },
            )
        })
        .collect();
    rows.sort_by(|a, b| {
        b.0.abs()
            .total_cmp(&a.0.abs())
            .then_with(|| a.1.label.cmp(&b.1.label))
    });
    rows.truncate(CHANGES_LISTED);
    Some(Changes {
        basis,
        now,
        before: Some(before),
        reviews_now: shown(n_now),
        reviews_before: shown(n_before),
        issues: rows.into_iter().map(|(_, row)| row).collect(),
    })
}

/// Up to [`EXAMPLES`] of `members` (indices into `reprs`), most central first, preferring
/// findings of different reviews.
fn most_central(
    members: &[usize],
    reprs: &[casewindow_patterns::Repr],
    review_of: impl Fn(usize) -> ReviewId,
) -> Vec<usize> {
    let group: Vec<&casewindow_patterns::Repr> = members.iter().map(|&i| &reprs[i]).collect();
    let centrality = casewindow_patterns::engine::centrality(&group);
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| centrality[b].total_cmp(&centrality[a]).then(a.cmp(&b)));
    let mut chosen: Vec<usize> = Vec::new();
    let mut reviews: HashSet<ReviewId> = HashSet::new();
    for &j in &order {
        if chosen.len() < EXAMPLES && reviews.insert(review_of(members[j])) {
            chosen.push(members[j]);
        }
    }
    for &j in &order {
        if chosen.len() < EXAMPLES && !chosen.contains(&members[j]) {
            chosen.push(members[j]);
        }
    }
    chosen
}

/// What each pattern asks of the system, in the method's way: a question, not a remedy.
fn pattern_question(pattern: Pattern) -> &'static str {
    match pattern {
        Pattern::Tool => {
            "How well do the records, forms and systems practitioners work with show them the \
             history and the risks they need, at the moment they need them?"
        }
        Pattern::Management => {
            "How do caseloads, supervision and procedures shape the time and attention \
             practitioners can give to what they are seeing?"
        }
        Pattern::MultiagencyCrisis => {
            "When a crisis draws several agencies in at once, how does each come to know what \
             the others know and are doing?"
        }
        Pattern::MultiagencyLongterm => {
            "In longer-term work across agencies, who holds the whole picture of a child's life, \
             and how are differing views of risk raised and settled?"
        }
        Pattern::FamilyProfessional => {
            "What helps practitioners keep the child's daily experience in view when the adults \
             around the child are hard to reach or present a reassuring picture?"
        }
        Pattern::Reasoning => {
            "What helps practitioners notice, and go back to, an early judgement when new \
             information arrives?"
        }
    }
}

/// The questions that follow: one for each of the issues reaching most reviews (the quoted
/// findings' own questions where they wrote one, else the pattern's), and one for each rising
/// issue.
fn questions(analysis: &Analysis, questions_of: &HashMap<String, Vec<String>>) -> Vec<Question> {
    let mut out: Vec<Question> = Vec::new();
    for issue in analysis
        .issues
        .iter()
        .filter(|i| i.reviews.is_some())
        .take(QUESTIONS_FROM_ISSUES)
    {
        let own = issue
            .examples
            .iter()
            .filter_map(|id| questions_of.get(id))
            .flatten()
            .map(|q| q.trim())
            .find(|q| q.ends_with('?') && q.len() > 20);
        let question = own.map_or_else(
            || {
                Pattern::from_number(issue.pattern)
                    .map(pattern_question)
                    .unwrap_or_default()
                    .to_owned()
            },
            str::to_owned,
        );
        out.push(Question {
            question,
            because: format!(
                "\"{}\" recurs in {} reviews across {} partnerships (pattern {}).",
                issue.label,
                issue.reviews.map_or_else(String::new, |n| n.to_string()),
                issue
                    .partnerships
                    .map_or_else(|| "fewer than 5".to_owned(), |n| n.to_string()),
                issue.pattern
            ),
        });
    }
    if let Some(changes) = &analysis.changes {
        for change in changes.issues.iter().filter(|c| c.direction == "rising") {
            out.push(Question {
                question: format!(
                    "What has changed in the system that more reviews now find \"{}\"?",
                    change.label
                ),
                because: format!(
                    "It reaches a larger share of reviews opened {} to {} than of those opened \
                     {} to {}.",
                    changes.now.0,
                    changes.now.1,
                    changes.before.map_or(0, |b| b.0),
                    changes.before.map_or(0, |b| b.1)
                ),
            });
        }
    }
    let mut seen = HashSet::new();
    out.retain(|q| seen.insert(q.question.clone()));
    out
}

/// The figures two analyses share, side by side.
fn compare(a: &Analysis, b: &Analysis) -> Vec<ComparedFigure> {
    let mut out = vec![
        ComparedFigure {
            what: "Reviews analysed".to_owned(),
            first: a.reviews,
            second: b.reviews,
        },
        ComparedFigure {
            what: "Findings".to_owned(),
            first: a.findings,
            second: b.findings,
        },
    ];
    for (pa, pb) in a.patterns.iter().zip(&b.patterns) {
        out.push(ComparedFigure {
            what: format!("Pattern {}: reviews", pa.pattern),
            first: pa.reviews,
            second: pb.reviews,
        });
        out.push(ComparedFigure {
            what: format!("Pattern {}: findings", pa.pattern),
            first: pa.findings,
            second: pb.findings,
        });
    }
    let mut labels: BTreeMap<String, (Option<usize>, Option<usize>)> = BTreeMap::new();
    for i in &a.issues {
        labels.entry(i.label.clone()).or_default().0 = i.reviews;
    }
    for i in &b.issues {
        labels.entry(i.label.clone()).or_default().1 = i.reviews;
    }
    out.extend(
        labels
            .into_iter()
            .map(|(label, (first, second))| ComparedFigure {
                what: format!("{label}: reviews"),
                first,
                second,
            }),
    );
    out
}
