//! `casewindow audit verify`: checks the hash chain of the audit trail.

use casewindow_app::App;
use casewindow_store_sql::SqlStore;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check that no audit event was changed, inserted or deleted. Exits non-zero naming the
    /// first event that was.
    Verify,
}

pub async fn run(app: &App<SqlStore>, command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify = command;
    let bar = super::spinner("checking the audit trail");
    let outcome = app.verify_audit().await;
    bar.finish_and_clear();
    match outcome? {
        Ok(n_events) => {
            eprintln!("the audit trail is intact: {n_events} events, every link verified");
            Ok(())
        }
        Err(problem) => anyhow::bail!("the audit trail has been tampered with: {problem}"),
    }
}
