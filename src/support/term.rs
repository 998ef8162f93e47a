//! The one way text reaches a terminal. Input files are untrusted: an organization name, a
//! catalog title or a profile name may hold escape sequences that move the cursor or
//! recolour the screen, line breaks that fake extra lines, or bidirectional controls
//! (U+202E and friends, the "Trojan Source" trick) that make a terminal show text in another
//! order than it is. Everything printed goes through this module, and `tests/hardening.rs`
//! checks that nothing in `src/` prints any other way.
//!
//! It also owns what happens when a write fails: a closed pipe (`gapcheck … | head`) ends
//! output quietly, any other error (`> /dev/full`) is reported and exits 2. The standard
//! `print!` macros panic in both cases.
//!
//! It sits in the input layer (beside `diag`) because every layer above needs it.

use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};

/// Characters that change how a terminal lays out the text around them without being
/// visible: bidirectional embeddings, overrides and isolates, directional marks, zero-width
/// characters, and the Unicode line and paragraph separators.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

fn replace(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| !keep(c) && (c.is_control() || is_invisible_format(c));
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                c if keep(c) => c,
                c if c.is_control() => ' ',
                // Shown, so a reader sees that something was there.
                c if is_invisible_format(c) => '\u{FFFD}',
                c => c,
            })
            .collect(),
    )
}

/// One line of input text made safe to show: control characters (escape sequences, line
/// breaks) become spaces, bidirectional and zero-width characters become U+FFFD.
pub fn clean(s: &str) -> Cow<'_, str> {
    replace(s, |_| false)
}

/// Like [`clean`], but keeps tabs, so a caret under a source line still lines up.
pub fn clean_keep_tabs(s: &str) -> Cow<'_, str> {
    replace(s, |c| c == '\t')
}

/// Several lines: like [`clean`], keeping line breaks and tabs.
pub fn clean_lines(s: &str) -> Cow<'_, str> {
    replace(s, |c| c == '\n' || c == '\t')
}

/// A failed write to standard output, other than a closed pipe.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutError(#[from] pub io::Error);

/// What [`print`] is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// Coloured by gapcheck itself (the text report and the portfolio table on a
    /// terminal): its escape sequences are gapcheck's own, and the renderer cleaned every
    /// input string in it field by field.
    Colored,
    /// Text for a person (reports without colour, tables, `catalog show`): cleaned as a
    /// whole, line breaks and tabs kept, wherever it goes.
    Text,
    /// A machine format (JSON, Markdown, YAML…): cleaned as a whole when standard output is
    /// a terminal, passed through byte for byte to a file or a pipe.
    Data,
}

/// Whether standard output is a terminal (colour, and cleaning of [`Content::Data`]).
pub fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// Writes to standard output. A closed pipe is not an error: the reader has what it wanted.
pub fn print(s: &str, content: Content) -> Result<(), StdoutError> {
    let mut out = io::stdout().lock();
    let s = match content {
        Content::Text => clean_lines(s),
        Content::Data if out.is_terminal() => clean_lines(s),
        _ => Cow::Borrowed(s),
    };
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(StdoutError),
    }
}

/// Writes what `write` produces to standard output, as [`print`] would write it whole. Data
/// for a file or a pipe is streamed through a buffer, so a large report is never held in
/// memory; anything cleaned first (text, or data shown on a terminal) is collected, then
/// printed.
pub fn print_streamed(
    content: Content,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), StdoutError> {
    let stdout = io::stdout();
    if content != Content::Data || stdout.is_terminal() {
        let mut text = Vec::new();
        write(&mut text)?;
        return print(&String::from_utf8_lossy(&text), content);
    }
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(StdoutError),
    }
}

/// Writes a message to standard error, cleaned as a whole (line breaks kept). Errors are
/// ignored: there is nowhere left to report them.
pub fn eprint(s: &str) {
    let mut err = io::stderr().lock();
    let _ = err.write_all(clean_lines(s).as_bytes());
}

/// [`eprint`] with a line break.
pub fn eprintln(s: &str) {
    let mut line = clean_lines(s).into_owned();
    line.push('\n');
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bidi_controls_are_neutralized() {
        assert_eq!(clean("a\x1b[2Jb"), "a [2Jb");
        assert_eq!(clean("evil\u{202E}txt.exe"), "evil\u{FFFD}txt.exe");
        assert_eq!(
            clean("x\u{2066}y\u{2069}\u{200F}"),
            "x\u{FFFD}y\u{FFFD}\u{FFFD}"
        );
        assert_eq!(clean("two\nlines\r"), "two lines ");
        assert_eq!(clean("\u{9b}31m"), " 31m", "C1 CSI");
        assert_eq!(clean_lines("two\nlines\x07"), "two\nlines ");
        assert_eq!(clean_keep_tabs("a\tb\x1b"), "a\tb ");
        assert!(matches!(clean("plain — ünïcode"), Cow::Borrowed(_)));
    }
}
