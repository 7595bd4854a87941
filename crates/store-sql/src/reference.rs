//! Reference data (partnerships, agencies, users, the typology), lifecycle transitions and the
//! identity vault: the tables that are not generic versioned records.

use crate::error::{corrupt, map};
use crate::records::{from_millis, millis, parse_user, user_text};
use casewindow_domain::ids::{AgencyId, PartnershipId, ReviewId, SubjectId, UserId};
use casewindow_domain::lifecycle::{ReviewState, Transition};
use casewindow_domain::organisation::{Agency, Partnership, User};
use casewindow_domain::typology::{TypologyCategory, TypologyMapping, TypologyVersion};
use casewindow_store::{Change, StoreError, StoredTransition};
use chrono::NaiveDate;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

/// The serde name of a unit enum variant.
pub(crate) fn enum_text<T: Serialize>(value: &T) -> Result<String, StoreError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        _ => Err(StoreError::Integrity(
            "value is not a unit enum variant".to_owned(),
        )),
    }
}

fn parse_enum<T: DeserializeOwned>(
    kind: &'static str,
    id: &str,
    text: String,
) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text)).map_err(|e| corrupt(kind, id, e))
}

fn parse_uuid(kind: &'static str, id: &str, text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| corrupt(kind, id, e))
}

fn get<T>(row: &AnyRow, column: &str) -> Result<T, StoreError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(column).map_err(map)
}

pub(crate) async fn insert_partnership(
    conn: &mut AnyConnection,
    partnership: &Partnership,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO partnerships (id, name, jurisdiction, kind) VALUES ($1, $2, $3, $4)")
        .bind(partnership.id.0.to_string())
        .bind(partnership.name.clone())
        .bind(enum_text(&partnership.jurisdiction)?)
        .bind(enum_text(&partnership.kind)?)
        .execute(conn)
        .await
        .map_err(map)?;
    Ok(())
}

fn read_partnership(row: &AnyRow) -> Result<Partnership, StoreError> {
    let id: String = get(row, "id")?;
    Ok(Partnership {
        id: PartnershipId(parse_uuid("partnership", &id, &id)?),
        name: get(row, "name")?,
        jurisdiction: parse_enum("partnership", &id, get(row, "jurisdiction")?)?,
        kind: parse_enum("partnership", &id, get(row, "kind")?)?,
    })
}

pub(crate) async fn partnerships(
    conn: &mut AnyConnection,
    id: Option<PartnershipId>,
) -> Result<Vec<Partnership>, StoreError> {
    let rows = match id {
        Some(id) => {
            sqlx::query("SELECT id, name, jurisdiction, kind FROM partnerships WHERE id = $1")
                .bind(id.0.to_string())
                .fetch_all(conn)
                .await
        }
        None => {
            sqlx::query("SELECT id, name, jurisdiction, kind FROM partnerships ORDER BY name, id")
                .fetch_all(conn)
                .await
        }
    }
    .map_err(map)?;
    rows.iter().map(read_partnership).collect()
}

pub(crate) async fn insert_agency(
    conn: &mut AnyConnection,
    agency: &Agency,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO agencies (id, partnership_id, name, sector, publication_name, withdrawn_on, withdrawn_reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(agency.id.0.to_string())
    .bind(agency.partnership_id.map(|p| p.0.to_string()))
    .bind(agency.name.clone())
    .bind(enum_text(&agency.sector)?)
    .bind(agency.publication_name.clone())
    .bind(agency.withdrawn.as_ref().map(|w| w.on.to_string()))
    .bind(agency.withdrawn.as_ref().map(|w| w.reason.clone()))
    .execute(conn)
    .await
    .map_err(map)?;
    Ok(())
}

/// Sets what published documents call an agency; `false` when there is no such agency.
pub(crate) async fn set_agency_publication_name(
    conn: &mut AnyConnection,
    id: AgencyId,
    name: Option<&str>,
) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE agencies SET publication_name = $1 WHERE id = $2")
        .bind(name.map(str::to_owned))
        .bind(id.0.to_string())
        .execute(conn)
        .await
        .map_err(map)?;
    Ok(done.rows_affected() == 1)
}

