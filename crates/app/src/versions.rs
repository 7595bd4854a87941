//! Frozen versions of a review's report: the report as it stands, pseudonymised, rendered to
//! Word and PDF and kept with their hashes, never changed afterwards; who opened which version
//! is audited; a version is compared with the one before it paragraph by paragraph.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::collaboration::{Audience, SignOffDecision};
use casewindow_domain::ids::ReviewId;
use casewindow_domain::review::ReportStage;
use casewindow_report::Document;
use casewindow_store::{
    Comment, CommentOn, NewReportVersion, ReportVersion, Store, VersionSignOff,
};

/// A paragraph that differs between two versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Removed(String),
}

/// The paragraphs added and removed from `old` to `new` (a longest-common-subsequence diff of
/// their lines; very long reports fall back to sets of lines).
pub fn compare(old: &str, new: &str) -> Vec<Change> {
    let a: Vec<&str> = old.lines().filter(|l| !l.trim().is_empty()).collect();
    let b: Vec<&str> = new.lines().filter(|l| !l.trim().is_empty()).collect();
    let (n, m) = (a.len(), b.len());
    if n.saturating_mul(m) > 16_000_000 {
        let removed = a.iter().filter(|l| !b.contains(l));
        let added = b.iter().filter(|l| !a.contains(l));
        return removed
            .map(|l| Change::Removed((*l).to_owned()))
            .chain(added.map(|l| Change::Added((*l).to_owned())))
            .collect();
    }
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(Change::Added(b[j].to_owned()));
            j += 1;
        } else {
            out.push(Change::Removed(a[i].to_owned()));
            i += 1;
        }
    }
    out
}

