//! The built-in catalogs a run loads are compiled by build.rs (issue 17). They must be exactly
//! what parsing their YAML gives, and user catalogs that extend them must still be checked
//! against them.

use std::io::Write;

use gapcheck::catalog::{BUILTIN_CATALOGS, BUILTIN_COMPILED, Registry};

fn from_yaml() -> Registry {
    let files: Vec<(&str, &str, bool)> = BUILTIN_CATALOGS
        .iter()
        .map(|(p, t)| (*p, *t, true))
        .collect();
    Registry::load_yaml(&files).unwrap_or_else(|e| panic!("{:#?}", e.0))
}

#[test]
fn compiled_builtins_equal_their_yaml() {
    let compiled = Registry::load(true, &[]).unwrap();
    let parsed = from_yaml();
    assert_eq!(
        compiled.ids(),
        parsed.ids(),
        "the compiled form holds every built-in catalog"
    );
    for id in parsed.ids() {
        // Debug shows every field, positions and file names included.
        assert_eq!(
            format!("{:#?}", compiled.get(id).unwrap()),
            format!("{:#?}", parsed.get(id).unwrap()),
            "compiled catalog `{id}` differs from its YAML"
        );
    }
    assert_eq!(
        gapcheck::catalog::compiled::ids(BUILTIN_COMPILED),
        parsed.ids(),
        "the record index lists the catalogs in id order"
    );
}

#[test]
fn only_selected_records_are_decoded() {
    let one = gapcheck::catalog::compiled::decode(BUILTIN_COMPILED, |id| id == "service-model");
    assert_eq!(one.keys().collect::<Vec<_>>(), ["service-model"]);
    assert_eq!(
        format!("{:?}", one["service-model"]),
        format!("{:?}", from_yaml().get("service-model").unwrap())
    );
}

fn user_catalog(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ext.yaml");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    (dir, path)
}

#[test]
fn a_user_extension_is_checked_against_a_compiled_builtin() {
    // nist-800-53-conmon has an id_pattern (compiled lazily for built-ins), profiles and
    // control ids a user file can collide with.
    let (_dir, path) = user_catalog(
        "catalog:\n  extends: nist-800-53-conmon\ncontrols:\n  - id: not-an-id\n    title: T\n    citation: C\n    statement: S\n    severity: low\n  - id: AC-2\n    title: T\n    citation: C\n    statement: S\n    severity: low\n    profiles: [no-such-profile]\n",
    );
    let errors = Registry::load(true, &[path]).unwrap_err().0;
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let has = |needle: &str| messages.iter().any(|m| m.contains(needle));
    assert!(
        has("ext.yaml:4:5: error: control id `not-an-id` does not match the catalog's id_pattern"),
        "{messages:#?}"
    );
    assert!(
        has("duplicate control id `AC-2` in catalog `nist-800-53-conmon`"),
        "{messages:#?}"
    );
    // The earlier definition is located in the built-in file, from the compiled positions.
    assert!(
        messages
            .iter()
            .any(|m| m.contains("already defined at controls/nist-800-53-conmon.yaml:")),
        "{messages:#?}"
    );
    assert!(
        has("names undeclared profile `no-such-profile`"),
        "{messages:#?}"
    );
    assert_eq!(errors.len(), 3, "{messages:#?}");
}

#[test]
fn a_check_decodes_only_the_builtins_its_inputs_name() {
    let all = Registry::load(true, &[]).unwrap();
    let one = Registry::load_for(true, &[], "frameworks:\n  - service-model\n").unwrap();
    assert_eq!(one.catalogs.keys().collect::<Vec<_>>(), ["service-model"]);
    // What messages and accepted facts depend on stays that of every catalog.
    assert_eq!(one.ids(), all.ids());
    assert_eq!(one.facts(), all.facts());
    // A user catalog naming a built-in (here by `extends`) loads it too.
    let (_dir, path) = user_catalog(
        "catalog:\n  extends: glba-safeguards\ncontrols:\n  - id: 314.4(z)\n    title: T\n    citation: C\n    statement: S\n    severity: low\n",
    );
    let errors = Registry::load_for(true, &[path], "frameworks: [service-model]")
        .unwrap_err()
        .0;
    assert!(
        errors.iter().any(|d| d
            .message
            .contains("does not match the catalog's id_pattern")),
        "{errors:#?}"
    );
}
