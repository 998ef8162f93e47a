//! The binary end to end: fixtures, every reason code and status, validation errors, exit
//! codes and fail policies, and snapshots of the JSON report of each fixture.

mod common;

use common::{TODAY, check_json, codes, finding, run};

const REASONS: &[&str] = &[
    "fixtures/reasons.yaml",
    "-c",
    "fixtures/catalogs/reasons.yaml",
];

#[test]
fn break_fix_office_fails_continuous_monitoring_for_break_fix() {
    let (code, r) = check_json(&["fixtures/break-fix-office.yaml"]);
    assert_eq!(code, 1);
    // The `all` rule holds under break-fix too: CA-7 gets partial credit for the part the
    // owner does; SI-4 has nothing but work left to the repair shop.
    for (id, status) in [("CA-7", "partial"), ("SI-4", "gap")] {
        let f = finding(&r, "nist-800-53-conmon", id);
        assert_eq!(f["status"], status, "{id}");
        assert_eq!(f["break_fix_incompatible"], true, "{id}");
        assert!(codes(f).contains(&"break-fix".to_owned()), "{id}: {f}");
        assert!(
            f["ongoing_work"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("break-fix")),
            "{id}: {f}"
        );
    }
    assert_eq!(finding(&r, "nist-800-53-conmon", "SI-4")["failing"], true);
    assert_eq!(r["model_fit"]["fits"], false);
    assert_ne!(r["model_fit"]["recommended"], "break-fix");
}

#[test]
fn well_managed_organization_satisfies_continuous_monitoring() {
    let (code, r) = check_json(&["fixtures/managed.yaml"]);
    assert_eq!(code, 0, "{}", r["summary"]);
    for id in ["CA-7", "SI-4"] {
        let f = finding(&r, "nist-800-53-conmon", id);
        assert_eq!(f["status"], "satisfied", "{id}");
        assert!(
            f["owners"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("bluepeak")),
            "{f}"
        );
    }
    assert_eq!(r["model_fit"]["fits"], true);
    assert_eq!(r["summary"]["passed"], true);
    // A live exception waives the control whatever the arrangement delivers: here the MSP
    // that operates the systems cannot be their independent assessor anyway.
    let ca71 = finding(&r, "nist-800-53-conmon", "CA-7(1)");
    assert_eq!(ca71["status"], "waived");
    assert_eq!(codes(ca71), ["independence"]);
    assert_eq!(ca71["exception"]["expired"], false);
}

#[test]
fn co_managed_group_reports_shared_work_and_exceptions() {
    let (code, r) = check_json(&["fixtures/co-managed.yaml"]);
    assert_eq!(code, 1);
    // help-desk is shared without documented escalation: partial with code escalation.
    let sm02 = finding(&r, "service-model", "SM-02");
    assert_eq!(sm02["status"], "partial");
    assert_eq!(codes(sm02), ["escalation"]);
    // An expired exception does not waive and says so.
    let si45 = finding(&r, "nist-800-53-conmon", "SI-4(5)");
    assert_ne!(si45["status"], "waived");
    assert!(codes(si45).contains(&"exception-expired".to_owned()));
    // The attestation covers a document-only control.
    assert_eq!(
        finding(&r, "hipaa-security", "164.314(b)(1)")["status"],
        "attested"
    );
    let remark_codes: Vec<&str> = r["remarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert!(
        remark_codes.contains(&"exception-expiring"),
        "{remark_codes:?}"
    );
    assert!(
        remark_codes.contains(&"exception-expired"),
        "{remark_codes:?}"
    );
}