/// A stage's stored key.
pub fn stage_key(stage: ReportStage) -> String {
    serde_json::to_value(stage)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A stored stage key read back.
pub fn stage_of(key: &str) -> Option<ReportStage> {
    serde_json::from_value(serde_json::Value::String(key.to_owned())).ok()
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl<S: Store> App<S> {
    /// Freezes the report as it stands (pseudonymised) as the review's next version, at
    /// `stage`: its text, its Word and PDF files and their hashes, and the fingerprint of the
    /// documents. A final version must be exactly what the anonymisation sign-off covered
    /// (the identifier scan's fingerprint): it is what will be published. Its number.
    pub async fn freeze_report(
        &self,
        actor: &Actor,
        review: ReviewId,
        stage: ReportStage,
    ) -> AppResult<i64> {
        self.authorize(actor, review, Permission::ManageLifecycle)
            .await?;
        let (document, template, fingerprint) = self.report_to_freeze(actor, review).await?;
        if stage == ReportStage::Final {
            let signed = self
                .review(actor, review)
                .await?
                .record
                .anonymisation_sign_off
                .and_then(|s| s.fingerprint);
            if signed.as_deref() != Some(fingerprint.as_str()) {
                return Err(AppError::Invalid(vec![casewindow_interchange::Problem {
                    path: "stage".to_owned(),
                    reason: "A final version is what will be published, so it must be what the identifier scan and the anonymisation sign-off covered: run the scan on the report as it stands and sign it off on the publication page, then freeze the final version".to_owned(),
                }]));
            }
        }
        let today = self.today();
        let text = document.plain_text();
        let json =
            serde_json::to_string(&document).map_err(|e| AppError::Internal(e.to_string()))?;
        let (docx, pdf) = tokio::task::spawn_blocking(move || {
            let docx = casewindow_report::docx::render(&document)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let pdf = casewindow_report::pdf::render(&document, &template.layout, today)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Ok::<_, AppError>((docx, pdf))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        let version = NewReportVersion {
            id: uuid::Uuid::new_v4(),
            review_id: review,
            stage: stage_key(stage),
            text,
            document: json,
            docx_sha256: sha256(&docx),
            pdf_sha256: sha256(&pdf),
            docx,
            pdf,
            fingerprint,
        };
        let change = self.change(actor, &format!("froze the report: {}", stage.label()));
        Ok(self.store.freeze_report(&version, &change).await?)
    }

    /// The review's frozen report versions, oldest first.
    pub async fn report_versions(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Vec<ReportVersion>> {
        self.authorize(actor, review, Permission::ViewReview)
            .await?;
        Ok(self.store.report_versions(review).await?)
    }

    /// A frozen version's Word or PDF file (`format` is `docx` or `pdf`); the opening is
    /// audited, so the trail shows who saw which version.
    pub async fn report_version_file(
        &self,
        actor: &Actor,
        review: ReviewId,
        version: uuid::Uuid,
        format: &str,
    ) -> AppResult<Vec<u8>> {
        self.authorize(actor, review, Permission::ViewReview)
            .await?;
        self.opened_version_file(actor, review, version, format)
            .await
    }

    /// A version's file, if it is one of `review`'s, its opening audited (the caller has
    /// decided the actor may read it).
    async fn opened_version_file(
        &self,
        actor: &Actor,
        review: ReviewId,
        version: uuid::Uuid,
        format: &str,
    ) -> AppResult<Vec<u8>> {
        match self.store.report_version_file(version, format).await? {
            Some((owner, bytes)) if owner == review => {
                self.audit_event(
                    actor,
                    review,
                    "read",
                    "report_versions",
                    &version.to_string(),
                    &format!("opened the {format} file"),
                )
                .await?;
                Ok(bytes)
            }
            _ => Err(not_found(version)),
        }
    }

    /// One of `review`'s versions, or "not found".
    async fn version_in(&self, review: ReviewId, version: uuid::Uuid) -> AppResult<ReportVersion> {
        self.store
            .report_versions(review)
            .await?
            .into_iter()
            .find(|v| v.id == version)
            .ok_or_else(|| not_found(version))
    }
}

impl<S: Store> App<S> {
    /// The document a version was frozen from.
    async fn frozen_document(&self, version: uuid::Uuid) -> AppResult<Document> {
        let (_, json) = self
            .store
            .report_version_document(version)
            .await?
            .ok_or_else(|| not_found(version))?;
        serde_json::from_str(&json).map_err(|e| {
            AppError::Store(casewindow_store::StoreError::Corrupt {
                kind: "report version",
                id: version.to_string(),
                reason: e.to_string(),
            })
        })
    }
}

fn not_found(version: uuid::Uuid) -> AppError {
    AppError::NotFound {
        what: format!("report version {version}"),
    }
}

impl<S: Store> App<S> {
    /// Who opened each version (its files, or in the browser), how and when, from the audit
    /// trail, for those who may read it: by version id, oldest opening first.
    pub async fn version_openings(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<
        std::collections::HashMap<uuid::Uuid, Vec<(String, String, chrono::DateTime<chrono::Utc>)>>,
    > {
        self.authorize(actor, review, Permission::ViewAudit).await?;
        let mut names: std::collections::HashMap<casewindow_domain::ids::UserId, String> =
            std::collections::HashMap::new();
        let mut out: std::collections::HashMap<uuid::Uuid, Vec<_>> =
            std::collections::HashMap::new();
        let events = self.store.audit_events(review, 100_000).await?;
        for event in events.iter().rev() {
            let entry = &event.entry;
            if entry.entity != "report_versions" || entry.action != "read" {
                continue;
            }
            let Ok(version) = entry.entity_id.parse::<uuid::Uuid>() else {
                continue;
            };
            let who = match entry.actor {
                None => "the command line".to_owned(),
                Some(user) => match names.get(&user) {
                    Some(name) => name.clone(),
                    None => {
                        let name = self
                            .store
                            .user(user)
                            .await
                            .map_or_else(|_| "a former user".to_owned(), |u| u.display_name);
                        names.insert(user, name.clone());
                        name
                    }
                },
            };
            out.entry(version)
                .or_default()
                .push((who, entry.reason.clone(), entry.at));
        }
        Ok(out)
    }
}

fn invalid(path: &str, reason: &str) -> AppError {
    AppError::Invalid(vec![casewindow_interchange::Problem {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }])
}

/// A version as someone it was put to reads it: the version, its document and the sections a
/// comment can be anchored to.
#[derive(Clone, Debug)]
pub struct VersionForReading {
    pub version: ReportVersion,
    pub document: Document,
    pub sections: Vec<String>,
}

impl<S: Store> App<S> {
    /// The latest version frozen as final, if any.
    pub(crate) async fn final_version(&self, review: ReviewId) -> AppResult<Option<ReportVersion>> {
        let final_key = stage_key(ReportStage::Final);
        Ok(self
            .store
            .report_versions(review)
            .await?
            .into_iter()
            .rev()
            .find(|v| v.stage == final_key))
    }

    /// Moves a version on to a later stage (never back, and not to final: a final version is
    /// frozen after the anonymisation sign-off). Someone moving it at the same time wins or
    /// loses whole: the move is one conditional statement.
    pub async fn move_version(
        &self,
        actor: &Actor,
        review: ReviewId,
        version: uuid::Uuid,
        to: ReportStage,
    ) -> AppResult<()> {
        self.authorize(actor, review, Permission::ManageLifecycle)
            .await?;
        let current = self.version_in(review, version).await?;
        let from = stage_of(&current.stage).unwrap_or(ReportStage::Draft);
        if to == ReportStage::Final {
            return Err(invalid(
                "stage",
                "A final version is frozen after the anonymisation sign-off, from the report as it then stands: freeze a new version as final",
            ));
        }
        if to <= from {
            return Err(invalid(
                "stage",
                &format!(
                    "Version {} is already at \"{}\"; a version only moves on to a later stage",
                    current.number,
                    from.label()
                ),
            ));
        }
        let change = self.change(
            actor,
            &format!(
                "moved report version {} from \"{}\" to \"{}\"",
                current.number,
                from.label(),
                to.label()
            ),
        );
        if !self
            .store
            .move_version(review, version, &current.stage, &stage_key(to), &change)
            .await?
        {
            return Err(invalid(
                "stage",
                "Someone moved this version at the same moment; look at its stage now and try again",
            ));
        }
        Ok(())
    }

    /// The versions put to the actor's audiences (each audience reads from its own stage on),
    /// oldest first.
    pub async fn versions_for_me(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Vec<ReportVersion>> {
        self.authorize(actor, review, Permission::TakePart).await?;
        // Those who read the review read every version on the versions page already.
        let every = self.may(actor, review, Permission::ViewReview).await?;
        let audiences = self.audiences(actor, review).await?;
        Ok(self
            .store
            .report_versions(review)
            .await?
            .into_iter()
            .filter(|v| {
                every
                    || stage_of(&v.stage)
                        .is_some_and(|stage| audiences.iter().any(|a| a.reads(stage)))
            })
            .collect())
    }

    /// The audience through which the actor reads a version, or "not found".
    async fn reading_audience(
        &self,
        actor: &Actor,
        review: ReviewId,
        version: uuid::Uuid,
    ) -> AppResult<(ReportVersion, Audience)> {
        let audiences = self.audiences(actor, review).await?;
        let found = self
            .versions_for_me(actor, review)
            .await?
            .into_iter()
            .find(|v| v.id == version)
            .ok_or_else(|| not_found(version))?;
        let stage = stage_of(&found.stage).ok_or_else(|| not_found(version))?;
        // A reviewer reading it (see `versions_for_me`) comments as the review team.
        let audience = audiences
            .into_iter()
            .find(|a| a.reads(stage))
            .unwrap_or(Audience::ReviewTeam);
        Ok((found, audience))
    }

    /// A version put to the actor's audience, to read in the browser; the reading is audited.
    pub async fn version_for_reading(
        &self,
        actor: &Actor,
        review: ReviewId,
        version: uuid::Uuid,
    ) -> AppResult<VersionForReading> {
        let (found, _) = self.reading_audience(actor, review, version).await?;
        let document = self.frozen_document(version).await?;
        self.audit_event(
            actor,
            review,
            "read",
            "report_versions",
            &version.to_string(),
            "read the version in the browser",
        )
        .await?;
        Ok(VersionForReading {
            sections: document.headings(),
            version: found,
            document,
        })
    }

    /// A version's Word or PDF file for someone it was put to; audited like every opening.
    pub async fn shared_version_file(
        &self,
        actor: &Actor,
        review: ReviewId,
        version: uuid::Uuid,
        format: &str,
    ) -> AppResult<Vec<u8>> {
        self.reading_audience(actor, review, version).await?;
        self.opened_version_file(actor, review, version, format)
            .await
    }

    /// Comments on a section (by its heading) of a version put to the actor's audience.
    pub async fn comment_on_version(
        &self,
        actor: &Actor,
        review: ReviewId,
        version: uuid::Uuid,
        section: &str,
        body: &str,
    ) -> AppResult<()> {
        let Some(author) = actor.user else {
            return Err(invalid(
                "body",
                "Comments are written by a signed-in person",
            ));
        };
        let (found, audience) = self.reading_audience(actor, review, version).await?;
        let sections = self.frozen_document(version).await?.headings();
        if !sections.iter().any(|s| s == section) {
            return Err(invalid(
                "section",
                "Choose the section your comment is about",
            ));
        }
        crate::sharing::check_comment(body)?;
        let comment = Comment {
            id: uuid::Uuid::new_v4(),
            review_id: review,
            on: CommentOn::Version {
                version,
                section: section.to_owned(),
            },
            author,
            audience,
            body: body.trim().to_owned(),
            at: self.now(),
            answer: None,
        };
        self.store
            .add_comment(
                &comment,
                &self.change(
                    actor,
                    &format!("commented on report version {}", found.number),
                ),
            )
            .await?;
        Ok(())
    }

    /// Comments on report versions with their authors' names: every comment for those who
    /// write the analysis, the actor's own for everyone else.
    pub async fn version_comments(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Vec<crate::sharing::CommentView>> {
        let all = self.may(actor, review, Permission::EditAnalysis).await?;
        if !all {
            self.authorize(actor, review, Permission::TakePart).await?;
        }
        let comments: Vec<Comment> = self
            .store
            .comments(review)
            .await?
            .into_iter()
            .filter(|c| matches!(c.on, CommentOn::Version { .. }))
            .filter(|c| all || Some(c.author) == actor.user)
            .collect();
        self.comment_views(comments).await
    }

    /// A partner's sign-off of a version at the partners' sign-off stage, once per version.
    pub async fn sign_off_version(
        &self,
        actor: &Actor,
        review: ReviewId,
        version: uuid::Uuid,
        decision: SignOffDecision,
        note: &str,
    ) -> AppResult<()> {
        self.authorize(actor, review, Permission::SignOff).await?;
        let Some(user) = actor.user else {
            return Err(invalid(
                "decision",
                "A sign-off is made by a signed-in person",
            ));
        };
        let found = self.version_in(review, version).await?;
        if stage_of(&found.stage) != Some(ReportStage::PartnerSignOff) {
            return Err(invalid(
                "decision",
                &format!(
                    "Version {} is not put to the partners for sign-off; sign off the version at that stage",
                    found.number
                ),
            ));
        }
        if decision == SignOffDecision::Withheld && note.trim().is_empty() {
            return Err(invalid("note", "Say why you do not sign it off"));
        }
        if note.chars().count() > crate::sharing::MAX_COMMENT {
            return Err(invalid("note", "The note is limited to 20,000 characters"));
        }
        let sign_off = VersionSignOff {
            id: uuid::Uuid::new_v4(),
            review_id: review,
            version_id: version,
            user_id: user,
            decision,
            note: note.trim().to_owned(),
            at: self.now(),
        };
        let change = self.change(
            actor,
            &format!("{} report version {}", decision.label(), found.number),
        );
        if !self.store.sign_off_version(&sign_off, &change).await? {
            return Err(invalid(
                "decision",
                &format!(
                    "You have already recorded your decision on version {}",
                    found.number
                ),
            ));
        }
        Ok(())
    }

    /// Partners' sign-offs, with their names, oldest first.
    pub async fn version_sign_offs(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Vec<(VersionSignOff, String)>> {
        self.authorize(actor, review, Permission::ViewReview)
            .await?;
        let sign_offs = self.store.version_sign_offs(review).await?;
        let names = self
            .names(sign_offs.iter().map(|s| s.user_id).collect())
            .await?;
        Ok(sign_offs
            .into_iter()
            .map(|s| {
                let name = names.get(&s.user_id).cloned().unwrap_or_default();
                (s, name)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comparison_names_the_paragraphs_added_and_removed() {
        let old = "Introduction\nThe nursery raised concerns.\nFindings\n";
        let new = "Introduction\nThe nursery and the school raised concerns.\nFindings\nAppendix\n";
        assert_eq!(
            compare(old, new),
            vec![
                Change::Added("The nursery and the school raised concerns.".to_owned()),
                Change::Removed("The nursery raised concerns.".to_owned()),
                Change::Added("Appendix".to_owned()),
            ]
        );
        assert!(compare(new, new).is_empty());
    }
}
