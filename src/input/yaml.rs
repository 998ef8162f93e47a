//! The one place that knows about the YAML library. Input is parsed into a small tree of
//! [`Node`]s that keeps the line and column of every key and value, so the loaders can check
//! the whole file, report every problem at once with its position, and remember where each
//! declaration came from (SARIF and error messages point back at it).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Budget, DuplicateKeyPolicy, Options, Spanned};

use crate::diag::{Pos, Sink};

#[path = "yaml_events.rs"]
mod events;

/// Largest input file accepted, in bytes. Real catalogs are a few hundred kilobytes; the cap
/// keeps a hostile or mistaken input from exhausting memory (parsing holds about three times
/// the file's size).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Deepest nesting of collections accepted.
pub const MAX_DEPTH: usize = 64;
/// Most alias (`*name`) uses accepted in one file; real files use none.
pub const MAX_ALIASES: usize = 1_000;
/// Most uses of one anchor.
pub const MAX_USES_PER_ANCHOR: usize = 100;
/// From this many alias uses on, a file must define at least one anchor per
/// [`MAX_USES_PER_ANCHOR_ON_AVERAGE`] uses: few anchors used very often is the shape of an
/// expansion attack, not of a hand-written file.
pub const ALIAS_RATIO_FROM: usize = 100;
pub const MAX_USES_PER_ANCHOR_ON_AVERAGE: usize = 10;
/// Most nodes (scalars and collections) in one file, including those an alias repeats. The
/// largest built-in catalog has about 5,000, so this leaves room for a catalog fifty times
/// its size while any file is parsed in a fraction of a second and a few dozen megabytes.
pub const MAX_NODES: usize = 250_000;

/// A parsed YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key: always text (numeric keys are kept as written), with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pos: Pos,
    pub name: String,
}

impl Value {
    /// What a user would call this kind of value, for "expected X, found Y" messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// The entries of a mapping node, if it is one.
    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value of a top-level key, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }
}

fn pos_of(loc: &serde_saphyr::Location) -> Pos {
    Pos::new(
        u32::try_from(loc.line()).unwrap_or(u32::MAX),
        u32::try_from(loc.column()).unwrap_or(u32::MAX),
    )
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            pos: pos_of(&spanned.referenced),
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(Value::Int)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(Value::Int)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(i64::try_from(v)
            .map(Value::Int)
            .unwrap_or(Value::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let value = map.next_value::<Node>()?;
            entries.push((
                Key {
                    pos: pos_of(&key.referenced),
                    name: key.value.0,
                },
                value,
            ));
        }
        Ok(Value::Map(entries))
    }
}

/// A mapping key read as text whatever its YAML type (`1:` and `"1":` are both "1").
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Str(s) => Ok(KeyText(s)),
            Value::Int(i) => Ok(KeyText(i.to_string())),
            Value::Float(f) => Ok(KeyText(f.to_string())),
            Value::Bool(b) => Ok(KeyText(b.to_string())),
            Value::Null => Ok(KeyText("null".into())),
            other => Err(de::Error::custom(format!(
                "a mapping key must be text, found {}",
                other.kind()
            ))),
        }
    }
}

/// The parser options every input is read with: limits, duplicate keys, YAML 1.2 booleans.
pub(crate) fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_aliases = MAX_ALIASES;
    budget.max_nodes = MAX_NODES;
    budget.max_events = MAX_NODES * 2;
    // What aliases repeat counts against the node budget too: a "billion laughs" file of a
    // few lines must not expand into memory before any limit trips.
    budget.max_recorded_anchor_events = MAX_NODES;
    // Set here rather than left to the parser's defaults, so the documented limits are the
    // ones enforced even if a new version of the parser changes its defaults.
    budget.enforce_alias_anchor_ratio = true;
    budget.alias_anchor_min_aliases = ALIAS_RATIO_FROM;
    budget.alias_anchor_ratio_multiplier = MAX_USES_PER_ANCHOR_ON_AVERAGE;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = MAX_NODES;
    options.alias_limits.max_alias_expansions_per_anchor = MAX_USES_PER_ANCHOR;
    options.duplicate_keys = DuplicateKeyPolicy::Error;
    // YAML 1.2 booleans only: `no`, `on`, `yes` stay text (the "Norway problem").
    options.strict_booleans = true;
    options
}

