//! OSCAL import: NIST's HIGH baseline catalog end to end, the mapping file, withdrawn
//! controls, and errors that name the OSCAL path.

mod common;
#[path = "common/oscal.rs"]
mod imports;

use std::path::PathBuf;

use gapcheck::catalog::{Registry, Requirement};
use gapcheck::oscal::{self, ImportOptions, Mapping, OscalError};

const HIGH_CATALOG: &str = "NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json";

fn high_catalog() -> PathBuf {
    common::nist_data(HIGH_CATALOG)
}

/// The repository's copy of NIST's files is the one the tests read; where the team's source
/// copy is beside the clone (always in the workspace's CI), the two must be byte-identical,
/// so a copy edited by mistake cannot pass for NIST's text.
#[test]
fn repository_copy_of_nist_files_matches_the_source() {
    let Some(source) = common::nist_source_copy() else {
        eprintln!(
            "note: no source copy of NIST's OSCAL files beside the clone; comparison skipped"
        );
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&source)
        .unwrap_or_else(|e| panic!("{}: {e}", source.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(
        !names.is_empty(),
        "{} holds no OSCAL files",
        source.display()
    );
    for name in &names {
        let want = std::fs::read(source.join(name)).unwrap();
        let got = std::fs::read(common::nist_data(name))
            .unwrap_or_else(|e| panic!("tests/data/nist-800-53-rev5/{name} missing: {e}"));
        assert!(
            got == want,
            "tests/data/nist-800-53-rev5/{name} differs from {}",
            source.display()
        );
    }
}

fn with_id(id: &str) -> ImportOptions {
    ImportOptions {
        id: Some(id.to_owned()),
    }
}

/// The imported catalog loaded exactly as `-c` would load it (checking that the tree the
/// import validated is what its text parses to).
fn load(imported: &oscal::Imported) -> Registry {
    imports::load(imported)
}

/// (printed id, title) of every control in the OSCAL file, read independently of the
/// importer: the class-less `label` prop is the printed id.
fn oscal_controls(doc: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(controls: &serde_json::Value, out: &mut Vec<(String, String)>) {
        for c in controls.as_array().into_iter().flatten() {
            let props = c["props"].as_array().cloned().unwrap_or_default();
            let withdrawn = props
                .iter()
                .any(|p| p["name"] == "status" && p["value"] == "withdrawn");
            if !withdrawn {
                let label = props
                    .iter()
                    .find(|p| p["name"] == "label" && p.get("class").is_none())
                    .and_then(|p| p["value"].as_str())
                    .expect("NIST controls carry a printed label");
                out.push((label.to_owned(), c["title"].as_str().unwrap().to_owned()));
            }
            walk(&c["controls"], out);
        }
    }
    let mut out = Vec::new();
    for g in doc["catalog"]["groups"].as_array().unwrap() {
        walk(&g["controls"], &mut out);
    }
    out
}

#[test]
fn nist_high_baseline_imports_with_official_ids_and_titles() {
    let path = high_catalog();
    let imported = oscal::import_file(&path, None, &with_id("nist-high")).unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let expected = oscal_controls(&doc);
    // The reference README documents 370 entries in the HIGH baseline.
    assert_eq!(expected.len(), 370);
    assert_eq!(imported.controls, expected.len());
    assert_eq!(imported.withdrawn, 0);

    let registry = load(&imported);
    let cat = registry.get("nist-high").unwrap();
    let got: Vec<(String, String)> = cat
        .controls
        .iter()
        .map(|c| (c.id.clone(), c.title.clone()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(cat.version.as_deref(), Some("5.1.1+u4"));

    let ca74 = cat
        .control("CA-7(4)")
        .expect("enhancements use the printed form");
    assert_eq!(ca74.title, "Risk Monitoring");
    assert_eq!(
        ca74.group.as_deref(),
        Some("Assessment, Authorization, and Monitoring")
    );
    assert!(ca74.requires.is_none(), "no mapping, so no requires");
}

#[test]
fn statements_render_items_and_parameters_as_sp_800_53_prints_them() {
    let imported = oscal::import_file(&high_catalog(), None, &with_id("nist-high")).unwrap();
    let registry = load(&imported);
    let cat = registry.get("nist-high").unwrap();

    // A selection whose choice inserts another parameter.
    let si422 = cat.control("SI-4(22)").unwrap();
    assert_eq!(
        si422.statement,
        "(a) Detect network services that have not been authorized or approved by \
         [Assignment: organization-defined authorization or approval processes]; and \
         (b) [Selection (one or more): audit; alert [Assignment: organization-defined \
         personnel or roles]] when detected."
    );
    // A label that already says "organization-defined" is not prefixed twice.
    let ac1 = cat.control("AC-1").unwrap();
    assert!(
        ac1.statement
            .starts_with("a. Develop, document, and disseminate to [Assignment: organization-defined personnel or roles]: 1. [Selection (one or more): organization-level;"),
        "{}",
        ac1.statement
    );
    assert!(!ac1.statement.contains("{{"), "{}", ac1.statement);

    // Every statement of the built-in 800-53 subset (taken from the same NIST file) is
    // exactly what the importer renders.
    let builtin = Registry::load(true, &[]).unwrap();
    let conmon = builtin.get("nist-800-53-conmon").unwrap();
    let mut compared = 0;
    for c in &conmon.controls {
        if let Some(imp) = cat.control(&c.id) {
            let folded: Vec<&str> = c.statement.split_whitespace().collect();
            assert_eq!(imp.statement, folded.join(" "), "{}", c.id);
            assert_eq!(imp.title, c.title, "{}", c.id);
            compared += 1;
        }
    }
    assert!(
        compared >= 40,
        "only {compared} built-in controls are in HIGH"
    );
}

#[test]
fn related_links_become_references_inside_the_catalog() {
    let imported = oscal::import_file(&high_catalog(), None, &with_id("nist-high")).unwrap();
    let registry = load(&imported);
    let ca2 = registry.get("nist-high").unwrap().control("CA-2").unwrap();
    let related: Vec<String> = ca2.related.iter().map(ToString::to_string).collect();
    assert!(
        related.contains(&"nist-high:CA-7".to_owned()),
        "{related:?}"
    );
    assert!(related.iter().all(|r| r.starts_with("nist-high:")));
}

const SMALL: &str = r#"{"catalog": {
  "uuid": "00000000-0000-4000-8000-000000000000",
  "metadata": {"title": "Tiny: \"quoted\" catalog", "version": "1.0"},
  "groups": [
    {"id": "xx", "title": "First family", "controls": [
      {"id": "xx-1", "title": "Kept", "props": [{"name": "label", "value": "XX-1"}],
       "params": [{"id": "xx-1_prm_1", "label": "frequency"}],
       "parts": [{"name": "statement", "prose": "Review logs {{ insert: param, xx-1_prm_1 }}."}],
       "controls": [
         {"id": "xx-1.1", "title": "Gone", "props": [{"name": "status", "value": "withdrawn"}], "parts": []},
         {"id": "xx-1.2", "title": "No label, yes: printed from the id",
          "parts": [{"name": "statement", "prose": "No: keep it #literal"}]}
       ]},
      {"id": "xx-2", "title": "Withdrawn", "props": [{"name": "label", "value": "XX-2"}, {"name": "status", "value": "withdrawn"}]}
    ]},
    {"id": "yy", "title": "Second family", "controls": [
      {"id": "yy-1", "title": "Monitor", "props": [{"name": "label", "value": "YY-1"}],
       "parts": [{"name": "statement", "prose": "Monitor the system."}]}
    ]}
  ]}}"#;

#[test]
fn withdrawn_controls_are_skipped_and_odd_text_survives() {
    let imported =
        oscal::import_str("tiny.json", SMALL, true, None, &ImportOptions::default()).unwrap();
    assert_eq!(imported.controls, 3);
    assert_eq!(imported.withdrawn, 2);
    assert_eq!(imported.id, "tiny-quoted-catalog");
    let registry = load(&imported);
    let cat = registry.get("tiny-quoted-catalog").unwrap();
    assert_eq!(cat.title, "Tiny: \"quoted\" catalog");
    let ids: Vec<&str> = cat.controls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["XX-1", "XX-1(2)", "YY-1"]);
    assert_eq!(
        cat.control("XX-1").unwrap().statement,
        "Review logs [Assignment: organization-defined frequency]."
    );
    let odd = cat.control("XX-1(2)").unwrap();
    assert_eq!(odd.title, "No label, yes: printed from the id");
    assert_eq!(odd.statement, "No: keep it #literal");
    assert_eq!(odd.group.as_deref(), Some("First family"));
}

#[test]
fn yaml_input_gives_the_same_catalog_as_json() {
    let doc: serde_json::Value = serde_json::from_str(SMALL).unwrap();
    // JSON is YAML; a block-style YAML rendering exercises the YAML path for real.
    let yaml = to_block_yaml(&doc, 0);
    let from_json =
        oscal::import_str("t.json", SMALL, true, None, &ImportOptions::default()).unwrap();
    let from_yaml =
        oscal::import_str("t.yaml", &yaml, false, None, &ImportOptions::default()).unwrap();
    assert_eq!(from_json.yaml, from_yaml.yaml);
    load(&from_json);
}

/// A minimal block-style YAML writer for the test input (strings as JSON-quoted scalars).
fn to_block_yaml(v: &serde_json::Value, indent: usize) -> String {
    let pad = " ".repeat(indent);
    match v {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::Object(m) if m.is_empty() => format!("{pad}{k}: {{}}\n"),
                serde_json::Value::Array(a) if a.is_empty() => format!("{pad}{k}: []\n"),
                serde_json::Value::Object(_) | serde_json::Value::Array(_) => {
                    format!("{pad}{k}:\n{}", to_block_yaml(v, indent + 2))
                }
                _ => format!("{pad}{k}: {v}\n"),
            })
            .collect(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|item| {
                let inner = to_block_yaml(item, indent + 2);
                format!("{pad}- {}", inner.trim_start())
            })
            .collect(),
        other => format!("{pad}{other}\n"),
    }
}

