//! Submitted forms as a multi-map, so repeated fields (checkboxes) keep every value.

use crate::error::WebError;
use crate::session::form_urlencoded_pairs;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use chrono::NaiveDate;

/// A submitted `application/x-www-form-urlencoded` form.
#[derive(Clone, Debug, Default)]
pub struct FormData {
    pairs: Vec<(String, String)>,
}

impl FormData {
    /// Parses a body.
    pub fn parse(body: &[u8]) -> Self {
        Self {
            pairs: form_urlencoded_pairs(body).collect(),
        }
    }

    /// Adds a value (repeated names keep every value).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.pairs.push((name.to_owned(), value.into()));
    }

    /// Replaces every value of a field with one value.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.pairs.retain(|(k, _)| k != name);
        self.push(name, value);
    }

    /// Whether one of a repeated field's values is `value` (ticked checkbox, selected option).
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.pairs.iter().any(|(k, v)| k == name && v == value)
    }

    /// The first value of a field, trimmed of trailing line-ending noise; "" when absent.
    pub fn get(&self, name: &str) -> String {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.replace("\r\n", "\n"))
            .unwrap_or_default()
    }

    /// A date field, noting in `errors` why it cannot be read (and giving none then).
    pub fn date_noting(&self, name: &str, errors: &mut crate::layout::Errors) -> Option<NaiveDate> {
        self.date_called(name, "The date", errors)
    }

    /// [`Self::date_noting`], the date named in the message as `what` ("The due date").
    pub fn date_called(
        &self,
        name: &str,
        what: &str,
        errors: &mut crate::layout::Errors,
    ) -> Option<NaiveDate> {
        self.date(name)
            .map_err(|m| errors.add(name, format!("{what} {m}")))
            .ok()
            .flatten()
    }

    /// A field holding a place in a list (from 0), if it holds one.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.number(name)
            .ok()
            .flatten()
            .and_then(|n| usize::try_from(n).ok())
    }

    /// Whether the field was submitted at all (even empty).
    pub fn present(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// Every field as submitted, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// How many numbered groups of fields were submitted: `{prefix}_0`, `{prefix}_1`, … present
    /// in a row (even empty), at most 200.
    pub fn groups(&self, prefix: &str) -> usize {
        (0..200)
            .take_while(|idx| self.present(&format!("{prefix}_{idx}")))
            .count()
    }

    /// Non-blank lines of a text area, one item per line.
    pub fn lines(&self, name: &str) -> Vec<String> {
        self.get(name)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Whether a checkbox is ticked.
    pub fn checked(&self, name: &str) -> bool {
        !self.get(name).is_empty()
    }

    /// An optional date (`YYYY-MM-DD`, as date inputs send); an error message when malformed.
    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, String> {
        let raw = self.get(name);
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| "must be a real date, like 2026-03-27".to_owned())
    }

    /// An optional whole number; an error message when malformed.
    pub fn number(&self, name: &str) -> Result<Option<i64>, String> {
        let raw = self.get(name);
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        raw.parse()
            .map(Some)
            .map_err(|_| "must be a whole number".to_owned())
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| WebError::TooLarge)?;
        Ok(Self::parse(&bytes))
    }
}

/// A file sent with a `multipart/form-data` form.
#[derive(Clone)]
pub struct UploadedFile {
    /// The file's own name (no folders), as the browser gave it.
    pub file_name: String,
    pub bytes: Bytes,
}

/// A submitted `multipart/form-data` form: its text fields and its files, by field name.
/// Parsed once by the CSRF check, which leaves it in the request extensions.
#[derive(Clone, Default)]
pub struct MultipartForm {
    pub fields: FormData,
    pub files: Vec<(String, UploadedFile)>,
}

impl MultipartForm {
    /// Parses a whole body already read.
    pub async fn parse(content_type: &str, body: Bytes) -> Result<Self, multer::Error> {
        let boundary = multer::parse_boundary(content_type)?;
        let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        let mut form = Self::default();
        while let Some(field) = multipart.next_field().await? {
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(file_name_only) {
                Some(file_name) => {
                    let bytes = field.bytes().await?;
                    // A file input left empty sends a part with no name and no content.
                    if !file_name.is_empty() || !bytes.is_empty() {
                        form.files.push((name, UploadedFile { file_name, bytes }));
                    }
                }
                None => {
                    let text = field.text().await?;
                    form.fields.push(&name, text);
                }
            }
        }
        Ok(form)
    }

    /// The file sent in a field, if any.
    pub fn file(&self, name: &str) -> Option<&UploadedFile> {
        self.files.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }

    /// Every file sent in a field (a field that takes several).
    pub fn files(&self, name: &str) -> Vec<&UploadedFile> {
        self.files
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f)
            .collect()
    }
}

/// The last part of a path a browser may send as a file name, without control characters,
/// at most 200 characters.
fn file_name_only(raw: &str) -> String {
    raw.rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned()
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for MultipartForm {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        // A form sent another way has no fields: the handler asks for what is missing.
        Ok(parts
            .extensions
            .remove::<MultipartForm>()
            .unwrap_or_default())
    }
}
