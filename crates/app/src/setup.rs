//! First run: the first platform administrator, created in the browser with a one-time code the
//! server gives its operator (the command line's `casewindow admin create` does the same).

use crate::accounts::problem;
use crate::{App, AppResult};
use casewindow_domain::organisation::User;
use casewindow_store::Store;
use subtle::ConstantTimeEq as _;

/// A new one-time setup code: 20 characters from an alphabet without look-alikes.
pub fn new_setup_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

impl<S: Store> App<S> {
    /// The same application accepting `code` once to create the first administrator.
    pub fn with_setup_code(self, code: String) -> Self {
        if let Ok(mut slot) = self.setup_code.lock() {
            *slot = Some(code);
        }
        self
    }

    /// Whether the first-run page is open: no administrator yet, and a setup code was issued.
    pub async fn first_run(&self) -> AppResult<bool> {
        let issued = self.setup_code.lock().map(|c| c.is_some()).unwrap_or(false);
        Ok(issued && !self.store.has_platform_admin().await?)
    }

    /// Creates the first platform administrator, if `code` is the setup code and no
    /// administrator exists yet; the code is then spent.
    pub async fn create_first_admin(
        &self,
        code: &str,
        display_name: &str,
        email: &str,
        password: &str,
    ) -> AppResult<User> {
        let expected = self
            .setup_code
            .lock()
            .ok()
            .and_then(|c| c.clone())
            .ok_or_else(|| problem("code", "first-run set-up is closed"))?;
        let code = code.trim().to_uppercase();
        if !bool::from(code.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(problem("code", "is not the set-up code the server gave"));
        }
        let (user, account) = self
            .new_account(
                display_name,
                email,
                password,
                crate::Standing::PlatformAdmin,
            )
            .await?;
        let change = casewindow_store::Change {
            actor: None,
            at: self.now(),
            reason: "first platform administrator created at first run".to_owned(),
        };
        if !self
            .store
            .insert_first_admin(&user, &account, &change)
            .await?
        {
            return Err(problem(
                "code",
                "first-run set-up is closed: an administrator exists",
            ));
        }
        if let Ok(mut slot) = self.setup_code.lock() {
            *slot = None;
        }
        Ok(user)
    }
}
