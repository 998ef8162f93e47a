//! Reading evidence files — CSV, JSON Lines, YAML — one record at a time into a [`Fold`].
//!
//! Bad input is located: a CSV problem names the line and the character column of the
//! field (found by re-reading just that line, so the stream itself keeps no text), a JSON
//! line the column the parser stopped at, a YAML record its node.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp, ToSpan};
use sha2::Digest;

use super::map::{Field, FileFormat, Map};
use super::{
    Aggregate, DAY_FAILED, DAY_OK, DAY_PARTIAL, FUTURE_TOLERANCE_HOURS, FileInfo, Last,
    MAX_ERRORS_PER_FILE, MAX_FILE_BYTES, MAX_FILES, MAX_RECORD_BYTES, MAX_RECORDS,
    MAX_WARNINGS_PER_FILE, Outcome, Record,
};
use crate::arrangement::Arrangement;
use crate::capability::Vocabulary;
use crate::decode::{self, Fields, Keyword};
use crate::diag::{Diagnostic, Level, Pos, Sink, choose_help, did_you_mean};
use crate::yaml::{self, Node};

mod delimited;
mod fold;
mod lines;
mod when;

use delimited::read_csv;
use lines::{read_jsonl, read_yaml};

use fold::shorten;
pub use fold::{Fold, Issue};
pub use when::{parse_duration, parse_when};

/// The evidence files named on the command line, directories walked (sorted, links not
/// followed), with the file-count budget applied before anything is read.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let err = |file: &Path, message: String, help: &str| Diagnostic {
        level: Level::Error,
        file: file.display().to_string(),
        pos: None,
        message,
        help: Some(help.to_owned()),
        source_line: None,
    };
    for p in paths {
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        for entry in walkdir::WalkDir::new(p)
            .follow_links(false)
            .sort_by_file_name()
        {
            match entry {
                Err(e) => errors.push(err(
                    e.path().unwrap_or(p),
                    format!("cannot read directory entry: {e}"),
                    "check permissions",
                )),
                Ok(e) if e.path_is_symlink() && e.depth() > 0 => errors.push(err(
                    e.path(),
                    "is a symbolic link inside an evidence directory".into(),
                    "links are not followed (so a directory cannot pull in files from elsewhere); copy the file in or name it with --evidence",
                )),
                Ok(e) if e.file_type().is_file() && FileFormat::from_path(e.path()).is_some() => {
                    out.push(e.into_path());
                    if out.len() > MAX_FILES {
                        errors.push(err(
                            p,
                            format!("more than {MAX_FILES} evidence files"),
                            "concatenate the exports (one file per tool and month is plenty), or check the arrangement against fewer of them",
                        ));
                        return Err(errors);
                    }
                }
                Ok(_) => {}
            }
        }
    }
    if out.len() > MAX_FILES {
        errors.push(err(
            &paths[0],
            format!("more than {MAX_FILES} evidence files"),
            "concatenate the exports, or check against fewer of them",
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Per-file bookkeeping of what has been reported, so one broken export cannot flood the
/// terminal.
struct Reporter<'d> {
    file: String,
    diags: &'d mut Vec<Diagnostic>,
    errors: usize,
    warnings: usize,
    hidden: usize,
    lenient: bool,
}

impl Reporter<'_> {
    /// Records an issue; returns false when reading this file should stop.
    fn issue(&mut self, issue: Issue, pos: Option<Pos>, source_line: Option<String>) -> bool {
        let level = match issue.level {
            Level::Error if self.lenient => Level::Warning,
            l => l,
        };
        let message = if issue.level == Level::Error && self.lenient {
            format!("{} (row skipped: --evidence-lenient)", issue.message)
        } else {
            issue.message
        };
        if level == Level::Error {
            self.errors += 1;
        } else {
            self.warnings += 1;
            if self.warnings > MAX_WARNINGS_PER_FILE {
                self.hidden += 1;
                return true;
            }
        }
        self.diags.push(Diagnostic {
            level,
            file: self.file.clone(),
            pos,
            message,
            help: issue.help,
            source_line,
        });
        if self.errors >= MAX_ERRORS_PER_FILE {
            self.diags.push(Diagnostic {
                level: Level::Error,
                file: self.file.clone(),
                pos: None,
                message: format!("stopped reading after {MAX_ERRORS_PER_FILE} errors"),
                help: Some("fix these first; the file may be in another format than its name says, or need an --evidence-map".into()),
                source_line: None,
            });
            return false;
        }
        true
    }

    /// Whether an issue of this level would be printed (so it is worth locating).
    fn shows(&self, level: Level) -> bool {
        level == Level::Error && !self.lenient || self.warnings < MAX_WARNINGS_PER_FILE
    }

    fn file_error(&mut self, message: String, help: &str) {
        self.errors += 1;
        self.diags.push(Diagnostic {
            level: Level::Error,
            file: self.file.clone(),
            pos: None,
            message,
            help: Some(help.to_owned()),
            source_line: None,
        });
    }

    fn finish(self) {
        if self.hidden > 0 {
            self.diags.push(Diagnostic {
                level: Level::Warning,
                file: self.file,
                pos: None,
                message: format!(
                    "{} more warning(s) in this file not shown (at most {MAX_WARNINGS_PER_FILE} per file)",
                    self.hidden
                ),
                help: None,
                source_line: None,
            });
        }
    }
}

/// Reads one evidence file into the fold, reporting into `diags`.
pub fn read_file(path: &Path, maps: &[Map], fold: &mut Fold, diags: &mut Vec<Diagnostic>) {
    let shown = path.display().to_string();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let map = maps.iter().find(|m| m.files.is_match(&name));
    let mut rep = Reporter {
        file: shown.clone(),
        diags,
        errors: 0,
        warnings: 0,
        hidden: 0,
        lenient: fold.lenient,
    };
    let format = map
        .and_then(|m| m.format)
        .or_else(|| FileFormat::from_path(path));
    let Some(format) = format else {
        rep.file_error(
            "cannot tell the evidence format from the file name".into(),
            "name it .csv, .jsonl or .yaml, or give a matching --evidence-map a `format:`",
        );
        return;
    };
    if let (Some(m), FileFormat::Yaml) = (map, format) {
        rep.file_error(
            format!("evidence map {} matches this YAML file", m.path),
            "maps describe CSV and JSON Lines exports; YAML records use the native field names (narrow the map's `files:` pattern)",
        );
        return;
    }
    let file_idx = fold.files.len();
    fold.files.push(FileInfo {
        path: shown,
        format: format.as_str(),
        map: map.map(|m| m.path.clone()),
        sha256: String::new(),
        records: 0,
        skipped: 0,
    });
    let sha = match format {
        FileFormat::Yaml => read_yaml(path, fold, file_idx, &mut rep),
        FileFormat::Csv | FileFormat::Jsonl => {
            match open(path) {
                Err(e) => {
                    rep.file_error(e.0, e.1);
                    None
                }
                Ok(reader) => {
                    let mut reader = reader;
                    if format == FileFormat::Csv {
                        read_csv(path, &mut reader, map, fold, file_idx, &mut rep);
                    } else {
                        read_jsonl(&mut reader, map, fold, file_idx, &mut rep);
                    }
                    // Digest what was read, including anything after an early stop.
                    let _ = std::io::copy(&mut reader, &mut std::io::sink());
                    Some(reader.into_inner().digest())
                }
            }
        }
    };
    if let Some(sha) = sha {
        fold.files[file_idx].sha256 = sha;
    }
    rep.finish();
}

/// A reader that hashes what passes through it, so the report can carry each evidence
/// file's SHA-256 without a second pass over a large export.
struct Hashing<R> {
    inner: R,
    hasher: sha2::Sha256,
    read: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        if self.read > MAX_FILE_BYTES {
            return Err(std::io::Error::other("file grew past the size limit"));
        }
        Ok(n)
    }
}

