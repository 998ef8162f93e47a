//! `gapcheck catalog …`: list, show, validate, export and import.

use super::*;

/// A mapping from a control's words to capabilities is a claim an auditor must be able to
/// check: every control with `requires` should say why in `rationale`. The user's controls
/// get a warning each; built-in ones one line in total.
pub(super) fn missing_rationales(registry: &Registry) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut builtin = 0;
    for cat in registry.catalogs.values() {
        let builtin_files: Vec<&str> = cat
            .files
            .iter()
            .filter(|f| f.builtin)
            .map(|f| f.path.as_str())
            .collect();
        for c in cat
            .controls
            .iter()
            .filter(|c| c.requires.is_some() && c.rationale.is_none())
        {
            if builtin_files.contains(&&*c.file) {
                builtin += 1;
                continue;
            }
            out.push(Diagnostic {
                level: Level::Warning,
                file: c.file.to_string(),
                pos: Some(c.pos),
                message: format!(
                    "control `{}` has `requires` but no `rationale`",
                    c.id
                ),
                help: Some("add `rationale:` naming the words of the control that justify each capability and threshold, e.g. \"'near real-time analysis' -> continuous\"".into()),
                source_line: None,
            });
        }
    }
    if builtin > 0 {
        out.push(Diagnostic {
            level: Level::Warning,
            file: "controls/".into(),
            pos: None,
            message: format!("{builtin} built-in controls have `requires` but no `rationale`"),
            help: Some("`gapcheck catalog show CATALOG:CONTROL` prints a control's mapping".into()),
            source_line: None,
        });
    }
    out
}

pub(super) fn catalog_command(c: CatalogCommand) -> Result<u8, Error> {
    match c {
        CatalogCommand::List { catalogs } => {
            let registry = load_registry(&catalogs)?;
            term::print(&crate::report::text::catalog_list(&registry), Content::Text)?;
            Ok(0)
        }
        CatalogCommand::Show { target, catalogs } => {
            let registry = load_registry(&catalogs)?;
            let (cat_id, control) = match target.split_once(':') {
                Some((c, k)) => (c, Some(k)),
                None => (target.as_str(), None),
            };
            let cat = registry.get(cat_id).ok_or_else(|| {
                Error::Usage(format!(
                    "no catalog `{cat_id}`; {}",
                    crate::diag::choose_help(cat_id, &registry.ids())
                ))
            })?;
            match control {
                None => term::print(&crate::report::text::catalog_overview(cat), Content::Text)?,
                Some(id) => {
                    let c = cat.control(id).ok_or_else(|| {
                        let ids: Vec<&str> = cat.controls.iter().map(|c| c.id.as_str()).collect();
                        Error::Usage(format!(
                            "catalog `{cat_id}` has no control `{id}`; {}",
                            crate::diag::choose_help(id, &ids)
                        ))
                    })?;
                    term::print(
                        &crate::report::text::control_detail(cat, c, &registry),
                        Content::Text,
                    )?;
                }
            }
            Ok(0)
        }
        CatalogCommand::Validate { paths, no_builtin } => {
            let registry = Registry::load(!no_builtin, &paths)?;
            print_warnings(&registry.warnings);
            print_warnings(&missing_rationales(&registry));
            let user: Vec<_> = registry
                .catalogs
                .values()
                .filter(|c| c.files.iter().any(|f| !f.builtin))
                .collect();
            // Count by the files the user named: a built-in path such as
            // controls/cmmc.yaml passed with --no-builtin is the user's file here.
            let controls: usize = user
                .iter()
                .map(|c| {
                    let theirs: Vec<&str> = c
                        .files
                        .iter()
                        .filter(|f| !f.builtin)
                        .map(|f| f.path.as_str())
                        .collect();
                    c.controls
                        .iter()
                        .filter(|k| theirs.contains(&&*k.file))
                        .count()
                })
                .sum();
            term::print(
                &format!(
                    "ok: {} catalog(s) with {controls} control(s) from {} path(s) are valid\n",
                    user.len(),
                    paths.len()
                ),
                Content::Text,
            )?;
            Ok(0)
        }
        CatalogCommand::Import {
            file,
            catalog,
            output,
            map,
            id,
            no_builtin,
        } => import_catalog(
            &file,
            catalog.as_deref(),
            output.as_deref(),
            map.as_deref(),
            id,
            !no_builtin,
        ),
        CatalogCommand::Export {
            id,
            format,
            catalogs,
        } if format == "oscal" => export::catalog_oscal(&id, &catalogs),
        CatalogCommand::Export { id, .. } => {
            let (_, text) = catalog::BUILTIN_CATALOGS
                .iter()
                .find(|(path, _)| {
                    path.trim_start_matches("controls/")
                        .trim_end_matches(".yaml")
                        == id
                })
                .ok_or_else(|| {
                    let ids: Vec<&str> = catalog::BUILTIN_CATALOGS
                        .iter()
                        .map(|(p, _)| p.trim_start_matches("controls/").trim_end_matches(".yaml"))
                        .collect();
                    Error::Usage(format!(
                        "no built-in catalog `{id}`; {}",
                        crate::diag::choose_help(&id, &ids)
                    ))
                })?;
            term::print(text, Content::Data)?;
            Ok(0)
        }
    }
}

/// `catalog import`: converts, validates the result exactly as `-c` would load it (with the
/// built-ins, so an id clash is caught now), then writes it.
pub(super) fn import_catalog(
    file: &std::path::Path,
    catalog: Option<&std::path::Path>,
    output: Option<&std::path::Path>,
    map: Option<&std::path::Path>,
    id: Option<String>,
    builtin: bool,
) -> Result<u8, Error> {
    let options = crate::oscal::ImportOptions { id };
    let imported = match catalog {
        Some(c) => crate::oscal::import_profile_file(file, c, map, &options),
        None => crate::oscal::import_file(file, map, &options),
    }
    .map_err(|e| Error::Invalid(e.into_diagnostics()))?;
    print_warnings(&imported.warnings);
    let shown = output.map_or_else(|| "<stdout>".to_owned(), |o| o.display().to_string());
    // The tree built with the text is validated as `-c` would validate the file, without
    // parsing the text back (tests check that the tree is what the text parses to). When it
    // does not validate, the text is loaded as written, so every message is exactly the one
    // `-c` prints for the file.
    let valid = imported
        .tree
        .as_ref()
        .is_some_and(|tree| Registry::load_tree(builtin, &shown, &imported.yaml, tree).is_ok());
    if !valid {
        Registry::load_text(builtin, &shown, &imported.yaml)?;
    }
    match output {
        Some(o) => {
            let mut inputs = vec![file.to_path_buf()];
            inputs.extend(catalog.map(std::path::Path::to_path_buf));
            inputs.extend(map.map(std::path::Path::to_path_buf));
            atomic::refuse_inputs(o, &inputs)?;
            atomic::write_atomic(o, imported.yaml.as_bytes())?;
            term::eprintln(&format!(
                "gapcheck: imported {} control(s) as catalog `{}` into {} ({} withdrawn skipped, {} left out as unmapped)",
                imported.controls,
                imported.id,
                o.display(),
                imported.withdrawn,
                imported.omitted
            ));
        }
        None => term::print(&imported.yaml, Content::Data)?,
    }
    Ok(0)
}