/// Parses one YAML document. A syntax error, a duplicate key or a breached limit is reported
/// into `sink` with its position and `None` is returned.
///
/// Valid files are read by the fast path (`yaml_events.rs`: the tree built from the parser's
/// events); whatever it declines — every error among it — is parsed again through serde, so
/// trees and diagnostics are those of [`parse_reference`].
pub fn parse(source: &str, sink: &mut Sink) -> Option<Node> {
    let text = document_text(source, sink)?;
    match events::parse(text) {
        Ok(node) => Some(node),
        Err(events::GiveUp) => parse_serde(text, sink),
    }
}

/// [`parse`] through serde-saphyr's deserializer only: the reference the fast path is
/// tested against (tests/yaml_events.rs) and measured against (benches/yaml_parsers.rs).
pub fn parse_reference(source: &str, sink: &mut Sink) -> Option<Node> {
    parse_serde(document_text(source, sink)?, sink)
}

/// [`parse`]'s fast path alone: `None` where it would hand the file to serde-saphyr.
pub fn parse_events(source: &str) -> Option<Node> {
    let text = source.strip_prefix('\u{feff}').unwrap_or(source);
    events::parse(text).ok()
}

/// The text to parse, or `None` with the diagnostic for a blank file.
fn document_text<'s>(source: &'s str, sink: &mut Sink) -> Option<&'s str> {
    // A byte-order mark is legal at the very start of a YAML stream; strip it so positions
    // and the first key come out right.
    let text = source.strip_prefix('\u{feff}').unwrap_or(source);
    if text.trim().is_empty() {
        sink.error(
            Pos::new(1, 1),
            "the file is empty",
            Some("start from `gapcheck init` or an example under fixtures/".into()),
        );
        return None;
    }
    Some(text)
}

fn parse_serde(text: &str, sink: &mut Sink) -> Option<Node> {
    match serde_saphyr::from_str_with_options::<Node>(text, options()) {
        Ok(node) => Some(node),
        Err(e) => {
            let pos = e
                .location()
                .map(|l| pos_of(&l))
                .filter(|p| p.line > 0)
                .unwrap_or(Pos::new(1, 1));
            let (message, help) = describe(&e);
            sink.error(pos, message, help);
            None
        }
    }
}

/// Turns the YAML library's error into our one-line message and a fix hint, by the
/// error's type (and, for syntax errors, the parser's error kind) — never by its wording,
/// which a new version of the library may change.
pub(crate) fn describe(e: &serde_saphyr::Error) -> (String, Option<String>) {
    use serde_saphyr::granit_parser::ErrorKind as Syntax;
    use serde_saphyr::{Error as E, ExternalMessageSource};

    let limits = || {
        format!(
            "gapcheck accepts at most {MAX_DEPTH} levels of nesting, {MAX_ALIASES} aliases and {MAX_NODES} nodes per file; simplify the file"
        )
    };
    let syntax = || {
        "fix the YAML syntax at this position (check indentation, quotes and `:` spacing)".into()
    };
    let e = innermost(e);
    let (message, help): (String, String) = match e {
        E::DuplicateMappingKey { key, .. } => (
            match key {
                Some(k) => format!("duplicate mapping key: {k}"),
                None => "duplicate mapping key".into(),
            },
            "each key may appear once in a mapping; merge or rename the repeated entry".into(),
        ),
        E::Budget { breach, .. } => (
            format!("limit exceeded: {}", budget_breach(breach)),
            limits(),
        ),
        E::AliasReplayLimitExceeded { .. } => (
            format!("limit exceeded: aliases repeat more than {MAX_NODES} nodes"),
            limits(),
        ),
        E::AliasExpansionLimitExceeded { .. } => (
            format!("limit exceeded: one anchor is used more than {MAX_USES_PER_ANCHOR} times"),
            limits(),
        ),
        E::AliasReplayStackDepthExceeded { .. } | E::AliasReplayCounterOverflow { .. } => (
            "limit exceeded: aliases nest too deeply".into(),
            limits(),
        ),
        E::MultipleDocuments { .. } => (
            "multiple YAML documents in one file".into(),
            "keep one document per file: remove the `---` line and what follows it, or move it into a file of its own".into(),
        ),
        E::InvalidUtf8Input => (
            "the file is not valid UTF-8".into(),
            "save the file as UTF-8 text".into(),
        ),
        E::NonFiniteFloat { value, .. } => (
            format!("non-finite float `{value}`"),
            "write a finite number (`.inf` and `.nan` are not numbers a report can use)".into(),
        ),
        E::UnknownAnchor { .. } => (
            "alias to an anchor that is not defined".into(),
            "define `&name` on a value before `*name` refers to it".into(),
        ),
        E::ExternalMessage { source, .. } => {
            let text = library_text(e);
            let help = match source.as_ref() {
                ExternalMessageSource::Parser(scan) => match scan.kind() {
                    Syntax::RecursionLimitExceeded => limits(),
                    Syntax::TabNotAllowed
                    | Syntax::TabInBlockIndentation
                    | Syntax::TabInIndentation => {
                        "indent with spaces: YAML does not allow tabs for indentation".into()
                    }
                    Syntax::UnclosedQuotedScalar => {
                        "close the quote that opens here (a quote inside the text is doubled in `'…'` or escaped as `\\\"` in `\"…\"`)".into()
                    }
                    _ => syntax(),
                },
                _ => syntax(),
            };
            (text, help)
        }
        _ => (library_text(e), syntax()),
    };
    (format!("invalid YAML: {message}"), Some(help))
}

