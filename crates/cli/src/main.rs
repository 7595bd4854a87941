//! The `casewindow` command: a thin layer that parses arguments, opens the database named by
//! `DATABASE_URL` and calls the application layer. It is also the composition root: the only
//! crate that names the concrete store.

mod commands;
mod vault_key;

// The server allocates many short-lived strings per request (rows, JSON, HTML); mimalloc's
// per-thread heaps measured about twice the throughput of the system allocator here.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context as _;
use casewindow_app::App;
use casewindow_store_sql::{CreateMode, SqlStore};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// casewindow: multi-agency child-safeguarding case reviews, Learning Together style.
#[derive(Debug, Parser)]
#[command(name = "casewindow", version, about, long_about = None)]
struct Cli {
    /// Database: sqlite:PATH (the default) or postgres://USER@HOST:PORT/DATABASE.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite:./data/casewindow.db",
        global = true,
        hide_env_values = true
    )]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve casewindow over HTTP.
    Serve(commands::serve::Args),
    /// Bring the database schema up to date (and create a SQLite file with --create).
    Migrate(commands::migrate::Args),
    /// Load the fictional demo reviews into an empty database.
    Demo(commands::demo::Args),
    /// List the reviews in the database.
    Reviews,
    /// Export a review (JSON, REFI-QDA), the library (REFI-QDA, CSV), the codebook (REFI-QDA),
    /// a chronology or the actions (CSV).
    Export {
        #[command(subcommand)]
        what: commands::transfer::ExportWhat,
    },
    /// Import a review from a versioned JSON document.
    Import {
        #[command(subcommand)]
        what: commands::transfer::ImportWhat,
    },
    /// Import agency chronologies from the files they sent.
    Chronology {
        #[command(subcommand)]
        command: commands::chronology::ChronologyCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: commands::audit::AuditCommand,
    },
    /// The child and the people around them, by pseudonym.
    Subjects {
        #[command(subcommand)]
        command: commands::subjects::SubjectsCommand,
    },
    /// The identity vault: change its key.
    Vault {
        #[command(subcommand)]
        command: commands::vault::VaultCommand,
    },
    /// Platform administration.
    Admin {
        #[command(subcommand)]
        command: commands::user::AdminCommand,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: commands::user::UserCommand,
    },
    /// Write a consistent copy of the SQLite database to a new file.
    Backup(commands::backup::BackupArgs),
    /// Measure pattern and recurrent-issue suggestions on labelled findings.
    Eval(commands::eval::Args),
    /// Cohen's kappa and the confusion matrix between two raters' patterns.
    Agreement(commands::agreement::Args),
    /// Suggest a pattern and recurrent issues for a finding's text, from the library.
    Suggest(commands::suggest::Args),
    /// Scan a text for identifiers (names, dates, addresses, numbers, schools, conditions).
    Scan(commands::scan::Args),
    /// Write a review's report or 7-minute briefing as Word, PDF or HTML.
    Report(commands::report::Args),
    /// Replace the SQLite database with a backup (stop the server first).
    Restore(commands::backup::RestoreArgs),
    /// Read published review reports (PDF, Word) and show the findings they state.
    Ingest(commands::ingest::Args),
    /// A thematic analysis across the library's reviews (de-identified, small counts
    /// suppressed) as JSON, HTML, Word or PDF, kept as a version; list and compare versions.
    Thematic(commands::thematic::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CASEWINDOW_LOG")
                .unwrap_or_else(|_| "info".into())
                // The PDF reader logs what it finds in a document; never into our logs.
                .add_directive(
                    "pdf_oxide=off"
                        .parse()
                        .unwrap_or_else(|_| unreachable!("a valid directive")),
                ),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = cli.database_url;
    match cli.command {
        Command::Migrate(args) => commands::migrate::run(&url, args).await,
        Command::Restore(args) => commands::backup::restore(&url, args).await,
        Command::Eval(args) => commands::eval::run(args),
        Command::Agreement(args) => commands::agreement::run(args),
        Command::Scan(args) => commands::scan::run(args),
        Command::Ingest(args) if !commands::ingest::writes(&args) => commands::ingest::run(args),
        command => {
            let (app, store) = open(&url).await?;
            match command {
                Command::Serve(args) => commands::serve::run(app, store.describe(), args).await,
                Command::Demo(args) => commands::demo::run(&app, args).await,
                Command::Reviews => commands::reviews::run(&app).await,
                Command::Suggest(args) => commands::suggest::run(app, args).await,
                Command::Report(args) => commands::report::run(&app, args).await,
                Command::Thematic(args) => commands::thematic::run(app, args).await,
                Command::Export { what } => commands::transfer::export(&app, what).await,
                Command::Import { what } => commands::transfer::import(&app, what).await,
                Command::Backup(args) => commands::backup::backup(&store, args).await,
                Command::User { command } => commands::user::run(&app, command).await,
                Command::Audit { command } => commands::audit::run(&app, command).await,
                Command::Subjects { command } => commands::subjects::run(&app, command).await,
                Command::Vault { command } => commands::vault::run(&app, &url, command).await,
                Command::Chronology { command } => commands::chronology::run(&app, command).await,
                Command::Admin { command } => commands::user::admin(&app, command).await,
                Command::Ingest(args) => commands::ingest::stage(&app, args).await,
                Command::Migrate(_)
                | Command::Restore(_)
                | Command::Eval(_)
                | Command::Agreement(_)
                | Command::Scan(_) => {
                    unreachable!("handled above")
                }
            }
        }
    }
}

/// Opens an existing database, migrates it and prepares reference data: the application, and
/// the store itself for what only the database layer does (backups, describing the location).
async fn open(url: &str) -> anyhow::Result<(App<SqlStore>, SqlStore)> {
    let store = SqlStore::open(url, CreateMode::MustExist)
        .await
        .context("opening the database")?;
    let mut app = App::new(store.clone());
    // The identity vault's key never comes from the database (see `vault_key`). Without one,
    // casewindow runs but refuses to record or reveal identities, and says why.
    if let Some(vault) = vault_key::load(url)? {
        app = app.with_vault(vault);
    }
    app.prepare().await.context("preparing reference data")?;
    Ok((app, store))
}
