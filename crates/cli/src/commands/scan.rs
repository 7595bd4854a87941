//! `casewindow scan`: the identifier scan over a text file.

use std::path::PathBuf;

use anyhow::Context as _;
use casewindow_redact::{Gazetteer, Scanner};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The text to scan (UTF-8). Offsets in the output are bytes into this file.
    #[arg(long)]
    text: PathBuf,
    /// The review's gazetteer: {"people": [{"name", "aliases", "pseudonym"}], "places":
    /// [{"name", "kind": "school"|"gp"|"other"}], "conditions": [...]}.
    #[arg(long)]
    gazetteer: Option<PathBuf>,
    /// Print one JSON object: {"hits": [{"kind", "start", "end", "text", "suggestion"}]}.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let name = args.text.display().to_string();
    let bytes = std::fs::read(&args.text).with_context(|| format!("reading {name}"))?;
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(e) => anyhow::bail!(
            "{name} is not UTF-8 text (invalid byte at offset {}); save it as UTF-8 and scan again",
            e.valid_up_to()
        ),
    };
    let gazetteer = match &args.gazetteer {
        Some(path) => {
            let g = path.display().to_string();
            let source = std::fs::read_to_string(path).with_context(|| format!("reading {g}"))?;
            Gazetteer::from_json(&source).with_context(|| format!("reading {g}"))?
        }
        None => Gazetteer::default(),
    };
    let hits = Scanner::new(&gazetteer)?.scan(text);
    if args.json {
        println!("{}", serde_json::json!({ "hits": hits }));
        return Ok(());
    }
    if hits.is_empty() {
        println!("No identifiers found in {name}.");
    }
    for hit in &hits {
        let line = text[..hit.start].matches('\n').count() + 1;
        println!(
            "line {line}, bytes {}-{}: {:?} ({}) -> suggest {:?}",
            hit.start,
            hit.end,
            hit.text,
            serde_json::to_value(hit.kind)?.as_str().unwrap_or(""),
            hit.suggestion
        );
    }
    Ok(())
}
