//! Layer 0, support: small utilities with no knowledge of the domain. Imports nothing from
//! the crate.

pub mod parallel;
pub mod term;
