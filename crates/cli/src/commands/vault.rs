//! `casewindow vault rotate`: changes the identity vault's key, re-sealing every identity,
//! special-category characteristic, document file, gazetteer and second-factor secret under
//! the new key in one transaction (all or nothing). Stop the server first.

use anyhow::Context as _;
use casewindow_app::{Actor, App};
use casewindow_store_sql::SqlStore;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum VaultCommand {
    /// Re-seal everything the vault sealed under a new key (stop the server first; back up the
    /// database and the current key before). The current key is read as casewindow always
    /// reads it; the new one from a file only its owner may read, for example made with
    /// `(umask 077; openssl rand -base64 32 > new.key)`.
    Rotate {
        /// A file holding the new key: 32 random bytes, base64 encoded.
        #[arg(long)]
        new_key_file: PathBuf,
    },
}

pub async fn run(app: &App<SqlStore>, url: &str, command: VaultCommand) -> anyhow::Result<()> {
    let VaultCommand::Rotate { new_key_file } = command;
    let new = crate::vault_key::read(&new_key_file)?;
    let bar = super::spinner("re-sealing under the new key");
    let outcome = app
        .rotate_vault_key(&Actor::system("vault key rotation"), &new)
        .await;
    bar.finish_and_clear();
    let count = outcome.context("changing the vault key (nothing was changed)")?;
    eprintln!("re-sealed {count} values under the new key; the old key no longer opens them");
    match crate::vault_key::replace_beside(url, &new_key_file)? {
        Some(path) => eprintln!(
            "{} now holds the new key; delete {} once you have backed it up",
            path.display(),
            new_key_file.display()
        ),
        None => eprintln!(
            "now configure the new key (CASEWINDOW_VAULT_KEY or CASEWINDOW_VAULT_KEY_FILE) before \
             starting casewindow again"
        ),
    }
    Ok(())
}