#[test]
fn every_reason_code_and_status() {
    let (_, r) = check_json(REASONS);
    let expect: &[(&str, &str, &[&str])] = &[
        ("T-1", "satisfied", &[]),
        ("T-2", "gap", &["unassigned"]),
        ("T-3", "gap", &["break-fix"]),
        ("T-4", "gap", &["no-capacity"]),
        ("T-5", "gap", &["owner-kind"]),
        ("T-6", "gap", &["cadence"]),
        ("T-7", "gap", &["coverage"]),
        ("T-8", "gap", &["response"]),
        ("T-9", "partial", &["escalation"]),
        ("T-10", "needs-evidence", &["needs-evidence"]),
        ("T-11", "attested", &[]),
        ("T-12", "waived", &["unassigned"]),
        ("T-13", "gap", &["exception-expired", "unassigned"]),
        ("T-14", "satisfied", &[]),
        ("T-15", "partial", &["unassigned"]),
        ("T-16", "satisfied", &[]),
        ("T-90", "not-applicable", &[]),
    ];
    for (id, status, want) in expect {
        let f = finding(&r, "test-reasons", id);
        assert_eq!(f["status"], *status, "{id}: {f}");
        let mut got = codes(f);
        got.sort();
        assert_eq!(got, *want, "{id}: {f}");
    }
    // Every failing finding says why.
    for f in r["findings"].as_array().unwrap() {
        if f["failing"] == true {
            assert!(!codes(f).is_empty(), "{f}");
        }
    }
    // The arrangement line behind a finding is its responsibility row.
    assert_eq!(finding(&r, "test-reasons", "T-6")["line"], 33);
    let counts = &r["summary"];
    assert_eq!(
        (
            counts["satisfied"].as_u64(),
            counts["gap"].as_u64(),
            counts["failing"].as_u64()
        ),
        (Some(3), Some(8), Some(8))
    );
}

