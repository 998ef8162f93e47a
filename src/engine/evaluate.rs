//! The evaluation engine (DESIGN §5): every selected control against one arrangement,
//! giving a finding with a status and the reasons behind it.

use std::collections::BTreeSet;

use jiff::civil::Date;
use regex::Regex;

use crate::arrangement::{
    Arrangement, ControlRef, Escalation, Model, Provider, ProviderKind, Responsibility,
};
use crate::capability::{CapabilityKind, Coverage};
use crate::catalog::{Catalog, Control, Leaf, OwnerRule, Registry, Requirement, Severity};
use crate::diag::Pos;
use crate::evidence::Evidence;
use crate::keywords;

/// The verdict for one control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Satisfied,
    Attested,
    Waived,
    NotApplicable,
    NeedsEvidence,
    Partial,
    Gap,
}
keywords!(Status {
    Satisfied => "satisfied", Attested => "attested", Waived => "waived", NotApplicable => "not-applicable",
    NeedsEvidence => "needs-evidence", Partial => "partial", Gap => "gap",
});

impl Status {
    /// How bad a status is, for "got worse" comparisons: 0 is met, higher is worse.
    pub fn rank(self) -> u8 {
        match self {
            Status::Satisfied | Status::Attested | Status::NotApplicable => 0,
            Status::Waived => 1,
            Status::NeedsEvidence => 2,
            Status::Partial => 3,
            Status::Gap => 4,
        }
    }

    /// Met in substance: the requirement is delivered or documented.
    pub fn is_met(self) -> bool {
        matches!(self, Status::Satisfied | Status::Attested)
    }

    /// What the status means, in the words every report's methodology and the README use
    /// (a test holds the README to these).
    pub fn meaning(self) -> &'static str {
        match self {
            Status::Satisfied => {
                "every capability the control requires is assigned to an owner who can deliver it, as often and as quickly as required (an owner is named; the work itself is not verified)"
            }
            Status::Attested => {
                "a control met only by documents, and the organization names the document"
            }
            Status::Waived => {
                "a live exception: the organization states the requirement is not met and accepts the risk; it counts as not met"
            }
            Status::NotApplicable => {
                "outside the selected profile, or a condition of the control does not hold for this organization"
            }
            Status::NeedsEvidence => "a control met only by documents, and no attestation names it",
            Status::Partial => {
                "some of what the control requires is in place, or shared work has no documented escalation path"
            }
            Status::Gap => "nothing the control requires is in place",
        }
    }
}

/// The basis of every verdict, stated in each report: gapcheck reads a declaration.
pub const BASIS: &str = "Statuses describe the declared arrangement (who is named to do which work, how often and how quickly) and, where given, the evidence it names; they are not a verified implementation. \"satisfied\" means a capable owner is named at the required strength.";

/// The break-fix rule, stated in each report's methodology and in the README.
pub const BREAK_FIX_RULE: &str = "A control needs ongoing work when its requirement cannot be met with every ongoing capability unavailable: a break-fix vendor, paid per incident, can never deliver it alone. Who does that work depends on the arrangement: internal staff, an MSP, a break-fix vendor (who does not deliver it) or nobody. The all/any rules hold in every model: in a break-fix arrangement, ongoing work owned by internal staff with capacity and adequate cadence meets its requirement, and only work left to the break-fix vendor fails with reason break-fix.";

/// Stable reason codes: part of the JSON contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReasonCode {
    Unassigned,
    BreakFix,
    NoCapacity,
    OwnerKind,
    Cadence,
    Coverage,
    Response,
    Escalation,
    Independence,
    DeclaredPartial,
    NeedsEvidence,
    ExceptionExpired,
    /// The latest successful record is older than the cadence plus its grace.
    EvidenceStale,
    /// The latest record failed.
    EvidenceFailed,
    /// Too small a share of tickets was answered within the declared response time.
    SlaMissed,
}
keywords!(ReasonCode {
    Unassigned => "unassigned", BreakFix => "break-fix", NoCapacity => "no-capacity", OwnerKind => "owner-kind",
    Cadence => "cadence", Coverage => "coverage", Response => "response", Escalation => "escalation",
    Independence => "independence", DeclaredPartial => "declared-partial",
    NeedsEvidence => "needs-evidence", ExceptionExpired => "exception-expired",
    EvidenceStale => "evidence-stale", EvidenceFailed => "evidence-failed", SlaMissed => "sla-missed",
});

