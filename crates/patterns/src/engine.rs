//! The engine: what the library knows, and the three questions it answers about a finding —
//! which pattern, which recurrent issue, and which other findings share its underlying issue.
//!
//! Three kinds of evidence are combined, in the method's order (pattern first):
//! - a classifier over the pattern of every finding in the library, every recurrent issue's
//!   description and the typology's own wording, retrained whenever the library changes;
//! - nearest neighbours among library findings (the explanation a reviewer sees);
//! - the curated recurrent issues under each pattern: a finding is matched to an issue by its
//!   description and by the findings already linked to it, weighted by how likely the issue's
//!   pattern is.
//!
//! Similarity is lexical (TF-IDF over stems with names removed) and, when an [`Embedder`] is
//! given, semantic (cosine of sentence embeddings) as well.

use casewindow_domain::typology::Pattern;
use serde::Serialize;

use crate::softmax::{Row, Softmax, Training, softmax_in_place};
use crate::space::{Sparse, TermSpace, dense_dot};

/// Turns texts into L2-normalised sentence embeddings.
pub trait Embedder: Send + Sync {
    /// A name for the model, reported with every suggestion.
    fn name(&self) -> &str;
    /// Embeds `texts` (same order).
    ///
    /// # Errors
    /// When the model fails; the message is for the operator.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String>;
    /// What identifies the vectors this embedder computes (model, files, method), so vectors
    /// kept elsewhere are reused only by an embedder that would compute the same.
    fn fingerprint(&self) -> String {
        self.name().to_owned()
    }
}

/// An embedder that remembers every text it has embedded (evaluation folds and library
/// rebuilds embed the same texts again and again).
pub struct CachedEmbedder {
    inner: std::sync::Arc<dyn Embedder>,
    cache: std::sync::Mutex<std::collections::HashMap<String, Vec<f32>>>,
}

impl CachedEmbedder {
    #[must_use]
    pub fn new(inner: std::sync::Arc<dyn Embedder>) -> Self {
        Self {
            inner,
            cache: std::sync::Mutex::default(),
        }
    }
}

/// The texts among `texts` the cache does not hold, each once.
fn not_in<'t>(
    cache: &std::collections::HashMap<String, Vec<f32>>,
    texts: &[&'t str],
) -> Vec<&'t str> {
    let mut missing: Vec<&str> = texts
        .iter()
        .copied()
        .filter(|t| !cache.contains_key(*t))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

impl CachedEmbedder {
    /// The texts among `texts` not embedded here yet, each once.
    ///
    /// # Errors
    /// When the cache is poisoned.
    pub fn missing(&self, texts: &[&str]) -> Result<Vec<String>, String> {
        let cache = self
            .cache
            .lock()
            .map_err(|_| "embedding cache poisoned".to_owned())?;
        Ok(not_in(&cache, texts)
            .into_iter()
            .map(str::to_owned)
            .collect())
    }

    /// Remembers vectors computed elsewhere by an embedder of the same fingerprint.
    ///
    /// # Errors
    /// When the cache is poisoned.
    pub fn remember(&self, vectors: Vec<(String, Vec<f32>)>) -> Result<(), String> {
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| "embedding cache poisoned".to_owned())?;
        cache.extend(vectors);
        Ok(())
    }
}

impl Embedder for CachedEmbedder {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn fingerprint(&self) -> String {
        self.inner.fingerprint()
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| "embedding cache poisoned".to_owned())?;
        let missing = not_in(&cache, texts);
        if !missing.is_empty() {
            let vectors = self.inner.embed(&missing)?;
            for (text, vector) in missing.into_iter().zip(vectors) {
                cache.insert(text.to_owned(), vector);
            }
        }
        texts
            .iter()
            .map(|t| {
                cache
                    .get(*t)
                    .cloned()
                    .ok_or_else(|| "embedder returned too few vectors".to_owned())
            })
            .collect()
    }
}

