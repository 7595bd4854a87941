//! Discovery: within one pattern, groups of findings that no recurrent issue covers yet, offered
//! to analysts as candidate new recurrent issues with a few key terms and the findings that
//! represent them best.
//!
//! Clustering is centroid-based and deterministic: findings join the most similar group whose
//! centroid they are close enough to, or start one; two passes reassign findings to their best
//! group. Only groups drawing on several reviews are proposed (one review's findings sharing
//! words is not a recurrent issue).

use std::collections::{HashMap, HashSet};

use crate::engine::{DENSE_SHARE, Repr};
use crate::space::{TermSpace, dense_dot};

/// One finding offered to discovery.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub repr: &'a Repr,
    pub review: &'a str,
}

/// A candidate recurrent issue.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Indices into the items, most central first.
    pub members: Vec<usize>,
    /// Terms that set the group apart from the rest of the pattern.
    pub key_terms: Vec<String>,
    /// How many different reviews the members come from.
    pub reviews: usize,
    /// Mean similarity of members to the group's centre (cohesion).
    pub cohesion: f32,
}

/// Settings for discovery.
#[derive(Debug, Clone, Copy)]
pub struct Discovery {
    /// Similarity to a group's centre needed to join it.
    pub join: f32,
    /// Fewest reviews a group must draw on to be proposed.
    pub min_reviews: usize,
}

impl Default for Discovery {
    fn default() -> Self {
        Self {
            join: 0.15,
            min_reviews: 3,
        }
    }
}

struct Centroid {
    lexical: HashMap<u32, f32>,
    dense: Option<Vec<f32>>,
    members: Vec<usize>,
}

impl Centroid {
    fn of(items: &[Item<'_>], members: Vec<usize>) -> Self {
        let mut lexical: HashMap<u32, f32> = HashMap::new();
        let mut dense: Option<Vec<f32>> = None;
        for &m in &members {
            for &(t, w) in &items[m].repr.lexical.0 {
                *lexical.entry(t).or_default() += w;
            }
            if let Some(d) = &items[m].repr.dense {
                let sum = dense.get_or_insert_with(|| vec![0.0; d.len()]);
                for (s, x) in sum.iter_mut().zip(d) {
                    *s += x;
                }
            }
        }
        let norm = lexical.values().map(|w| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            lexical.values_mut().for_each(|w| *w /= norm);
        }
        if let Some(d) = &mut dense {
            let norm = d.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                d.iter_mut().for_each(|x| *x /= norm);
            }
        }
        Self {
            lexical,
            dense,
            members,
        }
    }

    fn similarity(&self, repr: &Repr) -> f32 {
        let lexical: f32 = repr
            .lexical
            .0
            .iter()
            .map(|(t, w)| w * self.lexical.get(t).copied().unwrap_or(0.0))
            .sum();
        match (&self.dense, &repr.dense) {
            (Some(a), Some(b)) => (1.0 - DENSE_SHARE) * lexical + DENSE_SHARE * dense_dot(a, b),
            _ => lexical,
        }
    }
}

