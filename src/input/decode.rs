//! Typed reading of a [`Node`] tree with every problem reported into a [`Sink`]. The loaders
//! read field by field; a bad field is reported and skipped so the rest of the file is still
//! checked and all its errors come out together.

use crate::diag::{Pos, Sink, choose_help, did_you_mean};
use crate::yaml::{Key, Node, Value};

/// The entries of one mapping, checked against the keys it may have.
pub struct Fields<'n> {
    pub pos: Pos,
    entries: &'n [(Key, Node)],
    /// Allowed keys that an unknown key was reported as a likely typo of: if one of them is
    /// required, its absence is that same mistake and is not reported again.
    suggested: Vec<&'static str>,
}

impl<'n> Fields<'n> {
    /// Reads `node` as a mapping with the given keys. Unknown keys are reported (with a
    /// suggestion); `what` names the mapping in messages, e.g. "provider `northwind`".
    pub fn new(
        sink: &mut Sink,
        node: &'n Node,
        what: &str,
        allowed: &[&'static str],
    ) -> Option<Self> {
        let Value::Map(entries) = &node.value else {
            type_error(
                sink,
                node,
                &format!("{what} must be a mapping"),
                "a mapping of `key: value` lines",
            );
            return None;
        };
        let mut suggested = Vec::new();
        for (key, _) in entries {
            if !allowed.contains(&key.name.as_str()) {
                let help = match did_you_mean(&key.name, allowed.iter().copied()) {
                    Some(s) => {
                        suggested.push(s);
                        format!("did you mean `{s}`?")
                    }
                    None => format!("{what} accepts: {}", allowed.join(", ")),
                };
                sink.error(
                    key.pos,
                    format!("unknown key `{}` in {what}", key.name),
                    Some(help),
                );
            }
        }
        Some(Fields {
            pos: node.pos,
            entries,
            suggested,
        })
    }

    pub fn get(&self, name: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(_, v)| v)
            .filter(|v| v.value != Value::Null)
    }

    pub fn key_pos(&self, name: &str) -> Option<Pos> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(k, _)| k.pos)
    }

    /// A field that must be present (and not null).
    pub fn require(
        &self,
        sink: &mut Sink,
        name: &str,
        what: &str,
        example: &str,
    ) -> Option<&'n Node> {
        let v = self.get(name);
        let misspelt = self.suggested.contains(&name) && self.key_pos(name).is_none();
        if v.is_none() && !misspelt {
            sink.error(
                self.key_pos(name).unwrap_or(self.pos),
                format!("{what} is missing required key `{name}`"),
                Some(format!("add `{name}: {example}`")),
            );
        }
        v
    }
}

pub fn type_error(sink: &mut Sink, node: &Node, message: &str, expected: &str) {
    sink.error(
        node.pos,
        format!("{message}, found {}", node.value.kind()),
        Some(format!("write {expected} here")),
    );
}

pub fn string(sink: &mut Sink, node: &Node, what: &str) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        // Numbers and dates written without quotes are still text to the user.
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        _ => {
            type_error(sink, node, &format!("{what} must be text"), "a string");
            None
        }
    }
}

pub fn boolean(sink: &mut Sink, node: &Node, what: &str) -> Option<bool> {
    match &node.value {
        Value::Bool(b) => Some(*b),
        _ => {
            type_error(
                sink,
                node,
                &format!("{what} must be true or false"),
                "`true` or `false`",
            );
            None
        }
    }
}

pub fn integer(sink: &mut Sink, node: &Node, what: &str) -> Option<i64> {
    match &node.value {
        Value::Int(i) => Some(*i),
        _ => {
            type_error(
                sink,
                node,
                &format!("{what} must be a whole number"),
                "a whole number",
            );
            None
        }
    }
}

pub fn number(sink: &mut Sink, node: &Node, what: &str) -> Option<f64> {
    match &node.value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) if f.is_finite() => Some(*f),
        _ => {
            type_error(sink, node, &format!("{what} must be a number"), "a number");
            None
        }
    }
}

pub fn list<'n>(sink: &mut Sink, node: &'n Node, what: &str) -> &'n [Node] {
    match &node.value {
        Value::Seq(items) => items,
        _ => {
            type_error(
                sink,
                node,
                &format!("{what} must be a list"),
                "a list (`- item` lines or `[a, b]`)",
            );
            &[]
        }
    }
}

/// A list, or a single scalar standing for a one-item list (`owner: x` or `owner: [x, y]`).
pub fn one_or_many(node: &Node) -> &[Node] {
    match &node.value {
        Value::Seq(items) => items,
        _ => std::slice::from_ref(node),
    }
}

/// A keyword from a closed vocabulary, parsed with `FromStr`-like `parse`.
pub fn keyword<T>(
    sink: &mut Sink,
    node: &Node,
    what: &str,
    choices: &[&str],
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    let s = string(sink, node, what)?;
    let v = parse(&s);
    if v.is_none() {
        sink.error(
            node.pos,
            format!("unknown {what} `{s}`"),
            Some(choose_help(&s, choices)),
        );
    }
    v
}

/// A closed set of keywords, each with its spelling in files, so parsing, printing and
/// "expected one of" messages share one table.
pub trait Keyword: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }
    fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|v| v.as_str()).collect()
    }
    fn read(sink: &mut Sink, node: &Node, what: &str) -> Option<Self> {
        keyword(sink, node, what, &Self::names(), Self::parse)
    }
}

/// Implements [`Keyword`], `Display`, `Serialize` and `clap::ValueEnum` for a fieldless enum
/// from one table, so the file formats, the command line and shell completions accept the
/// same words.
#[macro_export]
macro_rules! keywords {
    ($ty:ty { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $crate::decode::Keyword for $ty {
            const ALL: &'static [Self] = &[$(<$ty>::$variant),+];
            fn as_str(self) -> &'static str {
                match self { $(<$ty>::$variant => $name),+ }
            }
        }
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::decode::Keyword::as_str(*self))
            }
        }
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::decode::Keyword::as_str(*self))
            }
        }
        impl ::clap::ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                <Self as $crate::decode::Keyword>::ALL
            }
            fn to_possible_value(&self) -> Option<::clap::builder::PossibleValue> {
                Some(::clap::builder::PossibleValue::new(
                    $crate::decode::Keyword::as_str(*self),
                ))
            }
        }
    };
}
