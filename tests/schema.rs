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
