//! The responsibility matrix and the customer responsibility matrix: per control, which
//! provider holds each capability its requirement names.

use super::*;

/// The capabilities a control's requirement names, in first-mention order, deduplicated.
pub(super) fn required_capabilities(c: &Control) -> Vec<String> {
    let mut seen = BTreeSet::new();
    c.requires
        .iter()
        .flat_map(|r| r.leaves())
        .filter(|l| seen.insert(l.capability.as_str()))
        .map(|l| l.capability.clone())
        .collect()
}

pub(super) fn provider_label(a: &Arrangement, id: &str) -> String {
    match a.provider(id) {
        Some(p) if p.name != p.id => format!("{} ({})", p.name, p.id),
        _ => id.to_owned(),
    }
}

pub(super) fn matrix(run: &Run, in_scope: &[&Finding]) -> (Vec<MatrixRow>, Vec<String>) {
    let a = run.arrangement;
    let mut needed: BTreeMap<String, usize> = BTreeMap::new();
    for f in in_scope {
        for cap in required_capabilities(f.control) {
            *needed.entry(cap).or_default() += 1;
        }
    }
    let mut rows = Vec::new();
    let mut unowned = Vec::new();
    // Vocabulary order is sorted by id; capabilities neither assigned nor needed are left
    // out, so the matrix shows what the arrangement and its frameworks are about.
    for cap in run.registry.vocabulary.iter() {
        let resp = a.responsibilities.get(&cap.id);
        let needed_by = needed.get(&cap.id).copied().unwrap_or(0);
        if resp.is_none() && needed_by == 0 {
            continue;
        }
        let owners: Vec<String> = resp.map(|r| r.owners.clone()).unwrap_or_default();
        let is_unowned = owners.is_empty() && needed_by > 0;
        if is_unowned {
            unowned.push(cap.id.clone());
        }
        rows.push(MatrixRow {
            capability: cap.id.clone(),
            kind: cap.kind.to_string(),
            description: cap.description.clone(),
            cells: a.providers.keys().map(|p| owners.contains(p)).collect(),
            owners: owners.iter().map(|o| provider_label(a, o)).collect(),
            cadence: resp.and_then(|r| r.cadence).map(|c| c.to_string()),
            coverage: resp.and_then(|r| r.coverage).map(|c| c.to_string()),
            response: resp.and_then(|r| r.response).map(|d| d.to_string()),
            escalation: resp
                .filter(|r| r.owners.len() > 1)
                .map(|r| r.escalation.to_string()),
            notes: resp.and_then(|r| r.notes.clone()),
            line: resp.map(|r| r.pos.line),
            needed_by,
            unowned: is_unowned,
        });
    }
    (rows, unowned)
}

/// The customer responsibility matrix: every evaluated (in-scope) control with who answers
/// for it. A control met only by documents is the organization's own responsibility.
pub fn crm(a: &Arrangement, in_scope: &[&Finding]) -> Vec<CrmRow> {
    in_scope
        .iter()
        .map(|f| {
            let capabilities = required_capabilities(f.control);
            let unassigned: Vec<String> = capabilities
                .iter()
                .filter(|c| !a.responsibilities.contains_key(*c))
                .cloned()
                .collect();
            let kinds: BTreeSet<bool> = f
                .owners
                .iter()
                .map(|o| {
                    a.provider(o)
                        .is_some_and(|p| p.kind == ProviderKind::Internal)
                })
                .collect();
            let responsibility = if f.control.requires.is_none() {
                Responsibility::Internal
            } else if f.owners.is_empty() {
                Responsibility::Nobody
            } else if kinds.len() > 1 {
                Responsibility::Shared
            } else if kinds.contains(&true) {
                Responsibility::Internal
            } else if f.owners.len() == 1 {
                Responsibility::Provider
            } else {
                Responsibility::Shared
            };
            let parties = if f.control.requires.is_none() {
                vec!["the organization (documented evidence)".to_owned()]
            } else {
                f.owners.iter().map(|o| provider_label(a, o)).collect()
            };
            CrmRow {
                catalog: f.catalog.id.clone(),
                control: f.control.id.clone(),
                title: f.control.title.clone(),
                status: f.status,
                severity: f.control.severity,
                responsibility,
                parties,
                capabilities,
                unassigned,
            }
        })
        .collect()
}

pub(super) fn crm_groups(run: &Run, crm: &[CrmRow]) -> Vec<CrmGroup> {
    let a = run.arrangement;
    run.evaluation
        .scopes
        .iter()
        .map(|s| CrmGroup {
            catalog: s.catalog.id.clone(),
            title: s.catalog.title.clone(),
            rows: crm
                .iter()
                .filter(|r| r.catalog == s.catalog.id)
                .map(|r| CrmRow {
                    parties: r.parties.iter().map(|p| short_party(a, p)).collect(),
                    ..r.clone()
                })
                .collect(),
        })
        .filter(|g| !g.rows.is_empty())
        .collect()
}

/// "Name (id)" back to the provider's name, for tables that have no room for both.
pub(super) fn short_party(a: &Arrangement, label: &str) -> String {
    a.providers
        .values()
        .find(|p| provider_label(a, &p.id) == label)
        .map_or_else(|| label.to_owned(), |p| p.name.clone())
}
