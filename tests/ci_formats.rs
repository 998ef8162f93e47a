//! SARIF and JUnit as the platforms that read them expect: SARIF valid against the OASIS
//! 2.1.0 schema and within GitHub code scanning's rules; JUnit valid against the XSD Jenkins'
//! xUnit plugin uses. Both schemas are kept in tests/data (their READMEs name the sources).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    assert!(v.len() >= 4);
    v
}

/// A report of `fixture` in `format`, with the fixture catalogs loaded (some fixtures use
/// them), run from `dir` with `extra` arguments.
fn report(dir: &Path, fixture: &str, format: &str, extra: &[&str]) -> String {
    let catalogs = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/catalogs");
    let mut args = vec![
        "check",
        fixture,
        "-c",
        catalogs.to_str().unwrap(),
        "--today",
        common::TODAY,
        "-f",
        format,
    ];
    args.extend_from_slice(extra);
    let out = common::gapcheck()
        .current_dir(dir)
        .args(&args)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{fixture}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Third-party schema files (the OASIS SARIF schema, the Jenkins xUnit XSD) are not kept in
/// this repository: they come from repositories whose content we may not commit here. A test
/// reads one from the environment variable named, or from `../shared/reference/`, and skips
/// only its schema check (saying so) when neither is there; every other check still runs.
fn third_party(var: &str, shared: &str) -> Option<String> {
    // An explicit copy first, then the one kept in the repository (tests/data/README.md says
    // where each came from), then the team's shared reference data beside the clone.
    let candidates = std::env::var_os(var).map(PathBuf::from).into_iter().chain([
        here().join("tests/data").join(shared),
        here().join("../shared/reference").join(shared),
    ]);
    for path in candidates {
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Some(text);
        }
    }
    eprintln!("skipping the schema check: set {var} to a copy of {shared}");
    None
}

