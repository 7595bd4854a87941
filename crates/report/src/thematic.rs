//! A thematic analysis across reviews: what the library's findings say, pattern by pattern and
//! issue by issue, as figures an analyst may share and as a document in the report's typesetting.
//!
//! [`Analysis`] is the analysis itself (its JSON is what `casewindow thematic --format json`
//! writes and what a version keeps); [`document`] lays it out as a [`Document`] that the HTML,
//! Word and PDF renderers share with the review report. The statistics are here too, without
//! I/O: Wilson score intervals for a share, Newcombe's hybrid score interval for the difference
//! of two shares, and the suppression of small counts (primary, and secondary where a hidden
//! count could be worked out from a total).

use crate::model::{Block, Document, DocumentKind, Figure, Table};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counts below this are not shown in anything an analyst may share.
pub const SUPPRESS_BELOW: usize = 5;

/// Years are grouped into periods of at least this many reviews for the trend.
pub const PERIOD_REVIEWS: usize = 10;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// A share with its 95% Wilson score interval, in proportions (0 to 1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub share: f64,
    pub low: f64,
    pub high: f64,
}

/// The Wilson score interval of `k` successes in `n` trials (`None` when `n` is 0).
#[must_use]
pub fn wilson(k: usize, n: usize) -> Option<Share> {
    if n == 0 || k > n {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z95 / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Share {
        share: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    })
}

/// The difference of two shares (`k1/n1 - k2/n2`) with Newcombe's hybrid score interval
/// (method 10), built from each share's Wilson interval.
#[must_use]
pub fn difference(k1: usize, n1: usize, k2: usize, n2: usize) -> Option<Share> {
    let (a, b) = (wilson(k1, n1)?, wilson(k2, n2)?);
    let d = a.share - b.share;
    Some(Share {
        share: d,
        low: d - ((a.share - a.low).powi(2) + (b.high - b.share).powi(2)).sqrt(),
        high: d + ((a.high - a.share).powi(2) + (b.share - b.low).powi(2)).sqrt(),
    })
}

/// A count as it may be shared: `None` (shown as "fewer than 5") below [`SUPPRESS_BELOW`].
#[must_use]
pub fn shown(count: usize) -> Option<usize> {
    (count >= SUPPRESS_BELOW).then_some(count)
}

/// The counts of a group whose total is shown (a pattern's findings by year, by polarity), as
/// they may be shared: each count under the threshold hidden, and when exactly one is hidden the
/// next smallest too, so the hidden one cannot be worked out from the total. When the total
/// itself is hidden, so is every part.
#[must_use]
pub fn shown_parts(total_shown: bool, counts: &[usize]) -> Vec<Option<usize>> {
    if !total_shown {
        return vec![None; counts.len()];
    }
    let mut out: Vec<Option<usize>> = counts.iter().map(|&c| shown(c)).collect();
    if out.iter().filter(|c| c.is_none()).count() == 1 {
        let smallest = out
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.map(|c| (c, i)))
            .min();
        if let Some((_, i)) = smallest {
            out[i] = None;
        }
    }
    out
}

/// What the analysis covers, as chosen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// The partnerships chosen by name; empty: every partnership the reader may read.
    pub partnerships: Vec<String>,
    /// The first and last year (the year a review opened), if limited.
    pub from: Option<i32>,
    pub to: Option<i32>,
    /// The kinds of review chosen (their plain names); empty: every kind.
    pub kinds: Vec<String>,
}

/// One pattern across the reviews analysed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatternFigures {
    /// The pattern's number in the typology (1 to 6).
    pub pattern: u8,
    pub name: String,
    pub findings: Option<usize>,
    /// Reviews with at least one finding in the pattern.
    pub reviews: Option<usize>,
    pub constructive: Option<usize>,
    #[serde(rename = "unsafe")]
    pub unsafe_: Option<usize>,
    /// Findings whose polarity was not decided.
    pub undecided: Option<usize>,
    /// Findings by the year their review opened.
    pub by_year: BTreeMap<String, Option<usize>>,
    /// Reviews with a finding in the pattern, of the reviews analysed, with its interval
    /// (hidden with its count).
    pub prevalence: Option<Share>,
    /// The same share year by year: of each year's reviews analysed.
    pub prevalence_by_year: BTreeMap<String, Option<Share>>,
}

