//! The built-in catalogs against independent sources: the second transcriptions in
//! `tests/expected/`, NIST's OSCAL baselines, and the rules they encode (the break-fix
//! property, SPRS scoring). A catalog edit that drifts from its authority fails here.

#[path = "common/oscal.rs"]
mod imports;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use gapcheck::arrangement::{self, Arrangement};
use gapcheck::capability::CapabilityKind;
use gapcheck::catalog::{Catalog, Control, Prop, Registry, Requirement};
use gapcheck::evaluate::{self, Evaluation, Options, ReasonCode, Status};
use gapcheck::sprs;

fn crate_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn registry() -> Registry {
    match Registry::load(true, &[]) {
        Ok(r) => r,
        Err(e) => panic!("built-in catalogs do not load: {:#?}", e.0),
    }
}

fn catalog<'r>(registry: &'r Registry, id: &str) -> &'r Catalog {
    registry
        .get(id)
        .unwrap_or_else(|| panic!("no built-in catalog `{id}`"))
}

fn control<'c>(catalog: &'c Catalog, id: &str) -> &'c Control {
    catalog
        .control(id)
        .unwrap_or_else(|| panic!("catalog `{}` has no control `{id}`", catalog.id))
}

/// Rows of a tab-separated expectation file, each with exactly `columns` fields.
fn tsv(name: &str, columns: usize) -> Vec<Vec<String>> {
    let path = crate_path(&format!("tests/expected/{name}.tsv"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let row: Vec<String> = l.split('\t').map(str::to_owned).collect();
            assert_eq!(row.len(), columns, "{name}.tsv line {}: {l:?}", i + 1);
            row
        })
        .collect()
}

fn ids(catalog: &Catalog) -> Vec<&str> {
    catalog.controls.iter().map(|c| c.id.as_str()).collect()
}

fn prop_str<'c>(c: &'c Control, key: &str) -> Option<&'c str> {
    match c.props.get(key) {
        Some(Prop::Str(s)) => Some(s),
        _ => None,
    }
}

// ---------------------------------------------------------------- loading and validation

#[test]
fn builtin_catalogs_load_without_warnings() {
    let r = registry();
    assert_eq!(
        r.ids(),
        [
            "cmmc",
            "glba-safeguards",
            "hipaa-security",
            "ncua-748",
            "nist-800-53-conmon",
            "nist-csf-2.0",
            "nydfs-500",
            "service-model"
        ]
    );
    assert!(r.warnings.is_empty(), "warnings: {:#?}", r.warnings);
}

/// What `gapcheck catalog validate --no-builtin` does, file by file: each catalog stands on
/// its own (no reference to a control that only another file defines is broken).
#[test]
fn every_catalog_file_validates_on_its_own() {
    for name in [
        "cmmc",
        "glba-safeguards",
        "hipaa-security",
        "ncua-748",
        "nist-800-53-conmon",
        "nist-csf-2.0",
        "nydfs-500",
        "service-model",
    ] {
        let path = crate_path(&format!("controls/{name}.yaml"));
        let r = Registry::load(false, std::slice::from_ref(&path))
            .unwrap_or_else(|e| panic!("{} does not validate: {:#?}", path.display(), e.0));
        assert_eq!(r.ids(), [name]);
        assert!(r.warnings.is_empty(), "{name}: {:#?}", r.warnings);
        assert_eq!(
            r.get(name).map(|c| c.controls.len()),
            registry().get(name).map(|c| c.controls.len()),
            "{name}: the file and the embedded copy differ"
        );
    }
}

// ---------------------------------------------------------------- HIPAA

#[test]
fn hipaa_ids_and_required_addressable_flags_match_the_regulation() {
    let r = registry();
    let cat = catalog(&r, "hipaa-security");
    let rows = tsv("hipaa-security", 3);
    let expected: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids(cat), expected);
    for row in &rows {
        let c = control(cat, &row[0]);
        assert_eq!(prop_str(c, "kind"), Some(row[1].as_str()), "{}: kind", c.id);
        assert_eq!(
            prop_str(c, "requirement"),
            Some(row[2].as_str()),
            "{}: required/addressable",
            c.id
        );
    }
    // 164.306(c): every standard is required.
    assert!(
        cat.controls
            .iter()
            .filter(|c| prop_str(c, "kind") == Some("standard"))
            .all(|c| prop_str(c, "requirement") == Some("required"))
    );
    // Appendix A to Subpart C (164.308-164.312): 18 standards, 36 implementation
    // specifications.
    let in_appendix_a = |kind: &str| {
        cat.controls
            .iter()
            .filter(|c| !c.id.starts_with("164.314") && !c.id.starts_with("164.316"))
            .filter(|c| prop_str(c, "kind") == Some(kind))
            .count()
    };
    assert_eq!(
        (
            in_appendix_a("standard"),
            in_appendix_a("implementation-specification")
        ),
        (18, 36)
    );
}

// ---------------------------------------------------------------- GLBA

#[test]
fn glba_ids_and_small_institution_exemptions_match_the_rule() {
    let r = registry();
    let cat = catalog(&r, "glba-safeguards");
    let rows = tsv("glba-safeguards", 2);
    let expected: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids(cat), expected);
    for row in &rows {
        let c = control(cat, &row[0]);
        let (profiles, exempt): (&[&str], bool) = match row[1].as_str() {
            "all" => (&[], false),
            "standard" => (&["standard"], true),
            other => panic!("glba-safeguards.tsv: unknown profile column `{other}`"),
        };
        assert_eq!(c.profiles, profiles, "{}: profiles", c.id);
        assert_eq!(
            c.prop_bool("exempt_under_314_6").unwrap_or(false),
            exempt,
            "{}: exempt_under_314_6",
            c.id
        );
        assert!(c.in_profile(Some("standard")), "{}", c.id);
        assert_eq!(
            !c.in_profile(Some("under-5000-consumers")),
            exempt,
            "{}",
            c.id
        );
    }
    // 16 CFR 314.6 exempts exactly these four elements.
    let exempt: Vec<&str> = cat
        .controls
        .iter()
        .filter(|c| !c.in_profile(Some("under-5000-consumers")))
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        exempt,
        ["314.4(b)(1)", "314.4(d)(2)", "314.4(h)", "314.4(i)"]
    );
}

// ---------------------------------------------------------------- catalogs of issue 16

/// The catalogs added for credit unions, New York financial services and CSF users: every
/// control cites its source, and every mapping says why (the rationale quotes the words that
/// justify each capability). A control without `requires` still says why it has none.
const SOURCED_CATALOGS: &[&str] = &["ncua-748", "nist-csf-2.0", "nydfs-500"];

#[test]
fn every_control_of_the_new_catalogs_is_cited_and_explained() {
    let r = registry();
    for id in SOURCED_CATALOGS {
        let cat = catalog(&r, id);
        assert!(
            cat.version.is_some() && cat.url.is_some() && cat.notes.is_some(),
            "{id}"
        );
        for c in &cat.controls {
            assert!(!c.citation.trim().is_empty(), "{id}:{}: citation", c.id);
            assert!(!c.statement.trim().is_empty(), "{id}:{}: statement", c.id);
            let why = c.rationale.as_deref().unwrap_or_default();
            assert!(!why.trim().is_empty(), "{id}:{}: rationale", c.id);
            // The rationale names every capability the mapping asks for.
            for leaf in c.requires.iter().flat_map(|r| r.leaves()) {
                assert!(
                    why.contains(&leaf.capability),
                    "{id}:{}: rationale does not name `{}`",
                    c.id,
                    leaf.capability
                );
            }
        }
    }
}

// ---------------------------------------------------------------- NCUA Part 748

