//! `casewindow export review` and `casewindow import review`.

use anyhow::Context as _;
use casewindow_app::{Actor, App};
use casewindow_domain::ids::ReviewId;
use casewindow_store_sql::SqlStore;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum ExportWhat {
    /// A whole review, losslessly.
    Review {
        /// The review's id (see `casewindow reviews`).
        id: ReviewId,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Json,
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
}

pub async fn export(app: &App<SqlStore>, what: ExportWhat) -> anyhow::Result<()> {
    let ExportWhat::Review {
        id,
        format: Format::Json,
        output,
    } = what;
    let json = app.export_review_json(id).await?;
    match output {
        Some(path) => {
            std::fs::write(&path, json).with_context(|| format!("writing {}", path.display()))?
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(json.as_bytes())
                .context("writing to standard output")?;
            stdout.flush().context("writing to standard output")?;
        }
    }
    Ok(())
}

pub async fn import(app: &App<SqlStore>, what: ImportWhat) -> anyhow::Result<()> {
    let ImportWhat::Review { files } = what;
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
