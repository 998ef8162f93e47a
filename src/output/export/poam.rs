//! The plan of action and milestones (`gapcheck export poam`): every control in scope that
//! is not met, as an OSCAL 1.1 POA&M (findings, risks, POA&M items) and as the spreadsheet
//! assessors work in.
//!
//! One item per open control (gap, partial, needs-evidence or waived). The scheduled
//! completion is the exception's `expires` where an exception covers the control; gapcheck
//! knows no other date, so it leaves the cell empty rather than invent one. CMMC items carry
//! the SPRS points and POA&M eligibility of 32 CFR 170.21 as the SPRS projection computes
//! them.

use serde::Serialize;

use super::model::{BackMatter, Metadata, Prop, Resource};
use super::{control_ids, uuid};
use crate::evaluate::{Finding, Status as FindingStatus};
use crate::report::Run;

/// One open control, in the terms both the OSCAL document and the sheet use.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub id: String,
    pub uuid: String,
    pub finding: &'a Finding<'a>,
    pub control_id: String,
    pub weakness: String,
    pub owner: String,
    pub scheduled_completion: Option<String>,
    pub milestones: Vec<String>,
    pub risk_status: &'static str,
    pub cmmc: Option<Cmmc>,
}

/// CMMC Level 2 facts of an item (only for `cmmc` findings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cmmc {
    pub points: i64,
    pub poam_eligible: bool,
}

/// The open items of a run, in report order.
pub fn items<'a>(run: &'a Run) -> Result<Vec<Item<'a>>, String> {
    let a = run.arrangement;
    let mut ids = std::collections::BTreeMap::new();
    for s in &run.evaluation.scopes {
        ids.insert(s.catalog.id.clone(), control_ids(s.catalog)?);
    }
    let mut out = Vec::new();
    for f in run
        .evaluation
        .findings
        .iter()
        .filter(|f| f.status != FindingStatus::NotApplicable && !f.status.is_met())
    {
        let subject = format!("{}:{}", f.catalog.id, f.control.id);
        let item_uuid = uuid::of(&["poam-item", &a.organization.name, &subject]);
        let id = format!("GC-{}", item_uuid[..8].to_ascii_uppercase());
        let mut weakness: Vec<String> = f.reasons.iter().map(|r| r.message.clone()).collect();
        if weakness.is_empty() {
            weakness.push(match f.status {
                FindingStatus::Waived => {
                    "covered by an exception: the organization states the requirement is not met"
                        .into()
                }
                _ => format!("status {}", f.status),
            });
        }
        let owner = match &f.exception {
            Some(e) => e.owner.clone(),
            None if f.owners.is_empty() => "unassigned".into(),
            None => f
                .owners
                .iter()
                .map(|o| a.provider(o).map_or_else(|| o.clone(), |p| p.name.clone()))
                .collect::<Vec<_>>()
                .join("; "),
        };
        let live = f.exception.as_ref().filter(|e| !e.expired);
        let scheduled_completion = live.map(|e| e.expires.clone());
        let milestones = match &f.exception {
            Some(e) if e.expired => vec![format!(
                "{}: exception expired (reason: {})",
                e.expires, e.reason
            )],
            Some(e) => vec![format!(
                "{}: exception expires — remediate or renew (reason: {})",
                e.expires, e.reason
            )],
            None => Vec::new(),
        };
        let risk_status = if live.is_some() {
            "deviation-approved"
        } else {
            "open"
        };
        let cmmc = (f.catalog.id == "cmmc")
            .then(|| cmmc_facts(run, f))
            .flatten();
        out.push(Item {
            id,
            uuid: item_uuid,
            finding: f,
            control_id: ids[&f.catalog.id][&f.control.id].clone(),
            weakness: weakness.join(" "),
            owner,
            scheduled_completion,
            milestones,
            risk_status,
            cmmc,
        });
    }
    Ok(out)
}

/// Points and eligibility from the SPRS projection when there is one (CMMC Level 2), else
/// from the control's own properties.
fn cmmc_facts(run: &Run, f: &Finding) -> Option<Cmmc> {
    if let Some(s) = run.sprs {
        let open = s.open.iter().find(|o| o.control == f.control.id)?;
        return Some(Cmmc {
            points: open.points,
            poam_eligible: !s.not_poam_eligible.contains(&f.control.id),
        });
    }
    Some(Cmmc {
        points: f.control.prop_int("points")?,
        poam_eligible: f.control.prop_bool("poam_eligible").unwrap_or(false),
    })
}

// ---------------------------------------------------------------------------------------
// The spreadsheet.

