//! Compiling the built-in templates without making handlebars' parser walk their static text.
//!
//! handlebars parses a template with a pest grammar that matches raw text one character at a
//! time, and it computes every parsed token's line and column by counting characters from the
//! start of the template, so compiling costs grows with the square of a template's length.
//! Compiling the HTML templates was over a third of a check with every built-in catalog (issue
//! 17). Here each run of static text between two `{{…}}` tags is cut down to one placeholder
//! character before handlebars sees it (the *skeleton*); the text goes back into the compiled
//! template's raw strings afterwards, and the positions handlebars recorded (used in render
//! error messages) are mapped back to the original text.
//!
//! Whitespace at either end of a run stays in the skeleton, so handlebars' whitespace control
//! (`~`) and its standalone-line rules see exactly what they would see in the original: they
//! only ever look at whitespace up to the first non-blank character, and the placeholder is
//! one. The result is the template handlebars would have compiled from the original text,
//! element for element and position for position; a unit test compares the two for every
//! built-in template. Only the built-in templates are compiled this way: `--template-dir`
//! overrides go through handlebars unchanged.

use handlebars::template::{Template, TemplateElement};

/// Placeholders are characters of a private use plane, one per run of static text.
const FIRST_PLACEHOLDER: u32 = 0xF0000;
const LAST_PLACEHOLDER: u32 = 0xFFFFD;

/// Compiles `text` as handlebars would (`Template::compile_with_name`, which is what
/// `register_template_string` does with the default options), faster.
pub fn compile(text: &str, name: &str) -> Result<Template, handlebars::TemplateError> {
    match Skeleton::of(text) {
        Some(sk) => match Template::compile_with_name(&sk.text, name.to_owned()) {
            Ok(mut t) => {
                sk.restore(&mut t, text);
                Ok(t)
            }
            // The message must name the original text's line and column.
            Err(_) => Template::compile_with_name(text, name.to_owned()),
        },
        None => Template::compile_with_name(text, name.to_owned()),
    }
}

/// Whether `text` is compiled through a skeleton (not as it is).
#[cfg(test)]
pub fn applies(text: &str) -> bool {
    Skeleton::of(text).is_some()
}

/// A template with its static text replaced by placeholders.
struct Skeleton<'a> {
    text: String,
    /// The original text of each placeholder, in order.
    runs: Vec<&'a str>,
    /// (offset in the skeleton, offset in the original) at each placeholder's start and end:
    /// between two breakpoints the texts are the same.
    breaks: Vec<(usize, usize)>,
}

