//! The identifier scan: everything in a report or briefing that could identify the family,
//! each hit with its byte span and a suggested replacement.
//!
//! Jigsaw identification is the known risk, so the scan errs towards flagging: a reviewer sees
//! every hit in context and decides. Known people and places come from the review's gazetteer
//! (real names and aliases with the pseudonym to use; schools, GP practices and other places);
//! everything else is found by pattern: dates (with dates of birth told apart by what precedes
//! them), UK postcodes and street addresses, phone numbers, NHS and National Insurance numbers,
//! email addresses, titled names ("Mrs Okafor"), school and GP practice names by their form,
//! and rare conditions.

use std::collections::HashSet;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

/// What kind of identifier a hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Name,
    DateOfBirth,
    Date,
    Address,
    Postcode,
    Phone,
    NhsNumber,
    NiNumber,
    Email,
    School,
    Gp,
    Place,
    Condition,
}

/// One identifier found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    pub kind: Kind,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset after the last byte.
    pub end: usize,
    pub text: String,
    pub suggestion: String,
}

/// A person the review knows by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub pseudonym: String,
}

/// What a known place is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    School,
    Gp,
    #[default]
    Other,
}

/// A place the review knows by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub name: String,
    #[serde(default)]
    pub kind: PlaceKind,
}

/// The review's gazetteer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gazetteer {
    #[serde(default)]
    pub people: Vec<Person>,
    #[serde(default)]
    pub places: Vec<Place>,
    #[serde(default)]
    pub conditions: Vec<String>,
}

/// A gazetteer that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GazetteerError(String);

impl Gazetteer {
    /// Reads a gazetteer from JSON; unknown fields are ignored.
    ///
    /// # Errors
    /// Names the JSON path and what is wrong.
    pub fn from_json(text: &str) -> Result<Self, GazetteerError> {
        serde_json::from_str(text).map_err(|e| GazetteerError(e.to_string()))
    }
}

/// The paragraphs of `text` (separated by lines with only whitespace), each with its byte
/// offset.
fn paragraphs(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            if at > start {
                out.push((start, &text[start..at]));
            }
            start = at + line.len();
        }
        at += line.len();
    }
    if text.len() > start {
        out.push((start, &text[start..]));
    }
    out
}

/// Up to `bytes` bytes of `text` before `at`, starting on a character boundary.
fn window_before(text: &str, at: usize, bytes: usize) -> &str {
    let mut start = at.saturating_sub(bytes);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..at]
}

/// Rare conditions that could identify a child in a small area; our own list of condition
/// names, extended by the gazetteer's.
const RARE_CONDITIONS: &[&str] = &[
    "22q11 deletion syndrome",
    "Angelman syndrome",
    "Batten disease",
    "cystic fibrosis",
    "DiGeorge syndrome",
    "Duchenne muscular dystrophy",
    "Edwards syndrome",
    "Ehlers-Danlos syndrome",
    "epidermolysis bullosa",
    "fragile X syndrome",
    "glutaric aciduria",
    "haemophilia",
    "Huntington's disease",
    "Marfan syndrome",
    "neurofibromatosis",
    "Noonan syndrome",
    "osteogenesis imperfecta",
    "Patau syndrome",
    "phenylketonuria",
    "Prader-Willi syndrome",
    "Rett syndrome",
    "sickle cell disease",
    "spinal muscular atrophy",
    "thalassaemia",
    "tuberous sclerosis",
    "Williams syndrome",
    "Wolf-Hirschhorn syndrome",
];

/// Words for people's parts in a family or a service, after which a name in brackets is a name.
const ROLES: &str = "mother|father|mum|dad|parent|step-?father|step-?mother|step-?parent|partner|ex-partner|boyfriend|girlfriend|husband|wife|grandmother|grandfather|grandparent|nan|gran|aunt|uncle|cousin|brother|sister|sibling|half-brother|half-sister|child|baby|son|daughter|carer|foster carer|neighbour|friend|lodger|relative|visitor|worker|teacher|headteacher|officer|nurse|midwife|GP|doctor|paediatrician|manager|practitioner|consultant|lead|clinician|therapist";

/// Capitalised words that start sentences and phrases, not names.
const FUNCTION_WORDS: &[&str] = &[
    "The",
    "A",
    "An",
    "This",
    "That",
    "These",
    "Those",
    "Our",
    "Their",
    "His",
    "Her",
    "Its",
    "By",
    "To",
    "At",
    "In",
    "On",
    "From",
    "With",
    "And",
    "Or",
    "For",
    "Of",
    "When",
    "Where",
    "While",
    "If",
    "As",
    "No",
    "Not",
    "Each",
    "Every",
    "All",
    "Both",
    "Police",
    "Health",
    "School",
    "Children's",
    "Council",
    "See",
    "Local",
    "National",
    "Finding",
    "Episode",
    "Appendix",
    "Table",
    "Figure",
    "Section",
    "Level",
    "Category",
    "Pattern",
];

/// Street names' last words.
const STREETS: &str = "Road|Rd|Street|St|Avenue|Ave|Lane|Close|Drive|Way|Crescent|Court|Place|Gardens|Terrace|Grove|Hill|Square|Walk|Row|Mews|Rise|View|Parade|Green|Vale|Park";