/// A run of years grouped so that each holds enough reviews for a share to mean something:
/// the trend is read period by period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub from: i32,
    pub to: i32,
    pub reviews: Option<usize>,
    /// Each pattern's share of the period's reviews, by pattern number (hidden with its count).
    pub patterns: BTreeMap<String, Option<Share>>,
    /// Each pattern's findings in the period, by pattern number.
    pub findings: BTreeMap<String, Option<usize>>,
}

/// A representative finding: the most central of an issue's findings, de-identified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    pub finding: String,
    /// The review's code (a de-identified reference, never its title).
    pub review: String,
    pub statement: String,
}

/// A recurrent issue of the codebook, as reached in the reviews analysed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssueFigures {
    /// The issue's id.
    pub issue: String,
    pub label: String,
    pub pattern: u8,
    pub reviews: Option<usize>,
    pub partnerships: Option<usize>,
    pub findings: Option<usize>,
    /// The ids of its representative findings, most central first.
    pub examples: Vec<String>,
    /// Those findings' statements, de-identified, in the same order.
    pub example_statements: Vec<Example>,
}

/// Two patterns, or two issues, found in the same reviews.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Together {
    pub first: String,
    pub second: String,
    pub reviews: Option<usize>,
}

/// One sector of agency: the reviews it took part in, and their findings by pattern.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SectorFigures {
    pub sector: String,
    pub reviews: Option<usize>,
    /// Findings by pattern number, in the reviews the sector took part in.
    pub by_pattern: BTreeMap<String, Option<usize>>,
}

/// An issue's reach in this period against the one before.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssueChange {
    pub issue: String,
    pub label: String,
    pub reviews_now: Option<usize>,
    pub reviews_before: Option<usize>,
    /// The difference of the shares of reviews reached, now less before, with its interval;
    /// hidden when either count is.
    pub difference: Option<Share>,
    /// "rising", "falling", "no clear change", or "too few reviews to tell".
    pub direction: String,
}

/// The periods compared and the issues' changes between them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    /// How the periods were chosen, in plain words.
    pub basis: String,
    pub now: (i32, i32),
    pub before: Option<(i32, i32)>,
    pub reviews_now: Option<usize>,
    pub reviews_before: Option<usize>,
    pub issues: Vec<IssueChange>,
}

/// A group of findings the library found that no recurrent issue of the codebook covers yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CandidateFigures {
    pub pattern: u8,
    pub key_terms: Vec<String>,
    pub reviews: Option<usize>,
    pub examples: Vec<Example>,
}

/// A question for the system, with what it follows from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub question: String,
    pub because: String,
}

/// The whole analysis: what was chosen, what the library held, and every figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub scope: Scope,
    /// When it was made (ISO 8601 date).
    pub made_on: String,
    /// The library's state when it was made: every review's change stamp summed, and how many.
    pub library_state: String,
    /// Every review in the library (whether or not the reader may read it or it is in scope).
    pub library_reviews: usize,
    /// Reviews in scope that have no finding placed in a pattern yet (not analysed).
    pub reviews_without_findings: usize,
    /// Counts below this are shown as "fewer than" it.
    pub suppressed_below: usize,
    /// Reviews analysed: in scope, with at least one finding placed in a pattern.
    pub reviews: Option<usize>,
    pub findings: Option<usize>,
    pub partnerships: Option<usize>,
    /// Reviews analysed by the year they opened.
    pub reviews_by_year: BTreeMap<String, Option<usize>>,
    /// Reviews analysed by kind.
    pub reviews_by_kind: BTreeMap<String, Option<usize>>,
    /// The years in runs of at least [`PERIOD_REVIEWS`] reviews (the last run may hold fewer
    /// only when there is one), for the trend.
    pub periods: Vec<Period>,
    pub patterns: Vec<PatternFigures>,
    pub issues: Vec<IssueFigures>,
    pub patterns_together: Vec<Together>,
    pub issues_together: Vec<Together>,
    pub sectors: Vec<SectorFigures>,
    pub changes: Option<Changes>,
    pub candidates: Vec<CandidateFigures>,
    pub questions: Vec<Question>,
}

