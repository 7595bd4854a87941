//! The pattern library's reasoning, without I/O: turning findings into comparable terms,
//! suggesting a pattern and recurrent issues with the evidence that drove them, finding the
//! same underlying issue behind a different surface, and measuring all of it.

pub mod discover;
pub mod engine;
pub mod eval;
pub mod index;
pub mod softmax;
pub mod space;
pub mod text;

pub use engine::{
    Embedder, Engine, Example, IssueDef, IssueSuggestion, Knowledge, Neighbour, PatternSuggestion,
    Repr, Settings,
};
