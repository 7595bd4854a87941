//! The pattern library as a use case: suggestions for a finding being written, learnt from every
//! other review's findings and recurrent issues as they stand now.
//!
//! The engine for a review is built from the shipped starter knowledge plus every finding of the
//! other reviews in the instance (a review's own findings are not independent evidence about
//! it) and every recurrent issue that is proposed or accepted. It is rebuilt when that content
//! changes, so the suggestions learn as the library grows without anyone retraining anything.
//! Embeddings are remembered per text, so a rebuild only embeds what is new.

use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::findings::{
    Finding, GeneralityEvidence, GeneralityEvidenceKind, RecurrentIssue, RecurrentIssueStatus,
};
use casewindow_domain::ids::{FindingId, KpeId, RecurrentIssueId, ReviewId};
use casewindow_domain::review::Review;
use casewindow_domain::typology::Pattern;
use casewindow_patterns::engine::CachedEmbedder;
use casewindow_patterns::{Embedder, Engine, Knowledge, Settings};
use casewindow_store::{Store, Stored};

use crate::access::Permission;
use crate::patterns::{example_of, finding_text, issue_def, starter_knowledge};
use crate::{Actor, App, AppError, AppResult};

/// Engines kept at once (one per review being edited).
const CACHED_ENGINES: usize = 8;
/// Kept embeddings asked of the database at once.
const EMBEDDINGS_READ: usize = 5_000;
/// Texts embedded, then kept in the database, at once.
const EMBEDDINGS_WRITTEN: usize = 256;

/// The instance's pattern library: the optional embedding model and the built engines.
pub struct PatternLibrary {
    embedder: Option<Arc<CachedEmbedder>>,
    engines: Mutex<Vec<(ReviewId, u64, Arc<Engine>)>>,
}

impl std::fmt::Debug for PatternLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatternLibrary")
            .field(
                "embedder",
                &self.embedder.as_ref().map(|e| e.name().to_owned()),
            )
            .finish_non_exhaustive()
    }
}

impl PatternLibrary {
    /// A library that compares findings by their words only.
    #[must_use]
    pub fn lexical() -> Self {
        Self {
            embedder: None,
            engines: Mutex::default(),
        }
    }

    /// A library that also compares findings by sentence embeddings.
    #[must_use]
    pub fn with_embedder(embedder: Arc<dyn Embedder>) -> Self {
        Self {
            embedder: Some(Arc::new(CachedEmbedder::new(embedder))),
            engines: Mutex::default(),
        }
    }

    fn embedder(&self) -> Option<&dyn Embedder> {
        self.embedder.as_deref().map(|e| e as &dyn Embedder)
    }

    /// What produces the suggestions, in words a reviewer can report.
    #[must_use]
    pub fn engine_description(&self) -> String {
        match &self.embedder {
            Some(e) => format!("library terms and {} embeddings", e.name()),
            None => "library terms only (no sentence-embedding model installed)".to_owned(),
        }
    }
}

/// A library finding shown as the reason for a suggestion.
#[derive(Clone, Debug, PartialEq)]
pub struct Reason {
    pub pattern: Pattern,
    pub similarity: f32,
    /// The finding's text and its review's title, when the viewer may read that review (or the
    /// finding is one of the shipped starter examples); otherwise only its pattern is shown.
    pub text: Option<String>,
    pub review: Option<String>,
    pub issue: Option<String>,
}

/// A recurrent issue suggested for the text.
#[derive(Clone, Debug, PartialEq)]
pub struct SuggestedIssue {
    /// The stored issue, when it is one of this instance's (starter issues not loaded have none).
    pub id: Option<RecurrentIssueId>,
    pub pattern: Pattern,
    pub label: String,
    pub description: String,
    pub probability: f32,
}

