//! The report, the briefing and the identifier scan before publication.
//!
//! Reports are generated from the records each time they are asked for, so they are never out of
//! date. Real names the identity vault knows are replaced by their pseudonyms in every output
//! (the pseudonym map); the scan then shows what else could identify the family.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::evidence::NarrativeSection;
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::ReviewId;
use casewindow_domain::organisation::AgencySector;
use casewindow_domain::participation::{Participation, Subject};
use casewindow_domain::response::PartnershipResponse;
use casewindow_domain::review::TermsOfReference;
use casewindow_interchange::Problem;
use casewindow_redact::{Gazetteer, Hit, Person, Place, PlaceKind, Scanner};
use casewindow_report::{Document, DocumentKind, ReportInput, Template};
use casewindow_store::Store;

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Docx,
    Pdf,
}

/// The report template in use, with its version (0: the built-in default, never saved).
#[derive(Clone, Debug)]
pub struct StoredTemplate {
    pub version: i64,
    pub template: Template,
}

/// What the identifier scan found, and the kept run (who ran it, when, the fingerprint of the
/// documents it read and how many hits it showed) that a sign-off names.
#[derive(Clone, Debug)]
pub struct Scan {
    pub hits: Vec<ScanHit>,
    pub run: casewindow_store::ScanRun,
}

/// One hit of the identifier scan, with the text around it and the record it came from.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ScanHit {
    /// "report" or "briefing".
    pub document: String,
    pub hit: Hit,
    pub before: String,
    pub after: String,
    /// The record whose text holds it, where it can be changed; `None` for text casewindow
    /// wrote itself (a date of generation, a heading).
    #[serde(default)]
    pub source: Option<HitSource>,
}

/// Where a hit can be fixed: a record's name and the page that edits it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HitSource {
    pub label: String,
    pub path: String,
}

impl Scan {
    /// The distinct things the scan showed (kind and text), each with how often it appears:
    /// what the person signing off judges, once each, by its index here.
    #[must_use]
    pub fn distinct(&self) -> Vec<(casewindow_redact::Kind, String, usize)> {
        let mut out: Vec<(casewindow_redact::Kind, String, usize)> = Vec::new();
        for hit in &self.hits {
            match out
                .iter_mut()
                .find(|(kind, text, _)| *kind == hit.hit.kind && *text == hit.hit.text)
            {
                Some(entry) => entry.2 += 1,
                None => out.push((hit.hit.kind, hit.hit.text.clone(), 1)),
            }
        }
        out
    }
}

/// What a kind of hit is called on the pages and in a sign-off.
#[must_use]
pub fn kind_label(kind: casewindow_redact::Kind) -> &'static str {
    use casewindow_redact::Kind;
    match kind {
        Kind::Name => "Name",
        Kind::DateOfBirth => "Date of birth",
        Kind::Date => "Exact date",
        Kind::Address => "Address",
        Kind::Postcode => "Postcode",
        Kind::Phone => "Phone number",
        Kind::NhsNumber => "NHS number",
        Kind::NiNumber => "National Insurance number",
        Kind::Email => "Email address",
        Kind::School => "School",
        Kind::Gp => "GP practice",
        Kind::Place => "Place",
        Kind::Condition => "Rare condition",
    }
}

/// Extra names a reviewer asks the scan to look for: schools, GP practices, other places, rare
/// conditions. One per line, in the form `school: Name`, `gp: Name`, `place: Name` or
/// `condition: Name`; a line with no prefix is a place.
pub fn parse_extra_names(text: &str) -> Gazetteer {
    let mut gazetteer = Gazetteer::default();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (prefix, name) = match line.split_once(':') {
            Some((p, n)) => (p.trim().to_lowercase(), n.trim()),
            None => (String::new(), line),
        };
        if name.is_empty() {
            continue;
        }
        match prefix.as_str() {
            "school" => gazetteer.places.push(Place {
                name: name.to_owned(),
                kind: PlaceKind::School,
            }),
            "gp" => gazetteer.places.push(Place {
                name: name.to_owned(),
                kind: PlaceKind::Gp,
            }),
            "condition" => gazetteer.conditions.push(name.to_owned()),
            "place" => gazetteer.places.push(Place {
                name: name.to_owned(),
                kind: PlaceKind::Other,
            }),
            _ => gazetteer.places.push(Place {
                name: line.to_owned(),
                kind: PlaceKind::Other,
            }),
        }
    }
    gazetteer
}

