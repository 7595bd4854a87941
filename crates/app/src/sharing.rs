//! Testing the analysis together: reviewers share chosen KPEs and findings, pseudonymised, with
//! the case group, the family or the partners; each of them reads what was shared with their
//! audience and comments on it; the review team answers each comment. How far each finding has
//! been tested is derived from the meetings and comments (see
//! [`casewindow_domain::collaboration::testing_of`]).

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::collaboration::{
    Audience, CommentAnswer, CommentFacts, Meeting, SharedKind, Testing, testing_of,
};
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::{FindingId, ReviewId, UserId};
use casewindow_interchange::Problem;
use casewindow_redact::{Gazetteer, Scanner};
use casewindow_store::{Comment, CommentOn, GivenAnswer, Share, Store};
use std::collections::HashMap;

/// Longest comment accepted.
pub const MAX_COMMENT: usize = 20_000;

/// A shared item with the comments the reader may see, each with its author's name.
#[derive(Clone, Debug)]
pub struct SharedItem {
    pub share: Share,
    pub comments: Vec<CommentView>,
}

/// A comment as shown: who wrote it and who answered.
#[derive(Clone, Debug)]
pub struct CommentView {
    pub comment: Comment,
    pub author: String,
    pub answered_by: Option<String>,
}

fn invalid(path: &str, reason: &str) -> AppError {
    AppError::Invalid(vec![Problem {
        path: path.to_owned(),
        reason: reason.to_owned(),
    }])
}

/// The order shared items are shown in: the latest sharing first, and within one sharing the
/// episodes before the findings, each by its number.
fn newest_first(shares: &mut [Share]) {
    fn number(title: &str) -> u64 {
        title
            .split(|c: char| !c.is_ascii_digit())
            .find(|part| !part.is_empty())
            .and_then(|n| n.parse().ok())
            .unwrap_or(u64::MAX)
    }
    shares.sort_by(|a, b| {
        b.at.cmp(&a.at)
            .then_with(|| (a.kind == SharedKind::Finding).cmp(&(b.kind == SharedKind::Finding)))
            .then_with(|| number(&a.title).cmp(&number(&b.title)))
    });
}

/// Checks a comment's text.
pub(crate) fn check_comment(body: &str) -> AppResult<()> {
    if body.trim().is_empty() {
        return Err(invalid("body", "Write your comment"));
    }
    if body.chars().count() > MAX_COMMENT {
        return Err(invalid(
            "body",
            "Comments are limited to 20,000 characters; split it into two",
        ));
    }
    Ok(())
}

/// A KPE as it is shared: its title and the parts a reader can test.
fn kpe_text(kpe: &KeyPracticeEpisode) -> (String, String) {
    let mut parts = Vec::new();
    if let Some(period) = &kpe.period {
        parts.push(format!("When: {period}"));
    }
    parts.push(format!("What happened: {}", kpe.what_happened.trim()));
    for account in &kpe.local_rationality {
        parts.push(format!(
            "Why it made sense at the time: {}",
            account.what_they_thought_was_happening.trim()
        ));
    }
    for factor in &kpe.contributory_factors {
        parts.push(format!(
            "Contributory factor ({}): {}",
            factor.factor.trim(),
            factor.description.trim()
        ));
    }
    if !kpe.appraisal.rationale.trim().is_empty() {
        parts.push(format!("Appraisal: {}", kpe.appraisal.rationale.trim()));
    }
    (
        format!(
            "Key practice episode {}: {}",
            kpe.position,
            kpe.title.trim()
        ),
        parts.join("\n\n"),
    )
}

/// A finding as it is shared: its statement and the text around it.
fn finding_text(finding: &Finding) -> (String, String) {
    let mut parts = vec![format!("Finding: {}", finding.statement.trim())];
    for (label, text) in [
        ("Context", &finding.context),
        ("How it showed in this case", &finding.manifestation),
        ("Why it matters", &finding.why_it_matters),
    ] {
        if !text.trim().is_empty() {
            parts.push(format!("{label}: {}", text.trim()));
        }
    }
    for question in &finding.questions {
        parts.push(format!("Question for the partnership: {}", question.trim()));
    }
    (format!("Finding {}", finding.position), parts.join("\n\n"))
}

impl<S: Store> App<S> {
    /// The audiences the actor belongs to in a review, by their roles.
    pub async fn audiences(&self, actor: &Actor, review: ReviewId) -> AppResult<Vec<Audience>> {
        let mut audiences: Vec<Audience> = self
            .roles_in(actor, review)
            .await?
            .iter()
            .filter_map(|p| Audience::of_role(p.role))
            .collect();
        audiences.sort();
        audiences.dedup();
        Ok(audiences)
    }