/// Suggestions for a finding being written.
#[derive(Clone, Debug, PartialEq)]
pub struct FindingSuggestions {
    /// All six patterns, most likely first, with probabilities.
    pub patterns: Vec<(Pattern, f32)>,
    /// The first pattern is not clearly ahead: the first two are to be shown side by side.
    pub unsure: bool,
    /// The library findings nearest the text.
    pub reasons: Vec<Reason>,
    /// The likeliest recurrent issues.
    pub issues: Vec<SuggestedIssue>,
    /// What produced them.
    pub engine: String,
    /// How many library findings the suggestion drew on.
    pub library_size: usize,
}

/// A finding as typed, before it is saved: what a suggestion reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FindingDraft {
    pub statement: String,
    pub context: String,
    pub manifestation: String,
    /// Descriptions of the evidence of how widespread the issue is.
    pub evidence: Vec<String>,
    /// The key practice episodes it draws on.
    pub kpes: Vec<KpeId>,
}

impl FindingDraft {
    /// A draft that is a statement alone.
    #[must_use]
    pub fn text(statement: &str) -> Self {
        Self {
            statement: statement.to_owned(),
            ..Self::default()
        }
    }
}

/// A finding as the cross-review library shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct LibraryFinding {
    /// Shared with the library's snapshot: a reader's copy of the library costs no text.
    pub finding: Arc<Finding>,
    pub review: ReviewId,
    pub review_title: String,
    pub review_kind: casewindow_domain::review::ReviewKind,
    pub year: i32,
    pub harm_types: Vec<casewindow_domain::review::HarmType>,
    pub age_band: Option<casewindow_domain::review::AgeBand>,
    /// The sectors of the agencies that took part in the review.
    pub sectors: Vec<casewindow_domain::organisation::AgencySector>,
    /// The recurrent issues it is linked to (after merges, the issue it was merged into).
    pub issues: Vec<RecurrentIssue>,
}

/// A candidate new recurrent issue: findings of one pattern, from several reviews, that no
/// recurrent issue covers yet.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CandidateIssue {
    pub pattern: Pattern,
    pub key_terms: Vec<String>,
    pub reviews: usize,
    /// (finding, review title, statement), most representative first.
    pub findings: Vec<(FindingId, ReviewId, String, String)>,
}

/// A finding from another review that likely shares a finding's underlying issue.
#[derive(Clone, Debug, PartialEq)]
pub struct SimilarFinding {
    /// The stored finding, when it is one (starter examples are not).
    pub id: Option<FindingId>,
    pub pattern: Pattern,
    /// How strongly it is thought to share the issue (0 to about 2).
    pub score: f32,
    /// The recurrent issue they are thought to share, if one stands out.
    pub shared_issue: Option<String>,
    /// Text and review title, when the viewer may read that review.
    pub text: Option<String>,
    pub review: Option<String>,
}

impl FindingSuggestions {
    /// The suggestions as JSON, for the command line and the pages' JSON endpoint.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "patterns": self.patterns.iter().map(|(p, v)| serde_json::json!({
                "pattern": p.key(), "label": p.to_string(), "probability": v,
            })).collect::<Vec<_>>(),
            "issues": self.issues.iter().map(|i| serde_json::json!({
                "id": i.id.map(|id| id.to_string()), "label": i.label, "pattern": i.pattern.key(),
                "probability": i.probability, "description": i.description,
            })).collect::<Vec<_>>(),
            "nearest": self.reasons.iter().map(|r| serde_json::json!({
                "pattern": r.pattern.key(), "similarity": r.similarity, "review": r.review,
                "issue": r.issue, "text": r.text,
            })).collect::<Vec<_>>(),
            "unsure": self.unsure,
            "engine": self.engine,
            "library_size": self.library_size,
        })
    }
}