/// A finding the library holds (or a labelled example).
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub id: String,
    pub text: String,
    pub pattern: Pattern,
    /// The recurrent issue code it is linked to, if any.
    pub issue: Option<String>,
    /// The review it comes from (findings of one review never count as evidence of generality
    /// for each other).
    pub review: Option<String>,
    /// How much it counts in the classifier and the neighbours' vote: a finding a reviewer has
    /// decided counts [`DECIDED`]; shipped examples, written for the project, count less
    /// ([`SHIPPED`]), so a library's own decisions outweigh the starter knowledge.
    pub weight: f32,
}

/// Weight of a finding whose pattern a reviewer decided.
pub const DECIDED: f32 = 1.0;
/// Weight of a shipped example (the starter library and the worked examples).
pub const SHIPPED: f32 = 0.5;

/// A recurrent issue under a pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueDef {
    pub code: String,
    pub pattern: Pattern,
    pub label: String,
    pub description: String,
}

/// What the engine is built from.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    pub examples: Vec<Example>,
    pub issues: Vec<IssueDef>,
    /// Descriptions of each pattern (the codebook's wording), used as extra examples.
    pub pattern_descriptions: Vec<(Pattern, String)>,
}

impl Knowledge {
    /// Every text [`Engine::build`] represents, in its order: the examples, the issues, the
    /// patterns' descriptions.
    #[must_use]
    pub fn texts(&self) -> Vec<String> {
        self.examples
            .iter()
            .map(|e| e.text.clone())
            .chain(self.issues.iter().map(issue_text))
            .chain(self.pattern_descriptions.iter().map(|(_, d)| d.clone()))
            .collect()
    }
}

/// A text as the engine compares it.
#[derive(Debug, Clone, Default)]
pub struct Repr {
    pub lexical: Sparse,
    pub dense: Option<Vec<f32>>,
}

/// How much the semantic part counts in a similarity when both texts have an embedding. Generic
/// sentence embeddings see the surface of a finding (the harm, the agencies) as much as its
/// underlying issue, so the stemmed terms, with names removed, keep the larger share.
pub(crate) const DENSE_SHARE: f32 = 0.3;

impl Repr {
    /// Similarity in [-1, 1].
    #[must_use]
    pub fn similarity(&self, other: &Repr) -> f32 {
        let lexical = self.lexical.dot(&other.lexical);
        match (&self.dense, &other.dense) {
            (Some(a), Some(b)) => (1.0 - DENSE_SHARE) * lexical + DENSE_SHARE * dense_dot(a, b),
            _ => lexical,
        }
    }
}

/// How central each text is among `reprs`: its similarity to their centroid (the mean of their
/// vectors, lexical and semantic parts weighted as in [`Repr::similarity`]). The most central
/// text is the one closest in wording and meaning to all the others together: a group's most
/// representative member. Linear in the group's size, unlike comparing every pair.
#[must_use]
pub fn centrality(reprs: &[&Repr]) -> Vec<f32> {
    let mut lexical: std::collections::HashMap<u32, f32> = std::collections::HashMap::new();
    for repr in reprs {
        for &(term, weight) in &repr.lexical.0 {
            *lexical.entry(term).or_default() += weight;
        }
    }
    let width = reprs.iter().find_map(|r| r.dense.as_ref().map(Vec::len));
    let dense: Option<Vec<f32>> = width.map(|width| {
        let mut sum = vec![0.0; width];
        for dense in reprs.iter().filter_map(|r| r.dense.as_ref()) {
            for (s, v) in sum.iter_mut().zip(dense) {
                *s += v;
            }
        }
        sum
    });
    #[allow(clippy::cast_precision_loss)]
    let n = reprs.len().max(1) as f32;
    reprs
        .iter()
        .map(|repr| {
            let lexical: f32 = repr
                .lexical
                .0
                .iter()
                .map(|(term, weight)| weight * lexical.get(term).copied().unwrap_or(0.0))
                .sum::<f32>()
                / n;
            match (&repr.dense, &dense) {
                (Some(own), Some(sum)) => {
                    (1.0 - DENSE_SHARE) * lexical + DENSE_SHARE * dense_dot(own, sum) / n
                }
                _ => lexical,
            }
        })
        .collect()
}

