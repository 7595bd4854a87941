//! The review's audit trail, for lead reviewers and business managers.

use super::{Answer, Req, render, review_frame};
use crate::AppState;
use crate::layout::Layout;
use askama::Template;
use axum::Router;
use axum::routing::get;
use casewindow_store::Store;

pub fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new().route("/reviews/{id}/audit", get(show::<S>))
}

/// How many events the page shows.
const LIMIT: usize = 500;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<(i64, String, String, String, String, String)>,
    limit: usize,
}

async fn show<S: Store>(req: Req<S>) -> Answer {
    let Req { app, user, id } = req;
    let (_, frame) = review_frame(&app, &user, id, "/audit", "Audit trail").await?;
    let events = app.audit_trail(&user.actor(), id, LIMIT).await?;
    let names = app.user_names(&user.actor()).await?;
    let rows = events
        .into_iter()
        .map(|event| {
            let entry = event.entry;
            let who = entry
                .actor
                .and_then(|u| names.get(&u).cloned())
                .unwrap_or_else(|| "casewindow (system)".to_owned());
            (
                event.seq,
                entry.at.format("%-d %b %Y %H:%M:%S").to_string(),
                who,
                entry.action.replace('_', " "),
                entry.entity.replace('_', " "),
                entry.reason,
            )
        })
        .collect();
    render(&AuditPage {
        layout: frame,
        rows,
        limit: LIMIT,
    })
}
