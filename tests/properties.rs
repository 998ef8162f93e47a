//! Properties of the evaluator over random arrangements: strengthening a responsibility never
//! worsens a finding, weakening or removing one never improves a finding, evaluation is
//! deterministic, and every finding that is not met says why.
//!
//! Arrangements are generated as YAML text and loaded with `arrangement::load`, so every case
//! goes through the same validation a user's file does, against the built-in catalogs.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use gapcheck::arrangement::{self, Arrangement};
use gapcheck::catalog::Registry;
use gapcheck::evaluate::{self, Evaluation, Options, Policy, Status};
use gapcheck::report::{self, Format, RenderOptions, Run};
use proptest::prelude::*;

/// Strongest first, so a lower index is always at least as strong.
const CADENCES: &[&str] = &[
    "continuous",
    "daily",
    "weekly",
    "monthly",
    "quarterly",
    "semiannual",
    "annual",
];
const COVERAGES: &[&str] = &["24x7", "extended", "business-hours", "none"];
const RESPONSES: &[&str] = &["15m", "1h", "4h", "1d", "3d"];
const MODELS: &[&str] = &["break-fix", "managed", "co-managed"];
/// Live and expired exceptions over a few patterns, so waivers take part too.
const EXCEPTIONS: &[(&str, &str)] = &[
    ("^cmmc:AC\\.", "2099-01-01"),
    ("^hipaa-security:164\\.308", "2099-01-01"),
    ("^nist-800-53-conmon:", "2020-01-01"),
    (":SM-0", "2099-01-01"),
];

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry::load(true, &[]).expect("built-in catalogs load"))
}

fn capabilities() -> Vec<String> {
    registry().vocabulary.iter().map(|c| c.id.clone()).collect()
}

/// Providers a model may declare without contradicting itself (DESIGN §3).
fn providers_for(model: usize, with_repair: bool) -> Vec<&'static str> {
    let mut out = vec!["internal"];
    if MODELS[model] != "break-fix" {
        out.push("msp");
    }
    if with_repair || MODELS[model] == "break-fix" {
        out.push("repair");
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
struct Row {
    owners: Vec<&'static str>,
    cadence: Option<usize>,
    coverage: Option<usize>,
    response: Option<usize>,
    documented: bool,
}

#[derive(Debug, Clone)]
struct Plan {
    model: usize,
    with_repair: bool,
    internal_ftes: u8,
    internal_coverage: Option<usize>,
    msp_coverage: Option<usize>,
    after_hours: Option<bool>,
    /// Per built-in catalog: left out, or selected with the n-th profile (0 = none).
    frameworks: Vec<Option<usize>>,
    exception: Option<usize>,
    /// Capability index → its row in the division-of-responsibility matrix.
    rows: BTreeMap<usize, Row>,
}

impl Plan {
    fn providers(&self) -> Vec<&'static str> {
        providers_for(self.model, self.with_repair)
    }

    fn to_yaml(&self) -> String {
        let caps = capabilities();
        // Declaring every applicability fact keeps the fact-conditioned controls (HIPAA's
        // document-only group-health-plan specifications) in play.
        let mut y = String::from(
            "gapcheck: 1\norganization:\n  name: Property Co\n  facts: [group-health-plan, health-care-clearinghouse]\n",
        );
        if let Some(a) = self.after_hours {
            y += &format!("  after_hours_required: {a}\n");
        }
        y += &format!("model: {}\nframeworks:\n", MODELS[self.model]);
        let ids: Vec<&str> = registry().ids();
        let mut any = false;
        for (id, choice) in ids.iter().zip(&self.frameworks) {
            let Some(n) = choice else { continue };
            any = true;
            let catalog = &registry().catalogs[*id];
            let profiles: Vec<&String> = catalog.profiles.keys().collect();
            // A catalog that requires a profile always gets one.
            let index = if catalog.profile_required {
                Some(*n)
            } else {
                n.checked_sub(1)
            };
            match index.and_then(|i| profiles.get(i % profiles.len().max(1))) {
                Some(p) if !profiles.is_empty() => {
                    y += &format!("  - catalog: {id}\n    profile: {p}\n")
                }
                _ => y += &format!("  - {id}\n"),
            }
        }
        if !any {
            y += "  - service-model\n";
        }
        y += "providers:\n";
        y += &format!("  internal: {{kind: internal, ftes: {}", self.internal_ftes);
        if let Some(c) = self.internal_coverage {
            y += &format!(", coverage: {}", COVERAGES[c]);
        }
        y += "}\n";
        if self.providers().contains(&"msp") {
            y += "  msp: {kind: msp";
            if let Some(c) = self.msp_coverage {
                y += &format!(", coverage: {}", COVERAGES[c]);
            }
            y += "}\n";
        }
        if self.providers().contains(&"repair") {
            y += "  repair: {kind: break-fix}\n";
        }
        y += "responsibilities:\n";
        if self.rows.is_empty() {
            y.truncate(y.len() - "responsibilities:\n".len());
        }
        for (cap, row) in &self.rows {
            y += &format!("  {}: {{owner: [{}]", caps[*cap], row.owners.join(", "));
            if let Some(c) = row.cadence {
                y += &format!(", cadence: {}", CADENCES[c]);
            }
            if let Some(c) = row.coverage {
                y += &format!(", coverage: {}", COVERAGES[c]);
            }
            if let Some(r) = row.response {
                y += &format!(", response: {}", RESPONSES[r]);
            }
            if row.documented {
                y += ", escalation: documented";
            }
            y += "}\n";
        }
        if let Some(e) = self.exception {
            let (pattern, expires) = EXCEPTIONS[e];
            y += &format!(
                // Some patterns waive most of a framework: allowed explicitly (issue 11).
                "exceptions:\n  - pattern: '{pattern}'\n    reason: accepted risk\n    owner: CFO\n    expires: {expires}\n    allow_broad: true\n"
            );
        }
        y
    }
}

