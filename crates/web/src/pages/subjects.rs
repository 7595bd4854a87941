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
use casewindow_domain::identity::{
    DatedAddress, Identifier, Sex, SubjectCharacteristics, SubjectIdentity,
};
use casewindow_domain::ids::{ReviewId, SubjectId};
use casewindow_domain::participation::{
    LegalStatus, LegalStatusPeriod, Relationship, RelationshipKind, Subject,
};
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
        .route(
            "/reviews/{id}/subjects/{subject}/characteristics",
            post(record_characteristics::<S>),
        )
        .route("/reviews/{id}/genogram", get(genogram::<S>))
}

/// A person in the case as listed: pseudonyms only.
struct SubjectRow {
    href: String,
    pseudonym: String,
    relationship: String,
    age_band: &'static str,
    legal_status: String,
    deceased: bool,
    at_centre: bool,
    household: bool,
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
                at_centre: s.is_at_centre(),
                household: s.household,
                pseudonym: s.pseudonym.clone(),
                legal_status: legal_summary(&s),
                relationship: s.relationship.clone(),
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

/// The legal statuses as listed: each with its dates, then any notes.
fn legal_summary(subject: &Subject) -> String {
    let mut parts: Vec<String> = subject
        .legal_history
        .iter()
        .map(|p| {
            let detail = if p.detail.is_empty() {
                String::new()
            } else {
                format!(" ({})", p.detail)
            };
            format!("{}{detail}, {}", p.status.label(), dates(p.from, p.until))
        })
        .collect();
    if !subject.legal_status.trim().is_empty() {
        parts.push(subject.legal_status.trim().to_owned());
    }
    parts.join("; ")
}

impl RecordPage for Subject {
    const SECTION: &'static str = "/subjects";
    const PERMISSION: Permission = Permission::EditAnalysis;
    const EDITED: &'static str = "edited the person's details";