impl ReasonCode {
    /// What the code means, in the words the reports' methodology and the README use.
    pub fn meaning(self) -> &'static str {
        match self {
            ReasonCode::Unassigned => "no provider is responsible for a required capability",
            ReasonCode::BreakFix => {
                "ongoing work left to a break-fix vendor, who neither retains access nor watches between incidents"
            }
            ReasonCode::NoCapacity => {
                "ongoing or on-demand work owned only by internal IT staff of 0 FTEs"
            }
            ReasonCode::OwnerKind => {
                "organizational work owned only by an outside provider, or work the control wants from an outside provider owned internally"
            }
            ReasonCode::Cadence => "done less often than required, or no cadence declared",
            ReasonCode::Coverage => "available for fewer hours than required",
            ReasonCode::Response => {
                "responded to more slowly than required, or no response time declared"
            }
            ReasonCode::Escalation => {
                "shared by several owners without a documented escalation path"
            }
            ReasonCode::Independence => {
                "work that needs an independent assessor is owned only by providers that also operate the systems assessed (own other ongoing work)"
            }
            ReasonCode::DeclaredPartial => {
                "the arrangement's cmmc section declares the requirement only partly implemented"
            }
            ReasonCode::NeedsEvidence => {
                "met only by documents, and no attestation names the control"
            }
            ReasonCode::ExceptionExpired => {
                "an exception named the control but has expired; it waives nothing"
            }
            ReasonCode::EvidenceStale => {
                "with --evidence: the latest successful record is older than the cadence interval plus its grace"
            }
            ReasonCode::EvidenceFailed => "with --evidence: the latest record failed",
            ReasonCode::SlaMissed => {
                "with --evidence: too few tickets were answered within the declared response time over the window"
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Reason {
    pub code: ReasonCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capability: Option<String>,
    pub message: String,
}

/// Who does the ongoing work a control needs, per arrangement. Kept apart from the static
/// question (does the control need ongoing work at all: [`Control::break_fix_incompatible`])
/// so that a report can say "covered by internal staff" rather than "break-fix cannot".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Doer {
    /// Internal IT staff able to deliver it (not 0 FTEs).
    Internal,
    Msp,
    /// Left to a break-fix vendor, who is paid per incident and does not deliver it.
    BreakFix,
    /// No one able to deliver it: unassigned, or owned only by someone who cannot.
    Nobody,
}
keywords!(Doer { Internal => "internal", Msp => "msp", BreakFix => "break-fix", Nobody => "nobody" });

impl Doer {
    /// Whether an engaged party (internal staff or an MSP) does the work.
    pub fn delivers(self) -> bool {
        matches!(self, Doer::Internal | Doer::Msp)
    }

    /// Plain words for reports.
    pub fn phrase(self) -> &'static str {
        match self {
            Doer::Internal => "internal staff",
            Doer::Msp => "the MSP",
            Doer::BreakFix => "a break-fix vendor (not delivered)",
            Doer::Nobody => "nobody",
        }
    }
}

/// Whether a leaf asks for ongoing work: an `ongoing` capability that the leaf does not open
/// to any provider with `owner: any` (which says periodic engagements suffice).
pub fn is_ongoing_leaf(registry: &Registry, l: &Leaf) -> bool {
    l.owner != Some(OwnerRule::Any)
        && registry
            .vocabulary
            .get(&l.capability)
            .is_some_and(|c| c.kind == CapabilityKind::Ongoing)
}

impl Reason {
    fn new(code: ReasonCode, capability: Option<&str>, message: String) -> Self {
        Reason {
            code,
            capability: capability.map(str::to_owned),
            message,
        }
    }
}

/// Which statuses fail a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    #[default]
    Gap,
    Partial,
    NeedsEvidence,
    Never,
}
keywords!(FailOn { Gap => "gap", Partial => "partial", NeedsEvidence => "needs-evidence", Never => "never" });

/// The fail policy: `--fail-on` and `--min-severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub fail_on: FailOn,
    pub min_severity: Severity,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            fail_on: FailOn::Gap,
            min_severity: Severity::Low,
        }
    }
}

impl Policy {
    pub fn fails(&self, status: Status, severity: Severity) -> bool {
        let status_fails = match self.fail_on {
            FailOn::Never => false,
            FailOn::Gap => status == Status::Gap,
            FailOn::Partial => matches!(status, Status::Gap | Status::Partial),
            FailOn::NeedsEvidence => matches!(
                status,
                Status::Gap | Status::Partial | Status::NeedsEvidence
            ),
        };
        status_fails && severity >= self.min_severity
    }
}

