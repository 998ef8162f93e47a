//! OSCAL profiles: a profile imported together with its catalog, the selection (include-all,
//! include/exclude by id, child controls) resolved before conversion.

use super::*;

/// Imports the controls an OSCAL profile selects from `catalog` (the catalog the profile
/// imports: NIST's baseline profiles name theirs by a back-matter link, which gapcheck does
/// not fetch). The selection is resolved by id — `include-all`, `include-controls` and
/// `exclude-controls` with `with-ids` (and `with-child-controls: yes`); the profile's title
/// and version name the result. `modify` (parameter settings, alterations) is not applied:
/// statements keep the catalog's parameter text, and a warning says so.
pub fn import_profile_file(
    profile: &Path,
    catalog: &Path,
    map: Option<&Path>,
    options: &ImportOptions,
) -> Result<Imported, OscalError> {
    let (profile_file, profile_text) = read_oscal_text(profile)?;
    let profile_doc = parse_document(profile, &profile_file, &profile_text)?;
    let Some(prof) = profile_doc.profile else {
        return Err(match profile_doc.catalog {
            Some(_) => OscalError::Pairing {
                file: profile_file,
                path: "catalog".into(),
                message: "this file is an OSCAL catalog, and `--catalog` goes with a profile"
                    .into(),
                help: "import a catalog alone, without `--catalog`".into(),
            },
            None => neither(&profile_file),
        });
    };
    let (catalog_file, catalog_text) = read_oscal_text(catalog)?;
    let catalog_doc = parse_document(catalog, &catalog_file, &catalog_text)?;
    let Some(cat) = catalog_doc.catalog else {
        return Err(match catalog_doc.profile {
            Some(_) => OscalError::Pairing {
                file: catalog_file,
                path: "profile".into(),
                message: "`--catalog` names another OSCAL profile, not a catalog".into(),
                help: "pass the catalog the profile selects from; a profile of a profile is not resolved".into(),
            },
            None => neither(&catalog_file),
        });
    };
    let mapping = read_mapping_file(map)?;
    let selected = select(&profile_file, &prof, &catalog_file, &cat)?;
    let source = Source::Profile {
        metadata: &prof.metadata,
        selected: &selected,
    };
    let mut imported = convert(&catalog_file, &cat, &source, mapping.as_ref(), options)?;
    if prof.modify.is_some() {
        imported.warnings.push(Diagnostic {
            level: Level::Warning,
            file: profile_file,
            pos: None,
            message: "profile.modify: parameter settings and alterations are not applied; statements keep the catalog's parameter text".into(),
            help: Some("set organization-defined values in the catalog or the mapping's text if the report must show them".into()),
            source_line: None,
        });
    }
    Ok(imported)
}

/// Where the controls come from: a whole catalog, or a profile's selection from one.
pub(super) enum Source<'p> {
    Catalog,
    Profile {
        metadata: &'p Metadata<'p>,
        selected: &'p HashSet<String>,
    },
}

/// Every control id of a catalog (enhancements included) with the ids of its children.
pub(super) fn control_tree<'c>(cat: &'c OscalCatalog<'_>) -> HashMap<&'c str, Vec<&'c str>> {
    pub(super) fn walk<'c>(controls: &'c [OscalControl], out: &mut HashMap<&'c str, Vec<&'c str>>) {
        for c in controls {
            out.insert(
                c.id.as_str(),
                c.controls.iter().map(|k| k.id.as_str()).collect(),
            );
            walk(&c.controls, out);
        }
    }
    pub(super) fn groups<'c>(gs: &'c [Group], out: &mut HashMap<&'c str, Vec<&'c str>>) {
        for g in gs {
            walk(&g.controls, out);
            groups(&g.groups, out);
        }
    }
    let mut out = HashMap::new();
    walk(&cat.controls, &mut out);
    groups(&cat.groups, &mut out);
    out
}

/// The ids a profile selects from a catalog. Every id the profile names must be in the
/// catalog: one that is not means `--catalog` is not the catalog the profile imports.
pub(super) fn select(
    profile_file: &str,
    prof: &OscalProfile,
    catalog_file: &str,
    cat: &OscalCatalog,
) -> Result<HashSet<String>, OscalError> {
    let invalid = |path: String, message: String| OscalError::Invalid {
        file: profile_file.to_owned(),
        path,
        message,
    };
    let [import] = prof.imports.as_slice() else {
        return Err(invalid(
            "profile.imports".into(),
            format!(
                "gapcheck resolves a profile that imports one catalog; this one imports {}",
                prof.imports.len()
            ),
        ));
    };
    let tree = control_tree(cat);
    let mut missing: Vec<String> = Vec::new();
    let mut resolve = |selectors: &[Selector], what: &str| -> Result<HashSet<String>, OscalError> {
        let mut ids = HashSet::new();
        for (i, sel) in selectors.iter().enumerate() {
            let here = format!("profile.imports[0].{what}[{i}]");
            if !sel.matching.is_empty() {
                return Err(invalid(
                    format!("{here}.matching"),
                    "selection by `matching` patterns is not supported; list the controls by `with-ids`".into(),
                ));
            }
            let children = sel.with_child_controls.as_deref() == Some("yes");
            for id in &sel.with_ids {
                if !tree.contains_key(id.as_str()) {
                    missing.push(id.as_str().to_owned());
                    continue;
                }
                let mut stack = vec![id.as_str()];
                while let Some(next) = stack.pop() {
                    ids.insert(next.to_owned());
                    if children {
                        stack.extend(tree.get(next).into_iter().flatten().copied());
                    }
                }
            }
        }
        Ok(ids)
    };
    let mut selected = if import.include_all.is_some() {
        tree.keys().map(|k| (*k).to_owned()).collect()
    } else {
        resolve(&import.include_controls, "include-controls")?
    };
    let excluded = resolve(&import.exclude_controls, "exclude-controls")?;
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
        return Err(OscalError::Pairing {
            file: profile_file.to_owned(),
            path: "profile.imports[0]".into(),
            message: format!(
                "the profile selects {} control(s) that {catalog_file} does not have: {}{}",
                missing.len(),
                shown.join(", "),
                if missing.len() > shown.len() {
                    ", ..."
                } else {
                    ""
                },
            ),
            help: format!(
                "pass the catalog the profile imports (its import names `{}`)",
                import.href
            ),
        });
    }
    selected.retain(|id| !excluded.contains(id));
    if selected.is_empty() {
        return Err(invalid(
            "profile.imports[0]".into(),
            "the profile selects no control: give `include-all` or `include-controls` with `with-ids`".into(),
        ));
    }
    Ok(selected)
}
