//! The HTML report: one self-contained page (inline CSS, no scripts, no external requests)
//! rendered from `templates/report.html.hbs`.

use std::path::Path;

use super::RenderError;
use super::context::Context;
use super::templates::{self, Kind};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    handlebars::html_escape(s)
}

pub fn render(ctx: &Context, template_dir: Option<&Path>) -> Result<String, RenderError> {
    templates::render(Kind::Html, ctx, template_dir, escape)
}
