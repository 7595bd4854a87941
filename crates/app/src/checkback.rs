//! The practitioner's check-back: a participant sees the record of their own conversation and
//! confirms it or asks for changes. They see nothing else of the review.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::evidence::{CheckBack, Conversation};
use casewindow_domain::ids::ConversationId;
use casewindow_domain::participation::Participation;
use casewindow_store::{Store, Stored};

/// The participant's reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckBackReply {
    Confirm,
    AskForChanges { note: String },
}

/// Something a participant is waiting to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// The record of their conversation, sent for them to check.
    CheckBack {
        review_title: String,
        conversation: ConversationId,
        sent_on: chrono::NaiveDate,
    },
    /// An invitation to take part that they have not yet answered.
    Invitation {
        review_title: String,
        invited_on: chrono::NaiveDate,
    },
    /// Drafts shared with their group, or report versions put to it, that they have not yet
    /// commented on (or, for a partner, signed off).
    Shared {
        review: casewindow_domain::ids::ReviewId,
        review_title: String,
        items: usize,
        versions: usize,
    },
}

impl<S: Store> App<S> {
    /// What the signed-in user is waiting to do in the reviews they take part in: conversation
    /// records sent for their check-back, and invitations not yet answered. Only their own.
    pub async fn waiting_for(&self, actor: &Actor) -> AppResult<Vec<Waiting>> {
        if actor.user.is_none() {
            return Ok(Vec::new());
        }
        // Kept until anything changes, for this person.
        let key = self
            .library_key(actor, &format!("waiting {actor:?}"))
            .await?;
        let waiting = self.kept_across(key, || self.waiting_now(actor)).await?;
        Ok((*waiting).clone())
    }

    async fn waiting_now(&self, actor: &Actor) -> AppResult<Vec<Waiting>> {
        let Some(user) = actor.user else {
            return Ok(Vec::new());
        };
        if actor.platform_admin || actor.national_analyst {
            return Ok(Vec::new());
        }
        let mut waiting = Vec::new();
        let mine = self.participations_of(actor).await?;
        let mut reviews: std::collections::BTreeSet<casewindow_domain::ids::ReviewId> =
            std::collections::BTreeSet::new();
        for p in &mine {
            reviews.insert(p.record.review_id);
        }
        // Check-backs sent to the person, in every review, in one read.
        let ids: Vec<_> = mine.iter().map(|p| p.record.id).collect();
        let mut sent: std::collections::HashMap<_, Vec<_>> = Default::default();
        for c in self.store.conversations_with(&ids).await? {
            if let CheckBack::Sent { sent_on } = c.record.check_back {
                sent.entry(c.record.review_id)
                    .or_default()
                    .push((c.record.id, sent_on));
            }
        }
        // Only reviews where something is shared or a report version exists can wait on the
        // person's comment or sign-off: found in one read, not review by review.
        let listed: Vec<_> = reviews.iter().copied().collect();
        let sharing: std::collections::HashSet<_> = self
            .store
            .reviews_sharing(&listed)
            .await?
            .into_iter()
            .collect();
        let mut own_of: std::collections::HashMap<_, Vec<&Participation>> = Default::default();
        for p in mine.iter().map(|p| &p.record) {
            own_of.entry(p.review_id).or_default().push(p);
        }
        for review in reviews {
            let own = own_of.remove(&review).unwrap_or_default();
            let invited: Vec<_> = own
                .iter()
                // The lead reviewer asks the others; no lead waits on their own question.
                .filter(|p| p.role != casewindow_domain::participation::Role::LeadReviewer)
                .filter(|p| p.consent.is_none() && p.declined_on.is_none())
                .filter_map(|p| p.invited_on)
                .collect();
            let checks = sent.remove(&review).unwrap_or_default();
            let shares_possible = sharing.contains(&review)
                && own
                    .iter()
                    .any(|p| casewindow_domain::collaboration::Audience::of_role(p.role).is_some());
            // A review with nothing that could be waiting is not read at all.
            if invited.is_empty() && checks.is_empty() && !shares_possible {
                continue;
            }
            let title = self
                .store
                .get::<casewindow_domain::review::Review>(review.0)
                .await?
                .record
                .title;
            for invited_on in invited {
                waiting.push(Waiting::Invitation {
                    review_title: title.clone(),
                    invited_on,
                });
            }
            for (conversation, sent_on) in checks {
                waiting.push(Waiting::CheckBack {
                    review_title: title.clone(),
                    conversation,
                    sent_on,
                });
            }
            if let Some(shared) = self.shared_waiting(user, review, &title, &own).await? {
                waiting.push(shared);
            }
        }
        Ok(waiting)
    }