/// The gazetteer's places and conditions as [`parse_extra_names`] reads them.
pub fn extra_names_text(gazetteer: &Gazetteer) -> String {
    let mut lines: Vec<String> = gazetteer
        .places
        .iter()
        .map(|p| {
            let prefix = match p.kind {
                PlaceKind::School => "school",
                PlaceKind::Gp => "gp",
                PlaceKind::Other => "place",
            };
            format!("{prefix}: {}", p.name)
        })
        .collect();
    lines.extend(
        gazetteer
            .conditions
            .iter()
            .map(|c| format!("condition: {c}")),
    );
    lines.join("\n")
}

fn context(text: &str, start: usize, end: usize) -> (String, String) {
    let mut from = start.saturating_sub(60);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let mut to = (end + 60).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    (clean(&text[from..start]), clean(&text[end..to]))
}

impl<S: Store> App<S> {
    /// The report template in use.
    pub async fn report_template(&self) -> AppResult<StoredTemplate> {
        match self.store.report_template().await? {
            None => Ok(StoredTemplate {
                version: 0,
                template: Template::default(),
            }),
            Some((version, body)) => {
                let template = serde_json::from_str(&body).map_err(|e| {
                    AppError::Store(casewindow_store::StoreError::Corrupt {
                        kind: "report template",
                        id: version.to_string(),
                        reason: e.to_string(),
                    })
                })?;
                Ok(StoredTemplate { version, template })
            }
        }
    }

    /// Saves a new version of the report template. Only platform administrators may; the layout
    /// must typeset, and nothing is saved if someone else saved a version meanwhile.
    pub async fn save_report_template(
        &self,
        actor: &Actor,
        template: &Template,
        expected_version: i64,
    ) -> AppResult<i64> {
        if !actor.platform_admin {
            return Err(AppError::NotFound {
                what: "the report template".to_owned(),
            });
        }
        let layout = template.layout.clone();
        let checked =
            tokio::task::spawn_blocking(move || casewindow_report::pdf::check_layout(&layout))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
        if let Err(err) = checked {
            return Err(AppError::Invalid(vec![Problem {
                path: "layout".to_owned(),
                reason: err.to_string(),
            }]));
        }
        let body =
            serde_json::to_string(template).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(self
            .store
            .save_report_template(
                &body,
                expected_version,
                &self.change(actor, "changed the report template"),
            )
            .await?)
    }

