//! Small helpers every page shares: enum values as form keys, short text.

/// The serde name of a unit enum variant (`Pattern::MultiagencyCrisis` → `multiagency_crisis`),
/// used as the value of form options.
pub(crate) fn key<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Parses a form value back into a unit enum variant.
pub(crate) fn parse_key<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// One option of a choice on a form: the value sent and the label shown.
#[derive(Clone)]
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    pub(crate) fn new(value: impl std::fmt::Display, label: impl Into<String>) -> Self {
        Self {
            value: value.to_string(),
            label: label.into(),
        }
    }
}

/// The options of a unit enum, each with its form key and label.
pub(crate) fn choices<T: serde::Serialize + Copy>(
    all: impl IntoIterator<Item = T>,
    label: fn(T) -> &'static str,
) -> Vec<Choice> {
    all.into_iter()
        .map(|v| Choice::new(key(&v), label(v)))
        .collect()
}

/// At most `max` characters, with an ellipsis when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The text with its first letter in upper case.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// `value` as a query string value: unreserved characters as they are, everything else as
/// %XX (spaces too).
pub(crate) fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
