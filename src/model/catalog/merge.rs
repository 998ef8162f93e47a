//! Merging catalogs: a user file that extends a built-in adds controls and profiles; every
//! added control is checked against the merged catalog.

use super::*;
use std::collections::HashMap;

/// Joins the files into catalogs and checks what spans files: unique catalog ids, `extends`
/// targets, unique control ids, id patterns, profiles and related references. `prebuilt`
/// catalogs were merged and checked when the binary was built: only controls added here
/// are checked (against them, too).
pub(super) fn merge(
    vocabulary: Vocabulary,
    mut catalogs: BTreeMap<String, Catalog>,
    files: Vec<CatalogFile>,
    diags: &mut Vec<Diagnostic>,
) -> Registry {
    // How many leading controls of each catalog were checked already.
    let checked: BTreeMap<String, usize> = catalogs
        .iter()
        .map(|(id, c)| (id.clone(), c.controls.len()))
        .collect();
    let skip = |id: &str| checked.get(id).copied().unwrap_or(0);
    let mut extensions = Vec::new();
    let err = |diags: &mut Vec<Diagnostic>, file: &str, pos: Pos, message: String, help: String| {
        diags.push(Diagnostic {
            level: crate::diag::Level::Error,
            file: file.to_owned(),
            pos: Some(pos),
            message,
            help: Some(help),
            source_line: None,
        });
    };
    for file in files {
        let source = SourceFile {
            path: file.path.clone(),
            sha256: file.sha256.clone(),
            builtin: file.builtin,
        };
        match file.header {
            Header::New(mut cat) => {
                if let Some(existing) = catalogs.get(&cat.id) {
                    err(
                        diags,
                        &file.path,
                        cat.pos,
                        format!(
                            "catalog id `{}` is already defined in {}",
                            cat.id, existing.files[0].path
                        ),
                        if existing.files[0].builtin {
                            format!(
                                "give this catalog another id, write `extends: {}` to add controls to the built-in one, or pass `--no-builtin` to use this file instead",
                                cat.id
                            )
                        } else {
                            format!(
                                "give this catalog another id, or write `extends: {}` to add controls to it",
                                cat.id
                            )
                        },
                    );
                    continue;
                }
                cat.files.push(source);
                cat.controls = file.controls;
                catalogs.insert(cat.id.clone(), *cat);
            }
            Header::Extends { id, pos } => extensions.push((id, pos, source, file.controls)),
        }
    }
    // Room for every extension's controls at once: growing by doubling would hold the old
    // and the new buffer together, and leave up to half of it unused (issue 17).
    let mut added: BTreeMap<String, usize> = BTreeMap::new();
    for (id, _, _, controls) in &extensions {
        *added.entry(id.clone()).or_default() += controls.len();
    }
    for (id, n) in added {
        if let Some(cat) = catalogs.get_mut(&id) {
            cat.controls.reserve_exact(n);
        }
    }
    for (id, pos, source, controls) in extensions {
        let Some(cat) = catalogs.get_mut(&id) else {
            let ids: Vec<&str> = catalogs.keys().map(String::as_str).collect();
            err(
                diags,
                &source.path,
                pos,
                format!("`extends: {id}` names no loaded catalog"),
                choose_help(&id, &ids),
            );
            continue;
        };
        cat.files.push(source);
        cat.controls.extend(controls);
    }
    for cat in catalogs.values() {
        // Hashed, not ordered: only membership is asked, and a `BTreeMap` compared ids that
        // share long prefixes a dozen times per control (issue 17: merge was the largest
        // part of the serial tail at 100,000 controls).
        let mut seen: HashMap<&str, &Control> = HashMap::with_capacity(cat.controls.len());
        let skip = skip(&cat.id);
        for (i, c) in cat.controls.iter().enumerate() {
            if let Some(first) = seen.insert(c.id.as_str(), c) {
                err(
                    diags,
                    &c.file,
                    c.pos,
                    format!("duplicate control id `{}` in catalog `{}`", c.id, cat.id),
                    format!(
                        "it is already defined at {}:{}:{}; remove or rename one",
                        first.file, first.pos.line, first.pos.column
                    ),
                );
            }
            if i < skip {
                continue;
            }
            if let Some(re) = &cat.id_pattern
                && !re.is_match(&c.id)
            {
                err(
                    diags,
                    &c.file,
                    c.pos,
                    format!(
                        "control id `{}` does not match the catalog's id_pattern `{}`",
                        c.id,
                        re.as_str()
                    ),
                    "use the official id format of this catalog, or fix `id_pattern`".into(),
                );
            }
            for fact in c.when.iter().flat_map(|w| &w.facts) {
                if !cat.facts.contains_key(fact) {
                    let names: Vec<&str> = cat.facts.keys().map(String::as_str).collect();
                    let help = if names.is_empty() {
                        format!(
                            "declare it in the catalog header: `facts: {{{fact}: what declaring it means}}`"
                        )
                    } else {
                        choose_help(fact, &names)
                    };
                    err(
                        diags,
                        &c.file,
                        c.pos,
                        format!("control `{}` tests undeclared fact `{fact}`", c.id),
                        help,
                    );
                }
            }
            for p in &c.profiles {
                if !cat.profiles.contains_key(p) {
                    let names: Vec<&str> = cat.profiles.keys().map(String::as_str).collect();
                    let help = if names.is_empty() {
                        "declare it under the header's `profiles:`".to_owned()
                    } else {
                        choose_help(p, &names)
                    };
                    err(
                        diags,
                        &c.file,
                        c.pos,
                        format!("control `{}` names undeclared profile `{p}`", c.id),
                        help,
                    );
                }
            }
        }
    }
    for cat in catalogs.values() {
        for c in &cat.controls[skip(&cat.id)..] {
            for r in &c.related {
                if let Some(target) = catalogs.get(&r.catalog)
                    && target.control(&r.control).is_none()
                {
                    let ids: Vec<&str> = target.controls.iter().map(|c| c.id.as_str()).collect();
                    err(
                        diags,
                        &c.file,
                        c.pos,
                        format!(
                            "control `{}` is related to `{r}`, which does not exist",
                            c.id
                        ),
                        choose_help(&r.control, &ids),
                    );
                }
            }
        }
    }
    Registry {
        vocabulary,
        catalogs,
        warnings: Vec::new(),
        not_loaded: Vec::new(),
    }
}
