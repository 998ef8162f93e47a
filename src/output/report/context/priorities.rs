//! Remediation priorities: capabilities ranked by the controls needing work whose reasons name
//! them, weighted by severity.

use super::*;

/// How much a failing control counts towards a remediation priority.
pub(super) fn weight(s: Severity) -> usize {
    match s {
        Severity::High => 3,
        Severity::Moderate => 2,
        Severity::Low => 1,
    }
}

/// Ranks capabilities by the severity-weighted number of failing controls they are at
/// fault for. Also returns how many failing controls only an attestation can resolve.
/// Whether a control needs work: failing, not met or partly met. Remediation priorities rank
/// these, and the portfolio index counts them across clients.
pub fn needs_work(f: &Finding) -> bool {
    f.failing || matches!(f.status, Status::Gap | Status::Partial)
}

/// The in-scope controls needing work, as `catalog:control`, sorted.
pub fn needing_work(run: &Run) -> Vec<String> {
    let mut v: Vec<String> = run
        .evaluation
        .findings
        .iter()
        .filter(|f| f.status != Status::NotApplicable && needs_work(f))
        .map(|f| format!("{}:{}", f.catalog.id, f.control.id))
        .collect();
    v.sort();
    v
}

/// Per capability, the controls needing work that it alone would resolve (the priorities'
/// "resolved by this alone"), most first; capabilities resolving none are left out.
pub fn resolves_alone(run: &Run) -> Vec<(String, usize)> {
    let in_scope: Vec<&Finding> = run
        .evaluation
        .findings
        .iter()
        .filter(|f| f.status != Status::NotApplicable)
        .collect();
    let mut v: Vec<(String, usize)> = priorities(run, &in_scope)
        .0
        .into_iter()
        .filter(|p| p.resolves_alone > 0)
        .map(|p| (p.capability, p.resolves_alone))
        .collect();
    v.sort_by(|(a, x), (b, y)| y.cmp(x).then(a.cmp(b)));
    v
}

pub(super) fn priorities(run: &Run, in_scope: &[&Finding]) -> (Vec<Priority>, usize) {
    #[derive(Default)]
    struct Acc {
        score: usize,
        controls: usize,
        by_severity: [usize; 3],
        resolves_alone: usize,
        failing: usize,
        problems: BTreeSet<String>,
        frameworks: BTreeSet<String>,
    }
    let a = run.arrangement;
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    let mut evidence_only = 0;
    // Partly met controls count too: under the default policy they do not fail the run,
    // but they are work the owner has to plan, and page one would otherwise say nothing.
    for f in in_scope.iter().filter(|f| needs_work(f)) {
        let caps: BTreeSet<&str> = f
            .reasons
            .iter()
            .filter_map(|r| r.capability.as_deref())
            .collect();
        if caps.is_empty() {
            if f.failing && f.control.requires.is_none() {
                evidence_only += 1;
            }
            continue;
        }
        for cap in &caps {
            let e = acc.entry((*cap).to_owned()).or_default();
            e.score += weight(f.control.severity);
            e.controls += 1;
            e.by_severity[match f.control.severity {
                Severity::High => 0,
                Severity::Moderate => 1,
                Severity::Low => 2,
            }] += 1;
            if caps.len() == 1 {
                e.resolves_alone += 1;
            }
            if f.failing {
                e.failing += 1;
            }
            e.frameworks.insert(f.catalog.id.clone());
            for r in &f.reasons {
                if r.capability.as_deref() == Some(*cap) {
                    e.problems.insert(r.code.to_string());
                }
            }
        }
    }
    let mut list: Vec<(String, Acc)> = acc.into_iter().collect();
    list.sort_by(|(x_id, x), (y_id, y)| {
        y.score
            .cmp(&x.score)
            .then(y.resolves_alone.cmp(&x.resolves_alone))
            .then(x_id.cmp(y_id))
    });
    let out = list
        .into_iter()
        .enumerate()
        .map(|(i, (cap, e))| Priority {
            rank: i + 1,
            kind: run
                .registry
                .vocabulary
                .get(&cap)
                .map(|c| c.kind.to_string())
                .unwrap_or_default(),
            owners: a
                .responsibilities
                .get(&cap)
                .map(|r| r.owners.iter().map(|o| provider_label(a, o)).collect())
                .unwrap_or_default(),
            capability: cap,
            problems: e.problems.into_iter().collect(),
            score: e.score,
            controls: e.controls,
            high: e.by_severity[0],
            moderate: e.by_severity[1],
            low: e.by_severity[2],
            resolves_alone: e.resolves_alone,
            failing: e.failing,
            frameworks: e.frameworks.into_iter().collect(),
        })
        .collect();
    (out, evidence_only)
}
