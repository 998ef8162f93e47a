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

mod rules;
use rules::*;

mod exceptions;
pub use exceptions::WARN_EXPIRING_DAYS;
use exceptions::{apply_exceptions, remarks};

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

/// Catalogs with at least this many controls are evaluated on every core: a 100,000-control
/// catalog's evaluation was a tenth of a check's serial tail, while a built-in catalog (at
/// most a few thousand) is not worth a thread, and a portfolio already has a client per core.
const PARALLEL_CONTROLS: usize = 20_000;

/// [`evaluate`], with the record of work done (`--evidence`) able to fail leaves the
/// declaration alone would meet. It never meets a leaf the declaration fails.
pub fn evaluate_with_evidence<'r>(
    registry: &'r Registry,
    a: &Arrangement,
    opts: &Options,
    evidence: Option<&Evidence>,
) -> Evaluation<'r> {
    evaluate_in_parallel_from(registry, a, opts, evidence, PARALLEL_CONTROLS)
}

/// [`evaluate_with_evidence`], with catalogs of at least `parallel` controls evaluated in
/// chunks on every core (tests compare both ways on small catalogs).
fn evaluate_in_parallel_from<'r>(
    registry: &'r Registry,
    a: &Arrangement,
    opts: &Options,
    evidence: Option<&Evidence>,
    parallel: usize,
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
        let one = |control: &'r Control, ex: &mut [bool], at: &mut [bool]| {
            let r = ControlRef {
                catalog: catalog.id.clone(),
                control: control.id.clone(),
            };
            let key = r.to_string();
            if opts.select.as_ref().is_some_and(|re| !re.is_match(&key))
                || opts.exclude.as_ref().is_some_and(|re| re.is_match(&key))
            {
                return None;
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
                    at[i] = true;
                    f.evidence = Some(a.attestations[i].evidence.clone());
                    if control.requires.is_none() {
                        f.status = Status::Attested;
                        f.reasons.clear();
                    }
                }
                apply_exceptions(a, &r, &mut f, opts.today, ex);
            }
            f.failing = opts.policy.fails(f.status, control.severity);
            Some(f)
        };
        if catalog.controls.len() < parallel {
            for control in &catalog.controls {
                findings.extend(one(control, &mut used_exceptions, &mut used_attestations));
            }
            continue;
        }
        // A large catalog's controls are evaluated on every core, in order-kept chunks:
        // each control is evaluated on its own, and what a chunk marks as used (exceptions,
        // attestations) is only ever set, so the chunks' marks are joined (issue 17).
        let threads = crate::parallel::threads();
        let chunks: Vec<&[Control]> = catalog
            .controls
            .chunks(catalog.controls.len().div_ceil(threads * 4))
            .collect();
        let done = crate::parallel::map(&chunks, threads, |chunk| {
            let mut ex = vec![false; a.exceptions.len()];
            let mut at = vec![false; a.attestations.len()];
            let found: Vec<Finding<'r>> = chunk
                .iter()
                .filter_map(|c| one(c, &mut ex, &mut at))
                .collect();
            (found, ex, at)
        });
        findings.reserve(done.iter().map(|(f, _, _)| f.len()).sum());
        for (found, ex, at) in done {
            findings.extend(found);
            used_exceptions
                .iter_mut()
                .zip(ex)
                .for_each(|(u, x)| *u |= x);
            used_attestations
                .iter_mut()
                .zip(at)
                .for_each(|(u, x)| *u |= x);
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

#[cfg(test)]
mod tests;
