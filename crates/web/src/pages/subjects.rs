//! The child and the people around them: each known in the review by a pseudonym ("Child W",
//! "Mother"), with their relationship to the child; their real identity is sealed in the vault,
//! recorded and revealed only by those the domain allows, each reveal with a reason, audited.

use super::edit::{self, At, Page, RecordForm, RecordPage, Shown};
use super::text::{Choice, choices, key, parse_key};
use super::{Answer, On, Req, may, render};
use crate::AppState;
use crate::form::FormData;
use crate::layout::{Errors, Layout};
use askama::Template;
use axum::Router;
use axum::routing::{get, post};
use casewindow_app::{AppError, Permission};
use casewindow_domain::identity::SubjectIdentity;
use casewindow_domain::ids::{ReviewId, SubjectId};
use casewindow_domain::participation::Subject;
use casewindow_domain::review::AgeBand;
use casewindow_store::{Store, Stored};

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/reviews/{id}/subjects", get(list::<S>))
        .merge(edit::form_routes::<S, Subject>(
            "/reviews/{id}/subjects",
            "subject",
        ))
        .route(
            "/reviews/{id}/subjects/{subject}/identity",
            post(record_identity::<S>),
        )
        .route("/reviews/{id}/subjects/{subject}/reveal", post(reveal::<S>))
}

/// A person in the case as listed: pseudonyms only.
struct SubjectRow {
    href: String,
    pseudonym: String,
    relationship: String,
    age_band: &'static str,
    legal_status: String,
    deceased: bool,
}

#[derive(Template)]
#[template(path = "subjects.html")]
struct ListPage {
    layout: Layout,
    id: String,
    rows: Vec<SubjectRow>,
    may_add: bool,
}

async fn list<S: Store>(req: Req<S>) -> Answer {
    let at = req.at();
    let (_, frame) = at
        .frame("/subjects", "The child and family", &Errors::none())
        .await?;
    let rows = (at
        .app
        .records::<Subject>(&at.user.actor(), at.review)
        .await?)
        .into_iter()
        .map(|s| {
            let s = s.record;
            SubjectRow {
                href: format!("/reviews/{}/subjects/{}", s.review_id, s.id),
                age_band: s.age_band.map_or("Not known", AgeBand::label),
                pseudonym: s.pseudonym,
                relationship: s.relationship,
                legal_status: s.legal_status,
                deceased: s.deceased,
            }
        })
        .collect();
    render(&ListPage {
        layout: frame,
        id: at.review.to_string(),
        rows,
        may_add: may(at.app, at.user, at.review, Subject::PERMISSION).await,
    })
}

impl RecordPage for Subject {
    const SECTION: &'static str = "/subjects";
    const PERMISSION: Permission = Permission::EditAnalysis;
    const EDITED: &'static str = "edited the person's details";

    fn page<'a, S: Store>(at: At<'a, S>, shown: Shown<'a, Self>) -> Page<'a> {
        Box::pin(subject_page(at, shown, Revealed::No))
    }
}

impl RecordForm for Subject {
    type Facts = ();

    fn blank(review: ReviewId, _today: chrono::NaiveDate) -> Self {
        Subject {
            id: SubjectId(uuid::Uuid::new_v4()),
            review_id: review,
            pseudonym: String::new(),
            relationship: String::new(),
            age_band: None,
            deceased: false,
            legal_status: String::new(),
        }
    }

    fn to_form(&self) -> FormData {
        let mut form = FormData::default();
        form.push("pseudonym", self.pseudonym.clone());
        form.push("relationship", self.relationship.clone());
        if let Some(band) = self.age_band {
            form.push("age_band", key(&band));
        }
        form.push("legal_status", self.legal_status.clone());
        if self.deceased {
            form.push("deceased", "yes");
        }
        form
    }

    fn from_form(form: &FormData, base: &Self, _: &()) -> Result<Self, Errors> {
        let mut errors = Errors::none();
        let pseudonym = form.get("pseudonym").trim().to_owned();
        if pseudonym.is_empty() {
            errors.add(
                "pseudonym",
                "Enter how the review refers to this person, for example Child W or Mother",
            );
        }
        let relationship = form.get("relationship").trim().to_owned();
        if relationship.is_empty() {
            errors.add(
                "relationship",
                "Enter their relationship to the child, for example mother or half-brother",
            );
        }
        errors.or(Subject {
            pseudonym,
            relationship,
            age_band: parse_key(&form.get("age_band")),
            deceased: form.checked("deceased"),
            legal_status: form.get("legal_status").trim().to_owned(),
            ..base.clone()
        })
    }
}

/// What the page shows of the real identity.
enum Revealed {
    /// Nothing (the default).
    No,
    /// Revealed for a reason given just now: the identity, or none recorded yet.
    Yes(Option<SubjectIdentity>),
}

/// A revealed identity as shown.
struct IdentityView {
    full_name: String,
    aliases: String,
    date_of_birth: String,
    address: String,
}

