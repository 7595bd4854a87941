//! Where the identity vault's key comes from: `CASEWINDOW_VAULT_KEY` (the key itself), else
//! `CASEWINDOW_VAULT_KEY_FILE` (a file holding it), else, for a SQLite database, the key file
//! beside it (`<database>.vault-key`), which `migrate --create` makes with a new database so
//! that an instance started by `./run.sh` can record identities. A key file must be readable
//! by its owner only. The key is never printed or logged.

use anyhow::{Context as _, bail};
use casewindow_app::Vault;
use casewindow_store_sql::DatabaseUrl;
use std::path::{Path, PathBuf};

const KEY: &str = "CASEWINDOW_VAULT_KEY";
const KEY_FILE: &str = "CASEWINDOW_VAULT_KEY_FILE";

/// The key file beside a SQLite database.
pub fn beside(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".vault-key");
    PathBuf::from(name)
}

/// The SQLite file a database URL names, if it names one.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    match DatabaseUrl::parse(url) {
        Ok(DatabaseUrl::Sqlite { path }) => Some(path),
        _ => None,
    }
}

/// The vault for the database at `url`, if a key is configured or lies beside it.
pub fn load(url: &str) -> anyhow::Result<Option<Vault>> {
    if let Ok(key) = std::env::var(KEY) {
        return Ok(Some(
            Vault::from_base64(&key).with_context(|| format!("reading {KEY}"))?,
        ));
    }
    if let Ok(path) = std::env::var(KEY_FILE) {
        return read(Path::new(&path)).map(Some);
    }
    match sqlite_file(url).map(|db| beside(&db)) {
        Some(path) if path.exists() => read(&path).map(Some),
        _ => Ok(None),
    }
}

/// Reads a key file, refusing one that others may read.
pub fn read(path: &Path) -> anyhow::Result<Vault> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("reading the vault key file {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "the vault key file {} may be read by others (mode {:o}): make it readable by its owner only (chmod 600)",
                path.display(),
                mode & 0o777
            );
        }
    }
    let key = std::fs::read_to_string(path)
        .with_context(|| format!("reading the vault key file {}", path.display()))?;
    Vault::from_base64(&key)
        .with_context(|| format!("reading the vault key file {}", path.display()))
}

/// Makes a new key file beside a SQLite database that did not exist before, unless a key is
/// configured another way; the path written, if any.
pub fn create_beside(database: &Path) -> anyhow::Result<Option<PathBuf>> {
    if std::env::var_os(KEY).is_some() || std::env::var_os(KEY_FILE).is_some() {
        return Ok(None);
    }
    let path = beside(database);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = match options.open(&path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => return Ok(None),
        Err(err) => {
            return Err(err)
                .with_context(|| format!("creating the vault key file {}", path.display()));
        }
    };
    use std::io::Write as _;
    writeln!(file, "{}", Vault::new_key())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing the vault key file {}", path.display()))?;
    Ok(Some(path))
}

/// After the key changed: when the key in use is the file beside a SQLite database (no key
/// configured another way), that file now holds `new_key_file`'s key (replaced in one rename,
/// owner-only); the path replaced, if any. Otherwise the operator points the configuration at
/// the new key.
pub fn replace_beside(url: &str, new_key_file: &Path) -> anyhow::Result<Option<PathBuf>> {
    if std::env::var_os(KEY).is_some() || std::env::var_os(KEY_FILE).is_some() {
        return Ok(None);
    }
    let Some(path) = sqlite_file(url)
        .map(|db| beside(&db))
        .filter(|p| p.exists())
    else {
        return Ok(None);
    };
    let key = std::fs::read_to_string(new_key_file)
        .with_context(|| format!("reading the new key file {}", new_key_file.display()))?;
    let mut staging = path.as_os_str().to_owned();
    staging.push(".new");
    let staging = PathBuf::from(staging);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    use std::io::Write as _;
    let mut file = options
        .open(&staging)
        .with_context(|| format!("writing {}", staging.display()))?;
    writeln!(file, "{}", key.trim())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", staging.display()))?;
    std::fs::rename(&staging, &path)
        .with_context(|| format!("replacing the vault key file {}", path.display()))?;
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_sits_beside_the_database() {
        assert_eq!(
            beside(Path::new("./data/casewindow.db")),
            PathBuf::from("./data/casewindow.db.vault-key")
        );
        assert_eq!(
            sqlite_file("sqlite:./data/casewindow.db"),
            Some(PathBuf::from("./data/casewindow.db"))
        );
        assert_eq!(sqlite_file("postgres://postgres@127.0.0.1:5432/x"), None);
    }
}
