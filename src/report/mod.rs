//! Renderers. Every format is built from one [`Report`]: the documented wire model of a
//! run, kept apart from the engine's types so the engine can change while formats stay
//! stable.

pub mod json;
pub mod text;

use std::path::Path;

use crate::arrangement::Arrangement;
use crate::catalog::Registry;
use crate::decode::Keyword;
use crate::evaluate::{Evaluation, Policy};
use crate::fit::Fit;
use crate::sprs::Sprs;

pub use json::Report;

/// An output format, chosen by `-f` or by an `-o` file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Text,
    Json,
}
crate::keywords!(Format { Text => "text", Json => "json" });

impl Format {
    /// The format an output file's extension asks for.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "json" => Some(Format::Json),
            "txt" => Some(Format::Text),
            _ => None,
        }
    }

    pub fn extensions() -> &'static str {
        ".json, .txt"
    }
}

/// Everything a renderer may show about one run.
pub struct Run<'a> {
    pub arrangement: &'a Arrangement,
    pub registry: &'a Registry,
    pub evaluation: &'a Evaluation<'a>,
    pub fit: &'a Fit,
    pub sprs: Option<&'a Sprs>,
    pub policy: Policy,
    /// RFC 3339 UTC time stamp (from SOURCE_DATE_EPOCH when set).
    pub generated_at: String,
    pub today: String,
}

/// Renders one format. `color` only affects the text format.
pub fn render(format: Format, run: &Run, color: bool) -> String {
    let report = Report::build(run);
    match format {
        Format::Json => report.to_json(),
        Format::Text => text::render(&report, color),
    }
}

impl Format {
    pub fn all_names() -> String {
        Format::names().join(", ")
    }
}
