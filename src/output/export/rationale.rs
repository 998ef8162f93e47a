//! What gapcheck requires of a control, in words, with the catalog's rationale: the SSP's
//! implemented-requirement remarks.

use crate::catalog::Control;

/// Why gapcheck asks what it asks of this control: the capabilities its `requires` names and
/// the catalog's `rationale`, which quotes the control's own words. It goes in the
/// implemented requirement's remarks (README, "Exports"): it is about the requirement, the
/// same for every component, while each `by-component` says who does the work.
pub fn requirement_remarks(c: &Control) -> Option<String> {
    let req = c.requires.as_ref().map(requirement_words);
    match (&c.rationale, req) {
        (Some(r), Some(q)) => Some(format!("gapcheck requires {q}. Rationale: {r}")),
        (Some(r), None) => Some(format!("Rationale: {r}")),
        (None, Some(q)) => Some(format!(
            "gapcheck requires {q} (the catalog gives no rationale)."
        )),
        (None, None) => None,
    }
}

/// A `requires` tree in words: `log-review (weekly)`, `all of (a; b)`, `any of (a; b)`.
fn requirement_words(r: &crate::catalog::Requirement) -> String {
    use crate::catalog::Requirement;
    let list = |v: &[Requirement]| {
        v.iter()
            .map(requirement_words)
            .collect::<Vec<_>>()
            .join("; ")
    };
    match r {
        Requirement::Leaf(l) => {
            let mut terms = Vec::new();
            if let Some(c) = l.cadence {
                terms.push(c.to_string());
            }
            if let Some(c) = l.coverage {
                terms.push(format!("coverage {c}"));
            }
            if let Some(d) = l.response {
                terms.push(format!("response within {d}"));
            }
            if let Some(o) = l.owner {
                terms.push(format!("owner {o}"));
            }
            if l.independent {
                terms.push("independent".into());
            }
            if terms.is_empty() {
                l.capability.clone()
            } else {
                format!("{} ({})", l.capability, terms.join(", "))
            }
        }
        Requirement::All(v) => format!("all of ({})", list(v)),
        Requirement::Any(v) => format!("any of ({})", list(v)),
    }
}
