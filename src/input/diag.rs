//! Diagnostics: one type for every problem found in an input file, so configuration errors
//! print, count and serialize the same way wherever they come from.

use std::fmt;

/// How bad a diagnostic is. Errors stop the run with exit code 2; warnings are reported and
/// the run goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
}

/// A 1-based line and column in an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const fn new(line: u32, column: u32) -> Self {
        Pos { line, column }
    }
}

/// One problem in one file, located, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub level: Level,
    pub file: String,
    pub pos: Option<Pos>,
    pub message: String,
    pub help: Option<String>,
    /// The offending source line, kept so the message can show it without re-reading files.
    #[serde(skip)]
    pub source_line: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        // Messages quote input text and go to a terminal: control characters from a hostile
        // file must not move the cursor, recolour the screen or fake extra lines.
        let clean = crate::term::clean;
        let (file, message) = (clean(&self.file), clean(&self.message));
        match self.pos {
            Some(p) => write!(f, "{file}:{}:{}: {level}: {message}", p.line, p.column)?,
            None => write!(f, "{file}: {level}: {message}")?,
        }
        if let (Some(line), Some(p)) = (&self.source_line, self.pos) {
            // Tabs stay (the renderer expands them and moves the caret with them); every
            // other control character becomes a space.
            let line = crate::term::clean_keep_tabs(line);
            write!(f, "\n{}", snippet(&line, p, self.level))?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {}", clean(help))?;
        }
        Ok(())
    }
}

/// The source line with a caret under `pos`, drawn by annotate-snippets, which measures
/// each character's display width: a caret after CJK text (two columns a character) or a
/// tab lands under the character the column names, not half-way along the line.
fn snippet(line: &str, pos: Pos, level: Level) -> String {
    use annotate_snippets::{AnnotationKind, Group, Renderer, Snippet};
    // Columns count characters from 1; a column past the end (the parser reports the end of
    // a line for a missing value) points just after the last character.
    let start = line
        .char_indices()
        .nth(pos.column.saturating_sub(1) as usize)
        .map_or(line.len(), |(i, _)| i);
    let end = line[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8());
    let level = match level {
        Level::Error => annotate_snippets::Level::ERROR,
        Level::Warning => annotate_snippets::Level::WARNING,
    };
    let report = [Group::with_level(level).element(
        Snippet::source(line)
            .line_start(pos.line as usize)
            .fold(false)
            .annotation(AnnotationKind::Primary.span(start..end)),
    )];
    Renderer::plain().render(&report)
}

/// The most characters of a source line a diagnostic shows.
const SNIPPET_CHARS: usize = 200;

/// Collects diagnostics for one file, so that every error in it is reported at once.
#[derive(Debug)]
pub struct Sink<'a> {
    file: String,
    source: &'a str,
    /// Byte offset of each line's start, built at the first located diagnostic so that a file
    /// with thousands of errors is not rescanned for each one.
    line_starts: Option<Vec<usize>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Where each line of `s` starts. Lines end as YAML ends them — `\n`, `\r\n` or a lone `\r` —
/// so the line numbers the parser reports find their text.
fn line_starts(s: &str) -> Vec<usize> {
    let bytes = s.as_bytes();
    let mut out = vec![0];
    let mut i = 0;
    while i < bytes.len() {
        i += match (bytes[i], bytes.get(i + 1)) {
            (b'\r', Some(b'\n')) => 2,
            (b'\n' | b'\r', _) => 1,
            _ => {
                i += 1;
                continue;
            }
        };
        out.push(i);
    }
    out
}

impl<'a> Sink<'a> {
    pub fn new(file: impl Into<String>, source: &'a str) -> Self {
        Sink {
            file: file.into(),
            source,
            line_starts: None,
            diagnostics: Vec::new(),
        }
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn push(&mut self, level: Level, pos: Option<Pos>, message: String, help: Option<String>) {
        let source_line = pos.and_then(|p| {
            let starts = self
                .line_starts
                .get_or_insert_with(|| line_starts(self.source));
            let start = *starts.get((p.line as usize).checked_sub(1)?)?;
            let rest = &self.source[start..];
            let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
            // Keep snippets short: a minified or hostile file may have one enormous line.
            // A position beyond what is kept gets no snippet rather than a caret in the
            // wrong place.
            if p.column as usize > SNIPPET_CHARS {
                return None;
            }
            Some(line.chars().take(SNIPPET_CHARS).collect::<String>())
        });
        self.diagnostics.push(Diagnostic {
            level,
            file: self.file.clone(),
            pos,
            message,
            help,
            source_line,
        });
    }

    pub fn error(&mut self, pos: Pos, message: impl Into<String>, help: impl Into<Option<String>>) {
        self.push(Level::Error, Some(pos), message.into(), help.into());
    }

    pub fn warning(
        &mut self,
        pos: Pos,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        self.push(Level::Warning, Some(pos), message.into(), help.into());
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.level == Level::Error)
    }
}

