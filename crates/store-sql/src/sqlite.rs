//! What is particular to SQLite: never creating a database by accident, WAL mode, and online
//! backup (`VACUUM INTO`) and restore.

use crate::sqlstore::{ConnectError, CreateMode, SqlStore};
use sqlx::{AnyPool, AssertSqlSafe, Connection};
use std::path::{Path, PathBuf};
use thiserror::Error;

pub use crate::sqlstore::CreateMode as SqliteCreateMode;

/// Refuses a missing file unless asked to create it, and a missing folder always.
pub(crate) fn check_file(path: &Path, create: CreateMode) -> Result<(), ConnectError> {
    if path.exists() {
        return Ok(());
    }
    let shown = path.display().to_string();
    if create == CreateMode::MustExist {
        return Err(ConnectError::Missing { path: shown });
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !folder.is_dir() {
        return Err(ConnectError::MissingFolder {
            path: shown,
            folder: folder.display().to_string(),
        });
    }
    Ok(())
}

/// The lock file beside a database: everyone who opens the database holds it shared; restore
/// needs it alone.
fn lock_path(database: &Path) -> PathBuf {
    PathBuf::from(format!("{}.lock", database.display()))
}

/// Holds the database's lock file shared for as long as the returned file is open.
pub(crate) fn hold_in_use(database: &Path) -> std::io::Result<std::fs::File> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(database))?;
    file.lock_shared()?;
    Ok(file)
}

/// The sqlx URL for a file: created if missing (the caller has already decided it may be).
pub(crate) fn connect_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Per-database settings: write-ahead logging so readers never block the writer. Foreign keys
/// and the busy timeout are set on every connection by sqlx's SQLite driver.
pub(crate) async fn prepare(pool: &AnyPool) -> Result<(), sqlx::Error> {
    sqlx::query("PRAGMA journal_mode = WAL")
        .execute(pool)
        .await?;
    sqlx::query("PRAGMA foreign_keys = ON")
        .execute(pool)
        .await?;
    Ok(())
}

/// Why a backup or restore failed.
#[derive(Debug, Error)]
pub enum BackupError {
    #[error(
        "backup and restore are for SQLite databases; use pg_dump and pg_restore for PostgreSQL"
    )]
    NotSqlite,
    #[error("{0} already exists; choose a new file name so that no backup is overwritten")]
    TargetExists(String),
    #[error("{path} is not a casewindow SQLite database: {reason}")]
    NotADatabase { path: String, reason: String },
    #[error("{0} is in use (a casewindow server or command has it open): stop it, then restore")]
    InUse(String),
    #[error(
        "{path}: its audit trail does not verify ({reason}); it was altered or damaged, so it is not restored"
    )]
    AuditTrail { path: String, reason: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Writes a consistent copy of the live database to `target` (which must not exist).
pub async fn backup(store: &SqlStore, target: &Path) -> Result<u64, BackupError> {
    if store.sqlite_path().is_none() {
        return Err(BackupError::NotSqlite);
    }
    if target.exists() {
        return Err(BackupError::TargetExists(target.display().to_string()));
    }
    let quoted = target.display().to_string().replace('\'', "''");
    sqlx::query(AssertSqlSafe(format!("VACUUM INTO '{quoted}'")))
        .execute(store.pool())
        .await?;
    Ok(std::fs::metadata(target)?.len())
}

/// Checks that `source` is an intact casewindow database whose audit trail verifies, then
/// replaces the database at `target` with it, keeping the database it replaces beside it (the
/// path is returned). Refused while anyone has `target` open.
pub async fn restore(source: &Path, target: &Path) -> Result<Option<PathBuf>, BackupError> {
    verify(source).await?;
    // Nobody may have the database open: a server writing to a file being replaced would lose
    // what it acknowledged.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(target))?;
    if lock.try_lock().is_err() {
        return Err(BackupError::InUse(target.display().to_string()));
    }
    let folder = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("casewindow.db");
    let staging: PathBuf = folder.join(format!(".{name}.restoring"));
    std::fs::copy(source, &staging)?;
    std::fs::File::open(&staging)?.sync_all()?;
    // The database replaced is kept, with its write-ahead log, under a name of its own.
    let kept = if target.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let kept = folder.join(format!("{name}.replaced-{stamp}"));
        std::fs::rename(target, &kept)?;
        for suffix in ["-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{suffix}", target.display()));
            if side.exists() {
                std::fs::rename(&side, format!("{}{suffix}", kept.display()))?;
            }
        }
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&staging, target)?;
    drop(lock);
    Ok(kept)
}

async fn verify(source: &Path) -> Result<(), BackupError> {
    let shown = source.display().to_string();
    let not_db = |reason: String| BackupError::NotADatabase {
        path: shown.clone(),
        reason,
    };
    if !source.is_file() {
        return Err(not_db("no such file".to_owned()));
    }
    let url = format!("sqlite://{}?mode=ro", source.display());
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .map_err(|e| not_db(e.to_string()))?;
    let check: (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| not_db(e.to_string()))?;
    if check.0 != "ok" {
        return Err(not_db(format!("integrity check failed: {}", check.0)));
    }
    let tables: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('_sqlx_migrations', 'reviews')")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| not_db(e.to_string()))?;
    if tables.0 != 2 {
        return Err(not_db("it has no casewindow tables".to_owned()));
    }
    conn.close().await?;
    // The audit trail, chain by chain, as `casewindow audit verify` checks it.
    sqlx::any::install_default_drivers();
    let mut any = sqlx::AnyConnection::connect(&url)
        .await
        .map_err(|e| not_db(e.to_string()))?;
    let chain = crate::audit::verify(&mut any)
        .await
        .map_err(|e| not_db(e.to_string()))?;
    any.close().await?;
    if let Err(reason) = chain {
        return Err(BackupError::AuditTrail {
            path: shown,
            reason,
        });
    }
    Ok(())
}
