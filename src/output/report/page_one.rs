//! What page one of the Markdown and HTML reports says: the verdict in plain words, the
//! per-framework status charts, the SPRS gauge, who does the ongoing work, and the report's
//! basis and scope.
//!
//! The numbers and the chart geometry are computed here, not in templates, so the chart a
//! reader sees and the JSON summary come from the same counts (a test reads the SVG back),
//! and a template override cannot draw a bar that disagrees with the table beside it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Run;
use super::json::Counts;
use crate::arrangement::{Arrangement, ProviderKind};
use crate::capability::CapabilityKind;
use crate::decode::Keyword;
use crate::evaluate::{FailOn, Finding, Status};

/// Width of a chart's drawing area in SVG user units; bars are scaled to it.
pub const CHART_WIDTH: f64 = 600.0;

/// The SPRS scale (32 CFR 170.24): 110 at best, -203 at worst.
pub const SPRS_MIN: i64 = -203;
pub const SPRS_MAX: i64 = 110;
/// The least score that allows Conditional Level 2 status (80% of 110, 32 CFR 170.21).
pub const SPRS_CONDITIONAL: i64 = 88;

/// One framework's in-scope controls as a stacked bar.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub catalog: String,
    pub title: String,
    pub profile: Option<String>,
    /// Controls drawn: every evaluated control (not-applicable ones are not drawn).
    pub evaluated: usize,
    pub not_applicable: usize,
    pub segments: Vec<Segment>,
    pub passed: bool,
    pub failing: usize,
}

/// One status's share of a bar.
#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    pub status: Status,
    /// What the legend calls the status.
    pub label: &'static str,
    pub count: usize,
    /// Left edge and width in SVG user units, rounded to 0.1.
    pub x: String,
    pub width: String,
    /// Where the count label goes, and whether the segment is wide enough to hold it.
    pub label_x: String,
    pub show_label: bool,
}

/// The order segments are stacked in: what is met first, what needs work last.
const SEGMENT_ORDER: [(Status, &str); 6] = [
    (Status::Satisfied, "met"),
    (Status::Attested, "attested"),
    (Status::Waived, "waived by exception"),
    (Status::NeedsEvidence, "needs evidence"),
    (Status::Partial, "partly met"),
    (Status::Gap, "not met"),
];

fn count_of(c: &Counts, s: Status) -> usize {
    match s {
        Status::Satisfied => c.satisfied,
        Status::Attested => c.attested,
        Status::Waived => c.waived,
        Status::NeedsEvidence => c.needs_evidence,
        Status::Partial => c.partial,
        Status::Gap => c.gap,
        Status::NotApplicable => c.not_applicable,
    }
}

fn units(v: f64) -> String {
    format!("{v:.1}")
}

pub fn chart(
    catalog: &str,
    title: &str,
    profile: Option<&str>,
    counts: &Counts,
    passed: bool,
) -> Chart {
    let evaluated = counts.controls - counts.not_applicable;
    let mut segments = Vec::new();
    let mut x = 0.0;
    for (status, label) in SEGMENT_ORDER {
        let count = count_of(counts, status);
        if count == 0 {
            continue;
        }
        let width = CHART_WIDTH * count as f64 / evaluated as f64;
        // A label needs about 8 units per digit plus margins.
        let digits = count.to_string().len() as f64;
        segments.push(Segment {
            status,
            label,
            count,
            x: units(x),
            width: units(width),
            label_x: units(x + width / 2.0),
            show_label: width >= 10.0 + 8.0 * digits,
        });
        x += width;
    }
    Chart {
        catalog: catalog.to_owned(),
        title: title.to_owned(),
        profile: profile.map(str::to_owned),
        evaluated,
        not_applicable: counts.not_applicable,
        segments,
        passed,
        failing: counts.failing,
    }
}

/// The SPRS score on a linear scale from -203 to 110, with the 88 and 110 marks.
#[derive(Debug, Clone, Serialize)]
pub struct Gauge {
    pub score: i64,
    pub max: i64,
    pub min: i64,
    pub conditional: i64,
    /// x of the score, the 88 mark and the 110 mark, and of the 0 mark.
    pub x: String,
    pub conditional_x: String,
    pub max_x: String,
    pub zero_x: String,
    /// Width of the band from 88 to 110.
    pub band_width: String,
    /// Where the score's label goes: kept inside the drawing.
    pub label_x: String,
    /// `final`, `conditional` or `none`: the band the score falls in.
    pub band: &'static str,
}

