//! Importing an agency's chronology from the file it sent: a preview first (every entry read and
//! every row that cannot be, with file, row, column and reason), then an atomic commit that
//! replaces the agency's previous submission and keeps it in history.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_chronology::{EntryDraft, Mapping, RowProblem};
use casewindow_domain::evidence::{
    ChronologyEntry, CitationTarget, NarrativeSection, Provenance, SourceDocument,
    SourceDocumentKind,
};
use casewindow_domain::ids::{AgencyId, ReviewId, SourceDocumentId};
use casewindow_interchange::Problem;
use casewindow_store::{ChronologyImport, StagedUpload, Store};

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
    /// Rows whose dates look mistyped (row, why): imported as written, but shown to be checked.
    pub doubtful: Vec<(usize, String)>,
    /// The agency's current submission, which a commit would replace.
    pub replaces: Option<ChronologyImport>,
    /// SHA-256 of the file read, hex encoded (recorded with the import).
    pub sha256: String,
}

/// A file to import.
#[derive(Clone, Copy)]
pub struct ImportFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// How many of a staged file's first rows and columns the preview shows as they are.
const SAMPLE_ROWS: usize = 8;
const SAMPLE_COLUMNS: usize = 26;

/// A staged file, as the pages show it before import.
#[derive(Clone, Debug)]
pub struct StagedPreview {
    pub upload: uuid::Uuid,
    pub agency: AgencyId,
    pub file_name: String,
    /// Every sheet or table in the file, and the one shown.
    pub tables: Vec<String>,
    pub table: String,
    /// The table's first rows as the file has them: row number (as a spreadsheet shows it)
    /// and cells.
    pub sample: Vec<(usize, Vec<String>)>,
    /// Columns shown in the sample.
    pub width: usize,
    /// What would be imported, or the mapping tried and why it does not fit the file.
    pub outcome: Result<ImportPreview, (Mapping, String)>,
}

/// A file's tables, and its SHA-256 (hex), computed on another core while the tables are read.
fn tables_and_hash(
    name: &str,
    bytes: &[u8],
) -> (
    Result<
        (
            casewindow_chronology::Format,
            Vec<casewindow_chronology::Table>,
        ),
        casewindow_chronology::ReadError,
    >,
    String,
) {
    std::thread::scope(|scope| {
        let hash = scope.spawn(|| {
            use sha2::Digest as _;
            sha2::Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        });
        let tables = casewindow_chronology::read::tables(name, bytes);
        let hash = hash
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (tables, hash)
    })
}

/// Reads the file's tables, with the file's SHA-256. On a multi-threaded runtime (the server,
/// the command line) the thread tells the runtime it is busy, so other tasks move elsewhere,
/// and the file is read where it is instead of copied to another thread (a copy of a large
/// file costs more than reading it).
async fn read_tables(
    file: ImportFile<'_>,
) -> AppResult<(
    casewindow_chronology::Format,
    Vec<casewindow_chronology::Table>,
    String,
)> {
    let flavor = tokio::runtime::Handle::current().runtime_flavor();
    let (tables, sha256) = if flavor == tokio::runtime::RuntimeFlavor::MultiThread {
        // A reader's panic is an answer for this request, as it was on a blocking thread.
        tokio::task::block_in_place(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                tables_and_hash(file.name, file.bytes)
            }))
        })
        .map_err(|_| AppError::Internal("chronology reader: panicked".to_owned()))?
    } else {
        let name = file.name.to_owned();
        let bytes = file.bytes.to_vec();
        tokio::task::spawn_blocking(move || tables_and_hash(&name, &bytes))
            .await
            .map_err(|e| AppError::Internal(format!("chronology reader: {e}")))?
    };
    let (format, tables) = tables.map_err(|e| problem("file", e.to_string()))?;
    Ok((format, tables, sha256))
}