impl<'a> Skeleton<'a> {
    /// `None` when the template uses anything this simple scanner does not follow exactly
    /// (escaped or raw blocks, carriage returns, placeholder characters of its own): such a
    /// template is compiled as it is.
    fn of(text: &'a str) -> Option<Skeleton<'a>> {
        if text.contains(['\\', '\r'])
            || text.contains("{{{{")
            || text
                .chars()
                .any(|c| (FIRST_PLACEHOLDER..=LAST_PLACEHOLDER).contains(&(c as u32)))
        {
            return None;
        }
        let mut sk = Skeleton {
            text: String::with_capacity(text.len() / 2),
            runs: Vec::new(),
            breaks: vec![(0, 0)],
        };
        let mut at = 0;
        while at < text.len() {
            let tag = text[at..].find("{{").map_or(text.len(), |i| at + i);
            sk.static_run(text, at, tag);
            if tag == text.len() {
                break;
            }
            let rest = &text[tag..];
            let close = if rest.starts_with("{{!--") {
                rest.find("--}}").map(|i| i + 4)
            } else if rest.starts_with("{{!") {
                rest.find("}}").map(|i| i + 2)
            } else if rest.starts_with("{{{") {
                rest.find("}}}").map(|i| i + 3)
            } else {
                rest.find("}}").map(|i| i + 2)
            };
            // An unclosed tag is a syntax error: let handlebars report it on the original.
            let close = close?;
            let inside = &rest[2..close - 2];
            // A string literal could hide `}}`: then the tag seems to end inside an open
            // quote. Such tags are rare enough not to follow.
            if inside.matches('"').count() % 2 == 1 || inside.matches('\'').count() % 2 == 1 {
                return None;
            }
            sk.text.push_str(&rest[..close]);
            at = tag + close;
        }
        Some(sk)
    }

    /// Copies `text[from..to]` (static text) with everything between its first and last
    /// non-blank character replaced by a placeholder.
    fn static_run(&mut self, text: &'a str, from: usize, to: usize) {
        let run = &text[from..to];
        let body = run.trim_matches(char::is_whitespace);
        let placeholder = FIRST_PLACEHOLDER + self.runs.len() as u32;
        if body.chars().count() < 2 || placeholder > LAST_PLACEHOLDER {
            self.text.push_str(run);
            return;
        }
        let head = run.len() - run.trim_start_matches(char::is_whitespace).len();
        let body_from = from + head;
        self.text.push_str(&run[..head]);
        self.breaks.push((self.text.len(), body_from));
        self.text
            .push(char::from_u32(placeholder).expect("private use characters are chars"));
        self.breaks.push((self.text.len(), body_from + body.len()));
        self.text.push_str(&run[head + body.len()..]);
        self.runs.push(body);
    }

    /// Puts the static text back into the compiled skeleton and maps its recorded positions
    /// to the original text.
    fn restore(&self, t: &mut Template, original: &str) {
        let skel_lines = line_starts(&self.text);
        let orig_lines = line_starts(original);
        let position = |line: usize, column: usize| -> Option<(usize, usize)> {
            let start = *skel_lines.get(line.checked_sub(1)?)?;
            let offset = start
                + self.text[start..]
                    .char_indices()
                    .nth(column.checked_sub(1)?)
                    .map_or(self.text.len() - start, |(i, _)| i);
            let (skel, orig) = self.breaks[self.breaks.partition_point(|b| b.0 <= offset) - 1];
            let orig = orig + (offset - skel);
            let line = orig_lines.partition_point(|&s| s <= orig);
            let start = orig_lines[line - 1];
            Some((line, original[start..orig].chars().count() + 1))
        };
        self.walk(t, &position);
    }

    fn walk(&self, t: &mut Template, position: &dyn Fn(usize, usize) -> Option<(usize, usize)>) {
        for m in &mut t.mapping {
            if let Some((line, column)) = position(m.0, m.1) {
                m.0 = line;
                m.1 = column;
            }
        }
        for e in &mut t.elements {
            match e {
                TemplateElement::RawString(s) if s.chars().any(|c| self.index(c).is_some()) => {
                    *s = s
                        .chars()
                        .fold(String::with_capacity(s.len() * 8), |mut out, c| {
                            match self.index(c) {
                                Some(i) => out.push_str(self.runs[i]),
                                None => out.push(c),
                            }
                            out
                        });
                }
                TemplateElement::HelperBlock(h)
                | TemplateElement::Expression(h)
                | TemplateElement::HtmlExpression(h) => {
                    for inner in [&mut h.template, &mut h.inverse].into_iter().flatten() {
                        self.walk(inner, position);
                    }
                }
                TemplateElement::DecoratorBlock(d)
                | TemplateElement::DecoratorExpression(d)
                | TemplateElement::PartialBlock(d)
                | TemplateElement::PartialExpression(d) => {
                    if let Some(inner) = &mut d.template {
                        self.walk(inner, position);
                    }
                }
                _ => {}
            }
        }
    }

    /// Which run a placeholder character stands for.
    fn index(&self, c: char) -> Option<usize> {
        let i = (c as u32).checked_sub(FIRST_PLACEHOLDER)? as usize;
        (i < self.runs.len()).then_some(i)
    }
}

/// Byte offsets at which the lines of `text` start.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(text: &str) {
        let plain = Template::compile_with_name(text, "t".to_owned()).unwrap();
        let fast = compile(text, "t").unwrap();
        assert_eq!(plain, fast, "{text:?}");
    }

    #[test]
    fn the_same_template_as_handlebars_compiles() {
        same("");
        same("plain text only\nand a second line\n");
        same("<p>{{a}} and {{b}}</p>\n");
        same("  {{#if x}}\n  shown\n  {{else}}\n  not\n  {{/if}}\n tail");
        same("<ul>\n{{#each xs}}\n<li>{{this}} · {{@index}}</li>\n{{/each}}\n</ul>\n");
        same("a {{~x~}}  b  {{~#if y}} c {{/if~}}\n d\n");
        same("{{!-- a comment with }} inside --}}\ntext {{! short }} more\n");
        same("x {{{raw}}} y {{&amp}} z\n");
        same("é ü 😀 {{a}} ü\n  {{#each b}}ß{{/each}}\nend");
        same("{{#if a}}x{{else if b}}y{{else}}z{{/if}}\n");
    }

    #[test]
    fn what_it_does_not_follow_is_compiled_as_is() {
        for text in [
            "a \\{{b}} c",
            "{{{{raw}}}} {{x}} {{{{/raw}}}}",
            "a\r\nb {{x}}",
            "{{x \"}}\"}} y",
        ] {
            assert!(Skeleton::of(text).is_none(), "{text}");
            same(text);
        }
    }

    #[test]
    fn errors_are_those_of_handlebars() {
        assert!(compile("text {{#if x}} never closed", "t").is_err());
        assert!(compile("text {{x", "t").is_err());
    }
}
