//! De-identified findings for national analysts.
//!
//! A national analyst reads the findings of every review in the instance and nothing else of
//! any review. What they read has the review's title replaced by a neutral code, the links into
//! the review (its key practice episodes, the evidence attached, the suggestion history) taken
//! away, and every identifier the scan before publication would flag replaced by the scan's
//! suggestion: real names and aliases known to the identity vault, the subjects' pseudonyms and
//! addresses, the review's gazetteer (schools, GP practices, places, rare conditions), and the
//! scanner's patterns (dates, postcodes, street addresses, phone, NHS and National Insurance
//! numbers, emails, titled names). Reading the vault for this is audited per review.

use crate::library::LibraryFinding;
use crate::{Actor, App, AppError, AppResult};
use casewindow_domain::findings::Finding;
use casewindow_domain::ids::ReviewId;
use casewindow_domain::participation::Subject;
use casewindow_redact::{Gazetteer, Person, PhraseSet, Scanner};
use casewindow_store::Store;
use std::collections::HashMap;

/// The neutral code shown for a review to national analysts: stable, and not derived from
/// anything about the case. Twelve digits in threes of four, the first not 0: too many for two
/// of a nation's reviews to share one, and in a shape the identifier scan reads as nothing (six
/// letters and digits read as a postcode now and then: "E383EB").
pub fn review_code(review: ReviewId) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(review.0.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // Never a leading 0: "0932-4034-1105" reads as a telephone number.
    let n = 100_000_000_000 + u64::from_be_bytes(first) % 900_000_000_000;
    format!(
        "Review {:04}-{:04}-{:04}",
        n / 100_000_000,
        n / 10_000 % 10_000,
        n % 10_000
    )
}

/// What a review's title becomes in de-identified text.
pub(crate) const ANOTHER_REVIEW: &str = "another review's child";

/// Words of partnership and agency names that say what an organisation is rather than where.
const GENERIC: &[&str] = &[
    "safeguarding",
    "children",
    "children's",
    "childrens",
    "child",
    "partnership",
    "board",
    "local",
    "adults",
    "adult",
    "multi-agency",
    "arrangements",
    "council",
    "county",
    "city",
    "borough",
    "district",
    "metropolitan",
    "services",
    "service",
    "health",
    "nhs",
    "trust",
    "foundation",
    "police",
    "constabulary",
    "social",
    "care",
    "community",
    "primary",
    "school",
    "academy",
    "hospital",
    "university",
    "integrated",
    "clinical",
    "commissioning",
    "group",
    "authority",
    "education",
    "early",
    "help",
    "team",
    "department",
    "practice",
    "surgery",
    "mental",
    "probation",
    "housing",
    "ambulance",
    "fire",
    "rescue",
    "youth",
    "justice",
    "visiting",
    "nursing",
    "general",
    "north",
    "south",
    "east",
    "west",
    "central",
    "upon",
    "great",
    "greater",
    "little",
    "new",
    "the",
    "and",
    "for",
    "of",
    // What services do and for whom: not where they are.
    "regional",
    "area",
    "division",
    "domestic",
    "abuse",
    "violence",
    "sexual",
    "assault",
    "victim",
    "victims",
    "drug",
    "drugs",
    "alcohol",
    "substance",
    "misuse",
    "recovery",
    "maternity",
    "infirmary",
    "hospitals",
    "healthcare",
    "medical",
    "centre",
    "centres",
    "center",
    "teaching",
    "learning",
    "pupil",
    "referral",
    "unit",
    "network",
    "federation",
    "association",
    "office",
    "delivery",
    "special",
    "adolescent",
    "adolescents",
    "disability",
    "disabilities",
    "complex",
    "needs",
    "women's",
    "women",
    "aid",
    "refuge",
    "project",
    "detached",
    "family",
    "families",
    "support",
    "advice",
    "academies",
    "schools",
    "college",
    "nursery",
    "hub",
    "emergency",
    "paediatric",
    "paediatrics",
    "midwifery",
    "psychiatric",
    "psychology",
    "therapy",
    "wellbeing",
    "homeless",
    "homelessness",
    "tenancy",
    "benefits",
    "work",
    "pensions",
    "employment",
    "courts",
    "court",
    "tribunal",
    "prison",
    "custody",
    "offender",
    "management",
];

/// The place names inside an organisation's name: its distinctive capitalised words
/// ("Eastbrook" of "Eastbrook Safeguarding Children Partnership").
pub(crate) fn area_names(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | '/' | '&'))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().count() >= 3 && w.chars().next().is_some_and(char::is_uppercase))
        .filter(|w| !GENERIC.contains(&w.to_lowercase().as_str()))
        .map(str::to_owned)
        .collect()
}

