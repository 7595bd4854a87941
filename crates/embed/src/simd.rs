//! The attention's inner sum with AVX-512 registers, and the same sum in plain Rust.
//!
//! `Σₖ weights[k] · rows[first + k·stride ..][..16]`: a weighted sum of 16-wide rows. Both
//! versions keep four partial sums (k mod 4), multiply and add as separate operations, and
//! combine them in the same order, so they give the same bits.
#![allow(unsafe_code)]

/// Lanes of a result.
pub const LANES: usize = 16;

/// The weighted sum of rows; `wide` selects AVX-512 (only pass `true` when the processor has
/// AVX-512 F).
///
/// # Panics
/// When a row would lie outside `rows`.
#[inline(always)]
pub fn weighted_rows(
    wide: bool,
    weights: &[f32],
    rows: &[f32],
    first: usize,
    stride: usize,
) -> [f32; LANES] {
    if let Some(last) = weights.len().checked_sub(1) {
        assert!(
            first + last * stride + LANES <= rows.len(),
            "row outside the slice"
        );
    }
    #[cfg(target_arch = "x86_64")]
    if wide {
        assert!(std::arch::is_x86_feature_detected!("avx512f"));
        // SAFETY: AVX-512 F is present (checked above, a cached test), and every row read lies
        // inside `rows` (asserted above).
        return unsafe { avx512::weighted_rows(weights, rows, first, stride) };
    }
    let _ = wide;
    portable(weights, rows, first, stride)
}

#[inline(always)]
fn portable(weights: &[f32], rows: &[f32], first: usize, stride: usize) -> [f32; LANES] {
    let row = |k: usize| &rows[first + k * stride..first + k * stride + LANES];
    let mut a = [[0.0f32; LANES]; 4];
    let mut chunks = weights.chunks_exact(4);
    let mut k = 0;
    for w in chunks.by_ref() {
        for (p, acc) in a.iter_mut().enumerate() {
            let r = row(k + p);
            for t in 0..LANES {
                acc[t] += w[p] * r[t];
            }
        }
        k += 4;
    }
    for &w in chunks.remainder() {
        let r = row(k);
        for t in 0..LANES {
            a[0][t] += w * r[t];
        }
        k += 1;
    }
    let mut out = [0.0f32; LANES];
    for t in 0..LANES {
        out[t] = (a[0][t] + a[1][t]) + (a[2][t] + a[3][t]);
    }
    out
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512, _mm512_add_ps, _mm512_loadu_ps, _mm512_mul_ps, _mm512_set1_ps, _mm512_setzero_ps,
        _mm512_storeu_ps,
    };

    use super::LANES;

    /// # Safety
    /// AVX-512 F; `first + (weights.len() - 1) · stride + 16 <= rows.len()`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(super) unsafe fn weighted_rows(
        weights: &[f32],
        rows: &[f32],
        first: usize,
        stride: usize,
    ) -> [f32; LANES] {
        let base = rows.as_ptr();
        let load = |k: usize| {
            // SAFETY: row `k` starts at `first + k·stride` and its 16 values lie inside `rows`,
            // as the caller guarantees for every `k < weights.len()`; `loadu` needs no alignment.
            unsafe { _mm512_loadu_ps(base.add(first + k * stride)) }
        };
        let mut a: [__m512; 4] = [_mm512_setzero_ps(); 4];
        let mut chunks = weights.chunks_exact(4);
        let mut k = 0;
        for w in chunks.by_ref() {
            for (p, acc) in a.iter_mut().enumerate() {
                *acc = _mm512_add_ps(*acc, _mm512_mul_ps(_mm512_set1_ps(w[p]), load(k + p)));
            }
            k += 4;
        }
        for &w in chunks.remainder() {
            a[0] = _mm512_add_ps(a[0], _mm512_mul_ps(_mm512_set1_ps(w), load(k)));
            k += 1;
        }
        let sum = _mm512_add_ps(_mm512_add_ps(a[0], a[1]), _mm512_add_ps(a[2], a[3]));
        let mut out = [0.0f32; LANES];
        // SAFETY: `out` holds 16 floats.
        unsafe { _mm512_storeu_ps(out.as_mut_ptr(), sum) };
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_versions_give_the_same_bits() {
        let rows: Vec<f32> = (0..4000)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        for (count, first, stride) in [
            (0, 0, 16),
            (1, 3, 16),
            (7, 5, 48),
            (32, 0, 100),
            (61, 9, 64),
        ] {
            let weights: Vec<f32> = (0..count).map(|k| (k as f32 * 0.37).sin()).collect();
            let plain = weighted_rows(false, &weights, &rows, first, stride);
            let want: Vec<f32> = (0..LANES)
                .map(|t| {
                    (0..count)
                        .map(|k| weights[k] * rows[first + k * stride + t])
                        .sum::<f32>()
                })
                .collect();
            for (a, b) in plain.iter().zip(&want) {
                assert!((a - b).abs() < 1e-3, "{count}: {a} vs {b}");
            }
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx512f") {
                let wide = weighted_rows(true, &weights, &rows, first, stride);
                assert_eq!(wide.map(f32::to_bits), plain.map(f32::to_bits), "{count}");
            }
        }
    }
}