/// Capitals that are acronyms of services and processes, not surnames.
const ACRONYMS: &[&str] = &[
    "NHS", "MASH", "GP", "GPS", "CSC", "ICB", "KPE", "KPES", "DASH", "MARAC", "MAPPA", "CAMHS",
    "CP", "CIN", "LADO", "ED", "SCIE", "CSPR", "SCR", "UK", "HV", "PC", "DC", "IT", "ICPC", "RCPC",
    "CPP", "EHA", "EHCP", "SEN", "SENCO", "SENDCO", "DSL", "DV", "DVA", "IDVA", "ISVA", "MERLIN",
    "PNC", "PND", "CAF", "TAF", "TAC", "CSE", "CCE", "FGM", "NFA", "ASB", "PPN", "OOH", "EDT",
    "AHT", "NAI", "CT", "MRI", "SUDI", "SUDC", "NICU", "SCBU", "ANC", "PNC", "A&E", "NSPCC",
    "CAFCASS", "LSCB", "LSCP", "MSCP", "OFSTED", "CQC", "HMIC", "DBS", "DHR", "SAR", "LA", "LAC",
    "CLA", "PLO", "ICO", "EPO", "S47", "AND", "THE", "OF", "FOR", "NOT", "ALL", "NOW", "NEW",
    "UNSAFE", "KEY", "NB", "TBC", "N/A", "OK",
];

/// Words of a place's name that say what kind of place it is, not which.
const GENERIC_PLACE_WORDS: &[&str] = &[
    "the",
    "primary",
    "infant",
    "infants",
    "junior",
    "nursery",
    "secondary",
    "high",
    "grammar",
    "community",
    "church",
    "of",
    "england",
    "ce",
    "c",
    "e",
    "rc",
    "catholic",
    "school",
    "academy",
    "college",
    "surgery",
    "medical",
    "centre",
    "center",
    "health",
    "practice",
    "family",
    "group",
    "day",
    "children's",
    "childrens",
    "pre-school",
    "preschool",
    "hospital",
    "clinic",
    "and",
    "free",
    "federation",
    "trust",
    "foundation",
    "nhs",
    "partnership",
    "team",
    "service",
    "services",
    "unit",
];

/// Distinctive words too common to stand alone as a place's name.
const COMMON_PLACE_WORDS: &[&str] = &[
    "Central", "North", "South", "East", "West", "New", "Old", "Park", "Green", "Hill", "Upper",
    "Lower", "Great", "Little", "Saint", "St", "Holy", "Royal", "City", "County", "Town", "Valley",
    "Lane", "Road", "Street",
];

/// The short forms people use for a known place: its distinctive words without the words
/// that say what kind of place it is, and for a place named after a street, the street's own
/// name ("Millrace" for "Millrace Lane Surgery").
fn short_forms(name: &str) -> Vec<String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let distinctive: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !GENERIC_PLACE_WORDS.contains(&w.to_lowercase().as_str()))
        .collect();
    let mut forms = Vec::new();
    let usable = |form: &[&str]| {
        let text = form.join(" ");
        (text.chars().count() >= 4
            && !(form.len() == 1 && COMMON_PLACE_WORDS.contains(&form[0]))
            && form
                .iter()
                .all(|w| w.chars().next().is_some_and(char::is_uppercase)))
        .then_some(text)
    };
    if distinctive.len() < words.len()
        && let Some(form) = usable(&distinctive)
    {
        forms.push(form);
    }
    if distinctive.len() >= 2
        && distinctive
            .last()
            .is_some_and(|last| STREETS.split('|').any(|s| s == *last))
        && let Some(form) = usable(&distinctive[..distinctive.len() - 1])
    {
        forms.push(form);
    }
    forms
}

const MONTHS: &str = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec";

fn month_name(token: &str) -> Option<&'static str> {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let lower = token.to_lowercase();
    NAMES
        .iter()
        .find(|m| lower.len() >= 3 && m.to_lowercase().starts_with(&lower[..3]))
        .copied()
}

fn regex(pattern: &str, case_insensitive: bool) -> Regex {
    RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .build()
        .unwrap_or_else(|e| panic!("built-in pattern {pattern:?} is invalid: {e}"))
}

/// The compiled scanner for one gazetteer.
pub struct Scanner {
    known: Vec<(Regex, Kind, String)>,
    numeric_date: Regex,
    written_date: Regex,
    american_date: Regex,
    day_month: Regex,
    iso_date: Regex,
    postcode: Regex,
    address: Regex,
    phone: Regex,
    nhs: Regex,
    ni: Regex,
    email: Regex,
    titled: Regex,
    school: Regex,
    gp: Regex,
    birth_context: Regex,
    bracketed: Regex,
    role_before: Regex,
    capital_surname: Regex,
    surname_first: Regex,
    named_house: Regex,
    street_alone: Regex,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("known", &self.known.len())
            .finish_non_exhaustive()
    }
}

/// A known name, place or condition as a pattern; an entry too large to compile is named.
fn phrase(text: &str, case_insensitive: bool) -> Result<Regex, GazetteerError> {
    RegexBuilder::new(&word_pattern(text))
        .case_insensitive(case_insensitive)
        .build()
        .map_err(|_| {
            let shown: String = text.chars().take(40).collect();
            GazetteerError(format!(
                "the gazetteer entry {shown:?} is too long to search for"
            ))
        })
}

