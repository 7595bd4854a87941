//! Sealing identities for the vault: XChaCha20-Poly1305 with a random nonce per write and the
//! subject id as associated data, so a sealed identity cannot be moved to another subject.
//! The key comes from configuration (`CASEWINDOW_VAULT_KEY`), never from the database.

use base64::Engine as _;
use casewindow_domain::identity::SubjectIdentity;
use casewindow_domain::ids::SubjectId;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use thiserror::Error;

const PREFIX: &str = "xchacha20poly1305:v1:";

/// Why the vault could not seal or open an identity.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum VaultError {
    #[error(
        "the identity vault is not configured: set CASEWINDOW_VAULT_KEY to 32 random bytes, base64 encoded"
    )]
    NotConfigured,
    #[error("CASEWINDOW_VAULT_KEY must be 32 bytes, base64 encoded")]
    BadKey,
    #[error("a sealed identity could not be opened: wrong key, or the record was altered")]
    CannotOpen,
}

/// The key that seals identities.
pub struct Vault {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(..)")
    }
}

impl Vault {
    /// A new random key, base64-encoded (32 bytes from the operating system).
    pub fn new_key() -> String {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system provides randomness");
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// A vault from a base64-encoded 32-byte key.
    pub fn from_base64(key: &str) -> Result<Self, VaultError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.trim())
            .map_err(|_| VaultError::BadKey)?;
        if bytes.len() != 32 {
            return Err(VaultError::BadKey);
        }
        Ok(Self {
            cipher: XChaCha20Poly1305::new(&Key::from(
                <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| VaultError::BadKey)?,
            )),
        })
    }

    /// Seals bytes, bound to `aad` (the id of what they belong to).
    fn seal_bytes(&self, plain: &[u8], aad: &[u8]) -> String {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).expect("the operating system provides randomness");
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: plain, aad })
            .expect("encryption of a small message cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(out)
        )
    }

    /// Opens what [`Self::seal_bytes`] sealed with the same `aad`.
    fn open_bytes(&self, sealed: &str, aad: &[u8]) -> Result<Vec<u8>, VaultError> {
        let encoded = sealed.strip_prefix(PREFIX).ok_or(VaultError::CannotOpen)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| VaultError::CannotOpen)?;
        if bytes.len() < 24 {
            return Err(VaultError::CannotOpen);
        }
        let (nonce, sealed) = bytes.split_at(24);
        self.cipher
            .decrypt(
                &XNonce::from(<[u8; 24]>::try_from(nonce).map_err(|_| VaultError::CannotOpen)?),
                Payload { msg: sealed, aad },
            )
            .map_err(|_| VaultError::CannotOpen)
    }

    /// Seals an identity.
    pub fn seal(&self, identity: &SubjectIdentity) -> String {
        let plain = serde_json::to_vec(identity).expect("identities always serialise");
        self.seal_bytes(&plain, identity.subject_id.0.as_bytes())
    }

    /// Opens a sealed identity of `subject`.
    pub fn open(&self, subject: SubjectId, sealed: &str) -> Result<SubjectIdentity, VaultError> {
        let plain = self.open_bytes(sealed, subject.0.as_bytes())?;
        let identity: SubjectIdentity =
            serde_json::from_slice(&plain).map_err(|_| VaultError::CannotOpen)?;
        if identity.subject_id != subject {
            return Err(VaultError::CannotOpen);
        }
        Ok(identity)
    }

    /// Seals a subject's special-category characteristics (bound to the subject, and apart
    /// from its identity: one cannot be passed off as the other).
    pub fn seal_characteristics(
        &self,
        characteristics: &casewindow_domain::identity::SubjectCharacteristics,
    ) -> String {
        let plain = serde_json::to_vec(characteristics).expect("characteristics always serialise");
        self.seal_bytes(&plain, &characteristics_aad(characteristics.subject_id))
    }

    /// Opens a subject's sealed characteristics.
    pub fn open_characteristics(
        &self,
        subject: SubjectId,
        sealed: &str,
    ) -> Result<casewindow_domain::identity::SubjectCharacteristics, VaultError> {
        let plain = self.open_bytes(sealed, &characteristics_aad(subject))?;
        let opened: casewindow_domain::identity::SubjectCharacteristics =
            serde_json::from_slice(&plain).map_err(|_| VaultError::CannotOpen)?;
        if opened.subject_id != subject {
            return Err(VaultError::CannotOpen);
        }
        Ok(opened)
    }

    /// Seals a document's file (bound to the document).
    pub(crate) fn seal_file(
        &self,
        document: casewindow_domain::ids::SourceDocumentId,
        bytes: &[u8],
    ) -> String {
        self.seal_bytes(bytes, &file_aad(document))
    }

    /// Opens a document's sealed file.
    pub(crate) fn open_file(
        &self,
        document: casewindow_domain::ids::SourceDocumentId,
        sealed: &str,
    ) -> Result<Vec<u8>, VaultError> {
        self.open_bytes(sealed, &file_aad(document))
    }

    /// Opens a value this vault sealed and seals it again with `new`, bound to the same thing.
    pub(crate) fn reseal(
        &self,
        new: &Vault,
        kind: casewindow_store::SealedKind,
        id: uuid::Uuid,
        sealed: &str,
    ) -> Result<String, VaultError> {
        use casewindow_store::SealedKind;
        let aad = match kind {
            SealedKind::Identity | SealedKind::Gazetteer | SealedKind::SecondFactor => {
                id.as_bytes().to_vec()
            }
            SealedKind::Characteristics => characteristics_aad(SubjectId(id)),
            SealedKind::DocumentFile => file_aad(casewindow_domain::ids::SourceDocumentId(id)),
        };
        let plain = self.open_bytes(sealed, &aad)?;
        Ok(new.seal_bytes(&plain, &aad))
    }

    /// Seals a user's second-factor secret.
    pub(crate) fn seal_secret(
        &self,
        user: casewindow_domain::ids::UserId,
        secret: &[u8],
    ) -> String {
        self.seal_bytes(secret, user.0.as_bytes())
    }

    /// Opens a user's sealed second-factor secret.
    pub(crate) fn open_secret(
        &self,
        user: casewindow_domain::ids::UserId,
        sealed: &str,
    ) -> Result<Vec<u8>, VaultError> {
        self.open_bytes(sealed, user.0.as_bytes())
    }

    /// Seals a review's gazetteer (the places and conditions its scans look for).
    pub(crate) fn seal_gazetteer(
        &self,
        review: casewindow_domain::ids::ReviewId,
        gazetteer: &casewindow_redact::Gazetteer,
    ) -> String {
        let plain = serde_json::to_vec(gazetteer).expect("gazetteers always serialise");
        self.seal_bytes(&plain, review.0.as_bytes())
    }

    /// Opens a review's sealed gazetteer.
    pub(crate) fn open_gazetteer(
        &self,
        review: casewindow_domain::ids::ReviewId,
        sealed: &str,
    ) -> Result<casewindow_redact::Gazetteer, VaultError> {
        let plain = self.open_bytes(sealed, review.0.as_bytes())?;
        serde_json::from_slice(&plain).map_err(|_| VaultError::CannotOpen)
    }
}

