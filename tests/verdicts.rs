//! Issue 10: verdicts an auditor can defend. Each case seen in review has a test here that
//! failed before the rule was fixed; the fixtures live in `fixtures/cases/`.

mod common;

use common::{TODAY, check_json, codes, finding, run};
use serde_json::Value;

fn case(name: &str) -> String {
    format!("fixtures/cases/{name}.yaml")
}

/// The text of one report section: from its heading to the next heading of the same level.
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("no heading {heading:?}"));
    let rest = &text[start + heading.len()..];
    let end = ["\n## ", "\n### ", "<h2", "<h3"]
        .iter()
        .filter_map(|h| rest.find(h))
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Case 1: in a break-fix arrangement, ongoing work owned by internal staff counts, `all`
/// gives partial credit as in every model, and no message says nobody does work an owner does.
#[test]
fn break_fix_credits_internal_staff_and_keeps_the_all_rule() {
    let (_, r) = check_json(&[&case("dental-break-fix")]);
    let plan = finding(&r, "hipaa-security", "164.308(a)(7)(ii)(A)");
    assert_eq!(plan["status"], "partial");
    assert_eq!(codes(plan), ["unassigned"]);
    assert_eq!(plan["ongoing_work"], serde_json::json!(["internal"]));
    for f in r["findings"].as_array().unwrap() {
        for reason in f["reasons"].as_array().unwrap() {
            let m = reason["message"].as_str().unwrap();
            assert!(
                !m.contains("cannot meet this control"),
                "{}: {m}",
                f["control"]
            );
        }
    }
    let f = finding(&r, "hipaa-security", "164.308(a)(5)(ii)(B)");
    assert_eq!(f["status"], "satisfied");
    assert_eq!(f["break_fix_incompatible"], true);
    assert_eq!(f["ongoing_work"], serde_json::json!(["internal"]));
}

/// Case 1, the reports: satisfied controls are listed as covered by internal staff, never
/// under the heading of gaps the model causes.
#[test]
fn break_fix_section_splits_model_gaps_from_internal_coverage() {
    for (format, gaps, covered) in [
        (
            "markdown",
            "### Gaps because of the model",
            "### Covered by internal staff",
        ),
        (
            "html",
            ">Gaps because of the model</h3>",
            ">Covered by internal staff</h3>",
        ),
    ] {
        let out = run(&[
            "check",
            &case("dental-break-fix"),
            "-f",
            format,
            "--today",
            TODAY,
        ]);
        assert!(out.code <= 1, "{}", out.stderr);
        let uncovered = section(&out.stdout, gaps);
        assert!(!uncovered.contains("satisfied"), "{format}: {uncovered}");
        let ok = section(&out.stdout, covered);
        assert!(ok.contains("164.308(a)(5)(ii)(B)"), "{format}: {ok}");
        assert!(ok.contains("internal staff"), "{format}: {ok}");
        assert!(!out.stdout.contains("cannot satisfy"), "{format}");
    }
}

/// Case 3: an active exception waives the control whatever the arrangement delivers, SPRS
/// counts it as not met, and no report calls it covered.
#[test]
fn an_exception_waives_even_a_control_with_an_owner() {
    let (_, r) = check_json(&[&case("cnc-exception")]);
    let f = finding(&r, "cmmc", "SC.L2-3.13.11");
    assert_eq!(f["status"], "waived");
    assert!(f["exception"]["reason"].as_str().unwrap().contains("FIPS"));
    let open: Vec<&Value> = r["summary"]["sprs"]["open"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["control"] == "SC.L2-3.13.11")
        .collect();
    assert_eq!(open.len(), 1, "SPRS counts the waived control as not met");
    for format in ["markdown", "html"] {
        let out = run(&[
            "check",
            &case("cnc-exception"),
            "-f",
            format,
            "--today",
            TODAY,
        ]);
        let words = out
            .stdout
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| *w == "covered")
            .count();
        assert_eq!(words, 0, "{format} calls something covered");
    }
}

