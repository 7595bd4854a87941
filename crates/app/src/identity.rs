//! The identity vault's use cases for people: recording a subject's real identity, and revealing
//! it to a reviewer who gives a reason. Both are audited. (Reports and de-identification also
//! open identities, in `reports.rs`, only to replace real names with pseudonyms.)

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::identity::{Sex, SubjectCharacteristics, SubjectIdentity};
use casewindow_domain::ids::{ReviewId, SubjectId};
use casewindow_domain::participation::{Relationship, Subject};
use casewindow_interchange::Problem;
use casewindow_store::Store;
use std::collections::HashMap;

impl<S: Store> App<S> {
    /// Stores the real identity behind a subject.
    pub async fn record_identity(
        &self,
        actor: &Actor,
        identity: &SubjectIdentity,
        reason: &str,
    ) -> AppResult<()> {
        let subject = self.store.get::<Subject>(identity.subject_id.0).await?;
        self.authorize(actor, subject.record.review_id, Permission::RevealIdentity)
            .await?;
        crate::error::check_fields(identity)?;
        Ok(self
            .store
            .put_identity(
                identity.subject_id,
                &self.vault()?.seal(identity),
                &self.change(actor, reason),
            )
            .await?)
    }

    /// Reveals a subject's real identity, recording who asked and why.
    pub async fn reveal_identity(
        &self,
        actor: &Actor,
        subject: casewindow_domain::ids::SubjectId,
        reason: &str,
    ) -> AppResult<Option<SubjectIdentity>> {
        let stored = self.store.get::<Subject>(subject.0).await?;
        self.authorize(actor, stored.record.review_id, Permission::RevealIdentity)
            .await?;
        if reason.trim().is_empty() {
            return Err(AppError::Invalid(vec![Problem {
                path: "reason".to_owned(),
                reason: "say why the real identity is needed".to_owned(),
            }]));
        }
        self.audit_event(
            actor,
            stored.record.review_id,
            "reveal_identity",
            "subject_identities",
            &subject.to_string(),
            reason.trim(),
        )
        .await?;
        let vault = self.vault()?;
        match self.store.identity(subject).await? {
            None => Ok(None),
            Some(sealed) => vault.open(subject, &sealed).map(Some).map_err(|err| {
                AppError::Store(casewindow_store::StoreError::Corrupt {
                    kind: "subject identity",
                    id: subject.to_string(),
                    reason: err.to_string(),
                })
            }),
        }
    }

    /// Stores a subject's special-category characteristics, sealed.
    pub async fn record_characteristics(
        &self,
        actor: &Actor,
        characteristics: &SubjectCharacteristics,
        reason: &str,
    ) -> AppResult<()> {
        let subject = self
            .store
            .get::<Subject>(characteristics.subject_id.0)
            .await?;
        self.authorize(actor, subject.record.review_id, Permission::EditAnalysis)
            .await?;
        crate::error::check_fields(characteristics)?;
        let sealed = self.vault()?.seal_characteristics(characteristics);
        Ok(self
            .store
            .put_characteristics(
                subject.record.review_id,
                characteristics.subject_id,
                &sealed,
                &self.change(actor, reason),
            )
            .await?)
    }

    /// The special-category characteristics of a review's subjects, for the review team; the
    /// reading is audited with `why`. None without a vault key.
    pub async fn characteristics(
        &self,
        actor: &Actor,
        review: ReviewId,
        why: &str,
    ) -> AppResult<HashMap<SubjectId, SubjectCharacteristics>> {
        self.authorize(actor, review, Permission::EditAnalysis)
            .await?;
        self.open_characteristics(actor, review, why).await
    }