/// Everything besides the two inputs that decides the result.
#[derive(Debug, Clone)]
pub struct Options {
    pub today: Date,
    pub policy: Policy,
    pub select: Option<Regex>,
    pub exclude: Option<Regex>,
    /// Exceptions expiring within this many days are called out (`--warn-expiring-days`).
    pub warn_expiring_days: i32,
}

impl Options {
    /// Default settings for evaluating on `today`: the default policy, every control, the
    /// default expiry warning window.
    pub fn new(today: Date) -> Self {
        Options {
            today,
            policy: Policy::default(),
            select: None,
            exclude: None,
            warn_expiring_days: WARN_EXPIRING_DAYS,
        }
    }
}

/// A live or expired exception as it applied to one control.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedException {
    pub reason: String,
    pub owner: String,
    pub expires: String,
    pub expired: bool,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub struct Finding<'r> {
    pub catalog: &'r Catalog,
    pub control: &'r Control,
    pub status: Status,
    pub reasons: Vec<Reason>,
    /// Providers holding the capabilities this control requires, sorted.
    pub owners: Vec<String>,
    /// Who does the ongoing work this control's requirement names, sorted; empty when it
    /// names none.
    pub ongoing_work: Vec<Doer>,
    pub failing: bool,
    pub exception: Option<AppliedException>,
    pub evidence: Option<String>,
    /// Where in the arrangement this finding comes from, for SARIF and editors.
    pub location: Pos,
}

impl Finding<'_> {
    pub fn reference(&self) -> ControlRef {
        ControlRef {
            catalog: self.catalog.id.clone(),
            control: self.control.id.clone(),
        }
    }
}

/// A non-fatal remark on the arrangement: questionable but meaningful declarations,
/// unmatched exceptions, exceptions about to expire.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Remark {
    pub code: &'static str,
    pub line: u32,
    pub message: String,
}

/// The selected frameworks, resolved to catalogs.
#[derive(Debug, Clone)]
pub struct Scope<'r> {
    pub catalog: &'r Catalog,
    pub profile: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Evaluation<'r> {
    pub scopes: Vec<Scope<'r>>,
    pub findings: Vec<Finding<'r>>,
    pub remarks: Vec<Remark>,
}

impl Evaluation<'_> {
    pub fn failing(&self) -> impl Iterator<Item = &Finding<'_>> {
        self.findings.iter().filter(|f| f.failing)
    }

    pub fn passed(&self) -> bool {
        self.failing().next().is_none()
    }
}

/// Frameworks that `--select`/`--exclude` leave with no control of their profile: checking
/// them would report nothing and pass, so each is an error naming the framework.
pub fn emptied_frameworks(
    registry: &Registry,
    a: &Arrangement,
    opts: &Options,
) -> Vec<crate::diag::Diagnostic> {
    if opts.select.is_none() && opts.exclude.is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for fw in &a.frameworks {
        let Some(catalog) = registry.get(&fw.catalog) else {
            continue;
        };
        let kept = catalog.controls.iter().any(|control| {
            let key = format!("{}:{}", catalog.id, control.id);
            control.in_profile(fw.profile.as_deref())
                && opts.select.as_ref().is_none_or(|re| re.is_match(&key))
                && !opts.exclude.as_ref().is_some_and(|re| re.is_match(&key))
        });
        if !kept {
            let name = match &fw.profile {
                Some(p) => format!("`{}` (profile `{p}`)", catalog.id),
                None => format!("`{}`", catalog.id),
            };
            out.push(crate::diag::Diagnostic {
                level: crate::diag::Level::Error,
                file: a.path.clone(),
                pos: Some(fw.pos),
                message: format!("--select/--exclude leave framework {name} with no controls; it would pass unchecked"),
                help: Some(format!("widen the pattern (it matches `catalog:control`, e.g. `{}:{}`), or remove the framework", catalog.id, catalog.controls.first().map_or("...", |c| c.id.as_str()))),
                source_line: None,
            });
        }
    }
    out
}

/// Evaluates every control of every selected framework.
pub fn evaluate<'r>(registry: &'r Registry, a: &Arrangement, opts: &Options) -> Evaluation<'r> {
    evaluate_with_evidence(registry, a, opts, None)
}