fn sprs_x(score: i64) -> f64 {
    let clamped = score.clamp(SPRS_MIN, SPRS_MAX);
    CHART_WIDTH * (clamped - SPRS_MIN) as f64 / (SPRS_MAX - SPRS_MIN) as f64
}

pub fn gauge(score: i64, max: i64, conditional_eligible: bool) -> Gauge {
    let x = sprs_x(score);
    Gauge {
        score,
        max,
        min: SPRS_MIN,
        conditional: SPRS_CONDITIONAL,
        x: units(x),
        conditional_x: units(sprs_x(SPRS_CONDITIONAL)),
        max_x: units(sprs_x(SPRS_MAX)),
        zero_x: units(sprs_x(0)),
        band_width: units(sprs_x(SPRS_MAX) - sprs_x(SPRS_CONDITIONAL)),
        label_x: units(x.clamp(30.0, CHART_WIDTH - 30.0)),
        band: if score >= max {
            "final"
        } else if conditional_eligible {
            "conditional"
        } else {
            "none"
        },
    }
}

/// Who does the ongoing work that in-scope controls need.
#[derive(Debug, Clone, Serialize)]
pub struct Ongoing {
    /// In-scope (evaluated) controls.
    pub evaluated: usize,
    /// Evaluated controls that need ongoing work.
    pub needed: usize,
    /// One line per party doing some of that work, most controls first.
    pub parties: Vec<OngoingParty>,
    /// Controls with ongoing work nobody owns, and those capabilities.
    pub nobody: usize,
    pub nobody_capabilities: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OngoingParty {
    pub name: String,
    /// "internal staff", "MSP" or "break-fix vendor".
    pub kind: &'static str,
    pub controls: usize,
}

fn kind_words(k: ProviderKind) -> &'static str {
    match k {
        ProviderKind::Internal => "internal staff",
        ProviderKind::Msp => "MSP",
        ProviderKind::BreakFix => "break-fix vendor",
    }
}

pub fn ongoing(run: &Run, in_scope: &[&Finding]) -> Ongoing {
    let a = run.arrangement;
    let mut needed = 0;
    let mut by_party: BTreeMap<&str, usize> = BTreeMap::new();
    let mut nobody = 0;
    let mut nobody_caps: Vec<String> = Vec::new();
    for f in in_scope.iter().filter(|f| f.control.break_fix_incompatible) {
        needed += 1;
        let mut parties: Vec<&str> = Vec::new();
        let mut unowned = false;
        let leaves = f.control.requires.iter().flat_map(|r| r.leaves());
        for leaf in leaves {
            let ongoing = run
                .registry
                .vocabulary
                .get(&leaf.capability)
                .is_some_and(|c| c.kind == CapabilityKind::Ongoing);
            if !ongoing {
                continue;
            }
            match a.responsibilities.get(&leaf.capability) {
                Some(r) if !r.owners.is_empty() => {
                    for o in &r.owners {
                        if !parties.contains(&o.as_str()) {
                            parties.push(o);
                        }
                    }
                }
                _ => {
                    unowned = true;
                    if !nobody_caps.contains(&leaf.capability) {
                        nobody_caps.push(leaf.capability.clone());
                    }
                }
            }
        }
        for p in parties {
            *by_party.entry(p).or_default() += 1;
        }
        if unowned {
            nobody += 1;
        }
    }
    nobody_caps.sort();
    let mut parties: Vec<OngoingParty> = by_party
        .into_iter()
        .filter_map(|(id, controls)| {
            let p = a.provider(id)?;
            Some(OngoingParty {
                name: p.name.clone(),
                kind: kind_words(p.kind),
                controls,
            })
        })
        .collect();
    parties.sort_by(|x, y| y.controls.cmp(&x.controls).then(x.name.cmp(&y.name)));
    Ongoing {
        evaluated: in_scope.len(),
        needed,
        parties,
        nobody,
        nobody_capabilities: nobody_caps,
    }
}

