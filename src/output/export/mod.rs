//! Exports for the OSCAL toolchain and an assessor's spreadsheets (issue 14): OSCAL
//! catalogs of gapcheck's own frameworks, a system security plan (SSP), a plan of action
//! and milestones (POA&M), and the findings sheet.
//!
//! Output layer: these modules read the model and the engine's findings and never change
//! them. Every document is deterministic: UUIDs are name-based ([`uuid`]) and the only time
//! stamp is the one the caller passes (SOURCE_DATE_EPOCH when set).

pub mod findings_csv;
pub mod model;
pub mod oscal_catalog;
pub mod poam;
pub mod profile;
pub mod ssp;
pub mod uuid;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::{Catalog, Control, Prop};

/// The digests of every evaluated catalog, joined: part of each document's UUID seed, so a
/// changed catalog gives a new document identity while the same inputs give the same one.
pub(crate) fn catalog_digests(run: &crate::report::Run) -> String {
    let shas: Vec<String> = run
        .evaluation
        .scopes
        .iter()
        .map(|s| s.catalog.sha256())
        .collect();
    shas.join(",")
}

/// How a document is written: by the output file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    Yaml,
}

impl Encoding {
    pub fn from_path(path: &std::path::Path) -> Option<Encoding> {
        match path.extension()?.to_str()? {
            "json" => Some(Encoding::Json),
            "yaml" | "yml" => Some(Encoding::Yaml),
            _ => None,
        }
    }
}

/// Serializes an OSCAL document (a struct whose one field is the model's root).
pub fn encode<T: Serialize>(doc: &T, encoding: Encoding) -> String {
    match encoding {
        Encoding::Json => {
            let mut s = serde_json::to_string_pretty(doc).expect("OSCAL documents serialize");
            s.push('\n');
            s
        }
        Encoding::Yaml => {
            // Through a JSON value: every string then goes through the YAML emitter's own
            // quoting, which the tests check by reading the YAML back.
            let value = serde_json::to_value(doc).expect("OSCAL documents serialize");
            serde_saphyr::to_string(&value).expect("a JSON value serializes as YAML")
        }
    }
}

/// The OSCAL id of a control: NIST's own (`si-4.2`, kept in the catalog's `oscal_id` prop)
/// where the catalog has one, else the printed id made into an OSCAL token: `(` becomes
/// `_`, `)` is dropped, any other character a token cannot hold becomes `-`, and an id that
/// does not start with a letter gets a leading `_` (`164.308(a)(1)(ii)(D)` →
/// `_164.308_a_1_ii_D`). The printed id always travels with it as the `label` property.
pub fn control_id(control: &Control) -> String {
    if let Some(Prop::Str(s)) = control.props.get("oscal_id") {
        return s.clone();
    }
    token(&control.id)
}

fn token(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 1);
    for ch in id.chars() {
        match ch {
            '(' => out.push('_'),
            ')' => {}
            c if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') => out.push(c),
            _ => out.push('-'),
        }
    }
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// The OSCAL ids of a catalog's controls, checked to be distinct: two printed ids that map
/// to one token would make an SSP ambiguous.
pub fn control_ids(catalog: &Catalog) -> Result<BTreeMap<String, String>, String> {
    let mut by_token: BTreeMap<String, &str> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for c in &catalog.controls {
        let t = control_id(c);
        if let Some(first) = by_token.insert(t.clone(), &c.id) {
            return Err(format!(
                "catalog `{}`: controls `{first}` and `{}` both become OSCAL id `{t}`",
                catalog.id, c.id
            ));
        }
        out.insert(c.id.clone(), t);
    }
    Ok(out)
}

/// Where the OSCAL form of a catalog is found: NIST's published SP 800-53 catalog for the
/// built-in NIST subset (its ids are NIST's), otherwise the file
/// `gapcheck catalog export ID --format oscal` writes, named by convention.
pub fn catalog_href(catalog: &Catalog) -> String {
    if catalog
        .controls
        .iter()
        .all(|c| c.props.contains_key("oscal_id"))
        && !catalog.controls.is_empty()
    {
        NIST_CATALOG.to_owned()
    } else {
        catalog_file_name(&catalog.id)
    }
}

/// The file name an exported gapcheck catalog is expected under, beside the SSP.
pub fn catalog_file_name(id: &str) -> String {
    format!("gapcheck-catalog-{id}.json")
}

/// NIST's SP 800-53 Rev. 5 catalog in OSCAL JSON, as NIST publishes it.
pub const NIST_CATALOG: &str = "https://raw.githubusercontent.com/usnistgov/oscal-content/main/nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json";

#[cfg(test)]
mod tests {
    use super::token;

    #[test]
    fn tokens_of_printed_ids() {
        assert_eq!(token("164.308(a)(1)(ii)(D)"), "_164.308_a_1_ii_D");
        assert_eq!(token("314.4(d)(2)"), "_314.4_d_2");
        assert_eq!(token("AC.L1-b.1.i"), "AC.L1-b.1.i");
        assert_eq!(token("SM-06"), "SM-06");
        assert_eq!(token("a b/c"), "a-b-c");
    }
}
