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

use super::map::{DurationUnit, Field, FileFormat, Map};
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

/// Why one row was not folded. `Warning`: a well-formed record that does not belong to the
/// arrangement (skipped). `Error`: a malformed record (exit 2, or skipped when lenient).
pub struct Issue {
    pub level: Level,
    pub field: Option<Field>,
    pub message: String,
    pub help: Option<String>,
}

impl Issue {
    fn error(field: Field, message: String, help: &str) -> Issue {
        Issue {
            level: Level::Error,
            field: Some(field),
            message,
            help: Some(help.to_owned()),
        }
    }
    fn warning(field: Field, message: String, help: String) -> Issue {
        Issue {
            level: Level::Warning,
            field: Some(field),
            message,
            help: Some(help),
        }
    }
}

/// Folds records into per-capability aggregates as they are read.
pub struct Fold<'a> {
    a: &'a Arrangement,
    vocab: &'a Vocabulary,
    as_of: Timestamp,
    window_start: Timestamp,
    /// Unix second at which the first timeline day starts.
    first_day: i64,
    future_limit: Timestamp,
    window_days: u32,
    pub lenient: bool,
    caps: BTreeMap<String, Aggregate>,
    files: Vec<FileInfo>,
    total: u64,
}

impl<'a> Fold<'a> {
    pub fn new(
        a: &'a Arrangement,
        vocab: &'a Vocabulary,
        as_of: Timestamp,
        window_days: u32,
        lenient: bool,
    ) -> Self {
        let last = (as_of - SignedDuration::from_secs(1))
            .as_second()
            .div_euclid(86_400);
        let first_day = (last - i64::from(window_days) + 1) * 86_400;
        let future_limit = Timestamp::from_second((last + 1) * 86_400)
            .unwrap_or(Timestamp::MAX)
            .checked_add(FUTURE_TOLERANCE_HOURS.hours())
            .unwrap_or(Timestamp::MAX);
        let caps = a
            .responsibilities
            .keys()
            .map(|k| {
                (
                    k.clone(),
                    Aggregate {
                        days: vec![0; window_days as usize],
                        ..Aggregate::default()
                    },
                )
            })
            .collect();
        Fold {
            a,
            vocab,
            as_of,
            window_start: as_of - SignedDuration::from_hours(24 * i64::from(window_days)),
            first_day,
            future_limit,
            window_days,
            lenient,
            caps,
            files: Vec::new(),
            total: 0,
        }
    }

    pub fn over_budget(&self) -> bool {
        self.total > MAX_RECORDS
    }

    pub fn finish(self) -> (Vec<FileInfo>, BTreeMap<String, Aggregate>) {
        (self.files, self.caps)
    }

