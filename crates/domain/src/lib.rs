//! The Learning Together review model.
//!
//! This crate holds what a review *is*: the records a review team keeps (terms of reference,
//! agency chronologies, conversations, key practice episodes, findings, responses and actions),
//! the six-part typology as versioned data, the review lifecycle with its guards, the statutory
//! working-day clocks, and the hindsight-language check used on appraisals.
//!
//! Main types: [`review::Review`], [`analysis::KeyPracticeEpisode`], [`findings::Finding`],
//! [`lifecycle::ReviewState`], [`calendar::WorkingCalendar`].
//!
//! It must not depend on sqlx, axum, tokio or anything else that performs I/O: no clock, no
//! randomness, no files. Identifiers and "now" are passed in by the caller.

pub mod analysis;
pub mod calendar;
pub mod collaboration;
pub mod evidence;
pub mod findings;
pub mod hindsight;
pub mod identity;
pub mod ids;
pub mod lifecycle;
pub mod organisation;
pub mod participation;
pub mod response;
pub mod review;
pub mod typology;
pub mod validation;

pub use validation::{Invalid, Validate};
