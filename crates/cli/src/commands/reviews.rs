//! `casewindow reviews`: the portfolio, one review per line.

use casewindow_app::{Actor, App};
use casewindow_store_sql::SqlStore;
use std::io::Write as _;

pub async fn run(app: &App<SqlStore>) -> anyhow::Result<()> {
    let summaries = app.reviews(&Actor::system("cli")).await?;
    if summaries.is_empty() {
        eprintln!("no reviews yet; `casewindow demo` loads fictional ones");
    }
    let mut stdout = std::io::stdout().lock();
    for summary in summaries {
        let review = &summary.review.record;
        let deadline = match (&summary.next_deadline, summary.working_days_left) {
            (Some(deadline), Some(left)) => format!(
                "{} due {} ({left} working days)",
                deadline.kind.label(),
                deadline.due_on
            ),
            _ => String::new(),
        };
        let line = format!(
            "{}\t{}\t{}\t{}\t{}\n",
            review.id, review.title, review.state, summary.partnership.name, deadline
        );
        match stdout.write_all(line.as_bytes()) {
            Ok(()) => {}
            // The reader went away (`casewindow reviews | head`): that is not a failure.
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}
