//! A term space fitted to a body of texts: inverse document frequencies and sparse, L2-normalised
//! TF-IDF vectors with sublinear term frequency.

use std::collections::{HashMap, HashSet};

use crate::text::Analyzer;

/// A sparse vector: (term id, weight) sorted by term id, L2-normalised unless empty.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sparse(pub Vec<(u32, f32)>);

impl Sparse {
    /// Cosine of two normalised vectors: the dot product over shared terms.
    #[must_use]
    pub fn dot(&self, other: &Sparse) -> f32 {
        let (mut i, mut j, mut sum) = (0, 0, 0.0);
        let (a, b) = (&self.0, &other.0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += a[i].1 * b[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Dot product of two dense vectors of equal length.
#[must_use]
pub fn dense_dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The fitted space.
#[derive(Debug)]
pub struct TermSpace {
    analyzer: Analyzer,
    ordinary: HashSet<String>,
    ids: HashMap<String, u32>,
    idf: Vec<f32>,
    /// The term behind each id, for explanations ("key terms").
    terms: Vec<String>,
    /// For each stem, the first word seen that has it, to show a term as a reader wrote it.
    surface: HashMap<String, String>,
}

impl TermSpace {
    /// Fits the space to `texts`. Terms seen in only one text are kept: with few examples a rare
    /// term can be the telling one, and IDF already gives it weight in proportion.
    #[must_use]
    pub fn fit<'a>(texts: impl IntoIterator<Item = &'a str> + Clone) -> Self {
        let analyzer = Analyzer::new();
        let mut ordinary = HashSet::new();
        for text in texts.clone() {
            Analyzer::lowercase_words(text, &mut ordinary);
        }
        let mut df: HashMap<String, u32> = HashMap::new();
        let mut surface: HashMap<String, String> = HashMap::new();
        let mut n = 0u32;
        for text in texts {
            n += 1;
            for w in crate::text::words(text) {
                let lower = w.text.to_lowercase();
                surface.entry(analyzer.stem(&lower)).or_insert(lower);
            }
            let unique: HashSet<String> = analyzer.terms(text, &ordinary).into_iter().collect();
            for term in unique {
                *df.entry(term).or_default() += 1;
            }
        }
        let mut terms: Vec<(String, u32)> = df.into_iter().collect();
        terms.sort();
        let mut ids = HashMap::with_capacity(terms.len());
        let mut idf = Vec::with_capacity(terms.len());
        let mut names = Vec::with_capacity(terms.len());
        for (index, (term, count)) in terms.into_iter().enumerate() {
            let id = u32::try_from(index).unwrap_or(u32::MAX);
            ids.insert(term.clone(), id);
            idf.push(((1.0 + n as f32) / (1.0 + count as f32)).ln() + 1.0);
            names.push(term);
        }
        Self {
            analyzer,
            ordinary,
            ids,
            idf,
            terms: names,
            surface,
        }
    }

    /// Number of terms in the space.
    #[must_use]
    pub fn len(&self) -> usize {
        self.idf.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.idf.is_empty()
    }

    /// The term with this id.
    #[must_use]
    pub fn term(&self, id: u32) -> &str {
        self.terms.get(id as usize).map_or("", String::as_str)
    }

    /// A term as a reader would write it: each stem replaced by a word that has it
    /// ("first languag" becomes "first language").
    #[must_use]
    pub fn display(&self, id: u32) -> String {
        self.term(id)
            .split(' ')
            .map(|stem| self.surface.get(stem).map_or(stem, String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The TF-IDF vector of `text`; terms unknown to the space are ignored.
    #[must_use]
    pub fn vector(&self, text: &str) -> Sparse {
        let mut ordinary_here = HashSet::new();
        Analyzer::lowercase_words(text, &mut ordinary_here);
        let terms = self.analyzer.terms_with(text, |word| {
            self.ordinary.contains(word) || ordinary_here.contains(word)
        });
        let mut counts: HashMap<u32, f32> = HashMap::new();
        for term in terms {
            if let Some(&id) = self.ids.get(&term) {
                *counts.entry(id).or_default() += 1.0;
            }
        }
        let mut v: Vec<(u32, f32)> = counts
            .into_iter()
            .map(|(id, tf)| (id, (1.0 + tf.ln()) * self.idf[id as usize]))
            .collect();
        v.sort_by_key(|(id, _)| *id);
        let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (_, w) in &mut v {
                *w /= norm;
            }
        }
        Sparse(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_normalised_and_similar_texts_score_higher() {
        let texts = [
            "The referral was not passed to the school.",
            "Nobody told the school about the referral.",
            "Supervision was squeezed by caseload pressure.",
        ];
        let space = TermSpace::fit(texts.iter().copied());
        let v: Vec<Sparse> = texts.iter().map(|t| space.vector(t)).collect();
        let norm: f32 = v[0].0.iter().map(|(_, w)| w * w).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert!(v[0].dot(&v[1]) > v[0].dot(&v[2]));
        assert!((v[0].dot(&v[0]) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn text_of_unknown_terms_has_an_empty_vector() {
        let space = TermSpace::fit(["alpha beta"].iter().copied());
        assert!(space.vector("gamma delta").is_empty());
    }
}