fn word_pattern(phrase: &str) -> String {
    // Whitespace inside a phrase may be any run of whitespace; a possessive may follow. A word
    // boundary is asked for only where the phrase starts or ends with a letter or digit: a name
    // ending in a bracket ("... NHS Trust (0-19 service)") has none after it.
    let parts: Vec<String> = phrase.split_whitespace().map(regex::escape).collect();
    let wordy = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let trimmed = phrase.trim();
    let start = if wordy(trimmed.chars().next()) {
        r"\b"
    } else {
        ""
    };
    if wordy(trimmed.chars().last()) {
        format!(r"{start}{}(?:['’][sS])?\b", parts.join(r"\s+"))
    } else {
        format!(r"{start}{}", parts.join(r"\s+"))
    }
}

impl Scanner {
    /// Compiles the scanner for `gazetteer`.
    ///
    /// # Errors
    /// When an entry of the gazetteer cannot be searched for (it is named).
    pub fn new(gazetteer: &Gazetteer) -> Result<Self, GazetteerError> {
        let mut known: Vec<(Regex, Kind, String)> = Vec::new();
        let mut seen = HashSet::new();
        for person in &gazetteer.people {
            let pseudonym = if person.pseudonym.trim().is_empty() {
                "[name]".to_owned()
            } else {
                person.pseudonym.trim().to_owned()
            };
            let mut forms: Vec<&str> = vec![person.name.as_str()];
            forms.extend(person.aliases.iter().map(String::as_str));
            // Each part of a full name alone (first name, surname) identifies as well; not a
            // particle or a joining word ("van", "and"), which is no name on its own.
            let parts: Vec<&str> = person
                .name
                .split_whitespace()
                .filter(|p| p.chars().count() >= 3)
                .filter(|p| p.chars().next().is_some_and(char::is_uppercase))
                .filter(|p| !FUNCTION_WORDS.iter().any(|f| f.eq_ignore_ascii_case(p)))
                .collect();
            if parts.len() > 1 {
                forms.extend(parts);
            }
            for form in forms {
                let form = form.trim();
                if form.is_empty() || !seen.insert((form.to_lowercase(), Kind::Name)) {
                    continue;
                }
                // Names are matched as written with a capital (so "Rose" the name is found but
                // "rose" the verb is not), whole words only.
                known.push((phrase(form, false)?, Kind::Name, pseudonym.clone()));
                // Records often write surnames, or whole names, in capitals.
                let capitals = form.to_uppercase();
                if capitals != form {
                    known.push((phrase(&capitals, false)?, Kind::Name, pseudonym.clone()));
                }
                let lower_first = form.chars().next().is_some_and(char::is_lowercase);
                if lower_first {
                    known.push((phrase(form, true)?, Kind::Name, pseudonym.clone()));
                }
            }
        }
        for place in &gazetteer.places {
            let name = place.name.trim();
            if name.is_empty() {
                continue;
            }
            let (kind, suggestion) = match place.kind {
                PlaceKind::School => (Kind::School, "the child's school"),
                PlaceKind::Gp => (Kind::Gp, "the family's GP practice"),
                PlaceKind::Other => (Kind::Place, "a local place"),
            };
            known.push((phrase(name, true)?, kind, suggestion.to_owned()));
            // People call a place by its distinctive words alone ("Heathside" for Heathside
            // Primary School), and a surgery by its street ("Millrace Lane", or "Millrace").
            for short in short_forms(name) {
                if seen.insert((short.to_lowercase(), kind)) {
                    known.push((phrase(&short, false)?, kind, suggestion.to_owned()));
                }
            }
        }
        for condition in RARE_CONDITIONS
            .iter()
            .copied()
            .chain(gazetteer.conditions.iter().map(String::as_str))
        {
            let condition = condition.trim();
            if condition.is_empty() || !seen.insert((condition.to_lowercase(), Kind::Condition)) {
                continue;
            }
            known.push((
                phrase(condition, true)?,
                Kind::Condition,
                "a rare health condition".to_owned(),
            ));
        }
        let titles = TITLES;
        Ok(Self {
            known,
            numeric_date: regex(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})\b", false),
            written_date: regex(
                &format!(
                    r"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTHS})\.?,?\s+(\d{{4}})\b"
                ),
                true,
            ),
            american_date: regex(
                &format!(r"\b({MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"),
                true,
            ),
            iso_date: regex(r"\b(\d{4})-(\d{2})-(\d{2})\b", false),
            day_month: regex(
                &format!(r"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTHS})\b"),
                true,
            ),
            postcode: regex(
                r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})\b",
                true,
            ),
            address: regex(
                r"\b(?:(?:Flat|Apartment|Unit)\s+\d+[A-Za-z]?,?\s+)?\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z'’]+\s+){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Close|Drive|Way|Crescent|Court|Place|Gardens|Terrace|Grove|Hill|Square|Walk|Row|Mews|Rise|View|Parade|Green|Vale|Park)\b",
                false,
            ),
            phone: regex(
                r"(?:\+44\s?(?:\(0\)\s?)?|\(0|\b0)\d{1,4}\)?(?:[\s\-]?\d){5,9}\b",
                false,
            ),
            nhs: regex(r"\b\d{3}[\s\-]?\d{3}[\s\-]?\d{4}\b", false),
            ni: regex(
                // Any two letters: HMRC's own example prefix (QQ) is not issued but still
                // appears in records, and flagging too much is the safer error here.
                r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b",
                false,
            ),
            email: regex(
                r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}\b",
                false,
            ),
            titled: regex(
                &format!(r"\b(?:{titles})\.?\s+[A-Z][a-zA-Z'’\-]+(?:\s+[A-Z][a-zA-Z'’\-]+)?"),
                false,
            ),
            school: regex(
                r"\b(?:St\.?\s+)?(?:[A-Z][a-z'’]+\s+){1,4}(?:(?:Primary|Infant|Infants|Junior|Nursery|Secondary|High|Grammar|Community|Church of England|C of E|CE|RC|Catholic)\s+){0,3}(?:School|Academy|College|Nursery)\b",
                false,
            ),
            gp: regex(
                r"\b(?:[A-Z][a-z'’]+\s+){1,4}(?:Surgery|Medical Centre|Medical Center|Health Centre|Medical Practice|Family Practice|Group Practice)\b",
                false,
            ),
            // A name in brackets after a role: "Mother (Jane Smith)", "the health visitor (Ann)".
            bracketed: regex(
                r"\(([A-Z][a-z'’\-]+(?:\s+[A-Z][a-zA-Z'’\-]+){0,2})\)",
                false,
            ),
            role_before: regex(
                &format!(r"\b(?:{ROLES})(?:['’]s)?\s*(?:[a-z]+\s+){{0,1}}$"),
                true,
            ),
            // A surname written in capitals after a first name ("Jane SMITH"), possessive or not.
            capital_surname: regex(
                r"\b([A-Z][a-z'’\-]+)\s+([A-Z]{2}[A-Z'’\-]*[A-Z])(?:['’][sS])?\b",
                false,
            ),
            // Or before it, as records list people: "SMITH, Jane".
            surname_first: regex(r"\b([A-Z]{3,}[A-Z'’\-]*),\s+([A-Z][a-z'’\-]+)\b", false),
            // An address that starts with a flat or a house name: "Flat 4, Harbour House, Quay
            // Street", "Rose Cottage, Mill Lane".
            named_house: {
                let house = r"(?:[A-Z][a-z'’]+\s+){1,3}(?:House|Court|Lodge|Cottage|Cottages|Mansions|Tower|Heights|Buildings|Farm|Villa|Villas|Hall)\b";
                let street = format!(
                    r"(?:\d{{1,4}}[A-Za-z]?,?\s+)?(?:[A-Z][a-z'’]+\s+){{1,3}}(?:{STREETS})\b"
                );
                let flat = r"(?:Flat|Apartment|Apt|Unit|Room|Studio)\s+\d+[A-Za-z]?,?\s+";
                regex(
                    &format!(r"\b(?:{flat}{house}(?:,?\s+{street})?|{house},?\s+{street})"),
                    false,
                )
            },
            // A street named without a number: "moved to Alder Crescent".
            street_alone: regex(
                r"\b(?:in|on|at|to|from|into|off|near)\s+((?:[A-Z][a-z'’]+\s+){1,3}(?:Road|Street|Avenue|Lane|Close|Drive|Crescent|Terrace|Grove|Mews|Gardens))\b",
                false,
            ),
            birth_context: regex(
                r"(?:\bborn\b|\bDOB\b|\bD\.O\.B\.?|\bdate of birth\b|\bbirthday\b|\bb\.)\W{0,3}(?:on\s+)?(?:\w+\s+){0,2}$",
                true,
            ),
        })
    }

    /// `text` with every known person's name and aliases replaced by their pseudonym: the
    /// pseudonym map, applied the same way to the report, the briefing and exports. Other
    /// identifiers are left for the reviewer to judge in the scan.
    #[must_use]
    pub fn pseudonymise(&self, text: &str) -> String {
        let mut spans: Vec<(usize, usize, &str)> = Vec::new();
        for (re, kind, pseudonym) in &self.known {
            if *kind == Kind::Name {
                spans.extend(
                    re.find_iter(text)
                        .map(|m| (m.start(), m.end(), pseudonym.as_str())),
                );
            }
        }
        if spans.is_empty() {
            return text.to_owned();
        }
        // Earliest first; of two starting together, the longer (a full name before its surname).
        spans.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end, pseudonym) in spans {
            if start < at {
                continue;
            }
            out.push_str(&text[at..start]);
            out.push_str(pseudonym);
            // Keep a possessive the pattern swallowed.
            let matched = &text[start..end];
            // (in the pseudonym's case: "QUINNELL'S" becomes "Mother's").
            if let Some(tail) = ["'s", "’s", "'S", "’S"]
                .iter()
                .find(|t| matched.ends_with(*t))
            {
                out.push_str(&tail.to_lowercase());
            }
            at = end;
        }
        out.push_str(&text[at..]);
        out
    }

    /// Every identifier in `text`, in order, overlaps resolved (known names and places first,
    /// then the longer span). No identifier spans a paragraph break (a blank line): a count at
    /// the end of one table row and a name at the start of the next are not an address.
    #[must_use]
    pub fn scan(&self, text: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (offset, paragraph) in paragraphs(text) {
            hits.extend(self.scan_paragraph(paragraph).into_iter().map(|mut hit| {
                hit.start += offset;
                hit.end += offset;
                hit
            }));
        }
        // A name found by its form once ("Mother (Jane Smith)", "Lee QUINN", "Mrs Adebayo")
        // is looked for everywhere else, in part and as a possessive ("Jane's", "Quinn").
        let Some(learned) = learned_names(&hits) else {
            return hits;
        };
        let mut more: Vec<(u8, Hit)> = hits.drain(..).map(|hit| (0, hit)).collect();
        for m in learned.find_iter(text) {
            more.push((
                4,
                Hit {
                    kind: Kind::Name,
                    start: m.start(),
                    end: m.end(),
                    text: m.as_str().to_owned(),
                    suggestion: UNLISTED_NAME.to_owned(),
                },
            ));
        }
        resolve(more)
    }

    fn scan_paragraph(&self, text: &str) -> Vec<Hit> {
        let mut hits: Vec<(u8, Hit)> = Vec::new();
        let mut push = |priority: u8, kind: Kind, start: usize, end: usize, suggestion: String| {
            hits.push((
                priority,
                Hit {
                    kind,
                    start,
                    end,
                    text: text[start..end].to_owned(),
                    suggestion,
                },
            ));
        };
        for (re, kind, suggestion) in &self.known {
            for m in re.find_iter(text) {
                push(0, *kind, m.start(), m.end(), suggestion.clone());
            }
        }
        for m in self.email.find_iter(text) {
            push(1, Kind::Email, m.start(), m.end(), "[email address]".into());
        }
        for m in self.ni.find_iter(text) {
            push(
                1,
                Kind::NiNumber,
                m.start(),
                m.end(),
                "[National Insurance number]".into(),
            );
        }
        for m in self.nhs.find_iter(text) {
            let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
            let before = window_before(text, m.start(), 24);
            let labelled = before.to_lowercase().contains("nhs");
            if digits.starts_with('0') && !labelled {
                continue; // a phone number
            }
            if labelled || nhs_checksum_ok(&digits) {
                push(
                    1,
                    Kind::NhsNumber,
                    m.start(),
                    m.end(),
                    "[NHS number]".into(),
                );
            }
        }
        for m in self.phone.find_iter(text) {
            let digits = m.as_str().chars().filter(char::is_ascii_digit).count();
            if (10..=13).contains(&digits) {
                push(2, Kind::Phone, m.start(), m.end(), "[phone number]".into());
            }
        }
        for m in self.postcode.find_iter(text) {
            push(1, Kind::Postcode, m.start(), m.end(), "[postcode]".into());
        }
        for m in self.address.find_iter(text) {
            push(
                1,
                Kind::Address,
                m.start(),
                m.end(),
                "the family home".into(),
            );
        }
        for m in self.named_house.find_iter(text) {
            push(
                1,
                Kind::Address,
                m.start(),
                m.end(),
                "the family home".into(),
            );
        }
        for c in self.street_alone.captures_iter(text) {
            if let Some(street) = c.get(1) {
                push(
                    2,
                    Kind::Address,
                    street.start(),
                    street.end(),
                    "the family home".into(),
                );
            }
        }
        self.dates(text, &mut push);
        self.unlisted_names(text, &mut push);
        for m in self.titled.find_iter(text) {
            push(3, Kind::Name, m.start(), m.end(), UNLISTED_NAME.into());
        }
        for m in self.school.find_iter(text) {
            if m.as_str().split_whitespace().count() >= 2 {
                push(
                    3,
                    Kind::School,
                    m.start(),
                    m.end(),
                    "the child's school".into(),
                );
            }
        }
        for m in self.gp.find_iter(text) {
            push(
                3,
                Kind::Gp,
                m.start(),
                m.end(),
                "the family's GP practice".into(),
            );
        }
        resolve(hits)
    }

    /// Names the gazetteer does not hold, by how reviewers write them: in brackets after a
    /// role, and with the surname in capitals.
    fn unlisted_names(&self, text: &str, push: &mut impl FnMut(u8, Kind, usize, usize, String)) {
        for c in self.bracketed.captures_iter(text) {
            let (Some(all), Some(name)) = (c.get(0), c.get(1)) else {
                continue;
            };
            if self
                .role_before
                .is_match(window_before(text, all.start(), 40))
            {
                push(
                    3,
                    Kind::Name,
                    name.start(),
                    name.end(),
                    UNLISTED_NAME.into(),
                );
            }
        }
        let is_surname = |word: &str| {
            let bare = word.trim_end_matches(['\'', '’']);
            bare.chars().count() >= 3
                && !ACRONYMS.contains(&bare)
                && bare.chars().any(|c| "AEIOUY".contains(c))
        };
        for c in self.capital_surname.captures_iter(text) {
            let (Some(all), Some(first), Some(surname)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            if is_surname(surname.as_str()) && !FUNCTION_WORDS.contains(&first.as_str()) {
                push(3, Kind::Name, all.start(), all.end(), UNLISTED_NAME.into());
            }
        }
        for c in self.surname_first.captures_iter(text) {
            let (Some(all), Some(surname)) = (c.get(0), c.get(1)) else {
                continue;
            };
            if is_surname(surname.as_str()) {
                push(3, Kind::Name, all.start(), all.end(), UNLISTED_NAME.into());
            }
        }
    }

    fn dates(&self, text: &str, push: &mut impl FnMut(u8, Kind, usize, usize, String)) {
        // A day and month without a year is still an exact date (the year is usually nearby).
        for c in self.day_month.captures_iter(text) {
            let (Some(all), Some(m)) = (c.get(0), c.get(2)) else {
                continue;
            };
            let day: u32 = c.get(1).map_or(0, |d| d.as_str().parse().unwrap_or(0));
            if (1..=31).contains(&day) {
                let month = month_name(m.as_str()).unwrap_or("the month");
                push(2, Kind::Date, all.start(), all.end(), month.to_owned());
            }
        }
        let mut emit = |start: usize, end: usize, month: Option<&str>, year: &str| {
            let year = if year.len() == 2 {
                let y: u32 = year.parse().unwrap_or(0);
                format!("{}", if y > 40 { 1900 + y } else { 2000 + y })
            } else {
                year.to_owned()
            };
            let before = window_before(text, start, 40);
            if self.birth_context.is_match(before) {
                push(1, Kind::DateOfBirth, start, end, format!("born in {year}"));
            } else {
                let suggestion = match month {
                    Some(m) => format!("{m} {year}"),
                    None => year,
                };
                push(1, Kind::Date, start, end, suggestion);
            }
        };
        for c in self.numeric_date.captures_iter(text) {
            let (Some(all), Some(d), Some(m), Some(y)) = (c.get(0), c.get(1), c.get(2), c.get(3))
            else {
                continue;
            };
            let (day, month): (u32, u32) = (
                d.as_str().parse().unwrap_or(0),
                m.as_str().parse().unwrap_or(0),
            );
            if !(1..=31).contains(&day) || !(1..=12).contains(&month) {
                continue;
            }
            let name = month_name(
                [
                    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                    "dec",
                ][month as usize - 1],
            );
            emit(all.start(), all.end(), name, y.as_str());
        }
        for c in self.written_date.captures_iter(text) {
            if let (Some(all), Some(m), Some(y)) = (c.get(0), c.get(2), c.get(3)) {
                emit(all.start(), all.end(), month_name(m.as_str()), y.as_str());
            }
        }
        for c in self.american_date.captures_iter(text) {
            if let (Some(all), Some(m), Some(y)) = (c.get(0), c.get(1), c.get(3)) {
                emit(all.start(), all.end(), month_name(m.as_str()), y.as_str());
            }
        }
        for c in self.iso_date.captures_iter(text) {
            let (Some(all), Some(y), Some(m)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            let month: usize = m.as_str().parse().unwrap_or(0);
            if (1..=12).contains(&month) {
                let name = month_name(
                    [
                        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                        "nov", "dec",
                    ][month - 1],
                );
                emit(all.start(), all.end(), name, y.as_str());
            }
        }
    }
}

/// Whether ten digits pass the NHS number's modulus 11 check.
#[must_use]
pub fn nhs_checksum_ok(digits: &str) -> bool {
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 10 {
        return false;
    }
    let sum: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, v)| v * (10 - i as u32))
        .sum();
    let check = 11 - (sum % 11);
    let check = if check == 11 { 0 } else { check };
    check != 10 && check == d[9]
}

