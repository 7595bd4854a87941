//! Who may do what, decided in one place.
//!
//! Every use case that reads or changes a review's content calls [`App::authorize`] with the
//! permission it needs. Permissions come from the actor's role *in that review*
//! ([`casewindow_domain::participation::Role`]); a user with no part in a review, and a platform
//! administrator, get "not found", the same answer as for a review that does not exist.
//! The system actor (command line run by an operator) may do everything.

use crate::{Actor, App, AppError, AppResult};
use casewindow_domain::ids::ReviewId;
use casewindow_domain::participation::{Participation, Role};
use casewindow_store::{RecordKind, Store};

/// Something an actor may be allowed to do within a review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See the review's summary, lifecycle, terms, participants, analysis and findings.
    ViewReview,
    /// See agency chronologies and the document register.
    ViewChronology,
    /// Add or change chronology entries and source documents.
    EditChronology,
    /// See practitioners' conversation records.
    ViewConversations,
    /// Record and change conversations.
    EditConversations,
    /// Write terms of reference, narrative, KPEs, findings and subjects.
    EditAnalysis,
    /// Add participants and change roles.
    ManageParticipants,
    /// Move the review through its lifecycle, record decisions.
    ManageLifecycle,
    /// Record the partnership's responses and track actions.
    RespondAndAct,
    /// Read the review's audit trail.
    ViewAudit,
    /// Reveal the real identity behind a pseudonymised subject (always with a reason).
    RevealIdentity,
    /// See the KPEs, findings and report versions shared with one's audience (case group,
    /// family, partners) and comment on them.
    TakePart,
    /// Record a partner's sign-off of a report version put to the partners.
    SignOff,
    /// Assess the review against the quality markers.
    AssessQuality,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 14] = [
        Self::ViewReview,
        Self::ViewChronology,
        Self::EditChronology,
        Self::ViewConversations,
        Self::EditConversations,
        Self::EditAnalysis,
        Self::ManageParticipants,
        Self::ManageLifecycle,
        Self::RespondAndAct,
        Self::ViewAudit,
        Self::RevealIdentity,
        Self::TakePart,
        Self::SignOff,
        Self::AssessQuality,
    ];

    /// Whether the permission is one a person exercises only as themselves (taking part in
    /// testing the drafts, a partner's signature, a quality assessor's judgement) rather than a
    /// power over the review's content: giving a role that holds it is not giving more than the
    /// giver holds.
    pub fn is_own_act(self) -> bool {
        matches!(self, Self::TakePart | Self::SignOff | Self::AssessQuality)
    }

    /// Whether the permission only reads (what a read-only API token may use).
    pub fn is_read(self) -> bool {
        matches!(
            self,
            Self::ViewReview | Self::ViewChronology | Self::ViewConversations | Self::ViewAudit
        )
    }

    /// The permission needed to read records of a kind.
    pub fn to_read(kind: RecordKind) -> Self {
        match kind {
            RecordKind::ChronologyEntry | RecordKind::SourceDocument => Self::ViewChronology,
            RecordKind::Conversation => Self::ViewConversations,
            _ => Self::ViewReview,
        }
    }

    /// The permission needed to create or change records of a kind.
    pub fn to_write(kind: RecordKind) -> Self {
        match kind {
            RecordKind::ChronologyEntry | RecordKind::SourceDocument => Self::EditChronology,
            RecordKind::Conversation => Self::EditConversations,
            RecordKind::Participation => Self::ManageParticipants,
            RecordKind::Review => Self::ManageLifecycle,
            RecordKind::Response | RecordKind::Action => Self::RespondAndAct,
            RecordKind::TermsOfReference
            | RecordKind::Subject
            | RecordKind::NarrativeSection
            | RecordKind::Kpe
            | RecordKind::Finding
            | RecordKind::Meeting
            | RecordKind::RecurrentIssue => Self::EditAnalysis,
        }
    }
}

/// Whether a role grants a permission. The whole policy is this table.
pub fn permits(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::LeadReviewer | Role::CoReviewer => true,
        Role::ReviewTeamMember => matches!(
            permission,
            ViewReview | ViewChronology | EditAnalysis | TakePart
        ),
        Role::AgencyRecordsLiaison => matches!(permission, ViewChronology | EditChronology),
        Role::BusinessManager => matches!(
            permission,
            ViewReview | ManageLifecycle | ManageParticipants | RespondAndAct | ViewAudit
        ),
        Role::PartnerSignatory => {
            matches!(permission, ViewReview | RespondAndAct | TakePart | SignOff)
        }
        Role::IndependentScrutineer | Role::QualitySupervisor => {
            matches!(permission, ViewReview | AssessQuality)
        }
        Role::Observer => matches!(permission, ViewReview),
        // Case group and family members see their own conversation and what is shared with
        // them, nothing else.
        Role::CaseGroupMember | Role::FamilyMember => matches!(permission, TakePart),
    }
}