    /// Shares the current versions of chosen KPEs and findings with an audience, with the
    /// review's pseudonyms applied; an item whose current version was already shared with them
    /// is not shared again. How many were newly shared.
    pub async fn share_items(
        &self,
        actor: &Actor,
        review: ReviewId,
        audience: Audience,
        items: &[(SharedKind, uuid::Uuid)],
        note: &str,
    ) -> AppResult<usize> {
        self.authorize(actor, review, Permission::EditAnalysis)
            .await?;
        if items.is_empty() {
            return Err(invalid(
                "items",
                "Choose at least one KPE or finding to share",
            ));
        }
        if note.chars().count() > 2_000 {
            return Err(invalid("note", "The note is limited to 2,000 characters"));
        }
        let state = self.review(actor, review).await?.record.state;
        let state = serde_json::to_value(state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let mut drafts = Vec::new();
        for (kind, id) in items {
            let (title, content, version) = match kind {
                SharedKind::Kpe => {
                    let kpe = self.record::<KeyPracticeEpisode>(actor, *id).await?;
                    let (title, content) = kpe_text(&kpe.record);
                    (title, content, kpe.meta.version)
                }
                SharedKind::Finding => {
                    let finding = self.record::<Finding>(actor, *id).await?;
                    let (title, content) = finding_text(&finding.record);
                    (title, content, finding.meta.version)
                }
            };
            drafts.push((*kind, *id, title, content, version));
        }
        let (people, _) = self
            .known_people(
                actor,
                review,
                "names replaced by pseudonyms in a shared draft",
            )
            .await?;
        let scanner = if people.is_empty() {
            None
        } else {
            Some(
                Scanner::new(&Gazetteer {
                    people,
                    ..Gazetteer::default()
                })
                .map_err(|e| AppError::Internal(e.to_string()))?,
            )
        };
        let mut shared = 0;
        // One sharing, one moment: its items are listed together, in order.
        let at = self.now();
        for (kind, item_id, title, content, version) in drafts {
            let (title, content) = match &scanner {
                Some(scanner) => (scanner.pseudonymise(&title), scanner.pseudonymise(&content)),
                None => (title, content),
            };
            let share = Share {
                id: uuid::Uuid::new_v4(),
                review_id: review,
                audience,
                kind,
                item_id,
                item_version: version,
                title,
                content,
                review_state: state.clone(),
                note: note.trim().to_owned(),
                at,
                by: actor.user,
            };
            let change = self.change(
                actor,
                &format!("shared {} with {}", share.title, audience.label()),
            );
            if self.store.share(&share, &change).await? {
                shared += 1;
            }
        }
        Ok(shared)
    }

    /// Names of users by id, for showing who wrote and answered.
    pub(crate) async fn names(&self, ids: Vec<UserId>) -> AppResult<HashMap<UserId, String>> {
        let mut names = HashMap::new();
        for id in ids {
            if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(id) {
                let name = self
                    .store
                    .user(id)
                    .await
                    .map_or_else(|_| "a former user".to_owned(), |u| u.display_name);
                slot.insert(name);
            }
        }
        Ok(names)
    }

    pub(crate) async fn comment_views(
        &self,
        comments: Vec<Comment>,
    ) -> AppResult<Vec<CommentView>> {
        let mut ids = Vec::new();
        for c in &comments {
            ids.push(c.author);
            ids.extend(c.answer.as_ref().and_then(|a| a.by));
        }
        let names = self.names(ids).await?;
        Ok(comments
            .into_iter()
            .map(|comment| CommentView {
                author: names.get(&comment.author).cloned().unwrap_or_default(),
                answered_by: comment
                    .answer
                    .as_ref()
                    .and_then(|a| a.by)
                    .and_then(|by| names.get(&by).cloned()),
                comment,
            })
            .collect())
    }

    /// What was shared with the actor's audiences in a review, newest first, each with the
    /// actor's own comments and their answers (not other people's). The reading is audited.
    pub async fn shared_with_me(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Vec<SharedItem>> {
        self.authorize(actor, review, Permission::TakePart).await?;
        let audiences = self.audiences(actor, review).await?;
        if audiences.is_empty() {
            return Ok(Vec::new());
        }
        let mut shares: Vec<Share> = self
            .store
            .shares(review)
            .await?
            .into_iter()
            .filter(|s| audiences.contains(&s.audience))
            .collect();
        newest_first(&mut shares);
        if !shares.is_empty() {
            self.audit_event(
                actor,
                review,
                "read",
                "shares",
                "shared with them",
                &format!("read {} shared item(s)", shares.len()),
            )
            .await?;
        }
        let comments = self.store.comments(review).await?;
        let mut out = Vec::new();
        for share in shares {
            let own: Vec<Comment> = comments
                .iter()
                .filter(|c| c.on == CommentOn::Share(share.id) && Some(c.author) == actor.user)
                .cloned()
                .collect();
            out.push(SharedItem {
                comments: self.comment_views(own).await?,
                share,
            });
        }
        Ok(out)
    }

    /// Comments on an item shared with the actor's audience.
    pub async fn comment_on_share(
        &self,
        actor: &Actor,
        review: ReviewId,
        share: uuid::Uuid,
        body: &str,
    ) -> AppResult<()> {
        self.authorize(actor, review, Permission::TakePart).await?;
        let Some(author) = actor.user else {
            return Err(invalid(
                "body",
                "Comments are written by a signed-in person",
            ));
        };
        let audiences = self.audiences(actor, review).await?;
        let Some(shared) = self
            .store
            .shares(review)
            .await?
            .into_iter()
            .find(|s| s.id == share && audiences.contains(&s.audience))
        else {
            return Err(AppError::NotFound {
                what: format!("shared item {share}"),
            });
        };
        check_comment(body)?;
        let comment = Comment {
            id: uuid::Uuid::new_v4(),
            review_id: review,
            on: CommentOn::Share(share),
            author,
            audience: shared.audience,
            body: body.trim().to_owned(),
            at: self.now(),
            answer: None,
        };
        self.store
            .add_comment(
                &comment,
                &self.change(actor, &format!("commented on {}", shared.title)),
            )
            .await?;
        Ok(())
    }

    /// Everything the review shared, newest first, with every comment on it (for the review
    /// team).
    pub async fn sharing(&self, actor: &Actor, review: ReviewId) -> AppResult<Vec<SharedItem>> {
        self.authorize(actor, review, Permission::EditAnalysis)
            .await?;
        let mut shares = self.store.shares(review).await?;
        newest_first(&mut shares);
        let comments = self.store.comments(review).await?;
        let mut out = Vec::new();
        for share in shares {
            let on: Vec<Comment> = comments
                .iter()
                .filter(|c| c.on == CommentOn::Share(share.id))
                .cloned()
                .collect();
            out.push(SharedItem {
                comments: self.comment_views(on).await?,
                share,
            });
        }
        Ok(out)
    }

    /// Answers a comment (on a shared item or a report version) once: accepted, changed (saying
    /// what), or disagreed (with reasons).
    pub async fn answer_comment(
        &self,
        actor: &Actor,
        review: ReviewId,
        comment: uuid::Uuid,
        answer: CommentAnswer,
        note: &str,
    ) -> AppResult<()> {
        self.authorize(actor, review, Permission::EditAnalysis)
            .await?;
        if let Some(reason) = answer.check_note(note) {
            return Err(invalid("note", reason));
        }
        if note.chars().count() > MAX_COMMENT {
            return Err(invalid("note", "Answers are limited to 20,000 characters"));
        }
        let given = GivenAnswer {
            answer,
            note: note.trim().to_owned(),
            by: actor.user,
            at: self.now(),
        };
        let change = self.change(actor, &format!("answered a comment: {}", answer.label()));
        if self
            .store
            .answer_comment(review, comment, &given, &change)
            .await?
        {
            return Ok(());
        }
        let exists = self
            .store
            .comments(review)
            .await?
            .iter()
            .any(|c| c.id == comment);
        if exists {
            Err(invalid(
                "answer",
                "This comment has been answered already (see the answer below it)",
            ))
        } else {
            Err(AppError::NotFound {
                what: format!("comment {comment}"),
            })
        }
    }

    /// How far each finding of a review has been tested, from its meetings and the comments
    /// on its shared drafts.
    pub async fn finding_testing(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<HashMap<FindingId, Testing>> {
        self.authorize(actor, review, Permission::ViewReview)
            .await?;
        Ok(self.testing_in(review).await?.into_iter().collect())
    }

    /// [`App::finding_testing`] without authorisation, for the lifecycle's guards.
    pub(crate) async fn testing_in(
        &self,
        review: ReviewId,
    ) -> AppResult<Vec<(FindingId, Testing)>> {
        let findings = self.store.list::<Finding>(review.0).await?;
        let meetings: Vec<Meeting> = self
            .store
            .list::<Meeting>(review.0)
            .await?
            .into_iter()
            .map(|m| m.record)
            .collect();
        let shares = self.store.shares(review).await?;
        let comments = self.store.comments(review).await?;
        let mut facts: HashMap<uuid::Uuid, CommentFacts> = HashMap::new();
        for comment in &comments {
            let CommentOn::Share(share) = comment.on else {
                continue;
            };
            let Some(share) = shares.iter().find(|s| s.id == share) else {
                continue;
            };
            if share.kind != SharedKind::Finding {
                continue;
            }
            let entry = facts.entry(share.item_id).or_default();
            if comment.audience == Audience::CaseGroup {
                entry.case_group_commented = true;
            }
            if comment
                .answer
                .as_ref()
                .is_some_and(|a| a.answer == CommentAnswer::Disagreed)
            {
                entry.disagreed = true;
            }
        }
        Ok(findings
            .iter()
            .map(|f| {
                let id = f.record.id;
                let comments = facts.get(&id.0).copied().unwrap_or_default();
                (id, testing_of(id, &meetings, comments))
            })
            .collect())
    }
}
