//! Agency chronologies as agencies really send them, read from bytes without I/O: CSV in any
//! common encoding and delimiter, spreadsheets (XLSX, XLS, ODS), tables in Word documents
//! (DOCX); UK date habits with their vagueness kept ([`dates`]); the column mapping, guessed
//! or given, and every row read or refused with its row, column and reason ([`mapping`]).

pub mod align;
pub mod dates;
mod docx;
pub mod gaps;
pub mod mapping;
mod ole;
pub mod read;

pub use mapping::{EntryDraft, Field, Mapping, MappingError, Reading, RowProblem};
pub use read::{Format, ReadError, Table};

/// Why a file gave no chronology.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{file}: {error}")]
    Mapping { file: String, error: MappingError },
}

/// Reads a file's chronology: its tables, then the entries with the mapping (or a guessed one).
pub fn read_file(
    file: &str,
    bytes: &[u8],
    mapping: Option<&Mapping>,
) -> Result<(Format, Reading), ImportError> {
    let (format, tables) = read::tables(file, bytes)?;
    let reading = mapping::read(&tables, mapping).map_err(|error| ImportError::Mapping {
        file: file.to_owned(),
        error,
    })?;
    Ok((format, reading))
}
