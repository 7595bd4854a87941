//! A multinomial logistic regression over sparse term weights and an optional dense embedding,
//! trained by full-batch Adam with L2 regularisation. Small, deterministic, and fast enough to
//! retrain whenever the library changes (no step a user has to remember).

use crate::space::Sparse;

/// One training row.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    pub sparse: &'a Sparse,
    pub dense: Option<&'a [f32]>,
    pub class: usize,
    pub weight: f32,
}

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct Training {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    /// Scale applied to the dense part so both parts weigh alike.
    pub dense_scale: f32,
}

impl Default for Training {
    fn default() -> Self {
        Self {
            epochs: 150,
            learning_rate: 0.1,
            l2: 1e-3,
            dense_scale: 1.0,
        }
    }
}

/// The fitted model.
#[derive(Debug, Clone)]
pub struct Softmax {
    classes: usize,
    sparse_dim: usize,
    dense_dim: usize,
    /// Row-major: `classes × (sparse_dim + dense_dim + 1)` (the last column is the bias).
    weights: Vec<f32>,
    dense_scale: f32,
}

impl Softmax {
    /// Trains on `rows`. `sparse_dim` bounds the sparse term ids; `dense_dim` is 0 without an
    /// embedding.
    #[must_use]
    pub fn train(
        rows: &[Row<'_>],
        classes: usize,
        sparse_dim: usize,
        dense_dim: usize,
        settings: Training,
    ) -> Self {
        let width = sparse_dim + dense_dim + 1;
        let mut model = Self {
            classes,
            sparse_dim,
            dense_dim,
            weights: vec![0.0; classes * width],
            dense_scale: settings.dense_scale,
        };
        if rows.is_empty() || classes == 0 {
            return model;
        }
        let total_weight: f32 = rows.iter().map(|r| r.weight).sum::<f32>().max(1e-6);
        let mut m = vec![0.0f32; model.weights.len()];
        let mut v = vec![0.0f32; model.weights.len()];
        let (beta1, beta2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        let mut grad = vec![0.0f32; model.weights.len()];
        let mut probs = vec![0.0f32; classes];
        for step in 1..=settings.epochs {
            grad.iter_mut().for_each(|g| *g = 0.0);
            for row in rows {
                model.probabilities_into(row.sparse, row.dense, &mut probs);
                for (c, p) in probs.iter().enumerate() {
                    let target = if c == row.class { 1.0 } else { 0.0 };
                    let delta = (p - target) * row.weight / total_weight;
                    let base = c * width;
                    for &(id, x) in &row.sparse.0 {
                        grad[base + id as usize] += delta * x;
                    }
                    if let Some(d) = row.dense {
                        for (k, x) in d.iter().enumerate() {
                            grad[base + sparse_dim + k] += delta * x * settings.dense_scale;
                        }
                    }
                    grad[base + width - 1] += delta;
                }
            }
            let lr = settings.learning_rate;
            let (b1t, b2t) = (1.0 - beta1.powi(step as i32), 1.0 - beta2.powi(step as i32));
            for (i, w) in model.weights.iter_mut().enumerate() {
                let is_bias = i % width == width - 1;
                let g = grad[i] + if is_bias { 0.0 } else { settings.l2 * *w };
                m[i] = beta1 * m[i] + (1.0 - beta1) * g;
                v[i] = beta2 * v[i] + (1.0 - beta2) * g * g;
                *w -= lr * (m[i] / b1t) / ((v[i] / b2t).sqrt() + eps);
            }
        }
        model
    }

    /// Class logits for one input.
    fn logits_into(&self, sparse: &Sparse, dense: Option<&[f32]>, out: &mut [f32]) {
        let width = self.sparse_dim + self.dense_dim + 1;
        for (c, slot) in out.iter_mut().enumerate().take(self.classes) {
            let base = c * width;
            let mut z = self.weights[base + width - 1];
            for &(id, x) in &sparse.0 {
                if (id as usize) < self.sparse_dim {
                    z += self.weights[base + id as usize] * x;
                }
            }
            if let Some(d) = dense
                && d.len() == self.dense_dim
            {
                for (k, x) in d.iter().enumerate() {
                    z += self.weights[base + self.sparse_dim + k] * x * self.dense_scale;
                }
            }
            *slot = z;
        }
    }

    fn probabilities_into(&self, sparse: &Sparse, dense: Option<&[f32]>, out: &mut [f32]) {
        self.logits_into(sparse, dense, out);
        softmax_in_place(out, 1.0);
    }

    /// Class logits for one input.
    #[must_use]
    pub fn logits(&self, sparse: &Sparse, dense: Option<&[f32]>) -> Vec<f32> {
        let mut out = vec![0.0; self.classes];
        self.logits_into(sparse, dense, &mut out);
        out
    }
}

/// Replaces `values` by softmax(values / temperature).
pub fn softmax_in_place(values: &mut [f32], temperature: f32) {
    let t = temperature.max(1e-6);
    let max = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in values.iter_mut() {
        *v = ((*v - max) / t).exp();
        sum += *v;
    }
    if sum > 0.0 {
        for v in values.iter_mut() {
            *v /= sum;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_problem() {
        let a = Sparse(vec![(0, 1.0)]);
        let b = Sparse(vec![(1, 1.0)]);
        let rows = [
            Row {
                sparse: &a,
                dense: None,
                class: 0,
                weight: 1.0,
            },
            Row {
                sparse: &b,
                dense: None,
                class: 1,
                weight: 1.0,
            },
        ];
        let model = Softmax::train(&rows, 2, 2, 0, Training::default());
        let mut p = model.logits(&a, None);
        softmax_in_place(&mut p, 1.0);
        assert!(p[0] > 0.9, "{p:?}");
        let mut q = model.logits(&b, None);
        softmax_in_place(&mut q, 1.0);
        assert!(q[1] > 0.9, "{q:?}");
    }
}
