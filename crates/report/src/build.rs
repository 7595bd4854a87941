//! From a review's records to the report and the briefing, in the structure SCIE-model reports
//! follow. Dates are given as month and year: an exact date helps identify a family.

use crate::chart;
use crate::model::{Block, Document, DocumentKind, Figure, FindingBlock, Part, Table};
use crate::template::{Placeholders, Template, Wording};
use casewindow_domain::analysis::{Direction, KeyPracticeEpisode, Rating};
use casewindow_domain::evidence::NarrativeSection;
use casewindow_domain::findings::{Finding, Polarity};
use casewindow_domain::organisation::{Agency, Partnership};
use casewindow_domain::participation::{Participation, Role, Subject};
use casewindow_domain::response::PartnershipResponse;
use casewindow_domain::review::{Review, TermsOfReference};
use chrono::NaiveDate;

/// The records a report is made from. Nothing here is restricted data: no conversation records,
/// chronology entries or identities.
#[derive(Clone, Debug)]
pub struct ReportInput {
    pub partnership: Partnership,
    pub review: Review,
    pub terms: Option<TermsOfReference>,
    pub agencies: Vec<Agency>,
    pub participants: Vec<Participation>,
    pub subjects: Vec<Subject>,
    /// The sex recorded for subjects (sealed in the vault; opened to draw the genogram).
    pub sexes: std::collections::HashMap<
        casewindow_domain::ids::SubjectId,
        casewindow_domain::identity::Sex,
    >,
    pub narrative: Vec<NarrativeSection>,
    pub kpes: Vec<KeyPracticeEpisode>,
    pub findings: Vec<Finding>,
    pub responses: Vec<PartnershipResponse>,
    /// Meetings with the case group, for the disagreements that stand.
    pub meetings: Vec<casewindow_domain::collaboration::Meeting>,
    /// The day the document is generated.
    pub generated_on: NaiveDate,
}

impl ReportInput {
    /// The records of an exported review document.
    pub fn from_document(
        document: &casewindow_interchange::ReviewDocument,
        generated_on: NaiveDate,
    ) -> Self {
        fn records<T: Clone>(entries: &[casewindow_interchange::Entry<T>]) -> Vec<T> {
            entries.iter().map(|e| e.record.clone()).collect()
        }
        Self {
            partnership: document.partnership.clone(),
            review: document.review.record.clone(),
            terms: document
                .terms_of_reference
                .as_ref()
                .map(|e| e.record.clone()),
            agencies: document.agencies.clone(),
            participants: records(&document.participants),
            subjects: records(&document.subjects),
            sexes: std::collections::HashMap::new(),
            narrative: records(&document.narrative),
            kpes: records(&document.key_practice_episodes),
            findings: records(&document.findings),
            responses: records(&document.responses),
            meetings: records(&document.meetings),
            generated_on,
        }
    }

    fn placeholders(&self) -> Placeholders<'_> {
        Placeholders {
            review: &self.review.title,
            partnership: &self.partnership.name,
            kind: self.review.kind.label(),
        }
    }

    fn marking(&self) -> String {
        if self.review.anonymisation_sign_off.is_some() {
            "Checked for identifying details".to_owned()
        } else {
            "Draft: not checked for identifying details, not for publication".to_owned()
        }
    }

    fn meta(&self) -> Vec<String> {
        let mut meta = vec![
            self.partnership.name.clone(),
            self.review.kind.label().to_owned(),
        ];
        if let (Some(start), Some(end)) = (self.review.period_start, self.review.period_end) {
            meta.push(format!(
                "Period reviewed: {} to {}",
                month_year(start),
                month_year(end)
            ));
        }
        meta.push(format!(
            "Generated {}",
            self.generated_on.format("%-d %B %Y")
        ));
        meta
    }

    /// Findings in report order.
    fn ordered_findings(&self) -> Vec<&Finding> {
        let mut findings: Vec<&Finding> = self.findings.iter().collect();
        findings.sort_by_key(|f| (f.position, f.id.0));
        findings
    }

    /// What the documents call an agency: its publication name (never its own name, which can
    /// identify the family), numbered where two agencies would read the same.
    pub fn agency_name(&self, id: casewindow_domain::ids::AgencyId) -> String {
        let Some(agency) = self.agencies.iter().find(|a| a.id == id) else {
            return "An agency".to_owned();
        };
        let name = agency.published_name();
        let alike: Vec<_> = self
            .agencies
            .iter()
            .filter(|a| a.published_name().eq_ignore_ascii_case(&name))
            .collect();
        match alike.iter().position(|a| a.id == id) {
            Some(at) if alike.len() > 1 => format!("{name} ({})", at + 1),
            _ => name,
        }
    }

    /// What the documents call a participant: their label ("Social worker A").
    pub fn participant_label(&self, id: casewindow_domain::ids::ParticipationId) -> String {
        self.participants
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| "A participant".to_owned(), |p| p.label.clone())
    }
}

