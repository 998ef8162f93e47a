//! The projected SPRS score (DoD Assessment Methodology, 32 CFR 170.24) for CMMC Level 2,
//! with the conditional-status rule of 32 CFR 170.21(a)(2).

use crate::evaluate::{Evaluation, Status};

pub const MAX: i64 = 110;
pub const FLOOR: i64 = -203;
/// 80% of 110: the minimum score for Conditional Level 2 status.
pub const CONDITIONAL_MIN: i64 = 88;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sprs {
    pub score: i64,
    pub max: i64,
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
}

/// The projection, when the `cmmc` catalog is selected at `level-2`.
pub fn project(e: &Evaluation) -> Option<Sprs> {
    let scope = e
        .scopes
        .iter()
        .find(|s| s.catalog.id == "cmmc" && s.profile.as_deref() == Some("level-2"))?;
    let mut open = Vec::new();
    let mut not_poam_eligible = Vec::new();
    let mut score = MAX;
    for f in e
        .findings
        .iter()
        .filter(|f| f.catalog.id == scope.catalog.id && f.status != Status::NotApplicable)
    {
        // Only Level 2 (SP 800-171) requirements carry points.
        if !f.control.profiles.iter().any(|p| p == "level-2") || f.status.is_met() {
            continue;
        }
        let full = f.control.prop_int("points").unwrap_or(0);
        let points = match (f.status, f.control.prop_int("partial_points")) {
            (Status::Partial, Some(partial)) => partial,
            _ => full,
        };
        score -= points;
        // 170.21(a)(2)(iii): SC.L2-3.13.11 may be on a POA&M when partial (encryption
        // employed but not FIPS-validated), though not when missing.
        let eligible = match f.status {
            Status::Partial => f
                .control
                .prop_bool("partial_poam_eligible")
                .or(f.control.prop_bool("poam_eligible")),
            _ => f.control.prop_bool("poam_eligible"),
        };
        if eligible != Some(true) {
            not_poam_eligible.push(f.control.id.clone());
        }
        open.push(OpenRequirement {
            control: f.control.id.clone(),
            status: f.status,
            points,
        });
    }
    let score = score.max(FLOOR);
    Some(Sprs {
        score,
        max: MAX,
        conditional_eligible: score >= CONDITIONAL_MIN && not_poam_eligible.is_empty(),
        open,
        not_poam_eligible,
    })
}
