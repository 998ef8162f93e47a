//! Regular expressions from input files (exception patterns, `id_pattern`, evidence file
//! names, mapping rules), compiled within a per-file budget so that no file of patterns can
//! cost gigabytes or seconds.

use regex::Regex;

use crate::decode;
use crate::diag::Sink;
use crate::yaml::Node;

/// Regexes from one input file share this budget: a file of 2,000 patterns otherwise
/// compiles 2,000 regexes of up to a megabyte each (gigabytes, tens of seconds), and even
/// refused patterns cost the work done before the size limit stopped them.
///
/// Compilation climbs a ladder of size limits ([`REGEX_RUNGS`]) and every attempt is charged
/// at the limit it was made under, whether it succeeded or not. Once the budget is spent,
/// later patterns are refused without being compiled, so the cost of a file is bounded
/// however many patterns it holds.
#[derive(Debug, Clone)]
pub struct RegexBudget {
    remaining: usize,
    patterns: usize,
}

/// Total compiled regex size, in bytes, that one file may use.
pub const MAX_REGEX_BYTES_PER_FILE: usize = 4 << 20;
/// The largest one compiled regex may be.
pub const MAX_REGEX_BYTES: usize = 1 << 20;
/// Exception patterns in one arrangement (or mapping rules with `pattern:` in one file).
pub const MAX_PATTERNS_PER_FILE: usize = 100;
/// Size limits tried in turn: most patterns fit the first, so a big one costs only itself.
const REGEX_RUNGS: [usize; 3] = [16 << 10, 128 << 10, MAX_REGEX_BYTES];

impl Default for RegexBudget {
    fn default() -> Self {
        RegexBudget {
            remaining: MAX_REGEX_BYTES_PER_FILE,
            patterns: 0,
        }
    }
}

/// A regex from an input file, compiled within a fresh budget (for a file with one regex,
/// such as a catalog's `id_pattern`).
pub fn user_regex(sink: &mut Sink, node: &Node, what: &str) -> Option<Regex> {
    user_regex_within(sink, node, what, &mut RegexBudget::default())
}

/// A regex from an input file, charged to the file's budget. The regex crate matches in
/// linear time; the budget bounds memory and compile time.
pub fn user_regex_within(
    sink: &mut Sink,
    node: &Node,
    what: &str,
    budget: &mut RegexBudget,
) -> Option<Regex> {
    let s = decode::string(sink, node, what)?;
    budget.patterns += 1;
    if budget.patterns > MAX_PATTERNS_PER_FILE {
        sink.error(
            node.pos,
            format!("more than {MAX_PATTERNS_PER_FILE} regex patterns in one file"),
            Some("merge patterns into one alternation (`^cat:(A|B)`), or list controls one by one with `control:`".into()),
        );
        return None;
    }
    let spent = || {
        format!(
            "the file's regex budget ({} MiB compiled in total) is spent",
            MAX_REGEX_BYTES_PER_FILE >> 20
        )
    };
    let mut last = None;
    for rung in REGEX_RUNGS {
        if budget.remaining == 0 {
            break;
        }
        let limit = rung.min(budget.remaining);
        budget.remaining -= limit;
        match regex::RegexBuilder::new(&s)
            .size_limit(limit)
            .dfa_size_limit(limit)
            .build()
        {
            Ok(re) => return Some(re),
            Err(regex::Error::CompiledTooBig(_)) if limit == rung && rung < MAX_REGEX_BYTES => {
                last = Some(format!("compiles to more than {} KiB", rung >> 10));
            }
            Err(regex::Error::CompiledTooBig(_)) => {
                last = Some(if limit < rung {
                    spent()
                } else {
                    format!("compiles to more than {} MiB", MAX_REGEX_BYTES >> 20)
                });
                break;
            }
            Err(e) => {
                let detail = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
                    .trim_start_matches("error:")
                    .trim()
                    .to_owned();
                sink.error(
                    node.pos,
                    format!("invalid {what} `{s}`: {detail}"),
                    Some(
                        "write a valid regular expression (Rust regex syntax) of modest size"
                            .into(),
                    ),
                );
                return None;
            }
        }
    }
    let detail = last.unwrap_or_else(spent);
    sink.error(
        node.pos,
        format!("{what} `{s}` exceeds size limit: {detail}"),
        Some(format!(
            "simplify the pattern (a Unicode class such as `\\w` compiles large: `[A-Za-z0-9_]` is small); one file may use {} MiB of compiled regexes",
            MAX_REGEX_BYTES_PER_FILE >> 20
        )),
    );
    None
}
