//! `casewindow serve`.

use anyhow::Context as _;
use casewindow_app::App;
use casewindow_store_sql::SqlStore;
use std::net::SocketAddr;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, env = "CASEWINDOW_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
}

/// The application with the sentence-embedding model when `CASEWINDOW_MODEL_DIR` names one.
pub fn with_model(app: App<SqlStore>) -> anyhow::Result<App<SqlStore>> {
    Ok(match casewindow_embed::model_dir_from_env() {
        Some(dir) => {
            let model = casewindow_embed::SentenceModel::load(&dir)?;
            app.with_pattern_library(casewindow_app::PatternLibrary::with_embedder(
                std::sync::Arc::new(model),
            ))
        }
        None => {
            tracing::warn!(
                "no sentence-embedding model (CASEWINDOW_MODEL_DIR); pattern suggestions use library terms only"
            );
            app
        }
    })
}

pub async fn run(app: App<SqlStore>, database: String, args: Args) -> anyhow::Result<()> {
    let mut app = with_model(app)?;
    if !app.has_platform_admin().await? {
        // First run: a one-time code for the operator's console only (never the log), spent
        // when the first administrator is created at /setup.
        let code = casewindow_app::new_setup_code();
        eprintln!(
            "first run: no platform administrator exists. Open http://{}/setup and enter the \
             one-time set-up code {code} (or run `casewindow admin create`).",
            args.addr
        );
        app = app.with_setup_code(code);
    }
    let warming = app.clone();
    tokio::spawn(async move {
        match warming.warm_library().await {
            Ok(findings) => tracing::info!(findings, "library read"),
            Err(err) => tracing::warn!(error = %err, "reading the library failed"),
        }
        match warming.warm_pattern_library().await {
            Ok(texts) if texts > 0 => tracing::info!(texts, "pattern library ready"),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "warming the pattern library failed"),
        }
        match warming.bring_search_up_to_date().await {
            Ok(reviews) => tracing::info!(reviews, "search documents brought up to date"),
            Err(err) => tracing::warn!(error = %err, "bringing search up to date failed"),
        }
    });
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("listening on {}", args.addr))?;
    tracing::info!(address = %args.addr, database = %database, "casewindow is serving on http://{}", args.addr);
    let router = casewindow_web::router(app);
    casewindow_web::serve(listener, router, shutdown_signal())
        .await
        .context("serving")?;
    tracing::info!("casewindow stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
