//! Opaque identifiers. Each record kind has its own newtype so a KPE id can never be passed
//! where a finding id is expected. Ids are UUIDs generated outside the domain.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// The underlying UUID.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )*};
}

id_type!(
    /// A safeguarding partnership (or board).
    PartnershipId,
    /// An agency involved with the child or family.
    AgencyId,
    /// A person who uses casewindow.
    UserId,
    /// A case review.
    ReviewId,
    /// The terms of reference of one review (one per review; its versions are its revisions).
    TermsOfReferenceId,
    /// Someone's part in one review (reviewer, case group member, ...).
    ParticipationId,
    /// A pseudonymised member of the family or household.
    SubjectId,
    /// An entry in the register of source documents.
    SourceDocumentId,
    /// One entry of one agency's chronology.
    ChronologyEntryId,
    /// A structured conversation with a practitioner or family member.
    ConversationId,
    /// A section of the multi-agency narrative ("view of the case").
    NarrativeSectionId,
    /// A key practice episode.
    KpeId,
    /// A systemic finding.
    FindingId,
    /// A recurrent issue within one pattern of the typology.
    RecurrentIssueId,
    /// The partnership's response to one finding.
    ResponseId,
    /// An action in the partnership's action plan.
    ActionId,
);

id_type!(
    /// A meeting of the review team, the case group, or both.
    MeetingId,
);