/// "March 2019".
pub fn month_year(date: NaiveDate) -> String {
    date.format("%B %Y").to_string()
}

/// Splits text into paragraphs at blank lines; lines within a paragraph are joined.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                out.push(current.join(" "));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join(" "));
    }
    out
}

fn push_paragraphs(blocks: &mut Vec<Block>, text: &str) {
    blocks.extend(
        paragraphs(text)
            .into_iter()
            .map(|text| Block::Paragraph { text }),
    );
}

/// Standard wording from the template, placeholders filled, as paragraphs.
fn push_wording(blocks: &mut Vec<Block>, text: &str, values: &Placeholders<'_>) {
    blocks.extend(
        Wording::paragraphs(text, values)
            .into_iter()
            .map(|text| Block::Paragraph { text }),
    );
}

fn heading(level: u8, text: &str) -> Block {
    Block::Heading {
        level,
        text: text.to_owned(),
    }
}

fn pattern_text(finding: &Finding) -> String {
    match (finding.pattern, finding.secondary_pattern) {
        (Some(p), Some(s)) => format!("{p} (also {s})"),
        (Some(p), None) => p.to_string(),
        (None, _) => "Not yet classified".to_owned(),
    }
}

fn polarity_text(polarity: Option<Polarity>) -> &'static str {
    match polarity {
        Some(Polarity::Unsafe) => "Unsafe",
        Some(Polarity::Constructive) => "Constructive",
        None => "Not yet decided",
    }
}

fn rating_text(rating: Rating) -> &'static str {
    match rating {
        Rating::Good => "good practice",
        Rating::Adequate => "adequate practice",
        Rating::Problematic => "problematic practice",
        Rating::CannotJudge => "the team could not judge the practice",
    }
}

/// The finding in the report's template.
fn finding_block(number: u32, finding: &Finding, input: &ReportInput) -> FindingBlock {
    let mut parts = Vec::new();
    let mut part = |label: &str, paragraphs: Vec<String>| {
        if !paragraphs.is_empty() {
            parts.push(Part {
                label: label.to_owned(),
                paragraphs,
            });
        }
    };
    part("Introduction", paragraphs(&finding.context));
    part("How did the issue feature in this case?", {
        let mut text = paragraphs(&finding.manifestation);
        let episodes: Vec<String> = input
            .kpes
            .iter()
            .filter(|k| finding.kpe_ids.contains(&k.id))
            .map(|k| format!("episode {} ({})", k.position, k.title))
            .collect();
        if !episodes.is_empty() {
            text.push(format!(
                "It is drawn from key practice {}.",
                join_words(&episodes)
            ));
        }
        text
    });
    part(
        "How do we know it is not a one-off?",
        finding
            .generality_evidence
            .iter()
            .map(|e| {
                if e.reference.trim().is_empty() {
                    e.description.trim().to_owned()
                } else {
                    format!("{} ({})", e.description.trim(), e.reference.trim())
                }
            })
            .collect(),
    );
    part(
        "Why does it matter for the safety of children?",
        paragraphs(&finding.why_it_matters),
    );
    if let Some(response) = input.responses.iter().find(|r| r.finding_id == finding.id) {
        part("The partnership's response", paragraphs(&response.response));
    }
    FindingBlock {
        number,
        statement: finding.statement.trim().to_owned(),
        pattern: pattern_text(finding),
        polarity: polarity_text(finding.polarity).to_owned(),
        parts,
        questions: finding
            .questions
            .iter()
            .map(|q| q.trim().to_owned())
            .collect(),
    }
}