impl<S: Store> App<S> {
    /// "How do we know it is not a one-off?": findings from other reviews that likely share this
    /// finding's underlying issue despite a different surface, most likely first. Findings of
    /// the same review never count.
    pub async fn similar_findings(
        &self,
        actor: &Actor,
        finding: FindingId,
        limit: usize,
    ) -> AppResult<Vec<SimilarFinding>> {
        let stored = self.record::<Finding>(actor, finding.0).await?;
        let review = stored.record.review_id;
        let text = finding_text(&stored.record);
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let LibraryContext {
            titles,
            stored_ids,
            knowledge,
            ..
        } = self.library_context(review).await?;
        let engine = self.library_engine(review, knowledge).await?;
        let repr = engine
            .represent(&[text.as_str()], self.library.embedder())
            .map_err(AppError::Internal)?
            .into_iter()
            .next()
            .unwrap_or_default();
        let suggestion = engine.suggest_pattern(&repr);
        let issues = engine.issues().to_vec();
        let issue_probability: HashMap<String, f32> = engine
            .suggest_issues(&repr, &suggestion, &issues, engine.own_issue_reprs())
            .into_iter()
            .map(|i| (i.code, i.probability))
            .collect();
        let ranked = engine.same_issue(&repr, &suggestion, &issue_probability, limit);
        let mut memo = HashMap::new();
        let mut out = Vec::with_capacity(ranked.len());
        for (index, score) in ranked {
            let example = &engine.examples()[index];
            let review_of = example.review.as_ref().and_then(|r| titles.get(r));
            let visible = self
                .readable(
                    actor,
                    review_of,
                    stored_ids.contains(&example.id),
                    &mut memo,
                )
                .await?;
            out.push(SimilarFinding {
                id: example
                    .id
                    .parse::<uuid::Uuid>()
                    .ok()
                    .filter(|_| stored_ids.contains(&example.id))
                    .map(FindingId),
                pattern: example.pattern,
                score,
                shared_issue: example.issue.as_ref().and_then(|code| {
                    issues
                        .iter()
                        .find(|i| &i.code == code)
                        .map(|i| i.label.clone())
                }),
                text: visible.then(|| example.text.clone()),
                review: visible.then(|| {
                    review_of
                        .map(|(_, t)| t.clone())
                        .unwrap_or_else(|| "Starter library".to_owned())
                }),
            });
        }
        Ok(out)
    }

    /// Attaches a finding from another review as evidence that `finding` is not a one-off.
    pub async fn attach_generality_evidence(
        &self,
        actor: &Actor,
        finding: FindingId,
        expected_version: i64,
        source: FindingId,
    ) -> AppResult<Stored<Finding>> {
        let target = self.record::<Finding>(actor, finding.0).await?;
        // The source must be readable by the actor; "not found" otherwise.
        let source = self.record::<Finding>(actor, source.0).await?.record;
        if source.review_id == target.record.review_id {
            return Err(AppError::Invalid(vec![casewindow_interchange::Problem {
                path: "source".to_owned(),
                reason: "a finding of the same review is not evidence that the issue recurs"
                    .to_owned(),
            }]));
        }
        let review = self.store.get::<Review>(source.review_id.0).await?.record;
        let reference = format!("{}, finding {}", review.title, source.position);
        let mut updated = target.record.clone();
        if updated
            .generality_evidence
            .iter()
            .any(|e| e.reference == reference)
        {
            return Ok(target);
        }
        updated.generality_evidence.push(GeneralityEvidence {
            kind: GeneralityEvidenceKind::OtherReview,
            description: source.statement.clone(),
            reference,
        });
        self.update(
            actor,
            &updated,
            expected_version,
            "attached a finding from another review as generality evidence",
        )
        .await
    }

    /// Discovery: within each pattern, groups of the actor's readable findings that are linked to
    /// no recurrent issue, drawn from several reviews, proposed as candidate new issues.
    pub async fn candidate_issues(&self, actor: &Actor) -> AppResult<Vec<CandidateIssue>> {
        let unlinked: Vec<LibraryFinding> = self
            .library_findings(actor)
            .await?
            .into_iter()
            .filter(|f| f.issues.is_empty() && f.finding.pattern.is_some())
            .collect();
        self.discover_candidates(&unlinked).await
    }