/// A copy of a case fixture with `from` replaced by `to`, in a temporary directory.
fn variant(name: &str, from: &str, to: &str) -> (tempfile::TempDir, String) {
    let text = std::fs::read_to_string(case(name)).unwrap();
    assert!(text.contains(from), "{name} has no {from:?}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.yaml"));
    std::fs::write(&path, text.replace(from, to)).unwrap();
    (dir, path.display().to_string())
}

fn recommended(path: &str) -> String {
    let out = run(&["recommend", path, "-f", "json"]);
    assert_eq!(out.code, 0, "{path}: {}", out.stderr);
    let fit: Value = serde_json::from_str(&out.stdout).unwrap();
    fit["recommended"].as_str().unwrap().to_owned()
}

/// Case 2: model fit can recommend each of the three models; an organization under no
/// regulation declares `frameworks: []`.
#[test]
fn model_fit_recommends_each_model() {
    assert_eq!(recommended(&case("studio-fit")), "break-fix");
    assert_eq!(recommended(&case("firm-fit")), "co-managed");
    assert_eq!(recommended(&case("clinic-fit")), "managed");
    // The studio's own check runs with no framework and its declared model fits.
    let (code, r) = check_json(&[&case("studio-fit")]);
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["controls"], 0);
    assert_eq!(r["model_fit"]["fits"], true);
    // Service-model practice applies to managed and co-managed arrangements only: the studio
    // checked against it gets no help-desk, monitoring or incident-record findings.
    let (_dir, with_sm) = variant(
        "studio-fit",
        "frameworks: []",
        "frameworks: [service-model]",
    );
    let (_, r) = check_json(&[&with_sm]);
    assert_eq!(r["model_fit"]["recommended"], "break-fix");
    for id in ["SM-06", "SM-07", "SM-08"] {
        assert_eq!(
            finding(&r, "service-model", id)["status"],
            "not-applicable",
            "{id}"
        );
    }
}

