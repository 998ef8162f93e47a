//! The OSCAL 1.1 system security plan (`gapcheck export ssp`): who implements what.
//!
//! The organization's view (default): every provider is a party and a `service` component,
//! the organization's system is the `this-system` component, and every control in scope is
//! an implemented requirement with one `by-component` per owner of the capabilities it
//! requires. The provider's view (`--as-provider ID`): the provider's service is
//! `this-system`, and each control it takes part in says what it provides
//! (`export.provided`) and what the customer must do itself (`export.responsibilities`) —
//! the customer responsibility matrix in OSCAL.
//!
//! Statuses describe the declared arrangement, not a verified implementation; the document
//! says so in its remarks. Mapping (also in the README):
//! satisfied/attested → implemented, partial → partial, gap and needs-evidence → planned,
//! waived → planned (an exception is the organization's statement that the requirement is
//! not met, so `alternative` would claim too much), not-applicable → not-applicable.

use std::collections::BTreeSet;

use serde::Serialize;

use super::model::{
    BackMatter, Hash, Metadata, Party, Prop, Resource, ResponsibleParty, ResponsibleRole, Rlink,
    Role, Status,
};
use super::{catalog_href, control_ids, uuid};
use crate::arrangement::{Arrangement, Provider, ProviderKind, Responsibility};
use crate::catalog::{Catalog, Control, Registry};
use crate::evaluate::{Finding, Status as FindingStatus};
use crate::report::Run;

mod model;
mod views;

pub use model::*;
use views::*;

/// The file name the POA&M's `import-ssp` names: export the organization's SSP under it,
/// beside the POA&M (README, "Exports").
pub const FILE_NAME: &str = "gapcheck-ssp.json";

/// The SSP's document UUID for `view` (`organization`, or a provider id): from the
/// arrangement's and catalogs' digests, so the POA&M of the same inputs can name it.
pub fn document_uuid(run: &Run, view: &str) -> String {
    uuid::of(&[
        "ssp",
        &run.arrangement.sha256,
        &super::catalog_digests(run),
        view,
        env!("CARGO_PKG_VERSION"),
    ])
}

/// OSCAL `implementation-status` state for a finding's status (the README's table).
pub fn implementation_state(status: FindingStatus) -> &'static str {
    match status {
        FindingStatus::Satisfied | FindingStatus::Attested => "implemented",
        FindingStatus::Partial => "partial",
        FindingStatus::Gap | FindingStatus::NeedsEvidence | FindingStatus::Waived => "planned",
        FindingStatus::NotApplicable => "not-applicable",
    }
}

/// OSCAL `control-origination` for work done by a provider of this kind, seen from the
/// organization: its own staff is `organization`, a provider's service is `inherited`.
pub fn origination(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Internal => "organization",
        ProviderKind::Msp | ProviderKind::BreakFix => "inherited",
    }
}

/// Why a `build` cannot proceed: a usage problem the CLI reports with exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum SspError {
    #[error("{0}")]
    Ids(String),
    #[error("--as-provider `{id}` is not a provider of this arrangement; {help}")]
    UnknownProvider { id: String, help: String },
    #[error(
        "no control in scope to document: OSCAL requires at least one implemented requirement{0}"
    )]
    Empty(String),
    #[error(
        "--as-provider `{0}` is the organization's own staff (kind internal); an SSP from the provider's side is for an MSP or break-fix vendor"
    )]
    InternalProvider(String),
}

/// The controls of the run that an SSP lists: everything evaluated except controls outside
/// the selected profile (those are not part of the baseline the SSP documents).
fn in_plan<'a>(run: &'a Run) -> Vec<&'a Finding<'a>> {
    run.evaluation
        .findings
        .iter()
        .filter(|f| {
            let profile = run
                .evaluation
                .scopes
                .iter()
                .find(|s| s.catalog.id == f.catalog.id)
                .and_then(|s| s.profile.as_deref());
            f.control.in_profile(profile)
        })
        .collect()
}

fn required_capabilities(c: &Control) -> Vec<&str> {
    let mut seen = BTreeSet::new();
    c.requires
        .iter()
        .flat_map(|r| r.leaves())
        .map(|l| l.capability.as_str())
        .filter(|c| seen.insert(*c))
        .collect()
}

