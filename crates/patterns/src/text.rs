//! From a finding's words to the terms the library compares.
//!
//! Findings from different reviews describe the same underlying issue with different surface
//! details: another child, another partnership, another agency's name. The terms kept here are
//! meant to carry the issue and not the case, so
//! - names are dropped: a capitalised word in mid-sentence whose lower-case form the vocabulary
//!   has never seen ("Harrowfield", "Kestrelford", "K" in "Child K"), and numbers;
//! - function words are dropped and the rest are stemmed (Snowball English), so "referrals",
//!   "referred" and "referral" meet;
//! - neighbouring stems also form a pair ("strategy discussion", "risk score") because in this
//!   field a pair often names a practice the single words do not.

use std::collections::HashSet;

use rust_stemmers::{Algorithm, Stemmer};

/// One word as written, with what is known about its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    /// The word as it appears.
    pub text: &'a str,
    /// Whether it starts a sentence (so a capital letter says nothing about it being a name).
    pub sentence_start: bool,
}

/// Splits text into words: runs of letters and digits, with inner apostrophes and hyphens kept
/// ("child's", "follow-up"). Possessive endings are removed.
#[must_use]
pub fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut sentence_start = true;
    let mut start: Option<usize> = None;
    let bytes_len = text.len();
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let joins = (c == '\'' || c == '’' || c == '-')
            && start.is_some()
            && iter.peek().is_some_and(|(_, n)| n.is_alphanumeric());
        if c.is_alphanumeric() || joins {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        if let Some(s) = start.take() {
            push_word(&mut out, &text[s..i], sentence_start);
            sentence_start = false;
        }
        if matches!(
            c,
            '.' | '!' | '?' | ':' | ';' | '\n' | '"' | '“' | '(' | '•'
        ) {
            sentence_start = true;
        }
    }
    if let Some(s) = start {
        push_word(&mut out, &text[s..bytes_len], sentence_start);
    }
    out
}

fn push_word<'a>(out: &mut Vec<Word<'a>>, word: &'a str, sentence_start: bool) {
    let trimmed = word
        .strip_suffix("'s")
        .or_else(|| word.strip_suffix("’s"))
        .unwrap_or(word);
    if !trimmed.is_empty() {
        out.push(Word {
            text: trimmed,
            sentence_start,
        });
    }
}

/// Words too common to say anything about an issue. Our own list of English function words and
/// the report vocabulary every finding shares.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "became",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "either",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "neither",
    "nor",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "others",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "same",
    "shall",
    "she",
    "should",
    "since",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "via",
    "was",
    "we",
    "were",
    "what",
    "whatever",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "s",
    "t",
    "etc",
    "ie",
    "eg",
    "review",
    "reviews",
    "finding",
    "findings",
    "found",
    "case",
    "cases",
    "child",
    "children",
    "partnership",
    "safeguarding",
    "practice",
];

/// Turns text into terms: stems and neighbouring stem pairs.
pub struct Analyzer {
    stemmer: Stemmer,
    stopwords: HashSet<&'static str>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer").finish_non_exhaustive()
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    #[must_use]
    pub fn new() -> Self {
        Self {
            stemmer: Stemmer::create(Algorithm::English),
            stopwords: STOPWORDS.iter().copied().collect(),
        }
    }

    /// The stem of one lower-case word (as [`Analyzer::terms`] forms it).
    #[must_use]
    pub fn stem(&self, lower: &str) -> String {
        self.stemmer
            .stem(&lower.replace(['’', '\''], ""))
            .into_owned()
    }

    /// Lower-case forms of the words in `text` that are not names by position: every word that
    /// is written in lower case somewhere. Used to learn which capitalised words are ordinary.
    pub fn lowercase_words(text: &str, into: &mut HashSet<String>) {
        for w in words(text) {
            if w.text.chars().next().is_some_and(char::is_lowercase) {
                into.insert(w.text.to_lowercase());
            }
        }
    }

    /// The terms of `text`. `ordinary` holds words known in lower case; a capitalised word in
    /// mid-sentence that is not among them is taken for a name and dropped.
    #[must_use]
    pub fn terms(&self, text: &str, ordinary: &HashSet<String>) -> Vec<String> {
        self.terms_with(text, |word| ordinary.contains(word))
    }

    /// As [`Analyzer::terms`], with any test of whether a lower-case word is ordinary.
    #[must_use]
    pub fn terms_with(&self, text: &str, ordinary: impl Fn(&str) -> bool) -> Vec<String> {
        let mut stems: Vec<String> = Vec::new();
        let mut out = Vec::new();
        let mut previous_kept = false;
        for w in words(text) {
            let lower = w.text.to_lowercase();
            let is_number = lower.chars().any(|c| c.is_ascii_digit());
            let capitalised = w.text.chars().next().is_some_and(char::is_uppercase);
            let single_letter = lower.chars().count() == 1;
            let name = capitalised && (single_letter || (!w.sentence_start && !ordinary(&lower)));
            if is_number || name || self.stopwords.contains(lower.as_str()) {
                previous_kept = false;
                continue;
            }
            let flat: String = lower.replace(['’', '\''], "");
            let stem = self.stemmer.stem(&flat).into_owned();
            if stem.len() < 2 {
                previous_kept = false;
                continue;
            }
            if previous_kept && let Some(last) = stems.last() {
                out.push(format!("{last} {stem}"));
            }
            out.push(stem.clone());
            stems.push(stem);
            previous_kept = true;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_and_function_words_are_dropped_and_pairs_formed() {
        let analyzer = Analyzer::new();
        let mut ordinary = HashSet::new();
        Analyzer::lowercase_words("the police and the school were told", &mut ordinary);
        let terms = analyzer.terms(
            "In Harrowfield, Child K's school referrals (3 of them) went to Police.",
            &ordinary,
        );
        assert!(terms.contains(&"school".to_owned()), "{terms:?}");
        assert!(terms.contains(&"referr".to_owned()), "{terms:?}");
        assert!(terms.contains(&"school referr".to_owned()), "{terms:?}");
        assert!(terms.contains(&"polic".to_owned()), "{terms:?}");
        assert!(
            !terms.iter().any(|t| t.contains("harrowfield")),
            "{terms:?}"
        );
        assert!(
            !terms.iter().any(|t| t == "k" || t.contains('3')),
            "{terms:?}"
        );
    }

    #[test]
    fn sentence_initial_capitals_are_not_names() {
        let analyzer = Analyzer::new();
        let terms = analyzer.terms("Supervision was rare. Nobody asked.", &HashSet::new());
        assert!(terms.contains(&"supervis".to_owned()), "{terms:?}");
        assert!(terms.contains(&"nobodi".to_owned()), "{terms:?}");
    }

    #[test]
    fn inner_apostrophes_and_hyphens_stay_in_the_word() {
        let w: Vec<_> = words("follow-up of the mother’s GP - 'low'")
            .into_iter()
            .map(|w| w.text)
            .collect();
        assert_eq!(w, ["follow-up", "of", "the", "mother", "GP", "low"]);
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_analysed_without_panic(text in "\\PC{0,200}") {
            let analyzer = Analyzer::new();
            let _ = analyzer.terms(&text, &HashSet::new());
        }
    }
}
