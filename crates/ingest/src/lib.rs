//! Published review reports read into structured text, and the findings they state proposed.
//!
//! A report is first read into [`Text`]: blocks (headings, paragraphs, table rows) in reading
//! order, each with the page it is on. Word documents are read from their XML ([`docx`]); PDFs
//! from the positions of their characters ([`pdf`]), so columns, running headers and footers,
//! and words hyphenated at line ends are dealt with in one place ([`layout`]). [`findings`] then
//! finds the findings in the text: numbered findings under headings, findings tables, the
//! category each states in any wording of the typology, and their questions.
//!
//! Nothing here touches a file or the network; callers pass bytes.

pub mod docx;
pub mod findings;
pub mod layout;
pub mod pdf;
pub mod text;

pub use findings::{Proposal, ProposedFinding, propose};
pub use text::{Block, Kind, Text};

/// Why a report cannot be read. Each names the file and says what the person can do.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("{file}: this is not a PDF or a Word (.docx) document")]
    Unsupported { file: String },
    #[error(
        "{file}: this is an older Word (.doc) document; save it as .docx or PDF and import that"
    )]
    OldWord { file: String },
    #[error("{file}: this PDF is password-protected; import a copy without a password")]
    Encrypted { file: String },
    #[error(
        "{file}: this PDF has no text layer (it is scanned images); casewindow does not read text from images"
    )]
    NoText { file: String },
    #[error("{file}: the {format} document is damaged: {reason}")]
    Damaged {
        file: String,
        format: &'static str,
        reason: String,
    },
    #[error("{file}: the document is larger than casewindow reads ({what})")]
    TooLarge { file: String, what: String },
}

/// The largest report read: published reviews are well under this.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Reads a report by its content (the name is only used in messages).
///
/// # Errors
/// [`ReadError`] saying why the file cannot be read.
pub fn read(file: &str, bytes: &[u8]) -> Result<Text, ReadError> {
    if bytes.len() > MAX_BYTES {
        return Err(ReadError::TooLarge {
            file: file.to_owned(),
            what: format!("{} MB; at most {} MB", bytes.len() >> 20, MAX_BYTES >> 20),
        });
    }
    if bytes.starts_with(b"%PDF") || bytes.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return pdf::read(file, bytes);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return docx::read(file, bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(ReadError::OldWord {
            file: file.to_owned(),
        });
    }
    Err(ReadError::Unsupported {
        file: file.to_owned(),
    })
}
