//! The block-nesting limit of `--template-dir` templates. handlebars' parser and renderer
//! (and gapcheck's plan) recurse once per nested block, and nothing in handlebars bounds it:
//! a template of 30,000 nested `{{#if}}` blocks overflowed the stack (exit 134). Templates
//! are checked before handlebars sees them.

/// How deep blocks (`{{#if}}`, `{{#each}}`, `{{#> partial}}`, `{{^name}}` …) may nest in one
/// template. The built-in templates nest at most five deep.
pub const MAX_BLOCK_NESTING: usize = 64;

/// The 1-based line and column of the first block opened past [`MAX_BLOCK_NESTING`], if any.
/// A tag opens a block when it starts `{{#` or `{{^name` (after any `{`s and `~`), and
/// closes one when it starts `{{/`; comments (`{{! }}`, `{{!-- --}}`) and escaped `\{{` are
/// skipped. Unbalanced tags are left for handlebars to report.
pub fn too_deep(text: &str) -> Option<(usize, usize)> {
    deeper_than(text, MAX_BLOCK_NESTING)
}

/// Where a block first opens past `limit` levels.
fn deeper_than(text: &str, limit: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    // Per open block, how many `{{else if …}}` it has chained: each nests one level more in
    // handlebars' template, until the block's one closing tag.
    let mut chained: Vec<usize> = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("{{") {
        let start = from + at;
        let mut i = start + 2;
        if start > 0 && bytes[start - 1] == b'\\' {
            from = i;
            continue;
        }
        while matches!(bytes.get(i), Some(b'{' | b'~')) {
            i += 1;
        }
        match bytes.get(i) {
            Some(b'!') => {
                let end = if text[i..].starts_with("!--") {
                    "--}}"
                } else {
                    "}}"
                };
                match text[i..].find(end) {
                    Some(e) => from = i + e + end.len(),
                    None => return None,
                }
                continue;
            }
            Some(b'#') => {
                depth += 1;
                chained.push(0);
            }
            // `{{^}}` is an `else`; `{{^name}}` opens an inverse block.
            Some(b'^') if !matches!(bytes.get(i + 1), Some(b'}' | b'~' | b' ')) => {
                depth += 1;
                chained.push(0);
            }
            Some(b'/') => depth = depth.saturating_sub(1 + chained.pop().unwrap_or(0)),
            Some(b'e') if is_chained_else(&text[i..]) => {
                if let Some(n) = chained.last_mut() {
                    *n += 1;
                    depth += 1;
                }
            }
            _ => {}
        }
        if depth > limit {
            let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
            let line = text[..start].matches('\n').count() + 1;
            return Some((line, text[line_start..start].chars().count() + 1));
        }
        from = i;
    }
    None
}

/// Whether a tag's text (after `{{` and any `~`) is `else` followed by a helper, as in
/// `{{else if b}}`: a block nested in the one it continues.
fn is_chained_else(tag: &str) -> bool {
    tag.strip_prefix("else")
        .and_then(|rest| rest.strip_prefix(|c: char| c.is_ascii_whitespace()))
        .is_some_and(|rest| !rest.trim_start().starts_with(['}', '~']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        "{{#if a}}".repeat(n) + "x" + &"{{/if}}".repeat(n)
    }

    #[test]
    fn the_first_block_past_the_limit_is_located() {
        assert_eq!(too_deep(&nested(MAX_BLOCK_NESTING)), None);
        let deep = format!("line one\n  {}", nested(MAX_BLOCK_NESTING + 1));
        let column = 2 + MAX_BLOCK_NESTING * "{{#if a}}".len() + 1;
        assert_eq!(too_deep(&deep), Some((2, column)));
    }

    #[test]
    fn siblings_comments_and_escapes_do_not_nest() {
        let siblings = "{{#each a}}x{{/each}}".repeat(1000);
        assert_eq!(too_deep(&siblings), None);
        let commented = format!("{{{{!-- {} --}}}}{{{{! {{{{#if}}}} }}}}", nested(100));
        assert_eq!(too_deep(&commented), None);
        assert_eq!(too_deep(&"\\{{#if a}}".repeat(100)), None);
        assert_eq!(too_deep(&"{{#if a}}x{{^}}y{{/if}}".repeat(100)), None);
        assert!(too_deep(&"{{~^a}}".repeat(65)).is_some());
        assert!(too_deep(&"{{#> p}}".repeat(65)).is_some());
        // `{{else}}` and `{{else~}}` do not nest; `{{else if}}` does, until the one `{{/if}}`.
        let plain = "{{#if a}}x{{else}}y{{/if}}{{#if a}}x{{else ~}}y{{/if}}".repeat(100);
        assert_eq!(too_deep(&plain), None);
        let chain = |n: usize| format!("{{{{#if a}}}}{}{{{{/if}}}}", "{{else if b}}x".repeat(n));
        assert_eq!(too_deep(&chain(63)), None);
        assert!(too_deep(&chain(64)).is_some());
        assert_eq!(
            too_deep(&chain(63).repeat(50)),
            None,
            "each chain ends at its /if"
        );
    }

    #[test]
    fn the_built_in_templates_are_far_inside_the_limit() {
        let mut deepest = 0;
        for (path, text, _) in super::super::templates::builtin_sources() {
            assert_eq!(deeper_than(text, 5), None, "{path}");
            if deeper_than(text, 4).is_some() {
                deepest = 5;
            }
        }
        assert_eq!(deepest, 5, "the doc comment of MAX_BLOCK_NESTING says five");
    }
}
