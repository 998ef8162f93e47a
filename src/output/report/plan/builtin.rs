//! The plan of a built-in template straight from its text, without handlebars' compiler
//! (≈ 52 M instructions for the built-in templates on every run that renders Markdown or
//! HTML). It reads only the small part of handlebars' syntax the shipped templates use, and
//! follows handlebars-rust 6.4's compiler (`Template::compile2`) for whitespace: `~` and
//! standalone block lines. Anything else gives `None`, and the template is compiled by
//! handlebars as before; a unit test requires the result to equal the plan converted from
//! handlebars' own compile for every built-in template.

use serde_json::Value;

use super::{Block, Cond, Node, Operand, PathRef};

/// One `{{…}}` tag, with what the compiler needs about its position.
struct Tag<'s> {
    start: usize,
    end: usize,
    omit_pre: bool,
    omit_post: bool,
    triple: bool,
    body: &'s str,
}

/// Where the parse is: the block being filled, and for each open `#if`/`#each` the parts
/// handlebars keeps on its helper and template stacks.
struct Open {
    name: String,
    param: String,
    then: Option<Block>,
}

/// Parses `source`; `code_spans` says whether that helper exists (HTML).
pub fn parse(source: &str, code_spans: bool) -> Option<Block> {
    let mut stack: Vec<Block> = vec![Vec::new()];
    let mut open: Vec<Open> = Vec::new();
    let mut at = 0;
    let mut omit_post = false;
    let mut trim_line = false;
    while at < source.len() {
        let next = source[at..].find("{{").map(|i| at + i);
        let text_end = next.unwrap_or(source.len());
        // The text before the tag, trimmed as the compiler trims it.
        let text = &source[at..text_end];
        if text.contains(['\\', '\r', '\u{E000}']) {
            return None;
        }
        let text = if omit_post {
            text.trim_start()
        } else if trim_line {
            strip_first_newline(text.trim_start_matches([' ', '\t']))
        } else {
            text
        };
        push_raw(stack.last_mut()?, text);
        trim_line = false;
        let Some(start) = next else { break };
        let tag = read_tag(source, start)?;
        at = tag.end;
        if tag.omit_pre
            && let Some(Node::Raw(last)) = stack.last_mut()?.last_mut()
        {
            let trimmed = last.trim_end().len();
            last.truncate(trimmed);
            if last.is_empty() {
                stack.last_mut()?.pop();
            }
        }
        omit_post = tag.omit_post;
        let body = tag.body;
        if let Some(rest) = body.strip_prefix('#') {
            trim_line = standalone(source, &tag, stack.last_mut()?);
            let (name, param) = rest.split_once(' ')?;
            if !matches!(name, "if" | "unless" | "each") {
                return None;
            }
            open.push(Open {
                name: name.to_owned(),
                param: param.trim().to_owned(),
                then: None,
            });
            stack.push(Vec::new());
        } else if body == "else" {
            trim_line = standalone(source, &tag, stack.last_mut()?);
            let top = open.last_mut()?;
            if top.then.is_some() {
                return None;
            }
            top.then = Some(stack.pop()?);
            stack.push(Vec::new());
        } else if let Some(name) = body.strip_prefix('/') {
            trim_line = standalone(source, &tag, stack.last_mut()?);
            let o = open.pop()?;
            if o.name != name {
                return None;
            }
            let last = stack.pop()?;
            let (then, otherwise) = match o.then {
                Some(then) => (then, Some(last)),
                None => (last, None),
            };
            let node = match o.name.as_str() {
                "each" => Node::Each {
                    path: match path(&o.param)? {
                        p @ PathRef::Relative { .. } => p,
                        PathRef::Local { .. } => return None,
                    },
                    body: Some(then),
                    otherwise,
                },
                name => Node::If {
                    cond: cond(&o.param)?,
                    negate: name == "unless",
                    then: Some(then),
                    otherwise,
                },
            };
            stack.last_mut()?.push(node);
        } else {
            let node = expression(body, !tag.triple, code_spans)?;
            stack.last_mut()?.push(node);
        }
    }
    if !open.is_empty() || stack.len() != 1 {
        return None;
    }
    stack.pop()
}

fn push_raw(block: &mut Block, text: &str) {
    if text.is_empty() {
        return;
    }
    match block.last_mut() {
        Some(Node::Raw(last)) => last.push_str(text),
        _ => block.push(Node::Raw(text.to_owned())),
    }
}

fn strip_first_newline(s: &str) -> &str {
    s.strip_prefix('\n').unwrap_or(s)
}

/// `process_standalone_statement` for a block tag: whether the line holds only the tag
/// (then the next text loses its leading blanks and first newline), trimming the blanks
/// before it on the line.
fn standalone(source: &str, tag: &Tag, block: &mut Block) -> bool {
    let after = &source[tag.end..];
    let trailing = after.trim_start_matches([' ', '\t']).starts_with('\n') || after.is_empty();
    if !trailing {
        return false;
    }
    let before = source[..tag.start].trim_end_matches([' ', '\t']);
    let leading = before.ends_with('\n') || before.is_empty();
    if leading && let Some(Node::Raw(last)) = block.last_mut() {
        let trimmed = last.trim_end_matches([' ', '\t']).len();
        last.truncate(trimmed);
        if last.is_empty() {
            block.pop();
        }
    }
    tag.start == 0 || leading
}

