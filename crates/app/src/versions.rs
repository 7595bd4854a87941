//! Frozen versions of a review's report: the report as it stands, pseudonymised, rendered to
//! Word and PDF and kept with their hashes, never changed afterwards; who opened which version
//! is audited; a version is compared with the one before it paragraph by paragraph.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::ids::ReviewId;
use casewindow_domain::review::ReportStage;
use casewindow_report::DocumentKind;
use casewindow_store::{NewReportVersion, ReportVersion, Store};

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

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl<S: Store> App<S> {
    /// Freezes the report as it stands (pseudonymised) as the review's next version, at
    /// `stage`: its text, its Word and PDF files and their hashes. Its number.
    pub async fn freeze_report(
        &self,
        actor: &Actor,
        review: ReviewId,
        stage: ReportStage,
    ) -> AppResult<i64> {
        self.authorize(actor, review, Permission::ManageLifecycle)
            .await?;
        let (document, template) = self
            .review_document(actor, review, DocumentKind::Report)
            .await?;
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
            stage: serde_json::to_value(stage)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            text,
            document: json,
            docx_sha256: sha256(&docx),
            pdf_sha256: sha256(&pdf),
            docx,
            pdf,
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
        let not_found = || AppError::NotFound {
            what: format!("report version {version}"),
        };
        let Some((owner, bytes)) = self.store.report_version_file(version, format).await? else {
            return Err(not_found());
        };
        if owner != review {
            return Err(not_found());
        }
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
}

impl<S: Store> App<S> {
    /// Who opened each version's files and when (from the audit trail), for those who may read
    /// it: by version id, oldest opening first.
    pub async fn version_openings(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<
        std::collections::HashMap<uuid::Uuid, Vec<(String, chrono::DateTime<chrono::Utc>)>>,
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
            out.entry(version).or_default().push((who, entry.at));
        }
        Ok(out)
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