/// Many whole phrases (a nation's review titles), each replaced by one wording, found in one
/// pass: a single alternation, the longest phrases first, in any case, on word boundaries where
/// a phrase starts or ends with a letter or digit. Thousands of phrases cost one search of the
/// text, where a [`Scanner`] searches once for each name it knows.
#[derive(Debug)]
pub struct PhraseSet {
    re: Option<Regex>,
    replacement: String,
}

impl PhraseSet {
    /// # Errors
    /// When the phrases together are too long to search for.
    pub fn new(phrases: &[&str], replacement: &str) -> Result<Self, GazetteerError> {
        let mut sorted: Vec<&str> = phrases
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect();
        sorted.sort_by_key(|p| std::cmp::Reverse(p.len()));
        sorted.dedup();
        if sorted.is_empty() {
            return Ok(Self {
                re: None,
                replacement: replacement.to_owned(),
            });
        }
        let alternatives: Vec<String> = sorted.iter().map(|p| word_pattern(p)).collect();
        let re = RegexBuilder::new(&format!("(?:{})", alternatives.join("|")))
            .case_insensitive(true)
            .size_limit(256 << 20)
            .build()
            .map_err(|e| {
                GazetteerError(format!(
                    "{} phrases are too many to search for: {e}",
                    sorted.len()
                ))
            })?;
        Ok(Self {
            re: Some(re),
            replacement: replacement.to_owned(),
        })
    }

