//! Similarity of one text to every library finding at once: an inverted index over the sparse
//! terms (only findings sharing a term are touched) and a contiguous matrix of embeddings
//! scanned with eight-lane accumulators (which the compiler turns into SIMD).

use crate::engine::{DENSE_SHARE, Repr};

/// The library's findings, laid out for whole-library similarity.
#[derive(Debug, Default)]
pub struct SimilarityIndex {
    len: usize,
    /// For each term id: (finding, weight).
    postings: Vec<Vec<(u32, f32)>>,
    /// Row-major `len × dimension` embeddings, present when every finding has one.
    dense: Vec<f32>,
    dimension: usize,
}

impl SimilarityIndex {
    /// Indexes `reprs`; `terms` bounds the term ids.
    #[must_use]
    pub fn build(reprs: &[Repr], terms: usize) -> Self {
        let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); terms];
        for (doc, repr) in reprs.iter().enumerate() {
            let doc = u32::try_from(doc).unwrap_or(u32::MAX);
            for &(term, weight) in &repr.lexical.0 {
                if let Some(list) = postings.get_mut(term as usize) {
                    list.push((doc, weight));
                }
            }
        }
        let dimension = reprs
            .first()
            .and_then(|r| r.dense.as_ref().map(Vec::len))
            .unwrap_or(0);
        let all_dense = dimension > 0
            && reprs
                .iter()
                .all(|r| r.dense.as_ref().is_some_and(|d| d.len() == dimension));
        let dense = if all_dense {
            reprs
                .iter()
                .flat_map(|r| r.dense.iter().flatten().copied())
                .collect()
        } else {
            Vec::new()
        };
        Self {
            len: reprs.len(),
            postings,
            dense,
            dimension: if all_dense { dimension } else { 0 },
        }
    }

    /// Number of findings indexed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `repr.similarity(finding)` for every finding, in order.
    #[must_use]
    pub fn similarities(&self, repr: &Repr) -> Vec<f32> {
        let mut lexical = vec![0.0f32; self.len];
        for &(term, weight) in &repr.lexical.0 {
            if let Some(list) = self.postings.get(term as usize) {
                for &(doc, w) in list {
                    lexical[doc as usize] += weight * w;
                }
            }
        }
        let query = repr
            .dense
            .as_deref()
            .filter(|q| self.dimension > 0 && q.len() == self.dimension);
        let Some(query) = query else {
            return lexical;
        };
        for (score, row) in lexical
            .iter_mut()
            .zip(self.dense.chunks_exact(self.dimension))
        {
            *score = (1.0 - DENSE_SHARE) * *score + DENSE_SHARE * dot8(query, row);
        }
        lexical
    }
}

/// Dot product with eight independent accumulators, so the loop vectorises.
fn dot8(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = a.len() / 8;
    for i in 0..chunks {
        let (x, y) = (&a[i * 8..i * 8 + 8], &b[i * 8..i * 8 + 8]);
        for lane in 0..8 {
            acc[lane] += x[lane] * y[lane];
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for i in chunks * 8..a.len().min(b.len()) {
        sum += a[i] * b[i];
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Sparse;

    fn repr(lexical: Vec<(u32, f32)>, dense: Option<Vec<f32>>) -> Repr {
        Repr {
            lexical: Sparse(lexical),
            dense,
        }
    }

    #[test]
    fn whole_library_similarities_match_pairwise_ones() {
        let docs = vec![
            repr(
                vec![(0, 0.6), (2, 0.8)],
                Some((0..20).map(|i| i as f32 / 50.0).collect()),
            ),
            repr(
                vec![(1, 1.0)],
                Some((0..20).map(|i| 1.0 - i as f32 / 40.0).collect()),
            ),
            repr(vec![], Some(vec![0.1; 20])),
        ];
        let index = SimilarityIndex::build(&docs, 3);
        let query = repr(vec![(0, 0.8), (1, 0.6)], Some(vec![0.2; 20]));
        let fast = index.similarities(&query);
        for (doc, got) in docs.iter().zip(&fast) {
            let want = query.similarity(doc);
            assert!((got - want).abs() < 1e-5, "{got} vs {want}");
        }
        // Without an embedding, the lexical part alone.
        let lexical = repr(vec![(2, 1.0)], None);
        assert!((index.similarities(&lexical)[0] - 0.8).abs() < 1e-6);
    }
}
