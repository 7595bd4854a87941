//! Export and import of a whole review in the interchange format.

use crate::{Actor, App, AppError, AppResult};
use casewindow_domain::ids::{AgencyId, ReviewId, UserId};
use casewindow_domain::organisation::{Agency, User};
use casewindow_domain::review::Review;
use casewindow_interchange::{Entry, FORMAT, FORMAT_VERSION, ReviewDocument, TransitionDoc};
use casewindow_store::{ImportSummary, Record, Store, StoreError};
use std::collections::BTreeSet;

impl<S: Store> App<S> {
    /// The whole review as a document: lossless, deterministic.
    pub async fn export_review(&self, review_id: ReviewId) -> AppResult<ReviewDocument> {
        self.export_document(review_id).await
    }

    /// The whole review as pretty-printed JSON.
    pub async fn export_review_json(&self, review_id: ReviewId) -> AppResult<String> {
        Ok(casewindow_interchange::to_json(
            &self.export_review(review_id).await?,
        ))
    }

    async fn entries<R: Record>(&self, scope: uuid::Uuid) -> AppResult<Vec<Entry<R>>> {
        let mut entries = Vec::new();
        for stored in self.store.list::<R>(scope).await? {
            let revisions = self.store.revisions(R::KIND, stored.record.id()).await?;
            entries.push(Entry::from_stored(stored, &revisions).map_err(corrupt)?);
        }
        Ok(entries)
    }

    async fn export_document(&self, review_id: ReviewId) -> AppResult<ReviewDocument> {
        let review = self.store.get::<Review>(review_id.0).await?;
        let review_revisions = self.store.revisions(Review::KIND, review_id.0).await?;
        let partnership = self.store.partnership(review.record.partnership_id).await?;
        let scope = review_id.0;
        let terms = self.entries(scope).await?.pop();
        let mut document = ReviewDocument {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
            partnership,
            other_partnerships: Vec::new(),
            agencies: Vec::new(),
            users: Vec::new(),
            recurrent_issues: Vec::new(),
            review: Entry::from_stored(review, &review_revisions).map_err(corrupt)?,
            lifecycle_history: self
                .store
                .transitions(review_id)
                .await?
                .iter()
                .map(TransitionDoc::from_stored)
                .collect(),
            terms_of_reference: terms,
            participants: self.entries(scope).await?,
            subjects: self.entries(scope).await?,
            source_documents: self.entries(scope).await?,
            chronology: self.entries(scope).await?,
            key_practice_episodes: self.entries(scope).await?,
            conversations: self.entries(scope).await?,
            narrative: self.entries(scope).await?,
            findings: self.entries(scope).await?,
            responses: self.entries(scope).await?,
            actions: self.entries(scope).await?,
            meetings: self.entries(scope).await?,
        };
        let issue_ids: BTreeSet<uuid::Uuid> = document
            .findings
            .iter()
            .flat_map(|f| f.record.recurrent_issue_ids.iter().map(|i| i.0))
            .collect();
        for id in issue_ids {
            // Recurrent issues belong to the library; their curation history stays there.
            document
                .recurrent_issues
                .push(Entry::from_stored(self.store.get(id).await?, &[]).map_err(corrupt)?);
        }
        document.agencies = self.agencies_for(&document).await?;
        let others: BTreeSet<_> = document
            .agencies
            .iter()
            .filter_map(|a| a.partnership_id)
            .filter(|p| *p != document.partnership.id)
            .collect();
        for other in others {
            document
                .other_partnerships
                .push(self.store.partnership(other).await?);
        }
        document.users = self.users_for(&document).await?;
        Ok(document)
    }

    /// The partnership's agencies, plus any other agency the review refers to.
    async fn agencies_for(&self, document: &ReviewDocument) -> AppResult<Vec<Agency>> {
        let referenced = referenced_agencies(document);
        Ok(self
            .store
            .agencies()
            .await?
            .into_iter()
            .filter(|a| {
                a.partnership_id == Some(document.partnership.id) || referenced.contains(&a.id)
            })
            .collect())
    }