fn row(providers: Vec<&'static str>) -> impl Strategy<Value = Row> {
    (
        proptest::sample::subsequence(providers.clone(), 1..=providers.len()),
        proptest::option::of(0..CADENCES.len()),
        proptest::option::of(0..COVERAGES.len()),
        proptest::option::of(0..RESPONSES.len()),
        any::<bool>(),
    )
        .prop_map(|(owners, cadence, coverage, response, documented)| Row {
            owners,
            cadence,
            coverage,
            response,
            documented,
        })
}

fn plan() -> impl Strategy<Value = Plan> {
    let n_caps = capabilities().len();
    let n_catalogs = registry().catalogs.len();
    (0..MODELS.len(), any::<bool>()).prop_flat_map(move |(model, with_repair)| {
        let providers = providers_for(model, with_repair);
        (
            0u8..3,
            proptest::option::of(0..COVERAGES.len()),
            proptest::option::of(0..COVERAGES.len()),
            proptest::option::of(any::<bool>()),
            proptest::collection::vec(proptest::option::of(0usize..4), n_catalogs),
            proptest::option::of(0..EXCEPTIONS.len()),
            proptest::collection::btree_map(0..n_caps, row(providers), 0..=n_caps),
        )
            .prop_map(
                move |(ftes, icov, mcov, after_hours, frameworks, exception, rows)| Plan {
                    model,
                    with_repair,
                    internal_ftes: ftes,
                    internal_coverage: icov,
                    msp_coverage: mcov,
                    after_hours,
                    frameworks,
                    exception,
                    rows,
                },
            )
    })
}

/// One change to one row of the matrix. `pick` chooses the row or capability, `to` the new
/// value, both taken modulo what exists.
#[derive(Debug, Clone, Copy)]
enum Change {
    Cadence,
    Coverage,
    Response,
    Escalation,
    Owner,
    Row,
}

fn change() -> impl Strategy<Value = (Change, usize, usize)> {
    (
        prop_oneof![
            Just(Change::Cadence),
            Just(Change::Coverage),
            Just(Change::Response),
            Just(Change::Escalation),
            Just(Change::Owner),
            Just(Change::Row),
        ],
        any::<usize>(),
        any::<usize>(),
    )
}

