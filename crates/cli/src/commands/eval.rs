//! `casewindow eval`: measures the pattern engine on a labelled file.

use std::path::PathBuf;

use anyhow::Context as _;
use casewindow_patterns::Settings;
use casewindow_patterns::engine::CachedEmbedder;
use casewindow_patterns::eval::{
    EvalInput, evaluate, evaluate_leave_one_review_out, evaluate_stream, parse_findings,
    parse_issues,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Labelled test findings (JSON Lines: id, text, category, optional issue and review).
    #[arg(long)]
    test: PathBuf,
    /// Labelled findings loaded as library content before the test findings are predicted.
    #[arg(long)]
    library: Option<PathBuf>,
    /// A curated recurrent-issue list (JSON array of {issue, category, label, description}).
    #[arg(long)]
    issues: Option<PathBuf>,
    /// Print one JSON object (otherwise a short readable summary).
    #[arg(long)]
    json: bool,
    /// Also write each test finding's predictions here (JSON Lines).
    #[arg(long)]
    predictions: Option<PathBuf>,
    /// Directory of the sentence-embedding model (set-up installs all-MiniLM-L6-v2 there).
    #[arg(long, env = "CASEWINDOW_MODEL_DIR")]
    model_dir: Option<PathBuf>,
    /// Leave one review out: predict each review's test findings with the other test findings
    /// loaded as library content, and pool the predictions.
    #[arg(long)]
    leave_one_review_out: bool,
    /// Use lexical features only, even when a model is available.
    #[arg(long)]
    no_model: bool,
    /// Simulate a growing library: the test findings arrive review by review (in file order),
    /// each predicted with every earlier review's findings added as decided; prints the learning
    /// curve in blocks of this many reviews.
    #[arg(long, value_name = "REVIEWS", conflicts_with = "leave_one_review_out")]
    stream: Option<usize>,
}

/// Loads the sentence-embedding model unless told not to; says plainly when there is none.
pub fn load_model(
    dir: Option<&PathBuf>,
    disabled: bool,
) -> anyhow::Result<Option<casewindow_embed::SentenceModel>> {
    if disabled {
        return Ok(None);
    }
    match dir {
        Some(dir) => Ok(Some(casewindow_embed::SentenceModel::load(dir)?)),
        None => {
            eprintln!(
                "note: no sentence-embedding model (set CASEWINDOW_MODEL_DIR); using lexical features only"
            );
            Ok(None)
        }
    }
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let test_name = args.test.display().to_string();
    let test = parse_findings(&test_name, &read(&args.test)?)?;
    if test.is_empty() {
        anyhow::bail!("{test_name} holds no findings");
    }
    let library = match &args.library {
        Some(path) => parse_findings(&path.display().to_string(), &read(path)?)?,
        None => Vec::new(),
    };
    let issues = match &args.issues {
        Some(path) => Some(parse_issues(&path.display().to_string(), &read(path)?)?),
        None => None,
    };
    let input = EvalInput {
        shipped: casewindow_app::patterns::starter_knowledge(),
        library: &library,
        issues: issues.as_deref(),
        test: &test,
    };
    let model = load_model(args.model_dir.as_ref(), args.no_model)?;
    let cached = model.map(|m| CachedEmbedder::new(std::sync::Arc::new(m)));
    let embedder = cached
        .as_ref()
        .map(|c| c as &dyn casewindow_patterns::Embedder);
    if let Some(block) = args.stream {
        let curve = evaluate_stream(input, embedder, Settings::default(), block.max(1))
            .map_err(anyhow::Error::msg)?;
        if args.json {
            println!(
                "{}",
                serde_json::json!({ "n": test.len(), "stream": curve })
            );
        } else {
            println!("reviews before  findings  accuracy  without them  macro-F1  issue top-3");
            for p in &curve {
                println!(
                    "{:>14}  {:>8}  {:>8.3}  {:>12.3}  {:>8.3}  {}",
                    p.reviews_before,
                    p.findings,
                    p.accuracy,
                    p.accuracy_without_earlier,
                    p.macro_f1,
                    p.issue_top3.map_or("–".to_owned(), |t| format!("{t:.3}"))
                );
            }
        }
        return Ok(());
    }
    let (report, predictions) = if args.leave_one_review_out {
        evaluate_leave_one_review_out(input, embedder, Settings::default())
    } else {
        evaluate(input, embedder, Settings::default())
    }
    .map_err(anyhow::Error::msg)?;
    if let Some(path) = &args.predictions {
        let mut out = String::new();
        for p in &predictions {
            out.push_str(&serde_json::to_string(p)?);
            out.push('\n');
        }
        std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!("findings: {}", report.n);
        let c = &report.category;
        println!(
            "pattern: macro-F1 {:.3}, accuracy {:.3}, top-2 accuracy {:.3}",
            c.macro_f1, c.accuracy, c.top2_accuracy
        );
        if let Some(a) = &report.issue_assign {
            println!("issue assignment: top-1 {:.3}, top-3 {:.3}", a.top1, a.top3);
        }
        if let Some(r) = &report.issue_retrieval {
            println!("issue retrieval: MAP {:.3}, P@5 {:.3}", r.map, r.p_at_5);
        }
        if let Some(f) = &report.folds {
            println!(
                "across {} groups of reviews: macro-F1 {:.3} ± {:.3} (min {:.3}, max {:.3})",
                f.k, f.macro_f1.mean, f.macro_f1.sd, f.macro_f1.min, f.macro_f1.max
            );
        }
        let k = &report.calibration;
        println!(
            "calibration: expected calibration error {:.3}; one pattern shown for {} (right {:.3}), two for {} (right one among them {:.3})",
            k.ece, k.sure, k.sure_accuracy, k.unsure, k.unsure_top2_accuracy
        );
    }
    Ok(())
}