pub const CSV_HEADER: [&str; 14] = [
    "item_id",
    "catalog",
    "control",
    "title",
    "weakness",
    "source",
    "severity",
    "owner",
    "scheduled_completion",
    "milestones",
    "status",
    "risk_status",
    "cmmc_poam_eligible",
    "cmmc_points",
];

pub fn csv(run: &Run, items: &[Item]) -> String {
    let source = format!(
        "gapcheck {} check of {} (sha256 {})",
        env!("CARGO_PKG_VERSION"),
        run.arrangement.path,
        &run.arrangement.sha256[..12]
    );
    let mut out = String::new();
    crate::report::csv::line(&mut out, &CSV_HEADER);
    for i in items {
        let f = i.finding;
        let status = f.status.to_string();
        let severity = f.control.severity.to_string();
        let eligible = i.cmmc.map_or(String::new(), |c| {
            if c.poam_eligible { "yes" } else { "no" }.into()
        });
        let points = i.cmmc.map_or(String::new(), |c| c.points.to_string());
        crate::report::csv::line(
            &mut out,
            &[
                &i.id,
                &f.catalog.id,
                &f.control.id,
                &f.control.title,
                &i.weakness,
                &source,
                &severity,
                &i.owner,
                i.scheduled_completion.as_deref().unwrap_or(""),
                &i.milestones.join("; "),
                &status,
                i.risk_status,
                &eligible,
                &points,
            ],
        );
    }
    out
}

// ---------------------------------------------------------------------------------------
// The OSCAL document.