/// Withdraws an agency with why, unless it already is; `false` when there is no such agency
/// or it was already withdrawn (one conditional statement: two at once withdraw it once).
pub(crate) async fn withdraw_agency(
    conn: &mut AnyConnection,
    id: AgencyId,
    withdrawal: &casewindow_domain::validation::Withdrawal,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE agencies SET withdrawn_on = $1, withdrawn_reason = $2 \
         WHERE id = $3 AND withdrawn_on IS NULL",
    )
    .bind(withdrawal.on.to_string())
    .bind(withdrawal.reason.clone())
    .bind(id.0.to_string())
    .execute(conn)
    .await
    .map_err(map)?;
    Ok(done.rows_affected() == 1)
}

fn read_agency(row: &AnyRow) -> Result<Agency, StoreError> {
    let id: String = get(row, "id")?;
    let partnership: Option<String> = get(row, "partnership_id")?;
    Ok(Agency {
        id: AgencyId(parse_uuid("agency", &id, &id)?),
        partnership_id: partnership
            .map(|p| parse_uuid("agency", &id, &p).map(PartnershipId))
            .transpose()?,
        name: get(row, "name")?,
        sector: parse_enum("agency", &id, get(row, "sector")?)?,
        publication_name: get(row, "publication_name")?,
        withdrawn: {
            let on: Option<String> = get(row, "withdrawn_on")?;
            let reason: Option<String> = get(row, "withdrawn_reason")?;
            match on {
                Some(on) => Some(casewindow_domain::validation::Withdrawal {
                    on: on.parse().map_err(|_| StoreError::Corrupt {
                        kind: "agency",
                        id: id.clone(),
                        reason: format!("withdrawn_on {on:?} is not a date"),
                    })?,
                    reason: reason.unwrap_or_default(),
                }),
                None => None,
            }
        },
    })
}

pub(crate) async fn agencies(
    conn: &mut AnyConnection,
    id: Option<AgencyId>,
) -> Result<Vec<Agency>, StoreError> {
    let rows = match id {
        Some(id) => {
            sqlx::query("SELECT id, partnership_id, name, sector, publication_name, withdrawn_on, withdrawn_reason FROM agencies WHERE id = $1")
                .bind(id.0.to_string())
                .fetch_all(conn)
                .await
        }
        None => {
            sqlx::query("SELECT id, partnership_id, name, sector, publication_name, withdrawn_on, withdrawn_reason FROM agencies ORDER BY name, id")
                .fetch_all(conn)
                .await
        }
    }
    .map_err(map)?;
    rows.iter().map(read_agency).collect()
}

pub(crate) async fn insert_user(conn: &mut AnyConnection, user: &User) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO users (id, display_name, email) VALUES ($1, $2, $3)")
        .bind(user.id.0.to_string())
        .bind(user.display_name.clone())
        .bind(user.email.clone())
        .execute(conn)
        .await
        .map_err(map)?;
    Ok(())
}

fn read_user(row: &AnyRow) -> Result<User, StoreError> {
    let id: String = get(row, "id")?;
    Ok(User {
        id: UserId(parse_uuid("user", &id, &id)?),
        display_name: get(row, "display_name")?,
        email: get(row, "email")?,
    })
}

pub(crate) async fn users(
    conn: &mut AnyConnection,
    id: Option<UserId>,
) -> Result<Vec<User>, StoreError> {
    let rows = match id {
        Some(id) => {
            sqlx::query("SELECT id, display_name, email FROM users WHERE id = $1")
                .bind(id.0.to_string())
                .fetch_all(conn)
                .await
        }
        None => {
            sqlx::query("SELECT id, display_name, email FROM users ORDER BY display_name, id")
                .fetch_all(conn)
                .await
        }
    }
    .map_err(map)?;
    rows.iter().map(read_user).collect()
}

