//! Sentence-embedding throughput of the in-process model on the texts of a file (one per line),
//! batched as the product batches them. Run by `bench/embed_throughput.sh`, which compares it
//! with sentence-transformers (PyTorch, CPU) on the same texts in the same run.
//!
//! `CASEWINDOW_MODEL_DIR=… EMBED_TEXTS=texts.txt cargo bench -p casewindow-embed --bench throughput`

use std::time::Instant;

use casewindow_embed::{SentenceModel, model_dir_from_env};

fn main() {
    let Some(dir) = model_dir_from_env() else {
        eprintln!("set CASEWINDOW_MODEL_DIR to the model directory");
        std::process::exit(2);
    };
    let Ok(path) = std::env::var("EMBED_TEXTS") else {
        eprintln!("set EMBED_TEXTS to a file of texts, one per line");
        std::process::exit(2);
    };
    let source = std::fs::read_to_string(&path).expect("reading the texts");
    let texts: Vec<&str> = source.lines().filter(|l| !l.trim().is_empty()).collect();
    let started = Instant::now();
    let mut model = SentenceModel::load(&dir).expect("loading the model");
    // EMBED_KERNELS=avx2 measures what a processor with AVX2 but no AVX-512 runs;
    // EMBED_KERNELS=portable the plain-Rust kernels of a processor without either.
    match std::env::var("EMBED_KERNELS").as_deref() {
        Ok("avx2") => model.use_avx2_kernels(),
        Ok("portable") => model.use_portable_kernels(),
        _ => {}
    }
    let load = started.elapsed().as_secs_f64();
    // Warm-up, then the best of three runs (the machine is shared).
    let _ = model
        .embed_all(&texts[..texts.len().min(32)])
        .expect("embeds");
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let vectors = model.embed_all(&texts).expect("embeds");
        assert_eq!(vectors.len(), texts.len());
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{{\"engine\": \"casewindow (own 8-bit forward pass, {:?} kernel, {} threads)\", \"texts\": {}, \"seconds\": {best:.3}, \"texts_per_second\": {:.1}, \"load_seconds\": {load:.2}}}",
        model.kernel(),
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        texts.len(),
        texts.len() as f64 / best
    );
}
