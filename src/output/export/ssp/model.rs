//! The OSCAL SSP document model, as much of OSCAL 1.1's system-security-plan as gapcheck
//! writes.

use super::*;

#[derive(Debug, Serialize)]
pub struct Document {
    #[serde(rename = "system-security-plan")]
    pub ssp: Ssp,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Ssp {
    pub uuid: String,
    pub metadata: Metadata,
    pub import_profile: ImportProfile,
    pub system_characteristics: SystemCharacteristics,
    pub system_implementation: SystemImplementation,
    pub control_implementation: ControlImplementation,
    pub back_matter: BackMatter,
}

#[derive(Debug, Serialize)]
pub struct ImportProfile {
    pub href: String,
    pub remarks: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemCharacteristics {
    pub system_ids: Vec<SystemId>,
    pub system_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_name_short: Option<String>,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_sensitivity_level: Option<String>,
    pub system_information: SystemInformation,
    pub status: Status,
    pub authorization_boundary: Description,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemId {
    pub identifier_type: &'static str,
    pub id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemInformation {
    pub information_types: Vec<InformationType>,
}

#[derive(Debug, Serialize)]
pub struct InformationType {
    pub uuid: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Serialize)]
pub struct Description {
    pub description: String,
}

#[derive(Debug, Serialize)]
pub struct SystemImplementation {
    pub users: Vec<User>,
    pub components: Vec<Component>,
}

#[derive(Debug, Serialize)]
pub struct User {
    pub uuid: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Component {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    pub status: Status,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub responsible_roles: Vec<ResponsibleRole>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ControlImplementation {
    pub description: String,
    pub implemented_requirements: Vec<ImplementedRequirement>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ImplementedRequirement {
    pub uuid: String,
    pub control_id: String,
    pub props: Vec<Prop>,
    pub by_components: Vec<ByComponent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ByComponent {
    pub component_uuid: String,
    pub uuid: String,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    pub implementation_status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export: Option<Export>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub responsible_roles: Vec<ResponsibleRole>,
}

#[derive(Debug, Serialize)]
pub struct Export {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provided: Vec<Provided>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub responsibilities: Vec<ExportResponsibility>,
}

#[derive(Debug, Serialize)]
pub struct Provided {
    pub uuid: String,
    pub description: String,
    pub props: Vec<Prop>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ExportResponsibility {
    pub uuid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provided_uuid: Option<String>,
    pub description: String,
    pub props: Vec<Prop>,
}