/// A value strictly stronger than `current` (lower index), or any value when unset.
fn stronger(current: Option<usize>, to: usize) -> Option<usize> {
    match current {
        None => Some(to),
        Some(0) => None,
        Some(c) => Some(to % c),
    }
}

/// A value strictly weaker than `current` (higher index), if there is one.
fn weaker(current: usize, len: usize, to: usize) -> Option<usize> {
    (current + 1 < len).then(|| current + 1 + to % (len - current - 1))
}

/// Strengthens `plan` by `change`; `None` when it cannot be strengthened that way.
fn strengthen(plan: &Plan, (change, pick, to): (Change, usize, usize)) -> Option<Plan> {
    let mut p = plan.clone();
    let providers = p.providers();
    if let Change::Row = change {
        let free: Vec<usize> = (0..capabilities().len())
            .filter(|c| !p.rows.contains_key(c))
            .collect();
        let cap = *free.get(pick % free.len().max(1))?;
        let owner = providers[to % providers.len()];
        p.rows.insert(
            cap,
            Row {
                owners: vec![owner],
                cadence: Some(0),
                coverage: Some(0),
                response: Some(0),
                documented: true,
            },
        );
        return Some(p);
    }
    let key = *p.rows.keys().nth(pick % p.rows.len().max(1))?;
    let row = p.rows.get_mut(&key)?;
    match change {
        Change::Cadence => row.cadence = Some(stronger(row.cadence, to % CADENCES.len())?),
        Change::Response => row.response = Some(stronger(row.response, to % RESPONSES.len())?),
        // An unset coverage falls back to the owners' own; only the strongest value is
        // certain to be at least that.
        Change::Coverage => row.coverage = Some(stronger(row.coverage, 0)?),
        Change::Escalation if row.documented => return None,
        Change::Escalation => row.documented = true,
        // Sharing a row is stronger only with documented escalation (DESIGN §5): undocumented
        // shared ownership is partial by design.
        Change::Owner => {
            let extra: Vec<&str> = providers
                .iter()
                .copied()
                .filter(|o| !row.owners.contains(o))
                .collect();
            row.owners.push(extra.get(to % extra.len().max(1))?);
            row.documented = true;
        }
        Change::Row => unreachable!("handled above"),
    }
    Some(p)
}

/// Weakens `plan` by `change`, the mirror of [`strengthen`]; `Row` removes the row.
fn weaken(plan: &Plan, (change, pick, to): (Change, usize, usize)) -> Option<Plan> {
    let mut p = plan.clone();
    let key = *p.rows.keys().nth(pick % p.rows.len().max(1))?;
    let row = p.rows.get_mut(&key)?;
    match change {
        Change::Row => {
            p.rows.remove(&key);
        }
        // Past the weakest value the cadence or response time goes: undeclared meets no
        // requirement at all.
        Change::Cadence => row.cadence = weaker(row.cadence?, CADENCES.len(), to),
        Change::Response => row.response = weaker(row.response?, RESPONSES.len(), to),
        // Removing a row's coverage may raise it to the owners' own, so only a weaker value
        // is a weakening.
        Change::Coverage => row.coverage = Some(weaker(row.coverage?, COVERAGES.len(), to)?),
        Change::Escalation if !row.documented => return None,
        Change::Escalation => row.documented = false,
        // Dropping one of several owners is a weakening only where sharing was documented;
        // otherwise it also removes the undocumented-sharing problem.
        Change::Owner if row.owners.len() < 2 || !row.documented => return None,
        Change::Owner => {
            let i = to % row.owners.len();
            row.owners.remove(i);
        }
    }
    Some(p)
}

fn load(plan: &Plan) -> Arrangement {
    let yaml = plan.to_yaml();
    match arrangement::load("property.yaml", &yaml, registry()) {
        Ok((a, _)) => a,
        Err(diags) => panic!("generated arrangement does not load: {diags:#?}\n{yaml}"),
    }
}

fn options() -> Options {
    Options::new(jiff::civil::date(2026, 6, 1))
}

fn statuses(e: &Evaluation) -> Vec<(String, Status)> {
    e.findings
        .iter()
        .map(|f| (f.reference().to_string(), f.status))
        .collect()
}