    /// Candidate new issues among `unlinked` (findings with a pattern and no recurrent issue).
    pub(crate) async fn discover_candidates(
        &self,
        unlinked: &[LibraryFinding],
    ) -> AppResult<Vec<CandidateIssue>> {
        if unlinked.is_empty() {
            return Ok(Vec::new());
        }
        // One engine over the whole library (no review left out) gives the shared term space.
        let texts: Vec<String> = unlinked.iter().map(|f| finding_text(&f.finding)).collect();
        let (engine, reprs) = self.whole_library(&texts).await?;
        let mut out = Vec::new();
        for pattern in Pattern::ALL {
            let indices: Vec<usize> = (0..unlinked.len())
                .filter(|&i| unlinked[i].finding.pattern == Some(pattern))
                .collect();
            let reviews: Vec<String> = indices
                .iter()
                .map(|&i| unlinked[i].review.to_string())
                .collect();
            let items: Vec<casewindow_patterns::discover::Item<'_>> = indices
                .iter()
                .zip(&reviews)
                .map(|(&i, review)| casewindow_patterns::discover::Item {
                    repr: &reprs[i],
                    review,
                })
                .collect();
            for candidate in casewindow_patterns::discover::discover(
                &items,
                engine.space(),
                casewindow_patterns::discover::Discovery::default(),
            ) {
                out.push(CandidateIssue {
                    pattern,
                    key_terms: candidate.key_terms,
                    reviews: candidate.reviews,
                    findings: candidate
                        .members
                        .iter()
                        .map(|&m| {
                            let f = &unlinked[indices[m]];
                            (
                                f.finding.id,
                                f.review,
                                f.review_title.clone(),
                                f.finding.statement.clone(),
                            )
                        })
                        .collect(),
                });
            }
        }
        Ok(out)
    }

    /// The engine over the whole library (no review left out) and the texts as it represents
    /// them.
    pub(crate) async fn whole_library(
        &self,
        texts: &[String],
    ) -> AppResult<(Arc<Engine>, Vec<casewindow_patterns::Repr>)> {
        let LibraryContext { knowledge, .. } =
            self.library_context(ReviewId(uuid::Uuid::nil())).await?;
        let engine = self
            .library_engine(ReviewId(uuid::Uuid::nil()), knowledge)
            .await?;
        self.embed_once(texts).await?;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let reprs = engine
            .represent(&refs, self.library.embedder())
            .map_err(AppError::Internal)?;
        Ok((engine, reprs))
    }

