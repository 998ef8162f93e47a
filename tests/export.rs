//! Issue 14: OSCAL SSP, POA&M and catalog exports, and the findings sheet. Each export has a
//! fixture test, a schema-validation test, a determinism test and a snapshot.

mod common;
#[path = "common/oscal.rs"]
mod imports;

use std::path::{Path, PathBuf};

use common::{TODAY, run};
use std::sync::OnceLock;

/// NIST's OSCAL 1.1.2 JSON schemas are read where the team keeps reference data: they are
/// not part of the crate (see tests/data/README.md for how they are made). A checkout
/// without them skips the schema checks and says so; `GAPCHECK_OSCAL_SCHEMAS` names another
/// copy.
fn schema_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GAPCHECK_OSCAL_SCHEMAS") {
        return Some(PathBuf::from(dir));
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/oscal-1.1.2");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "note: {} not found and GAPCHECK_OSCAL_SCHEMAS not set; skipping OSCAL schema validation",
            dir.display()
        );
        None
    }
}

/// The compiled validator of one OSCAL model, built once per test binary; `None` when its
/// schema file is not available.
fn validator(model: &str) -> Option<&'static jsonschema::Validator> {
    type Cache = Vec<(&'static str, Option<jsonschema::Validator>)>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        let dir = schema_dir();
        ["ssp", "poam", "catalog", "profile"]
            .into_iter()
            .map(|m| {
                let Some(dir) = dir.as_ref() else {
                    return (m, None);
                };
                let path = dir.join(format!("oscal_{m}_schema.json"));
                if !path.exists() {
                    eprintln!("note: {} not found; skipping those checks", path.display());
                    return (m, None);
                }
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
                let v = jsonschema::draft7::new(&schema)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                (m, Some(v))
            })
            .collect()
    });
    all.iter().find(|(m, _)| *m == model)?.1.as_ref()
}

/// Errors of `doc` against the OSCAL JSON schema of `model` (ssp, poam, catalog); `None`
/// when the schemas are not available.
fn schema_errors(model: &str, doc: &serde_json::Value) -> Option<Vec<String>> {
    let v = validator(model)?;
    Some(
        v.iter_errors(doc)
            .take(10)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect(),
    )
}

/// Asserts `doc` is valid OSCAL `model`, when the schemas are available.
fn validate(model: &str, doc: &serde_json::Value, what: &str) {
    if let Some(errors) = schema_errors(model, doc) {
        assert!(
            errors.is_empty(),
            "{what} is not valid OSCAL {model}:\n{}",
            errors.join("\n")
        );
    }
}

fn export(args: &[&str], out_name: &str) -> (tempfile::TempDir, PathBuf, common::Output) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(out_name);
    let mut all: Vec<&str> = args.to_vec();
    let o = out.to_str().unwrap().to_owned();
    all.extend_from_slice(&["-o", &o, "--today", TODAY]);
    let r = run(&all);
    (dir, out, r)
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const FIXTURES: [&str; 6] = [
    "break-fix-office",
    "clinic",
    "co-managed",
    "credit-union",
    "defense-subcontractor",
    "managed",
];