/// Case 4: at 110 with nothing open the status is Final Level 2 (Self), not Conditional.
/// Partial credit for IA.L2-3.5.3 and SC.L2-3.13.11 needs the arrangement's declaration.
#[test]
fn sprs_status_and_declared_partial_credit() {
    let (_, r) = check_json(&[&case("cnc-exception")]);
    let sprs = &r["summary"]["sprs"];
    let open = |r: &Value, id: &str| -> Value {
        r["summary"]["sprs"]["open"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["control"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    // Waived without a declaration: full 5 points, and not POA&M-eligible.
    assert_eq!(open(&r, "SC.L2-3.13.11")["points"], 5);
    assert!(
        sprs["not_poam_eligible"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "SC.L2-3.13.11")
    );
    // Declared: encryption employed but not FIPS-validated costs 3 and may be on a POA&M.
    let (_dir, declared) = variant(
        "cnc-exception",
        "exceptions:",
        "cmmc: {encryption: not-fips-validated}\nexceptions:",
    );
    let (_, r) = check_json(&[&declared]);
    assert_eq!(open(&r, "SC.L2-3.13.11")["points"], 3);
    assert!(
        !r["summary"]["sprs"]["not_poam_eligible"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "SC.L2-3.13.11")
    );
    // The declaration is the organization's word that MFA is partial: a named owner does not
    // make the control satisfied.
    let (_dir2, mfa) = variant(
        "cnc-exception",
        "exceptions:",
        "cmmc: {mfa: remote-and-privileged-only}\nexceptions:",
    );
    let (_, r) = check_json(&[&mfa]);
    let f = finding(&r, "cmmc", "IA.L2-3.5.3");
    assert_eq!(f["status"], "partial");
    assert!(codes(f).contains(&"declared-partial".to_owned()));
    assert_eq!(open(&r, "IA.L2-3.5.3")["points"], 3);
    assert_eq!(r["summary"]["sprs"]["status"], "not-eligible");
    // An invalid declaration is an error with its position.
    let (_dir3, bad) = variant(
        "cnc-exception",
        "exceptions:",
        "cmmc: {mfa: most}\nexceptions:",
    );
    let out = run(&["check", &bad, "--today", TODAY]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("remote-and-privileged-only"),
        "{}",
        out.stderr
    );
}

/// Case 4: the status names. A projection with nothing open is Final; the score ignores
/// `--select`.
#[test]
fn sprs_final_status_and_whole_level_scoring() {
    let (_, r) = check_json(&["fixtures/defense-subcontractor.yaml"]);
    let whole = r["summary"]["sprs"].clone();
    assert_ne!(whole["status"], "final-level-2-self");
    let (_, narrowed) = check_json(&[
        "fixtures/defense-subcontractor.yaml",
        "--select",
        "^cmmc:AC\\.",
    ]);
    assert_eq!(narrowed["summary"]["sprs"], whole, "SPRS ignores --select");
    assert_eq!(
        narrowed["model_fit"], r["model_fit"],
        "model fit ignores --select"
    );
    let text = run(&[
        "check",
        "fixtures/defense-subcontractor.yaml",
        "--today",
        TODAY,
    ])
    .stdout;
    assert!(
        !text.contains("eligible for Conditional Level 2")
            || whole["status"] == "conditional-level-2-self"
    );
}

/// Case 5: scope cannot be empty by accident.
#[test]
fn scope_cannot_be_empty_by_accident() {
    // A selection that leaves a framework with no controls is an error naming it.
    let out = run(&[
        "check",
        "fixtures/clinic.yaml",
        "--select",
        "nomatch",
        "--today",
        TODAY,
    ]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("`hipaa-security`"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    // A catalog loaded with -c but not selected is a warning.
    let out = run(&[
        "check",
        "fixtures/clinic.yaml",
        "-c",
        "fixtures/catalogs",
        "--today",
        TODAY,
    ]);
    assert!(out.code <= 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("is not in `frameworks`"),
        "{}",
        out.stderr
    );
    // CMMC requires a level: omitting it is an error listing the levels.
    let (_dir, bare) = variant(
        "firm-fit",
        "  - catalog: cmmc\n    profile: level-2",
        "  - cmmc",
    );
    let out = run(&["check", &bare, "--today", TODAY]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("level-1, level-2, level-3"),
        "{}",
        out.stderr
    );
}

/// Applicability facts: a dental office gets no group-health-plan or clearinghouse controls
/// unless it declares the fact.
#[test]
fn applicability_facts_gate_conditional_controls() {
    let (_, r) = check_json(&[&case("dental-break-fix")]);
    for id in ["164.308(a)(4)(ii)(A)", "164.314(b)(1)", "164.314(b)(2)(iv)"] {
        assert_eq!(
            finding(&r, "hipaa-security", id)["status"],
            "not-applicable",
            "{id}"
        );
    }
    let (_dir, sponsor) = variant(
        "dental-break-fix",
        "  scalability: low\n",
        "  scalability: low\n  facts: [group-health-plan]\n",
    );
    let (_, r) = check_json(&[&sponsor]);
    assert_eq!(
        finding(&r, "hipaa-security", "164.314(b)(1)")["status"],
        "needs-evidence"
    );
    let (_dir, unknown) = variant(
        "dental-break-fix",
        "  scalability: low\n",
        "  scalability: low\n  facts: [group-health]\n",
    );
    let out = run(&["check", &unknown, "--today", TODAY]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("group-health-plan"), "{}", out.stderr);
}

/// Independence: the provider that operates the systems cannot be their independent assessor.
#[test]
fn independent_assessment_needs_an_independent_owner() {
    let (_, r) = check_json(&[&case("independent-assessor")]);
    let f = finding(&r, "nist-800-53-conmon", "CA-7(1)");
    assert_eq!(f["status"], "gap");
    assert_eq!(codes(f), ["independence"]);
    let (_dir, fixed) = variant(
        "independent-assessor",
        "continuous-monitoring: {owner: ops",
        "continuous-monitoring: {owner: assessor",
    );
    let (_, r) = check_json(&[&fixed]);
    assert_eq!(
        finding(&r, "nist-800-53-conmon", "CA-7(1)")["status"],
        "satisfied"
    );
}

/// Case 6: GLBA 314.4(d)(2)'s periodic path is reachable by a per-engagement tester.
#[test]
fn glba_periodic_testing_path_is_reachable() {
    let (_, r) = check_json(&[&case("glba-tester")]);
    let f = finding(&r, "glba-safeguards", "314.4(d)(2)");
    assert_eq!(f["status"], "satisfied", "{f}");
    assert_eq!(f["break_fix_incompatible"], false);
}

/// Case 7: every report states its basis: statuses describe the declared arrangement.
#[test]
fn every_report_states_its_basis() {
    let basis = "not a verified implementation";
    for format in ["text", "markdown", "html", "json"] {
        let out = run(&[
            "check",
            "fixtures/clinic.yaml",
            "-f",
            format,
            "--today",
            TODAY,
        ]);
        assert!(
            out.stdout.contains(basis),
            "{format} does not state its basis"
        );
    }
}

/// The README's definitions are the engine's: each status, reason code and rule appears there
/// exactly as the methodology appendix prints it.
#[test]
fn readme_definitions_match_the_engine() {
    use gapcheck::decode::Keyword;
    use gapcheck::evaluate::{BASIS, BREAK_FIX_RULE, ReasonCode, Status};
    let readme = std::fs::read_to_string("README.md").unwrap();
    let mut expected = String::from("| status | meaning |\n|---|---|\n");
    for s in Status::ALL {
        expected.push_str(&format!("| `{}` | {} |\n", s.as_str(), s.meaning()));
    }
    expected.push_str("\n| reason code | meaning |\n|---|---|\n");
    for r in ReasonCode::ALL {
        expected.push_str(&format!("| `{}` | {} |\n", r.as_str(), r.meaning()));
    }
    expected.push_str(&format!(
        "\n**Basis.** {BASIS}\n\n**Break-fix.** {BREAK_FIX_RULE}\n"
    ));
    assert!(
        readme.contains(&expected),
        "README.md's definitions differ from the engine's; the block should read:\n\n{expected}"
    );
    // And the reports print the same words.
    let md = run(&[
        "check",
        "fixtures/clinic.yaml",
        "-f",
        "markdown",
        "--today",
        TODAY,
    ])
    .stdout;
    for s in Status::ALL {
        assert!(md.contains(&format!("- **{}**: {}.", s.as_str(), s.meaning())));
    }
    // A report defines the codes that can occur in it: not the CMMC self-declaration code
    // in this HIPAA report, not the record-of-work codes without `--evidence`, and
    // needs-evidence once, as the status of that name.
    let absent = [
        ReasonCode::DeclaredPartial,
        ReasonCode::NeedsEvidence,
        ReasonCode::EvidenceStale,
        ReasonCode::EvidenceFailed,
        ReasonCode::SlaMissed,
    ];
    for r in ReasonCode::ALL {
        let line = format!("- **{}**: {}.", r.as_str(), r.meaning());
        assert_eq!(md.contains(&line), !absent.contains(r), "{line}");
    }
    assert!(md.contains(BREAK_FIX_RULE) && md.contains(BASIS));
}

// ------------------------------------------------------------------ the two walks

mod walk {
    use gapcheck::arrangement::{self, Arrangement, ProviderKind};
    use gapcheck::capability::CapabilityKind;
    use gapcheck::catalog::Registry;
    use gapcheck::evaluate::{Options, ReasonCode, Status};
    use gapcheck::report::{Assessment, context::Context};

    fn options() -> Options {
        Options::new("2026-11-26".parse().unwrap())
    }

    /// Every claim the issue forbids, checked on one arrangement: no reason says break-fix
    /// while an internal (with staff) or MSP owner holds the capability, no message says a
    /// control cannot be met by the model, and the break-fix section's list of gaps holds no
    /// met control.
    fn assert_consistent(r: &Registry, a: &Arrangement) {
        let opts = options();
        let assessment = Assessment::new(r, a, &opts);
        for f in &assessment.evaluation.findings {
            let name = format!("{}: {}:{}", a.path, f.catalog.id, f.control.id);
            for reason in &f.reasons {
                assert!(
                    !reason.message.contains("break-fix arrangement cannot"),
                    "{name}: {}",
                    reason.message
                );
                if reason.code != ReasonCode::BreakFix {
                    continue;
                }
                let cap = reason
                    .capability
                    .as_deref()
                    .expect("break-fix names its capability");
                let resp = &a.responsibilities[cap];
                let delivered = resp.owners.iter().any(|o| {
                    let p = a.provider(o).unwrap();
                    p.kind == ProviderKind::Msp
                        || (p.kind == ProviderKind::Internal && p.ftes != Some(0.0))
                });
                assert!(
                    !delivered,
                    "{name}: break-fix reason while `{cap}` is delivered"
                );
            }
        }
        let run = assessment.run(a, r, &opts, "2026-01-01T00:00:00Z".into(), None);
        let ctx = Context::build(&run);
        for line in &ctx.break_fix.uncovered {
            assert!(
                !line.status.is_met(),
                "{}: {}:{} is {} under the gaps heading",
                a.path,
                line.catalog,
                line.control,
                line.status
            );
        }
    }

    fn fixtures() -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for dir in ["fixtures", "fixtures/cases"] {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "yaml") {
                    out.push(p);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn no_fixture_contradicts_its_arrangement() {
        let r = Registry::load(true, &[]).unwrap();
        let mut checked = 0;
        for p in fixtures() {
            let text = std::fs::read_to_string(&p).unwrap();
            let Ok((a, _)) = arrangement::load(&p.display().to_string(), &text, &r) else {
                continue; // hostile and bad inputs
            };
            assert_consistent(&r, &a);
            checked += 1;
        }
        assert!(checked >= 12, "{checked} fixtures walked");
    }

    /// Every built-in control, in every model: with internal staff doing all ongoing work,
    /// nothing says break-fix, every control that needs ongoing work names internal staff as
    /// doing it, and none is listed as a gap the model causes.
    #[test]
    fn every_builtin_control_with_internal_ongoing_work() {
        let r = Registry::load(true, &[]).unwrap();
        for (model, vendor) in [("break-fix", "break-fix"), ("co-managed", "msp")] {
            for cmmc in ["level-1", "level-2", "level-3"] {
                let mut text = format!(
                    "gapcheck: 1\norganization: {{name: Walk, after_hours_required: true, facts: [group-health-plan, health-care-clearinghouse]}}\n\
                     model: {model}\nframeworks: [{{catalog: cmmc, profile: {cmmc}}}, glba-safeguards, hipaa-security, nist-800-53-conmon, service-model]\n\
                     providers:\n  staff: {{kind: internal, ftes: 3, coverage: 24x7}}\n  vendor: {{kind: {vendor}}}\n  \
                     assessor: {{kind: {vendor}}}\nresponsibilities:\n"
                );
                for cap in r.vocabulary.iter() {
                    let owner = match cap.kind {
                        CapabilityKind::Ongoing
                            if cap.id == "continuous-monitoring" && vendor == "msp" =>
                        {
                            "assessor"
                        }
                        CapabilityKind::Ongoing | CapabilityKind::Organizational => "staff",
                        CapabilityKind::OnDemand => "vendor",
                    };
                    text.push_str(&format!(
                        "  {}: {{owner: {owner}, cadence: continuous, coverage: 24x7, response: 15m}}\n",
                        cap.id
                    ));
                }
                let a = match arrangement::load("walk.yaml", &text, &r) {
                    Ok((a, _)) => a,
                    Err(d) => panic!("{d:#?}"),
                };
                assert_consistent(&r, &a);
                let e = gapcheck::evaluate::evaluate(&r, &a, &options());
                let mut needing = 0;
                for f in &e.findings {
                    if f.status == Status::NotApplicable || !f.control.break_fix_incompatible {
                        continue;
                    }
                    needing += 1;
                    let name = format!("{model}/{cmmc}: {}:{}", f.catalog.id, f.control.id);
                    assert!(
                        f.reasons.iter().all(|x| x.code != ReasonCode::BreakFix),
                        "{name}: {:?}",
                        f.reasons
                    );
                    // Only a leaf that demands an outside or independent party can leave
                    // ongoing work undone when internal staff do all of it.
                    let outside = f.reasons.iter().any(|x| {
                        matches!(x.code, ReasonCode::OwnerKind | ReasonCode::Independence)
                    });
                    assert!(
                        outside || f.ongoing_work.iter().all(|d| d.delivers()),
                        "{name}: {:?} {:?}",
                        f.ongoing_work,
                        f.reasons
                    );
                }
                assert!(needing > 50, "{model}/{cmmc}: {needing}");
            }
        }
    }
}
