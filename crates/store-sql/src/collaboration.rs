//! SQL for shares, comments and answers, report stages, partner sign-offs and quality
//! assessments (see [`casewindow_store::Collaboration`]).

use crate::error::{corrupt, map};
use crate::records::{from_millis, millis, parse_user, user_text};
use casewindow_domain::ids::{ReviewId, UserId};
use casewindow_store::{
    Change, Comment, CommentOn, GivenAnswer, QualityAssessment, Share, StoreError, VersionSignOff,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

/// The serde key of a unit enum variant.
fn key<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

fn parse_key<T: DeserializeOwned>(
    kind: &'static str,
    id: &str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| corrupt(kind, id, e))
}

fn uuid(kind: &'static str, id: &str, text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| corrupt(kind, id, e))
}

fn get<T>(row: &AnyRow, column: &str) -> Result<T, StoreError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(column).map_err(map)
}

/// Audits a change to a review in the same transaction (moving the review's change stamp).
async fn audit(
    conn: &mut AnyConnection,
    action: &str,
    entity: &str,
    id: Uuid,
    review: ReviewId,
    change: &Change,
) -> Result<(), StoreError> {
    let mut entry = crate::audit::for_reference(action, entity, id, change);
    entry.review_id = Some(review);
    crate::audit::append(conn, &entry).await
}

pub(crate) async fn share(
    conn: &mut AnyConnection,
    share: &Share,
    change: &Change,
) -> Result<bool, StoreError> {
    let written = sqlx::query(
        "INSERT INTO shares (id, review_id, audience, item_kind, item_id, item_version, title, \
         content, review_state, note, shared_at, shared_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (review_id, audience, item_id, item_version) DO NOTHING",
    )
    .bind(share.id.to_string())
    .bind(share.review_id.0.to_string())
    .bind(key(&share.audience))
    .bind(key(&share.kind))
    .bind(share.item_id.to_string())
    .bind(share.item_version)
    .bind(share.title.clone())
    .bind(share.content.clone())
    .bind(share.review_state.clone())
    .bind(share.note.clone())
    .bind(millis(share.at))
    .bind(user_text(share.by))
    .execute(&mut *conn)
    .await
    .map_err(map)?
    .rows_affected();
    if written == 0 {
        return Ok(false);
    }
    audit(conn, "create", "shares", share.id, share.review_id, change).await?;
    Ok(true)
}

pub(crate) async fn shares(
    conn: &mut AnyConnection,
    review: ReviewId,
) -> Result<Vec<Share>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, audience, item_kind, item_id, item_version, title, content, review_state, \
         note, shared_at, shared_by FROM shares WHERE review_id = $1 ORDER BY shared_at, id",
    )
    .bind(review.0.to_string())
    .fetch_all(conn)
    .await
    .map_err(map)?;
    rows.iter()
        .map(|row| {
            let id: String = get(row, "id")?;
            Ok(Share {
                id: uuid("share", &id, &id)?,
                review_id: review,
                audience: parse_key("share", &id, &get::<String>(row, "audience")?)?,
                kind: parse_key("share", &id, &get::<String>(row, "item_kind")?)?,
                item_id: uuid("share", &id, &get::<String>(row, "item_id")?)?,
                item_version: get(row, "item_version")?,
                title: get(row, "title")?,
                content: get(row, "content")?,
                review_state: get(row, "review_state")?,
                note: get(row, "note")?,
                at: from_millis("share", &id, get(row, "shared_at")?)?,
                by: parse_user("share", &id, get(row, "shared_by")?)?,
            })
        })
        .collect()
}

