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
