//! The typed context the Markdown and HTML templates render from, plus the tables the CSV,
//! SARIF and JUnit formats share.
//!
//! Everything a reader needs is computed here, in Rust: the responsibility matrix, the
//! customer responsibility matrix, remediation priorities and exception buckets. Templates
//! only lay the result out, so two templates (or a user's override) cannot disagree on a
//! number, and handlebars strict mode can reject any field a template names that is not here.
//! Optional values are always serialized (as `null`) so that `{{#if x}}` works in strict mode.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::Serialize;

use super::json::{Counts, Report};
use super::page_one::{self, Applicability, Chart, Gauge, Ongoing};
use super::{Paper, Run};
use crate::arrangement::{Arrangement, ProviderKind};
use crate::catalog::{Control, Severity};
use crate::decode::Keyword;
use crate::evaluate::{Finding, Status, WARN_EXPIRING_DAYS};

/// The models in the order the decision-boundaries table lists them.
const MODEL_NAMES: [&str; 3] = ["break-fix", "managed", "co-managed"];

#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub title: String,
    pub tool: ToolCtx,
    pub generated_at: String,
    pub today: String,
    pub organization: OrganizationCtx,
    pub model: String,
    pub arrangement: InputCtx,
    pub catalogs: Vec<CatalogCtx>,
    pub policy: String,
    pub passed: bool,
    pub summary: Counts,
    pub frameworks: Vec<FrameworkCtx>,
    pub sprs: Option<SprsCtx>,
    pub fit: FitCtx,
    pub providers: Vec<ProviderCtx>,
    pub matrix: Vec<MatrixRow>,
    /// Capabilities in-scope controls need that no provider owns.
    pub unowned: Vec<String>,
    pub crm: Vec<CrmRow>,
    /// The same rows by framework, parties named without their ids, for the HTML report.
    pub crm_groups: Vec<CrmGroup>,
    pub priorities: Vec<Priority>,
    /// Failing findings that only an attestation (a document) can resolve.
    pub failing_needing_evidence: usize,
    pub findings: Vec<FrameworkFindings>,
    pub break_fix_controls: Vec<ControlLine>,
    /// The controls that need ongoing work, split by whether anyone engaged does it.
    pub break_fix: BreakFixCtx,
    pub exceptions: ExceptionBuckets,
    pub attestations: Vec<AttestationCtx>,
    pub remarks: Vec<RemarkCtx>,
    /// Regressions and improvements since `--baseline`, when one was given.
    pub baseline: Option<crate::baseline::Comparison>,
    /// The evidence view (`--evidence`), when records were given.
    pub evidence: Option<super::evidence::EvidenceCtx>,
    /// The arrangement's `report:` section: preparer, client, scope, period, sign-off.
    pub report: Option<ReportCtx>,
    /// Page one: the verdict in plain words.
    pub verdict: String,
    /// The fail policy in plain words (the flags stay in the report details).
    pub policy_words: String,
    pub charts: Vec<Chart>,
    pub gauge: Option<Gauge>,
    pub ongoing: Ongoing,
    /// The first five remediation priorities.
    pub top_priorities: Vec<Priority>,
    pub applicability: Vec<Applicability>,
    /// Whether the arrangement names evidence (attestations) the statuses rest on.
    pub has_evidence: bool,
    /// Printed page set-up of the HTML report.
    pub page: PageCtx,
    /// The methodology's definitions, taken from the engine so they cannot drift from it.
    pub definitions: Definitions,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportCtx {
    pub prepared_by: Option<String>,
    pub prepared_for: Option<String>,
    pub scope: Option<String>,
    pub period: Option<String>,
    pub version: Option<String>,
    pub reviewer: Option<String>,
}

/// The printed page: its size and the running footer's text. The footer is CSS generated
/// content, so its text is rendered here as a CSS string literal in which every character
/// that could end the string, the rule or the style element is escaped.
#[derive(Debug, Clone, Serialize)]
pub struct PageCtx {
    pub paper: &'static str,
    pub size: &'static str,
    pub footer: String,
}

/// Statuses, reason codes and rules as the engine defines them.
#[derive(Debug, Clone, Serialize)]
pub struct Definitions {
    /// What every status rests on: the declaration, not a verified implementation.
    pub basis: &'static str,
    pub statuses: Vec<Definition>,
    pub reasons: Vec<Definition>,
    pub break_fix: &'static str,
    /// Every other term the report uses, defined once, in the order a reader meets them;
    /// framework-specific terms only when that framework is in the report.
    pub terms: Vec<Definition>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Definition {
    pub name: &'static str,
    pub meaning: &'static str,
}

impl Definitions {
    pub fn from_engine() -> Self {
        use crate::evaluate::{BASIS, BREAK_FIX_RULE, ReasonCode};
        Definitions {
            basis: BASIS,
            statuses: Status::ALL
                .iter()
                .map(|s| Definition {
                    name: s.as_str(),
                    meaning: s.meaning(),
                })
                .collect(),
            reasons: ReasonCode::ALL
                .iter()
                .map(|r| Definition {
                    name: r.as_str(),
                    meaning: r.meaning(),
                })
                .collect(),
            break_fix: BREAK_FIX_RULE,
            terms: Vec::new(),
        }
    }

