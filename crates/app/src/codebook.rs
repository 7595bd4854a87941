//! The codebook's recurrent issues through their life: proposed (by reviewers or analysts),
//! accepted, merged into another (every finding linked to it re-linked, in one transaction),
//! split (findings moved to a new issue), retired; each change kept in the issue's history with
//! who, when and why.
//!
//! Curating the codebook (accepting, merging, splitting, retiring) is national analysts' work:
//! it spans every review. Anyone who writes findings in a review may propose an issue.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::findings::{Finding, RecurrentIssue, RecurrentIssueStatus};
use casewindow_domain::ids::{FindingId, RecurrentIssueId};
use casewindow_domain::typology::Pattern;
use casewindow_interchange::Problem;
use casewindow_store::{RecordKind, RecordMeta, Revision, Store, StoreError, Stored};
use std::collections::HashSet;

/// An issue in the codebook with how far it reaches.
#[derive(Clone)]
pub struct CodebookIssue {
    pub issue: Stored<RecurrentIssue>,
    /// Findings linked to it, and the reviews they come from, across the instance.
    pub findings: usize,
    pub reviews: usize,
}

/// A curator's decision on an issue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssueDecision {
    /// A proposed issue joins the codebook.
    Accept,
    /// The issue is no longer used for new findings; findings keep their link.
    Retire,
    /// The issue is the same as another: it is closed and its findings are linked to `into`.
    Merge { into: RecurrentIssueId },
    /// Part of the issue is an issue of its own: a new issue under the same pattern, with
    /// `findings` (now linked to this one) moved to it.
    Split {
        label: String,
        description: String,
        findings: Vec<FindingId>,
    },
    /// The wording changes.
    Reword { label: String, description: String },
}

fn invalid(path: &str, reason: &str) -> AppError {
    AppError::Invalid(vec![Problem {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }])
}

/// A code for `label` under `pattern` that none of `taken` is: [`code_for`], numbered on
/// from 2 when that is taken.
pub(crate) fn unused_code_among(taken: &HashSet<String>, pattern: Pattern, label: &str) -> String {
    let base = code_for(pattern, label);
    let mut code = base.clone();
    let mut n = 2;
    while taken.contains(&code) {
        code = format!("{base}-{n}");
        n += 1;
    }
    code
}

/// A short stable code from a label: the pattern's key and the label's first words.
pub fn code_for(pattern: Pattern, label: &str) -> String {
    let words: Vec<String> = label
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(5)
        .map(str::to_lowercase)
        .collect();
    format!("{}.{}", pattern.key(), words.join("-"))
}

impl<S: Store> App<S> {
    /// Whether the actor curates the codebook (national analysts, and the system itself).
    pub fn may_curate(&self, actor: &Actor) -> bool {
        actor.national_analyst || actor.user.is_none()
    }

    /// Whether the actor may propose an issue: a curator, or anyone who writes findings in a
    /// review.
    pub async fn may_propose_issue(&self, actor: &Actor) -> AppResult<bool> {
        if self.may_curate(actor) {
            return Ok(true);
        }
        Ok(self
            .reviews_taking_part(actor, Some(Permission::EditAnalysis))
            .await?
            .is_some_and(|reviews| !reviews.is_empty()))
    }

    fn refuse_unless_library_reader(&self, actor: &Actor) -> AppResult<()> {
        if actor.platform_admin {
            return Err(AppError::NotFound {
                what: "the codebook".to_owned(),
            });
        }
        Ok(())
    }

    /// Every recurrent issue, by pattern and code, with how many findings and reviews it
    /// reaches.
    pub async fn codebook(&self, actor: &Actor) -> AppResult<Vec<CodebookIssue>> {
        self.refuse_unless_library_reader(actor)?;
        // The same for every reader: kept until anything changes.
        let key = self
            .library_key(&Actor::system("codebook"), "codebook")
            .await?;
        let issues = self.kept_across(key, || self.codebook_now()).await?;
        Ok((*issues).clone())
    }

    async fn codebook_now(&self) -> AppResult<Vec<CodebookIssue>> {
        let reach = self.store.issue_reach().await?;
        let mut issues: Vec<CodebookIssue> = self
            .store
            .list_all::<RecurrentIssue>()
            .await?
            .into_iter()
            .map(|issue| {
                let (findings, reviews) = reach.get(&issue.record.id).copied().unwrap_or((0, 0));
                CodebookIssue {
                    findings,
                    reviews,
                    issue,
                }
            })
            .collect();
        issues.sort_by(|a, b| {
            (a.issue.record.pattern.number(), &a.issue.record.code)
                .cmp(&(b.issue.record.pattern.number(), &b.issue.record.code))
        });
        Ok(issues)
    }

