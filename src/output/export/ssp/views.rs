//! The two views of the division of responsibility: the organization's (by-component per owner)
//! and one provider's (export.provided and export.responsibilities, the customer responsibility
//! matrix).

use super::*;

pub(super) fn nist_baseline(profile: &str) -> Option<&'static str> {
    match profile {
        "low" => Some("LOW"),
        "moderate" => Some("MODERATE"),
        "high" => Some("HIGH"),
        _ => None,
    }
}

pub(super) fn catalog_description(c: &Catalog, profile: Option<&str>, href: &str) -> String {
    let profile = profile.map_or_else(String::new, |p| format!(", profile `{p}`"));
    if href == crate::export::NIST_CATALOG {
        format!(
            "gapcheck's subset of NIST SP 800-53 Rev. 5{profile}; control ids are NIST's OSCAL ids."
        )
    } else {
        format!(
            "gapcheck catalog `{}`{profile}; write its OSCAL form with `gapcheck catalog export {} --format oscal > {href}`.",
            c.id, c.id
        )
    }
}

/// The organization's view of one control: a `by-component` per owner of its capabilities,
/// or one on this system when the control is met by documents or nobody owns its work.
pub(super) fn organization_view(
    run: &Run,
    f: &Finding,
    subject: &str,
    this_system: &str,
    state: &'static str,
    remarks: &Option<String>,
) -> Vec<ByComponent> {
    let a = run.arrangement;
    let caps = required_capabilities(f.control);
    let status = || Status {
        state,
        remarks: remarks.clone(),
    };
    let mut out = Vec::new();
    for owner in &f.owners {
        let Some(p) = a.provider(owner) else { continue };
        let work: Vec<String> = caps
            .iter()
            .filter_map(|c| a.responsibilities.get(*c))
            .filter(|r| r.owners.contains(owner))
            .map(|r| describe_work(a, run.registry, r))
            .collect();
        out.push(ByComponent {
            component_uuid: component_uuid(a, owner),
            uuid: uuid::of(&["by-component", org_key(a), subject, owner]),
            description: format!("{}: {}", p.name, work.join(" ")),
            props: vec![Prop::oscal("control-origination", origination(p.kind))],
            implementation_status: status(),
            export: None,
            responsible_roles: vec![ResponsibleRole {
                role_id: role_id(p.kind).into(),
                party_uuids: vec![party_uuid(a, owner)],
            }],
        });
    }
    if out.is_empty() {
        let description = if f.control.requires.is_none() {
            match &f.evidence {
                Some(e) => format!("Met by the organization's own documents: {e}."),
                None => "Met only by the organization's own documents; none is named yet.".into(),
            }
        } else {
            format!(
                "No provider is assigned the work this control requires: {}.",
                caps.join(", ")
            )
        };
        out.push(ByComponent {
            component_uuid: this_system.to_owned(),
            uuid: uuid::of(&["by-component", org_key(a), subject, "this-system"]),
            description,
            props: vec![Prop::oscal("control-origination", "organization")],
            implementation_status: status(),
            export: None,
            responsible_roles: vec![ResponsibleRole {
                role_id: "system-owner".into(),
                party_uuids: vec![party_uuid(a, "organization")],
            }],
        });
    }
    out
}

/// The provider's view of one control: what it provides and what the customer must do.
/// `None` when the provider holds none of the control's capabilities.
pub(super) fn provider_view(
    run: &Run,
    f: &Finding,
    p: &Provider,
    subject: &str,
    this_system: &str,
) -> Option<ByComponent> {
    let a = run.arrangement;
    let caps = required_capabilities(f.control);
    let mine: Vec<&Responsibility> = caps
        .iter()
        .filter_map(|c| a.responsibilities.get(*c))
        .filter(|r| r.owners.contains(&p.id))
        .collect();
    if mine.is_empty() || f.status == FindingStatus::NotApplicable {
        return None;
    }
    let key = |what: &str, cap: &str| uuid::of(&[what, org_key(a), &p.id, subject, cap]);
    let provided: Vec<Provided> = mine
        .iter()
        .map(|r| Provided {
            uuid: key("provided", &r.capability),
            description: format!("{} provides {}", p.name, describe_work(a, run.registry, r)),
            props: vec![Prop::gapcheck("capability", r.capability.clone())],
        })
        .collect();
    let mut responsibilities = Vec::new();
    for cap in &caps {
        let r = a.responsibilities.get(*cap);
        let others: Vec<String> = r
            .map(|r| {
                r.owners
                    .iter()
                    .filter(|o| **o != p.id)
                    .map(|o| a.provider(o).map_or_else(|| o.clone(), |x| x.name.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let shared = r.is_some_and(|r| r.owners.contains(&p.id));
        if shared && others.is_empty() {
            continue;
        }
        let meaning = run
            .registry
            .vocabulary
            .get(cap)
            .map_or("", |c| c.description.as_str());
        let description = match (shared, others.is_empty()) {
            (true, _) => format!(
                "The customer shares {cap} ({meaning}) with {}: {} does its part; escalation between them is {}.",
                p.name,
                others.join(" and "),
                r.map_or(crate::arrangement::Escalation::None, |r| r.escalation)
            ),
            (false, false) => format!(
                "The customer is responsible for {cap} ({meaning}); in this arrangement {} does it.",
                others.join(" and ")
            ),
            (false, true) => format!(
                "The customer is responsible for {cap} ({meaning}); this arrangement assigns it to no one."
            ),
        };
        responsibilities.push(ExportResponsibility {
            uuid: key("responsibility", cap),
            provided_uuid: shared.then(|| key("provided", cap)),
            description,
            props: vec![Prop::gapcheck("capability", (*cap).to_owned())],
        });
    }
    // The provider's part is in place unless a reason names one of its capabilities.
    let failing: Vec<String> = f
        .reasons
        .iter()
        .filter(|r| {
            r.capability
                .as_deref()
                .is_some_and(|c| mine.iter().any(|m| m.capability == c))
        })
        .map(|r| r.message.clone())
        .collect();
    let implementation_status = if failing.is_empty() {
        Status {
            state: "implemented",
            remarks: None,
        }
    } else {
        Status {
            state: "partial",
            remarks: Some(failing.join(" ")),
        }
    };
    let mut props = vec![Prop::oscal("control-origination", "system-specific")];
    if !responsibilities.is_empty() {
        props.push(Prop::oscal("control-origination", "customer-provided"));
    }
    Some(ByComponent {
        component_uuid: this_system.to_owned(),
        uuid: key("by-component", "this-system"),
        description: format!(
            "{} delivers {} for this control.",
            p.name,
            mine.iter()
                .map(|r| r.capability.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        props,
        implementation_status,
        export: Some(Export {
            provided,
            responsibilities,
        }),
        responsible_roles: vec![ResponsibleRole {
            role_id: role_id(p.kind).into(),
            party_uuids: vec![party_uuid(a, &p.id)],
        }],
    })
}