    /// `text` with every phrase replaced.
    #[must_use]
    pub fn replace(&self, text: &str) -> String {
        match &self.re {
            Some(re) => re
                .replace_all(text, regex::NoExpand(&self.replacement))
                .into_owned(),
            None => text.to_owned(),
        }
    }
}

/// Keeps the best of overlapping hits: higher priority (lower number) first, then the longer.
/// Replaces organisations' own names with what published documents call them ("Millrace Lane
/// Surgery" becomes "the GP practice"): whole names only, in any case, possessives kept, a
/// doubled "the" avoided, and a capital where the name started a sentence.
#[derive(Debug, Default)]
pub struct Renamer {
    names: Vec<(Regex, String)>,
}

impl Renamer {
    /// Compiles the renamer; the longest names first, so a name within another is not cut out
    /// of it.
    ///
    /// # Errors
    /// When a name is too long to search for (it is named).
    pub fn new(names: &[(String, String)]) -> Result<Self, GazetteerError> {
        let mut sorted: Vec<&(String, String)> = names
            .iter()
            .filter(|(name, _)| !name.trim().is_empty())
            .collect();
        sorted.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        let names = sorted
            .into_iter()
            .map(|(name, replacement)| Ok((phrase(name.trim(), true)?, replacement.clone())))
            .collect::<Result<_, GazetteerError>>()?;
        Ok(Self { names })
    }

