//! A BERT encoder's forward pass, written for sentence embeddings on a CPU.
//!
//! Texts are not padded: their tokens are laid end to end, every linear layer runs once over all
//! of them (in 8-bit integers, see [`crate::int8`]), and attention runs within each text. The
//! output is each text's mean-pooled, L2-normalised vector, as sentence-transformers computes
//! it for all-MiniLM-L6-v2.

use safetensors::{Dtype, SafeTensors};
use serde::Deserialize;

use crate::int8::{Kernel, QuantLinear, QuantRows};
use crate::simd::{LANES, weighted_rows};

/// The parts of a BERT `config.json` the forward pass needs.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f32,
    #[serde(default = "default_act")]
    pub hidden_act: String,
    pub max_position_embeddings: usize,
    #[serde(default = "default_position")]
    pub position_embedding_type: String,
}

fn default_eps() -> f32 {
    1e-12
}
fn default_act() -> String {
    "gelu".to_owned()
}
fn default_position() -> String {
    "absolute".to_owned()
}

struct Norm {
    gain: Vec<f32>,
    bias: Vec<f32>,
}

struct Layer {
    /// Query, key and value in one matrix: `3·hidden` outputs.
    qkv: QuantLinear,
    attention_out: QuantLinear,
    attention_norm: Norm,
    intermediate: QuantLinear,
    output: QuantLinear,
    output_norm: Norm,
}

/// The encoder's weights.
pub struct Encoder {
    config: Config,
    words: Vec<f32>,
    positions: Vec<f32>,
    /// Token type 0 (sentence embeddings use a single segment).
    segment: Vec<f32>,
    embedding_norm: Norm,
    layers: Vec<Layer>,
    kernel: Kernel,
    width: Width,
}

/// The vector instructions the floating-point work is compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Width {
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Avx512,
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    Avx2,
    Baseline,
}

impl Width {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") && has!("avx512bw") && has!("avx512vl") && has!("avx512dq") {
                return Width::Avx512;
            }
            if has!("avx2") && has!("fma") {
                return Width::Avx2;
            }
        }
        Width::Baseline
    }
}

/// The working buffers of one forward pass, reused between calls.
#[derive(Default)]
pub struct Scratch {
    hidden: Vec<f32>,
    qkv: Vec<f32>,
    context: Vec<f32>,
    projected: Vec<f32>,
    inner: Vec<f32>,
    quant: QuantRows,
    scores: Vec<f32>,
    /// One head's keys, transposed.
    keys: Vec<f32>,
}

