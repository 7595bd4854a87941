//! The document register: agency reports, minutes, rapid review papers, court documents and
//! other papers a review receives, each with its kind, agency, date, legal basis, who may read
//! it and how long it is kept; the file, when one is uploaded, sealed at rest like identities.
//! A file's type is found from its content (never its name alone), and reading one is audited.

use crate::{Actor, App, AppError, AppResult, Permission};
use casewindow_domain::analysis::KeyPracticeEpisode;
use casewindow_domain::evidence::{CitationTarget, DocumentFile, NarrativeSection, SourceDocument};
use casewindow_domain::ids::{ReviewId, SourceDocumentId};
use casewindow_interchange::Problem;
use casewindow_store::{Store, Stored};
use std::collections::HashMap;

/// The largest file the register keeps.
pub const MAX_DOCUMENT_BYTES: usize = 25 * 1024 * 1024;

/// A file as uploaded: its name and bytes.
pub struct Upload<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// The kinds of file the register keeps: (what the content shows, media type, the name
/// endings that may carry it, how a reader would call it).
const TYPES: [(Kind, &str, &[&str], &str); 11] = [
    (Kind::Pdf, "application/pdf", &["pdf"], "PDF"),
    (
        Kind::Zip,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
        "Word document",
    ),
    (
        Kind::Zip,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
        "Excel workbook",
    ),
    (
        Kind::Zip,
        "application/vnd.oasis.opendocument.text",
        &["odt"],
        "OpenDocument text",
    ),
    (
        Kind::Zip,
        "application/vnd.oasis.opendocument.spreadsheet",
        &["ods"],
        "OpenDocument spreadsheet",
    ),
    (
        Kind::Ole,
        "application/msword",
        &["doc"],
        "Word 97-2003 document",
    ),
    (
        Kind::Ole,
        "application/vnd.ms-excel",
        &["xls"],
        "Excel 97-2003 workbook",
    ),
    (
        Kind::Rtf,
        "application/rtf",
        &["rtf", "doc"],
        "Rich Text document",
    ),
    (
        Kind::Text,
        "text/plain; charset=utf-8",
        &["txt", "csv"],
        "text",
    ),
    (Kind::Png, "image/png", &["png"], "PNG image"),
    (Kind::Jpeg, "image/jpeg", &["jpg", "jpeg"], "JPEG image"),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Pdf,
    Zip,
    Ole,
    Rtf,
    Text,
    Png,
    Jpeg,
}

/// What the first bytes of a file show it to be, if it is a kind the register keeps.
fn content_kind(bytes: &[u8]) -> Option<Kind> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    // PDF readers accept a PDF with a little junk before its header.
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        Some(Kind::Pdf)
    } else if starts(b"PK\x03\x04") {
        Some(Kind::Zip)
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some(Kind::Ole)
    } else if starts(b"{\\rtf") {
        Some(Kind::Rtf)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if is_text(bytes) {
        Some(Kind::Text)
    } else {
        None
    }
}

/// An encrypted Office file: an OLE container holding an `EncryptedPackage` stream. (Encrypted
/// PDFs are kept: most open without a password, the encryption only limiting printing or
/// copying.)
fn is_password_protected(bytes: &[u8]) -> bool {
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    match content_kind(bytes) {
        Some(Kind::Ole) => {
            let stream: Vec<u8> = "EncryptedPackage"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect();
            contains(&stream)
        }
        _ => false,
    }
}

/// Text: a UTF-16 byte-order mark, or no NUL and few other control bytes in the first 64 KB.
fn is_text(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    !head.contains(&0) && control * 100 <= head.len()
}

/// Within a ZIP file, whether the named entry is present (read from the central directory at
/// the end of the file, without decompressing anything).
fn zip_has(bytes: &[u8], entry: &str) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024 * 1024)..];
    tail.windows(entry.len()).any(|w| w == entry.as_bytes())
}

