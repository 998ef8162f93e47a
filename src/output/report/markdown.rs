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
///
/// GitHub's and GitLab's autolink extension also turns bare `http://…`, `www.…` and
/// `name@domain` into links; the `:` of `://`, the `.` after `www` and every `@` get a
/// backslash (shown as written), which those parsers never read as the start of a link.
pub fn escape(s: &str) -> String {
    // Most values (ids, names, counts) need nothing: copy them without the walk below.
    if !s
        .bytes()
        .any(|b| !(0x20..0x7f).contains(&b) || b"\\`*_[]<>#|~&$@:.".contains(&b))
    {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' | '$' | '@' => {
                out.push('\\');
                out.push(c);
            }
            ':' if chars.get(i + 1) == Some(&'/') && chars.get(i + 2) == Some(&'/') => {
                out.push_str("\\:");
            }
            '.' if i >= 3
                && chars[i - 3..i].iter().all(|w| w.eq_ignore_ascii_case(&'w'))
                && (i == 3 || !chars[i - 4].is_alphanumeric()) =>
            {
                out.push_str("\\.");
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
    render_wrapped(&templates::wrap(ctx), template_dir)
}

/// [`render`] from the context as handlebars reads it, shared with the other templated
/// format.
pub fn render_wrapped(
    ctx: &handlebars::Context,
    template_dir: Option<&Path>,
) -> Result<String, RenderError> {
    templates::render(Kind::Markdown, ctx, template_dir, escape)
}

/// Compiles this format's templates ahead of the first render ([`super::warm_templates`]).
pub fn warm(template_dir: Option<&Path>) {
    templates::warm(Kind::Markdown, template_dir, escape);
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn neutralizes_markup_and_table_breakers() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<script>"), "\\<script\\>");
        assert_eq!(escape("[x](http://e)"), "\\[x\\](http\\://e)");
        assert_eq!(escape("line1\nline2\r\n"), "line1 line2  ");
        assert_eq!(
            escape("`code` *b* _i_ # h"),
            "\\`code\\` \\*b\\* \\_i\\_ \\# h"
        );
        assert_eq!(escape("back\\slash"), "back\\\\slash");
        assert_eq!(escape("Harbor Dental Group"), "Harbor Dental Group");
    }

    #[test]
    fn bare_urls_and_addresses_do_not_autolink() {
        assert_eq!(
            escape("see https://x.example/a"),
            "see https\\://x.example/a"
        );
        assert_eq!(escape("HTTP://X.EXAMPLE"), "HTTP\\://X.EXAMPLE");
        assert_eq!(escape("www.x.example"), "www\\.x.example");
        assert_eq!(escape("(WWW.x.example)"), "(WWW\\.x.example)");
        assert_eq!(escape("ops@x.example"), "ops\\@x.example");
        assert_eq!(escape("mailto:ops@x.example"), "mailto:ops\\@x.example");
        // Only the autolink triggers: ordinary colons and dots stay as written.
        assert_eq!(escape("hipaa-security:164.308"), "hipaa-security:164.308");
        assert_eq!(escape("awww.x and www2.x"), "awww.x and www2.x");
    }
}
