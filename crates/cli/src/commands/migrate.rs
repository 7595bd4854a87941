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
    // A SQLite database made now gets its vault key beside it (see `vault_key`).
    let new_sqlite = crate::vault_key::sqlite_file(url).filter(|db| args.create && !db.exists());
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
    if let Some(db) = new_sqlite
        && let Some(key) = crate::vault_key::create_beside(&db)?
    {
        eprintln!(
            "created the identity vault's key in {} (readable by you only): keep it with the database's backups; without it no recorded identity can be read",
            key.display()
        );
    }
    store.close().await;
    Ok(())
}