#[derive(Debug, Serialize)]
pub struct Document {
    #[serde(rename = "plan-of-action-and-milestones")]
    pub poam: Poam,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Poam {
    pub uuid: String,
    pub metadata: Metadata,
    pub import_ssp: ImportSsp,
    pub system_id: SystemId,
    pub observations: Vec<Observation>,
    pub risks: Vec<Risk>,
    pub findings: Vec<OscalFinding>,
    pub poam_items: Vec<PoamItem>,
    pub back_matter: BackMatter,
}

/// The link to the SSP exported from the same arrangement: a fixed relative file name
/// ([`super::ssp::FILE_NAME`]), so the pair works when both files sit side by side, and the
/// SSP's deterministic document UUID in the remarks, so a reader can check it is that SSP.
#[derive(Debug, Serialize)]
pub struct ImportSsp {
    pub href: &'static str,
    pub remarks: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemId {
    pub identifier_type: &'static str,
    pub id: String,
}

#[derive(Debug, Serialize)]
pub struct Observation {
    pub uuid: String,
    pub title: String,
    pub description: String,
    pub methods: Vec<&'static str>,
    pub types: Vec<&'static str>,
    pub collected: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Risk {
    pub uuid: String,
    pub title: String,
    pub description: String,
    pub statement: String,
    pub props: Vec<Prop>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remediations: Vec<Response>,
}

#[derive(Debug, Serialize)]
pub struct Response {
    pub uuid: String,
    pub lifecycle: &'static str,
    pub title: String,
    pub description: String,
    pub tasks: Vec<Task>,
}

#[derive(Debug, Serialize)]
pub struct Task {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub timing: Timing,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Timing {
    pub on_date: OnDate,
}

#[derive(Debug, Serialize)]
pub struct OnDate {
    pub date: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalFinding {
    pub uuid: String,
    pub title: String,
    pub description: String,
    pub target: Target,
    pub related_observations: Vec<RelatedObservation>,
    pub related_risks: Vec<RelatedRisk>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Target {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub target_id: String,
    pub status: TargetStatus,
}

#[derive(Debug, Serialize)]
pub struct TargetStatus {
    pub state: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RelatedObservation {
    pub observation_uuid: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RelatedRisk {
    pub risk_uuid: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct PoamItem {
    pub uuid: String,
    pub title: String,
    pub description: String,
    pub props: Vec<Prop>,
    pub related_findings: Vec<RelatedFinding>,
    pub related_risks: Vec<RelatedRisk>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct RelatedFinding {
    pub finding_uuid: String,
}

/// The OSCAL POA&M, or `None` when nothing is open: OSCAL requires at least one POA&M item,
/// and an invented one would be false.
pub fn build(run: &Run, items: &[Item]) -> Option<Document> {
    if items.is_empty() {
        return None;
    }
    let a = run.arrangement;
    let org = a.organization.name.as_str();
    let mut observations = Vec::new();
    let mut risks = Vec::new();
    let mut findings = Vec::new();
    let mut poam_items = Vec::new();
    for i in items {
        let f = i.finding;
        let subject = format!("{}:{}", f.catalog.id, f.control.id);
        let obs_uuid = uuid::of(&["observation", org, &subject, &a.sha256]);
        let risk_uuid = uuid::of(&["risk", org, &subject]);
        let finding_uuid = uuid::of(&["finding", org, &subject]);
        let title = format!("{} {}: {}", f.catalog.id, f.control.id, f.control.title);
        observations.push(Observation {
            uuid: obs_uuid.clone(),
            title: title.clone(),
            description: format!(
                "The declared arrangement leaves this control {}: {}",
                f.status, i.weakness
            ),
            methods: vec!["EXAMINE"],
            types: vec!["finding"],
            collected: run.generated_at.clone(),
        });
        let mut props = vec![
            Prop::gapcheck("item-id", i.id.clone()),
            Prop::gapcheck("severity", f.control.severity.to_string()),
        ];
        if let Some(c) = i.cmmc {
            props.push(Prop::gapcheck("cmmc-points", c.points.to_string()));
            props.push(Prop::gapcheck(
                "cmmc-poam-eligible",
                if c.poam_eligible { "yes" } else { "no" },
            ));
        }
        let remediations = match (&f.exception, &i.scheduled_completion) {
            (Some(e), Some(date)) => vec![Response {
                uuid: uuid::of(&["remediation", org, &subject]),
                lifecycle: "planned",
                title: format!("Exception owned by {}", e.owner),
                description: e.reason.clone(),
                tasks: vec![Task {
                    uuid: uuid::of(&["milestone", org, &subject, date]),
                    kind: "milestone",
                    title: "Exception expires: remediate or renew".into(),
                    timing: Timing {
                        on_date: OnDate {
                            date: format!("{date}T00:00:00Z"),
                        },
                    },
                }],
            }],
            _ => Vec::new(),
        };
        risks.push(Risk {
            uuid: risk_uuid.clone(),
            title: title.clone(),
            description: f.control.statement.clone(),
            statement: i.weakness.clone(),
            props: props.clone(),
            status: i.risk_status,
            deadline: i
                .scheduled_completion
                .as_ref()
                .map(|d| format!("{d}T00:00:00Z")),
            remediations,
        });
        findings.push(OscalFinding {
            uuid: finding_uuid.clone(),
            title: title.clone(),
            description: i.weakness.clone(),
            target: Target {
                kind: "objective-id",
                target_id: i.control_id.clone(),
                status: TargetStatus {
                    state: "not-satisfied",
                },
            },
            related_observations: vec![RelatedObservation {
                observation_uuid: obs_uuid,
            }],
            related_risks: vec![RelatedRisk {
                risk_uuid: risk_uuid.clone(),
            }],
        });
        let mut item_props = props;
        item_props.push(Prop::gapcheck("owner", i.owner.clone()));
        item_props.push(Prop::gapcheck("status", f.status.to_string()));
        poam_items.push(PoamItem {
            uuid: i.uuid.clone(),
            title,
            description: i.weakness.clone(),
            props: item_props,
            related_findings: vec![RelatedFinding { finding_uuid }],
            related_risks: vec![RelatedRisk { risk_uuid }],
        });
    }
    let mut metadata = Metadata::new(
        format!("Plan of Action and Milestones: {org}"),
        run.generated_at.clone(),
        format!("gapcheck-{}", &a.sha256[..12]),
    );
    metadata.remarks = Some(
        "Generated by gapcheck from a declared IT service arrangement: each item is a control \
         the declaration leaves unmet. Scheduled completion dates are the expiry dates of the \
         organization's exceptions; gapcheck sets no other date."
            .into(),
    );
    Some(Document {
        poam: Poam {
            uuid: uuid::of(&[
                "poam",
                &a.sha256,
                &super::catalog_digests(run),
                &run.today,
                env!("CARGO_PKG_VERSION"),
            ]),
            metadata,
            import_ssp: ImportSsp {
                href: super::ssp::FILE_NAME,
                remarks: format!(
                    "The system security plan gapcheck exports from the same arrangement and catalogs (`gapcheck export ssp ARRANGEMENT -o {}`, beside this file); its uuid is {}.",
                    super::ssp::FILE_NAME,
                    super::ssp::document_uuid(run, "organization")
                ),
            },
            system_id: SystemId {
                identifier_type: "https://ietf.org/rfc/rfc4122",
                id: uuid::of(&["system", org, "organization"]),
            },
            observations,
            risks,
            findings,
            poam_items,
            back_matter: BackMatter {
                resources: vec![Resource::arrangement(a, None)],
            },
        },
    })
}
