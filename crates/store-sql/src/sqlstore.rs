//! [`SqlStore`]: connection, migrations and the [`Store`] implementation.

use crate::error::{corrupt, map};
use crate::url::{DatabaseUrl, UrlError};
use crate::{
    accounts, across, audit, chronology, collaboration, derived, facts, import, records, reference,
    search, sqlite, submissions,
};
use async_trait::async_trait;
use casewindow_domain::ids::{AgencyId, PartnershipId, ReviewId, SubjectId, UserId};
use casewindow_domain::lifecycle::Transition;
use casewindow_domain::organisation::{Agency, Partnership, User};
use casewindow_domain::review::Review;
use casewindow_domain::typology::{TypologyMapping, TypologyVersion};
use casewindow_store::{
    Account, Accounts, ApiToken, Audit, Backend, Change, Chronologies, Facts, ImportSummary,
    Record, RecordKind, RecordMeta, Records, ReferenceData, ReviewBundle, Revision, Sealed,
    Session, Store, StoreError, StoreResult, Stored, StoredTransition,
};
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyConnection, AnyPool, Row as _, Transaction};
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use uuid::Uuid;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// Why a database could not be opened.
#[derive(Debug, Error)]
pub enum ConnectError {
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error(
        "the SQLite database {path} does not exist; check DATABASE_URL for a typo, or create it with `casewindow migrate --create`"
    )]
    Missing { path: String },
    #[error("cannot create the SQLite database {path}: the folder {folder} does not exist")]
    MissingFolder { path: String, folder: String },
    #[error("cannot mark the database as in use: {0}")]
    InUse(std::io::Error),
    #[error("cannot connect to {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot prepare the database: {0}")]
    Setup(sqlx::Error),
}

/// Whether opening a SQLite database may create its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateMode {
    /// The file must exist: the default for every command but an explicit create.
    MustExist,
    /// Create the file if it is missing (its folder must exist).
    CreateIfMissing,
}

/// A [`Store`] on SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    url: DatabaseUrl,
    /// On SQLite, the turn to write (see [`SqlStore::begin`]).
    writer: Arc<tokio::sync::Mutex<()>>,
    /// Audit events waiting to be written together (see `Store::audit`).
    audit_queue: Arc<std::sync::Mutex<Vec<AuditWaiter>>>,
    /// On PostgreSQL, the turn to write the waiting audit events (on SQLite the writer's turn
    /// is that turn).
    audit_turn: Arc<tokio::sync::Mutex<()>>,
    /// How many times this store has gone to the database (a connection taken for a read or
    /// a transaction), for tests that hold a use case to a number of round trips.
    round_trips: Arc<std::sync::atomic::AtomicU64>,
    /// On SQLite, a shared lock on the database's lock file for as long as the store is open,
    /// so that `restore` can tell the database is in use (see [`crate::sqlite::restore`]).
    _in_use: Option<Arc<std::fs::File>>,
}

/// An audit event and where to say whether it was committed.
type AuditWaiter = (
    casewindow_store::audit::AuditEntry,
    tokio::sync::oneshot::Sender<Result<(), String>>,
);

/// A database's tables (each column and whether it must have a value) and its named indexes
/// (index name to table), as [`SqlStore::schema`] reads them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schema {
    pub tables: std::collections::BTreeMap<String, std::collections::BTreeMap<String, bool>>,
    pub indexes: std::collections::BTreeMap<String, String>,
}

/// A write transaction, holding this process's turn to write on SQLite until it ends.
struct WriteTx {
    tx: Transaction<'static, Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// The connection has the bulk page cache (see [`WriteTx::bulk`]).
    bulk: bool,
}

impl WriteTx {
    /// On SQLite, a page cache of up to 64 MiB for this transaction's connection (default
    /// 2 MiB): a bulk import's index pages stay in memory instead of spilling to the log
    /// mid-transaction (measured: most of a 100,000-row import's time). Only bulk writes ask
    /// for it, and the connection goes back to the default when the transaction commits (after
    /// a failed one it keeps the large cache until it is closed): SQLite empties a connection's
    /// whole cache whenever another connection has written, and a large cache made that cost
    /// 14% of a busy server's time.
    async fn bulk(&mut self, on: bool) -> StoreResult<()> {
        if self._turn.is_some() {
            let pragma = if on {
                "PRAGMA cache_size = -65536"
            } else {
                "PRAGMA cache_size = -2000"
            };
            sqlx::Executor::execute(&mut *self.tx, pragma)
                .await
                .map_err(map)?;
            self.bulk = on;
        }
        Ok(())
    }