/// Whether a role must say why each time it uses a permission it holds (the reason is kept with
/// the audited read). Revealing a real identity always needs one. Review team members are
/// usually senior staff of one agency: reading the other agencies' chronologies and documents
/// (health, police, education records) needs a stated purpose from them, where the lead and
/// co-reviewers, who run the review, and agency liaisons, who read only their own agency's
/// submission, read without one.
pub fn reason_required(role: Role, permission: Permission) -> bool {
    match permission {
        Permission::RevealIdentity => true,
        Permission::ViewChronology => role == Role::ReviewTeamMember,
        _ => false,
    }
}

/// What a signed-in member's roles in one review grant for one permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grant {
    Yes,
    /// Granted once the actor has said why (see [`reason_required`]).
    NeedsReason,
    No,
    /// The roles grant it, but the actor is a program whose token only reads.
    ReadOnlyToken,
}

/// Whether the actor's token (if it acts with one) lets it use `permission`.
pub(crate) fn token_allows(actor: &Actor, permission: Permission) -> bool {
    actor
        .token
        .as_ref()
        .is_none_or(|token| token.write || permission.is_read())
}

/// The decision [`App::authorize`] makes, from the actor's participations in `review` (for a
/// member; the system actor, administrators and analysts are decided before roles are read).
pub(crate) fn grant(
    actor: &Actor,
    review: ReviewId,
    roles: &[Participation],
    permission: Permission,
) -> Grant {
    let granting: Vec<Role> = roles
        .iter()
        .filter(|p| p.review_id == review)
        .map(|p| p.role)
        .filter(|role| permits(*role, permission))
        .collect();
    if granting.is_empty() || actor.token.as_ref().is_some_and(|t| !t.reaches(review)) {
        return Grant::No;
    }
    if !token_allows(actor, permission) {
        return Grant::ReadOnlyToken;
    }
    // Revealing an identity takes its reason in the request itself.
    let needs_reason = permission != Permission::RevealIdentity
        && actor.purpose_in(review).is_none()
        && granting
            .iter()
            .all(|role| reason_required(*role, permission));
    if needs_reason {
        Grant::NeedsReason
    } else {
        Grant::Yes
    }
}

/// The one agency whose chronology submissions these roles (in one review) are limited to:
/// only an agency records liaison is limited, to their own agency (or, without one, to none).
pub(crate) fn agency_limit_of(roles: &[Participation]) -> Option<casewindow_domain::ids::AgencyId> {
    let unrestricted = roles.iter().any(|p| {
        p.role != Role::AgencyRecordsLiaison && permits(p.role, Permission::ViewChronology)
    });
    if unrestricted {
        return None;
    }
    // A liaison without an agency sees nothing: limit to an agency that does not exist.
    roles
        .iter()
        .find(|p| p.role == Role::AgencyRecordsLiaison)
        .map(|p| {
            p.agency_id
                .unwrap_or(casewindow_domain::ids::AgencyId(uuid::Uuid::nil()))
        })
}

/// Whether roles in a review let their holder read a document registered for the leads only:
/// a lead or co-reviewer, or the liaison of the agency that sent it.
pub(crate) fn may_read_leads_only(
    roles: &[Participation],
    sent_by: Option<casewindow_domain::ids::AgencyId>,
) -> bool {
    roles.iter().any(|p| {
        p.role.is_reviewer()
            || (p.role == Role::AgencyRecordsLiaison && sent_by.is_some() && p.agency_id == sent_by)
    })
}

/// Whether the actor may make a participation grant `new` (whose part it is, and the role)
/// where it granted `old` (none for a new participation), given the actor's own roles in the
/// review. Nobody changes their own role or gives themselves one; nobody grants or takes away a
/// role with a permission they do not hold themselves; only a lead reviewer appoints or changes
/// lead and co-reviewers. The system actor (an operator at the command line) is not limited.
pub(crate) fn check_role_grant(
    actor: &Actor,
    roles: &[Participation],
    old: Option<(Option<casewindow_domain::ids::UserId>, Role)>,
    new: Option<(Option<casewindow_domain::ids::UserId>, Role)>,
) -> AppResult<()> {
    let Some((new_user, new_role)) = new else {
        return Ok(());
    };
    let Some(me) = actor.user else {
        return Ok(());
    };
    let own: Vec<Role> = roles.iter().map(|p| p.role).collect();
    match may_grant(me, &own, old, (new_user, new_role)) {
        Ok(()) => Ok(()),
        Err(reason) => Err(AppError::Invalid(vec![casewindow_interchange::Problem {
            path: "role".to_owned(),
            reason: reason.to_owned(),
        }])),
    }
}