    fn field_for(&self, path: &str) -> String {
        row_field(path).unwrap_or_else(|| edit::field_from_path(path))
    }

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
            at_centre: false,
            household: false,
            legal_history: Vec::new(),
            relationships: Vec::new(),
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
        if self.at_centre {
            form.push("at_centre", "yes");
        }
        if self.household {
            form.push("household", "yes");
        }
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        for (idx, period) in self.legal_history.iter().enumerate() {
            form.push(&format!("legal_{idx}"), key(&period.status));
            form.push(&format!("legal_detail_{idx}"), period.detail.clone());
            form.push(&format!("legal_from_{idx}"), date(period.from));
            form.push(&format!("legal_until_{idx}"), date(period.until));
        }
        for (idx, rel) in self.relationships.iter().enumerate() {
            form.push(&format!("rel_{idx}"), key(&rel.kind));
            form.push(&format!("rel_to_{idx}"), rel.to.to_string());
            form.push(&format!("rel_from_{idx}"), date(rel.from));
            form.push(&format!("rel_until_{idx}"), date(rel.until));
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
        let legal_history = legal_history(form, &mut errors);
        let relationships = relationships(form, base.id, &mut errors);
        errors.or(Subject {
            pseudonym,
            relationship,
            age_band: parse_key(&form.get("age_band")),
            deceased: form.checked("deceased"),
            legal_status: form.get("legal_status").trim().to_owned(),
            at_centre: form.checked("at_centre"),
            household: form.checked("household"),
            legal_history,
            relationships,
            ..base.clone()
        })
    }
}

/// The end of a dated row, noting in `errors` when it comes before the start.
fn period(
    form: &FormData,
    prefix: &str,
    idx: usize,
    errors: &mut Errors,
) -> (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>) {
    let from = form.date_called(&format!("{prefix}_from_{idx}"), "The start date", errors);
    let until_field = format!("{prefix}_until_{idx}");
    let until = form.date_called(&until_field, "The end date", errors);
    if let (Some(from), Some(until)) = (from, until)
        && until < from
    {
        errors.add(
            &until_field,
            "The end date must not be before the start date",
        );
    }
    (from, until)
}

/// The legal statuses over time, from the form's numbered rows (rows left blank are skipped).
fn legal_history(form: &FormData, errors: &mut Errors) -> Vec<LegalStatusPeriod> {
    let mut periods = Vec::new();
    for idx in 0..form.groups("legal") {
        let field = format!("legal_{idx}");
        let detail = form.get(&format!("legal_detail_{idx}")).trim().to_owned();
        let (from, until) = period(form, "legal", idx, errors);
        let Some(status) = parse_key::<LegalStatus>(&form.get(&field)) else {
            if !detail.is_empty() || from.is_some() || until.is_some() {
                errors.add(&field, "Choose the legal status, or clear the row");
            }
            continue;
        };
        periods.push(LegalStatusPeriod {
            status,
            detail,
            from,
            until,
        });
    }
    periods
}

/// The relationships to others, from the form's numbered rows (rows left blank are skipped).
fn relationships(form: &FormData, me: SubjectId, errors: &mut Errors) -> Vec<Relationship> {
    let mut out = Vec::new();
    for idx in 0..form.groups("rel") {
        let field = format!("rel_{idx}");
        let to_field = format!("rel_to_{idx}");
        let to = form.get(&to_field).parse::<SubjectId>().ok();
        let (from, until) = period(form, "rel", idx, errors);
        let Some(kind) = parse_key::<RelationshipKind>(&form.get(&field)) else {
            if to.is_some() || from.is_some() || until.is_some() {
                errors.add(&field, "Choose how they are related, or clear the row");
            }
            continue;
        };
        match to {
            None => errors.add(&to_field, "Choose the person they are related to"),
            Some(to) if to == me => errors.add(&to_field, "Choose someone other than this person"),
            Some(to) => out.push(Relationship {
                kind,
                to,
                from,
                until,
            }),
        }
    }
    out
}

/// The form field of a problem found in a numbered row (`relationships[2].to` → `rel_to_2`).
fn row_field(path: &str) -> Option<String> {
    let (list, rest) = path.split_once('[')?;
    let (idx, rest) = rest.split_once(']')?;
    let prefix = match list {
        "relationships" => "rel",
        "legal_history" => "legal",
        _ => return None,
    };
    Some(match rest.trim_start_matches('.') {
        "from" | "until" | "to" | "detail" => {
            format!("{prefix}_{}_{idx}", rest.trim_start_matches('.'))
        }
        _ => format!("{prefix}_{idx}"),
    })
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
    /// Each address with when they lived there.
    addresses: Vec<(String, String)>,
    /// Each identifier: scheme, value.
    identifiers: Vec<(String, String)>,
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
    statuses: Vec<Choice>,
    kinds: Vec<Choice>,
    sexes: Vec<Choice>,
    /// Everyone else in the review, to relate this person to.
    others: Vec<Choice>,
    legal_slots: Vec<usize>,
    rel_slots: Vec<usize>,
    address_slots: Vec<usize>,
    identifier_slots: Vec<usize>,
    /// Relationships recorded on other people's pages that name this person.
    recorded_elsewhere: Vec<String>,
    /// The viewer may record the sealed characteristics (and sees them).
    may_edit: bool,
    /// The viewer may record and reveal real identities.
    may_reveal: bool,
    revealed: bool,
    identity: Option<IdentityView>,
}

/// The row slots to show: those filled in, and `blank` more to add others.
fn slots(form: &FormData, prefix: &str, blank: usize) -> Vec<usize> {
    let filled = |idx: usize| {
        form.pairs().any(|(name, value)| {
            !value.trim().is_empty()
                && name.rsplit_once('_').is_some_and(|(head, n)| {
                    n == idx.to_string()
                        && (head == prefix || head.starts_with(&format!("{prefix}_")))
                })
        })
    };
    let shown = (0..form.groups(prefix))
        .rfind(|&idx| filled(idx))
        .map_or(blank, |last| last + 1 + blank);
    (0..shown).collect()
}

fn dates(from: Option<chrono::NaiveDate>, until: Option<chrono::NaiveDate>) -> String {
    let day = |d: chrono::NaiveDate| d.format("%-d %B %Y").to_string();
    match (from, until) {
        (Some(a), Some(b)) => format!("{} to {}", day(a), day(b)),
        (Some(a), None) => format!("from {}", day(a)),
        (None, Some(b)) => format!("until {}", day(b)),
        (None, None) => "dates not known".to_owned(),
    }
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
    let actor = at.user.actor();
    let everyone = at.app.records::<Subject>(&actor, at.review).await?;
    let others = everyone
        .iter()
        .filter(|s| Some(s.record.id) != subject)
        .map(|s| Choice::new(s.record.id, s.record.pseudonym.clone()))
        .collect();
    let recorded_elsewhere = subject.map_or_else(Vec::new, |me| {
        everyone
            .iter()
            .filter(|s| s.record.id != me)
            .flat_map(|s| {
                s.record
                    .relationships
                    .iter()
                    .filter(move |r| r.to == me)
                    .map(|r| {
                        format!(
                            "{} is {} this person ({})",
                            s.record.pseudonym,
                            r.kind.label(),
                            dates(r.from, r.until)
                        )
                    })
            })
            .collect()
    });
    let may_edit = may(at.app, at.user, at.review, Permission::EditAnalysis).await;
    let mut form = shown.form;
    if let (Some(me), true) = (subject, may_edit)
        && !form.present("sex")
        && let Some(known) = at
            .app
            .characteristics(&actor, at.review, "to show the person's page")
            .await
            .unwrap_or_default()
            .remove(&me)
    {
        form.set("sex", known.sex.map(|s| key(&s)).unwrap_or_default());
        form.set("ethnicity", known.ethnicity);
        form.set("disability", known.disability);
    }
    let (revealed, identity) = match revealed {
        Revealed::No => (false, None),
        Revealed::Yes(identity) => {
            if let Some(identity) = &identity {
                identity_form(identity, &mut form);
            }
            (true, identity.map(identity_view))
        }
    };
    render(&EditPage {
        layout: frame,
        errors: shown.errors,
        legal_slots: slots(&form, "legal", 1),
        rel_slots: slots(&form, "rel", 2),
        address_slots: slots(&form, "address", 1),
        identifier_slots: slots(&form, "ident", 1),
        form,
        action: edit::form_action(&list, subject),
        is_new: subject.is_none(),
        base: subject.map_or_else(String::new, |s| format!("{list}/{s}")),
        age_bands: choices(AgeBand::ALL, AgeBand::label),
        statuses: choices(LegalStatus::ALL, LegalStatus::label),
        kinds: choices(RelationshipKind::ALL, RelationshipKind::label),
        sexes: choices(Sex::ALL, Sex::label),
        others,
        recorded_elsewhere,
        may_edit: subject.is_some() && may_edit,
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
        addresses: identity
            .addresses
            .iter()
            .map(|a| (a.address.clone(), dates(a.from, a.until)))
            .collect(),
        identifiers: identity
            .identifiers
            .iter()
            .map(|i| (i.scheme.clone(), i.value.clone()))
            .collect(),
        full_name: identity.full_name,
    }
}

/// The identity form filled in with a revealed identity, to correct it.
fn identity_form(identity: &SubjectIdentity, form: &mut FormData) {
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    form.set("full_name", identity.full_name.clone());
    form.set("aliases", identity.aliases.join("\n"));
    form.set("date_of_birth", date(identity.date_of_birth));
    for (idx, a) in identity.addresses.iter().enumerate() {
        form.set(&format!("address_{idx}"), a.address.clone());
        form.set(&format!("address_from_{idx}"), date(a.from));
        form.set(&format!("address_until_{idx}"), date(a.until));
    }
    for (idx, i) in identity.identifiers.iter().enumerate() {
        form.set(&format!("ident_{idx}"), i.scheme.clone());
        form.set(&format!("ident_value_{idx}"), i.value.clone());
    }
}

/// The fields of the identity and characteristics forms, kept as typed when one is refused.
fn is_side_form_field(name: &str) -> bool {
    [
        "full_name",
        "aliases",
        "date_of_birth",
        "reason",
        "reveal_reason",
        "sex",
        "ethnicity",
        "disability",
        "characteristics_reason",
    ]
    .contains(&name)
        || ["address_", "ident_"].iter().any(|p| name.starts_with(p))
}

/// The page of a subject with a side form (identity, characteristics, reveal) as typed and the
/// problems found with it.
async fn refused<S: Store>(
    at: At<'_, S>,
    stored: &Stored<Subject>,
    typed: &FormData,
    errors: Errors,
) -> Answer {
    let mut form = edit::stored_form(stored);
    for (name, value) in typed.pairs() {
        if is_side_form_field(name) {
            form.push(name, value);
        }
    }
    subject_page(at, Shown::new(form, errors, Some(stored)), Revealed::No).await
}

/// The addresses from the identity form's numbered rows.
fn addresses(form: &FormData, errors: &mut Errors) -> Vec<DatedAddress> {
    let mut out = Vec::new();
    for idx in 0..form.groups("address") {
        let field = format!("address_{idx}");
        let address = form.get(&field).trim().to_owned();
        let (from, until) = period(form, "address", idx, errors);
        if address.is_empty() {
            if from.is_some() || until.is_some() {
                errors.add(&field, "Enter the address, or clear its dates");
            }
            continue;
        }
        out.push(DatedAddress {
            address,
            from,
            until,
        });
    }
    out
}

/// The identifiers from the identity form's numbered rows.
fn identifiers(form: &FormData, errors: &mut Errors) -> Vec<Identifier> {
    let mut out = Vec::new();
    for idx in 0..form.groups("ident") {
        let scheme = form.get(&format!("ident_{idx}")).trim().to_owned();
        let value_field = format!("ident_value_{idx}");
        let value = form.get(&value_field).trim().to_owned();
        match (scheme.is_empty(), value.is_empty()) {
            (true, true) => {}
            (false, true) => errors.add(&value_field, "Enter the number or reference"),
            (true, false) => errors.add(
                &format!("ident_{idx}"),
                "Say what kind of number it is, for example NHS number",
            ),
            (false, false) => out.push(Identifier { scheme, value }),
        }
    }
    out
}

/// Where a problem the vault or the domain found with an identity is shown.
fn identity_field(path: &str) -> String {
    let row = |list: &str, prefix: &str| -> Option<String> {
        let rest = path.strip_prefix(list)?.strip_prefix('[')?;
        let (idx, field) = rest.split_once(']')?;
        Some(match field.trim_start_matches('.') {
            "from" | "until" => format!("{prefix}_{}_{idx}", field.trim_start_matches('.')),
            "value" => format!("{prefix}_value_{idx}"),
            _ => format!("{prefix}_{idx}"),
        })
    };
    match path {
        "vault" => "full_name".to_owned(),
        other => row("addresses", "address")
            .or_else(|| row("identifiers", "ident"))
            .unwrap_or_else(|| edit::field_from_path(other)),
    }
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
    let addresses = addresses(&form, &mut errors);
    let identifiers = identifiers(&form, &mut errors);
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
        addresses,
        identifiers,
    };
    match app.record_identity(&user.actor(), &identity, &reason).await {
        Ok(()) => Ok(edit::see_other(&format!(
            "/reviews/{id}/subjects/{subject}#identity"
        ))),
        Err(AppError::Invalid(problems)) => {
            let errors = Errors::from_problems(&problems, identity_field);
            refused(at, &stored, &form, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

/// Records a person's sex, ethnicity and disability, sealed in the vault.
async fn record_characteristics<S: Store>(on: On<S, SubjectId>, form: FormData) -> Answer {
    let (app, user, id, subject) = on.parts();
    let at = At::new(&app, &user, id);
    super::require(&app, &user, id, Permission::EditAnalysis).await?;
    let stored = edit::record_in::<S, Subject>(&app, &user, id, subject.0).await?;
    let sex_field = form.get("sex");
    let sex = parse_key::<Sex>(&sex_field);
    if sex.is_none() && !sex_field.is_empty() {
        let mut errors = Errors::none();
        errors.add("sex", "Choose one of the options");
        return refused(at, &stored, &form, errors).await;
    }
    let characteristics = SubjectCharacteristics {
        subject_id: subject,
        sex,
        ethnicity: form.get("ethnicity").trim().to_owned(),
        disability: form.get("disability").trim().to_owned(),
    };
    let reason = form.get("characteristics_reason");
    let reason = match reason.trim() {
        "" => "recorded the person's characteristics",
        given => given,
    };
    match app
        .record_characteristics(&user.actor(), &characteristics, reason)
        .await
    {
        Ok(()) => Ok(edit::see_other(&format!(
            "/reviews/{id}/subjects/{subject}#characteristics"
        ))),
        Err(AppError::Invalid(problems)) => {
            let errors = Errors::from_problems(&problems, |path| match path {
                "vault" => "sex".to_owned(),
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

#[derive(Template)]
#[template(path = "genogram.html")]
struct GenogramPage {
    layout: Layout,
    id: String,
    svg: String,
    table: casewindow_report::model::Table,
    alt: String,
}

/// The family drawn as a genogram, with the same in words.
async fn genogram<S: Store>(req: Req<S>) -> Answer {
    let at = req.at();
    let (_, frame) = at.frame("/subjects", "Genogram", &Errors::none()).await?;
    let (subjects, sexes) = at.app.genogram(&at.user.actor(), at.review).await?;
    let figure = casewindow_report::genogram::genogram_figure(&subjects, &sexes);
    let (svg, table, alt) = figure.map_or_else(
        || {
            (
                String::new(),
                casewindow_report::model::Table {
                    caption: String::new(),
                    header: Vec::new(),
                    rows: Vec::new(),
                },
                String::new(),
            )
        },
        |f| (f.svg, f.table, f.alt),
    );
    render(&GenogramPage {
        layout: frame,
        id: at.review.to_string(),
        svg,
        table,
        alt,
    })
}