    async fn commit(mut self) -> Result<(), sqlx::Error> {
        if self.bulk {
            // Back to the default before the connection returns to the pool.
            sqlx::Executor::execute(&mut *self.tx, "PRAGMA cache_size = -2000").await?;
        }
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl SqlStore {
    /// Opens the database named by `url`, without running migrations.
    pub async fn connect(url: &str, create: CreateMode) -> Result<Self, ConnectError> {
        sqlx::any::install_default_drivers();
        let url = DatabaseUrl::parse(url)?;
        let mut in_use = None;
        let (connect_url, backend, max_connections) = match &url {
            DatabaseUrl::Sqlite { path } => {
                sqlite::check_file(path, create)?;
                in_use = Some(Arc::new(
                    sqlite::hold_in_use(path).map_err(ConnectError::InUse)?,
                ));
                (sqlite::connect_url(path), Backend::Sqlite, 8)
            }
            DatabaseUrl::Postgres { url } => (url.clone(), Backend::Postgres, 16),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // An acknowledged change is on disk: FULL syncs the write-ahead log at
                        // every commit, so a power cut cannot take back what was confirmed
                        // (NORMAL could lose the last moments). Its cost is in BENCHMARKS.md.
                        sqlx::Executor::execute(&mut *conn, "PRAGMA synchronous = FULL").await?;
                    }
                    Ok(())
                })
            })
            .acquire_timeout(Duration::from_secs(10))
            .connect(&connect_url)
            .await
            .map_err(|source| ConnectError::Connect {
                url: url.redacted(),
                source,
            })?;
        if backend == Backend::Sqlite {
            sqlite::prepare(&pool).await.map_err(ConnectError::Setup)?;
        }
        Ok(Self {
            pool,
            backend,
            url,
            writer: Arc::new(tokio::sync::Mutex::new(())),
            audit_queue: Arc::default(),
            audit_turn: Arc::new(tokio::sync::Mutex::new(())),
            round_trips: Arc::default(),
            _in_use: in_use,
        })
    }

    /// Opens the database and brings its schema up to date.
    pub async fn open(url: &str, create: CreateMode) -> Result<Self, ConnectError> {
        let store = Self::connect(url, create).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Runs the migrations embedded for this backend.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// The database location, without credentials.
    pub fn describe(&self) -> String {
        self.url.redacted()
    }

    /// The SQLite file, when the store is on SQLite.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match &self.url {
            DatabaseUrl::Sqlite { path } => Some(path),
            DatabaseUrl::Postgres { .. } => None,
        }
    }

    /// How many reads and transactions this store (and its clones) has run so far.
    pub fn round_trips(&self) -> u64 {
        self.round_trips.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn count_round_trip(&self) {
        self.round_trips
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The schema as the database describes it: each table's columns (name, and whether it
    /// may be NULL) and the indexes created by name, for the test that holds the two engines'
    /// migrations to the same shape. Migration bookkeeping tables are left out, and so is each
    /// engine's own full-text structure: SQLite's FTS5 table `search_text` (and the tables it
    /// keeps), PostgreSQL's `search_documents.tsv` and its GIN index.
    pub async fn schema(&self) -> StoreResult<Schema> {
        let mut conn = self.read().await?;
        let (columns_sql, indexes_sql) = match self.backend {
            Backend::Sqlite => (
                "SELECT m.name AS table_name, p.name AS column_name, p.\"notnull\" AS not_null \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
                "SELECT name AS index_name, tbl_name AS table_name FROM sqlite_master \
                 WHERE type = 'index' AND sql IS NOT NULL",
            ),
            Backend::Postgres => (
                "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                 CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS not_null \
                 FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
                "SELECT indexname::text AS index_name, tablename::text AS table_name FROM pg_indexes \
                 WHERE schemaname = 'public' AND tablename NOT LIKE '_sqlx%' \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = indexname)",
            ),
        };
        let mut schema = Schema::default();
        for row in sqlx::query(columns_sql)
            .fetch_all(&mut *conn)
            .await
            .map_err(map)?
        {
            let table: String = row.try_get("table_name").map_err(map)?;
            let column: String = row.try_get("column_name").map_err(map)?;
            let not_null: i64 = row.try_get("not_null").map_err(map)?;
            if table.starts_with("search_text") || (table == "search_documents" && column == "tsv")
            {
                continue;
            }
            schema
                .tables
                .entry(table)
                .or_default()
                .insert(column, not_null != 0);
        }
        for row in sqlx::query(indexes_sql)
            .fetch_all(&mut *conn)
            .await
            .map_err(map)?
        {
            let index: String = row.try_get("index_name").map_err(map)?;
            let table: String = row.try_get("table_name").map_err(map)?;
            if table.starts_with("search_text") || index == "search_documents_tsv" {
                continue;
            }
            schema.indexes.insert(index, table);
        }
        Ok(schema)
    }

    /// The connection pool, for the SQLite backup.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once, so two writers
    /// queue on the busy timeout instead of deadlocking on a lock upgrade.
    ///
    /// Writers of this process also queue in order on one lock before that: SQLite's busy
    /// handler retries by sleeping (up to 100 ms a time), which under load put tens of
    /// milliseconds on requests that had only to write one audit event.
    async fn begin(&self) -> StoreResult<WriteTx> {
        self.count_round_trip();
        match self.backend {
            Backend::Sqlite => {
                let turn = Arc::clone(&self.writer).lock_owned().await;
                self.begin_in_turn(turn).await
            }
            Backend::Postgres => Ok(WriteTx {
                tx: self.pool.begin().await.map_err(map)?,
                _turn: None,
                bulk: false,
            }),
        }
    }

    /// A SQLite write transaction for a writer that already holds the turn to write.
    async fn begin_in_turn(&self, turn: tokio::sync::OwnedMutexGuard<()>) -> StoreResult<WriteTx> {
        Ok(WriteTx {
            tx: self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(map)?,
            _turn: Some(turn),
            bulk: false,
        })
    }

    async fn read(&self) -> StoreResult<sqlx::pool::PoolConnection<Any>> {
        self.count_round_trip();
        self.pool.acquire().await.map_err(map)
    }

    /// A read-only transaction whose statements all see the same committed state (SQLite's
    /// deferred transaction under WAL; PostgreSQL's repeatable read), for reads that take more
    /// than one statement, such as a review's chronology entries from rows and from blocks: a
    /// re-import committed meanwhile is seen whole or not at all.
    async fn snapshot(&self) -> StoreResult<Transaction<'static, Any>> {
        self.count_round_trip();
        let mut tx = self.pool.begin().await.map_err(map)?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await
                .map_err(map)?;
        }
        Ok(tx)
    }
}

/// A user and their account, audited, inside the caller's transaction.
async fn insert_user_with_account(
    tx: &mut sqlx::AnyConnection,
    user: &User,
    account: &Account,
    change: &Change,
) -> StoreResult<()> {
    reference::insert_user(tx, user).await?;
    accounts::insert_account(tx, account).await?;
    audit::append(
        tx,
        &audit::for_reference("create", "accounts", user.id.0, change),
    )
    .await
}

/// One element of [`records::list_json`]'s array.
#[derive(serde::Deserialize)]
struct ListedRow<R>(String, i64, i64, Option<String>, i64, Option<String>, R);

fn decode<R: Record>(id: &str, body: &str, meta: RecordMeta) -> StoreResult<Stored<R>> {
    let record = serde_json::from_str(body).map_err(|e| corrupt(R::KIND.label(), id, e))?;
    Ok(Stored { record, meta })
}

fn erase<R: Record>(record: &R, meta: RecordMeta) -> StoreResult<casewindow_store::ErasedRecord> {
    record
        .erase(meta)
        .map_err(|e| StoreError::Unexpected(Box::new(e)))
}

fn one<T>(mut rows: Vec<T>, kind: &'static str, id: impl ToString) -> StoreResult<T> {
    rows.pop().ok_or_else(|| StoreError::NotFound {
        kind,
        id: id.to_string(),
    })
}

impl SqlStore {
    /// A scope's records of one kind that have rows, in order.
    async fn list_rows<R: Record>(
        &self,
        conn: &mut AnyConnection,
        scope: Uuid,
    ) -> StoreResult<Vec<Stored<R>>> {
        let json = records::list_json(conn, self.backend, R::KIND, scope).await?;
        let rows: Vec<ListedRow<R>> = serde_json::from_str(&json)
            .map_err(|e| corrupt(R::KIND.label(), &scope.to_string(), e))?;
        rows.into_iter()
            .map(
                |ListedRow(id, version, created_at, created_by, updated_at, updated_by, record)| {
                    let label = R::KIND.label();
                    let user = |u: Option<String>| records::parse_user(label, &id, u);
                    Ok(Stored {
                        record,
                        meta: RecordMeta {
                            version,
                            created_at: records::from_millis(label, &id, created_at)?,
                            created_by: user(created_by)?,
                            updated_at: records::from_millis(label, &id, updated_at)?,
                            updated_by: user(updated_by)?,
                        },
                    })
                },
            )
            .collect()
    }
}

/// Adds the entries kept in submission blocks to a list of rows, in the list's order (sort key,
/// then id).
fn merge<R: Record>(list: &mut Vec<Stored<R>>, from_blocks: Vec<Stored<R>>) {
    if from_blocks.is_empty() {
        return;
    }
    list.extend(from_blocks);
    list.sort_by_cached_key(|stored| (stored.record.sort_key(), stored.record.id()));
}

impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }
}

#[async_trait]
impl ReferenceData for SqlStore {
    async fn seed_typology(
        &self,
        versions: &[TypologyVersion],
        mappings: &[TypologyMapping],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        reference::seed_typology(&mut tx, versions, mappings).await?;
        tx.commit().await.map_err(map)
    }

