//! Published review reports brought into the pattern library: a report (PDF or Word) is read
//! and kept with the findings casewindow proposes; a reviewer confirms them (correcting,
//! merging, splitting, dropping, choosing each pattern and linking recurrent issues); the
//! confirmed findings become a findings-only review, written in one transaction that also marks
//! the report imported, so nothing enters the library unconfirmed and nothing twice.

use crate::{Actor, App, AppError, AppResult, PartnershipChoice};
use casewindow_domain::findings::{Finding, FindingStatus, Polarity};
use casewindow_domain::ids::{FindingId, PartnershipId, RecurrentIssueId, ReviewId};
use casewindow_domain::lifecycle::ReviewState;
use casewindow_domain::organisation::Partnership;
use casewindow_domain::review::{
    LearningTogetherVariant, Methodology, Review, ReviewFacets, ReviewKind, StatutoryDates,
};
use casewindow_domain::typology::Pattern;
use casewindow_ingest::{Proposal, ProposedFinding};
use casewindow_interchange::{Entry, Problem, ReviewDocument};
use casewindow_store::{StagedReport, Store};
use sha2::Digest as _;
use std::time::Duration;
use uuid::Uuid;

/// How long reading one report may take before it is refused.
const READ_LIMIT: Duration = Duration::from_secs(20);

/// What keeping an uploaded report did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedOutcome {
    pub id: Uuid,
    /// False when the same file was kept already (nothing new was kept).
    pub new: bool,
    pub title: String,
    pub findings: usize,
    /// Already imported as this review.
    pub review: Option<ReviewId>,
}

/// A kept report with what casewindow proposed, and the library's likeliest pattern for each
/// finding whose report states none.
#[derive(Clone, Debug)]
pub struct ReportForReview {
    pub staged: StagedReport,
    pub proposal: Proposal,
    /// Per proposed finding, the library's likeliest pattern and its probability (where the
    /// report states none).
    pub suggestions: Vec<Option<(Pattern, f32)>>,
    /// The partnership the report names, if casewindow holds it.
    pub partnership: Option<Partnership>,
    /// The review kind the title suggests.
    pub kind: ReviewKind,
}

/// A finding as the reviewer confirms it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfirmedFinding {
    /// The proposed findings it is made from (several when merged), by position in the
    /// proposal; their pages, supporting text and questions come with it.
    pub from: Vec<usize>,
    pub statement: String,
    pub pattern: Option<Pattern>,
    pub polarity: Option<Polarity>,
    pub issues: Vec<RecurrentIssueId>,
}

/// What the reviewer confirms for a report.
#[derive(Clone, Debug, PartialEq)]
pub struct Confirmation {
    pub partnership: PartnershipChoice,
    pub title: String,
    pub kind: ReviewKind,
    pub findings: Vec<ConfirmedFinding>,
}

fn invalid(path: &str, reason: impl Into<String>) -> AppError {
    AppError::Invalid(vec![Problem {
        path: path.to_owned(),
        reason: reason.into(),
    }])
}

/// The kind of review a title names.
#[must_use]
pub fn kind_named(title: &str) -> ReviewKind {
    let lower = title.to_lowercase();
    if lower.contains("serious case review") {
        ReviewKind::SeriousCaseReview
    } else if lower.contains("national review") {
        ReviewKind::NationalReview
    } else {
        ReviewKind::LocalChildSafeguardingPracticeReview
    }
}

/// Reads a report and proposes its findings, off the async threads and within a time limit.
///
/// # Errors
/// `Invalid` naming the file and why it cannot be read.
pub async fn read_report(file_name: &str, bytes: Vec<u8>) -> AppResult<Proposal> {
    let name = file_name.to_owned();
    let label = name.clone();
    let task = tokio::task::spawn_blocking(move || {
        casewindow_ingest::read(&name, &bytes).map(|text| casewindow_ingest::propose(&text))
    });
    match tokio::time::timeout(READ_LIMIT, task).await {
        Ok(Ok(Ok(proposal))) => Ok(proposal),
        Ok(Ok(Err(e))) => Err(invalid(&label, e.to_string())),
        Ok(Err(_)) => Err(invalid(&label, "the file is damaged and could not be read")),
        Err(_) => Err(invalid(
            &label,
            format!(
                "reading took longer than {} s, so the file was refused",
                READ_LIMIT.as_secs()
            ),
        )),
    }
}