pub(crate) async fn add_comment(
    conn: &mut AnyConnection,
    comment: &Comment,
    change: &Change,
) -> Result<(), StoreError> {
    let (share, version, section) = match &comment.on {
        CommentOn::Share(share) => (Some(share.to_string()), None, None),
        CommentOn::Version { version, section } => {
            (None, Some(version.to_string()), Some(section.clone()))
        }
    };
    sqlx::query(
        "INSERT INTO comments (id, review_id, share_id, version_id, section, author_id, audience, \
         body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(comment.id.to_string())
    .bind(comment.review_id.0.to_string())
    .bind(share)
    .bind(version)
    .bind(section)
    .bind(comment.author.0.to_string())
    .bind(key(&comment.audience))
    .bind(comment.body.clone())
    .bind(millis(comment.at))
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    audit(
        conn,
        "create",
        "comments",
        comment.id,
        comment.review_id,
        change,
    )
    .await
}

pub(crate) async fn comments(
    conn: &mut AnyConnection,
    review: ReviewId,
) -> Result<Vec<Comment>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, share_id, version_id, section, author_id, audience, body, created_at, answer, \
         answer_note, answered_by, answered_at FROM comments WHERE review_id = $1 \
         ORDER BY created_at, id",
    )
    .bind(review.0.to_string())
    .fetch_all(conn)
    .await
    .map_err(map)?;
    rows.iter()
        .map(|row| {
            let id: String = get(row, "id")?;
            let share: Option<String> = get(row, "share_id")?;
            let version: Option<String> = get(row, "version_id")?;
            let on = match (share, version) {
                (Some(share), _) => CommentOn::Share(uuid("comment", &id, &share)?),
                (None, Some(version)) => CommentOn::Version {
                    version: uuid("comment", &id, &version)?,
                    section: get::<Option<String>>(row, "section")?.unwrap_or_default(),
                },
                (None, None) => return Err(corrupt("comment", &id, "names nothing it is about")),
            };
            let answer: Option<String> = get(row, "answer")?;
            let answer = match answer {
                None => None,
                Some(answer) => Some(GivenAnswer {
                    answer: parse_key("comment", &id, &answer)?,
                    note: get::<Option<String>>(row, "answer_note")?.unwrap_or_default(),
                    by: parse_user("comment", &id, get(row, "answered_by")?)?,
                    at: from_millis(
                        "comment",
                        &id,
                        get::<Option<i64>>(row, "answered_at")?.unwrap_or_default(),
                    )?,
                }),
            };
            let author: String = get(row, "author_id")?;
            Ok(Comment {
                id: uuid("comment", &id, &id)?,
                review_id: review,
                on,
                author: UserId(uuid("comment", &id, &author)?),
                audience: parse_key("comment", &id, &get::<String>(row, "audience")?)?,
                body: get(row, "body")?,
                at: from_millis("comment", &id, get(row, "created_at")?)?,
                answer,
            })
        })
        .collect()
}

pub(crate) async fn answer_comment(
    conn: &mut AnyConnection,
    review: ReviewId,
    comment: Uuid,
    answer: &GivenAnswer,
    change: &Change,
) -> Result<bool, StoreError> {
    let written = sqlx::query(
        "UPDATE comments SET answer = $1, answer_note = $2, answered_by = $3, answered_at = $4 \
         WHERE id = $5 AND review_id = $6 AND answer IS NULL",
    )
    .bind(key(&answer.answer))
    .bind(answer.note.clone())
    .bind(user_text(answer.by))
    .bind(millis(answer.at))
    .bind(comment.to_string())
    .bind(review.0.to_string())
    .execute(&mut *conn)
    .await
    .map_err(map)?
    .rows_affected();
    if written == 0 {
        return Ok(false);
    }
    audit(conn, "answer", "comments", comment, review, change).await?;
    Ok(true)
}

pub(crate) async fn move_version(
    conn: &mut AnyConnection,
    review: ReviewId,
    version: Uuid,
    from: &str,
    to: &str,
    change: &Change,
) -> Result<bool, StoreError> {
    let written = sqlx::query(
        "UPDATE report_versions SET stage = $1 WHERE id = $2 AND review_id = $3 AND stage = $4",
    )
    .bind(to.to_owned())
    .bind(version.to_string())
    .bind(review.0.to_string())
    .bind(from.to_owned())
    .execute(&mut *conn)
    .await
    .map_err(map)?
    .rows_affected();
    if written == 0 {
        return Ok(false);
    }
    audit(conn, "stage", "report_versions", version, review, change).await?;
    Ok(true)
}

