//! The fast path of [`super::parse`]: the positioned tree built straight from the YAML
//! parser's events (granit-parser, the parser serde-saphyr itself runs on), without going
//! through serde's visitors and `Spanned<Value>` for every node. On the 100,000-control
//! benchmark that layer cost more than the parse itself (BENCHMARKS.md, issue 17).
//!
//! This path only ever *accepts*: it builds the same tree serde-saphyr would, for the
//! documents it fully understands, and gives up ([`GiveUp`]) on anything else — a syntax
//! error, an anchor, an alias, a tag, a merge key, a repeated key, a `%YAML` directive, a
//! second document, a limit neared, a scalar whose reading it does not reproduce exactly.
//! The caller then parses the file again with serde-saphyr, which produces today's result
//! or today's diagnostic byte for byte. So a give-up costs time, never correctness, and
//! every check below errs on the side of giving up.
//!
//! Scalars resolve as serde-saphyr 2.2 resolves an untagged scalar for a typeless visitor
//! with gapcheck's options (`strict_booleans`, YAML 1.2 core schema): quoted and block
//! scalars are text; plain ones are null (`""`, `~`, `null`, `Null`, `NULL`), a YAML 1.2
//! boolean, a decimal integer, a finite float, or text. `tests/yaml_events.rs` parses every
//! YAML file in the repository and generated edge cases both ways and compares the trees,
//! positions included.

use std::borrow::Cow;
use std::collections::HashSet;

use serde_saphyr::granit_parser::{Event, Options, Parser, ScalarStyle, Span, StrInput};

use super::{Key, MAX_DEPTH, MAX_NODES, Node, Value};
use crate::diag::Pos;

/// The fast path declined the input; parse it with serde-saphyr instead.
#[derive(Debug)]
pub(super) struct GiveUp;

type Step<T> = Result<T, GiveUp>;

/// serde-saphyr counts every parser event against `max_events` (twice the node budget);
/// we count the same events and give up a little before, so that whatever this path
/// accepts the library would have accepted too.
const MAX_EVENTS: usize = MAX_NODES * 2 - 16;
/// Collections nested deeper than this are left to the library and its depth budget.
const DEEPEST: usize = MAX_DEPTH - 1;
/// Up to this many keys a mapping's duplicate check is a linear scan; beyond it, a set.
const LINEAR_KEYS: usize = 16;

/// Longest text this path reads. The library also caps the bytes of all scalars (and of all
/// comments) at 64 MiB; neither can exceed the text's length (plus one line feed), so below
/// this no such cap can trip. Files are refused past 16 MiB before parsing anyway.
const MAX_TEXT_BYTES: usize = 32 * 1024 * 1024;

/// Parses `text` (without a byte-order mark, not blank) into the positioned tree, or gives up.
pub(super) fn parse(text: &str) -> Step<Node> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(GiveUp);
    }
    let mut b = Builder {
        parser: Parser::with_options(StrInput::new(text), parser_options()),
        events: 0,
        nodes: 0,
    };
    if !matches!(b.next()?.0, Event::StreamStart) {
        return Err(GiveUp);
    }
    match b.next()?.0 {
        // A `%YAML` directive may change how scalars resolve: leave it to the library.
        Event::DocumentStart(_, None) => {}
        _ => return Err(GiveUp),
    }
    let (event, span) = b.next()?;
    let root = b.node(event, span, 0)?;
    if !matches!(b.next()?.0, Event::DocumentEnd) || !matches!(b.next()?.0, Event::StreamEnd) {
        return Err(GiveUp);
    }
    Ok(root)
}

