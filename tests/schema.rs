//! The JSON Schemas printed by `gapcheck schema` accept every valid file we ship and reject
//! the usual mistakes.

mod common;

use common::run;

fn schema(kind: &str) -> jsonschema::Validator {
    let out = run(&["schema", kind]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        value["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::draft202012::new(&value).expect("the schema itself is valid")
}

fn yaml(path: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml_files(dir: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    files
}

#[test]
fn arrangement_schema_accepts_every_fixture() {
    let v = schema("arrangement");
    let mut fixtures = yaml_files("fixtures");
    assert!(fixtures.len() >= 4);
    fixtures.extend(yaml_files("fixtures/cases"));
    for f in fixtures {
        let doc = yaml(&f);
        let errors: Vec<String> = v
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{f}: {errors:?}");
    }
    // What `init` writes is valid too.
    let out = run(&[
        "init",
        "--model",
        "co-managed",
        "--framework",
        "nist-800-53-conmon:moderate",
    ]);
    let doc: serde_json::Value = serde_saphyr::from_str(&out.stdout).unwrap();
    assert!(v.is_valid(&doc), "init output");
}

#[test]
fn arrangement_schema_rejects_usual_mistakes() {
    let v = schema("arrangement");
    for bad in [
        "unknown-key",
        "unknown-capability",
        "unknown-cadence",
        "unknown-coverage",
        "bad-duration",
        "negative-ftes",
        "wrong-type",
        "frameworks-not-a-list",
        "missing-required",
        "unsupported-version",
        "duplicated-owner",
    ] {
        let doc = yaml(&format!("fixtures/bad/{bad}.yaml"));
        assert!(!v.is_valid(&doc), "{bad} should be rejected");
    }
}

#[test]
fn catalog_schema_accepts_builtin_catalogs_and_rejects_mistakes() {
    let v = schema("catalog");
    let mut files: Vec<String> = yaml_files("controls")
        .into_iter()
        .filter(|f| !f.ends_with("capabilities.yaml"))
        .collect();
    files.extend(yaml_files("fixtures/catalogs"));
    for f in files {
        let doc = yaml(&f);
        let errors: Vec<String> = v
            .iter_errors(&doc)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{f}: {errors:?}");
    }
    for bad in [
        "unknown-key",
        "unknown-capability",
        "unknown-severity",
        "bad-requirement-cadence",
    ] {
        let doc = yaml(&format!("fixtures/bad/catalogs/{bad}.yaml"));
        assert!(!v.is_valid(&doc), "{bad} should be rejected");
    }
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.code, 0);
        assert!(out.stdout.contains("gapcheck"), "{shell}");
        assert!(out.stdout.contains("fail-on"), "{shell}");
    }
    let out = run(&["man"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.starts_with(".ie") || out.stdout.contains(".TH gapcheck"),
        "{}",
        &out.stdout[..200.min(out.stdout.len())]
    );
}

#[test]
fn capabilities_lists_the_vocabulary_with_meaning_and_the_controls_needing_it() {
    let out = run(&["capabilities", "-f", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["schema"], "gapcheck/capabilities/v1");
    let caps = v["capabilities"].as_array().unwrap();
    // Every capability of the vocabulary file, with its kind and description.
    let file = yaml("controls/capabilities.yaml");
    let declared = file["capabilities"].as_array().unwrap();
    assert_eq!(caps.len(), declared.len());
    for d in declared {
        let c = caps
            .iter()
            .find(|c| c["id"] == d["id"])
            .unwrap_or_else(|| panic!("{} missing", d["id"]));
        assert_eq!(c["kind"], d["kind"]);
        assert_eq!(c["description"], d["description"]);
    }
    let needed_by = |id: &str| -> Vec<String> {
        caps.iter().find(|c| c["id"] == id).unwrap()["needed_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect()
    };
    assert!(needed_by("access-management").contains(&"cmmc:AC.L2-3.1.1".to_owned()));
    assert!(!needed_by("backup").contains(&"cmmc:AC.L2-3.1.1".to_owned()));
    let kinds: Vec<&str> = v["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["ongoing", "on-demand", "organizational"]);

    // A loaded catalog's controls count too; without the built-ins, only its own.
    let out = run(&[
        "capabilities",
        "--no-builtin",
        "-c",
        "fixtures/catalogs/reasons.yaml",
        "-f",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(
        v["capabilities"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["needed_by"].as_array().unwrap())
            .any(|r| r.as_str().unwrap().starts_with("test-reasons:")),
        "the loaded catalog's controls are listed"
    );
    for c in v["capabilities"].as_array().unwrap() {
        for r in c["needed_by"].as_array().unwrap() {
            assert!(
                !r.as_str().unwrap().starts_with("cmmc:"),
                "built-in control listed with --no-builtin: {r}"
            );
        }
    }

    // The text form names each capability, its kind and meaning, and what needs it.
    let out = run(&["capabilities"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("  access-management (ongoing)\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("a break-fix provider cannot own it"));
    assert!(out.stdout.contains("needed by "));
}

/// Every `properties` map in a schema, with the JSON pointer of the schema holding it.
fn property_maps<'v>(
    v: &'v serde_json::Value,
    at: String,
    out: &mut Vec<(String, &'v serde_json::Map<String, serde_json::Value>)>,
) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, child) in map {
                if let (true, Some(props)) = (k == "properties", child.as_object()) {
                    out.push((at.clone(), props));
                }
                property_maps(child, format!("{at}/{k}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                property_maps(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_property_of_every_schema_has_a_description() {
    for kind in ["arrangement", "catalog", "report"] {
        let out = run(&["schema", kind]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let mut maps = Vec::new();
        property_maps(&value, String::new(), &mut maps);
        assert!(!maps.is_empty());
        let mut missing = Vec::new();
        for (at, props) in maps {
            for (name, prop) in props {
                let described = prop
                    .get("description")
                    .and_then(|d| d.as_str())
                    .is_some_and(|d| !d.trim().is_empty());
                if !described {
                    missing.push(format!("{kind}: {at}/properties/{name}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "properties without a description:\n{}",
            missing.join("\n")
        );
    }
}

#[test]
fn every_fixture_report_fits_the_report_schema() {
    let v = schema("report");
    let mut runs: Vec<Vec<String>> = Vec::new();
    let mut fixtures = yaml_files("fixtures");
    fixtures.extend(yaml_files("fixtures/cases"));
    for f in fixtures {
        runs.push(vec![
            f,
            "-c".into(),
            "fixtures/catalogs".into(),
            "--today".into(),
            common::TODAY.into(),
        ]);
    }
    // The optional sections: evidence, and a baseline comparison.
    let mut evidence: Vec<String> = [
        "fixtures/evidence/managed.yaml",
        "--today",
        "2026-11-30",
        "--evidence",
        "fixtures/evidence/failing",
    ]
    .map(String::from)
    .to_vec();
    for map in ["backup-job-log", "patch-report", "ticket-export"] {
        evidence.extend([
            "--evidence-map".into(),
            format!("fixtures/evidence/maps/{map}.yaml"),
        ]);
    }
    runs.push(evidence);
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    let first = run(&[
        "check",
        "fixtures/co-managed.yaml",
        "--today",
        common::TODAY,
        "-o",
        base.to_str().unwrap(),
    ]);
    assert!(first.code < 2, "{}", first.stderr);
    let text = std::fs::read_to_string("fixtures/co-managed.yaml").unwrap();
    let worse: String = text
        .lines()
        .filter(|l| !l.contains("log-review"))
        .map(|l| format!("{l}\n"))
        .collect();
    let changed = dir.path().join("changed.yaml");
    std::fs::write(&changed, worse).unwrap();
    runs.push(vec![
        changed.display().to_string(),
        "--today".into(),
        common::TODAY.into(),
        "--baseline".into(),
        base.display().to_string(),
    ]);

    let mut seen_optional = (false, false);
    for args in runs {
        let mut all: Vec<&str> = vec!["check", "-f", "json"];
        all.extend(args.iter().map(String::as_str));
        let out = run(&all);
        assert!(out.code < 2, "{args:?}: {}", out.stderr);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        seen_optional.0 |= report.get("evidence").is_some();
        seen_optional.1 |= report.get("baseline").is_some();
        let errors: Vec<String> = v
            .iter_errors(&report)
            .take(20)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}:\n{}", errors.join("\n"));
    }
    assert_eq!(
        seen_optional,
        (true, true),
        "evidence and baseline sections were validated"
    );
}

#[test]
fn the_report_schema_rejects_a_field_it_does_not_describe() {
    let v = schema("report");
    let out = run(&[
        "check",
        "fixtures/managed.yaml",
        "-f",
        "json",
        "--today",
        common::TODAY,
    ]);
    let mut report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(v.is_valid(&report));
    report["findings"][0]["surprise"] = serde_json::Value::from(1);
    assert!(!v.is_valid(&report));
    report["findings"][0]
        .as_object_mut()
        .unwrap()
        .remove("surprise");
    report["findings"][0]["status"] = serde_json::Value::from("fine");
    assert!(!v.is_valid(&report));
}
