//! Unit tests of evaluation: the failure policy, and parallel evaluation against one thread.

use super::*;

/// Chunked evaluation on every core gives the findings and remarks of one thread, in
/// the same order, with exceptions and attestations used (or not) in any chunk.
#[test]
fn parallel_evaluation_equals_sequential() {
    let registry = Registry::load(true, &[]).expect("built-ins load");
    let today = Date::constant(2026, 11, 29);
    for fixture in [
        "managed",
        "co-managed",
        "clinic",
        "credit-union",
        "ny-mortgage-broker",
    ] {
        let path = format!("{}/fixtures/{fixture}.yaml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("fixture");
        let (a, _) = crate::arrangement::load(&path, &text, &registry).expect("valid");
        assert!(!a.exceptions.is_empty() && !a.attestations.is_empty());
        let opts = Options::new(today);
        let one = evaluate_in_parallel_from(&registry, &a, &opts, None, usize::MAX);
        let all = evaluate_in_parallel_from(&registry, &a, &opts, None, 1);
        assert!(!one.findings.is_empty());
        assert_eq!(format!("{:?}", one.findings), format!("{:?}", all.findings));
        assert_eq!(format!("{:?}", one.remarks), format!("{:?}", all.remarks));
    }
}

#[test]
fn fail_policy_matrix() {
    use Status::*;
    let all = <Status as crate::decode::Keyword>::ALL;
    let failing = |fail_on, min_severity, severity| {
        all.iter()
            .filter(|s| {
                Policy {
                    fail_on,
                    min_severity,
                }
                .fails(**s, severity)
            })
            .copied()
            .collect::<Vec<_>>()
    };
    assert_eq!(failing(FailOn::Gap, Severity::Low, Severity::Low), [Gap]);
    assert_eq!(
        failing(FailOn::Partial, Severity::Low, Severity::Low),
        [Partial, Gap]
    );
    assert_eq!(
        failing(FailOn::NeedsEvidence, Severity::Low, Severity::Low),
        [NeedsEvidence, Partial, Gap]
    );
    assert!(failing(FailOn::Never, Severity::Low, Severity::High).is_empty());
    assert!(failing(FailOn::Gap, Severity::High, Severity::Moderate).is_empty());
    assert_eq!(
        failing(FailOn::Gap, Severity::Moderate, Severity::High),
        [Gap]
    );
}

#[test]
fn status_rank_orders_met_before_open() {
    assert!(Status::Satisfied.rank() < Status::Waived.rank());
    assert!(Status::Waived.rank() < Status::NeedsEvidence.rank());
    assert!(Status::Partial.rank() < Status::Gap.rank());
    assert_eq!(Status::Attested.rank(), Status::Satisfied.rank());
}