    async fn typology(&self) -> StoreResult<(Vec<TypologyVersion>, Vec<TypologyMapping>)> {
        reference::typology(&mut *self.read().await?).await
    }

    async fn insert_partnership(
        &self,
        partnership: &Partnership,
        change: &Change,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        reference::insert_partnership(&mut tx, partnership).await?;
        audit::append(
            &mut tx,
            &audit::for_reference("create", "partnerships", partnership.id.0, change),
        )
        .await?;
        tx.commit().await.map_err(map)
    }

    async fn partnership(&self, id: PartnershipId) -> StoreResult<Partnership> {
        one(
            reference::partnerships(&mut *self.read().await?, Some(id)).await?,
            "partnership",
            id,
        )
    }

    async fn partnerships(&self) -> StoreResult<Vec<Partnership>> {
        reference::partnerships(&mut *self.read().await?, None).await
    }

    async fn insert_agency(&self, agency: &Agency, change: &Change) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        reference::insert_agency(&mut tx, agency).await?;
        audit::append(
            &mut tx,
            &audit::for_reference("create", "agencies", agency.id.0, change),
        )
        .await?;
        tx.commit().await.map_err(map)
    }

    async fn set_agency_publication_name(
        &self,
        review: ReviewId,
        id: AgencyId,
        name: Option<&str>,
        change: &Change,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if !reference::set_agency_publication_name(&mut tx, id, name).await? {
            return Ok(false);
        }
        let mut entry = audit::for_reference("update", "agencies", id.0, change);
        entry.review_id = Some(review);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(map)?;
        Ok(true)
    }

    async fn withdraw_agency(
        &self,
        review: ReviewId,
        id: AgencyId,
        withdrawal: &casewindow_domain::validation::Withdrawal,
        change: &Change,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if !reference::withdraw_agency(&mut tx, id, withdrawal).await? {
            return Ok(false);
        }
        let mut entry = audit::for_reference("withdraw", "agencies", id.0, change);
        entry.review_id = Some(review);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(map)?;
        Ok(true)
    }

    async fn agency(&self, id: AgencyId) -> StoreResult<Agency> {
        one(
            reference::agencies(&mut *self.read().await?, Some(id)).await?,
            "agency",
            id,
        )
    }

    async fn agencies(&self) -> StoreResult<Vec<Agency>> {
        reference::agencies(&mut *self.read().await?, None).await
    }

    async fn insert_user(&self, user: &User, change: &Change) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        reference::insert_user(&mut tx, user).await?;
        audit::append(
            &mut tx,
            &audit::for_reference("create", "users", user.id.0, change),
        )
        .await?;
        tx.commit().await.map_err(map)
    }

    async fn user(&self, id: UserId) -> StoreResult<User> {
        one(
            reference::users(&mut *self.read().await?, Some(id)).await?,
            "user",
            id,
        )
    }

    async fn users(&self) -> StoreResult<Vec<User>> {
        reference::users(&mut *self.read().await?, None).await
    }

    async fn participations_in(
        &self,
        user: UserId,
        review: ReviewId,
    ) -> StoreResult<Vec<Stored<casewindow_domain::participation::Participation>>> {
        let rows = accounts::participations_in(&mut *self.read().await?, user, review).await?;
        rows.into_iter()
            .map(|(body, meta)| decode(&user.to_string(), &body, meta))
            .collect()
    }

    async fn participations_of(
        &self,
        user: UserId,
    ) -> StoreResult<Vec<Stored<casewindow_domain::participation::Participation>>> {
        let rows = accounts::participations_of(&mut *self.read().await?, user).await?;
        rows.into_iter()
            .map(|(body, meta)| decode(&user.to_string(), &body, meta))
            .collect()
    }
}

#[async_trait]
impl Records for SqlStore {
    async fn insert<R: Record>(&self, record: &R, change: &Change) -> StoreResult<Stored<R>> {
        let meta = RecordMeta::created(change);
        let erased = erase(record, meta.clone())?;
        let mut tx = self.begin().await?;
        records::insert(&mut tx, &erased).await?;
        audit::append(&mut tx, &audit::for_record("create", &erased, change)).await?;
        tx.commit().await.map_err(map)?;
        Ok(Stored {
            record: record.clone(),
            meta,
        })
    }

    async fn create<R: Record>(
        &self,
        record: &R,
        once: Option<&str>,
        change: &Change,
    ) -> StoreResult<Stored<R>> {
        let mut tx = self.begin().await?;
        if let Some(key) = once
            && let Some((table, first)) =
                facts::claim_once(&mut tx, key, R::KIND, record.id(), change).await?
        {
            drop(tx);
            if table != R::KIND.table() {
                return Err(StoreError::Integrity(
                    "this form was already used to create something else; open it again".to_owned(),
                ));
            }
            return self.get::<R>(first).await;
        }
        let mut record = record.clone();
        if R::KIND.numbered()
            && let Some(review) = record.scope()
        {
            let next = facts::next_position(&mut tx, self.backend, R::KIND, review).await?;
            record.set_position(next);
        }
        let meta = RecordMeta::created(change);
        let erased = erase(&record, meta.clone())?;
        records::insert(&mut tx, &erased).await?;
        audit::append(&mut tx, &audit::for_record("create", &erased, change)).await?;
        tx.commit().await.map_err(map)?;
        Ok(Stored { record, meta })
    }

    async fn update<R: Record>(
        &self,
        record: &R,
        expected_version: i64,
        change: &Change,
    ) -> StoreResult<Stored<R>> {
        let placeholder = RecordMeta::created(change);
        let erased = erase(record, placeholder)?;
        let mut tx = self.begin().await?;
        if R::KIND == RecordKind::ChronologyEntry {
            submissions::materialise(&mut tx, erased.id).await?;
        }
        let meta = records::update(&mut tx, &erased, expected_version, change).await?;
        audit::append(&mut tx, &audit::for_record("update", &erased, change)).await?;
        tx.commit().await.map_err(map)?;
        Ok(Stored {
            record: record.clone(),
            meta,
        })
    }

    async fn write_all(
        &self,
        creates: &[casewindow_store::ErasedRecord],
        updates: &[(casewindow_store::ErasedRecord, i64)],
        change: &Change,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for erased in creates {
            records::insert(&mut tx, erased).await?;
            audit::append(&mut tx, &audit::for_record("create", erased, change)).await?;
        }
        for (erased, expected_version) in updates {
            if erased.kind == RecordKind::ChronologyEntry {
                submissions::materialise(&mut tx, erased.id).await?;
            }
            records::update(&mut tx, erased, *expected_version, change).await?;
            audit::append(&mut tx, &audit::for_record("update", erased, change)).await?;
        }
        tx.commit().await.map_err(map)
    }

    async fn get<R: Record>(&self, id: Uuid) -> StoreResult<Stored<R>> {
        if R::KIND != RecordKind::ChronologyEntry {
            let (body, meta) = records::fetch(&mut *self.read().await?, R::KIND, id).await?;
            return decode(&id.to_string(), &body, meta);
        }
        let mut tx = self.snapshot().await?;
        let found = match records::fetch(&mut tx, R::KIND, id).await {
            Ok((body, meta)) => decode(&id.to_string(), &body, meta),
            Err(StoreError::NotFound { kind, id: text }) => submissions::entry::<R>(&mut tx, id)
                .await?
                .ok_or(StoreError::NotFound { kind, id: text }),
            Err(err) => Err(err),
        };
        tx.commit().await.map_err(map)?;
        found
    }

