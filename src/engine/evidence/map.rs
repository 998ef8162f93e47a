//! Evidence maps (`--evidence-map MAP.yaml`): how one kind of export's columns and words
//! become records. Real exports name their columns after the tool ("Job Status", "Opened
//! On"); a map says which column is which field, how its dates are written and which words
//! mean ok, failed or partial, so no export has to be rewritten before it is checked.

use std::path::Path;

use regex::Regex;

use super::Outcome;
use crate::capability::Vocabulary;
use crate::decode::{self, Fields, Keyword};
use crate::diag::{Diagnostic, Sink, choose_help};
use crate::keywords;
use crate::yaml::{self, Node};

/// The map format version this build reads.
pub const FORMAT_VERSION: i64 = 1;

/// A record field, as named in native headers and in a map's `columns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Capability,
    Provider,
    When,
    Outcome,
    Reference,
    RespondedAfter,
    ResolvedAfter,
}
keywords!(Field {
    Capability => "capability", Provider => "provider", When => "when", Outcome => "outcome",
    Reference => "reference", RespondedAfter => "responded_after", ResolvedAfter => "resolved_after",
});

impl Field {
    pub const COUNT: usize = 7;

    pub fn index(self) -> usize {
        self as usize
    }
}

/// How an evidence file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileFormat {
    Csv,
    Jsonl,
    Yaml,
}
keywords!(FileFormat { Csv => "csv", Jsonl => "jsonl", Yaml => "yaml" });

impl FileFormat {
    /// The format a file's extension says, for the files a directory walk picks up.
    pub fn from_path(p: &Path) -> Option<FileFormat> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "jsonl" | "ndjson" => Some(FileFormat::Jsonl),
            "yaml" | "yml" => Some(FileFormat::Yaml),
            _ => None,
        }
    }
}

/// The unit of a duration column holding bare numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum DurationUnit {
    Seconds,
    #[default]
    Minutes,
    Hours,
}
keywords!(DurationUnit { Seconds => "seconds", Minutes => "minutes", Hours => "hours" });

/// A validated map.
#[derive(Debug, Clone)]
pub struct Map {
    pub path: String,
    /// Which evidence files it describes, by file name.
    pub files: Regex,
    pub format: Option<FileFormat>,
    pub delimiter: u8,
    /// Column (or JSON key) per field, indexed by [`Field::index`].
    pub columns: [Option<String>; Field::COUNT],
    /// The capability of every record, when the file has no capability column.
    pub capability: Option<String>,
    /// The provider of every record, when the file has no provider column.
    pub provider: Option<String>,
    /// The outcome of every record, when the file has no outcome column (a ticket export).
    pub outcome: Option<Outcome>,
    /// A `jiff` strptime format for `when`; RFC 3339 or YYYY-MM-DD when absent.
    pub when_format: Option<String>,
    /// The offset of times written without one.
    pub utc_offset: jiff::tz::Offset,
    /// Lower-cased file words and the outcome each means.
    pub outcomes: Vec<(String, Outcome)>,
    /// Values of the capability column and the capability id each means.
    pub capabilities: Vec<(String, String)>,
    pub durations: DurationUnit,
}

impl Map {
    pub fn column(&self, f: Field) -> Option<&str> {
        self.columns[f.index()].as_deref()
    }

    /// The outcome a file word means (case-insensitive, surrounding blanks ignored).
    pub fn outcome_of(&self, word: &str) -> Option<Outcome> {
        let w = word.trim();
        self.outcomes
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(w))
            .map(|(_, o)| *o)
    }

    /// The capability a capability-column value means: a mapped value, else the value
    /// itself (it may already be a capability id).
    pub fn capability_of<'v>(&'v self, value: &'v str) -> &'v str {
        let v = value.trim();
        self.capabilities
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(v))
            .map_or(v, |(_, c)| c.as_str())
    }
}

const KEYS: &[&str] = &[
    "evidence-map",
    "files",
    "format",
    "delimiter",
    "columns",
    "capability",
    "provider",
    "outcome",
    "when_format",
    "utc_offset",
    "outcomes",
    "capabilities",
    "durations",
    "notes",
];

