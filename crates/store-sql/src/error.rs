//! Mapping sqlx errors onto [`StoreError`] without leaking SQL text to callers.

use casewindow_store::StoreError;
use sqlx::error::ErrorKind;

/// Converts a database error. Constraint violations become errors a caller can act on; the
/// rest is wrapped whole (it is logged, never shown).
pub(crate) fn map(err: sqlx::Error) -> StoreError {
    if let Some(db) = err.as_database_error() {
        match db.kind() {
            ErrorKind::UniqueViolation => {
                return StoreError::Duplicate {
                    kind: "record",
                    id: constraint_name(db),
                };
            }
            ErrorKind::ForeignKeyViolation => {
                return StoreError::Integrity(
                    "the change refers to a record that does not exist, or would leave a reference dangling".to_owned(),
                );
            }
            _ => {}
        }
    }
    StoreError::Unexpected(Box::new(err))
}

fn constraint_name(db: &dyn sqlx::error::DatabaseError) -> String {
    db.constraint()
        .map(str::to_owned)
        .unwrap_or_else(|| "with the same key".to_owned())
}

/// A row held something that does not parse.
pub(crate) fn corrupt(kind: &'static str, id: &str, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        kind,
        id: id.to_owned(),
        reason: reason.to_string(),
    }
}

/// A text column holding an id, read as a UUID; a stored value that is none is `Corrupt`
/// (named by `kind` and the value).
pub(crate) fn uuid_column(
    row: &sqlx::any::AnyRow,
    column: &str,
    kind: &'static str,
) -> Result<uuid::Uuid, StoreError> {
    use sqlx::Row;
    let text: String = row.try_get(column).map_err(map)?;
    uuid::Uuid::parse_str(&text).map_err(|e| corrupt(kind, &text, e))
}