/// Replaces every hit of the scanner in `text` by its suggestion; the words of one name found
/// apart ("Redwater" and "Fens") become one replacement.
fn redact(scanner: &Scanner, text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut last: Option<String> = None;
    for hit in scanner.scan(text) {
        if hit.start < at {
            continue;
        }
        let between = &text[at..hit.start];
        if last.as_deref() == Some(hit.suggestion.as_str()) && between.trim().is_empty() {
            at = hit.end;
            continue;
        }
        out.push_str(between);
        out.push_str(&hit.suggestion);
        last = Some(hit.suggestion.clone());
        at = hit.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The finding as a national analyst reads it.
fn deidentified(titles: &PhraseSet, scanner: &Scanner, finding: &Finding) -> Finding {
    let clean = |text: &str| {
        // The review's own people first (a child's pseudonym may also be its review's title),
        // then every review's title, then what the scan finds by form.
        let cleaned = redact(scanner, &titles.replace(&scanner.pseudonymise(text)));
        // A sentence that began with a name begins with its replacement, capitalised.
        let mut chars = cleaned.chars();
        match (chars.next(), text.chars().next()) {
            (Some(first), Some(was)) if first.is_lowercase() && was.is_uppercase() => {
                first.to_uppercase().chain(chars).collect()
            }
            _ => cleaned,
        }
    };
    Finding {
        statement: clean(&finding.statement),
        context: clean(&finding.context),
        manifestation: clean(&finding.manifestation),
        why_it_matters: clean(&finding.why_it_matters),
        questions: finding.questions.iter().map(|q| clean(q)).collect(),
        kpe_ids: Vec::new(),
        generality_evidence: Vec::new(),
        pattern_choice: None,
        ..finding.clone()
    }
}

impl<S: Store> App<S> {
    /// De-identifies library findings in place (for a national analyst).
    pub(crate) async fn deidentify(
        &self,
        actor: &Actor,
        findings: &mut [LibraryFinding],
    ) -> AppResult<()> {
        let titles = self.every_review_title().await?;
        let mut scanners: HashMap<ReviewId, Scanner> = HashMap::new();
        for f in findings.iter_mut() {
            if let std::collections::hash_map::Entry::Vacant(slot) = scanners.entry(f.review) {
                slot.insert(self.deidentifying_scanner(actor, f.review).await?);
            }
            let scanner = &scanners[&f.review];
            f.finding = std::sync::Arc::new(deidentified(&titles, scanner, &f.finding));
            f.review_title = review_code(f.review);
        }
        Ok(())
    }

    /// Every review's title ("Baby M", "Child N"), to be replaced wherever it appears: a finding
    /// that names another review identifies that one. Whole titles only (their words alone,
    /// "Children", "and", name nobody), from the library as read once for every view, found in
    /// one pass however many reviews there are.
    async fn every_review_title(&self) -> AppResult<std::sync::Arc<PhraseSet>> {
        self.library_snapshot()
            .await?
            .title_search()
            .map_err(|e| AppError::Internal(format!("de-identifying review titles: {e}")))
    }

    /// A scanner that knows the review's people (real names from the vault, when it is
    /// configured, and pseudonyms), their addresses and the review's gazetteer.
    async fn deidentifying_scanner(&self, actor: &Actor, review: ReviewId) -> AppResult<Scanner> {
        let (mut people, mut places) = self
            .known_people(
                actor,
                review,
                "de-identifying findings for a national analyst",
            )
            .await?;
        // Pseudonyms stay out of de-identified text too: they tie a finding to a published report.
        for subject in self.store.list::<Subject>(review.0).await? {
            let pseudonym = subject.record.pseudonym.trim();
            if !pseudonym.is_empty() && !people.iter().any(|p| p.name == pseudonym) {
                people.push(Person {
                    name: pseudonym.to_owned(),
                    aliases: Vec::new(),
                    pseudonym: "the subject".to_owned(),
                });
            }
        }
        for person in &mut people {
            person.pseudonym = "the subject".to_owned();
        }
        let partnerships = self.store.partnerships().await?;
        // The places in the names of the review's partnership and agencies.
        let reviewed = self
            .store
            .get::<casewindow_domain::review::Review>(review.0)
            .await?;
        let mut areas: Vec<String> = partnerships
            .iter()
            .filter(|p| p.id == reviewed.record.partnership_id)
            .flat_map(|p| area_names(&p.name))
            .collect();
        for agency in self.store.agencies().await? {
            if agency.partnership_id == Some(reviewed.record.partnership_id) {
                areas.extend(area_names(&agency.name));
            }
        }
        areas.sort();
        areas.dedup();
        places.extend(areas.into_iter().map(|name| casewindow_redact::Place {
            name,
            kind: casewindow_redact::PlaceKind::Other,
        }));
        let mut conditions = Vec::new();
        if let (Ok(vault), Some(sealed)) =
            (self.vault(), self.store.review_gazetteer(review).await?)
        {
            let gazetteer = vault.open_gazetteer(review, &sealed).map_err(|err| {
                AppError::Store(casewindow_store::StoreError::Corrupt {
                    kind: "review gazetteer",
                    id: review.to_string(),
                    reason: err.to_string(),
                })
            })?;
            places.extend(gazetteer.places);
            conditions = gazetteer.conditions;
        }
        Scanner::new(&Gazetteer {
            people,
            places,
            conditions,
        })
        .map_err(|e| AppError::Internal(format!("de-identifying scanner: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_places_in_an_organisations_name_are_its_distinctive_words() {
        assert_eq!(
            area_names("Eastbrook Safeguarding Children Partnership"),
            ["Eastbrook"]
        );
        assert_eq!(
            area_names("North Wessex NHS Foundation Trust (Kingsmere Hospital)"),
            ["Wessex", "Kingsmere"]
        );
        assert!(area_names("Children's Social Care").is_empty());
        // What a service does is not where it is.
        assert_eq!(
            area_names("Larkhaven Domestic Abuse Service"),
            ["Larkhaven"]
        );
        assert_eq!(
            area_names("Cwm Tawelog Regional Safeguarding Board"),
            ["Cwm", "Tawelog"]
        );
    }

    #[test]
    fn a_place_of_two_words_is_one_place_and_a_review_title_is_not_its_words() {
        let scanner = Scanner::new(&Gazetteer {
            people: vec![Person {
                name: String::new(),
                aliases: vec!["Children J and K".to_owned()],
                pseudonym: "another review's child".to_owned(),
            }],
            places: ["Redwater", "Fens"]
                .into_iter()
                .map(|name| casewindow_redact::Place {
                    name: name.to_owned(),
                    kind: casewindow_redact::PlaceKind::Other,
                })
                .collect(),
            ..Gazetteer::default()
        })
        .expect("scanner");
        assert_eq!(
            redact(
                &scanner,
                "Children in Redwater Fens, and as for Children J and K, and more."
            ),
            "Children in a local place, and as for another review's child, and more."
        );
    }

    #[test]
    fn codes_are_stable_and_do_not_show_the_id() {
        let review = ReviewId(uuid::Uuid::new_v4());
        assert_eq!(review_code(review), review_code(review));
        assert!(!review_code(review).contains(&review.0.to_string()[..6]));
        assert_eq!(review_code(review).len(), "Review 0000-0000-0000".len());
        // The identifier scan finds nothing in a code.
        let scanner = Scanner::new(&Gazetteer::default()).expect("a scanner");
        for _ in 0..200 {
            let code = review_code(ReviewId(uuid::Uuid::new_v4()));
            assert!(
                scanner.scan(&format!("Quoted from {code}.")).is_empty(),
                "{code}"
            );
        }
    }

    #[test]
    fn redaction_replaces_names_pseudonyms_and_patterns() {
        let scanner = Scanner::new(&Gazetteer {
            people: vec![Person {
                name: "Jordan Example".to_owned(),
                aliases: vec!["Jordy".to_owned()],
                pseudonym: "the subject".to_owned(),
            }],
            ..Gazetteer::default()
        })
        .expect("scanner");
        let finding = Finding {
            statement: "Jordy's health visitor saw Jordan Example on 12 March 2019 at SW1A 1AA."
                .to_owned(),
            ..crate::deidentify::tests::blank_finding()
        };
        let titles =
            PhraseSet::new(&["Child Q", "Baby (R)"], "another review's child").expect("titles");
        let clean = deidentified(&titles, &scanner, &finding).statement;
        assert!(!clean.contains("Jordan"), "{clean}");
        assert!(!clean.contains("Jordy"), "{clean}");
        assert!(!clean.contains("12 March"), "{clean}");
        assert!(!clean.contains("SW1A"), "{clean}");
        assert!(clean.contains("health visitor"), "{clean}");
    }

    #[test]
    fn every_reviews_title_is_replaced_in_one_pass_whole_and_in_any_case() {
        let titles: Vec<String> = (1..=3000).map(|n| format!("Child W (copy {n})")).collect();
        let mut phrases: Vec<&str> = titles.iter().map(String::as_str).collect();
        phrases.extend(["Child Q", "Baby R"]);
        let set = PhraseSet::new(&phrases, "another review's child").expect("titles");
        assert_eq!(
            set.replace("As in child q and Child W (copy 2999), the Children of Baby Rose."),
            "As in another review's child and another review's child, the Children of Baby Rose."
        );
        let scanner = Scanner::new(&Gazetteer::default()).expect("scanner");
        let finding = Finding {
            statement: "Child Q's records were closed.".to_owned(),
            ..blank_finding()
        };
        assert_eq!(
            deidentified(&set, &scanner, &finding).statement,
            "Another review's child records were closed."
        );
    }

    fn blank_finding() -> Finding {
        serde_json::from_value(serde_json::json!({
            "id": uuid::Uuid::nil(),
            "review_id": uuid::Uuid::nil(),
            "position": 1,
            "statement": "",
            "context": "",
            "pattern": null,
            "secondary_pattern": null,
            "polarity": null,
            "manifestation": "",
            "kpe_ids": [],
            "generality_evidence": [],
            "why_it_matters": "",
            "questions": [],
            "priority": null,
            "status": "draft",
            "recurrent_issue_ids": []
        }))
        .expect("a blank finding")
    }
}
