//! The rules for one requirement: leaves met or not by the owners' capabilities, evidence,
//! ownership, independence and strength (cadence, coverage, response).

use super::*;

/// The arrangement line behind a finding: the responsibility of the first capability its
/// reasons name, else the `model:` line for break-fix, else the `frameworks:` line.
pub(super) fn locate(a: &Arrangement, reasons: &[Reason]) -> Pos {
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
pub(super) fn ongoing_work(registry: &Registry, a: &Arrangement, req: &Requirement) -> Vec<Doer> {
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

pub(super) fn condition_holds(control: &Control, a: &Arrangement) -> bool {
    let Some(c) = &control.when else { return true };
    c.models.as_ref().is_none_or(|m| m.contains(&a.model))
        && c.after_hours_required
            .is_none_or(|want| a.organization.after_hours_required.unwrap_or(false) == want)
        && c.facts.iter().all(|f| a.organization.facts.contains(f))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Met,
    Partial,
    Failed,
}

#[derive(Debug, Clone)]
pub(super) struct Outcome {
    pub(super) kind: Kind,
    pub(super) reasons: Vec<Reason>,
}

pub(super) fn outcome(
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

pub(super) fn leaf(registry: &Registry, a: &Arrangement, l: &Leaf) -> Outcome {
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
pub(super) fn with_evidence(
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
pub(super) fn owner_problem(
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
pub(super) fn independence_problem(
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
pub(super) fn strength_problems(
    l: &Leaf,
    resp: &Responsibility,
    capable: &[&Provider],
) -> Vec<Reason> {
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