    /// The definitions a report on `run` needs: the engine's, plus the HIPAA terms when a
    /// finding carries the required/addressable flag and the CMMC terms when an SPRS score
    /// is projected. A report without CMMC never mentions SPRS or POA&M.
    pub fn for_run(hipaa_flags: bool, cmmc: bool, evidence: bool) -> Self {
        use crate::evaluate::{BREAK_FIX_RULE, ReasonCode};
        let mut d = Definitions::from_engine();
        // Codes that cannot occur in this report are not defined in it: the CMMC
        // self-declaration code without CMMC, the record-of-work codes without `--evidence`.
        d.reasons.retain(|r| match r.name {
            n if n == ReasonCode::DeclaredPartial.as_str() => cmmc,
            // The status of the same name defines it; one term, one definition.
            n if n == ReasonCode::NeedsEvidence.as_str() => false,
            n if n == ReasonCode::EvidenceStale.as_str()
                || n == ReasonCode::EvidenceFailed.as_str()
                || n == ReasonCode::SlaMissed.as_str() =>
            {
                evidence
            }
            _ => true,
        });
        let t = |name, meaning| Definition { name, meaning };
        d.terms.push(t(
            "in scope",
            "a control of a selected framework and profile whose conditions hold for the organization; the others are not applicable, listed but not evaluated",
        ));
        d.terms.push(t(
            "owner",
            "a provider (internal staff, an MSP or a break-fix vendor) that the arrangement names for a capability; a control's owners are the owners of the capabilities its requirement names",
        ));
        d.terms.push(t(
            "severity",
            "high, moderate or low, from the catalog; it weights remediation priorities (3, 2, 1) and may limit which controls fail",
        ));
        d.terms.push(t(
            "failing",
            "a control whose status and severity the report's fail policy counts as failing; the policy is stated on page one in words and in the report details appendix as options",
        ));
        d.terms.push(t(
            "needs ongoing work",
            BREAK_FIX_RULE.trim_end_matches('.'),
        ));
        d.terms.push(t(
            "exception",
            "the organization's own statement, with a reason, an owner and an expiry date, that a requirement is not met and the risk is accepted; while live it makes the control waived, and once expired the control keeps the status the arrangement gives it",
        ));
        d.terms.push(t(
            "remediation priority",
            "a capability ranked by the controls needing work (failing, not met or partly met) whose reasons name it, weighted by severity; \"resolved by this alone\" counts the controls where it is the only capability at fault",
        ));
        d.terms.push(t(
            "customer responsibility matrix",
            "per control, which provider holds each capability its requirement names, and what the organization keeps; controls met only by documents are the organization's own",
        ));
        d.terms.push(t(
            "service model fit",
            "how well the declared model (break-fix, managed or co-managed) suits the organization's staff, budget, compliance needs, monitoring needs, scalability and after-hours coverage, variable by variable",
        ));
        if hipaa_flags {
            d.terms.push(t(
                "required / addressable",
                "HIPAA's two kinds of implementation specification (45 CFR 164.306(d)): a required one must be implemented; an addressable one must be implemented if reasonable and appropriate, otherwise the entity documents why and implements an equivalent alternative measure if reasonable and appropriate. This report evaluates both kinds the same way and shows the flag on each finding",
            ));
        }
        if cmmc {
            d.terms.push(t(
                "SPRS score",
                "the projected DoD Assessment Methodology score for CMMC Level 2: 110 minus the points of every requirement not met (partial, gap, needs-evidence and waived count as not met; the methodology's partial-credit cases apply), floor -203, computed on the whole level whatever the report's filters",
            ));
            d.terms.push(t(
                "POA&M",
                "plan of action and milestones: the requirements not yet met and the plan to meet them. Under 32 CFR 170.21(a)(2) only some requirements may be on a POA&M, and Conditional Level 2 (Self) status needs a score of at least 88 with only such requirements open; Final status needs every requirement met",
            ));
        }
        d
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolCtx {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrganizationCtx {
    pub name: String,
    pub employees: Option<u64>,
    pub budget: Option<String>,
    pub after_hours_required: Option<String>,
    pub scalability: Option<String>,
    pub consumers: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputCtx {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogCtx {
    pub id: String,
    pub title: String,
    pub profile: Option<String>,
    pub version: Option<String>,
    pub source: Option<String>,
    pub url: Option<String>,
    pub sha256: String,
    pub files: Vec<FileCtx>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileCtx {
    pub path: String,
    pub sha256: String,
    pub builtin: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FrameworkCtx {
    pub catalog: String,
    pub title: String,
    pub profile: Option<String>,
    pub counts: Counts,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SprsCtx {
    pub score: i64,
    pub max: i64,
    pub conditional_eligible: bool,
    /// `final-level-2-self`, `conditional-level-2-self` or `not-eligible`.
    pub status: crate::sprs::Level2Status,
    /// The status and its rule in one sentence.
    pub verdict: &'static str,
    pub open: Vec<SprsOpen>,
    pub not_poam_eligible: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SprsOpen {
    pub control: String,
    pub status: Status,
    pub points: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FitCtx {
    pub declared: String,
    pub recommended: String,
    pub fits: bool,
    pub summary: String,
    pub models: [&'static str; 3],
    pub variables: Vec<FitVariable>,
    pub scores: Vec<FitScore>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FitVariable {
    pub variable: &'static str,
    pub field: &'static str,
    pub value: String,
    /// One cell per model, in [`MODEL_NAMES`] order.
    pub cells: Vec<FitCell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FitCell {
    pub offer: &'static str,
    pub matches: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FitScore {
    pub model: String,
    pub score: usize,
    pub ruled_out: Option<String>,
    pub recommended: bool,
    pub declared: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderCtx {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub ftes: Option<String>,
    pub coverage: Option<String>,
    pub tooling: Vec<String>,
}

/// One capability of the division-of-responsibility matrix.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    pub capability: String,
    pub kind: String,
    pub description: String,
    /// One flag per provider, in `providers` order.
    pub cells: Vec<bool>,
    pub owners: Vec<String>,
    pub cadence: Option<String>,
    pub coverage: Option<String>,
    pub response: Option<String>,
    pub escalation: Option<String>,
    pub notes: Option<String>,
    pub line: Option<u32>,
    /// In-scope controls whose requirement names this capability.
    pub needed_by: usize,
    /// Needed by in-scope controls, owned by nobody.
    pub unowned: bool,
}

/// Who answers for a control, in the terms of a customer responsibility matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Responsibility {
    Internal,
    Provider,
    Shared,
    Nobody,
}
crate::keywords!(Responsibility {
    Internal => "internal", Provider => "provider", Shared => "shared", Nobody => "nobody",
});

/// One row of the customer responsibility matrix: one evaluated control.
#[derive(Debug, Clone, Serialize)]
pub struct CrmRow {
    pub catalog: String,
    pub control: String,
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    pub responsibility: Responsibility,
    /// Display names of the responsible parties.
    pub parties: Vec<String>,
    pub capabilities: Vec<String>,
    pub unassigned: Vec<String>,
}

/// A capability whose proper assignment would resolve failing controls.
#[derive(Debug, Clone, Serialize)]
pub struct Priority {
    pub rank: usize,
    pub capability: String,
    pub kind: String,
    pub owners: Vec<String>,
    /// The reason codes it fails with, sorted.
    pub problems: Vec<String>,
    /// Severity-weighted count of the controls needing work (failing, gap or partial) it is
    /// at fault for.
    pub score: usize,
    pub controls: usize,
    pub high: usize,
    pub moderate: usize,
    pub low: usize,
    /// Controls needing work where it is the only capability at fault.
    pub resolves_alone: usize,
    /// Of `controls`, those that fail the policy.
    pub failing: usize,
    pub frameworks: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FrameworkFindings {
    pub catalog: String,
    pub title: String,
    pub profile: Option<String>,
    pub anchor: String,
    pub findings: Vec<FindingCtx>,
    pub failing: Vec<FindingCtx>,
    pub not_applicable: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingCtx {
    /// Shown expanded: the finding needs work (or is waived), so a reader prints its details.
    pub open: bool,
    /// HIPAA: `required` or `addressable` implementation specification.
    pub requirement: Option<String>,
    /// CMMC Level 2: SPRS points the requirement is worth, and whether it may be on a POA&M.
    pub points: Option<i64>,
    pub poam_eligible: Option<bool>,
    /// Why the control requires what it requires, in the control's own words.
    pub rationale: Option<String>,
    /// `rationale` and `guidance` split at backtick-quoted names, for the HTML report.
    pub rationale_spans: Vec<Span>,
    pub guidance_spans: Vec<Span>,
    pub catalog: String,
    pub control: String,
    pub anchor: String,
    pub title: String,
    pub group: Option<String>,
    pub status: Status,
    pub severity: Severity,
    pub failing: bool,
    pub break_fix_incompatible: bool,
    pub owners: Vec<String>,
    /// Who does the ongoing work it needs, in plain words; empty when it needs none.
    pub ongoing_work: Vec<&'static str>,
    pub citation: String,
    pub reasons: Vec<ReasonCtx>,
    pub statement: Option<String>,
    pub guidance: Option<String>,
    pub exception: Option<String>,
    pub evidence: Option<String>,
    pub line: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReasonCtx {
    pub code: String,
    pub capability: Option<String>,
    pub message: String,
    /// The message split at its backtick-quoted names, so the HTML report can set them in
    /// a monospace font instead of showing the backticks.
    pub spans: Vec<Span>,
}

/// A run of message text; `code` when it was quoted with backticks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub text: String,
    pub code: bool,
}

/// Splits `s` at backticks into plain and quoted runs. Unbalanced backticks (say, in a
/// user's own string) are left as text.
pub fn spans(s: &str) -> Vec<Span> {
    let parts: Vec<&str> = s.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return vec![Span {
            text: s.to_owned(),
            code: false,
        }];
    }
    parts
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| Span {
            text: (*t).to_owned(),
            code: i % 2 == 1,
        })
        .collect()
}

/// One framework's rows of the customer responsibility matrix.
#[derive(Debug, Clone, Serialize)]
pub struct CrmGroup {
    pub catalog: String,
    pub title: String,
    pub rows: Vec<CrmRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlLine {
    pub catalog: String,
    pub control: String,
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    /// Who does the ongoing work it needs, in plain words ("internal staff", "nobody").
    pub ongoing_work: String,
}

/// The break-fix section: controls that need ongoing work, which a vendor paid per incident
/// cannot deliver alone, split by who does that work in this arrangement.
#[derive(Debug, Clone, Serialize)]
pub struct BreakFixCtx {
    /// The arrangement's model is break-fix (headings then speak of the model).
    pub model: bool,
    /// In-scope controls that need ongoing work.
    pub needs_ongoing: usize,
    /// Not met, and some ongoing work it needs is left to a break-fix vendor or to nobody.
    /// Never holds a met control.
    pub uncovered: Vec<ControlLine>,
    /// The ongoing work is done by internal staff or an MSP (the status says whether the
    /// rest of the control is in place).
    pub covered: Vec<ControlLine>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ExceptionBuckets {
    pub active: Vec<ExceptionCtx>,
    pub expiring: Vec<ExceptionCtx>,
    pub expired: Vec<ExceptionCtx>,
    pub any: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExceptionCtx {
    pub target: String,
    pub reason: String,
    pub owner: String,
    pub expires: String,
    /// Days from the report date to expiry; negative once expired.
    pub days: i64,
    pub controls: Vec<String>,
    pub line: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttestationCtx {
    pub control: String,
    pub evidence: String,
    pub matched: bool,
    pub line: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct RemarkCtx {
    pub code: &'static str,
    pub line: u32,
    pub message: String,
    pub spans: Vec<Span>,
}

/// How much a failing control counts towards a remediation priority.
fn weight(s: Severity) -> usize {
    match s {
        Severity::High => 3,
        Severity::Moderate => 2,
        Severity::Low => 1,
    }
}

/// An HTML `id`/Markdown anchor made only of `[a-z0-9-]`, so it is safe in any attribute
/// and stable across runs.
pub fn anchor(parts: &[&str]) -> String {
    let mut out = String::new();
    for c in parts.join("-").chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

impl Context {
    pub fn build(run: &Run) -> Context {
        Self::from_report(run, &Report::build(run))
    }

    /// From the report already built for the run's other formats (one build per run).
    pub fn from_report(run: &Run, report: &Report) -> Context {
        let a = run.arrangement;
        let today = run.today.parse::<Date>().ok();
        let findings = &run.evaluation.findings;
        let in_scope: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.status != Status::NotApplicable)
            .collect();

        let providers: Vec<ProviderCtx> = a
            .providers
            .values()
            .map(|p| ProviderCtx {
                id: p.id.clone(),
                name: p.name.clone(),
                kind: p.kind.to_string(),
                ftes: p.ftes.map(|f| f.to_string()),
                coverage: p.coverage.map(|c| c.to_string()),
                tooling: p.tooling.clone(),
            })
            .collect();

        let (matrix, unowned) = matrix(run, &in_scope);
        let crm = crm(a, &in_scope);
        let (priorities, failing_needing_evidence) = priorities(run, &in_scope);

        let verdict = page_one::verdict(run, &report.summary.counts, report.summary.passed);
        let charts = report
            .frameworks
            .iter()
            .map(|f| {
                page_one::chart(
                    &f.catalog,
                    &f.title,
                    f.profile.as_deref(),
                    &f.counts,
                    f.passed,
                )
            })
            .collect();
        let top_priorities = priorities.iter().take(5).cloned().collect();
        let crm_groups = crm_groups(run, &crm);

        Context {
            report: a.report.as_ref().map(|r| ReportCtx {
                prepared_by: r.prepared_by.clone(),
                prepared_for: r.prepared_for.clone(),
                scope: r.scope.clone(),
                period: r.period.map(|p| format!("{} to {}", p.from, p.to)),
                version: r.version.clone(),
                reviewer: r.reviewer.clone(),
            }),
            verdict,
            policy_words: page_one::policy_words(run),
            charts,
            gauge: run
                .sprs
                .map(|s| page_one::gauge(s.score, s.max, s.conditional_eligible)),
            ongoing: page_one::ongoing(run, &in_scope),
            top_priorities,
            applicability: page_one::applicability(run),
            has_evidence: page_one::has_evidence(a),
            page: page_ctx(Paper::default(), &a.organization.name, &report.today),
            title: format!("Compliance gap report: {}", a.organization.name),
            tool: ToolCtx {
                name: report.tool.name,
                version: report.tool.version,
            },
            generated_at: report.generated_at.clone(),
            today: report.today.clone(),
            organization: OrganizationCtx {
                name: a.organization.name.clone(),
                employees: a.organization.employees,
                budget: a.organization.budget.map(|b| b.as_str().to_owned()),
                after_hours_required: a
                    .organization
                    .after_hours_required
                    .map(|b| if b { "required" } else { "not required" }.to_owned()),
                scalability: a.organization.scalability.map(|s| s.as_str().to_owned()),
                consumers: a.organization.consumers,
            },
            model: a.model.to_string(),
            arrangement: InputCtx {
                path: report.arrangement.path.clone(),
                sha256: report.arrangement.sha256.clone(),
            },
            catalogs: report
                .catalogs
                .iter()
                .map(|c| CatalogCtx {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    profile: c.profile.clone(),
                    version: c.version.clone(),
                    source: c.source.clone(),
                    url: c.url.clone(),
                    sha256: c.sha256.clone(),
                    files: c
                        .files
                        .iter()
                        .map(|f| FileCtx {
                            path: f.path.clone(),
                            sha256: f.sha256.clone(),
                            builtin: f.builtin,
                        })
                        .collect(),
                })
                .collect(),
            policy: format!(
                "--fail-on {} --min-severity {}",
                report.policy.fail_on, report.policy.min_severity
            ),
            passed: report.summary.passed,
            summary: report.summary.counts.clone(),
            frameworks: report
                .frameworks
                .iter()
                .map(|f| FrameworkCtx {
                    catalog: f.catalog.clone(),
                    title: f.title.clone(),
                    profile: f.profile.clone(),
                    counts: f.counts.clone(),
                    passed: f.passed,
                })
                .collect(),
            sprs: run.sprs.map(|s| SprsCtx {
                score: s.score,
                max: s.max,
                conditional_eligible: s.conditional_eligible,
                status: s.status,
                verdict: s.status.verdict(),
                open: s
                    .open
                    .iter()
                    .map(|o| SprsOpen {
                        control: o.control.clone(),
                        status: o.status,
                        points: o.points,
                    })
                    .collect(),
                not_poam_eligible: s.not_poam_eligible.clone(),
            }),
            fit: fit(run),
            providers,
            matrix,
            unowned,
            crm,
            crm_groups,
            priorities,
            failing_needing_evidence,
            findings: framework_findings(run, a),
            break_fix_controls: in_scope
                .iter()
                .filter(|f| f.control.break_fix_incompatible)
                .map(|f| control_line(f))
                .collect(),
            break_fix: break_fix(a, &in_scope),
            exceptions: exceptions(a, findings, today),
            attestations: attestations(a, findings),
            remarks: report
                .remarks
                .iter()
                .map(|r| RemarkCtx {
                    code: r.code,
                    line: r.line,
                    message: r.message.clone(),
                    spans: spans(&r.message),
                })
                .collect(),
            baseline: report.baseline.clone(),
            definitions: Definitions::for_run(
                findings
                    .iter()
                    .any(|f| f.control.props.contains_key("requirement")),
                run.sprs.is_some(),
                run.evidence.is_some(),
            ),
            evidence: super::evidence::EvidenceCtx::build(run),
        }
    }
}

impl Context {
    /// The same context laid out for another paper size.
    pub fn with_paper(mut self, paper: Paper) -> Context {
        self.page = page_ctx(paper, &self.organization.name, &self.today);
        self
    }
}

fn page_ctx(paper: Paper, organization: &str, today: &str) -> PageCtx {
    PageCtx {
        paper: paper.as_str(),
        size: paper.css_size(),
        footer: super::html::css_string(&format!("{organization} \u{2022} {today}")),
    }
}

fn control_line(f: &Finding) -> ControlLine {
    let who: Vec<&str> = f.ongoing_work.iter().map(|d| d.phrase()).collect();
    ControlLine {
        catalog: f.catalog.id.clone(),
        control: f.control.id.clone(),
        title: f.control.title.clone(),
        status: f.status,
        severity: f.control.severity,
        ongoing_work: if who.is_empty() {
            "no ongoing work needed".into()
        } else {
            who.join(", ")
        },
    }
}

/// Splits the controls that need ongoing work: a control is uncovered when it is not met and
/// some of its ongoing work is left to a break-fix vendor or to nobody; otherwise internal
/// staff or an MSP do that work. A met control is never listed as uncovered.
pub fn break_fix(a: &Arrangement, in_scope: &[&Finding]) -> BreakFixCtx {
    let needing: Vec<&&Finding> = in_scope
        .iter()
        .filter(|f| page_one::needs_ongoing(f))
        .collect();
    let (uncovered, covered): (Vec<&&Finding>, Vec<&&Finding>) =
        needing.iter().partition(|f| page_one::left_uncovered(f));
    BreakFixCtx {
        model: a.model == crate::arrangement::Model::BreakFix,
        needs_ongoing: needing.len(),
        uncovered: uncovered.into_iter().map(|f| control_line(f)).collect(),
        covered: covered.into_iter().map(|f| control_line(f)).collect(),
    }
}

fn fit(run: &Run) -> FitCtx {
    let f = run.fit;
    FitCtx {
        declared: f.declared.to_string(),
        recommended: f.recommended.to_string(),
        fits: f.fits,
        summary: f.summary.clone(),
        models: MODEL_NAMES,
        variables: f
            .variables
            .iter()
            .map(|v| FitVariable {
                variable: v.variable,
                field: v.field,
                value: v.value.clone(),
                cells: MODEL_NAMES
                    .iter()
                    .zip(v.offers)
                    .map(|(m, offer)| FitCell {
                        offer,
                        matches: v.matches.iter().any(|x| x.as_str() == *m),
                    })
                    .collect(),
            })
            .collect(),
        scores: f
            .scores
            .iter()
            .map(|s| FitScore {
                model: s.model.to_string(),
                score: s.score,
                ruled_out: s.ruled_out.clone(),
                recommended: s.model == f.recommended,
                declared: s.model == f.declared,
            })
            .collect(),
    }
}

/// The capabilities a control's requirement names, in first-mention order, deduplicated.
fn required_capabilities(c: &Control) -> Vec<String> {
    let mut seen = BTreeSet::new();
    c.requires
        .iter()
        .flat_map(|r| r.leaves())
        .filter(|l| seen.insert(l.capability.as_str()))
        .map(|l| l.capability.clone())
        .collect()
}

fn provider_label(a: &Arrangement, id: &str) -> String {
    match a.provider(id) {
        Some(p) if p.name != p.id => format!("{} ({})", p.name, p.id),
        _ => id.to_owned(),
    }
}

fn matrix(run: &Run, in_scope: &[&Finding]) -> (Vec<MatrixRow>, Vec<String>) {
    let a = run.arrangement;
    let mut needed: BTreeMap<String, usize> = BTreeMap::new();
    for f in in_scope {
        for cap in required_capabilities(f.control) {
            *needed.entry(cap).or_default() += 1;
        }
    }
    let mut rows = Vec::new();
    let mut unowned = Vec::new();
    // Vocabulary order is sorted by id; capabilities neither assigned nor needed are left
    // out, so the matrix shows what the arrangement and its frameworks are about.
    for cap in run.registry.vocabulary.iter() {
        let resp = a.responsibilities.get(&cap.id);
        let needed_by = needed.get(&cap.id).copied().unwrap_or(0);
        if resp.is_none() && needed_by == 0 {
            continue;
        }
        let owners: Vec<String> = resp.map(|r| r.owners.clone()).unwrap_or_default();
        let is_unowned = owners.is_empty() && needed_by > 0;
        if is_unowned {
            unowned.push(cap.id.clone());
        }
        rows.push(MatrixRow {
            capability: cap.id.clone(),
            kind: cap.kind.to_string(),
            description: cap.description.clone(),
            cells: a.providers.keys().map(|p| owners.contains(p)).collect(),
            owners: owners.iter().map(|o| provider_label(a, o)).collect(),
            cadence: resp.and_then(|r| r.cadence).map(|c| c.to_string()),
            coverage: resp.and_then(|r| r.coverage).map(|c| c.to_string()),
            response: resp.and_then(|r| r.response).map(|d| d.to_string()),
            escalation: resp
                .filter(|r| r.owners.len() > 1)
                .map(|r| r.escalation.to_string()),
            notes: resp.and_then(|r| r.notes.clone()),
            line: resp.map(|r| r.pos.line),
            needed_by,
            unowned: is_unowned,
        });
    }
    (rows, unowned)
}

/// The customer responsibility matrix: every evaluated (in-scope) control with who answers
/// for it. A control met only by documents is the organization's own responsibility.
pub fn crm(a: &Arrangement, in_scope: &[&Finding]) -> Vec<CrmRow> {
    in_scope
        .iter()
        .map(|f| {
            let capabilities = required_capabilities(f.control);
            let unassigned: Vec<String> = capabilities
                .iter()
                .filter(|c| !a.responsibilities.contains_key(*c))
                .cloned()
                .collect();
            let kinds: BTreeSet<bool> = f
                .owners
                .iter()
                .map(|o| {
                    a.provider(o)
                        .is_some_and(|p| p.kind == ProviderKind::Internal)
                })
                .collect();
            let responsibility = if f.control.requires.is_none() {
                Responsibility::Internal
            } else if f.owners.is_empty() {
                Responsibility::Nobody
            } else if kinds.len() > 1 {
                Responsibility::Shared
            } else if kinds.contains(&true) {
                Responsibility::Internal
            } else if f.owners.len() == 1 {
                Responsibility::Provider
            } else {
                Responsibility::Shared
            };
            let parties = if f.control.requires.is_none() {
                vec!["the organization (documented evidence)".to_owned()]
            } else {
                f.owners.iter().map(|o| provider_label(a, o)).collect()
            };
            CrmRow {
                catalog: f.catalog.id.clone(),
                control: f.control.id.clone(),
                title: f.control.title.clone(),
                status: f.status,
                severity: f.control.severity,
                responsibility,
                parties,
                capabilities,
                unassigned,
            }
        })
        .collect()
}

fn crm_groups(run: &Run, crm: &[CrmRow]) -> Vec<CrmGroup> {
    let a = run.arrangement;
    run.evaluation
        .scopes
        .iter()
        .map(|s| CrmGroup {
            catalog: s.catalog.id.clone(),
            title: s.catalog.title.clone(),
            rows: crm
                .iter()
                .filter(|r| r.catalog == s.catalog.id)
                .map(|r| CrmRow {
                    parties: r.parties.iter().map(|p| short_party(a, p)).collect(),
                    ..r.clone()
                })
                .collect(),
        })
        .filter(|g| !g.rows.is_empty())
        .collect()
}

/// "Name (id)" back to the provider's name, for tables that have no room for both.
fn short_party(a: &Arrangement, label: &str) -> String {
    a.providers
        .values()
        .find(|p| provider_label(a, &p.id) == label)
        .map_or_else(|| label.to_owned(), |p| p.name.clone())
}

/// Ranks capabilities by the severity-weighted number of failing controls they are at
/// fault for. Also returns how many failing controls only an attestation can resolve.
/// Whether a control needs work: failing, not met or partly met. Remediation priorities rank
/// these, and the portfolio index counts them across clients.
pub fn needs_work(f: &Finding) -> bool {
    f.failing || matches!(f.status, Status::Gap | Status::Partial)
}

/// The in-scope controls needing work, as `catalog:control`, sorted.
pub fn needing_work(run: &Run) -> Vec<String> {
    let mut v: Vec<String> = run
        .evaluation
        .findings
        .iter()
        .filter(|f| f.status != Status::NotApplicable && needs_work(f))
        .map(|f| format!("{}:{}", f.catalog.id, f.control.id))
        .collect();
    v.sort();
    v
}

/// Per capability, the controls needing work that it alone would resolve (the priorities'
/// "resolved by this alone"), most first; capabilities resolving none are left out.
pub fn resolves_alone(run: &Run) -> Vec<(String, usize)> {
    let in_scope: Vec<&Finding> = run
        .evaluation
        .findings
        .iter()
        .filter(|f| f.status != Status::NotApplicable)
        .collect();
    let mut v: Vec<(String, usize)> = priorities(run, &in_scope)
        .0
        .into_iter()
        .filter(|p| p.resolves_alone > 0)
        .map(|p| (p.capability, p.resolves_alone))
        .collect();
    v.sort_by(|(a, x), (b, y)| y.cmp(x).then(a.cmp(b)));
    v
}

fn priorities(run: &Run, in_scope: &[&Finding]) -> (Vec<Priority>, usize) {
    #[derive(Default)]
    struct Acc {
        score: usize,
        controls: usize,
        by_severity: [usize; 3],
        resolves_alone: usize,
        failing: usize,
        problems: BTreeSet<String>,
        frameworks: BTreeSet<String>,
    }
    let a = run.arrangement;
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    let mut evidence_only = 0;
    // Partly met controls count too: under the default policy they do not fail the run,
    // but they are work the owner has to plan, and page one would otherwise say nothing.
    for f in in_scope.iter().filter(|f| needs_work(f)) {
        let caps: BTreeSet<&str> = f
            .reasons
            .iter()
            .filter_map(|r| r.capability.as_deref())
            .collect();
        if caps.is_empty() {
            if f.failing && f.control.requires.is_none() {
                evidence_only += 1;
            }
            continue;
        }
        for cap in &caps {
            let e = acc.entry((*cap).to_owned()).or_default();
            e.score += weight(f.control.severity);
            e.controls += 1;
            e.by_severity[match f.control.severity {
                Severity::High => 0,
                Severity::Moderate => 1,
                Severity::Low => 2,
            }] += 1;
            if caps.len() == 1 {
                e.resolves_alone += 1;
            }
            if f.failing {
                e.failing += 1;
            }
            e.frameworks.insert(f.catalog.id.clone());
            for r in &f.reasons {
                if r.capability.as_deref() == Some(*cap) {
                    e.problems.insert(r.code.to_string());
                }
            }
        }
    }
    let mut list: Vec<(String, Acc)> = acc.into_iter().collect();
    list.sort_by(|(x_id, x), (y_id, y)| {
        y.score
            .cmp(&x.score)
            .then(y.resolves_alone.cmp(&x.resolves_alone))
            .then(x_id.cmp(y_id))
    });
    let out = list
        .into_iter()
        .enumerate()
        .map(|(i, (cap, e))| Priority {
            rank: i + 1,
            kind: run
                .registry
                .vocabulary
                .get(&cap)
                .map(|c| c.kind.to_string())
                .unwrap_or_default(),
            owners: a
                .responsibilities
                .get(&cap)
                .map(|r| r.owners.iter().map(|o| provider_label(a, o)).collect())
                .unwrap_or_default(),
            capability: cap,
            problems: e.problems.into_iter().collect(),
            score: e.score,
            controls: e.controls,
            high: e.by_severity[0],
            moderate: e.by_severity[1],
            low: e.by_severity[2],
            resolves_alone: e.resolves_alone,
            failing: e.failing,
            frameworks: e.frameworks.into_iter().collect(),
        })
        .collect();
    (out, evidence_only)
}

fn finding_ctx(a: &Arrangement, f: &Finding) -> FindingCtx {
    let prop_str = |k: &str| match f.control.props.get(k) {
        Some(crate::catalog::Prop::Str(s)) => Some(s.clone()),
        _ => None,
    };
    FindingCtx {
        open: f.failing
            || matches!(
                f.status,
                Status::Gap | Status::Partial | Status::NeedsEvidence | Status::Waived
            ),
        requirement: prop_str("requirement"),
        points: f.control.prop_int("points"),
        poam_eligible: f.control.prop_bool("poam_eligible"),
        rationale: f.control.rationale.clone(),
        rationale_spans: f
            .control
            .rationale
            .as_deref()
            .map(spans)
            .unwrap_or_default(),
        guidance_spans: f.control.guidance.as_deref().map(spans).unwrap_or_default(),
        catalog: f.catalog.id.clone(),
        control: f.control.id.clone(),
        anchor: anchor(&["finding", &f.catalog.id, &f.control.id]),
        title: f.control.title.clone(),
        group: f.control.group.clone(),
        status: f.status,
        severity: f.control.severity,
        failing: f.failing,
        break_fix_incompatible: f.control.break_fix_incompatible,
        owners: f.owners.iter().map(|o| provider_label(a, o)).collect(),
        ongoing_work: f.ongoing_work.iter().map(|d| d.phrase()).collect(),
        citation: f.control.citation.clone(),
        reasons: f
            .reasons
            .iter()
            .map(|r| ReasonCtx {
                code: r.code.to_string(),
                capability: r.capability.clone(),
                message: r.message.clone(),
                spans: spans(&r.message),
            })
            .collect(),
        statement: Some(f.control.statement.clone()),
        guidance: f.control.guidance.clone(),
        exception: f.exception.as_ref().map(|e| {
            let state = if e.expired { "expired" } else { "expires" };
            format!("{} (owner {}, {state} {})", e.reason, e.owner, e.expires)
        }),
        evidence: f.evidence.clone(),
        line: f.location.line,
    }
}

fn framework_findings(run: &Run, a: &Arrangement) -> Vec<FrameworkFindings> {
    run.evaluation
        .scopes
        .iter()
        .map(|s| {
            let mine: Vec<&Finding> = run
                .evaluation
                .findings
                .iter()
                .filter(|f| f.catalog.id == s.catalog.id)
                .collect();
            let shown: Vec<FindingCtx> = mine
                .iter()
                .filter(|f| f.status != Status::NotApplicable)
                .map(|f| finding_ctx(a, f))
                .collect();
            FrameworkFindings {
                catalog: s.catalog.id.clone(),
                title: s.catalog.title.clone(),
                profile: s.profile.clone(),
                anchor: anchor(&["findings", &s.catalog.id]),
                failing: shown.iter().filter(|f| f.failing).cloned().collect(),
                not_applicable: mine.len() - shown.len(),
                findings: shown,
            }
        })
        .collect()
}

fn exceptions(a: &Arrangement, findings: &[Finding], today: Option<Date>) -> ExceptionBuckets {
    let mut b = ExceptionBuckets::default();
    for e in &a.exceptions {
        let days = today
            .and_then(|t| t.until(e.expires).ok())
            .map_or(0, |s| i64::from(s.get_days()));
        let controls = findings
            .iter()
            .filter(|f| f.exception.as_ref().is_some_and(|x| x.line == e.pos.line))
            .map(|f| f.reference().to_string())
            .collect();
        let ctx = ExceptionCtx {
            target: e.target.to_string(),
            reason: e.reason.clone(),
            owner: e.owner.clone(),
            expires: e.expires.to_string(),
            days,
            controls,
            line: e.pos.line,
        };
        if days < 0 {
            b.expired.push(ctx);
        } else if days <= i64::from(WARN_EXPIRING_DAYS) {
            b.expiring.push(ctx);
        } else {
            b.active.push(ctx);
        }
    }
    b.any = !a.exceptions.is_empty();
    b
}

fn attestations(a: &Arrangement, findings: &[Finding]) -> Vec<AttestationCtx> {
    a.attestations
        .iter()
        .map(|x| AttestationCtx {
            control: x.control.to_string(),
            evidence: x.evidence.clone(),
            matched: findings
                .iter()
                .any(|f| f.status != Status::NotApplicable && f.reference() == x.control),
            line: x.pos.line,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_attribute_safe_and_stable() {
        assert_eq!(
            anchor(&["finding", "hipaa-security", "164.308(a)(1)(ii)(D)"]),
            "finding-hipaa-security-164-308-a-1-ii-d"
        );
        assert_eq!(anchor(&["x", "\"><script>"]), "x-script");
    }

    #[test]
    fn backtick_names_become_code_spans() {
        let s = spans("assign `backup` with `cadence: daily`.");
        let code: Vec<&str> = s
            .iter()
            .filter(|x| x.code)
            .map(|x| x.text.as_str())
            .collect();
        assert_eq!(code, ["backup", "cadence: daily"]);
        assert_eq!(s.len(), 5);
        // An odd backtick (a user's own string) stays as written.
        assert_eq!(
            spans("a ` b"),
            [Span {
                text: "a ` b".into(),
                code: false
            }]
        );
    }
}