/// The error itself, out of the wrappers that add a source snippet or an alias's location
/// (we print our own snippet, at the position of the innermost error).
fn innermost(mut e: &serde_saphyr::Error) -> &serde_saphyr::Error {
    loop {
        match e {
            serde_saphyr::Error::WithSnippet { error, .. }
            | serde_saphyr::Error::AliasError { error, .. } => e = error,
            other => return other,
        }
    }
}

/// The library's own message for an error we have no wording of our own for, in its
/// user-facing form: without the position (we print it in front) and without hints that
/// name the library's API.
fn library_text(e: &serde_saphyr::Error) -> String {
    use serde_saphyr::MessageFormatter;
    let text = serde_saphyr::UserMessageFormatter.format_message(e);
    // One line: the library's text may quote input, and the message is printed on one.
    crate::term::clean(text.trim()).into_owned()
}

/// Which of our limits a file crossed, in the words of the README's limits table.
fn budget_breach(breach: &serde_saphyr::budget::BudgetBreach) -> String {
    use serde_saphyr::budget::BudgetBreach as B;
    match breach {
        B::Depth { .. } => format!("nested deeper than {MAX_DEPTH} levels"),
        B::Nodes { .. } | B::Events { .. } => format!("more than {MAX_NODES} nodes"),
        B::Aliases { .. } => format!("more than {MAX_ALIASES} aliases"),
        B::AliasAnchorRatio { aliases, anchors } => format!(
            "{aliases} aliases for {anchors} anchors (from {ALIAS_RATIO_FROM} aliases on, at most {MAX_USES_PER_ANCHOR_ON_AVERAGE} uses per anchor on average)"
        ),
        B::RecordedAnchorEvents { .. } => {
            format!("anchors would repeat more than {MAX_NODES} nodes")
        }
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(src: &str) -> Node {
        let mut sink = Sink::new("t.yaml", src);
        let node = parse(src, &mut sink);
        assert!(sink.diagnostics.is_empty(), "{:?}", sink.diagnostics);
        node.unwrap()
    }

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let n = parse_ok("a: 1\nb:\n  c: [x, y]\n");
        let map = n.as_map().unwrap();
        assert_eq!(map[1].0.pos, Pos::new(2, 1));
        let c = &map[1].1.as_map().unwrap()[0];
        assert_eq!(c.0.pos, Pos::new(3, 3));
        match &c.1.value {
            Value::Seq(items) => assert_eq!(items[1].pos, Pos::new(3, 10)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn yaml_1_2_booleans_only() {
        let n = parse_ok("a: no\nb: true\n");
        assert_eq!(n.get("a").unwrap().value, Value::Str("no".into()));
        assert_eq!(n.get("b").unwrap().value, Value::Bool(true));
    }

    #[test]
    fn duplicate_keys_are_errors_with_position() {
        let src = "a: 1\nb: 2\na: 3\n";
        let mut sink = Sink::new("t.yaml", src);
        assert!(parse(src, &mut sink).is_none());
        let d = &sink.diagnostics[0];
        assert!(d.message.to_lowercase().contains("duplicate"), "{d}");
        assert_eq!(d.pos.unwrap().line, 3, "{d}");
    }

    #[test]
    fn byte_order_mark_and_empty_input() {
        parse_ok("\u{feff}a: 1\n");
        let mut sink = Sink::new("t.yaml", "");
        assert!(parse("  \n", &mut sink).is_none());
        assert!(sink.diagnostics[0].message.contains("empty"));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            src.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
        }
        let mut sink = Sink::new("t.yaml", &src);
        assert!(parse(&src, &mut sink).is_none());
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let src = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let mut sink = Sink::new("t.yaml", &src);
        assert!(parse(&src, &mut sink).is_none());
    }
}
