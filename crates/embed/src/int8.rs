//! Linear layers in 8-bit integers: `y = x · Wᵀ + b` with the weights quantised once per output
//! column (symmetric, `i8`) and each input row quantised as it arrives (asymmetric, `u8` with a
//! zero point). The products are summed exactly in `i32`; only the final rescale is in `f32`.
//!
//! Three kernels compute the same integers: one with AVX-512 VNNI (`vpdpbusd`, 64 multiply-adds
//! an instruction), one with AVX2 (`vpmaddwd` on bytes widened to 16 bits), the fastest chosen
//! at run time, and a portable one. Their rescale is the same fused multiply-add, so all give
//! bit-identical outputs (a test holds them to that): a vector computed on one machine compares
//! with one computed on another.
//!
//! `unsafe` here is the kernels' loads and stores, and the calls into them once the processor
//! has been checked.
#![allow(unsafe_code)]

use crate::bert::{MAGIC, round_even};

/// `x` rounded (ties to even) and clamped to `0..=255`, as a byte. Adding 1.5·2²³ rounds
/// and leaves the integer in the low mantissa bits, so this is a few vector instructions
/// (a float-to-integer `as` cast is not).
#[inline(always)]
fn byte(x: f32) -> u8 {
    (x.clamp(0.0, 255.0) + MAGIC).to_bits() as u8
}

/// Output columns per panel: one 512-bit register of `i32` sums.
const PANEL: usize = 16;
/// Inputs per `i32` lane and step (`vpdpbusd` sums four byte products).
const STEP: usize = 4;

/// Which kernel runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// AVX-512 VNNI.
    Vnni,
    /// AVX2 (16-bit multiply-adds on widened bytes, still exact).
    Avx2,
    /// Plain Rust, for any processor.
    Portable,
}

impl Kernel {
    /// The fastest kernel this processor runs.
    #[must_use]
    pub fn detect() -> Self {
        [Kernel::Vnni, Kernel::Avx2]
            .into_iter()
            .find(|k| k.available())
            .unwrap_or(Kernel::Portable)
    }

    /// Whether this processor runs `self`.
    #[must_use]
    pub fn available(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            match self {
                Kernel::Portable => true,
                Kernel::Avx2 => has!("avx2") && has!("fma"),
                Kernel::Vnni => has!("avx512f") && has!("avx512bw") && has!("avx512vnni"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == Kernel::Portable
        }
    }
}

/// A weight matrix `[out × in]` quantised for the kernels.
#[derive(Clone)]
pub struct QuantLinear {
    /// Output columns (a multiple of [`PANEL`]).
    out: usize,
    /// Input width as given.
    input: usize,
    /// Input width rounded up to a multiple of [`STEP`].
    padded: usize,
    /// The quantised weights row by row (`out × padded`): what the portable kernel reads and
    /// the other kernels' layouts are made from.
    plain: Vec<i8>,
    /// The weights in the VNNI kernel's order, made on its first use.
    packed: std::sync::OnceLock<Vec<i8>>,
    /// The weights widened to `i16` in the AVX2 kernel's order, made on its first use.
    pairs: std::sync::OnceLock<Vec<i16>>,
    /// Per column: the weight scale.
    scale: Vec<f32>,
    /// Per column: the sum of its quantised weights (undoes the input's zero point).
    sums: Vec<i32>,
    bias: Vec<f32>,
}

impl std::fmt::Debug for QuantLinear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuantLinear")
            .field("out", &self.out)
            .field("input", &self.input)
            .finish_non_exhaustive()
    }
}

/// Rows of `u8` inputs with their scale and zero point: [`QuantLinear::forward`]'s working
/// buffer.
#[derive(Debug, Default)]
pub struct QuantRows {
    rows: usize,
    padded: usize,
    data: Vec<u8>,
    scale: Vec<f32>,
    zero: Vec<i32>,
}

