//! The Markdown report (GitHub-flavoured): rendered from `templates/report.md.hbs`.

use std::path::Path;

use super::RenderError;
use super::context::Context;
use super::templates::{self, Kind};

/// Escapes text for any place in the Markdown report, table cells included.
///
/// Every character Markdown (CommonMark plus the GitHub and GitLab extensions: tables,
/// strikethrough, math) could read as inline markup gets a backslash, so an organization name
/// or a reason is shown as written and can neither inject links, images, HTML or emphasis nor
/// split a table cell. Line breaks and other control characters become spaces: a newline
/// would end a table row or start a block. Characters that are markup only at the start of a
/// line (`-`, `+`, `1.`) stay as they are: templates never start a line with a value.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            // Line and paragraph separators end lines too.
            '\u{2028}' | '\u{2029}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub fn render(ctx: &Context, template_dir: Option<&Path>) -> Result<String, RenderError> {
    templates::render(Kind::Markdown, ctx, template_dir, escape)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn neutralizes_markup_and_table_breakers() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<script>"), "\\<script\\>");
        assert_eq!(escape("[x](http://e)"), "\\[x\\](http://e)");
        assert_eq!(escape("line1\nline2\r\n"), "line1 line2  ");
        assert_eq!(
            escape("`code` *b* _i_ # h"),
            "\\`code\\` \\*b\\* \\_i\\_ \\# h"
        );
        assert_eq!(escape("back\\slash"), "back\\\\slash");
        assert_eq!(escape("Harbor Dental Group"), "Harbor Dental Group");
    }
}