    /// Checks one row's values (indexed by [`Field::index`]) and folds it.
    pub fn row(
        &mut self,
        vals: &[Option<&str>; Field::COUNT],
        map: Option<&Map>,
        file: usize,
        line: u64,
    ) -> Result<(), Issue> {
        let get = |f: Field| vals[f.index()].map(str::trim).filter(|s| !s.is_empty());
        let cap_raw = match map.and_then(|m| m.capability.as_deref()) {
            Some(c) => c,
            None => get(Field::Capability).ok_or_else(|| {
                Issue::error(
                    Field::Capability,
                    "record names no capability".into(),
                    "every record needs the capability it is evidence for, e.g. `backup`",
                )
            })?,
        };
        let cap = map.map_or(cap_raw, |m| m.capability_of(cap_raw));
        let when_s = get(Field::When).ok_or_else(|| {
            Issue::error(
                Field::When,
                "record has no date".into(),
                "write when the work was done: YYYY-MM-DD or an RFC 3339 time such as 2026-11-28T02:00:00Z",
            )
        })?;
        let when = parse_when(when_s, map).map_err(|e| {
            Issue::error(
                Field::When,
                format!("impossible or malformed date `{}`: {e}", shorten(when_s)),
                match map.and_then(|m| m.when_format.as_deref()) {
                    Some(_) => "write the date as the map's `when_format` says, with a real calendar date",
                    None => "write a real date as YYYY-MM-DD or an RFC 3339 time with an offset, e.g. 2026-11-28T02:00:00Z (or give the map a `when_format`)",
                },
            )
        })?;
        if when > self.future_limit {
            return Err(Issue::error(
                Field::When,
                format!(
                    "record is dated `{}`, after the report date",
                    shorten(when_s)
                ),
                "a record of work done cannot lie in the future: check the export's date format and time zone, or pass the right --today",
            ));
        }
        let outcome = match map.and_then(|m| m.outcome) {
            Some(o) => o,
            None => {
                let w = get(Field::Outcome).ok_or_else(|| {
                    Issue::error(
                        Field::Outcome,
                        "record has no outcome".into(),
                        "write ok, failed or partial",
                    )
                })?;
                let o = match map {
                    Some(m) => m.outcome_of(w),
                    None => Outcome::ALL
                        .iter()
                        .copied()
                        .find(|o| o.as_str().eq_ignore_ascii_case(w)),
                };
                o.ok_or_else(|| {
                    Issue::error(
                        Field::Outcome,
                        format!("unknown outcome `{}`", shorten(w)),
                        if map.is_some() {
                            "list this word under `outcomes:` in the evidence map (ok, failed or partial)"
                        } else {
                            "write ok, failed or partial (or describe the export's words in an --evidence-map)"
                        },
                    )
                })?
            }
        };
        let unit = map.map(|m| m.durations);
        let duration = |f: Field| -> Result<Option<SignedDuration>, Issue> {
            let Some(s) = get(f) else { return Ok(None) };
            parse_duration(s, unit).map(Some).ok_or_else(|| {
                Issue::error(
                    f,
                    format!("`{}` is not a duration", shorten(s)),
                    if unit.is_some() {
                        "write a duration such as 45m, 1h30m, 01:30:00, PT45M, or a number in the map's `durations` unit"
                    } else {
                        "write a duration such as 45m, 1h30m, 01:30:00 or PT45M"
                    },
                )
            })
        };
        let responded_after = duration(Field::RespondedAfter)?;
        let resolved_after = duration(Field::ResolvedAfter)?;
        let reference = get(Field::Reference);
        let provider = map
            .and_then(|m| m.provider.as_deref())
            .or_else(|| get(Field::Provider));

        // Well-formed; does it belong to this arrangement?
        let Some(resp) = self.a.responsibilities.get(cap) else {
            let message = if self.vocab.get(cap).is_some() {
                format!(
                    "record for `{cap}`, which the arrangement does not declare: ignored (evidence never makes an undeclared responsibility satisfied)"
                )
            } else {
                format!("record for unknown capability `{}`: ignored", shorten(cap))
            };
            let ids: Vec<&str> = self.a.responsibilities.keys().map(String::as_str).collect();
            let help = match did_you_mean(cap, ids.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "declare the responsibility in the arrangement, or map the export's value to a declared capability".into(),
            };
            return Err(Issue::warning(Field::Capability, message, help));
        };
        if let Some(p) = provider {
            if self.a.provider(p).is_none() {
                let ids: Vec<&str> = self.a.providers.keys().map(String::as_str).collect();
                return Err(Issue::warning(
                    Field::Provider,
                    format!(
                        "record by `{}`, which is not a declared provider: ignored",
                        shorten(p)
                    ),
                    choose_help(p, &ids),
                ));
            }
            if !resp.owners.iter().any(|o| o == p) {
                return Err(Issue::warning(
                    Field::Provider,
                    format!(
                        "record of `{cap}` by `{p}`, which does not own `{cap}` (owners: {}): ignored",
                        resp.owners.join(", ")
                    ),
                    "work done by a party the arrangement does not make responsible is not evidence of the responsibility; fix the owner in the arrangement or the provider in the export".into(),
                ));
            }
        }
        let response = resp.response;
        let agg = self.caps.get_mut(cap).expect("declared capability");
        self.total += 1;
        let rec = Record {
            when,
            outcome,
            reference,
            responded_after,
            resolved_after,
        };
        add(
            agg,
            &rec,
            file,
            line,
            (self.window_start, self.as_of),
            self.first_day,
            self.window_days,
            response,
        );
        self.files[file].records += 1;
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn add(
    agg: &mut Aggregate,
    r: &Record,
    file: usize,
    line: u64,
    (start, end): (Timestamp, Timestamp),
    first_day: i64,
    window_days: u32,
    response: Option<crate::capability::Duration>,
) {
    agg.records += 1;
    let newer = match &agg.last {
        None => true,
        // Ties go to the worse outcome: a failure logged at the same minute as a success is
        // not hidden by it.
        Some(l) => r.when > l.when || (r.when == l.when && r.outcome > l.outcome),
    };
    if newer {
        match &mut agg.last {
            Some(l) => {
                l.when = r.when;
                l.outcome = r.outcome;
                l.file = file;
                l.line = line;
                match (&mut l.reference, r.reference) {
                    (Some(s), Some(new)) => {
                        s.clear();
                        s.push_str(new);
                    }
                    (slot, new) => *slot = new.map(str::to_owned),
                }
            }
            None => {
                agg.last = Some(Last {
                    when: r.when,
                    outcome: r.outcome,
                    reference: r.reference.map(str::to_owned),
                    file,
                    line,
                })
            }
        }
    }
    if r.outcome == Outcome::Ok && agg.last_ok.is_none_or(|t| r.when > t) {
        agg.last_ok = Some(r.when);
    }
    if r.when > start && r.when <= end {
        match r.outcome {
            Outcome::Ok => agg.ok += 1,
            Outcome::Failed => agg.failed += 1,
            Outcome::Partial => agg.partial += 1,
        }
        if let Some(d) = r.responded_after {
            agg.tickets += 1;
            if response.is_some_and(|limit| d.as_secs() <= limit.minutes() as i64 * 60) {
                agg.answered_in_time += 1;
            }
        }
        if let Some(d) = r.resolved_after {
            agg.resolved += 1;
            agg.resolved_secs = agg.resolved_secs.saturating_add(d.as_secs());
        }
    }
    let day = (r.when.as_second() - first_day).div_euclid(86_400);
    if (0..i64::from(window_days)).contains(&day) {
        agg.days[day as usize] |= match r.outcome {
            Outcome::Ok => DAY_OK,
            Outcome::Failed => DAY_FAILED,
            Outcome::Partial => DAY_PARTIAL,
        };
    }
}

/// At most 60 characters of an input value, for messages.
fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// A record's time. Without a map: RFC 3339 with an offset, or YYYY-MM-DD (done by the
/// end of that day, UTC). With a map: its `when_format` and `utc_offset`.
pub fn parse_when(s: &str, map: Option<&Map>) -> Result<Timestamp, String> {
    let offset = map.map_or(jiff::tz::Offset::UTC, |m| m.utc_offset);
    let end_of = |d: jiff::civil::Date| -> Result<Timestamp, String> {
        d.to_datetime(jiff::civil::time(23, 59, 59, 0))
            .to_zoned(jiff::tz::TimeZone::fixed(offset))
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string())
    };
    if let Some(fmt) = map.and_then(|m| m.when_format.as_deref()) {
        let tm = jiff::fmt::strtime::parse(fmt, s).map_err(|e| e.to_string())?;
        if tm.offset().is_some() {
            return tm.to_timestamp().map_err(|e| e.to_string());
        }
        if tm.hour().is_some() {
            let dt = tm.to_datetime().map_err(|e| e.to_string())?;
            return dt
                .to_zoned(jiff::tz::TimeZone::fixed(offset))
                .map(|z| z.timestamp())
                .map_err(|e| e.to_string());
        }
        return end_of(tm.to_date().map_err(|e| e.to_string())?);
    }
    if s.len() == 10 {
        return end_of(s.parse::<jiff::civil::Date>().map_err(|e| e.to_string())?);
    }
    if let Some(t) = fast_utc(s.as_bytes()) {
        return Ok(t);
    }
    match s.parse::<Timestamp>() {
        Ok(t) => Ok(t),
        Err(e) if map.is_some() => s
            .parse::<jiff::civil::DateTime>()
            .map_err(|_| e.to_string())?
            .to_zoned(jiff::tz::TimeZone::fixed(offset))
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string()),
        Err(e) => Err(if s.parse::<jiff::civil::DateTime>().is_ok() {
            "the time has no UTC offset (add `Z` or e.g. `-05:00`)".to_owned()
        } else {
            e.to_string()
        }),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the shape nearly every export writes, without the general
/// parser: a tenth of its cost, which is most of a million-row check. Anything else (or
/// an impossible date) returns None and goes to the general parser, which also words the
/// error.
fn fast_utc(b: &[u8]) -> Option<Timestamp> {
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
        || !matches!(b[19], b'Z' | b'z')
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days_in = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if y < 1 || d < 1 || d > days_in || hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let yy = if m <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Timestamp::from_second(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()
}

/// A duration: `45m`, `1h30m`, `1h 30m`, `PT45M`, `01:30:00` or `1:30`, or (with a map) a
/// bare number in the map's unit. Negative durations are refused.
pub fn parse_duration(s: &str, unit: Option<DurationUnit>) -> Option<SignedDuration> {
    let s = s.trim();
    let d = if let Some(unit) = unit.filter(|_| s.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    {
        let n: f64 = s.parse().ok()?;
        let secs = match unit {
            DurationUnit::Seconds => n,
            DurationUnit::Minutes => n * 60.0,
            DurationUnit::Hours => n * 3600.0,
        };
        if !secs.is_finite() || secs > 1e12 {
            return None;
        }
        SignedDuration::from_secs(secs.round() as i64)
    } else if s.contains(':') {
        let parts: Vec<&str> = s.split(':').collect();
        let nums: Option<Vec<i64>> = parts
            .iter()
            .map(|p| {
                (!p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect();
        let nums = nums?;
        match nums.as_slice() {
            [h, m] if *m < 60 => SignedDuration::from_secs(h * 3600 + m * 60),
            [h, m, sec] if *m < 60 && *sec < 60 => {
                SignedDuration::from_secs(h * 3600 + m * 60 + sec)
            }
            _ => return None,
        }
    } else {
        s.parse::<SignedDuration>().ok()?
    };
    (!d.is_negative()).then_some(d)
}

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

/// The character column where field `index` of the record starting at `byte` begins, and
/// that line's text: read back from the file only when something is reported.
fn csv_locate(path: &Path, byte: u64, index: usize, delimiter: u8) -> (u32, Option<String>) {
    let Ok(mut f) = std::fs::File::open(path) else {
        return (1, None);
    };
    // Positions count from after a byte-order mark.
    let mut bom = [0u8; 3];
    let skip = if f.read_exact(&mut bom).is_ok() && bom == [0xEF, 0xBB, 0xBF] {
        3
    } else {
        0
    };
    if f.seek(std::io::SeekFrom::Start(byte + skip)).is_err() {
        return (1, None);
    }
    let mut buf = Vec::new();
    let _ = f.take(64 * 1024).read_to_end(&mut buf);
    let end = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
    let line = &buf[..end];
    let mut field = 0;
    let mut quoted = false;
    let mut at = 0;
    for (i, b) in line.iter().enumerate() {
        if field == index {
            at = i;
            break;
        }
        match *b {
            b'"' => quoted = !quoted,
            d if d == delimiter && !quoted => {
                field += 1;
                at = i + 1;
            }
            _ => {}
        }
    }
    if field < index {
        at = line.len();
    }
    let text = String::from_utf8_lossy(line);
    let col = String::from_utf8_lossy(&line[..at.min(line.len())])
        .chars()
        .count() as u32
        + 1;
    (col, Some(text.trim_end_matches('\r').to_owned()))
}

fn read_csv(
    path: &Path,
    reader: &mut Source,
    map: Option<&Map>,
    fold: &mut Fold,
    file: usize,
    rep: &mut Reporter,
) {
    let delimiter = map.map_or(b',', |m| m.delimiter);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(reader);
    let mut rec = csv::ByteRecord::new();
    let locate = |byte: u64, index: usize| csv_locate(path, byte, index, delimiter);
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => {
            rep.diags.push(Diagnostic {
                level: Level::Warning,
                file: rep.file.clone(),
                pos: None,
                message: "evidence file is empty".into(),
                help: None,
                source_line: None,
            });
            return;
        }
        Err(e) => {
            rep.file_error(
                format!("cannot read the header: {e}"),
                "check that this is a CSV file",
            );
            return;
        }
    }
    let header_byte = rec.position().map_or(0, |p| p.byte());
    let mut header = Vec::new();
    for (i, h) in rec.iter().enumerate() {
        match std::str::from_utf8(h) {
            Ok(s) => header.push(s.trim().to_owned()),
            Err(_) => {
                let (col, line) = locate(header_byte, i);
                rep.issue(
                    Issue::error(
                        Field::Capability,
                        "header is not UTF-8 text".into(),
                        "save or export the file as UTF-8",
                    ),
                    Some(Pos::new(1, col)),
                    line,
                );
                return;
            }
        }
    }
    let mut idx: [Option<usize>; Field::COUNT] = [None; Field::COUNT];
    let mut bad = false;
    match map {
        None => {
            for (i, h) in header.iter().enumerate() {
                match Field::parse(h) {
                    Some(f) if idx[f.index()].is_some() => {
                        let (col, line) = locate(header_byte, i);
                        rep.issue(
                            Issue::error(
                                f,
                                format!("column `{h}` appears twice"),
                                "keep one column per field",
                            ),
                            Some(Pos::new(1, col)),
                            line,
                        );
                        bad = true;
                    }
                    Some(f) => idx[f.index()] = Some(i),
                    None => {
                        let (col, line) = locate(header_byte, i);
                        let names = Field::names();
                        let help = match did_you_mean(h, names.iter().copied()) {
                            Some(s) => format!(
                                "did you mean `{s}`? (or describe this export's columns in an --evidence-map)"
                            ),
                            None => format!(
                                "a CSV without a map has the columns {}; describe other exports in an --evidence-map",
                                names.join(",")
                            ),
                        };
                        rep.issue(
                            Issue {
                                level: Level::Error,
                                field: None,
                                message: format!("unknown column `{}`", shorten(h)),
                                help: Some(help),
                            },
                            Some(Pos::new(1, col)),
                            line,
                        );
                        bad = true;
                    }
                }
            }
            for f in [Field::Capability, Field::When, Field::Outcome] {
                if idx[f.index()].is_none() {
                    rep.file_error(
                        format!("the header has no `{f}` column"),
                        "a CSV without a map needs the columns capability, when and outcome (provider, reference, responded_after, resolved_after are optional)",
                    );
                    bad = true;
                }
            }
        }
        Some(m) => {
            for f in Field::ALL {
                let Some(want) = m.column(*f) else { continue };
                let found = header
                    .iter()
                    .position(|h| h == want)
                    .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(want)));
                match found {
                    Some(i) => idx[f.index()] = Some(i),
                    None => {
                        let names: Vec<&str> = header.iter().map(String::as_str).collect();
                        rep.file_error(
                            format!(
                                "the header has no column `{want}`, which map {} names for `{f}`",
                                m.path
                            ),
                            &choose_help(want, &names),
                        );
                        bad = true;
                    }
                }
            }
        }
    }
    // A lenient run still needs a usable header: every row would be wrong.
    if bad {
        rep.errors = rep.errors.max(1);
        if rep.lenient {
            rep.file_error(
                "the header cannot be used, so no row of this file can be read".into(),
                "fix the header (--evidence-lenient skips bad rows, not bad headers)",
            );
        }
        return;
    }
    let width = header.len();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let go = rep.issue(
                    Issue {
                        level: Level::Error,
                        field: None,
                        message: format!("cannot read the row: {e}"),
                        help: Some("check the file's quoting and encoding".into()),
                    },
                    Some(Pos::new(line as u32, 1)),
                    None,
                );
                fold.files[file].skipped += 1;
                if !go || !rep.lenient {
                    return;
                }
                continue;
            }
        }
        let pos = rec.position().cloned().unwrap_or_else(csv::Position::new);
        let line_no = pos.line();
        if rec.as_slice().len() > MAX_RECORD_BYTES {
            rep.issue(
                Issue {
                    level: Level::Error,
                    field: None,
                    message: format!("row is longer than {MAX_RECORD_BYTES} bytes"),
                    help: Some(
                        "an unclosed quote makes the rest of the file one field: check the quoting"
                            .into(),
                    ),
                },
                Some(Pos::new(line_no as u32, 1)),
                None,
            );
            return;
        }
        if rec.len() != width {
            let (col, text) = if rep.shows(Level::Error) {
                locate(pos.byte(), rec.len().min(width))
            } else {
                (1, None)
            };
            let next_line = rdr.position().line();
            let spans = next_line.saturating_sub(line_no);
            let help = if spans > 1 {
                format!(
                    "the row runs over {spans} lines: a quote is probably not closed (quotes inside a field are written twice: \"\")"
                )
            } else {
                "every row needs one value per header column; quote values containing the delimiter"
                    .to_owned()
            };
            fold.files[file].skipped += 1;
            if !rep.issue(
                Issue {
                    level: Level::Error,
                    field: None,
                    message: format!("row has {} field(s); the header has {width}", rec.len()),
                    help: Some(help),
                },
                Some(Pos::new(line_no as u32, col)),
                text,
            ) {
                return;
            }
            continue;
        }
        let mut utf8_error = None;
        let mut vals: [Option<&str>; Field::COUNT] = [None; Field::COUNT];
        for f in Field::ALL {
            vals[f.index()] = match idx[f.index()] {
                None => None,
                Some(i) => match std::str::from_utf8(&rec[i]) {
                    Ok(s) => Some(s),
                    Err(_) => {
                        utf8_error = Some(i);
                        None
                    }
                },
            };
        }
        if let Some(i) = utf8_error {
            let (col, text) = if rep.shows(Level::Error) {
                locate(pos.byte(), i)
            } else {
                (1, None)
            };
            fold.files[file].skipped += 1;
            if !rep.issue(
                Issue {
                    level: Level::Error,
                    field: None,
                    message: "value is not UTF-8 text".into(),
                    help: Some(
                        "save or export the file as UTF-8 (it looks like Latin-1 or Windows-1252)"
                            .into(),
                    ),
                },
                Some(Pos::new(line_no as u32, col)),
                text,
            ) {
                return;
            }
            continue;
        }
        if let Err(issue) = fold.row(&vals, map, file, line_no) {
            fold.files[file].skipped += 1;
            let i = issue.field.and_then(|f| idx[f.index()]).unwrap_or(0);
            // Re-reading the line costs a file open: only for what will be printed.
            let (col, text) = if rep.shows(issue.level) {
                locate(pos.byte(), i)
            } else {
                (1, None)
            };
            if !rep.issue(issue, Some(Pos::new(line_no as u32, col)), text) {
                return;
            }
            if fold.over_budget() {
                return;
            }
        }
        if fold.over_budget() {
            return;
        }
        if rep.errors > 0 && !rep.lenient && rep.errors >= MAX_ERRORS_PER_FILE {
            return;
        }
    }
}

fn read_jsonl(
    reader: &mut Source,
    map: Option<&Map>,
    fold: &mut Fold,
    file: usize,
    rep: &mut Reporter,
) {
    let mut buf = Vec::new();
    let mut line_no: u64 = 0;
    let mut owned: [String; Field::COUNT] = Default::default();
    loop {
        buf.clear();
        line_no += 1;
        let n = match reader
            .by_ref()
            .take(MAX_RECORD_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
        {
            Ok(n) => n,
            Err(e) => {
                rep.file_error(format!("cannot read file: {e}"), "check the file");
                return;
            }
        };
        if n == 0 {
            break;
        }
        let pos = |col: usize| Some(Pos::new(line_no as u32, col as u32));
        let text = || {
            Some(
                String::from_utf8_lossy(&buf)
                    .trim_end()
                    .chars()
                    .take(200)
                    .collect(),
            )
        };
        if n > MAX_RECORD_BYTES {
            rep.issue(
                Issue {
                    level: Level::Error,
                    field: None,
                    message: format!("line is longer than {MAX_RECORD_BYTES} bytes"),
                    help: Some("JSON Lines holds one record per line".into()),
                },
                pos(1),
                None,
            );
            return;
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let obj: serde_json::Map<String, serde_json::Value> = match serde_json::from_slice(&buf) {
            Ok(o) => o,
            Err(e) => {
                fold.files[file].skipped += 1;
                let go = rep.issue(
                    Issue {
                        level: Level::Error,
                        field: None,
                        message: format!("invalid JSON record: {}", strip_position(&e.to_string())),
                        help: Some("write one JSON object per line, e.g. {\"capability\":\"backup\",\"when\":\"2026-11-28\",\"outcome\":\"ok\"}".into()),
                    },
                    pos(e.column().max(1)),
                    text(),
                );
                if !go {
                    return;
                }
                continue;
            }
        };
        let key_col = |key: &str| -> usize {
            let needle = format!("\"{key}\"");
            let s = String::from_utf8_lossy(&buf);
            s.find(&needle).map_or(1, |b| s[..b].chars().count() + 1)
        };
        let mut vals: [Option<&str>; Field::COUNT] = [None; Field::COUNT];
        let mut problem: Option<(Issue, usize)> = None;
        let mut present = [false; Field::COUNT];
        for (k, v) in &obj {
            let field = match map {
                None => match Field::parse(k) {
                    Some(f) => Some(f),
                    None => {
                        let names = Field::names();
                        problem.get_or_insert((
                            Issue {
                                level: Level::Error,
                                field: None,
                                message: format!("unknown key `{}`", shorten(k)),
                                help: Some(match did_you_mean(k, names.iter().copied()) {
                                    Some(s) => format!("did you mean `{s}`?"),
                                    None => format!("records have the keys {}; describe other exports in an --evidence-map", names.join(", ")),
                                }),
                            },
                            key_col(k),
                        ));
                        None
                    }
                },
                Some(m) => Field::ALL
                    .iter()
                    .copied()
                    .find(|f| m.column(*f) == Some(k.as_str())),
            };
            let Some(f) = field else { continue };
            present[f.index()] = true;
            match v {
                serde_json::Value::String(_) | serde_json::Value::Null => {}
                serde_json::Value::Number(n) => owned[f.index()] = n.to_string(),
                _ => {
                    problem.get_or_insert((
                        Issue::error(
                            f,
                            format!("`{k}` must be a string"),
                            "write the value as a JSON string",
                        ),
                        key_col(k),
                    ));
                }
            }
        }
        if problem.is_none() {
            for (k, v) in &obj {
                let f = match map {
                    None => Field::parse(k),
                    Some(m) => Field::ALL
                        .iter()
                        .copied()
                        .find(|f| m.column(*f) == Some(k.as_str())),
                };
                let Some(f) = f else { continue };
                vals[f.index()] = match v {
                    serde_json::Value::String(s) => Some(s.as_str()),
                    serde_json::Value::Number(_) => Some(owned[f.index()].as_str()),
                    _ => None,
                };
            }
            if let Err(issue) = fold.row(&vals, map, file, line_no) {
                let col = issue
                    .field
                    .and_then(|f| {
                        let key = match map {
                            None => Some(f.as_str()),
                            Some(m) => m.column(f),
                        }?;
                        present[f.index()].then(|| key_col(key))
                    })
                    .unwrap_or(1);
                problem = Some((issue, col));
            }
        }
        if let Some((issue, col)) = problem {
            fold.files[file].skipped += 1;
            if !rep.issue(issue, pos(col), text()) {
                return;
            }
        }
        if fold.over_budget() {
            return;
        }
    }
}

/// serde_json appends " at line L column C"; the diagnostic carries the position already.
fn strip_position(s: &str) -> &str {
    s.find(" at line ").map_or(s, |i| &s[..i])
}

/// YAML records, for hand-kept evidence: a list of records, or `records:` holding one.
fn read_yaml(path: &Path, fold: &mut Fold, file: usize, rep: &mut Reporter) -> Option<String> {
    let text = match crate::catalog::read_text(path) {
        Ok(t) => t,
        Err(d) => {
            rep.errors += 1;
            rep.diags.push(d);
            return None;
        }
    };
    let sha = crate::sha256_hex(text.as_bytes());
    let mut sink = Sink::new(rep.file.clone(), &text);
    let Some(root) = yaml::parse(&text, &mut sink) else {
        rep.errors += 1;
        rep.diags.extend(sink.diagnostics);
        return Some(sha);
    };
    if root.get("evidence-map").is_some() {
        // A map kept beside the exports it describes is not a record file.
        fold.files.pop();
        return None;
    }
    let list: &[Node] = match &root.value {
        yaml::Value::Seq(items) => items,
        yaml::Value::Map(_) => {
            match Fields::new(&mut sink, &root, "an evidence file", &["records"]) {
                Some(f) => f
                    .require(
                        &mut sink,
                        "records",
                        "an evidence file",
                        "[{capability: backup, when: 2026-11-28, outcome: ok}]",
                    )
                    .map(|n| decode::list(&mut sink, n, "`records`"))
                    .unwrap_or(&[]),
                None => &[],
            }
        }
        _ => {
            decode::type_error(
                &mut sink,
                &root,
                "an evidence file must be a list of records",
                "a list of `{capability, when, outcome}` mappings",
            );
            &[]
        }
    };
    let names = Field::names();
    for item in list {
        let Some(f) = Fields::new(&mut sink, item, "a record", &names) else {
            continue;
        };
        let mut owned: [Option<String>; Field::COUNT] = Default::default();
        let mut nodes: [Option<&Node>; Field::COUNT] = [None; Field::COUNT];
        for field in Field::ALL {
            if let Some(n) = f.get(field.as_str()) {
                nodes[field.index()] = Some(n);
                owned[field.index()] = scalar(n);
                if owned[field.index()].is_none() {
                    decode::type_error(
                        &mut sink,
                        n,
                        &format!("`{field}` must be a single value"),
                        "a plain value",
                    );
                }
            }
        }
        let vals: [Option<&str>; Field::COUNT] = std::array::from_fn(|i| owned[i].as_deref());
        if let Err(issue) = fold.row(&vals, None, file, u64::from(item.pos.line)) {
            fold.files[file].skipped += 1;
            let at = issue
                .field
                .and_then(|fl| nodes[fl.index()])
                .map_or(item.pos, |n| n.pos);
            let level = match issue.level {
                Level::Error if rep.lenient => Level::Warning,
                l => l,
            };
            sink.push(level, Some(at), issue.message, issue.help);
        }
    }
    for d in sink.diagnostics {
        if d.level == Level::Error {
            rep.errors += 1;
        }
        rep.diags.push(d);
    }
    Some(sha)
}

/// A YAML scalar as text (dates and numbers included), or None for a list or mapping.
fn scalar(n: &Node) -> Option<String> {
    match &n.value {
        yaml::Value::Str(s) => Some(s.clone()),
        yaml::Value::Int(i) => Some(i.to_string()),
        yaml::Value::Float(f) => Some(f.to_string()),
        yaml::Value::Bool(b) => Some(b.to_string()),
        yaml::Value::Null => None,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let m = |s| parse_duration(s, None).map(|d| d.as_secs() / 60);
        assert_eq!(m("45m"), Some(45));
        assert_eq!(m("1h30m"), Some(90));
        assert_eq!(m("1h 30m"), Some(90));
        assert_eq!(m("PT45M"), Some(45));
        assert_eq!(m("01:30:00"), Some(90));
        assert_eq!(m("1:30"), Some(90));
        assert_eq!(m("45"), None);
        assert_eq!(m("-5m"), None);
        assert_eq!(m("soon"), None);
        assert_eq!(
            parse_duration("90", Some(DurationUnit::Seconds)).map(|d| d.as_secs()),
            Some(90)
        );
        assert_eq!(
            parse_duration("1.5", Some(DurationUnit::Hours)).map(|d| d.as_secs()),
            Some(5400)
        );
    }

    #[test]
    fn the_fast_path_agrees_with_the_parser() {
        for s in [
            "2026-11-28T02:00:00Z",
            "2024-02-29T23:59:59Z",
            "2000-01-01T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "2026-12-31T12:34:56Z",
            "1999-03-01T00:00:01Z",
        ] {
            assert_eq!(fast_utc(s.as_bytes()), Some(s.parse().unwrap()), "{s}");
        }
        for s in [
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-28T24:00:00Z",
            "2026-11-28T02:00:00+01:00",
        ] {
            assert_eq!(fast_utc(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_when("2026-11-28T02:00:00Z", None).unwrap(),
            "2026-11-28T02:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_when("2026-11-28", None).unwrap(),
            "2026-11-28T23:59:59Z".parse::<Timestamp>().unwrap()
        );
        assert!(parse_when("2026-02-30", None).is_err());
        assert!(
            parse_when("2026-11-28T02:00:00", None)
                .unwrap_err()
                .contains("offset")
        );
        assert!(parse_when("yesterday", None).is_err());
    }

    #[test]
    fn csv_columns_are_found_past_quotes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "a,b\n\"x,y\",zz,\"w\"\n").unwrap();
        assert_eq!(csv_locate(&p, 4, 1, b',').0, 7);
        assert_eq!(csv_locate(&p, 4, 2, b',').0, 10);
    }
}
