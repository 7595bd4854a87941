//! `casewindow suggest`: the pattern library's suggestion for a finding's text, from the
//! database's library (as the finding editor shows it).

use anyhow::Context as _;
use casewindow_app::{Actor, App};
use casewindow_domain::ids::ReviewId;
use casewindow_store_sql::SqlStore;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The finding's text (or use --file).
    text: Option<String>,
    /// Read the text from this file.
    #[arg(long, conflicts_with = "text")]
    file: Option<std::path::PathBuf>,
    /// The review the finding belongs to (its own findings are then left out of the evidence).
    #[arg(long)]
    review: Option<uuid::Uuid>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub async fn run(app: App<SqlStore>, args: Args) -> anyhow::Result<()> {
    let text = match (&args.text, &args.file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        (None, None) => anyhow::bail!("give the finding's text, or --file FILE"),
    };
    let app = super::serve::with_model(app)?;
    let review = ReviewId(args.review.unwrap_or(uuid::Uuid::nil()));
    let s = app
        .suggest_for_finding(&Actor::system("cli"), review, &text)
        .await?;
    if args.json {
        let value = s.to_json();
        println!("{value}");
        return Ok(());
    }
    if s.unsure {
        println!("not clear-cut (below 60%): weigh both");
    }
    for (i, (pattern, p)) in s.patterns.iter().enumerate().take(2) {
        let which = match (i, s.unsure) {
            (0, false) => "suggested",
            (_, false) => "runner-up",
            (_, true) => "either",
        };
        println!("{which}: {pattern} ({:.0}%)", p * 100.0);
    }
    println!("likely recurrent issues:");
    for issue in &s.issues {
        println!(
            "  {} ({}) {:.0}%",
            issue.label,
            issue.pattern.short_label(),
            issue.probability * 100.0
        );
    }
    println!("nearest library findings:");
    for r in &s.reasons {
        println!(
            "  [{}] {:.0}% similar{}: {}",
            r.pattern.short_label(),
            r.similarity * 100.0,
            r.review
                .as_deref()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default(),
            r.text
                .as_deref()
                .map(|t| {
                    if t.chars().count() > 200 {
                        format!("{}…", t.chars().take(200).collect::<String>())
                    } else {
                        t.to_owned()
                    }
                })
                .unwrap_or_default()
        );
    }
    println!("({} library findings; {})", s.library_size, s.engine);
    Ok(())
}