/// `text` with its first letter a capital, for a name that starts a cell or a sentence.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {}", rest.join(", "), last),
    }
}

/// The review report.
pub fn report(input: &ReportInput, template: &Template) -> Document {
    let wording = &template.wording;
    let values = input.placeholders();
    let mut blocks = vec![Block::Contents, Block::PageBreak];

    blocks.push(heading(1, "Introduction"));
    push_wording(&mut blocks, &wording.introduction, &values);
    blocks.push(heading(2, "Why this case was chosen"));
    match &input.terms {
        Some(terms) if !terms.purpose.trim().is_empty() => {
            push_paragraphs(&mut blocks, &terms.purpose);
            if !terms.proportionality_rationale.trim().is_empty() {
                push_paragraphs(&mut blocks, &terms.proportionality_rationale);
            }
        }
        _ => blocks.push(Block::Paragraph {
            text: "The terms of reference have not yet recorded why this case was chosen."
                .to_owned(),
        }),
    }

    blocks.push(heading(1, "Methodology"));
    push_wording(&mut blocks, &wording.methodology, &values);
    blocks.push(Block::Labelled {
        label: "Method used".to_owned(),
        text: input.review.methodology.label(),
    });

    blocks.push(heading(1, "Terms of reference and research questions"));
    match &input.terms {
        Some(terms) => {
            if terms.research_questions.is_empty() {
                blocks.push(Block::Paragraph {
                    text: "No research questions have been recorded yet.".to_owned(),
                });
            } else {
                blocks.push(Block::Paragraph {
                    text: "The review set out to answer these questions:".to_owned(),
                });
                blocks.push(Block::Numbered {
                    items: terms
                        .research_questions
                        .iter()
                        .map(|q| q.trim().to_owned())
                        .collect(),
                });
            }
            if !terms.timescales.trim().is_empty() {
                blocks.push(Block::Labelled {
                    label: "Timescales".to_owned(),
                    text: terms.timescales.trim().to_owned(),
                });
            }
            if let Some(agreed) = terms.agreed_on {
                blocks.push(Block::Labelled {
                    label: "Agreed by the partnership".to_owned(),
                    text: month_year(agreed),
                });
            }
        }
        None => blocks.push(Block::Paragraph {
            text: "The terms of reference have not been written yet.".to_owned(),
        }),
    }

    blocks.extend(participation_section(input));
    blocks.extend(family_section(input, wording, &values));
    blocks.extend(narrative_section(input));
    blocks.extend(analysis_section(input, wording, &values));

    blocks.push(heading(1, "Findings"));
    push_wording(&mut blocks, &wording.findings, &values);
    let findings = input.ordered_findings();
    if findings.is_empty() {
        blocks.push(Block::Paragraph {
            text: "No findings have been written yet.".to_owned(),
        });
    }
    for (idx, finding) in findings.iter().enumerate() {
        let number = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        blocks.push(Block::Finding(finding_block(number, finding, input)));
    }

    blocks.extend(differing_views(input, &findings));

    blocks.push(heading(1, "Questions for the partnership"));
    push_wording(&mut blocks, &wording.questions, &values);
    let mut any_question = false;
    for (idx, finding) in findings.iter().enumerate() {
        if finding.questions.is_empty() {
            continue;
        }
        any_question = true;
        blocks.push(heading(3, &format!("Finding {}", idx + 1)));
        blocks.push(Block::Numbered {
            items: finding
                .questions
                .iter()
                .map(|q| q.trim().to_owned())
                .collect(),
        });
    }
    if !any_question {
        blocks.push(Block::Paragraph {
            text: "No questions have been written yet.".to_owned(),
        });
    }

    blocks.push(heading(1, "Appendix A: the findings in the typology"));
    blocks.push(Block::Figure(chart::typology_figure(&input.findings)));
    blocks.push(heading(1, "Appendix B: the method"));
    push_wording(&mut blocks, &wording.method_appendix, &values);
    blocks.push(heading(1, "Appendix C: glossary"));
    for entry in &wording.glossary {
        blocks.push(Block::Labelled {
            label: entry.term.trim().to_owned(),
            text: entry.meaning.trim().to_owned(),
        });
    }
    if let Some(figure) = crate::genogram::genogram_figure(&input.subjects, &input.sexes) {
        blocks.push(heading(1, "Appendix D: the family"));
        blocks.push(Block::Paragraph {
            text: "The people in this review and how they are related, by pseudonym, drawn from \
                   the review's records; the table after the drawing says the same in words."
                .to_owned(),
        });
        blocks.push(Block::Figure(figure));
    }

    Document {
        kind: DocumentKind::Report,
        title: input.review.title.clone(),
        subtitle: format!("{}: report", input.review.kind.label()),
        meta: input.meta(),
        marking: input.marking(),
        blocks,
    }
}

