//! `catalog import PROFILE --catalog CATALOG`: an OSCAL profile resolved against its catalog
//! (include-all, include-controls/exclude-controls by id, with-child-controls), so NIST's
//! SP 800-53B baseline profiles import directly; a profile alone is a clear error.

mod common;
#[path = "common/oscal.rs"]
mod imports;

use std::path::PathBuf;

use common::run;
use gapcheck::catalog::Registry;
use gapcheck::oscal::{self, ImportOptions, OscalError};

fn nist(file: &str) -> PathBuf {
    common::nist_data(file)
}

fn high_catalog() -> PathBuf {
    nist("NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json")
}

fn small_profile() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/oscal/small-baseline-profile.json")
}

/// The printed ids of an import, loaded as `-c` would load it (checking that the tree the
/// import validated is what its text parses to).
fn ids(imported: &oscal::Imported) -> Vec<String> {
    ids_in(&imports::load(imported))
}

/// The printed ids of a catalog written by the command line.
fn ids_of_text(yaml: &str) -> Vec<String> {
    let registry = Registry::load_text(false, "imported.yaml", yaml).unwrap_or_else(|e| {
        panic!("imported catalog does not load: {:?}", e.to_string());
    });
    ids_in(&registry)
}

fn ids_in(registry: &Registry) -> Vec<String> {
    let catalog = registry.catalogs.values().next().expect("one catalog");
    catalog.controls.iter().map(|c| c.id.clone()).collect()
}

fn message(e: OscalError) -> String {
    e.into_diagnostics()
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_profile_selects_by_id_with_children_and_exclusions() {
    let imported = oscal::import_profile_file(
        &small_profile(),
        &high_catalog(),
        None,
        &ImportOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{}", message(e)));
    // ac-2.1 is named, then excluded; ca-7 brings its children, of which ca-7.1 is excluded.
    assert_eq!(ids(&imported), ["AC-2", "AU-6", "CA-7", "CA-7(4)", "SI-4"]);
    assert_eq!(imported.controls, 5);
    assert_eq!(imported.id, "small-test-baseline");
    assert!(imported.yaml.contains("title: \"Small Test Baseline\""));
    assert!(
        imported
            .yaml
            .contains("source: \"OSCAL profile: Small Test Baseline\"")
    );
    assert!(imported.yaml.contains("version: \"1.0\""));
}

/// The ids a NIST baseline profile names, in SP 800-53's printed form (`ac-2.1` → AC-2(1)).
fn printed_selection(profile: &str) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(nist(profile)).unwrap()).unwrap();
    let mut out: Vec<String> = v["profile"]["imports"][0]["include-controls"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["with-ids"].as_array().unwrap())
        .map(|id| {
            let mut parts = id.as_str().unwrap().split('.');
            let base = parts.next().unwrap().to_ascii_uppercase();
            parts.fold(base, |acc, p| format!("{acc}({p})"))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn nist_low_and_moderate_baselines_import_directly() {
    for (profile, expected) in [
        ("NIST_SP-800-53_rev5_LOW-baseline_profile.json", 149),
        ("NIST_SP-800-53_rev5_MODERATE-baseline_profile.json", 287),
    ] {
        let imported = oscal::import_profile_file(
            &nist(profile),
            &high_catalog(),
            None,
            &ImportOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{profile}: {}", message(e)));
        let mut got = ids(&imported);
        got.sort();
        assert_eq!(got.len(), expected, "{profile}");
        assert_eq!(got, printed_selection(profile), "{profile}");
        assert!(
            imported.warnings.is_empty(),
            "{profile}: {:?}",
            imported.warnings
        );
    }
}

#[test]
fn a_profile_alone_says_to_pass_its_catalog() {
    let profile = nist("NIST_SP-800-53_rev5_LOW-baseline_profile.json");
    let e = oscal::import_file(&profile, None, &ImportOptions::default()).unwrap_err();
    let text = message(e);
    assert!(text.contains("this is an OSCAL profile"), "{text}");
    assert!(text.contains("--catalog CATALOG.json"), "{text}");

    let out = run(&["catalog", "import", profile.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--catalog"), "{}", out.stderr);
    assert!(!out.stderr.contains("missing field"), "{}", out.stderr);
}

#[test]
fn the_files_must_go_together() {
    let dir = tempfile::tempdir().unwrap();
    // A catalog given where the profile goes.
    let e = oscal::import_profile_file(
        &high_catalog(),
        &high_catalog(),
        None,
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert!(message(e).contains("goes with a profile"));
    // A profile given as the catalog.
    let e = oscal::import_profile_file(
        &small_profile(),
        &small_profile(),
        None,
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert!(message(e).contains("names another OSCAL profile"));
    // A selection the catalog cannot satisfy: the wrong catalog.
    let text = std::fs::read_to_string(small_profile())
        .unwrap()
        .replace("\"si-4\"", "\"si-4\", \"zz-99\"");
    let wrong = dir.path().join("wrong.json");
    std::fs::write(&wrong, text).unwrap();
    let e = oscal::import_profile_file(&wrong, &high_catalog(), None, &ImportOptions::default())
        .unwrap_err();
    let text = message(e);
    assert!(
        text.contains("selects 1 control(s)") && text.contains("zz-99"),
        "{text}"
    );
    assert!(
        text.contains("#c1f0b3a2"),
        "names the import's href: {text}"
    );
}

#[test]
fn include_all_minus_exclusions_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("all.json");
    std::fs::write(
        &profile,
        r##"{"profile": {"uuid": "0", "metadata": {"title": "All But Two", "version": "1"},
            "imports": [{"href": "#x", "include-all": {},
                         "exclude-controls": [{"with-ids": ["ac-1", "ac-2"], "with-child-controls": "yes"}]}]}}"##,
    )
    .unwrap();
    let out_file = dir.path().join("all.yaml");
    let out = run(&[
        "catalog",
        "import",
        profile.to_str().unwrap(),
        "--catalog",
        high_catalog().to_str().unwrap(),
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let got = ids_of_text(&std::fs::read_to_string(&out_file).unwrap());
    // 370 in the HIGH catalog; AC-1, AC-2 and AC-2's eight enhancements excluded.
    assert_eq!(got.len(), 370 - 10);
    assert!(!got.iter().any(|id| id == "AC-2" || id.starts_with("AC-2(")));
    assert!(got.contains(&"AC-3".to_owned()));
    // The result loads with -c like any catalog.
    let validate = run(&["catalog", "validate", out_file.to_str().unwrap()]);
    assert_eq!(validate.code, 0, "{}", validate.stderr);
}