    async fn list<R: Record>(&self, scope: Uuid) -> StoreResult<Vec<Stored<R>>> {
        if R::KIND != RecordKind::ChronologyEntry {
            return self.list_rows::<R>(&mut *self.read().await?, scope).await;
        }
        let mut tx = self.snapshot().await?;
        let mut list = self.list_rows::<R>(&mut tx, scope).await?;
        merge(
            &mut list,
            submissions::entries::<R>(&mut tx, Some(scope)).await?,
        );
        tx.commit().await.map_err(map)?;
        Ok(list)
    }

    async fn list_all<R: Record>(&self) -> StoreResult<Vec<Stored<R>>> {
        let decoded = |rows: Vec<(String, RecordMeta)>| {
            rows.into_iter()
                .map(|(body, meta)| decode("(all)", &body, meta))
                .collect::<StoreResult<Vec<Stored<R>>>>()
        };
        if R::KIND != RecordKind::ChronologyEntry {
            return decoded(records::list(&mut *self.read().await?, R::KIND, None).await?);
        }
        let mut tx = self.snapshot().await?;
        let mut list = decoded(records::list(&mut tx, R::KIND, None).await?)?;
        merge(&mut list, submissions::entries::<R>(&mut tx, None).await?);
        tx.commit().await.map_err(map)?;
        Ok(list)
    }

    async fn revisions(&self, kind: RecordKind, id: Uuid) -> StoreResult<Vec<Revision>> {
        if kind != RecordKind::ChronologyEntry {
            return records::revisions(&mut *self.read().await?, kind, id).await;
        }
        let mut tx = self.snapshot().await?;
        let mut revisions = records::revisions(&mut tx, kind, id).await?;
        if revisions.is_empty() {
            // An entry of a replaced submission that never had a row of its own: its block is
            // its history.
            revisions.extend(submissions::replaced_revision(&mut tx, id).await?);
        }
        tx.commit().await.map_err(map)?;
        Ok(revisions)
    }

    async fn transition_review(
        &self,
        review: &Review,
        expected_version: i64,
        transition: &Transition,
        change: &Change,
    ) -> StoreResult<Stored<Review>> {
        let erased = erase(review, RecordMeta::created(change))?;
        let mut tx = self.begin().await?;
        let meta = records::update(&mut tx, &erased, expected_version, change).await?;
        let stored = StoredTransition {
            review_id: review.id,
            transition: transition.clone(),
            at: change.at,
            by: change.actor,
        };
        reference::insert_transition(&mut tx, &stored).await?;
        audit::append(&mut tx, &audit::for_record("transition", &erased, change)).await?;
        tx.commit().await.map_err(map)?;
        Ok(Stored {
            record: review.clone(),
            meta,
        })
    }

    async fn transitions(&self, review_id: ReviewId) -> StoreResult<Vec<StoredTransition>> {
        reference::transitions(&mut *self.read().await?, review_id).await
    }

    async fn import_bundle(&self, bundle: &ReviewBundle) -> StoreResult<ImportSummary> {
        let mut tx = self.begin().await?;
        if let (Some(key), Some(first)) = (&bundle.once, bundle.records.first()) {
            let change = Change {
                actor: bundle.actor,
                at: bundle.at,
                reason: bundle.reason.clone(),
            };
            if let Some((_, id)) =
                facts::claim_once(&mut tx, key, first.kind, first.id, &change).await?
            {
                return Ok(ImportSummary {
                    already: Some(id),
                    ..ImportSummary::default()
                });
            }
        }
        tx.bulk(true).await?;
        let summary = import::write(&mut tx, bundle).await?;
        if let Some(first) = bundle.records.first() {
            let change = Change {
                actor: first.meta.created_by,
                at: first.meta.updated_at,
                reason: bundle.reason.clone(),
            };
            let mut entry = audit::for_record("import", first, &change);
            entry.entity_id = format!("{} ({} records)", first.id, summary.records);
            entry.at = bundle.at;
            entry.actor = bundle.actor;
            audit::append(&mut tx, &entry).await?;
        }
        tx.commit().await.map_err(map)?;
        Ok(summary)
    }

    async fn count<R: Record>(&self, scope: Uuid) -> StoreResult<usize> {
        if R::KIND != RecordKind::ChronologyEntry {
            return records::count(&mut *self.read().await?, R::KIND, scope).await;
        }
        let mut tx = self.snapshot().await?;
        let rows = records::count(&mut tx, R::KIND, scope).await?;
        let in_blocks = submissions::count(&mut tx, scope).await?;
        tx.commit().await.map_err(map)?;
        Ok(rows + in_blocks)
    }

    async fn dangling(
        &self,
        review: ReviewId,
        references: &[casewindow_store::Reference],
    ) -> StoreResult<Vec<casewindow_store::Reference>> {
        if references.is_empty() {
            return Ok(Vec::new());
        }
        facts::dangling(&mut *self.read().await?, review, references).await
    }
}

#[async_trait]
impl Accounts for SqlStore {
    async fn insert_user_with_account(
        &self,
        user: &User,
        account: &Account,
        change: &Change,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_user_with_account(&mut tx, user, account, change).await?;
        tx.commit().await.map_err(map)
    }

    async fn account_by_email(&self, email: &str) -> StoreResult<Option<(User, Account)>> {
        accounts::account_by_email(&mut *self.read().await?, email).await
    }

    async fn account(&self, user: UserId) -> StoreResult<Option<Account>> {
        accounts::account(&mut *self.read().await?, user).await
    }

