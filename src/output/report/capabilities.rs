//! `gapcheck capabilities`: the capability vocabulary with what each capability means and
//! which loaded controls need it, so that a user writing `responsibilities:` need not read
//! `controls/capabilities.yaml` and every catalog to learn the words.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::capability::CapabilityKind;
use crate::catalog::Registry;
use crate::decode::Keyword;

/// The wire model of the listing (`-f json`).
#[derive(Debug, Serialize)]
pub struct Listing {
    pub schema: &'static str,
    pub kinds: Vec<KindEntry>,
    pub capabilities: Vec<Entry>,
}

#[derive(Debug, Serialize)]
pub struct KindEntry {
    pub kind: CapabilityKind,
    pub meaning: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Entry {
    pub id: String,
    pub kind: CapabilityKind,
    pub description: String,
    /// `catalog:control` of every loaded control whose requirement names the capability,
    /// in catalog order.
    pub needed_by: Vec<String>,
}

pub const SCHEMA: &str = "gapcheck/capabilities/v1";

pub fn listing(registry: &Registry) -> Listing {
    let mut needed: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for catalog in registry.catalogs.values() {
        for control in &catalog.controls {
            let Some(requires) = &control.requires else {
                continue;
            };
            let mut named: Vec<&str> = requires
                .leaves()
                .iter()
                .map(|l| l.capability.as_str())
                .collect();
            named.dedup();
            named.sort_unstable();
            named.dedup();
            for capability in named {
                needed
                    .entry(capability)
                    .or_default()
                    .push(format!("{}:{}", catalog.id, control.id));
            }
        }
    }
    Listing {
        schema: SCHEMA,
        kinds: CapabilityKind::ALL
            .iter()
            .map(|&kind| KindEntry {
                kind,
                meaning: kind.meaning(),
            })
            .collect(),
        capabilities: registry
            .vocabulary
            .iter()
            .map(|c| Entry {
                id: c.id.clone(),
                kind: c.kind,
                description: c.description.clone(),
                needed_by: needed.remove(c.id.as_str()).unwrap_or_default(),
            })
            .collect(),
    }
}

/// The listing for a person: kinds first, then one block per capability with the number
/// of controls per catalog that need it (`-f json` lists the controls themselves).
pub fn text(listing: &Listing) -> String {
    let mut out = String::from("Kinds:\n");
    let width = CapabilityKind::names()
        .iter()
        .map(|n| n.len())
        .max()
        .unwrap_or(0);
    for k in &listing.kinds {
        out.push_str(&format!("  {:width$}  {}\n", k.kind.as_str(), k.meaning));
    }
    out.push_str(&format!(
        "\nCapabilities ({}), as `responsibilities:` and catalogs name them:\n",
        listing.capabilities.len()
    ));
    for c in &listing.capabilities {
        out.push_str(&format!(
            "\n  {} ({})\n    {}\n",
            c.id,
            c.kind.as_str(),
            c.description
        ));
        if c.needed_by.is_empty() {
            out.push_str("    needed by no loaded control\n");
            continue;
        }
        let mut per_catalog: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &c.needed_by {
            let catalog = r.split_once(':').map_or(r.as_str(), |(cat, _)| cat);
            *per_catalog.entry(catalog).or_default() += 1;
        }
        let counts: Vec<String> = per_catalog
            .iter()
            .map(|(cat, n)| format!("{cat} {n}"))
            .collect();
        out.push_str(&format!(
            "    needed by {} control(s): {}\n",
            c.needed_by.len(),
            counts.join(", ")
        ));
    }
    out
}
