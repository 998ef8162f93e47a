//! The projected SPRS score (DoD Assessment Methodology, 32 CFR 170.24) for CMMC Level 2,
//! with the status rules of 32 CFR 170.16 and the POA&M rules of 170.21(a)(2).

use crate::arrangement::Arrangement;
use crate::evaluate::{Evaluation, Finding, Status};

pub const MAX: i64 = 110;
pub const FLOOR: i64 = -203;
/// 80% of 110 (170.21(a)(2)(i)): the minimum score for Conditional Level 2 status.
pub const CONDITIONAL_MIN: i64 = 88;

/// The CMMC status a self-assessment with this projection could claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level2Status {
    /// 110: every requirement met, nothing on a POA&M.
    Final,
    /// At least 88, and every open requirement may be on a POA&M (170.21(a)(2)).
    Conditional,
    NotEligible,
}
crate::keywords!(Level2Status {
    Final => "final-level-2-self", Conditional => "conditional-level-2-self", NotEligible => "not-eligible",
});

impl Level2Status {
    /// The status as the rule names it.
    /// One sentence for reports: the status and what it rests on.
    pub fn verdict(self) -> &'static str {
        match self {
            Level2Status::Final => {
                "Final Level 2 (Self): every Level 2 requirement is met (110 of 110), nothing on a POA&M."
            }
            Level2Status::Conditional => {
                "Conditional Level 2 (Self): a score of at least 88 with only POA&M-eligible requirements open (32 CFR 170.21(a)(2)); the POA&M must be closed out for Final status."
            }
            Level2Status::NotEligible => {
                "Not eligible for Level 2 (Self) status: Conditional needs a score of at least 88 with only POA&M-eligible requirements open (32 CFR 170.21(a)(2))."
            }
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Level2Status::Final => "Final Level 2 (Self)",
            Level2Status::Conditional => "Conditional Level 2 (Self)",
            Level2Status::NotEligible => "not eligible for Level 2 (Self) status",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sprs {
    pub score: i64,
    pub max: i64,
    pub status: Level2Status,
    /// The status in the rule's words ("Final Level 2 (Self)").
    pub status_title: &'static str,
    /// Score of at least 88 with only POA&M-eligible requirements open (true at 110 too).
    pub conditional_eligible: bool,
    /// Requirements not met, with the points each costs.
    pub open: Vec<OpenRequirement>,
    /// Open requirements that may not be on a POA&M, which bar conditional status.
    pub not_poam_eligible: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OpenRequirement {
    pub control: String,
    pub status: Status,
    pub points: i64,
    /// Why partial credit applies, when it does: the arrangement's declaration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_credit: Option<&'static str>,
}

/// The projection, when the `cmmc` catalog is selected at `level-2`. `e` must hold every
/// Level 2 finding: the score is of the whole level, whatever `--select` shows.
pub fn project(e: &Evaluation, a: &Arrangement) -> Option<Sprs> {
    let scope = e
        .scopes
        .iter()
        .find(|s| s.catalog.id == "cmmc" && s.profile.as_deref() == Some("level-2"))?;
    let mut open = Vec::new();
    let mut not_poam_eligible = Vec::new();
    let mut score = MAX;
    let level2 = |f: &&Finding| {
        f.catalog.id == scope.catalog.id
            && f.status != Status::NotApplicable
            && f.control.profiles.iter().any(|p| p == "level-2")
    };
    // Only Level 2 (SP 800-171) requirements carry points.
    for f in e.findings.iter().filter(level2) {
        if f.status.is_met() {
            continue;
        }
        let full = f.control.prop_int("points").unwrap_or(0);
        let partial_credit = a.declared_partial(&f.catalog.id, &f.control.id);
        let points = match (partial_credit, f.control.prop_int("partial_points")) {
            (Some(_), Some(partial)) => partial,
            _ => full,
        };
        score -= points;
        // 170.21(a)(2)(ii): SC.L2-3.13.11 may be on a POA&M when encryption is employed but
        // not FIPS-validated (3 points), though not when it is missing.
        let eligible = match partial_credit {
            Some(_) => f
                .control
                .prop_bool("partial_poam_eligible")
                .or(f.control.prop_bool("poam_eligible")),
            None => f.control.prop_bool("poam_eligible"),
        };
        if eligible != Some(true) {
            not_poam_eligible.push(f.control.id.clone());
        }
        open.push(OpenRequirement {
            control: f.control.id.clone(),
            status: f.status,
            points,
            partial_credit,
        });
    }
    let score = score.max(FLOOR);
    let conditional_eligible = score >= CONDITIONAL_MIN && not_poam_eligible.is_empty();
    let status = if open.is_empty() && score == MAX {
        Level2Status::Final
    } else if conditional_eligible {
        Level2Status::Conditional
    } else {
        Level2Status::NotEligible
    };
    Some(Sprs {
        score,
        max: MAX,
        status,
        status_title: status.title(),
        conditional_eligible,
        open,
        not_poam_eligible,
    })
}