/// The tables read with the given mapping; else with the agency's remembered one, guessing
/// again when it no longer fits (not the user's mistake); else guessed.
fn map_tables(
    tables: &[casewindow_chronology::Table],
    given: Option<&Mapping>,
    remembered: Option<&Mapping>,
) -> Result<casewindow_chronology::Reading, casewindow_chronology::MappingError> {
    use casewindow_chronology::mapping::read;
    match (given, remembered) {
        (Some(given), _) => read(tables, Some(given)),
        (None, Some(remembered)) => read(tables, Some(remembered)).or_else(|_| read(tables, None)),
        (None, None) => read(tables, None),
    }
}

fn preview_of(
    file_name: &str,
    format: casewindow_chronology::Format,
    reading: casewindow_chronology::Reading,
    replaces: Option<ChronologyImport>,
    sha256: String,
    doubt: &dyn Fn(&casewindow_domain::evidence::FuzzyDate) -> Option<String>,
) -> ImportPreview {
    ImportPreview {
        doubtful: reading
            .entries
            .iter()
            .filter_map(|e| doubt(&e.occurred).map(|why| (e.row, why)))
            .collect(),
        sha256,
        file_name: file_name.to_owned(),
        format: format.label(),
        table: reading.table,
        headings: reading.headings,
        mapping: reading.mapping,
        entries: reading.entries,
        problems: reading.problems,
        replaces,
    }
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
        let (replaces, remembered) = self.submission(review, agency).await?;
        let (format, tables, sha256) = read_tables(file).await?;
        let reading = map_tables(&tables, mapping.as_ref(), remembered.as_ref())
            .map_err(|e| problem("file", format!("{}: {e}", file.name)))?;
        let doubt = self.date_doubt(review).await?;
        Ok(preview_of(
            file.name, format, reading, replaces, sha256, &doubt,
        ))
    }

    /// Why a date entered or imported in the review looks mistyped, if it does (see
    /// [`casewindow_domain::evidence::doubtful_date`]): against the review's period and today.
    pub(crate) async fn date_doubt(
        &self,
        review: ReviewId,
    ) -> AppResult<impl Fn(&casewindow_domain::evidence::FuzzyDate) -> Option<String> + use<S>>
    {
        let review = self
            .store
            .get::<casewindow_domain::review::Review>(review.0)
            .await?
            .record;
        let today = self.today();
        Ok(move |date: &casewindow_domain::evidence::FuzzyDate| {
            casewindow_domain::evidence::doubtful_date(
                date,
                review.period_start,
                review.period_end,
                today,
            )
        })
    }

    /// Why the date of a chronology entry about to be added looks mistyped, if it does: asked
    /// of whoever adds it before it is kept (they may say it is right).
    pub async fn doubtful_entry_date(
        &self,
        actor: &Actor,
        review: ReviewId,
        date: &casewindow_domain::evidence::FuzzyDate,
    ) -> AppResult<Option<String>> {
        self.authorize(actor, review, Permission::EditChronology)
            .await?;
        Ok(self.date_doubt(review).await?(date))
    }

    /// The agency's current submission in the review, and the mapping it used last time.
    async fn submission(
        &self,
        review: ReviewId,
        agency: AgencyId,
    ) -> AppResult<(Option<ChronologyImport>, Option<Mapping>)> {
        self.store.agency(agency).await?;
        let imports = self.store.chronology_imports(review).await?;
        let replaces = imports
            .iter()
            .find(|i| i.agency_id == agency && i.replaced_by.is_none())
            .cloned();
        let remembered = imports
            .iter()
            .filter(|i| i.agency_id == agency)
            .find_map(|i| serde_json::from_str::<Mapping>(&i.mapping).ok());
        Ok((replaces, remembered))
    }

    /// Keeps a file uploaded through the pages until its preview has been checked; refused at
    /// once, with the reason, when the file cannot be read at all. Only the user who staged
    /// it can use it; a staged file is refused once a day old and deleted by the next upload.
    pub async fn stage_chronology(
        &self,
        actor: &Actor,
        review: ReviewId,
        agency: AgencyId,
        file: ImportFile<'_>,
    ) -> AppResult<uuid::Uuid> {
        self.authorize_import(actor, review, agency).await?;
        self.store.agency(agency).await?;
        let user = actor.user.ok_or_else(|| AppError::NotFound {
            what: "a signed-in user".to_owned(),
        })?;
        read_tables(file).await?;
        let upload = StagedUpload {
            id: uuid::Uuid::new_v4(),
            review_id: review,
            agency_id: agency,
            user_id: user,
            file_name: file.name.to_owned(),
            bytes: file.bytes.to_vec(),
            staged_at: self.now(),
        };
        self.store
            .stage_upload(
                &upload,
                self.now() - chrono::Duration::days(1),
                &self.change(actor, "uploaded a chronology to check before importing"),
            )
            .await?;
        Ok(upload.id)
    }

    /// A staged file's preview with the given mapping (the remembered or guessed one when
    /// none): the file's first rows as they are, and what would be imported or why the
    /// columns could not be matched.
    pub async fn staged_preview(
        &self,
        actor: &Actor,
        review: ReviewId,
        upload: uuid::Uuid,
        mapping: Option<Mapping>,
    ) -> AppResult<StagedPreview> {
        let staged = self.staged_for(actor, review, upload).await?;
        let (replaces, remembered) = self.submission(review, staged.agency_id).await?;
        let file = ImportFile {
            name: &staged.file_name,
            bytes: &staged.bytes,
        };
        let (format, tables, sha256) = read_tables(file).await?;
        let outcome = map_tables(&tables, mapping.as_ref(), remembered.as_ref());
        let table_name = match &outcome {
            Ok(reading) => reading.table.clone(),
            Err(_) => mapping
                .as_ref()
                .map(|m| m.table.clone())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| tables.first().map(|t| t.name.clone()).unwrap_or_default()),
        };
        let table = tables
            .iter()
            .find(|t| t.name == table_name)
            .or(tables.first());
        let width = table
            .map(|t| {
                t.rows
                    .iter()
                    .take(SAMPLE_ROWS)
                    .map(Vec::len)
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0)
            .min(SAMPLE_COLUMNS);
        let sample = table
            .map(|t| {
                t.rows
                    .iter()
                    .take(SAMPLE_ROWS)
                    .enumerate()
                    .map(|(i, row)| (i + 1, row.iter().take(width).cloned().collect()))
                    .collect()
            })
            .unwrap_or_default();
        let given = mapping.unwrap_or_default();
        let doubt = self.date_doubt(review).await?;
        Ok(StagedPreview {
            upload,
            agency: staged.agency_id,
            file_name: staged.file_name.clone(),
            tables: tables.iter().map(|t| t.name.clone()).collect(),
            table: table_name,
            sample,
            width,
            outcome: outcome
                .map(|reading| {
                    preview_of(&staged.file_name, format, reading, replaces, sha256, &doubt)
                })
                .map_err(|e| (given, e.to_string())),
        })
    }

    /// Imports a staged file with the mapping the reviewer checked; the staged copy is removed
    /// in the same transaction.
    pub async fn import_staged(
        &self,
        actor: &Actor,
        review: ReviewId,
        upload: uuid::Uuid,
        mapping: Mapping,
    ) -> AppResult<ChronologyImport> {
        let staged = self.staged_for(actor, review, upload).await?;
        let file = ImportFile {
            name: &staged.file_name,
            bytes: &staged.bytes,
        };
        let preview = self
            .preview_chronology(actor, review, staged.agency_id, file, Some(mapping))
            .await?;
        self.commit_from(
            actor,
            review,
            staged.agency_id,
            file,
            preview,
            (Some(upload), &|_| {}),
        )
        .await
    }

    /// A staged upload, only for the user who staged it, in its review, while they may still
    /// import that agency's chronology.
    async fn staged_for(
        &self,
        actor: &Actor,
        review: ReviewId,
        upload: uuid::Uuid,
    ) -> AppResult<StagedUpload> {
        let missing = || AppError::NotFound {
            what: format!("uploaded file {upload}"),
        };
        let staged = self
            .store
            .staged_upload(upload)
            .await?
            .ok_or_else(missing)?;
        if staged.review_id != review
            || actor.user != Some(staged.user_id)
            || staged.staged_at < self.now() - chrono::Duration::days(1)
        {
            return Err(missing());
        }
        self.authorize_import(actor, review, staged.agency_id)
            .await?;
        Ok(staged)
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
        self.commit_chronology(actor, review, agency, file, preview)
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
        preview: ImportPreview,
    ) -> AppResult<ChronologyImport> {
        self.commit_from(actor, review, agency, file, preview, (None, &|_| {}))
            .await
    }

    /// [`App::commit_chronology`], telling `progress` how many entries are stored so far.
    pub async fn commit_chronology_with_progress(
        &self,
        actor: &Actor,
        review: ReviewId,
        agency: AgencyId,
        file: ImportFile<'_>,
        preview: ImportPreview,
        progress: casewindow_store::Progress<'_>,
    ) -> AppResult<ChronologyImport> {
        self.commit_from(actor, review, agency, file, preview, (None, progress))
            .await
    }

    async fn commit_from(
        &self,
        actor: &Actor,
        review: ReviewId,
        agency: AgencyId,
        file: ImportFile<'_>,
        preview: ImportPreview,
        (staged, progress): (Option<uuid::Uuid>, casewindow_store::Progress<'_>),
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
        let sha256 = preview.sha256.clone();
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
            legal_basis: None,
            access: Default::default(),
            file: None,
        };
        crate::error::check_fields(&document)?;
        let import_id = uuid::Uuid::new_v4();
        let ImportPreview {
            entries: drafts,
            format,
            mapping,
            ..
        } = preview;
        // The drafts are moved into the entries, not copied: a large file's text is held once.
        let mut entries = Vec::with_capacity(drafts.len());
        for (index, draft) in drafts.into_iter().enumerate() {
            let index = u32::try_from(index).map_err(|_| {
                problem(
                    "file",
                    format!("{}: more entries than one import holds", file.name),
                )
            })?;
            let entry = ChronologyEntry {
                id: casewindow_store::entry_id(import_id, index),
                review_id: review,
                agency_id: agency,
                occurred: draft.occurred,
                actor_role: draft.actor_role,
                contact_type: draft.contact_type,
                description: draft.description,
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
            id: import_id,
            review_id: review,
            agency_id: agency,
            document_id: document.id,
            file_name: file.name.to_owned(),
            sha256,
            format: format.to_owned(),
            mapping: serde_json::to_string(&mapping)
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
                staged,
                progress,
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
            Some(own) if own != agency => {
                return Err(AppError::NotFound {
                    what: format!("agency {agency}"),
                });
            }
            _ => {}
        }
        // A withdrawn agency (added by mistake) takes no new chronology.
        if let Ok(found) = self.store.agency(agency).await
            && found.withdrawn.is_some()
        {
            return Err(problem(
                "agency_id",
                format!(
                    "{} was withdrawn: choose the agency the chronology is from",
                    found.name
                ),
            ));
        }
        Ok(())
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

    /// Refuses to replace a submission whose entries the narrative cites. The citations are
    /// read first, and only the cited entries are looked up.
    async fn refuse_if_cited(
        &self,
        review: ReviewId,
        previous: &ChronologyImport,
    ) -> AppResult<()> {
        let mut citing = Vec::new();
        for section in self.store.list::<NarrativeSection>(review.0).await? {
            for citation in &section.record.citations {
                let CitationTarget::ChronologyEntry(id) = citation.target else {
                    continue;
                };
                let replaced = match self.store.get::<ChronologyEntry>(id.0).await {
                    Ok(entry) => entry
                        .record
                        .source
                        .is_some_and(|s| s.document_id == previous.document_id),
                    Err(casewindow_store::StoreError::NotFound { .. }) => false,
                    Err(err) => return Err(err.into()),
                };
                if replaced {
                    citing.push(format!("\"{}\"", section.record.heading));
                    break;
                }
            }
        }
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
