//! `casewindow reviews`: the portfolio, one review per line.

use casewindow_app::App;
use casewindow_store_sql::SqlStore;

pub async fn run(app: &App<SqlStore>) -> anyhow::Result<()> {
    let summaries = app.reviews().await?;
    if summaries.is_empty() {
        eprintln!("no reviews yet; `casewindow demo` loads fictional ones");
    }
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
        println!(
            "{}\t{}\t{}\t{}\t{}",
            review.id, review.title, review.state, summary.partnership.name, deadline
        );
    }
    Ok(())
}
