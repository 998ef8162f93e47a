//! `gapcheck init`: a commented starting arrangement for a model and frameworks.

use super::*;

/// A starter arrangement that loads as it is: the model's usual providers, and the ongoing
/// work assigned the way that model assigns it.
pub fn init_template(
    registry: &Registry,
    model: Model,
    frameworks: &[String],
) -> Result<String, Error> {
    let mut fw_lines = String::new();
    let frameworks: Vec<String> = if frameworks.is_empty() {
        vec!["service-model".into()]
    } else {
        frameworks.to_vec()
    };
    for f in &frameworks {
        let (cat, profile) = match f.split_once(':') {
            Some((c, p)) => (c, Some(p)),
            None => (f.as_str(), None),
        };
        let Some(c) = registry.get(cat) else {
            return Err(Error::Usage(format!(
                "unknown framework `{cat}`; {}",
                crate::diag::choose_help(cat, &registry.ids())
            )));
        };
        if let Some(p) = profile {
            if !c.profiles.contains_key(p) {
                let names: Vec<&str> = c.profiles.keys().map(String::as_str).collect();
                return Err(Error::Usage(format!(
                    "catalog `{cat}` has no profile `{p}`; {}",
                    crate::diag::choose_help(p, &names)
                )));
            }
            fw_lines.push_str(&format!("  - catalog: {cat}\n    profile: {p}\n"));
        } else if c.profile_required {
            let names: Vec<&str> = c.profiles.keys().map(String::as_str).collect();
            return Err(Error::Usage(format!(
                "catalog `{cat}` needs a profile: write `--framework {cat}:PROFILE` with one of {}",
                names.join(", ")
            )));
        } else {
            fw_lines.push_str(&format!("  - {cat}\n"));
        }
    }
    let (providers, owner_ongoing, owner_org) = match model {
        Model::BreakFix => (
            "  internal:\n    kind: internal\n    name: Office manager\n    ftes: 0\n  repair-shop:\n    kind: break-fix\n    name: Local repair shop (hourly)\n",
            "repair-shop",
            "internal",
        ),
        Model::Managed => (
            "  internal:\n    kind: internal\n    name: Management\n    ftes: 0\n  msp:\n    kind: msp\n    name: Example Managed Services\n    coverage: 24x7\n    tooling: [rmm, edr, ticketing]\n",
            "msp",
            "internal",
        ),
        Model::CoManaged => (
            "  internal:\n    kind: internal\n    name: Internal IT\n    ftes: 2\n    coverage: business-hours\n  msp:\n    kind: msp\n    name: Example Managed Services\n    coverage: 24x7\n    tooling: [rmm, edr, siem, ticketing]\n",
            "msp",
            "internal",
        ),
    };
    let mut rows = String::new();
    for cap in registry.vocabulary.iter() {
        let owner = match cap.kind {
            crate::capability::CapabilityKind::Organizational => owner_org,
            crate::capability::CapabilityKind::OnDemand => owner_ongoing,
            crate::capability::CapabilityKind::Ongoing
                if model == Model::BreakFix && cap.id != "help-desk" =>
            {
                continue;
            }
            crate::capability::CapabilityKind::Ongoing => owner_ongoing,
        };
        rows.push_str(&format!("  {}: {{owner: {owner}}}\n", cap.id));
    }
    Ok(format!(
        "# yaml-language-server: $schema=arrangement.schema.json\n\
         # (write that file with: gapcheck schema arrangement > arrangement.schema.json)\n\
         # gapcheck arrangement: how this organization's IT support is arranged.\n\
         # Edit every value, then run: gapcheck check <this file>\n\
         gapcheck: 1\n\
         organization:\n  name: Example Organization\n  employees: 25\n  budget: {budget}\n  after_hours_required: false\n  scalability: moderate\n\
         model: {model}\n\
         frameworks:\n{fw_lines}\
         providers:\n{providers}\
         # The division-of-responsibility matrix: capability -> owner(s), with cadence, coverage,\n\
         # response time and escalation where a control asks for them.\n\
         responsibilities:\n{rows}\
         attestations: []\n\
         exceptions: []\n",
        budget = if model == Model::BreakFix {
            "variable"
        } else {
            "fixed"
        },
    ))
}
