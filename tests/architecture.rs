//! The house rules of ARCHITECTURE.md, checked on the source: modules live in layer folders
//! (support → input → model → engine → output → cli), a module imports only from its own
//! layer or a lower one, and no two modules import each other, directly or through others.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. `cli` is the top: `src/cli.rs` and `src/cli/`.
const LAYERS: [&str; 6] = ["support", "input", "model", "engine", "output", "cli"];

/// The largest a source file may grow before it should be split by idea (issue 12).
const MAX_LINES: usize = 650;

/// A module of the crate: its layer and its name (`model/catalog.rs` → model, catalog;
/// `engine/evidence/read/fold.rs` → engine, evidence).
fn module_of(rel: &Path) -> Option<(usize, String)> {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let stem = |s: &str| s.trim_end_matches(".rs").to_owned();
    match parts.as_slice() {
        [file] if file == "cli.rs" => Some((5, "cli".into())),
        [dir, ..] if dir == "cli" => Some((5, "cli".into())),
        [file] => {
            assert!(
                file == "lib.rs" || file == "main.rs",
                "src/{file} lies outside the layer folders {LAYERS:?}: move it into one"
            );
            None
        }
        [layer, file] if file == "mod.rs" => Some((layer_index(layer), layer.clone())),
        [layer, module, ..] => Some((layer_index(layer), stem(module))),
        [] => None,
    }
}

fn layer_index(name: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| *l == name)
        .unwrap_or_else(|| panic!("src/{name}/ is not a layer folder ({LAYERS:?})"))
}

fn sources() -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(&src)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.strip_prefix(&src).unwrap().to_path_buf())
        .collect();
    out.sort();
    out
}

/// The crate-level names a file refers to: `crate::x` in paths and `crate::{x, y::z}` groups.
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// Every module (and layer) name, with its layer. Root items of lib.rs (`sha256_hex`) count
/// as support.
fn names() -> BTreeMap<String, (usize, String)> {
    let mut names = BTreeMap::new();
    for rel in sources() {
        if let Some((layer, module)) = module_of(&rel) {
            names.insert(module.clone(), (layer, module));
            names.insert(LAYERS[layer].to_owned(), (layer, LAYERS[layer].to_owned()));
        }
    }
    names.insert("sha256_hex".into(), (0, "support".into()));
    names
}

/// module → modules it imports (other than itself), with the file that does it.
fn graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let names = names();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for rel in sources() {
        let Some((_, module)) = module_of(&rel) else {
            continue;
        };
        let text = std::fs::read_to_string(src.join(&rel)).unwrap();
        let entry = graph.entry(module.clone()).or_default();
        for name in crate_refs(&text) {
            let Some((_, target)) = names.get(&name) else {
                continue; // a macro or item exported at the root, e.g. `crate::keywords!`
            };
            if *target != module {
                entry
                    .entry(target.clone())
                    .or_insert_with(|| rel.display().to_string());
            }
        }
    }
    graph
}

#[test]
fn every_module_lives_in_a_layer_folder() {
    let layers: BTreeSet<usize> = sources()
        .iter()
        .filter_map(|r| module_of(r))
        .map(|(l, _)| l)
        .collect();
    assert_eq!(layers.len(), LAYERS.len(), "each layer holds modules");
}

#[test]
fn imports_point_down_the_layers() {
    let names = names();
    let layer_of = |m: &str| names[m].0;
    let mut wrong = Vec::new();
    for (module, targets) in graph() {
        for (target, file) in targets {
            if layer_of(&target) > layer_of(&module) {
                wrong.push(format!(
                    "src/{file}: `{module}` ({}) imports `{target}` ({})",
                    LAYERS[layer_of(&module)],
                    LAYERS[layer_of(&target)]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "upward imports:\n{}", wrong.join("\n"));
}

#[test]
fn no_import_circle_among_modules() {
    let graph = graph();
    // Depth-first search with colours; a grey node reached again closes a circle.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(m.to_owned(), 1);
        stack.push(m.to_owned());
        for next in graph.get(m).into_iter().flat_map(|t| t.keys()) {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|s| s == next).unwrap();
                    let mut circle = stack[start..].to_vec();
                    circle.push(next.clone());
                    return Some(circle);
                }
                0 => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        if state.get(m).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(circle) = visit(m, &graph, &mut state, &mut stack) {
                panic!("import circle: {}", circle.join(" → "));
            }
        }
    }
}

#[test]
fn the_checker_sees_imports_and_circles() {
    // The checks above would pass vacuously if no import were found.
    let refs = crate_refs("use crate::{catalog::Registry, diag};\nlet x = crate::yaml::parse();");
    assert_eq!(
        refs.into_iter().collect::<Vec<_>>(),
        ["catalog", "diag", "yaml"]
    );
    let graph = graph();
    assert!(graph["evaluate"].contains_key("catalog"));
    assert!(graph["cli"].contains_key("report"));
}

#[test]
fn no_source_file_holds_several_ideas() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let long: Vec<String> = sources()
        .into_iter()
        .filter_map(|rel| {
            let n = std::fs::read_to_string(src.join(&rel))
                .unwrap()
                .lines()
                .count();
            let shown = rel.display().to_string().replace('\\', "/");
            (n > MAX_LINES).then(|| format!("src/{shown} has {n} lines"))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these by idea (ARCHITECTURE.md), at most {MAX_LINES} lines each:\n{}",
        long.join("\n")
    );
}
