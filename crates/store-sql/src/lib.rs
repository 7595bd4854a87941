//! SQLite and PostgreSQL implementations of [`casewindow_store::Store`].
//!
//! One set of portable SQL runs on both engines through sqlx's `Any` driver; what differs per
//! engine lives in its own module: [`sqlite`] (file handling, WAL, foreign keys, backup and
//! restore) and the PostgreSQL connection set-up in [`url`]. Each engine has its own migration
//! folder, embedded in the binary and run at start.
//!
//! The backend is chosen by the `DATABASE_URL` scheme. An unknown scheme is an error, and a
//! SQLite URL naming a file that does not exist is an error unless the caller explicitly asks
//! to create it, so a typo never produces a new empty database.
//!
//! Nothing outside this crate writes SQL. Errors carry no SQL text.

mod accounts;
mod across;
mod audit;
mod chronology;
mod collaboration;
mod derived;
mod error;
mod facts;
mod import;
mod records;
mod reference;
mod search;
pub mod sqlite;
mod sqlstore;
mod submissions;
pub mod url;

pub use sqlstore::{ConnectError, CreateMode, Schema, SqlStore};
pub use url::DatabaseUrl;
