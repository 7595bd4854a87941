//! Parsing `DATABASE_URL`: which engine, and for SQLite which file.

use std::path::PathBuf;
use thiserror::Error;

/// A validated database location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite database file.
    Sqlite { path: PathBuf },
    /// A PostgreSQL server URL (kept whole; credentials are never logged).
    Postgres { url: String },
}

/// Why a `DATABASE_URL` was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum UrlError {
    #[error("DATABASE_URL is empty; use sqlite:PATH or postgres://USER@HOST:PORT/DATABASE")]
    Empty,
    #[error(
        "DATABASE_URL scheme {0:?} is not supported; use sqlite:PATH or postgres://USER@HOST:PORT/DATABASE"
    )]
    UnknownScheme(String),
    #[error("DATABASE_URL has no scheme; use sqlite:PATH or postgres://USER@HOST:PORT/DATABASE")]
    NoScheme,
    #[error(
        "DATABASE_URL names no SQLite file; use sqlite:PATH (for example sqlite:./data/casewindow.db)"
    )]
    NoPath,
    #[error(
        "in-memory SQLite databases are not supported: the data would vanish when casewindow stops"
    )]
    InMemory,
}

impl DatabaseUrl {
    /// Parses and checks a URL.
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(UrlError::Empty);
        }
        let Some((scheme, rest)) = raw.split_once(':') else {
            return Err(UrlError::NoScheme);
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let without_slashes = rest.strip_prefix("//").unwrap_or(rest);
                let path = without_slashes
                    .split_once('?')
                    .map_or(without_slashes, |(path, _)| path);
                if path.is_empty() {
                    return Err(UrlError::NoPath);
                }
                if path == ":memory:" || rest.contains("mode=memory") {
                    return Err(UrlError::InMemory);
                }
                Ok(Self::Sqlite {
                    path: PathBuf::from(path),
                })
            }
            "postgres" | "postgresql" => Ok(Self::Postgres {
                url: raw.to_owned(),
            }),
            other => Err(UrlError::UnknownScheme(other.to_owned())),
        }
    }

    /// The URL without credentials, safe to log.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("sqlite:{}", path.display()),
            Self::Postgres { url } => match (url.find("://"), url.rfind('@')) {
                (Some(start), Some(at)) if at > start => {
                    format!("{}://***{}", &url[..start], &url[at..])
                }
                _ => url.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_two_schemes() {
        assert_eq!(
            DatabaseUrl::parse("sqlite:./data/cw.db"),
            Ok(DatabaseUrl::Sqlite {
                path: "./data/cw.db".into()
            })
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/cw.db?mode=rwc"),
            Ok(DatabaseUrl::Sqlite {
                path: "data/cw.db".into()
            })
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/cw"),
            Ok(DatabaseUrl::Postgres { .. })
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://h/cw"),
            Ok(DatabaseUrl::Postgres { .. })
        ));
    }

    #[test]
    fn refuses_mistyped_urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlit:./data/cw.db"),
            Err(UrlError::UnknownScheme("sqlit".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("postgress://h/cw"),
            Err(UrlError::UnknownScheme("postgress".into()))
        );
        assert_eq!(DatabaseUrl::parse("./data/cw.db"), Err(UrlError::NoScheme));
        assert_eq!(DatabaseUrl::parse("sqlite:"), Err(UrlError::NoPath));
        assert_eq!(
            DatabaseUrl::parse("sqlite::memory:"),
            Err(UrlError::InMemory)
        );
        assert_eq!(DatabaseUrl::parse("  "), Err(UrlError::Empty));
    }

    #[test]
    fn redaction_hides_credentials() {
        let url = DatabaseUrl::parse("postgres://app:s3cret@db.internal:5432/cw").expect("valid");
        assert_eq!(url.redacted(), "postgres://***@db.internal:5432/cw");
        assert!(!url.redacted().contains("s3cret"));
    }
}