/// Ids, applicability and deadlines of 12 CFR 748.0 and 748.1 against a transcription typed
/// from the eCFR text (tests/expected/ncua-748.tsv: id, fact, deadline, words the statement
/// must contain), and the status of what the catalog leaves out.
#[test]
fn ncua_ids_facts_and_deadlines_match_part_748() {
    use gapcheck::capability::{Cadence, Duration};
    let r = registry();
    let cat = catalog(&r, "ncua-748");
    let rows = tsv("ncua-748", 4);
    let expected: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids(cat), expected);
    let pattern = cat.id_pattern.as_ref().expect("id_pattern");
    // The appendix paragraphs the scheme reserves fit it too.
    for id in expected.iter().copied().chain([
        "748-App-A-III.C.1",
        "748-App-A-III.C.1.a",
        "748-App-B-III.A",
    ]) {
        assert!(pattern.is_match(id), "{id} does not fit id_pattern");
    }
    assert!(cat.profiles.is_empty() && !cat.profile_required);
    let flat = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    for row in &rows {
        let c = control(cat, &row[0]);
        assert_eq!(c.citation, format!("12 CFR {}", c.id));
        let facts: Vec<&str> = c
            .when
            .as_ref()
            .map(|w| w.facts.iter().map(String::as_str).collect())
            .unwrap_or_default();
        match row[1].as_str() {
            "all" => assert!(facts.is_empty(), "{}: applies to every credit union", c.id),
            fact => assert_eq!(facts, [fact], "{}", c.id),
        }
        assert!(
            flat(&c.statement).contains(&flat(&row[3])),
            "{}: statement lacks {:?}",
            c.id,
            row[3]
        );
        let leaves = c.requires.as_ref().map(|r| r.leaves()).unwrap_or_default();
        let cadences: Vec<Cadence> = leaves.iter().filter_map(|l| l.cadence).collect();
        let responses: Vec<Duration> = leaves.iter().filter_map(|l| l.response).collect();
        match row[2].as_str() {
            "-" => assert!(cadences.is_empty() && responses.is_empty(), "{}", c.id),
            "annual" => assert_eq!(cadences, [Cadence::Annual], "{}", c.id),
            deadline => assert_eq!(
                responses,
                [Duration::parse(deadline).expect("a duration")],
                "{}",
                c.id
            ),
        }
    }
    // What could not be read from a primary text here is marked, and nothing else is.
    let unverified: Vec<&str> = cat
        .controls
        .iter()
        .filter(|c| c.prop_bool("unverified") == Some(true))
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(unverified, ["748.1(a)", "748.1(c)"]);
    // The notes say which text is encoded and what became of the appendices.
    let notes = cat.notes.as_deref().unwrap_or_default();
    for words in [
        "Appendix A",
        "Appendix B",
        "are not encoded",
        "2025-12-11",
        "90 FR 57397",
        "no final rule was found",
        "88 FR 12811",
    ] {
        assert!(notes.contains(words), "notes lack {words:?}");
    }
}

// ---------------------------------------------------------------- NYDFS Part 500

#[test]
fn nydfs_ids_profiles_and_deadlines_match_part_500() {
    use gapcheck::capability::{Cadence, Duration};
    let r = registry();
    let cat = catalog(&r, "nydfs-500");
    let rows = tsv("nydfs-500", 3);
    let expected: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids(cat), expected);
    for row in &rows {
        let c = control(cat, &row[0]);
        let (profiles, exempt, class_a): (&[&str], bool, bool) = match row[1].as_str() {
            "all" => (&[], false, false),
            // 500.19(c) and (d) exempt these sections; the limited exemption does not.
            "not-19cd" => (&["standard", "class-a", "limited-exemption"], false, false),
            "not-exempt" => (&["standard", "class-a"], true, false),
            "class-a" => (&["class-a"], false, true),
            // 500.19(f): only an entity that qualifies for an exemption files the notice.
            "exemptions" => (
                &["limited-exemption", "no-systems-no-npi", "captive-insurer"],
                false,
                false,
            ),
            other => panic!("nydfs-500.tsv: unknown applicability `{other}`"),
        };
        assert_eq!(c.profiles, profiles, "{}: profiles", c.id);
        assert_eq!(
            c.prop_bool("limited_exemption_exempt").unwrap_or(false),
            exempt,
            "{}: limited_exemption_exempt",
            c.id
        );
        assert_eq!(
            c.prop_bool("class_a_only").unwrap_or(false),
            class_a,
            "{}: class_a_only",
            c.id
        );
        assert_eq!(c.citation, format!("23 NYCRR {}", c.id));
        let leaves = c.requires.as_ref().map(|r| r.leaves()).unwrap_or_default();
        let cadences: Vec<Cadence> = leaves.iter().filter_map(|l| l.cadence).collect();
        let responses: Vec<Duration> = leaves.iter().filter_map(|l| l.response).collect();
        match row[2].as_str() {
            "-" => assert!(
                cadences.is_empty() && responses.is_empty(),
                "{}: the text gives no frequency or deadline",
                c.id
            ),
            "annual" => assert_eq!(
                (cadences.as_slice(), responses.len()),
                (&[Cadence::Annual][..], 0),
                "{}",
                c.id
            ),
            deadline => assert_eq!(
                (cadences.len(), responses.as_slice()),
                (0, &[Duration::parse(deadline).expect("a duration")][..]),
                "{}",
                c.id
            ),
        }
    }
    // 500.19(a): the limited exemption covers exactly these sections and paragraphs.
    let exempt: BTreeSet<&str> = cat
        .controls
        .iter()
        .filter(|c| !c.in_profile(Some("limited-exemption")) && c.in_profile(Some("standard")))
        .map(|c| match c.id.as_str() {
            id if id.starts_with("500.14(a)") => id,
            id => id.split('(').next().unwrap(),
        })
        .collect();
    assert_eq!(
        exempt,
        BTreeSet::from([
            "500.4",
            "500.5",
            "500.6",
            "500.8",
            "500.10",
            "500.14(a)(1)",
            "500.14(a)(2)",
            "500.15",
            "500.16"
        ])
    );
    // 500.19(c) and (d) exempt the same twelve sections, whole; 500.9, 500.11, 500.13 and
    // 500.17 remain.
    let exempt_cd: BTreeSet<&str> = cat
        .controls
        .iter()
        .filter(|c| !c.in_profile(Some("no-systems-no-npi")) && c.in_profile(Some("class-a")))
        .map(|c| c.id.split('(').next().unwrap())
        .collect();
    assert_eq!(
        exempt_cd,
        BTreeSet::from([
            "500.2", "500.3", "500.4", "500.5", "500.6", "500.7", "500.8", "500.10", "500.12",
            "500.14", "500.15", "500.16"
        ])
    );
    for c in &cat.controls {
        assert_eq!(
            c.in_profile(Some("no-systems-no-npi")),
            c.in_profile(Some("captive-insurer")),
            "{}: 500.19(c) and (d) list the same sections",
            c.id
        );
    }
    // Every covered entity is exactly one of the profiles, so one must be chosen.
    assert!(cat.profile_required);
    // The Class A additions are 500.2(c), 500.7(c) and 500.14(b), and only Class A has them;
    // the Notice of Exemption is the one control Class A does not owe.
    let class_a: Vec<&str> = cat
        .controls
        .iter()
        .filter(|c| c.in_profile(Some("class-a")) && !c.in_profile(Some("standard")))
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(class_a, ["500.2(c)", "500.7(c)", "500.14(b)"]);
    let not_class_a: Vec<&str> = cat
        .controls
        .iter()
        .filter(|c| !c.in_profile(Some("class-a")))
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(not_class_a, ["500.19(f)"]);
    // Thresholds are read as the rule writes them: any one of the three qualifies.
    let exemption = &cat.profiles["limited-exemption"];
    assert!(
        exemption.contains("any one of the 500.19(a) thresholds"),
        "{exemption}"
    );
    for figure in ["fewer than 20", "$7,500,000", "$15,000,000"] {
        assert!(exemption.contains(figure), "{figure}");
    }
}

// ---------------------------------------------------------------- NIST CSF 2.0

#[test]
fn csf_ids_and_functions_match_nists_core() {
    let r = registry();
    let cat = catalog(&r, "nist-csf-2.0");
    let rows = tsv("nist-csf-2.0", 2);
    let expected: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids(cat), expected);
    assert_eq!(cat.controls.len(), 106, "CSF 2.0 has 106 subcategories");
    for row in &rows {
        let c = control(cat, &row[0]);
        assert_eq!(
            c.group.as_deref(),
            Some(row[1].as_str()),
            "{}: function",
            c.id
        );
        assert_eq!(
            prop_str(c, "family"),
            Some(&row[0][..2]),
            "{}: family",
            c.id
        );
        assert_eq!(
            c.citation,
            format!("NIST Cybersecurity Framework (CSF) 2.0, {}", c.id)
        );
        // CSF states outcomes without frequencies: no cadence, coverage or response.
        for leaf in c.requires.iter().flat_map(|r| r.leaves()) {
            assert!(
                leaf.cadence.is_none() && leaf.coverage.is_none() && leaf.response.is_none(),
                "{}: CSF gives no frequency",
                c.id
            );
        }
    }
    assert!(
        cat.profiles.is_empty(),
        "CSF defines no per-subcategory tiers"
    );
    assert!(cat.controls.iter().all(|c| c.related.is_empty()));
}

