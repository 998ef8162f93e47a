//! Comparison with an earlier JSON report (`--baseline`): CI fails only on what got worse,
//! so a team can adopt gapcheck on an imperfect arrangement and hold the line from there.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::decode::Keyword;
use crate::diag::{Diagnostic, Level, Pos};
use crate::evaluate::{Evaluation, Finding, Status};

/// The part of an earlier report that a comparison needs.
/// The format of the JSON report a baseline is read from. It is defined here, beside the
/// reader that depends on it, and written by `report::json`.
pub const SCHEMA: &str = "gapcheck/report/v1";

#[derive(Debug, Clone)]
pub struct Baseline {
    pub path: String,
    statuses: BTreeMap<(String, String), Status>,
}

#[derive(Deserialize)]
struct OldReport {
    schema: String,
    findings: Vec<OldFinding>,
}

#[derive(Deserialize)]
struct OldFinding {
    catalog: String,
    control: String,
    status: String,
}

/// One control whose status changed, or that is new.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub catalog: String,
    pub control: String,
    pub title: String,
    /// `None` when the control was not in the baseline.
    pub before: Option<Status>,
    pub after: Status,
    /// Whether the control fails the policy now.
    pub failing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub baseline: String,
    /// Controls that got worse, or are new and failing. Any failing one fails the run.
    pub regressions: Vec<Change>,
    pub improvements: Vec<Change>,
}

impl Comparison {
    /// With a baseline, only regressions that fail the policy fail the run.
    pub fn fails(&self) -> bool {
        self.regressions.iter().any(|c| c.failing)
    }

    /// The change recorded for a control, and whether it is a regression.
    pub fn change_of(&self, catalog: &str, control: &str) -> Option<(&Change, bool)> {
        let find = |v: &[Change]| {
            v.iter()
                .position(|c| c.catalog == catalog && c.control == control)
        };
        if let Some(i) = find(&self.regressions) {
            return Some((&self.regressions[i], true));
        }
        find(&self.improvements).map(|i| (&self.improvements[i], false))
    }
}

/// Whether a run passes: with a baseline, no failing regression; without, no failing finding.
pub fn passed(evaluation: &Evaluation, comparison: Option<&Comparison>) -> bool {
    match comparison {
        Some(c) => !c.fails(),
        None => evaluation.passed(),
    }
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, Diagnostic> {
        let shown = path.display().to_string();
        let fail = |message: String, pos: Option<Pos>| Diagnostic {
            level: Level::Error,
            file: shown.clone(),
            pos,
            message,
            help: Some(
                "pass a JSON report written earlier by `gapcheck check -o report.json`".into(),
            ),
            source_line: None,
        };
        let text = crate::catalog::read_text(path)?;
        let old: OldReport = serde_json::from_str(&text).map_err(|e| {
            let pos = (e.line() > 0).then(|| Pos::new(e.line() as u32, e.column() as u32));
            fail(format!("not a gapcheck JSON report: {e}"), pos)
        })?;
        if old.schema != SCHEMA {
            return Err(fail(
                format!(
                    "baseline has schema `{}`; this gapcheck compares with `{SCHEMA}`",
                    old.schema
                ),
                None,
            ));
        }
        let mut statuses = BTreeMap::new();
        for f in old.findings {
            let status = Status::parse(&f.status).ok_or_else(|| {
                fail(
                    format!(
                        "unknown status `{}` for {}:{}",
                        f.status, f.catalog, f.control
                    ),
                    None,
                )
            })?;
            statuses.insert((f.catalog, f.control), status);
        }
        Ok(Baseline {
            path: shown,
            statuses,
        })
    }

    pub fn compare(&self, findings: &[Finding]) -> Comparison {
        let mut regressions = Vec::new();
        let mut improvements = Vec::new();
        for f in findings {
            let (catalog, control) = (f.catalog.id.clone(), f.control.id.clone());
            let before = self
                .statuses
                .get(&(catalog.clone(), control.clone()))
                .copied();
            let change = Change {
                catalog,
                control,
                title: f.control.title.clone(),
                before,
                after: f.status,
                failing: f.failing,
            };
            match before {
                None if f.failing => regressions.push(change),
                Some(b) if f.status.rank() > b.rank() => regressions.push(change),
                Some(b) if f.status.rank() < b.rank() => improvements.push(change),
                _ => {}
            }
        }
        Comparison {
            baseline: self.path.clone(),
            regressions,
            improvements,
        }
    }
}
