//! Portfolio mode: many arrangements in one run, as an MSP checks all its clients. Files
//! are discovered under a directory, checked in parallel on every core, and summarized one
//! row per organization.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diag::{Diagnostic, Level};

mod overview;
mod render;
pub use overview::{ClientStatus, Closer, Common, Overview, Resolves, SprsBand};
use overview::{overview_html, overview_markdown, overview_text};
pub use render::{html, markdown, morning_list, text};

/// The arrangement files under `dir`: YAML files whose top level has a `gapcheck:` key,
/// sorted by path, symlinks not followed. Other YAML files are returned as skipped, so `-v`
/// can say which were passed over.
pub fn discover(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    let mut errors = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(Diagnostic {
                    level: Level::Error,
                    file: e.path().unwrap_or(dir).display().to_string(),
                    pos: None,
                    message: format!("cannot read directory entry: {e}"),
                    help: Some(
                        "check permissions, or pass the arrangement files one by one".into(),
                    ),
                    source_line: None,
                });
                continue;
            }
        };
        let path = entry.path();
        if !entry.file_type().is_file()
            || !path.extension().is_some_and(|x| x == "yaml" || x == "yml")
        {
            continue;
        }
        if is_arrangement(path) {
            found.push(path.to_path_buf());
        } else {
            skipped.push(path.to_path_buf());
        }
    }
    (found, skipped, errors)
}

/// A cheap test for a top-level `gapcheck:` key: a line starting with it, outside any
/// indentation. Full parsing happens when the file is checked.
fn is_arrangement(path: &Path) -> bool {
    use std::io::{BufRead, BufReader};
    let Ok(f) = std::fs::File::open(path) else {
        return true;
    };
    // Arrangements put `gapcheck:` first; reading a bounded prefix keeps discovery cheap on
    // huge non-arrangement files.
    BufReader::new(f.take(1 << 20))
        .lines()
        .map_while(Result::ok)
        .any(|l| l.trim_start_matches('\u{feff}').starts_with("gapcheck:"))
}

/// One organization's line in the portfolio index.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub path: String,
    pub organization: String,
    pub model: crate::arrangement::Model,
    pub recommended: crate::arrangement::Model,
    pub model_fits: bool,
    pub controls: usize,
    pub gaps: usize,
    pub partial: usize,
    pub failing: usize,
    pub sprs: Option<i64>,
    pub passed: bool,
    /// The per-arrangement report files written with `-o DIR/`, relative to DIR.
    pub reports: Vec<String>,
    /// What the client's records of work done say (`--evidence`); absent without them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceRow>,
    /// Where the client stands, for the index's clients-by-status chart.
    pub status: ClientStatus,
    /// The controls needing work (failing, not met or partly met) as `catalog:control`,
    /// sorted: the index counts them across clients.
    pub needing_work: Vec<String>,
    /// Per capability, the controls needing work it alone would resolve, most first (the
    /// report's "resolved by this alone"): the index sums them across clients.
    pub resolves_alone: Vec<Resolves>,
    /// CMMC Level 2 status the SPRS projection allows; absent without CMMC Level 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sprs_status: Option<crate::sprs::Level2Status>,
}

/// One client's evidence in the index: enough to sort the MSP's morning list.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceRow {
    pub failed: usize,
    pub stale: usize,
    pub sla_missed: usize,
    pub needs_evidence: usize,
    /// The longest time any capability's latest success is past its limit.
    pub worst_overdue_hours: Option<i64>,
    /// `capability (status, figure)` for every capability whose evidence breaks a rule.
    pub problems: Vec<String>,
}

impl EvidenceRow {
    pub fn of(s: &crate::report::evidence::EvidenceSummary) -> EvidenceRow {
        use crate::report::evidence::EvidenceStatus;
        let problems = s
            .capabilities
            .iter()
            .filter(|c| c.status.is_problem())
            .map(|c| {
                let figure = match c.status {
                    EvidenceStatus::Stale => c.overdue.as_ref().map(|o| format!("{o} overdue")),
                    EvidenceStatus::SlaMissed => c
                        .sla
                        .as_ref()
                        .map(|x| format!("{} % of {} %", x.attainment, x.target)),
                    EvidenceStatus::Failed => c.last.as_ref().map(|l| l.when.clone()),
                    _ => None,
                };
                match figure {
                    Some(f) => format!("{} ({}, {f})", c.capability, c.status),
                    None => format!("{} ({})", c.capability, c.status),
                }
            })
            .collect();
        EvidenceRow {
            failed: s.failed,
            stale: s.stale,
            sla_missed: s.sla_missed,
            needs_evidence: s.needs_evidence,
            worst_overdue_hours: s.capabilities.iter().filter_map(|c| c.overdue_hours).max(),
            problems,
        }
    }
}

/// An arrangement that could not be loaded: listed in the index instead of a row, with its
/// errors (each `file:line:column: message`), so one broken file costs only its own report.
#[derive(Debug, Clone, Serialize)]
pub struct Invalid {
    pub path: String,
    pub errors: Vec<String>,
}