    /// The likeliest pattern of each text, with its probability, from the whole library (no
    /// review left out).
    pub(crate) async fn likeliest_patterns(
        &self,
        texts: &[String],
    ) -> AppResult<Vec<Option<(Pattern, f32)>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let (engine, reprs) = self.whole_library(texts).await?;
        Ok(reprs
            .iter()
            .map(|repr| {
                engine
                    .suggest_pattern(repr)
                    .ranked
                    .first()
                    .map(|s| (s.item, s.score))
            })
            .collect())
    }

    /// Every finding of every review whose findings the actor may read, with the review's facets
    /// and the finding's recurrent issues.
    pub async fn library_findings(&self, actor: &Actor) -> AppResult<Vec<LibraryFinding>> {
        if actor.platform_admin {
            return Ok(Vec::new());
        }
        // National analysts read every review, de-identified; others the reviews they may view.
        let readable = if actor.national_analyst {
            None
        } else {
            self.reviews_taking_part(actor, Some(Permission::ViewReview))
                .await?
        };
        let snapshot = self.library_snapshot().await?;
        let mut out: Vec<LibraryFinding> = snapshot
            .findings
            .iter()
            .filter(|f| readable.as_ref().is_none_or(|set| set.contains(&f.review)))
            .cloned()
            .collect();
        if actor.national_analyst {
            self.deidentify(actor, &mut out).await?;
        }
        Ok(out)
    }

    /// Suggests a pattern and recurrent issues for `text`, a finding being written in `review`,
    /// with the library findings and issue descriptions that drove them.
    pub async fn suggest_for_finding(
        &self,
        actor: &Actor,
        review: ReviewId,
        text: &str,
    ) -> AppResult<FindingSuggestions> {
        self.suggest_for_draft(actor, review, &FindingDraft::text(text))
            .await
    }

    /// Suggests a pattern and recurrent issues for a finding as typed in `review`: its text
    /// (statement, context, how it showed, how widespread) and the contributory factors
    /// recorded at the key practice episodes it draws on.
    pub async fn suggest_for_draft(
        &self,
        actor: &Actor,
        review: ReviewId,
        draft: &FindingDraft,
    ) -> AppResult<FindingSuggestions> {
        self.authorize(actor, review, Permission::EditAnalysis)
            .await?;
        let text = crate::patterns::draft_text(
            &draft.statement,
            &draft.context,
            &draft.manifestation,
            draft.evidence.iter().map(String::as_str),
        );
        let text = text.as_str();
        if draft.statement.trim().is_empty() {
            return Err(AppError::Invalid(vec![casewindow_interchange::Problem {
                path: "statement".to_owned(),
                reason: "write the finding statement first".to_owned(),
            }]));
        }
        let context = self.library_context(review).await?;
        let LibraryContext {
            titles,
            live_issues,
            stored_ids,
            knowledge,
        } = context;
        let engine = self.library_engine(review, knowledge).await?;
        let library = &self.library;
        let reprs = engine
            .represent(&[text], library.embedder())
            .map_err(AppError::Internal)?;
        let repr = reprs.into_iter().next().unwrap_or_default();
        let mut suggestion = engine.suggest_pattern(&repr);
        if !draft.kpes.is_empty() {
            let episodes = self.store.list::<KeyPracticeEpisode>(review.0).await?;
            let prior = crate::patterns::factor_prior(
                episodes
                    .iter()
                    .filter(|k| draft.kpes.contains(&k.record.id))
                    .flat_map(|k| &k.record.contributory_factors),
            );
            suggestion.blend(prior, crate::patterns::FACTOR_SHARE);
        }
        let own_issues = engine.issues().to_vec();
        let ranked_issues =
            engine.suggest_issues(&repr, &suggestion, &own_issues, engine.own_issue_reprs());

        let mut readable: HashMap<ReviewId, bool> = HashMap::new();
        let mut reasons = Vec::new();
        for n in suggestion.nearest.iter().take(5) {
            let example = engine.examples().iter().find(|e| e.id == n.id);
            let review_of = n.review.as_ref().and_then(|r| titles.get(r));
            let visible = self
                .readable(actor, review_of, stored_ids.contains(&n.id), &mut readable)
                .await?;
            reasons.push(Reason {
                pattern: n.pattern,
                similarity: n.similarity,
                text: visible.then(|| example.map(|e| e.text.clone())).flatten(),
                review: if visible {
                    review_of.map(|(_, t)| t.clone()).or_else(|| {
                        Some(if n.id.starts_with(crate::patterns::WORKED_PREFIX) {
                            "worked example, written for casewindow".to_owned()
                        } else {
                            "Starter library".to_owned()
                        })
                    })
                } else {
                    None
                },
                issue: n.issue.as_ref().and_then(|code| {
                    own_issues
                        .iter()
                        .find(|i| &i.code == code)
                        .map(|i| i.label.clone())
                }),
            });
        }
        let issues_out = ranked_issues
            .into_iter()
            .take(3)
            .map(|s| {
                let stored = live_issues.iter().find(|i| i.code == s.code);
                let description = own_issues
                    .iter()
                    .find(|i| i.code == s.code)
                    .map(|i| i.description.clone())
                    .unwrap_or_default();
                SuggestedIssue {
                    id: stored.map(|i| i.id),
                    pattern: s.pattern,
                    label: s.label,
                    description,
                    probability: s.probability,
                }
            })
            .collect();
        Ok(FindingSuggestions {
            unsure: suggestion.unsure(),
            patterns: suggestion
                .ranked
                .iter()
                .map(|s| (s.item, s.score))
                .collect(),
            reasons,
            issues: issues_out,
            engine: library.engine_description(),
            library_size: engine.examples().len(),
        })
    }

    /// Embeds the starter knowledge and every stored finding ahead of the first suggestion (a
    /// server calls this in the background at start). Does nothing without a model.
    pub async fn warm_pattern_library(&self) -> AppResult<usize> {
        if self.library.embedder.is_none() {
            return Ok(0);
        }
        let mut texts = starter_knowledge().texts();
        texts.extend(
            self.library_snapshot()
                .await?
                .findings
                .iter()
                .map(|f| finding_text(&f.finding)),
        );
        let count = texts.len();
        self.embed_once(&texts).await?;
        Ok(count)
    }

    /// Makes sure every text is embedded in this process: taken from the vectors kept in the
    /// database when some server embedded it before, or embedded now and kept there, so no
    /// text is embedded twice whatever the number of servers. Does nothing without a model.
    async fn embed_once(&self, texts: &[String]) -> AppResult<()> {
        let Some(embedder) = self.library.embedder.clone() else {
            return Ok(());
        };
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let missing = embedder.missing(&refs).map_err(AppError::Internal)?;
        if missing.is_empty() {
            return Ok(());
        }
        let model = embedder.fingerprint();
        let hashes: Vec<String> = missing
            .iter()
            .map(|t| {
                Sha256::digest(t.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            })
            .collect();
        let mut kept: HashMap<String, Vec<f32>> = HashMap::new();
        for chunk in hashes.chunks(EMBEDDINGS_READ) {
            kept.extend(self.store.embeddings(&model, chunk).await?);
        }
        let mut found = Vec::new();
        let mut needed = Vec::new();
        for (text, hash) in missing.into_iter().zip(hashes) {
            match kept.remove(&hash) {
                Some(vector) => found.push((text, vector)),
                None => needed.push((text, hash)),
            }
        }
        embedder.remember(found).map_err(AppError::Internal)?;
        if needed.is_empty() {
            return Ok(());
        }
        // Embedded a batch at a time and kept as it goes, so a long first embedding of a
        // large library is shared with other servers before it ends.
        for batch in needed.chunks(EMBEDDINGS_WRITTEN) {
            let texts: Vec<String> = batch.iter().map(|(t, _)| t.clone()).collect();
            let cached = Arc::clone(&embedder);
            let vectors = tokio::task::spawn_blocking(move || {
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                cached.embed(&refs)
            })
            .await
            .map_err(|e| AppError::Internal(format!("embedding the library: {e}")))?
            .map_err(AppError::Internal)?;
            let vectors: Vec<(String, Vec<f32>)> =
                batch.iter().map(|(_, h)| h.clone()).zip(vectors).collect();
            self.store.keep_embeddings(&model, &vectors).await?;
        }
        Ok(())
    }

    /// The engine for `review` over `knowledge`, reused while the knowledge is unchanged.
    async fn library_engine(
        &self,
        review: ReviewId,
        knowledge: Knowledge,
    ) -> AppResult<Arc<Engine>> {
        let signature = signature(&knowledge);
        {
            let engines = self
                .library
                .engines
                .lock()
                .map_err(|_| AppError::Internal("pattern library lock poisoned".into()))?;
            if let Some((_, _, engine)) = engines
                .iter()
                .find(|(r, s, _)| *r == review && *s == signature)
            {
                return Ok(engine.clone());
            }
        }
        self.embed_once(&knowledge.texts()).await?;
        let library = self.library.clone();
        let engine = tokio::task::spawn_blocking(move || {
            Engine::build(knowledge, library.embedder(), Settings::default())
        })
        .await
        .map_err(|e| AppError::Internal(format!("building the pattern library: {e}")))?
        .map_err(AppError::Internal)?;
        let engine = Arc::new(engine);
        let mut engines = self
            .library
            .engines
            .lock()
            .map_err(|_| AppError::Internal("pattern library lock poisoned".into()))?;
        engines.retain(|(r, _, _)| *r != review);
        engines.insert(0, (review, signature, engine.clone()));
        engines.truncate(CACHED_ENGINES);
        Ok(engine)
    }
}