fn participation_section(input: &ReportInput) -> Vec<Block> {
    let mut blocks = vec![heading(1, "Review team and participation")];
    let team: Vec<Vec<String>> = input
        .participants
        .iter()
        .filter(|p| {
            matches!(
                p.role,
                Role::LeadReviewer | Role::CoReviewer | Role::ReviewTeamMember
            )
        })
        .map(|p| {
            vec![
                p.label.clone(),
                p.role.label().to_owned(),
                p.agency_id.map_or_else(
                    || "Independent".to_owned(),
                    |a| capitalised(&input.agency_name(a)),
                ),
            ]
        })
        .collect();
    if team.is_empty() {
        blocks.push(Block::Paragraph {
            text: "The review team has not been recorded yet.".to_owned(),
        });
    } else {
        blocks.push(Block::Table(Table {
            caption: "The review team".to_owned(),
            header: vec!["Member".to_owned(), "Role".to_owned(), "Agency".to_owned()],
            rows: team,
        }));
    }
    let mut agencies: Vec<(String, usize)> = Vec::new();
    for p in input
        .participants
        .iter()
        .filter(|p| p.role == Role::CaseGroupMember)
    {
        let name = p.agency_id.map_or_else(
            || "Other".to_owned(),
            |a| capitalised(&input.agency_name(a)),
        );
        match agencies.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 += 1,
            None => agencies.push((name, 1)),
        }
    }
    if agencies.is_empty() {
        blocks.push(Block::Paragraph {
            text: "No case group members have been recorded yet.".to_owned(),
        });
    } else {
        let total: usize = agencies.iter().map(|(_, n)| n).sum();
        blocks.push(Block::Paragraph {
            text: format!(
                "{total} {} from {} {} took part in the case group.",
                if total == 1 {
                    "practitioner or manager"
                } else {
                    "practitioners and managers"
                },
                agencies.len(),
                if agencies.len() == 1 {
                    "agency"
                } else {
                    "agencies"
                }
            ),
        });
        blocks.push(Block::Table(Table {
            caption: "Case group members by agency".to_owned(),
            header: vec!["Agency".to_owned(), "Members".to_owned()],
            rows: agencies
                .into_iter()
                .map(|(name, n)| vec![name, n.to_string()])
                .collect(),
        }));
    }
    blocks
}

