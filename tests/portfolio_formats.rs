//! A portfolio's SARIF log, JUnit file and `--baseline` (issue 11, round two): one SARIF run
//! and one JUnit suite per arrangement, each equal to what the arrangement alone gives, and
//! each client compared with its own report in an earlier portfolio JSON.

mod common;

use std::path::Path;

use serde_json::Value;

const CLIENTS: [&str; 2] = ["fixtures/clinic.yaml", "fixtures/co-managed.yaml"];

/// Runs gapcheck from the crate root with the fixture catalogs and the fixed date.
fn gapcheck(args: &[&str]) -> common::Output {
    let catalogs = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/catalogs");
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-c", catalogs.to_str().unwrap(), "--today", common::TODAY]);
    common::run(&all)
}

fn single(fixture: &str, format: &str) -> String {
    let out = gapcheck(&[fixture, "-f", format]);
    assert!(matches!(out.code, 0 | 1), "{fixture}: {}", out.stderr);
    out.stdout
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    // The same repair of the schema's one malformed pattern as tests/ci_formats.rs makes.
    let text = text.replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// Every test case of a JUnit document as (suite-independent) comparable text: class, name,
/// outcome element with its message and text, and system-out.
fn cases(xml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|c| {
            let mut s = format!(
                "{} {}",
                c.attribute("classname").unwrap_or(""),
                c.attribute("name").unwrap_or("")
            );
            for child in c.children().filter(|n| n.is_element()) {
                s.push_str(&format!(
                    " | {} {:?} {:?}",
                    child.tag_name().name(),
                    child.attribute("message"),
                    child.text()
                ));
            }
            s
        })
        .collect()
}

#[test]
fn portfolio_sarif_has_one_valid_run_per_arrangement_equal_to_its_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("portfolio.sarif");
    let out = gapcheck(&[CLIENTS[0], CLIENTS[1], "-o", log.to_str().unwrap()]);
    assert!(matches!(out.code, 0 | 1), "{}", out.stderr);
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&log).unwrap()).unwrap();
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .take(5)
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    let mut categories = Vec::new();
    for (run, fixture) in runs.iter().zip(CLIENTS) {
        let alone: Value = serde_json::from_str(&single(fixture, "sarif")).unwrap();
        assert_eq!(alone["runs"].as_array().unwrap().len(), 1);
        // Each run has its own category (GitHub no longer combines runs of one tool and
        // category in one upload), named by the client's report name; otherwise it is the
        // run the arrangement alone gives.
        let mut run = run.clone();
        let details = run
            .as_object_mut()
            .unwrap()
            .remove("automationDetails")
            .unwrap();
        let id = details["id"].as_str().unwrap().to_owned();
        let stem = Path::new(fixture).file_stem().unwrap().to_str().unwrap();
        assert!(
            id.starts_with(&format!("gapcheck/{stem}-")) && id.ends_with('/'),
            "{id}"
        );
        categories.push(id);
        assert!(alone["runs"][0].get("automationDetails").is_none());
        assert_eq!(
            run, alone["runs"][0],
            "{fixture}: the run differs from its own log"
        );
        let results = run["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{fixture} has results to place");
        for r in results {
            assert_eq!(
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], *fixture,
                "each run's results are located in its own arrangement"
            );
        }
    }
    assert_ne!(categories[0], categories[1]);
    // The same log on stdout.
    let printed = gapcheck(&[CLIENTS[0], CLIENTS[1], "-f", "sarif"]);
    assert_eq!(
        serde_json::from_str::<Value>(&printed.stdout).unwrap(),
        sarif
    );
}