#[test]
fn fail_policies_and_exit_codes() {
    let base: Vec<&str> = ["check"]
        .iter()
        .chain(REASONS)
        .copied()
        .chain(["--today", TODAY])
        .collect();
    let with = |extra: &[&str]| {
        let mut a = base.clone();
        a.extend_from_slice(extra);
        run(&a)
    };
    assert_eq!(with(&[]).code, 1);
    assert_eq!(with(&["--fail-on", "never"]).code, 0);
    // Only high-severity gaps fail: T-2 and T-7.
    let (_, r) = check_json(&[REASONS, &["--min-severity", "high"]].concat());
    let failing: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["failing"] == true)
        .map(|f| f["control"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["T-2", "T-7"]);
    // --fail-on partial adds the partial findings; needs-evidence adds T-10.
    let count = |extra: &[&str]| {
        check_json(&[REASONS, extra].concat()).1["summary"]["failing"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(count(&["--fail-on", "gap"]), 8);
    assert_eq!(count(&["--fail-on", "partial"]), 10);
    assert_eq!(count(&["--fail-on", "needs-evidence"]), 11);
    // A passing selection exits 0.
    assert_eq!(with(&["--select", "^test-reasons:T-1$"]).code, 0);
    let (_, sel) = check_json(&[REASONS, &["--exclude", "T-1[0-9]"]].concat());
    assert!(
        sel["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["control"].as_str().unwrap().starts_with("T-1") || f["control"] == "T-1")
    );
    // Usage errors are exit 2.
    assert_eq!(with(&["--fail-on", "sometimes"]).code, 2);
    assert_eq!(with(&["--today", "2026-02-30"]).code, 2);
    assert_eq!(with(&["--select", "(["]).code, 2);
    assert_eq!(run(&["check", "fixtures/does-not-exist.yaml"]).code, 2);
}

#[test]
fn expiry_is_judged_against_today() {
    // The T-13 exception expires 2026-01-31: live on that day, expired the day after.
    for (today, status) in [("2026-01-31", "waived"), ("2026-02-01", "gap")] {
        let out = run(&[
            "check",
            "fixtures/reasons.yaml",
            "-c",
            "fixtures/catalogs/reasons.yaml",
            "-f",
            "json",
            "--today",
            today,
        ]);
        let r: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(
            finding(&r, "test-reasons", "T-13")["status"],
            status,
            "{today}"
        );
    }
}

/// Each invalid input: exit 2, the position in `file:line:column` form, and the message.
#[test]
fn validation_errors_name_position_and_fix() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["check", "fixtures/bad/unknown-key.yaml"],
            "fixtures/bad/unknown-key.yaml:5:1:",
            "did you mean `model`?",
        ),
        (
            &["check", "fixtures/bad/undeclared-owner.yaml"],
            "undeclared-owner.yaml:17:30:",
            "did you mean `msp`?",
        ),
        (
            &["check", "fixtures/bad/unknown-capability.yaml"],
            "unknown-capability.yaml:18:3:",
            "did you mean `patch-management`?",
        ),
        (
            &["check", "fixtures/bad/unknown-framework.yaml"],
            "unknown-framework.yaml:7:14:",
            "did you mean `nist-800-53-conmon`?",
        ),
        (
            &["check", "fixtures/bad/unknown-profile.yaml"],
            "unknown-profile.yaml:8:14:",
            "did you mean `moderate`?",
        ),
        (
            &["check", "fixtures/bad/unknown-control.yaml"],
            "unknown-control.yaml:20:14:",
            "did you mean `CA-7`?",
        ),
        (
            &["check", "fixtures/bad/duplicate-key.yaml"],
            "duplicate-key.yaml:19:3:",
            "duplicate mapping key",
        ),
        (
            &["check", "fixtures/bad/model-break-fix-with-msp.yaml"],
            "model-break-fix-with-msp.yaml:5:8:",
            "contradicts MSP provider",
        ),
        (
            &["check", "fixtures/bad/model-managed-without-msp.yaml"],
            "model-managed-without-msp.yaml:5:8:",
            "needs a provider of kind `msp`",
        ),
        (
            &["check", "fixtures/bad/impossible-date.yaml"],
            "impossible-date.yaml:23:14:",
            "invalid expiry date `2026-02-30`",
        ),
        (
            &["check", "fixtures/bad/unknown-cadence.yaml"],
            "unknown-cadence.yaml:18:48:",
            "unknown cadence `fortnightly`",
        ),
        (
            &["check", "fixtures/bad/unknown-coverage.yaml"],
            "unknown-coverage.yaml:16:15:",
            "did you mean `24x7`?",
        ),
        (
            &["check", "fixtures/bad/bad-duration.yaml"],
            "bad-duration.yaml:19:37:",
            "invalid response time `4 hours`",
        ),
        (
            &["check", "fixtures/bad/negative-ftes.yaml"],
            "negative-ftes.yaml:12:11:",
            "is negative",
        ),
        (
            &["check", "fixtures/bad/wrong-type.yaml"],
            "wrong-type.yaml:4:14:",
            "must be a whole number, found a string",
        ),
        (
            &["check", "fixtures/bad/frameworks-not-a-list.yaml"],
            "frameworks-not-a-list.yaml:6:13:",
            "must be a list",
        ),
        (
            &["check", "fixtures/bad/missing-required.yaml"],
            "missing-required.yaml:3:3:",
            "missing required key `name`",
        ),
        (
            &["check", "fixtures/bad/report-misspelt-key.yaml"],
            "report-misspelt-key.yaml:20:3:",
            "unknown key `reviewd_by` in `report`",
        ),
        (
            &["check", "fixtures/bad/report-period-reversed.yaml"],
            "report-period-reversed.yaml:20:11:",
            "`report.period` ends (2026-07-01) before it starts (2026-09-30)",
        ),
        (
            &["check", "fixtures/bad/unsupported-version.yaml"],
            "unsupported-version.yaml:1:11:",
            "unsupported arrangement format version 2",
        ),
        (
            &["check", "fixtures/bad/bad-exception-pattern.yaml"],
            "bad-exception-pattern.yaml:20:14:",
            "invalid exception pattern",
        ),
        (
            &["check", "fixtures/bad/duplicated-owner.yaml"],
            "duplicated-owner.yaml:18:40:",
            "listed twice",
        ),
        (
            &["check", "fixtures/bad/syntax-error.yaml"],
            "syntax-error.yaml:12:4:",
            "invalid YAML",
        ),
        (
            &["check", "fixtures/bad/empty.yaml"],
            "empty.yaml:1:1:",
            "the file is empty",
        ),
        (
            &[
                "catalog",
                "validate",
                "fixtures/bad/catalogs/duplicate-control-id.yaml",
            ],
            "duplicate-control-id.yaml:13:5:",
            "duplicate control id `B-1`",
        ),
        (
            &[
                "catalog",
                "validate",
                "fixtures/bad/catalogs/duplicate-across-files",
            ],
            "duplicate-across-files/b.yaml:4:5:",
            "already defined at fixtures/bad/catalogs/duplicate-across-files/a.yaml:13:5",
        ),
        (
            &[
                "catalog",
                "validate",
                "fixtures/bad/catalogs/duplicate-builtin-id.yaml",
            ],
            "duplicate-builtin-id.yaml:2:3:",
            "extends: hipaa-security",
        ),
        (
            &[
                "catalog",
                "validate",
                "fixtures/bad/catalogs/id-pattern-mismatch.yaml",
            ],
            "id-pattern-mismatch.yaml:13:5:",
            "does not match the catalog's id_pattern",
        ),
        (
            &[
                "catalog",
                "validate",
                "fixtures/bad/catalogs/invalid-id-pattern.yaml",
            ],
            "invalid-id-pattern.yaml:4:15:",
            "invalid `id_pattern`",
        ),
        (
            &[
                "catalog",
                "validate",
                "fixtures/bad/catalogs/unknown-capability.yaml",
            ],
            "unknown-capability.yaml:12:28:",
            "did you mean `log-review`?",
        ),
        (
            &[
                "catalog",
                "validate",
                "fixtures/bad/catalogs/unknown-key.yaml",
            ],
            "unknown-key.yaml:17:5:",
            "did you mean `severity`?",
        ),
        (
            &[
                "catalog",
                "validate",
                "fixtures/bad/catalogs/undeclared-profile.yaml",
            ],
            "undeclared-profile.yaml:13:5:",
            "did you mean `core`?",
        ),
        (
            &[
                "catalog",
                "validate",
                "fixtures/bad/catalogs/unknown-severity.yaml",
            ],
            "unknown-severity.yaml:17:15:",
            "unknown severity `critical`",
        ),
        (
            &[
                "catalog",
                "validate",
                "fixtures/bad/catalogs/bad-requirement-cadence.yaml",
            ],
            "bad-requirement-cadence.yaml:21:41:",
            "unknown cadence `hourly`",
        ),
    ];
    for (args, position, message) in cases {
        let out = run(args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(position),
            "{args:?}: expected {position} in\n{}",
            out.stderr
        );
        assert!(
            out.stderr.contains(message),
            "{args:?}: expected {message:?} in\n{}",
            out.stderr
        );
        assert!(
            out.stdout.is_empty(),
            "{args:?}: nothing on stdout, got {}",
            out.stdout
        );
        assert!(!out.stderr.contains("panicked"), "{args:?}");
    }
}

