//! What the fuzz targets run and check. `tests/fuzz_corpus.rs` includes this same file, so
//! the committed corpus replays through exactly these code paths on stable Rust, and a crash
//! the fuzzer finds becomes a regression test by copying its input into `fuzz/corpus/`.
//!
//! Each function takes arbitrary bytes, as an untrusted file would arrive, and panics only
//! when an invariant breaks: the loaders must answer every input with a value or with located
//! diagnostics, and whatever loads must evaluate and render, deterministically.
#![allow(dead_code)] // each fuzz target uses one of the three entry points

use std::sync::OnceLock;

use gapcheck::arrangement;
use gapcheck::catalog::Registry;
use gapcheck::diag::{Diagnostic, Level};
use gapcheck::evaluate::{Options, Status};
use gapcheck::report::{self, Assessment, Format, RenderOptions};
use gapcheck::yaml::MAX_FILE_BYTES;

/// Separates a catalog from an arrangement in an `evaluate_render` input, so the fuzzer can
/// vary both the controls and the arrangement checked against them.
pub const CATALOG_SEPARATOR: &str = "\n#--- arrangement ---\n";

const ARRANGEMENT_PATH: &str = "fuzz-arrangement.yaml";
const CATALOG_PATH: &str = "fuzz-catalog.yaml";

fn builtin() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry::load(true, &[]).expect("the built-in catalogs load"))
}

/// The input as a file's text, or `None` where `catalog::read_text` would refuse the file
/// (too large, not UTF-8) before any parser sees it.
fn text(data: &[u8]) -> Option<&str> {
    if data.len() as u64 > MAX_FILE_BYTES {
        return None;
    }
    std::str::from_utf8(data).ok()
}

/// Loads a user catalog, with the built-in catalogs only when it `extends` one: parsing them
/// on every run would make the fuzzer twenty times slower for paths they rarely reach.
fn load_catalog(text: &str) -> Result<Registry, gapcheck::catalog::LoadErrors> {
    Registry::load_text(text.contains("extends"), CATALOG_PATH, text)
}

/// A refused input must say why, at a position inside the file, and print without panicking.
fn check_refusal(diags: &[Diagnostic], file: &str, text: &str) {
    assert!(
        diags.iter().any(|d| d.level == Level::Error),
        "refused without an error: {diags:?}"
    );
    // Lines as YAML counts them: a lone `\r` ends one too.
    let lines =
        text.matches('\n').count() + text.matches('\r').count() - text.matches("\r\n").count() + 1;
    for d in diags {
        assert!(!d.message.trim().is_empty(), "empty message: {d:?}");
        if d.file != file {
            // Errors that span files (a duplicate id) may name a built-in catalog.
            assert!(d.file.starts_with("controls/"), "unknown file in {d:?}");
            continue;
        }
        if let Some(p) = d.pos {
            assert!(p.line >= 1 && p.column >= 1, "position not 1-based: {d:?}");
            assert!(p.line as usize <= lines, "line past the end: {d:?}");
        }
        let shown = d.to_string();
        assert!(
            !shown
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "control character reaches the terminal: {shown:?}"
        );
    }
}

/// Loads bytes as an arrangement against the built-in catalogs.
pub fn arrangement(data: &[u8]) {
    let Some(text) = text(data) else { return };
    match arrangement::load(ARRANGEMENT_PATH, text, builtin()) {
        Ok((a, _warnings)) => assert!(!a.frameworks.is_empty(), "loaded without frameworks"),
        Err(diags) => check_refusal(&diags, ARRANGEMENT_PATH, text),
    }
}

/// Loads bytes as a user catalog next to the built-in ones.
pub fn catalog(data: &[u8]) {
    let Some(text) = text(data) else { return };
    match load_catalog(text) {
        Ok(registry) => {
            for c in registry.catalogs.values() {
                for control in &c.controls {
                    if let Some(re) = &c.id_pattern {
                        assert!(re.is_match(&control.id), "id_pattern not enforced");
                    }
                    assert!(!control.id.is_empty(), "empty control id loaded");
                }
            }
        }
        Err(e) => check_refusal(&e.0, CATALOG_PATH, text),
    }
}