impl Invalid {
    pub fn new(path: &Path, diags: &[Diagnostic]) -> Invalid {
        let errors = diags
            .iter()
            .filter(|d| d.level == Level::Error)
            .map(|d| match d.pos {
                Some(p) => format!("{}:{}:{}: {}", d.file, p.line, p.column, d.message),
                None => format!("{}: {}", d.file, d.message),
            })
            .collect();
        Invalid {
            path: path.display().to_string(),
            errors,
        }
    }
}

/// Totals over the portfolio.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub arrangements: usize,
    /// Arrangements that could not be loaded (not counted in `arrangements`).
    pub invalid: usize,
    pub passed: usize,
    pub failed: usize,
    pub gaps: usize,
    pub failing: usize,
    pub misfits: usize,
}

/// The portfolio index: one row per arrangement and the totals.
#[derive(Debug, Clone, Serialize)]
pub struct Index {
    pub generated_at: String,
    pub summary: Summary,
    pub rows: Vec<Row>,
    pub invalid: Vec<Invalid>,
}

impl Index {
    pub fn new(generated_at: String, rows: Vec<Row>, invalid: Vec<Invalid>) -> Index {
        let summary = Summary {
            arrangements: rows.len(),
            invalid: invalid.len(),
            passed: rows.iter().filter(|r| r.passed).count(),
            failed: rows.iter().filter(|r| !r.passed).count(),
            gaps: rows.iter().map(|r| r.gaps).sum(),
            failing: rows.iter().map(|r| r.failing).sum(),
            misfits: rows.iter().filter(|r| !r.model_fits).count(),
        };
        Index {
            generated_at,
            summary,
            rows,
            invalid,
        }
    }
}

pub const SCHEMA: &str = "gapcheck/portfolio/v1";

/// File names (without extension) for each arrangement's reports under `-o DIR/`.
///
/// The scheme (README, "Portfolios"): `STEM-HASH`, where STEM is the file stem in lower case
/// with every character outside `a-z 0-9 - _` replaced by `_` and cut to 60 bytes, and HASH
/// the first 10 hex digits of the SHA-256 of the path as given or found. So `a.yaml` and
/// `a.yml`, `x y.yaml` and `x_y.yaml`, `A.yaml` and `a.yaml` (on a case-insensitive disk)
/// get different names, no name is `index`, every name is the same on every run, and a
/// name stays far below the 255-byte limit of file names. Should two names still agree (the
/// same path given twice), the later ones get `-2`, `-3`, ….
pub fn report_names(paths: &[PathBuf]) -> Vec<String> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    paths
        .iter()
        .map(|p| {
            let stem: String = p
                .file_stem()
                .map_or_else(
                    || "arrangement".into(),
                    |s| s.to_string_lossy().to_lowercase(),
                )
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .take(60)
                .collect();
            let hash = crate::sha256_hex(p.to_string_lossy().as_bytes());
            let name = format!("{stem}-{}", &hash[..10]);
            let n = seen.entry(name.clone()).or_insert(0);
            *n += 1;
            if *n == 1 { name } else { format!("{name}-{n}") }
        })
        .collect()
}

