//! Comparison with an earlier JSON report (`--baseline`): CI fails only on what got worse,
//! so a team can adopt gapcheck on an imperfect arrangement and hold the line from there.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::decode::Keyword;
use crate::diag::{Diagnostic, Level, Pos, Sink};
use crate::evaluate::{Evaluation, Finding, Status};

/// The format of the JSON report a baseline is read from. It is defined here, beside the
/// reader that depends on it, and written by `report::json`.
pub const SCHEMA: &str = "gapcheck/report/v1";

/// The part of an earlier report that a comparison needs.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub path: String,
    /// The organization the report was written for (reports before 0.1 may lack it).
    organization: Option<String>,
    organization_pos: Option<Pos>,
    /// The file's text, kept so a later diagnostic about it can show its line.
    text: String,
    statuses: BTreeMap<(String, String), Status>,
}

/// The fields of an earlier report a comparison reads. The schema tag and the statuses are
/// checked while the JSON is read, so an error carries the line and column serde_json was at.
#[derive(Deserialize)]
struct OldReport {
    #[serde(rename = "schema")]
    _schema: SchemaTag,
    arrangement: Option<OldArrangement>,
    findings: Vec<OldFinding>,
}

#[derive(Deserialize)]
struct OldArrangement {
    organization: Option<String>,
}

#[derive(Deserialize)]
struct OldFinding {
    catalog: String,
    control: String,
    status: OldStatus,
}

/// `schema` of a report this gapcheck can compare with.
struct SchemaTag;

impl<'de> Deserialize<'de> for SchemaTag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let tag = String::deserialize(d)?;
        if tag == SCHEMA {
            Ok(SchemaTag)
        } else {
            Err(serde::de::Error::custom(format!(
                "baseline has schema `{tag}`; this gapcheck compares with `{SCHEMA}`"
            )))
        }
    }
}

struct OldStatus(Status);

