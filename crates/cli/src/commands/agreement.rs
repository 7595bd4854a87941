//! `casewindow agreement`: Cohen's kappa between two raters' patterns for the same findings.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context as _;
use casewindow_domain::typology::Pattern;
use casewindow_patterns::eval::{agreement, parse_labels};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The first rater's classifications (JSON Lines with `id` and `category`).
    #[arg(long)]
    a: PathBuf,
    /// The second rater's classifications, matched to the first by `id`.
    #[arg(long)]
    b: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let read = |path: &PathBuf| -> anyhow::Result<Vec<(String, Pattern)>> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {name}"))?;
        Ok(parse_labels(&name, &text)?)
    };
    let a = read(&args.a)?;
    let b: HashMap<String, Pattern> = read(&args.b)?.into_iter().collect();
    let mut pairs = Vec::new();
    let mut only_a = 0usize;
    for (id, pattern) in &a {
        match b.get(id) {
            Some(other) => pairs.push((*pattern, *other)),
            None => only_a += 1,
        }
    }
    let only_b = b.len() - pairs.len().min(b.len());
    if pairs.is_empty() {
        anyhow::bail!("the two files share no finding ids");
    }
    let result = agreement(&pairs);
    if args.json {
        let mut value = serde_json::to_value(&result)?;
        value["labels"] = serde_json::json!(Pattern::ALL.map(Pattern::key));
        value["only_in_a"] = only_a.into();
        value["only_in_b"] = only_b.into();
        println!("{value}");
        return Ok(());
    }
    println!(
        "{} findings rated by both ({} only in the first file, {} only in the second)",
        result.n, only_a, only_b
    );
    println!(
        "observed agreement {:.3}, Cohen's kappa {:.3}",
        result.observed, result.kappa
    );
    for (pattern, kappa) in &result.per_pattern {
        println!("  {pattern:<22} kappa {kappa:.3}");
    }
    println!("confusion (rows: first file, columns: second file, in typology order 1-6):");
    for (pattern, row) in Pattern::ALL.iter().zip(&result.confusion) {
        let cells: Vec<String> = row.iter().map(|c| format!("{c:>4}")).collect();
        println!("  {} {}", pattern.number(), cells.join(""));
    }
    Ok(())
}