#[derive(Template)]
#[template(path = "subject_edit.html")]
struct EditPage {
    layout: Layout,
    errors: Errors,
    form: FormData,
    action: String,
    is_new: bool,
    base: String,
    age_bands: Vec<Choice>,
    /// The viewer may record and reveal real identities.
    may_reveal: bool,
    revealed: bool,
    identity: Option<IdentityView>,
}

async fn subject_page<S: Store>(
    at: At<'_, S>,
    shown: Shown<'_, Subject>,
    revealed: Revealed,
) -> Answer {
    let title = shown
        .existing
        .map_or_else(|| "Add a person".to_owned(), |s| s.record.pseudonym.clone());
    let (_, frame) = at.frame("/subjects", &title, &shown.errors).await?;
    let subject = shown.existing.map(|s| s.record.id);
    let list = format!("/reviews/{}/subjects", at.review);
    let (revealed, identity) = match revealed {
        Revealed::No => (false, None),
        Revealed::Yes(identity) => (true, identity.map(identity_view)),
    };
    render(&EditPage {
        layout: frame,
        errors: shown.errors,
        form: shown.form,
        action: edit::form_action(&list, subject),
        is_new: subject.is_none(),
        base: subject.map_or_else(String::new, |s| format!("{list}/{s}")),
        age_bands: choices(AgeBand::ALL, AgeBand::label),
        may_reveal: subject.is_some()
            && may(at.app, at.user, at.review, Permission::RevealIdentity).await,
        revealed,
        identity,
    })
}

fn identity_view(identity: SubjectIdentity) -> IdentityView {
    IdentityView {
        aliases: identity.aliases.join(", "),
        date_of_birth: identity
            .date_of_birth
            .map(|d| d.format("%-d %B %Y").to_string())
            .unwrap_or_default(),
        address: identity.address.clone(),
        full_name: identity.full_name,
    }
}

/// The page of a subject with the identity form as typed and the problems found with it.
async fn refused<S: Store>(
    at: At<'_, S>,
    stored: &Stored<Subject>,
    typed: &FormData,
    errors: Errors,
) -> Answer {
    let mut form = edit::stored_form(stored);
    for name in ["full_name", "aliases", "date_of_birth", "address", "reason"] {
        form.set(name, typed.get(name));
    }
    subject_page(at, Shown::new(form, errors, Some(stored)), Revealed::No).await
}

/// Records (or replaces) a person's real identity in the vault, with the reason given.
async fn record_identity<S: Store>(on: On<S, SubjectId>, form: FormData) -> Answer {
    let (app, user, id, subject) = on.parts();
    let at = At::new(&app, &user, id);
    // Only those who may reveal identities may record one: refused before the form is read.
    super::require(&app, &user, id, Permission::RevealIdentity).await?;
    let stored = edit::record_in::<S, Subject>(&app, &user, id, subject.0).await?;
    let mut errors = Errors::none();
    let full_name = form.get("full_name").trim().to_owned();
    if full_name.is_empty() {
        errors.add("full_name", "Enter the person's full name");
    }
    let date_of_birth = form.date_noting("date_of_birth", &mut errors);
    let reason = form.get("reason").trim().to_owned();
    if reason.is_empty() {
        errors.add("reason", "Say why the identity is being recorded");
    }
    if !errors.is_empty() {
        return refused(at, &stored, &form, errors).await;
    }
    let identity = SubjectIdentity {
        subject_id: subject,
        full_name,
        aliases: form.lines("aliases"),
        date_of_birth,
        address: form.get("address").trim().to_owned(),
    };
    match app.record_identity(&user.actor(), &identity, &reason).await {
        Ok(()) => Ok(edit::see_other(&format!(
            "/reviews/{id}/subjects/{subject}#identity"
        ))),
        Err(AppError::Invalid(problems)) => {
            let errors = Errors::from_problems(&problems, |path| match path {
                "vault" => "full_name".to_owned(),
                other => edit::field_from_path(other),
            });
            refused(at, &stored, &form, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

/// Shows a person's real identity to someone allowed to see it, for the reason they give
/// (kept in the audit trail).
async fn reveal<S: Store>(on: On<S, SubjectId>, form: FormData) -> Answer {
    let (app, user, id, subject) = on.parts();
    let at = At::new(&app, &user, id);
    let stored = edit::record_in::<S, Subject>(&app, &user, id, subject.0).await?;
    let reason = form.get("reveal_reason");
    match app.reveal_identity(&user.actor(), subject, &reason).await {
        Ok(identity) => {
            let shown = Shown::new(edit::stored_form(&stored), Errors::none(), Some(&stored));
            subject_page(at, shown, Revealed::Yes(identity)).await
        }
        Err(AppError::Invalid(problems)) => {
            let errors = Errors::from_problems(&problems, |_| "reveal_reason".to_owned());
            refused(at, &stored, &form, errors).await
        }
        Err(other) => Err(other.into()),
    }
}