/// What a review's engine is built from, and what is needed to show its answers.
struct LibraryContext {
    titles: HashMap<String, (ReviewId, String)>,
    live_issues: Vec<RecurrentIssue>,
    stored_ids: HashSet<String>,
    knowledge: Knowledge,
}

impl<S: Store> App<S> {
    async fn library_context(&self, review: ReviewId) -> AppResult<LibraryContext> {
        let snapshot = self.library_snapshot().await?;
        let titles: HashMap<String, (ReviewId, String)> = snapshot
            .titles
            .iter()
            .map(|(id, title)| (id.to_string(), (*id, title.clone())))
            .collect();
        let issue_codes: HashMap<RecurrentIssueId, &RecurrentIssue> =
            snapshot.issues.iter().map(|i| (i.id, i)).collect();
        let live_issues: Vec<RecurrentIssue> = snapshot
            .issues
            .iter()
            .filter(|i| {
                matches!(
                    i.status,
                    RecurrentIssueStatus::Accepted | RecurrentIssueStatus::Proposed
                )
            })
            .cloned()
            .collect();
        let findings = snapshot.findings.iter().map(|f| &f.finding);

        let mut knowledge = starter_knowledge();
        let stored_ids: HashSet<String> = findings.clone().map(|f| f.id.to_string()).collect();
        // Starter examples that are also stored (the demo loaded) are taken from the store, so
        // their current text and pattern count and the review's own findings can be left out.
        knowledge.examples.retain(|e| !stored_ids.contains(&e.id));
        for f in findings {
            if f.review_id == review {
                continue;
            }
            let issue = f
                .recurrent_issue_ids
                .first()
                .and_then(|id| issue_codes.get(id))
                .map(|i| i.code.clone());
            knowledge
                .examples
                .extend(example_of(f, issue, f.review_id.to_string()));
        }
        let stored_codes: HashSet<&str> = live_issues.iter().map(|i| i.code.as_str()).collect();
        knowledge
            .issues
            .retain(|i| !stored_codes.contains(i.code.as_str()));
        knowledge.issues.extend(live_issues.iter().map(issue_def));

        Ok(LibraryContext {
            titles,
            live_issues,
            stored_ids,
            knowledge,
        })
    }