fn org_key(a: &Arrangement) -> &str {
    &a.organization.name
}

fn party_uuid(a: &Arrangement, who: &str) -> String {
    uuid::of(&["party", org_key(a), who])
}

fn component_uuid(a: &Arrangement, who: &str) -> String {
    uuid::of(&["component", org_key(a), who])
}

/// One responsibility row in words: who does the capability, how often, how fast.
fn describe_work(a: &Arrangement, registry: &Registry, r: &Responsibility) -> String {
    let meaning = registry
        .vocabulary
        .get(&r.capability)
        .map(|c| c.description.as_str())
        .unwrap_or("");
    let owners: Vec<String> = r
        .owners
        .iter()
        .map(|o| a.provider(o).map_or_else(|| o.clone(), |p| p.name.clone()))
        .collect();
    let mut terms = Vec::new();
    if let Some(c) = r.cadence {
        terms.push(format!("cadence {c}"));
    }
    if let Some(c) = r.coverage {
        terms.push(format!("coverage {c}"));
    }
    if let Some(d) = r.response {
        terms.push(format!("response within {d}"));
    }
    if r.owners.len() > 1 {
        terms.push(format!("escalation {}", r.escalation));
    }
    let terms = if terms.is_empty() {
        String::new()
    } else {
        format!(" ({})", terms.join(", "))
    };
    format!(
        "{} — {meaning}: {}{terms}.",
        r.capability,
        owners.join(" and ")
    )
}