    async fn insert_account(&self, account: &Account, change: &Change) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        accounts::insert_account(&mut tx, account).await?;
        audit::append(
            &mut tx,
            &audit::for_reference("create", "accounts", account.user_id.0, change),
        )
        .await?;
        tx.commit().await.map_err(map)
    }

    async fn update_password(&self, account: &Account, change: &Change) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        accounts::update_password(&mut tx, account).await?;
        audit::append(
            &mut tx,
            &audit::for_reference("update", "accounts", account.user_id.0, change),
        )
        .await?;
        tx.commit().await.map_err(map)
    }

    async fn has_platform_admin(&self) -> StoreResult<bool> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE platform_admin <> 0")
                .fetch_one(&mut *self.read().await?)
                .await
                .map_err(map)?;
        Ok(count > 0)
    }

    async fn insert_first_admin(
        &self,
        user: &User,
        account: &Account,
        change: &Change,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        // The instance audit chain's lock makes two first-run requests take turns.
        audit::lock_instance_chain(&mut tx).await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE platform_admin <> 0")
                .fetch_one(&mut *tx)
                .await
                .map_err(map)?;
        if count > 0 {
            return Ok(false);
        }
        insert_user_with_account(&mut tx, user, account, change).await?;
        tx.commit().await.map_err(map)?;
        Ok(true)
    }

    async fn count_failed_sign_in(
        &self,
        user: UserId,
        max: i64,
        lock_until: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let locked = accounts::count_failed_sign_in(&mut tx, user, max, lock_until).await?;
        tx.commit().await.map_err(map)?;
        Ok(locked)
    }

    async fn clear_failed_sign_ins(
        &self,
        user: UserId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        accounts::clear_failed_sign_ins(&mut tx, user, now).await?;
        tx.commit().await.map_err(map)
    }

    async fn accept_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let accepted = accounts::accept_totp_step(&mut tx, user, step).await?;
        tx.commit().await.map_err(map)?;
        Ok(accepted)
    }

    async fn take_pending_session(&self, token_hash: &str) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let taken = accounts::take_pending_session(&mut tx, token_hash).await?;
        tx.commit().await.map_err(map)?;
        Ok(taken)
    }

    async fn insert_session(&self, session: &Session) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        accounts::insert_session(&mut tx, session).await?;
        tx.commit().await.map_err(map)
    }

    async fn update_second_factor(
        &self,
        account: &Account,
        expected: Option<&str>,
        change: &Change,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if !accounts::update_second_factor(&mut tx, account, expected).await? {
            return Ok(false);
        }
        audit::append(
            &mut tx,
            &audit::for_reference("update", "accounts", account.user_id.0, change),
        )
        .await?;
        tx.commit().await.map_err(map)?;
        Ok(true)
    }

    async fn session_user(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(Session, User, Account)>> {
        accounts::session_user(&mut *self.read().await?, token_hash).await
    }

    async fn touch_session(
        &self,
        token_hash: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        accounts::touch_session(&mut tx, token_hash, at).await?;
        tx.commit().await.map_err(map)
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        accounts::delete_session(&mut tx, token_hash).await?;
        tx.commit().await.map_err(map)
    }

    async fn delete_sessions_of(&self, user: UserId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        accounts::delete_sessions_of(&mut tx, user).await?;
        tx.commit().await.map_err(map)
    }

    async fn insert_api_token(&self, token: &ApiToken, change: &Change) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        accounts::insert_api_token(&mut tx, token).await?;
        audit::append(
            &mut tx,
            &audit::for_reference("create", "api_tokens", token.id, change),
        )
        .await?;
        tx.commit().await.map_err(map)
    }

    async fn api_tokens_of(&self, user: UserId) -> StoreResult<Vec<ApiToken>> {
        accounts::api_tokens_of(&mut *self.read().await?, user).await
    }

    async fn revoke_api_token(
        &self,
        user: UserId,
        id: uuid::Uuid,
        change: &Change,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if !accounts::revoke_api_token(&mut tx, user, id, change.at).await? {
            return Ok(false);
        }
        audit::append(
            &mut tx,
            &audit::for_reference("revoke", "api_tokens", id, change),
        )
        .await?;
        tx.commit().await.map_err(map)?;
        Ok(true)
    }

    async fn use_api_token(
        &self,
        token_hash: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Option<(ApiToken, User, Account)>> {
        let found = accounts::live_api_token(&mut *self.read().await?, token_hash, now).await?;
        if let Some((token, _, _)) = &found
            && token
                .last_used_at
                .is_none_or(|last| now - last > chrono::Duration::minutes(1))
        {
            let mut tx = self.begin().await?;
            accounts::touch_api_token(&mut tx, token.id, now).await?;
            tx.commit().await.map_err(map)?;
        }
        Ok(found)
    }
}

impl SqlStore {
    /// Takes the turn to write audit events and writes every event waiting then, in one
    /// transaction, telling each waiter whether it was committed (nothing, if another writer
    /// took them while this one waited for its turn).
    async fn write_waiting_events(&self) {
        let (turn, audit_turn) = match self.backend {
            Backend::Sqlite => (Some(Arc::clone(&self.writer).lock_owned().await), None),
            Backend::Postgres => (None, Some(self.audit_turn.lock().await)),
        };
        let batch: Vec<_> = std::mem::take(
            &mut *self
                .audit_queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if batch.is_empty() {
            return;
        }
        let entries: Vec<_> = batch.iter().map(|(e, _)| e.clone()).collect();
        let result = async {
            let mut tx = match turn {
                Some(turn) => {
                    self.count_round_trip();
                    self.begin_in_turn(turn).await?
                }
                None => self.begin().await?,
            };
            audit::append_events(&mut tx, &entries).await?;
            tx.commit().await.map_err(map)
        }
        .await;
        drop(audit_turn);
        let outcome = result.map_err(|e| e.to_string());
        for (_, done) in batch {
            let _ = done.send(outcome.clone());
        }
    }
}

#[async_trait]
impl Audit for SqlStore {
    /// Events that are not changes (a read, a sign-in) are written together: each waits until
    /// it is committed, and whoever takes the turn to write writes every event waiting then, in
    /// one transaction. Under load that is one transaction for many reads instead of one each,
    /// and on PostgreSQL one wait for a review's chain instead of one for each read of it
    /// (sixteen readers of one chronology each waited for the others' commits: p99 337 ms).
    async fn audit(&self, entry: &casewindow_store::audit::AuditEntry) -> StoreResult<()> {
        let (done, written) = tokio::sync::oneshot::channel();
        self.audit_queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((entry.clone(), done));
        // Written by a task of its own: a request dropped while it writes (its client went
        // away) must not drop the other requests' events with it, nor leave a transaction
        // half committed on its connection.
        let store = self.clone();
        let _ = tokio::spawn(async move { store.write_waiting_events().await }).await;
        match written.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(StoreError::Unexpected(message.into())),
            Err(_) => Err(StoreError::Unexpected(
                "the audit event was not written".into(),
            )),
        }
    }

    async fn change_stamp(&self, review: ReviewId) -> StoreResult<casewindow_store::ChangeStamp> {
        audit::change_stamp(&mut *self.read().await?, review).await
    }

    async fn library_stamp(&self) -> StoreResult<(i64, i64)> {
        audit::library_stamp(&mut *self.read().await?).await
    }

    async fn change_stamps(&self) -> StoreResult<std::collections::HashMap<ReviewId, i64>> {
        audit::change_stamps(&mut *self.read().await?).await
    }

    async fn audit_events(
        &self,
        review: ReviewId,
        limit: usize,
    ) -> StoreResult<Vec<casewindow_store::audit::AuditEvent>> {
        audit::for_review(&mut *self.read().await?, review, limit).await
    }

    async fn verify_audit(&self) -> StoreResult<Result<usize, String>> {
        audit::verify(&mut *self.read().await?).await
    }
}

#[async_trait]
impl Chronologies for SqlStore {
    async fn import_chronology(
        &self,
        import: &casewindow_store::ChronologyImport,
        document: &casewindow_domain::evidence::SourceDocument,
        entries: &[casewindow_domain::evidence::ChronologyEntry],
        staged: Option<uuid::Uuid>,
        progress: casewindow_store::Progress<'_>,
        change: &Change,
    ) -> StoreResult<()> {
        // Packed before the turn to write is taken: nobody waits while it is compressed.
        let block = submissions::pack(import, document, entries)?;
        let mut tx = self.begin().await?;
        chronology::import(&mut tx, import, document, block, staged, progress, change).await?;
        tx.commit().await.map_err(map)
    }