impl<'de> Deserialize<'de> for OldStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let word = String::deserialize(d)?;
        Status::parse(&word).map(OldStatus).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown status `{word}`; expected one of: {}",
                Status::names().join(", ")
            ))
        })
    }
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
        let text = crate::catalog::read_text(path)?;
        Baseline::parse(shown, text)
    }

    /// A baseline from a report's JSON text already read; `shown` names it in messages.
    /// A portfolio's baseline is one report of a portfolio JSON, picked out by the CLI (the
    /// engine knows nothing of the portfolio format, which the output layer defines).
    pub fn parse(shown: String, text: String) -> Result<Baseline, Diagnostic> {
        let old: OldReport = serde_json::from_str(&text).map_err(|e| {
            let pos = (e.line() > 0).then(|| value_start(&text, e.line(), e.column()));
            let message = match e.classify() {
                serde_json::error::Category::Data => without_position(&e),
                _ => format!("not valid JSON: {}", without_position(&e)),
            };
            let help = "pass a JSON report written earlier by `gapcheck check -o report.json`";
            let mut sink = Sink::new(shown.as_str(), &text);
            sink.push(Level::Error, pos, message, Some(help.into()));
            sink.diagnostics.pop().expect("just pushed")
        })?;
        let organization = old.arrangement.and_then(|a| a.organization);
        let organization_pos = organization
            .as_deref()
            .and_then(|name| organization_pos(&text, name));
        let statuses = old
            .findings
            .into_iter()
            .map(|f| ((f.catalog, f.control), f.status.0))
            .collect();
        Ok(Baseline {
            path: shown,
            organization,
            organization_pos,
            text,
            statuses,
        })
    }

    /// A report of another organization compares unrelated controls' histories: almost
    /// always the wrong file passed in CI, which would then pass or fail for nothing. An
    /// error, unless `other_organization` says the change of name is meant (a renamed
    /// company), when it is a warning.
    pub fn check_organization(
        &self,
        organization: &str,
        other_organization: bool,
    ) -> Option<Diagnostic> {
        let theirs = self.organization.as_deref()?;
        if theirs == organization {
            return None;
        }
        let (level, help) = if other_organization {
            (
                Level::Warning,
                "compared anyway (--baseline-other-organization)".to_owned(),
            )
        } else {
            (
                Level::Error,
                format!(
                    "pass a report of `{organization}`; if the organization was renamed, add --baseline-other-organization"
                ),
            )
        };
        let mut sink = Sink::new(self.path.as_str(), &self.text);
        sink.push(
            level,
            self.organization_pos,
            format!("baseline is a report of `{theirs}`, not of `{organization}`"),
            Some(help),
        );
        sink.diagnostics.pop()
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

/// serde_json's message without the " at line L column C" it appends: the position is
/// printed in front, as in every diagnostic.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

/// serde_json reports a bad value at its last character, the closing quote of a string;
/// the caret is clearer at the value's start, the opening quote.
fn value_start(text: &str, line: usize, column: usize) -> Pos {
    let at = Pos::new(line as u32, column as u32);
    let Some(row) = text.lines().nth(line.saturating_sub(1)) else {
        return at;
    };
    let chars: Vec<char> = row.chars().collect();
    if column == 0 || chars.get(column - 1) != Some(&'"') {
        return at;
    }
    let mut i = column - 1;
    while i > 0 {
        i -= 1;
        if chars[i] == '"' && (i == 0 || chars[i - 1] != '\\') {
            return Pos::new(line as u32, i as u32 + 1);
        }
    }
    at
}

/// Where the report names its organization: the value of `"organization"` inside the
/// top-level `"arrangement"` object, as our JSON writer lays it out. Only used to point a
/// diagnostic at the line; `None` if the text is laid out otherwise.
fn organization_pos(text: &str, name: &str) -> Option<Pos> {
    let arrangement = text.find("\"arrangement\"")?;
    let key = arrangement + text[arrangement..].find("\"organization\"")?;
    let quoted = serde_json::to_string(name).ok()?;
    let value = key + text[key..].find(&quoted)?;
    let before = &text[..value];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    Some(Pos::new(line as u32, column as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Baseline, Diagnostic> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.json");
        std::fs::write(&path, text).unwrap();
        Baseline::load(&path)
    }

    const GOOD: &str = "{\n  \"schema\": \"gapcheck/report/v1\",\n  \"arrangement\": {\n    \"path\": \"a.yaml\",\n    \"organization\": \"Acme\"\n  },\n  \"findings\": [\n    {\"catalog\": \"c\", \"control\": \"k\", \"status\": \"gap\"}\n  ]\n}\n";

    #[test]
    fn errors_carry_line_and_column() {
        let d = load(&GOOD.replace("report/v1", "report/v0")).unwrap_err();
        assert_eq!(d.pos, Some(Pos::new(2, 13)), "{d}");
        assert!(d.message.contains("schema `gapcheck/report/v0`"), "{d}");
        assert!(!d.message.contains("at line"), "{d}");

        let d = load(&GOOD.replace("\"gap\"", "\"gone\"")).unwrap_err();
        assert_eq!(d.pos.map(|p| p.line), Some(8), "{d}");
        assert!(d.message.contains("unknown status `gone`"), "{d}");
        assert!(d.to_string().contains("8 | "), "snippet of the line: {d}");

        let d = load("{\"schema\": ").unwrap_err();
        assert!(d.message.starts_with("not valid JSON"), "{d}");
        assert!(d.pos.is_some(), "{d}");
    }

    #[test]
    fn another_organization_is_an_error_unless_allowed() {
        let b = load(GOOD).unwrap();
        assert_eq!(b.check_organization("Acme", false), None);
        let d = b.check_organization("Zenith", false).unwrap();
        assert_eq!(d.level, Level::Error);
        assert_eq!(d.pos, Some(Pos::new(5, 21)), "{d}");
        assert!(
            d.message.contains("`Acme`") && d.message.contains("`Zenith`"),
            "{d}"
        );
        let d = b.check_organization("Zenith", true).unwrap();
        assert_eq!(d.level, Level::Warning);
    }
}