pub(crate) async fn report_version_document(
    conn: &mut AnyConnection,
    id: Uuid,
) -> Result<Option<(ReviewId, String)>, StoreError> {
    let row = sqlx::query("SELECT review_id, document FROM report_versions WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(conn)
        .await
        .map_err(map)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let text = id.to_string();
    let review: String = get(&row, "review_id")?;
    Ok(Some((
        ReviewId(uuid("report version", &text, &review)?),
        get(&row, "document")?,
    )))
}

pub(crate) async fn sign_off_version(
    conn: &mut AnyConnection,
    sign_off: &VersionSignOff,
    change: &Change,
) -> Result<bool, StoreError> {
    let written = sqlx::query(
        "INSERT INTO version_sign_offs (id, review_id, version_id, user_id, decision, note, \
         signed_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (version_id, user_id) DO NOTHING",
    )
    .bind(sign_off.id.to_string())
    .bind(sign_off.review_id.0.to_string())
    .bind(sign_off.version_id.to_string())
    .bind(sign_off.user_id.0.to_string())
    .bind(key(&sign_off.decision))
    .bind(sign_off.note.clone())
    .bind(millis(sign_off.at))
    .execute(&mut *conn)
    .await
    .map_err(map)?
    .rows_affected();
    if written == 0 {
        return Ok(false);
    }
    audit(
        conn,
        "sign_off",
        "report_versions",
        sign_off.version_id,
        sign_off.review_id,
        change,
    )
    .await?;
    Ok(true)
}

pub(crate) async fn version_sign_offs(
    conn: &mut AnyConnection,
    review: ReviewId,
) -> Result<Vec<VersionSignOff>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, version_id, user_id, decision, note, signed_at FROM version_sign_offs \
         WHERE review_id = $1 ORDER BY signed_at, id",
    )
    .bind(review.0.to_string())
    .fetch_all(conn)
    .await
    .map_err(map)?;
    rows.iter()
        .map(|row| {
            let id: String = get(row, "id")?;
            Ok(VersionSignOff {
                id: uuid("sign-off", &id, &id)?,
                review_id: review,
                version_id: uuid("sign-off", &id, &get::<String>(row, "version_id")?)?,
                user_id: UserId(uuid("sign-off", &id, &get::<String>(row, "user_id")?)?),
                decision: parse_key("sign-off", &id, &get::<String>(row, "decision")?)?,
                note: get(row, "note")?,
                at: from_millis("sign-off", &id, get(row, "signed_at")?)?,
            })
        })
        .collect()
}

pub(crate) async fn assess_quality(
    conn: &mut AnyConnection,
    a: &QualityAssessment,
    change: &Change,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO quality_assessments (id, review_id, marker, rating, evidence, role, \
         assessed_by, assessed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(a.id.to_string())
    .bind(a.review_id.0.to_string())
    .bind(key(&a.marker))
    .bind(key(&a.rating))
    .bind(a.evidence.clone())
    .bind(key(&a.role))
    .bind(user_text(a.by))
    .bind(millis(a.at))
    .execute(&mut *conn)
    .await
    .map_err(map)?;
    audit(
        conn,
        "assess",
        "quality_assessments",
        a.id,
        a.review_id,
        change,
    )
    .await
}

pub(crate) async fn quality_assessments(
    conn: &mut AnyConnection,
    review: ReviewId,
) -> Result<Vec<QualityAssessment>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, marker, rating, evidence, role, assessed_by, assessed_at \
         FROM quality_assessments WHERE review_id = $1 ORDER BY assessed_at, id",
    )
    .bind(review.0.to_string())
    .fetch_all(conn)
    .await
    .map_err(map)?;
    rows.iter()
        .map(|row| {
            let id: String = get(row, "id")?;
            Ok(QualityAssessment {
                id: uuid("quality assessment", &id, &id)?,
                review_id: review,
                marker: parse_key("quality assessment", &id, &get::<String>(row, "marker")?)?,
                rating: parse_key("quality assessment", &id, &get::<String>(row, "rating")?)?,
                evidence: get(row, "evidence")?,
                role: parse_key("quality assessment", &id, &get::<String>(row, "role")?)?,
                by: parse_user("quality assessment", &id, get(row, "assessed_by")?)?,
                at: from_millis("quality assessment", &id, get(row, "assessed_at")?)?,
            })
        })
        .collect()
}