/// The portfolio JSON: every full report and the index.
pub fn json(index: &Index, reports: &[&crate::report::Report]) -> String {
    let mut out = Vec::new();
    let write = |out: &mut Vec<u8>| -> std::io::Result<()> {
        let mut w = JsonWriter::begin(&mut *out, &index.generated_at)?;
        for r in reports {
            w.report(r)?;
        }
        w.finish(index)?;
        Ok(())
    };
    write(&mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// The portfolio JSON written while the clients are checked, one report at a time, so a
/// portfolio never holds every report (issue 17). The bytes are those of serializing the
/// whole document with `serde_json::to_string_pretty`: each part is pretty-printed alone
/// and indented to its depth (JSON text has no raw line breaks inside strings).
pub struct JsonWriter<W: std::io::Write> {
    out: W,
    reports: usize,
}

impl<W: std::io::Write> JsonWriter<W> {
    pub fn begin(mut out: W, generated_at: &str) -> std::io::Result<Self> {
        write!(
            out,
            "{{\n  \"schema\": {},\n  \"generated_at\": {},\n  \"reports\": [",
            serde_json::to_string(SCHEMA)?,
            serde_json::to_string(generated_at)?
        )?;
        Ok(JsonWriter { out, reports: 0 })
    }

    /// Appends one client's report (in the order of the index rows).
    pub fn report(&mut self, report: &impl Serialize) -> std::io::Result<()> {
        self.separate()?;
        nested(&mut self.out, report, 2)
    }

    /// Appends one client's report given as its own pretty-printed JSON (the text of its
    /// `.json` file, rendered on a worker while the report's run was alive): the same bytes
    /// as [`JsonWriter::report`], without serializing the report again.
    pub fn report_text(&mut self, json: &str) -> std::io::Result<()> {
        self.separate()?;
        let mut w = Indent {
            out: &mut self.out,
            pad: &PAD[..4],
        };
        std::io::Write::write_all(&mut w, json.strip_suffix('\n').unwrap_or(json).as_bytes())
    }

    fn separate(&mut self) -> std::io::Result<()> {
        self.out
            .write_all(if self.reports == 0 { b"\n" } else { b",\n" })?;
        self.reports += 1;
        self.out.write_all(b"    ")
    }

    /// Writes the summary, index and invalid list after the reports and returns the writer.
    pub fn finish(mut self, index: &Index) -> std::io::Result<W> {
        let out = &mut self.out;
        out.write_all(if self.reports == 0 {
            b"],\n"
        } else {
            b"\n  ],\n"
        })?;
        out.write_all(b"  \"summary\": ")?;
        nested(out, &index.summary, 1)?;
        out.write_all(b",\n  \"index\": ")?;
        nested(out, &index.rows, 1)?;
        out.write_all(b",\n  \"invalid\": ")?;
        nested(out, &index.invalid, 1)?;
        out.write_all(b"\n}\n")?;
        Ok(self.out)
    }
}

/// Writes JSON text indented: `pad` after every line break.
struct Indent<'w, W: std::io::Write> {
    out: &'w mut W,
    pad: &'static [u8],
}

impl<W: std::io::Write> std::io::Write for Indent<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while let Some(i) = rest.iter().position(|b| *b == b'\n') {
            self.out.write_all(&rest[..=i])?;
            self.out.write_all(self.pad)?;
            rest = &rest[i + 1..];
        }
        self.out.write_all(rest)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

const PAD: &[u8] = b"    ";

/// `value` pretty-printed as it appears `depth` levels deep: every line after the first
/// indented by two spaces per level (the first line's indent is the caller's).
fn nested(
    out: &mut impl std::io::Write,
    value: &impl Serialize,
    depth: usize,
) -> std::io::Result<()> {
    let pad = &PAD[..(2 * depth).min(PAD.len())];
    let mut w = Indent { out, pad };
    serde_json::to_writer_pretty(&mut w, value).map_err(std::io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_streamed_portfolio_json_is_the_whole_document_pretty_printed() {
        #[derive(Serialize)]
        struct Whole<'a> {
            schema: &'static str,
            generated_at: &'a str,
            reports: &'a [serde_json::Value],
            summary: &'a Summary,
            index: &'a [Row],
            invalid: &'a [Invalid],
        }
        let index = Index::new("2026-11-29T00:00:00Z".into(), Vec::new(), Vec::new());
        let report = serde_json::json!({
            "a": [1, {"b": [], "c": {}}, "line\nbreak \" quote"],
            "d": {"e": [[]], "f": null}
        });
        for n in 0..3 {
            let reports = vec![report.clone(); n];
            let mut out = Vec::new();
            let mut w = JsonWriter::begin(&mut out, &index.generated_at).unwrap();
            for r in &reports {
                w.report(r).unwrap();
            }
            w.finish(&index).unwrap();
            // The same document from each report's own pretty-printed text.
            let mut from_text = Vec::new();
            let mut w = JsonWriter::begin(&mut from_text, &index.generated_at).unwrap();
            for r in &reports {
                w.report_text(&(serde_json::to_string_pretty(r).unwrap() + "\n"))
                    .unwrap();
            }
            w.finish(&index).unwrap();
            assert_eq!(from_text, out, "{n} reports, from text");
            let whole = Whole {
                schema: SCHEMA,
                generated_at: &index.generated_at,
                reports: &reports,
                summary: &index.summary,
                index: &index.rows,
                invalid: &index.invalid,
            };
            let expected = serde_json::to_string_pretty(&whole).unwrap() + "\n";
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{n} reports");
        }
    }

    #[test]
    fn report_names_never_collide_and_are_stable() {
        let paths: Vec<PathBuf> = [
            "c/a.yaml",
            "c/a.yml",
            "c/x y.yaml",
            "c/x_y.yaml",
            "c/A.yaml",
            "c/index.yaml",
            "d/a.yaml",
            "c/a.yaml",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let names = report_names(&paths);
        let mut lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        lower.sort();
        lower.dedup();
        assert_eq!(lower.len(), paths.len(), "{names:?}");
        assert!(
            names.iter().all(|n| n != "index" && n.len() < 80),
            "{names:?}"
        );
        assert_eq!(names, report_names(&paths), "stable");
        assert!(
            names[0].starts_with("a-") && names[5].starts_with("index-"),
            "{names:?}"
        );
        assert_eq!(names[7], format!("{}-2", names[0]));
        let long = PathBuf::from(format!("{}.yaml", "é".repeat(120)));
        assert!(report_names(&[long])[0].len() < 80);
    }

    #[test]
    fn discovers_only_arrangements() {
        let (found, skipped, errors) = discover(Path::new("fixtures"));
        assert!(errors.is_empty(), "{errors:?}");
        assert!(found.iter().any(|p| p.ends_with("managed.yaml")));
        assert!(
            skipped.iter().any(|p| p.ends_with("reasons.yaml")
                && p.parent().is_some_and(|d| d.ends_with("catalogs")))
        );
        let mut sorted = found.clone();
        sorted.sort();
        assert_eq!(found, sorted);
    }
}