    /// One issue with its earlier versions (newest first).
    pub async fn codebook_issue(
        &self,
        actor: &Actor,
        id: RecurrentIssueId,
    ) -> AppResult<(Stored<RecurrentIssue>, Vec<Revision>)> {
        self.refuse_unless_library_reader(actor)?;
        let issue = self.store.get::<RecurrentIssue>(id.0).await?;
        let mut history = self
            .store
            .revisions(RecordKind::RecurrentIssue, id.0)
            .await?;
        history.sort_by_key(|r| std::cmp::Reverse(r.version));
        Ok((issue, history))
    }

    /// Proposes a new recurrent issue under a pattern. A curator's proposal is accepted at once.
    pub async fn propose_issue(
        &self,
        actor: &Actor,
        pattern: Pattern,
        label: &str,
        description: &str,
    ) -> AppResult<Stored<RecurrentIssue>> {
        if actor.token.as_ref().is_some_and(|t| !t.write) {
            return Err(AppError::ReadOnlyToken);
        }
        if !self.may_propose_issue(actor).await? {
            return Err(AppError::NotFound {
                what: "the codebook".to_owned(),
            });
        }
        let issue = RecurrentIssue {
            id: RecurrentIssueId(uuid::Uuid::new_v4()),
            pattern,
            code: self.unused_code(pattern, label).await?,
            label: label.trim().to_owned(),
            description: description.trim().to_owned(),
            status: if self.may_curate(actor) {
                RecurrentIssueStatus::Accepted
            } else {
                RecurrentIssueStatus::Proposed
            },
            merged_into: None,
        };
        crate::error::check_fields(&issue)?;
        Ok(self
            .store
            .insert(&issue, &self.change(actor, "proposed"))
            .await?)
    }

    /// A code no other issue has.
    async fn unused_code(&self, pattern: Pattern, label: &str) -> AppResult<String> {
        let taken: HashSet<String> = self
            .store
            .list_all::<RecurrentIssue>()
            .await?
            .into_iter()
            .map(|i| i.record.code)
            .collect();
        Ok(unused_code_among(&taken, pattern, label))
    }