fn here() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn sarif_of_every_fixture_is_valid_sarif_2_1_0_within_githubs_rules() {
    let Some(text) = third_party("GAPCHECK_SARIF_SCHEMA", "sarif-schema-2.1.0.json") else {
        return;
    };
    // The draft-07 edition carries one malformed pattern (`run.language`, a stray `]` that the
    // validator's ECMA-262 regex check rejects, so the schema would not compile). gapcheck
    // never writes `language`; the test substitutes the pattern's evident intent and says so.
    let text = text.replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the OASIS schema compiles");
    // The validator bites: a log without runs, or with a wrong version, is refused.
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.1.0"})));
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.0", "runs": []})));
    for f in fixtures() {
        let name = f.to_str().unwrap();
        let text = report(here(), name, "sarif", &[]);
        let sarif: Value = serde_json::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .take(5)
            .collect();
        assert!(errors.is_empty(), "{name}: {}", errors.join("\n"));
        // The log names OASIS's published 2.1.0 schema; the copy validated against is that
        // schema (draft-07 edition of the same 2.1.0 text, see tests/data/README.md).
        assert!(
            sarif["$schema"]
                .as_str()
                .is_some_and(|u| u.ends_with("/sarif-schema-2.1.0.json")),
            "names the schema it is valid against"
        );
        assert!(schema["title"].as_str().unwrap().contains("2.1.0"));

        let run = &sarif["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
            let id = rule["id"].as_str().unwrap();
            let full = rule["fullDescription"]["text"].as_str().unwrap();
            assert!(
                full.chars().count() <= 1024,
                "{name} {id}: fullDescription has {} characters; GitHub allows 1,024",
                full.chars().count()
            );
            let markdown = rule["help"]["markdown"].as_str().unwrap();
            let statement_start: String = full.chars().take(40).collect();
            assert!(
                markdown.contains(statement_start.trim_end_matches('…')),
                "{id}: the statement is in help.markdown"
            );
            let tags: Vec<&str> = rule["properties"]["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap())
                .collect();
            assert!(tags.contains(&"security"), "{id}: {tags:?}");
            let sev: f64 = rule["properties"]["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((0.0..=10.0).contains(&sev));
        }
        for r in run["results"].as_array().unwrap() {
            let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(loc["uriBaseId"], "%SRCROOT%", "{name}");
            assert_eq!(loc["uri"], name, "relative to the repository root");
        }
    }
}

#[test]
fn a_full_statement_longer_than_githubs_limit_is_cut_in_full_description_only() {
    // The longest built-in statement (NIST AC-2) is over 1,024 characters.
    let text = report(
        here(),
        "fixtures/break-fix-office.yaml",
        "sarif",
        &["--select", "AC-2$|^service-model:"],
    );
    let sarif: Value = serde_json::from_str(&text).unwrap();
    let rule = &sarif["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "nist-800-53-conmon:AC-2");
    let full = rule["fullDescription"]["text"].as_str().unwrap();
    let markdown = rule["help"]["markdown"].as_str().unwrap();
    assert!(full.ends_with('…'), "{full}");
    assert!(markdown.contains("personnel termination and transfer processes."));
}

/// Run from a subdirectory, the URI is still relative to the repository root: found by
/// walking up to `.git`, or given with `--sarif-root`.
#[test]
fn sarif_uris_are_relative_to_the_repository_root_from_any_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let sub = repo.join("compliance/clients");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::create_dir(repo.join(".git")).unwrap();
    std::fs::copy("fixtures/co-managed.yaml", sub.join("dental.yaml")).unwrap();

    let uris = |dir: &Path, file: &str, extra: &[&str]| -> BTreeSet<(String, String)> {
        let sarif: Value = serde_json::from_str(&report(dir, file, "sarif", extra)).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let a = &r["locations"][0]["physicalLocation"]["artifactLocation"];
                (
                    a["uri"].as_str().unwrap().to_owned(),
                    a["uriBaseId"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let want: BTreeSet<(String, String)> = [(
        "compliance/clients/dental.yaml".to_owned(),
        "%SRCROOT%".to_owned(),
    )]
    .into();
    assert_eq!(uris(&sub, "dental.yaml", &[]), want);
    assert_eq!(uris(&repo, "compliance/clients/dental.yaml", &[]), want);
    assert_eq!(uris(&sub, "./../clients/dental.yaml", &[]), want);
    // An explicit root wins over the one found.
    let compliance = repo.join("compliance");
    assert_eq!(
        uris(
            &sub,
            "dental.yaml",
            &["--sarif-root", compliance.to_str().unwrap()]
        ),
        [("clients/dental.yaml".to_owned(), "%SRCROOT%".to_owned())].into()
    );
}

/// What junit-10.xsd allows: for each element, its attributes (name → required) and the
/// elements it may contain. Every element of that XSD is declared at the top level and
/// used by `ref`, which is all this reader handles — it refuses anything else.
struct Xsd {
    attributes: BTreeMap<String, BTreeMap<String, bool>>,
    children: BTreeMap<String, BTreeSet<String>>,
}

fn read_xsd(text: &str) -> Xsd {
    let doc = roxmltree::Document::parse(text).unwrap();
    let mut xsd = Xsd {
        attributes: BTreeMap::new(),
        children: BTreeMap::new(),
    };
    let types: BTreeMap<&str, roxmltree::Node> = doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name(("http://www.w3.org/2001/XMLSchema", "complexType")))
        .map(|n| (n.attribute("name").unwrap(), n))
        .collect();
    for el in doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name(("http://www.w3.org/2001/XMLSchema", "element")))
    {
        let name = el.attribute("name").unwrap().to_owned();
        let body = match el.attribute("type") {
            Some(t) if t.starts_with("xs:") => None,
            Some(t) => Some(types[t]),
            None => el.children().find(|n| n.has_tag_name("complexType")),
        };
        let mut attrs = BTreeMap::new();
        let mut kids = BTreeSet::new();
        for n in body.iter().flat_map(|b| b.descendants()) {
            if n.has_tag_name("attribute") {
                attrs.insert(
                    n.attribute("name").unwrap().to_owned(),
                    n.attribute("use") == Some("required"),
                );
            } else if n.has_tag_name("element") {
                let r = n.attribute("ref").or(n.attribute("name")).unwrap();
                kids.insert(r.to_owned());
            }
        }
        xsd.attributes.insert(name.clone(), attrs);
        xsd.children.insert(name, kids);
    }
    xsd
}

fn check_against(xsd: &Xsd, node: roxmltree::Node, problems: &mut Vec<String>) {
    let name = node.tag_name().name();
    let Some(allowed) = xsd.attributes.get(name) else {
        problems.push(format!("<{name}> is not declared"));
        return;
    };
    for a in node.attributes() {
        if !allowed.contains_key(a.name()) {
            problems.push(format!("<{name}> may not have `{}`", a.name()));
        }
    }
    for (a, required) in allowed {
        if *required && node.attribute(a.as_str()).is_none() {
            problems.push(format!("<{name}> lacks required `{a}`"));
        }
    }
    for child in node.children().filter(roxmltree::Node::is_element) {
        let c = child.tag_name().name();
        if !xsd.children[name].contains(c) {
            problems.push(format!("<{name}> may not contain <{c}>"));
        }
        check_against(xsd, child, problems);
    }
}

#[test]
fn junit_of_every_fixture_fits_the_jenkins_xunit_xsd() {
    let Some(text) = third_party("GAPCHECK_JUNIT_XSD", "junit-10.xsd") else {
        return;
    };
    let xsd = read_xsd(&text);
    assert!(
        !xsd.attributes["testsuites"].contains_key("skipped"),
        "the XSD copy is the one without `skipped` on <testsuites>"
    );
    for f in fixtures() {
        let name = f.to_str().unwrap();
        let xml = report(here(), name, "junit", &[]);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "testsuites");
        let mut problems = Vec::new();
        check_against(&xsd, doc.root_element(), &mut problems);
        problems.sort();
        problems.dedup();
        assert!(problems.is_empty(), "{name}: {}", problems.join("; "));
        // Each suite still counts what it skipped.
        for suite in doc
            .root_element()
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
        {
            let skipped = suite
                .children()
                .filter(|c| c.children().any(|s| s.has_tag_name("skipped")))
                .count();
            assert_eq!(
                suite.attribute("skipped"),
                Some(skipped.to_string().as_str())
            );
        }
    }
}