/// [`evaluate`], with the record of work done (`--evidence`) able to fail leaves the
/// declaration alone would meet. It never meets a leaf the declaration fails.
pub fn evaluate_with_evidence<'r>(
    registry: &'r Registry,
    a: &Arrangement,
    opts: &Options,
    evidence: Option<&Evidence>,
) -> Evaluation<'r> {
    let mut scopes = Vec::new();
    let mut findings = Vec::new();
    let mut used_exceptions = vec![false; a.exceptions.len()];
    let mut used_attestations = vec![false; a.attestations.len()];
    for fw in &a.frameworks {
        let Some(catalog) = registry.get(&fw.catalog) else {
            continue;
        };
        scopes.push(Scope {
            catalog,
            profile: fw.profile.clone(),
        });
        for control in &catalog.controls {
            let r = ControlRef {
                catalog: catalog.id.clone(),
                control: control.id.clone(),
            };
            let key = r.to_string();
            if opts.select.as_ref().is_some_and(|re| !re.is_match(&key))
                || opts.exclude.as_ref().is_some_and(|re| re.is_match(&key))
            {
                continue;
            }
            let mut f = evaluate_control(
                registry,
                a,
                catalog,
                control,
                fw.profile.as_deref(),
                fw.pos,
                evidence,
            );
            if f.status != Status::NotApplicable {
                if let Some(i) = a.attestations.iter().position(|x| x.control == r) {
                    used_attestations[i] = true;
                    f.evidence = Some(a.attestations[i].evidence.clone());
                    if control.requires.is_none() {
                        f.status = Status::Attested;
                        f.reasons.clear();
                    }
                }
                apply_exceptions(a, &r, &mut f, opts.today, &mut used_exceptions);
            }
            f.failing = opts.policy.fails(f.status, control.severity);
            findings.push(f);
        }
    }
    let remarks = remarks(a, opts, &used_exceptions, &used_attestations);
    Evaluation {
        scopes,
        findings,
        remarks,
    }
}

fn evaluate_control<'r>(
    registry: &'r Registry,
    a: &Arrangement,
    catalog: &'r Catalog,
    control: &'r Control,
    profile: Option<&str>,
    fw_pos: Pos,
    evidence: Option<&Evidence>,
) -> Finding<'r> {
    let mut f = Finding {
        catalog,
        control,
        status: Status::NotApplicable,
        reasons: Vec::new(),
        owners: Vec::new(),
        ongoing_work: Vec::new(),
        failing: false,
        exception: None,
        evidence: None,
        location: fw_pos,
    };
    if !control.in_profile(profile) || !condition_holds(control, a) {
        return f;
    }
    let Some(req) = &control.requires else {
        f.status = Status::NeedsEvidence;
        f.reasons.push(Reason::new(
            ReasonCode::NeedsEvidence,
            None,
            "met only by documents: no attestation names this control".into(),
        ));
        return f;
    };
    let owners: BTreeSet<&str> = req
        .leaves()
        .iter()
        .filter_map(|l| a.responsibilities.get(&l.capability))
        .flat_map(|r| r.owners.iter().map(String::as_str))
        .collect();
    f.owners = owners.into_iter().map(str::to_owned).collect();
    let outcome = outcome(registry, a, req, evidence);
    f.status = match outcome.kind {
        Kind::Met => Status::Satisfied,
        // Strict evidence mode: met by declaration, short only of records.
        Kind::Partial
            if outcome
                .reasons
                .iter()
                .all(|r| r.code == ReasonCode::NeedsEvidence) =>
        {
            Status::NeedsEvidence
        }
        Kind::Partial => Status::Partial,
        Kind::Failed => Status::Gap,
    };
    f.reasons = outcome.reasons;
    f.ongoing_work = ongoing_work(registry, a, req);
    // The organization's own statement that the requirement is only partly implemented
    // outweighs a named owner.
    if let Some(why) = a.declared_partial(&catalog.id, &control.id)
        && f.status == Status::Satisfied
    {
        f.status = Status::Partial;
        f.reasons.push(Reason::new(
            ReasonCode::DeclaredPartial,
            None,
            format!("the arrangement declares {why}"),
        ));
    }
    f.reasons.sort();
    f.reasons.dedup();
    f.location = locate(a, &f.reasons);
    f
}

