//! Use cases against real databases: every test runs on SQLite and PostgreSQL.

mod accounts;
mod alignment;
mod chronology_import;
mod library;
mod lifecycle;
mod purpose;
mod records;
mod reports;
mod second_factor;
mod transfer;
