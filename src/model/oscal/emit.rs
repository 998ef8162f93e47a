//! Writing YAML text and, at the same time, the positioned tree a YAML parser makes of it.
//!
//! An import used to write its catalog, then parse that text back to validate it exactly as
//! `-c` would load it; the parse was half of the import's instructions. The tree built here is
//! what [`yaml::parse`] returns for the same text, positions included, so the catalog loader
//! validates it with the same code and no parse. That the two agree is a test
//! (`tests/oscal.rs`: every import the tests make is parsed back and compared), not a check
//! at run time.

use super::*;

/// The text written so far and where the next character goes.
pub(super) struct Emitter {
    pub(super) text: String,
    line: u32,
    /// One-based column of the next character, counted in characters as the parser counts.
    column: u32,
}

impl Emitter {
    pub(super) fn with_capacity(bytes: usize) -> Self {
        Emitter {
            text: String::with_capacity(bytes),
            line: 1,
            column: 1,
        }
    }

    pub(super) fn pos(&self) -> Pos {
        Pos::new(self.line, self.column)
    }

    /// Text without line breaks.
    pub(super) fn raw(&mut self, s: &str) {
        debug_assert!(!s.contains('\n'));
        self.text.push_str(s);
        self.column += chars(s);
    }

    pub(super) fn newline(&mut self) {
        self.text.push('\n');
        self.line += 1;
        self.column = 1;
    }

    /// A whole line that the parser skips (a comment).
    pub(super) fn line(&mut self, s: &str) {
        self.raw(s);
        self.newline();
    }

    /// A plain (unquoted) key, `name: ` after `indent` spaces.
    pub(super) fn key(&mut self, indent: usize, name: &str) -> Key {
        for _ in 0..indent {
            self.text.push(' ');
        }
        self.column += u32::try_from(indent).unwrap_or(u32::MAX);
        let key = Key {
            pos: self.pos(),
            name: name.to_owned(),
        };
        self.raw(name);
        self.raw(": ");
        key
    }

    /// A top-level key whose value is a block on the following lines: `name:` and the line
    /// break.
    pub(super) fn block_key(&mut self, name: &str) -> Key {
        let key = Key {
            pos: self.pos(),
            name: name.to_owned(),
        };
        self.raw(name);
        self.raw(":");
        self.newline();
        key
    }

    /// A double-quoted string (see [`quote`]).
    pub(super) fn quoted(&mut self, s: &str) -> Node {
        let pos = self.pos();
        self.column += quote_into(&mut self.text, s);
        Node {
            pos,
            value: Value::Str(s.to_owned()),
        }
    }

    /// A plain scalar the parser reads as `value` (a keyword or a boolean).
    pub(super) fn plain(&mut self, written: &str, value: Value) -> Node {
        let pos = self.pos();
        self.raw(written);
        Node { pos, value }
    }

    /// `key: "value"` on a line of its own, added to `map`.
    pub(super) fn entry(&mut self, map: &mut Vec<(Key, Node)>, indent: usize, key: &str, v: &str) {
        let k = self.key(indent, key);
        let node = self.quoted(v);
        self.newline();
        map.push((k, node));
    }

