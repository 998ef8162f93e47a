//! The OSCAL profile an SSP imports (`gapcheck export profile`): the selected frameworks as
//! imports of their catalogs, each narrowed to the controls the arrangement's profile
//! selects. OSCAL tools resolve an SSP's controls through it, so the SSP points at it by
//! file name ([`FILE_NAME`]) and the two are written side by side.

use serde::Serialize;

use super::model::{Metadata, Prop};
use super::{catalog_href, control_ids, uuid};
use crate::report::Run;

/// The file name the SSP's `import-profile` names.
pub const FILE_NAME: &str = "gapcheck-profile.json";

#[derive(Debug, Serialize)]
pub struct Document {
    pub profile: Profile,
}

#[derive(Debug, Serialize)]
pub struct Profile {
    pub uuid: String,
    pub metadata: Metadata,
    pub imports: Vec<Import>,
    pub merge: Merge,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Import {
    pub href: String,
    pub include_controls: Vec<Select>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Select {
    pub with_ids: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Merge {
    pub as_is: bool,
}

/// The OSCAL ids of the controls an SSP of this run lists, per selected catalog.
pub fn selected(run: &Run) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut out = Vec::new();
    for s in &run.evaluation.scopes {
        let ids = control_ids(s.catalog)?;
        let with: Vec<String> = s
            .catalog
            .controls
            .iter()
            .filter(|c| c.in_profile(s.profile.as_deref()))
            .filter(|c| {
                run.evaluation
                    .findings
                    .iter()
                    .any(|f| f.catalog.id == s.catalog.id && f.control.id == c.id)
            })
            .map(|c| ids[&c.id].clone())
            .collect();
        out.push((s.catalog.id.clone(), with));
    }
    Ok(out)
}

pub fn build(run: &Run) -> Result<Document, String> {
    let a = run.arrangement;
    let mut imports = Vec::new();
    for (s, (_, with_ids)) in run.evaluation.scopes.iter().zip(selected(run)?) {
        if with_ids.is_empty() {
            continue;
        }
        imports.push(Import {
            href: catalog_href(s.catalog),
            include_controls: vec![Select { with_ids }],
        });
    }
    if imports.is_empty() {
        return Err(
            "no control in scope to import: OSCAL requires at least one import in a profile".into(),
        );
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
    let mut metadata = Metadata::new(
        format!("Frameworks of {}", a.organization.name),
        run.generated_at.clone(),
        format!("gapcheck-{}", &a.sha256[..12]),
    );
    metadata.props = frameworks
        .iter()
        .map(|f| Prop::gapcheck("framework", f.clone()))
        .collect();
    metadata.remarks = Some(
        "NIST SP 800-53 imports name NIST's published catalog; every other import names the \
         file `gapcheck catalog export ID --format oscal` writes, expected beside this profile."
            .into(),
    );
    Ok(Document {
        profile: Profile {
            uuid: uuid::of(&[
                "profile",
                &a.sha256,
                &super::catalog_digests(run),
                env!("CARGO_PKG_VERSION"),
            ]),
            metadata,
            imports,
            merge: Merge { as_is: true },
        },
    })
}
