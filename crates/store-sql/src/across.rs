//! Reads across many reviews, counted and paged in the database: the reader's reviews arrive as
//! a JSON array of ids, expanded and joined in the query, so nothing outside them is read, and
//! only one page of records leaves the database.

use crate::error::{corrupt, map, uuid_column};
use crate::records;
use casewindow_domain::ids::{AgencyId, RecurrentIssueId, ReviewId};
use casewindow_domain::response::Action;
use casewindow_store::{
    ActionPage, ActionQuery, Backend, REVIEWS_LISTED, RecordKind, StoreError, Stored,
};
use sqlx::{Any, AssertSqlSafe, Row, Transaction};
use std::collections::HashMap;
use uuid::Uuid;

/// A JSON array of strings as rows of one column, `value`.
pub(crate) fn expand(backend: Backend, param: &str) -> String {
    match backend {
        Backend::Postgres => format!("SELECT jsonb_array_elements_text({param}::jsonb) AS value"),
        Backend::Sqlite => format!("SELECT value FROM json_each({param})"),
    }
}

pub(crate) fn json_ids(ids: impl IntoIterator<Item = String>) -> String {
    serde_json::Value::Array(ids.into_iter().map(Into::into).collect()).to_string()
}

fn uuid_of(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| corrupt("action", text, e))
}

/// The actions of the reader's reviews with whether each is overdue and closed ($1 reviews,
/// $2 today, $3 closed statuses), and the query's filter ($4 status, $5 review, $6 owner,
/// $7 overdue only) as `matches`.
fn actions_cte(backend: Backend) -> String {
    format!(
        "WITH mine AS MATERIALIZED ({mine}), closed AS MATERIALIZED ({closed}), \
         a AS MATERIALIZED (SELECT x.id, x.review_id, x.status, x.due_on, x.owner_agency_id, \
             CASE WHEN x.status IN (SELECT value FROM closed) THEN 1 ELSE 0 END AS closed, \
             CASE WHEN x.due_on IS NOT NULL AND x.due_on < $2 \
                 AND x.status NOT IN (SELECT value FROM closed) THEN 1 ELSE 0 END AS overdue \
             FROM actions x WHERE x.review_id IN (SELECT value FROM mine)), \
         f AS (SELECT a.*, CASE WHEN (CAST($4 AS TEXT) IS NULL OR a.status = $4) \
             AND (CAST($5 AS TEXT) IS NULL OR a.review_id = $5) \
             AND (CAST($6 AS TEXT) IS NULL OR a.owner_agency_id = $6) \
             AND ($7 = 0 OR a.overdue = 1) THEN 1 ELSE 0 END AS matches FROM a) ",
        mine = expand(backend, "$1"),
        closed = expand(backend, "$3"),
    )
}

fn bind_query<'q>(
    sql: &'q str,
    query: &ActionQuery,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    sqlx::query(AssertSqlSafe(sql))
        .bind(json_ids(query.reviews.iter().map(|r| r.0.to_string())))
        .bind(query.today.to_string())
        .bind(json_ids(query.closed.iter().cloned()))
        .bind(query.status.clone())
        .bind(query.review.map(|r| r.0.to_string()))
        .bind(query.owner.map(|o| o.0.to_string()))
        .bind(i64::from(query.overdue_only))
}

pub(crate) async fn actions_page(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    query: &ActionQuery,
) -> Result<ActionPage, StoreError> {
    let cte = actions_cte(backend);
    let mut page = ActionPage::default();
    let counts = format!(
        "{cte}SELECT status, overdue, matches, COUNT(*) AS n FROM f GROUP BY status, overdue, matches"
    );
    for row in bind_query(&counts, query)
        .fetch_all(&mut **tx)
        .await
        .map_err(map)?
    {
        let status: String = row.try_get("status").map_err(map)?;
        let overdue: i64 = row.try_get("overdue").map_err(map)?;
        let matches: i64 = row.try_get("matches").map_err(map)?;
        let n = usize::try_from(row.try_get::<i64, _>("n").map_err(map)?).unwrap_or(0);
        page.total += n;
        if matches == 1 {
            page.matching += n;
            if overdue == 1 {
                page.overdue += n;
            } else {
                match page.by_status.iter_mut().find(|(s, _)| *s == status) {
                    Some((_, count)) => *count += n,
                    None => page.by_status.push((status, n)),
                }
            }
        }
    }
    let owners = format!("{cte}SELECT DISTINCT owner_agency_id FROM f");
    for row in bind_query(&owners, query)
        .fetch_all(&mut **tx)
        .await
        .map_err(map)?
    {
        let owner: String = row.try_get("owner_agency_id").map_err(map)?;
        page.owners.push(AgencyId(uuid_of(&owner)?));
    }
    let reviews = format!(
        "{cte}SELECT DISTINCT review_id FROM f LIMIT {}",
        REVIEWS_LISTED + 1
    );
    for row in bind_query(&reviews, query)
        .fetch_all(&mut **tx)
        .await
        .map_err(map)?
    {
        let review: String = row.try_get("review_id").map_err(map)?;
        page.reviews.push(ReviewId(uuid_of(&review)?));
    }
    let rows = format!(
        "{cte}SELECT f.id FROM f JOIN reviews r ON r.id = f.review_id JOIN actions x ON x.id = f.id \
         WHERE f.matches = 1 \
         ORDER BY f.overdue DESC, f.closed, CASE WHEN f.due_on IS NULL THEN 1 ELSE 0 END, f.due_on, \
             r.title, x.sort_key, f.id \
         LIMIT {} OFFSET {}",
        query.limit, query.offset
    );
    let ids: Vec<String> = bind_query(&rows, query)
        .fetch_all(&mut **tx)
        .await
        .map_err(map)?
        .iter()
        .map(|row| row.try_get::<String, _>("id").map_err(map))
        .collect::<Result<_, _>>()?;
    page.actions = fetch_in_order(tx, backend, &ids).await?;
    Ok(page)
}

