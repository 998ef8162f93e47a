//! The optional `system:` section of an arrangement: what an OSCAL system security plan
//! needs to say about the system and an arrangement otherwise lacks (its name, boundary,
//! the information it handles). Checked like every other section; when it is absent the
//! SSP export writes placeholders that say so.

use crate::decode::{self, Fields, Keyword};
use crate::diag::Sink;
use crate::keywords;
use crate::yaml::Node;

/// OSCAL's system status states (`system-characteristics.status.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SystemState {
    Operational,
    UnderDevelopment,
    UnderMajorModification,
    Disposition,
    Other,
}
keywords!(SystemState {
    Operational => "operational", UnderDevelopment => "under-development",
    UnderMajorModification => "under-major-modification", Disposition => "disposition", Other => "other",
});

/// FIPS 199 impact levels, as OSCAL's `security-sensitivity-level` writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sensitivity {
    Low,
    Moderate,
    High,
}
keywords!(Sensitivity { Low => "low", Moderate => "moderate", High => "high" });

/// One kind of information the system handles.
#[derive(Debug, Clone, PartialEq)]
pub struct InformationType {
    pub title: String,
    pub description: String,
}

/// The validated `system:` section.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemInfo {
    pub name: String,
    pub short_name: Option<String>,
    pub description: Option<String>,
    pub status: Option<SystemState>,
    pub sensitivity: Option<Sensitivity>,
    pub authorization_boundary: Option<String>,
    pub information_types: Vec<InformationType>,
}

/// The keys `system:` takes (the JSON Schema lists the same).
pub const KEYS: &[&str] = &[
    "name",
    "short_name",
    "description",
    "status",
    "sensitivity",
    "authorization_boundary",
    "information_types",
];

pub fn read(sink: &mut Sink, node: &Node) -> Option<SystemInfo> {
    let what = "`system`";
    let f = Fields::new(sink, node, what, KEYS)?;
    let name = f
        .require(sink, "name", what, "Harbor Dental practice systems")
        .and_then(|n| decode::string(sink, n, "system name"));
    let text = |sink: &mut Sink, key: &str| {
        f.get(key)
            .and_then(|n| decode::string(sink, n, &format!("`{key}`")))
    };
    let short_name = text(sink, "short_name");
    let description = text(sink, "description");
    let authorization_boundary = text(sink, "authorization_boundary");
    let status = f
        .get("status")
        .and_then(|n| SystemState::read(sink, n, "system status"));
    let sensitivity = f
        .get("sensitivity")
        .and_then(|n| Sensitivity::read(sink, n, "sensitivity"));
    let mut information_types = Vec::new();
    if let Some(list) = f.get("information_types") {
        for item in decode::list(sink, list, "`information_types`") {
            let what = "an information type";
            let Some(g) = Fields::new(sink, item, what, &["title", "description"]) else {
                continue;
            };
            let title = g
                .require(sink, "title", what, "Patient health information")
                .and_then(|n| decode::string(sink, n, "information type title"));
            let description = g
                .get("description")
                .and_then(|n| decode::string(sink, n, "information type description"));
            if let Some(title) = title {
                information_types.push(InformationType {
                    description: description.unwrap_or_else(|| title.clone()),
                    title,
                });
            }
        }
    }
    Some(SystemInfo {
        name: name?,
        short_name,
        description,
        status,
        sensitivity,
        authorization_boundary,
        information_types,
    })
}