/// The rule behind [`check_role_grant`], on roles alone: `Err` says why not.
pub fn may_grant(
    me: casewindow_domain::ids::UserId,
    own: &[Role],
    old: Option<(Option<casewindow_domain::ids::UserId>, Role)>,
    (new_user, new_role): (Option<casewindow_domain::ids::UserId>, Role),
) -> Result<(), &'static str> {
    if old == Some((new_user, new_role)) {
        // The same person in the same role: only how they are referred to, or their agency.
        return Ok(());
    }
    let old_user = old.and_then(|(user, _)| user);
    if new_user == Some(me) || old_user == Some(me) {
        return Err("You cannot change your own role or give yourself one: ask the lead reviewer");
    }
    let mut affected = vec![new_role];
    if let Some((_, old_role)) = old {
        affected.push(old_role);
    }
    let reviewer = |role: &Role| matches!(role, Role::LeadReviewer | Role::CoReviewer);
    if affected.iter().any(reviewer) && !own.contains(&Role::LeadReviewer) {
        return Err("Only a lead reviewer can appoint, change or remove lead and co-reviewers");
    }
    let held = |permission: Permission| own.iter().any(|role| permits(*role, permission));
    let beyond = affected.iter().any(|role| {
        Permission::ALL
            .into_iter()
            .filter(|p| !p.is_own_act())
            .any(|p| permits(*role, p) && !held(p))
    });
    if beyond {
        return Err("You cannot give or change a role that can do more than your own roles allow");
    }
    Ok(())
}

impl<S: Store> App<S> {
    /// The actor's participations in a review (empty for the system actor).
    pub async fn roles_in(&self, actor: &Actor, review: ReviewId) -> AppResult<Vec<Participation>> {
        let Some(user) = actor.user else {
            return Ok(Vec::new());
        };
        if actor.token.as_ref().is_some_and(|t| !t.reaches(review)) {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .participations_in(user, review)
            .await?
            .into_iter()
            .map(|s| s.record)
            .collect())
    }