    /// Every user the review refers to, and no one else.
    async fn users_for(&self, document: &ReviewDocument) -> AppResult<Vec<User>> {
        let referenced = referenced_users(document);
        Ok(self
            .store
            .users()
            .await?
            .into_iter()
            .filter(|u| referenced.contains(&u.id))
            .collect())
    }

    /// Validates and imports a review document; nothing is written unless all of it is.
    pub async fn import_review(
        &self,
        actor: &Actor,
        text: &str,
    ) -> AppResult<(ReviewId, ImportSummary)> {
        let document = casewindow_interchange::read(text)?;
        let review_id = document.review.record.id;
        let bundle = document.into_bundle(&self.change(actor, "imported from a review file"));
        let summary = self
            .store
            .import_bundle(&bundle)
            .await
            .map_err(|err| match err {
                StoreError::Duplicate { kind: "review", id } => {
                    AppError::Import(casewindow_interchange::ImportError::single(
                        "review.record.id",
                        format!(
                            "a review with id {id} already exists here; imports never overwrite"
                        ),
                    ))
                }
                StoreError::Integrity(reason) => AppError::Import(
                    casewindow_interchange::ImportError::single("(document)", reason),
                ),
                other => other.into(),
            })?;
        // Searchable at once: a failure here only leaves it to the next search to write.
        if let Ok(stamp) = self.store.change_stamp(review_id).await {
            let _ = self.index_for_search(review_id, stamp.review).await;
        }
        Ok((review_id, summary))
    }
}

fn corrupt(err: serde_json::Error) -> AppError {
    AppError::Store(StoreError::Corrupt {
        kind: "revision",
        id: String::new(),
        reason: err.to_string(),
    })
}

fn referenced_agencies(document: &ReviewDocument) -> BTreeSet<AgencyId> {
    let mut ids = BTreeSet::new();
    if let Some(terms) = &document.terms_of_reference {
        ids.extend(terms.record.agencies_in_scope.iter().copied());
    }
    ids.extend(
        document
            .participants
            .iter()
            .filter_map(|p| p.record.agency_id),
    );
    ids.extend(
        document
            .source_documents
            .iter()
            .filter_map(|d| d.record.agency_id),
    );
    ids.extend(document.chronology.iter().map(|c| c.record.agency_id));
    ids.extend(
        document
            .key_practice_episodes
            .iter()
            .flat_map(|k| k.record.agencies.iter().copied()),
    );
    ids.extend(
        document
            .narrative
            .iter()
            .filter_map(|n| n.record.perspective_agency_id),
    );
    ids.extend(document.actions.iter().map(|a| a.record.owner_agency_id));
    ids
}

fn referenced_users(document: &ReviewDocument) -> BTreeSet<UserId> {
    fn entry_users<T>(ids: &mut BTreeSet<UserId>, entry: &Entry<T>) {
        if let Some(meta) = &entry.meta {
            ids.extend(meta.created_by);
            ids.extend(meta.updated_by);
        }
        ids.extend(entry.revisions.iter().filter_map(|r| r.replaced_by));
    }
    let mut ids = BTreeSet::new();
    entry_users(&mut ids, &document.review);
    if let Some(sign_off) = &document.review.record.anonymisation_sign_off {
        ids.insert(sign_off.signed_off_by);
    }
    ids.extend(document.lifecycle_history.iter().filter_map(|t| t.by));
    ids.extend(
        document
            .participants
            .iter()
            .filter_map(|p| p.record.user_id),
    );
    if let Some(terms) = &document.terms_of_reference {
        entry_users(&mut ids, terms);
    }
    macro_rules! all_entries {
        ($($list:ident),*) => {$(
            for entry in &document.$list {
                entry_users(&mut ids, entry);
            }
        )*};
    }
    all_entries!(
        recurrent_issues,
        participants,
        subjects,
        source_documents,
        chronology,
        key_practice_episodes,
        conversations,
        narrative,
        findings,
        responses,
        actions,
        meetings
    );
    ids
}
