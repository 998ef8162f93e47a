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

pub use super::anchors::{Anchors, anchor};
pub use super::definitions::{Definition, Definitions};

mod data;
mod matrix;
mod priorities;

use super::json::{Counts, Report};
use super::page_one::{self, Applicability, Chart, Gauge, Ongoing};
use super::{Paper, Run};
use crate::arrangement::{Arrangement, ProviderKind};
use crate::catalog::{Control, Severity};
use crate::decode::Keyword;
use crate::evaluate::{Finding, Status, WARN_EXPIRING_DAYS};
pub use data::*;
pub use matrix::crm;
use matrix::*;
use priorities::*;
pub use priorities::{needing_work, needs_work, resolves_alone};

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

impl Context {
    pub fn build(run: &Run) -> Context {
        Self::from_report(run, &Report::build(run))
    }

    /// From the report already built for the run's other formats (one build per run).
    pub fn from_report(run: &Run, report: &Report) -> Context {
        Self::with_findings(run, report, findings(run))
    }

    /// [`Context::from_report`] with its findings section built already ([`findings`]): the
    /// largest part of the context, which a single check builds on another thread.
    pub fn with_findings(run: &Run, report: &Report, sections: Vec<FrameworkFindings>) -> Context {
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
            findings: sections,
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

fn finding_ctx(a: &Arrangement, f: &Finding) -> FindingCtx {
    let prop_str = |k: &str| match f.control.props.get(k) {
        Some(crate::catalog::Prop::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let mut ctx = FindingCtx {
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
        owners_text: String::new(),
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
    };
    ctx.owners_text = ctx.owners.join("; ");
    ctx
}

/// The findings section of the context: every framework's findings, with their anchors.
pub fn findings(run: &Run) -> Vec<FrameworkFindings> {
    let a = run.arrangement;
    let mut anchors = Anchors::default();
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
                .map(|f| {
                    let mut ctx = finding_ctx(a, f);
                    ctx.anchor = anchors.claim(&["finding", &f.catalog.id, &f.control.id]);
                    ctx
                })
                .collect();
            FrameworkFindings {
                catalog: s.catalog.id.clone(),
                title: s.catalog.title.clone(),
                profile: s.profile.clone(),
                anchor: anchors.claim(&["findings", &s.catalog.id]),
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
