//! What is shared with the case group, the family and the partners, their comments and the
//! answers, quality assessments and partner sign-offs.

use casewindow_domain::collaboration::{
    Audience, CommentAnswer, QualityMarker, QualityRating, SharedKind, SignOffDecision,
};
use casewindow_domain::ids::{ReviewId, UserId};
use casewindow_domain::participation::Role;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A KPE or finding shared with an audience: a pseudonymised copy of one version of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub id: Uuid,
    pub review_id: ReviewId,
    pub audience: Audience,
    pub kind: SharedKind,
    pub item_id: Uuid,
    /// The version of the record that was copied.
    pub item_version: i64,
    pub title: String,
    pub content: String,
    /// The review's lifecycle state when it was shared (its key).
    pub review_state: String,
    /// What the reviewers asked, e.g. by when to comment.
    pub note: String,
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
}

/// What a comment is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommentOn {
    Share(Uuid),
    /// A section (by its heading) of a frozen report version.
    Version {
        version: Uuid,
        section: String,
    },
}

/// The review team's answer to a comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GivenAnswer {
    pub answer: CommentAnswer,
    pub note: String,
    pub by: Option<UserId>,
    pub at: DateTime<Utc>,
}

/// A comment from someone a draft was shared with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub id: Uuid,
    pub review_id: ReviewId,
    pub on: CommentOn,
    pub author: UserId,
    pub audience: Audience,
    pub body: String,
    pub at: DateTime<Utc>,
    pub answer: Option<GivenAnswer>,
}

/// One assessment of one quality marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QualityAssessment {
    pub id: Uuid,
    pub review_id: ReviewId,
    pub marker: QualityMarker,
    pub rating: QualityRating,
    pub evidence: String,
    /// The role the assessor held in the review.
    pub role: Role,
    pub by: Option<UserId>,
    pub at: DateTime<Utc>,
}

/// A partner signatory's decision on a report version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSignOff {
    pub id: Uuid,
    pub review_id: ReviewId,
    pub version_id: Uuid,
    pub user_id: UserId,
    pub decision: SignOffDecision,
    pub note: String,
    pub at: DateTime<Utc>,
}