#[test]
fn portfolio_junit_has_one_suite_per_arrangement_holding_its_single_cases() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("portfolio.xml");
    let out = gapcheck(&[CLIENTS[0], CLIENTS[1], "-o", file.to_str().unwrap()]);
    assert!(matches!(out.code, 0 | 1), "{}", out.stderr);
    let xml = std::fs::read_to_string(&file).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suites: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 2);
    let names: Vec<&str> = suites
        .iter()
        .map(|s| s.attribute("name").unwrap())
        .collect();
    // Named by report name (`STEM-HASH`, README "Portfolios"): unique and the same on every run.
    assert!(
        names[0].starts_with("clinic-") && names[1].starts_with("co-managed-"),
        "{names:?}"
    );
    assert_ne!(names[0], names[1]);
    let again = gapcheck(&[CLIENTS[0], CLIENTS[1], "-f", "junit"]);
    assert_eq!(
        again.stdout, xml,
        "stable across runs, and the same on stdout"
    );
    for (suite, fixture) in suites.iter().zip(CLIENTS) {
        let text = xml[suite.range()].to_owned();
        let ours = cases(&format!("<x>{text}</x>"));
        let alone = cases(&single(fixture, "junit"));
        assert!(!alone.is_empty());
        assert_eq!(
            ours, alone,
            "{fixture}: the suite holds exactly its single-mode cases"
        );
        let arrangement = suite
            .descendants()
            .find(|n| n.has_tag_name("property") && n.attribute("name") == Some("arrangement"))
            .and_then(|n| n.attribute("value"));
        assert_eq!(arrangement, Some(fixture));
    }
}