/// "December 2026" from "2026-12-08".
fn month_of(date: &str) -> String {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_or_else(|_| date.to_owned(), |d| d.format("%B %Y").to_string())
}

/// A count as the document prints it ("fewer than 5" when hidden).
#[must_use]
pub fn count(c: Option<usize>) -> String {
    c.map_or_else(|| format!("fewer than {SUPPRESS_BELOW}"), |c| c.to_string())
}

/// A count in a table cell ("<5" when hidden).
#[must_use]
pub fn cell(c: Option<usize>) -> String {
    c.map_or_else(|| format!("<{SUPPRESS_BELOW}"), |c| c.to_string())
}

/// A share in whole percent, but never "100%" or "0%" for a share that is not all or none (one
/// decimal then: 4,988 of 5,000 is 99.8%).
fn percent(value: f64) -> String {
    let p = value * 100.0;
    if (p.round() >= 100.0 && value < 1.0) || (p.round() <= 0.0 && value > 0.0) {
        format!("{:.1}%", p.clamp(0.1, 99.9))
    } else {
        format!("{p:.0}%")
    }
}

fn share_text(share: Option<Share>) -> String {
    share.map_or_else(
        || "not shown".to_owned(),
        |s| {
            format!(
                "{} ({}\u{2013}{})",
                percent(s.share),
                percent(s.low),
                percent(s.high)
            )
        },
    )
}

fn points(share: Option<Share>) -> String {
    share.map_or_else(
        || "not shown".to_owned(),
        |s| {
            let p = |v: f64| format!("{:+.0}", v * 100.0);
            format!("{} points ({} to {})", p(s.share), p(s.low), p(s.high))
        },
    )
}

/// The scope in words.
#[must_use]
pub fn scope_text(scope: &Scope) -> String {
    let partnerships = if scope.partnerships.is_empty() {
        "every partnership whose reviews the analyst may read".to_owned()
    } else {
        scope.partnerships.join("; ")
    };
    let years = match (scope.from, scope.to) {
        (Some(from), Some(to)) if from == to => format!("reviews opened in {from}"),
        (Some(from), Some(to)) => format!("reviews opened from {from} to {to}"),
        (Some(from), None) => format!("reviews opened in {from} or later"),
        (None, Some(to)) => format!("reviews opened in {to} or earlier"),
        (None, None) => "reviews of every year".to_owned(),
    };
    let kinds = if scope.kinds.is_empty() {
        "every kind of review".to_owned()
    } else {
        scope.kinds.join(", ")
    };
    format!("{partnerships}; {years}; {kinds}.")
}