    /// What is shared with the user's groups in a review and still waits for their comment.
    async fn shared_waiting(
        &self,
        user: casewindow_domain::ids::UserId,
        review: casewindow_domain::ids::ReviewId,
        title: &str,
        own: &[&Participation],
    ) -> AppResult<Option<Waiting>> {
        use casewindow_domain::collaboration::Audience;
        use casewindow_domain::participation::Role;
        use casewindow_store::CommentOn;
        let audiences: Vec<Audience> = own
            .iter()
            .filter_map(|p| Audience::of_role(p.role))
            .collect();
        if audiences.is_empty() {
            return Ok(None);
        }
        let comments = self.store.comments(review).await?;
        let mine = |on: &dyn Fn(&CommentOn) -> bool| {
            comments.iter().any(|c| c.author == user && on(&c.on))
        };
        let items = self
            .store
            .shares(review)
            .await?
            .iter()
            .filter(|s| audiences.contains(&s.audience))
            .filter(|s| !mine(&|on| *on == CommentOn::Share(s.id)))
            .count();
        let partner = own.iter().any(|p| p.role == Role::PartnerSignatory);
        let signed: Vec<uuid::Uuid> = if partner {
            self.store
                .version_sign_offs(review)
                .await?
                .into_iter()
                .filter(|s| s.user_id == user)
                .map(|s| s.version_id)
                .collect()
        } else {
            Vec::new()
        };
        let versions = self
            .store
            .report_versions(review)
            .await?
            .iter()
            .filter(|v| {
                let Some(stage) = crate::versions::stage_of(&v.stage) else {
                    return false;
                };
                if !audiences.iter().any(|a| a.reads(stage)) {
                    return false;
                }
                let commented = mine(
                    &|on| matches!(on, CommentOn::Version { version, .. } if *version == v.id),
                );
                let to_sign = partner
                    && stage == casewindow_domain::review::ReportStage::PartnerSignOff
                    && !signed.contains(&v.id);
                !commented || to_sign
            })
            .count();
        Ok((items + versions > 0).then(|| Waiting::Shared {
            review,
            review_title: title.to_owned(),
            items,
            versions,
        }))
    }

    /// A conversation record, for its own participant or for those who may read conversations.
    pub async fn conversation_for_check_back(
        &self,
        actor: &Actor,
        id: ConversationId,
    ) -> AppResult<(Stored<Conversation>, Participation)> {
        let stored = self.store.get::<Conversation>(id.0).await?;
        let participant = self
            .store
            .get::<Participation>(stored.record.participant_id.0)
            .await?
            .record;
        let is_participant =
            actor.user.is_some() && participant.user_id == actor.user && !actor.platform_admin;
        if !is_participant
            && !self
                .may(
                    actor,
                    stored.record.review_id,
                    Permission::ViewConversations,
                )
                .await?
        {
            return Err(AppError::NotFound {
                what: format!("conversation {id}"),
            });
        }
        self.audit_read(
            actor,
            stored.record.review_id,
            casewindow_store::RecordKind::Conversation,
            &id.to_string(),
        )
        .await?;
        Ok((stored, participant))
    }

    /// Records the participant's reply to the record of their conversation.
    pub async fn reply_to_check_back(
        &self,
        actor: &Actor,
        id: ConversationId,
        expected_version: i64,
        reply: CheckBackReply,
    ) -> AppResult<Stored<Conversation>> {
        let (stored, participant) = self.conversation_for_check_back(actor, id).await?;
        if actor.user.is_none() || participant.user_id != actor.user {
            // Only the participant answers for their own account.
            return Err(AppError::NotFound {
                what: format!("conversation {id}"),
            });
        }
        let today = self.today();
        let sent_on = match stored.record.check_back {
            CheckBack::Sent { sent_on }
            | CheckBack::Confirmed { sent_on, .. }
            | CheckBack::Amended { sent_on, .. } => sent_on,
            CheckBack::NotSent => today,
        };
        let mut changed = stored.record.clone();
        let reason = match reply {
            CheckBackReply::Confirm => {
                changed.check_back = CheckBack::Confirmed {
                    sent_on,
                    replied_on: today,
                };
                "the participant confirmed the record"
            }
            CheckBackReply::AskForChanges { note } => {
                if note.trim().is_empty() {
                    return Err(AppError::Invalid(vec![casewindow_interchange::Problem {
                        path: "note".to_owned(),
                        reason: "say what should change".to_owned(),
                    }]));
                }
                changed.check_back = CheckBack::Amended {
                    sent_on,
                    replied_on: today,
                    note: note.trim().to_owned(),
                };
                "the participant asked for changes"
            }
        };
        Ok(self
            .store
            .update(&changed, expected_version, &self.change(actor, reason))
            .await?)
    }
}
