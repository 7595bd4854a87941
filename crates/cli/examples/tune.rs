//! Chooses the pattern engine's settings on the product's own shipped knowledge, never on a set
//! it is measured on: the demo library and each file of worked examples (written apart) are
//! predicted in turn from the rest (with the typology's wording and the starter issues); every
//! setting in a small grid is scored by its pooled macro-F1 and log-loss over the parts; the
//! recurrent-issue settings by top-3 over the demo library's reviews, each left out in turn.
//!
//! Usage: `cargo run --release -p casewindow-cli --example tune` (with `CASEWINDOW_MODEL_DIR`
//! set, as `source scripts/env.sh && ensure_model` does; without it, lexical features only).

use std::sync::Arc;

use casewindow_patterns::Settings;
use casewindow_patterns::engine::{CachedEmbedder, Embedder};
use casewindow_patterns::eval::transfer;

fn main() -> anyhow::Result<()> {
    let model = match std::env::var_os("CASEWINDOW_MODEL_DIR") {
        Some(dir) => Some(casewindow_embed::SentenceModel::load(
            std::path::Path::new(&dir),
        )?),
        None => None,
    };
    let cached = model.map(|m| CachedEmbedder::new(Arc::new(m)));
    let embedder = cached.as_ref().map(|c| c as &dyn Embedder);
    let shipped = casewindow_app::patterns::starter_knowledge();
    // The demo library and each file of worked examples, written apart, in turn.
    let part = |e: &casewindow_patterns::Example| {
        e.id.strip_prefix("worked-")
            .and_then(|rest| rest.split('-').next())
            .map_or_else(
                || "demo library".to_owned(),
                |file| format!("worked {file}"),
            )
    };
    let mut rows = Vec::new();
    for neighbour_share in [0.0, 0.15, 0.3] {
        for issue_share in [0.0, 0.15, 0.3] {
            for l2 in [1e-3, 1e-2] {
                for dense_scale in [1.0, 3.0] {
                    let mut settings = Settings {
                        neighbour_share,
                        issue_share,
                        ..Settings::default()
                    };
                    settings.training.l2 = l2;
                    settings.training.dense_scale = dense_scale;
                    let t =
                        transfer(&shipped, part, embedder, settings).map_err(anyhow::Error::msg)?;
                    let each: Vec<String> = t
                        .parts
                        .iter()
                        .map(|(p, accuracy)| format!("{p} {accuracy:.3}"))
                        .collect();
                    rows.push((t.macro_f1, t.nll, format!(
                        "neighbours {neighbour_share:.2}  issues {issue_share:.2}  l2 {l2:.0e}  dense ×{dense_scale:.0}  →  macro-F1 {:.3}  log-loss {:.3}  (accuracy: {})",
                        t.macro_f1, t.nll, each.join(", ")
                    )));
                }
            }
        }
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.total_cmp(&b.1)));
    for (_, _, line) in &rows {
        println!("{line}");
    }
    // Recurrent issues: the demo library's reviews, each left out in turn, matched to the
    // starter issues.
    println!("\nrecurrent issues (demo library, leave one review out):");
    let mut issue_rows = Vec::new();
    for pattern_weight in [0.05, 0.15, 0.3] {
        for linked_share in [0.3, 0.5] {
            for linked_nearest in [0, 2] {
                let settings = Settings {
                    pattern_weight,
                    linked_share,
                    linked_nearest,
                    ..Settings::default()
                };
                let (top1, top3) =
                    casewindow_patterns::eval::transfer_issues(&shipped, embedder, settings)
                        .map_err(anyhow::Error::msg)?;
                issue_rows.push((top3, top1, format!(
                    "pattern weight {pattern_weight:.2}  linked share {linked_share:.1}  nearest {}  →  top-3 {top3:.3}  top-1 {top1:.3}",
                    if linked_nearest == 0 { "all".to_owned() } else { linked_nearest.to_string() }
                )));
            }
        }
    }
    issue_rows.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)));
    for (_, _, line) in issue_rows.iter().take(8) {
        println!("{line}");
    }
    // Calibration of the default settings: the sharpness with the lowest log-loss.
    println!("\ncalibration of the defaults (log-loss by sharpness):");
    for sharpness in [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0] {
        let settings = Settings {
            sharpness,
            ..Settings::default()
        };
        let t = transfer(&shipped, part, embedder, settings).map_err(anyhow::Error::msg)?;
        println!(
            "sharpness {sharpness:.2}  →  log-loss {:.3}  macro-F1 {:.3}",
            t.nll, t.macro_f1
        );
    }
    Ok(())
}