fn family_section(input: &ReportInput, wording: &Wording, values: &Placeholders<'_>) -> Vec<Block> {
    let mut blocks = vec![heading(1, "The family's contribution")];
    push_wording(&mut blocks, &wording.family_contribution, values);
    if let Some(terms) = &input.terms {
        push_paragraphs(&mut blocks, &terms.family_involvement_plan);
    }
    let family: Vec<&Participation> = input
        .participants
        .iter()
        .filter(|p| p.role == Role::FamilyMember)
        .collect();
    let took_part: Vec<&Participation> =
        family.iter().copied().filter(|p| p.takes_part()).collect();
    blocks.push(Block::Paragraph {
        text: match (family.len(), took_part.len()) {
            (0, _) => "No family members have been recorded as invited to take part.".to_owned(),
            (_, 0) => format!(
                "{} family member{} invited; none has yet agreed to take part.",
                family.len(),
                if family.len() == 1 { " was" } else { "s were" }
            ),
            _ => format!(
                "The review heard from {}. Their views are reflected throughout the report.",
                join_words(
                    &took_part
                        .iter()
                        .map(|p| p.label.clone())
                        .collect::<Vec<_>>()
                )
            ),
        },
    });
    // What each contributed, in the reviewers' words, and who chose not to take part: their
    // choice is respected and said plainly, without reasons.
    let contributions: Vec<String> = took_part
        .iter()
        .filter(|p| !p.contribution.trim().is_empty())
        .map(|p| format!("{}: {}", p.label, p.contribution.trim()))
        .collect();
    if !contributions.is_empty() {
        blocks.push(Block::Bullets {
            items: contributions,
        });
    }
    let declined: Vec<String> = family
        .iter()
        .filter(|p| p.declined_on.is_some() && !p.takes_part())
        .map(|p| p.label.clone())
        .collect();
    if !declined.is_empty() {
        blocks.push(Block::Paragraph {
            text: format!(
                "{} chose not to take part; the review respects that choice.",
                join_words(&declined)
            ),
        });
    }
    let withdrawn: Vec<String> = family
        .iter()
        .filter(|p| p.consent.as_ref().is_some_and(|c| c.withdrawn_on.is_some()))
        .map(|p| p.label.clone())
        .collect();
    if !withdrawn.is_empty() {
        blocks.push(Block::Paragraph {
            text: format!(
                "{} later withdrew consent; what {} told the review is not used in this report.",
                join_words(&withdrawn),
                if withdrawn.len() == 1 {
                    "they"
                } else {
                    "they each"
                }
            ),
        });
    }
    blocks
}

fn narrative_section(input: &ReportInput) -> Vec<Block> {
    let mut blocks = vec![heading(1, "The case in summary")];
    let mut sections: Vec<&NarrativeSection> = input.narrative.iter().collect();
    sections.sort_by_key(|s| (s.position, s.id.0));
    if sections.is_empty() {
        blocks.push(Block::Paragraph {
            text: "The narrative has not been written yet.".to_owned(),
        });
    }
    let subjects: Vec<String> = input
        .subjects
        .iter()
        .map(|s| {
            if s.relationship.trim().is_empty() {
                s.pseudonym.clone()
            } else {
                format!("{} ({})", s.pseudonym, s.relationship.trim())
            }
        })
        .collect();
    if !subjects.is_empty() {
        blocks.push(Block::Labelled {
            label: "The family, as the report refers to them".to_owned(),
            text: subjects.join("; "),
        });
    }
    for section in sections {
        let title = if section.period.trim().is_empty() {
            section.heading.trim().to_owned()
        } else {
            format!("{} ({})", section.heading.trim(), section.period.trim())
        };
        blocks.push(heading(2, &title));
        push_paragraphs(&mut blocks, &section.body);
    }
    blocks
}

