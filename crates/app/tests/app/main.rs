//! Use cases against real databases: every test runs on SQLite and PostgreSQL.

mod accounts;
mod lifecycle;
mod records;
mod transfer;
