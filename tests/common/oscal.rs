//! What makes it safe for `catalog import` to validate the tree it built while writing its
//! YAML instead of parsing the YAML back: for every import the OSCAL tests make, the written
//! text parses to exactly that tree (positions included), and both load into equal catalogs.

use gapcheck::catalog::Registry;
use gapcheck::diag::Sink;
use gapcheck::oscal::Imported;
use gapcheck::yaml::{self, Node, Value};

/// The imported catalog loaded exactly as `-c` would load the written file, after checking
/// that the import's own tree is what that file parses to.
pub fn load(imported: &Imported) -> Registry {
    let text = &imported.yaml;
    let mut sink = Sink::new("imported.yaml", text);
    let parsed = yaml::parse(text, &mut sink)
        .unwrap_or_else(|| panic!("the written catalog is not YAML: {:?}", sink.diagnostics));
    let tree = imported
        .tree
        .as_ref()
        .expect("an import with controls carries the tree it validated");
    if let Some(diff) = first_difference(&parsed, tree, "") {
        panic!("the tree built while writing differs from the written text: {diff}");
    }
    let from_text = Registry::load_text(false, "imported.yaml", text).unwrap_or_else(|e| {
        let shown: Vec<String> = e.0.iter().map(ToString::to_string).collect();
        panic!("imported catalog does not load:\n{}", shown.join("\n"))
    });
    let from_tree = Registry::load_tree(false, "imported.yaml", text, tree)
        .unwrap_or_else(|e| panic!("the import's tree does not load: {:?}", e.0));
    assert_eq!(
        format!("{:?}", from_text.catalogs),
        format!("{:?}", from_tree.catalogs),
        "the written catalog and the import's tree load differently"
    );
    // With the built-ins too, as the command line validates it: the same verdict and the
    // same imported catalog (the tree's load decodes only the built-ins the text names).
    let imported_only = |r: Registry| {
        let mine: Vec<_> = r
            .catalogs
            .values()
            .filter(|c| c.files.iter().any(|f| !f.builtin))
            .collect();
        format!("{mine:?}")
    };
    let with_builtins = (
        Registry::load_text(true, "imported.yaml", text).map(imported_only),
        Registry::load_tree(true, "imported.yaml", text, tree).map(imported_only),
    );
    match with_builtins {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        // The command line then prints the text's errors (it loads the text when the tree
        // fails), so only the verdict has to agree.
        (Err(_), Err(_)) => {}
        (a, b) => panic!(
            "with built-ins, text {:?} but tree {:?}",
            a.is_ok(),
            b.is_ok()
        ),
    }
    from_text
}

/// Where two trees first differ, as a path, so a failure points at the emitter's mistake.
fn first_difference(a: &Node, b: &Node, path: &str) -> Option<String> {
    if a.pos != b.pos {
        return Some(format!("{path}: position {:?} != {:?}", a.pos, b.pos));
    }
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path}: {} keys != {}", x.len(), y.len()));
            }
            x.iter().zip(y).find_map(|((ka, va), (kb, vb))| {
                let here = format!("{path}.{}", ka.name);
                if ka != kb {
                    Some(format!("{here}: key {ka:?} != {kb:?}"))
                } else {
                    first_difference(va, vb, &here)
                }
            })
        }
        (Value::Seq(x), Value::Seq(y)) => {
            if x.len() != y.len() {
                return Some(format!("{path}: {} items != {}", x.len(), y.len()));
            }
            x.iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (va, vb))| first_difference(va, vb, &format!("{path}[{i}]")))
        }
        (x, y) if x != y => Some(format!("{path}: {x:?} != {y:?}")),
        _ => None,
    }
}