/// The options serde-saphyr 2.2 gives the parser for gapcheck's budget
/// (`Budget::parser_options`, which is private to the library).
fn parser_options() -> Options {
    let budget = serde_saphyr::Budget::default();
    let mut options = Options::default();
    options.simple_key_max_lookahead = budget.simple_key_max_lookahead;
    options.flow_nesting_limit = budget.flow_nesting_limit;
    options.block_nesting_limit = options.block_nesting_limit.max(MAX_DEPTH + 1);
    // Comments are emitted (and counted as events) as the library has them emitted, so the
    // event count matches its own.
    options.emit_comments = true;
    options.max_buffered_comment_events = budget.max_buffered_comment_events;
    options
}

struct Builder<'a> {
    parser: Parser<'a, StrInput<'a>>,
    events: usize,
    nodes: usize,
}

impl<'a> Builder<'a> {
    /// The next structural event; comments are counted and skipped.
    fn next(&mut self) -> Step<(Event<'a>, Span)> {
        loop {
            let (event, span) = self
                .parser
                .next_event()
                .ok_or(GiveUp)?
                .map_err(|_| GiveUp)?;
            self.events += 1;
            if self.events > MAX_EVENTS {
                return Err(GiveUp);
            }
            if !matches!(event, Event::Comment(..)) {
                return Ok((event, span));
            }
        }
    }

    fn count_node(&mut self) -> Step<()> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(GiveUp);
        }
        Ok(())
    }

    /// The node that starts with `event`, read to its end. Recursion is bounded by
    /// [`DEEPEST`] (and the parser's own nesting limits before that).
    fn node(&mut self, event: Event<'a>, span: Span, depth: usize) -> Step<Node> {
        let pos = pos(&span);
        let value = match event {
            Event::Scalar(text, style, 0, None) => {
                self.count_node()?;
                scalar(text, style)?
            }
            Event::SequenceStart(_, 0, None) => {
                self.count_node()?;
                if depth >= DEEPEST {
                    return Err(GiveUp);
                }
                let mut items = Vec::new();
                loop {
                    let (event, span) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(event, span, depth + 1)?);
                }
                Value::Seq(items)
            }
            Event::MappingStart(_, 0, None) => {
                self.count_node()?;
                if depth >= DEEPEST {
                    return Err(GiveUp);
                }
                self.mapping(depth)?
            }
            // Anchors, aliases, tags, and anything out of place.
            _ => return Err(GiveUp),
        };
        Ok(Node { pos, value })
    }

    fn mapping(&mut self, depth: usize) -> Step<Value> {
        let mut entries: Vec<(Key, Node)> = Vec::new();
        let mut seen = Seen::default();
        loop {
            let (event, span) = self.next()?;
            let (text, style) = match event {
                Event::MappingEnd => break,
                Event::Scalar(text, style, 0, None) => (text, style),
                // Anchored, aliased, tagged or collection keys.
                _ => return Err(GiveUp),
            };
            self.count_node()?;
            // `<<` is a merge key to the library, in any style it might accept.
            if text == "<<" {
                return Err(GiveUp);
            }
            let name = key_name(scalar(text.clone(), style)?);
            // The library tells keys apart by their parsed value or their text (and tag);
            // refusing both a repeated name and a repeated source text covers either, and
            // a repeat is the library's to report.
            if !seen.insert(&name, false, &entries)
                || (name != text && !seen.insert(&text, true, &entries))
            {
                return Err(GiveUp);
            }
            let (event, value_span) = self.next()?;
            let value = self.node(event, value_span, depth + 1)?;
            entries.push((
                Key {
                    pos: pos(&span),
                    name,
                },
                value,
            ));
        }
        Ok(Value::Map(entries))
    }
}

/// Names and source texts of the keys read so far in one mapping. Small mappings (all of a
/// catalog's) are scanned; large ones switch to a set so a mapping of many keys stays linear.
#[derive(Default)]
struct Seen {
    /// Source texts that differ from their key's name (`1.0`, `~`), rare; the names
    /// themselves are those of the entries already read.
    texts: Vec<String>,
    set: Option<HashSet<String>>,
}