impl QuantRows {
    /// Quantises `x` (`rows × width`, row-major), reusing this buffer. Inlined, so that it is
    /// vectorised for the processor its caller was compiled for.
    #[inline(always)]
    fn quantise(&mut self, x: &[f32], width: usize) {
        let rows = x.len() / width;
        let padded = width.div_ceil(STEP) * STEP;
        self.rows = rows;
        self.padded = padded;
        // Every byte is written below; only growth is zero-filled.
        self.data.resize(rows * padded, 0);
        self.scale.clear();
        self.zero.clear();
        for (row, out) in x
            .chunks_exact(width)
            .zip(self.data.chunks_exact_mut(padded))
        {
            let mut lo = [0.0f32; 16];
            let mut hi = [0.0f32; 16];
            let mut chunks = row.chunks_exact(16);
            for c in chunks.by_ref() {
                for k in 0..16 {
                    lo[k] = lo[k].min(c[k]);
                    hi[k] = hi[k].max(c[k]);
                }
            }
            for &v in chunks.remainder() {
                lo[0] = lo[0].min(v);
                hi[0] = hi[0].max(v);
            }
            let lo = lo.iter().fold(0.0f32, |m, &v| m.min(v));
            let hi = hi.iter().fold(0.0f32, |m, &v| m.max(v));
            // The range always holds 0, so 0 is exact (padding and ReLU-like zeros stay zero).
            let scale = if hi > lo { (hi - lo) / 255.0 } else { 1.0 };
            let inverse = 1.0 / scale;
            let zero = round_even(-lo * inverse).clamp(0.0, 255.0);
            for (q, &v) in out.iter_mut().zip(row) {
                *q = byte(v * inverse + zero);
            }
            for q in &mut out[width..] {
                *q = zero as u8;
            }
            self.scale.push(scale);
            self.zero.push(zero as i32);
        }
    }
}

impl QuantLinear {
    /// Quantises `weight` (`out × input`, row-major, as PyTorch stores a linear layer).
    ///
    /// # Panics
    /// When the shapes disagree or `out` is not a multiple of 16 (every BERT width is).
    #[must_use]
    pub fn new(weight: &[f32], bias: &[f32], out: usize, input: usize) -> Self {
        assert_eq!(weight.len(), out * input, "weight shape");
        assert_eq!(bias.len(), out, "bias shape");
        assert_eq!(out % PANEL, 0, "output width must be a multiple of {PANEL}");
        let padded = input.div_ceil(STEP) * STEP;
        let mut quantised = vec![0i8; out * padded];
        let mut scale = Vec::with_capacity(out);
        let mut sums = Vec::with_capacity(out);
        for (n, row) in weight.chunks_exact(input).enumerate() {
            let peak = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let s = if peak > 0.0 { peak / 127.0 } else { 1.0 };
            let mut sum = 0i32;
            for (k, &w) in row.iter().enumerate() {
                let q = (w / s).round().clamp(-127.0, 127.0) as i8;
                quantised[n * padded + k] = q;
                sum += i32::from(q);
            }
            scale.push(s);
            sums.push(sum);
        }
        Self {
            out,
            input,
            padded,
            plain: quantised,
            packed: std::sync::OnceLock::new(),
            pairs: std::sync::OnceLock::new(),
            scale,
            sums,
            bias: bias.to_vec(),
        }
    }

    /// Output width.
    #[must_use]
    pub fn out(&self) -> usize {
        self.out
    }

    /// Input width.
    #[must_use]
    pub fn input(&self) -> usize {
        self.input
    }