impl<S: Store> App<S> {
    /// Who may bring published reports into the library: those who may propose recurrent
    /// issues (national analysts, and reviewers who write findings), not with a token.
    async fn report_importer(&self, actor: &Actor) -> AppResult<()> {
        if actor.token.is_none() && self.may_propose_issue(actor).await? {
            Ok(())
        } else {
            Err(AppError::NotFound {
                what: "published reports".to_owned(),
            })
        }
    }

    /// Whether the actor may bring published reports into the library.
    pub async fn may_import_reports(&self, actor: &Actor) -> AppResult<bool> {
        Ok(self.report_importer(actor).await.is_ok())
    }

    /// Reads an uploaded report and keeps it, with the findings casewindow proposes, for a
    /// reviewer to confirm. The same file (by content) is kept once. Refused, naming the file
    /// and why, when it cannot be read or states no findings casewindow can find.
    pub async fn stage_report(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> AppResult<StagedOutcome> {
        self.report_importer(actor).await?;
        let label = if file_name.trim().is_empty() {
            "report".to_owned()
        } else {
            crate::exchange::file_label(file_name)
        };
        let sha256 = hex(&sha2::Sha256::digest(&bytes));
        let proposal = read_report(&label, bytes.clone()).await?;
        let title = proposal
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| label.clone());
        let staged = StagedReport {
            id: Uuid::new_v4(),
            file_name: label,
            sha256,
            pages: proposal.pages,
            bytes,
            title: title.chars().take(300).collect(),
            findings: u32::try_from(proposal.findings.len()).unwrap_or(u32::MAX),
            proposal: serde_json::to_string(&proposal)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            staged_by: actor.user,
            staged_at: self.now(),
            review_id: None,
            imported_at: None,
        };
        let (id, new) = self
            .store
            .stage_report(&staged, &self.change(actor, "published report uploaded"))
            .await?;
        let review = if new {
            None
        } else {
            self.store
                .staged_report(id)
                .await?
                .and_then(|s| s.review_id)
        };
        Ok(StagedOutcome {
            id,
            new,
            title: staged.title,
            findings: proposal.findings.len(),
            review,
        })
    }

    /// Every kept report, newest first (without files or proposals).
    pub async fn staged_reports(&self, actor: &Actor) -> AppResult<Vec<StagedReport>> {
        self.report_importer(actor).await?;
        Ok(self.store.staged_reports().await?)
    }

    async fn kept_report(&self, actor: &Actor, id: Uuid) -> AppResult<(StagedReport, Proposal)> {
        self.report_importer(actor).await?;
        let staged = self
            .store
            .staged_report(id)
            .await?
            .ok_or_else(|| AppError::NotFound {
                what: "the published report".to_owned(),
            })?;
        let proposal: Proposal = serde_json::from_str(&staged.proposal)
            .map_err(|e| AppError::Internal(format!("a kept proposal does not read: {e}")))?;
        Ok((staged, proposal))
    }

    /// A kept report with its proposed findings, for a reviewer to confirm.
    pub async fn report_for_review(&self, actor: &Actor, id: Uuid) -> AppResult<ReportForReview> {
        let (staged, proposal) = self.kept_report(actor, id).await?;
        let unstated: Vec<usize> = (0..proposal.findings.len())
            .filter(|&i| proposal.findings[i].pattern.is_none())
            .collect();
        let texts: Vec<String> = unstated
            .iter()
            .map(|&i| proposal.findings[i].text.clone())
            .collect();
        let mut suggestions = vec![None; proposal.findings.len()];
        for (&i, likeliest) in unstated.iter().zip(self.likeliest_patterns(&texts).await?) {
            suggestions[i] = likeliest;
        }
        let named = proposal.partnership.as_deref().map(str::to_lowercase);
        let partnership = match named {
            Some(named) => self
                .store
                .partnerships()
                .await?
                .into_iter()
                .find(|p| p.name.to_lowercase() == named),
            None => None,
        };
        let kind = kind_named(proposal.title.as_deref().unwrap_or(""));
        Ok(ReportForReview {
            staged,
            proposal,
            suggestions,
            partnership,
            kind,
        })
    }