/// Proposes candidate recurrent issues among `items` (findings of one pattern, not linked to any
/// issue), strongest first. `space` names the key terms.
#[must_use]
pub fn discover(items: &[Item<'_>], space: &TermSpace, settings: Discovery) -> Vec<Candidate> {
    if items.len() < settings.min_reviews {
        return Vec::new();
    }
    // Leader pass.
    let mut groups: Vec<Centroid> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let best = groups
            .iter()
            .enumerate()
            .map(|(g, c)| (g, c.similarity(item.repr)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((g, s)) if s >= settings.join => {
                let mut members = std::mem::take(&mut groups[g].members);
                members.push(i);
                groups[g] = Centroid::of(items, members);
            }
            _ => groups.push(Centroid::of(items, vec![i])),
        }
    }
    // Two passes of reassignment to the best centre.
    for _ in 0..2 {
        let mut assigned: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
        for (i, item) in items.iter().enumerate() {
            let (g, s) = groups
                .iter()
                .enumerate()
                .map(|(g, c)| (g, c.similarity(item.repr)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or((0, 0.0));
            if s >= settings.join {
                assigned[g].push(i);
            }
        }
        groups = assigned
            .into_iter()
            .filter(|m| !m.is_empty())
            .map(|m| Centroid::of(items, m))
            .collect();
    }
    let mut out: Vec<Candidate> = groups
        .into_iter()
        .filter_map(|group| {
            let reviews: HashSet<&str> = group.members.iter().map(|&m| items[m].review).collect();
            if reviews.len() < settings.min_reviews {
                return None;
            }
            let mut members: Vec<(usize, f32)> = group
                .members
                .iter()
                .map(|&m| (m, group.similarity(items[m].repr)))
                .collect();
            members.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let cohesion = members.iter().map(|(_, s)| s).sum::<f32>() / members.len() as f32;
            // Key terms: heavy in the group's centre (TF-IDF already discounts common words)
            // and lighter in the rest of the pattern's unlinked findings.
            let in_group: HashSet<usize> = group.members.iter().copied().collect();
            let rest = Centroid::of(
                items,
                (0..items.len()).filter(|i| !in_group.contains(i)).collect(),
            );
            let mut distinct: Vec<(u32, f32)> = group
                .lexical
                .iter()
                .map(|(t, w)| (*t, w - rest.lexical.get(t).copied().unwrap_or(0.0)))
                .filter(|(_, d)| *d > 0.0)
                .collect();
            distinct.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            // A word already shown inside a pair (or a pair around a shown word) adds nothing.
            let mut key_terms: Vec<String> = Vec::new();
            for (t, _) in &distinct {
                let term = space.display(*t);
                let overlaps = key_terms
                    .iter()
                    .any(|k| k.split(' ').any(|w| term.split(' ').any(|v| v == w)));
                if !term.is_empty() && !overlaps {
                    key_terms.push(term);
                }
                if key_terms.len() == 5 {
                    break;
                }
            }
            Some(Candidate {
                members: members.into_iter().map(|(m, _)| m).collect(),
                key_terms,
                reviews: reviews.len(),
                cohesion,
            })
        })
        .collect();
    out.sort_by(|a, b| (b.reviews as f32 * b.cohesion).total_cmp(&(a.reviews as f32 * a.cohesion)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_theme_across_reviews_is_proposed_and_a_one_review_theme_is_not() {
        let texts = [
            (
                "Interpreters were not booked for home visits, so the mother's account was taken through her son.",
                "R1",
            ),
            (
                "No interpreter was arranged for the health visitor, and the father interpreted for the mother.",
                "R2",
            ),
            (
                "The family's first language was not recorded and no interpreter attended the conference.",
                "R3",
            ),
            (
                "Interpreter services could not be booked at short notice, so children interpreted at visits.",
                "R4",
            ),
            (
                "Caseloads doubled after the restructure and supervision lapsed.",
                "R5",
            ),
            (
                "Caseloads doubled and supervision was cancelled repeatedly.",
                "R5",
            ),
            (
                "The school nurse retired and the post was left vacant.",
                "R6",
            ),
        ];
        let space = TermSpace::fit(texts.iter().map(|(t, _)| *t));
        let reprs: Vec<Repr> = texts
            .iter()
            .map(|(t, _)| Repr {
                lexical: space.vector(t),
                dense: None,
            })
            .collect();
        let items: Vec<Item<'_>> = reprs
            .iter()
            .zip(texts.iter())
            .map(|(repr, (_, review))| Item { repr, review })
            .collect();
        let found = discover(
            &items,
            &space,
            Discovery {
                join: 0.1,
                min_reviews: 3,
            },
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let candidate = &found[0];
        assert!(candidate.reviews >= 3);
        assert!(candidate.members.iter().all(|m| *m < 4), "{candidate:?}");
        assert!(
            candidate
                .key_terms
                .iter()
                .any(|t| t.starts_with("interpret")),
            "{:?}",
            candidate.key_terms
        );
    }
}
