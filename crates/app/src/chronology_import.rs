//! Importing an agency's chronology from the file it sent: a preview first (every entry read and
//! every row that cannot be, with file, row, column and reason), then an atomic commit that
//! replaces the agency's previous submission and keeps it in history.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_chronology::{EntryDraft, Mapping, RowProblem};
use casewindow_domain::evidence::{
    ChronologyEntry, CitationTarget, NarrativeSection, Provenance, SourceDocument,
    SourceDocumentKind,
};
use casewindow_domain::ids::{AgencyId, ChronologyEntryId, ReviewId, SourceDocumentId};
use casewindow_interchange::Problem;
use casewindow_store::{ChronologyImport, Store};

/// What an import would store, and what stops it.
#[derive(Clone, Debug)]
pub struct ImportPreview {
    pub file_name: String,
    pub format: &'static str,
    /// The sheet or table read.
    pub table: String,
    pub headings: Vec<String>,
    pub mapping: Mapping,
    pub entries: Vec<EntryDraft>,
    /// Rows that cannot be imported; the commit is refused while there are any.
    pub problems: Vec<RowProblem>,
    /// The agency's current submission, which a commit would replace.
    pub replaces: Option<ChronologyImport>,
}

/// A file to import.
#[derive(Clone, Copy)]
pub struct ImportFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

fn problem(path: &str, reason: impl Into<String>) -> AppError {
    AppError::Invalid(vec![Problem {
        path: path.to_owned(),
        reason: reason.into(),
    }])
}

impl<S: Store> App<S> {
    /// Reads the file and shows what would be imported; nothing is written.
    pub async fn preview_chronology(
        &self,
        actor: &Actor,
        review: ReviewId,
        agency: AgencyId,
        file: ImportFile<'_>,
        mapping: Option<Mapping>,
    ) -> AppResult<ImportPreview> {
        self.authorize_import(actor, review, agency).await?;
        self.store.agency(agency).await?;
        let imports = self.store.chronology_imports(review).await?;
        let replaces = imports
            .iter()
            .find(|i| i.agency_id == agency && i.replaced_by.is_none())
            .cloned();
        // The mapping the agency used last time, when none is given.
        let remembered = imports
            .iter()
            .filter(|i| i.agency_id == agency)
            .find_map(|i| serde_json::from_str::<Mapping>(&i.mapping).ok());
        let from_memory = mapping.is_none() && remembered.is_some();
        let mapping = mapping.or(remembered);
        let name = file.name.to_owned();
        let bytes = file.bytes.to_vec();
        let read = tokio::task::spawn_blocking(move || {
            casewindow_chronology::read_file(&name, &bytes, mapping.as_ref())
        })
        .await
        .map_err(|e| AppError::Internal(format!("chronology reader: {e}")))?;
        let (format, reading) = match read {
            Ok(found) => found,
            // A remembered mapping that no longer fits is not the user's mistake: guess again.
            Err(casewindow_chronology::ImportError::Mapping { .. }) if from_memory => {
                let name = file.name.to_owned();
                let bytes = file.bytes.to_vec();
                tokio::task::spawn_blocking(move || {
                    casewindow_chronology::read_file(&name, &bytes, None)
                })
                .await
                .map_err(|e| AppError::Internal(format!("chronology reader: {e}")))?
                .map_err(|e| problem("file", e.to_string()))?
            }
            Err(e) => return Err(problem("file", e.to_string())),
        };
        Ok(ImportPreview {
            file_name: file.name.to_owned(),
            format: format.label(),
            table: reading.table,
            headings: reading.headings,
            mapping: reading.mapping,
            entries: reading.entries,
            problems: reading.problems,
            replaces,
        })
    }

    /// Imports the file as the agency's chronology in one transaction, replacing its previous
    /// submission (kept in history). Refused, with nothing written, while any row has a
    /// problem, or when an entry of the submission it replaces is cited in the narrative.
    pub async fn import_chronology(
        &self,
        actor: &Actor,
        review: ReviewId,
        agency: AgencyId,
        file: ImportFile<'_>,
        mapping: Option<Mapping>,
    ) -> AppResult<ChronologyImport> {
        let preview = self
            .preview_chronology(actor, review, agency, file, mapping)
            .await?;
        self.commit_chronology(actor, review, agency, file, &preview)
            .await
    }

