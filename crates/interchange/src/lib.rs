//! The versioned JSON interchange format for a whole review.
//!
//! A [`ReviewDocument`] holds one review with everything it links to: the partnership, agencies
//! and users it refers to, the recurrent issues its findings belong to, every record with its
//! version, authorship and prior revisions, and the lifecycle history. Exporting a review and
//! importing the file into another casewindow loses nothing; exporting again gives the same
//! bytes.
//!
//! Import is strict. [`parse`] rejects malformed JSON, unknown fields and wrong types, naming
//! the JSON path of the bad field; [`validate`] then checks that the document is consistent
//! (every reference resolves within the document, ids are unique, records are valid, the
//! lifecycle history leads to the review's state), again by JSON path. Only a document that
//! passes both becomes a [`casewindow_store::ReviewBundle`] for an atomic write.
//!
//! Real identities (the identity vault) are never part of the format.
//!
//! [`refiqda`] writes and reads the exchange standard of qualitative-analysis software.
//!
//! This crate does no I/O: it works on strings, bytes and values.

mod document;
mod problems;
pub mod refiqda;
mod validate;

pub use document::{
    Entry, FORMAT, FORMAT_VERSION, MetaDoc, ReviewDocument, RevisionDoc, TransitionDoc,
};
pub use problems::{ImportError, Problem};
pub use validate::validate;

/// Parses a review document, naming the JSON path of the first problem.
pub fn parse(text: &str) -> Result<ReviewDocument, ImportError> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    let document: ReviewDocument =
        serde_path_to_error::deserialize(deserializer).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            let path = if path == "." {
                "(document)".to_owned()
            } else {
                path
            };
            ImportError::single(path, inner.to_string())
        })?;
    Ok(document)
}

/// Parses and validates a document, returning every problem found.
pub fn read(text: &str) -> Result<ReviewDocument, ImportError> {
    let document = parse(text)?;
    let problems = validate(&document);
    if problems.is_empty() {
        Ok(document)
    } else {
        Err(ImportError { problems })
    }
}

/// The document as pretty-printed JSON with a trailing newline. Deterministic: the same
/// document always gives the same bytes.
pub fn to_json(document: &ReviewDocument) -> String {
    let mut text =
        serde_json::to_string_pretty(document).expect("review documents always serialise");
    text.push('\n');
    text
}