/// Lays the analysis out as a document: scope and method, then each part of the analysis, each
/// chart with its figures as a table.
#[must_use]
pub fn document(analysis: &Analysis) -> Document {
    let mut blocks = vec![Block::Contents];
    let heading = |level: u8, text: &str| Block::Heading {
        level,
        text: text.to_owned(),
    };
    let paragraph = |text: String| Block::Paragraph { text };

    blocks.push(heading(1, "Scope and method"));
    blocks.push(paragraph(format!(
        "This analysis reads the findings of {} reviews ({} findings, {} partnerships) held in \
         the casewindow library when it was made. It covers {}",
        count(analysis.reviews),
        count(analysis.findings),
        count(analysis.partnerships),
        scope_text(&analysis.scope)
    )));
    blocks.push(paragraph(format!(
        "A review is analysed when at least one of its findings has been placed in one of the \
         six patterns of the typology. {} The library held {} reviews in all, of every \
         partnership and state.",
        match analysis.reviews_without_findings {
            0 => "Every review in scope had one.".to_owned(),
            1 => "One review in scope had none yet and is not counted.".to_owned(),
            n => format!("{n} reviews in scope had none yet and are not counted."),
        },
        analysis.library_reviews
    )));
    blocks.push(Block::Labelled {
        label: "What the library is, and is not".to_owned(),
        text: "Only reviews entered in this library are counted, and a finding counts where its \
               review team placed it. Reviews reach the library unevenly: published reviews \
               over-represent the cases and partnerships that publish, and reviews still in \
               progress contribute only the findings written so far. The figures describe these \
               reviews, not every review, nor how often harm occurs."
            .to_owned(),
    });
    blocks.push(Block::Labelled {
        label: "Small numbers".to_owned(),
        text: format!(
            "Counts below {SUPPRESS_BELOW} are shown as \"fewer than {SUPPRESS_BELOW}\" (or \
             <{SUPPRESS_BELOW}), and where one hidden count could be worked out from a total, a \
             second is hidden too. Shares are given with 95% Wilson score intervals; changes \
             between periods with Newcombe's interval for a difference of two shares. Findings \
             are de-identified: names, places and review titles are replaced."
        ),
    });
    if !analysis.periods.is_empty() {
        blocks.push(Block::Table(Table {
            caption: "Reviews analysed by the years they opened".to_owned(),
            header: vec!["Years".to_owned(), "Reviews".to_owned()],
            rows: analysis
                .periods
                .iter()
                .map(|p| {
                    let years = if p.from == p.to {
                        p.from.to_string()
                    } else {
                        format!("{}\u{2013}{}", p.from, p.to)
                    };
                    vec![years, cell(p.reviews)]
                })
                .collect(),
        }));
    }
    if !analysis.reviews_by_kind.is_empty() {
        blocks.push(Block::Table(Table {
            caption: "Reviews analysed by kind".to_owned(),
            header: vec!["Kind of review".to_owned(), "Reviews".to_owned()],
            rows: analysis
                .reviews_by_kind
                .iter()
                .map(|(kind, c)| vec![kind.clone(), cell(*c)])
                .collect(),
        }));
    }

    patterns_part(analysis, &mut blocks);
    issues_part(analysis, &mut blocks);
    together_part(analysis, &mut blocks);
    sectors_part(analysis, &mut blocks);
    changes_part(analysis, &mut blocks);
    candidates_part(analysis, &mut blocks);

    blocks.push(heading(1, "Questions for the system"));
    blocks.push(paragraph(
        "In the method's own way, the analysis ends with questions for partnerships and national \
         bodies to consider, not recommendations: what the recurring patterns ask of the system."
            .to_owned(),
    ));
    if analysis.questions.is_empty() {
        blocks.push(paragraph(
            "No issue reaches enough reviews for a question to follow from it.".to_owned(),
        ));
    }
    if !analysis.questions.is_empty() {
        blocks.push(Block::Numbered {
            items: analysis
                .questions
                .iter()
                .map(|q| format!("{} {}", q.question, q.because))
                .collect(),
        });
    }

    Document {
        // Laid out as a full report: a title page, the contents, chapters.
        kind: DocumentKind::Report,
        title: "Thematic analysis across reviews".to_owned(),
        subtitle: format!(
            "Recurrent issues in {} reviews' findings",
            count(analysis.reviews)
        ),
        meta: vec![
            scope_text(&analysis.scope),
            // The month only: a full date reads as an identifier to the scan.
            format!("Made in {}", month_of(&analysis.made_on)),
            format!("Library state {}", analysis.library_state),
        ],
        marking: "Figures below 5 suppressed; findings de-identified".to_owned(),
        blocks,
    }
}

