//! The parts of a report an administrator may change without a rebuild: the standard wording
//! every report of the partnership repeats, and the PDF page layout (a Typst file). Both are
//! stored as data; the defaults below are casewindow's own.

use serde::{Deserialize, Serialize};

/// The default PDF layout, in Typst. It reads the document from `report.json`.
pub const DEFAULT_LAYOUT: &str = include_str!("layout.typ");

/// Standard wording, with placeholders `{review}`, `{partnership}` and `{kind}`. Blank lines
/// separate paragraphs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Wording {
    pub introduction: String,
    pub methodology: String,
    pub family_contribution: String,
    pub analysis: String,
    pub findings: String,
    pub questions: String,
    pub method_appendix: String,
    pub glossary: Vec<GlossaryEntry>,
    pub briefing_intro: String,
    pub briefing_close: String,
    /// The invitation to take part (Appendix 1), also with `{participant}` and `{date}`.
    pub invitation_letter: String,
    /// The note explaining the review to those invited (Appendix 2).
    pub explanatory_note: String,
}

/// A term and what it means in this report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlossaryEntry {
    pub term: String,
    pub meaning: String,
}

/// Everything an administrator can edit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Template {
    pub wording: Wording,
    /// The Typst source of the PDF layout.
    pub layout: String,
}

impl Default for Template {
    fn default() -> Self {
        Self {
            wording: Wording::default(),
            layout: DEFAULT_LAYOUT.to_owned(),
        }
    }
}