impl Encoder {
    /// Reads the weights from a `model.safetensors` buffer.
    ///
    /// # Errors
    /// Names the tensor that is missing or has the wrong shape or type, or the unsupported
    /// setting in the configuration.
    pub fn load(config: Config, weights: &[u8]) -> Result<Self, String> {
        if config.hidden_act != "gelu" {
            return Err(format!(
                "config.json: hidden_act {:?} is not supported (only \"gelu\")",
                config.hidden_act
            ));
        }
        if config.position_embedding_type != "absolute" {
            return Err(format!(
                "config.json: position_embedding_type {:?} is not supported (only \"absolute\")",
                config.position_embedding_type
            ));
        }
        let hidden = config.hidden_size;
        let heads = config.num_attention_heads;
        if heads == 0
            || !hidden.is_multiple_of(heads)
            || !(hidden / heads).is_multiple_of(LANES)
            || !config.intermediate_size.is_multiple_of(LANES)
        {
            return Err(format!(
                "config.json: hidden_size {hidden}, {heads} heads and intermediate_size {} do not \
                 fit (the head width and intermediate size must be multiples of 16)",
                config.intermediate_size
            ));
        }
        let file = SafeTensors::deserialize(weights).map_err(|e| e.to_string())?;
        let read = |name: &str, shape: &[usize]| -> Result<Vec<f32>, String> {
            let view = file
                .tensor(name)
                .or_else(|_| file.tensor(&format!("bert.{name}")))
                .map_err(|_| format!("tensor {name} is missing"))?;
            if view.shape() != shape {
                return Err(format!(
                    "tensor {name} has shape {:?}, expected {shape:?}",
                    view.shape()
                ));
            }
            if view.dtype() != Dtype::F32 {
                return Err(format!(
                    "tensor {name} is {:?}; only F32 weights are supported",
                    view.dtype()
                ));
            }
            Ok(view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect())
        };
        let norm = |prefix: &str| -> Result<Norm, String> {
            let gain = read(&format!("{prefix}.weight"), &[hidden])
                .or_else(|_| read(&format!("{prefix}.gamma"), &[hidden]))?;
            let bias = read(&format!("{prefix}.bias"), &[hidden])
                .or_else(|_| read(&format!("{prefix}.beta"), &[hidden]))?;
            Ok(Norm { gain, bias })
        };
        let linear = |prefix: &str, out: usize, input: usize| -> Result<QuantLinear, String> {
            let w = read(&format!("{prefix}.weight"), &[out, input])?;
            let b = read(&format!("{prefix}.bias"), &[out])?;
            Ok(QuantLinear::new(&w, &b, out, input))
        };
        let words = file
            .tensor("embeddings.word_embeddings.weight")
            .or_else(|_| file.tensor("bert.embeddings.word_embeddings.weight"))
            .map_err(|_| "tensor embeddings.word_embeddings.weight is missing".to_owned())?
            .shape()
            .first()
            .copied()
            .unwrap_or(0);
        let intermediate = config.intermediate_size;
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for i in 0..config.num_hidden_layers {
            let p = format!("encoder.layer.{i}");
            let mut w = Vec::with_capacity(3 * hidden * hidden);
            let mut b = Vec::with_capacity(3 * hidden);
            for part in ["query", "key", "value"] {
                w.extend(read(
                    &format!("{p}.attention.self.{part}.weight"),
                    &[hidden, hidden],
                )?);
                b.extend(read(&format!("{p}.attention.self.{part}.bias"), &[hidden])?);
            }
            layers.push(Layer {
                qkv: QuantLinear::new(&w, &b, 3 * hidden, hidden),
                attention_out: linear(&format!("{p}.attention.output.dense"), hidden, hidden)?,
                attention_norm: norm(&format!("{p}.attention.output.LayerNorm"))?,
                intermediate: linear(&format!("{p}.intermediate.dense"), intermediate, hidden)?,
                output: linear(&format!("{p}.output.dense"), hidden, intermediate)?,
                output_norm: norm(&format!("{p}.output.LayerNorm"))?,
            });
        }
        Ok(Self {
            words: read("embeddings.word_embeddings.weight", &[words, hidden])?,
            positions: read(
                "embeddings.position_embeddings.weight",
                &[config.max_position_embeddings, hidden],
            )?,
            segment: read("embeddings.token_type_embeddings.weight", &[2, hidden])
                .or_else(|_| read("embeddings.token_type_embeddings.weight", &[1, hidden]))?
                [..hidden]
                .to_vec(),
            embedding_norm: norm("embeddings.LayerNorm")?,
            layers,
            kernel: Kernel::detect(),
            width: Width::detect(),
            config,
        })
    }

    /// Vector length.
    #[must_use]
    pub fn dimension(&self) -> usize {
        self.config.hidden_size
    }

    /// Longest text in tokens the position table allows.
    #[must_use]
    pub fn max_tokens(&self) -> usize {
        self.config.max_position_embeddings
    }

    /// Number of word pieces the model knows.
    #[must_use]
    pub fn vocabulary(&self) -> usize {
        self.words.len() / self.config.hidden_size
    }

    /// Which integer kernel runs.
    #[must_use]
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// Runs the plain-Rust kernels and the baseline build only, as on a processor without
    /// AVX2 or AVX-512 (for the tests that hold every build to the same bits).
    pub fn use_portable_kernels(&mut self) {
        self.kernel = Kernel::Portable;
        self.width = Width::Baseline;
    }

    /// Runs what a processor with AVX2 but no AVX-512 would, when this one has AVX2 (for tests
    /// and benchmarks); otherwise leaves the choice as it is.
    pub fn use_avx2_kernels(&mut self) {
        if Kernel::Avx2.available() {
            self.kernel = Kernel::Avx2;
            self.width = Width::Avx2;
        }
    }