/// The actions named, in the order named.
async fn fetch_in_order(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    ids: &[String],
) -> Result<Vec<Stored<Action>>, StoreError> {
    let sql = format!(
        "SELECT {} FROM actions WHERE id IN ({})",
        records::SELECT_COLUMNS,
        expand(backend, "$1")
    );
    let mut found: HashMap<String, Stored<Action>> = HashMap::new();
    for row in sqlx::query(AssertSqlSafe(sql))
        .bind(json_ids(ids.iter().cloned()))
        .fetch_all(&mut **tx)
        .await
        .map_err(map)?
    {
        let id: String = row.try_get("id").map_err(map)?;
        let (body, meta) = records::read_row(RecordKind::Action, &row)?;
        let record = serde_json::from_str(&body).map_err(|e| corrupt("action", &id, e))?;
        found.insert(id, Stored { record, meta });
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// Findings and reviews linked to each recurrent issue.
pub(crate) async fn issue_reach(
    conn: &mut sqlx::AnyConnection,
) -> Result<HashMap<RecurrentIssueId, (usize, usize)>, StoreError> {
    let rows = sqlx::query(
        "SELECT fi.issue_id, COUNT(*) AS findings, COUNT(DISTINCT f.review_id) AS reviews \
         FROM finding_issues fi JOIN findings f ON f.id = fi.finding_id GROUP BY fi.issue_id",
    )
    .fetch_all(conn)
    .await
    .map_err(map)?;
    rows.iter()
        .map(|row| {
            let id: String = row.try_get("issue_id").map_err(map)?;
            let issue = Uuid::parse_str(&id).map_err(|e| corrupt("recurrent issue", &id, e))?;
            let count = |name: &str| -> Result<usize, StoreError> {
                Ok(usize::try_from(row.try_get::<i64, _>(name).map_err(map)?).unwrap_or(0))
            };
            Ok((
                RecurrentIssueId(issue),
                (count("findings")?, count("reviews")?),
            ))
        })
        .collect()
}

pub(crate) async fn reviews_sharing(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    reviews: &[String],
) -> Result<Vec<ReviewId>, StoreError> {
    if reviews.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT review_id FROM shares WHERE review_id IN ({0}) \
         UNION SELECT review_id FROM report_versions WHERE review_id IN ({0})",
        expand(backend, "$1")
    );
    let wanted = serde_json::to_string(reviews).map_err(|e| StoreError::Unexpected(Box::new(e)))?;
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(wanted)
        .fetch_all(conn)
        .await
        .map_err(map)?;
    rows.iter()
        .map(|row| Ok(ReviewId(uuid_column(row, "review_id", "share")?)))
        .collect()
}

pub(crate) async fn review_agencies(
    conn: &mut sqlx::AnyConnection,
) -> Result<Vec<(ReviewId, AgencyId)>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT review_id, agency_id FROM participations \
         WHERE agency_id IS NOT NULL ORDER BY review_id, agency_id",
    )
    .fetch_all(conn)
    .await
    .map_err(map)?;
    rows.iter()
        .map(|row| {
            Ok((
                ReviewId(uuid_column(row, "review_id", "participation")?),
                AgencyId(uuid_column(row, "agency_id", "participation")?),
            ))
        })
        .collect()
}

/// The conversations held with any of these participants.
pub(crate) async fn conversations_with(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    participants: &[String],
) -> Result<Vec<Stored<casewindow_domain::evidence::Conversation>>, StoreError> {
    let sql = format!(
        "SELECT {} FROM conversations WHERE participant_id IN ({}) ORDER BY review_id, sort_key, id",
        records::SELECT_COLUMNS,
        expand(backend, "$1")
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(json_ids(participants.iter().cloned()))
        .fetch_all(conn)
        .await
        .map_err(map)?
        .iter()
        .map(|row| {
            let id: String = row.try_get("id").map_err(map)?;
            let (body, meta) = records::read_row(RecordKind::Conversation, row)?;
            let record =
                serde_json::from_str(&body).map_err(|e| corrupt("conversation", &id, e))?;
            Ok(Stored { record, meta })
        })
        .collect()
}