/// One pattern with its probability.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scored<T> {
    pub item: T,
    pub score: f32,
}

/// A neighbour that drove a suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Neighbour {
    pub id: String,
    pub pattern: Pattern,
    pub issue: Option<String>,
    pub review: Option<String>,
    pub similarity: f32,
    /// The example's weight (see [`Example::weight`]).
    #[serde(skip)]
    pub weight: f32,
}

/// The probability from which a pattern suggestion is shown alone.
pub const SURE: f32 = 0.6;

/// The pattern suggestion for one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternSuggestion {
    /// All six patterns, most likely first, with probabilities summing to 1.
    pub ranked: Vec<Scored<Pattern>>,
    /// The library findings nearest to the text, which drove the suggestion.
    pub nearest: Vec<Neighbour>,
    /// The text's similarity to every library finding (reused for its issue suggestions).
    #[serde(skip)]
    pub similarities: Vec<f32>,
}

impl PatternSuggestion {
    /// The most likely pattern.
    #[must_use]
    pub fn best(&self) -> Pattern {
        self.ranked.first().map_or(Pattern::Reasoning, |s| s.item)
    }

    /// Whether the first pattern is not clearly ahead: its (calibrated) probability is below
    /// [`SURE`], so it would be wrong more often than a reviewer should rely on. Two patterns are
    /// then shown side by side rather than one.
    #[must_use]
    pub fn unsure(&self) -> bool {
        self.ranked.first().is_none_or(|s| s.score < SURE)
    }

    /// Mixes in other evidence about the pattern (for example the contributory factors of the
    /// episodes a finding draws on): `share` of each probability comes from `prior`, a
    /// distribution over [`Pattern::ALL`] in its order; the ranking is redone. A prior that sums
    /// to nothing changes nothing.
    pub fn blend(&mut self, prior: [f32; 6], share: f32) {
        let total: f32 = prior.iter().sum();
        if total <= 0.0 {
            return;
        }
        let share = share.clamp(0.0, 1.0);
        for s in &mut self.ranked {
            s.score = (1.0 - share) * s.score + share * prior[pattern_index(s.item)] / total;
        }
        self.ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    }

    /// Probability of `pattern`.
    #[must_use]
    pub fn probability(&self, pattern: Pattern) -> f32 {
        self.ranked
            .iter()
            .find(|s| s.item == pattern)
            .map_or(0.0, |s| s.score)
    }
}

/// An issue suggestion: the issue, its probability, and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueSuggestion {
    pub code: String,
    pub label: String,
    pub pattern: Pattern,
    pub probability: f32,
    /// Similarity of the text to the issue's description.
    pub description_similarity: f32,
    /// The linked findings nearest to the text.
    pub nearest: Vec<Neighbour>,
}