    /// `text` with every name replaced.
    #[must_use]
    pub fn rename(&self, text: &str) -> String {
        let mut spans: Vec<(usize, usize, &str)> = Vec::new();
        for (re, replacement) in &self.names {
            for m in re.find_iter(text) {
                if spans.iter().all(|s| m.end() <= s.0 || m.start() >= s.1) {
                    spans.push((m.start(), m.end(), replacement));
                }
            }
        }
        if spans.is_empty() {
            return text.to_owned();
        }
        spans.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end, replacement) in spans {
            out.push_str(&text[at..start]);
            let mut replacement = replacement;
            let written = out.trim_end();
            let after_the = written
                .rsplit(char::is_whitespace)
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("the"));
            if after_the && let Some(rest) = replacement.strip_prefix("the ") {
                replacement = rest;
            }
            let starts_sentence =
                written.is_empty() || written.ends_with(['.', '!', '?', ':', '\n']);
            let mut chars = replacement.chars();
            match chars.next() {
                Some(first) if starts_sentence => {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
                _ => out.push_str(replacement),
            }
            let matched = &text[start..end];
            if let Some(tail) = ["'s", "’s", "'S", "’S"]
                .iter()
                .find(|t| matched.ends_with(*t))
            {
                out.push_str(&tail.to_lowercase());
            }
            at = end;
        }
        out.push_str(&text[at..]);
        out
    }
}

