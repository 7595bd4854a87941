//! `casewindow migrate`.

use anyhow::Context as _;
use casewindow_app::App;
use casewindow_store_sql::{CreateMode, SqlStore};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Create the SQLite database file if it does not exist yet (its folder must exist).
    #[arg(long)]
    create: bool,
}

pub async fn run(url: &str, args: Args) -> anyhow::Result<()> {
    let mode = if args.create {
        CreateMode::CreateIfMissing
    } else {
        CreateMode::MustExist
    };
    let store = SqlStore::open(url, mode)
        .await
        .context("migrating the database")?;
    App::new(store.clone())
        .prepare()
        .await
        .context("preparing reference data")?;
    eprintln!("database {} is up to date", store.describe());
    store.close().await;
    Ok(())
}