    async fn stage_upload(
        &self,
        upload: &casewindow_store::StagedUpload,
        purge_before: chrono::DateTime<chrono::Utc>,
        change: &Change,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        chronology::stage(&mut tx, upload, purge_before, change).await?;
        tx.commit().await.map_err(map)
    }

    async fn decide_links(
        &self,
        review: ReviewId,
        decisions: &[casewindow_store::LinkDecision],
        undo: &[(
            casewindow_domain::ids::ChronologyEntryId,
            casewindow_domain::ids::ChronologyEntryId,
        )],
        change: &Change,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        chronology::decide(&mut tx, review, decisions, undo, change).await?;
        tx.commit().await.map_err(map)
    }

    async fn link_decisions(
        &self,
        review: ReviewId,
    ) -> StoreResult<Vec<casewindow_store::LinkDecision>> {
        chronology::decisions(&mut *self.read().await?, review).await
    }

    async fn staged_upload(
        &self,
        id: uuid::Uuid,
    ) -> StoreResult<Option<casewindow_store::StagedUpload>> {
        chronology::staged(&mut *self.read().await?, id).await
    }

    async fn chronology_imports(
        &self,
        review: ReviewId,
    ) -> StoreResult<Vec<casewindow_store::ChronologyImport>> {
        chronology::imports(&mut *self.read().await?, review).await
    }
}

#[async_trait]
impl Sealed for SqlStore {
    async fn put_identity(
        &self,
        subject_id: SubjectId,
        sealed: &str,
        change: &Change,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        reference::put_identity(&mut tx, subject_id, sealed, change).await?;
        audit::append(
            &mut tx,
            &audit::for_reference("update", "subject_identities", subject_id.0, change),
        )
        .await?;
        tx.commit().await.map_err(map)
    }

    async fn identity(&self, subject_id: SubjectId) -> StoreResult<Option<String>> {
        reference::identity(&mut *self.read().await?, subject_id).await
    }

    async fn reseal_all(
        &self,
        reseal: &casewindow_store::Reseal<'_>,
        change: &Change,
    ) -> StoreResult<usize> {
        use casewindow_store::SealedKind;
        let mut tx = self.begin().await?;
        let mut count = 0;
        for kind in SealedKind::ALL {
            let (table, id, column) = match kind {
                SealedKind::Identity => ("subject_identities", "subject_id", "body"),
                SealedKind::Characteristics => ("subject_characteristics", "subject_id", "sealed"),
                SealedKind::DocumentFile => ("document_files", "document_id", "sealed"),
                SealedKind::Gazetteer => ("review_gazetteers", "review_id", "sealed"),
                SealedKind::SecondFactor => ("accounts", "user_id", "totp_secret"),
            };
            // Identifiers are constants above; values are bound.
            let ids: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT {id} FROM {table} WHERE {column} IS NOT NULL ORDER BY {id}"
            )))
            .fetch_all(&mut *tx)
            .await
            .map_err(map)?;
            for key in ids {
                let old: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT {column} FROM {table} WHERE {id} = $1"
                )))
                .bind(key.clone())
                .fetch_one(&mut *tx)
                .await
                .map_err(map)?;
                let uuid = key
                    .parse()
                    .map_err(|e: uuid::Error| corrupt("sealed value", &key, e))?;
                let new = reseal(kind, uuid, &old).map_err(|reason| StoreError::Corrupt {
                    kind: "sealed value",
                    id: format!("{table} {key}"),
                    reason,
                })?;
                let changed = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE {table} SET {column} = $1 WHERE {id} = $2 AND {column} = $3"
                )))
                .bind(new)
                .bind(key.clone())
                .bind(old)
                .execute(&mut *tx)
                .await
                .map_err(map)?
                .rows_affected();
                if changed != 1 {
                    return Err(StoreError::Integrity(format!(
                        "{table} {key} changed while the vault key was being changed; nothing was \
                         changed: stop casewindow and run it again"
                    )));
                }
                count += 1;
            }
        }
        let mut entry = audit::for_reference("update", "vault", uuid::Uuid::nil(), change);
        entry.reason = format!("{} ({count} values re-sealed)", entry.reason);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(map)?;
        Ok(count)
    }

    async fn put_characteristics(
        &self,
        review: ReviewId,
        subject_id: SubjectId,
        sealed: &str,
        change: &Change,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO subject_characteristics (subject_id, review_id, sealed, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject_id) DO UPDATE SET \
             sealed = excluded.sealed, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(subject_id.0.to_string())
        .bind(review.0.to_string())
        .bind(sealed.to_owned())
        .bind(change.at.timestamp_millis())
        .bind(records::user_text(change.actor))
        .execute(&mut *tx)
        .await
        .map_err(map)?;
        let mut entry =
            audit::for_reference("update", "subject_characteristics", subject_id.0, change);
        entry.review_id = Some(review);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(map)
    }

    async fn review_characteristics(
        &self,
        review: ReviewId,
    ) -> StoreResult<Vec<(SubjectId, String)>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT subject_id, sealed FROM subject_characteristics WHERE review_id = $1 \
             ORDER BY subject_id",
        )
        .bind(review.0.to_string())
        .fetch_all(&mut *self.read().await?)
        .await
        .map_err(map)?;
        rows.into_iter()
            .map(|(subject, sealed)| {
                let id = subject
                    .parse()
                    .map_err(|e: uuid::Error| corrupt("subject characteristics", &subject, e))?;
                Ok((SubjectId(id), sealed))
            })
            .collect()
    }

    async fn create_document(
        &self,
        document: &casewindow_domain::evidence::SourceDocument,
        sealed_file: &str,
        once: Option<&str>,
        change: &Change,
    ) -> StoreResult<Stored<casewindow_domain::evidence::SourceDocument>> {
        type Document = casewindow_domain::evidence::SourceDocument;
        let mut tx = self.begin().await?;
        if let Some(key) = once
            && let Some((table, first)) = facts::claim_once(
                &mut tx,
                key,
                RecordKind::SourceDocument,
                document.id.0,
                change,
            )
            .await?
        {
            drop(tx);
            if table != RecordKind::SourceDocument.table() {
                return Err(StoreError::Integrity(
                    "this form was already used to create something else; open it again".to_owned(),
                ));
            }
            return self.get::<Document>(first).await;
        }
        let meta = RecordMeta::created(change);
        let erased = erase(document, meta.clone())?;
        records::insert(&mut tx, &erased).await?;
        sqlx::query(
            "INSERT INTO document_files (document_id, review_id, sealed, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(document.id.0.to_string())
        .bind(document.review_id.0.to_string())
        .bind(sealed_file.to_owned())
        .bind(change.at.timestamp_millis())
        .bind(records::user_text(change.actor))
        .execute(&mut *tx)
        .await
        .map_err(map)?;
        audit::append(&mut tx, &audit::for_record("create", &erased, change)).await?;
        tx.commit().await.map_err(map)?;
        Ok(Stored {
            record: document.clone(),
            meta,
        })
    }

    async fn document_file(
        &self,
        document: casewindow_domain::ids::SourceDocumentId,
    ) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT sealed FROM document_files WHERE document_id = $1")
            .bind(document.0.to_string())
            .fetch_optional(&mut *self.read().await?)
            .await
            .map_err(map)
    }

    async fn review_gazetteer(&self, review: ReviewId) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT sealed FROM review_gazetteers WHERE review_id = $1")
            .bind(review.0.to_string())
            .fetch_optional(&mut *self.read().await?)
            .await
            .map_err(map)
    }

    async fn put_review_gazetteer(
        &self,
        review: ReviewId,
        sealed: &str,
        change: &Change,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO review_gazetteers (review_id, sealed, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (review_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
        )
        .bind(review.0.to_string())
        .bind(sealed.to_owned())
        .bind(change.at.timestamp_millis())
        .execute(&mut *tx)
        .await
        .map_err(map)?;
        let mut entry = audit::for_reference("update", "review_gazetteers", review.0, change);
        entry.review_id = Some(review);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(map)
    }
}