/// Whether a row with this id exists in a reference table.
pub(crate) async fn exists(
    conn: &mut AnyConnection,
    table: &'static str,
    id: Uuid,
) -> Result<bool, StoreError> {
    let sql = match table {
        "partnerships" => "SELECT 1 AS present FROM partnerships WHERE id = $1",
        "agencies" => "SELECT 1 AS present FROM agencies WHERE id = $1",
        "users" => "SELECT 1 AS present FROM users WHERE id = $1",
        "recurrent_issues" => "SELECT 1 AS present FROM recurrent_issues WHERE id = $1",
        "reviews" => "SELECT 1 AS present FROM reviews WHERE id = $1",
        other => {
            return Err(StoreError::Integrity(format!(
                "unknown reference table {other}"
            )));
        }
    };
    let row = sqlx::query(sql)
        .bind(id.to_string())
        .fetch_optional(conn)
        .await
        .map_err(map)?;
    Ok(row.is_some())
}

pub(crate) async fn seed_typology(
    conn: &mut AnyConnection,
    versions: &[TypologyVersion],
    mappings: &[TypologyMapping],
) -> Result<(), StoreError> {
    for version in versions {
        let present =
            sqlx::query("SELECT 1 AS present FROM typology_versions WHERE version_key = $1")
                .bind(version.key.clone())
                .fetch_optional(&mut *conn)
                .await
                .map_err(map)?;
        if present.is_some() {
            continue;
        }
        sqlx::query("INSERT INTO typology_versions (version_key, name, year) VALUES ($1, $2, $3)")
            .bind(version.key.clone())
            .bind(version.name.clone())
            .bind(version.year)
            .execute(&mut *conn)
            .await
            .map_err(map)?;
        for category in &version.categories {
            sqlx::query(
                "INSERT INTO typology_categories (version_key, code, pattern, label, description) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(version.key.clone())
            .bind(category.code.clone())
            .bind(enum_text(&category.pattern)?)
            .bind(category.label.clone())
            .bind(category.description.clone())
            .execute(&mut *conn)
            .await
            .map_err(map)?;
        }
    }
    for mapping in mappings {
        let present = sqlx::query(
            "SELECT 1 AS present FROM typology_mappings WHERE from_version = $1 AND from_code = $2 AND to_version = $3 AND to_code = $4",
        )
        .bind(mapping.from_version.clone())
        .bind(mapping.from_code.clone())
        .bind(mapping.to_version.clone())
        .bind(mapping.to_code.clone())
        .fetch_optional(&mut *conn)
        .await
        .map_err(map)?;
        if present.is_none() {
            sqlx::query("INSERT INTO typology_mappings (from_version, from_code, to_version, to_code) VALUES ($1, $2, $3, $4)")
                .bind(mapping.from_version.clone())
                .bind(mapping.from_code.clone())
                .bind(mapping.to_version.clone())
                .bind(mapping.to_code.clone())
                .execute(&mut *conn)
                .await
                .map_err(map)?;
        }
    }
    Ok(())
}

pub(crate) async fn typology(
    conn: &mut AnyConnection,
) -> Result<(Vec<TypologyVersion>, Vec<TypologyMapping>), StoreError> {
    let version_rows = sqlx::query(
        "SELECT version_key, name, year FROM typology_versions ORDER BY year, version_key",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map)?;
    let mut versions = Vec::new();
    for row in &version_rows {
        let key: String = get(row, "version_key")?;
        let category_rows = sqlx::query(
            "SELECT code, pattern, label, description FROM typology_categories WHERE version_key = $1 ORDER BY code",
        )
        .bind(key.clone())
        .fetch_all(&mut *conn)
        .await
        .map_err(map)?;
        let categories = category_rows
            .iter()
            .map(|c| {
                Ok(TypologyCategory {
                    code: get(c, "code")?,
                    pattern: parse_enum("typology category", &key, get(c, "pattern")?)?,
                    label: get(c, "label")?,
                    description: get(c, "description")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        versions.push(TypologyVersion {
            name: get(row, "name")?,
            year: get(row, "year")?,
            key,
            categories,
        });
    }
    let mapping_rows = sqlx::query(
        "SELECT from_version, from_code, to_version, to_code FROM typology_mappings ORDER BY from_version, from_code, to_version, to_code",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map)?;
    let mappings = mapping_rows
        .iter()
        .map(|m| {
            Ok(TypologyMapping {
                from_version: get(m, "from_version")?,
                from_code: get(m, "from_code")?,
                to_version: get(m, "to_version")?,
                to_code: get(m, "to_code")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok((versions, mappings))
}

pub(crate) async fn insert_transition(
    conn: &mut AnyConnection,
    stored: &StoredTransition,
) -> Result<(), StoreError> {
    let transition = &stored.transition;
    sqlx::query(
        "INSERT INTO review_transitions (review_id, from_state, to_state, reason, on_date, at, by_user) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(stored.review_id.0.to_string())
    .bind(enum_text(&transition.from)?)
    .bind(enum_text(&transition.to)?)
    .bind(transition.reason.clone())
    .bind(transition.on.to_string())
    .bind(millis(stored.at))
    .bind(user_text(stored.by))
    .execute(conn)
    .await
    .map_err(map)?;
    Ok(())
}

pub(crate) async fn transitions(
    conn: &mut AnyConnection,
    review_id: ReviewId,
) -> Result<Vec<StoredTransition>, StoreError> {
    let rows = sqlx::query(
        "SELECT from_state, to_state, reason, on_date, at, by_user FROM review_transitions WHERE review_id = $1 ORDER BY id",
    )
    .bind(review_id.0.to_string())
    .fetch_all(conn)
    .await
    .map_err(map)?;
    let id = review_id.0.to_string();
    rows.iter()
        .map(|row| {
            let on: String = get(row, "on_date")?;
            Ok(StoredTransition {
                review_id,
                transition: Transition {
                    from: parse_enum::<ReviewState>("transition", &id, get(row, "from_state")?)?,
                    to: parse_enum::<ReviewState>("transition", &id, get(row, "to_state")?)?,
                    reason: get(row, "reason")?,
                    on: NaiveDate::parse_from_str(&on, "%Y-%m-%d")
                        .map_err(|e| corrupt("transition", &id, e))?,
                },
                at: from_millis("transition", &id, get(row, "at")?)?,
                by: parse_user("transition", &id, get(row, "by_user")?)?,
            })
        })
        .collect()
}

pub(crate) async fn put_identity(
    conn: &mut AnyConnection,
    subject_id: SubjectId,
    sealed: &str,
    change: &Change,
) -> Result<(), StoreError> {
    let body = sealed.to_owned();
    let subject = subject_id.0.to_string();
    sqlx::query("DELETE FROM subject_identities WHERE subject_id = $1")
        .bind(subject.clone())
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    sqlx::query("INSERT INTO subject_identities (subject_id, body, updated_at, updated_by) VALUES ($1, $2, $3, $4)")
        .bind(subject)
        .bind(body)
        .bind(millis(change.at))
        .bind(user_text(change.actor))
        .execute(conn)
        .await
        .map_err(map)?;
    Ok(())
}

pub(crate) async fn identity(
    conn: &mut AnyConnection,
    subject_id: SubjectId,
) -> Result<Option<String>, StoreError> {
    let id = subject_id.0.to_string();
    let row = sqlx::query("SELECT body FROM subject_identities WHERE subject_id = $1")
        .bind(id.clone())
        .fetch_optional(conn)
        .await
        .map_err(map)?;
    row.map(|row| get::<String>(&row, "body")).transpose()
}