fn patterns_part(analysis: &Analysis, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading {
        level: 1,
        text: "The six patterns across reviews".to_owned(),
    });
    blocks.push(Block::Paragraph {
        text: "How many of the reviews analysed had at least one finding in each pattern, with \
               the 95% interval of that share, and how many findings were constructive (practice \
               that helped) or unsafe (practice that put children at risk)."
            .to_owned(),
    });
    let rows: Vec<Vec<String>> = analysis
        .patterns
        .iter()
        .map(|p| {
            vec![
                format!("{}. {}", p.pattern, p.name),
                cell(p.reviews),
                share_text(p.prevalence),
                cell(p.findings),
                cell(p.constructive),
                cell(p.unsafe_),
                cell(p.undecided),
            ]
        })
        .collect();
    let table = Table {
        caption: "Each pattern's prevalence across reviews".to_owned(),
        header: [
            "Pattern",
            "Reviews",
            "Share of reviews (95% interval)",
            "Findings",
            "Constructive",
            "Unsafe",
            "Undecided",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
    };
    let bars: Vec<(String, f64, f64, f64)> = analysis
        .patterns
        .iter()
        .map(|p| {
            let s = p.prevalence.unwrap_or(Share {
                share: 0.0,
                low: 0.0,
                high: 0.0,
            });
            (format!("{}. {}", p.pattern, p.name), s.share, s.low, s.high)
        })
        .collect();
    blocks.push(Block::Figure(Figure {
        caption: "Share of reviews with a finding in each pattern".to_owned(),
        alt: "Horizontal bars: for each of the six patterns, the share of reviews analysed with \
              at least one finding in it, with its 95% interval as a line."
            .to_owned(),
        svg: crate::chart::interval_bars(
            "thematic-prevalence",
            "Share of reviews with a finding in each pattern",
            &bars,
        ),
        table,
    }));

    if analysis.periods.len() > 1 {
        blocks.push(Block::Heading {
            level: 2,
            text: "Over the years".to_owned(),
        });
        blocks.push(Block::Paragraph {
            text: format!(
                "The years are taken in periods of at least {PERIOD_REVIEWS} reviews, so that \
                 each share rests on enough reviews to compare."
            ),
        });
        let mut header = vec!["Pattern".to_owned()];
        header.extend(analysis.periods.iter().map(|p| {
            let years = if p.from == p.to {
                p.from.to_string()
            } else {
                format!("{}\u{2013}{}", p.from, p.to)
            };
            format!("{years} ({} reviews)", cell(p.reviews))
        }));
        let row = |p: &PatternFigures, each: &dyn Fn(&Period, &str) -> String| {
            let mut row = vec![format!("{}. {}", p.pattern, p.name)];
            let key = p.pattern.to_string();
            row.extend(analysis.periods.iter().map(|period| each(period, &key)));
            row
        };
        blocks.push(Block::Table(Table {
            caption: "Share of each period's reviews with a finding in the pattern (95% interval)"
                .to_owned(),
            header: header.clone(),
            rows: analysis
                .patterns
                .iter()
                .map(|p| {
                    row(p, &|period, key| {
                        share_text(period.patterns.get(key).copied().flatten())
                    })
                })
                .collect(),
        }));
        blocks.push(Block::Table(Table {
            caption: "Findings in each pattern by period".to_owned(),
            header,
            rows: analysis
                .patterns
                .iter()
                .map(|p| {
                    row(p, &|period, key| {
                        cell(period.findings.get(key).copied().flatten())
                    })
                })
                .collect(),
        }));
    }
}

fn issues_part(analysis: &Analysis, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading {
        level: 1,
        text: "Recurrent issues".to_owned(),
    });
    if analysis.issues.is_empty() {
        blocks.push(Block::Paragraph {
            text: "No finding in scope is linked to a recurrent issue of the codebook yet."
                .to_owned(),
        });
        return;
    }
    blocks.push(Block::Paragraph {
        text: "The codebook's recurrent issues ranked by how many reviews, then partnerships, \
               their findings reach. The findings quoted are the most central of each issue's \
               findings (closest in wording and meaning to all the others), de-identified."
            .to_owned(),
    });
    blocks.push(Block::Table(Table {
        caption: "Recurrent issues by reach".to_owned(),
        header: ["Issue", "Pattern", "Reviews", "Partnerships", "Findings"]
            .map(str::to_owned)
            .to_vec(),
        rows: analysis
            .issues
            .iter()
            .map(|i| {
                vec![
                    i.label.clone(),
                    i.pattern.to_string(),
                    cell(i.reviews),
                    cell(i.partnerships),
                    cell(i.findings),
                ]
            })
            .collect(),
    }));
    for issue in analysis
        .issues
        .iter()
        .filter(|i| !i.example_statements.is_empty())
    {
        blocks.push(Block::Heading {
            level: 2,
            text: issue.label.clone(),
        });
        blocks.push(Block::Paragraph {
            text: format!(
                "Pattern {}; {} reviews in {} partnerships.",
                issue.pattern,
                count(issue.reviews),
                count(issue.partnerships)
            ),
        });
        blocks.push(Block::Bullets {
            items: issue
                .example_statements
                .iter()
                .map(|e| format!("{} ({})", e.statement, e.review))
                .collect(),
        });
    }
}