#[async_trait]
impl Facts for SqlStore {
    async fn found_candidates(
        &self,
        reader: &str,
    ) -> StoreResult<Option<casewindow_store::FoundCandidates>> {
        derived::found_candidates(&mut *self.read().await?, reader).await
    }

    async fn keep_thematic(
        &self,
        version: &casewindow_store::ThematicVersion,
        change: &Change,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        derived::keep_thematic(&mut tx, version, change).await?;
        tx.commit().await.map_err(map)
    }

    async fn thematic_versions(
        &self,
        audience: &str,
        limit: usize,
    ) -> StoreResult<Vec<casewindow_store::ThematicVersion>> {
        derived::thematic_versions(&mut *self.read().await?, audience, limit).await
    }

    async fn thematic_version(
        &self,
        id: Uuid,
    ) -> StoreResult<Option<casewindow_store::ThematicVersion>> {
        derived::thematic_version(&mut *self.read().await?, id).await
    }

    async fn keep_candidates(&self, found: &casewindow_store::FoundCandidates) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        derived::keep_candidates(&mut tx, found).await?;
        tx.commit().await.map_err(map)
    }

    async fn embeddings(
        &self,
        model: &str,
        hashes: &[String],
    ) -> StoreResult<Vec<(String, Vec<f32>)>> {
        derived::embeddings(&mut *self.read().await?, self.backend, model, hashes).await
    }

    async fn keep_embeddings(
        &self,
        model: &str,
        vectors: &[(String, Vec<f32>)],
    ) -> StoreResult<()> {
        if vectors.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        derived::keep_embeddings(&mut tx, model, vectors).await?;
        tx.commit().await.map_err(map)
    }

    async fn stage_codebook(
        &self,
        staged: &casewindow_store::StagedCodebook,
        purge_before: chrono::DateTime<chrono::Utc>,
        change: &Change,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        facts::stage_codebook(&mut tx, staged, purge_before, change).await?;
        tx.commit().await.map_err(map)
    }

    async fn staged_codebook(
        &self,
        id: Uuid,
    ) -> StoreResult<Option<casewindow_store::StagedCodebook>> {
        facts::staged_codebook(&mut *self.read().await?, id).await
    }

    async fn import_codebook(
        &self,
        id: Uuid,
        user: casewindow_domain::ids::UserId,
        issues: &[casewindow_store::ErasedRecord],
        change: &Change,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if !facts::claim_codebook(&mut tx, id, user).await? {
            return Ok(false);
        }
        for erased in issues {
            records::insert(&mut tx, erased).await?;
            audit::append(&mut tx, &audit::for_record("create", erased, change)).await?;
        }
        audit::append(
            &mut tx,
            &audit::for_reference("delete", "staged_codebooks", id, change),
        )
        .await?;
        tx.commit().await.map_err(map)?;
        Ok(true)
    }
    async fn stage_report(
        &self,
        staged: &casewindow_store::StagedReport,
        change: &Change,
    ) -> StoreResult<(Uuid, bool)> {
        let mut tx = self.begin().await?;
        let outcome = facts::stage_report(&mut tx, staged, change).await?;
        tx.commit().await.map_err(map)?;
        Ok(outcome)
    }

    async fn staged_reports(&self) -> StoreResult<Vec<casewindow_store::StagedReport>> {
        facts::staged_reports(&mut *self.read().await?).await
    }

    async fn staged_report(&self, id: Uuid) -> StoreResult<Option<casewindow_store::StagedReport>> {
        facts::staged_report(&mut *self.read().await?, id).await
    }

    async fn import_report(
        &self,
        id: Uuid,
        bundle: &ReviewBundle,
    ) -> StoreResult<Option<ImportSummary>> {
        let Some(first) = bundle.records.first() else {
            return Err(StoreError::Integrity(
                "an import needs its review".to_owned(),
            ));
        };
        let mut tx = self.begin().await?;
        if !facts::claim_report(&mut tx, id, ReviewId(first.id), bundle.at).await? {
            return Ok(None);
        }
        tx.bulk(true).await?;
        let summary = import::write(&mut tx, bundle).await?;
        let change = Change {
            actor: bundle.actor,
            at: bundle.at,
            reason: bundle.reason.clone(),
        };
        let mut entry = audit::for_record("import", first, &change);
        entry.entity_id = format!("{} ({} records)", first.id, summary.records);
        audit::append(&mut tx, &entry).await?;
        audit::append(
            &mut tx,
            &audit::for_reference("update", "report_imports", id, &change),
        )
        .await?;
        tx.commit().await.map_err(map)?;
        Ok(Some(summary))
    }

    async fn discard_report(&self, id: Uuid, change: &Change) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let done = facts::discard_report(&mut tx, id, change).await?;
        tx.commit().await.map_err(map)?;
        Ok(done)
    }

    async fn report_template(&self) -> StoreResult<Option<(i64, String)>> {
        let row =
            sqlx::query("SELECT version, body FROM report_templates ORDER BY version DESC LIMIT 1")
                .fetch_optional(&mut *self.read().await?)
                .await
                .map_err(map)?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some((
                row.try_get("version").map_err(map)?,
                row.try_get("body").map_err(map)?,
            ))),
        }
    }

    async fn save_report_template(
        &self,
        body: &str,
        expected: i64,
        change: &Change,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        // Serialise writers on the instance audit chain first, so two saves cannot both see `expected`.
        audit::lock_instance_chain(&mut tx).await?;
        let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM report_templates")
            .fetch_one(&mut *tx)
            .await
            .map_err(map)?;
        let latest = latest.unwrap_or(0);
        if latest != expected {
            return Err(StoreError::Integrity(format!(
                "the report template was changed by someone else since you opened it \
                 (you edited version {expected}, it is now at version {latest}); nothing was saved"
            )));
        }
        let version = latest + 1;
        sqlx::query(
            "INSERT INTO report_templates (version, body, changed_at, changed_by) VALUES ($1, $2, $3, $4)",
        )
        .bind(version)
        .bind(body.to_owned())
        .bind(change.at.timestamp_millis())
        .bind(records::user_text(change.actor))
        .execute(&mut *tx)
        .await
        .map_err(map)?;
        let mut entry = audit::for_reference("update", "report_templates", Uuid::nil(), change);
        entry.entity_id = version.to_string();
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(map)?;
        Ok(version)
    }

    async fn put_suggestion_run(&self, run: &casewindow_store::SuggestionRun) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        facts::put_suggestion_run(&mut tx, run).await?;
        tx.commit().await.map_err(map)
    }

    async fn suggestion_run(
        &self,
        id: Uuid,
    ) -> StoreResult<Option<casewindow_store::SuggestionRun>> {
        facts::suggestion_run(&mut *self.read().await?, id).await
    }

    async fn put_scan_run(
        &self,
        run: &casewindow_store::ScanRun,
        change: &Change,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        facts::put_scan_run(&mut tx, run, change).await?;
        tx.commit().await.map_err(map)
    }

    async fn scan_run(&self, id: Uuid) -> StoreResult<Option<casewindow_store::ScanRun>> {
        facts::scan_run(&mut *self.read().await?, id).await
    }

    async fn accept_scan_hits(
        &self,
        review: ReviewId,
        run: Uuid,
        user: Option<UserId>,
        accepted: &[casewindow_domain::review::AcceptedHit],
        change: &Change,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let done = facts::accept_scan_hits(&mut tx, review, run, user, accepted, change).await?;
        tx.commit().await.map_err(map)?;
        Ok(done)
    }

    async fn freeze_report(
        &self,
        version: &casewindow_store::NewReportVersion,
        change: &Change,
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        let number = facts::freeze_report(&mut tx, version, change).await?;
        let mut entry = audit::for_reference("create", "report_versions", version.id, change);
        entry.review_id = Some(version.review_id);
        entry.reason = format!("{} (version {number})", entry.reason);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await.map_err(map)?;
        Ok(number)
    }

    async fn report_versions(
        &self,
        review: ReviewId,
    ) -> StoreResult<Vec<casewindow_store::ReportVersion>> {
        facts::report_versions(&mut *self.read().await?, review).await
    }

    async fn report_version_file(
        &self,
        id: Uuid,
        format: &str,
    ) -> StoreResult<Option<(ReviewId, Vec<u8>)>> {
        facts::report_version_file(&mut *self.read().await?, id, format).await
    }
}

