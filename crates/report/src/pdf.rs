//! The PDF, typeset in-process by Typst from the layout template and the document as JSON. The
//! fonts come with the program (typst-assets) and are embedded in every PDF, so the output does
//! not depend on the fonts of the machine.

use crate::model::Document;
use std::sync::LazyLock;
use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The layout template has a mistake; `line` is 1-based within the template.
    #[error("the PDF layout template has an error at line {line}: {message}")]
    Layout { line: usize, message: String },
    #[error("the PDF could not be written: {0}")]
    Export(String),
    #[error("the document could not be passed to the layout: {0}")]
    Data(String),
}

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

fn file_id(path: &str) -> FileId {
    // The paths are constants of ours and always valid.
    let vpath = VirtualPath::new(path).unwrap_or_else(|_| unreachable!("valid path {path}"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

static MAIN: LazyLock<FileId> = LazyLock::new(|| file_id("/layout.typ"));
static DATA: LazyLock<FileId> = LazyLock::new(|| file_id("/report.json"));

/// A closed world: the layout, the document's JSON and the bundled fonts; nothing from disk.
struct ReportWorld {
    main: Source,
    data: Bytes,
    today: Option<Datetime>,
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        *MAIN
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == *MAIN {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == *DATA {
            Ok(self.data.clone())
        } else if id == *MAIN {
            Ok(Bytes::from_string(self.main.text().to_owned()))
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

fn first_error(world: &ReportWorld, diagnostics: &[SourceDiagnostic]) -> PdfError {
    let Some(error) = diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
        .or(diagnostics.first())
    else {
        return PdfError::Export("the layout produced no document".to_owned());
    };
    let line = typst::WorldExt::range(world, error.span).map_or(0, |range| {
        world.main.text()[..range.start.min(world.main.text().len())]
            .matches('\n')
            .count()
            + 1
    });
    let mut message = error.message.to_string();
    for hint in &error.hints {
        message.push_str("; hint: ");
        message.push_str(&hint.v);
    }
    PdfError::Layout { line, message }
}

/// Typesets `document` with the Typst `layout`.
///
/// # Errors
/// A mistake in the layout is reported with its line and Typst's message.
pub fn render(
    document: &Document,
    layout: &str,
    today: chrono::NaiveDate,
) -> Result<Vec<u8>, PdfError> {
    use chrono::Datelike;
    let data = serde_json::to_vec(document).map_err(|e| PdfError::Data(e.to_string()))?;
    let world = ReportWorld {
        main: Source::new(*MAIN, layout.to_owned()),
        data: Bytes::new(data),
        today: Datetime::from_ymd(
            today.year(),
            u8::try_from(today.month()).unwrap_or(1),
            u8::try_from(today.day()).unwrap_or(1),
        ),
    };
    let compiled: PagedDocument = typst::compile(&world)
        .output
        .map_err(|diagnostics| first_error(&world, &diagnostics))?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(document.title.clone()),
        creator: typst::foundations::Smart::Custom(Some("casewindow".to_owned())),
        ..typst_pdf::PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&compiled, &options)
        .map_err(|diagnostics| first_error(&world, &diagnostics));
    // Typst memoises layout work across compilations; in a long-running server keep only what
    // recent compilations used, so memory does not grow with every report ever generated.
    typst::comemo::evict(EVICT_AFTER);
    pdf
}

/// Compilations a memoised result survives without being used.
const EVICT_AFTER: usize = 10;

/// Forgets everything Typst memoised, so the next PDF is typeset from scratch (for honest
/// benchmarks of a first request).
pub fn forget_memoised() {
    typst::comemo::evict(0);
}

/// Checks that a layout template compiles, using a small sample document.
///
/// # Errors
/// As [`render`].
pub fn check_layout(layout: &str) -> Result<(), PdfError> {
    let sample = crate::sample_document();
    render(&sample, layout, chrono::NaiveDate::default()).map(|_| ())
}