    /// The pooled, normalised vector of each text; `texts` holds each text's token ids (already
    /// truncated to [`Encoder::max_tokens`], ids below [`Encoder::vocabulary`]).
    ///
    /// The floating-point work (norms, attention, GELU, quantising each layer's input) is
    /// compiled three times: for AVX-512, for AVX2 and for any x86-64, and the widest this
    /// processor runs is used. Every reduction is written with a fixed number of partial sums, so
    /// the three give the same bits.
    pub fn embed(&self, texts: &[&[u32]], scratch: &mut Scratch) -> Vec<Vec<f32>> {
        #[cfg(target_arch = "x86_64")]
        match self.width {
            Width::Avx512 => {
                // SAFETY: `Width::Avx512` is chosen only when the processor has these features.
                #[allow(unsafe_code)]
                return unsafe { self.embed_avx512(texts, scratch) };
            }
            Width::Avx2 => {
                // SAFETY: `Width::Avx2` is chosen only when the processor has AVX2 and FMA.
                #[allow(unsafe_code)]
                return unsafe { self.embed_avx2(texts, scratch) };
            }
            Width::Baseline => {}
        }
        self.embed_any(texts, scratch)
    }

    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")]
    unsafe fn embed_avx512(&self, texts: &[&[u32]], scratch: &mut Scratch) -> Vec<Vec<f32>> {
        self.embed_any(texts, scratch)
    }

    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn embed_avx2(&self, texts: &[&[u32]], scratch: &mut Scratch) -> Vec<Vec<f32>> {
        self.embed_any(texts, scratch)
    }

    #[inline(always)]
    fn embed_any(&self, texts: &[&[u32]], scratch: &mut Scratch) -> Vec<Vec<f32>> {
        let d = self.config.hidden_size;
        let total: usize = texts.iter().map(|t| t.len()).sum();
        let s = scratch;
        s.hidden.clear();
        s.hidden.reserve(total * d);
        for ids in texts {
            for (position, &id) in ids.iter().enumerate() {
                let word = &self.words[id as usize * d..(id as usize + 1) * d];
                let place = &self.positions[position * d..(position + 1) * d];
                s.hidden.extend(
                    word.iter()
                        .zip(place)
                        .zip(&self.segment)
                        .map(|((w, p), t)| w + p + t),
                );
            }
        }
        self.embedding_norm
            .apply(&mut s.hidden, d, self.config.layer_norm_eps);
        for layer in &self.layers {
            self.layer(layer, texts, s);
        }
        let mut out = Vec::with_capacity(texts.len());
        let mut start = 0;
        for ids in texts {
            let mut mean = vec![0.0f32; d];
            for row in s.hidden[start * d..(start + ids.len()) * d].chunks_exact(d) {
                for (m, v) in mean.iter_mut().zip(row) {
                    *m += v;
                }
            }
            let count = ids.len().max(1) as f32;
            let norm = mean.iter().map(|m| (m / count).powi(2)).sum::<f32>().sqrt();
            let divisor = count * norm.max(1e-12);
            for m in &mut mean {
                *m /= divisor;
            }
            out.push(mean);
            start += ids.len();
        }
        out
    }

    #[inline(always)]
    fn layer(&self, layer: &Layer, texts: &[&[u32]], s: &mut Scratch) {
        let (d, eps, kernel) = (
            self.config.hidden_size,
            self.config.layer_norm_eps,
            self.kernel,
        );
        layer
            .qkv
            .forward(kernel, &s.hidden, &mut s.quant, &mut s.qkv);
        self.attention(texts, s);
        let attention = &layer.attention_out;
        attention.forward(kernel, &s.context, &mut s.quant, &mut s.projected);
        layer
            .attention_norm
            .add_and_apply(&mut s.hidden, &s.projected, d, eps);
        let intermediate = &layer.intermediate;
        intermediate.forward(kernel, &s.hidden, &mut s.quant, &mut s.inner);
        for v in &mut s.inner {
            *v = gelu(*v);
        }
        layer
            .output
            .forward(kernel, &s.inner, &mut s.quant, &mut s.projected);
        layer
            .output_norm
            .add_and_apply(&mut s.hidden, &s.projected, d, eps);
    }