/// The suggestion for a name found by its form rather than from the gazetteer.
const UNLISTED_NAME: &str = "[name or role]";

/// Titles before a name.
const TITLES: &str =
    "Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Nurse|Sister|PC|DC|DS|DI|Sgt|Sergeant|Constable|Cllr|Rev";

/// A pattern for every form of the names found by their form in `hits`: the whole name and
/// each part of three letters or more, as written and, for capitals, as a name is usually
/// written ("QUINN" and "Quinn"); `None` when there are none.
fn learned_names(hits: &[Hit]) -> Option<Regex> {
    let titles: Vec<&str> = TITLES.split('|').collect();
    let mut forms: Vec<String> = Vec::new();
    for hit in hits
        .iter()
        .filter(|h| h.kind == Kind::Name && h.suggestion == UNLISTED_NAME)
    {
        let words: Vec<&str> = hit
            .text
            .split(|c: char| c.is_whitespace() || c == ',')
            .map(|w| {
                w.trim_end_matches(['.'])
                    .trim_end_matches("'s")
                    .trim_end_matches("’s")
                    .trim_end_matches("'S")
                    .trim_end_matches("’S")
            })
            .filter(|w| !w.is_empty() && !titles.contains(w))
            .collect();
        if words.is_empty() {
            continue;
        }
        forms.push(words.join(" "));
        for word in words.iter().filter(|w| w.chars().count() >= 3) {
            if FUNCTION_WORDS.contains(word) || ACRONYMS.contains(word) {
                continue;
            }
            forms.push((*word).to_owned());
            // Records write a surname in capitals as often as not, and reports take it back.
            let capitals = word.to_uppercase();
            if capitals != *word {
                forms.push(capitals);
            }
            if word.chars().all(|c| !c.is_lowercase()) {
                let mut chars = word.chars();
                let titled: String = chars
                    .next()
                    .into_iter()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect();
                forms.push(titled);
            }
        }
    }
    if forms.is_empty() {
        return None;
    }
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    forms.dedup();
    let alternatives: Vec<String> = forms
        .iter()
        .map(|f| {
            f.split_whitespace()
                .map(regex::escape)
                .collect::<Vec<_>>()
                .join(r"\s+")
        })
        .collect();
    RegexBuilder::new(&format!(r"\b(?:{})(?:['’][sS])?\b", alternatives.join("|")))
        .build()
        .ok()
}

