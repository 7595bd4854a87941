//! `casewindow report`: the review report or the 7-minute briefing as Word, PDF or HTML, from
//! the records as they stand (the same document the pages offer).

use anyhow::Context as _;
use casewindow_app::reports::Format;
use casewindow_app::{Actor, App};
use casewindow_domain::ids::ReviewId;
use casewindow_report::DocumentKind;
use casewindow_store_sql::SqlStore;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum FormatArg {
    Docx,
    Pdf,
    Html,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The review's id (see `casewindow reviews`).
    #[arg(long)]
    review: uuid::Uuid,
    /// The 7-minute briefing instead of the full report.
    #[arg(long)]
    briefing: bool,
    /// The file format.
    #[arg(long, value_enum, default_value = "docx")]
    format: FormatArg,
    /// Where to write the file.
    #[arg(long, short)]
    out: std::path::PathBuf,
}

pub async fn run(app: &App<SqlStore>, args: Args) -> anyhow::Result<()> {
    let kind = if args.briefing {
        DocumentKind::Briefing
    } else {
        DocumentKind::Report
    };
    let format = match args.format {
        FormatArg::Docx => Format::Docx,
        FormatArg::Pdf => Format::Pdf,
        FormatArg::Html => Format::Html,
    };
    let bytes = app
        .render_document(&Actor::system("cli"), ReviewId(args.review), kind, format)
        .await?;
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!("wrote {} ({} bytes)", args.out.display(), bytes.len());
    Ok(())
}