    /// Scaled dot-product attention within each text, head by head: `qkv` rows hold query,
    /// key and value side by side; the context goes to `s.context`. Keys are transposed into
    /// rows padded to a multiple of 16, so that every sum runs along contiguous rows of 16 lanes.
    #[inline(always)]
    fn attention(&self, texts: &[&[u32]], s: &mut Scratch) {
        let d = self.config.hidden_size;
        let heads = self.config.num_attention_heads;
        let width = d / heads;
        let stride = 3 * d;
        let scale = 1.0 / (width as f32).sqrt();
        s.context.resize(s.hidden.len(), 0.0);
        let mut start = 0;
        for ids in texts {
            let n = ids.len();
            let padded = n.div_ceil(LANES) * LANES;
            let qkv = &s.qkv[start * stride..(start + n) * stride];
            let context = &mut s.context[start * d..(start + n) * d];
            s.scores.resize(padded, 0.0);
            s.keys.resize(width * padded, 0.0);
            for h in 0..heads {
                let k_at = d + h * width;
                for c in 0..width {
                    let row = &mut s.keys[c * padded..(c + 1) * padded];
                    for (j, key) in row.iter_mut().enumerate().take(n) {
                        *key = qkv[j * stride + k_at + c] * scale;
                    }
                    row[n..].fill(0.0);
                }
                let head = Head {
                    qkv,
                    stride,
                    query: h * width,
                    value: 2 * d + h * width,
                    width,
                    n,
                    padded,
                    keys: &s.keys,
                    wide: self.width == Width::Avx512,
                };
                for i in 0..n {
                    head.attend(i, &mut s.scores, context, d);
                }
            }
            start += n;
        }
    }
}

/// One attention head over one text.
struct Head<'a> {
    qkv: &'a [f32],
    stride: usize,
    query: usize,
    value: usize,
    width: usize,
    n: usize,
    padded: usize,
    /// The keys, scaled and transposed: `width` rows of `padded`.
    keys: &'a [f32],
    /// AVX-512 for the weighted sums.
    wide: bool,
}

impl Head<'_> {
    /// Query `i`: its scores against every key, softmax, and the weighted values into its row
    /// of `context`.
    #[inline(always)]
    fn attend(&self, i: usize, scores: &mut [f32], context: &mut [f32], d: usize) {
        let (n, padded, width, stride) = (self.n, self.padded, self.width, self.stride);
        let q = &self.qkv[i * stride + self.query..i * stride + self.query + width];
        for (block, out) in scores[..padded].chunks_exact_mut(LANES).enumerate() {
            out.copy_from_slice(&weighted_rows(
                self.wide,
                q,
                self.keys,
                block * LANES,
                padded,
            ));
        }
        let row = &mut scores[..n];
        let peak = lanes_max(row);
        for score in row.iter_mut() {
            *score = exp(*score - peak);
        }
        let inverse = 1.0 / lanes_sum(row);
        let row = &scores[..n];
        for block in 0..width / LANES {
            let first = self.value + block * LANES;
            let sum = weighted_rows(self.wide, row, self.qkv, first, stride);
            let at = i * d + self.query + block * LANES;
            for (o, a) in context[at..at + LANES].iter_mut().zip(sum) {
                *o = a * inverse;
            }
        }
    }
}

impl Norm {
    /// Adds `residual` to `x`, then normalises each row of `x` in place.
    #[inline(always)]
    fn add_and_apply(&self, x: &mut [f32], residual: &[f32], width: usize, eps: f32) {
        for (v, r) in x.iter_mut().zip(residual) {
            *v += r;
        }
        self.apply(x, width, eps);
    }

    /// Layer normalisation of each row of `x` in place.
    #[inline(always)]
    fn apply(&self, x: &mut [f32], width: usize, eps: f32) {
        for row in x.chunks_exact_mut(width) {
            let mean = lanes_sum(row) / width as f32;
            let mut lanes = [0.0f32; LANES];
            let mut chunks = row.chunks_exact(LANES);
            for c in chunks.by_ref() {
                for k in 0..LANES {
                    lanes[k] += (c[k] - mean) * (c[k] - mean);
                }
            }
            let tail: f32 = chunks
                .remainder()
                .iter()
                .map(|v| (v - mean) * (v - mean))
                .sum();
            let variance = (fold(lanes) + tail) / width as f32;
            let inverse = 1.0 / (variance + eps).sqrt();
            for ((v, g), b) in row.iter_mut().zip(&self.gain).zip(&self.bias) {
                *v = (*v - mean) * inverse * g + b;
            }
        }
    }
}

