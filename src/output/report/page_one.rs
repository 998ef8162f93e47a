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
use crate::decode::Keyword;
use crate::evaluate::{Doer, FailOn, Finding, Status, is_ongoing_leaf};

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
///
/// Every number here comes from the engine's per-finding answer ([`Finding::ongoing_work`]),
/// never from the declared owners: a break-fix vendor or 0-FTE staff named as an owner does
/// not do ongoing work, and a leaf with `owner: any` asks for none. The break-fix section
/// uses the same two predicates ([`needs_ongoing`], [`left_uncovered`]), so page one and that
/// section cannot disagree.
#[derive(Debug, Clone, Serialize)]
pub struct Ongoing {
    /// In-scope (evaluated) controls.
    pub evaluated: usize,
    /// Evaluated controls that need ongoing work.
    pub needed: usize,
    /// One line per kind of doer (internal staff, MSP, break-fix vendor, nobody) with the
    /// controls whose ongoing work it does or is left with; a control with several doers
    /// counts once in each line.
    pub doers: Vec<OngoingDoer>,
    /// Controls not met because some of their ongoing work is left to a break-fix vendor or
    /// to nobody: the break-fix section's "no one does" list.
    pub uncovered: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct OngoingDoer {
    pub doer: Doer,
    /// The engine's words for the doer ("internal staff", "the MSP", ...).
    pub phrase: &'static str,
    /// Whether this doer actually delivers the work (internal staff, MSP).
    pub delivers: bool,
    pub controls: usize,
    /// Who that is: provider names, or for "nobody" the capabilities no one delivers.
    pub names: Vec<String>,
}

/// Whether an in-scope control needs ongoing work at all (a static property of the control).
pub fn needs_ongoing(f: &Finding) -> bool {
    f.status != Status::NotApplicable && f.control.break_fix_incompatible
}

/// Whether a control that needs ongoing work is not met and some of that work is left to a
/// break-fix vendor or to nobody. A met control is never uncovered.
pub fn left_uncovered(f: &Finding) -> bool {
    needs_ongoing(f) && !f.status.is_met() && f.ongoing_work.iter().any(|d| !d.delivers())
}

fn doer_of(k: ProviderKind) -> Doer {
    match k {
        ProviderKind::Internal => Doer::Internal,
        ProviderKind::Msp => Doer::Msp,
        ProviderKind::BreakFix => Doer::BreakFix,
    }
}

pub fn ongoing(run: &Run, in_scope: &[&Finding]) -> Ongoing {
    let a = run.arrangement;
    let order = [Doer::Internal, Doer::Msp, Doer::BreakFix, Doer::Nobody];
    let mut counts: BTreeMap<Doer, usize> = BTreeMap::new();
    let mut names: BTreeMap<Doer, Vec<String>> = BTreeMap::new();
    let needing: Vec<&&Finding> = in_scope.iter().filter(|f| needs_ongoing(f)).collect();
    for f in &needing {
        for d in &f.ongoing_work {
            *counts.entry(*d).or_default() += 1;
        }
        // Names only label a line whose count the engine gave: the providers of that kind
        // owning one of the control's ongoing leaves (0-FTE staff cannot do the work), or
        // for "nobody" the ongoing capabilities without a capable owner.
        for leaf in f.control.requires.iter().flat_map(|r| r.leaves()) {
            if !is_ongoing_leaf(run.registry, leaf) {
                continue;
            }
            let owners: Vec<_> = a
                .responsibilities
                .get(&leaf.capability)
                .map(|r| r.owners.iter().filter_map(|o| a.provider(o)).collect())
                .unwrap_or_default();
            let able: Vec<_> = owners
                .iter()
                .filter(|p| !(p.kind == ProviderKind::Internal && p.ftes == Some(0.0)))
                .collect();
            for p in &able {
                let d = doer_of(p.kind);
                if f.ongoing_work.contains(&d) {
                    names.entry(d).or_default().push(p.name.clone());
                }
            }
            if able.is_empty() && f.ongoing_work.contains(&Doer::Nobody) {
                names
                    .entry(Doer::Nobody)
                    .or_default()
                    .push(leaf.capability.clone());
            }
        }
    }
    let doers = order
        .into_iter()
        .filter_map(|d| {
            let controls = *counts.get(&d)?;
            let mut n = names.remove(&d).unwrap_or_default();
            n.sort();
            n.dedup();
            Some(OngoingDoer {
                doer: d,
                phrase: d.phrase(),
                delivers: d.delivers(),
                controls,
                names: n,
            })
        })
        .collect();
    Ongoing {
        evaluated: in_scope.len(),
        needed: needing.len(),
        doers,
        uncovered: needing.iter().filter(|f| left_uncovered(f)).count(),
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