/// Compares two evaluations of the same frameworks control by control; `ok(before, after)`
/// says whether a change of rank is allowed.
fn compare(before: &Plan, after: &Plan, ok: fn(u8, u8) -> bool) -> Result<(), TestCaseError> {
    let (a, b) = (load(before), load(after));
    let (ea, eb) = (
        evaluate::evaluate(registry(), &a, &options()),
        evaluate::evaluate(registry(), &b, &options()),
    );
    let (sa, sb) = (statuses(&ea), statuses(&eb));
    prop_assert_eq!(sa.len(), sb.len());
    // The one rule that is not monotone by design: an assessor must be independent of the
    // work it assesses (CA-7(1)), so taking a provider's operating duties away can make it
    // independent, and giving it more can end its independence. Those controls are exempt.
    let independence = |e: &Evaluation, i: usize| {
        e.findings[i]
            .reasons
            .iter()
            .any(|r| r.code == gapcheck::evaluate::ReasonCode::Independence)
    };
    for (i, ((control, x), (_, y))) in sa.iter().zip(&sb).enumerate() {
        if independence(&ea, i) || independence(&eb, i) {
            continue;
        }
        prop_assert!(
            ok(x.rank(), y.rank()),
            "{control}: {x:?} became {y:?}\nbefore:\n{}\nafter:\n{}",
            before.to_yaml(),
            after.to_yaml()
        );
    }
    Ok(())
}

fn json_report(a: &Arrangement, e: &Evaluation) -> String {
    let fit = gapcheck::fit::fit(a, e);
    let sprs = gapcheck::sprs::project(e, a);
    let run = Run {
        arrangement: a,
        registry: registry(),
        evaluation: e,
        fit: &fit,
        sprs: sprs.as_ref(),
        policy: Policy::default(),
        generated_at: "2026-06-01T00:00:00Z".into(),
        today: "2026-06-01".into(),
        baseline: None,
        evidence: None,
    };
    report::render(Format::Json, &run, &RenderOptions::default()).expect("JSON renders")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn strengthening_never_worsens_a_finding(plan in plan(), c in change()) {
        let Some(stronger) = strengthen(&plan, c) else { return Ok(()) };
        compare(&plan, &stronger, |before, after| after <= before)?;
    }

    #[test]
    fn weakening_or_removing_never_improves_a_finding(plan in plan(), c in change()) {
        let Some(weaker) = weaken(&plan, c) else { return Ok(()) };
        compare(&plan, &weaker, |before, after| after >= before)?;
    }

    #[test]
    fn evaluation_is_deterministic(plan in plan()) {
        let (a, b) = (load(&plan), load(&plan));
        let (ea, eb) = (
            evaluate::evaluate(registry(), &a, &options()),
            evaluate::evaluate(registry(), &b, &options()),
        );
        prop_assert_eq!(statuses(&ea), statuses(&eb));
        prop_assert_eq!(json_report(&a, &ea), json_report(&b, &eb));
    }

    #[test]
    fn every_unmet_finding_has_a_reason(plan in plan()) {
        let a = load(&plan);
        let e = evaluate::evaluate(registry(), &a, &options());
        for f in &e.findings {
            let unmet = matches!(f.status, Status::Gap | Status::Partial | Status::NeedsEvidence);
            prop_assert!(
                !unmet || !f.reasons.is_empty(),
                "{} is {:?} without a reason\n{}",
                f.reference(),
                f.status,
                plan.to_yaml()
            );
            prop_assert!(!f.failing || unmet, "{} fails while {:?}", f.reference(), f.status);
        }
    }
}

/// The generator itself must reach the interesting cases, or the properties prove little.
#[test]
fn generated_arrangements_cover_every_status_that_responsibilities_decide() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..64 {
        let plan = plan().new_tree(&mut runner).expect("a plan").current();
        let a = load(&plan);
        for f in evaluate::evaluate(registry(), &a, &options()).findings {
            seen.insert(format!("{:?}", f.status));
        }
    }
    for status in [
        "Satisfied",
        "Partial",
        "Gap",
        "Waived",
        "NeedsEvidence",
        "NotApplicable",
    ] {
        assert!(seen.contains(status), "{status} never generated: {seen:?}");
    }
}