// Reductions are written with `LANES` partial sums (one 512-bit register of `f32`) so that they
// vectorise (the compiler may not reorder a plain float sum) and give the same result at every
// vector width.

#[inline(always)]
fn fold(lanes: [f32; LANES]) -> f32 {
    let mut half = [0.0f32; LANES / 2];
    for k in 0..LANES / 2 {
        half[k] = lanes[k] + lanes[k + LANES / 2];
    }
    half.iter().sum()
}

#[inline(always)]
fn lanes_sum(x: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in chunks.by_ref() {
        for k in 0..LANES {
            lanes[k] += c[k];
        }
    }
    fold(lanes) + chunks.remainder().iter().sum::<f32>()
}

#[inline(always)]
fn lanes_max(x: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in chunks.by_ref() {
        for k in 0..LANES {
            lanes[k] = lanes[k].max(c[k]);
        }
    }
    chunks
        .remainder()
        .iter()
        .chain(&lanes)
        .fold(f32::NEG_INFINITY, |m, &v| m.max(v))
}

/// Rounds to the nearest integer (ties to even) for |x| < 2²², with plain additions that
/// vectorise (`f32::round` is a library call on baseline x86-64).
#[inline(always)]
pub(crate) fn round_even(x: f32) -> f32 {
    (x + MAGIC) - MAGIC
}

/// 1.5 · 2²³: added to a float below 2²² in size, it leaves that float rounded to an integer.
pub(crate) const MAGIC: f32 = 12_582_912.0;

/// `eˣ` to about 3·10⁻⁷ relative error, without a library call (so loops over it vectorise):
/// `eˣ = 2ⁿ · eᶠ` with `n` the nearest integer to `x·log₂e`, `f = x − n·ln2` (with ln2 split in
/// two parts so that `f` is exact) and `eᶠ` from its Taylor series.
#[inline(always)]
fn exp(x: f32) -> f32 {
    const LN2_HIGH: f32 = 0.693_359_4; // ln2's leading bits, so `n · LN2_HIGH` is exact
    const LN2_LOW: f32 = -2.121_944_4e-4; // ln2 − LN2_HIGH
    let x = x.clamp(-87.0, 88.0);
    // `t + 1.5·2²³` rounds `t` and holds the integer in its low mantissa bits.
    let shifted = x * std::f32::consts::LOG2_E + MAGIC;
    let n = shifted - MAGIC;
    let whole = shifted.to_bits() as i32 - MAGIC.to_bits() as i32;
    let f = (x - n * LN2_HIGH) - n * LN2_LOW;
    // e^f for |f| ≤ ln2/2, degree 7.
    let p = 1.0
        + f * (1.0
            + f * (0.5
                + f * (1.0 / 6.0
                    + f * (1.0 / 24.0 + f * (1.0 / 120.0 + f * (1.0 / 720.0 + f / 5040.0))))));
    p * f32::from_bits(((whole + 127) as u32) << 23)
}

/// The error function, by the rational approximation 7.1.26 of Abramowitz and Stegun's
/// handbook (absolute error below 1.5·10⁻⁷).
#[inline(always)]
fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_8 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let y = 1.0 - poly * exp(-a * a);
    y.copysign(x)
}

/// GELU as BERT defines it, with the exact error function.
#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_and_erf_match_the_library() {
        for i in -2000..=2000 {
            let x = i as f32 / 100.0;
            let want = x.exp();
            assert!(
                ((exp(x) - want) / want).abs() < 4e-7,
                "exp({x}): {} vs {want}",
                exp(x)
            );
        }
        // Known values of erf.
        for (x, want) in [
            (0.0f32, 0.0f32),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (-1.0, -0.842_700_8),
            (2.0, 0.995_322_3),
            (3.5, 0.999_999_3),
        ] {
            assert!((erf(x) - want).abs() < 3e-7, "erf({x}) = {}", erf(x));
        }
        assert!((gelu(1.0) - 0.841_344_7).abs() < 1e-6);
        assert!(gelu(-10.0).abs() < 1e-6);
    }
}