/// The arrangement line behind a finding: the responsibility of the first capability its
/// reasons name, else the `model:` line for break-fix, else the `frameworks:` line.
fn locate(a: &Arrangement, reasons: &[Reason]) -> Pos {
    for r in reasons {
        if let Some(resp) = r
            .capability
            .as_ref()
            .and_then(|c| a.responsibilities.get(c))
        {
            return resp.pos;
        }
    }
    if reasons.iter().any(|r| r.code == ReasonCode::BreakFix) {
        return a.model_pos;
    }
    a.frameworks_pos
}

/// Who does each ongoing capability of `req`: its capable owners' kinds, or, when none can
/// deliver it, `break-fix` if it is left to a break-fix vendor and `nobody` otherwise.
fn ongoing_work(registry: &Registry, a: &Arrangement, req: &Requirement) -> Vec<Doer> {
    let mut out = BTreeSet::new();
    for l in req.leaves() {
        if !is_ongoing_leaf(registry, l) {
            continue;
        }
        let Some(resp) = a.responsibilities.get(&l.capability) else {
            out.insert(Doer::Nobody);
            continue;
        };
        let owners: Vec<&Provider> = resp.owners.iter().filter_map(|o| a.provider(o)).collect();
        let capable: Vec<Doer> = owners
            .iter()
            .filter(|p| owner_problem(&l.capability, CapabilityKind::Ongoing, l.owner, p).is_none())
            .map(|p| match p.kind {
                ProviderKind::Internal => Doer::Internal,
                ProviderKind::Msp => Doer::Msp,
                ProviderKind::BreakFix => Doer::BreakFix,
            })
            .collect();
        if !capable.is_empty() {
            out.extend(capable);
        } else if owners.iter().any(|p| p.kind == ProviderKind::BreakFix) {
            out.insert(Doer::BreakFix);
        } else {
            out.insert(Doer::Nobody);
        }
    }
    out.into_iter().collect()
}

fn condition_holds(control: &Control, a: &Arrangement) -> bool {
    let Some(c) = &control.when else { return true };
    c.models.as_ref().is_none_or(|m| m.contains(&a.model))
        && c.after_hours_required
            .is_none_or(|want| a.organization.after_hours_required.unwrap_or(false) == want)
        && c.facts.iter().all(|f| a.organization.facts.contains(f))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Met,
    Partial,
    Failed,
}

#[derive(Debug, Clone)]
struct Outcome {
    kind: Kind,
    reasons: Vec<Reason>,
}

fn outcome(
    registry: &Registry,
    a: &Arrangement,
    req: &Requirement,
    evidence: Option<&Evidence>,
) -> Outcome {
    match req {
        Requirement::Leaf(l) => {
            let declared = leaf(registry, a, l);
            match evidence {
                Some(ev) if declared.kind != Kind::Failed => {
                    with_evidence(registry, a, l, declared, ev)
                }
                _ => declared,
            }
        }
        Requirement::All(children) | Requirement::Any(children) => {
            let outs: Vec<Outcome> = children
                .iter()
                .map(|c| outcome(registry, a, c, evidence))
                .collect();
            let met = outs.iter().filter(|o| o.kind == Kind::Met).count();
            let some = outs.iter().any(|o| o.kind != Kind::Failed);
            let kind = match req {
                Requirement::All(_) if met == outs.len() => Kind::Met,
                Requirement::Any(_) if met > 0 => Kind::Met,
                _ if some => Kind::Partial,
                _ => Kind::Failed,
            };
            let reasons = if kind == Kind::Met {
                Vec::new()
            } else {
                outs.into_iter().flat_map(|o| o.reasons).collect()
            };
            Outcome { kind, reasons }
        }
    }
}

