//! The parts of the OSCAL 1.1 models that gapcheck writes, as typed structs.
//!
//! Typed (not `serde_json::json!`) so that field order is the order declared here whatever
//! serde_json features another crate turns on: two builds of gapcheck write the same bytes.
//! Names follow the OSCAL JSON format (kebab-case); optional members are left out when empty,
//! since OSCAL forbids empty arrays.

use serde::Serialize;

/// The OSCAL release whose JSON schemas the exports are validated against.
pub const OSCAL_VERSION: &str = "1.1.2";

/// Namespace of the properties gapcheck adds (OSCAL's own namespace is the default).
pub const NS: &str = "urn:gapcheck:oscal";

fn is_empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metadata {
    pub title: String,
    pub last_modified: String,
    pub version: String,
    pub oscal_version: &'static str,
    #[serde(skip_serializing_if = "is_empty")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "is_empty")]
    pub links: Vec<Link>,
    #[serde(skip_serializing_if = "is_empty")]
    pub roles: Vec<Role>,
    #[serde(skip_serializing_if = "is_empty")]
    pub parties: Vec<Party>,
    #[serde(skip_serializing_if = "is_empty")]
    pub responsible_parties: Vec<ResponsibleParty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

impl Metadata {
    pub fn new(title: String, last_modified: String, version: String) -> Self {
        Metadata {
            title,
            last_modified,
            version,
            oscal_version: OSCAL_VERSION,
            props: Vec::new(),
            links: Vec::new(),
            roles: Vec::new(),
            parties: Vec::new(),
            responsible_parties: Vec::new(),
            remarks: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Prop {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ns: Option<&'static str>,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

impl Prop {
    /// A property in OSCAL's own namespace (its names and values are OSCAL's).
    pub fn oscal(name: &str, value: impl Into<String>) -> Prop {
        Prop {
            name: name.to_owned(),
            ns: None,
            value: value.into(),
            class: None,
        }
    }

    /// A property in gapcheck's namespace.
    pub fn gapcheck(name: &str, value: impl Into<String>) -> Prop {
        Prop {
            name: name.to_owned(),
            ns: Some(NS),
            value: value.into(),
            class: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Link {
    pub href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Party {
    pub uuid: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ResponsibleParty {
    pub role_id: String,
    pub party_uuids: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ResponsibleRole {
    pub role_id: String,
    #[serde(skip_serializing_if = "is_empty")]
    pub party_uuids: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackMatter {
    pub resources: Vec<Resource>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Resource {
    pub uuid: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "is_empty")]
    pub rlinks: Vec<Rlink>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

impl Resource {
    /// The arrangement an export was generated from, with its digest: the same resource
    /// (and UUID) in the SSP and the POA&M, so a reader can tell they share a source.
    pub fn arrangement(a: &crate::arrangement::Arrangement, description: Option<String>) -> Self {
        Resource {
            uuid: super::uuid::of(&["arrangement", &a.organization.name, &a.sha256]),
            title: format!("gapcheck arrangement {}", a.path),
            description,
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
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Rlink {
    pub href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(skip_serializing_if = "is_empty")]
    pub hashes: Vec<Hash>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hash {
    pub algorithm: &'static str,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Status {
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}