    /// Imports a file already previewed (the same file: its hash is recorded) without reading
    /// it again; the same checks as [`App::import_chronology`].
    pub async fn commit_chronology(
        &self,
        actor: &Actor,
        review: ReviewId,
        agency: AgencyId,
        file: ImportFile<'_>,
        preview: &ImportPreview,
    ) -> AppResult<ChronologyImport> {
        self.authorize_import(actor, review, agency).await?;
        if !preview.problems.is_empty() {
            return Err(AppError::Invalid(
                preview
                    .problems
                    .iter()
                    .map(|p| Problem {
                        path: format!("{}: row {}, column \"{}\"", file.name, p.row, p.column),
                        reason: p.reason.clone(),
                    })
                    .collect(),
            ));
        }
        if preview.entries.is_empty() {
            return Err(problem(
                "file",
                format!("{}: the table has headings but no entries", file.name),
            ));
        }
        if let Some(previous) = &preview.replaces {
            self.refuse_if_cited(review, previous).await?;
        }
        use sha2::Digest as _;
        let sha256: String = sha2::Sha256::digest(file.bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let document = SourceDocument {
            id: SourceDocumentId(uuid::Uuid::new_v4()),
            review_id: review,
            agency_id: Some(agency),
            title: format!("Chronology: {}", file.name),
            kind: SourceDocumentKind::Chronology,
            received_on: Some(self.today()),
            reference: file.name.to_owned(),
            sha256: Some(sha256.clone()),
            retain_until: None,
        };
        crate::error::check_fields(&document)?;
        let mut entries = Vec::with_capacity(preview.entries.len());
        for draft in &preview.entries {
            let entry = ChronologyEntry {
                id: ChronologyEntryId(uuid::Uuid::new_v4()),
                review_id: review,
                agency_id: agency,
                occurred: draft.occurred,
                actor_role: draft.actor_role.clone(),
                contact_type: draft.contact_type.clone(),
                description: draft.description.clone(),
                subjects: Vec::new(),
                source: Some(Provenance {
                    document_id: document.id,
                    row: u32::try_from(draft.row).ok(),
                }),
            };
            crate::error::check_fields(&entry).map_err(|err| match err {
                AppError::Invalid(problems) => AppError::Invalid(
                    problems
                        .into_iter()
                        .map(|p| Problem {
                            path: format!("{}: row {}, {}", file.name, draft.row, p.path),
                            reason: p.reason,
                        })
                        .collect(),
                ),
                other => other,
            })?;
            entries.push(entry);
        }
        let import = ChronologyImport {
            id: uuid::Uuid::new_v4(),
            review_id: review,
            agency_id: agency,
            document_id: document.id,
            file_name: file.name.to_owned(),
            sha256,
            format: preview.format.to_owned(),
            mapping: serde_json::to_string(&preview.mapping)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            entries: entries.len() as i64,
            problems: 0,
            imported_at: self.now(),
            imported_by: actor.user,
            replaced_by: None,
        };
        self.store
            .import_chronology(
                &import,
                &document,
                &entries,
                &self.change(actor, &format!("imported from {}", file.name)),
            )
            .await?;
        Ok(import)
    }

    /// Importing needs the right to edit the chronology, and a liaison imports only their own
    /// agency's.
    async fn authorize_import(
        &self,
        actor: &Actor,
        review: ReviewId,
        agency: AgencyId,
    ) -> AppResult<()> {
        self.authorize(actor, review, Permission::EditChronology)
            .await?;
        match self.agency_limit(actor, review).await? {
            Some(own) if own != agency => Err(AppError::NotFound {
                what: format!("agency {agency}"),
            }),
            _ => Ok(()),
        }
    }

    /// Every import of a review's chronologies, newest first (current and replaced).
    pub async fn chronology_imports(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Vec<ChronologyImport>> {
        self.authorize(actor, review, Permission::ViewChronology)
            .await?;
        let limit = self.agency_limit(actor, review).await?;
        Ok(self
            .store
            .chronology_imports(review)
            .await?
            .into_iter()
            .filter(|i| limit.is_none_or(|own| own == i.agency_id))
            .collect())
    }

    async fn refuse_if_cited(
        &self,
        review: ReviewId,
        previous: &ChronologyImport,
    ) -> AppResult<()> {
        let replaced: std::collections::HashSet<ChronologyEntryId> = self
            .store
            .list::<ChronologyEntry>(review.0)
            .await?
            .into_iter()
            .filter(|e| {
                e.record
                    .source
                    .as_ref()
                    .is_some_and(|s| s.document_id == previous.document_id)
            })
            .map(|e| e.record.id)
            .collect();
        let citing: Vec<String> = self
            .store
            .list::<NarrativeSection>(review.0)
            .await?
            .into_iter()
            .filter(|s| {
                s.record.citations.iter().any(|c| {
                    matches!(c.target, CitationTarget::ChronologyEntry(id) if replaced.contains(&id))
                })
            })
            .map(|s| format!("\"{}\"", s.record.heading))
            .collect();
        if citing.is_empty() {
            Ok(())
        } else {
            Err(problem(
                "file",
                format!(
                    "the narrative cites entries of the submission this would replace ({}): \
                     change those citations first",
                    citing.join(", ")
                ),
            ))
        }
    }
}