fn leaf(registry: &Registry, a: &Arrangement, l: &Leaf) -> Outcome {
    let cap = l.capability.as_str();
    let failed = |reasons| Outcome {
        kind: Kind::Failed,
        reasons,
    };
    let kind = registry
        .vocabulary
        .get(cap)
        .map(|c| c.kind)
        .unwrap_or(CapabilityKind::Ongoing);
    let Some(resp) = a.responsibilities.get(cap) else {
        let message = if a.model == Model::BreakFix && is_ongoing_leaf(registry, l) {
            format!(
                "no one is responsible for `{cap}`, ongoing work that a break-fix vendor cannot take on between incidents"
            )
        } else {
            format!("no provider is responsible for `{cap}`")
        };
        return failed(vec![Reason::new(
            ReasonCode::Unassigned,
            Some(cap),
            message,
        )]);
    };
    let mut problems = Vec::new();
    let mut capable: Vec<&Provider> = Vec::new();
    for owner in &resp.owners {
        let Some(p) = a.provider(owner) else { continue };
        match owner_problem(cap, kind, l.owner, p)
            .or_else(|| independence_problem(registry, a, l, p))
        {
            Some(r) => problems.push(r),
            None => capable.push(p),
        }
    }
    if capable.is_empty() {
        return failed(problems);
    }
    let weak = strength_problems(l, resp, &capable);
    if !weak.is_empty() {
        return failed(weak);
    }
    if resp.owners.len() > 1 && resp.escalation != Escalation::Documented {
        let message = format!(
            "`{cap}` is shared by {} without documented escalation",
            resp.owners.join(" and ")
        );
        return Outcome {
            kind: Kind::Partial,
            reasons: vec![Reason::new(ReasonCode::Escalation, Some(cap), message)],
        };
    }
    Outcome {
        kind: Kind::Met,
        reasons: Vec::new(),
    }
}

/// A leaf the declaration meets (or meets but for escalation), checked against the record
/// of work done: stale, failed or SLA-missed records fail it; in strict mode a capability
/// with no record at all leaves it short of evidence.
fn with_evidence(
    registry: &Registry,
    a: &Arrangement,
    l: &Leaf,
    declared: Outcome,
    ev: &Evidence,
) -> Outcome {
    use crate::evidence::{Problem, human, stamp};
    let cap = l.capability.as_str();
    let Some(resp) = a.responsibilities.get(cap) else {
        return declared;
    };
    let kind = registry
        .vocabulary
        .get(cap)
        .map_or(CapabilityKind::Ongoing, |c| c.kind);
    let problems = ev.problems(cap, resp, kind);
    if problems.is_empty() {
        return declared;
    }
    let mut reasons = declared.reasons;
    let mut failed = false;
    for p in problems {
        let (code, message) = match p {
            Problem::Stale {
                last_ok: Some(t),
                limit,
                overdue,
            } => (
                ReasonCode::EvidenceStale,
                format!(
                    "`{cap}` last succeeded {} ({} before the evidence date); its cadence allows {}: {} overdue",
                    stamp(t),
                    human(ev.as_of.duration_since(t)),
                    human(limit),
                    overdue.map(human).unwrap_or_default()
                ),
            ),
            Problem::Stale { last_ok: None, .. } => (
                ReasonCode::EvidenceStale,
                format!(
                    "`{cap}` has records but none succeeded; its cadence asks for work every {}",
                    resp.cadence.map(|c| c.to_string()).unwrap_or_default()
                ),
            ),
            Problem::Failed { last } => (
                ReasonCode::EvidenceFailed,
                format!(
                    "the latest `{cap}` record failed: {}{} ({})",
                    stamp(last.when),
                    last.reference
                        .as_deref()
                        .map(|r| format!(", {r}"))
                        .unwrap_or_default(),
                    ev.origin(&last)
                ),
            ),
            Problem::SlaMissed {
                answered,
                tickets,
                share,
                target,
                response,
            } => (
                ReasonCode::SlaMissed,
                format!(
                    "`{cap}` answered {share:.1} % of {tickets} tickets within {response} over the last {} days ({answered} in time); the target is {target} %",
                    ev.window_days
                ),
            ),
            Problem::Missing => (
                ReasonCode::NeedsEvidence,
                format!(
                    "`{cap}` is declared, but no evidence record names it (evidence is required)"
                ),
            ),
        };
        failed |= code != ReasonCode::NeedsEvidence;
        reasons.push(Reason::new(code, Some(cap), message));
    }
    Outcome {
        kind: if failed { Kind::Failed } else { Kind::Partial },
        reasons,
    }
}