/// The committed catalog is exactly what `gapcheck catalog import` makes of NIST's text with
/// the committed mapping: the controls are put back into OSCAL form (each under a category
/// control, as NIST nests them) and imported again, and the result must be byte-identical.
#[test]
fn csf_catalog_is_the_import_of_its_mapping() {
    use gapcheck::oscal::{self, ImportOptions, Mapping};
    let committed = std::fs::read_to_string(crate_path("controls/nist-csf-2.0.yaml")).unwrap();
    let map_path = crate_path("oscal/nist-csf-2.0.map.yaml");
    let mapping = Mapping::parse("map", &std::fs::read_to_string(&map_path).unwrap())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let r = registry();
    let cat = catalog(&r, "nist-csf-2.0");
    let mut groups: Vec<(String, String, Vec<serde_json::Value>)> = Vec::new();
    for c in &cat.controls {
        let family = prop_str(c, "family").unwrap().to_owned();
        let sub = serde_json::json!({
            "id": c.id, "title": c.title,
            "props": [{"name": "label", "value": c.id}],
            "parts": [{"name": "statement", "prose": c.statement}],
        });
        match groups.iter_mut().find(|g| g.0 == family) {
            Some(g) => g.2.push(sub),
            None => groups.push((family, c.group.clone().unwrap(), vec![sub])),
        }
    }
    let doc = serde_json::json!({"catalog": {
        "uuid": "00000000-0000-4000-8000-000000000000",
        "metadata": {"title": "round trip"},
        "groups": groups.iter().map(|(id, title, subs)| serde_json::json!({
            "id": id, "title": title,
            "controls": [{"id": format!("{id}.XX"), "title": "category",
                          "props": [{"name": "label", "value": format!("Category ({id}.XX)")}],
                          "parts": [{"name": "statement", "prose": "category outcome"}],
                          "controls": subs}],
        })).collect::<Vec<_>>(),
    }});
    let options = ImportOptions {
        id: Some("nist-csf-2.0".into()),
    };
    let imported =
        oscal::import_str("csf.json", &doc.to_string(), true, Some(&mapping), &options).unwrap();
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    assert_eq!(imported.omitted, 6, "the six category controls");
    imports::load(&imported);
    assert!(
        imported.yaml == committed,
        "controls/nist-csf-2.0.yaml differs from the import of oscal/nist-csf-2.0.map.yaml: \
         regenerate it with the command at the top of the map"
    );
}