fn analysis_section(
    input: &ReportInput,
    wording: &Wording,
    values: &Placeholders<'_>,
) -> Vec<Block> {
    let mut blocks = vec![heading(1, "Analysis of key practice episodes")];
    push_wording(&mut blocks, &wording.analysis, values);
    let mut kpes: Vec<&KeyPracticeEpisode> = input.kpes.iter().collect();
    kpes.sort_by_key(|k| (k.position, k.id.0));
    if kpes.is_empty() {
        blocks.push(Block::Paragraph {
            text: "No key practice episodes have been analysed yet.".to_owned(),
        });
    }
    if let Some(figure) = episodes_timeline(input, &kpes) {
        blocks.push(Block::Figure(figure));
    }
    for kpe in kpes {
        let mut title = format!("Episode {}: {}", kpe.position, kpe.title.trim());
        if let Some(period) = kpe.period {
            let when = month_year(period.start);
            if !title.contains(&when) {
                title.push_str(&format!(" ({when})"));
            }
        }
        blocks.push(heading(2, &title));
        if !kpe.agencies.is_empty() {
            let names: Vec<String> = kpe.agencies.iter().map(|a| input.agency_name(*a)).collect();
            blocks.push(Block::Labelled {
                label: "Agencies involved".to_owned(),
                text: capitalised(&join_words(&names)),
            });
        }
        blocks.push(heading(3, "What happened"));
        push_paragraphs(&mut blocks, &kpe.what_happened);
        if !kpe.local_rationality.is_empty() {
            blocks.push(heading(3, "How it looked at the time"));
            for account in &kpe.local_rationality {
                let mut text = account.what_they_thought_was_happening.trim().to_owned();
                for extra in [
                    &account.goals,
                    &account.front_of_mind,
                    &account.competing_demands,
                ] {
                    let extra = extra.trim();
                    if !extra.is_empty() {
                        if !text.is_empty() && !text.ends_with('.') {
                            text.push('.');
                        }
                        if !text.is_empty() {
                            text.push(' ');
                        }
                        text.push_str(extra);
                    }
                }
                blocks.push(Block::Labelled {
                    label: input.participant_label(account.participant_id),
                    text,
                });
            }
        }
        let appraisal = &kpe.appraisal;
        if appraisal.rating.is_some() || !appraisal.rationale.trim().is_empty() {
            blocks.push(heading(3, "Appraisal"));
            if let Some(rating) = appraisal.rating {
                blocks.push(Block::Labelled {
                    label: "Judgement".to_owned(),
                    text: format!("The review team judged this {}.", rating_text(rating)),
                });
            }
            push_paragraphs(&mut blocks, &appraisal.rationale);
            if !appraisal.knowable_at_the_time.trim().is_empty() {
                blocks.push(Block::Labelled {
                    label: "What was knowable at the time".to_owned(),
                    text: paragraphs(&appraisal.knowable_at_the_time).join(" "),
                });
            }
        }
        if !kpe.contributory_factors.is_empty() {
            blocks.push(Block::Table(Table {
                caption: format!("Contributory factors in episode {}", kpe.position),
                header: vec![
                    "Level".to_owned(),
                    "Factor".to_owned(),
                    "Effect".to_owned(),
                    "How".to_owned(),
                ],
                rows: kpe
                    .contributory_factors
                    .iter()
                    .map(|f| {
                        vec![
                            f.level.label().to_owned(),
                            f.factor.trim().to_owned(),
                            match f.direction {
                                Direction::Supports => "Helped".to_owned(),
                                Direction::Hinders => "Hindered".to_owned(),
                            },
                            paragraphs(&f.description).join(" "),
                        ]
                    })
                    .collect(),
            }));
        }
    }
    blocks
}

