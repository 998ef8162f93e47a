//! The JSON report (`gapcheck/report/v1`, DESIGN §7): the documented wire format, and the
//! typed model every other renderer reads.

use serde::{Serialize, Serializer};

use super::Run;
use crate::arrangement::Model;
use crate::catalog::{Props, Severity};
use crate::evaluate::{AppliedException, Doer, Finding, Reason, Remark, Status};
use crate::fit::Fit;
use crate::sprs::Sprs;

/// The report's format id; the baseline reader checks it (`baseline::SCHEMA`).
pub use crate::baseline::SCHEMA;

/// Borrows the findings from the evaluation and the controls' text from the registry: a
/// report of 100,000 controls is written as it is serialized, never copied (issue 17).
#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    pub schema: &'static str,
    pub tool: Tool,
    pub generated_at: String,
    pub today: String,
    /// What the statuses rest on, in plain words (the declaration, not a verified
    /// implementation).
    pub basis: &'static str,
    pub arrangement: ArrangementInfo,
    /// The arrangement's `report:` section (who prepared the report for whom, scope,
    /// period, version, reviewer), so JSON says what page one of the HTML says; absent
    /// without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportSection>,
    pub catalogs: Vec<CatalogInfo>,
    pub policy: PolicyInfo,
    pub model_fit: Fit,
    pub summary: Summary,
    pub frameworks: Vec<FrameworkSummary>,
    pub findings: Findings<'a>,
    pub remarks: &'a [Remark],
    /// Regressions and improvements since `--baseline`; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baseline::Comparison>,
    /// What the record of work done says, per capability and per finding reason; absent
    /// without `--evidence`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<super::evidence::EvidenceSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArrangementInfo {
    pub path: String,
    pub sha256: String,
    pub organization: String,
    pub model: Model,
}

/// The `report:` section as written in the arrangement; keys left out there are absent here.
#[derive(Debug, Clone, Serialize)]
pub struct ReportSection {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepared_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prepared_for: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// First and last day of the assessment period (YYYY-MM-DD), both included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<PeriodInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PeriodInfo {
    pub from: String,
    pub to: String,
}