/// Tunable weights. The defaults are chosen on the product's own shipped knowledge (the demo
/// library and each file of worked examples predicted from the rest: `cargo run --release -p
/// casewindow-cli --example tune`), never on a set the engine is measured on.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Temperature of the classifier's softmax (calibration).
    pub temperature: f32,
    /// Share of the nearest-neighbour vote in the pattern probability.
    pub neighbour_share: f32,
    /// Neighbours that vote.
    pub neighbours: usize,
    /// Share of the recurrent issues' evidence in the pattern probability.
    pub issue_share: f32,
    /// Library findings the classifier trains on at most (an even sample beyond that).
    pub max_training_examples: usize,
    /// Weight of log P(pattern) in an issue's score.
    pub pattern_weight: f32,
    /// Share of the linked findings (against the issue's description) in a text's closeness to
    /// an issue.
    pub linked_share: f32,
    /// How many of an issue's linked findings, the nearest, its closeness is averaged over (0:
    /// all of them).
    pub linked_nearest: usize,
    /// Temperature of the issue softmax.
    pub issue_temperature: f32,
    /// Calibration: the combined pattern probabilities are raised to this power and
    /// renormalised, so that a suggestion said to be 70% likely is right about 70% of the time.
    pub sharpness: f32,
    pub training: Training,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            temperature: 1.0,
            neighbour_share: 0.15,
            neighbours: 7,
            issue_share: 0.3,
            max_training_examples: 5_000,
            pattern_weight: 0.05,
            linked_share: 0.3,
            linked_nearest: 2,
            issue_temperature: 0.05,
            sharpness: 3.0,
            training: Training::default(),
        }
    }
}

/// The built engine.
pub struct Engine {
    space: TermSpace,
    examples: Vec<Example>,
    index: crate::index::SimilarityIndex,
    /// For each example, the position of its issue code in `issue_codes`.
    example_issue: Vec<Option<usize>>,
    issue_codes: Vec<String>,
    issues: Vec<IssueDef>,
    issue_reprs: Vec<Repr>,
    /// For each issue code, the library findings linked to it.
    linked: std::collections::HashMap<String, Vec<usize>>,
    classifier: Softmax,
    embedder_name: Option<String>,
    settings: Settings,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("examples", &self.examples.len())
            .field("issues", &self.issues.len())
            .field("terms", &self.space.len())
            .field("embedder", &self.embedder_name)
            .finish_non_exhaustive()
    }
}

/// The text an issue is compared by: its label and description.
#[must_use]
pub fn issue_text(issue: &IssueDef) -> String {
    format!("{}. {}", issue.label, issue.description)
}

fn pattern_index(pattern: Pattern) -> usize {
    Pattern::ALL.iter().position(|p| *p == pattern).unwrap_or(0)
}

