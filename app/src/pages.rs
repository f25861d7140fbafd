//! Screens, one per file.

pub mod members;