impl ReportSection {
    fn of(r: &crate::arrangement::ReportInfo) -> Self {
        ReportSection {
            prepared_by: r.prepared_by.clone(),
            prepared_for: r.prepared_for.clone(),
            scope: r.scope.clone(),
            period: r.period.map(|p| PeriodInfo {
                from: p.from.to_string(),
                to: p.to.to_string(),
            }),
            version: r.version.clone(),
            reviewer: r.reviewer.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogInfo {
    pub id: String,
    pub title: String,
    pub version: Option<String>,
    pub profile: Option<String>,
    pub sha256: String,
    pub source: Option<String>,
    pub url: Option<String>,
    pub files: Vec<crate::catalog::SourceFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyInfo {
    pub fail_on: crate::evaluate::FailOn,
    pub min_severity: Severity,
}

/// Counts by status. Used for the whole run and per framework.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub controls: usize,
    pub satisfied: usize,
    pub partial: usize,
    pub gap: usize,
    pub needs_evidence: usize,
    pub attested: usize,
    pub waived: usize,
    pub not_applicable: usize,
    pub break_fix_incompatible: usize,
    pub failing: usize,
}

impl Counts {
    fn add(&mut self, f: &Finding) {
        self.controls += 1;
        match f.status {
            Status::Satisfied => self.satisfied += 1,
            Status::Partial => self.partial += 1,
            Status::Gap => self.gap += 1,
            Status::NeedsEvidence => self.needs_evidence += 1,
            Status::Attested => self.attested += 1,
            Status::Waived => self.waived += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
        // Out-of-scope controls do not count as break-fix exposure.
        if f.control.break_fix_incompatible && f.status != Status::NotApplicable {
            self.break_fix_incompatible += 1;
        }
        if f.failing {
            self.failing += 1;
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub sprs: Option<Sprs>,
    #[serde(flatten)]
    pub counts: Counts,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FrameworkSummary {
    pub catalog: String,
    pub title: String,
    pub profile: Option<String>,
    #[serde(flatten)]
    pub counts: Counts,
    pub passed: bool,
}

/// One finding as the report shows it: a view of the evaluation's finding and its control,
/// made when it is serialized or read.
#[derive(Debug, Clone, Serialize)]
pub struct FindingInfo<'a> {
    pub catalog: &'a str,
    pub control: &'a str,
    pub title: &'a str,
    pub group: Option<&'a str>,
    pub status: Status,
    pub severity: Severity,
    pub break_fix_incompatible: bool,
    pub failing: bool,
    pub owners: &'a [String],
    /// Who does the ongoing work the control needs (`internal`, `msp`, `break-fix` for work
    /// left to a break-fix vendor, `nobody`); empty when it needs none.
    pub ongoing_work: &'a [Doer],
    pub citation: &'a str,
    /// Why the control requires what it does, in the control's own words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<&'a str>,
    pub reasons: &'a [Reason],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<&'a AppliedException>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<&'a str>,
    /// The arrangement line this finding points at.
    pub line: u32,
    pub column: u32,
    #[serde(skip_serializing_if = "Props::is_empty")]
    pub props: &'a Props,
    /// Requirement text and remediation guidance, for failing findings only (keeps the
    /// report small while giving readers of a gap what they need).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance: Option<&'a str>,
}

impl<'a> FindingInfo<'a> {
    fn of(f: &'a Finding<'a>) -> Self {
        let open = !f.status.is_met() && f.status != Status::NotApplicable;
        FindingInfo {
            catalog: &f.catalog.id,
            control: &f.control.id,
            title: &f.control.title,
            group: f.control.group.as_deref(),
            status: f.status,
            severity: f.control.severity,
            break_fix_incompatible: f.control.break_fix_incompatible,
            failing: f.failing,
            owners: &f.owners,
            ongoing_work: &f.ongoing_work,
            citation: &f.control.citation,
            rationale: f.control.rationale.as_deref(),
            reasons: &f.reasons,
            exception: f.exception.as_ref(),
            evidence: f.evidence.as_deref(),
            line: f.location.line,
            column: f.location.column,
            props: &f.control.props,
            statement: open.then_some(f.control.statement.as_str()),
            guidance: if open {
                f.control.guidance.as_deref()
            } else {
                None
            },
        }
    }
}

/// The report's findings: the evaluation's, each shown as a [`FindingInfo`] only while it is
/// written or read, so the report adds nothing per finding to what the run holds.
#[derive(Clone, Copy)]
pub struct Findings<'a>(&'a [Finding<'a>]);

impl<'a> Findings<'a> {
    pub fn iter(&self) -> impl ExactSizeIterator<Item = FindingInfo<'a>> + 'a {
        self.0.iter().map(FindingInfo::of)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Findings<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'a> Report<'a> {
    pub fn build(run: &Run<'a>) -> Report<'a> {
        let a = run.arrangement;
        let e = run.evaluation;
        let findings = &e.findings;
        let mut summary = Counts::default();
        findings.iter().for_each(|f| summary.add(f));
        let frameworks = e
            .scopes
            .iter()
            .map(|s| {
                let mut counts = Counts::default();
                findings
                    .iter()
                    .filter(|f| f.catalog.id == s.catalog.id)
                    .for_each(|f| counts.add(f));
                FrameworkSummary {
                    catalog: s.catalog.id.clone(),
                    title: s.catalog.title.clone(),
                    profile: s.profile.clone(),
                    passed: counts.failing == 0,
                    counts,
                }
            })
            .collect();
        let catalogs = e
            .scopes
            .iter()
            .map(|s| CatalogInfo {
                id: s.catalog.id.clone(),
                title: s.catalog.title.clone(),
                version: s.catalog.version.clone(),
                profile: s.profile.clone(),
                sha256: s.catalog.sha256(),
                source: s.catalog.source.clone(),
                url: s.catalog.url.clone(),
                files: s.catalog.files.clone(),
            })
            .collect();
        Report {
            schema: SCHEMA,
            tool: Tool {
                name: "gapcheck",
                version: env!("CARGO_PKG_VERSION"),
            },
            generated_at: run.generated_at.clone(),
            today: run.today.clone(),
            basis: crate::evaluate::BASIS,
            arrangement: ArrangementInfo {
                path: a.path.clone(),
                sha256: a.sha256.clone(),
                organization: a.organization.name.clone(),
                model: a.model,
            },
            report: a.report.as_ref().map(ReportSection::of),
            catalogs,
            policy: PolicyInfo {
                fail_on: run.policy.fail_on,
                min_severity: run.policy.min_severity,
            },
            model_fit: run.fit.clone(),
            summary: Summary {
                sprs: run.sprs.cloned(),
                passed: run.passed(),
                counts: summary,
            },
            frameworks,
            findings: Findings(findings),
            remarks: &e.remarks,
            baseline: run.baseline.cloned(),
            evidence: super::evidence::EvidenceSummary::build(run),
        }
    }

    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(64 * 1024);
        self.write_json(&mut out)
            .expect("writing to memory cannot fail");
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// Streams the pretty-printed report (the bytes of [`Report::to_json`]) into `out`,
    /// without building the text first.
    pub fn write_json<W: std::io::Write + ?Sized>(&self, out: &mut W) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self).map_err(std::io::Error::from)?;
        out.write_all(b"\n")
    }
}