/// The 7-minute briefing: one or two pages built from the findings.
pub fn briefing(input: &ReportInput, template: &Template) -> Document {
    let wording = &template.wording;
    let values = input.placeholders();
    let mut blocks = Vec::new();
    push_wording(&mut blocks, &wording.briefing_intro, &values);
    blocks.push(heading(2, "Why this review"));
    let purpose = input
        .terms
        .as_ref()
        .map(|t| first_sentences(&t.purpose, 2))
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "The terms of reference do not yet say why the case was chosen.".into());
    blocks.push(Block::Paragraph { text: purpose });
    blocks.push(heading(2, "What the review found"));
    let findings = input.ordered_findings();
    if findings.is_empty() {
        blocks.push(Block::Paragraph {
            text: "No findings have been written yet.".to_owned(),
        });
    }
    for (idx, finding) in findings.iter().enumerate() {
        blocks.push(Block::Labelled {
            label: format!(
                "Finding {} ({}, {})",
                idx + 1,
                finding
                    .pattern
                    .map_or_else(|| "not yet classified".to_owned(), |p| p.to_string()),
                polarity_text(finding.polarity).to_lowercase()
            ),
            text: finding.statement.trim().to_owned(),
        });
    }
    let questions: Vec<String> = findings
        .iter()
        .filter_map(|f| f.questions.first())
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty())
        .collect();
    if !questions.is_empty() {
        blocks.push(heading(2, "Questions to discuss"));
        blocks.push(Block::Numbered { items: questions });
    }
    blocks.push(heading(2, "What to do next"));
    push_wording(&mut blocks, &wording.briefing_close, &values);
    Document {
        kind: DocumentKind::Briefing,
        title: format!("7-minute briefing: {}", input.review.title),
        subtitle: format!(
            "{} by {}",
            input.review.kind.label(),
            input.partnership.name
        ),
        meta: vec![format!(
            "Generated {}",
            input.generated_on.format("%-d %B %Y")
        )],
        marking: input.marking(),
        blocks,
    }
}

/// Up to `count` sentences from the start of `text`, joined into one paragraph.
fn first_sentences(text: &str, count: usize) -> String {
    let joined = paragraphs(text).join(" ");
    let mut end = joined.len();
    let mut seen = 0;
    for (idx, ch) in joined.char_indices() {
        if matches!(ch, '.' | '?' | '!') && joined[idx + 1..].starts_with(' ') {
            seen += 1;
            if seen == count {
                end = idx + 1;
                break;
            }
        }
    }
    joined[..end].to_owned()
}

