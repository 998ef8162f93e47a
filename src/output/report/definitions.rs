//! The terms a report defines in its methodology appendix: the engine's statuses, reason
//! codes and rules, and the other terms the report uses, each once, chosen for the
//! frameworks the report is about.

use serde::Serialize;

use crate::decode::Keyword;
use crate::evaluate::Status;

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