fn together_part(analysis: &Analysis, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading {
        level: 1,
        text: "What occurs together".to_owned(),
    });
    let table = |caption: &str, pairs: &[Together]| Table {
        caption: caption.to_owned(),
        header: ["One", "The other", "Reviews with both"]
            .map(str::to_owned)
            .to_vec(),
        rows: pairs
            .iter()
            .map(|t| vec![t.first.clone(), t.second.clone(), cell(t.reviews)])
            .collect(),
    };
    blocks.push(Block::Table(table(
        "Patterns found in the same reviews",
        &analysis.patterns_together,
    )));
    if analysis.issues_together.is_empty() {
        blocks.push(Block::Paragraph {
            text: "No two recurrent issues were found together in more than one review.".to_owned(),
        });
    } else {
        blocks.push(Block::Table(table(
            "Recurrent issues found in the same reviews (the most frequent pairs)",
            &analysis.issues_together,
        )));
    }
}

fn sectors_part(analysis: &Analysis, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading {
        level: 1,
        text: "By agency sector".to_owned(),
    });
    blocks.push(Block::Paragraph {
        text: "For each sector, the reviews in which one of its agencies took part and the \
               findings of those reviews by pattern. A finding is counted once for every sector \
               taking part in its review, so the rows do not add up to the total."
            .to_owned(),
    });
    let mut header = vec!["Sector".to_owned(), "Reviews".to_owned()];
    header.extend((1..=6).map(|p| format!("Pattern {p}")));
    blocks.push(Block::Table(Table {
        caption: "Findings by pattern in the reviews each sector took part in".to_owned(),
        header,
        rows: analysis
            .sectors
            .iter()
            .map(|s| {
                let mut row = vec![s.sector.clone(), cell(s.reviews)];
                row.extend(
                    (1..=6).map(|p| cell(s.by_pattern.get(&p.to_string()).copied().flatten())),
                );
                row
            })
            .collect(),
    }));
}

fn changes_part(analysis: &Analysis, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading {
        level: 1,
        text: "Rising and falling".to_owned(),
    });
    let Some(changes) = &analysis.changes else {
        blocks.push(Block::Paragraph {
            text: "The reviews analysed all opened in one year, so there is no earlier period to \
                   compare with."
                .to_owned(),
        });
        return;
    };
    let period = |(a, b): (i32, i32)| {
        if a == b {
            a.to_string()
        } else {
            format!("{a} to {b}")
        }
    };
    blocks.push(Block::Paragraph {
        text: format!(
            "{} Reviews opened {} ({}) against {} ({}). An issue is rising or falling only when \
             the 95% interval of the difference in the share of reviews it reaches leaves out no \
             change.",
            changes.basis,
            period(changes.now),
            count(changes.reviews_now),
            changes.before.map_or_else(|| "none".to_owned(), period),
            count(changes.reviews_before),
        ),
    });
    if changes.issues.is_empty() {
        return;
    }
    blocks.push(Block::Table(Table {
        caption: "Recurrent issues now and before".to_owned(),
        header: [
            "Issue",
            "Reviews now",
            "Reviews before",
            "Difference in share",
            "Direction",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: changes
            .issues
            .iter()
            .map(|c| {
                vec![
                    c.label.clone(),
                    cell(c.reviews_now),
                    cell(c.reviews_before),
                    points(c.difference),
                    c.direction.clone(),
                ]
            })
            .collect(),
    }));
}

