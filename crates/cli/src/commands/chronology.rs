//! `casewindow chronology`: import an agency's chronology from the file it sent (CSV, XLSX, XLS,
//! ODS or a table in a DOCX), after showing every row that cannot be read; list the imports.

use anyhow::Context as _;
use casewindow_app::{Actor, App, ImportFile};
use casewindow_chronology::Mapping;
use casewindow_domain::ids::{AgencyId, ReviewId};
use casewindow_store_sql::SqlStore;

#[derive(Debug, clap::Subcommand)]
pub enum ChronologyCommand {
    /// Import one agency's chronology, replacing its previous submission (kept in history).
    /// Nothing is written while any row has a problem; every problem is listed with its row,
    /// column and reason.
    Import {
        /// The review's id (see `casewindow reviews`).
        #[arg(long)]
        review: uuid::Uuid,
        /// The agency, by name or id.
        #[arg(long)]
        agency: String,
        /// The file: .csv, .xlsx, .xls, .ods or .docx.
        file: std::path::PathBuf,
        /// A column mapping (JSON: {"header_rows": [1], "columns": [["date", "Date"], ...]});
        /// without it, the agency's last mapping, else one guessed from the headings.
        #[arg(long)]
        mapping: Option<std::path::PathBuf>,
        /// Only show what would be imported.
        #[arg(long)]
        dry_run: bool,
    },
    /// List a review's chronology imports, current and replaced.
    Imports {
        #[arg(long)]
        review: uuid::Uuid,
    },
}

pub async fn run(app: &App<SqlStore>, command: ChronologyCommand) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    match command {
        ChronologyCommand::Import {
            review,
            agency,
            file,
            mapping,
            dry_run,
        } => {
            let review = ReviewId(review);
            let agency = find_agency(app, review, &agency).await?;
            let mapping: Option<Mapping> = match mapping {
                Some(path) => Some(
                    serde_json::from_slice(
                        &std::fs::read(&path)
                            .with_context(|| format!("reading {}", path.display()))?,
                    )
                    .with_context(|| format!("{}: not a column mapping", path.display()))?,
                ),
                None => None,
            };
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.display().to_string());
            let input = ImportFile {
                name: &name,
                bytes: &bytes,
            };
            let bar = super::spinner(&format!("reading {name}"));
            let preview = app
                .preview_chronology(&actor, review, agency, input, mapping.clone())
                .await;
            bar.finish_and_clear();
            let preview = preview?;
            eprintln!(
                "{name}: {} \"{}\", {} entries, {} rows with problems",
                preview.format,
                preview.table,
                preview.entries.len(),
                preview.problems.len()
            );
            for p in &preview.problems {
                eprintln!(
                    "  {name}: row {}, column \"{}\": {}",
                    p.row, p.column, p.reason
                );
            }
            for (row, why) in &preview.doubtful {
                eprintln!("  {name}: row {row}: check the date: {why}");
            }
            if let Some(previous) = &preview.replaces {
                eprintln!(
                    "replaces {} ({} entries, imported {})",
                    previous.file_name,
                    previous.entries,
                    previous.imported_at.format("%-d %B %Y %H:%M")
                );
            }
            if dry_run {
                return Ok(());
            }
            if !preview.problems.is_empty() {
                anyhow::bail!(
                    "nothing was imported: correct the {} rows above and import again",
                    preview.problems.len()
                );
            }
            let bar = indicatif::ProgressBar::new(preview.entries.len() as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "storing {bar:40} {pos}/{len} entries ({eta} left)",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let shown = bar.clone();
            let stored = app
                .commit_chronology_with_progress(
                    &actor,
                    review,
                    agency,
                    input,
                    preview,
                    &move |done| shown.set_position(done as u64),
                )
                .await;
            bar.finish_and_clear();
            let stored = stored?;
            eprintln!(
                "imported {} entries from {name} (import {})",
                stored.entries, stored.id
            );
        }
        ChronologyCommand::Imports { review } => {
            let agencies = app.all_agencies(&actor).await?;
            for import in app.chronology_imports(&actor, ReviewId(review)).await? {
                let agency = agencies
                    .iter()
                    .find(|a| a.id == import.agency_id)
                    .map(|a| a.name.clone())
                    .unwrap_or_default();
                println!(
                    "{}\t{}\t{}\t{} entries\t{}\t{}",
                    import.imported_at.format("%Y-%m-%d %H:%M"),
                    agency,
                    import.file_name,
                    import.entries,
                    if import.replaced_by.is_some() {
                        "replaced"
                    } else {
                        "current"
                    },
                    import.id
                );
            }
        }
    }
    Ok(())
}

/// The agency by id or name; a unique part of a name will do. When none fits, the review's
/// partnership's agencies are listed.
async fn find_agency(
    app: &App<SqlStore>,
    review: ReviewId,
    wanted: &str,
) -> anyhow::Result<AgencyId> {
    let wanted = wanted.trim();
    let actor = casewindow_app::Actor::system("cli");
    let agencies = app.all_agencies(&actor).await?;
    if let Some(agency) = agencies
        .iter()
        .find(|a| a.id.to_string() == wanted || a.name.eq_ignore_ascii_case(wanted))
    {
        return Ok(agency.id);
    }
    let lower = wanted.to_lowercase();
    let partial: Vec<_> = agencies
        .iter()
        .filter(|a| a.name.to_lowercase().contains(&lower))
        .collect();
    match partial.as_slice() {
        [one] => Ok(one.id),
        [] => {
            let partnership = app
                .review(&actor, review)
                .await
                .ok()
                .map(|r| r.record.partnership_id);
            let known: Vec<&str> = agencies
                .iter()
                .filter(|a| partnership.is_some() && a.partnership_id == partnership)
                .map(|a| a.name.as_str())
                .collect();
            anyhow::bail!(
                "no agency is called \"{wanted}\" (the review's partnership has: {})",
                known.join(", ")
            )
        }
        several => anyhow::bail!(
            "\"{wanted}\" could be any of: {}",
            several
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