/// The media type of an uploaded file, found from its content and agreeing with its name, or
/// why it is refused (in words for the person who sent it).
pub fn file_type(name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    if bytes.is_empty() {
        return Err(format!("{name} is empty"));
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "{name} is {:.1} MB; the register keeps files of up to {} MB",
            bytes.len() as f64 / 1024.0 / 1024.0,
            MAX_DOCUMENT_BYTES / 1024 / 1024
        ));
    }
    let ending = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let accepted = "PDF, Word (.docx, .doc), Excel (.xlsx, .xls), OpenDocument (.odt, .ods), \
                    Rich Text, plain text or CSV, PNG or JPEG";
    if is_password_protected(bytes) {
        return Err(format!(
            "{name} is password-protected: the review could not read it. Ask the agency for a \
             copy without the password (sent securely), then register that"
        ));
    }
    let Some(kind) = content_kind(bytes) else {
        return Err(format!(
            "{name} is not a kind of file the register keeps ({accepted})"
        ));
    };
    let mut candidates = TYPES.iter().filter(|(k, ..)| *k == kind);
    if kind == Kind::Zip {
        // Office files are ZIP archives: which one is told by the parts inside.
        let inner = match ending.as_str() {
            "docx" => "word/document.xml",
            "xlsx" => "xl/workbook.xml",
            "odt" | "ods" => "mimetype",
            _ => "",
        };
        if inner.is_empty() || !zip_has(bytes, inner) {
            return Err(format!(
                "{name} is a ZIP archive, not a Word, Excel or OpenDocument file; archives are \
                 not kept: send the documents in it one by one"
            ));
        }
    }
    match candidates.find(|(_, _, endings, _)| endings.contains(&ending.as_str())) {
        Some((_, media, ..)) => Ok(media),
        None => {
            let found = TYPES
                .iter()
                .find(|(k, ..)| *k == kind)
                .map_or("another kind of file", |t| t.3);
            Err(format!(
                "{name} is named .{ending} but its content is {}: rename it to what it is, or \
                 send the right file",
                if kind == Kind::Zip {
                    "an Office or OpenDocument file"
                } else {
                    found
                }
            ))
        }
    }
}

fn invalid(path: &str, reason: String) -> AppError {
    AppError::Invalid(vec![Problem {
        path: path.to_owned(),
        reason,
    }])
}