    /// Every part the actor takes in reviews: for a program acting with a token, only in the
    /// reviews the token reaches.
    pub(crate) async fn participations_of(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<casewindow_store::Stored<Participation>>> {
        let Some(user) = actor.user else {
            return Ok(Vec::new());
        };
        // Someone in thousands of reviews has thousands of roles: read once per state of the
        // library (any change to any role moves its stamp).
        let stamp = self.store.library_stamp().await?;
        let found = match self.library_pages.roles_at(user, stamp) {
            Some(found) => found,
            None => {
                let found = std::sync::Arc::new(self.store.participations_of(user).await?);
                self.library_pages
                    .keep_roles(user, stamp, std::sync::Arc::clone(&found));
                found
            }
        };
        let mut all = (*found).clone();
        if let Some(token) = &actor.token {
            all.retain(|p| token.reaches(p.record.review_id));
        }
        Ok(all)
    }

    /// The reviews the actor takes part in, in a role granting `permission` when one is given;
    /// `None` for the system actor, who is not limited.
    pub(crate) async fn reviews_taking_part(
        &self,
        actor: &Actor,
        permission: Option<Permission>,
    ) -> AppResult<Option<std::collections::HashSet<ReviewId>>> {
        if actor.user.is_none() {
            return Ok(None);
        }
        if actor.platform_admin || actor.national_analyst {
            return Ok(Some(std::collections::HashSet::new()));
        }
        Ok(Some(
            self.participations_of(actor)
                .await?
                .into_iter()
                .filter(|p| {
                    permission.is_none_or(|perm| {
                        permits(p.record.role, perm) && token_allows(actor, perm)
                    })
                })
                .map(|p| p.record.review_id)
                .collect(),
        ))
    }

    /// Every review the actor may view, by id (every review for the system itself).
    pub(crate) async fn viewable_reviews(
        &self,
        actor: &Actor,
    ) -> AppResult<std::collections::HashMap<ReviewId, casewindow_domain::review::Review>> {
        let visible = self
            .reviews_taking_part(actor, Some(Permission::ViewReview))
            .await?;
        Ok(self
            .store
            .list_all::<casewindow_domain::review::Review>()
            .await?
            .into_iter()
            .filter(|r| visible.as_ref().is_none_or(|v| v.contains(&r.record.id)))
            .map(|r| (r.record.id, r.record))
            .collect())
    }

    /// The one agency whose submissions the actor is limited to, if they read the chronology
    /// only as an agency records liaison; `None` when they are not limited.
    pub async fn agency_limit(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Option<casewindow_domain::ids::AgencyId>> {
        if actor.user.is_none() {
            return Ok(None);
        }
        Ok(agency_limit_of(&self.roles_in(actor, review).await?))
    }

    /// Allows the action or answers "not found"; asks for a reason when every role through
    /// which the actor holds the permission must give one and they have not.
    pub async fn authorize(
        &self,
        actor: &Actor,
        review: ReviewId,
        permission: Permission,
    ) -> AppResult<()> {
        self.authorize_roles(actor, review, permission)
            .await
            .map(|_| ())
    }

    /// [`App::authorize`], returning the actor's roles in the review it read to decide (none
    /// for the system actor), so a use case that needs them does not read them again.
    pub(crate) async fn authorize_roles(
        &self,
        actor: &Actor,
        review: ReviewId,
        permission: Permission,
    ) -> AppResult<Vec<Participation>> {
        let not_found = || AppError::NotFound {
            what: format!("review {review}"),
        };
        // Platform administrators see no case content; national analysts only de-identified
        // findings, through the library. The system actor may do everything.
        if actor.platform_admin || actor.national_analyst {
            return Err(not_found());
        }
        if actor.user.is_none() {
            return Ok(Vec::new());
        }
        let roles = self.roles_in(actor, review).await?;
        match grant(actor, review, &roles, permission) {
            Grant::Yes => Ok(roles),
            Grant::NeedsReason => Err(AppError::ReasonNeeded { review }),
            Grant::ReadOnlyToken => Err(AppError::ReadOnlyToken),
            Grant::No => Err(not_found()),
        }
    }

    /// Whether the actor may do something (for showing or hiding links).
    pub async fn may(
        &self,
        actor: &Actor,
        review: ReviewId,
        permission: Permission,
    ) -> AppResult<bool> {
        // Platform administrators see no case content; national analysts only de-identified
        // findings, through the library.
        if actor.platform_admin || actor.national_analyst {
            return Ok(false);
        }
        if actor.user.is_none() {
            return Ok(true);
        }
        Ok(token_allows(actor, permission)
            && self
                .roles_in(actor, review)
                .await?
                .iter()
                .any(|p| permits(p.role, permission)))
    }

    /// Every permission the actor holds in a review.
    pub async fn permissions(&self, actor: &Actor, review: ReviewId) -> AppResult<Vec<Permission>> {
        if actor.platform_admin || actor.national_analyst {
            return Ok(Vec::new());
        }
        if actor.user.is_none() {
            return Ok(Permission::ALL.to_vec());
        }
        let roles = self.roles_in(actor, review).await?;
        Ok(Permission::ALL
            .into_iter()
            .filter(|p| token_allows(actor, *p) && roles.iter().any(|r| permits(r.role, *p)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewers_may_do_everything_and_case_group_members_only_take_part() {
        for permission in Permission::ALL {
            assert!(permits(Role::LeadReviewer, permission));
            assert_eq!(
                permits(Role::CaseGroupMember, permission),
                permission == Permission::TakePart
            );
            assert_eq!(
                permits(Role::FamilyMember, permission),
                permission == Permission::TakePart
            );
        }
    }

    #[test]
    fn every_permission_that_needs_a_reason_is_one_the_role_holds() {
        for role in [
            Role::LeadReviewer,
            Role::CoReviewer,
            Role::ReviewTeamMember,
            Role::AgencyRecordsLiaison,
            Role::BusinessManager,
        ] {
            for permission in Permission::ALL {
                if reason_required(role, permission) && permission != Permission::RevealIdentity {
                    assert!(permits(role, permission), "{role:?} {permission:?}");
                }
            }
        }
        assert!(reason_required(
            Role::ReviewTeamMember,
            Permission::ViewChronology
        ));
        assert!(!reason_required(
            Role::LeadReviewer,
            Permission::ViewChronology
        ));
        assert!(!reason_required(
            Role::AgencyRecordsLiaison,
            Permission::ViewChronology
        ));
    }

    #[test]
    fn conversations_are_for_reviewers_only() {
        for role in [
            Role::ReviewTeamMember,
            Role::BusinessManager,
            Role::PartnerSignatory,
            Role::AgencyRecordsLiaison,
            Role::Observer,
        ] {
            assert!(!permits(role, Permission::ViewConversations), "{role:?}");
        }
    }
}
