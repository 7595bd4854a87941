//! The practitioners' own accounts, offered where the analysis needs them: what a conversation
//! recorded of a participant's mindset in an episode becomes, when a reviewer takes it, that
//! participant's local-rationality account in the key practice episode, copied by the server
//! from the conversation (never retyped, never taken from a form).

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::analysis::LocalRationalityAccount;
use casewindow_domain::evidence::{CheckBack, Conversation};
use casewindow_domain::ids::{ConversationId, KpeId, ParticipationId, ReviewId};
use casewindow_store::Store;

/// A participant's account of an episode, as a conversation recorded it.
#[derive(Clone, Debug, PartialEq)]
pub struct OfferedAccount {
    pub conversation: ConversationId,
    /// Which of the conversation's episodes (its place in the conversation's record).
    pub note: usize,
    pub participant: ParticipationId,
    pub held_on: chrono::NaiveDate,
    /// The episode in the participant's words.
    pub episode: String,
    /// The conversation placed it in this key practice episode (rather than in none yet).
    pub placed_here: bool,
    /// The account it would become.
    pub account: LocalRationalityAccount,
}

/// Whether a conversation's record was confirmed by the participant (as it was, or amended).
fn confirmed(conversation: &Conversation) -> bool {
    matches!(
        conversation.check_back,
        CheckBack::Confirmed { .. } | CheckBack::Amended { .. }
    )
}

impl<S: Store> App<S> {
    /// The accounts the review's conversations hold for this episode (placed in it, or in no
    /// episode yet) that it does not already hold; none for those who may not read the
    /// conversations or write the analysis. Each reading is audited.
    pub async fn offered_accounts(
        &self,
        actor: &Actor,
        review: ReviewId,
        kpe: KpeId,
    ) -> AppResult<Vec<OfferedAccount>> {
        let allowed = self.permissions(actor, review).await?;
        if !allowed.contains(&Permission::EditAnalysis)
            || !allowed.contains(&Permission::ViewConversations)
        {
            return Ok(Vec::new());
        }
        let episode = self
            .record::<casewindow_domain::analysis::KeyPracticeEpisode>(actor, kpe.0)
            .await?
            .record;
        let mut offered = Vec::new();
        for stored in self.records::<Conversation>(actor, review).await? {
            let conversation = stored.record;
            for (note, said) in conversation.mindset.iter().enumerate() {
                if said.kpe_id.is_some_and(|k| k != kpe)
                    || said.what_they_thought_was_happening.trim().is_empty()
                {
                    continue;
                }
                let account = said.account(conversation.participant_id, confirmed(&conversation));
                if episode.local_rationality.contains(&account) {
                    continue;
                }
                offered.push(OfferedAccount {
                    conversation: conversation.id,
                    note,
                    participant: conversation.participant_id,
                    held_on: conversation.held_on,
                    episode: said.episode.clone(),
                    placed_here: said.kpe_id == Some(kpe),
                    account,
                });
            }
        }
        // Those placed in this episode first, then by when the conversation was held.
        offered.sort_by_key(|o| (!o.placed_here, o.held_on));
        Ok(offered)
    }

    /// The local-rationality account one of a conversation's episodes holds, as the server
    /// reads it now, for a reviewer who may both read conversations and write the analysis.
    pub async fn account_from_conversation(
        &self,
        actor: &Actor,
        review: ReviewId,
        conversation: ConversationId,
        note: usize,
    ) -> AppResult<LocalRationalityAccount> {
        self.authorize(actor, review, Permission::EditAnalysis)
            .await?;
        let conversation = self
            .record::<Conversation>(actor, conversation.0)
            .await?
            .record;
        if conversation.review_id != review {
            return Err(AppError::NotFound {
                what: "that conversation".to_owned(),
            });
        }
        let said = conversation
            .mindset
            .get(note)
            .filter(|said| !said.what_they_thought_was_happening.trim().is_empty())
            .ok_or_else(|| AppError::NotFound {
                what: "that episode of the conversation".to_owned(),
            })?;
        Ok(said.account(conversation.participant_id, confirmed(&conversation)))
    }
}
