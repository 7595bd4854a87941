//! `casewindow backup` and `casewindow restore` (SQLite).

use anyhow::Context as _;
use casewindow_store_sql::{DatabaseUrl, SqlStore, sqlite};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The new backup file (must not exist).
    file: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup file to restore from.
    file: PathBuf,
}

pub async fn backup(store: &SqlStore, args: BackupArgs) -> anyhow::Result<()> {
    let bar = super::spinner("writing backup");
    let outcome = sqlite::backup(store, &args.file).await;
    bar.finish_and_clear();
    let bytes = outcome.with_context(|| format!("backing up to {}", args.file.display()))?;
    eprintln!(
        "backed up {} to {} ({bytes} bytes)",
        store.describe(),
        args.file.display()
    );
    Ok(())
}

pub async fn restore(url: &str, args: RestoreArgs) -> anyhow::Result<()> {
    let DatabaseUrl::Sqlite { path } = DatabaseUrl::parse(url)? else {
        anyhow::bail!("restore is for SQLite databases; use pg_restore for PostgreSQL");
    };
    let kept = sqlite::restore(&args.file, &path)
        .await
        .with_context(|| format!("restoring {} from {}", path.display(), args.file.display()))?;
    eprintln!("restored {} from {}", path.display(), args.file.display());
    if let Some(kept) = kept {
        eprintln!("the database it replaced is kept as {}", kept.display());
    }
    Ok(())
}