fn resolve(mut hits: Vec<(u8, Hit)>) -> Vec<Hit> {
    hits.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then((b.1.end - b.1.start).cmp(&(a.1.end - a.1.start)))
            .then(a.1.start.cmp(&b.1.start))
    });
    let mut kept: Vec<Hit> = Vec::new();
    for (_, hit) in hits {
        if kept
            .iter()
            .all(|k| hit.end <= k.start || hit.start >= k.end)
        {
            kept.push(hit);
        }
    }
    kept.sort_by_key(|h| (h.start, h.end));
    kept
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_identifier_never_spans_a_paragraph_break() {
        let scanner = Scanner::new(&Gazetteer::default()).expect("compiles");
        let text = "Agency | Members\n\nChildren's Services | 6\n\nMillrace Lane Surgery | 1\n\n\
                    She lived at 6 Millrace Lane.";
        let hits = scanner.scan(text);
        let found: Vec<(Kind, &str)> = hits.iter().map(|h| (h.kind, h.text.as_str())).collect();
        assert_eq!(
            found,
            [
                (Kind::Gp, "Millrace Lane Surgery"),
                (Kind::Address, "6 Millrace Lane")
            ]
        );
        for hit in &hits {
            assert_eq!(
                &text[hit.start..hit.end],
                hit.text,
                "offsets are into the whole text"
            );
        }
    }

    #[test]
    fn pseudonyms_replace_full_names_parts_and_aliases_consistently() {
        let gazetteer = Gazetteer {
            people: vec![Person {
                name: "Kayden Marsh".into(),
                aliases: vec!["KJ".into()],
                pseudonym: "Child W".into(),
            }],
            ..Gazetteer::default()
        };
        let scanner = Scanner::new(&gazetteer).expect("compiles");
        assert_eq!(
            scanner.pseudonymise("Kayden Marsh's nursery saw KJ; Marsh was quiet. Kaydenx stays."),
            "Child W's nursery saw Child W; Child W was quiet. Kaydenx stays."
        );
        assert_eq!(
            scanner.pseudonymise("nothing to change"),
            "nothing to change"
        );
    }

    #[test]
    fn names_in_capitals_and_possessives_are_found_and_replaced() {
        let gazetteer = Gazetteer {
            people: vec![Person {
                name: "Dani Quinnell".into(),
                aliases: Vec::new(),
                pseudonym: "Mother".into(),
            }],
            ..Gazetteer::default()
        };
        let scanner = Scanner::new(&gazetteer).expect("compiles");
        let text = "QUINNELL's school called; Dani's partner and DANI QUINNELL'S sister came.";
        assert_eq!(
            scanner.pseudonymise(text),
            "Mother's school called; Mother's partner and Mother's sister came."
        );
        let names: Vec<&str> = (scanner.scan(text).into_iter())
            .filter(|h| h.kind == Kind::Name)
            .map(|h| &text[h.start..h.end])
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
        // Capitals of a name are not a lower-case word: "rose" stays a verb.
        let rose = Scanner::new(&Gazetteer {
            people: vec![Person {
                name: "Rose".into(),
                aliases: Vec::new(),
                pseudonym: "Sibling".into(),
            }],
            ..Gazetteer::default()
        })
        .expect("compiles");
        assert_eq!(
            rose.pseudonymise("ROSE rose early; Rose's cot"),
            "Sibling rose early; Sibling's cot"
        );
    }

    use super::*;

    #[test]
    fn a_name_ending_in_a_bracket_is_still_found() {
        let renamer = Renamer::new(&[(
            "Kestrelford Community Health NHS Trust (0-19 service)".to_owned(),
            "the health visiting service".to_owned(),
        )])
        .expect("compiles");
        assert_eq!(
            renamer.rename("Kestrelford Community Health NHS Trust (0-19 service) visited."),
            "The health visiting service visited."
        );
    }

    #[test]
    fn organisations_are_renamed_whole_with_their_possessives_and_sentence_capitals() {
        let renamer = Renamer::new(&[
            (
                "Millrace Lane Surgery".to_owned(),
                "the GP practice".to_owned(),
            ),
            (
                "Thornbank Primary School".to_owned(),
                "the school".to_owned(),
            ),
            (
                "Kestrelshire Constabulary".to_owned(),
                "the police".to_owned(),
            ),
        ])
        .expect("compiles");
        assert_eq!(
            renamer.rename(
                "Millrace Lane Surgery's notes reached the Thornbank Primary School. \
                 KESTRELSHIRE CONSTABULARY called; Millrace Lane was closed."
            ),
            "The GP practice's notes reached the school. The police called; Millrace Lane was closed."
        );
    }

    #[test]
    fn nhs_checksum() {
        assert!(nhs_checksum_ok("9434765919"));
        assert!(!nhs_checksum_ok("9434765918"));
    }

    #[test]
    fn offsets_are_bytes_and_text_matches() {
        let text = "Café visit on 3 March 2019 – Mrs Okafor rang 07700 900123.";
        let hits = Scanner::new(&Gazetteer::default())
            .expect("compiles")
            .scan(text);
        for h in &hits {
            assert_eq!(&text[h.start..h.end], h.text);
        }
        let kinds: Vec<Kind> = hits.iter().map(|h| h.kind).collect();
        assert_eq!(kinds, [Kind::Date, Kind::Name, Kind::Phone], "{hits:?}");
        assert_eq!(hits[0].suggestion, "March 2019");
    }

    fn scanner() -> &'static Scanner {
        static SCANNER: std::sync::OnceLock<Scanner> = std::sync::OnceLock::new();
        SCANNER.get_or_init(|| {
            Scanner::new(&Gazetteer {
                people: vec![Person {
                    name: "Jo Bloggs".into(),
                    aliases: vec!["JB".into()],
                    pseudonym: "Child J".into(),
                }],
                places: vec![Place {
                    name: "Elm Primary".into(),
                    kind: PlaceKind::School,
                }],
                conditions: vec!["rare thing".into()],
            })
            .expect("compiles")
        })
    }

    #[test]
    fn an_entry_too_long_to_search_for_is_named() {
        let gazetteer = Gazetteer {
            conditions: vec!["x".repeat(2_000_000)],
            ..Gazetteer::default()
        };
        let error = Scanner::new(&gazetteer).expect_err("too long");
        assert!(
            error.to_string().contains("too long to search for"),
            "{error}"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_scans_without_panic_and_spans_are_valid(text in "\\PC{0,300}") {
            for hit in scanner().scan(&text) {
                proptest::prop_assert!(text.is_char_boundary(hit.start) && text.is_char_boundary(hit.end));
                proptest::prop_assert_eq!(&text[hit.start..hit.end], hit.text.as_str());
            }
        }
    }
}