    /// Whether the actor may read the review a library finding came from (memoised).
    async fn readable(
        &self,
        actor: &Actor,
        review: Option<&(ReviewId, String)>,
        stored: bool,
        memo: &mut HashMap<ReviewId, bool>,
    ) -> AppResult<bool> {
        Ok(match review {
            Some((id, _)) => {
                if let Some(v) = memo.get(id) {
                    *v
                } else {
                    let v = self.may(actor, *id, Permission::ViewReview).await?;
                    memo.insert(*id, v);
                    v
                }
            }
            // A shipped starter example, written for this project.
            None => !stored,
        })
    }
}

fn signature(knowledge: &Knowledge) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for e in &knowledge.examples {
        e.id.hash(&mut hasher);
        e.text.hash(&mut hasher);
        e.pattern.key().hash(&mut hasher);
        e.issue.hash(&mut hasher);
    }
    for i in &knowledge.issues {
        i.code.hash(&mut hasher);
        i.label.hash(&mut hasher);
        i.description.hash(&mut hasher);
        i.pattern.key().hash(&mut hasher);
    }
    hasher.finish()
}

impl<S: Store> App<S> {
    /// [`App::suggest_for_finding`], kept: the suggestion is stored with who asked, where and
    /// when, and its id is returned with it. A finding saved with that id records the
    /// suggestion as the server computed it ([`App::pattern_choice`]); nothing a form says
    /// about a suggestion is believed.
    pub async fn suggest_and_keep(
        &self,
        actor: &Actor,
        review: ReviewId,
        draft: &FindingDraft,
    ) -> AppResult<(FindingSuggestions, uuid::Uuid)> {
        let suggestions = self.suggest_for_draft(actor, review, draft).await?;
        let id = uuid::Uuid::new_v4();
        if let Some((suggested, p)) = suggestions.patterns.first() {
            let run = casewindow_store::SuggestionRun {
                id,
                review_id: review,
                user_id: actor.user,
                at: self.now(),
                suggested: *suggested,
                confidence_percent: (p.clamp(0.0, 1.0) * 100.0).round() as u8,
                runner_up: suggestions.patterns.get(1).map(|(p, _)| *p),
                engine: suggestions.engine.clone(),
            };
            self.store.put_suggestion_run(&run).await?;
        }
        Ok((suggestions, id))
    }

