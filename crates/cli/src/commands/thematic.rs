//! `casewindow thematic`: a thematic analysis across the library's reviews, as a national
//! analyst reads it (every review, de-identified, counts under 5 suppressed), written as JSON,
//! HTML, Word or PDF and kept as a version. Kept versions can be listed, written again and
//! compared.

use anyhow::Context as _;
use casewindow_app::reports::Format;
use casewindow_app::thematic::ThematicRequest;
use casewindow_app::{Actor, App};
use casewindow_report::thematic::{cell, scope_text};
use casewindow_store_sql::SqlStore;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Json,
    Html,
    Docx,
    Pdf,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A partnership, by name, to analyse (repeat for a region); none: every partnership.
    #[arg(long = "partnership", value_name = "NAME")]
    partnerships: Vec<String>,
    /// The first year (the year a review opened) to analyse.
    #[arg(long, value_name = "YEAR")]
    from: Option<i32>,
    /// The last year to analyse.
    #[arg(long, value_name = "YEAR")]
    to: Option<i32>,
    /// A kind of review to analyse (repeat for several), as in the review document:
    /// e.g. local_child_safeguarding_practice_review.
    #[arg(long = "kind", value_name = "KIND")]
    kinds: Vec<String>,
    /// The file format.
    #[arg(long, value_enum, required_unless_present_any = ["versions", "compare"])]
    format: Option<FormatArg>,
    /// Where to write the file.
    #[arg(long, short, required_unless_present_any = ["versions", "compare"])]
    out: Option<std::path::PathBuf>,
    /// Write a kept analysis again (its id from --versions) instead of making a new one.
    #[arg(long, value_name = "ID", conflicts_with_all = ["partnerships", "from", "to", "kinds"])]
    version: Option<uuid::Uuid>,
    /// List the kept analyses, newest first.
    #[arg(long, conflicts_with_all = ["version", "compare", "format", "out"])]
    versions: bool,
    /// Compare two kept analyses' figures, side by side.
    #[arg(long, num_args = 2, value_names = ["FIRST", "SECOND"], conflicts_with_all = ["version", "format", "out"])]
    compare: Option<Vec<uuid::Uuid>>,
}

/// The command line reads the library as national analysts do: de-identified.
fn analyst() -> Actor {
    Actor {
        national_analyst: true,
        ..Actor::system("cli thematic analysis")
    }
}

pub async fn run(app: App<SqlStore>, args: Args) -> anyhow::Result<()> {
    let actor = analyst();
    if args.versions {
        println!("id\tmade at\tlibrary state\treviews\tfindings\tscope");
        for v in app.thematic_versions(&actor).await? {
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}",
                v.id,
                v.made_at.format("%Y-%m-%d %H:%M"),
                v.library_state,
                cell(v.reviews),
                cell(v.findings),
                scope_text(&v.scope)
            );
        }
        return Ok(());
    }
    if let Some(ids) = &args.compare {
        let [first, second] = ids.as_slice() else {
            anyhow::bail!("--compare takes two analyses' ids");
        };
        println!("figure\t{first}\t{second}");
        for row in app.compare_thematic(&actor, *first, *second).await? {
            println!("{}\t{}\t{}", row.what, cell(row.first), cell(row.second));
        }
        return Ok(());
    }
    let (Some(format), Some(out)) = (args.format, args.out) else {
        anyhow::bail!("give --format and --out");
    };
    let app = super::serve::with_model(app)?;
    let analysis = match args.version {
        Some(id) => app.thematic_version(&actor, id).await?,
        None => {
            let kinds = args
                .kinds
                .iter()
                .map(|k| {
                    serde_json::from_value(serde_json::Value::String(k.clone()))
                        .with_context(|| format!("--kind {k}: not a kind of review"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let request = ThematicRequest {
                partnerships: args.partnerships,
                from: args.from,
                to: args.to,
                kinds,
            };
            let (id, analysis) = app.thematic(&actor, &request).await?;
            eprintln!("kept as version {id}");
            analysis
        }
    };
    let bytes = match format {
        FormatArg::Json => serde_json::to_vec_pretty(&analysis)?,
        FormatArg::Html => app.render_thematic(&analysis, Format::Html).await?,
        FormatArg::Docx => app.render_thematic(&analysis, Format::Docx).await?,
        FormatArg::Pdf => app.render_thematic(&analysis, Format::Pdf).await?,
    };
    std::fs::write(&out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}
