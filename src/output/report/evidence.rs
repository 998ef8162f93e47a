//! The evidence view of a report (`--evidence`): per declared capability the latest record,
//! its age against the cadence, counts in the window, SLA attainment and a day-by-day
//! timeline; per finding reason the capabilities and controls it touches.
//!
//! The JSON wire form ([`EvidenceSummary`]) is the one model; the Markdown and HTML
//! partials read it through [`EvidenceCtx`], which only adds the laid-out timeline strip.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Run;
use crate::capability::CapabilityKind;
use crate::evaluate::ReasonCode;
use crate::evidence::{self, DAY_FAILED, DAY_OK, DAY_PARTIAL, Evidence, FileInfo, Problem};

/// What the records of one capability amount to, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EvidenceStatus {
    Failed,
    Stale,
    SlaMissed,
    NeedsEvidence,
    NoRecords,
    /// Records exist, but the responsibility declares no cadence or response to judge
    /// them by.
    Recorded,
    Ok,
}
crate::keywords!(EvidenceStatus {
    Failed => "failed", Stale => "stale", SlaMissed => "sla-missed", NeedsEvidence => "needs-evidence",
    NoRecords => "no-records", Recorded => "recorded", Ok => "ok",
});

impl EvidenceStatus {
    /// Whether this status fails leaves (and so may fail the run).
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            EvidenceStatus::Failed
                | EvidenceStatus::Stale
                | EvidenceStatus::SlaMissed
                | EvidenceStatus::NeedsEvidence
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceSummary {
    /// The instant records were judged at (RFC 3339, UTC).
    pub as_of: String,
    pub window_days: u32,
    /// Strict mode: a declared ongoing responsibility with no record is needs-evidence.
    pub strict: bool,
    pub records: u64,
    pub files: Vec<FileInfo>,
    /// Counts of capabilities by status.
    pub stale: usize,
    pub failed: usize,
    pub sla_missed: usize,
    pub needs_evidence: usize,
    pub capabilities: Vec<CapabilityEvidence>,
    /// Per evidence reason code: the capabilities and controls it fails.
    pub reasons: Vec<ReasonSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CapabilityEvidence {
    pub capability: String,
    pub owners: Vec<String>,
    pub cadence: Option<String>,
    /// Cadence interval plus grace: how old the latest successful record may be.
    pub limit: Option<String>,
    pub limit_hours: Option<i64>,
    pub status: EvidenceStatus,
    pub records: u64,
    pub last: Option<LastRecord>,
    pub last_ok: Option<String>,
    /// Age of the latest successful record at `as_of`.
    pub age: Option<String>,
    pub age_hours: Option<i64>,
    /// How far past its limit the latest successful record is.
    pub overdue: Option<String>,
    pub overdue_hours: Option<i64>,
    /// Outcomes within the window.
    pub ok: u64,
    pub failed: u64,
    pub partial: u64,
    pub sla: Option<Sla>,
    /// One character per day of the window, oldest first: `.` no record, `o` ok, `x`
    /// failed, `p` partial, `!` ok and failed on the same day.
    pub timeline: String,
    /// Controls that fail because of this capability's evidence.
    pub controls: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct LastRecord {
    pub when: String,
    pub outcome: evidence::Outcome,
    pub reference: Option<String>,
    pub file: String,
    pub line: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sla {
    pub response: String,
    pub tickets: u64,
    pub answered_in_time: u64,
    /// Percent, one decimal.
    pub attainment: f64,
    pub target: f64,
    pub met: bool,
    /// Mean time to resolution over tickets that give one, e.g. `5h 10m`.
    pub mean_resolution: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReasonSummary {
    pub code: ReasonCode,
    pub capabilities: Vec<String>,
    pub controls: usize,
    pub failing: usize,
}

fn hours(d: jiff::SignedDuration) -> i64 {
    d.as_secs().div_euclid(3600)
}

impl EvidenceSummary {
    pub fn build(run: &Run) -> Option<EvidenceSummary> {
        let ev: &Evidence = run.evidence?;
        let a = run.arrangement;
        // Controls failing because of evidence, per reason code and per capability.
        let mut by_code: BTreeMap<ReasonCode, (BTreeSet<String>, usize, usize)> = BTreeMap::new();
        let mut by_cap: BTreeMap<String, usize> = BTreeMap::new();
        for f in &run.evaluation.findings {
            let mut caps_here = BTreeSet::new();
            let mut codes_here = BTreeSet::new();
            for r in &f.reasons {
                let evidence_code = matches!(
                    r.code,
                    ReasonCode::EvidenceStale | ReasonCode::EvidenceFailed | ReasonCode::SlaMissed
                ) || (r.code == ReasonCode::NeedsEvidence
                    && r.capability.is_some());
                if !evidence_code {
                    continue;
                }
                let e = by_code.entry(r.code).or_default();
                if let Some(c) = &r.capability {
                    e.0.insert(c.clone());
                    caps_here.insert(c.clone());
                }
                codes_here.insert(r.code);
            }
            for code in codes_here {
                let e = by_code.entry(code).or_default();
                e.1 += 1;
                e.2 += usize::from(f.failing);
            }
            for c in caps_here {
                *by_cap.entry(c).or_default() += 1;
            }
        }
        let mut capabilities = Vec::new();
        for (cap, resp) in &a.responsibilities {
            let kind = run
                .registry
                .vocabulary
                .get(cap)
                .map_or(CapabilityKind::Ongoing, |c| c.kind);
            let problems = ev.problems(cap, resp, kind);
            let agg = ev.caps.get(cap);
            let records = agg.map_or(0, |g| g.records);
            let limit = evidence::limit(resp);
            let status = problems
                .iter()
                .map(|p| match p {
                    Problem::Failed { .. } => EvidenceStatus::Failed,
                    Problem::Stale { .. } => EvidenceStatus::Stale,
                    Problem::SlaMissed { .. } => EvidenceStatus::SlaMissed,
                    Problem::Missing => EvidenceStatus::NeedsEvidence,
                })
                .min()
                .unwrap_or(if records == 0 {
                    EvidenceStatus::NoRecords
                } else if limit.is_none() && resp.response.is_none() {
                    EvidenceStatus::Recorded
                } else {
                    EvidenceStatus::Ok
                });
            let age = agg
                .and_then(|g| g.last_ok)
                .map(|t| ev.as_of.duration_since(t));
            let overdue = match (age, limit) {
                (Some(a), Some(l)) if a > l => Some(a - l),
                _ => None,
            };
            let sla = match (resp.response, agg) {
                (Some(response), Some(g)) if g.tickets > 0 => {
                    let attainment =
                        (g.answered_in_time as f64 * 1000.0 / g.tickets as f64).round() / 10.0;
                    let target = resp.sla_target.unwrap_or(evidence::DEFAULT_SLA_TARGET);
                    Some(Sla {
                        response: response.to_string(),
                        tickets: g.tickets,
                        answered_in_time: g.answered_in_time,
                        attainment,
                        target,
                        met: !problems
                            .iter()
                            .any(|p| matches!(p, Problem::SlaMissed { .. })),
                        mean_resolution: (g.resolved > 0).then(|| {
                            evidence::human(jiff::SignedDuration::from_secs(
                                g.resolved_secs / g.resolved as i64,
                            ))
                        }),
                    })
                }
                _ => None,
            };
            capabilities.push(CapabilityEvidence {
                capability: cap.clone(),
                owners: resp.owners.clone(),
                cadence: resp.cadence.map(|c| c.to_string()),
                limit: limit.map(evidence::human),
                limit_hours: limit.map(hours),
                status,
                records,
                last: agg.and_then(|g| g.last.as_ref()).map(|l| LastRecord {
                    when: evidence::stamp(l.when),
                    outcome: l.outcome,
                    reference: l.reference.clone(),
                    file: ev
                        .files
                        .get(l.file)
                        .map(|f| f.path.clone())
                        .unwrap_or_default(),
                    line: l.line,
                }),
                last_ok: agg.and_then(|g| g.last_ok).map(evidence::stamp),
                age: age.map(evidence::human),
                age_hours: age.map(hours),
                overdue: overdue.map(evidence::human),
                overdue_hours: overdue.map(hours),
                ok: agg.map_or(0, |g| g.ok),
                failed: agg.map_or(0, |g| g.failed),
                partial: agg.map_or(0, |g| g.partial),
                sla,
                timeline: agg.map_or_else(
                    || ".".repeat(ev.window_days as usize),
                    |g| g.days.iter().map(|d| day_char(*d)).collect(),
                ),
                controls: by_cap.get(cap).copied().unwrap_or(0),
            });
        }
        let count = |s: EvidenceStatus| capabilities.iter().filter(|c| c.status == s).count();
        Some(EvidenceSummary {
            as_of: ev.as_of.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            window_days: ev.window_days,
            strict: ev.strict,
            records: ev.files.iter().map(|f| f.records).sum(),
            files: ev.files.clone(),
            stale: count(EvidenceStatus::Stale),
            failed: count(EvidenceStatus::Failed),
            sla_missed: count(EvidenceStatus::SlaMissed),
            needs_evidence: count(EvidenceStatus::NeedsEvidence),
            reasons: by_code
                .into_iter()
                .map(|(code, (caps, controls, failing))| ReasonSummary {
                    code,
                    capabilities: caps.into_iter().collect(),
                    controls,
                    failing,
                })
                .collect(),
            capabilities,
        })
    }
}

fn day_char(d: u8) -> char {
    match (d & DAY_OK != 0, d & DAY_FAILED != 0, d & DAY_PARTIAL != 0) {
        (true, true, _) => '!',
        (_, true, _) => 'x',
        (_, _, true) => 'p',
        (true, _, _) => 'o',
        _ => '.',
    }
}

/// Width of one day in the HTML timeline strip, in SVG user units.
const DAY_WIDTH: usize = 4;

/// The evidence view for the templates: the summary, plus each timeline laid out as runs
/// of equal days so the strip is a handful of rectangles, not one per day.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceCtx {
    #[serde(flatten)]
    pub summary: EvidenceSummary,
    pub strips: Vec<Strip>,
    pub width: usize,
    /// How many capabilities' evidence fails a rule.
    pub problems: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Strip {
    pub capability: String,
    pub status: EvidenceStatus,
    pub label: String,
    pub runs: Vec<Run2>,
}

/// A run of days with the same state in a timeline strip.
#[derive(Debug, Clone, Serialize)]
pub struct Run2 {
    pub x: usize,
    pub width: usize,
    pub fill: &'static str,
    pub title: String,
}

impl EvidenceCtx {
    pub fn build(run: &Run) -> Option<EvidenceCtx> {
        let summary = EvidenceSummary::build(run)?;
        let as_of = run.evidence?.as_of;
        let last_day = (as_of - jiff::SignedDuration::from_secs(1))
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date();
        let days = summary.window_days as usize;
        let date_of = |i: usize| {
            last_day
                .checked_sub(jiff::Span::new().days((days - 1 - i) as i64))
                .map(|d| d.to_string())
                .unwrap_or_default()
        };
        let strips = summary
            .capabilities
            .iter()
            .map(|c| {
                let chars: Vec<char> = c.timeline.chars().collect();
                let mut runs = Vec::new();
                let mut i = 0;
                while i < chars.len() {
                    let ch = chars[i];
                    let mut j = i;
                    while j < chars.len() && chars[j] == ch {
                        j += 1;
                    }
                    if let Some((fill, word)) = match ch {
                        'o' => Some(("#2e7d32", "ok")),
                        'x' => Some(("#c62828", "failed")),
                        '!' => Some(("#ef6c00", "ok and failed")),
                        'p' => Some(("#f9a825", "partial")),
                        _ => None,
                    } {
                        let span = if j - i == 1 {
                            date_of(i)
                        } else {
                            format!("{} to {}", date_of(i), date_of(j - 1))
                        };
                        runs.push(Run2 {
                            x: i * DAY_WIDTH,
                            width: (j - i) * DAY_WIDTH,
                            fill,
                            title: format!("{span}: {word}"),
                        });
                    }
                    i = j;
                }
                Strip {
                    capability: c.capability.clone(),
                    status: c.status,
                    label: format!(
                        "{}: records over the last {days} days, {} ok, {} failed, {} partial",
                        c.capability, c.ok, c.failed, c.partial
                    ),
                    runs,
                }
            })
            .collect();
        let problems = summary
            .capabilities
            .iter()
            .filter(|c| c.status.is_problem())
            .count();
        Some(EvidenceCtx {
            width: days * DAY_WIDTH,
            strips,
            problems,
            summary,
        })
    }
}