#[async_trait]
impl casewindow_store::Collaboration for SqlStore {
    async fn share(&self, share: &casewindow_store::Share, change: &Change) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let written = collaboration::share(&mut tx, share, change).await?;
        tx.commit().await.map_err(map)?;
        Ok(written)
    }

    async fn shares(&self, review: ReviewId) -> StoreResult<Vec<casewindow_store::Share>> {
        collaboration::shares(&mut *self.read().await?, review).await
    }

    async fn add_comment(
        &self,
        comment: &casewindow_store::Comment,
        change: &Change,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        collaboration::add_comment(&mut tx, comment, change).await?;
        tx.commit().await.map_err(map)
    }

    async fn comments(&self, review: ReviewId) -> StoreResult<Vec<casewindow_store::Comment>> {
        collaboration::comments(&mut *self.read().await?, review).await
    }

    async fn answer_comment(
        &self,
        review: ReviewId,
        comment: Uuid,
        answer: &casewindow_store::GivenAnswer,
        change: &Change,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let written =
            collaboration::answer_comment(&mut tx, review, comment, answer, change).await?;
        tx.commit().await.map_err(map)?;
        Ok(written)
    }

    async fn move_version(
        &self,
        review: ReviewId,
        version: Uuid,
        from: &str,
        to: &str,
        change: &Change,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let written =
            collaboration::move_version(&mut tx, review, version, from, to, change).await?;
        tx.commit().await.map_err(map)?;
        Ok(written)
    }

    async fn report_version_document(&self, id: Uuid) -> StoreResult<Option<(ReviewId, String)>> {
        collaboration::report_version_document(&mut *self.read().await?, id).await
    }

    async fn sign_off_version(
        &self,
        sign_off: &casewindow_store::VersionSignOff,
        change: &Change,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let written = collaboration::sign_off_version(&mut tx, sign_off, change).await?;
        tx.commit().await.map_err(map)?;
        Ok(written)
    }

    async fn version_sign_offs(
        &self,
        review: ReviewId,
    ) -> StoreResult<Vec<casewindow_store::VersionSignOff>> {
        collaboration::version_sign_offs(&mut *self.read().await?, review).await
    }

    async fn assess_quality(
        &self,
        assessment: &casewindow_store::QualityAssessment,
        change: &Change,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        collaboration::assess_quality(&mut tx, assessment, change).await?;
        tx.commit().await.map_err(map)
    }

    async fn quality_assessments(
        &self,
        review: ReviewId,
    ) -> StoreResult<Vec<casewindow_store::QualityAssessment>> {
        collaboration::quality_assessments(&mut *self.read().await?, review).await
    }
}

#[async_trait]
impl casewindow_store::Search for SqlStore {
    async fn stale_search_reviews(&self) -> StoreResult<Vec<(ReviewId, i64)>> {
        search::stale(&mut *self.read().await?).await
    }

    async fn index_review(
        &self,
        review: ReviewId,
        stamp: i64,
        docs: &[casewindow_search::Doc],
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if !search::replace(&mut tx, self.backend, review, stamp, docs).await? {
            return Ok(false);
        }
        tx.commit().await.map_err(map)?;
        Ok(true)
    }

    async fn search_matches(
        &self,
        query: &casewindow_search::Query,
        scopes: &[casewindow_store::SearchScope],
        limit: usize,
    ) -> StoreResult<Vec<casewindow_search::Match>> {
        search::matches(&mut *self.read().await?, self.backend, query, scopes, limit).await
    }

    async fn search_snippets(
        &self,
        query: &casewindow_search::Query,
        ids: &[Uuid],
        words: usize,
    ) -> StoreResult<std::collections::HashMap<Uuid, (String, String)>> {
        search::snippets(&mut *self.read().await?, self.backend, query, ids, words).await
    }
}

#[async_trait]
impl casewindow_store::Across for SqlStore {
    async fn reviews_sharing(&self, reviews: &[ReviewId]) -> StoreResult<Vec<ReviewId>> {
        let ids: Vec<String> = reviews.iter().map(|r| r.0.to_string()).collect();
        across::reviews_sharing(&mut *self.read().await?, self.backend, &ids).await
    }

    async fn review_agencies(&self) -> StoreResult<Vec<(ReviewId, AgencyId)>> {
        across::review_agencies(&mut *self.read().await?).await
    }

    async fn actions_page(
        &self,
        query: &casewindow_store::ActionQuery,
    ) -> StoreResult<casewindow_store::ActionPage> {
        let mut tx = self.snapshot().await?;
        let page = across::actions_page(&mut tx, self.backend, query).await?;
        tx.commit().await.map_err(map)?;
        Ok(page)
    }

    async fn conversations_with(
        &self,
        participants: &[casewindow_domain::ids::ParticipationId],
    ) -> StoreResult<Vec<Stored<casewindow_domain::evidence::Conversation>>> {
        let ids: Vec<String> = participants.iter().map(|p| p.0.to_string()).collect();
        across::conversations_with(&mut *self.read().await?, self.backend, &ids).await
    }

    async fn issue_reach(
        &self,
    ) -> StoreResult<
        std::collections::HashMap<casewindow_domain::ids::RecurrentIssueId, (usize, usize)>,
    > {
        across::issue_reach(&mut *self.read().await?).await
    }
}