    /// A flow sequence `[a, b, …]`, each item written by `item`: for a tree's sequence and for
    /// a control's `related` list of strings alike.
    pub(super) fn flow_seq<T>(
        &mut self,
        items: &[T],
        mut item: impl FnMut(&mut Self, &T) -> Node,
    ) -> Node {
        let pos = self.pos();
        self.raw("[");
        let mut out = Vec::with_capacity(items.len());
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                self.raw(", ");
            }
            out.push(item(self, it));
        }
        self.raw("]");
        Node {
            pos,
            value: Value::Seq(out),
        }
    }

    /// A YAML value in flow style (`{"capability": "x", "cadence": "monthly"}`), quoting
    /// every string and key.
    pub(super) fn flow(&mut self, node: &Node) -> Node {
        let pos = self.pos();
        let value = match &node.value {
            Value::Null => return self.plain("null", Value::Null),
            Value::Bool(b) => {
                return self.plain(if *b { "true" } else { "false" }, Value::Bool(*b));
            }
            Value::Int(i) => return self.plain(&i.to_string(), Value::Int(*i)),
            Value::Float(f) if f.is_nan() => return self.plain(".nan", Value::Float(*f)),
            Value::Float(f) if f.is_infinite() => {
                return self.plain(if *f > 0.0 { ".inf" } else { "-.inf" }, Value::Float(*f));
            }
            Value::Float(f) => return self.plain(&format!("{f:?}"), Value::Float(*f)),
            Value::Str(s) => return self.quoted(s),
            Value::Seq(items) => return self.flow_seq(items, |e, item| e.flow(item)),
            Value::Map(entries) => {
                self.raw("{");
                let mut out = Vec::with_capacity(entries.len());
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.raw(", ");
                    }
                    let key = Key {
                        pos: self.pos(),
                        name: k.name.clone(),
                    };
                    self.column += quote_into(&mut self.text, &k.name);
                    self.raw(": ");
                    out.push((key, self.flow(v)));
                }
                self.raw("}");
                Value::Map(out)
            }
        };
        Node { pos, value }
    }
}

fn chars(s: &str) -> u32 {
    let n = if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    };
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A YAML double-quoted scalar for any string. Everything outside YAML's printable set, and
/// the characters that are special inside double quotes, is escaped; the rest is copied.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(&mut out, s);
    out
}

/// [`quote`] appended to `out`, returning how many characters it wrote. Runs of characters
/// that need no escape are copied as one slice.
fn quote_into(out: &mut String, s: &str) -> u32 {
    out.push('"');
    let mut written = 2;
    let mut copied = 0;
    for (i, ch) in s.char_indices() {
        let escape = match ch {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\t' => "\\t",
            '\r' => "\\r",
            // YAML c-printable: tab, LF, CR, 0x20-0x7E, NEL, 0xA0-0xD7FF, 0xE000-0xFFFD and
            // above 0xFFFF, minus the byte-order mark, which parsers may drop.
            ' '..='~'
            | '\u{a0}'..='\u{d7ff}'
            | '\u{e000}'..='\u{fefe}'
            | '\u{ff00}'..='\u{fffd}' => {
                written += 1;
                continue;
            }
            c if u32::from(c) > 0xffff => {
                written += 1;
                continue;
            }
            c => {
                out.push_str(&s[copied..i]);
                copied = i + c.len_utf8();
                let _ = write!(out, "\\u{:04x}", u32::from(c));
                written += 6;
                continue;
            }
        };
        out.push_str(&s[copied..i]);
        copied = i + ch.len_utf8();
        out.push_str(escape);
        written += 2;
    }
    out.push_str(&s[copied..]);
    out.push('"');
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns count characters, as the parser does: a value after non-ASCII text on the
    /// same line (a flow list of labels, a mapping's props) must still get its position.
    #[test]
    fn positions_after_non_ascii_text_match_the_parser() {
        let mut y = Emitter::with_capacity(64);
        let k = y.key(0, "k");
        let item = |s: &str| Node {
            pos: Pos::new(1, 1),
            value: Value::Str(s.to_owned()),
        };
        let list = Node {
            pos: Pos::new(1, 1),
            value: Value::Seq(vec![
                item("é “x” 漢字 🦀"),
                item("\u{7f}tab\tend"),
                item("y"),
            ]),
        };
        let value = y.flow(&list);
        y.newline();
        let tree = Node {
            pos: Pos::new(1, 1),
            value: Value::Map(vec![(k, value)]),
        };
        let mut sink = Sink::new("t.yaml", &y.text);
        assert_eq!(yaml::parse(&y.text, &mut sink), Some(tree), "{}", y.text);
    }
}
