//! Test support, for dev-dependencies only.
//!
//! [`TestDb`] gives each test its own freshly migrated database: a SQLite file in a temporary
//! folder, or a uniquely named PostgreSQL database that is dropped afterwards.
//! [`both_backends!`] turns one async test body into a `sqlite` and a `postgres` test, so the
//! test output shows each storage test running on both engines.
//!
//! PostgreSQL is found through `TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, an administrative connection used to create
//! and drop the per-test databases). A PostgreSQL test fails when the server is unreachable;
//! set `CASEWINDOW_SKIP_POSTGRES=1` to skip them knowingly on a machine without one.

pub mod fixtures;

/// The shared corpus of files made by other software (`../shared/corpus`): beside the
/// checkout, or where `CASEWINDOW_SHARED_CORPUS` says; `None` when it is not on this machine.
#[must_use]
pub fn shared_corpus() -> Option<std::path::PathBuf> {
    std::env::var_os("CASEWINDOW_SHARED_CORPUS")
        .map(std::path::PathBuf::from)
        .into_iter()
        .chain([
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
            std::path::PathBuf::from("/work/shared/corpus"),
        ])
        .find(|d| d.join("MANIFEST.tsv").is_file())
}

use casewindow_store_sql::{CreateMode, SqlStore};
use sqlx::{AssertSqlSafe, Connection};
use std::future::Future;

/// Which engine a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A fresh database for one test.
pub struct TestDb {
    pub store: SqlStore,
    /// The URL the store was opened with (for tests that open it again or run the CLI on it).
    pub url: String,
    engine: Engine,
    postgres_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

fn admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Whether PostgreSQL tests were switched off on purpose.
pub fn postgres_skipped() -> bool {
    std::env::var("CASEWINDOW_SKIP_POSTGRES").is_ok_and(|v| v == "1")
}

impl TestDb {
    /// A migrated database on `engine`.
    pub async fn new(engine: Engine) -> anyhow::Result<Self> {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite:{}", dir.path().join("test.db").display());
                let store = SqlStore::open(&url, CreateMode::CreateIfMissing).await?;
                Ok(Self {
                    store,
                    url,
                    engine,
                    postgres_name: None,
                    _dir: Some(dir),
                })
            }
            Engine::Postgres => {
                let name = format!("cw_test_{}", uuid::Uuid::new_v4().simple());
                let admin = admin_url();
                let mut conn = sqlx::PgConnection::connect(&admin).await.map_err(|err| {
                    anyhow::anyhow!("cannot reach PostgreSQL for the storage tests ({err}); start it, set TEST_POSTGRES_URL, or set CASEWINDOW_SKIP_POSTGRES=1")
                })?;
                sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await?;
                conn.close().await?;
                let url = database_url(&admin, &name);
                let store = SqlStore::open(&url, CreateMode::MustExist).await?;
                Ok(Self {
                    store,
                    url,
                    engine,
                    postgres_name: Some(name),
                    _dir: None,
                })
            }
        }
    }

    /// The engine this database runs on.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Closes the store and drops the PostgreSQL database.
    pub async fn cleanup(self) -> anyhow::Result<()> {
        self.store.close().await;
        if let Some(name) = &self.postgres_name {
            let mut conn = sqlx::PgConnection::connect(&admin_url()).await?;
            sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await?;
            conn.close().await?;
        }
        Ok(())
    }
}

/// `admin` with its database name replaced by `name`.
fn database_url(admin: &str, name: &str) -> String {
    let (base, query) = admin
        .split_once('?')
        .map_or((admin, None), |(b, q)| (b, Some(q)));
    let prefix_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[prefix_end..].find('/') {
        Some(slash) => &base[..prefix_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// Runs `body` against a fresh database on `engine`, then cleans up even if the body failed.
pub async fn run_on<F, Fut>(engine: Engine, body: F)
where
    F: FnOnce(SqlStore, String) -> Fut,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    if engine == Engine::Postgres && postgres_skipped() {
        eprintln!("skipped: CASEWINDOW_SKIP_POSTGRES=1");
        return;
    }
    let db = TestDb::new(engine).await.expect("test database");
    let outcome = tokio::spawn(body(db.store.clone(), db.url.clone())).await;
    db.cleanup().await.expect("dropping the test database");
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(err)) => panic!("{err:?}"),
        Err(join) => std::panic::resume_unwind(join.into_panic()),
    }
}

/// Declares one test per engine: `name::sqlite` and `name::postgres`. The body is an async
/// function taking `(store: SqlStore, url: String)` and returning `anyhow::Result<()>`.
#[macro_export]
macro_rules! both_backends {
    ($(#[$meta:meta])* $name:ident, $body:expr) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::run_on($crate::Engine::Sqlite, $body).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::run_on($crate::Engine::Postgres, $body).await;
            }
        }
    };
}

/// Declares one test per engine, `name::sqlite` and `name::postgres`, around an async function
/// `name(engine: Engine)` of the same name that opens its own database (tests that build a whole
/// server around the store).
#[macro_export]
macro_rules! each_engine {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Engine::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::postgres_skipped() {
                    eprintln!("skipped: CASEWINDOW_SKIP_POSTGRES=1");
                    return;
                }
                super::$name($crate::Engine::Postgres).await;
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_replaces_only_the_database_name() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            database_url("postgres://u@h/postgres?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(database_url("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