/// The tag starting at `start` (`{{…}}` or `{{{…}}}`); `None` for any other kind.
fn read_tag(source: &str, start: usize) -> Option<Tag<'_>> {
    let rest = &source[start..];
    let triple = rest.starts_with("{{{");
    if rest.starts_with("{{{{") {
        return None;
    }
    let open = if triple { 3 } else { 2 };
    let close = if triple { "}}}" } else { "}}" };
    let len = rest.find(close)?;
    let mut inner = &rest[open..len];
    let omit_pre = inner.starts_with('~');
    if omit_pre {
        inner = &inner[1..];
    }
    let omit_post = inner.ends_with('~');
    if omit_post {
        inner = &inner[..inner.len() - 1];
    }
    // Only single spaces between words, no leading or trailing blanks, and nothing the
    // subset does not read.
    if inner.is_empty()
        || inner.starts_with(' ')
        || inner.ends_with(' ')
        || inner.contains("  ")
        || inner.contains([
            '{', '}', '~', '!', '>', '*', '&', '^', '[', '\'', '\\', '\n', '\t', '|', '=',
        ])
    {
        return None;
    }
    Some(Tag {
        start,
        end: start + len + close.len(),
        omit_pre,
        omit_post,
        triple,
        body: inner,
    })
}

fn expression(body: &str, escape: bool, code_spans: bool) -> Option<Node> {
    match body.split_once(' ') {
        None => {
            if super::HELPER_NAMES.contains(&body) {
                return None;
            }
            Some(Node::Value {
                path: path(body)?,
                escape,
            })
        }
        Some((name, param)) if escape && !param.contains(' ') => match name {
            "len" => Some(Node::Len(path(param)?)),
            "code_spans" if code_spans => Some(Node::CodeSpans(path(param)?)),
            "section" => Some(Node::Section(string(param)?)),
            _ => None,
        },
        Some(_) => None,
    }
}

fn cond(param: &str) -> Option<Cond> {
    if let Some(inner) = param.strip_prefix('(') {
        let inner = inner.strip_suffix(')')?;
        let mut words = inner.split(' ');
        let (Some("eq"), Some(a), Some(b), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return None;
        };
        return Some(Cond::Eq(operand(a)?, operand(b)?));
    }
    Some(Cond::Operand(operand(param)?))
}

fn operand(word: &str) -> Option<Operand> {
    if word.starts_with('"') {
        return Some(Operand::Literal(Value::String(string(word)?)));
    }
    Some(Operand::Path(path(word)?))
}

/// `"text"` without escapes.
fn string(word: &str) -> Option<String> {
    let inner = word.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('"')).then(|| inner.to_owned())
}

/// `../../a.b`, `this`, `this.a`, `@last`: names of ASCII letters, digits and `_`; the
/// words handlebars reads as literals or keywords are refused.
fn path(word: &str) -> Option<PathRef> {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !matches!(n, "true" | "false" | "null" | "else" | "as")
            && !n.starts_with(|c: char| c.is_ascii_digit())
    };
    if let Some(name) = word.strip_prefix('@') {
        return name_ok(name).then(|| PathRef::Local {
            level: 0,
            name: name.to_owned(),
        });
    }
    let mut rest = word;
    let mut up = 0;
    while let Some(r) = rest.strip_prefix("../") {
        up += 1;
        rest = r;
    }
    let mut segs = Vec::new();
    for (i, seg) in rest.split('.').enumerate() {
        if i == 0 && seg == "this" {
            continue;
        }
        if !name_ok(seg) || seg == "this" {
            return None;
        }
        segs.push(seg.to_owned());
    }
    Some(PathRef::Relative { up, segs })
}

#[cfg(test)]
mod tests {
    use super::super::templates_for_tests as builtins;

    /// The parse must give, for every built-in template, exactly the plan converted from
    /// handlebars' own compile of it; and it must apply to all of them.
    #[test]
    fn every_built_in_template_parses_to_the_plan_handlebars_compiles() {
        let mut n = 0;
        for (path, text, html) in builtins() {
            let compiled = handlebars::Template::compile(text).expect("compiles");
            let converted = super::super::Converter { code_spans: html }
                .block(&compiled)
                .unwrap_or_else(|| panic!("{path} does not convert"));
            let parsed =
                super::parse(text, html).unwrap_or_else(|| panic!("{path} does not parse"));
            assert!(
                parsed == converted,
                "{path} parses differently:\n{parsed:#?}\n{converted:#?}"
            );
            n += 1;
        }
        assert!(n >= 27, "{n} templates");
    }

    #[test]
    fn whitespace_rules_follow_handlebars() {
        for (text, html) in [
            ("a\n  {{#if x}}  \n  b\n  {{else}}\nc\n{{/if}}\nd", false),
            ("{{#each x}}\n{{y}}\n{{/each}}", false),
            ("  {{#each x}}{{y}}{{/each}}  \n", false),
            ("x {{section \"a\"~}}  \n\n y {{~z}}", false),
            ("{{#if x}}\n{{/if}}", false),
            ("a{{#if x}}\nb\n{{/if}}\n", false),
            ("\n{{#unless @last}}\n, \n{{/unless}}\n\n", false),
            (
                "{{{a.b}}} {{this}} {{../c}} {{len d}} {{code_spans e}}",
                true,
            ),
            ("{{#if (eq a \"b\")}}x{{/if}}", false),
        ] {
            let compiled = handlebars::Template::compile(text).expect("compiles");
            let converted = super::super::Converter { code_spans: html }.block(&compiled);
            assert_eq!(super::parse(text, html), converted, "{text:?}");
        }
        // What the subset does not read is left to handlebars.
        for text in [
            "{{> p}}",
            "{{! c }}",
            "{{#with a}}{{/with}}",
            "\\{{a}}",
            "{{a  b}}",
            "{{lookup a b}}",
            "{{else if a}}",
        ] {
            assert_eq!(super::parse(text, true), None, "{text:?}");
        }
    }
}