fn error_text(e: OscalError) -> String {
    e.into_diagnostics()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn import_err(json: &str) -> String {
    match oscal::import_str("bad.json", json, true, None, &ImportOptions::default()) {
        Ok(_) => panic!("imported a broken catalog:\n{json}"),
        Err(e) => error_text(e),
    }
}

#[test]
fn errors_name_the_oscal_path() {
    let missing_id = SMALL.replacen(r#"{"id": "yy-1", "#, "{", 1);
    let e = import_err(&missing_id);
    assert!(e.contains("catalog.groups[1].controls[0]"), "{e}");
    assert!(e.contains("missing field `id`"), "{e}");

    let wrong_type = SMALL.replacen(r#""title": "Monitor""#, r#""title": 7"#, 1);
    let e = import_err(&wrong_type);
    assert!(e.contains("catalog.groups[1].controls[0].title"), "{e}");

    let unknown_param = SMALL.replacen("xx-1_prm_1 }}", "xx-9_prm_9 }}", 1);
    let e = import_err(&unknown_param);
    assert!(
        e.contains("catalog.groups[0].controls[0].parts[0].prose"),
        "{e}"
    );
    assert!(e.contains("unknown parameter `xx-9_prm_9`"), "{e}");

    let no_statement = SMALL.replacen(
        r#""name": "statement", "prose": "Monitor"#,
        r#""name": "guidance", "prose": "Monitor"#,
        1,
    );
    let e = import_err(&no_statement);
    assert!(e.contains("catalog.groups[1].controls[0].parts"), "{e}");

    let clash = SMALL.replacen(r#""value": "YY-1""#, r#""value": "XX-1""#, 1);
    let e = import_err(&clash);
    assert!(e.contains("both print as `XX-1`"), "{e}");

    let e = import_err(r#"{"catalog": {"metadata": {"title": "x"}, "groups": [}}"#);
    assert!(e.starts_with("bad.json:1:"), "{e}");

    let e = import_err(r#"{"catalog": {"groups": []}}"#);
    assert!(e.contains("catalog: missing field `metadata`"), "{e}");
}

#[test]
fn yaml_errors_name_the_oscal_path_too() {
    let yaml = "catalog:\n  metadata: {title: t}\n  groups:\n    - title: g\n      controls:\n        - id: a-1\n          title: [not, text]\n";
    let e = match oscal::import_str("bad.yaml", yaml, false, None, &ImportOptions::default()) {
        Ok(_) => panic!("imported a broken catalog"),
        Err(e) => error_text(e),
    };
    assert!(e.contains("catalog.groups[0].controls[0].title"), "{e}");
}

const MAP: &str = r#"rules:
  - id: XX-1
    requires: {capability: log-review, cadence: weekly}
    severity: high
  - pattern: '^XX-'
    requires:
      all:
        - capability: configuration-management
        - {capability: patch-management, owner: external}
  - pattern: '^ZZ-'
    requires: {capability: backup}
"#;

#[test]
fn mapping_assigns_requires_first_match_wins() {
    let mapping = Mapping::parse("map.yaml", MAP).unwrap();
    let imported = oscal::import_str(
        "tiny.json",
        SMALL,
        true,
        Some(&mapping),
        &ImportOptions::default(),
    )
    .unwrap();
    let registry = load(&imported);
    let cat = registry.get("tiny-quoted-catalog").unwrap();

    let xx1 = cat.control("XX-1").unwrap();
    let leaves = xx1.requires.as_ref().unwrap().leaves();
    assert_eq!(leaves.len(), 1);
    assert_eq!(leaves[0].capability, "log-review");
    assert_eq!(
        leaves[0].cadence.map(|c| c.to_string()).as_deref(),
        Some("weekly")
    );
    assert_eq!(xx1.severity.to_string(), "high");

    let enh = cat.control("XX-1(2)").unwrap();
    match enh.requires.as_ref().unwrap() {
        Requirement::All(children) => assert_eq!(children.len(), 2),
        other => panic!("{other:?}"),
    }
    assert_eq!(enh.severity.to_string(), "moderate");
    assert!(cat.control("YY-1").unwrap().requires.is_none());

    // The ZZ rule (line 10) matched nothing: a warning at its line.
    assert_eq!(imported.warnings.len(), 1);
    assert_eq!(imported.warnings[0].pos.unwrap().line, 10);
}

/// A catalog whose assessed controls sit under parent controls that are not assessed (as
/// CSF 2.0's subcategories under its categories), one of them without statement prose.
const NESTED: &str = r#"{"catalog": {
  "uuid": "00000000-0000-4000-8000-000000000001",
  "metadata": {"title": "Nested outcomes", "version": "0.9"},
  "groups": [
    {"id": "GV", "title": "GOVERN", "controls": [
      {"id": "GV.OC", "title": "Context", "props": [{"name": "label", "value": "Context (GV.OC)"}],
       "parts": [{"name": "statement", "prose": "Context is understood"}],
       "controls": [
         {"id": "GV.OC-01", "title": "GV.OC-01", "props": [{"name": "label", "value": "GV.OC-01"}],
          "parts": [{"name": "statement", "prose": "The mission is understood"}]},
         {"id": "GV.OC-02", "title": "GV.OC-02", "props": [{"name": "label", "value": "GV.OC-02"}],
          "parts": [{"name": "statement", "prose": "Stakeholders are understood"}]}
       ]},
      {"id": "ID.BE", "title": "Old category", "props": [{"name": "label", "value": "Old (ID.BE)"}],
       "parts": [{"name": "statement"}]}
    ]}
  ]}}"#;

const NESTED_MAP: &str = r#"catalog:
  title: Nested outcomes 2.0
  authority: Example Institute
  version: "2024-02-26"
  url: https://example.org/outcomes
  id_pattern: '^GV\.[A-Z]{2}-\d{2}$'
  notes: Only the subcategories.
unmapped: omit
rules:
  - id: GV.OC-01
    requires: {capability: policy-management}
    rationale: "'mission is understood' -> policy-management"
    props: {function: GV, outcome: true}
"#;

#[test]
fn mapping_can_write_the_header_rationales_and_leave_out_unmapped_controls() {
    let mapping = Mapping::parse("map.yaml", NESTED_MAP).unwrap();
    let imported = oscal::import_str(
        "nested.json",
        NESTED,
        true,
        Some(&mapping),
        &with_id("nested-2.0"),
    )
    .unwrap();
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    // The two categories (one has no prose, and is not read) and the unmapped subcategory.
    assert_eq!((imported.controls, imported.omitted), (1, 3));
    let registry = load(&imported);
    let cat = registry.get("nested-2.0").unwrap();
    assert_eq!(cat.title, "Nested outcomes 2.0");
    assert_eq!(cat.authority.as_deref(), Some("Example Institute"));
    assert_eq!(cat.version.as_deref(), Some("2024-02-26"));
    assert_eq!(cat.url.as_deref(), Some("https://example.org/outcomes"));
    assert_eq!(cat.notes.as_deref(), Some("Only the subcategories."));
    assert!(cat.id_pattern.is_some());
    let ids: Vec<&str> = cat.controls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["GV.OC-01"]);
    let c = &cat.controls[0];
    assert_eq!(c.citation, "Nested outcomes 2.0, GV.OC-01");
    assert_eq!(
        c.rationale.as_deref(),
        Some("'mission is understood' -> policy-management")
    );
    assert_eq!(c.prop_bool("outcome"), Some(true));
    assert!(matches!(c.props.get("function"), Some(gapcheck::catalog::Prop::Str(s)) if s == "GV"));
    // Without `unmapped: omit` every control is imported, and the prose-less one is an error.
    let keep = Mapping::parse("map.yaml", &NESTED_MAP.replace("unmapped: omit\n", "")).unwrap();
    let e = oscal::import_str("nested.json", NESTED, true, Some(&keep), &with_id("n"))
        .map(|_| ())
        .unwrap_err();
    assert!(error_text(e).contains("ID.BE"));
}

#[test]
fn mapping_rejects_derived_props_and_unknown_unmapped_values() {
    let bad = "unmapped: drop\nrules:\n  - id: X\n    props: {oscal_id: y, ok: [1]}\n";
    let e = match Mapping::parse("map.yaml", bad) {
        Ok(_) => panic!("accepted a broken mapping"),
        Err(OscalError::Map(d)) => d,
        Err(other) => panic!("{other:?}"),
    };
    let lines: Vec<u32> = e.iter().map(|d| d.pos.unwrap().line).collect();
    assert_eq!(lines, [1, 4, 4], "{e:?}");
}

#[test]
fn mapping_errors_point_at_the_mapping_file() {
    let bad = "rules:\n  - id: AC-2\n    requires: {capability: log-reveiw}\n  - pattern: '('\n  - requires: {capability: backup}\n";
    let e = match Mapping::parse("map.yaml", bad) {
        Ok(_) => panic!("accepted a broken mapping"),
        Err(OscalError::Map(d)) => d,
        Err(other) => panic!("{other}"),
    };
    let lines: Vec<u32> = e.iter().map(|d| d.pos.unwrap().line).collect();
    assert_eq!(lines, [3, 4, 5], "{e:?}");
    assert!(
        e[0].help.as_deref().unwrap_or("").contains("log-review"),
        "{e:?}"
    );
}

#[test]
fn cli_imports_validates_and_writes_deterministically() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.yaml");
    std::fs::write(
        &map,
        "rules:\n  - pattern: '^CA-7'\n    requires: {capability: continuous-monitoring}\n",
    )
    .unwrap();
    let high = high_catalog();
    let mut outputs = Vec::new();
    for name in ["a.yaml", "b.yaml"] {
        let out = dir.path().join(name);
        let r = common::run(&[
            "catalog",
            "import",
            high.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--map",
            map.to_str().unwrap(),
            "--id",
            "nist-high",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.contains("imported 370 control(s)"), "{}", r.stderr);
        outputs.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(outputs[0], outputs[1]);

    let out = dir.path().join("a.yaml");
    let r = common::run(&[
        "catalog",
        "show",
        "nist-high:CA-7(4)",
        "-c",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("continuous-monitoring"), "{}", r.stdout);

    // An id that clashes with a built-in catalog is caught before anything is written.
    let clash = dir.path().join("clash.yaml");
    let r = common::run(&[
        "catalog",
        "import",
        high.to_str().unwrap(),
        "-o",
        clash.to_str().unwrap(),
        "--id",
        "hipaa-security",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("already defined"), "{}", r.stderr);
    assert!(!clash.exists());
}

#[test]
fn cli_reports_a_broken_file_with_its_path_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, SMALL.replacen(r#"{"id": "yy-1", "#, "{", 1)).unwrap();
    let r = common::run(&["catalog", "import", bad.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr
            .contains("catalog.groups[1].controls[0]: missing field `id`"),
        "{}",
        r.stderr
    );
}