/// Loads an optional catalog and an arrangement, then evaluates and renders every format.
pub fn evaluate_render(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let user_registry;
    let (registry, arrangement_text) = match text.split_once(CATALOG_SEPARATOR) {
        Some((catalog, rest)) => match load_catalog(catalog) {
            Ok(r) => {
                user_registry = r;
                (&user_registry, rest)
            }
            Err(_) => return,
        },
        None => (builtin(), text),
    };
    let Ok((a, _)) = arrangement::load(ARRANGEMENT_PATH, arrangement_text, registry) else {
        return;
    };
    let opts = Options::new(jiff::civil::date(2026, 1, 1));
    let assessment = Assessment::new(registry, &a, &opts);
    for f in &assessment.evaluation.findings {
        let needs_reason = matches!(
            f.status,
            Status::Gap | Status::Partial | Status::NeedsEvidence
        );
        assert!(
            !needs_reason || !f.reasons.is_empty(),
            "{}:{} is {:?} without a reason",
            f.catalog.id,
            f.control.id,
            f.status
        );
        assert!(!f.failing || needs_reason, "failing while {:?}", f.status);
    }
    let run = assessment.run(&a, registry, &opts, "2026-01-01T00:00:00Z".into(), None);
    let render_opts = RenderOptions::default();
    for format in [
        Format::Text,
        Format::Json,
        Format::Markdown,
        Format::Html,
        Format::Sarif,
        Format::Junit,
        Format::Csv,
    ] {
        let first = report::render(format, &run, &render_opts)
            .unwrap_or_else(|e| panic!("{format:?} does not render: {e}"));
        let again = report::render(format, &run, &render_opts).expect("renders twice");
        assert_eq!(first, again, "{format:?} is not deterministic");
        if matches!(format, Format::Json | Format::Sarif) {
            serde_json::from_str::<serde_json::Value>(&first)
                .unwrap_or_else(|e| panic!("{format:?} is not JSON: {e}"));
        }
    }
}

/// `catalog import`: an OSCAL catalog (JSON when it starts with `{`, else YAML) converts or
/// is refused with a message; a conversion is deterministic, stays within the expansion
/// budget, and loads as a catalog or is refused with located diagnostics.
pub fn oscal_import(data: &[u8]) {
    use gapcheck::oscal::{self, ImportOptions};
    let Some(text) = text(data) else { return };
    let json = text.trim_start().starts_with('{');
    let import = || {
        oscal::import_str(
            "fuzz-oscal.json",
            text,
            json,
            None,
            &ImportOptions::default(),
        )
    };
    match import() {
        Ok(imported) => {
            let again = import().expect("a second import of the same text succeeds");
            assert_eq!(imported.yaml, again.yaml, "import is not deterministic");
            assert!(
                imported.yaml.len() <= text.len() + oscal::MAX_EXPANDED_BYTES * 2 + (1 << 20),
                "output of {} bytes from {} bytes of input",
                imported.yaml.len(),
                text.len()
            );
            // The import validates the tree it built while writing instead of parsing its
            // text back: that tree must be exactly what the text parses to.
            if let Some(tree) = &imported.tree {
                let mut sink = gapcheck::diag::Sink::new("imported.yaml", &imported.yaml);
                let parsed = gapcheck::yaml::parse(&imported.yaml, &mut sink);
                assert_eq!(
                    parsed.as_ref(),
                    Some(tree),
                    "the import's tree is not what its text parses to"
                );
            }
            if let Err(e) = Registry::load_text(false, "imported.yaml", &imported.yaml) {
                assert!(
                    e.0.iter().any(|d| d.level == Level::Error),
                    "refused without an error"
                );
            }
        }
        Err(e) => {
            let diags = e.into_diagnostics();
            assert!(!diags.is_empty(), "refused without a diagnostic");
            for d in &diags {
                assert!(!d.message.trim().is_empty(), "empty message: {d:?}");
                let _ = d.to_string();
            }
        }
    }
}