impl Seen {
    /// Records `s` (a key's name, or a source text differing from it, `is_text`); false if
    /// it was already a name or a source text of an earlier key.
    fn insert(&mut self, s: &str, is_text: bool, entries: &[(Key, Node)]) -> bool {
        if let Some(set) = &mut self.set {
            return set.insert(s.to_owned());
        }
        if entries.iter().any(|(k, _)| k.name == s) || self.texts.iter().any(|t| t == s) {
            return false;
        }
        if entries.len() >= LINEAR_KEYS {
            let mut set: HashSet<String> = entries.iter().map(|(k, _)| k.name.clone()).collect();
            set.extend(self.texts.drain(..));
            set.insert(s.to_owned());
            self.set = Some(set);
        } else if is_text {
            self.texts.push(s.to_owned());
        }
        true
    }
}

/// The text a mapping key is known by, whatever its YAML type (`1:` and `"1":` are both
/// "1"), exactly as `KeyText` in yaml.rs turns the library's value into text.
fn key_name(value: Value) -> String {
    match value {
        Value::Str(s) => s,
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        // Only scalars reach here; a collection key already gave up.
        Value::Null | Value::Seq(_) | Value::Map(_) => "null".into(),
    }
}

/// Line and column (1-based) of a node, as serde-saphyr's `Location` has them.
fn pos(span: &Span) -> Pos {
    Pos::new(
        u32::try_from(span.start.line()).unwrap_or(u32::MAX),
        u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
    )
}

/// An untagged scalar, resolved as the library resolves it for a typeless visitor (see the
/// module comment), or a give-up where that would need a rule this path does not carry:
/// underscores and `0x`/`0o`/`0b` radices in numbers, `.inf`/`.nan` (an error in gapcheck),
/// numbers too large for a float (an error too), padding a plain scalar cannot have.
fn scalar(text: Cow<'_, str>, style: ScalarStyle) -> Step<Value> {
    if style != ScalarStyle::Plain {
        return Ok(Value::Str(text.into_owned()));
    }
    let s: &str = &text;
    const PAD: [char; 4] = [' ', '\t', '\r', '\n'];
    if s.starts_with(PAD) || s.ends_with(PAD) {
        return Err(GiveUp);
    }
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        _ => {}
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    // Every number the library reads starts (after its sign) with a digit or a dot; Rust's
    // float parser also reads `inf` and `nan`, which the library rejects as non-finite.
    if !matches!(unsigned.as_bytes().first(), Some(b'0'..=b'9' | b'.')) {
        return Ok(Value::Str(text.into_owned()));
    }
    if s.contains('_') || matches!(unsigned.as_bytes(), [b'0', b'x' | b'o' | b'b', ..]) {
        return Err(GiveUp);
    }
    // Kept as text by the library before trying numbers: `0X1F` and signed NaN spellings.
    if matches!(unsigned.as_bytes(), [b'0', b'X' | b'O' | b'B', ..])
        || matches!(unsigned, ".nan" | ".NaN" | ".NAN") && unsigned.len() < s.len()
    {
        return Ok(Value::Str(text.into_owned()));
    }
    let leading_zero = unsigned.len() > 1 && unsigned.starts_with('0');
    let all_digits = !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit());
    if all_digits && !leading_zero {
        if s.starts_with('-') {
            if let Ok(i) = s.parse::<i64>() {
                return Ok(Value::Int(i));
            }
        } else if let Ok(u) = unsigned.parse::<u64>() {
            return Ok(i64::try_from(u)
                .map(Value::Int)
                .unwrap_or(Value::Float(u as f64)));
        }
    }
    if matches!(
        unsigned,
        ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN"
    ) {
        return Err(GiveUp);
    }
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(Value::Float(f)),
        // `1e999`: the library reports a non-finite float; `.5e999` stays text.
        Ok(_) if unsigned.as_bytes()[0].is_ascii_digit() => Err(GiveUp),
        _ => Ok(Value::Str(text.into_owned())),
    }
}