/// With NIST's own OSCAL file at hand (`GAPCHECK_CSF_OSCAL=path/NIST_CSF_v2.0_catalog.json`),
/// importing it with the mapping gives the committed catalog byte for byte. Without the file
/// the test has nothing to compare and says so.
#[test]
fn csf_catalog_matches_nists_oscal_file_when_given() {
    let Some(path) = std::env::var_os("GAPCHECK_CSF_OSCAL") else {
        eprintln!("GAPCHECK_CSF_OSCAL not set: NIST's CSF 2.0 OSCAL file not compared");
        return;
    };
    let imported = gapcheck::oscal::import_file(
        Path::new(&path),
        Some(&crate_path("oscal/nist-csf-2.0.map.yaml")),
        &gapcheck::oscal::ImportOptions {
            id: Some("nist-csf-2.0".into()),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let committed = std::fs::read_to_string(crate_path("controls/nist-csf-2.0.yaml")).unwrap();
    assert_eq!(imported.controls, 106);
    assert!(
        imported.yaml == committed,
        "NIST's file imports differently"
    );
}

// ---------------------------------------------------------------- CMMC

#[test]
fn cmmc_ids_points_and_poam_eligibility_match_32_cfr_170() {
    let r = registry();
    let cat = catalog(&r, "cmmc");
    let rows = tsv("cmmc", 4);
    let expected: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids(cat), expected);
    for row in &rows {
        let c = control(cat, &row[0]);
        // Level 2 requirements are part of Level 3 too (170.14(c)(4)).
        let profiles: &[&str] = match row[1].as_str() {
            "level-1" => &["level-1"],
            "level-2" => &["level-2", "level-3"],
            "level-3" => &["level-3"],
            other => panic!("cmmc.tsv: unknown level `{other}`"),
        };
        assert_eq!(c.profiles, profiles, "{}: profiles", c.id);
        let points = match row[2].as_str() {
            "-" => None,
            n => Some(
                n.parse::<i64>()
                    .unwrap_or_else(|_| panic!("cmmc.tsv: bad points `{n}`")),
            ),
        };
        assert_eq!(c.prop_int("points"), points, "{}: points", c.id);
        let poam = match row[3].as_str() {
            "true" => true,
            "false" => false,
            other => panic!("cmmc.tsv: bad poam_eligible `{other}`"),
        };
        assert_eq!(c.prop_bool("poam_eligible"), Some(poam), "{}: poam", c.id);
    }
    let count = |p: &str| cat.controls.iter().filter(|c| c.profiles[0] == p).count();
    assert_eq!(
        (count("level-1"), count("level-2"), count("level-3")),
        (15, 110, 24)
    );
}

fn level2(cat: &Catalog) -> impl Iterator<Item = &Control> {
    cat.controls
        .iter()
        .filter(|c| c.profiles.iter().any(|p| p == "level-2"))
}

/// 32 CFR 170.24(c)(2): 110 minus every unmet requirement's points; all of them together
/// cost 313, so the lowest possible score is exactly the floor of -203.
#[test]
fn sprs_point_values_add_up_to_the_floor() {
    let r = registry();
    let cat = catalog(&r, "cmmc");
    let total: i64 = level2(cat).filter_map(|c| c.prop_int("points")).sum();
    assert_eq!(total, 313);
    assert_eq!(sprs::MAX - total, sprs::FLOOR);
    assert_eq!(sprs::MAX, 110);
    assert_eq!(sprs::CONDITIONAL_MIN, 88);
    for c in level2(cat) {
        match c.prop_int("points") {
            Some(1 | 3 | 5) => {}
            None => assert_eq!(c.id, "CA.L2-3.12.4", "only the SSP has no points"),
            Some(n) => panic!("{}: {n} is not a DoD methodology weight", c.id),
        }
    }
    let partial: Vec<(&str, Option<i64>)> = cat
        .controls
        .iter()
        .filter(|c| c.props.contains_key("partial_points"))
        .map(|c| (c.id.as_str(), c.prop_int("partial_points")))
        .collect();
    assert_eq!(
        partial,
        [("IA.L2-3.5.3", Some(3)), ("SC.L2-3.13.11", Some(3))]
    );
}

/// 32 CFR 170.21(a)(2)(iii): only 1-point requirements may be on a Level 2 POA&M, and never
/// these six.
#[test]
fn level2_poam_eligibility_follows_the_rule() {
    let r = registry();
    let cat = catalog(&r, "cmmc");
    let never = [
        "AC.L2-3.1.20",
        "AC.L2-3.1.22",
        "CA.L2-3.12.4",
        "PE.L2-3.10.3",
        "PE.L2-3.10.4",
        "PE.L2-3.10.5",
    ];
    for c in level2(cat) {
        let rule = c.prop_int("points") == Some(1) && !never.contains(&c.id.as_str());
        assert_eq!(c.prop_bool("poam_eligible"), Some(rule), "{}", c.id);
    }
    assert!(
        cat.controls
            .iter()
            .filter(|c| c.profiles == ["level-1"])
            .all(|c| c.prop_bool("poam_eligible") == Some(false)),
        "170.21(a)(1): no POA&M at Level 1"
    );
}

// ---------------------------------------------------------------- NIST SP 800-53 (OSCAL)

/// NIST's OSCAL files: the copy kept in the repository (tests/data/nist-800-53-rev5/), which
/// tests/oscal.rs compares with the source copy whenever that is beside the clone.
fn nist_reference() -> PathBuf {
    crate_path("tests/data/nist-800-53-rev5")
}

fn read_json(dir: &Path, file: &str) -> serde_json::Value {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `CA-7(4)` → `ca-7.4`, the OSCAL form.
fn oscal_id(id: &str) -> String {
    let lower = id.to_ascii_lowercase();
    match lower.split_once('(') {
        Some((base, rest)) => format!("{base}.{}", rest.trim_end_matches(')')),
        None => lower,
    }
}

fn collect_titles(controls: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    for c in controls.as_array().into_iter().flatten() {
        if let (Some(id), Some(title)) = (c["id"].as_str(), c["title"].as_str()) {
            out.insert(id.to_owned(), title.to_owned());
        }
        collect_titles(&c["controls"], out);
    }
}

#[test]
fn oscal_id_conversion() {
    assert_eq!(oscal_id("CA-7(4)"), "ca-7.4");
    assert_eq!(oscal_id("SI-4(20)"), "si-4.20");
    assert_eq!(oscal_id("PM-31"), "pm-31");
}

#[test]
fn nist_titles_and_baselines_match_oscal() {
    let dir = nist_reference();
    let catalog_json = read_json(
        &dir,
        "NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json",
    );
    let mut titles = BTreeMap::new();
    for group in catalog_json["catalog"]["groups"]
        .as_array()
        .into_iter()
        .flatten()
    {
        collect_titles(&group["controls"], &mut titles);
    }
    assert_eq!(titles.len(), 370, "the HIGH baseline has 370 entries");
    let baselines: Vec<(&str, BTreeSet<String>)> = ["low", "moderate", "high"]
        .into_iter()
        .map(|b| {
            let json = read_json(
                &dir,
                &format!(
                    "NIST_SP-800-53_rev5_{}-baseline_profile.json",
                    b.to_ascii_uppercase()
                ),
            );
            let ids = json["profile"]["imports"][0]["include-controls"][0]["with-ids"]
                .as_array()
                .unwrap_or_else(|| panic!("{b} profile has no with-ids"))
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            (b, ids)
        })
        .collect();
    // Outside the HIGH baseline, so not in the resolved catalog: titles as printed in
    // SP 800-53 Rev 5.
    let unallocated: BTreeMap<&str, &str> = [
        ("ca-7.3", "Trend Analyses"),
        ("ca-7.5", "Consistency Analysis"),
        ("ca-7.6", "Automation Support for Monitoring"),
        ("pm-31", "Continuous Monitoring Strategy"),
    ]
    .into();

    let r = registry();
    let cat = catalog(&r, "nist-800-53-conmon");
    assert_eq!(cat.controls.len(), 48);
    let mut problems = Vec::new();
    for c in &cat.controls {
        let oid = oscal_id(&c.id);
        if prop_str(c, "oscal_id") != Some(oid.as_str()) {
            problems.push(format!("{}: props.oscal_id is not `{oid}`", c.id));
        }
        let official = titles
            .get(&oid)
            .map(String::as_str)
            .or_else(|| unallocated.get(oid.as_str()).copied());
        match official {
            Some(t) if t == c.title => {}
            Some(t) => problems.push(format!("{}: title {:?}, OSCAL says {t:?}", c.id, c.title)),
            None => problems.push(format!("{}: not in SP 800-53 Rev 5 OSCAL", c.id)),
        }
        let mut expected: Vec<&str> = baselines
            .iter()
            .filter(|(_, ids)| ids.contains(&oid))
            .map(|(b, _)| *b)
            .collect();
        if expected.is_empty() {
            expected.push("unallocated");
        }
        if c.profiles != expected {
            problems.push(format!(
                "{}: profiles {:?}, SP 800-53B says {expected:?}",
                c.id, c.profiles
            ));
        }
        let listed = prop_str(c, "baselines").unwrap_or_default();
        let want = if expected == ["unallocated"] {
            "none".to_owned()
        } else {
            expected.join(" ")
        };
        if listed != want {
            problems.push(format!(
                "{}: props.baselines {listed:?}, want {want:?}",
                c.id
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The hard-coded titles are only for controls the reference files really lack.
    for oid in unallocated.keys() {
        assert!(
            !titles.contains_key(*oid),
            "{oid} is in the HIGH catalog now"
        );
    }
}

// ---------------------------------------------------------------- break-fix property

fn assert_break_fix(r: &Registry, catalog_id: &str, expected: &[(&str, bool)]) {
    let cat = catalog(r, catalog_id);
    let wrong: Vec<String> = expected
        .iter()
        .filter(|(id, want)| control(cat, id).break_fix_incompatible != *want)
        .map(|(id, want)| {
            format!(
                "{catalog_id}:{id} should be {}",
                if *want {
                    "break-fix incompatible"
                } else {
                    "break-fix compatible"
                }
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn hipaa_break_fix_property_per_section() {
    assert_break_fix(
        &registry(),
        "hipaa-security",
        &[
            // 164.308 administrative: ongoing review and operations cannot be bought per
            // incident; documents, people and contracts can be the organization's own.
            // Risk management is the documented plan built on the risk analysis; terminating
            // access is account removal, which is ongoing access management.
            ("164.308(a)(1)(ii)(A)", false),
            ("164.308(a)(1)(ii)(B)", false),
            ("164.308(a)(1)(ii)(C)", false),
            ("164.308(a)(1)(ii)(D)", true),
            ("164.308(a)(2)", false),
            ("164.308(a)(3)(ii)(C)", true),
            ("164.308(a)(5)(ii)(B)", true),
            ("164.308(a)(6)(ii)", true),
            ("164.308(a)(7)(i)", false),
            ("164.308(a)(7)(ii)(A)", true),
            ("164.308(b)(1)", false),
            // 164.310 physical
            ("164.310(a)(1)", false),
            ("164.310(b)", false),
            // Disposal and re-use sanitize media: data protection (DESIGN §2), ongoing.
            ("164.310(d)(2)(i)", true),
            ("164.310(d)(2)(ii)", true),
            // "when needed, before movement of equipment": a backup or a copy made on demand.
            ("164.310(d)(2)(iv)", false),
            // 164.312 technical
            ("164.312(a)(2)(i)", true),
            ("164.312(b)", true),
            ("164.312(d)", true),
            ("164.312(e)(1)", true),
            // 164.314 organizational, 164.316 documentation
            ("164.314(a)(1)", false),
            ("164.314(b)(1)", false),
            ("164.316(b)(1)", false),
        ],
    );
}

#[test]
fn glba_break_fix_property_per_element() {
    assert_break_fix(
        &registry(),
        "glba-safeguards",
        &[
            ("314.4(a)", false),
            ("314.4(b)", false),
            ("314.4(c)(1)", true),
            ("314.4(c)(5)", true),
            ("314.4(c)(8)", true),
            ("314.4(d)(1)", false),
            // The periodic path (annual penetration test, semiannual vulnerability
            // assessments) is open to a per-engagement tester (`owner: any`).
            ("314.4(d)(2)", false),
            ("314.4(e)(1)", true),
            ("314.4(e)(2)", false),
            ("314.4(f)(1)", false),
            ("314.4(g)", false),
            // (h) asks for a written plan, not a standing responder.
            ("314.4(h)", false),
            ("314.4(i)", false),
            ("314.4(j)", false),
        ],
    );
}

#[test]
fn cmmc_break_fix_property_per_family() {
    let r = registry();
    assert_break_fix(
        &r,
        "cmmc",
        &[
            ("AC.L1-b.1.i", true),
            ("PE.L1-b.1.viii", false),
            ("SI.L1-b.1.xii", true),
            ("AC.L2-3.1.1", true),
            ("AC.L2-3.1.22", false),
            ("AT.L2-3.2.1", true),
            ("CM.L2-3.4.2", true),
            ("IA.L2-3.5.3", true),
            ("MA.L2-3.7.1", false),
            ("MA.L2-3.7.6", false),
            ("MP.L2-3.8.3", true),
            ("MP.L2-3.8.4", false),
            ("PS.L2-3.9.1", false),
            ("PS.L2-3.9.2", true),
            ("RA.L2-3.11.1", false),
            ("RA.L2-3.11.2", true),
            ("CA.L2-3.12.3", true),
            ("CA.L2-3.12.4", false),
            ("SC.L2-3.13.1", true),
            ("CA.L3-3.12.1e", false),
            ("IR.L3-3.6.1e", true),
        ],
    );
    // Whole families: audit, incident response and system integrity are watched between
    // incidents; physical protection is the organization's own.
    let cat = catalog(&r, "cmmc");
    for c in &cat.controls {
        let family = &c.id[..2];
        match family {
            "AU" | "IR" | "SI" => {
                assert!(c.break_fix_incompatible, "{} should be incompatible", c.id)
            }
            "PE" => assert!(!c.break_fix_incompatible, "{} should be compatible", c.id),
            _ => {}
        }
    }
}

#[test]
fn nist_break_fix_property_per_family() {
    assert_break_fix(
        &registry(),
        "nist-800-53-conmon",
        &[
            ("CA-2", false),
            ("CA-5", false),
            ("CA-7", true),
            ("CA-7(1)", true),
            ("PM-31", true),
            ("SI-2", true),
            ("SI-4", true),
            ("RA-3", false),
            ("RA-5", true),
            ("RA-5(11)", false),
            ("CM-2", true),
            ("AU-6", true),
            ("IR-4", true),
            ("IR-8", false),
            ("CP-2", false),
            ("CP-9", true),
            // MA-2 d: sanitizing media before off-site maintenance is data protection.
            ("MA-2", true),
            ("MA-6", false),
            ("AT-2", true),
            ("AC-2", true),
            ("SC-7", true),
        ],
    );
}

// ---------------------------------------------------------------- evaluation helpers

const TODAY: &str = "2026-11-26";

fn options(select: Option<&str>) -> Options {
    Options {
        select: select.map(|s| regex::Regex::new(s).expect("valid regex")),
        ..Options::new(TODAY.parse().expect("valid date"))
    }
}

fn load(registry: &Registry, text: &str) -> Arrangement {
    match arrangement::load("test.yaml", text, registry) {
        Ok((a, _)) => a,
        Err(diags) => panic!("arrangement does not load: {diags:#?}\n{text}"),
    }
}

/// An arrangement in which every capability is owned at the strongest cadence, coverage and
/// response: organizational ones by the organization, the rest by `vendor` of `vendor_kind`
/// (except those in `overrides`, given as whole `responsibilities` entries). `tail` adds
/// top-level sections (attestations, exceptions).
fn covering(
    registry: &Registry,
    model: &str,
    frameworks: &str,
    vendor_kind: &str,
    overrides: &[(&str, &str)],
    tail: &str,
) -> String {
    let mut out = format!(
        "gapcheck: 1\norganization: {{name: Test Org, after_hours_required: true}}\n\
         model: {model}\nframeworks: {frameworks}\nproviders:\n  \
         org: {{kind: internal, name: Staff, ftes: 1}}\n  \
         vendor: {{kind: {vendor_kind}, name: Vendor, coverage: 24x7}}\nresponsibilities:\n"
    );
    for cap in registry.vocabulary.iter() {
        if let Some((_, entry)) = overrides.iter().find(|(id, _)| *id == cap.id) {
            if !entry.is_empty() {
                out.push_str(&format!("  {}: {entry}\n", cap.id));
            }
            continue;
        }
        let owner = if cap.kind == CapabilityKind::Organizational {
            "org"
        } else {
            "vendor"
        };
        out.push_str(&format!(
            "  {}: {{owner: {owner}, cadence: continuous, coverage: 24x7, response: 15m}}\n",
            cap.id
        ));
    }
    out.push_str(tail);
    out
}

/// Attestations for every control of `catalog` that only documents can meet.
fn attest_documents(cat: &Catalog) -> String {
    let items: Vec<String> = cat
        .controls
        .iter()
        .filter(|c| c.requires.is_none())
        .map(|c| {
            format!(
                "  - {{control: \"{}:{}\", evidence: docs/{}.pdf}}\n",
                cat.id, c.id, c.id
            )
        })
        .collect();
    if items.is_empty() {
        String::new()
    } else {
        format!("attestations:\n{}", items.concat())
    }
}

fn sprs_of(e: &Evaluation, a: &Arrangement) -> sprs::Sprs {
    sprs::project(e, a).expect("cmmc level-2 is selected")
}

// ---------------------------------------------------------------- break-fix, evaluated

/// The static flag agrees with the engine for every control of every catalog: with every
/// ongoing capability left to a break-fix shop and everything else owned properly, exactly
/// the incompatible controls fail, each with the `break-fix` reason.
#[test]
fn break_fix_flag_agrees_with_evaluation_everywhere() {
    let r = registry();
    let mut checked = 0;
    // CMMC needs a level; Level 1 and Level 3 together hold every CMMC control.
    for cmmc in ["level-1", "level-3"] {
        let frameworks = format!(
            "[{{catalog: cmmc, profile: {cmmc}}}, glba-safeguards, hipaa-security, nist-800-53-conmon, service-model]"
        );
        let text = covering(&r, "break-fix", &frameworks, "break-fix", &[], "");
        let a = load(&r, &text);
        let e = evaluate::evaluate(&r, &a, &options(None));
        for f in &e.findings {
            if f.status == Status::NotApplicable || f.control.requires.is_none() {
                continue;
            }
            if cmmc == "level-3" && f.catalog.id != "cmmc" {
                continue; // counted in the first pass
            }
            checked += 1;
            let name = format!("{}:{}", f.catalog.id, f.control.id);
            if f.control.break_fix_incompatible {
                assert!(!f.status.is_met(), "{name} is met under break-fix");
                assert!(
                    f.reasons.iter().any(|r| r.code == ReasonCode::BreakFix),
                    "{name} lacks the break-fix reason: {:?}",
                    f.reasons
                );
            } else {
                assert_eq!(f.status, Status::Satisfied, "{name}: {:?}", f.reasons);
            }
        }
    }
    // All 299 controls but the HIPAA controls met only by documents or conditioned on a fact
    // the arrangement does not declare, and the service-model controls that apply only to
    // managed and co-managed service.
    assert_eq!(checked, 286);
}

// ---------------------------------------------------------------- SPRS, evaluated

const LEVEL_2: &str = "[{catalog: cmmc, profile: level-2}]";

#[test]
fn fully_satisfied_level2_scores_110_and_is_conditional_eligible() {
    let r = registry();
    let cat = catalog(&r, "cmmc");
    let text = covering(&r, "managed", LEVEL_2, "msp", &[], &attest_documents(cat));
    let a = load(&r, &text);
    let e = evaluate::evaluate(&r, &a, &options(None));
    let open: Vec<String> = e
        .findings
        .iter()
        .filter(|f| f.status != Status::NotApplicable && !f.status.is_met())
        .map(|f| format!("{} {:?}", f.control.id, f.reasons))
        .collect();
    assert!(open.is_empty(), "{open:#?}");
    let s = sprs_of(&e, &a);
    assert_eq!((s.score, s.max), (110, 110));
    assert!(s.conditional_eligible);
    assert!(s.open.is_empty() && s.not_poam_eligible.is_empty());
}

#[test]
fn nothing_in_place_reaches_the_floor_exactly() {
    let r = registry();
    let a = load(&r, BARE);
    let e = evaluate::evaluate(&r, &a, &options(None));
    let s = sprs_of(&e, &a);
    assert_eq!(s.score, -203);
    assert_eq!(s.open.len(), 110);
    assert_eq!(s.open.iter().map(|o| o.points).sum::<i64>(), 313);
    assert!(!s.conditional_eligible);
}

#[test]
fn sprs_only_for_level_2() {
    let r = registry();
    for profile in ["level-1", "level-3"] {
        let text = covering(
            &r,
            "managed",
            &format!("[{{catalog: cmmc, profile: {profile}}}]"),
            "msp",
            &[],
            "",
        );
        let a = load(&r, &text);
        let e = evaluate::evaluate(&r, &a, &options(None));
        assert_eq!(sprs::project(&e, &a), None, "{profile}");
    }
}

/// One requirement evaluated alone (`--select`), with one capability's row replaced and
/// `tail` appended (a `cmmc:` declaration).
fn single(r: &Registry, control: &str, capability: &str, row: &str, tail: &str) -> sprs::Sprs {
    let text = covering(r, "managed", LEVEL_2, "msp", &[(capability, row)], tail);
    let a = load(r, &text);
    let select = format!("^cmmc:{}$", regex::escape(control));
    let e = evaluate::evaluate(r, &a, &options(Some(&select)));
    sprs_of(&e, &a)
}

#[test]
fn partial_credit_for_mfa_and_fips_encryption() {
    let r = registry();
    let shared = "{owner: [org, vendor], cadence: continuous, coverage: 24x7, response: 15m}";
    for (control, capability, declared) in [
        (
            "IA.L2-3.5.3",
            "access-management",
            "cmmc: {mfa: remote-and-privileged-only}\n",
        ),
        (
            "SC.L2-3.13.11",
            "data-protection",
            "cmmc: {encryption: not-fips-validated}\n",
        ),
    ] {
        // Partly in place, but without the declaration the rule's condition is unknown:
        // the full 5 points (32 CFR 170.24(c)(2)(i)(B)(4)).
        let s = single(&r, control, capability, shared, "");
        assert_eq!(s.score, 105, "{control} partial, undeclared");
        // Declared: 3 points.
        let s = single(&r, control, capability, shared, declared);
        assert_eq!(s.score, 107, "{control} partial");
        assert_eq!(s.open.len(), 1);
        assert_eq!(
            (
                s.open[0].control.as_str(),
                s.open[0].status,
                s.open[0].points
            ),
            (control, Status::Partial, 3)
        );
        // Not in place at all: the full 5 points.
        let s = single(&r, control, capability, "", "");
        assert_eq!(s.score, 105, "{control} gap");
        assert_eq!((s.open[0].status, s.open[0].points), (Status::Gap, 5));
        assert!(
            !s.conditional_eligible,
            "{control}: 5-point items bar conditional status"
        );
    }
    // Partial credit is specific to those two: another 5-pointer costs 5 when partial.
    let shared_net = "{owner: [org, vendor], cadence: continuous, coverage: 24x7, response: 15m}";
    let s = single(&r, "SC.L2-3.13.1", "network-security", shared_net, "");
    assert_eq!((s.score, s.open[0].status), (105, Status::Partial));
}

const BARE: &str = "gapcheck: 1\norganization: {name: Bare}\nmodel: break-fix\n\
                     frameworks: [{catalog: cmmc, profile: level-2}]\n\
                     providers: {shop: {kind: break-fix, name: Shop}}\n";

/// Exactly `controls` open (evaluated alone, nothing in place), with `tail` appended.
fn open_only(r: &Registry, controls: &[&str], tail: &str) -> (sprs::Sprs, Vec<Status>) {
    let a = load(r, &format!("{BARE}{tail}"));
    let alternatives: Vec<String> = controls.iter().map(|c| regex::escape(c)).collect();
    let select = format!("^cmmc:({})$", alternatives.join("|"));
    let e = evaluate::evaluate(r, &a, &options(Some(&select)));
    let statuses = e.findings.iter().map(|f| f.status).collect();
    (sprs_of(&e, &a), statuses)
}

#[test]
fn conditional_status_needs_88_and_only_poam_eligible_items() {
    let r = registry();
    let cat = catalog(&r, "cmmc");
    let eligible: Vec<&str> = level2(cat)
        .filter(|c| c.prop_bool("poam_eligible") == Some(true))
        .map(|c| c.id.as_str())
        .collect();
    assert!(eligible.len() >= 23, "{} eligible", eligible.len());

    // 22 one-point items open: 88, the lowest conditional score.
    let (s, statuses) = open_only(&r, &eligible[..22], "");
    assert_eq!(statuses.len(), 22);
    assert_eq!((s.score, s.open.len()), (88, 22));
    assert!(s.conditional_eligible && s.not_poam_eligible.is_empty());

    // One more: 87, below 80% of 110.
    let (s, _) = open_only(&r, &eligible[..23], "");
    assert_eq!(s.score, 87);
    assert!(!s.conditional_eligible);

    // A high score is not enough when an item that may never be on a POA&M is open.
    for never in ["AC.L2-3.1.20", "PE.L2-3.10.3", "CA.L2-3.12.4"] {
        let (s, _) = open_only(&r, &[eligible[0], never], "");
        assert!(s.score >= 88, "{never}: {}", s.score);
        assert!(!s.conditional_eligible, "{never}");
        assert_eq!(s.not_poam_eligible, [never]);
    }
}

/// POA&M items are declared as exceptions: they are waived in the report, but still cost
/// their points (DESIGN §5: waived counts as not met).
#[test]
fn waived_requirements_still_cost_points() {
    let r = registry();
    let items = ["AU.L2-3.3.7", "SC.L2-3.13.14", "MP.L2-3.8.9"];
    let tail = "exceptions:\n  - pattern: '^cmmc:(AU\\.L2-3\\.3\\.7|SC\\.L2-3\\.13\\.14|MP\\.L2-3\\.8\\.9)$'\n    \
                reason: On the POA&M\n    owner: ISSO\n    expires: 2027-05-31\n";
    let (s, statuses) = open_only(&r, &items, tail);
    assert_eq!(statuses, [Status::Waived; 3]);
    assert_eq!(s.score, 107);
    assert!(s.open.iter().all(|o| o.status == Status::Waived));
    assert!(s.conditional_eligible);
}

// ---------------------------------------------------------------- content corrections

/// `related` lists, by the NIST catalog's own stated rule: every control SP 800-53 names as
/// related (OSCAL `links` with `rel="related"`) that is in this catalog, in OSCAL's order.
/// PM-31 is in no security baseline, so its links are written out here from the PRIVACY
/// baseline resolved-profile catalog (5.1.1+u4), and compared with that file when present.
#[test]
fn nist_related_lists_are_complete_per_the_catalogs_rule() {
    let r = registry();
    let cat = catalog(&r, "nist-800-53-conmon");
    let in_catalog: BTreeSet<String> = cat.controls.iter().map(|c| oscal_id(&c.id)).collect();
    let mut links: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let pm31 = [
        "ac-2", "ac-6", "ac-17", "at-4", "au-6", "au-13", "ca-2", "ca-5", "ca-6", "ca-7", "cm-3",
        "cm-4", "cm-6", "cm-11", "ia-5", "ir-5", "ma-2", "ma-3", "ma-4", "pe-3", "pe-6", "pe-14",
        "pe-16", "pe-20", "pl-2", "pm-4", "pm-6", "pm-9", "pm-10", "pm-12", "pm-14", "pm-23",
        "pm-28", "ps-7", "pt-7", "ra-3", "ra-5", "ra-7", "sa-9", "sa-11", "sc-5", "sc-7", "sc-18",
        "sc-38", "sc-43", "si-3", "si-4", "si-12", "sr-2", "sr-4",
    ];
    links.insert("pm-31".into(), pm31.iter().map(|s| s.to_string()).collect());
    // SP 800-53 Rev. 5 lists no related controls for these three optional enhancements.
    for oid in ["ca-7.3", "ca-7.5", "ca-7.6"] {
        links.insert(oid.into(), Vec::new());
    }
    let dir = nist_reference();
    {
        let mut files = vec!["NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json"];
        let privacy = "NIST_SP-800-53_rev5_PRIVACY-baseline-resolved-profile_catalog-min.json";
        if dir.join(privacy).is_file() {
            files.push(privacy);
        }
        for file in files {
            let json = read_json(&dir, file);
            let mut found = BTreeMap::new();
            for group in json["catalog"]["groups"].as_array().into_iter().flatten() {
                collect_related(&group["controls"], &mut found);
            }
            for (oid, list) in found {
                if let Some(written) = links.get(&oid) {
                    assert_eq!(
                        written, &list,
                        "{oid}: written-out links differ from {file}"
                    );
                }
                links.insert(oid, list);
            }
        }
    }
    let mut problems = Vec::new();
    for c in &cat.controls {
        let oid = oscal_id(&c.id);
        let Some(all) = links.get(&oid) else {
            problems.push(format!("{}: no OSCAL links known", c.id));
            continue;
        };
        let want: Vec<String> = all
            .iter()
            .filter(|l| in_catalog.contains(*l))
            .cloned()
            .collect();
        let have: Vec<String> = c
            .related
            .iter()
            .filter(|r| r.catalog == cat.id)
            .map(|r| oscal_id(&r.control))
            .collect();
        if have != want {
            problems.push(format!("{}: related {have:?}, OSCAL says {want:?}", c.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn collect_related(controls: &serde_json::Value, out: &mut BTreeMap<String, Vec<String>>) {
    for c in controls.as_array().into_iter().flatten() {
        if let Some(id) = c["id"].as_str() {
            let related = c["links"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|l| l["rel"] == "related")
                .filter_map(|l| l["href"].as_str())
                .map(|h| h.trim_start_matches('#').to_owned())
                .collect();
            out.insert(id.to_owned(), related);
        }
        collect_related(&c["controls"], out);
    }
}

/// SP 800-53B's privacy baseline (PRIVACY baseline profile, OSCAL 5.1.1+u4), restricted to
/// this catalog. PM-31 is there and in none of low, moderate and high.
#[test]
fn nist_privacy_baseline_membership_is_marked() {
    let privacy = [
        "AT-2", "AU-11", "AU-2", "CA-2", "CA-5", "CA-7", "CA-7(4)", "IR-4", "IR-5", "IR-6", "IR-8",
        "PM-31", "RA-3",
    ];
    let r = registry();
    let cat = catalog(&r, "nist-800-53-conmon");
    let marked: BTreeSet<&str> = cat
        .controls
        .iter()
        .filter(|c| c.prop_bool("privacy_baseline") == Some(true))
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(marked, privacy.into_iter().collect());
    let pm31 = control(cat, "PM-31");
    assert_eq!(prop_str(pm31, "baselines"), Some("none"));
    assert!(pm31.profiles == ["unallocated"]);
    let notes = cat.notes.as_deref().unwrap_or_default();
    assert!(notes.contains("privacy baseline only"), "{notes}");
    {
        let dir = nist_reference();
        let file = "NIST_SP-800-53_rev5_PRIVACY-baseline_profile.json";
        if dir.join(file).is_file() {
            let json = read_json(&dir, file);
            let ids: BTreeSet<String> =
                json["profile"]["imports"][0]["include-controls"][0]["with-ids"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
            for c in &cat.controls {
                assert_eq!(
                    ids.contains(&oscal_id(&c.id)),
                    marked.contains(c.id.as_str()),
                    "{}",
                    c.id
                );
            }
        }
    }
}

#[test]
fn glba_text_and_effective_dates_as_in_force() {
    let r = registry();
    let cat = catalog(&r, "glba-safeguards");
    let j = control(cat, "314.4(j)");
    assert!(
        j.statement.starts_with(
            "Notify the Federal Trade Commission about notification events in accordance \
             with paragraphs (j)(1) and (2) of this section. (1) Notification requirement."
        ),
        "{}",
        j.statement
    );
    assert_eq!(prop_str(j, "effective"), Some("2024-05-13"));
    // 314.5 today says only that (j) is effective May 13, 2024 (88 FR 77509).
    let notes = cat.notes.as_deref().unwrap_or_default();
    assert!(
        notes.contains("reads only \"Section 314.4(j) is effective as of May 13, 2024\""),
        "{notes}"
    );
    assert!(!notes.contains("Under 314.5, 314.4(a)"), "{notes}");
}

#[test]
fn hipaa_amendment_history_includes_the_2013_technical_corrections() {
    let r = registry();
    let cat = catalog(&r, "hipaa-security");
    let notes = cat.notes.as_deref().unwrap_or_default();
    for amendment in ["78 FR 5566", "78 FR 34264, 34266"] {
        assert!(notes.contains(amendment), "{amendment}: {notes}");
    }
    assert_eq!(cat.version.as_deref(), Some("2013-06-07"));
}

// ---------------------------------------------------------------- harmonized mappings

/// The capabilities of a requirement, thresholds and owner rules left out (those follow
/// each text's own words), children sorted, one-child groups flattened.
fn shape(r: &Requirement) -> String {
    match r {
        Requirement::Leaf(l) => l.capability.clone(),
        Requirement::All(v) | Requirement::Any(v) if v.len() == 1 => shape(&v[0]),
        Requirement::All(v) | Requirement::Any(v) => {
            let mut parts: Vec<String> = v.iter().map(shape).collect();
            parts.sort();
            let op = if matches!(r, Requirement::All(_)) {
                "all"
            } else {
                "any"
            };
            format!("{op}({})", parts.join(", "))
        }
    }
}

/// How a control carries a shared obligation: exactly, or as one part of an `all` whose
/// other parts its own text adds (a plan, a document, a record).
#[derive(Clone, Copy, Debug)]
enum Carries {
    Exactly,
    Plus,
}
use Carries::{Exactly, Plus};

/// One shared obligation: what it is, its capabilities, and the controls that state it.
type Obligation = (
    &'static str,
    &'static str,
    &'static [(&'static str, Carries)],
);

/// The same obligation maps to the same capabilities in every catalog.
const HARMONIZED: &[Obligation] = &[
    (
        "media sanitized before disposal or re-use",
        "data-protection",
        &[
            ("hipaa-security:164.310(d)(2)(ii)", Exactly),
            ("cmmc:MP.L1-b.1.vii", Exactly),
            ("cmmc:MP.L2-3.8.3", Exactly),
            ("cmmc:MA.L2-3.7.3", Exactly),
            ("hipaa-security:164.310(d)(2)(i)", Plus),
            ("glba-safeguards:314.4(c)(6)", Plus),
            ("nist-800-53-conmon:MA-2", Plus),
            ("ncua-748:748.0(c)", Exactly),
            ("nydfs-500:500.13(b)", Plus),
        ],
    ),
    (
        "access removed when employment ends or changes",
        "all(access-management, workforce-security)",
        &[
            ("hipaa-security:164.308(a)(3)(ii)(C)", Exactly),
            ("cmmc:PS.L2-3.9.2", Exactly),
            ("nist-800-53-conmon:AC-2", Exactly),
            ("nydfs-500:500.7(a)(6)", Exactly),
        ],
    ),
    (
        "written incident response plan",
        "policy-management",
        &[
            ("glba-safeguards:314.4(h)", Exactly),
            ("nist-800-53-conmon:IR-8", Exactly),
            ("nydfs-500:500.16(a)(1)", Exactly),
        ],
    ),
    (
        "written contingency and emergency-mode plan",
        "contingency-planning",
        &[
            ("hipaa-security:164.308(a)(7)(i)", Exactly),
            ("hipaa-security:164.308(a)(7)(ii)(C)", Exactly),
            ("nist-800-53-conmon:CP-2", Exactly),
            ("nydfs-500:500.16(a)(2)", Exactly),
        ],
    ),
    (
        "security alerts and advisories received and acted on",
        "patch-management",
        &[
            ("nist-800-53-conmon:SI-5", Exactly),
            ("cmmc:SI.L2-3.14.3", Exactly),
        ],
    ),
    (
        "assessment of control effectiveness (a risk assessment alone is not one)",
        "any(continuous-monitoring, penetration-testing)",
        &[
            ("glba-safeguards:314.4(d)(1)", Exactly),
            ("cmmc:CA.L2-3.12.1", Exactly),
            ("cmmc:RA.L3-3.11.5e", Exactly),
            ("nist-800-53-conmon:CA-2", Plus),
            ("hipaa-security:164.308(a)(8)", Plus),
        ],
    ),
    (
        "risk assessment",
        "risk-assessment",
        &[
            ("hipaa-security:164.308(a)(1)(ii)(A)", Exactly),
            ("glba-safeguards:314.4(b)", Exactly),
            ("glba-safeguards:314.4(b)(2)", Exactly),
            ("cmmc:RA.L2-3.11.1", Exactly),
            ("nist-800-53-conmon:RA-3", Plus),
            ("glba-safeguards:314.4(b)(1)", Plus),
            ("nydfs-500:500.2(b)(1)", Exactly),
            ("nydfs-500:500.9(a)", Exactly),
            ("nydfs-500:500.9(b)", Plus),
            ("ncua-748:748.0(b)(2)", Plus),
        ],
    ),
    (
        "audit records reviewed",
        "all(log-management, log-review)",
        &[
            ("hipaa-security:164.308(a)(1)(ii)(D)", Exactly),
            ("hipaa-security:164.312(b)", Exactly),
            ("nist-800-53-conmon:AU-6", Exactly),
            ("cmmc:AU.L2-3.3.5", Exactly),
            ("nydfs-500:500.6(a)(2)", Exactly),
        ],
    ),
    (
        "audit records generated and retained",
        "log-management",
        &[
            ("nist-800-53-conmon:AU-2", Exactly),
            ("nist-800-53-conmon:AU-11", Exactly),
            ("nist-800-53-conmon:AU-12", Exactly),
            ("cmmc:AU.L2-3.3.1", Exactly),
            ("nydfs-500:500.6(b)", Exactly),
            ("ncua-748:748.0(b)(4)", Plus),
        ],
    ),
    (
        "protection from malicious code",
        "malware-protection",
        &[
            ("nist-800-53-conmon:SI-3", Exactly),
            ("hipaa-security:164.308(a)(5)(ii)(B)", Exactly),
            ("cmmc:SI.L1-b.1.xiii", Exactly),
            ("cmmc:SI.L1-b.1.xiv", Exactly),
            ("cmmc:SI.L2-3.14.2", Exactly),
            ("cmmc:SI.L2-3.14.4", Exactly),
        ],
    ),
    (
        "flaws corrected in a timely manner",
        "patch-management",
        &[
            ("cmmc:SI.L1-b.1.xii", Exactly),
            ("cmmc:SI.L2-3.14.1", Exactly),
            ("nist-800-53-conmon:SI-2", Plus),
        ],
    ),
    (
        "vulnerabilities scanned",
        "vulnerability-scanning",
        &[
            ("cmmc:RA.L2-3.11.2", Exactly),
            ("nydfs-500:500.5(a)(2)", Exactly),
            ("nist-800-53-conmon:RA-5", Plus),
        ],
    ),
    (
        "security awareness training",
        "security-awareness-training",
        &[
            ("nist-800-53-conmon:AT-2", Exactly),
            ("hipaa-security:164.308(a)(5)(i)", Exactly),
            ("glba-safeguards:314.4(e)(1)", Exactly),
            ("cmmc:AT.L2-3.2.1", Exactly),
            ("nydfs-500:500.14(a)(3)", Exactly),
        ],
    ),
    (
        "encryption of stored and transmitted information",
        "data-protection",
        &[
            ("hipaa-security:164.312(a)(2)(iv)", Exactly),
            ("hipaa-security:164.312(e)(2)(ii)", Exactly),
            ("glba-safeguards:314.4(c)(3)", Exactly),
            ("cmmc:SC.L2-3.13.8", Exactly),
            ("cmmc:SC.L2-3.13.11", Exactly),
            ("cmmc:SC.L2-3.13.16", Exactly),
            ("nydfs-500:500.15(a)", Plus),
        ],
    ),
    (
        "multifactor authentication",
        "access-management",
        &[
            ("glba-safeguards:314.4(c)(5)", Exactly),
            ("cmmc:IA.L2-3.5.3", Exactly),
            ("nydfs-500:500.12(a)", Exactly),
        ],
    ),
    (
        "unique identification and authentication of users",
        "access-management",
        &[
            ("hipaa-security:164.312(a)(2)(i)", Exactly),
            ("hipaa-security:164.312(d)", Exactly),
            ("cmmc:IA.L1-b.1.v", Exactly),
            ("cmmc:IA.L1-b.1.vi", Exactly),
            ("cmmc:IA.L2-3.5.1", Exactly),
            ("cmmc:IA.L2-3.5.2", Exactly),
        ],
    ),
    (
        "session ended after inactivity",
        "configuration-management",
        &[
            ("hipaa-security:164.312(a)(2)(iii)", Exactly),
            ("cmmc:AC.L2-3.1.11", Exactly),
        ],
    ),
    (
        "boundary protection",
        "network-security",
        &[
            ("nist-800-53-conmon:SC-7", Exactly),
            ("cmmc:SC.L1-b.1.x", Exactly),
            ("cmmc:SC.L2-3.13.1", Exactly),
        ],
    ),
    (
        "inventory and accountability of hardware and media",
        "asset-inventory",
        &[
            ("nist-800-53-conmon:CM-8", Exactly),
            ("glba-safeguards:314.4(c)(2)", Exactly),
            ("hipaa-security:164.310(d)(2)(iii)", Exactly),
            ("cmmc:CM.L3-3.4.3e", Exactly),
            ("cmmc:MP.L2-3.8.5", Plus),
            ("nydfs-500:500.13(a)", Plus),
        ],
    ),
    (
        "ongoing monitoring of control effectiveness",
        "continuous-monitoring",
        &[
            ("cmmc:CA.L2-3.12.3", Exactly),
            ("nist-800-53-conmon:CA-7", Plus),
            ("nist-800-53-conmon:PM-31", Plus),
        ],
    ),
    (
        "contingency plan tested",
        "recovery-testing",
        &[
            ("nist-800-53-conmon:CP-4", Exactly),
            ("hipaa-security:164.308(a)(7)(ii)(D)", Plus),
            ("nydfs-500:500.16(d)(1)", Plus),
        ],
    ),
    (
        "backups made and protected",
        "backup",
        &[
            ("nist-800-53-conmon:CP-9", Exactly),
            ("hipaa-security:164.308(a)(7)(ii)(A)", Plus),
            ("cmmc:MP.L2-3.8.9", Plus),
            ("nydfs-500:500.16(e)", Exactly),
            ("ncua-748:748.0(b)(5)", Exactly),
        ],
    ),
    (
        "incidents tracked and documented",
        "incident-records",
        &[
            ("nist-800-53-conmon:IR-5", Exactly),
            ("service-model:SM-08", Exactly),
        ],
    ),
    (
        "incidents responded to and documented",
        "all(incident-records, incident-response)",
        &[
            ("hipaa-security:164.308(a)(6)(ii)", Exactly),
            ("cmmc:IR.L2-3.6.2", Exactly),
        ],
    ),
    (
        "physical access limited to authorized individuals",
        "physical-security",
        &[
            ("cmmc:PE.L1-b.1.viii", Exactly),
            ("cmmc:PE.L2-3.10.1", Exactly),
            ("hipaa-security:164.310(a)(1)", Plus),
            ("ncua-748:748.0(b)(1)", Exactly),
        ],
    ),
    (
        "service providers selected, contracted and overseen",
        "vendor-oversight",
        &[
            ("hipaa-security:164.308(b)(1)", Exactly),
            ("glba-safeguards:314.4(f)(1)", Exactly),
            ("glba-safeguards:314.4(f)(2)", Exactly),
            ("glba-safeguards:314.4(f)(3)", Exactly),
            ("nydfs-500:500.11(b)", Exactly),
        ],
    ),
    (
        "security advisories acted on, flaws remediated (NYDFS vulnerability management)",
        "patch-management",
        &[
            ("nydfs-500:500.5(b)", Exactly),
            ("nydfs-500:500.5(c)", Exactly),
        ],
    ),
    (
        "a written security program",
        "policy-management",
        &[
            ("nydfs-500:500.2(a)", Exactly),
            ("ncua-748:748.0(a)", Exactly),
        ],
    ),
    (
        "respond to detected incidents and unauthorized access",
        "incident-response",
        &[
            ("nydfs-500:500.2(b)(4)", Exactly),
            ("ncua-748:748.0(b)(3)", Exactly),
        ],
    ),
    (
        "the official who leads the program, in house or at a provider under oversight",
        "any(all(security-official, vendor-oversight), security-official)",
        &[
            ("glba-safeguards:314.4(a)", Exactly),
            ("nydfs-500:500.4(a)", Exactly),
        ],
    ),
    (
        "the regulator notified of an incident within a deadline",
        "security-official",
        &[
            ("nydfs-500:500.17(a)(1)", Exactly),
            ("ncua-748:748.1(c)", Exactly),
            ("glba-safeguards:314.4(j)", Exactly),
        ],
    ),
    (
        "annual certification or report by an accountable official",
        "security-official",
        &[
            ("nydfs-500:500.17(b)(1)", Exactly),
            ("ncua-748:748.1(a)", Exactly),
            ("glba-safeguards:314.4(i)", Exactly),
            ("nydfs-500:500.4(b)", Exactly),
        ],
    ),
];

#[test]
fn equivalent_obligations_map_to_the_same_capabilities() {
    let r = registry();
    let mut problems = Vec::new();
    for (obligation, core, members) in HARMONIZED {
        for (name, carries) in *members {
            let (cat_id, id) = name.split_once(':').expect("catalog:control");
            let c = control(catalog(&r, cat_id), id);
            let Some(req) = &c.requires else {
                problems.push(format!("{obligation}: {name} has no requires"));
                continue;
            };
            let have = shape(req);
            let ok = match carries {
                Exactly => have == *core,
                Plus => match req {
                    Requirement::All(children) => {
                        let parts: Vec<String> = children.iter().map(shape).collect();
                        let core_parts: Vec<String> = match core.strip_prefix("all(") {
                            Some(inner) => inner
                                .trim_end_matches(')')
                                .split(", ")
                                .map(str::to_owned)
                                .collect(),
                            None => vec![core.to_string()],
                        };
                        have != *core
                            && (parts.iter().any(|p| p == core)
                                || core_parts.iter().all(|p| parts.contains(p)))
                    }
                    _ => false,
                },
            };
            if !ok {
                problems.push(format!(
                    "{obligation}: {name} maps to {have}, expected {core} ({carries:?})"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------- rationale

/// Spans of `rationale` written in single quotes. A quote may contain an apostrophe
/// ("users' access"), so a span closes at the last quote mark before the clause's `->`
/// that is followed by a separator and encloses words of `statement`; an error when some
/// opening quote never closes so.
fn quoted_spans<'r>(rationale: &'r str, statement: &str) -> Result<Vec<&'r str>, String> {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let statement = norm(statement);
    let found = |quote: &str| {
        quote
            .split("...")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .all(|p| statement.contains(&norm(p)))
    };
    let bytes = rationale.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let opens = bytes[i] == b'\'' && (i == 0 || b" (".contains(&bytes[i - 1]));
        if !opens {
            i += 1;
            continue;
        }
        // The longest quote that is the statement's own words, within this clause.
        let clause_end = rationale[i..].find("->").map_or(bytes.len(), |k| i + k);
        let close = (i + 1..clause_end).rev().find(|&j| {
            bytes[j] == b'\''
                && (j + 1 == bytes.len() || b" ,;:)".contains(&bytes[j + 1]))
                && found(&rationale[i + 1..j])
        });
        match close {
            Some(j) => {
                out.push(&rationale[i + 1..j]);
                i = j + 1;
            }
            None => return Err(format!("quote at byte {i} is not in the statement")),
        }
    }
    Ok(out)
}

#[test]
fn quoted_spans_allow_apostrophes_and_ellipses() {
    let statement = "Limit authorized users' access only to what they need, and log it.";
    assert_eq!(
        quoted_spans("'Limit authorized users' access' -> x", statement),
        Ok(vec!["Limit authorized users' access"])
    );
    assert_eq!(
        quoted_spans("'Limit ... log it' -> x; 'need' -> y", statement),
        Ok(vec!["Limit ... log it", "need"])
    );
    assert!(quoted_spans("'monitor continuously' -> x", statement).is_err());
}

/// Every built-in control that requires capabilities says why, in one line. In the five
/// catalogs issue 10 wrote them for, the line also quotes the control's own statement and
/// names each capability and threshold it asks for.
#[test]
fn every_builtin_requirement_carries_a_rationale_from_its_own_words() {
    const QUOTING: [&str; 7] = [
        "cmmc",
        "glba-safeguards",
        "hipaa-security",
        "ncua-748",
        "nist-800-53-conmon",
        "nydfs-500",
        "service-model",
    ];
    let r = registry();
    let mut problems = Vec::new();
    let mut checked = 0;
    for cat in r.catalogs.values() {
        for c in &cat.controls {
            let name = format!("{}:{}", cat.id, c.id);
            let Some(req) = &c.requires else {
                continue;
            };
            checked += 1;
            let Some(rationale) = c.rationale.as_deref().map(str::trim) else {
                problems.push(format!("{name}: no rationale"));
                continue;
            };
            if rationale.is_empty() || rationale.contains('\n') {
                problems.push(format!("{name}: rationale must be one non-empty line"));
                continue;
            }
            if !QUOTING.contains(&cat.id.as_str()) {
                continue;
            }
            match quoted_spans(rationale, &c.statement) {
                Ok(spans) if spans.is_empty() => {
                    problems.push(format!("{name}: rationale quotes nothing of the statement"))
                }
                Ok(_) => {}
                Err(e) => problems.push(format!("{name}: {e}: {rationale}")),
            }
            for leaf in req.leaves() {
                // Each word may be written in any of its spellings (a response of 24h is 1d).
                let mut words: Vec<Vec<String>> = vec![vec![leaf.capability.clone()]];
                words.extend(leaf.cadence.map(|v| vec![v.to_string()]));
                words.extend(leaf.coverage.map(|v| vec![v.to_string()]));
                words.extend(leaf.response.map(|v| {
                    let hours = format!("{}h", v.minutes() / 60);
                    vec![v.to_string(), hours]
                }));
                words.extend(leaf.owner.map(|v| vec![format!("owner {v}")]));
                for spellings in words {
                    if !spellings.iter().any(|w| rationale.contains(w.as_str())) {
                        problems.push(format!(
                            "{name}: rationale does not name `{}`",
                            spellings[0]
                        ));
                    }
                }
            }
        }
    }
    assert!(checked > 280, "{checked} controls with requires");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
