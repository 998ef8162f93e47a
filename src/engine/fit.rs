//! Model fit (DESIGN §5.6): the organization's answers to six decision variables, compared
//! with what break-fix, managed and co-managed arrangements typically offer.

use crate::arrangement::{Arrangement, Budget, Model, Scalability};
use crate::decode::Keyword;
use crate::evaluate::Evaluation;

/// One decision variable: the organization's value, and which models it matches.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Variable {
    pub variable: &'static str,
    pub field: &'static str,
    pub value: String,
    /// What each model offers for this variable (DESIGN §5 table), in model order.
    pub offers: [&'static str; 3],
    /// The models whose column the value matches; empty when the value is not declared.
    pub matches: Vec<Model>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModelScore {
    pub model: Model,
    pub score: usize,
    pub ruled_out: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fit {
    pub declared: Model,
    pub recommended: Model,
    pub fits: bool,
    pub variables: Vec<Variable>,
    pub scores: Vec<ModelScore>,
    pub summary: String,
}

/// The built-in catalog of service-model good practice: not a regulation.
pub const SERVICE_MODEL: &str = "service-model";

const MODELS: [Model; 3] = [Model::BreakFix, Model::Managed, Model::CoManaged];

/// Rates each model against the arrangement. `evaluation` tells which selected controls need
/// ongoing capabilities; "proactive monitoring required" means at least one does.
pub fn fit(a: &Arrangement, evaluation: &Evaluation) -> Fit {
    use Model::*;
    let ftes = a.internal_ftes().unwrap_or(0.0);
    let regulated: Vec<&str> = evaluation
        .scopes
        .iter()
        .map(|s| s.catalog.id.as_str())
        .filter(|id| *id != SERVICE_MODEL)
        .collect();
    // Only regulated frameworks say whether monitoring is *required*: the service-model
    // catalog describes the practice of managed service, so counting it would make the
    // declared model decide its own fit.
    let incompatible = evaluation
        .findings
        .iter()
        .filter(|f| {
            f.catalog.id != SERVICE_MODEL
                && f.status != crate::evaluate::Status::NotApplicable
                && f.control.break_fix_incompatible
        })
        .count();

    let staff = Variable {
        variable: "internal IT staff",
        field: "providers.*.ftes (internal)",
        value: if a.internal_ftes().is_none() {
            "none declared".into()
        } else {
            format!("{ftes} FTE")
        },
        offers: ["none or minimal", "none to minimal", "1 or more FTEs"],
        matches: if ftes >= 1.0 {
            vec![CoManaged]
        } else {
            vec![BreakFix, Managed]
        },
    };
    let budget = Variable {
        variable: "budget structure",
        field: "organization.budget",
        value: a
            .organization
            .budget
            .map_or("not declared".into(), |b| b.as_str().to_owned()),
        offers: [
            "variable, unpredictable",
            "fixed monthly",
            "fixed plus internal salaries",
        ],
        matches: match a.organization.budget {
            Some(Budget::Variable) => vec![BreakFix],
            Some(Budget::Fixed) if ftes >= 1.0 => vec![CoManaged],
            Some(Budget::Fixed) => vec![Managed],
            None => vec![],
        },
    };
    let compliance = Variable {
        variable: "compliance requirements",
        field: "frameworks",
        value: if regulated.is_empty() {
            "none selected".into()
        } else {
            regulated.join(", ")
        },
        offers: ["low to none", "moderate to high", "moderate to high"],
        matches: if regulated.is_empty() {
            vec![BreakFix]
        } else {
            vec![Managed, CoManaged]
        },
    };
    let monitoring = Variable {
        variable: "proactive monitoring required",
        field: "frameworks (controls needing ongoing capabilities)",
        value: if incompatible > 0 {
            format!("yes ({incompatible} controls need ongoing work)")
        } else {
            "no".into()
        },
        offers: ["no", "yes", "shared"],
        matches: if incompatible > 0 {
            vec![Managed, CoManaged]
        } else {
            vec![BreakFix]
        },
    };
    let scalability = Variable {
        variable: "scalability need",
        field: "organization.scalability",
        value: a
            .organization
            .scalability
            .map_or("not declared".into(), |s| s.as_str().to_owned()),
        offers: ["low", "high", "moderate"],
        matches: match a.organization.scalability {
            Some(Scalability::Low) => vec![BreakFix],
            Some(Scalability::High) => vec![Managed],
            Some(Scalability::Moderate) => vec![CoManaged],
            None => vec![],
        },
    };
    let after_hours = Variable {
        variable: "after-hours coverage",
        field: "organization.after_hours_required",
        value: a
            .organization
            .after_hours_required
            .map_or("not declared".into(), |b| {
                if b {
                    "required".into()
                } else {
                    "not required".into()
                }
            }),
        offers: [
            "not included",
            "typically included",
            "supplemented by the MSP",
        ],
        matches: match a.organization.after_hours_required {
            Some(true) => vec![Managed, CoManaged],
            Some(false) => vec![BreakFix],
            None => vec![],
        },
    };
    let variables = vec![
        staff,
        budget,
        compliance,
        monitoring,
        scalability,
        after_hours,
    ];

    let scores: Vec<ModelScore> = MODELS
        .iter()
        .map(|&model| ModelScore {
            model,
            score: variables.iter().filter(|v| v.matches.contains(&model)).count(),
            ruled_out: (model == BreakFix && incompatible > 0)
                .then(|| format!("{incompatible} selected controls need ongoing capabilities that break-fix cannot deliver")),
        })
        .collect();
    // Best score among models not ruled out; ties go to the model the staffing variable
    // favours (the most decisive one), then to the order managed, co-managed, break-fix.
    let staffing = &variables[0].matches;
    let order = |m: Model| match m {
        Managed => 0,
        CoManaged => 1,
        BreakFix => 2,
    };
    let recommended = scores
        .iter()
        .filter(|s| s.ruled_out.is_none())
        .max_by_key(|s| {
            (
                s.score,
                staffing.contains(&s.model),
                std::cmp::Reverse(order(s.model)),
            )
        })
        .map(|s| s.model)
        .unwrap_or(Managed);
    let best = scores
        .iter()
        .find(|s| s.model == recommended)
        .map_or(0, |s| s.score);
    let declared_score = scores.iter().find(|s| s.model == a.model);
    let fits = declared_score.is_some_and(|s| s.ruled_out.is_none() && s.score == best);
    let summary = if fits {
        format!(
            "the declared model, {}, fits ({} of 6 variables)",
            a.model,
            declared_score.map_or(0, |s| s.score)
        )
    } else if let Some(why) = declared_score.and_then(|s| s.ruled_out.clone()) {
        format!(
            "the declared model, {}, does not fit: {why}; {recommended} fits best ({best} of 6 variables)",
            a.model
        )
    } else {
        format!(
            "the declared model, {}, matches {} of 6 variables; {recommended} fits better ({best} of 6)",
            a.model,
            declared_score.map_or(0, |s| s.score)
        )
    };
    Fit {
        declared: a.model,
        recommended,
        fits,
        variables,
        scores,
        summary,
    }
}