/// Why `p` cannot deliver `cap` at all, if it cannot.
fn owner_problem(
    cap: &str,
    kind: CapabilityKind,
    rule: Option<OwnerRule>,
    p: &Provider,
) -> Option<Reason> {
    let id = &p.id;
    // `owner: any` on the leaf opens ongoing work to per-engagement providers: the
    // requirement says periodic engagements suffice (GLBA 314.4(d)(2)'s periodic path).
    if kind == CapabilityKind::Ongoing
        && p.kind == ProviderKind::BreakFix
        && rule != Some(OwnerRule::Any)
    {
        return Some(Reason::new(
            ReasonCode::BreakFix,
            Some(cap),
            format!(
                "`{cap}` is ongoing work left to break-fix vendor `{id}`, who is paid per incident and neither retains access nor watches between incidents"
            ),
        ));
    }
    let rule = rule.unwrap_or(if kind == CapabilityKind::Organizational {
        OwnerRule::Internal
    } else {
        OwnerRule::Any
    });
    match (rule, p.kind) {
        (OwnerRule::Internal, ProviderKind::Msp | ProviderKind::BreakFix) => {
            return Some(Reason::new(
                ReasonCode::OwnerKind,
                Some(cap),
                format!(
                    "`{cap}` must be owned by the organization itself; outside provider `{id}` may support it but not own it"
                ),
            ));
        }
        (OwnerRule::External, ProviderKind::Internal) => {
            return Some(Reason::new(
                ReasonCode::OwnerKind,
                Some(cap),
                format!(
                    "`{cap}` must be delivered by an outside provider here, not by internal `{id}`"
                ),
            ));
        }
        _ => {}
    }
    if kind != CapabilityKind::Organizational
        && p.kind == ProviderKind::Internal
        && p.ftes == Some(0.0)
    {
        return Some(Reason::new(
            ReasonCode::NoCapacity,
            Some(cap),
            format!("`{cap}` is owned only by internal `{id}`, which has 0 FTEs"),
        ));
    }
    None
}

/// For a leaf that needs an independent party: `p` is not independent when it operates
/// what it would assess, i.e. owns any other ongoing capability of the arrangement.
fn independence_problem(
    registry: &Registry,
    a: &Arrangement,
    l: &Leaf,
    p: &Provider,
) -> Option<Reason> {
    if !l.independent {
        return None;
    }
    let cap = l.capability.as_str();
    let operated: Vec<&str> = a
        .responsibilities
        .values()
        .filter(|r| r.capability != cap && r.owners.contains(&p.id))
        .filter(|r| {
            registry
                .vocabulary
                .get(&r.capability)
                .is_some_and(|c| c.kind == CapabilityKind::Ongoing)
        })
        .map(|r| r.capability.as_str())
        .collect();
    if operated.is_empty() {
        return None;
    }
    let shown: Vec<&str> = operated.iter().take(3).copied().collect();
    let more = if operated.len() > 3 { ", ..." } else { "" };
    Some(Reason::new(
        ReasonCode::Independence,
        Some(cap),
        format!(
            "`{cap}` needs an independent assessor, but `{}` also operates what it would assess ({}{more})",
            p.id,
            shown.join(", ")
        ),
    ))
}

/// Cadence, coverage and response checks of a responsibility against a leaf.
fn strength_problems(l: &Leaf, resp: &Responsibility, capable: &[&Provider]) -> Vec<Reason> {
    let cap = l.capability.as_str();
    let mut out = Vec::new();
    // One rule for every scale; a missing declaration fails like a weak one.
    let mut compare = |code,
                       noun: &str,
                       verb: &str,
                       need: String,
                       have: Option<String>,
                       met: bool,
                       stronger: &str| {
        let message = match have {
            _ if met => return,
            Some(have) => format!("`{cap}` {verb} {have}; this control needs {need}{stronger}"),
            None => {
                format!("no {noun} is declared for `{cap}`; this control needs {need}{stronger}")
            }
        };
        out.push(Reason::new(code, Some(cap), message));
    };
    if let Some(need) = l.cadence {
        let met = resp.cadence.is_some_and(|have| have.meets(need));
        let have = resp.cadence.map(|c| c.to_string());
        compare(
            ReasonCode::Cadence,
            "cadence",
            "is done",
            need.to_string(),
            have,
            met,
            " or more often",
        );
    }
    if let Some(need) = l.coverage {
        // Coverage not stated on the row is the best the capable owners declare.
        let have = resp
            .coverage
            .or_else(|| capable.iter().filter_map(|p| p.coverage).max())
            .unwrap_or(Coverage::None);
        compare(
            ReasonCode::Coverage,
            "coverage",
            "is covered",
            need.to_string(),
            Some(have.to_string()),
            have.meets(need),
            "",
        );
    }
    if let Some(need) = l.response {
        let met = resp.response.is_some_and(|have| have.meets(need));
        let have = resp.response.map(|d| d.to_string());
        compare(
            ReasonCode::Response,
            "response time",
            "response time is",
            need.to_string(),
            have,
            met,
            " or faster",
        );
    }
    out
}