impl Default for Wording {
    fn default() -> Self {
        let glossary = [
            (
                "Key practice episode",
                "A period of the case the review team chose to look at closely because it shaped \
                 what happened next. Episodes are chosen for what they can teach, not because \
                 something went wrong in them.",
            ),
            (
                "Local rationality",
                "The reasons an action made sense to the person at the time, given what they \
                 knew, what they were trying to achieve and what else was asking for their \
                 attention.",
            ),
            (
                "Contributory factor",
                "Something in the family, the practitioner, the role, the working conditions, \
                 the team, the partnership or the wider context that made good practice easier \
                 or harder.",
            ),
            (
                "Finding",
                "A statement about how the safeguarding system works locally, drawn from this \
                 case but expected to hold beyond it.",
            ),
            (
                "Hindsight bias",
                "Judging a decision by what is known now rather than by what could have been \
                 known when it was made.",
            ),
            (
                "Case group",
                "The practitioners and managers who worked with the family and who took part in \
                 the review.",
            ),
            (
                "Typology of underlying patterns",
                "Six broad kinds of systemic issue that reviews find again and again, used to \
                 group findings so that learning from different cases can be brought together.",
            ),
        ];
        Self {
            introduction: "This report sets out what {partnership} has learned from a \
                {kind} about {review}. It explains why the review was held, how it was carried \
                out, how the professionals and agencies involved understood the situation at the \
                time, and what the review tells the partnership about how local safeguarding \
                work is organised.\n\nThe report is about the system, not about individuals. \
                Its purpose is to help agencies see where the way work is set up makes good \
                practice easier or harder, so that the partnership can decide what to change."
                .to_owned(),
            methodology: "The review used the Learning Together systems approach. Rather than \
                asking who was at fault, it asks why people acted as they did, and what in the \
                wider system shaped those actions.\n\nEach agency gave an account of its \
                involvement. The review team spoke in confidence with the practitioners and \
                managers who worked with the family, and brought them together as a case group \
                to test the team's emerging understanding. The team picked out key practice \
                episodes, described how each looked to the people involved at the time, and \
                identified what helped or hindered their work. From this the team wrote \
                findings about the system, each placed in the typology of underlying patterns \
                so that it can be compared with what other reviews have found."
                .to_owned(),
            invitation_letter: "Dear {participant},\n\n\
                {partnership} is carrying out a {kind} about {review}. The review looks at how \
                the services around the family worked, and worked together, so that the \
                partnership can learn from it and make things safer for other children. It is not \
                about blaming anyone.\n\n\
                We would like to hear from you. What you tell us helps the review understand what \
                happened and why, as you saw it. Taking part is your choice, and you can change \
                your mind at any time.\n\n\
                The note with this letter explains what taking part involves and how what you say \
                would be used. If you would like to take part, or to know more first, please \
                contact the lead reviewer.\n\n\
                Yours sincerely,\n\n\
                The lead reviewer, for {partnership}\n\n\
                {date}"
                .to_owned(),
            explanatory_note: "What the review is. {partnership} carries out a {kind} when a \
                child has died or been seriously harmed and abuse or neglect is thought to have \
                played a part. This review is about {review}. It asks how the work of the people \
                and services involved made sense at the time, and what in the way services work \
                made it harder or easier to keep the child safe.\n\n\
                What taking part involves. A conversation with the lead reviewer, at a time and \
                place that suit you, usually for about an hour. You may bring someone with you. \
                You can say as much or as little as you want.\n\n\
                How what you say is used. The report uses no names: people are called by their \
                part in the child's life (such as Mother) or their role. Notes of the \
                conversation are kept securely, seen only by the review team, and used only for \
                this review. We will ask you before quoting your words.\n\n\
                Your choice. Taking part is voluntary. You can stop at any time, and withdraw \
                your consent before the report is finished; what you told the review will then \
                not be used.\n\n\
                Before the report is published, the family is offered the chance to read it and \
                to say what they think of it."
                .to_owned(),
            family_contribution: "The review team wanted the family's view to be part of the \
                review, and invited family members to take part in the way that suited them."
                .to_owned(),
            analysis: "This part looks at each key practice episode in turn: what happened, how \
                it looked to the practitioners at the time, the review team's appraisal judged \
                against what was knowable then, and the factors that helped or hindered."
                .to_owned(),
            findings: "Each finding describes something about how the local safeguarding system \
                works that reaches beyond this case. Findings are placed in one of six patterns, \
                and each says whether it makes practice safer (constructive) or less safe \
                (unsafe). Rather than prescribing solutions, each ends with questions for the \
                partnership to consider."
                .to_owned(),
            questions: "The partnership is asked to consider the following questions, drawn \
                together from the findings."
                .to_owned(),
            method_appendix: "The Learning Together approach treats a single case as a window \
                on the wider system. Its steps are: agreeing terms of reference and the research \
                questions; gathering agency chronologies and records; structured conversations \
                with the people involved; choosing and analysing key practice episodes; testing \
                the analysis with the case group; and writing findings that the partnership \
                responds to with an action plan."
                .to_owned(),
            glossary: glossary
                .iter()
                .map(|(term, meaning)| GlossaryEntry {
                    term: (*term).to_owned(),
                    meaning: (*meaning).to_owned(),
                })
                .collect(),
            briefing_intro: "This briefing gives the main learning from the {kind} about \
                {review} in a form a team can read and discuss in about seven minutes."
                .to_owned(),
            briefing_close: "Take a few minutes in your next team meeting to talk through the \
                questions above. Think about where the same patterns could show in your own \
                work, and what would help you notice them."
                .to_owned(),
        }
    }
}

impl Wording {
    /// The prose fields by name, in the order a report uses them (the glossary aside).
    pub fn fields_mut(&mut self) -> [(&'static str, &mut String); 11] {
        [
            ("introduction", &mut self.introduction),
            ("methodology", &mut self.methodology),
            ("family_contribution", &mut self.family_contribution),
            ("analysis", &mut self.analysis),
            ("findings", &mut self.findings),
            ("questions", &mut self.questions),
            ("method_appendix", &mut self.method_appendix),
            ("briefing_intro", &mut self.briefing_intro),
            ("briefing_close", &mut self.briefing_close),
            ("invitation_letter", &mut self.invitation_letter),
            ("explanatory_note", &mut self.explanatory_note),
        ]
    }

    /// Fills in the placeholders and splits the text into paragraphs.
    pub fn paragraphs(text: &str, values: &Placeholders<'_>) -> Vec<String> {
        let filled = text
            .replace("{review}", values.review)
            .replace("{partnership}", values.partnership)
            .replace("{kind}", &values.kind.to_lowercase());
        crate::build::paragraphs(&filled)
    }
}

/// The values the placeholders take.
pub struct Placeholders<'a> {
    pub review: &'a str,
    pub partnership: &'a str,
    pub kind: &'a str,
}