impl Engine {
    /// Builds the engine from `knowledge`.
    ///
    /// # Errors
    /// When the embedder fails.
    pub fn build(
        knowledge: Knowledge,
        embedder: Option<&dyn Embedder>,
        settings: Settings,
    ) -> Result<Self, String> {
        let Knowledge {
            examples,
            issues,
            pattern_descriptions,
        } = knowledge;
        let issue_texts: Vec<String> = issues.iter().map(issue_text).collect();
        let all_texts = examples
            .iter()
            .map(|e| e.text.as_str())
            .chain(issue_texts.iter().map(String::as_str))
            .chain(pattern_descriptions.iter().map(|(_, d)| d.as_str()));
        let space = TermSpace::fit(all_texts.clone());
        let texts: Vec<&str> = all_texts.collect();
        let dense = match embedder {
            Some(e) => Some(e.embed(&texts)?),
            None => None,
        };
        let reprs: Vec<Repr> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| Repr {
                lexical: space.vector(t),
                dense: dense.as_ref().and_then(|d| d.get(i).cloned()),
            })
            .collect();
        let dense_dim = reprs
            .iter()
            .find_map(|r| r.dense.as_ref().map(Vec::len))
            .unwrap_or(0);
        let mut rows = Vec::with_capacity(reprs.len());
        let labels = examples
            .iter()
            .map(|e| (e.pattern, e.weight))
            .chain(issues.iter().map(|i| (i.pattern, 1.0)))
            .chain(pattern_descriptions.iter().map(|(p, _)| (*p, 1.0)));
        // A large library trains the classifier on an even sample of its findings (every
        // description is kept); neighbours and recurrent issues still draw on all of it.
        let stride = examples
            .len()
            .div_ceil(settings.max_training_examples.max(1))
            .max(1);
        for (i, (repr, (pattern, weight))) in reprs.iter().zip(labels).enumerate() {
            if i < examples.len() && i % stride != 0 {
                continue;
            }
            rows.push(Row {
                sparse: &repr.lexical,
                dense: repr.dense.as_deref(),
                class: pattern_index(pattern),
                weight,
            });
        }
        let classifier = Softmax::train(
            &rows,
            Pattern::ALL.len(),
            space.len(),
            dense_dim,
            settings.training,
        );
        let mut reprs = reprs.into_iter();
        let example_reprs: Vec<Repr> = reprs.by_ref().take(examples.len()).collect();
        let issue_reprs: Vec<Repr> = reprs.take(issues.len()).collect();
        let mut linked: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, e) in examples.iter().enumerate() {
            if let Some(code) = &e.issue {
                linked.entry(code.clone()).or_default().push(i);
            }
        }
        let index = crate::index::SimilarityIndex::build(&example_reprs, space.len());
        let mut issue_codes: Vec<String> = Vec::new();
        let example_issue = examples
            .iter()
            .map(|e| {
                e.issue.as_ref().map(|code| {
                    issue_codes
                        .iter()
                        .position(|c| c == code)
                        .unwrap_or_else(|| {
                            issue_codes.push(code.clone());
                            issue_codes.len() - 1
                        })
                })
            })
            .collect();
        Ok(Self {
            index,
            example_issue,
            issue_codes,
            linked,
            space,
            examples,
            issues,
            issue_reprs,
            classifier,
            embedder_name: embedder.map(|e| e.name().to_owned()),
            settings,
        })
    }

    /// The embedding model in use, if any.
    #[must_use]
    pub fn embedder_name(&self) -> Option<&str> {
        self.embedder_name.as_deref()
    }

    /// The library findings the engine holds.
    #[must_use]
    pub fn examples(&self) -> &[Example] {
        &self.examples
    }

    /// The recurrent issues the engine holds.
    #[must_use]
    pub fn issues(&self) -> &[IssueDef] {
        &self.issues
    }

    /// The term space (for key terms).
    #[must_use]
    pub fn space(&self) -> &TermSpace {
        &self.space
    }

    /// Represents `texts` in the engine's space (embedding them in one batch when an embedder is
    /// given).
    ///
    /// # Errors
    /// When the embedder fails.
    pub fn represent(
        &self,
        texts: &[&str],
        embedder: Option<&dyn Embedder>,
    ) -> Result<Vec<Repr>, String> {
        let dense = match embedder {
            Some(e) if self.embedder_name.is_some() => Some(e.embed(texts)?),
            _ => None,
        };
        Ok(texts
            .iter()
            .enumerate()
            .map(|(i, t)| Repr {
                lexical: self.space.vector(t),
                dense: dense.as_ref().and_then(|d| d.get(i).cloned()),
            })
            .collect())
    }

    /// Library finding `index` as a neighbour at `similarity`.
    fn neighbour(&self, index: usize, similarity: f32) -> Neighbour {
        let e = &self.examples[index];
        Neighbour {
            id: e.id.clone(),
            pattern: e.pattern,
            issue: e.issue.clone(),
            review: e.review.clone(),
            similarity,
            weight: e.weight,
        }
    }

    /// The library findings nearest to `repr`, most similar first.
    #[must_use]
    pub fn nearest(&self, repr: &Repr, k: usize, exclude_review: Option<&str>) -> Vec<Neighbour> {
        self.nearest_of(&self.index.similarities(repr), k, exclude_review)
    }

    fn nearest_of(
        &self,
        similarities: &[f32],
        k: usize,
        exclude_review: Option<&str>,
    ) -> Vec<Neighbour> {
        let mut scored: Vec<(usize, f32)> = similarities
            .iter()
            .copied()
            .enumerate()
            .filter(|(i, _)| {
                exclude_review.is_none() || self.examples[*i].review.as_deref() != exclude_review
            })
            .collect();
        top_k(&mut scored, k);
        scored
            .into_iter()
            .map(|(i, s)| self.neighbour(i, s))
            .collect()
    }

    /// The pattern suggestion for a represented text.
    #[must_use]
    pub fn suggest_pattern(&self, repr: &Repr) -> PatternSuggestion {
        let mut probs = self.classifier.logits(&repr.lexical, repr.dense.as_deref());
        softmax_in_place(&mut probs, self.settings.temperature);
        let similarities = self.index.similarities(repr);
        let nearest = self.nearest_of(&similarities, self.settings.neighbours, None);
        let share = if nearest.is_empty() {
            0.0
        } else {
            self.settings.neighbour_share
        };
        let mut vote = [0.0f32; 6];
        for n in &nearest {
            vote[pattern_index(n.pattern)] += n.weight * (n.similarity.max(0.0) + 1e-3);
        }
        let total: f32 = vote.iter().sum();
        let issues = self.issue_evidence(repr, &similarities);
        let issue_share = if issues.is_some() {
            self.settings.issue_share
        } else {
            0.0
        };
        let mut ranked: Vec<Scored<Pattern>> = Pattern::ALL
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let neighbours = if total > 0.0 { vote[i] / total } else { 0.0 };
                let from_issues = issues.map_or(0.0, |v| v[i]);
                Scored {
                    item: *p,
                    score: (1.0 - share - issue_share) * probs[i]
                        + share * neighbours
                        + issue_share * from_issues,
                }
            })
            .collect();
        if (self.settings.sharpness - 1.0).abs() > f32::EPSILON {
            for s in &mut ranked {
                s.score = s.score.max(1e-9).powf(self.settings.sharpness);
            }
            let total: f32 = ranked.iter().map(|s| s.score).sum();
            for s in &mut ranked {
                s.score /= total;
            }
        }
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        PatternSuggestion {
            ranked,
            nearest,
            similarities,
        }
    }

    /// How close a text is to an issue: to its description and to the findings linked to it
    /// (the mean similarity of all of them, or of the nearest few), in the shares the settings
    /// give. Also returns the description's similarity and the three nearest linked findings.
    fn issue_similarity(
        &self,
        repr: &Repr,
        code: &str,
        issue_repr: &Repr,
        similarities: &[f32],
    ) -> (f32, f32, Vec<(usize, f32)>) {
        let description_similarity = repr.similarity(issue_repr);
        let mut linked: Vec<(usize, f32)> = self
            .linked
            .get(code)
            .map(|ids| {
                ids.iter()
                    .map(|&i| (i, similarities.get(i).copied().unwrap_or(0.0)))
                    .collect()
            })
            .unwrap_or_default();
        let similarity = if linked.is_empty() {
            description_similarity
        } else {
            let mut values: Vec<f32> = linked.iter().map(|(_, s)| *s).collect();
            let nearest = self.settings.linked_nearest;
            if nearest > 0 && values.len() > nearest {
                values.select_nth_unstable_by(nearest - 1, |a, b| b.total_cmp(a));
                values.truncate(nearest);
            }
            let mean = values.iter().sum::<f32>() / values.len() as f32;
            let share = self.settings.linked_share;
            (1.0 - share) * description_similarity + share * mean
        };
        top_k(&mut linked, 3);
        (similarity, description_similarity, linked)
    }

    /// How likely each pattern is judged by the recurrent issues alone: a softmax over every
    /// known issue's similarity, summed per pattern.
    fn issue_evidence(&self, repr: &Repr, similarities: &[f32]) -> Option<[f32; 6]> {
        if self.issues.is_empty() {
            return None;
        }
        let mut scores: Vec<f32> = self
            .issues
            .iter()
            .zip(&self.issue_reprs)
            .map(|(issue, issue_repr)| {
                self.issue_similarity(repr, &issue.code, issue_repr, similarities)
                    .0
            })
            .collect();
        softmax_in_place(&mut scores, self.settings.issue_temperature);
        let mut out = [0.0; 6];
        for (issue, p) in self.issues.iter().zip(scores) {
            out[pattern_index(issue.pattern)] += p;
        }
        Some(out)
    }

    /// Scores every issue in `issues` for a represented text, most likely first. `issue_reprs`
    /// are the issues' represented descriptions (see [`Engine::represent_issues`]).
    #[must_use]
    pub fn suggest_issues(
        &self,
        repr: &Repr,
        pattern: &PatternSuggestion,
        issues: &[IssueDef],
        issue_reprs: &[Repr],
    ) -> Vec<IssueSuggestion> {
        let mut raw = Vec::with_capacity(issues.len());
        for (issue, issue_repr) in issues.iter().zip(issue_reprs) {
            let (similarity, description_similarity, linked) =
                self.issue_similarity(repr, &issue.code, issue_repr, &pattern.similarities);
            // The probabilities were sharpened for calibration (ln p' = s ln p - ln Z, Z the same
            // for every issue), so dividing the weight by the sharpness ranks as ln p did.
            let p = pattern.probability(issue.pattern).max(1e-9);
            let weight = self.settings.pattern_weight / self.settings.sharpness.max(1e-3);
            let score = similarity + weight * p.ln();
            raw.push((score, description_similarity, linked));
        }
        let mut scores: Vec<f32> = raw.iter().map(|(s, _, _)| *s).collect();
        softmax_in_place(&mut scores, self.settings.issue_temperature);
        let mut out: Vec<IssueSuggestion> = issues
            .iter()
            .zip(raw)
            .zip(scores)
            .map(
                |((issue, (_, description_similarity, linked)), probability)| IssueSuggestion {
                    code: issue.code.clone(),
                    label: issue.label.clone(),
                    pattern: issue.pattern,
                    probability,
                    description_similarity,
                    nearest: linked
                        .into_iter()
                        .map(|(i, s)| self.neighbour(i, s))
                        .collect(),
                },
            )
            .collect();
        out.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        out
    }

    /// Library findings of reviews most likely to share the underlying issue of a represented
    /// text, best first, as (example index, score). The score adds the text's probability for the issue a
    /// finding is linked to, the text's probability for the finding's pattern, and their direct
    /// similarity, so a shared issue outweighs shared surface words.
    #[must_use]
    pub fn same_issue(
        &self,
        repr: &Repr,
        pattern: &PatternSuggestion,
        issue_probability: &std::collections::HashMap<String, f32>,
        limit: usize,
    ) -> Vec<(usize, f32)> {
        let by_slot: Vec<f32> = self
            .issue_codes
            .iter()
            .map(|code| issue_probability.get(code).copied().unwrap_or(0.0))
            .collect();
        let by_pattern: Vec<f32> = Pattern::ALL
            .iter()
            .map(|p| pattern.probability(*p))
            .collect();
        let fresh;
        let similarities = if pattern.similarities.len() == self.examples.len() {
            &pattern.similarities
        } else {
            fresh = self.index.similarities(repr);
            &fresh
        };
        // Only findings of a review are evidence that an issue recurs: a worked example, which
        // belongs to none, is left out.
        let mut scored: Vec<(usize, f32)> = similarities
            .iter()
            .copied()
            .enumerate()
            .filter(|(i, _)| self.examples[*i].review.is_some())
            .map(|(i, similarity)| {
                let issue = self.example_issue[i].map_or(0.0, |slot| by_slot[slot]);
                let score = issue
                    + 0.3 * by_pattern[pattern_index(self.examples[i].pattern)]
                    + 0.5 * similarity;
                (i, score)
            })
            .collect();
        top_k(&mut scored, limit);
        scored
    }

    /// The engine's own issues, represented.
    #[must_use]
    pub fn own_issue_reprs(&self) -> &[Repr] {
        &self.issue_reprs
    }

    /// Represents issue definitions from elsewhere (for example an evaluation's issue list).
    ///
    /// # Errors
    /// When the embedder fails.
    pub fn represent_issues(
        &self,
        issues: &[IssueDef],
        embedder: Option<&dyn Embedder>,
    ) -> Result<Vec<Repr>, String> {
        let texts: Vec<String> = issues.iter().map(issue_text).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        self.represent(&refs, embedder)
    }
}