/// Loads and validates a map file.
pub fn load(path: &Path, vocab: &Vocabulary) -> Result<Map, Vec<Diagnostic>> {
    let text = crate::catalog::read_text(path).map_err(|d| vec![d])?;
    let shown = path.display().to_string();
    let mut sink = Sink::new(shown.clone(), &text);
    let map = yaml::parse(&text, &mut sink).and_then(|root| read(&mut sink, &root, &shown, vocab));
    match map {
        Some(m) if !sink.has_errors() => Ok(m),
        _ => Err(sink.diagnostics),
    }
}

fn read(sink: &mut Sink, root: &Node, path: &str, vocab: &Vocabulary) -> Option<Map> {
    let what = "the evidence map";
    let top = Fields::new(sink, root, what, KEYS)?;
    if let Some(v) = top.require(sink, "evidence-map", what, "1") {
        match decode::integer(sink, v, "`evidence-map` (the format version)") {
            Some(FORMAT_VERSION) | None => {}
            Some(n) => sink.error(
                v.pos,
                format!("unsupported evidence map version {n}"),
                Some(format!("write `evidence-map: {FORMAT_VERSION}`")),
            ),
        }
    }
    let files = top
        .require(sink, "files", what, "'^backup-jobs.*\\.csv$'")
        .and_then(|n| crate::pattern::user_regex(sink, n, "`files` pattern"));
    let format = top
        .get("format")
        .and_then(|n| FileFormat::read(sink, n, "evidence format"));
    if format == Some(FileFormat::Yaml) {
        sink.error(
            top.key_pos("format").unwrap_or(top.pos),
            "a map describes CSV or JSON Lines exports; YAML records use the native field names",
            Some("write `format: csv` or `format: jsonl`".into()),
        );
    }
    let delimiter = match top.get("delimiter") {
        None => b',',
        Some(n) => {
            let s = decode::string(sink, n, "`delimiter`").unwrap_or_default();
            match s.as_bytes() {
                [b] if b.is_ascii() && *b != b'"' && *b != b'\n' && *b != b'\r' => *b,
                _ => {
                    sink.error(
                        n.pos,
                        format!("invalid delimiter `{s}`"),
                        Some("write one ASCII character other than a quote or newline, e.g. `;` or `\"\\t\"`".into()),
                    );
                    b','
                }
            }
        }
    };
    let mut columns: [Option<String>; Field::COUNT] = Default::default();
    if let Some(c) = top.require(sink, "columns", what, "{when: Started, outcome: Status}") {
        let names = Field::names();
        if let Some(cf) = Fields::new(sink, c, "`columns`", &names) {
            for f in Field::ALL {
                if let Some(n) = cf.get(f.as_str()) {
                    columns[f.index()] = decode::string(sink, n, "column name");
                }
            }
        }
    }
    let cap_id = |sink: &mut Sink, n: &Node| -> Option<String> {
        let s = decode::string(sink, n, "capability")?;
        if vocab.get(&s).is_none() {
            let ids: Vec<&str> = vocab.ids().collect();
            sink.error(
                n.pos,
                format!("unknown capability `{s}`"),
                Some(choose_help(&s, &ids)),
            );
            return None;
        }
        Some(s)
    };
    let capability = top.get("capability").and_then(|n| cap_id(sink, n));
    let provider = top
        .get("provider")
        .and_then(|n| decode::string(sink, n, "provider"));
    let outcome = top
        .get("outcome")
        .and_then(|n| Outcome::read(sink, n, "outcome"));
    let has = |f: Field| columns[f.index()].is_some();
    match (top.get("capability"), has(Field::Capability)) {
        (Some(n), true) => sink.error(
            n.pos,
            "the map gives both a fixed `capability` and a capability column",
            Some("keep one: `capability:` for a file about one capability, `columns: {capability: ...}` for a mixed file".into()),
        ),
        (None, false) => sink.error(
            top.pos,
            "the map names no capability",
            Some("add `capability: backup` (every row) or `columns: {capability: <column>}`".into()),
        ),
        _ => {}
    }
    if top.get("provider").is_some() && has(Field::Provider) {
        sink.error(
            top.key_pos("provider").unwrap_or(top.pos),
            "the map gives both a fixed `provider` and a provider column",
            Some("keep one of them".into()),
        );
    }
    if !has(Field::When) {
        sink.error(
            top.key_pos("columns").unwrap_or(top.pos),
            "the map names no `when` column",
            Some("add `when: <column with the date or time of the work>` under `columns:`".into()),
        );
    }
    match (top.get("outcome"), has(Field::Outcome)) {
        (Some(n), true) => sink.error(
            n.pos,
            "the map gives both a fixed `outcome` and an outcome column",
            Some("keep one of them".into()),
        ),
        (None, false) => sink.error(
            top.key_pos("columns").unwrap_or(top.pos),
            "the map names no `outcome` column",
            Some("add `outcome: <column>` under `columns:`, or `outcome: ok` for a file that lists only work done".into()),
        ),
        _ => {}
    }
    let when_format = top
        .get("when_format")
        .and_then(|n| decode::string(sink, n, "`when_format`"));
    let utc_offset = match top.get("utc_offset") {
        None => jiff::tz::Offset::UTC,
        Some(n) => {
            let s = decode::string(sink, n, "`utc_offset`").unwrap_or_default();
            match parse_offset(&s) {
                Some(o) => o,
                None => {
                    sink.error(
                        n.pos,
                        format!("invalid `utc_offset` `{s}`"),
                        Some("write the offset of the export's local times as +HH:MM or -HH:MM, e.g. `-05:00`".into()),
                    );
                    jiff::tz::Offset::UTC
                }
            }
        }
    };
    let mut outcomes = vec![
        ("ok".to_owned(), Outcome::Ok),
        ("failed".to_owned(), Outcome::Failed),
        ("partial".to_owned(), Outcome::Partial),
    ];
    if let Some(n) = top.get("outcomes")
        && let Some(of) = Fields::new(sink, n, "`outcomes`", &Outcome::names())
    {
        for o in Outcome::ALL {
            if let Some(words) = of.get(o.as_str()) {
                for w in decode::one_or_many(words) {
                    if let Some(w) = decode::string(sink, w, "outcome word") {
                        if outcomes
                            .iter()
                            .any(|(k, x)| k.eq_ignore_ascii_case(&w) && x != o)
                        {
                            sink.error(
                                words.pos,
                                format!("outcome word `{w}` is given two meanings"),
                                Some("list each word under one outcome".into()),
                            );
                        }
                        outcomes.push((w.trim().to_owned(), *o));
                    }
                }
            }
        }
    }
    let mut capabilities = Vec::new();
    if let Some(n) = top.get("capabilities") {
        match n.as_map() {
            Some(entries) => {
                for (k, v) in entries {
                    if let Some(id) = cap_id(sink, v) {
                        capabilities.push((k.name.clone(), id));
                    }
                }
            }
            None => decode::type_error(
                sink,
                n,
                "`capabilities` must map column values to capability ids",
                "`\"Windows Updates\": patch-management` entries",
            ),
        }
    }
    let durations = top
        .get("durations")
        .and_then(|n| DurationUnit::read(sink, n, "duration unit"))
        .unwrap_or_default();
    Some(Map {
        path: path.to_owned(),
        files: files?,
        format,
        delimiter,
        columns,
        capability,
        provider,
        outcome,
        when_format,
        utc_offset,
        outcomes,
        capabilities,
        durations,
    })
}

/// `+HH:MM`, `-HH:MM` or `Z`.
fn parse_offset(s: &str) -> Option<jiff::tz::Offset> {
    let s = s.trim();
    if s == "Z" || s == "+00:00" || s == "-00:00" {
        return Some(jiff::tz::Offset::UTC);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h.to_string().len() > 2 || !(0..=14).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    jiff::tz::Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("-05:00").map(|o| o.seconds()), Some(-18000));
        assert_eq!(parse_offset("+05:30").map(|o| o.seconds()), Some(19800));
        assert!(parse_offset("5").is_none());
        assert!(parse_offset("+25:00").is_none());
    }
}
