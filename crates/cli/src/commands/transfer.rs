//! `casewindow export` (a review as JSON or REFI-QDA, the library, the codebook, a chronology,
//! the actions) and `casewindow import review`.

use anyhow::Context as _;
use casewindow_app::exchange::Proposal;
use casewindow_app::{Actor, App};
use casewindow_domain::ids::ReviewId;
use casewindow_store_sql::SqlStore;
use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum ExportWhat {
    /// A whole review: losslessly as JSON (for `import review`), or as a REFI-QDA project for
    /// qualitative-analysis software (findings, key practice episodes and narrative as text
    /// sources, coded with their patterns and recurrent issues; texts as they would be
    /// published).
    Review {
        /// The review's id (see `casewindow reviews`).
        id: ReviewId,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReviewFormat::Json)]
        format: ReviewFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// The pattern library's findings, de-identified as national analysts see them: a REFI-QDA
    /// project (each finding coded with its pattern and recurrent issues, each review a case)
    /// or a CSV spreadsheet.
    Library {
        /// Output format.
        #[arg(long, value_enum)]
        format: LibraryFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// The typology and the open recurrent issues as a REFI-QDA codebook: patterns as parent
    /// codes, issues beneath.
    Codebook {
        /// Output format.
        #[arg(long, value_enum, default_value_t = CodebookFormat::Qdc)]
        format: CodebookFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// A review's chronology as a CSV spreadsheet (dates as dates).
    Chronology {
        /// The review's id.
        id: ReviewId,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CsvFormat::Csv)]
        format: CsvFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Every review's actions as a CSV spreadsheet.
    Actions {
        /// Output format.
        #[arg(long, value_enum, default_value_t = CsvFormat::Csv)]
        format: CsvFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ReviewFormat {
    Json,
    Qdpx,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LibraryFormat {
    Qdpx,
    Csv,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CodebookFormat {
    Qdc,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CsvFormat {
    Csv,
}

#[derive(Debug, clap::Subcommand)]
pub enum ImportWhat {
    /// Whole reviews from files written by `export review` (or `-` for standard input). Each
    /// file is imported atomically; the first failure stops the run.
    Review {
        /// The files, or `-` for standard input.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// A REFI-QDA codebook (`.qdc`) made elsewhere, as proposed recurrent issues. A person
    /// chooses each code's pattern on the library's import page; here `--dry-run --json`
    /// prints what casewindow would propose for each code and writes nothing.
    Codebook {
        /// The `.qdc` file.
        file: PathBuf,
        /// Write nothing (required: the import itself is a person's choice, on the pages).
        #[arg(long)]
        dry_run: bool,
        /// Print the proposal as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn export(app: &App<SqlStore>, what: ExportWhat) -> anyhow::Result<()> {
    let actor = Actor::system("cli export");
    // The library leaves the command line as national analysts see it: de-identified.
    let analyst = Actor {
        national_analyst: true,
        ..Actor::system("cli export library")
    };
    let (bytes, binary, output) = match what {
        ExportWhat::Review {
            id,
            format: ReviewFormat::Json,
            output,
        } => (
            app.export_review_json(id).await?.into_bytes(),
            false,
            output,
        ),
        ExportWhat::Review {
            id,
            format: ReviewFormat::Qdpx,
            output,
        } => (app.export_review_qdpx(&actor, id).await?, true, output),
        ExportWhat::Library {
            format: LibraryFormat::Qdpx,
            output,
        } => (app.export_library_qdpx(&analyst).await?, true, output),
        ExportWhat::Library {
            format: LibraryFormat::Csv,
            output,
        } => (app.library_findings_csv(&analyst).await?, false, output),
        ExportWhat::Codebook {
            format: CodebookFormat::Qdc,
            output,
        } => (
            app.export_codebook_qdc(&actor).await?.into_bytes(),
            false,
            output,
        ),
        ExportWhat::Chronology {
            id,
            format: CsvFormat::Csv,
            output,
        } => (app.chronology_csv(&actor, id).await?.1, false, output),
        ExportWhat::Actions {
            format: CsvFormat::Csv,
            output,
        } => (app.actions_csv(&actor).await?, false, output),
    };
    match output {
        Some(path) => {
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            if binary && stdout.is_terminal() {
                anyhow::bail!(
                    "a .qdpx project is a zip archive, not text: name a file with -o FILE"
                );
            }
            stdout
                .write_all(&bytes)
                .context("writing to standard output")?;
            stdout.flush().context("writing to standard output")?;
        }
    }
    Ok(())
}

pub async fn import(app: &App<SqlStore>, what: ImportWhat) -> anyhow::Result<()> {
    let files = match what {
        ImportWhat::Review { files } => files,
        ImportWhat::Codebook {
            file,
            dry_run,
            json,
        } => return codebook_proposal(app, &file, dry_run, json).await,
    };
    let bar = if files.len() > 1 {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("importing reviews {bar:30} {pos}/{len}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        super::spinner("importing")
    };
    for file in &files {
        let (name, text) = if file == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading standard input")?;
            ("standard input".to_owned(), text)
        } else {
            let text = std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?;
            (file.clone(), text)
        };
        let outcome = app.import_review(&Actor::system("cli"), &text).await;
        bar.inc(1);
        let (review_id, summary) = match outcome {
            Ok(done) => done,
            Err(err) => {
                bar.finish_and_clear();
                return Err(err).with_context(|| format!("importing {name}"));
            }
        };
        if files.len() == 1 {
            bar.finish_and_clear();
            eprintln!(
                "imported review {review_id}: {} records, {} revisions, {} lifecycle transitions ({} reference rows already present)",
                summary.records, summary.revisions, summary.transitions, summary.kept_existing
            );
        }
    }
    if files.len() > 1 {
        bar.finish_and_clear();
        eprintln!("imported {} reviews", files.len());
    }
    Ok(())
}

async fn codebook_proposal(
    app: &App<SqlStore>,
    file: &std::path::Path,
    dry_run: bool,
    json: bool,
) -> anyhow::Result<()> {
    if !dry_run {
        anyhow::bail!(
            "a codebook is imported on the library's Codebook page, where a person chooses each \
             code's pattern; --dry-run shows what casewindow would propose"
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let name = file.display().to_string();
    let proposal = app
        .codebook_proposal(&Actor::system("cli"), &name, &bytes)
        .await?;
    if json {
        let codes: Vec<serde_json::Value> = proposal
            .codes
            .iter()
            .map(|c| {
                let (kind, pattern, probability) = match &c.proposal {
                    Proposal::IsPattern(p) => ("is_pattern", Some(*p), None),
                    Proposal::Beneath(p) => ("beneath", Some(*p), None),
                    Proposal::Suggested(p, v) => ("suggested", Some(*p), Some(*v)),
                    Proposal::AlreadyHeld(p, _) => ("already_held", Some(*p), None),
                    Proposal::Unknown => ("unknown", None, None),
                };
                serde_json::json!({
                    "index": c.index,
                    "depth": c.depth,
                    "parents": c.parents,
                    "name": c.name,
                    "description": c.description,
                    "proposal": kind,
                    "pattern": pattern.map(|p| p.key()),
                    "probability": probability,
                })
            })
            .collect();
        let out = serde_json::json!({"file": proposal.file_name, "codes": codes});
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for c in &proposal.codes {
            let what = match &c.proposal {
                Proposal::IsPattern(p) => format!("names pattern {p}"),
                Proposal::Beneath(p) => format!("proposed under {p}"),
                Proposal::Suggested(p, v) => {
                    format!("suggested under {p} ({:.0}%)", v * 100.0)
                }
                Proposal::AlreadyHeld(p, label) => format!("already held under {p}: {label}"),
                Proposal::Unknown => "no pattern proposed".to_owned(),
            };
            println!("{}{}: {what}", "  ".repeat(c.depth), c.name);
        }
    }
    Ok(())
}