    /// The sex of each subject whose characteristics were recorded, to draw the genogram (the
    /// reading is audited).
    pub(crate) async fn genogram_sexes(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<HashMap<SubjectId, Sex>> {
        Ok(self
            .open_characteristics(actor, review, "to draw the genogram")
            .await?
            .into_iter()
            .filter_map(|(subject, c)| Some((subject, c.sex?)))
            .collect())
    }

    /// The genogram's people and relationships (pseudonyms only) with the sex recorded for each.
    pub async fn genogram(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<(Vec<Subject>, HashMap<SubjectId, Sex>)> {
        self.authorize(actor, review, Permission::EditAnalysis)
            .await?;
        let subjects = self
            .store
            .list::<Subject>(review.0)
            .await?
            .into_iter()
            .map(|s| s.record)
            .collect();
        Ok((subjects, self.genogram_sexes(actor, review).await?))
    }

    async fn open_characteristics(
        &self,
        actor: &Actor,
        review: ReviewId,
        why: &str,
    ) -> AppResult<HashMap<SubjectId, SubjectCharacteristics>> {
        let Ok(vault) = self.vault() else {
            return Ok(HashMap::new());
        };
        let sealed = self.store.review_characteristics(review).await?;
        if sealed.is_empty() {
            return Ok(HashMap::new());
        }
        self.audit_event(actor, review, "read", "subject_characteristics", "all", why)
            .await?;
        sealed
            .into_iter()
            .map(|(subject, sealed)| {
                let opened = vault
                    .open_characteristics(subject, &sealed)
                    .map_err(|err| {
                        AppError::Store(casewindow_store::StoreError::Corrupt {
                            kind: "subject characteristics",
                            id: subject.to_string(),
                            reason: err.to_string(),
                        })
                    })?;
                Ok((subject, opened))
            })
            .collect()
    }

    /// Re-seals everything the vault sealed (identities, characteristics, document files,
    /// gazetteers, second-factor secrets) under `new`, in one transaction: all or nothing. For
    /// the operator at the command line; the number of values re-sealed. Afterwards only the
    /// new key opens them.
    pub async fn rotate_vault_key(&self, actor: &Actor, new: &crate::Vault) -> AppResult<usize> {
        if actor.user.is_some() {
            return Err(AppError::NotFound {
                what: "the vault".to_owned(),
            });
        }
        let old = self.vault()?;
        let reseal = |kind, id, sealed: &str| {
            old.reseal(new, kind, id, sealed)
                .map_err(|e| format!("{e} (is the current key the one it was sealed with?)"))
        };
        Ok(self
            .store
            .reseal_all(&reseal, &self.change(actor, "changed the vault key"))
            .await?)
    }

    /// Adds a person to a review by pseudonym (the command line's way in; the pages use the
    /// record form).
    pub async fn add_subject(
        &self,
        actor: &Actor,
        review: ReviewId,
        new: NewSubject,
    ) -> AppResult<casewindow_store::Stored<Subject>> {
        let subject = Subject {
            id: SubjectId(uuid::Uuid::new_v4()),
            review_id: review,
            pseudonym: new.pseudonym.trim().to_owned(),
            relationship: new.relationship.trim().to_owned(),
            age_band: new.age_band,
            deceased: false,
            legal_status: String::new(),
            at_centre: new.at_centre,
            household: new.household,
            legal_history: Vec::new(),
            relationships: Vec::new(),
        };
        self.create(actor, &subject).await
    }

    /// Records that the person known as `from` is related to the one known as `to` (by
    /// pseudonym, in any case), as a change to `from` with its reason.
    pub async fn relate_subjects(
        &self,
        actor: &Actor,
        review: ReviewId,
        from: &str,
        relationship: Relationship,
        to: &str,
        reason: &str,
    ) -> AppResult<casewindow_store::Stored<Subject>> {
        let people = self.records::<Subject>(actor, review).await?;
        let find = |path: &str, name: &str| {
            let found: Vec<&casewindow_store::Stored<Subject>> = people
                .iter()
                .filter(|s| s.record.pseudonym.trim().eq_ignore_ascii_case(name.trim()))
                .collect();
            match found.as_slice() {
                [one] => Ok(*one),
                [] => Err(AppError::Invalid(vec![Problem {
                    path: path.to_owned(),
                    reason: format!("no one in this review is known as \"{}\"", name.trim()),
                }])),
                _ => Err(AppError::Invalid(vec![Problem {
                    path: path.to_owned(),
                    reason: format!("more than one person is known as \"{}\"", name.trim()),
                }])),
            }
        };
        let (from, to) = (find("from", from)?, find("to", to)?);
        let relationship = Relationship {
            to: to.record.id,
            ..relationship
        };
        let edited = self
            .edit(
                actor,
                review,
                from.record.id.0,
                from.meta.version,
                reason,
                |s: &Subject| {
                    let mut s = s.clone();
                    s.relationships.push(relationship);
                    Ok::<_, std::convert::Infallible>(s)
                },
            )
            .await?;
        match edited {
            crate::Edited::Saved(stored) => Ok(stored),
            crate::Edited::Refused { why, .. } => match why {},
        }
    }

    /// The review's audit trail, newest first, for those who may read it.
    pub async fn audit_trail(
        &self,
        actor: &Actor,
        review: casewindow_domain::ids::ReviewId,
        limit: usize,
    ) -> AppResult<Vec<casewindow_store::audit::AuditEvent>> {
        self.authorize(actor, review, Permission::ViewAudit).await?;
        Ok(self.store.audit_events(review, limit).await?)
    }

    /// Checks the whole audit chain: the number of events, or the first tampered event.
    pub async fn verify_audit(&self) -> AppResult<Result<usize, String>> {
        Ok(self.store.verify_audit().await?)
    }
}

/// A person to add to a review (see [`App::add_subject`]).
#[derive(Clone, Debug, Default)]
pub struct NewSubject {
    pub pseudonym: String,
    pub relationship: String,
    pub age_band: Option<casewindow_domain::review::AgeBand>,
    pub at_centre: bool,
    pub household: bool,
}
