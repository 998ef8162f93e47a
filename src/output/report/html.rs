//! The HTML report: one self-contained page (inline CSS and SVG, no scripts, no external
//! requests) rendered from `templates/report.html.hbs`.

use std::path::Path;

use super::RenderError;
use super::context::Context;
use super::templates::{self, Kind};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    handlebars::html_escape(s)
}

/// A CSS string literal (quotes included) showing `s` as text: the running page footer is
/// generated content, the one place a user string reaches a style sheet. Everything but
/// letters, digits, space and a few safe punctuation marks becomes a hex escape, so nothing
/// can end the string, the rule or the `<style>` element, and no line break survives.
pub fn css_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | ',' | '-' | ':') {
            out.push(c);
        } else if c.is_control() {
            out.push(' ');
        } else {
            // The trailing space ends the escape; CSS swallows it.
            out.push_str(&format!("\\{:x} ", c as u32));
        }
    }
    out.push('"');
    out
}

pub fn render(ctx: &Context, template_dir: Option<&Path>) -> Result<String, RenderError> {
    templates::render(Kind::Html, ctx, template_dir, escape)
}

#[cfg(test)]
mod tests {
    use super::css_string;

    #[test]
    fn css_strings_cannot_break_out() {
        assert_eq!(css_string("Acme Co. 2026-11-26"), "\"Acme Co. 2026-11-26\"");
        let hostile = css_string("\"; } </style><script>x</script>\n\\");
        assert!(!hostile[1..hostile.len() - 1].contains(['"', '<', '>', '}', ';', '\n']));
        assert!(hostile.contains("\\3c "), "{hostile}");
        assert_eq!(css_string("A\u{2022}B"), "\"A\\2022 B\"");
    }
}
