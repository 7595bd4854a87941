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
    /// A whole review from a file written by `export review` (or `-` for standard input).
    Review {
        /// The file, or `-` for standard input.
        file: String,
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
    let ImportWhat::Review { file } = what;
    let (name, text) = if file == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
        ("standard input".to_owned(), text)
    } else {
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {file}"))?;
        (file.clone(), text)
    };
    let bar = super::spinner(&format!("importing {name}"));
    let outcome = app.import_review(&Actor::system("cli"), &text).await;
    bar.finish_and_clear();
    let (review_id, summary) = outcome.with_context(|| format!("importing {name}"))?;
    eprintln!(
        "imported review {review_id}: {} records, {} revisions, {} lifecycle transitions ({} reference rows already present)",
        summary.records, summary.revisions, summary.transitions, summary.kept_existing
    );
    Ok(())
}