fn apply_exceptions(
    a: &Arrangement,
    r: &ControlRef,
    f: &mut Finding,
    today: Date,
    used: &mut [bool],
) {
    for (i, e) in a.exceptions.iter().enumerate() {
        if !e.target.matches(r) {
            continue;
        }
        used[i] = true;
        let expired = e.expires < today;
        let applied = AppliedException {
            reason: e.reason.clone(),
            owner: e.owner.clone(),
            expires: e.expires.to_string(),
            expired,
            line: e.pos.line,
        };
        if expired {
            f.reasons.push(Reason::new(
                ReasonCode::ExceptionExpired,
                None,
                format!(
                    "exception (line {}) expired on {}; it no longer waives this control",
                    e.pos.line, e.expires
                ),
            ));
            if f.exception.is_none() {
                f.exception = Some(applied);
            }
        } else {
            // An exception is the organization's own statement that the requirement is not
            // met: it waives the control whatever the arrangement would deliver.
            f.status = Status::Waived;
            f.exception = Some(applied);
        }
    }
}

/// The default of `--warn-expiring-days`.
pub const WARN_EXPIRING_DAYS: i32 = 30;

fn remarks(
    a: &Arrangement,
    opts: &Options,
    used_exceptions: &[bool],
    used_attestations: &[bool],
) -> Vec<Remark> {
    let today = opts.today;
    let mut out = Vec::new();
    for (e, used) in a.exceptions.iter().zip(used_exceptions) {
        if !used {
            out.push(Remark {
                code: "exception-unmatched",
                line: e.pos.line,
                message: format!("exception for {} matches no evaluated control", e.target),
            });
        }
        if e.expires < today {
            out.push(Remark {
                code: "exception-expired",
                line: e.pos.line,
                message: format!("exception for {} expired on {}", e.target, e.expires),
            });
        } else if let Ok(days) = today.until(e.expires).map(|s| s.get_days())
            && days <= opts.warn_expiring_days
        {
            out.push(Remark {
                code: "exception-expiring",
                line: e.pos.line,
                message: format!(
                    "exception for {} expires on {} (in {days} days)",
                    e.target, e.expires
                ),
            });
        }
    }
    for (x, used) in a.attestations.iter().zip(used_attestations) {
        if !used {
            out.push(Remark {
                code: "attestation-unmatched",
                line: x.pos.line,
                message: format!("attestation for {} matches no evaluated control", x.control),
            });
        }
    }
    if a.model == Model::CoManaged && a.internal_ftes().unwrap_or(0.0) == 0.0 {
        let line = a
            .providers
            .values()
            .find(|p| p.kind == ProviderKind::Internal)
            .map(|p| p.pos.line)
            .unwrap_or(a.model_pos.line);
        out.push(Remark {
            code: "co-managed-without-staff",
            line,
            message: "co-managed is declared, but no internal IT staff (FTEs) are: the internal half of the arrangement has no one to do it".into(),
        });
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_policy_matrix() {
        use Status::*;
        let all = [
            Satisfied,
            Attested,
            Waived,
            NotApplicable,
            NeedsEvidence,
            Partial,
            Gap,
        ];
        let failing = |fail_on, min_severity, severity| {
            all.iter()
                .filter(|s| {
                    Policy {
                        fail_on,
                        min_severity,
                    }
                    .fails(**s, severity)
                })
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(failing(FailOn::Gap, Severity::Low, Severity::Low), [Gap]);
        assert_eq!(
            failing(FailOn::Partial, Severity::Low, Severity::Low),
            [Partial, Gap]
        );
        assert_eq!(
            failing(FailOn::NeedsEvidence, Severity::Low, Severity::Low),
            [NeedsEvidence, Partial, Gap]
        );
        assert!(failing(FailOn::Never, Severity::Low, Severity::High).is_empty());
        assert!(failing(FailOn::Gap, Severity::High, Severity::Moderate).is_empty());
        assert_eq!(
            failing(FailOn::Gap, Severity::Moderate, Severity::High),
            [Gap]
        );
    }

    #[test]
    fn status_rank_orders_met_before_open() {
        assert!(Status::Satisfied.rank() < Status::Waived.rank());
        assert!(Status::Waived.rank() < Status::NeedsEvidence.rank());
        assert!(Status::Partial.rank() < Status::Gap.rank());
        assert_eq!(Status::Attested.rank(), Status::Satisfied.rank());
    }
}
