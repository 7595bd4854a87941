//! `casewindow demo`.

use casewindow_app::App;
use casewindow_store_sql::SqlStore;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(app: &App<SqlStore>, _args: Args) -> anyhow::Result<()> {
    let bar = ProgressBar::new(casewindow_app::demo_documents().len() as u64);
    bar.set_style(
        ProgressStyle::with_template("loading demo reviews {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let summary = app
        .load_demo(|done, _total, name| {
            bar.set_position(done as u64);
            bar.set_message(name.to_owned());
        })
        .await?;
    bar.finish_and_clear();
    if summary.skipped {
        eprintln!("the database already holds reviews; the demo was not loaded");
    } else {
        eprintln!(
            "loaded {} demo reviews ({} records)",
            summary.reviews_loaded, summary.records
        );
    }
    Ok(())
}
