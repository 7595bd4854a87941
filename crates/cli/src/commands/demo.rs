//! `casewindow demo`.

use casewindow_app::App;
use casewindow_store_sql::SqlStore;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Password for the demo accounts (fictional users). Without it, a random one is made and
    /// printed once; `casewindow user password EMAIL` sets a new one later.
    #[arg(long, env = "CASEWINDOW_DEMO_PASSWORD", hide_env_values = true)]
    password: Option<String>,
}

pub async fn run(app: &App<SqlStore>, args: Args) -> anyhow::Result<()> {
    let generated = args.password.is_none();
    let password = args
        .password
        .unwrap_or_else(|| format!("demo-{}", &casewindow_app::random_token()[..16]));
    let bar = ProgressBar::new(casewindow_app::demo_documents().len() as u64);
    bar.set_style(
        ProgressStyle::with_template("loading demo reviews {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let summary = app
        .load_demo(Some(&password), |done, _total, name| {
            bar.set_position(done as u64);
            bar.set_message(name.to_owned());
        })
        .await?;
    bar.finish_and_clear();
    if summary.skipped {
        eprintln!("the database already holds reviews; the demo was not loaded");
        return Ok(());
    }
    eprintln!(
        "loaded {} demo reviews ({} records)",
        summary.reviews_loaded, summary.records
    );
    if let Some(email) = summary.sign_in_email {
        eprintln!("demo sign-in: {email}");
        if generated {
            eprintln!(
                "demo password: {password}  (shown once; `casewindow user password {email}` sets a new one)"
            );
        }
    }
    Ok(())
}