impl<R> Hashing<R> {
    fn digest(self) -> String {
        self.hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

type Source = BufReader<Hashing<std::fs::File>>;

fn open(path: &Path) -> Result<Source, (String, &'static str)> {
    let meta = std::fs::metadata(path).map_err(|e| {
        (
            format!("cannot read file: {e}"),
            "check the path and its permissions",
        )
    })?;
    if meta.is_dir() {
        return Err(("is a directory".into(), "name a file"));
    }
    // As for every file named on the command line: opening a FIFO nothing writes to would
    // wait forever, and a device may never end.
    if let Some(why) = crate::regular::refusal(&meta) {
        return Err((why, crate::regular::HELP));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err((
            format!(
                "file is {} bytes; gapcheck reads evidence files of at most {MAX_FILE_BYTES} bytes",
                meta.len()
            ),
            "split the export by month, or export only the last year",
        ));
    }
    let f = std::fs::File::open(path).map_err(|e| {
        (
            format!("cannot read file: {e}"),
            "check the path and its permissions",
        )
    })?;
    let mut r = BufReader::with_capacity(
        1 << 16,
        Hashing {
            inner: f,
            hasher: sha2::Sha256::new(),
            read: 0,
        },
    );
    let head = r.fill_buf().map_err(|e| {
        (
            format!("cannot read file: {e}"),
            "check the path and its permissions",
        )
    })?;
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err((
            "file is UTF-16 text".into(),
            "save or export it as UTF-8 (in Excel: \"CSV UTF-8\")",
        ));
    }
    // A UTF-8 byte-order mark (Excel's "CSV UTF-8") is not part of the first column's name.
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        r.consume(3);
    }
    Ok(r)
}