/// The verdict in plain words: what fails under the policy, then what the rest is.
pub fn verdict(run: &Run, counts: &Counts, passed: bool) -> String {
    let evaluated = counts.controls - counts.not_applicable;
    let org = &run.arrangement.organization.name;
    let mut out = if passed {
        format!(
            "No control fails: {org}'s declared arrangement meets the policy this report applies ({}).",
            policy_words(run)
        )
    } else {
        format!(
            "{} of {evaluated} controls fail the policy this report applies ({}).",
            counts.failing,
            policy_words(run)
        )
    };
    let parts: Vec<String> = [
        (counts.satisfied, "met by the arrangement"),
        (counts.attested, "attested with documents"),
        (counts.partial, "partly met"),
        (counts.gap, "not met"),
        (counts.needs_evidence, "need documents as evidence"),
        (counts.waived, "waived by the organization's own exception"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !parts.is_empty() {
        out.push_str(&format!(
            " Of {evaluated} controls in scope, {}.",
            join_words(&parts)
        ));
    }
    out
}

/// "a, b and c".
fn join_words(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The fail policy in words, for readers who never saw the command line.
pub fn policy_words(run: &Run) -> String {
    let what = match run.policy.fail_on {
        FailOn::Gap => "a control not met fails",
        FailOn::Partial => "a control not met or partly met fails",
        FailOn::NeedsEvidence => {
            "a control not met, partly met or lacking documentary evidence fails"
        }
        FailOn::Never => return "informational: no status fails".to_owned(),
    };
    match run.policy.min_severity.as_str() {
        "low" => format!("{what}, at any severity"),
        sev => format!("{what} when its severity is {sev} or higher"),
    }
}

/// Per framework: what it is, which part of it was selected, and what was left out.
#[derive(Debug, Clone, Serialize)]
pub struct Applicability {
    pub catalog: String,
    pub title: String,
    pub source: Option<String>,
    pub profile: Option<String>,
    pub profile_description: Option<String>,
    pub evaluated: usize,
    pub not_applicable: usize,
}

pub fn applicability(run: &Run) -> Vec<Applicability> {
    run.evaluation
        .scopes
        .iter()
        .map(|s| {
            let mine = run
                .evaluation
                .findings
                .iter()
                .filter(|f| f.catalog.id == s.catalog.id);
            let (mut evaluated, mut not_applicable) = (0, 0);
            for f in mine {
                if f.status == Status::NotApplicable {
                    not_applicable += 1;
                } else {
                    evaluated += 1;
                }
            }
            Applicability {
                catalog: s.catalog.id.clone(),
                title: s.catalog.title.clone(),
                source: s.catalog.source.clone(),
                profile_description: s
                    .profile
                    .as_ref()
                    .and_then(|p| s.catalog.profiles.get(p))
                    .cloned(),
                profile: s.profile.clone(),
                evaluated,
                not_applicable,
            }
        })
        .collect()
}

/// Whether the arrangement names evidence anywhere (attestations), which the statement of
/// basis then mentions.
pub fn has_evidence(a: &Arrangement) -> bool {
    !a.attestations.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(satisfied: usize, partial: usize, gap: usize, na: usize) -> Counts {
        Counts {
            controls: satisfied + partial + gap + na,
            satisfied,
            partial,
            gap,
            not_applicable: na,
            ..Counts::default()
        }
    }

    #[test]
    fn bars_fill_the_width_and_skip_empty_statuses() {
        let c = chart("x", "X", None, &counts(50, 10, 8, 5), false);
        assert_eq!(c.evaluated, 68);
        let statuses: Vec<Status> = c.segments.iter().map(|s| s.status).collect();
        assert_eq!(statuses, [Status::Satisfied, Status::Partial, Status::Gap]);
        let total: f64 = c
            .segments
            .iter()
            .map(|s| s.width.parse::<f64>().unwrap())
            .sum();
        assert!((total - CHART_WIDTH).abs() < 0.2, "{total}");
        let last = c.segments.last().unwrap();
        let end = last.x.parse::<f64>().unwrap() + last.width.parse::<f64>().unwrap();
        assert!((end - CHART_WIDTH).abs() < 0.2);
    }

    #[test]
    fn gauge_marks_sit_on_the_scale() {
        let g = gauge(110, 110, true);
        assert_eq!(g.max_x, "600.0");
        assert_eq!(g.band, "final");
        assert_eq!(gauge(-203, 110, false).x, "0.0");
        assert_eq!(gauge(-500, 110, false).x, "0.0", "clamped");
        assert_eq!(gauge(95, 110, true).band, "conditional");
        assert_eq!(gauge(95, 110, false).band, "none");
        let c: f64 = g.conditional_x.parse().unwrap();
        assert!((c - 600.0 * 291.0 / 313.0).abs() < 0.1);
    }

    #[test]
    fn words_join_like_prose() {
        let w = |v: &[&str]| join_words(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(w(&["a"]), "a");
        assert_eq!(w(&["a", "b"]), "a and b");
        assert_eq!(w(&["a", "b", "c"]), "a, b and c");
    }
}