fn candidates_part(analysis: &Analysis, blocks: &mut Vec<Block>) {
    blocks.push(Block::Heading {
        level: 1,
        text: "Candidate new recurrent issues".to_owned(),
    });
    if analysis.candidates.is_empty() {
        blocks.push(Block::Paragraph {
            text: "The library found no group of findings, from several reviews, that no \
                   recurrent issue of the codebook covers."
                .to_owned(),
        });
        return;
    }
    blocks.push(Block::Paragraph {
        text: "Findings of one pattern, from several reviews, that share their wording and that \
               no recurrent issue of the codebook covers yet: for the codebook's keepers to \
               consider, with the findings that suggest them."
            .to_owned(),
    });
    for candidate in &analysis.candidates {
        blocks.push(Block::Heading {
            level: 2,
            text: format!(
                "Pattern {}: {}",
                candidate.pattern,
                candidate.key_terms.join(", ")
            ),
        });
        blocks.push(Block::Paragraph {
            text: format!("Found in {} reviews.", count(candidate.reviews)),
        });
        blocks.push(Block::Bullets {
            items: candidate
                .examples
                .iter()
                .map(|e| format!("{} ({})", e.statement, e.review))
                .collect(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_intervals_match_published_values() {
        // Newcombe (1998), table I: 81/263 gives 0.2553 to 0.3662; 15/148 gives 0.0624 to 0.1605.
        let a = wilson(81, 263).expect("an interval");
        assert!(
            (a.low - 0.2553).abs() < 1e-4 && (a.high - 0.3662).abs() < 1e-4,
            "{a:?}"
        );
        let b = wilson(15, 148).expect("an interval");
        assert!(
            (b.low - 0.0624).abs() < 1e-4 && (b.high - 0.1605).abs() < 1e-4,
            "{b:?}"
        );
        // None of ten, and all of ten, stay inside 0 to 1.
        let none = wilson(0, 10).expect("an interval");
        assert!(
            none.low == 0.0 && (none.high - 0.2775).abs() < 1e-4,
            "{none:?}"
        );
        assert!(wilson(10, 10).expect("an interval").high <= 1.0);
        assert_eq!(wilson(1, 0), None);
    }

    #[test]
    fn newcombes_difference_interval_matches_his_example() {
        // Newcombe (1998b), example (a): 56/70 against 48/80: 0.2000, interval 0.0524 to 0.3339.
        let d = difference(56, 70, 48, 80).expect("an interval");
        assert!((d.share - 0.2).abs() < 1e-9);
        assert!(
            (d.low - 0.0524).abs() < 1e-4 && (d.high - 0.3339).abs() < 1e-4,
            "{d:?}"
        );
    }

    #[test]
    fn a_share_that_is_not_all_is_never_shown_as_all() {
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(4988.0 / 5000.0), "99.8%");
        assert_eq!(percent(0.99999), "99.9%");
        assert_eq!(percent(0.0004), "0.1%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.636), "64%");
    }

    #[test]
    fn small_counts_are_hidden_and_a_lone_hidden_count_gets_a_companion() {
        assert_eq!(shown(4), None);
        assert_eq!(shown(5), Some(5));
        assert_eq!(shown(0), None);
        // 3 alone would be total less the rest: the next smallest (6) is hidden too.
        assert_eq!(
            shown_parts(true, &[12, 3, 6, 9]),
            vec![Some(12), None, None, Some(9)]
        );
        // Two hidden already: nothing more to hide.
        assert_eq!(
            shown_parts(true, &[12, 3, 2, 9]),
            vec![Some(12), None, None, Some(9)]
        );
        assert_eq!(shown_parts(false, &[12, 9]), vec![None, None]);
        assert_eq!(shown_parts(true, &[12, 9]), vec![Some(12), Some(9)]);
    }
}