#[test]
fn ssp_of_every_fixture_is_valid_oscal() {
    for f in FIXTURES {
        let (_d, out, r) = export(
            &["export", "ssp", &format!("fixtures/{f}.yaml")],
            "ssp.json",
        );
        assert_eq!(r.code, 0, "{f}: {}", r.stderr);
        validate("ssp", &read_json(&out), f);
    }
    let (_d, out, r) = export(
        &[
            "export",
            "ssp",
            "fixtures/co-managed.yaml",
            "--as-provider",
            "northwind",
        ],
        "ssp.json",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    validate("ssp", &read_json(&out), "co-managed as northwind");
}

#[test]
fn poam_of_every_fixture_is_valid_oscal() {
    for f in FIXTURES {
        let (_d, out, r) = export(
            &["export", "poam", &format!("fixtures/{f}.yaml")],
            "poam.json",
        );
        assert_eq!(r.code, 0, "{f}: {}", r.stderr);
        if out.exists() {
            validate("poam", &read_json(&out), f);
        }
    }
}

#[test]
fn builtin_catalogs_export_as_valid_oscal() {
    for id in [
        "nist-800-53-conmon",
        "hipaa-security",
        "glba-safeguards",
        "cmmc",
        "service-model",
    ] {
        let r = run(&["catalog", "export", id, "--format", "oscal"]);
        assert_eq!(r.code, 0, "{id}: {}", r.stderr);
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        validate("catalog", &doc, id);
    }
}

#[test]
fn the_schema_check_rejects_broken_documents() {
    let (_d, out, r) = export(&["export", "ssp", "fixtures/co-managed.yaml"], "ssp.json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let good = read_json(&out);
    let Some(errors) = schema_errors("ssp", &good) else {
        return;
    };
    assert!(errors.is_empty(), "{errors:?}");
    // A version-1 UUID, a control id that is not a token, a missing required member and an
    // unknown member: each must be caught, or the validation above proves nothing.
    let mut bad = good.clone();
    bad["system-security-plan"]["uuid"] = "d0c5d0c5-0000-1000-8000-000000000000".into();
    assert!(
        !schema_errors("ssp", &bad).unwrap().is_empty(),
        "uuid version"
    );
    let mut bad = good.clone();
    bad["system-security-plan"]["control-implementation"]["implemented-requirements"][0]["control-id"] =
        "164.308(a)(1)".into();
    assert!(
        !schema_errors("ssp", &bad).unwrap().is_empty(),
        "token pattern"
    );
    let mut bad = good.clone();
    bad["system-security-plan"]
        .as_object_mut()
        .unwrap()
        .remove("import-profile");
    assert!(
        !schema_errors("ssp", &bad).unwrap().is_empty(),
        "required member"
    );
    let mut bad = good;
    bad["system-security-plan"]["metadata"]["colour"] = "blue".into();
    assert!(
        !schema_errors("ssp", &bad).unwrap().is_empty(),
        "unknown member"
    );
}

// ------------------------------------------------------------------ catalog round trip

#[test]
fn exported_catalogs_import_back_with_the_same_controls() {
    use gapcheck::catalog::Registry;
    let builtin = Registry::load(true, &[]).unwrap();
    for id in [
        "nist-800-53-conmon",
        "hipaa-security",
        "glba-safeguards",
        "cmmc",
        "service-model",
    ] {
        let r = run(&["catalog", "export", id, "--format", "oscal"]);
        assert_eq!(r.code, 0, "{id}: {}", r.stderr);
        let options = gapcheck::oscal::ImportOptions {
            id: Some(format!("{id}-again")),
        };
        let imported =
            gapcheck::oscal::import_str("exported.json", &r.stdout, true, None, &options)
                .unwrap_or_else(|e| panic!("{id}: {e}"));
        let again = imports::load(&imported);
        let original = builtin.get(id).unwrap();
        let back = again.get(&format!("{id}-again")).unwrap();
        let shape = |c: &gapcheck::catalog::Catalog| -> Vec<(String, String, String)> {
            let mut v: Vec<_> = c
                .controls
                .iter()
                .map(|k| (k.id.clone(), k.title.clone(), k.statement.clone()))
                .collect();
            v.sort();
            v
        };
        let (want, got) = (shape(original), shape(back));
        assert_eq!(want.len(), got.len(), "{id}: control count");
        for (w, g) in want.iter().zip(&got) {
            assert_eq!(w, g, "{id}: a control changed on the way through OSCAL");
        }
    }
}

// ------------------------------------------------------------------ fixture, snapshot, determinism

const DENTAL: &str = "tests/data/export/dental.yaml";

/// Every export of the small fixture, as (args, file name).
fn dental_exports() -> Vec<(Vec<&'static str>, &'static str)> {
    vec![
        (vec!["export", "ssp", DENTAL], "ssp.json"),
        (vec!["export", "ssp", DENTAL], "ssp.yaml"),
        (
            vec!["export", "ssp", DENTAL, "--as-provider", "northwind"],
            "provider-ssp.json",
        ),
        (vec!["export", "profile", DENTAL], "gapcheck-profile.json"),
        (vec!["export", "poam", DENTAL], "poam.json"),
        (vec!["export", "poam", DENTAL], "poam.csv"),
        (vec!["export", "findings", DENTAL], "findings.csv"),
    ]
}

#[test]
fn exports_are_byte_identical_across_runs() {
    for (args, name) in dental_exports() {
        let (_a, first, r1) = export(&args, name);
        let (_b, second, r2) = export(&args, name);
        assert_eq!(
            (r1.code, r2.code),
            (0, 0),
            "{name}: {}{}",
            r1.stderr,
            r2.stderr
        );
        assert_eq!(
            std::fs::read(&first).unwrap(),
            std::fs::read(&second).unwrap(),
            "{name} differs between two runs"
        );
    }
    let a = run(&["catalog", "export", "hipaa-security", "--format", "oscal"]);
    let b = run(&["catalog", "export", "hipaa-security", "--format", "oscal"]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn snapshots_of_every_export() {
    for (args, name) in dental_exports() {
        let (_d, out, r) = export(&args, name);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let text = std::fs::read_to_string(&out).unwrap();
        insta::assert_snapshot!(format!("dental-{name}"), text);
    }
    let r = run(&["catalog", "export", "service-model", "--format", "oscal"]);
    insta::assert_snapshot!("catalog-service-model.json", r.stdout);
}

#[test]
fn the_small_fixture_validates_in_every_oscal_form() {
    for (args, name) in dental_exports() {
        let (_d, out, r) = export(&args, name);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let text = std::fs::read_to_string(&out).unwrap();
        let doc: serde_json::Value = if name.ends_with(".yaml") {
            serde_saphyr::from_str(&text).unwrap()
        } else if name.ends_with(".json") {
            serde_json::from_str(&text).unwrap()
        } else {
            continue;
        };
        let model = if name.contains("ssp") {
            "ssp"
        } else if name.contains("poam") {
            "poam"
        } else {
            "profile"
        };
        validate(model, &doc, name);
    }
}

#[test]
fn yaml_and_json_ssp_say_the_same() {
    let (_a, json, _) = export(&["export", "ssp", DENTAL], "ssp.json");
    let (_b, yaml, r) = export(&["export", "ssp", DENTAL], "ssp.yaml");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let from_yaml: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(yaml).unwrap()).unwrap();
    assert_eq!(from_yaml, read_json(&json));
}

fn requirement<'a>(ssp: &'a serde_json::Value, label: &str) -> &'a serde_json::Value {
    ssp["system-security-plan"]["control-implementation"]["implemented-requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["props"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "label" && p["value"] == label)
        })
        .unwrap_or_else(|| panic!("no implemented requirement for {label}"))
}