/// The closest candidate to `word`, if one is close enough to be a likely typo.
pub fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    // Identifiers are short. A long word from a hostile file is no typo of one, and the
    // distance table grows with the product of the lengths, so it is not even compared.
    const LONGEST: usize = 64;
    let len = word.chars().count();
    if len > LONGEST {
        return None;
    }
    let limit = (len / 3).max(1);
    candidates
        .into_iter()
        // Words whose lengths differ by more than the limit are farther apart than it.
        .filter(|c| c.chars().count().abs_diff(len) <= limit)
        .map(|c| (strsim::osa_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// The candidates that contain `word` whole, such as `system-monitoring` and
/// `continuous-monitoring` for `monitoring`: a user who knows the idea but not our id is
/// no typo away from it. Short words would match too much, so they match nothing.
fn containing<'c>(word: &str, candidates: &[&'c str]) -> Vec<&'c str> {
    if word.chars().count() < 4 {
        return Vec::new();
    }
    let word = word.to_lowercase();
    candidates
        .iter()
        .copied()
        .filter(|c| c.to_lowercase().contains(&word))
        .collect()
}

/// A help text listing the accepted values, with a suggestion when one is close by edit
/// distance or contains the word.
pub fn choose_help(word: &str, candidates: &[&str]) -> String {
    let within = containing(word, candidates);
    match did_you_mean(word, candidates.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None if !within.is_empty() && within.len() <= 5 => format!(
            "did you mean {}?",
            within
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        None if candidates.len() <= 12 => format!("expected one of: {}", candidates.join(", ")),
        None => format!(
            "expected one of {} known values, e.g. {}",
            candidates.len(),
            candidates[..5].join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(
            did_you_mean("orgnization", ["organization", "model"]),
            Some("organization")
        );
        assert_eq!(did_you_mean("zzz", ["organization", "model"]), None);
        // An adjacent transposition is one edit (strsim's optimal string alignment).
        assert_eq!(
            did_you_mean("modle", ["organization", "model"]),
            Some("model")
        );
    }

    #[test]
    fn suggests_every_id_containing_the_word() {
        let caps = [
            "system-monitoring",
            "continuous-monitoring",
            "log-review",
            "backup",
        ];
        assert_eq!(
            choose_help("monitoring", &caps),
            "did you mean `system-monitoring` or `continuous-monitoring`?"
        );
        assert_eq!(choose_help("backpu", &caps), "did you mean `backup`?");
        assert!(choose_help("log", &caps).starts_with("expected one of"));
    }

    #[test]
    fn renders_position_snippet_and_help() {
        let mut sink = Sink::new("a.yaml", "x: 1\nmodle: managed\n");
        sink.error(
            Pos::new(2, 1),
            "unknown key `modle`",
            Some("did you mean `model`?".into()),
        );
        let text = sink.diagnostics[0].to_string();
        assert!(
            text.starts_with("a.yaml:2:1: error: unknown key `modle`"),
            "{text}"
        );
        assert!(text.contains("\n2 | modle: managed\n  | ^\n"), "{text}");
        assert!(text.ends_with("= help: did you mean `model`?"), "{text}");
    }

    /// Display columns of `s` for the test's own text: ASCII is one column, the CJK
    /// characters used below are two.
    fn width(s: &str) -> usize {
        s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
    }

    #[test]
    fn caret_sits_under_the_named_character_after_cjk_text() {
        let src = "organization: {name: 東京歯科クリニック, modle: managed}\n";
        let mut sink = Sink::new("a.yaml", src);
        let column = src[..src.find("modle").unwrap()].chars().count() as u32 + 1;
        sink.error(Pos::new(1, column), "unknown key `modle`", None);
        let text = sink.diagnostics[0].to_string();
        let source = text
            .lines()
            .find(|l| l.contains("modle: managed"))
            .unwrap_or_else(|| panic!("no source line in\n{text}"));
        let caret = text
            .lines()
            .find(|l| l.trim_end().ends_with('^'))
            .unwrap_or_else(|| panic!("no caret in\n{text}"));
        let under = width(&source[..source.find("modle").unwrap()]);
        assert_eq!(caret.find('^'), Some(under), "\n{text}");
    }

    #[test]
    fn caret_after_a_tab_and_past_the_end_of_the_line() {
        let mut sink = Sink::new("a.yaml", "a:\tb\nc:\n");
        sink.error(Pos::new(1, 4), "tab", None);
        sink.error(Pos::new(2, 3), "missing value", None);
        for d in &sink.diagnostics {
            let text = d.to_string();
            assert!(text.lines().any(|l| l.trim_end().ends_with('^')), "{text}");
        }
        let text = sink.diagnostics[0].to_string();
        let source = text.lines().find(|l| l.contains("a:")).unwrap();
        let caret = text.lines().find(|l| l.contains('^')).unwrap();
        assert_eq!(source.find('b'), caret.find('^'), "\n{text}");
    }
}
