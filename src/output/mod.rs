//! Layer 4, output: everything a run writes — reports in every format, portfolio indexes,
//! OSCAL exports, JSON Schemas — and the atomic file writer they all go through.

pub mod atomic;
pub mod budget;
pub mod export;
pub mod portfolio;
pub mod report;
pub mod schema;