    /// The kept file itself (name, bytes), audited as a read.
    pub async fn report_file(&self, actor: &Actor, id: Uuid) -> AppResult<(String, Vec<u8>)> {
        let (staged, _) = self.kept_report(actor, id).await?;
        let entry = casewindow_store::audit::AuditEntry {
            at: self.now(),
            actor: actor.user,
            review_id: staged.review_id,
            action: "read".to_owned(),
            entity: "report_imports".to_owned(),
            entity_id: id.to_string(),
            reason: "the published report's file".to_owned(),
        };
        self.store.audit(&entry).await?;
        Ok((staged.file_name, staged.bytes))
    }

    /// Removes a kept report that was not imported.
    pub async fn discard_report(&self, actor: &Actor, id: Uuid) -> AppResult<()> {
        self.report_importer(actor).await?;
        if self
            .store
            .discard_report(id, &self.change(actor, "published report discarded"))
            .await?
        {
            Ok(())
        } else {
            Err(AppError::NotFound {
                what: "a published report not yet imported".to_owned(),
            })
        }
    }

    /// Imports a kept report's findings as the reviewer confirmed them: a findings-only review
    /// (published) with those findings, in one transaction that claims the report. Refused
    /// when a finding has no statement or pattern, names a proposed finding that is not there,
    /// or the report was imported already.
    pub async fn confirm_report(
        &self,
        actor: &Actor,
        id: Uuid,
        confirmation: Confirmation,
    ) -> AppResult<ReviewId> {
        let (staged, proposal) = self.kept_report(actor, id).await?;
        if let Some(review) = staged.review_id {
            return Err(invalid(
                "report",
                format!("this report was imported already (review {})", review.0),
            ));
        }
        let mut problems = Vec::new();
        if confirmation.title.trim().is_empty() {
            problems.push(Problem {
                path: "title".to_owned(),
                reason: "give the review's title as published".to_owned(),
            });
        }
        if confirmation.findings.is_empty() {
            problems.push(Problem {
                path: "findings".to_owned(),
                reason: "keep at least one finding: a review without findings adds nothing to the library".to_owned(),
            });
        }
        for (i, f) in confirmation.findings.iter().enumerate() {
            let path = format!("findings[{}]", i + 1);
            if f.statement.trim().is_empty() {
                problems.push(Problem {
                    path: format!("{path}.statement"),
                    reason: "write the finding's statement, or drop the finding".to_owned(),
                });
            }
            if f.pattern.is_none() {
                problems.push(Problem {
                    path: format!("{path}.pattern"),
                    reason: "choose the finding's pattern".to_owned(),
                });
            }
            if f.from.is_empty() || f.from.iter().any(|&k| k >= proposal.findings.len()) {
                problems.push(Problem {
                    path: format!("{path}.from"),
                    reason: "names a proposed finding this report does not have".to_owned(),
                });
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let partnership = match confirmation.partnership {
            PartnershipChoice::Existing(pid) => self.store.partnership(pid).await?,
            PartnershipChoice::New { name, jurisdiction } => {
                let partnership = Partnership {
                    id: PartnershipId(Uuid::new_v4()),
                    name: name.trim().to_owned(),
                    jurisdiction,
                    kind: casewindow_domain::organisation::PartnershipKind::SafeguardingPartnership,
                };
                crate::error::check_fields(&partnership)?;
                partnership
            }
        };
        let mut issues = Vec::new();
        for issue in confirmation.findings.iter().flat_map(|f| &f.issues) {
            if !issues
                .iter()
                .any(|e: &Entry<casewindow_domain::findings::RecurrentIssue>| e.record.id == *issue)
            {
                let stored = self
                    .store
                    .get::<casewindow_domain::findings::RecurrentIssue>(issue.0)
                    .await?;
                issues.push(Entry {
                    record: stored.record,
                    meta: None,
                    revisions: Vec::new(),
                });
            }
        }
        let review_id = ReviewId(Uuid::new_v4());
        let review = Review {
            id: review_id,
            partnership_id: partnership.id,
            title: confirmation.title.trim().to_owned(),
            kind: confirmation.kind,
            methodology: Methodology::LearningTogether {
                variant: LearningTogetherVariant::Full,
            },
            state: ReviewState::Published,
            on_hold: None,
            withdrawn_reason: None,
            period_start: None,
            period_end: None,
            opened_on: self.today(),
            typology_version: crate::NEW_REVIEW_TYPOLOGY.to_owned(),
            parallel_processes: Vec::new(),
            statutory: StatutoryDates::default(),
            facets: ReviewFacets::default(),
            anonymisation_sign_off: None,
            publication: None,
        };
        let findings = confirmation
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let sources: Vec<&ProposedFinding> =
                    f.from.iter().map(|&k| &proposal.findings[k]).collect();
                let supporting: Vec<String> = sources
                    .iter()
                    .flat_map(|s| s.supporting.iter().cloned())
                    .collect();
                let questions: Vec<String> = sources
                    .iter()
                    .flat_map(|s| s.questions.iter().cloned())
                    .collect();
                let mut pages: Vec<u32> = sources
                    .iter()
                    .flat_map(|s| s.pages.iter().copied())
                    .collect();
                pages.sort_unstable();
                pages.dedup();
                let page_note = match pages.as_slice() {
                    [] => String::new(),
                    [one] => format!(
                        "From page {one} of the published report ({}).",
                        staged.file_name
                    ),
                    many => format!(
                        "From pages {} of the published report ({}).",
                        many.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                        staged.file_name
                    ),
                };
                let mut context = supporting.join("\n\n");
                if !page_note.is_empty() {
                    if !context.is_empty() {
                        context.push_str("\n\n");
                    }
                    context.push_str(&page_note);
                }
                Entry {
                    record: Finding {
                        id: FindingId(Uuid::new_v4()),
                        review_id,
                        position: u32::try_from(i + 1).unwrap_or(u32::MAX),
                        statement: f.statement.trim().to_owned(),
                        context,
                        pattern: f.pattern,
                        secondary_pattern: sources
                            .first()
                            .and_then(|s| s.secondary)
                            .filter(|s| Some(*s) != f.pattern),
                        polarity: f.polarity,
                        manifestation: String::new(),
                        kpe_ids: Vec::new(),
                        generality_evidence: Vec::new(),
                        why_it_matters: String::new(),
                        questions,
                        priority: None,
                        status: FindingStatus::Final,
                        recurrent_issue_ids: f.issues.clone(),
                        pattern_choice: None,
                    },
                    meta: None,
                    revisions: Vec::new(),
                }
            })
            .collect();
        let document = ReviewDocument {
            format: casewindow_interchange::FORMAT.to_owned(),
            format_version: casewindow_interchange::FORMAT_VERSION,
            partnership,
            other_partnerships: Vec::new(),
            agencies: Vec::new(),
            users: Vec::new(),
            recurrent_issues: issues,
            review: Entry {
                record: review,
                meta: None,
                revisions: Vec::new(),
            },
            lifecycle_history: Vec::new(),
            terms_of_reference: None,
            participants: Vec::new(),
            subjects: Vec::new(),
            source_documents: Vec::new(),
            chronology: Vec::new(),
            key_practice_episodes: Vec::new(),
            conversations: Vec::new(),
            narrative: Vec::new(),
            findings,
            responses: Vec::new(),
            actions: Vec::new(),
            meetings: Vec::new(),
        };
        // The same checks as any review file: what a reviewer typed is held to them.
        let text =
            serde_json::to_string(&document).map_err(|e| AppError::Internal(e.to_string()))?;
        let document = casewindow_interchange::read(&text)?;
        let bundle = document.into_bundle(&self.change(
            actor,
            &format!("imported from the published report {}", staged.file_name),
        ));
        match self.store.import_report(id, &bundle).await? {
            Some(_) => Ok(review_id),
            None => Err(invalid("report", "this report was imported already")),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
