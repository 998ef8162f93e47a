//! What a user sees when an input is wrong: one error per mistake, a caret under the right
//! character, advice that fixes the file without changing the service model, the same
//! framework words in files as on the command line, and baselines checked like any input.

mod common;

use std::fs;
use std::path::Path;

use common::{TODAY, run};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    fs::write(&path, text).expect("write");
    path.display().to_string()
}

/// The `file:line:column: error:` lines of a run's stderr.
fn error_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(": error: ")).collect()
}

#[test]
fn an_invalid_provider_kind_is_one_error_and_no_model_advice() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string("fixtures/defense-subcontractor.yaml").unwrap();
    let typo = text.replace("kind: msp", "kind: mssp");
    assert_ne!(typo, text);
    let file = write(dir.path(), "mssp.yaml", &typo);
    let out = run(&["check", &file, "--today", TODAY]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let errors = error_lines(&out.stderr);
    assert_eq!(errors.len(), 1, "one mistake, one error:\n{}", out.stderr);
    assert!(
        errors[0].contains("mssp.yaml:26:11: error: unknown provider kind `mssp`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("did you mean `msp`?"), "{}", out.stderr);
    // The rows owned by that provider and the model's need for an MSP are not re-reported.
    assert!(
        !out.stderr.contains("not a declared provider"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("break-fix"), "{}", out.stderr);
}

#[test]
fn an_undeclared_owner_is_still_reported() {
    // The cascade rule only spares owners whose declaration already failed.
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string("fixtures/defense-subcontractor.yaml").unwrap();
    let file = write(
        dir.path(),
        "owner.yaml",
        &text.replace(
            "log-management: {owner: bastion}",
            "log-management: {owner: bastoin}",
        ),
    );
    let out = run(&["check", &file, "--today", TODAY]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("owner `bastoin` is not a declared provider"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `bastion`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn model_contradictions_advise_fixing_providers_not_switching_models() {
    for fixture in [
        "fixtures/bad/model-managed-without-msp.yaml",
        "fixtures/bad/model-break-fix-with-msp.yaml",
    ] {
        let out = run(&["check", fixture, "--today", TODAY]);
        assert_eq!(out.code, 2, "{fixture}: {}", out.stderr);
        let help: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.contains("= help:"))
            .collect();
        assert_eq!(help.len(), 1, "{fixture}: {}", out.stderr);
        for other_model in [
            "to `break-fix`",
            "to `managed`",
            "to `co-managed`",
            "change `model:`",
        ] {
            assert!(
                !help[0].contains(other_model),
                "{fixture}: advice suggests another model: {}",
                help[0]
            );
        }
        assert!(help[0].contains("kind"), "{fixture}: {}", help[0]);
    }
}

#[test]
fn caret_sits_under_the_key_on_a_line_with_cjk_text() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string("fixtures/managed.yaml").unwrap();
    let flow = "organization: {name: 東京歯科クリニック, employes: 12}";
    // Put the misspelt key on the same line as the CJK name, in flow style.
    let mut out_text = String::new();
    let mut in_org = false;
    for line in text.lines() {
        if line.starts_with("organization:") {
            out_text.push_str(flow);
            out_text.push('\n');
            in_org = true;
            continue;
        }
        if in_org && line.starts_with("  ") {
            continue;
        }
        in_org = false;
        out_text.push_str(line);
        out_text.push('\n');
    }
    let file = write(dir.path(), "cjk.yaml", &out_text);
    let out = run(&["check", &file, "--today", TODAY]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let lines: Vec<&str> = out.stderr.lines().collect();
    let source = lines
        .iter()
        .position(|l| l.contains("employes: 12"))
        .unwrap_or_else(|| panic!("no snippet:\n{}", out.stderr));
    let caret = lines[source + 1];
    // Display columns of the snippet line up to the key: ASCII one, these CJK two.
    let before = &lines[source][..lines[source].find("employes").unwrap()];
    let width: usize = before
        .chars()
        .map(|c| if c.is_ascii() { 1 } else { 2 })
        .sum();
    assert_eq!(caret.find('^'), Some(width), "\n{}", out.stderr);
}

#[test]
fn catalog_colon_profile_means_the_same_in_a_file_as_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let init = run(&[
        "init",
        "--model",
        "co-managed",
        "--framework",
        "cmmc:level-2",
    ]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(
        init.stdout
            .contains("  - catalog: cmmc\n    profile: level-2\n")
    );
    let long = write(dir.path(), "long.yaml", &init.stdout);
    let short = write(
        dir.path(),
        "short.yaml",
        &init.stdout.replace(
            "  - catalog: cmmc\n    profile: level-2\n",
            "  - cmmc:level-2\n",
        ),
    );
    let report = |file: &str| {
        let out = run(&["check", file, "-f", "json", "--today", TODAY]);
        assert!(out.code < 2, "{file}: {}", out.stderr);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        // Positions differ (the framework is written on one line or two); verdicts may not.
        let verdicts: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}:{} {}", f["catalog"], f["control"], f["status"]))
            .collect();
        (v["catalogs"].clone(), v["summary"].clone(), verdicts)
    };
    assert_eq!(report(&long), report(&short));

    // A wrong profile is refused alike: on the command line, and in a file at the profile.
    let cli = run(&["init", "--framework", "cmmc:level-9"]);
    assert_eq!(cli.code, 2);
    assert!(
        cli.stderr
            .contains("catalog `cmmc` has no profile `level-9`"),
        "{}",
        cli.stderr
    );
    let bad = write(
        dir.path(),
        "bad.yaml",
        &fs::read_to_string(&short)
            .unwrap()
            .replace("cmmc:level-2", "cmmc:level-9"),
    );
    let out = run(&["check", &bad, "--today", TODAY]);
    assert_eq!(out.code, 2);
    let line = init
        .stdout
        .lines()
        .position(|l| l.contains("catalog: cmmc"))
        .unwrap()
        + 1;
    assert!(
        out.stderr.contains(&format!(
            "bad.yaml:{line}:10: error: catalog `cmmc` has no profile `level-9`"
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn a_baseline_of_another_organization_is_an_error_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    let out = run(&[
        "check",
        "fixtures/managed.yaml",
        "--today",
        TODAY,
        "-o",
        base.to_str().unwrap(),
    ]);
    assert!(out.code < 2, "{}", out.stderr);
    let base = base.to_str().unwrap();

    let other = run(&[
        "check",
        "fixtures/co-managed.yaml",
        "--today",
        TODAY,
        "--baseline",
        base,
    ]);
    assert_eq!(other.code, 2, "{}", other.stderr);
    assert!(other.stdout.is_empty());
    let first = error_lines(&other.stderr)[0];
    assert!(
        first.contains("base.json:")
            && first.contains("baseline is a report of `Cedar Ridge Financial Advisors`"),
        "{}",
        other.stderr
    );
    // Located at the organization's name in the baseline.
    let at = first.split("base.json:").nth(1).unwrap();
    let mut parts = at.split(':');
    let line: usize = parts.next().unwrap().parse().unwrap();
    let text = fs::read_to_string(base).unwrap();
    assert!(
        text.lines()
            .nth(line - 1)
            .unwrap()
            .contains("\"organization\""),
        "{}",
        other.stderr
    );
    assert!(other.stderr.contains("--baseline-other-organization"));

    let allowed = run(&[
        "check",
        "fixtures/co-managed.yaml",
        "--today",
        TODAY,
        "--baseline",
        base,
        "--baseline-other-organization",
    ]);
    assert!(allowed.code < 2, "{}", allowed.stderr);
    assert!(
        allowed
            .stderr
            .contains(": warning: baseline is a report of"),
        "{}",
        allowed.stderr
    );
}

#[test]
fn baseline_errors_name_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    run(&[
        "check",
        "fixtures/co-managed.yaml",
        "--today",
        TODAY,
        "-o",
        base.to_str().unwrap(),
    ]);
    let text = fs::read_to_string(&base).unwrap();
    let broken = text.replacen("\"status\": \"gap\"", "\"status\": \"gapp\"", 1);
    assert_ne!(broken, text);
    let bad = write(dir.path(), "bad.json", &broken);
    let out = run(&[
        "check",
        "fixtures/co-managed.yaml",
        "--today",
        TODAY,
        "--baseline",
        &bad,
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let line = broken.lines().position(|l| l.contains("\"gapp\"")).unwrap() + 1;
    let column = broken
        .lines()
        .nth(line - 1)
        .unwrap()
        .find("\"gapp\"")
        .unwrap()
        + 1;
    assert!(
        out.stderr.contains(&format!(
            "bad.json:{line}:{column}: error: unknown status `gapp`"
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn a_catalog_in_a_directory_is_judged_by_its_keys_not_one_line() {
    let dir = tempfile::tempdir().unwrap();
    // Valid YAML: the quoted statement continues on a line that starts with `gapcheck:`.
    write(
        dir.path(),
        "odd.yaml",
        "catalog:\n  id: test-odd\n  title: Odd\ncontrols:\n  - id: X-1\n    title: One\n    citation: here\n    severity: low\n    statement: \"The text runs on\ngapcheck: is part of the statement\"\n",
    );
    // An arrangement and the vocabulary beside it are still not catalogs.
    fs::copy("fixtures/managed.yaml", dir.path().join("client.yaml")).unwrap();
    fs::copy(
        "controls/capabilities.yaml",
        dir.path().join("capabilities.yaml"),
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let out = run(&["catalog", "list", "-c", d]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("test-odd"),
        "the catalog was skipped:\n{}",
        out.stdout
    );
    assert!(!out.stderr.contains("error"), "{}", out.stderr);
}

#[test]
fn a_relative_name_with_a_colon_stays_relative_in_sarif() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy("fixtures/co-managed.yaml", dir.path().join("x:y.yaml")).unwrap();
    let out = common::gapcheck()
        .current_dir(dir.path())
        .args(["check", "x:y.yaml", "-f", "sarif", "--today", TODAY])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code().unwrap() < 2,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(!uris.is_empty());
    assert!(uris.iter().all(|u| *u == "x%3Ay.yaml"), "{uris:?}");
    assert!(!stdout.contains("file:///x"), "{stdout}");
}

#[test]
fn a_misspelt_required_key_and_a_catalog_given_as_arrangement_are_one_error_each() {
    for (fixture, at, message) in [
        (
            "fixtures/bad/misspelt-provider-key.yaml",
            "misspelt-provider-key.yaml:14:5: error: unknown key `knd` in provider `msp`",
            "did you mean `kind`?",
        ),
        (
            "fixtures/bad/catalog-as-arrangement.yaml",
            "catalog-as-arrangement.yaml:1:1: error: this looks like a catalog, not an arrangement",
            "pass catalogs with `-c`",
        ),
    ] {
        let out = run(&["check", fixture, "--today", TODAY]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        let errors = error_lines(&out.stderr);
        assert_eq!(
            errors.len(),
            1,
            "{fixture}: one mistake, one error:\n{}",
            out.stderr
        );
        assert!(errors[0].contains(at), "{}", out.stderr);
        assert!(out.stderr.contains(message), "{}", out.stderr);
    }
}