fn origination(v: &serde_json::Value) -> Vec<String> {
    v["props"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "control-origination")
        .map(|p| p["value"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn ssp_maps_status_and_responsibility_as_the_readme_says() {
    let (_d, out, r) = export(&["export", "ssp", DENTAL], "ssp.json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ssp = read_json(&out);
    let state = |label: &str| {
        requirement(&ssp, label)["by-components"][0]["implementation-status"]["state"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // satisfied → implemented, partial → partial, gap → planned, waived → planned.
    assert_eq!(state("SM-06"), "implemented");
    assert_eq!(state("SM-07"), "partial");
    assert_eq!(state("SM-01"), "planned");
    assert_eq!(state("SM-08"), "planned");
    let waived = requirement(&ssp, "SM-08");
    let remarks = waived["by-components"][0]["implementation-status"]["remarks"]
        .as_str()
        .unwrap();
    assert!(
        remarks.contains("Office manager") && remarks.contains("2027-03-31"),
        "{remarks}"
    );
    // internal → organization, MSP → inherited, shared → both, one by-component per owner.
    assert_eq!(origination(requirement(&ssp, "SM-01")), ["organization"]);
    assert_eq!(origination(requirement(&ssp, "SM-06")), ["inherited"]);
    let shared = requirement(&ssp, "SM-04");
    assert_eq!(origination(shared), ["inherited", "organization"]);
    assert_eq!(shared["by-components"].as_array().unwrap().len(), 2);
    // Controls outside the arrangement's conditions are listed as not applicable.
    let sc = &ssp["system-security-plan"]["system-characteristics"];
    assert_eq!(sc["system-name"], "Harbor Dental practice systems");
    assert_eq!(sc["security-sensitivity-level"], "moderate");
    // The arrangement's digest is in the back matter.
    let sha = gapcheck::sha256_hex(&std::fs::read(DENTAL).unwrap());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains(&sha));
    assert_eq!(
        ssp["system-security-plan"]["import-profile"]["href"],
        "gapcheck-profile.json"
    );
}

#[test]
fn ssp_without_a_system_section_says_what_is_missing() {
    let (_d, out, r) = export(&["export", "ssp", "fixtures/managed.yaml"], "ssp.json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ssp = read_json(&out);
    let sc = &ssp["system-security-plan"]["system-characteristics"];
    for v in [
        &sc["description"],
        &sc["authorization-boundary"]["description"],
        &sc["system-information"]["information-types"][0]["description"],
    ] {
        assert!(v.as_str().unwrap().starts_with("PLACEHOLDER:"), "{v}");
    }
    assert!(sc["system-name"].as_str().unwrap().contains("placeholder"));
}

#[test]
fn nist_controls_carry_nists_oscal_ids() {
    let (_d, out, r) = export(&["export", "ssp", "fixtures/credit-union.yaml"], "ssp.json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ssp = read_json(&out);
    assert_eq!(requirement(&ssp, "SI-4(2)")["control-id"], "si-4.2");
    assert_eq!(requirement(&ssp, "314.4(d)(2)")["control-id"], "_314.4_d_2");
}

#[test]
fn provider_view_lists_what_it_provides_and_what_the_customer_does() {
    let (_d, out, r) = export(
        &["export", "ssp", DENTAL, "--as-provider", "northwind"],
        "ssp.json",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ssp = read_json(&out);
    // SM-04 (incident-response, shared with Harbor IT): provided, and a responsibility that
    // points at what is provided.
    let bc = &requirement(&ssp, "SM-04")["by-components"][0];
    let provided = &bc["export"]["provided"][0];
    let resp = &bc["export"]["responsibilities"][0];
    assert!(
        provided["description"]
            .as_str()
            .unwrap()
            .contains("incident-response")
    );
    assert_eq!(resp["provided-uuid"], provided["uuid"]);
    // SM-01 is the customer's alone: not in the provider's plan.
    let ids: Vec<&serde_json::Value> =
        ssp["system-security-plan"]["control-implementation"]["implemented-requirements"]
            .as_array()
            .unwrap()
            .iter()
            .collect();
    assert!(ids.iter().all(|r| !r.to_string().contains("\"SM-01\"")));
    // An internal provider has no provider's view.
    let (_e, out2, r) = export(
        &["export", "ssp", DENTAL, "--as-provider", "internal"],
        "x.json",
    );
    assert_eq!(r.code, 2);
    assert!(!out2.exists());
    let (_f, _, r) = export(
        &["export", "ssp", DENTAL, "--as-provider", "northwnd"],
        "x.json",
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("northwind"), "{}", r.stderr);
    // A provider with no part in any control has no plan to write.
    let dir = tempfile::tempdir().unwrap();
    let with_vendor = dir.path().join("a.yaml");
    let text = std::fs::read_to_string(DENTAL).unwrap().replace(
        "providers:\n",
        "providers:\n  repairs:\n    kind: break-fix\n    name: Corner repair shop\n",
    );
    std::fs::write(&with_vendor, text).unwrap();
    let (_g, out3, r) = export(
        &[
            "export",
            "ssp",
            with_vendor.to_str().unwrap(),
            "--as-provider",
            "repairs",
        ],
        "x.json",
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("owns no capability"), "{}", r.stderr);
    assert!(!out3.exists());
}

#[test]
fn poam_sheet_has_the_assessor_columns() {
    let (_d, out, r) = export(&["export", "poam", DENTAL], "poam.csv");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "item_id,catalog,control,title,weakness,source,severity,owner,scheduled_completion,milestones,status,risk_status,cmmc_poam_eligible,cmmc_points"
    );
    let rows: Vec<&str> = lines.collect();
    // Open: SM-01, SM-04 (gap), SM-07 (partial), SM-08 (waived).
    assert_eq!(rows.len(), 4, "{text}");
    let sm08 = rows.iter().find(|l| l.contains(",SM-08,")).unwrap();
    assert!(sm08.contains(",Office manager,2027-03-31,"), "{sm08}");
    assert!(sm08.contains("deviation-approved"), "{sm08}");
    let sm01 = rows.iter().find(|l| l.contains(",SM-01,")).unwrap();
    assert!(sm01.contains(",Harbor IT,,,gap,open,,"), "{sm01}");

    // CMMC: points and POA&M eligibility from the SPRS projection.
    let (_e, out, r) = export(
        &["export", "poam", "fixtures/defense-subcontractor.yaml"],
        "p.csv",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(out).unwrap();
    for row in text.lines().skip(1) {
        let cells: Vec<&str> = row.rsplitn(3, ',').collect();
        assert!(cells[0].parse::<i64>().is_ok(), "points in {row}");
        assert!(matches!(cells[1], "yes" | "no"), "eligibility in {row}");
    }
}

#[test]
fn findings_sheet_has_one_row_per_finding() {
    let (_d, out, r) = export(&["export", "findings", "fixtures/co-managed.yaml"], "f.csv");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(out).unwrap();
    let (_, report) = common::check_json(&["fixtures/co-managed.yaml"]);
    let n = report["findings"].as_array().unwrap().len();
    assert_eq!(text.lines().count(), n + 1);
    assert!(text.starts_with("catalog,control,title,status,severity,failing,"));
}

#[test]
fn invalid_arrangement_exits_2_and_writes_nothing() {
    for (cmd, name) in [
        ("ssp", "ssp.json"),
        ("poam", "poam.json"),
        ("poam", "poam.csv"),
        ("findings", "f.csv"),
        ("profile", "p.json"),
    ] {
        let (_d, out, r) = export(&["export", cmd, "fixtures/bad/undeclared-owner.yaml"], name);
        assert_eq!(r.code, 2, "{cmd}: {}", r.stderr);
        assert!(r.stderr.contains("undeclared-owner.yaml:"), "{}", r.stderr);
        assert!(!out.exists(), "{cmd} wrote {}", out.display());
    }
    // A wrong extension is a usage error before anything is read.
    let (_d, out, r) = export(&["export", "ssp", DENTAL], "ssp.csv");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(".json"), "{}", r.stderr);
    assert!(!out.exists());
    // A bad `system:` section is an input error with a position.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("a.yaml");
    let text = std::fs::read_to_string(DENTAL)
        .unwrap()
        .replace("status: operational", "status: running");
    std::fs::write(&bad, text).unwrap();
    let (_e, out, r) = export(&["export", "ssp", bad.to_str().unwrap()], "ssp.json");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("a.yaml:") && r.stderr.contains("operational"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
}

/// Every implemented requirement of a control with `requires` says, in its remarks, what
/// gapcheck requires and the catalog's `rationale` for it (issue 14: the rationale travels
/// with the mapping an auditor must be able to check).
#[test]
fn ssp_requirements_carry_the_requires_rationale() {
    let registry = match gapcheck::catalog::Registry::load(true, &[]) {
        Ok(r) => r,
        Err(e) => panic!("built-in catalogs do not load: {:#?}", e.0),
    };
    let (_d, out, r) = export(&["export", "ssp", "fixtures/clinic.yaml"], "ssp.json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ssp = read_json(&out);
    let reqs = ssp["system-security-plan"]["control-implementation"]["implemented-requirements"]
        .as_array()
        .unwrap();
    let catalog = registry.get("hipaa-security").unwrap();
    let mut with_rationale = 0;
    for req in reqs {
        let label = req["props"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "label")
            .unwrap()["value"]
            .as_str()
            .unwrap();
        let control = catalog.control(label).unwrap();
        let remarks = req["remarks"].as_str();
        match (&control.requires, &control.rationale) {
            (Some(_), Some(why)) => {
                let remarks = remarks.unwrap_or_else(|| panic!("{label}: no remarks"));
                assert!(
                    remarks.starts_with("gapcheck requires "),
                    "{label}: {remarks}"
                );
                assert!(
                    remarks.ends_with(&format!("Rationale: {why}")),
                    "{label}: {remarks}"
                );
                with_rationale += 1;
            }
            (None, None) => assert!(remarks.is_none(), "{label}"),
            _ => assert!(remarks.is_some(), "{label}"),
        }
    }
    assert!(
        with_rationale > 30,
        "only {with_rationale} requirements with a rationale"
    );
    // `any` reads as a choice, not as a list of everything.
    let any = reqs
        .iter()
        .filter_map(|r| r["remarks"].as_str())
        .find(|r| r.contains("any of ("));
    let all_any = catalog
        .controls
        .iter()
        .any(|c| matches!(c.requires, Some(gapcheck::catalog::Requirement::Any(_))));
    assert_eq!(any.is_some(), all_any);
    validate("ssp", &ssp, "clinic SSP");
}

/// The POA&M's `import-ssp` names the SSP exported from the same arrangement: the fixed
/// file name beside it, and that SSP's document UUID in its remarks.
#[test]
fn poam_imports_the_ssp_of_the_same_arrangement() {
    let (_d, poam_out, r) = export(&["export", "poam", DENTAL], "poam.json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let poam = read_json(&poam_out);
    let import = &poam["plan-of-action-and-milestones"]["import-ssp"];
    assert_eq!(import["href"], "gapcheck-ssp.json");
    let (_d2, ssp_out, r) = export(&["export", "ssp", DENTAL], "gapcheck-ssp.json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ssp_uuid = read_json(&ssp_out)["system-security-plan"]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        import["remarks"].as_str().unwrap().contains(&ssp_uuid),
        "{import}"
    );
    // A provider's SSP is another document: the POA&M names the organization's.
    let (_d3, prov, _) = export(
        &["export", "ssp", DENTAL, "--as-provider", "northwind"],
        "p.json",
    );
    let prov_uuid = read_json(&prov)["system-security-plan"]["uuid"].clone();
    assert!(
        !import["remarks"]
            .as_str()
            .unwrap()
            .contains(prov_uuid.as_str().unwrap())
    );
    validate("poam", &poam, "dental POA&M");
}