#[test]
fn all_errors_of_a_file_are_reported_together() {
    let out = run(&["check", "fixtures/bad/multiple-errors.yaml"]);
    assert_eq!(out.code, 2);
    for want in [
        "multiple-errors.yaml:4:14:",
        "multiple-errors.yaml:17:30:",
        "multiple-errors.yaml:18:48:",
        "3 error(s)",
    ] {
        assert!(out.stderr.contains(want), "{want} in\n{}", out.stderr);
    }
}

#[test]
fn output_file_matches_stdout_and_inputs_are_protected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let p = path.to_str().unwrap();
    let out = run(&[
        "check",
        "fixtures/managed.yaml",
        "-f",
        "json",
        "--today",
        TODAY,
        "-o",
        p,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), out.stdout);
    // Same input, same bytes.
    let again = run(&[
        "check",
        "fixtures/managed.yaml",
        "-f",
        "json",
        "--today",
        TODAY,
    ]);
    assert_eq!(again.stdout, out.stdout);
    // An output that is an input is refused and the input is untouched.
    let copy = dir.path().join("a.yaml");
    std::fs::copy("fixtures/managed.yaml", &copy).unwrap();
    let before = std::fs::read(&copy).unwrap();
    let out = run(&[
        "check",
        copy.to_str().unwrap(),
        "-o",
        &copy.with_extension("json").to_string_lossy(),
    ]);
    assert_eq!(out.code, 0);
    std::fs::rename(copy.with_extension("json"), dir.path().join("a.yaml.json")).unwrap();
    let clash = dir.path().join("clash.json");
    std::fs::copy(&copy, &clash).unwrap();
    let out = run(&[
        "check",
        clash.to_str().unwrap(),
        "-o",
        clash.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("refusing to write a report over an input file")
    );
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    // Unknown extensions are a usage error and nothing is written.
    let out = run(&[
        "check",
        "fixtures/managed.yaml",
        "-o",
        &dir.path().join("r.pdf").to_string_lossy(),
    ]);
    assert_eq!(out.code, 2);
    assert!(!dir.path().join("r.pdf").exists());
}