fn status_remarks(f: &Finding) -> Option<String> {
    let mut parts: Vec<String> = f.reasons.iter().map(|r| r.message.clone()).collect();
    if let Some(e) = &f.exception {
        parts.push(format!(
            "Exception{}: {} (owner: {}; expires {}).",
            if e.expired { " (expired)" } else { "" },
            e.reason,
            e.owner,
            e.expires
        ));
    }
    if let Some(ev) = &f.evidence {
        parts.push(format!("Evidence: {ev}."));
    }
    if f.status == FindingStatus::NotApplicable {
        parts.push(
            "Not applicable to this arrangement (a condition of the control does not hold).".into(),
        );
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn finding_props(f: &Finding) -> Vec<Prop> {
    vec![
        Prop::gapcheck("catalog", f.catalog.id.clone()),
        Prop::gapcheck("label", f.control.id.clone()),
        Prop::gapcheck("status", f.status.to_string()),
        Prop::gapcheck("severity", f.control.severity.to_string()),
    ]
}

fn role_id(kind: ProviderKind) -> &'static str {
    match kind {
        ProviderKind::Internal => "internal-it",
        ProviderKind::Msp => "managed-service-provider",
        ProviderKind::BreakFix => "break-fix-vendor",
    }
}

fn provider_description(p: &Provider) -> String {
    let kind = match p.kind {
        ProviderKind::Internal => "Internal IT staff",
        ProviderKind::Msp => "Managed service provider under contract",
        ProviderKind::BreakFix => "Break-fix vendor paid per incident",
    };
    let mut s = format!("{kind} (provider id `{}`)", p.id);
    if let Some(f) = p.ftes {
        s.push_str(&format!("; {f} FTE"));
    }
    if let Some(c) = p.coverage {
        s.push_str(&format!("; coverage {c}"));
    }
    if !p.tooling.is_empty() {
        s.push_str(&format!("; tooling: {}", p.tooling.join(", ")));
    }
    s.push('.');
    s
}

/// Builds the SSP of a run. `as_provider` selects the provider's view.
pub fn build(run: &Run, as_provider: Option<&str>) -> Result<Document, SspError> {
    let a = run.arrangement;
    let provider = match as_provider {
        None => None,
        Some(id) => {
            let ids: Vec<&str> = a.providers.keys().map(String::as_str).collect();
            let p = a.provider(id).ok_or_else(|| SspError::UnknownProvider {
                id: id.to_owned(),
                help: crate::diag::choose_help(id, &ids),
            })?;
            if p.kind == ProviderKind::Internal {
                return Err(SspError::InternalProvider(id.to_owned()));
            }
            Some(p)
        }
    };
    let mut ids = std::collections::BTreeMap::new();
    for s in &run.evaluation.scopes {
        ids.insert(
            s.catalog.id.clone(),
            control_ids(s.catalog).map_err(SspError::Ids)?,
        );
    }
    let findings = in_plan(run);
    let view = provider.map_or("organization", |p| p.id.as_str());

    // Parties and roles: the organization, and every provider.
    let org_party = party_uuid(a, "organization");
    let mut parties = vec![Party {
        uuid: org_party.clone(),
        kind: "organization",
        name: a.organization.name.clone(),
        props: Vec::new(),
        remarks: None,
    }];
    let mut roles = vec![Role {
        id: "system-owner".into(),
        title: "System Owner".into(),
    }];
    let mut responsible = vec![ResponsibleParty {
        role_id: "system-owner".into(),
        party_uuids: vec![org_party.clone()],
    }];
    for kind in [
        ProviderKind::Internal,
        ProviderKind::Msp,
        ProviderKind::BreakFix,
    ] {
        let of_kind: Vec<&Provider> = a.providers.values().filter(|p| p.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        roles.push(Role {
            id: role_id(kind).into(),
            title: match kind {
                ProviderKind::Internal => "Internal IT",
                ProviderKind::Msp => "Managed Service Provider",
                ProviderKind::BreakFix => "Break-fix Vendor",
            }
            .into(),
        });
        responsible.push(ResponsibleParty {
            role_id: role_id(kind).into(),
            party_uuids: of_kind.iter().map(|p| party_uuid(a, &p.id)).collect(),
        });
    }
    for p in a.providers.values() {
        parties.push(Party {
            uuid: party_uuid(a, &p.id),
            kind: "organization",
            name: p.name.clone(),
            props: vec![
                Prop::gapcheck("provider-id", p.id.clone()),
                Prop::gapcheck("provider-kind", p.kind.to_string()),
            ],
            remarks: None,
        });
    }

    // Components.
    let this_system = component_uuid(a, &format!("this-system:{view}"));
    let system = a.system.as_ref();
    let placeholder = |what: &str, key: &str| {
        format!("PLACEHOLDER: {what} is not declared; add `system.{key}` to the arrangement.")
    };
    let mut components = vec![Component {
        uuid: this_system.clone(),
        kind: "this-system",
        title: match provider {
            Some(p) => format!("{}: services to {}", p.name, a.organization.name),
            None => system.map_or_else(|| a.organization.name.clone(), |s| s.name.clone()),
        },
        description: match provider {
            Some(p) => provider_description(p),
            None => system
                .and_then(|s| s.description.clone())
                .unwrap_or_else(|| placeholder("the system description", "description")),
        },
        props: Vec::new(),
        status: Status {
            state: "operational",
            remarks: None,
        },
        responsible_roles: vec![ResponsibleRole {
            role_id: "system-owner".into(),
            party_uuids: vec![match provider {
                Some(p) => party_uuid(a, &p.id),
                None => org_party.clone(),
            }],
        }],
    }];
    if provider.is_none() {
        for p in a.providers.values() {
            components.push(Component {
                uuid: component_uuid(a, &p.id),
                kind: "service",
                title: p.name.clone(),
                description: provider_description(p),
                props: vec![
                    Prop::gapcheck("provider-id", p.id.clone()),
                    Prop::gapcheck("provider-kind", p.kind.to_string()),
                ],
                status: Status {
                    state: "operational",
                    remarks: None,
                },
                responsible_roles: vec![ResponsibleRole {
                    role_id: role_id(p.kind).into(),
                    party_uuids: vec![party_uuid(a, &p.id)],
                }],
            });
        }
    }

    // Implemented requirements.
    let mut reqs = Vec::new();
    for f in &findings {
        let control_id = ids[&f.catalog.id][&f.control.id].clone();
        let subject = format!("{}:{}", f.catalog.id, f.control.id);
        let state = implementation_state(f.status);
        let remarks = status_remarks(f);
        let mut props = finding_props(f);
        let by_components = match provider {
            None => organization_view(run, f, &subject, &this_system, state, &remarks),
            Some(p) => {
                let Some(bc) = provider_view(run, f, p, &subject, &this_system) else {
                    continue;
                };
                vec![bc]
            }
        };
        let origins: BTreeSet<String> = by_components
            .iter()
            .flat_map(|b| b.props.iter())
            .filter(|p| p.name == "control-origination")
            .map(|p| p.value.clone())
            .collect();
        props.extend(
            origins
                .into_iter()
                .map(|o| Prop::oscal("control-origination", o)),
        );
        reqs.push(ImplementedRequirement {
            uuid: uuid::of(&["implemented-requirement", org_key(a), view, &subject]),
            control_id,
            props,
            by_components,
            remarks: super::rationale::requirement_remarks(f.control),
        });
    }

    if reqs.is_empty() {
        return Err(SspError::Empty(match provider {
            Some(p) => format!(
                " (provider `{}` owns no capability a control in scope requires)",
                p.id
            ),
            None => String::new(),
        }));
    }

    // Back matter: the arrangement (with its digest), the catalogs, and the profile the
    // SSP imports.
    let arrangement_resource = Resource {
        uuid: uuid::of(&["arrangement", org_key(a), &a.sha256]),
        title: format!("gapcheck arrangement {}", a.path),
        description: Some(format!(
            "The declared IT service arrangement of {} ({} model) this plan was generated from.",
            a.organization.name, a.model
        )),
        props: vec![Prop::gapcheck("sha256", a.sha256.clone())],
        rlinks: vec![Rlink {
            href: a.path.clone(),
            media_type: Some("application/yaml".into()),
            hashes: vec![Hash {
                algorithm: "SHA-256",
                value: a.sha256.clone(),
            }],
        }],
        remarks: None,
    };
    let mut resources = vec![arrangement_resource];
    let mut profile_rlinks: Vec<Rlink> = Vec::new();
    for s in &run.evaluation.scopes {
        let sha = s.catalog.sha256();
        let href = catalog_href(s.catalog);
        let mut rlinks = vec![Rlink {
            href: href.clone(),
            media_type: Some("application/json".into()),
            hashes: Vec::new(),
        }];
        if let (true, Some(p)) = (href == super::NIST_CATALOG, s.profile.as_deref())
            && let Some(level) = nist_baseline(p)
        {
            rlinks.push(Rlink {
                href: format!(
                    "https://raw.githubusercontent.com/usnistgov/oscal-content/main/nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_{level}-baseline_profile.json"
                ),
                media_type: Some("application/json".into()),
                hashes: Vec::new(),
            });
        }
        let r_uuid = uuid::of(&["catalog-resource", &s.catalog.id, &sha]);
        if !profile_rlinks.iter().any(|r| r.href == href) {
            profile_rlinks.push(Rlink {
                href: href.clone(),
                media_type: Some("application/json".into()),
                hashes: Vec::new(),
            });
        }
        resources.push(Resource {
            uuid: r_uuid,
            title: format!("{} (catalog `{}`)", s.catalog.title, s.catalog.id),
            description: Some(catalog_description(s.catalog, s.profile.as_deref(), &href)),
            props: vec![
                Prop::gapcheck("catalog-id", s.catalog.id.clone()),
                Prop::gapcheck("sha256", sha),
            ],
            rlinks,
            remarks: None,
        });
    }
    let frameworks: Vec<String> = run
        .evaluation
        .scopes
        .iter()
        .map(|s| match &s.profile {
            Some(p) => format!("{}:{p}", s.catalog.id),
            None => s.catalog.id.clone(),
        })
        .collect();
    let profile_uuid = uuid::of(&["profile", org_key(a), &frameworks.join(",")]);
    resources.push(Resource {
        uuid: profile_uuid.clone(),
        title: "Frameworks selected by the arrangement".into(),
        description: Some(format!(
            "The controls of this plan come from: {}. Each catalog is listed as a resource of \
             this back-matter with where its OSCAL form is found.",
            frameworks.join(", ")
        )),
        props: frameworks
            .iter()
            .map(|f| Prop::gapcheck("framework", f.clone()))
            .collect(),
        rlinks: profile_rlinks,
        remarks: None,
    });

    let mut metadata = Metadata::new(
        match provider {
            Some(p) => format!(
                "System Security Plan: {} services to {} (customer responsibility matrix)",
                p.name, a.organization.name
            ),
            None => format!("System Security Plan: {}", a.organization.name),
        },
        run.generated_at.clone(),
        format!("gapcheck-{}", &a.sha256[..12]),
    );
    metadata.roles = roles;
    metadata.parties = parties;
    metadata.responsible_parties = responsible;
    metadata
        .props
        .push(Prop::gapcheck("model", a.model.to_string()));
    if let Some(p) = provider {
        metadata
            .props
            .push(Prop::gapcheck("as-provider", p.id.clone()));
    }
    metadata.remarks = Some(
        "Generated by gapcheck from a declared IT service arrangement. Implementation statuses \
         describe the declaration (who is assigned which work, how often, how fast), not a \
         verified implementation."
            .into(),
    );

    let characteristics = SystemCharacteristics {
        system_ids: vec![SystemId {
            identifier_type: "https://ietf.org/rfc/rfc4122",
            id: uuid::of(&["system", org_key(a), view]),
        }],
        system_name: match (provider, system) {
            (Some(p), _) => format!("{}: managed services", p.name),
            (None, Some(s)) => s.name.clone(),
            (None, None) => format!(
                "{} (placeholder name: no `system:` section)",
                a.organization.name
            ),
        },
        system_name_short: system.and_then(|s| s.short_name.clone()),
        description: system
            .and_then(|s| s.description.clone())
            .unwrap_or_else(|| placeholder("the system description", "description")),
        props: Vec::new(),
        security_sensitivity_level: system.and_then(|s| s.sensitivity).map(|s| s.to_string()),
        system_information: SystemInformation {
            information_types: match system.map(|s| s.information_types.as_slice()) {
                Some(types) if !types.is_empty() => types
                    .iter()
                    .map(|t| InformationType {
                        uuid: uuid::of(&["information-type", org_key(a), &t.title]),
                        title: t.title.clone(),
                        description: t.description.clone(),
                    })
                    .collect(),
                _ => vec![InformationType {
                    uuid: uuid::of(&["information-type", org_key(a), "placeholder"]),
                    title: "PLACEHOLDER: information types not declared".into(),
                    description: placeholder(
                        "the information the system handles",
                        "information_types",
                    ),
                }],
            },
        },
        status: match system.and_then(|s| s.status) {
            Some(s) => Status {
                state: crate::decode::Keyword::as_str(s),
                remarks: None,
            },
            None => Status {
                state: "other",
                remarks: Some(placeholder("the system's status", "status")),
            },
        },
        authorization_boundary: Description {
            description: system
                .and_then(|s| s.authorization_boundary.clone())
                .unwrap_or_else(|| {
                    placeholder("the authorization boundary", "authorization_boundary")
                }),
        },
    };

    Ok(Document {
        ssp: Ssp {
            uuid: document_uuid(run, view),
            metadata,
            import_profile: ImportProfile {
                href: super::profile::FILE_NAME.into(),
                remarks: format!(
                    "The profile `gapcheck export profile` writes ({}), expected beside this \
                     plan; it imports NIST's SP 800-53 catalog for NIST controls and the files \
                     `gapcheck catalog export ID --format oscal` writes for the others. The \
                     back-matter resource {profile_uuid} lists the selected frameworks.",
                    super::profile::FILE_NAME
                ),
            },
            system_characteristics: characteristics,
            system_implementation: SystemImplementation {
                users: vec![User {
                    uuid: uuid::of(&["user", org_key(a), view]),
                    title: "Workforce".into(),
                    description: "PLACEHOLDER: gapcheck does not model system users; list the \
                                  kinds of users and their privileges here."
                        .into(),
                }],
                components,
            },
            control_implementation: ControlImplementation {
                description: match provider {
                    Some(p) => format!(
                        "The controls {} takes part in for {}, with what it provides and what \
                         the customer remains responsible for.",
                        p.name, a.organization.name
                    ),
                    None => format!(
                        "Every control of the selected frameworks as the arrangement of {} \
                         divides it between the organization and its providers.",
                        a.organization.name
                    ),
                },
                implemented_requirements: reqs,
            },
            back_matter: BackMatter { resources },
        },
    })
}