    pub(crate) async fn report_input(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<ReportInput> {
        let stored = self.review(actor, review).await?;
        let partnership = self.store.partnership(stored.record.partnership_id).await?;
        let agencies = self.agencies_of(actor, review).await?;
        fn records<R>(list: Vec<casewindow_store::Stored<R>>) -> Vec<R> {
            list.into_iter().map(|s| s.record).collect()
        }
        Ok(ReportInput {
            partnership,
            terms: records(self.records::<TermsOfReference>(actor, review).await?)
                .into_iter()
                .next(),
            agencies,
            participants: records(self.records::<Participation>(actor, review).await?)
                .into_iter()
                .filter(|p| p.withdrawn.is_none())
                .collect(),
            subjects: records(self.records::<Subject>(actor, review).await?),
            narrative: records(self.records::<NarrativeSection>(actor, review).await?)
                .into_iter()
                .filter(|s| s.withdrawn.is_none())
                .collect(),
            kpes: records(self.records::<KeyPracticeEpisode>(actor, review).await?),
            findings: records(self.records::<Finding>(actor, review).await?),
            responses: records(self.records::<PartnershipResponse>(actor, review).await?),
            meetings: records(
                self.records::<casewindow_domain::collaboration::Meeting>(actor, review)
                    .await?,
            ),
            sexes: self.genogram_sexes(actor, review).await?,
            review: stored.record,
            generated_on: self.today(),
        })
    }

    /// The people the identity vault knows in this review, with their pseudonyms; the read is
    /// audited. Without a vault key there are none (and the scan says so).
    pub(crate) async fn known_people(
        &self,
        actor: &Actor,
        review: ReviewId,
        why: &str,
    ) -> AppResult<(Vec<Person>, Vec<Place>)> {
        let Ok(vault) = self.vault() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let subjects = self.store.list::<Subject>(review.0).await?;
        let mut people = Vec::new();
        let mut places = Vec::new();
        for subject in &subjects {
            let Some(sealed) = self.store.identity(subject.record.id).await? else {
                continue;
            };
            let identity = vault.open(subject.record.id, &sealed).map_err(|err| {
                AppError::Store(casewindow_store::StoreError::Corrupt {
                    kind: "subject identity",
                    id: subject.record.id.to_string(),
                    reason: err.to_string(),
                })
            })?;
            people.push(Person {
                name: identity.full_name.clone(),
                aliases: identity.aliases.clone(),
                pseudonym: subject.record.pseudonym.clone(),
            });
            for name in identity_places(&identity) {
                places.push(Place {
                    name,
                    kind: PlaceKind::Other,
                });
            }
        }
        if !people.is_empty() {
            self.audit_event(actor, review, "read", "subject_identities", "all", why)
                .await?;
        }
        Ok((people, places))
    }

    /// The report and the briefing as they would be published, from one read of the records
    /// and of the identity vault, with the pseudonym map applied to both.
    async fn publishable(
        &self,
        actor: &Actor,
        review: ReviewId,
        why: &str,
    ) -> AppResult<Publishable> {
        let input = self.report_input(actor, review).await?;
        let template = self.report_template().await?.template;
        let mut report = casewindow_report::report(&input, &template);
        let mut briefing = casewindow_report::briefing(&input, &template);
        let (people, mut places) = self.known_people(actor, review, why).await?;
        let cleaner = Cleaner::new(&input, &people)?;
        let clean = |text: &str| cleaner.clean(text);
        report.map_text(&clean);
        briefing.map_text(&clean);
        places.extend(input.agencies.iter().map(|a| Place {
            name: a.name.clone(),
            kind: match a.sector {
                AgencySector::Education | AgencySector::EarlyYears => PlaceKind::School,
                AgencySector::HealthGp => PlaceKind::Gp,
                _ => PlaceKind::Other,
            },
        }));
        let mut published = Publishable {
            report,
            briefing,
            template,
            people,
            places,
            input,
        };
        // The marking follows the documents as they are now: "checked" only while they are
        // exactly what the anonymisation sign-off covered.
        if let Some(sign_off) = &published.input.review.anonymisation_sign_off {
            let marking =
                if sign_off.fingerprint.as_deref() == Some(published.fingerprint().as_str()) {
                    CHECKED
                } else {
                    OUT_OF_DATE
                };
            published.report.marking = marking.to_owned();
            published.briefing.marking = marking.to_owned();
        }
        Ok(published)
    }

    /// Whether the anonymisation sign-off covers the report and briefing as they stand:
    /// `None` without a sign-off, `Some(false)` when they changed since (or the sign-off
    /// predates recording what it covered).
    pub async fn sign_off_current(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<Option<bool>> {
        self.authorize(actor, review, Permission::ViewReview)
            .await?;
        let published = self
            .publishable(actor, review, "checking the sign-off against the documents")
            .await?;
        Ok(match &published.report.marking {
            m if m == CHECKED => Some(true),
            m if m == OUT_OF_DATE => Some(false),
            _ => None,
        })
    }

    /// The report as it would be published, its template and the fingerprint of the report
    /// and briefing (what a frozen version records).
    pub(crate) async fn report_to_freeze(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<(Document, Template, String)> {
        let published = self
            .publishable(
                actor,
                review,
                "names replaced by pseudonyms in a frozen report version",
            )
            .await?;
        let fingerprint = published.fingerprint();
        Ok((published.report, published.template, fingerprint))
    }

    /// The report or briefing of a review, with the pseudonym map applied.
    pub async fn review_document(
        &self,
        actor: &Actor,
        review: ReviewId,
        kind: DocumentKind,
    ) -> AppResult<(Document, Template)> {
        let published = self
            .publishable(
                actor,
                review,
                "names replaced by pseudonyms in a generated report",
            )
            .await?;
        let document = match kind {
            DocumentKind::Report => published.report,
            DocumentKind::Briefing => published.briefing,
        };
        Ok((document, published.template))
    }

    /// The report or briefing rendered in `format`.
    pub async fn render_document(
        &self,
        actor: &Actor,
        review: ReviewId,
        kind: DocumentKind,
        format: Format,
    ) -> AppResult<Vec<u8>> {
        let (document, template) = self.review_document(actor, review, kind).await?;
        self.render_in(document, template, format).await
    }

    /// A document in `format`, typeset off the async threads with the report template's layout.
    pub(crate) async fn render_in(
        &self,
        document: casewindow_report::Document,
        template: casewindow_report::Template,
        format: Format,
    ) -> AppResult<Vec<u8>> {
        let today = self.today();
        tokio::task::spawn_blocking(move || match format {
            Format::Html => Ok(casewindow_report::html::render(&document).into_bytes()),
            Format::Docx => casewindow_report::docx::render(&document)
                .map_err(|e| AppError::Internal(e.to_string())),
            Format::Pdf => casewindow_report::pdf::render(&document, &template.layout, today)
                .map_err(|e| AppError::Internal(e.to_string())),
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }

    /// A letter to a participant (the Appendix 1 invitation or the Appendix 2 note) as a Word
    /// document, from the report template's wording, for those who manage participants.
    pub async fn participant_letter(
        &self,
        actor: &Actor,
        review: ReviewId,
        participation: casewindow_domain::ids::ParticipationId,
        which: casewindow_report::Letter,
    ) -> AppResult<Vec<u8>> {
        self.authorize(actor, review, Permission::ManageParticipants)
            .await?;
        let participant = self.store.get::<Participation>(participation.0).await?;
        if participant.record.review_id != review {
            return Err(AppError::NotFound {
                what: format!("participant {participation}"),
            });
        }
        let stored = self
            .store
            .get::<casewindow_domain::review::Review>(review.0)
            .await?;
        let input = ReportInput {
            partnership: self.store.partnership(stored.record.partnership_id).await?,
            review: stored.record,
            terms: None,
            agencies: Vec::new(),
            participants: Vec::new(),
            subjects: Vec::new(),
            sexes: std::collections::HashMap::new(),
            narrative: Vec::new(),
            kpes: Vec::new(),
            findings: Vec::new(),
            responses: Vec::new(),
            meetings: Vec::new(),
            generated_on: self.today(),
        };
        let template = self.report_template().await?.template;
        let document = casewindow_report::letter(&input, &template, which, &participant.record);
        casewindow_report::docx::render(&document).map_err(|e| AppError::Internal(e.to_string()))
    }

    /// The review's saved gazetteer (schools, GP practices, places, conditions the scan looks
    /// for); reading it is audited. Empty when none was saved or there is no vault key.
    pub async fn review_gazetteer(&self, actor: &Actor, review: ReviewId) -> AppResult<Gazetteer> {
        self.authorize(actor, review, Permission::ManageLifecycle)
            .await?;
        let Some(sealed) = self.store.review_gazetteer(review).await? else {
            return Ok(Gazetteer::default());
        };
        let vault = self.vault()?;
        self.audit_event(
            actor,
            review,
            "read",
            "review_gazetteers",
            &review.to_string(),
            "identifier scan",
        )
        .await?;
        vault.open_gazetteer(review, &sealed).map_err(|err| {
            AppError::Store(casewindow_store::StoreError::Corrupt {
                kind: "review gazetteer",
                id: review.to_string(),
                reason: err.to_string(),
            })
        })
    }

    /// Saves the places and conditions the review's scans look for, sealed by the vault.
    pub async fn save_review_gazetteer(
        &self,
        actor: &Actor,
        review: ReviewId,
        gazetteer: &Gazetteer,
    ) -> AppResult<()> {
        self.authorize(actor, review, Permission::ManageLifecycle)
            .await?;
        let kept = Gazetteer {
            people: Vec::new(),
            places: gazetteer.places.clone(),
            conditions: gazetteer.conditions.clone(),
        };
        Scanner::new(&kept).map_err(|e| {
            AppError::Invalid(vec![Problem {
                path: "extra_names".to_owned(),
                reason: e.to_string(),
            }])
        })?;
        let sealed = self.vault()?.seal_gazetteer(review, &kept);
        Ok(self
            .store
            .put_review_gazetteer(
                review,
                &sealed,
                &self.change(actor, "changed the names the identifier scan looks for"),
            )
            .await?)
    }

    /// A fingerprint of the report and the briefing as they stand: a sign-off names the
    /// fingerprint of what was scanned, and is refused when the documents changed since.
    pub async fn documents_fingerprint(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<String> {
        let published = self
            .publishable(
                actor,
                review,
                "checking a sign-off against the scanned documents",
            )
            .await?;
        Ok(published.fingerprint())
    }

    /// The identifier scan of the report and the briefing as they would be published: every
    /// hit in context with its suggested replacement, and the fingerprint of the documents
    /// read. Shows real details, so it is for those who manage the review's lifecycle, and it
    /// is audited.
    pub async fn identifier_scan(
        &self,
        actor: &Actor,
        review: ReviewId,
        extra: &Gazetteer,
    ) -> AppResult<Scan> {
        self.authorize(actor, review, Permission::ManageLifecycle)
            .await?;
        let published = self
            .publishable(actor, review, "identifier scan before publication")
            .await?;
        // Known names were replaced already; they stay in the gazetteer so that any form the
        // replacement missed is still shown.
        let mut places = published.places.clone();
        places.extend(extra.places.iter().cloned());
        let gazetteer = Gazetteer {
            people: published.people.clone(),
            places,
            conditions: extra.conditions.clone(),
        };
        let scanner = Scanner::new(&gazetteer).map_err(|e| {
            AppError::Invalid(vec![Problem {
                path: "extra_names".to_owned(),
                reason: e.to_string(),
            }])
        })?;
        // Only the scan says where a hit came from: the records' text is read for it here.
        let sources = sources_of(&published.input);
        let mut hits = Vec::new();
        for (name, document) in [
            ("report", &published.report),
            ("briefing", &published.briefing),
        ] {
            let text = document.plain_text();
            for hit in scanner.scan(&text) {
                let (before, after) = context(&text, hit.start, hit.end);
                let source = source_of(&sources, &hit.text);
                hits.push(ScanHit {
                    document: name.to_owned(),
                    hit,
                    before,
                    after,
                    source,
                });
            }
        }
        let run = casewindow_store::ScanRun {
            id: uuid::Uuid::new_v4(),
            review_id: review,
            user_id: actor.user,
            at: self.now(),
            fingerprint: published.fingerprint(),
            hits: u32::try_from(hits.len()).unwrap_or(u32::MAX),
            found: serde_json::to_string(&hits).map_err(|e| AppError::Internal(e.to_string()))?,
            accepted: Vec::new(),
        };
        self.store
            .put_scan_run(
                &run,
                &self.change(actor, "identifier scan before publication"),
            )
            .await?;
        Ok(Scan { hits, run })
    }

    /// A kept identifier scan of `review`, by the id its page handed on; `None` for an id that
    /// names no scan of this review.
    pub async fn scan_run(
        &self,
        actor: &Actor,
        review: ReviewId,
        run: &str,
    ) -> AppResult<Option<casewindow_store::ScanRun>> {
        self.authorize(actor, review, Permission::ManageLifecycle)
            .await?;
        let Ok(id) = uuid::Uuid::parse_str(run.trim()) else {
            return Ok(None);
        };
        Ok(self
            .store
            .scan_run(id)
            .await?
            .filter(|run| run.review_id == review))
    }

    /// A kept scan shown again, with what its runner has accepted so far; `None` for an id
    /// that names no scan of this review.
    pub async fn kept_scan(
        &self,
        actor: &Actor,
        review: ReviewId,
        run: &str,
    ) -> AppResult<Option<Scan>> {
        let Some(run) = self.scan_run(actor, review, run).await? else {
            return Ok(None);
        };
        let hits: Vec<ScanHit> = serde_json::from_str(&run.found).map_err(|e| {
            AppError::Store(casewindow_store::StoreError::Corrupt {
                kind: "scan run",
                id: run.id.to_string(),
                reason: e.to_string(),
            })
        })?;
        self.audit_event(
            actor,
            review,
            "read",
            "scan_runs",
            &run.id.to_string(),
            "identifier scan shown again",
        )
        .await?;
        Ok(Some(Scan { hits, run }))
    }

    /// Records which of what a scan showed its runner judges not identifying, each by its index
    /// in [`Scan::distinct`] with a reason. The things themselves come from the kept scan, never
    /// from the request; only the runner may, and each needs its reason.
    pub async fn accept_scan_hits(
        &self,
        actor: &Actor,
        review: ReviewId,
        run: &str,
        choices: &[(usize, String)],
    ) -> AppResult<Scan> {
        let Some(mut scan) = self.kept_scan(actor, review, run).await? else {
            return Err(AppError::NotFound {
                what: "identifier scan".to_owned(),
            });
        };
        if scan.run.user_id != actor.user {
            return Err(AppError::Invalid(vec![Problem {
                path: "accept".to_owned(),
                reason: "Only the person who ran the scan can judge what it found: run it yourself"
                    .to_owned(),
            }]));
        }
        let distinct = scan.distinct();
        let mut accepted = Vec::new();
        let mut problems = Vec::new();
        for (index, reason) in choices {
            let Some((kind, text, _)) = distinct.get(*index) else {
                problems.push(Problem {
                    path: "accept".to_owned(),
                    reason: "names something the scan did not find".to_owned(),
                });
                continue;
            };
            let reason = reason.trim();
            if reason.is_empty() {
                problems.push(Problem {
                    path: format!("reason_{index}"),
                    reason: format!("Say why “{text}” does not identify anyone"),
                });
                continue;
            }
            accepted.push(casewindow_domain::review::AcceptedHit {
                kind: kind_label(*kind).to_owned(),
                text: text.clone(),
                reason: reason.chars().take(1000).collect(),
            });
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        if !self
            .store
            .accept_scan_hits(
                review,
                scan.run.id,
                actor.user,
                &accepted,
                &self.change(actor, "judged what the identifier scan found"),
            )
            .await?
        {
            return Err(AppError::NotFound {
                what: "identifier scan".to_owned(),
            });
        }
        scan.run.accepted = accepted;
        Ok(scan)
    }

    /// The scan a new anonymisation sign-off rests on: one the actor ran themselves, on this
    /// review's report and briefing as they stand now. Its hit count is what the sign-off
    /// records.
    pub async fn scan_for_sign_off(
        &self,
        actor: &Actor,
        review: ReviewId,
        run: &str,
    ) -> AppResult<casewindow_store::ScanRun> {
        let refuse = |reason: &str| {
            AppError::Invalid(vec![Problem {
                path: "signed_off".to_owned(),
                reason: reason.to_owned(),
            }])
        };
        let Some(run) = self.scan_run(actor, review, run).await? else {
            return Err(refuse(
                "Run the identifier scan on the report and briefing before signing them off",
            ));
        };
        if run.user_id != actor.user {
            return Err(refuse(
                "Run the identifier scan yourself before signing off: the sign-off is yours",
            ));
        }
        if run.fingerprint != self.documents_fingerprint(actor, review).await? {
            return Err(refuse(
                "The report or briefing has changed since the identifier scan; run the scan again before signing off",
            ));
        }
        Ok(run)
    }
}

/// The marking of documents that are exactly what the anonymisation sign-off covered.
pub const CHECKED: &str = "Checked for identifying details";
/// The marking of documents that changed after the sign-off.
pub const OUT_OF_DATE: &str =
    "Changed since it was checked for identifying details: not for publication until checked again";

/// The report and the briefing as they would be published, and who the vault knows.
/// What publication does to every text of a review: agencies called by their publication
/// names (their own names can identify the family), then the people the identity vault knows
/// replaced by their pseudonyms.
pub(crate) struct Cleaner {
    renamer: casewindow_redact::Renamer,
    scanner: Option<Scanner>,
}

impl Cleaner {
    pub(crate) fn new(input: &ReportInput, people: &[Person]) -> AppResult<Self> {
        let agency_names: Vec<(String, String)> = input
            .agencies
            .iter()
            .map(|a| (a.name.clone(), input.agency_name(a.id)))
            .collect();
        let renamer = casewindow_redact::Renamer::new(&agency_names).map_err(|e| {
            AppError::Invalid(vec![Problem {
                path: "agencies".to_owned(),
                reason: e.to_string(),
            }])
        })?;
        let scanner = if people.is_empty() {
            None
        } else {
            Some(
                Scanner::new(&Gazetteer {
                    people: people.to_vec(),
                    ..Gazetteer::default()
                })
                .map_err(|e| {
                    AppError::Invalid(vec![Problem {
                        path: "identity".to_owned(),
                        reason: e.to_string(),
                    }])
                })?,
            )
        };
        Ok(Self { renamer, scanner })
    }

    pub(crate) fn clean(&self, text: &str) -> String {
        let renamed = self.renamer.rename(text);
        match &self.scanner {
            Some(scanner) => scanner.pseudonymise(&renamed),
            None => renamed,
        }
    }
}

struct Publishable {
    report: Document,
    briefing: Document,
    template: Template,
    people: Vec<Person>,
    places: Vec<Place>,
    /// The records the documents were made from (the scan says where a hit came from).
    input: ReportInput,
}

/// Each record the report is made from, with the page that edits it and all its text (as JSON,
/// which keeps every field's words as written).
fn sources_of(input: &ReportInput) -> Vec<(HitSource, String)> {
    let review = input.review.id;
    let mut out = Vec::new();
    let mut push = |label: String, path: String, json: String| {
        out.push((HitSource { label, path }, json));
    };
    let mut kpes: Vec<&KeyPracticeEpisode> = input.kpes.iter().collect();
    kpes.sort_by_key(|k| k.position);
    for kpe in kpes {
        push(
            format!("Episode {}: {}", kpe.position, kpe.title.trim()),
            format!("/reviews/{review}/kpes/{}", kpe.id),
            text(kpe),
        );
    }
    let mut findings: Vec<&Finding> = input.findings.iter().collect();
    findings.sort_by_key(|f| f.position);
    for finding in findings {
        push(
            format!("Finding {}", finding.position),
            format!("/reviews/{review}/findings/{}", finding.id),
            text(finding),
        );
    }
    for section in &input.narrative {
        push(
            format!("Narrative: {}", section.heading.trim()),
            format!("/reviews/{review}/narrative/{}", section.id),
            text(section),
        );
    }
    if let Some(terms) = &input.terms {
        push(
            "Terms of reference".to_owned(),
            format!("/reviews/{review}/terms/edit"),
            text(terms),
        );
    }
    for meeting in &input.meetings {
        push(
            format!("Meeting on {}", meeting.held_on.format("%-d %B %Y")),
            format!("/reviews/{review}/meetings/{}", meeting.id),
            text(meeting),
        );
    }
    for subject in &input.subjects {
        push(
            format!("Person: {}", subject.pseudonym.trim()),
            format!("/reviews/{review}/subjects/{}", subject.id),
            text(subject),
        );
    }
    push(
        "Participants".to_owned(),
        format!("/reviews/{review}/participants"),
        input.participants.iter().map(text).collect(),
    );
    push(
        "Agencies".to_owned(),
        format!("/reviews/{review}/agencies"),
        input.agencies.iter().map(text).collect(),
    );
    push(
        "Review details".to_owned(),
        format!("/reviews/{review}/details"),
        text(&input.review),
    );
    out
}

/// A record's JSON text, for finding words in it.
fn text<T: serde::Serialize>(record: &T) -> String {
    serde_json::to_string(record).unwrap_or_default()
}

/// The first record (of [`sources_of`]) whose text holds `text`.
fn source_of(sources: &[(HitSource, String)], text: &str) -> Option<HitSource> {
    sources
        .iter()
        .find(|(_, json)| json.contains(text))
        .map(|(source, _)| source.clone())
}

impl Publishable {
    /// SHA-256 over the content of both documents (not the marking or the title page's
    /// generated lines, which change with the sign-off and the date).
    fn fingerprint(&self) -> String {
        use sha2::Digest as _;
        let mut hasher = sha2::Sha256::new();
        for document in [&self.report, &self.briefing] {
            hasher.update(document.plain_text().as_bytes());
            hasher.update([0]);
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// What the identifier scan looks for from an identity besides names: each address in full and
/// its first part (the house and street, as a narrative would write it), and each identifier.
fn identity_places(identity: &casewindow_domain::identity::SubjectIdentity) -> Vec<String> {
    let mut places = Vec::new();
    for address in &identity.addresses {
        let full = address.address.trim();
        if full.is_empty() {
            continue;
        }
        places.push(full.to_owned());
        let first = full.split(['\n', ',']).next().unwrap_or("").trim();
        if first.chars().count() >= 6 && first != full {
            places.push(first.to_owned());
        }
    }
    places.extend(
        identity
            .identifiers
            .iter()
            .map(|i| i.value.trim().to_owned())
            .filter(|v| v.chars().count() >= 4),
    );
    places
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_names_are_read_by_their_prefix() {
        let g = parse_extra_names(
            "school: Hill Top Primary\n gp : Elm Surgery\ncondition: Rett syndrome\nThe Lido\n\nplace:\n",
        );
        assert_eq!(g.places.len(), 3);
        assert_eq!(g.places[0].kind, PlaceKind::School);
        assert_eq!(g.places[1].name, "Elm Surgery");
        assert_eq!(g.places[1].kind, PlaceKind::Gp);
        assert_eq!(g.places[2].name, "The Lido");
        assert_eq!(g.conditions, vec!["Rett syndrome".to_owned()]);
    }

    #[test]
    fn context_stops_on_character_boundaries() {
        let text = "é".repeat(50) + "NAME" + &"ü".repeat(50);
        let (before, after) = context(&text, 100, 104);
        assert!(before.ends_with('é') && after.starts_with('ü'));
    }
}
