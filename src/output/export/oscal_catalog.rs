//! A gapcheck catalog as an OSCAL 1.1 catalog (`gapcheck catalog export ID --format oscal`),
//! so that an SSP's controls resolve for HIPAA, GLBA, CMMC and the service-model practice
//! too, for which NIST publishes no OSCAL catalog.
//!
//! Each control keeps its printed id as the `label` property (which `catalog import` reads
//! back), its title, and its statement as the `statement` part; guidance becomes a
//! `guidance` part. Severity, citation and requirement mapping are gapcheck's, carried as
//! properties in gapcheck's namespace so no OSCAL tool mistakes them for NIST's.

use serde::Serialize;

use super::model::{BackMatter, Link, Metadata, Prop, Resource, Rlink};
use super::{control_ids, uuid};
use crate::catalog::Catalog;

#[derive(Debug, Serialize)]
pub struct Document {
    pub catalog: OscalCatalog,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct OscalCatalog {
    pub uuid: String,
    pub metadata: Metadata,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<OscalControl>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    pub back_matter: BackMatter,
}

#[derive(Debug, Serialize)]
pub struct Group {
    pub id: String,
    pub title: String,
    pub controls: Vec<OscalControl>,
}

#[derive(Debug, Serialize)]
pub struct OscalControl {
    pub id: String,
    pub title: String,
    pub props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    pub parts: Vec<Part>,
}

#[derive(Debug, Serialize)]
pub struct Part {
    pub id: String,
    pub name: &'static str,
    pub prose: String,
}

/// Builds the OSCAL catalog. `last_modified` is an RFC 3339 time stamp.
pub fn build(catalog: &Catalog, last_modified: &str) -> Result<Document, String> {
    let ids = control_ids(catalog)?;
    let mut groups: Vec<Group> = Vec::new();
    let mut ungrouped = Vec::new();
    for c in &catalog.controls {
        let id = ids[&c.id].clone();
        let mut props = vec![
            Prop::oscal("label", c.id.clone()),
            Prop::gapcheck("citation", c.citation.clone()),
            Prop::gapcheck("severity", c.severity.to_string()),
        ];
        if c.break_fix_incompatible {
            props.push(Prop::gapcheck("break-fix-incompatible", "true"));
        }
        let links = c
            .related
            .iter()
            .filter(|r| r.catalog == catalog.id)
            .filter_map(|r| ids.get(&r.control))
            .map(|t| Link {
                href: format!("#{t}"),
                rel: Some("related".into()),
                text: None,
            })
            .collect();
        let mut parts = vec![Part {
            id: format!("{id}_smt"),
            name: "statement",
            prose: c.statement.clone(),
        }];
        if let Some(g) = &c.guidance {
            parts.push(Part {
                id: format!("{id}_gdn"),
                name: "guidance",
                prose: g.clone(),
            });
        }
        let control = OscalControl {
            id,
            title: c.title.clone(),
            props,
            links,
            parts,
        };
        match &c.group {
            Some(g) => match groups.iter_mut().find(|x| &x.title == g) {
                Some(x) => x.controls.push(control),
                None => groups.push(Group {
                    id: group_id(g, groups.len()),
                    title: g.clone(),
                    controls: vec![control],
                }),
            },
            None => ungrouped.push(control),
        }
    }
    let sha = catalog.sha256();
    let mut metadata = Metadata::new(
        catalog.title.clone(),
        last_modified.to_owned(),
        catalog
            .version
            .clone()
            .unwrap_or_else(|| "unversioned".into()),
    );
    metadata
        .props
        .push(Prop::gapcheck("catalog-id", catalog.id.clone()));
    if let Some(a) = &catalog.authority {
        metadata.props.push(Prop::gapcheck("authority", a.clone()));
    }
    if let Some(url) = &catalog.url {
        metadata.links.push(Link {
            href: url.clone(),
            rel: Some("reference".into()),
            text: catalog.source.clone(),
        });
    }
    metadata.remarks = Some(format!(
        "Exported by gapcheck {} from catalog `{}`. Ids, titles and statements are the \
         catalog's text; properties in namespace {} (severity, citation) are gapcheck's.",
        env!("CARGO_PKG_VERSION"),
        catalog.id,
        super::model::NS
    ));
    let source = Resource {
        uuid: uuid::of(&["catalog-source", &catalog.id, &sha]),
        title: format!("gapcheck catalog `{}`", catalog.id),
        description: catalog.source.clone(),
        props: vec![Prop::gapcheck("sha256", sha.clone())],
        rlinks: catalog
            .files
            .iter()
            .map(|f| Rlink {
                href: f.path.clone(),
                media_type: Some("application/yaml".into()),
                hashes: vec![super::model::Hash {
                    algorithm: "SHA-256",
                    value: f.sha256.clone(),
                }],
            })
            .collect(),
        remarks: None,
    };
    Ok(Document {
        catalog: OscalCatalog {
            uuid: uuid::of(&["catalog", &catalog.id, &sha]),
            metadata,
            controls: ungrouped,
            groups,
            back_matter: BackMatter {
                resources: vec![source],
            },
        },
    })
}

/// A group id (an OSCAL token) from its title: `Administrative safeguards` →
/// `administrative-safeguards`; the position keeps two titles that slug alike apart.
fn group_id(title: &str, index: usize) -> String {
    let mut out = String::new();
    for ch in title.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let slug = out.trim_end_matches('-');
    format!("g{}-{slug}", index + 1)
}