#[test]
fn text_summary_names_worst_gaps_and_exit_reason() {
    let out = run(&["check", "fixtures/break-fix-office.yaml", "--today", TODAY]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("Worst gaps:"), "{}", out.stdout);
    assert!(
        out.stdout.contains("nist-800-53-conmon:SI-4 "),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("break-fix: "), "{}", out.stdout);
    assert!(out.stdout.contains("FAIL: "), "{}", out.stdout);
    assert!(
        !out.stdout.contains('\x1b'),
        "no colour when not a terminal / NO_COLOR"
    );
    let out = run(&["check", "fixtures/managed.yaml", "--today", TODAY]);
    assert!(
        out.stdout.contains("PASS: no findings fail the policy"),
        "{}",
        out.stdout
    );
}

#[test]
fn recommend_shows_each_model() {
    let out = run(&["recommend", "fixtures/break-fix-office.yaml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("BREAK-FIX"), "{}", out.stdout);
    assert!(out.stdout.contains("ruled out"), "{}", out.stdout);
    let out = run(&["recommend", "fixtures/co-managed.yaml", "-f", "json"]);
    let fit: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(fit["recommended"], "co-managed");
    assert_eq!(fit["variables"].as_array().unwrap().len(), 6);
}

#[test]
fn init_writes_an_arrangement_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    for model in ["break-fix", "managed", "co-managed"] {
        let out = run(&[
            "init",
            "--model",
            model,
            "--framework",
            "hipaa-security",
            "--framework",
            "nist-800-53-conmon:moderate",
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stdout.starts_with("# yaml-language-server: $schema="),
            "{}",
            out.stdout
        );
        let path = dir.path().join(format!("{model}.yaml"));
        std::fs::write(&path, &out.stdout).unwrap();
        let check = run(&["check", path.to_str().unwrap(), "--today", TODAY]);
        assert!(
            check.code == 0 || check.code == 1,
            "{model}: {}",
            check.stderr
        );
    }
    assert_eq!(run(&["init", "--framework", "hipaa-securty"]).code, 2);
}

#[test]
fn catalog_commands() {
    let out = run(&["catalog", "list"]);
    for id in [
        "nist-800-53-conmon",
        "hipaa-security",
        "glba-safeguards",
        "cmmc",
        "nist-csf-2.0",
        "nydfs-500",
        "service-model",
    ] {
        assert!(out.stdout.contains(id), "{id}");
    }
    let out = run(&["catalog", "show", "nist-800-53-conmon:CA-7"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("Continuous Monitoring"));
    assert!(
        out.stdout
            .contains("needs ongoing work: a break-fix vendor alone cannot deliver it")
    );
    assert_eq!(
        run(&["catalog", "show", "nist-800-53-conmon:CA-77"]).code,
        2
    );
    let out = run(&["catalog", "validate", "fixtures/catalogs"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("ok: 1 catalog(s) with 17 control(s)"),
        "{}",
        out.stdout
    );
    let out = run(&["catalog", "export", "service-model"]);
    assert_eq!(
        out.stdout,
        std::fs::read_to_string("controls/service-model.yaml").unwrap()
    );
}

#[test]
fn no_builtin_drops_builtin_catalogs() {
    let out = run(&["check", "fixtures/managed.yaml", "--no-builtin"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown framework `glba-safeguards`"),
        "{}",
        out.stderr
    );
    let out = run(&[
        "check",
        "fixtures/reasons.yaml",
        "--no-builtin",
        "-c",
        "fixtures/catalogs",
        "--today",
        TODAY,
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn json_reports_of_fixtures() {
    for name in [
        "break-fix-office",
        "managed",
        "co-managed",
        "reasons",
        "hostile",
    ] {
        let path = format!("fixtures/{name}.yaml");
        let mut args = vec![path.as_str()];
        if name == "reasons" {
            args.extend_from_slice(&["-c", "fixtures/catalogs/reasons.yaml"]);
        }
        let mut all = vec!["check"];
        all.extend_from_slice(&args);
        all.extend_from_slice(&["-f", "json", "--today", TODAY]);
        let out = run(&all);
        insta::assert_snapshot!(format!("json-{name}"), out.stdout);
    }
}