    /// `y = x · Wᵀ + b` for every row of `x` (`rows × input`, row-major); `y` is resized to
    /// `rows × out`. `rows` is the buffer `x` is quantised into.
    #[inline(always)]
    pub fn forward(&self, kernel: Kernel, x: &[f32], rows: &mut QuantRows, y: &mut Vec<f32>) {
        rows.quantise(x, self.input);
        let x: &QuantRows = rows;
        // Every element is written below; only growth is zero-filled.
        y.resize(x.rows * self.out, 0.0);
        match kernel {
            #[cfg(target_arch = "x86_64")]
            Kernel::Vnni => {
                assert!(kernel.available(), "AVX-512 VNNI is not available");
                let packed = self.packed.get_or_init(|| vnni::pack(self));
                // SAFETY: the processor has AVX-512 F, BW and VNNI (asserted above, a cached
                // test).
                unsafe { vnni::forward(self, packed, x, y) }
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => {
                assert!(kernel.available(), "AVX2 is not available");
                let pairs = self.pairs.get_or_init(|| avx2::pack(self));
                // SAFETY: the processor has AVX2 and FMA (asserted above).
                unsafe { avx2::forward(self, pairs, x, y) }
            }
            _ => self.forward_portable(x, y),
        }
    }

    /// The plain-Rust kernel: four input rows against one weight row at a time, from the
    /// row-major copy of the weights, in loops the compiler vectorises (inlined into the
    /// AVX-512, AVX2 and baseline builds of the forward pass, so each gets its own).
    #[inline(always)]
    fn forward_portable(&self, x: &QuantRows, y: &mut [f32]) {
        let width = self.padded;
        let row = |r: usize| &x.data[r * width..(r + 1) * width];
        let mut r = 0;
        while r < x.rows {
            let height = (x.rows - r).min(4);
            for (n, w) in self.plain.chunks_exact(width).enumerate() {
                let mut acc = [0i32; 4];
                if height == 4 {
                    let (x0, x1, x2, x3) = (row(r), row(r + 1), row(r + 2), row(r + 3));
                    for ((((&a, &b), &c), &d), &v) in x0.iter().zip(x1).zip(x2).zip(x3).zip(w) {
                        let v = i32::from(v);
                        acc[0] += i32::from(a) * v;
                        acc[1] += i32::from(b) * v;
                        acc[2] += i32::from(c) * v;
                        acc[3] += i32::from(d) * v;
                    }
                } else {
                    for (j, acc) in acc.iter_mut().enumerate().take(height) {
                        *acc = row(r + j)
                            .iter()
                            .zip(w)
                            .map(|(&a, &v)| i32::from(a) * i32::from(v))
                            .sum();
                    }
                }
                for (j, &a) in acc.iter().enumerate().take(height) {
                    y[(r + j) * self.out + n] = self.rescale(a, n, x.zero[r + j], x.scale[r + j]);
                }
            }
            r += height;
        }
    }

    /// The one rescale both kernels perform, operation for operation.
    #[inline(always)]
    fn rescale(&self, acc: i32, n: usize, zero: i32, scale: f32) -> f32 {
        let exact = acc - zero * self.sums[n];
        (exact as f32).mul_add(scale * self.scale[n], self.bias[n])
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_add_epi32, _mm256_cvtepi32_ps, _mm256_fmadd_ps, _mm256_loadu_ps,
        _mm256_loadu_si256, _mm256_madd_epi16, _mm256_mul_ps, _mm256_mullo_epi32,
        _mm256_set1_epi32, _mm256_set1_ps, _mm256_setzero_si256, _mm256_storeu_ps,
        _mm256_sub_epi32,
    };

    use super::{QuantLinear, QuantRows};

    /// Output columns per panel: one 256-bit register of `i32` sums.
    const COLUMNS: usize = 8;
    /// Rows per micro-tile; two panels each (8 accumulators of the 16 registers).
    const ROWS: usize = 4;

    /// The weights as `i16`, in panels of 8 columns; in a panel, for each pair of inputs, the
    /// 8 columns' two weights side by side (what `vpmaddwd` multiplies with an input pair).
    pub(super) fn pack(w: &QuantLinear) -> Vec<i16> {
        let steps = w.padded / 2;
        let mut pairs = vec![0i16; w.out * w.padded];
        for (n, row) in w.plain.chunks_exact(w.padded).enumerate() {
            let (panel, column) = (n / COLUMNS, n % COLUMNS);
            for (k, &v) in row.iter().enumerate() {
                pairs[((panel * steps + k / 2) * COLUMNS + column) * 2 + k % 2] = i16::from(v);
            }
        }
        pairs
    }

    /// # Safety
    /// The processor must have AVX2 and FMA (`Kernel::Avx2` is available only with both).
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn forward(w: &QuantLinear, pairs: &[i16], x: &QuantRows, y: &mut [f32]) {
        // Inputs widened to `i16` once, so a pair is one 32-bit broadcast.
        let wide: Vec<i16> = x.data.iter().map(|&b| i16::from(b)).collect();
        let panels = w.out / COLUMNS;
        let mut r = 0;
        while r < x.rows {
            let height = (x.rows - r).min(ROWS);
            let mut p = 0;
            while p < panels {
                // SAFETY: AVX2 and FMA are enabled in this function; the tile's bounds are
                // asserted in `tile`.
                unsafe {
                    if p + 2 <= panels {
                        match height {
                            4 => tile::<4, 2>(w, pairs, &wide, x, y, r, p),
                            3 => tile::<3, 2>(w, pairs, &wide, x, y, r, p),
                            2 => tile::<2, 2>(w, pairs, &wide, x, y, r, p),
                            _ => tile::<1, 2>(w, pairs, &wide, x, y, r, p),
                        }
                    } else {
                        for row in r..r + height {
                            tile::<1, 1>(w, pairs, &wide, x, y, row, p);
                        }
                    }
                }
                p += 2;
            }
            r += height;
        }
    }

    /// Rows `r..r + R` against panels `p..p + P`.
    ///
    /// # Safety
    /// AVX2 and FMA; the bounds are asserted before any load or store.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile<const R: usize, const P: usize>(
        w: &QuantLinear,
        pairs: &[i16],
        wide: &[i16],
        x: &QuantRows,
        y: &mut [f32],
        r: usize,
        p: usize,
    ) {
        let steps = w.padded / 2;
        let panel_len = steps * COLUMNS * 2;
        assert!(r + R <= x.rows && (p + P) * COLUMNS <= w.out);
        assert!(wide.len() >= (r + R) * x.padded && pairs.len() >= (p + P) * panel_len);
        assert!(y.len() >= (r + R) * w.out);
        let mut acc = [[_mm256_setzero_si256(); P]; R];
        for s in 0..steps {
            let mut wv = [_mm256_setzero_si256(); P];
            for (j, v) in wv.iter_mut().enumerate() {
                // SAFETY: panel `p + j` and step `s` lie inside `pairs` (asserted above);
                // `loadu` has no alignment requirement.
                *v = unsafe {
                    _mm256_loadu_si256(
                        pairs.as_ptr().add((p + j) * panel_len + s * COLUMNS * 2) as *const __m256i
                    )
                };
            }
            for (i, row) in acc.iter_mut().enumerate() {
                // SAFETY: row `r + i` and inputs `2s, 2s + 1` lie inside `wide` (asserted
                // above); an unaligned read of two `i16`.
                let two = unsafe {
                    (wide.as_ptr().add((r + i) * x.padded + 2 * s) as *const i32).read_unaligned()
                };
                let xb = _mm256_set1_epi32(two);
                for (a, &v) in row.iter_mut().zip(&wv) {
                    *a = _mm256_add_epi32(*a, _mm256_madd_epi16(xb, v));
                }
            }
        }
        for (i, row) in acc.iter().enumerate() {
            let zero = _mm256_set1_epi32(x.zero[r + i]);
            let scale = _mm256_set1_ps(x.scale[r + i]);
            for (j, &a) in row.iter().enumerate() {
                let n = (p + j) * COLUMNS;
                // SAFETY: columns `n..n + 8` lie inside `sums`, `scale` and `bias` (each `out`
                // long) and, for row `r + i`, inside `y` (asserted above).
                unsafe {
                    let sums = _mm256_loadu_si256(w.sums.as_ptr().add(n) as *const __m256i);
                    let exact = _mm256_sub_epi32(a, _mm256_mullo_epi32(zero, sums));
                    let column = _mm256_mul_ps(scale, _mm256_loadu_ps(w.scale.as_ptr().add(n)));
                    let bias = _mm256_loadu_ps(w.bias.as_ptr().add(n));
                    let out = _mm256_fmadd_ps(_mm256_cvtepi32_ps(exact), column, bias);
                    _mm256_storeu_ps(y.as_mut_ptr().add((r + i) * w.out + n), out);
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod vnni {
    use std::arch::x86_64::{
        __m512i, _mm512_cvtepi32_ps, _mm512_dpbusd_epi32, _mm512_fmadd_ps, _mm512_loadu_ps,
        _mm512_loadu_si512, _mm512_mul_ps, _mm512_mullo_epi32, _mm512_set1_epi32, _mm512_set1_ps,
        _mm512_setzero_si512, _mm512_storeu_ps, _mm512_sub_epi32,
    };

    use super::{PANEL, QuantLinear, QuantRows, STEP};

    /// Rows per micro-tile.
    const ROWS: usize = 6;
    /// Panels per micro-tile (6 × 4 = 24 accumulators of the 32 registers).
    const PANELS: usize = 4;
    /// Rows per cache block: their inputs stay in L1 while every panel passes over them.
    const BLOCK: usize = 48;

    /// The weights in panels of 16 columns; in a panel, for each step of 4 inputs, the 16
    /// columns' 4 bytes side by side (what `vpdpbusd` multiplies with 4 input bytes).
    pub(super) fn pack(w: &QuantLinear) -> Vec<i8> {
        let steps = w.padded / STEP;
        let mut packed = vec![0i8; w.out * w.padded];
        for (n, row) in w.plain.chunks_exact(w.padded).enumerate() {
            let (panel, column) = (n / PANEL, n % PANEL);
            for (k, &v) in row.iter().enumerate() {
                packed[((panel * steps + k / STEP) * PANEL + column) * STEP + k % STEP] = v;
            }
        }
        packed
    }

    /// # Safety
    /// The processor must have AVX-512 F, BW and VNNI.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn forward(w: &QuantLinear, packed: &[i8], x: &QuantRows, y: &mut [f32]) {
        let panels = w.out / PANEL;
        let mut start = 0;
        while start < x.rows {
            let end = (start + BLOCK).min(x.rows);
            let mut p = 0;
            while p < panels {
                let width = (panels - p).min(PANELS);
                let mut r = start;
                while r < end {
                    let height = (end - r).min(ROWS);
                    // SAFETY: the tile lies inside `x`, `w` and `y` (checked in `tile`).
                    unsafe {
                        match (height, width) {
                            (6, 4) => tile::<6, 4>(w, packed, x, y, r, p),
                            (5, 4) => tile::<5, 4>(w, packed, x, y, r, p),
                            (4, 4) => tile::<4, 4>(w, packed, x, y, r, p),
                            (3, 4) => tile::<3, 4>(w, packed, x, y, r, p),
                            (2, 4) => tile::<2, 4>(w, packed, x, y, r, p),
                            (1, 4) => tile::<1, 4>(w, packed, x, y, r, p),
                            (h, _) => {
                                for row in r..r + h {
                                    for panel in p..p + width {
                                        tile::<1, 1>(w, packed, x, y, row, panel);
                                    }
                                }
                            }
                        }
                    }
                    r += height;
                }
                p += width;
            }
            start = end;
        }
    }

    /// Rows `r..r + R` against panels `p..p + P`.
    ///
    /// # Safety
    /// AVX-512 F, BW and VNNI; the bounds are asserted before any load or store.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    #[inline]
    unsafe fn tile<const R: usize, const P: usize>(
        w: &QuantLinear,
        packed: &[i8],
        x: &QuantRows,
        y: &mut [f32],
        r: usize,
        p: usize,
    ) {
        let steps = w.padded / STEP;
        let panel_len = steps * PANEL * STEP;
        assert!(r + R <= x.rows && (p + P) * PANEL <= w.out);
        assert!(x.data.len() >= (r + R) * x.padded && packed.len() >= (p + P) * panel_len);
        assert!(y.len() >= (r + R) * w.out);
        let mut acc = [[_mm512_setzero_si512(); P]; R];
        let inputs = x.data.as_ptr();
        let weights = packed.as_ptr();
        for s in 0..steps {
            let mut wv = [_mm512_setzero_si512(); P];
            for (j, v) in wv.iter_mut().enumerate() {
                // SAFETY: panel `p + j` < `p + P`, step `s` < `steps`: inside `packed`
                // (asserted above); `loadu` has no alignment requirement.
                *v = unsafe {
                    _mm512_loadu_si512(
                        weights.add((p + j) * panel_len + s * PANEL * STEP) as *const __m512i
                    )
                };
            }
            for (i, row) in acc.iter_mut().enumerate() {
                // SAFETY: row `r + i` < `x.rows` and `s * STEP + 4` <= `x.padded`: inside
                // `x.data`; an unaligned read of four bytes.
                let four = unsafe {
                    (inputs.add((r + i) * x.padded + s * STEP) as *const i32).read_unaligned()
                };
                let xb = _mm512_set1_epi32(four);
                for (a, &v) in row.iter_mut().zip(&wv) {
                    *a = _mm512_dpbusd_epi32(*a, xb, v);
                }
            }
        }
        for (i, row) in acc.iter().enumerate() {
            let zero = _mm512_set1_epi32(x.zero[r + i]);
            let scale = _mm512_set1_ps(x.scale[r + i]);
            for (j, &a) in row.iter().enumerate() {
                let n = (p + j) * PANEL;
                // SAFETY: columns `n..n + 16` lie inside `sums`, `scale` and `bias` (each `out`
                // long) and, for row `r + i`, inside `y` (asserted above).
                unsafe {
                    let sums = _mm512_loadu_si512(w.sums.as_ptr().add(n) as *const __m512i);
                    let exact = _mm512_sub_epi32(a, _mm512_mullo_epi32(zero, sums));
                    let column = _mm512_mul_ps(scale, _mm512_loadu_ps(w.scale.as_ptr().add(n)));
                    let bias = _mm512_loadu_ps(w.bias.as_ptr().add(n));
                    let out = _mm512_fmadd_ps(_mm512_cvtepi32_ps(exact), column, bias);
                    _mm512_storeu_ps(y.as_mut_ptr().add((r + i) * w.out + n), out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the test needs no dependency.
    fn noise(seed: &mut u64) -> f32 {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((*seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    fn matrix(seed: &mut u64, len: usize, skew: f32) -> Vec<f32> {
        (0..len).map(|_| noise(seed) + skew).collect()
    }

    fn reference(w: &[f32], b: &[f32], x: &[f32], out: usize, input: usize) -> Vec<f32> {
        x.chunks_exact(input)
            .flat_map(|row| {
                (0..out).map(move |n| {
                    row.iter()
                        .zip(&w[n * input..(n + 1) * input])
                        .map(|(a, c)| a * c)
                        .sum::<f32>()
                        + b[n]
                })
            })
            .collect()
    }

    #[test]
    fn close_to_the_float_product_and_identical_across_kernels() {
        let mut seed = 7;
        // Shapes that exercise every remainder: rows not a multiple of 6 or of the block,
        // panels not a multiple of 4, input width not a multiple of 4.
        for (rows, out, input, skew) in [
            (1, 16, 4, 0.0),
            (7, 48, 30, 0.3),
            (53, 80, 384, -0.2),
            (100, 1152, 384, 0.0),
            (13, 384, 1536, 0.5),
        ] {
            let w = matrix(&mut seed, out * input, 0.0);
            let b = matrix(&mut seed, out, 0.0);
            let x = matrix(&mut seed, rows * input, skew);
            let layer = QuantLinear::new(&w, &b, out, input);
            let mut q = QuantRows::default();
            let mut portable = Vec::new();
            layer.forward(Kernel::Portable, &x, &mut q, &mut portable);
            let want = reference(&w, &b, &x, out, input);
            let worst = portable
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            // Sums of `input` products of values in [-1.5, 1.5]: an error of about 1% of their
            // typical size (√input) is what 8-bit quantisation gives.
            let typical = (input as f32).sqrt();
            assert!(worst < 0.05 * typical, "{rows}×{out}×{input}: {worst}");
            for kernel in [Kernel::Vnni, Kernel::Avx2] {
                if !kernel.available() {
                    eprintln!("{kernel:?} not available here: not checked");
                    continue;
                }
                let mut fast = Vec::new();
                layer.forward(kernel, &x, &mut q, &mut fast);
                assert!(
                    fast.iter()
                        .zip(&portable)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{rows}×{out}×{input}: {kernel:?} differs from the portable kernel"
                );
            }
        }
    }

    #[test]
    fn a_constant_row_and_zeros_are_exact() {
        let w = vec![0.5f32; 16 * 8];
        let b = vec![1.0f32; 16];
        let layer = QuantLinear::new(&w, &b, 16, 8);
        let mut q = QuantRows::default();
        let mut y = Vec::new();
        layer.forward(Kernel::detect(), &[0.0; 8], &mut q, &mut y);
        assert!(y.iter().all(|&v| v == 1.0), "{y:?}");
    }
}