/// The associated data of a document's sealed file.
fn file_aad(document: casewindow_domain::ids::SourceDocumentId) -> Vec<u8> {
    let mut aad = b"document:".to_vec();
    aad.extend_from_slice(document.0.as_bytes());
    aad
}

/// The associated data of a subject's sealed characteristics.
fn characteristics_aad(subject: SubjectId) -> Vec<u8> {
    let mut aad = b"characteristics:".to_vec();
    aad.extend_from_slice(subject.0.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(subject: SubjectId) -> SubjectIdentity {
        SubjectIdentity {
            subject_id: subject,
            full_name: "Fictional Person".to_owned(),
            aliases: vec!["Fi".to_owned()],
            date_of_birth: chrono::NaiveDate::from_ymd_opt(2021, 4, 1),
            addresses: vec![casewindow_domain::identity::DatedAddress {
                address: "1 Example Row".to_owned(),
                from: None,
                until: None,
            }],
            identifiers: Vec::new(),
        }
    }

    fn key(byte: u8) -> String {
        base64::engine::general_purpose::STANDARD.encode([byte; 32])
    }

    #[test]
    fn seals_and_opens_and_hides_the_plain_text() {
        let vault = Vault::from_base64(&key(7)).expect("key");
        let subject = SubjectId(uuid::Uuid::new_v4());
        let sealed = vault.seal(&identity(subject));
        assert!(!sealed.contains("Fictional"));
        assert_ne!(
            sealed,
            vault.seal(&identity(subject)),
            "a fresh nonce every time"
        );
        assert_eq!(vault.open(subject, &sealed), Ok(identity(subject)));
    }

    #[test]
    fn the_wrong_key_another_subject_or_an_edit_cannot_open_it() {
        let vault = Vault::from_base64(&key(7)).expect("key");
        let subject = SubjectId(uuid::Uuid::new_v4());
        let sealed = vault.seal(&identity(subject));
        assert_eq!(
            Vault::from_base64(&key(8))
                .expect("key")
                .open(subject, &sealed),
            Err(VaultError::CannotOpen)
        );
        assert_eq!(
            vault.open(SubjectId(uuid::Uuid::new_v4()), &sealed),
            Err(VaultError::CannotOpen)
        );
        // One character of the ciphertext changed (to another one, whatever it was).
        let mut edited = sealed.clone();
        let at = edited.len() - 5;
        let other = if &edited[at..=at] == "A" { "B" } else { "A" };
        edited.replace_range(at..=at, other);
        assert_ne!(edited, sealed);
        assert_eq!(vault.open(subject, &edited), Err(VaultError::CannotOpen));
        // Characteristics are sealed apart: an identity cannot be opened as them.
        assert_eq!(
            vault.open_characteristics(subject, &sealed),
            Err(VaultError::CannotOpen)
        );
        assert_eq!(
            Vault::from_base64("c2hvcnQ=").unwrap_err(),
            VaultError::BadKey
        );
    }
}
