//! Pattern-library speed at scale, on a synthetic library (no real or development findings):
//! - similar-findings query over 100,000 findings: latency percentiles over 500 queries
//!   (bar: p95 ≤ 10 ms), with the lexical index and 384-dimensional embeddings;
//! - library rebuild (term space, index and classifier) for 10,000 and 100,000 findings.
//!
//! Run: `cargo bench -p casewindow-patterns --bench library` (release profile).
//! Embeddings here are deterministic pseudo-random unit vectors: this measures the library's
//! own work; the model's throughput is measured separately.

use std::time::Instant;

use casewindow_domain::typology::Pattern;
use casewindow_patterns::{Embedder, Engine, Example, IssueDef, Knowledge, Settings};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Words of the field, to make finding-like texts of varied vocabulary.
const WORDS: &[&str] = &[
    "referral",
    "assessment",
    "supervision",
    "caseload",
    "strategy",
    "discussion",
    "school",
    "health",
    "visitor",
    "police",
    "social",
    "worker",
    "manager",
    "threshold",
    "neglect",
    "injury",
    "bruising",
    "mother",
    "father",
    "partner",
    "history",
    "record",
    "system",
    "episode",
    "closed",
    "plan",
    "review",
    "conference",
    "escalation",
    "challenge",
    "voice",
    "engagement",
    "hostility",
    "cooperation",
    "optimism",
    "judgement",
    "first",
    "impression",
    "handover",
    "out-of-hours",
    "feedback",
    "information",
    "sharing",
    "consent",
    "GP",
    "midwife",
    "probation",
    "housing",
    "substance",
    "misuse",
    "mental",
    "domestic",
    "abuse",
    "exploitation",
    "missing",
    "episodes",
    "tool",
    "score",
    "checklist",
    "form",
    "template",
    "drop-down",
    "capacity",
    "vacancy",
    "agency",
    "staff",
    "turnover",
    "training",
    "guidance",
    "procedure",
    "timescale",
    "target",
    "performance",
    "measure",
    "audit",
    "workload",
    "pressure",
    "delay",
];

fn text(rng: &mut Rng, salt: usize) -> String {
    let n = 30 + rng.below(30);
    let mut words: Vec<String> = (0..n)
        .map(|_| WORDS[rng.below(WORDS.len())].to_owned())
        .collect();
    // A rarer term per text so the vocabulary grows with the library, as real text does.
    words.push(format!("term{}", salt % 20_000));
    words.join(" ")
}

struct PseudoEmbedder;

impl Embedder for PseudoEmbedder {
    fn name(&self) -> &str {
        "pseudo-random"
    }
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        Ok(texts
            .iter()
            .map(|t| {
                let mut rng = Rng(t.bytes().fold(1469598103934665603u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(1099511628211)
                }) | 1);
                let v: Vec<f32> = (0..384)
                    .map(|_| (rng.next() % 2000) as f32 / 1000.0 - 1.0)
                    .collect();
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                v.into_iter().map(|x| x / norm).collect()
            })
            .collect())
    }
}

fn library(n: usize) -> Knowledge {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let issues: Vec<IssueDef> = (0..60)
        .map(|i| IssueDef {
            code: format!("issue.{i}"),
            pattern: Pattern::ALL[i % 6],
            label: format!("Issue {i}"),
            description: text(&mut rng, i),
        })
        .collect();
    let examples = (0..n)
        .map(|i| Example {
            id: i.to_string(),
            text: text(&mut rng, i),
            pattern: Pattern::ALL[rng.below(6)],
            issue: (rng.below(3) == 0).then(|| format!("issue.{}", rng.below(60))),
            review: Some(format!("review {}", i / 4)),
            weight: casewindow_patterns::engine::DECIDED,
        })
        .collect();
    Knowledge {
        examples,
        issues,
        pattern_descriptions: Vec::new(),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn main() {
    let embedder = PseudoEmbedder;
    for n in [10_000usize, 100_000] {
        let knowledge = library(n);
        let started = Instant::now();
        let engine =
            Engine::build(knowledge, Some(&embedder), Settings::default()).expect("builds");
        let rebuild = started.elapsed().as_secs_f64();
        let mut rng = Rng(42);
        let queries: Vec<String> = (0..500).map(|i| text(&mut rng, i * 7)).collect();
        let refs: Vec<&str> = queries.iter().map(String::as_str).collect();
        let reprs = engine
            .represent(&refs, Some(&embedder))
            .expect("represents");
        let mut nearest_ms = Vec::new();
        let mut same_issue_ms = Vec::new();
        let mut suggest_ms = Vec::new();
        let issues = engine.issues().to_vec();
        for repr in &reprs {
            let t = Instant::now();
            let found = engine.nearest(repr, 10, None);
            nearest_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(found.len(), 10);
            let t = Instant::now();
            let suggestion = engine.suggest_pattern(repr);
            let ranked =
                engine.suggest_issues(repr, &suggestion, &issues, engine.own_issue_reprs());
            suggest_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let probabilities = ranked
                .into_iter()
                .map(|i| (i.code, i.probability))
                .collect();
            let t = Instant::now();
            let same = engine.same_issue(repr, &suggestion, &probabilities, 10);
            same_issue_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(same.len(), 10);
        }
        for (name, times) in [
            ("similar findings (nearest 10)", &mut nearest_ms),
            ("same issue, different surface (top 10)", &mut same_issue_ms),
            ("pattern + issue suggestion", &mut suggest_ms),
        ] {
            times.sort_by(f64::total_cmp);
            println!(
                "{n:>7} findings | {name:<40} | p50 {:>7.2} ms | p95 {:>7.2} ms | p99 {:>7.2} ms",
                percentile(times, 50.0),
                percentile(times, 95.0),
                percentile(times, 99.0)
            );
        }
        println!(
            "{n:>7} findings | library rebuild (terms, index, classifier; embeddings cached) | {rebuild:.2} s | {} terms",
            engine.space().len()
        );
    }
}