    /// What a finding records about the pattern library's suggestion when it is saved with
    /// pattern `chosen`: with `run` (the id [`App::suggest_and_keep`] gave this actor in this
    /// review), that suggestion as it was computed; without one, the finding's earlier record,
    /// now with the pattern chosen. A run of another review or person, or none at all, is
    /// refused rather than recorded.
    pub async fn pattern_choice(
        &self,
        actor: &Actor,
        review: ReviewId,
        run: Option<&str>,
        chosen: Option<casewindow_domain::typology::Pattern>,
        earlier: Option<casewindow_domain::findings::PatternChoice>,
    ) -> AppResult<Option<casewindow_domain::findings::PatternChoice>> {
        let kept = self
            .kept_suggestion(actor, review, run.unwrap_or_default())
            .await?;
        Ok(pattern_choice(kept.as_ref(), chosen, earlier))
    }

    /// The suggestion run a form names (empty: none), if it was made for this actor in this
    /// review; anything else is refused.
    pub async fn kept_suggestion(
        &self,
        actor: &Actor,
        review: ReviewId,
        run: &str,
    ) -> AppResult<Option<casewindow_store::SuggestionRun>> {
        let run = run.trim();
        if run.is_empty() {
            return Ok(None);
        }
        let refused = || {
            AppError::Invalid(vec![casewindow_interchange::Problem {
                path: "pattern".to_owned(),
                reason: "the suggestion this form refers to was not made for you in this review; \
                         ask for a suggestion again"
                    .to_owned(),
            }])
        };
        let id = uuid::Uuid::parse_str(run).map_err(|_| refused())?;
        let kept = self.store.suggestion_run(id).await?.ok_or_else(refused)?;
        if kept.review_id != review || kept.user_id != actor.user {
            return Err(refused());
        }
        Ok(Some(kept))
    }
}

/// What a finding saved with pattern `chosen` records about the suggestion: the kept run's
/// suggestion when there is one, else the earlier record with the pattern now chosen.
pub fn pattern_choice(
    kept: Option<&casewindow_store::SuggestionRun>,
    chosen: Option<casewindow_domain::typology::Pattern>,
    earlier: Option<casewindow_domain::findings::PatternChoice>,
) -> Option<casewindow_domain::findings::PatternChoice> {
    let chosen = chosen?;
    match kept {
        Some(kept) => Some(casewindow_domain::findings::PatternChoice {
            suggested: kept.suggested,
            confidence_percent: kept.confidence_percent.min(100),
            runner_up: kept.runner_up,
            chosen,
            engine: kept.engine.clone(),
        }),
        None => earlier.map(|mut c| {
            c.chosen = chosen;
            c
        }),
    }
}

/// The issue a finding's link to `id` means now: after merges, the issue it was merged into
/// (followed a bounded number of times, in case of a cycle).
pub(crate) fn resolve_merges(
    issues: &HashMap<RecurrentIssueId, RecurrentIssue>,
    id: RecurrentIssueId,
) -> Option<&RecurrentIssue> {
    let mut issue = issues.get(&id)?;
    for _ in 0..8 {
        match issue.merged_into.and_then(|m| issues.get(&m)) {
            Some(next) => issue = next,
            None => break,
        }
    }
    Some(issue)
}