#[test]
fn portfolio_baseline_compares_each_client_with_its_own_report() {
    let dir = tempfile::tempdir().unwrap();
    // A third client not in the baseline: a copy of a fixture with failing findings.
    let newcomer = dir.path().join("newcomer.yaml");
    std::fs::copy(CLIENTS[1], &newcomer).unwrap();
    let newcomer = newcomer.to_str().unwrap();

    let first = gapcheck(&[CLIENTS[0], CLIENTS[1], "-f", "json"]);
    assert_eq!(
        first.code, 1,
        "co-managed fails the policy: {}",
        first.stderr
    );
    let base = dir.path().join("base.json");
    std::fs::write(&base, &first.stdout).unwrap();
    let base = base.to_str().unwrap();

    // Nothing got worse: the run passes, each client compared with its own entry.
    let second = gapcheck(&[CLIENTS[0], CLIENTS[1], "-f", "json", "--baseline", base]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    let p: Value = serde_json::from_str(&second.stdout).unwrap();
    for (r, fixture) in p["reports"].as_array().unwrap().iter().zip(CLIENTS) {
        assert_eq!(r["arrangement"]["path"], fixture);
        assert!(
            r["baseline"]["regressions"].as_array().unwrap().is_empty(),
            "{fixture}"
        );
        assert!(
            r["baseline"]["baseline"]
                .as_str()
                .unwrap()
                .contains("reports[")
        );
    }

    // The newcomer is compared with nothing, said so, and its failing findings fail the run.
    let third = gapcheck(&[
        CLIENTS[0],
        CLIENTS[1],
        newcomer,
        "-f",
        "json",
        "--baseline",
        base,
    ]);
    assert_eq!(third.code, 1, "{}", third.stderr);
    assert!(
        third
            .stderr
            .contains(&format!("{newcomer}: not in the baseline")),
        "{}",
        third.stderr
    );
    let p: Value = serde_json::from_str(&third.stdout).unwrap();
    assert!(p["reports"][2].get("baseline").is_none());

    // A regression against its own entry fails: co-managed's entry is edited to say one of
    // its failing controls was satisfied; the clinic's entry is untouched.
    let mut old: Value = serde_json::from_str(&first.stdout).unwrap();
    let co = &mut old["reports"][1];
    let failing = co["findings"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["failing"] == true)
        .expect("co-managed has a failing finding");
    co["findings"][failing]["status"] = Value::from("satisfied");
    let worse = dir.path().join("worse.json");
    std::fs::write(&worse, serde_json::to_string_pretty(&old).unwrap()).unwrap();
    let fourth = gapcheck(&[
        CLIENTS[0],
        CLIENTS[1],
        "-f",
        "json",
        "--baseline",
        worse.to_str().unwrap(),
    ]);
    assert_eq!(fourth.code, 1, "{}", fourth.stderr);
    let p: Value = serde_json::from_str(&fourth.stdout).unwrap();
    assert_eq!(
        p["reports"][1]["baseline"]["regressions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(
        p["reports"][0]["baseline"]["regressions"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // A single report is not a portfolio baseline: a located error, exit 2.
    let one = dir.path().join("one.json");
    std::fs::write(&one, single(CLIENTS[0], "json")).unwrap();
    let wrong = gapcheck(&[CLIENTS[0], CLIENTS[1], "--baseline", one.to_str().unwrap()]);
    assert_eq!(wrong.code, 2);
    assert!(
        wrong
            .stderr
            .contains("one.json:1:1: error: baseline is not a portfolio JSON"),
        "{}",
        wrong.stderr
    );
}

/// The report size budget (README, "Limits"): `MAX_REPORT_FIXED_BYTES` + 32 × input bytes.
/// Debug builds let a test lower the fixed part, so a fixture reaches the limit.
#[cfg(debug_assertions)]
mod size_budget {
    use super::*;

    const FACTOR: u64 = 32;

    fn with_fixed(fixed: i64, args: &[&str]) -> common::Output {
        common::check_with_budget(fixed, args)
    }

    fn size(path: &str) -> i64 {
        std::fs::metadata(path).unwrap().len() as i64
    }

    #[test]
    fn a_report_at_the_budget_is_written_and_one_byte_past_it_is_refused() {
        let fixture = CLIENTS[1];
        let report = common::run(&["check", fixture, "--today", common::TODAY, "-f", "sarif"]);
        let bytes = report.stdout.len() as i64;
        let fixed = bytes - FACTOR as i64 * size(fixture);
        assert!(
            fixed > 0,
            "the report outgrows 32× its input, so the fixed part decides"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.sarif");
        let file = file.to_str().unwrap();

        let at = with_fixed(fixed, &[fixture, "-f", "sarif", "-o", file]);
        assert!(matches!(at.code, 0 | 1), "{}", at.stderr);
        assert_eq!(at.stdout, report.stdout);
        assert_eq!(std::fs::read_to_string(file).unwrap(), report.stdout);
        std::fs::remove_file(file).unwrap();

        let past = with_fixed(fixed - 1, &[fixture, "-f", "sarif", "-o", file]);
        common::assert_one_byte_over_budget(&past, fixture, "sarif", bytes as u64);
        assert!(!Path::new(file).exists(), "nothing written");
    }

    #[test]
    fn portfolio_files_are_held_to_their_clients_budgets_together() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("p.sarif");
        let log = log.to_str().unwrap();
        let full = common::run(&[
            "check",
            CLIENTS[0],
            CLIENTS[1],
            "--today",
            common::TODAY,
            "-f",
            "sarif",
        ]);
        let bytes = full.stdout.len() as i64;
        let input = size(CLIENTS[0]) + size(CLIENTS[1]);
        // Two clients: the log may have 2 × fixed + 32 × both inputs.
        let fixed = (bytes - FACTOR as i64 * input + 1) / 2;
        assert!(fixed > 0);

        let at = with_fixed(fixed, &[CLIENTS[0], CLIENTS[1], "-o", log]);
        assert!(matches!(at.code, 0 | 1), "{}", at.stderr);
        assert_eq!(std::fs::read_to_string(log).unwrap(), full.stdout);
        std::fs::remove_file(log).unwrap();

        let past = with_fixed(fixed - 1, &[CLIENTS[0], CLIENTS[1], "-o", log]);
        assert_eq!(past.code, 2, "{}", past.stderr);
        assert!(
            past.stderr.contains("the SARIF log would be"),
            "{}",
            past.stderr
        );
        assert!(!Path::new(log).exists(), "nothing written");

        // With `-o DIR/` each client's own reports are checked before they are staged: a
        // refused one names its arrangement, and neither DIR nor a staging directory is left.
        let out_dir = dir.path().join("reports");
        let refused = with_fixed(
            1000,
            &[
                CLIENTS[0],
                CLIENTS[1],
                "-o",
                &format!("{}/", out_dir.display()),
            ],
        );
        assert_eq!(refused.code, 2, "{}", refused.stderr);
        assert!(
            CLIENTS
                .iter()
                .any(|c| refused.stderr.contains(&format!("{c}:1:1: error: the "))),
            "{}",
            refused.stderr
        );
        assert!(!out_dir.exists());
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
