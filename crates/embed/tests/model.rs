//! The real model, when set-up has installed it (`./test.sh` always does and sets
//! `CASEWINDOW_REQUIRE_MODEL=1`, so there a missing model fails instead of skipping).

use casewindow_embed::{SentenceModel, model_dir_from_env};

fn model() -> Option<SentenceModel> {
    match model_dir_from_env() {
        Some(dir) => Some(SentenceModel::load(&dir).expect("the model directory loads")),
        None => {
            assert!(
                std::env::var_os("CASEWINDOW_REQUIRE_MODEL").is_none(),
                "CASEWINDOW_MODEL_DIR does not name a model directory"
            );
            eprintln!("skipped: CASEWINDOW_MODEL_DIR is not set");
            None
        }
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn reproduces_the_published_vector_and_is_normalised() {
    let Some(model) = model() else { return };
    let v = model
        .embed_all(&["This is an example sentence"])
        .expect("embeds");
    assert_eq!(v[0].len(), 384);
    // The first values sentence-transformers publishes for this sentence.
    for (got, want) in v[0].iter().zip([0.0677, 0.0635, 0.0487, 0.0793, 0.0374]) {
        assert!((got - want).abs() < 1e-3, "{got} vs {want}");
    }
    assert!((cosine(&v[0], &v[0]) - 1.0).abs() < 1e-4);
}

#[test]
fn a_text_gets_the_same_vector_alone_or_padded_in_a_batch() {
    let Some(model) = model() else { return };
    let short = "The referral was not passed to the school.";
    let long = "Information about the referral, the strategy discussion and the outcome of the \
                health assessment was not shared with the school or the GP practice for months.";
    let alone = model.embed_all(&[short]).expect("embeds");
    let batch = model.embed_all(&[long, short]).expect("embeds");
    assert!(cosine(&alone[0], &batch[1]) > 0.9999);
    let related = model
        .embed_all(&["Nobody told education staff about the referral."])
        .expect("embeds");
    let unrelated = model
        .embed_all(&["The weather was warm and dry all week."])
        .expect("embeds");
    assert!(cosine(&alone[0], &related[0]) > cosine(&alone[0], &unrelated[0]) + 0.3);
}

#[test]
fn a_missing_model_directory_is_named() {
    let error =
        SentenceModel::load(std::path::Path::new("/nonexistent/model")).expect_err("no dir");
    assert!(error.to_string().contains("/nonexistent/model"), "{error}");
    assert!(error.to_string().contains("config.json"), "{error}");
}
