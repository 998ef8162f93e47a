//! The HTML report: one self-contained page (inline CSS and SVG, no scripts, no external
//! requests) rendered from `templates/report.html.hbs`.

use std::path::Path;

use super::RenderError;
use super::context::Context;
use super::templates::{self, Kind};

/// Escapes text for HTML element content and quoted attribute values: the characters and
/// entities of `handlebars::html_escape`, which builds its result a character at a time
/// (about a twentieth of a large report's rendering); this copies the runs between the
/// characters it replaces, all of them ASCII.
pub fn escape(s: &str) -> String {
    let bytes = s.as_bytes();
    let entity = |b: u8| match b {
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'&' => Some("&amp;"),
        b'\'' => Some("&#x27;"),
        b'`' => Some("&#x60;"),
        b'=' => Some("&#x3D;"),
        _ => None,
    };
    let Some(first) = bytes.iter().position(|&b| entity(b).is_some()) else {
        return s.to_owned();
    };
    let mut out = String::with_capacity(s.len() + 16);
    let mut copied = 0;
    for (i, &b) in bytes.iter().enumerate().skip(first) {
        if let Some(e) = entity(b) {
            out.push_str(&s[copied..i]);
            out.push_str(e);
            copied = i + 1;
        }
    }
    out.push_str(&s[copied..]);
    out
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
    render_wrapped(&templates::wrap(ctx), template_dir)
}

/// [`render`] from the context as handlebars reads it, shared with the other templated
/// format.
pub fn render_wrapped(
    ctx: &handlebars::Context,
    template_dir: Option<&Path>,
) -> Result<String, RenderError> {
    templates::render(Kind::Html, ctx, template_dir, escape)
}

/// Compiles this format's templates ahead of the first render ([`super::warm_templates`]).
pub fn warm(template_dir: Option<&Path>) {
    templates::warm(Kind::Html, template_dir, escape);
}

#[cfg(test)]
mod tests {
    use super::{css_string, escape};

    #[test]
    fn escapes_as_handlebars_does() {
        for s in [
            "",
            "plain text",
            "<script>alert('x')</script>",
            "a=\"b\" & `c` é <ü> 😀=",
            "&&&",
            "ends with <",
        ] {
            assert_eq!(escape(s), handlebars::html_escape(s), "{s}");
        }
    }

    #[test]
    fn css_strings_cannot_break_out() {
        assert_eq!(css_string("Acme Co. 2026-11-26"), "\"Acme Co. 2026-11-26\"");
        let hostile = css_string("\"; } </style><script>x</script>\n\\");
        assert!(!hostile[1..hostile.len() - 1].contains(['"', '<', '>', '}', ';', '\n']));
        assert!(hostile.contains("\\3c "), "{hostile}");
        assert_eq!(css_string("A\u{2022}B"), "\"A\\2022 B\"");
    }
}