impl<S: Store> App<S> {
    /// Registers a document, with its file when one is uploaded: the file's type is checked
    /// from its content, its hash kept, its bytes sealed; the record and the file are written
    /// together or not at all.
    pub async fn register_document(
        &self,
        actor: &Actor,
        document: &SourceDocument,
        upload: Option<Upload<'_>>,
        once: Option<&str>,
    ) -> AppResult<Stored<SourceDocument>> {
        let roles = self
            .authorize_roles(actor, document.review_id, Permission::EditChronology)
            .await?;
        if !crate::records::visible_to(&roles, document) {
            return Err(invalid(
                "agency_id",
                "an agency's records liaison registers only their own agency's documents: \
                 choose your agency"
                    .to_owned(),
            ));
        }
        let Some(upload) = upload else {
            return self.create_once(actor, document, once).await;
        };
        let media_type = file_type(upload.name, upload.bytes).map_err(|m| invalid("file", m))?;
        let mut document = document.clone();
        document.file = Some(DocumentFile {
            name: upload.name.to_owned(),
            media_type: media_type.to_owned(),
            bytes: upload.bytes.len() as u64,
        });
        document.sha256 = Some({
            use sha2::Digest as _;
            sha2::Sha256::digest(upload.bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        });
        if document.reference.trim().is_empty() {
            document.reference = upload.name.to_owned();
        }
        self.check_record(&document).await?;
        let sealed = self.vault()?.seal_file(document.id, upload.bytes);
        let once = once
            .map(str::trim)
            .filter(|key| !key.is_empty() && key.len() <= 128);
        let created = self
            .store
            .create_document(
                &document,
                &sealed,
                once,
                &self.change(actor, "registered a document"),
            )
            .await?;
        if created.record.review_id != document.review_id {
            return Err(invalid(
                "once",
                "this form was already used; open it again".to_owned(),
            ));
        }
        Ok(created)
    }

    /// A document's file, for someone who may read the document (a liaison only their own
    /// agency's; a document for the leads only, them and the agency that sent it); audited.
    pub async fn document_file(
        &self,
        actor: &Actor,
        review: ReviewId,
        document: SourceDocumentId,
    ) -> AppResult<(DocumentFile, Vec<u8>)> {
        let stored = self.record::<SourceDocument>(actor, document.0).await?;
        let not_found = || AppError::NotFound {
            what: format!("file of document {document}"),
        };
        if stored.record.review_id != review {
            return Err(not_found());
        }
        let (Some(file), Some(sealed)) = (
            stored.record.file.clone(),
            self.store.document_file(document).await?,
        ) else {
            return Err(not_found());
        };
        let bytes = self.vault()?.open_file(document, &sealed).map_err(|err| {
            AppError::Store(casewindow_store::StoreError::Corrupt {
                kind: "document file",
                id: document.to_string(),
                reason: err.to_string(),
            })
        })?;
        self.audit_event(
            actor,
            review,
            "read",
            "document_files",
            &document.to_string(),
            "opened the file",
        )
        .await?;
        Ok((file, bytes))
    }

    /// Where each of a review's documents is used: the episodes and narrative sections citing
    /// it, and how many chronology entries came from it.
    pub async fn document_uses(
        &self,
        actor: &Actor,
        review: ReviewId,
    ) -> AppResult<HashMap<SourceDocumentId, Vec<String>>> {
        let mut uses: HashMap<SourceDocumentId, Vec<String>> = HashMap::new();
        for kpe in self.records::<KeyPracticeEpisode>(actor, review).await? {
            let kpe = kpe.record;
            for citation in &kpe.evidence {
                if let CitationTarget::SourceDocument(id) = citation.target {
                    uses.entry(id)
                        .or_default()
                        .push(format!("Episode {}: {}", kpe.position, kpe.title));
                }
            }
        }
        for section in self.records::<NarrativeSection>(actor, review).await? {
            let section = section.record;
            for citation in &section.citations {
                if let CitationTarget::SourceDocument(id) = citation.target {
                    uses.entry(id)
                        .or_default()
                        .push(format!("Narrative: {}", section.heading));
                }
            }
        }
        let view = self.chronology(actor, review).await?;
        let mut entries: HashMap<SourceDocumentId, usize> = HashMap::new();
        for entry in &view.entries {
            if let Some(source) = entry.source {
                *entries.entry(source.document_id).or_default() += 1;
            }
        }
        for (id, count) in entries {
            uses.entry(id).or_default().push(format!(
                "{count} chronology entr{}",
                if count == 1 { "y" } else { "ies" }
            ));
        }
        for list in uses.values_mut() {
            list.sort();
            list.dedup();
        }
        Ok(uses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_kept_only_as_what_its_content_and_name_agree_it_is() {
        assert_eq!(file_type("r.pdf", b"%PDF-1.7\n..."), Ok("application/pdf"));
        assert_eq!(
            file_type("notes.txt", "Strategy discussion notes\n".as_bytes()),
            Ok("text/plain; charset=utf-8")
        );
        assert!(
            file_type("r.pdf", b"")
                .unwrap_err()
                .contains("r.pdf is empty")
        );
        let big = vec![b'a'; MAX_DOCUMENT_BYTES + 1];
        assert!(
            file_type("big.txt", &big)
                .unwrap_err()
                .contains("the register keeps files of up to 25 MB")
        );
        let renamed = file_type("minutes.pdf", b"PK\x03\x04....word/document.xml").unwrap_err();
        assert!(
            renamed.contains("is a ZIP archive") || renamed.contains("named .pdf"),
            "{renamed}"
        );
        assert_eq!(
            file_type("minutes.docx", b"PK\x03\x04....word/document.xml"),
            Ok("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        assert!(
            file_type("bundle.zip", b"PK\x03\x04 anything")
                .unwrap_err()
                .contains("archives are not kept")
        );
        let exe = file_type("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00").unwrap_err();
        assert!(
            exe.contains("not a kind of file the register keeps"),
            "{exe}"
        );
        let mut protected = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        protected.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert!(
            file_type("plan.docx", &protected)
                .unwrap_err()
                .contains("plan.docx is password-protected")
        );
        assert_eq!(
            file_type("plan.pdf", b"%PDF-1.6 trailer << /Encrypt 5 0 R >>"),
            Ok("application/pdf")
        );
        assert_eq!(
            file_type("junk.pdf", b"junk\n%PDF-1.4"),
            Ok("application/pdf")
        );
        let wordperfect = file_type("letter.doc", b"\xffWPC\x10\x00\x00\x00").unwrap_err();
        assert!(wordperfect.contains("not a kind of file"), "{wordperfect}");
        assert!(
            file_type("letter.txt", b"%PDF-1.4")
                .unwrap_err()
                .contains("named .txt but its content is PDF")
        );
    }
}