    /// A curator's decision on an issue at `version`, with the reason kept in its history.
    /// Everything it changes (the issue, a new issue, every re-linked finding) is written in one
    /// transaction.
    pub async fn decide_issue(
        &self,
        actor: &Actor,
        id: RecurrentIssueId,
        version: i64,
        decision: IssueDecision,
        reason: &str,
    ) -> AppResult<()> {
        if !self.may_curate(actor) {
            return Err(AppError::NotFound {
                what: "the codebook".to_owned(),
            });
        }
        if reason.trim().is_empty() {
            return Err(invalid("reason", "say why the issue is changing"));
        }
        let current = self.store.get::<RecurrentIssue>(id.0).await?;
        if current.meta.version != version {
            return Err(AppError::Conflict(StoreError::Conflict {
                kind: RecordKind::RecurrentIssue,
                id: id.to_string(),
                expected: version,
                actual: current.meta.version,
            }));
        }
        let open = matches!(
            current.record.status,
            RecurrentIssueStatus::Proposed | RecurrentIssueStatus::Accepted
        );
        let change = self.change(actor, reason.trim());
        let meta = RecordMeta::created(&change);
        let mut issue = current.record.clone();
        let mut creates = Vec::new();
        let mut updates = Vec::new();
        match decision {
            IssueDecision::Accept => {
                if issue.status != RecurrentIssueStatus::Proposed {
                    return Err(invalid("status", "only a proposed issue can be accepted"));
                }
                issue.status = RecurrentIssueStatus::Accepted;
            }
            IssueDecision::Retire => {
                if !open {
                    return Err(invalid("status", "the issue is already closed"));
                }
                issue.status = RecurrentIssueStatus::Retired;
            }
            IssueDecision::Reword { label, description } => {
                issue.label = label.trim().to_owned();
                issue.description = description.trim().to_owned();
            }
            IssueDecision::Merge { into } => {
                if !open {
                    return Err(invalid("status", "the issue is already closed"));
                }
                if into == id {
                    return Err(invalid("into", "choose another issue to merge into"));
                }
                let target = match self.store.get::<RecurrentIssue>(into.0).await {
                    Ok(t) => t.record,
                    Err(StoreError::NotFound { .. }) => {
                        return Err(invalid("into", "no such issue"));
                    }
                    Err(other) => return Err(other.into()),
                };
                if target.pattern != issue.pattern {
                    return Err(invalid(
                        "into",
                        "merge only into an issue under the same pattern",
                    ));
                }
                if !matches!(
                    target.status,
                    RecurrentIssueStatus::Proposed | RecurrentIssueStatus::Accepted
                ) {
                    return Err(invalid("into", "that issue is closed"));
                }
                issue.status = RecurrentIssueStatus::Merged;
                issue.merged_into = Some(into);
                for finding in self.store.list_all::<Finding>().await? {
                    if !finding.record.recurrent_issue_ids.contains(&id) {
                        continue;
                    }
                    let mut relinked = finding.record.clone();
                    relinked.recurrent_issue_ids = relink(&relinked.recurrent_issue_ids, id, into);
                    updates.push((erased(&relinked, &meta)?, finding.meta.version));
                }
            }
            IssueDecision::Split {
                label,
                description,
                findings,
            } => {
                if !open {
                    return Err(invalid("status", "the issue is already closed"));
                }
                if findings.is_empty() {
                    return Err(invalid(
                        "findings",
                        "choose the findings that belong to the new issue",
                    ));
                }
                let part = RecurrentIssue {
                    id: RecurrentIssueId(uuid::Uuid::new_v4()),
                    pattern: issue.pattern,
                    code: self.unused_code(issue.pattern, &label).await?,
                    label: label.trim().to_owned(),
                    description: description.trim().to_owned(),
                    status: RecurrentIssueStatus::Accepted,
                    merged_into: None,
                };
                crate::error::check_fields(&part)?;
                let wanted: HashSet<FindingId> = findings.into_iter().collect();
                let mut moved = 0;
                for finding in self.store.list_all::<Finding>().await? {
                    if !wanted.contains(&finding.record.id)
                        || !finding.record.recurrent_issue_ids.contains(&id)
                    {
                        continue;
                    }
                    let mut relinked = finding.record.clone();
                    relinked.recurrent_issue_ids =
                        relink(&relinked.recurrent_issue_ids, id, part.id);
                    updates.push((erased(&relinked, &meta)?, finding.meta.version));
                    moved += 1;
                }
                if moved != wanted.len() {
                    return Err(invalid(
                        "findings",
                        "only findings linked to this issue can move to the new one",
                    ));
                }
                creates.push(erased(&part, &meta)?);
            }
        }
        crate::error::check_fields(&issue)?;
        // The issue itself is always rewritten, so its history records the decision (a split
        // leaves its wording as it was).
        updates.insert(0, (erased(&issue, &meta)?, version));
        Ok(self.store.write_all(&creates, &updates, &change).await?)
    }
}

/// `ids` with `from` replaced by `to`, once.
fn relink(
    ids: &[RecurrentIssueId],
    from: RecurrentIssueId,
    to: RecurrentIssueId,
) -> Vec<RecurrentIssueId> {
    let mut out: Vec<RecurrentIssueId> = Vec::new();
    for &i in ids {
        let i = if i == from { to } else { i };
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// A record in the form [`Store::write_all`] takes.
fn erased<R: casewindow_store::Record>(
    record: &R,
    meta: &RecordMeta,
) -> AppResult<casewindow_store::ErasedRecord> {
    record
        .erase(meta.clone())
        .map_err(|e| AppError::Internal(format!("preparing a record: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relinking_replaces_once_and_keeps_the_order() {
        let (a, b, c) = (
            RecurrentIssueId(uuid::Uuid::new_v4()),
            RecurrentIssueId(uuid::Uuid::new_v4()),
            RecurrentIssueId(uuid::Uuid::new_v4()),
        );
        assert_eq!(relink(&[a, b], a, c), [c, b]);
        assert_eq!(relink(&[a, c], a, c), [c], "already linked to the target");
        assert_eq!(relink(&[b], a, c), [b]);
    }

    #[test]
    fn codes_come_from_the_pattern_and_the_label() {
        assert_eq!(
            code_for(Pattern::Tool, "Referral forms hide the history!"),
            "tool.referral-forms-hide-the-history"
        );
    }
}
