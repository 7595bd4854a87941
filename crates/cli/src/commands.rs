//! One module per subcommand.

pub mod agreement;
pub mod audit;
pub mod backup;
pub mod chronology;
pub mod demo;
pub mod eval;
pub mod ingest;
pub mod migrate;
pub mod report;
pub mod reviews;
pub mod scan;
pub mod serve;
pub mod subjects;
pub mod suggest;
pub mod thematic;
pub mod transfer;
pub mod user;
pub mod vault;

/// A spinner on stderr for work of unknown length (hidden when stderr is not a terminal).
pub fn spinner(message: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