/// The key practice episodes over time: one lane per agency, each episode marked by its number
/// in the lanes of the agencies involved and joined across them. `None` when no episode has
/// both a period and agencies.
fn episodes_timeline(input: &ReportInput, kpes: &[&KeyPracticeEpisode]) -> Option<Figure> {
    use crate::timeline::{Mark, swimlane};
    let placed: Vec<&&KeyPracticeEpisode> = kpes
        .iter()
        .filter(|k| k.period.is_some() && !k.agencies.is_empty())
        .collect();
    if placed.is_empty() {
        return None;
    }
    let lanes: Vec<String> = input
        .agencies
        .iter()
        .map(|a| capitalised(&input.agency_name(a.id)))
        .collect();
    let mut marks = Vec::new();
    let mut joins = Vec::new();
    let mut rows = Vec::new();
    for kpe in &placed {
        let period = kpe.period?;
        let mut join = Vec::new();
        for agency in &kpe.agencies {
            let Some(lane) = input.agencies.iter().position(|a| a.id == *agency) else {
                continue;
            };
            join.push(marks.len());
            marks.push(Mark {
                lane,
                start: period.start,
                end: period.end,
                day: period.precision == casewindow_domain::evidence::DatePrecision::Day,
                label: kpe.position.to_string(),
                // No free text in the SVG: `Document::map_text` (replacing names) does not
                // reach inside it. The titles are in the table.
                tip: String::new(),
                href: String::new(),
            });
        }
        joins.push(join);
        let when = if month_year(period.start) == month_year(period.end) {
            month_year(period.start)
        } else {
            format!("{} to {}", month_year(period.start), month_year(period.end))
        };
        let names: Vec<String> = kpe.agencies.iter().map(|a| input.agency_name(*a)).collect();
        rows.push(vec![
            format!("{}: {}", kpe.position, kpe.title.trim()),
            when,
            capitalised(&join_words(&names)),
        ]);
    }
    let caption = "The key practice episodes over time, by agency".to_owned();
    Some(Figure {
        caption: caption.clone(),
        alt: format!(
            "A timeline with one lane for each agency; each of the {} key practice episodes is \
             marked by its number in the lanes of the agencies involved. The table gives the same.",
            placed.len()
        ),
        svg: swimlane(&caption, &lanes, &marks, &joins, (None, None)),
        table: Table {
            caption,
            header: vec![
                "Episode".to_owned(),
                "When".to_owned(),
                "Agencies involved".to_owned(),
            ],
            rows,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_split_at_blank_lines_and_join_lines() {
        assert_eq!(
            paragraphs("one\ntwo\n\n  \nthree\n"),
            vec!["one two".to_owned(), "three".to_owned()]
        );
        assert!(paragraphs("  \n").is_empty());
    }

    #[test]
    fn first_sentences_stop_at_the_count() {
        assert_eq!(first_sentences("A b. C d? E f.", 2), "A b. C d?");
        assert_eq!(first_sentences("No stop at all", 2), "No stop at all");
    }
}

/// Which letter to a person invited to take part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Letter {
    /// The invitation (Appendix 1).
    Invitation,
    /// The explanatory note (Appendix 2).
    Explanation,
}

/// A letter to someone invited to take part, from the template's wording, with their part in
/// the review (never a real name: the reviewer adds the address in Word).
pub fn letter(
    input: &ReportInput,
    template: &Template,
    which: Letter,
    participant: &Participation,
) -> Document {
    let date = input.generated_on.format("%-d %B %Y").to_string();
    let (title, text) = match which {
        Letter::Invitation => (
            "Invitation to take part in the review",
            &template.wording.invitation_letter,
        ),
        Letter::Explanation => (
            "About the review: a note for those invited to take part",
            &template.wording.explanatory_note,
        ),
    };
    let filled = text
        .replace("{participant}", &participant.label)
        .replace("{date}", &date);
    let values = input.placeholders();
    let blocks = Wording::paragraphs(&filled, &values)
        .into_iter()
        .map(|text| Block::Paragraph { text })
        .collect();
    Document {
        kind: DocumentKind::Briefing,
        title: title.to_owned(),
        subtitle: format!("{}: {}", input.partnership.name, input.review.title),
        meta: Vec::new(),
        marking: input.marking(),
        blocks,
    }
}

/// The disagreements that stand after testing with the case group, each with who holds which
/// view (by their part in the review, never their name) and why it stands: the method keeps
/// them rather than smoothing them over.
fn differing_views(input: &ReportInput, findings: &[&Finding]) -> Vec<Block> {
    use casewindow_domain::collaboration::{DisagreementStatus, Topic};
    let mut blocks = Vec::new();
    for meeting in &input.meetings {
        for d in &meeting.disagreements {
            if d.status != DisagreementStatus::Stands {
                continue;
            }
            let about = match d.about {
                Topic::Finding(id) => findings
                    .iter()
                    .position(|f| f.id == id)
                    .map(|i| format!("Finding {}", i + 1)),
                Topic::Kpe(id) => input
                    .kpes
                    .iter()
                    .find(|k| k.id == id)
                    .map(|k| format!("Episode {}", k.position)),
                Topic::Chronology => None,
            };
            let Some(about) = about else { continue };
            if blocks.is_empty() {
                blocks.push(heading(2, "Where views differ"));
                blocks.push(Block::Paragraph {
                    text: "Testing the analysis with the case group left these disagreements standing. Each view is recorded as it was put."
                        .to_owned(),
                });
            }
            let mut items: Vec<String> = d
                .views
                .iter()
                .map(|v| {
                    let who = input
                        .participants
                        .iter()
                        .find(|p| p.id == v.holder)
                        .map_or_else(|| "A participant".to_owned(), |p| p.label.clone());
                    format!("{who}: {}", v.view.trim())
                })
                .collect();
            if !d.resolution.trim().is_empty() {
                items.push(format!("Why it stands: {}", d.resolution.trim()));
            }
            blocks.push(heading(3, &about));
            blocks.push(Block::Bullets { items });
        }
    }
    blocks
}