/// Keeps the `k` highest scores, highest first.
pub fn top_k(scored: &mut Vec<(usize, f32)>, k: usize) {
    if scored.len() > k {
        scored.select_nth_unstable_by(k, |a, b| b.1.total_cmp(&a.1));
        scored.truncate(k);
    }
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_findings_of_a_review_are_offered_as_sharing_an_issue() {
        let example = |id: &str, review: Option<&str>| Example {
            id: id.to_owned(),
            text: "Closed episodes hid the earlier referrals from the duty worker.".to_owned(),
            pattern: Pattern::Tool,
            issue: None,
            review: review.map(str::to_owned),
            weight: if review.is_some() { DECIDED } else { SHIPPED },
        };
        let knowledge = Knowledge {
            examples: vec![example("worked", None), example("found", Some("R1"))],
            ..Knowledge::default()
        };
        let engine = Engine::build(knowledge, None, Settings::default()).expect("built");
        let repr = engine
            .represent(&["Closed episodes hid the earlier referrals."], None)
            .expect("represented")
            .remove(0);
        let suggestion = engine.suggest_pattern(&repr);
        let same = engine.same_issue(&repr, &suggestion, &Default::default(), 10);
        let ids: Vec<&str> = same
            .iter()
            .map(|(i, _)| engine.examples()[*i].id.as_str())
            .collect();
        assert_eq!(ids, ["found"]);
    }

    #[test]
    fn blending_a_prior_moves_probability_towards_it_and_reranks() {
        let mut s = PatternSuggestion {
            ranked: vec![
                Scored {
                    item: Pattern::Tool,
                    score: 0.5,
                },
                Scored {
                    item: Pattern::Reasoning,
                    score: 0.3,
                },
                Scored {
                    item: Pattern::FamilyProfessional,
                    score: 0.2,
                },
            ],
            nearest: Vec::new(),
            similarities: Vec::new(),
        };
        s.blend([0.0; 6], 0.5);
        assert_eq!(s.best(), Pattern::Tool, "an empty prior changes nothing");
        let mut family = [0.0; 6];
        family[4] = 2.0;
        s.blend(family, 0.5);
        assert_eq!(s.best(), Pattern::FamilyProfessional);
        assert!((s.probability(Pattern::FamilyProfessional) - 0.6).abs() < 1e-6);
        assert!((s.ranked.iter().map(|r| r.score).sum::<f32>() - 1.0).abs() < 1e-6);
    }
}

#[cfg(test)]
mod centrality_tests {
    use super::{Repr, centrality};
    use crate::space::Sparse;

    fn repr(terms: &[(u32, f32)]) -> Repr {
        let norm = terms.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        Repr {
            lexical: Sparse(terms.iter().map(|&(t, w)| (t, w / norm)).collect()),
            dense: None,
        }
    }

    #[test]
    fn the_text_sharing_most_with_the_others_is_the_most_central() {
        // The second shares a term with each of the others; they share none with each other.
        let group = [
            repr(&[(1, 1.0), (2, 1.0)]),
            repr(&[(2, 1.0), (3, 1.0)]),
            repr(&[(3, 1.0), (4, 1.0)]),
        ];
        let refs: Vec<&Repr> = group.iter().collect();
        let c = centrality(&refs);
        assert!(c[1] > c[0] && c[1] > c[2], "{c:?}");
        assert!(centrality(&[]).is_empty());
    }
}
